package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.runtime.weighting.BranchGradients;
import io.github.branchwise.runtime.weighting.StepInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link BranchGradients}' Java passes against a straightforward double-precision reference computed here from the
 * same values (Java arrays, no ND4J maths), and the reuse of its buffers from step to step.
 */
class BranchGradientBuffersTest {
    private static final Map<String, long[]> SHAPES = new LinkedHashMap<>();

    static {
        SHAPES.put("trunk/dense_0/W", new long[] {37, 23});
        SHAPES.put("trunk/dense_0/b", new long[] {23});
        SHAPES.put("a/dense_0/W", new long[] {23, 5});
        SHAPES.put("weighting/logits", new long[] {3});
    }

    private static final List<String> SHARED = List.of("trunk/dense_0/W", "trunk/dense_0/b");

    /** Random values per branch and parameter, as Java arrays (the reference) and ND4J arrays (the input). */
    private static final class Values {
        final Map<String, double[]>[] reference;
        final List<Map<String, INDArray>> arrays = new ArrayList<>();

        @SuppressWarnings("unchecked")
        Values(long seed, int branches, DataType type, boolean views) {
            reference = new Map[branches];
            Random random = new Random(seed);
            for (int i = 0; i < branches; i++) {
                reference[i] = new LinkedHashMap<>();
                Map<String, INDArray> byName = new LinkedHashMap<>();
                for (Map.Entry<String, long[]> e : SHAPES.entrySet()) {
                    long[] shape = e.getValue();
                    int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
                    double[] v = new double[n];
                    for (int j = 0; j < n; j++) {
                        v[j] = random.nextGaussian() * (1 + i);
                    }
                    INDArray array = Nd4j.create(v, shape, DataType.DOUBLE).castTo(type);
                    if (views && shape.length == 2) {
                        // A strided view, as an executor may hand out: the copy must take the assign path.
                        INDArray wide = Nd4j.zeros(type, shape[0], shape[1] * 2);
                        INDArray view = wide.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2, shape[1] * 2));
                        view.assign(array);
                        array = view;
                    }
                    // The reference sees the values as stored (FLOAT rounds them).
                    reference[i].put(e.getKey(), array.dup('c').castTo(DataType.DOUBLE).data().asDouble());
                    byName.put(e.getKey(), array);
                }
                arrays.add(byName);
            }
        }
    }

    private static BranchGradients stored(Values values) {
        BranchGradientBuffers gradients = new BranchGradientBuffers(values.reference.length);
        store(gradients, values);
        return gradients;
    }

    private static void store(BranchGradientBuffers gradients, Values values) {
        for (int i = 0; i < values.reference.length; i++) {
            gradients.store(i, values.arrays.get(i));
        }
        gradients.setStep(new double[values.reference.length], SHARED, Map.of("trunk", SHARED), new StepInfo(0, 0, 1));
    }

    private static double referenceDot(Values values, int a, int b, List<String> names) {
        double sum = 0;
        for (String name : names) {
            double[] x = values.reference[a].get(name);
            double[] y = values.reference[b].get(name);
            for (int v = 0; v < x.length; v++) {
                sum += x[v] * y[v];
            }
        }
        return sum;
    }

    private static void assertCombination(Values values, Map<String, INDArray> combined, double[] c,
                                          List<String> these, double[] forThese, DataType type) {
        assertEquals(SHAPES.keySet(), combined.keySet());
        for (String name : SHAPES.keySet()) {
            double[] coefficients = these.contains(name) ? forThese : c;
            INDArray actual = combined.get(name);
            assertEquals(type, actual.dataType(), name);
            assertEquals(Arrays.toString(SHAPES.get(name)), Arrays.toString(actual.shape()));
            double[] got = actual.castTo(DataType.DOUBLE).data().asDouble();
            for (int v = 0; v < got.length; v++) {
                double expected = 0;
                for (int i = 0; i < c.length; i++) {
                    expected += coefficients[i] * values.reference[i].get(name)[v];
                }
                // FLOAT: one rounding of the double sum.
                double tolerance = type == DataType.FLOAT ? Math.ulp((float) expected) : 1e-12 * Math.abs(expected);
                assertEquals(expected, got[v], tolerance, name + "[" + v + "]");
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"2, FLOAT, false", "2, DOUBLE, false", "3, FLOAT, false", "3, DOUBLE, true", "2, FLOAT, true",
        "4, FLOAT, true"})
    void passesMatchADoubleReference(int branches, DataType type, boolean views) {
        Values values = new Values(7 + branches, branches, type, views);
        BranchGradients gradients = stored(values);
        double[][] gram = gradients.gram(SHARED);
        for (int a = 0; a < branches; a++) {
            for (int b = 0; b < branches; b++) {
                double expected = referenceDot(values, a, b, SHARED);
                assertEquals(expected, gram[a][b], 1e-12 * Math.max(1, Math.abs(expected)), "gram " + a + b);
                assertEquals(expected, gradients.dot(a, b, SHARED), 1e-12 * Math.max(1, Math.abs(expected)));
            }
            double norm = Math.sqrt(referenceDot(values, a, a, List.of("trunk/dense_0/W")));
            assertEquals(norm, gradients.norm(a, "trunk/dense_0/W"), 1e-12 * norm);
        }
        double[] c = new double[branches];
        double[] other = new double[branches];
        for (int i = 0; i < branches; i++) {
            c[i] = 0.3 + 0.7 * i;
            other[i] = -1.25 + i;
        }
        assertCombination(values, gradients.combine(c), c, List.of(), c, type);
        assertCombination(values, gradients.combine(c, SHARED, other), c, SHARED, other, type);
    }

    @Test
    void buffersAreReusedAndRefilledEveryStep() {
        BranchGradientBuffers gradients = new BranchGradientBuffers(2);
        Values first = new Values(1, 2, DataType.FLOAT, false);
        store(gradients, first);
        INDArray branchBuffer = gradients.of(1).get("trunk/dense_0/W");
        Map<String, INDArray> firstCombination = gradients.combine(new double[] {1, 1});
        INDArray output = firstCombination.get("trunk/dense_0/W");
        // The executor's arrays are copied, not kept: changing them afterwards changes nothing here.
        first.arrays.get(1).get("trunk/dense_0/W").assign(1e6);
        assertEquals(first.reference[1].get("trunk/dense_0/W")[0], branchBuffer.getDouble(0, 0), 0.0);

        Values second = new Values(2, 2, DataType.FLOAT, true);
        store(gradients, second);
        assertSame(branchBuffer, gradients.of(1).get("trunk/dense_0/W"));
        Map<String, INDArray> secondCombination = gradients.combine(new double[] {0.5, 2});
        assertSame(output, secondCombination.get("trunk/dense_0/W"));
        // Its own outputs may be updated in place by the trainer; anything else is copied.
        assertTrue(gradients.ownsAll(secondCombination));
        Map<String, INDArray> mixed = new LinkedHashMap<>(secondCombination);
        mixed.put("trunk/dense_0/b", mixed.get("trunk/dense_0/b").dup());
        assertFalse(gradients.ownsAll(mixed));
        assertFalse(gradients.ownsAll(gradients.of(0)));
        assertCombination(second, secondCombination, new double[] {0.5, 2}, List.of(), new double[] {0.5, 2},
                DataType.FLOAT);
        assertEquals(second.reference[0].get("a/dense_0/W")[3], gradients.of(0).get("a/dense_0/W").getDouble(0, 3), 0.0);
    }

    @Test
    void parametersLeftOutAreDroppedAndComeBack() {
        BranchGradientBuffers gradients = new BranchGradientBuffers(2);
        Values values = new Values(3, 2, DataType.DOUBLE, false);
        store(gradients, values);
        for (int i = 0; i < 2; i++) {
            Map<String, INDArray> trained = new LinkedHashMap<>(values.arrays.get(i));
            trained.remove("a/dense_0/W");
            gradients.store(i, trained);
        }
        assertEquals(List.of("trunk/dense_0/W", "trunk/dense_0/b", "weighting/logits"),
                List.copyOf(gradients.parameterNames()));
        assertEquals(gradients.parameterNames(), gradients.combine(new double[] {1, 1}).keySet());
        assertThrows(IllegalArgumentException.class, () -> gradients.dot(0, 1, List.of("a/dense_0/W")));
        store(gradients, values);
        assertCombination(values, gradients.combine(new double[] {1, -1}), new double[] {1, -1}, List.of(),
                new double[] {1, -1}, DataType.DOUBLE);
    }
    /**
     * Three gradient samples: the cross-sample Gram matrix, the combination over samples and branches, each sample's
     * losses and their mean, and sample 0 behind the one-sample methods, against the plain reference.
     */
    @ParameterizedTest
    @CsvSource({"2, FLOAT", "3, DOUBLE"})
    void samplesMatchADoubleReference(int branches, DataType type) {
        Values[] samples = {new Values(31, branches, type, false), new Values(32, branches, type, true),
            new Values(33, branches, type, false)};
        BranchGradientBuffers gradients = new BranchGradientBuffers(branches, 3);
        for (int s = 0; s < 3; s++) {
            for (int i = 0; i < branches; i++) {
                gradients.store(s, i, samples[s].arrays.get(i));
            }
        }
        gradients.setStep(new double[branches], SHARED, Map.of("trunk", SHARED), new StepInfo(0, 0, 1));
        double[][] losses = new double[3][branches];
        for (int s = 0; s < 3; s++) {
            for (int i = 0; i < branches; i++) {
                losses[s][i] = s + 0.5 * i;
            }
        }
        gradients.setSampleLosses(losses);
        assertEquals(3, gradients.samples());
        for (int s = 0; s < 3; s++) {
            assertArrayEquals(losses[s], gradients.losses(s), 0);
        }
        double[] mean = new double[branches];
        for (int i = 0; i < branches; i++) {
            mean[i] = 1 + 0.5 * i;
        }
        assertArrayEquals(mean, gradients.losses(), 1e-15);
        for (int a = 0; a < 3; a++) {
            for (int b = 0; b < 3; b++) {
                double[][] cross = gradients.gram(a, b, SHARED);
                for (int i = 0; i < branches; i++) {
                    for (int j = 0; j < branches; j++) {
                        double expected = 0;
                        for (String name : SHARED) {
                            double[] x = samples[a].reference[i].get(name);
                            double[] y = samples[b].reference[j].get(name);
                            for (int v = 0; v < x.length; v++) {
                                expected += x[v] * y[v];
                            }
                        }
                        assertEquals(expected, cross[i][j], 1e-12 * Math.max(1, Math.abs(expected)),
                                "samples " + a + b + " branches " + i + j);
                    }
                }
            }
        }
        // The one-sample methods read sample 0.
        assertEquals(referenceDot(samples[0], 0, 1, SHARED), gradients.gram(SHARED)[0][1],
                1e-12 * Math.max(1, Math.abs(referenceDot(samples[0], 0, 1, SHARED))));
        double[][] c = new double[3][branches];
        double[][] other = new double[3][branches];
        for (int s = 0; s < 3; s++) {
            for (int i = 0; i < branches; i++) {
                c[s][i] = 0.2 + 0.3 * s - 0.1 * i;
                other[s][i] = s == 2 ? 1.0 + i : 0;
            }
        }
        Map<String, INDArray> combined = gradients.combine(c, SHARED, other);
        for (String name : SHAPES.keySet()) {
            double[][] k = SHARED.contains(name) ? other : c;
            double[] got = combined.get(name).castTo(DataType.DOUBLE).data().asDouble();
            for (int v = 0; v < got.length; v++) {
                double expected = 0;
                for (int s = 0; s < 3; s++) {
                    for (int i = 0; i < branches; i++) {
                        expected += k[s][i] * samples[s].reference[i].get(name)[v];
                    }
                }
                double tolerance = type == DataType.FLOAT ? Math.ulp((float) expected) : 1e-12 * Math.abs(expected);
                assertEquals(expected, got[v], tolerance, name + "[" + v + "]");
            }
        }
        assertTrue(gradients.ownsAll(combined));
        assertThrows(IllegalArgumentException.class, () -> gradients.gram(0, 3, SHARED));
        assertThrows(IllegalArgumentException.class, () -> gradients.losses(-1));
        assertThrows(IllegalArgumentException.class, () -> gradients.combine(new double[2][branches], SHARED,
                new double[2][branches]));
        assertThrows(IllegalArgumentException.class, () -> gradients.store(3, 0, samples[0].arrays.get(0)));
    }

    /**
     * {@link BranchGradients#read} and the element-wise {@link BranchGradients#combine}, against values worked out by
     * hand: a 2×2 shared parameter (one of them handed in as a strided view, the other transposed, so the copies take
     * both paths) and a 3-value head, two branches. The rule writes {@code g₀·g₁ + 1/3} (not a float: rounded once).
     */
    @ParameterizedTest
    @CsvSource({"FLOAT", "DOUBLE"})
    void readAndElementwiseCombineGiveTheHandWorkedValues(DataType type) {
        BranchGradientBuffers gradients = new BranchGradientBuffers(2);
        // Branch 0's trunk as a strided view of a wider array; branch 1's as an 'f'-ordered array (C order is read).
        INDArray wide = Nd4j.zeros(type, 2, 4);
        INDArray trunk0 = wide.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 4));
        trunk0.assign(Nd4j.createFromArray(new double[][] {{1, -2}, {0.5, 3}}).castTo(type));
        INDArray trunk1 = Nd4j.create(type, new long[] {2, 2}, 'f');
        trunk1.assign(Nd4j.createFromArray(new double[][] {{0.25, 4}, {-1, -0.125}}).castTo(type));
        Map<String, INDArray> branch0 = new LinkedHashMap<>();
        branch0.put("trunk", trunk0);
        branch0.put("head", Nd4j.createFromArray(1.5, -0.5, 2.0).castTo(type));
        Map<String, INDArray> branch1 = new LinkedHashMap<>();
        branch1.put("trunk", trunk1);
        branch1.put("head", Nd4j.createFromArray(-3.0, 0.0, 0.75).castTo(type));
        gradients.store(0, branch0);
        gradients.store(1, branch1);
        gradients.setStep(new double[2], List.of("trunk"), Map.of("trunk", List.of("trunk")), new StepInfo(0, 0, 1));

        List<String> seen = new ArrayList<>();
        List<double[][]> read = new ArrayList<>();
        gradients.read(List.of("trunk", "head"), (parameter, values) -> {
            seen.add(parameter);
            read.add(new double[][] {values[0].clone(), values[1].clone()});
        });
        assertEquals(List.of("trunk", "head"), seen);
        assertEquals("[1.0, -2.0, 0.5, 3.0]", Arrays.toString(read.get(0)[0]));
        assertEquals("[0.25, 4.0, -1.0, -0.125]", Arrays.toString(read.get(0)[1]));
        assertEquals("[1.5, -0.5, 2.0]", Arrays.toString(read.get(1)[0]));
        assertEquals("[-3.0, 0.0, 0.75]", Arrays.toString(read.get(1)[1]));
        assertThrows(IllegalArgumentException.class, () -> gradients.read(List.of("frozen"), (p, v) -> { }));

        BranchGradients.ElementwiseRule rule = (parameter, values, out) -> {
            assertEquals("trunk", parameter);
            for (int v = 0; v < out.length; v++) {
                assertEquals(0.0, out[v]);
                out[v] = values[0][v] * values[1][v] + 1.0 / 3;
            }
        };
        Map<String, INDArray> combined = gradients.combine(new double[] {2, -1}, List.of("trunk", "frozen"), rule);
        assertEquals(List.of("trunk", "head"), List.copyOf(combined.keySet()));
        INDArray trunk = combined.get("trunk");
        assertEquals(type, trunk.dataType());
        // 1·0.25, -2·4, 0.5·-1, 3·-0.125, each + 1/3; the head 2·g₀ - g₁.
        double[] expectedTrunk = {0.25 + 1.0 / 3, -8 + 1.0 / 3, -0.5 + 1.0 / 3, -0.375 + 1.0 / 3};
        double[] expectedHead = {6, -1, 3.25};
        for (int v = 0; v < 4; v++) {
            double expected = type == DataType.FLOAT ? (float) expectedTrunk[v] : expectedTrunk[v];
            assertEquals(expected, trunk.getDouble(v / 2, v % 2), 0.0, "trunk " + v);
        }
        for (int v = 0; v < 3; v++) {
            assertEquals(expectedHead[v], combined.get("head").getDouble(v), 0.0, "head " + v);
        }
        // Into the same output buffers as the plain combination, which the trainer updates in place.
        assertTrue(gradients.ownsAll(combined));
        assertSame(trunk, gradients.combine(new double[] {1, 1}).get("trunk"));
        assertEquals(1.25, trunk.getDouble(0, 0), 0.0);
        assertThrows(IllegalArgumentException.class, () -> gradients.combine(new double[] {1}, List.of(), rule));
    }

    /**
     * The interface's own {@code read} and element-wise {@code combine} (for implementations other than the
     * runtime's), on the same values as the buffers: the same results.
     */
    @Test
    void theInterfaceDefaultsGiveTheSameValuesAsTheBuffers() {
        Values values = new Values(11, 3, DataType.FLOAT, true);
        BranchGradients buffers = stored(values);
        BranchGradients plain = new BranchGradients() {
            @Override public int branches() { return buffers.branches(); }
            @Override public java.util.Set<String> parameterNames() { return buffers.parameterNames(); }
            @Override public INDArray gradient(int branch, String parameter) {
                return buffers.gradient(branch, parameter);
            }
            @Override public double[] losses() { return buffers.losses(); }
            @Override public List<String> sharedParameters() { return buffers.sharedParameters(); }
            @Override public Map<String, List<String>> sharedScopes() { return buffers.sharedScopes(); }
            @Override public StepInfo step() { return buffers.step(); }
            @Override public double dot(int a, int b, List<String> p) { return buffers.dot(a, b, p); }
            @Override public double norm(int branch, String p) { return buffers.norm(branch, p); }
            @Override public double[][] gram(List<String> p) { return buffers.gram(p); }
            @Override public Map<String, INDArray> combine(double[] c) {
                Map<String, INDArray> copy = new LinkedHashMap<>();
                buffers.combine(c).forEach((name, array) -> copy.put(name, array.dup()));
                return copy;
            }
            @Override public Map<String, INDArray> combine(double[] c, List<String> these, double[] forThese) {
                throw new UnsupportedOperationException();
            }
        };
        List<String> names = List.copyOf(SHAPES.keySet());
        plain.read(names, (parameter, branchValues) -> {
            for (int i = 0; i < 3; i++) {
                assertEquals(Arrays.toString(values.reference[i].get(parameter)), Arrays.toString(branchValues[i]));
            }
        });
        BranchGradients.ElementwiseRule rule = (parameter, branchValues, out) -> {
            for (int v = 0; v < out.length; v++) {
                out[v] = Math.max(branchValues[0][v], Math.max(branchValues[1][v], branchValues[2][v])) / 3;
            }
        };
        double[] c = {0.5, -1, 2};
        Map<String, INDArray> expected = new LinkedHashMap<>();
        buffers.combine(c, SHARED, rule).forEach((name, array) -> expected.put(name, array.dup()));
        Map<String, INDArray> actual = plain.combine(c, SHARED, rule);
        assertEquals(expected, actual);
    }
}
