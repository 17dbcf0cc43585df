package io.github.branchwise.runtime.strategies;

import io.github.branchwise.runtime.weighting.BranchGradients;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * State a strategy keeps per branch and per value of some parameters (DB-MTL's and MoCo's moving averages of the
 * gradients, ExcessMTL's sums of squares): plain {@code double[branch][value]} arrays per parameter, updated in place
 * by the strategy's Java pass ({@link BranchGradients#read}), saved as one {@code [K, n]} DOUBLE array per parameter
 * under {@code prefix + parameter}.
 */
final class PerValueState {
    /** Values per block of the strategies' value-by-value passes (a few rows of it fit the first-level cache). */
    static final int BLOCK = 512;

    private final String prefix;
    private final Map<String, double[][]> values = new LinkedHashMap<>();

    /** @param prefix the key prefix of this state among the weighter's saved arrays, e.g. {@code "momentum/"} */
    PerValueState(String prefix) {
        this.prefix = prefix;
    }

    /**
     * The state of one parameter, zero when it has none yet, or when its size changed (a parameter replaced by one of
     * another shape starts afresh).
     */
    double[][] of(String parameter, int branches, int length) {
        double[][] state = values.get(parameter);
        if (state == null || state.length != branches || state[0].length != length) {
            state = new double[branches][length];
            values.put(parameter, state);
        }
        return state;
    }

    /** Adds a copy of every parameter's state to {@code state}. */
    void save(Map<String, INDArray> state) {
        values.forEach((parameter, array) -> state.put(prefix + parameter, Nd4j.createFromArray(array)));
    }

    /** Replaces this state by what {@link #save} wrote into {@code state} (other keys are ignored). */
    void restore(Map<String, INDArray> state) {
        values.clear();
        state.forEach((key, array) -> {
            if (key.startsWith(prefix)) {
                if (array.rank() != 2) {
                    throw new IllegalArgumentException("the saved state '" + key + "' has shape "
                            + java.util.Arrays.toString(array.shape()) + ", not [branches, values]");
                }
                values.put(key.substring(prefix.length()), array.castTo(DataType.DOUBLE).toDoubleMatrix());
            }
        });
    }

    /** {@code out ← Σ cᵢ·rows[i]}, value by value. */
    static void combine(double[] c, double[][] rows, double[] out) {
        // In blocks, so that the block of out stays in the cache while each row adds its share.
        for (int start = 0; start < out.length; start += BLOCK) {
            int end = Math.min(out.length, start + BLOCK);
            for (int i = 0; i < rows.length; i++) {
                double ci = c[i];
                double[] row = rows[i];
                for (int v = start; v < end; v++) {
                    out[v] += ci * row[v];
                }
            }
        }
    }
}
