package io.github.branchwise.runtime.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Arrays handed to a fitting are checked whole before the first step: a bad row is named by its input or branch and
 * its row in the array as given, and costs no update.
 */
class WholeArrayChecksTest {
    private static final ModelSpec SPEC = TrainingModels.mapAndClass();

    private static Fitting fitting() {
        return Fitting.of(Trainer.create(SPEC, TrainingOptions.builder().seed(3).updater(new Sgd(0.1)).build()));
    }

    private static FitConfig oneEpoch() {
        return FitConfig.builder().epochs(1).silent().build();
    }

    @Test
    void aNanInTheLastRowIsReportedByItsRowBeforeAnyUpdate() {
        INDArray[][] data = TrainingModels.mapAndClassData(200, 1);
        data[0][0].putScalar(new long[] {199, 2, 3, 0}, Float.NaN);
        Fitting fitting = fitting();
        Map<String, INDArray> before = fitting.trainer().parameters();

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> fitting.fit(DataSource.arrays(data[0], data[1], 16), oneEpoch()));

        assertTrue(e.getMessage().contains("input 'image'"), e.getMessage());
        assertTrue(e.getMessage().contains("[199, 2, 3, 0]"), e.getMessage());
        assertEquals(0, fitting.trainer().iteration(), "no step was taken");
        before.forEach((name, value) -> assertEquals(value, fitting.trainer().parameters().get(name), name));
    }

    @Test
    void aBadTargetRangeIsNamedByItsBranch() {
        INDArray[][] data = TrainingModels.mapAndClassData(50, 2);
        data[1][0].putScalar(new long[] {37, 1, 0, 0}, 2.0);
        Fitting fitting = fitting();

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> fitting.fit(DataSource.arrays(data[0], data[1], 16), oneEpoch()));

        assertTrue(e.getMessage().contains("target of branch 'map'"), e.getMessage());
        assertTrue(e.getMessage().contains("[0, 1]"), e.getMessage());
        assertEquals(0, fitting.trainer().iteration());
    }

    @Test
    void arraysOfDifferentLengthsAreNamedAgainstTheModel() {
        INDArray[][] data = TrainingModels.mapAndClassData(30, 3);
        INDArray shortKinds = data[1][1].get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 29)).dup();
        Fitting fitting = fitting();

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fitting.fit(
                DataSource.arrays(data[0], new INDArray[] {data[1][0], shortKinds}, 8), oneEpoch()));

        assertTrue(e.getMessage().contains("target of branch 'kind' has batch size 29 but input 'image' has batch "
                + "size 30"), e.getMessage());
        assertFalse(e.getMessage().contains("targets["), e.getMessage());
    }

    @Test
    void validationArraysAreCheckedBeforeTrainingToo() {
        INDArray[][] train = TrainingModels.mapAndClassData(40, 4);
        INDArray[][] validation = TrainingModels.mapAndClassData(10, 5);
        validation[1][1] = Nd4j.zeros(10, 4);
        Fitting fitting = fitting();

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fitting.fit(
                DataSource.arrays(train[0], train[1], 8), FitConfig.builder().epochs(1).silent()
                        .validation(validation[0], validation[1], 5).build()));

        assertTrue(e.getMessage().contains("target of branch 'kind' must have shape [batch, 3]"), e.getMessage());
        assertEquals(0, fitting.trainer().iteration(), "the validation data was refused before the first step");
    }
}
