package io.github.branchwise.runtime;

/** How a convolution or pooling window treats the border of its input, as Keras' {@code padding}. */
public enum Padding {
    /** No padding: the output shrinks by {@code kernel - 1} (the default, as in Keras). */
    VALID,
    /** Zero padding so that, with stride 1, the output keeps the input's height and width. */
    SAME
}
