package io.github.branchwise.runtime.strategies;

import io.github.branchwise.runtime.GraphHost;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Graph pieces several strategies share. */
final class LossSums {
    private LossSums() {
    }

    /** {@code Σ λᵢ·Lᵢ} for a vector variable λ of length K. */
    static SDVariable weightedSum(GraphHost host, SDVariable lambda, List<SDVariable> losses) {
        SDVariable stacked = host.sameDiff().stack(0, losses.toArray(new SDVariable[0]));
        return lambda.mul(stacked).sum();
    }

    /** {@code Σ Lᵢ}. */
    static SDVariable sum(List<SDVariable> losses) {
        SDVariable total = losses.get(0);
        for (int i = 1; i < losses.size(); i++) {
            total = total.add(losses.get(i));
        }
        return total;
    }

    /**
     * {@code x} with no gradient flowing back through it: the value of a term the strategy treats as a constant of
     * the step (FAMO's normaliser, STCH's shift), computed in the graph from the same forward pass.
     */
    static SDVariable stopGradient(SameDiff sd, SDVariable x) {
        return new StopGradient(sd, x).outputVariable();
    }

    /** Writes {@code values} into a variable's array in place (the graph holds the array by reference). */
    static void assign(SDVariable variable, double[] values) {
        INDArray array = variable.getArr();
        for (int i = 0; i < values.length; i++) {
            array.putScalar(i, values[i]);
        }
    }

    static double[] softmax(double[] z, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v / temperature);
        }
        double[] out = new double[z.length];
        double sum = 0;
        for (int i = 0; i < z.length; i++) {
            out[i] = Math.exp(z[i] / temperature - max);
            sum += out[i];
        }
        for (int i = 0; i < z.length; i++) {
            out[i] /= sum;
        }
        return out;
    }
}
