package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;

class AdamUpdateTest {
    @AfterEach
    void switchesBackOn() {
        PlanSwitch.disable();
    }

    @Test
    void threeStepsOfOneWeightMatchTheFormulaWorkedOutInDecimal() {
        // w = 1, lr = 1e-3, β = (0.9, 0.999), ε = 1e-8, gradients 0.5, −0.25, 0. Expected values from Python's
        // decimal module at 30 digits, independently of this code (compared to 1e-14 relative: double rounding):
        //   m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², w ← w − lr·√(1−β₂ᵗ)/(1−β₁ᵗ)·m/(√v + ε), t = 1, 2, 3
        double[] expectedW = {0.999000000632455132, 0.998733663743517927, 0.998527784556500422};
        double[] expectedM = {0.05, 0.02, 0.018};
        double[] expectedV = {0.00025, 0.00031225, 0.00031193775};
        double[] gradients = {0.5, -0.25, 0};
        INDArray w = Nd4j.createFromArray(1.0);
        INDArray state = Nd4j.zeros(DataType.DOUBLE, 1, 2);
        Adam config = new Adam(1e-3);
        for (int step = 0; step < 3; step++) {
            INDArray g = Nd4j.createFromArray(gradients[step]);
            assertTrue(AdamUpdate.apply(w, g, state, config, 1e-3, step));
            assertEquals(expectedW[step], w.getDouble(0), 1e-14 * expectedW[step], "w after step " + (step + 1));
            assertEquals(expectedM[step], state.getDouble(0), 1e-14 * expectedM[step], "m after step " + (step + 1));
            assertEquals(expectedV[step], state.getDouble(1), 1e-14 * expectedV[step], "v after step " + (step + 1));
            assertEquals(gradients[step], g.getDouble(0), 0, "the gradient is left unchanged");
        }
    }

    @Test
    void fiveStepsEqualNd4jsAdamUpdaterForBothTypesAndAScheduledRate() {
        // The native path ModelParameters takes when this one declines: adam_updater into a copy of the gradient,
        // then value − update. Same state layout (m, then v), same schedule lookup by iteration.
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            Random random = new Random(3);
            long[] shape = {7, 5};
            Adam config = new Adam(new StepSchedule(ScheduleType.ITERATION, 0.01, 0.5, 2));
            INDArray ours = Nd4j.rand(type, shape).subi(0.5);
            INDArray theirs = ours.dup();
            INDArray ourState = Nd4j.zeros(type, 1, 70);
            INDArray theirState = Nd4j.zeros(type, 1, 70);
            AdamUpdater nd4j = (AdamUpdater) config.instantiate(theirState, true);
            for (int step = 0; step < 5; step++) {
                INDArray gradient = Nd4j.randn(type, shape).muli(random.nextDouble() * 3);
                if (step == 3) {
                    gradient.getRow(2).assign(0);
                }
                assertTrue(AdamUpdate.apply(ours, gradient, ourState, config, config.getLearningRate(step, 0), step));
                INDArray update = gradient.dup().reshape(1, 35);
                nd4j.applyUpdater(update, step, 0);
                theirs.subi(update.reshape(shape));
                assertClose(theirs, ours, type, type + " weights after step " + step);
                assertClose(theirState, ourState, type, type + " state after step " + step);
            }
        }
    }

    @Test
    void declinesWhatItCannotUpdateInPlaceAndWhenSwitchedOff() {
        Adam config = new Adam(1e-3);
        INDArray w = Nd4j.rand(DataType.FLOAT, 4, 3);
        INDArray g = Nd4j.rand(DataType.FLOAT, 4, 3);
        INDArray state = Nd4j.zeros(DataType.FLOAT, 1, 24);
        INDArray before = w.dup();
        assertFalse(AdamUpdate.apply(w, g.castTo(DataType.DOUBLE), state, config, 1e-3, 0), "mixed types");
        assertFalse(AdamUpdate.apply(w, Nd4j.rand(DataType.FLOAT, 3, 4).transpose(), state, config, 1e-3, 0),
                "an f-ordered gradient");
        assertFalse(AdamUpdate.apply(w, g, Nd4j.zeros(DataType.FLOAT, 1, 26).get(
                org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 26)), config, 1e-3, 0), "a shifted state view");
        assertFalse(AdamUpdate.apply(w, g, Nd4j.zeros(DataType.FLOAT, 1, 12), config, 1e-3, 0), "a short state");
        assertFalse(AdamUpdate.apply(w, g, null, config, 1e-3, 0), "no state");
        PlanSwitch.disable(PlanSwitch.ADAM);
        assertFalse(AdamUpdate.apply(w, g, state, config, 1e-3, 0), "switched off");
        assertEquals(before, w, "nothing was written");
        assertEquals(0, state.sumNumber().doubleValue(), 0);
    }

    /** Equal up to C++'s fused multiply-adds: a few units in the last place of the larger magnitude. */
    private static void assertClose(INDArray expected, INDArray actual, DataType type, String what) {
        double[] e = expected.dup().data().asDouble();
        double[] a = actual.dup().data().asDouble();
        assertEquals(e.length, a.length, what);
        for (int i = 0; i < e.length; i++) {
            double scale = Math.max(Math.abs(e[i]), Math.abs(a[i]));
            double ulp = type == DataType.FLOAT ? Math.ulp((float) scale) : Math.ulp(scale);
            assertEquals(e[i], a[i], 4 * ulp, what + " [" + i + "]");
        }
    }
}
