package io.github.branchwise.runtime;

/** How {@link Layers#upsample2d(org.nd4j.autodiff.samediff.SDVariable, int, int, Interpolation)} fills new pixels. */
public enum Interpolation {
    /** Each pixel repeated over its {@code size x size} block (Keras' default). */
    NEAREST,
    /**
     * Linear in height and width from the pixel centres, clamped at the border: Keras' {@code 'bilinear'}
     * ({@code tf.image.resize} with half-pixel centres), PyTorch's {@code interpolate(mode='bilinear',
     * align_corners=False)}.
     */
    BILINEAR
}
