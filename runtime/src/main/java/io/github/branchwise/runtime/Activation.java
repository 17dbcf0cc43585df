package io.github.branchwise.runtime;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/** The activation functions {@link Layers} applies after a layer, with the same definitions as Keras. */
public enum Activation {
    /** {@code f(x) = x}. */
    IDENTITY,
    /** {@code f(x) = max(0, x)}. */
    RELU,
    /** {@code f(x) = 1 / (1 + e^-x)}. */
    SIGMOID,
    /** {@code f(x) = tanh(x)}. */
    TANH,
    /** Softmax over the last axis. */
    SOFTMAX,
    /** {@code f(x) = x} for {@code x > 0}, else {@code 0.01x}. */
    LEAKY_RELU,
    /** {@code f(x) = log(1 + e^x)}. */
    SOFTPLUS;

    /** Applies this activation to {@code x} in the graph {@code sd}. */
    public SDVariable apply(SameDiff sd, SDVariable x) {
        return switch (this) {
            case IDENTITY -> x;
            case RELU -> sd.nn().relu(x, 0.0);
            case SIGMOID -> sd.nn().sigmoid(x);
            case TANH -> sd.math().tanh(x);
            case SOFTMAX -> sd.nn().softmax(x);
            case LEAKY_RELU -> sd.nn().leakyRelu(x, 0.01);
            case SOFTPLUS -> sd.nn().softplus(x);
        };
    }
}
