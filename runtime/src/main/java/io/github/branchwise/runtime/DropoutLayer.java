package io.github.branchwise.runtime;

import org.nd4j.autodiff.samediff.SDVariable;

/**
 * {@link Layers#dropout}: {@code x} times a mask the runtime feeds on every pass ({@link GraphHost#dropoutMask}),
 * drawn in Java in training steps and all ones otherwise. Not a SameDiff random op: the compiled plans cannot run
 * those (they fall back to SameDiff's sessions), and a mask drawn from the seed and the step number makes a resumed
 * run draw what the uninterrupted one would have.
 */
final class DropoutLayer {
    private DropoutLayer() {
    }

    static SDVariable build(Layers nn, SDVariable x, double rate) {
        String layer = nn.nextLayerName("dropout");
        String where = LayerShapes.who("dropout", layer);
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException(where + ": rate must lie in [0, 1), got " + rate);
        }
        LayerShapes.requireFloatingPoint("dropout", layer, x);
        long[] example = nn.shapeOf(x);
        SDVariable output = rate == 0 ? nn.sameDiff().identity(x)
                : x.mul(nn.host().dropoutMask(layer, example, rate));
        return nn.record(layer, "Dropout(" + rate + ")", x, output);
    }
}
