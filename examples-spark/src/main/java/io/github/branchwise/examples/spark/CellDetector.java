package io.github.branchwise.examples.spark;

import io.github.branchwise.annotations.Branch;
import io.github.branchwise.annotations.BranchLoss;
import io.github.branchwise.annotations.Input;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.annotations.Shared;
import io.github.branchwise.annotations.WeightedLoss;
import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.Padding;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * A detector in the spirit of the seed model, small enough to train on a laptop's Spark in seconds: a 6x6 grey image
 * holding one mark in one cell of a 3x3 grid (each cell 2x2 pixels); a shared convolutional trunk; a 3x3x1 map saying
 * which cell holds the mark (binary cross-entropy per cell) and a 2-class vector saying what the mark is, a filled
 * square or a diagonal stroke (softmax, categorical cross-entropy).
 *
 * <p>The two losses are weighted by learned uncertainty (Kendall et al.): a per-cell and a per-image cross-entropy
 * fall at different speeds, and no fixed weight has to be guessed. The strategy's total is a sum over examples, so
 * {@code SparkTrainer} splits it over partitions exactly.
 */
@WeightedLoss(weighting = Weighting.UNCERTAINTY)
public abstract class CellDetector {
    /** The height and width of the images. */
    static final int SIZE = 6;
    /** The cells per side of the grid; each cell is {@code SIZE / GRID} pixels square. */
    static final int GRID = 3;

    @Input(shape = {SIZE, SIZE, 1})
    abstract SDVariable image();

    /** Eight 3x3 feature maps at full resolution: both heads read them, so both losses train them. */
    @Shared
    SDVariable trunk(Layers nn) {
        return nn.conv2d(image(), 8, 3, 1, Padding.SAME, Activation.RELU);
    }

    @Branch(shape = {GRID, GRID, 1})
    @BranchLoss(Loss.BINARY_CROSSENTROPY)
    SDVariable cell(Layers nn) {
        // A 2x2 kernel with stride 2 looks at exactly one cell per output: the map is aligned with the grid.
        return nn.conv2d(trunk(nn), 1, SIZE / GRID, SIZE / GRID, Padding.VALID, Activation.SIGMOID);
    }

    @Branch(shape = {2})
    @BranchLoss(Loss.CATEGORICAL_CROSSENTROPY)
    SDVariable kind(Layers nn) {
        // What the mark is does not depend on where it is: average the trunk's features over the image.
        return nn.dense(nn.globalAvgPool2d(trunk(nn)), 2, Activation.SOFTMAX);
    }
}
