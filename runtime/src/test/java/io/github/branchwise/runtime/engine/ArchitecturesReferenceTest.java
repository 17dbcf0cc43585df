package io.github.branchwise.runtime.engine;

import static io.github.branchwise.runtime.engine.ModesReferenceTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.ExecutorKind;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.NumpyFiles;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelGraph;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The multi-task architectures against PyTorch on the same weights and inputs
 * (runtime/src/test/python/architectures_reference.py wrote the .npz files under resources/architectures; see its
 * comment for how to regenerate them; each model there is written from the papers' formulas with plain tensor
 * operations): the forward pass of MMoE, CGC, a two-level PLE (outputs and every gate's weights), cross-stitch with one
 * α per part and with one per part and channel, and MTAN's attention module in training and in inference mode, in
 * float32; and four SGD steps of an MMoE and of a cross-stitch model in float64 (both branch losses at every step, every
 * parameter after the last), on both executors. The compiled executor runs in the tests' strict mode, where falling
 * back to SameDiff's sessions throws, so every case here also shows that the compiled plans bind these graphs.
 */
class ArchitecturesReferenceTest {
    /**
     * float32 models against float64 references computed from the same float32 inputs and parameters, relative to
     * the larger of 1 and the expected magnitude (ModesReferenceTest's bound). The largest difference measured here
     * was 1.4e-7 (taskAttention in inference, compiled); the float64 SGD parameters differed by 5.5e-16 at most.
     */
    private static final double FLOAT_TOLERANCE = 2e-6;
    private static final double DOUBLE_TOLERANCE = 1e-10;

    static Map<String, INDArray> reference(String name) throws IOException, URISyntaxException {
        return NumpyFiles.readNpz(Path.of(ArchitecturesReferenceTest.class.getResource("/architectures/" + name)
                .toURI()));
    }

    /** The entries under {@code prefix}, with the prefix taken off their names. */
    static Map<String, INDArray> under(Map<String, INDArray> ref, String prefix) {
        Map<String, INDArray> values = new LinkedHashMap<>();
        ref.forEach((name, value) -> {
            if (name.startsWith(prefix)) {
                values.put(name.substring(prefix.length()), value);
            }
        });
        return values;
    }

    static TrainingOptions options(ExecutorKind kind, DataType type) {
        return TrainingOptions.builder().executor(kind).dataType(type).updater(new Sgd(0.1)).seed(15).build();
    }

    static ModelGraph.ExpertFactory denseExpert(int units) {
        return (nn, input) -> nn.dense(input, units, Activation.RELU);
    }

    /** A binary head over a gate: Dense(1) sigmoid, as the reference's towers. */
    static void tower(ModelGraph graph, String branch, SDVariable gate) {
        graph.output(branch, graph.layers(branch).dense(gate, 1, Activation.SIGMOID));
    }

    static ModelSpec.Builder clickAndConversion(String name) {
        return ModelSpec.builder(name)
                .input("x", 6)
                .branch("click", new long[] {1}, Loss.BINARY_CROSSENTROPY, 1.0)
                .branch("conversion", new long[] {1}, Loss.BINARY_CROSSENTROPY, 1.0)
                .weighting(WeightingSpec.fixed(1.0, 1.0));
    }

    /** MMoE: three Dense(4) relu experts over x, one gate per task over all of them. */
    static ModelSpec mmoe() {
        return clickAndConversion("test.Mmoe").graph(graph -> {
            SDVariable x = graph.input("x");
            graph.experts("expert", 3, x, denseExpert(4));
            tower(graph, "click", graph.gate("clickGate", List.of("expert"), x));
            tower(graph, "conversion", graph.gate("conversionGate", List.of("expert"), x));
        }).build();
    }

    /** CGC: two shared and two task-specific experts per task; each task's gate over its own, then the shared. */
    static ModelSpec cgc() {
        return clickAndConversion("test.Cgc").graph(graph -> {
            SDVariable x = graph.input("x");
            for (String group : new String[] {"shared", "clickOwn", "conversionOwn"}) {
                graph.experts(group, 2, x, denseExpert(4));
            }
            tower(graph, "click", graph.gate("clickGate", List.of("clickOwn", "shared"), x));
            tower(graph, "conversion", graph.gate("conversionGate", List.of("conversionOwn", "shared"), x));
        }).build();
    }

    /** PLE: two CGC levels with the paper's shared gate, as docs/architectures.md writes it. */
    static ModelSpec ple() {
        return clickAndConversion("test.Ple").graph(graph -> {
            SDVariable x = graph.input("x");
            for (String group : new String[] {"shared1", "click1", "conversion1"}) {
                graph.experts(group, 2, x, denseExpert(4));
            }
            SDVariable clickGate1 = graph.gate("clickGate1", List.of("click1", "shared1"), x);
            SDVariable conversionGate1 = graph.gate("conversionGate1", List.of("conversion1", "shared1"), x);
            SDVariable sharedGate1 = graph.gate("sharedGate1", List.of("shared1", "click1", "conversion1"), x);
            graph.experts("shared2", 2, sharedGate1, denseExpert(3));
            graph.experts("click2", 2, clickGate1, denseExpert(3));
            graph.experts("conversion2", 2, conversionGate1, denseExpert(3));
            tower(graph, "click", graph.gate("clickGate2", List.of("click2", "shared2"), clickGate1));
            tower(graph, "conversion", graph.gate("conversionGate2", List.of("conversion2", "shared2"),
                    conversionGate1));
        }).build();
    }

    /**
     * Two columns of 3x3 relu convolutions over a 6x6 image (2 then 3 filters), stitched after each level, and a
     * Dense(2) head per column; branches {@code first} and {@code second}.
     */
    static ModelSpec crossStitch(String name, boolean perChannel, String first, String second) {
        return ModelSpec.builder(name)
                .input("image", 6, 6, 1)
                .branch(first, new long[] {2}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch(second, new long[] {2}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.fixed(1.0, 1.0))
                .graph(graph -> {
                    SDVariable image = graph.input("image");
                    SDVariable left1 = graph.layers("left1").conv2d(image, 2, 3, Activation.RELU);
                    SDVariable right1 = graph.layers("right1").conv2d(image, 2, 3, Activation.RELU);
                    SDVariable leftStitched1 = graph.stitch("leftStitched1", List.of(left1, right1), 0.9, 0.1,
                            perChannel);
                    SDVariable rightStitched1 = graph.stitch("rightStitched1", List.of(right1, left1), 0.9, 0.1,
                            perChannel);
                    SDVariable left2 = graph.layers("left2").conv2d(leftStitched1, 3, 3, Activation.RELU);
                    SDVariable right2 = graph.layers("right2").conv2d(rightStitched1, 3, 3, Activation.RELU);
                    SDVariable leftStitched2 = graph.stitch("leftStitched2", List.of(left2, right2), 0.9, 0.1,
                            perChannel);
                    SDVariable rightStitched2 = graph.stitch("rightStitched2", List.of(right2, left2), 0.9, 0.1,
                            perChannel);
                    Layers left = graph.layers("left");
                    graph.output(first, left.dense(left.flatten(leftStitched2), 2));
                    Layers right = graph.layers("right");
                    graph.output(second, right.dense(right.flatten(rightStitched2), 2));
                })
                .build();
    }

    /** The attention module alone: inputs middle, end (and previous), branch y = taskAttention(...). */
    static ModelSpec taskAttention(boolean withPrevious) {
        ModelSpec.Builder builder = ModelSpec.builder("test.TaskAttention")
                .input("middle", 3, 3, 3)
                .input("end", 3, 3, 5);
        if (withPrevious) {
            builder.input("previous", 3, 3, 2);
        }
        return builder.branch("y", new long[] {3, 3, 5}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.fixed(1.0))
                .graph(graph -> graph.output("y", graph.layers("y").taskAttention(graph.input("middle"),
                        graph.input("end"), withPrevious ? graph.input("previous") : null)))
                .build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"mmoe", "cgc", "ple"})
    void gatedModelsMatchPyTorchOutputsAndGateWeights(String which) throws Exception {
        Map<String, INDArray> ref = reference(which + ".npz");
        ModelSpec spec = switch (which) {
            case "mmoe" -> mmoe();
            case "cgc" -> cgc();
            default -> ple();
        };
        INDArray x = ref.get("x").castTo(DataType.FLOAT);
        for (ExecutorKind kind : ExecutorKind.values()) {
            TrainableModel model = TrainableModel.create(spec, options(kind, DataType.FLOAT));
            model.parameters().set(under(ref, "param/"));
            INDArray[] outputs = model.step().predict(new INDArray[] {x});
            assertClose(ref.get("out/click"), outputs[0], FLOAT_TOLERANCE, which + " " + kind + " click");
            assertClose(ref.get("out/conversion"), outputs[1], FLOAT_TOLERANCE, which + " " + kind + " conversion");
            if (kind == ExecutorKind.SAMEDIFF) {
                // Each gate's softmax, the variable whose batch means the history records.
                Network network = model.network();
                Map<String, INDArray> feeds = new HashMap<>(network.modes().feeds(false, x.size(0)));
                feeds.put(network.inputs().get(0).name(), x);
                under(ref, "gate/").forEach((gate, expected) -> assertClose(expected,
                        network.sameDiff().output(feeds, gate + "/weights").get(gate + "/weights"), FLOAT_TOLERANCE,
                        which + " " + gate + " weights"));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void crossStitchMatchesPyTorch(boolean perChannel) throws Exception {
        Map<String, INDArray> ref = reference(perChannel ? "cross_stitch_per_channel.npz" : "cross_stitch.npz");
        ModelSpec spec = crossStitch("test.CrossStitch", perChannel, "left", "right");
        INDArray image = ref.get("x").castTo(DataType.FLOAT);
        for (ExecutorKind kind : ExecutorKind.values()) {
            TrainableModel model = TrainableModel.create(spec, options(kind, DataType.FLOAT));
            model.parameters().set(under(ref, "param/"));
            INDArray[] outputs = model.step().predict(new INDArray[] {image});
            String where = (perChannel ? "per-channel " : "") + "cross-stitch " + kind;
            assertClose(ref.get("out/left"), outputs[0], FLOAT_TOLERANCE, where + " left");
            assertClose(ref.get("out/right"), outputs[1], FLOAT_TOLERANCE, where + " right");
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void taskAttentionMatchesPyTorchInTrainingAndInference(boolean withPrevious) throws Exception {
        Map<String, INDArray> ref = reference(withPrevious ? "task_attention.npz" : "task_attention_first.npz");
        ModelSpec spec = taskAttention(withPrevious);
        INDArray[] inputs = withPrevious
                ? new INDArray[] {ref.get("middle"), ref.get("end"), ref.get("previous")}
                : new INDArray[] {ref.get("middle"), ref.get("end")};
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = inputs[i].castTo(DataType.FLOAT);
        }
        Map<String, INDArray> values = new LinkedHashMap<>();
        under(ref, "param/").forEach((name, value) -> values.put("y/task_attention_0/" + name, value));
        for (ExecutorKind kind : ExecutorKind.values()) {
            TrainableModel model = TrainableModel.create(spec, options(kind, DataType.FLOAT));
            model.parameters().set(values);
            String where = (withPrevious ? "" : "first-level ") + "taskAttention " + kind;
            // Inference first: the training step below moves the moving statistics and the parameters.
            assertClose(ref.get("inference"), model.step().predict(inputs)[0], FLOAT_TOLERANCE,
                    where + " inference");
            INDArray train = model.step().run(inputs, new INDArray[] {inputs[1]}, true).outputs()[0];
            assertClose(ref.get("train"), train, FLOAT_TOLERANCE, where + " training");
        }
    }

    /** MMoE with two Dense(4) relu experts, gates aGate and bGate over them, and Dense(2) heads a and b; MSE. */
    static ModelSpec mmoeForTraining() {
        return ModelSpec.builder("test.MmoeTraining")
                .input("x", 6)
                .branch("a", new long[] {2}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("b", new long[] {2}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.fixed(1.0, 1.0))
                .graph(graph -> {
                    SDVariable x = graph.input("x");
                    graph.experts("expert", 2, x, denseExpert(4));
                    graph.output("a", graph.layers("a").dense(graph.gate("aGate", List.of("expert"), x), 2));
                    graph.output("b", graph.layers("b").dense(graph.gate("bGate", List.of("expert"), x), 2));
                })
                .build();
    }

    @ParameterizedTest
    @EnumSource(ExecutorKind.class)
    void fourSgdStepsOfMmoeMatchPyTorch(ExecutorKind kind) throws Exception {
        sgdSteps(reference("mmoe_training.npz"), mmoeForTraining(), kind, "MMoE");
    }

    @ParameterizedTest
    @EnumSource(ExecutorKind.class)
    void fourSgdStepsOfCrossStitchMatchPyTorch(ExecutorKind kind) throws Exception {
        sgdSteps(reference("cross_stitch_training.npz"), crossStitch("test.CrossStitchTraining", false, "a", "b"),
                kind, "cross-stitch");
    }

    @Test
    void crossStitchStartsAtOwnAndOther() {
        TrainableModel model = TrainableModel.create(crossStitch("test.CrossStitchInit", true, "left", "right"),
                options(ExecutorKind.SAMEDIFF, DataType.DOUBLE));
        INDArray alpha = model.parameters().values().get("leftStitched2/alpha");
        // [parts, channels]: the column's own part first.
        assertClose(org.nd4j.linalg.factory.Nd4j.createFromArray(new double[][] {{0.9, 0.9, 0.9}, {0.1, 0.1, 0.1}}),
                alpha, 0, "initial per-channel alpha");
    }

    /**
     * Four steps of plain SGD (learning rate 0.1) on the unweighted sum of both heads' mean squared errors, from
     * PyTorch's initial parameters: both branch losses at every step and every parameter afterwards.
     */
    private static void sgdSteps(Map<String, INDArray> ref, ModelSpec spec, ExecutorKind kind, String what) {
        TrainableModel model = TrainableModel.create(spec, options(kind, DataType.DOUBLE));
        model.parameters().set(under(ref, "initial/"));
        for (int step = 0; step < 4; step++) {
            Losses losses = model.step().run(new INDArray[] {ref.get("x/" + step)},
                    new INDArray[] {ref.get("y/a/" + step), ref.get("y/b/" + step)}, false).losses();
            double a = ref.get("loss/a/" + step).getDouble(0);
            double b = ref.get("loss/b/" + step).getDouble(0);
            assertEquals(a, losses.branchLoss(0), DOUBLE_TOLERANCE, what + " " + kind + " loss a at step " + step);
            assertEquals(b, losses.branchLoss(1), DOUBLE_TOLERANCE, what + " " + kind + " loss b at step " + step);
            assertEquals(a + b, losses.total(), DOUBLE_TOLERANCE, what + " " + kind + " total at step " + step);
        }
        Map<String, INDArray> values = model.parameters().values();
        Map<String, INDArray> expected = under(ref, "final/");
        assertEquals(expected.keySet(), values.keySet(), what + " parameters");
        expected.forEach((name, value) -> assertClose(value, values.get(name), DOUBLE_TOLERANCE,
                what + " " + kind + " " + name + " after 4 steps"));
    }
}
