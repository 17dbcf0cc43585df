package io.github.branchwise.runtime.strategies;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.annotations.PcGradOrder;
import io.github.branchwise.runtime.weighting.BranchGradients;
import io.github.branchwise.runtime.weighting.StepInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * PCGrad's visiting order with three branches, on a Gram matrix chosen so that a branch's own gradient can matter
 * ({@code conventions/pcgrad_self.py}: the summed coefficients for every possible order, from the paper's rule in
 * NumPy). The order is random per step, so the test runs many steps and checks that every update is one the rule
 * allows for the order chosen, and that {@link PcGradOrder#ALL} reaches updates that {@link PcGradOrder#OTHERS}
 * cannot.
 */
class PcGradOrderTest {
    private static final List<String> SHARED = List.of("trunk/W");

    /** The Gram matrix and coefficients of the script, by key. */
    private static Map<String, double[]> reference() throws IOException {
        try (InputStream in = PcGradOrderTest.class.getResourceAsStream("/conventions/pcgrad_self.txt")) {
            Map<String, double[]> values = new java.util.HashMap<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    String[] parts = line.split(" = ", 2);
                    values.put(parts[0].trim(), Arrays.stream(parts[1].trim().split(" "))
                            .mapToDouble(Double::parseDouble).toArray());
                }
            }
            return values;
        }
    }

    /** Only what PCGrad reads of a step: the Gram matrix of the shared gradients; records the coefficients. */
    private static final class GramOnly implements BranchGradients {
        private final double[][] gram;
        private final StepInfo step;
        double[] sharedCoefficients;

        GramOnly(double[][] gram, long iteration) {
            this.gram = gram;
            this.step = new StepInfo(iteration, 0, 17);
        }

        @Override
        public int branches() {
            return gram.length;
        }

        @Override
        public Set<String> parameterNames() {
            return Set.copyOf(SHARED);
        }

        @Override
        public INDArray gradient(int branch, String parameter) {
            throw new UnsupportedOperationException();
        }

        @Override
        public double[] losses() {
            return new double[gram.length];
        }

        @Override
        public List<String> sharedParameters() {
            return SHARED;
        }

        @Override
        public Map<String, List<String>> sharedScopes() {
            return Map.of("trunk", SHARED);
        }

        @Override
        public StepInfo step() {
            return step;
        }

        @Override
        public double dot(int a, int b, List<String> parameters) {
            return gram[a][b];
        }

        @Override
        public double norm(int branch, String parameter) {
            return Math.sqrt(gram[branch][branch]);
        }

        @Override
        public double[][] gram(List<String> parameters) {
            return gram;
        }

        @Override
        public Map<String, INDArray> combine(double[] coefficients) {
            throw new UnsupportedOperationException("PCGrad combines the shared parameters with their own coefficients");
        }

        @Override
        public Map<String, INDArray> combine(double[] coefficients, List<String> these, double[] forThese) {
            assertEquals(SHARED, these);
            sharedCoefficients = forThese.clone();
            return Map.of();
        }
    }

    private static List<double[]> outcomes(Map<String, double[]> reference, String name) {
        List<double[]> outcomes = new ArrayList<>();
        for (int n = 0; reference.containsKey(name + "." + n); n++) {
            outcomes.add(reference.get(name + "." + n));
        }
        return outcomes;
    }

    private static boolean among(double[] value, List<double[]> outcomes) {
        return outcomes.stream().anyMatch(o -> {
            for (int i = 0; i < o.length; i++) {
                if (Math.abs(o[i] - value[i]) > 1e-12) {
                    return false;
                }
            }
            return true;
        });
    }

    @Test
    void everyUpdateIsOneTheOrderAllowsAndAllReachesUpdatesOthersCannot() throws IOException {
        Map<String, double[]> reference = reference();
        double[] flat = reference.get("gram");
        double[][] gram = {Arrays.copyOfRange(flat, 0, 3), Arrays.copyOfRange(flat, 3, 6), Arrays.copyOfRange(flat, 6, 9)};
        List<double[]> others = outcomes(reference, "others");
        List<double[]> all = outcomes(reference, "all");
        assertEquals(8, reference.get("count.all_only")[0], "the script's gradients make the order matter");
        int allOnly = 0;
        for (long step = 0; step < 60; step++) {
            GramOnly paper = new GramOnly(gram, step);
            new PcGradWeighter(PcGradOrder.OTHERS).combineGradients(paper);
            assertTrue(among(paper.sharedCoefficients, others), "OTHERS at step " + step + ": "
                    + Arrays.toString(paper.sharedCoefficients));
            GramOnly libmtl = new GramOnly(gram, step);
            new PcGradWeighter(PcGradOrder.ALL).combineGradients(libmtl);
            assertTrue(among(libmtl.sharedCoefficients, all), "ALL at step " + step + ": "
                    + Arrays.toString(libmtl.sharedCoefficients));
            allOnly += among(libmtl.sharedCoefficients, others) ? 0 : 1;
        }
        assertTrue(allOnly > 0, "in 60 steps ALL never visited a branch's own gradient where it matters");
    }
}
