package io.github.branchwise.examples;

import io.github.branchwise.annotations.Branch;
import io.github.branchwise.annotations.BranchLoss;
import io.github.branchwise.annotations.Input;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.annotations.Shared;
import io.github.branchwise.annotations.WeightedLoss;
import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Layers;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The MultiMNIST LeNet of Sener and Koltun (2018) with hard parameter sharing: one trunk, one head per digit of
 * a {@link MultiMnist} canvas.
 *
 * <p>The layers are those of {@code multi_task/models/multi_lenet.py} in isl-org/MultiObjectiveOptimization
 * ({@code MultiLeNetR}, the trunk, and one {@code MultiLeNetO} per task): conv 10 5x5, max-pool 2, ReLU, conv 20
 * 5x5, max-pool 2, ReLU, flatten (4x4x20 = 320), dense 50 ReLU; each head dense 50 ReLU, dense 10. Their log-softmax
 * and NLL loss is our softmax with sparse categorical cross-entropy (the same function). Their pooling comes before
 * the ReLU, as here; the two orders give the same values, since ReLU is monotonic, but this one applies the ReLU to
 * a quarter of the values. Left out: their dropout (a 2-D channel dropout after the second convolution and 0.5 on
 * the heads' hidden layer, both drawn once per step and shared by the tasks' passes); the PyTorch peer
 * ({@code examples/data/multimnist_lenet.py}) leaves it out the same way, so the two compare the same network.
 *
 * <p>The weighting is learned (Kendall et al.'s uncertainty, {@code Σ exp(−sᵢ)·Lᵢ + ½·sᵢ} for two
 * cross-entropies); {@code MultiMnistExample --weighting fixed} overrides it with Sener and Koltun's fixed 0.5/0.5
 * baseline.
 */
@WeightedLoss(weighting = Weighting.UNCERTAINTY)
public abstract class MultiMnistLeNet {
    @Input(shape = {28, 28, 1})
    abstract SDVariable image();

    @Shared
    SDVariable trunk(Layers nn) {
        SDVariable x = nn.activation(nn.maxPool2d(nn.conv2d(image(), 10, 5, Activation.IDENTITY), 2), Activation.RELU);
        x = nn.activation(nn.maxPool2d(nn.conv2d(x, 20, 5, Activation.IDENTITY), 2), Activation.RELU);
        return nn.dense(nn.flatten(x), 50, Activation.RELU);
    }

    @Branch(shape = {10})
    @BranchLoss(Loss.SPARSE_CATEGORICAL_CROSSENTROPY)
    SDVariable left(Layers nn) {
        return nn.dense(nn.dense(trunk(nn), 50, Activation.RELU), 10, Activation.SOFTMAX);
    }

    @Branch(shape = {10})
    @BranchLoss(Loss.SPARSE_CATEGORICAL_CROSSENTROPY)
    SDVariable right(Layers nn) {
        return nn.dense(nn.dense(trunk(nn), 50, Activation.RELU), 10, Activation.SOFTMAX);
    }
}
