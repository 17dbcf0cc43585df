package io.github.branchwise.examples;

import io.github.branchwise.annotations.Branch;
import io.github.branchwise.annotations.BranchLoss;
import io.github.branchwise.annotations.Input;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.annotations.Shared;
import io.github.branchwise.annotations.WeightedLoss;
import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Interpolation;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.Padding;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * A small segmentation network: a 16x16 grey image holding the outline of one square, cross or circle; a residual
 * convolutional trunk with batch normalisation that goes down to 4x4; a dense-prediction head that comes back up to
 * 16x16 and says, per pixel, whether the pixel lies inside the shape (binary cross-entropy); and a head that names
 * the shape (softmax over 3, categorical cross-entropy with one-hot targets) after a global average and dropout.
 *
 * <p>The mask is the area the outline encloses, not the outline itself, so thresholding the image does not give it:
 * the network has to see the whole outline around a pixel, which the 4x4 trunk does (each of its cells sees the
 * whole image), and then to place the edges to the pixel, which the skip connection from the 16x16 {@link #stem}
 * gives back after the upsampling.
 *
 * <p>The two losses are weighted by learned uncertainty (Kendall et al.), as in {@link Shapes}: a per-pixel
 * cross-entropy and a per-image one fall at different speeds, and the weight of each follows {@code 1/(2·Lᵢ)}.
 */
@WeightedLoss(weighting = Weighting.UNCERTAINTY)
public abstract class Masks {
    /** The height and width of the images and masks. */
    static final int SIZE = 16;

    @Input(shape = {SIZE, SIZE, 1})
    abstract SDVariable image();

    /** Full-resolution features, 16x16x16: the trunk builds on them and the mask head's skip connection reads them. */
    @Shared
    SDVariable stem(Layers nn) {
        return convBnRelu(nn, image(), 16);
    }

    /** Down to 4x4x32 through two residual blocks, each after a 2x2 max pooling. */
    @Shared
    SDVariable trunk(Layers nn) {
        SDVariable half = residual(nn, nn.maxPool2d(stem(nn), 2));                // [8, 8, 16]
        SDVariable quarter = convBnRelu(nn, nn.maxPool2d(half, 2), 32);           // [4, 4, 32]
        return residual(nn, quarter);
    }

    @Branch(shape = {SIZE, SIZE, 1})
    @BranchLoss(Loss.BINARY_CROSSENTROPY)
    SDVariable mask(Layers nn) {
        // Two ways up, one each: a learned 2x (transposed convolution) and a fixed one (bilinear), then the stem's
        // features joined on for the pixel-exact edges the 4x4 trunk has lost.
        SDVariable up = nn.conv2dTranspose(trunk(nn), 16, 3, 2, Padding.SAME, Activation.RELU);   // [8, 8, 16]
        up = nn.upsample2d(up, 2, Interpolation.BILINEAR);                                         // [16, 16, 16]
        SDVariable joined = nn.concat(up, stem(nn));                                               // [16, 16, 32]
        return nn.conv2d(joined, 1, 3, 1, Padding.SAME, Activation.SIGMOID);
    }

    @Branch(shape = 3)
    @BranchLoss(Loss.CATEGORICAL_CROSSENTROPY)
    SDVariable kind(Layers nn) {
        return nn.dense(nn.dropout(nn.globalAvgPool2d(trunk(nn)), 0.3), 3, Activation.SOFTMAX);
    }

    /** A 3x3 same-padded convolution, batch normalisation, then ReLU (the convolution's bias is redundant there). */
    private static SDVariable convBnRelu(Layers nn, SDVariable x, int filters) {
        SDVariable conv = nn.conv2d(x, filters, 3, 1, Padding.SAME, Activation.IDENTITY);
        return nn.activation(batchNorm(nn, conv), Activation.RELU);
    }

    /**
     * Batch normalisation with momentum 0.9 (PyTorch's default, which PyTorch writes as 0.1) instead of Keras' 0.99: a
     * run of this example is a few hundred steps, after which 0.99 still keeps much of the initial statistics (mean 0,
     * variance 1) in the moving ones: after 171 steps 0.99^171 ≈ 0.18 of the initial variance, against the batches' own
     * of about 0.01. Inference, which uses only the moving statistics, then normalised with the wrong scale (validation
     * at the all-background pixel accuracy and at chance for the kind, while training accuracy passed 99%).
     */
    private static SDVariable batchNorm(Layers nn, SDVariable x) {
        return nn.batchNorm(x, 0.9, 1e-3);
    }

    /** A ResNet basic block: {@code relu(x + bn(conv(relu(bn(conv(x))))))}, keeping the shape of {@code x}. */
    private static SDVariable residual(Layers nn, SDVariable x) {
        long[] shape = nn.shapeOf(x);
        int channels = (int) shape[shape.length - 1];
        SDVariable inner = convBnRelu(nn, x, channels);
        SDVariable conv = nn.conv2d(inner, channels, 3, 1, Padding.SAME, Activation.IDENTITY);
        return nn.activation(nn.add(x, batchNorm(nn, conv)), Activation.RELU);
    }
}
