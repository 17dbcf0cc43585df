package io.github.branchwise.runtime;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link Layers#batchNorm}, built from elementary ops rather than SameDiff's fused {@code batchnorm} op, whose one
 * backward cannot serve a graph that runs in both modes (the gradient goes through the batch statistics in training
 * and treats the moving ones as constants in inference), and whose ops the compiled plans bind as they are.
 *
 * <p>One graph serves both modes. The statistics used are {@code f · batch + (1 - f) · moving} with {@code f} the
 * layer's training flag ({@link GraphHost#trainingFlag}), 1 or 0, which gives exactly the batch's statistics in
 * training and exactly the moving ones otherwise (a product with 0 or 1 and a sum with 0 are exact), with the
 * gradient through the batch statistics in training only. The batch statistics are GEMMs with a fed row of
 * {@code 1 / examples} ({@link GraphHost#meanRow}); an inference pass still computes them and ignores them. The
 * activations are normalised as PyTorch does, {@code x · a + b} per feature, and the compiled plans compute the
 * backward of those broadcast products with their own steps (engine {@code BroadcastBpRewrite}).
 */
final class NormalizationLayers {
    private NormalizationLayers() {
    }

    static SDVariable batchNorm(Layers nn, SDVariable x, double momentum, double epsilon) {
        String layer = nn.nextLayerName("batch_norm");
        String where = LayerShapes.who("batchNorm", layer);
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException(where + ": momentum must lie in [0, 1], got " + momentum);
        }
        if (!(epsilon > 0 && Double.isFinite(epsilon))) {
            throw new IllegalArgumentException(where + ": epsilon must be positive, got " + epsilon);
        }
        LayerShapes.requireFloatingPoint("batchNorm", layer, x);
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

        // [batch, ..., features] as rows [examples, features]; statistics as GEMMs with a row of 1 / examples.
        long rowsPerExample = 1;
        for (int i = 0; i < example.length - 1; i++) {
            rowsPerExample *= example[i];
        }
        SDVariable rows = example.length == 1 ? x : x.reshape(-1, features);
        SDVariable average = host.meanRow(layer, rowsPerExample);
        SDVariable meanRow = average.mmul(rows);
        SDVariable centred = rows.sub(meanRow);
        // The biased variance, as Keras' ops.moments and PyTorch's normalisation use; two passes, as PyTorch.
        SDVariable varianceRow = average.mmul(centred.mul(centred));
        SDVariable mean = meanRow.reshape(features).rename(layer + "/batch_mean");
        SDVariable variance = varianceRow.reshape(features).rename(layer + "/batch_variance");

        SDVariable useMean = mean.mul(training).add(movingMean.mul(inference));
        SDVariable useVariance = variance.mul(training).add(movingVariance.mul(inference));
        // PyTorch's form: x · a + b with a = gamma / sqrt(variance + epsilon), b = beta - mean · a: two passes over the
        // activations instead of four.
        SDVariable scale = gamma.mul(sd.math().rsqrt(useVariance.add(epsilon)));
        SDVariable shift = beta.sub(useMean.mul(scale));
        SDVariable normalised = rows.mul(scale).add(shift);
        long[] batchShape = new long[example.length + 1];
        batchShape[0] = -1;
        System.arraycopy(example, 0, batchShape, 1, example.length);
        SDVariable output = example.length == 1 ? normalised : normalised.reshape(batchShape);

        host.movingAverage(layer, movingMean, mean, momentum);
        host.movingAverage(layer, movingVariance, variance, momentum);
        return nn.record(layer, "BatchNorm(momentum " + momentum + ", epsilon " + epsilon + ")", x, output, gamma,
                beta, movingMean, movingVariance);
    }
}
