package io.github.branchwise.runtime;

import java.util.Locale;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Keras' {@code UpSampling2D} over NHWC inputs by whole factors.
 *
 * <p>Nearest runs ND4J's {@code upsampling2d} in NCHW between two permutes: in NHWC its forward pass is right but in
 * M2.1 its gradient is wrong (measured against the sum over each block: off by the size of the values, for every
 * shape tried), and a broadcast product with a block of ones, though right, spent 145 ms in libnd4j's broadcasting
 * {@code multiply_bp} for a 32x16x16x16 input (the permutes and the NCHW op: about 1 ms).
 * {@code resize_bilinear} with half-pixel centres matches PyTorch
 * forward, but SameDiff M2.1 cannot differentiate it (building the gradient fails with "Error setting property for
 * function ResizeBilinear"); upsampling by a whole factor is linear along each axis, so bilinear runs as two
 * constant interpolation matrices applied by matmul, which the gradient and the compiled plan both handle.
 */
final class Upsampling {
    private Upsampling() {
    }

    static SDVariable build(Layers layers, SDVariable x, int sizeH, int sizeW,
                            Interpolation interpolation) {
        String layer = layers.nextLayerName("upsample2d");
        LayerShapes.requirePositive("upsample2d", layer, "height factor", sizeH);
        LayerShapes.requirePositive("upsample2d", layer, "width factor", sizeW);
        java.util.Objects.requireNonNull(interpolation, "interpolation");
        LayerShapes.requireFloatingPoint("upsample2d", layer, x);
        long[] in = layers.shapeOf(x);
        LayerShapes.requireImage("upsample2d", layer, in);
        SameDiff sd = layers.sameDiff();
        SDVariable output;
        if (sizeH == 1 && sizeW == 1) {
            output = sd.identity(x);
        } else if (interpolation == Interpolation.NEAREST) {
            output = sd.cnn().upsampling2d(x.permute(0, 3, 1, 2), sizeH, sizeW, true).permute(0, 2, 3, 1);
        } else {
            SDVariable rows = x;
            if (sizeH > 1) {
                SDVariable weights = sd.constant(layer + "/height_weights",
                        bilinearWeights(in[0], sizeH).castTo(x.dataType()));
                // [b, h, w, c] -> [h, b·w·c], mixed to [H, b·w·c], back to [b, H, w, c].
                rows = weights.mmul(x.permute(1, 0, 2, 3).reshape(in[0], -1))
                        .reshape(in[0] * sizeH, -1, in[1], in[2]).permute(1, 0, 2, 3);
            }
            SDVariable columns = rows;
            if (sizeW > 1) {
                SDVariable weights = sd.constant(layer + "/width_weights",
                        bilinearWeights(in[1], sizeW).castTo(x.dataType()));
                // [b, H, w, c] -> [w, b·H·c], mixed to [W, b·H·c], back to [b, H, W, c].
                columns = weights.mmul(rows.permute(2, 0, 1, 3).reshape(in[1], -1))
                        .reshape(in[1] * sizeW, -1, in[0] * sizeH, in[2]).permute(1, 2, 0, 3);
            }
            output = columns;
        }
        return layers.record(layer, "UpSampling2D(" + sizeH + "x" + sizeW + ", "
                + interpolation.name().toLowerCase(Locale.ROOT) + ")", x, output);
    }

    /**
     * The {@code [n·factor, n]} matrix of linear interpolation from half-pixel centres: output pixel {@code o} reads
     * the input at {@code (o + 0.5) / factor - 0.5}, clamped to the first pixel below 0 and to the last above
     * {@code n - 1}, as TensorFlow's {@code resize_bilinear(half_pixel_centers=True)} and PyTorch's
     * {@code align_corners=False} do.
     */
    static INDArray bilinearWeights(long n, int factor) {
        int rows = Math.toIntExact(n * factor);
        double[][] weights = new double[rows][Math.toIntExact(n)];
        for (int o = 0; o < rows; o++) {
            double source = Math.max((o + 0.5) / factor - 0.5, 0.0);
            int lower = (int) Math.floor(source);
            int upper = (int) Math.min(lower + 1, n - 1);
            double fraction = source - lower;
            weights[o][lower] += 1 - fraction;
            weights[o][upper] += fraction;
        }
        return Nd4j.createFromArray(weights);
    }
}
