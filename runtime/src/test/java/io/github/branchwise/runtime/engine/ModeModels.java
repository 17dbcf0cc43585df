package io.github.branchwise.runtime.engine;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.Padding;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import java.util.function.BiFunction;
import org.nd4j.autodiff.samediff.SDVariable;

/** Models with layers that behave differently in training and inference: batch norm and dropout. */
public final class ModeModels {
    private ModeModels() {
    }

    /**
     * A dense trunk {@code x[6] → dense(8, tanh) → batchNorm → relu → dropout(0.3)} shared by two heads: {@code a}, dense(2)
     * with MSE, and {@code b}, dense(4, tanh), its own batch norm and dropout(0.5), dense(3) with softmax and categorical cross-entropy.
     */
    // The layers before the batch norms have an activation: a bias right before a batch norm has a gradient of zero
    // up to rounding, which no two executors round alike.
    static ModelSpec dense(WeightingSpec weighting) {
        return ModelSpec.builder("test.DenseModes")
                .input("x", 6)
                .branch("a", new long[] {2}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("b", new long[] {3}, Loss.CATEGORICAL_CROSSENTROPY, 1.0)
                .weighting(weighting)
                .graph(scope -> {
                    Layers trunk = scope.layers("trunk");
                    SDVariable h = trunk.dense(scope.input("x"), 8, Activation.TANH);
                    h = trunk.dropout(trunk.activation(trunk.batchNorm(h), Activation.RELU), 0.3);
                    Layers a = scope.layers("a");
                    scope.output("a", a.dense(h, 2));
                    Layers b = scope.layers("b");
                    SDVariable hb = b.batchNorm(b.dense(h, 4, Activation.TANH), 0.9, 1e-5);
                    scope.output("b", b.dense(b.dropout(hb, 0.5), 3, Activation.SOFTMAX));
                })
                .build();
    }

    /**
     * A conv trunk {@code image[6,6,2] → conv2d(4, 3x3, same, tanh) → batchNorm → relu → dropout(0.25)}; head {@code map}:
     * conv2d(1, 3x3, same) sigmoid with binary cross-entropy; head {@code kind}: flatten, dense(3) with MSE.
     */
    static ModelSpec conv(WeightingSpec weighting) {
        return ModelSpec.builder("test.ConvModes")
                .input("image", 6, 6, 2)
                .branch("map", new long[] {6, 6, 1}, Loss.BINARY_CROSSENTROPY, 1.0)
                .branch("kind", new long[] {3}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(weighting)
                .graph(scope -> {
                    Layers trunk = scope.layers("trunk");
                    SDVariable h = trunk.conv2d(scope.input("image"), 4, 3, 1, Padding.SAME, Activation.TANH);
                    h = trunk.dropout(trunk.activation(trunk.batchNorm(h), Activation.RELU), 0.25);
                    Layers map = scope.layers("map");
                    scope.output("map", map.conv2d(h, 1, 3, 1, Padding.SAME, Activation.SIGMOID));
                    Layers kind = scope.layers("kind");
                    scope.output("kind", kind.dense(kind.flatten(h), 3));
                })
                .build();
    }

    /**
     * Branch {@code y} is {@code dropout(x, rate)} of the input {@code x[10]}, branch {@code z} the input itself; both
     * MSE. TRAINABLE for its α: SameDiff builds no gradient for a graph without a trainable variable.
     */
    static ModelSpec dropoutOnly(double rate) {
        return ModelSpec.builder("test.DropoutOnly")
                .input("x", 10)
                .branch("y", new long[] {10}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("z", new long[] {10}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.trainable(0.5, 0.0, 1.0))
                .graph(scope -> {
                    scope.output("y", scope.layers("y").dropout(scope.input("x"), rate));
                    scope.output("z", scope.input("x").mul(1.0));
                })
                .build();
    }

    /** Branch {@code y} is {@code batchNorm(x)} of the input {@code x[3]}, MSE. */
    static ModelSpec batchNormOnly() {
        return ModelSpec.builder("test.BatchNormOnly")
                .input("x", 3)
                .branch("y", new long[] {3}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.fixed(1.0))
                .graph(scope -> scope.output("y", scope.layers("y").batchNorm(scope.input("x"))))
                .build();
    }

    /** Branch {@code y}: {@code layer(dense(x, 4))} of the input {@code x[4]}; for the errors of wrong settings. */
    static ModelSpec denseThen(BiFunction<Layers, SDVariable, SDVariable> layer) {
        return ModelSpec.builder("test.DenseThen")
                .input("x", 4)
                .branch("y", new long[] {4}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.fixed(1.0))
                .graph(scope -> {
                    Layers y = scope.layers("y");
                    scope.output("y", layer.apply(y, y.dense(scope.input("x"), 4)));
                })
                .build();
    }
}
