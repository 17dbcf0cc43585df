package io.github.branchwise.runtime.engine;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.internal.BranchSpec;
import io.github.branchwise.runtime.internal.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The built-in branch losses as per-example vectors {@code [batch]}: the element loss averaged over every
 * non-batch axis, as Keras defines them.
 */
final class BuiltinLosses {
    /** The probability clip of the cross-entropies, Keras' {@code epsilon()}. */
    static final double EPSILON = 1e-7;

    private BuiltinLosses() {
    }

    static SDVariable perExample(SameDiff sd, BranchSpec branch, SDVariable target, SDVariable prediction) {
        long[] shape = branch.shape();
        return switch (branch.loss()) {
            case BINARY_CROSSENTROPY -> {
                SDVariable p = clip(sd, prediction);
                SDVariable positive = target.mul(sd.math().log(p));
                SDVariable negative = target.rsub(1.0).mul(sd.math().log(p.rsub(1.0)));
                yield meanOverExample(positive.add(negative).neg(), shape);
            }
            case CATEGORICAL_CROSSENTROPY -> crossEntropy(sd, target, prediction, shape);
            case SPARSE_CATEGORICAL_CROSSENTROPY -> {
                SDVariable classes = target.castTo(DataType.INT);
                SDVariable oneHot = sd.oneHot(classes, (int) shape[shape.length - 1], -1, 1.0, 0.0,
                        prediction.dataType());
                yield crossEntropy(sd, oneHot, prediction, shape);
            }
            case MEAN_SQUARED_ERROR -> {
                SDVariable diff = prediction.sub(target);
                yield meanOverExample(diff.mul(diff), shape);
            }
            case MEAN_ABSOLUTE_ERROR -> meanOverExample(sd.math().abs(prediction.sub(target)), shape);
            case HUBER -> {
                // q = min(|x|, δ); ½q² + δ(|x| - q) is ½x² inside the threshold and δ(|x| - ½δ) outside it,
                // without a data-dependent branch in the graph.
                SDVariable abs = sd.math().abs(prediction.sub(target));
                double delta = branch.delta();
                SDVariable q = sd.math().clipByValue(abs, 0.0, delta);
                SDVariable element = q.mul(q).mul(0.5).add(abs.sub(q).mul(delta));
                yield meanOverExample(element, shape);
            }
            case CUSTOM -> throw new IllegalArgumentException("branch '" + branch.name()
                    + "' has a custom loss: it has no built-in definition");
        };
    }

    private static SDVariable crossEntropy(SameDiff sd, SDVariable target, SDVariable prediction, long[] shape) {
        SDVariable element = target.mul(sd.math().log(clip(sd, prediction))).neg();
        int classAxis = shape.length;
        long classes = shape[shape.length - 1];
        long[] rest = java.util.Arrays.copyOf(shape, shape.length - 1);
        SDVariable perPosition = classes == 1 ? element.reshape(concatBatch(rest)) : element.sum(classAxis);
        return meanOverExample(perPosition, rest);
    }

    private static SDVariable clip(SameDiff sd, SDVariable p) {
        return sd.math().clipByValue(p, EPSILON, 1 - EPSILON);
    }

    /**
     * Averages {@code [batch, shape...]} over every axis but the batch axis. The reshape to {@code [batch, n]} comes
     * first because a mean over an axis of size 1 breaks backpropagation in M2.1 (a reduce op with a null input).
     */
    static SDVariable meanOverExample(SDVariable element, long[] exampleShape) {
        long n = Shapes.size(exampleShape);
        if (n == 1) {
            return element.reshape(-1);
        }
        return element.reshape(-1, n).mean(1);
    }

    private static long[] concatBatch(long[] rest) {
        long[] s = new long[rest.length + 1];
        s[0] = -1;
        System.arraycopy(rest, 0, s, 1, rest.length);
        return s;
    }
}
