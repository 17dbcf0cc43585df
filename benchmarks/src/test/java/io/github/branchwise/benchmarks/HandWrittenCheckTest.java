package io.github.branchwise.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.ExecutorKind;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link HandWritten}, the baseline the benchmarks time the generated models against, does the generated models'
 * maths in every cell of {@code TrainingStepBenchmark} (workload × weighting strategy): after 1 and after 3 SGD steps,
 * an epoch ending after each, every parameter (the weighting's included), every loss and every branch weight agree
 * within {@link HandWrittenCheck#TOLERANCE}. A hand-written step that drifted from the generated one would make every
 * hand-written timing meaningless.
 *
 * <p>The strategies' maths in {@link HandWritten} (MGDA's min-norm weights, PCGrad's projections, DWA's epoch ratios,
 * GradNorm's update, ...) is written independently of the runtime's {@code strategies} package on purpose: this test
 * compares the runtime against it, which it could not do if the reference called the runtime's code.
 *
 * <p>All 38 cells take 15–30 s on 2 cores (one OpenMP thread, set in the pom), 3 steps each.
 */
class HandWrittenCheckTest {
    private static final int STEPS = 3;

    /** Every workload of TrainingStepBenchmark × every strategy but CUSTOM, the excluded pairs included. */
    static Stream<Arguments> cells() {
        return HandWrittenCheck.WORKLOADS.stream()
                .flatMap(workload -> HandWrittenCheck.STRATEGIES.stream().map(s -> Arguments.of(workload, s)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cells")
    void handWrittenStepsEqualTheGeneratedModels(Workloads.Workload workload, Weighting strategy) {
        String excluded = workload.excluded(strategy);
        // Skipped, with the reason in the report: GRADNORM on the seed model, which the runtime refuses.
        assumeTrue(excluded == null, () -> "excluded: " + excluded);

        HandWrittenCheck.Result result = HandWrittenCheck.run(workload, strategy, ExecutorKind.COMPILED, STEPS);
        String described = workload + " " + strategy + ": " + result.describe(ExecutorKind.COMPILED);
        // The numbers docs/performance.md quotes ("Benchmarks", HandWrittenCheckTest).
        System.out.println(described);

        assertTrue(result.passed(), described);
        assertTrue(result.lossError() <= HandWrittenCheck.TOLERANCE, () -> "losses differ: " + described);
        double[] hand = result.handWeights();
        double[] generated = result.generatedWeights();
        assertEquals(generated.length, hand.length, () -> "branch count differs: " + described);
        double scale = 1e-12;
        for (double w : generated) {
            scale = Math.max(scale, Math.abs(w));
        }
        for (int i = 0; i < hand.length; i++) {
            int branch = i;
            assertTrue(Math.abs(hand[i] - generated[i]) <= HandWrittenCheck.TOLERANCE * scale,
                    () -> String.format(Locale.ROOT, "weight of branch %d differs: %s", branch, described));
        }
    }
}
