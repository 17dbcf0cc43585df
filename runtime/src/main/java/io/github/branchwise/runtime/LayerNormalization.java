package io.github.branchwise.runtime;

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

    static SDVariable build(Layers layers, SDVariable x, double epsilon) {
        GraphHost host = layers.host();
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
        SameDiff sd = host.sameDiff();
        SDVariable gamma = host.parameter(layer + "/gamma", Nd4j.ones(host.dataType(), features));
        SDVariable beta = host.parameter(layer + "/beta", Nd4j.zeros(host.dataType(), features));
        // As a [positions, features] matrix, with every per-row and per-feature factor spread to the matrix's shape
        // by an outer product (matmul) before multiplying: libnd4j's multiply_bp with a broadcast operand took 20-26
        // ms for one 32x32x32x16 tensor here (StatelessLayersStep's trunk: half the step), the same-shape multiply
        // and the two matmul_bp well under 1 ms.
        SDVariable rows = in.length == 1 ? x : x.reshape(-1, features);
        SDVariable centered;
        SDVariable variance;
        if (features == 1) {
            // A mean over an axis of size 1 breaks SameDiff's backpropagation in M2.1 (its reduce_mean_bp gets a
            // null input, see SAMEDIFF-NOTES); over one feature the mean is the value itself and the output is beta.
            centered = rows.sub(rows);
            variance = centered.mul(centered);
        } else {
            centered = rows.sub(rows.mean(true, 1));
            variance = centered.mul(centered).mean(true, 1);
        }
        SDVariable acrossFeatures = sd.constant(layer + "/ones", Nd4j.ones(x.dataType(), 1, features));
        SDVariable inverse = sd.math().rsqrt(variance.add(epsilon));
        SDVariable normalized = centered.mul(inverse.mmul(acrossFeatures));
        SDVariable scale = sd.onesLike(inverse).mmul(gamma.reshape(1, features));
        SDVariable affine = normalized.mul(scale).add(beta);
        SDVariable output = in.length == 1 ? affine : affine.reshape(withBatch(in));
        return layers.record(layer, "LayerNormalization(epsilon " + epsilon + ")", x, output, gamma, beta);
    }

    private static long[] withBatch(long[] example) {
        long[] shape = new long[example.length + 1];
        shape[0] = -1;
        System.arraycopy(example, 0, shape, 1, example.length);
        return shape;
    }
}
