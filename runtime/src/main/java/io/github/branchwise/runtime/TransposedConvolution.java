package io.github.branchwise.runtime;

import java.util.Locale;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.DeConv2DConfig;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Keras' {@code Conv2DTranspose} over NHWC inputs: a square kernel {@code [kernel, kernel, filters, in]} (Keras'
 * layout: output channels before input channels; PyTorch's {@code ConvTranspose2d.weight} is {@code [in, filters,
 * kH, kW]}, permuted by {@code (2, 3, 1, 0)}), a bias per filter, Glorot-uniform and zeros.
 *
 * <p>Output height (and width) as Keras computes it without {@code output_padding}: {@code in·stride} under
 * {@code 'same'}, {@code in·stride + max(kernel - stride, 0)} under {@code 'valid'}.
 */
final class TransposedConvolution {
    private TransposedConvolution() {
    }

    static SDVariable build(Layers layers, SDVariable x, int filters, int kernel, int stride,
                            Padding padding, Activation activation) {
        GraphHost host = layers.host();
        String layer = layers.nextLayerName("conv2d_transpose");
        LayerShapes.requirePositive("conv2dTranspose", layer, "filters", filters);
        LayerShapes.requirePositive("conv2dTranspose", layer, "kernel", kernel);
        LayerShapes.requirePositive("conv2dTranspose", layer, "stride", stride);
        java.util.Objects.requireNonNull(padding, "padding");
        java.util.Objects.requireNonNull(activation, "activation");
        LayerShapes.requireFloatingPoint("conv2dTranspose", layer, x);
        long[] in = layers.shapeOf(x);
        LayerShapes.requireImage("conv2dTranspose", layer, in);
        long channels = in[2];
        // Keras' fans for a [kH, kW, filters, in] kernel; their sum, all Glorot reads, is the same either way.
        long fanIn = (long) kernel * kernel * filters;
        long fanOut = (long) kernel * kernel * channels;
        SDVariable w = host.parameter(layer + "/W",
                layers.glorotUniform(layer + "/W", fanIn, fanOut, kernel, kernel, filters, channels));
        SDVariable b = host.parameter(layer + "/b", Nd4j.zeros(host.dataType(), filters));
        // libnd4j's deconv2d gives (in - 1)·stride + kernel under valid padding, and in·stride under same padding
        // with TensorFlow's split of the crop (the odd row off the bottom and right): both measured equal to
        // Keras. With a kernel smaller than its stride Keras' valid output is in·stride, the last stride - kernel
        // rows and columns holding only the bias, which is exactly what 'same' computes (nothing to crop).
        boolean sameMode = padding == Padding.SAME || kernel < stride;
        DeConv2DConfig config = DeConv2DConfig.builder()
                .kH(kernel).kW(kernel).sH(stride).sW(stride)
                .isSameMode(sameMode)
                .dataFormat("NHWC")
                .build();
        SDVariable output = activation.apply(host.sameDiff(), host.sameDiff().cnn().deconv2d(x, w, b, config));
        String suffix = activation == Activation.IDENTITY ? "" : " " + activation.name().toLowerCase(Locale.ROOT);
        return layers.record(layer, "Conv2DTranspose(" + filters + ", " + kernel + "x" + kernel + ", stride " + stride
                + ", " + padding.name().toLowerCase(Locale.ROOT) + ")" + suffix, x, output, w, b);
    }
}
