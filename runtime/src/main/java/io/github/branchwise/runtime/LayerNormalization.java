package io.github.branchwise.runtime;

import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Keras' {@code LayerNormalization(axis=-1)}: each example's last axis standardised with its own mean and biased
 * variance, {@code (x - mean) / sqrt(var + epsilon) * gamma + beta}, gamma starting at ones and beta at zeros.
 */
final class LayerNormalization {
    private LayerNormalization() {
    }

    static SDVariable build(Layers layers, GraphHost host, SDVariable x, double epsilon) {
        String layer = layers.nextLayerName("layer_norm");
        LayerShapes.requireFloatingPoint("layerNorm", layer, x);
        if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException(LayerShapes.who("layerNorm", layer) + ": epsilon must be positive and "
                    + "finite, got " + epsilon);
        }
        long[] in = layers.shapeOf(x);
        if (in.length == 0) {
            throw new IllegalArgumentException(LayerShapes.who("layerNorm", layer) + " needs input of shape [batch, "
                    + "..., features], got [batch]");
        }
        long features = in[in.length - 1];
        int last = in.length;
        SameDiff sd = host.sameDiff();
        SDVariable gamma = host.parameter(layer + "/gamma", Nd4j.ones(host.dataType(), features));
        SDVariable beta = host.parameter(layer + "/beta", Nd4j.zeros(host.dataType(), features));
        SDVariable centered;
        SDVariable variance;
        if (features == 1) {
            // A mean over an axis of size 1 breaks SameDiff's backpropagation in M2.1 (its reduce_mean_bp gets a
            // null input, see SAMEDIFF-NOTES); over one feature the mean is the value itself and the output is beta.
            centered = x.sub(x);
            variance = centered.mul(centered);
        } else {
            centered = x.sub(x.mean(true, last));
            variance = centered.mul(centered).mean(true, last);
        }
        SDVariable normalized = centered.mul(sd.math().rsqrt(variance.add(epsilon)));
        SDVariable output = normalized.mul(gamma).add(beta);
        host.recordLayer(new LayerRecord(layers.scope(), LayerShapes.local(layers, layer),
                "LayerNormalization(epsilon " + epsilon + ")", output,
                List.of(gamma.name(), beta.name()), List.of(x.name())));
        return output;
    }
}
