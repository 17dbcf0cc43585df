package architectures;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.training.FitConfig;
import io.github.branchwise.runtime.training.GateWeights;
import io.github.branchwise.runtime.training.History;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Trains the four architectures of docs/architectures.md through their generated API, typed, as a user writes it;
 * {@code ArchitecturesTest} compiles it with the models (under javac and ecj) and runs each method.
 */
public final class ArchitectureFits {
    private static final int EXAMPLES = 16;
    private static final int BATCH = 8;

    private ArchitectureFits() {
    }

    /** MMoE: two epochs; each gate's typed weights are the history's columns, and sum to 1 over the four experts. */
    public static void rankerTrainsAndReportsItsGates() {
        RankerTrainingModel model = RankerTrainingModel.create(options());
        INDArray[] data = recommender(EXAMPLES, 1);
        RankerHistory history = model.fit(data[0], data[1], data[2], data[3], BATCH, quiet(2));
        assertEquals(2, history.epochs().size());
        History raw = history.history();
        for (RankerEpoch epoch : history.epochs()) {
            Map<String, Double> row = raw.epoch((int) epoch.epoch() - 1);
            assertEquals(RankerGateWeights.of(row), epoch.gates());
            for (GateWeights gate : List.of(epoch.gates().clickGate(), epoch.gates().conversionGate())) {
                double[] experts = gate.group("expert");
                assertEquals(4, experts.length, gate.toString());
                assertSumsToOne(gate, experts);
                for (int k = 0; k < 4; k++) {
                    assertEquals(row.get(gate.gate() + "_expert_" + k), gate.weight("expert", k), gate.toString());
                    // asMap: every weight by its history column.
                    assertEquals(experts[k], gate.asMap().get(gate.gate() + "_expert_" + k), 0.0,
                            gate.asMap().toString());
                }
            }
        }
        assertEquals("clickGate", history.lastEpoch().orElseThrow().gates().clickGate().gate());
        // One step more on a batch record: the losses of every branch are finite.
        RankerLosses losses = model.fit(new RankerBatch(data[0], data[1], data[2], data[3]));
        assertTrue(Double.isFinite(losses.total()) && Double.isFinite(losses.click())
                && Double.isFinite(losses.conversion()), losses.toString());
        // Every expert has its own parameters, named after its group and index.
        Map<String, INDArray> parameters = model.trainer().parameters();
        for (int k = 0; k < 4; k++) {
            assertTrue(parameters.containsKey("expert/" + k + "/dense_0/W"), parameters.keySet().toString());
        }
        assertEquals(List.of(6L * 8 + 4, 4L), List.of(parameters.get("clickGate/W").shape()[0],
                parameters.get("clickGate/W").shape()[1]));
    }

    /** CGC: each task's gate mixes its own and the shared experts, four weights summing to 1. */
    public static void cgcGatesMixTwoGroups() {
        CgcTrainingModel model = CgcTrainingModel.create(options());
        INDArray[] data = recommender(EXAMPLES, 2);
        CgcEpoch epoch = model.fit(data[0], data[1], data[2], data[3], BATCH, quiet(1)).lastEpoch().orElseThrow();
        GateWeights click = epoch.gates().clickGate();
        GateWeights conversion = epoch.gates().conversionGate();
        assertEquals(2, click.group("clickOwn").length);
        assertEquals(2, click.group("shared").length);
        assertEquals(2, conversion.group("conversionOwn").length);
        assertSumsToOne(click, concat(click.group("clickOwn"), click.group("shared")));
        assertSumsToOne(conversion, concat(conversion.group("conversionOwn"), conversion.group("shared")));
        assertEquals(List.of("clickGate_clickOwn_0", "clickGate_clickOwn_1", "clickGate_shared_0", "clickGate_shared_1"),
                List.copyOf(click.asMap().keySet()));
    }

