package io.github.branchwise.runtime.engine;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import java.util.Arrays;
import org.nd4j.autodiff.samediff.SDVariable;

/** Model specs written by hand, as the processor would generate them, for runtime tests. */
final class TestModels {
    private TestModels() {
    }

    /** The seed question's Detector: a 5x5x2 input, a 3x3x1 localization map and a 2-class vector. */
    static ModelSpec detector(WeightingSpec weighting) {
        return ModelSpec.builder("test.Detector")
                .input("image", 5, 5, 2)
                .branch("localization", new long[] {3, 3, 1}, Loss.BINARY_CROSSENTROPY, 1.0)
                .branch("classification", new long[] {2}, Loss.BINARY_CROSSENTROPY, 1.0)
                .weighting(weighting)
                .graph(scope -> {
                    SDVariable image = scope.input("image");
                    Layers loc = scope.layers("localization");
                    scope.output("localization", loc.conv2d(image, 1, 3, Activation.SIGMOID));
                    Layers cls = scope.layers("classification");
                    scope.output("classification", cls.dense(cls.flatten(image), 2, Activation.SIGMOID));
                })
                .build();
    }

    static ModelSpec detector() {
        return detector(WeightingSpec.trainable(0.5, 0.0, 1.0));
    }

    /**
     * The question's own model: x1 = Dense(1, relu) of input 1 and x2 = Dense(2, relu) of input 2, over a shared
     * trunk for input 1, regression losses.
     */
    static ModelSpec twoInputs(WeightingSpec weighting) {
        return ModelSpec.builder("test.TwoInputs")
                .input("first", 4)
                .input("second", 3)
                .branch("x1", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("x2", new long[] {2}, Loss.HUBER, 0.5)
                .weighting(weighting)
                .graph(scope -> {
                    Layers trunk = scope.layers("trunk");
                    SDVariable shared = trunk.dense(scope.input("first"), 5, Activation.TANH);
                    Layers x1 = scope.layers("x1");
                    scope.output("x1", x1.dense(shared, 1, Activation.RELU));
                    Layers x2 = scope.layers("x2");
                    SDVariable both = scope.sameDiff().concat(1, shared, scope.input("second"));
                    scope.output("x2", x2.dense(both, 2, Activation.SIGMOID));
                })
                .build();
    }

    /** The example shapes of the branches of {@link #heads}: a vector, a 2x3 grid (rank 2) and another vector. */
    static final long[][] HEAD_SHAPES = {{3}, {2, 3}, {4}};

    /** The Huber threshold of every HUBER branch of {@link #heads} and {@link #identity}. */
    static final double HUBER_DELTA = 0.7;

    /**
     * One input {@code x[5]} and one dense head per loss, branch {@code i} named {@code b<i>} with shape
     * {@link #HEAD_SHAPES}{@code [i]}, each followed by the activation that suits its loss (sigmoid for BCE,
     * softmax over the last axis for the categorical losses, tanh for MSE, identity for MAE and Huber).
     */
    static ModelSpec heads(WeightingSpec weighting, Loss... losses) {
        ModelSpec.Builder builder = ModelSpec.builder("test.Heads").input("x", 5);
        for (int i = 0; i < losses.length; i++) {
            builder.branch("b" + i, HEAD_SHAPES[i], losses[i], HUBER_DELTA);
        }
        return builder.weighting(weighting)
                .graph(scope -> {
                    for (int i = 0; i < losses.length; i++) {
                        String name = "b" + i;
                        Layers nn = scope.layers(name);
                        long[] shape = HEAD_SHAPES[i];
                        long size = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
                        SDVariable flat = nn.dense(scope.input("x"), (int) size);
                        long[] batchShape = new long[shape.length + 1];
                        batchShape[0] = -1;
                        System.arraycopy(shape, 0, batchShape, 1, shape.length);
                        SDVariable shaped = shape.length == 1 ? flat : flat.reshape(batchShape);
                        scope.output(name, nn.activation(shaped, activationFor(losses[i])));
                    }
                })
                .build();
    }

    static Activation activationFor(Loss loss) {
        return switch (loss) {
            case BINARY_CROSSENTROPY -> Activation.SIGMOID;
            case CATEGORICAL_CROSSENTROPY, SPARSE_CATEGORICAL_CROSSENTROPY -> Activation.SOFTMAX;
            case MEAN_SQUARED_ERROR -> Activation.TANH;
            default -> Activation.IDENTITY;
        };
    }

    /**
     * Two branches that output their own input unchanged (times one): {@code a} from input {@code pa} and
     * {@code b} from input {@code pb}, both with {@code loss}, total {@code 0.25·L_a + 0.75·L_b} (TRAINABLE with α
     * starting at 0.25: SameDiff refuses to build a gradient for a graph without any trainable variable, and α is the
     * only one here). What goes in is the prediction the loss sees, so a loss value can be checked against a formula
     * on the input alone.
     */
    static ModelSpec identity(Loss loss, long[] shapeA, long[] shapeB) {
        return ModelSpec.builder("test.Identity")
                .input("pa", shapeA)
                .input("pb", shapeB)
                .branch("a", shapeA, loss, HUBER_DELTA)
                .branch("b", shapeB, loss, HUBER_DELTA)
                .weighting(WeightingSpec.trainable(0.25, 0.0, 1.0))
                .graph(scope -> {
                    scope.output("a", scope.input("pa").mul(1.0));
                    scope.output("b", scope.input("pb").mul(1.0));
                })
                .build();
    }

    /**
     * A model with a 256x256 dense layer, so that a saved file (with Adam's state) is about 800 KB and a save takes
     * long enough for a kill to land inside it.
     */
    static ModelSpec big() {
        return ModelSpec.builder("test.Big")
                .input("x", 256)
                .branch("a", new long[] {256}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("b", new long[] {2}, Loss.BINARY_CROSSENTROPY, 1.0)
                .weighting(WeightingSpec.trainable(0.5, 0.0, 1.0))
                .graph(scope -> {
                    scope.output("a", scope.layers("a").dense(scope.input("x"), 256, Activation.TANH));
                    scope.output("b", scope.layers("b").dense(scope.input("x"), 2, Activation.SIGMOID));
                })
                .build();
    }
}
