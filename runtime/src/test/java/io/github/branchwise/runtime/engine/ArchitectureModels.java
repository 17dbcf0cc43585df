package io.github.branchwise.runtime.engine;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.Padding;
import io.github.branchwise.runtime.internal.ModelGraph;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The four architectures of docs/architectures.md written directly against {@link ModelGraph}, as the generated code
 * calls it: MMoE, CGC, a two-level PLE, cross-stitch (scalar or per-channel α) and MTAN's attention modules. Small,
 * with tanh and sigmoid rather than ReLU so that central differences never straddle a kink.
 */
public final class ArchitectureModels {
    private ArchitectureModels() {
    }

    /** One expert: dense(4, tanh), each expert its own parameters. */
    static SDVariable expert(Layers nn, SDVariable input) {
        return nn.dense(input, 4, Activation.TANH);
    }

    /**
     * MMoE: input {@code x[5]}; 3 experts {@code expert}; gates {@code clickGate} and {@code conversionGate} over
     * them, driven by {@code x}; towers {@code click} dense(1, sigmoid) with binary cross-entropy and {@code conversion}
     * dense(3, tanh) → dense(2) with MSE.
     */
    public static ModelSpec mmoe(WeightingSpec weighting) {
        return ModelSpec.builder("test.Mmoe")
                .input("x", 5)
                .branch("click", new long[] {1}, Loss.BINARY_CROSSENTROPY, 1.0)
                .branch("conversion", new long[] {2}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(weighting)
                .graph(scope -> {
                    SDVariable x = scope.input("x");
                    scope.experts("expert", 3, x, ArchitectureModels::expert);
                    SDVariable click = scope.gate("clickGate", List.of("expert"), x);
                    SDVariable conversion = scope.gate("conversionGate", List.of("expert"), x);
                    scope.output("click", scope.layers("click").dense(click, 1, Activation.SIGMOID));
                    Layers c = scope.layers("conversion");
                    scope.output("conversion", c.dense(c.dense(conversion, 3, Activation.TANH), 2));
                })
                .build();
    }

    /** CGC: groups {@code shared}, {@code clickOwn}, {@code conversionOwn} of 2 experts over {@code x[5]}. */
    public static ModelSpec cgc(WeightingSpec weighting) {
        return ModelSpec.builder("test.Cgc")
                .input("x", 5)
                .branch("click", new long[] {1}, Loss.BINARY_CROSSENTROPY, 1.0)
                .branch("conversion", new long[] {2}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(weighting)
                .graph(scope -> {
                    SDVariable x = scope.input("x");
                    scope.experts("shared", 2, x, ArchitectureModels::expert);
                    scope.experts("clickOwn", 2, x, ArchitectureModels::expert);
                    scope.experts("conversionOwn", 2, x, ArchitectureModels::expert);
                    SDVariable click = scope.gate("clickGate", List.of("clickOwn", "shared"), x);
                    SDVariable conversion = scope.gate("conversionGate", List.of("conversionOwn", "shared"), x);
                    scope.output("click", scope.layers("click").dense(click, 1, Activation.SIGMOID));
                    scope.output("conversion", scope.layers("conversion").dense(conversion, 2));
                })
                .build();
    }

    /**
     * PLE, two levels as docs/architectures.md writes them: level 1 as CGC plus {@code sharedGate1} over every
     * level-1 expert; level 2's task experts read their task's level-1 gate, its shared experts {@code sharedGate1};
     * the level-2 gates are driven by their task's level-1 gate.
     */
    public static ModelSpec ple(WeightingSpec weighting) {
        return ModelSpec.builder("test.Ple")
                .input("x", 5)
                .branch("click", new long[] {1}, Loss.BINARY_CROSSENTROPY, 1.0)
                .branch("conversion", new long[] {2}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(weighting)
                .graph(ArchitectureModels::pleGraph)
                .build();
    }

    static void pleGraph(ModelGraph scope) {
        SDVariable x = scope.input("x");
        scope.experts("shared1", 2, x, ArchitectureModels::expert);
        scope.experts("click1", 2, x, ArchitectureModels::expert);
        scope.experts("conversion1", 2, x, ArchitectureModels::expert);
        SDVariable clickGate1 = scope.gate("clickGate1", List.of("click1", "shared1"), x);
        SDVariable conversionGate1 = scope.gate("conversionGate1", List.of("conversion1", "shared1"), x);
        SDVariable sharedGate1 = scope.gate("sharedGate1", List.of("shared1", "click1", "conversion1"), x);
        scope.experts("shared2", 2, sharedGate1, ArchitectureModels::expert);
        scope.experts("click2", 2, clickGate1, ArchitectureModels::expert);
        scope.experts("conversion2", 2, conversionGate1, ArchitectureModels::expert);
        SDVariable click = scope.gate("clickGate2", List.of("click2", "shared2"), clickGate1);
        SDVariable conversion = scope.gate("conversionGate2", List.of("conversion2", "shared2"), conversionGate1);
        scope.output("click", scope.layers("click").dense(click, 1, Activation.SIGMOID));
        scope.output("conversion", scope.layers("conversion").dense(conversion, 2));
    }

    /**
     * Cross-stitch over two columns of an image {@code [6, 6, 1]}: {@code left1}, {@code right1} conv2d(3, 3x3, same,
     * tanh), stitched ({@code leftStitched1}, {@code rightStitched1}), then {@code left2}, {@code right2} the same on
     * the stitched maps, stitched again; heads {@code left} dense(2) MSE and {@code right} dense(3, softmax) with
     * categorical cross-entropy over the flattened maps. α 0.9 / 0.1, scalar or per channel.
     */
    public static ModelSpec crossStitch(boolean perChannel, WeightingSpec weighting) {
        return ModelSpec.builder(perChannel ? "test.CrossStitchPerChannel" : "test.CrossStitch")
                .input("image", 6, 6, 1)
                .branch("left", new long[] {2}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("right", new long[] {3}, Loss.CATEGORICAL_CROSSENTROPY, 1.0)
                .weighting(weighting)
                .graph(scope -> {
                    SDVariable image = scope.input("image");
                    SDVariable left = column(scope.layers("left1"), image);
                    SDVariable right = column(scope.layers("right1"), image);
                    SDVariable leftStitched = scope.stitch("leftStitched1", List.of(left, right), 0.9, 0.1,
                            perChannel);
                    SDVariable rightStitched = scope.stitch("rightStitched1", List.of(right, left), 0.9, 0.1,
                            perChannel);
                    left = column(scope.layers("left2"), leftStitched);
                    right = column(scope.layers("right2"), rightStitched);
                    leftStitched = scope.stitch("leftStitched2", List.of(left, right), 0.9, 0.1, perChannel);
                    rightStitched = scope.stitch("rightStitched2", List.of(right, left), 0.9, 0.1, perChannel);
                    Layers l = scope.layers("left");
                    scope.output("left", l.dense(l.flatten(leftStitched), 2));
                    Layers r = scope.layers("right");
                    scope.output("right", r.dense(r.flatten(rightStitched), 3, Activation.SOFTMAX));
                })
                .build();
    }

    private static SDVariable column(Layers nn, SDVariable x) {
        return nn.conv2d(x, 3, 3, 1, Padding.SAME, Activation.TANH);
    }

    /**
     * MTAN over a shared network of two blocks on an image {@code [6, 6, 2]}: {@code block1Middle}, {@code block1}
     * conv2d(4, 3x3, same, tanh); {@code block2Middle}, {@code block2} the same after a 2x2 max pool ({@code [3, 3,
     * 4]}). Each branch ({@code map}: conv2d(1, 1x1) sigmoid on level 1's attended map, binary cross-entropy;
     * {@code kind}: dense(3, softmax) over level 2's, categorical cross-entropy) attends level 1 with
     * {@code taskAttention(block1Middle, block1, null)} and level 2 with {@code previous} = conv2d(4, 3x3, same,
     * tanh) and max pool of level 1's.
     */
    public static ModelSpec mtan(WeightingSpec weighting) {
        return ModelSpec.builder("test.Mtan")
                .input("image", 6, 6, 2)
                .branch("map", new long[] {6, 6, 1}, Loss.BINARY_CROSSENTROPY, 1.0)
                .branch("kind", new long[] {3}, Loss.CATEGORICAL_CROSSENTROPY, 1.0)
                .weighting(weighting)
                .graph(scope -> {
                    SDVariable image = scope.input("image");
                    Layers trunk = scope.layers("trunk");
                    SDVariable block1Middle = trunk.conv2d(image, 4, 3, 1, Padding.SAME, Activation.TANH);
                    SDVariable block1 = trunk.conv2d(block1Middle, 4, 3, 1, Padding.SAME, Activation.TANH);
                    SDVariable block2Middle = trunk.conv2d(trunk.maxPool2d(block1, 2), 4, 3, 1, Padding.SAME,
                            Activation.TANH);
                    SDVariable block2 = trunk.conv2d(block2Middle, 4, 3, 1, Padding.SAME, Activation.TANH);
                    Layers map = scope.layers("map");
                    SDVariable attended = map.taskAttention(block1Middle, block1, null);
                    scope.output("map", map.conv2d(attended, 1, 1, Activation.SIGMOID));
                    Layers kind = scope.layers("kind");
                    SDVariable a = kind.taskAttention(block1Middle, block1, null);
                    a = kind.maxPool2d(kind.conv2d(a, 4, 3, 1, Padding.SAME, Activation.TANH), 2);
                    a = kind.taskAttention(block2Middle, block2, a);
                    scope.output("kind", kind.dense(kind.flatten(a), 3, Activation.SOFTMAX));
                })
                .build();
    }
}