    /** PLE: five gates over two levels, each summing to 1; the shared level-1 gate over all six level-1 experts. */
    public static void pleStacksTwoLevels() {
        PleTrainingModel model = PleTrainingModel.create(options());
        INDArray[] data = recommender(EXAMPLES, 3);
        PleEpoch epoch = model.fit(data[0], data[1], data[2], data[3], BATCH, quiet(2)).lastEpoch().orElseThrow();
        PleGateWeights gates = epoch.gates();
        for (GateWeights gate : List.of(gates.clickGate1(), gates.conversionGate1(), gates.sharedGate1(),
                gates.clickGate2(), gates.conversionGate2())) {
            double[] all = gate.asMap().values().stream().mapToDouble(Double::doubleValue).toArray();
            assertSumsToOne(gate, all);
        }
        assertEquals(6, gates.sharedGate1().asMap().size());
        assertEquals(List.of("sharedGate1_shared1_0", "sharedGate1_shared1_1", "sharedGate1_click1_0",
                "sharedGate1_click1_1", "sharedGate1_conversion1_0", "sharedGate1_conversion1_1"),
                List.copyOf(gates.sharedGate1().asMap().keySet()));
        // Level 2's gates are driven by level 1's task gates: 16 features in, 4 experts out.
        INDArray w = model.trainer().parameters().get("clickGate2/W");
        assertArrayEquals(new long[] {16, 4}, w.shape());
    }

    /** Cross-stitch: the units start at own and other, learn, and the model records no gate columns. */
    public static void digitsStitchColumns() {
        DigitsTrainingModel model = DigitsTrainingModel.create(options());
        Map<String, INDArray> start = model.trainer().parameters();
        assertArrayEquals(new double[] {0.9, 0.1}, start.get("leftStitched1/alpha").toDoubleVector(), 1e-6);
        assertArrayEquals(new double[] {0.9, 0.1}, start.get("rightStitched1/alpha").toDoubleVector(), 1e-6);
        // Per channel: [parts, channels], six channels after level 2's convolution.
        assertArrayEquals(new long[] {2, 6}, start.get("leftStitched2/alpha").shape());
        INDArray rightAlpha = start.get("rightStitched2/alpha");
        assertEquals(12, rightAlpha.length());
        assertEquals(1.0, rightAlpha.minNumber().doubleValue(), 1e-6);
        assertEquals(1.0, rightAlpha.maxNumber().doubleValue(), 1e-6);
        Random random = new Random(4);
        INDArray images = Nd4j.rand(DataType.FLOAT, EXAMPLES, 12, 12, 1);
        INDArray left = Nd4j.zeros(DataType.FLOAT, EXAMPLES);
        INDArray right = Nd4j.zeros(DataType.FLOAT, EXAMPLES);
        for (int i = 0; i < EXAMPLES; i++) {
            left.putScalar(i, random.nextInt(10));
            right.putScalar(i, random.nextInt(10));
        }
        DigitsLosses first = model.fit(new DigitsBatch(images, left, right));
        DigitsLosses second = model.fit(new DigitsBatch(images, left, right));
        assertTrue(Double.isFinite(first.total()) && Double.isFinite(second.total()), second.toString());
        assertTrue(second.total() < first.total(), first + " then " + second);
        assertFalse(start.get("leftStitched1/alpha").equals(model.trainer().parameters().get("leftStitched1/alpha")),
                "the stitch learns");
        DigitsHistory history = model.fit(images, left, right, BATCH, quiet(1));
        assertTrue(history.history().epochColumns().stream().noneMatch(c -> c.contains("Stitched")),
                history.history().epochColumns().toString());
    }

    private static void assertSumsToOne(GateWeights gate, double[] weights) {
        double sum = 0;
        for (double w : weights) {
            assertTrue(w > 0 && w < 1, gate.toString());
            sum += w;
        }
        assertEquals(1.0, sum, 1e-5, gate.toString());
    }

    private static double[] concat(double[] a, double[] b) {
        double[] all = new double[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    /** {@code n} examples: six category ids in [0, 1000), four numbers, a click and a conversion label. */
    static INDArray[] recommender(int n, long seed) {
        Random random = new Random(seed);
        INDArray categories = Nd4j.zeros(DataType.INT32, n, 6);
        INDArray numbers = Nd4j.zeros(DataType.FLOAT, n, 4);
        INDArray clicks = Nd4j.zeros(DataType.FLOAT, n, 1);
        INDArray conversions = Nd4j.zeros(DataType.FLOAT, n, 1);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 6; j++) {
                categories.putScalar(i, j, random.nextInt(1000));
            }
            for (int j = 0; j < 4; j++) {
                numbers.putScalar(i, j, random.nextGaussian());
            }
            boolean click = random.nextDouble() < 0.4;
            clicks.putScalar(i, 0, click ? 1 : 0);
            conversions.putScalar(i, 0, click && random.nextDouble() < 0.3 ? 1 : 0);
        }
        return new INDArray[] {categories, numbers, clicks, conversions};
    }

    static TrainingOptions options() {
        return TrainingOptions.builder().seed(7).build();
    }

    static FitConfig quiet(int epochs) {
        return FitConfig.builder().epochs(epochs).silent().build();
    }
}
