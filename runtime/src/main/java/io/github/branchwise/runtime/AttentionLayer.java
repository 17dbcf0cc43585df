package io.github.branchwise.runtime;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link Layers#selfAttention}: Keras' {@code MultiHeadAttention(num_heads, key_dim)} called as {@code mha(x, x)},
 * with an optional padding mask over the keys.
 *
 * <p>Written with matrix products, reshapes, permutes and a softmax over the last axis, each of which a compiled plan
 * binds. The projections run over {@code [batch·steps, features]} with the kernels viewed as {@code [features,
 * heads·keyDim]}; scores and the weighted sum are batched products over {@code [batch, heads]}.
 */
final class AttentionLayer {
    /**
     * What a padded key's score gets added: Keras' {@code _large_compatible_negative} for float32 and float64, so the
     * key's softmax weight underflows to zero.
     */
    static final double MASKED = -1e9;

    private AttentionLayer() {
    }

    static SDVariable build(Layers layers, SDVariable x, int heads, int keyDim, SDVariable mask) {
        String layer = layers.nextLayerName("self_attention");
        LayerShapes.requirePositive("selfAttention", layer, "heads", heads);
        LayerShapes.requirePositive("selfAttention", layer, "keyDim", keyDim);
        long[] in = RecurrentLayers.requireSequence("selfAttention", layers, layer, x, 1);
        int steps = Math.toIntExact(in[0]);
        int features = Math.toIntExact(in[1]);
        if (mask != null) {
            requireMask(layers, layer, mask, steps, x.dataType());
        }
        GraphHost host = layers.host();
        int width = heads * keyDim;
        // Keras' EinsumDense kernels [features, heads, keyDim] and [heads, keyDim, features]; its glorot fans over a
        // kernel of rank 3 count the first axis as the receptive field: fan_in = shape[1]·shape[0], fan_out =
        // shape[2]·shape[0].
        SDVariable wq = kernel(layers, layer + "/Wq", features, heads, keyDim);
        SDVariable bq = host.parameter(layer + "/bq", Nd4j.zeros(host.dataType(), heads, keyDim));
        SDVariable wk = kernel(layers, layer + "/Wk", features, heads, keyDim);
        SDVariable bk = host.parameter(layer + "/bk", Nd4j.zeros(host.dataType(), heads, keyDim));
        SDVariable wv = kernel(layers, layer + "/Wv", features, heads, keyDim);
        SDVariable bv = host.parameter(layer + "/bv", Nd4j.zeros(host.dataType(), heads, keyDim));
        SDVariable wo = kernel(layers, layer + "/Wo", heads, keyDim, features);
        SDVariable bo = host.parameter(layer + "/bo", Nd4j.zeros(host.dataType(), features));

        SameDiff sd = layers.sameDiff();
        SDVariable rows = x.reshape(-1, features);
        SDVariable q = heads(rows, wq, bq, features, steps, heads, keyDim).mul(1.0 / Math.sqrt(keyDim));
        SDVariable k = heads(rows, wk, bk, features, steps, heads, keyDim);
        SDVariable v = heads(rows, wv, bv, features, steps, heads, keyDim);
        // [batch, heads, steps (queries), steps (keys)]
        SDVariable scores = sd.mmul(q, k, false, true, false);
        if (mask != null) {
            // (mask − 1)·1e9: 0 for a kept key, −1e9 for a padded one, broadcast over heads and queries.
            scores = scores.add(mask.sub(1.0).mul(-MASKED).reshape(-1, 1, 1, steps));
        }
        SDVariable weights = sd.nn.softmax(scores, -1);
        SDVariable context = sd.mmul(weights, v).permute(0, 2, 1, 3).reshape(-1, width);
        SDVariable out = context.mmul(wo.reshape(width, features)).add(bo).reshape(-1, steps, features);
        String kind = "SelfAttention(" + heads + (heads == 1 ? " head" : " heads") + " of " + keyDim
                + (mask == null ? "" : ", masked") + ")";
        return layers.record(layer, kind, x, out, wq, bq, wk, bk, wv, bv, wo, bo);
    }

    /** One projection, {@code [batch, heads, steps, keyDim]}. */
    private static SDVariable heads(SDVariable rows, SDVariable w, SDVariable b, int features, int steps, int heads,
                                    int keyDim) {
        int width = heads * keyDim;
        return rows.mmul(w.reshape(features, width)).add(b.reshape(width)).reshape(-1, steps, heads, keyDim)
                .permute(0, 2, 1, 3);
    }

    private static SDVariable kernel(Layers layers, String name, long a, long b, long c) {
        return layers.host().parameter(name, layers.glorotUniform(name, b * a, c * a, a, b, c));
    }

    private static void requireMask(Layers layers, String layer, SDVariable mask, int steps, DataType type) {
        if (mask.dataType() != type) {
            throw new IllegalArgumentException(LayerShapes.who("selfAttention", layer) + " needs a padding mask of the input's type " + type
                    + " (1 for a real step, 0 for padding), got '" + mask.name() + "' of type " + mask.dataType());
        }
        long[] shape = layers.shapeOf(mask);
        if (shape.length != 1 || shape[0] != steps) {
            throw new IllegalArgumentException(LayerShapes.who("selfAttention", layer) + " needs a padding mask of shape [batch, " + steps
                    + "] (1 for a real step, 0 for padding), got [batch, " + Layers.join(shape) + "]");
        }
    }
}
