package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.training.Trainer;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The seed's training run (inputs zeros(7,5,5,2), targets all ones, SGD lr 0.01) checked against a recurrence
 * worked out by hand.
 *
 * <p>With zero inputs every weight gradient is zero and each head outputs σ(bias). With p = σ(b) and target 1,
 * BCE is -ln p and its derivative in b is p - 1. The localization bias b₁ is shared by 9 positions, each
 * classification bias b₂ by one of 2 outputs, so ∂L₁/∂b₁ = σ(b₁) - 1 and ∂L₂/∂b₂ⱼ = (σ(b₂) - 1)/2; with the
 * total α·L₁ + (1 - α)·L₂, ∂total/∂α = L₁ - L₂.
 */
class SeedTrainingTest {
    private static final int STEPS = 20;
    private static final double LR = 0.01;

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    @Test
    void lossesAndAlphaFollowTheHandComputedRecurrence() {
        Trainer trainer = Trainer.create(TestModels.detector(), TrainingOptions.builder()
                .updater(new Sgd(LR)).dataType(DataType.DOUBLE).build());
        Map<String, INDArray> before = trainer.parameterValues();
        INDArray[] inputs = {Nd4j.zeros(DataType.DOUBLE, 7, 5, 5, 2)};
        INDArray[] targets = {Nd4j.ones(DataType.DOUBLE, 7, 3, 3, 1), Nd4j.ones(DataType.DOUBLE, 7, 2)};

        double b1 = 0;
        double b2 = 0;
        double alpha = 0.5;
        for (int step = 0; step < STEPS; step++) {
            double l1 = -Math.log(sigmoid(b1));
            double l2 = -Math.log(sigmoid(b2));
            Losses result = trainer.fit(inputs, targets);
            assertEquals(l1, result.branchLoss(0), 1e-12, "localization loss at step " + step);
            assertEquals(l2, result.branchLoss(1), 1e-12, "classification loss at step " + step);
            assertEquals(alpha * l1 + (1 - alpha) * l2, result.total(), 1e-12, "total at step " + step);

            double gradB1 = alpha * (sigmoid(b1) - 1);
            double gradB2 = (1 - alpha) * (sigmoid(b2) - 1) / 2;
            double gradAlpha = l1 - l2;
            b1 -= LR * gradB1;
            b2 -= LR * gradB2;
            alpha = Math.min(1, Math.max(0, alpha - LR * gradAlpha));
            assertEquals(alpha, trainer.weights()[0], 1e-12, "alpha after step " + step);
            assertEquals(1 - alpha, trainer.weights()[1], 1e-12, "1 - alpha after step " + step);
        }
        Map<String, INDArray> after = trainer.parameterValues();
        assertEquals(b1, after.get("localization/conv2d_0/b").getDouble(0), 1e-12);
        assertEquals(b2, after.get("classification/dense_0/b").getDouble(0), 1e-12);
        assertEquals(b2, after.get("classification/dense_0/b").getDouble(1), 1e-12);
        // Zero inputs: the weights get zero gradients and do not move at all.
        assertEquals(before.get("localization/conv2d_0/W"), after.get("localization/conv2d_0/W"));
        assertEquals(before.get("classification/dense_0/W"), after.get("classification/dense_0/W"));
        // The first step has L1 = L2 = ln 2, so alpha only starts to move at the second step; then it grows
        // towards the branch whose loss is smaller (the localization bias learns 2x faster).
        assertNotEquals(0.5, alpha);
        assertEquals(true, alpha > 0.5);
    }

    @Test
    void firstStepNumbers() {
        Trainer trainer = Trainer.create(TestModels.detector(), TrainingOptions.builder().updater(new Sgd(LR)).build());
        Losses first = trainer.fit(new INDArray[] {Nd4j.zeros(7, 5, 5, 2)},
                new INDArray[] {Nd4j.ones(7, 3, 3, 1), Nd4j.ones(7, 2)});
        assertEquals(Math.log(2), first.branchLoss(0), 1e-6);
        assertEquals(Math.log(2), first.branchLoss(1), 1e-6);
        assertEquals(Math.log(2), first.total(), 1e-6);
        Map<String, INDArray> p = trainer.parameterValues();
        // b1 = 0 - 0.01 * 0.5 * (0.5 - 1) = 0.0025; b2 = 0 - 0.01 * 0.5 * (0.5 - 1) / 2 = 0.00125.
        assertEquals(0.0025, p.get("localization/conv2d_0/b").getDouble(0), 1e-7);
        assertArrayEquals(new double[] {0.00125, 0.00125},
                p.get("classification/dense_0/b").toDoubleVector(), 1e-7);
        assertEquals(0.5, trainer.weights()[0], 0.0);
    }
}
