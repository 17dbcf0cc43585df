package io.github.branchwise.runtime.engine;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Layers;
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
}
