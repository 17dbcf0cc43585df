package io.github.branchwise.runtime;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link Layers#lstm} and {@link Layers#gru}, unrolled over the time steps with basic SameDiff ops.
 *
 * <p>Why not ND4J's own ops: libnd4j's {@code gru} is the other GRU (the reset gate applied before the recurrent
 * product, one bias: Keras' {@code reset_after=False}), not Keras 2's default or PyTorch's, so it could not take their
 * weights. {@code lstmLayer} computes the same values as this unrolled LSTM (bit for bit in the forward, the same
 * trained parameters to float precision, measured here) and its {@code lstmLayer_bp} binds in a compiled plan, but was
 * no faster on the measured workload (the engine's test {@code LstmProbe}: batch 32, 16 features, 32 units, compiled,
 * one thread on 2 busy shared cores: 11–28 ms a step against 13–38 ms unrolled for 20 steps, 20 against 16 ms for
 * 50, where {@code lstmLayer_bp} alone took 6–14 ms); one way of writing both layers was preferred. The unrolled graph has about a dozen ops per step forward, so
 * graphs grow with the sequence length: fine for tens to a few hundred steps.
 *
 * <p>The input projection of every step is one product over {@code [batch·steps, features]} before the loop; each
 * step adds the recurrent product and splits the gates with one {@code unstack} (a reshape to
 * {@code [batch, gates, units]}), whose gradient is one {@code stack} rather than a strided-slice gradient per gate.
 * The first step starts from zero state, so it skips the recurrent product.
 */
final class RecurrentLayers {
    private RecurrentLayers() {
    }

    /** The LSTM: Keras' gate order i, f, c, o (PyTorch's i, f, g, o is the same). */
    static SDVariable lstm(Layers layers, SDVariable x, int units, boolean returnSequences) {
        String layer = layers.nextLayerName("lstm");
        long[] in = requireSequence("lstm", layers, layer, x, units);
        int steps = Math.toIntExact(in[0]);
        int features = Math.toIntExact(in[1]);
        GraphHost host = layers.host();
        SDVariable w = host.parameter(layer + "/W",
                layers.glorotUniform(layer + "/W", features, 4L * units, features, 4L * units));
        SDVariable u = host.parameter(layer + "/U",
                SequenceInit.orthogonal(host.seed(), layer + "/U", host.dataType(), units, 4 * units));
        INDArray bias = org.nd4j.linalg.factory.Nd4j.zeros(host.dataType(), 4L * units);
        // unit_forget_bias=True, Keras' default: the forget gate's bias starts at one.
        bias.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(units, 2 * units)).assign(1.0);
        SDVariable b = host.parameter(layer + "/b", bias);
        SameDiff sd = layers.sameDiff();
        SDVariable[] xs = projectSteps(x, w, b, steps, features, 4 * units);
        SDVariable[] hs = new SDVariable[steps];
        SDVariable h = null;
        SDVariable c = null;
        for (int t = 0; t < steps; t++) {
            SDVariable z = t == 0 ? xs[0] : xs[t].add(h.mmul(u));
            SDVariable[] gates = sd.unstack(z.reshape(-1, 4, units), 1, 4);
            SDVariable i = sd.nn.sigmoid(gates[0]);
            SDVariable f = sd.nn.sigmoid(gates[1]);
            SDVariable g = sd.math.tanh(gates[2]);
            SDVariable o = sd.nn.sigmoid(gates[3]);
            c = t == 0 ? i.mul(g) : f.mul(c).add(i.mul(g));
            h = o.mul(sd.math.tanh(c));
            hs[t] = h;
        }
        SDVariable out = returnSequences ? sd.stack(1, hs) : h;
        return layers.record(layer, "LSTM(" + units + ", " + (returnSequences ? "sequence" : "last state") + ")", x,
                out, w, u, b);
    }

    /**
     * The GRU of Keras 2 ({@code reset_after=True}) and PyTorch: {@code z = σ(x·Wz + bz + h·Uz + rz)},
     * {@code r = σ(x·Wr + br + h·Ur + rr)}, {@code ĥ = tanh(x·Wh + bh + r ⊙ (h·Uh + rh))},
     * {@code h' = z ⊙ h + (1 − z) ⊙ ĥ}; Keras' gate order z, r, h, bias {@code [2, 3·units]} (input row, recurrent
     * row).
     */
    static SDVariable gru(Layers layers, SDVariable x, int units, boolean returnSequences) {
        String layer = layers.nextLayerName("gru");
        long[] in = requireSequence("gru", layers, layer, x, units);
        int steps = Math.toIntExact(in[0]);
        int features = Math.toIntExact(in[1]);
        GraphHost host = layers.host();
        SDVariable w = host.parameter(layer + "/W",
                layers.glorotUniform(layer + "/W", features, 3L * units, features, 3L * units));
        SDVariable u = host.parameter(layer + "/U",
                SequenceInit.orthogonal(host.seed(), layer + "/U", host.dataType(), units, 3 * units));
        SDVariable b = host.parameter(layer + "/b", org.nd4j.linalg.factory.Nd4j.zeros(host.dataType(), 2,
                3L * units));
        SameDiff sd = layers.sameDiff();
        SDVariable[] biases = sd.unstack(b, 0, 2);
        SDVariable[] xs = projectSteps(x, w, biases[0], steps, features, 3 * units);
        SDVariable[] recurrentBias = sd.unstack(biases[1].reshape(3, units), 0, 3);
        SDVariable[] hs = new SDVariable[steps];
        SDVariable h = null;
        for (int t = 0; t < steps; t++) {
            SDVariable[] xg = sd.unstack(xs[t].reshape(-1, 3, units), 1, 3);
            // From zero state the recurrent product is zero and only its bias is left.
            SDVariable[] hg = t == 0 ? recurrentBias
                    : sd.unstack(h.mmul(u).add(biases[1]).reshape(-1, 3, units), 1, 3);
            SDVariable z = sd.nn.sigmoid(xg[0].add(hg[0]));
            SDVariable r = sd.nn.sigmoid(xg[1].add(hg[1]));
            SDVariable candidate = sd.math.tanh(xg[2].add(r.mul(hg[2])));
            // z ⊙ h + (1 − z) ⊙ ĥ, written as ĥ + z ⊙ (h − ĥ): two ops fewer.
            h = t == 0 ? candidate.sub(z.mul(candidate)) : candidate.add(z.mul(h.sub(candidate)));
            hs[t] = h;
        }
        SDVariable out = returnSequences ? sd.stack(1, hs) : h;
        return layers.record(layer, "GRU(" + units + ", " + (returnSequences ? "sequence" : "last state") + ")", x,
                out, w, u, b);
    }

    /** {@code x·W + b} for every step at once, split into one {@code [batch, width]} variable per step. */
    private static SDVariable[] projectSteps(SDVariable x, SDVariable w, SDVariable b, int steps, int features,
                                             int width) {
        SDVariable projected = x.reshape(-1, features).mmul(w).add(b).reshape(-1, steps, width);
        return x.getSameDiff().unstack(projected, 1, steps);
    }

    /** The {@code [steps, features]} of a floating {@code [batch, steps, features]} input, or a clear error. */
    static long[] requireSequence(String call, Layers layers, String layer, SDVariable x, int units) {
        LayerShapes.requirePositive(call, layer, "units", units);
        DataType type = x.dataType();
        if (type == null || !type.isFPType()) {
            throw new IllegalArgumentException(LayerShapes.who(call, layer) + " needs floating-point input, got '"
                    + x.name() + "' of type " + type + (type != null && type.isIntType()
                    ? ": integer ids go through embedding first" : ""));
        }
        long[] in = layers.shapeOf(x);
        if (in.length != 2) {
            throw new IllegalArgumentException(LayerShapes.who(call, layer) + " needs input of shape [batch, steps, features], got "
                    + "[batch, " + Layers.join(in) + "]");
        }
        return in;
    }
}
