package io.github.branchwise.runtime;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link Layers#batchNorm}, built from elementary ops. SameDiff's fused {@code batchnorm} op is not used: its
 * backward treats the mean and variance it is given as constants, so the gradient of a training step (whose
 * statistics are functions of the batch) would be wrong, and the compiled plans bind elementary ops as they are.
 *
 * <p>One graph serves both modes. The statistics used are {@code f · batch + (1 - f) · moving} with {@code f} the
 * layer's training flag ({@link GraphHost#trainingFlag}), 1 or 0, which gives exactly the batch's statistics in
 * training and exactly the moving ones otherwise (a product with 0 or 1 and a sum with 0 are exact), with the
 * gradient through the batch statistics in training only. An inference pass still computes the batch statistics it
 * then ignores: two reductions per layer.
 */
final class NormalizationLayers {
    private NormalizationLayers() {
    }

    static SDVariable batchNorm(Layers nn, SDVariable x, double momentum, double epsilon) {
        String layer = nn.nextLayerName("batch_norm");
        String where = "batchNorm in '" + nn.scope() + "' (" + DropoutLayer.local(nn, layer) + ")";
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException(where + ": momentum must lie in [0, 1], got " + momentum);
        }
        if (!(epsilon > 0 && Double.isFinite(epsilon))) {
            throw new IllegalArgumentException(where + ": epsilon must be positive, got " + epsilon);
        }
        requireFloatingPoint(where, x);
        long[] example = nn.shapeOf(x);
        if (example.length == 0) {
            throw new IllegalArgumentException(where + " needs input of shape [batch, features] or [batch, height, "
                    + "width, channels] (features last), got [batch]");
        }
        long features = example[example.length - 1];
        GraphHost host = nn.host();
        SameDiff sd = nn.sameDiff();
        SDVariable gamma = host.parameter(layer + "/gamma", Nd4j.ones(host.dataType(), features));
        SDVariable beta = host.parameter(layer + "/beta", Nd4j.zeros(host.dataType(), features));
        SDVariable movingMean = host.layerState(layer + "/moving_mean", Nd4j.zeros(host.dataType(), features));
        SDVariable movingVariance = host.layerState(layer + "/moving_variance",
                Nd4j.ones(host.dataType(), features));
        SDVariable training = host.trainingFlag(layer);
        SDVariable inference = training.rsub(1.0);

        // Statistics over every axis but the last, of [batch, ..., features] as [examples, features, 1]: the trailing
        // axis keeps the array from being a "vector" when there is one example, which ND4J M2.1's legacy reduce
        // turns into a no-op on the op's own x, null inside a session or a plan (NativeOpExecutioner.exec(ReduceOp,
        // OpContext): a NullPointerException at batch size 1).
        SDVariable rows = x.reshape(-1, features, 1);
        SDVariable columnMean = rows.mean(0);
        SDVariable centred = rows.sub(columnMean);
        SDVariable mean = columnMean.reshape(features).rename(layer + "/batch_mean");
        // The biased variance, as Keras' ops.moments and PyTorch's normalisation use.
        SDVariable variance = centred.mul(centred).mean(0).reshape(features).rename(layer + "/batch_variance");

        SDVariable useMean = mean.mul(training).add(movingMean.mul(inference));
        SDVariable useVariance = variance.mul(training).add(movingVariance.mul(inference));
        SDVariable scale = gamma.mul(sd.math().rsqrt(useVariance.add(epsilon)));
        SDVariable output = x.sub(useMean).mul(scale).add(beta);

        host.movingAverage(layer, movingMean, mean, momentum);
        host.movingAverage(layer, movingVariance, variance, momentum);
        return nn.record(layer, "BatchNorm(momentum " + momentum + ", epsilon " + epsilon + ")", x, output, gamma,
                beta, movingMean, movingVariance);
    }

    static void requireFloatingPoint(String where, SDVariable x) {
        if (x.dataType() != null && !x.dataType().isFPType()) {
            throw new IllegalArgumentException(where + " needs a floating-point input, got " + x.dataType()
                    + " ('" + x.name() + "')");
        }
    }
}
