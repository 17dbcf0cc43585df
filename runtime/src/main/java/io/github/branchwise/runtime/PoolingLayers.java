package io.github.branchwise.runtime;

import java.util.Locale;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;

/** Keras' {@code AveragePooling2D} and {@code GlobalAveragePooling2D} over NHWC inputs. */
final class PoolingLayers {
    private PoolingLayers() {
    }

    static SDVariable average(Layers layers, SDVariable x, int size, int stride, Padding padding) {
        String layer = layers.nextLayerName("avg_pool2d");
        LayerShapes.requirePositive("avgPool2d", layer, "size", size);
        LayerShapes.requirePositive("avgPool2d", layer, "stride", stride);
        java.util.Objects.requireNonNull(padding, "padding");
        LayerShapes.requireFloatingPoint("avgPool2d", layer, x);
        long[] in = layers.shapeOf(x);
        LayerShapes.requireImage("avgPool2d", layer, in);
        if (padding == Padding.VALID && (in[0] < size || in[1] < size)) {
            throw new IllegalArgumentException(LayerShapes.who("avgPool2d", layer) + ": a " + size + "x" + size
                    + " window with valid padding does not fit its input " + LayerShapes.withBatch(in));
        }
        // Divisor EXCLUDE_PADDING (ND4J's default, stated here so it cannot change under us): under 'same' padding
        // a window at the border averages only the values it covers, as TensorFlow's avg_pool does, and the
        // padding is TensorFlow's too (the odd pixel at the bottom and right); both measured against the
        // reference in StatelessLayersReferenceTest.
        Pooling2DConfig config = Pooling2DConfig.builder()
                .kH(size).kW(size).sH(stride).sW(stride)
                .paddingMode(padding == Padding.SAME ? PaddingMode.SAME : PaddingMode.VALID)
                .type(Pooling2D.Pooling2DType.AVG)
                .divisor(Pooling2D.Divisor.EXCLUDE_PADDING)
                .isNHWC(true)
                .build();
        SDVariable output = layers.sameDiff().cnn().avgPooling2d(x, config);
        return layers.record(layer, "AveragePooling2D(" + size + "x" + size + ", stride " + stride + ", "
                + padding.name().toLowerCase(Locale.ROOT) + ")", x, output);
    }

    static SDVariable globalAverage(Layers layers, SDVariable x) {
        String layer = layers.nextLayerName("global_avg_pool2d");
        LayerShapes.requireFloatingPoint("globalAvgPool2d", layer, x);
        long[] in = layers.shapeOf(x);
        LayerShapes.requireImage("globalAvgPool2d", layer, in);
        long positions = in[0] * in[1];
        long channels = in[2];
        // A mean over an axis of size 1 breaks SameDiff's backpropagation in M2.1 (SAMEDIFF-NOTES): a 1x1 image
        // is its own average.
        SDVariable output = positions == 1 ? x.reshape(-1, channels) : x.reshape(-1, positions, channels).mean(1);
        return layers.record(layer, "GlobalAveragePooling2D", x, output);
    }
}
