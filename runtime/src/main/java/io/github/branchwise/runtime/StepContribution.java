package io.github.branchwise.runtime;

import java.io.Serial;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * What one shard of a global batch contributes to a synchronous training step, as plain arrays that serialise
 * cheaply: the shard's part of the first half of a step ({@code Trainer.contribute}), to be summed over the shards
 * ({@link #add}) and applied once to the whole batch on the driver ({@code Trainer.applyStep}).
 *
 * <p><b>Sums, not means.</b> The losses are batch means, so a shard of {@code n} examples contributes {@code n} times
 * its means: its branch losses' sums, its total's, its gradients' and its gate weights'. The sum of the shards'
 * contributions divided by the examples of the whole batch is then the whole batch's mean, exactly up to float
 * rounding, for every strategy whose total loss is affine in the branch losses (every built-in strategy but GLS; see
 * {@code Weighter.additiveOverExamples}).
 *
 * <p><b>Gradients.</b> One slot of gradients (slot 0, the gradient of the total loss) or, for the strategies that need
 * each branch's gradient, one slot per branch (slot {@code i}: the gradient of branch {@code i}'s term); each slot
 * holds every trained parameter's gradient, flattened row-major, in the order of {@link #parameters()}. Float models
 * keep them as {@code float[]}, others as {@code double[]}.
 *
 * <p><b>Layer statistics.</b> The batch statistics the layers' moving averages follow (a batch norm's batch mean and
 * variance), each times the shard's size: their sum over the shards divided by the whole batch's size is the
 * size-weighted mean of the shards' statistics (each shard normalises with its own statistics, as data-parallel
 * PyTorch without synchronised batch norm).
 *
 * <p>A contribution is computed for one step ({@link #iteration()}); adding contributions of different steps or of
 * models with other parameters is refused. Not thread-safe: {@link #add} changes the receiver.
 */
public final class StepContribution implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    private final long iteration;
    private long examples;
    private final boolean perBranch;
    private final String[] parameters;
    private final int[] lengths;
    private final double[] lossSums;
    private double totalSum;
    private final float[] floatGradients;
    private final double[] doubleGradients;
    private final String[] gates;
    private final double[][] gateSums;
    private final String[] statistics;
    private final long[][] statisticShapes;
    private final double[][] statisticSums;

    private StepContribution(Builder b) {
        this.iteration = b.iteration;
        this.examples = b.examples;
        this.perBranch = b.perBranch;
        this.parameters = b.parameters;
        this.lengths = b.lengths;
        this.lossSums = b.lossSums;
        this.totalSum = b.totalSum;
        this.floatGradients = b.floatGradients;
        this.doubleGradients = b.doubleGradients;
        this.gates = b.gates;
        this.gateSums = b.gateSums;
        this.statistics = b.statistics;
        this.statisticShapes = b.statisticShapes;
        this.statisticSums = b.statisticSums;
    }

    /**
     * A builder of a shard's contribution to step {@code iteration}, from {@code examples} examples.
     *
     * @throws IllegalArgumentException when {@code iteration} or {@code examples} is negative
     */
    public static Builder builder(long iteration, long examples) {
        return new Builder(iteration, examples);
    }

    /** The step this contribution was computed for. */
    public long iteration() {
        return iteration;
    }

    /** The number of examples it covers: the shard's, or after {@link #add}, the shards' together. */
    public long examples() {
        return examples;
    }

    /** Whether it holds one gradient slot per branch rather than the total's gradient. */
    public boolean perBranch() {
        return perBranch;
    }

    /** The number of gradient slots: the branches' count when {@link #perBranch()}, else 1. */
    public int slots() {
        return perBranch ? lossSums.length : 1;
    }

    /** The trained parameters whose gradients it holds, in the order of each slot; a copy. */
    public String[] parameters() {
        return parameters.clone();
    }

    /** The number of values of each parameter's gradient, in the order of {@link #parameters()}; a copy. */
    public int[] parameterLengths() {
        return lengths.clone();
    }

    /** Each branch's loss summed over the examples (the shard's batch-mean loss times its size); a copy. */
    public double[] branchLossSums() {
        return lossSums.clone();
    }

    /** The total loss summed over the examples. */
    public double totalLossSum() {
        return totalSum;
    }

    /** Whether the gradients are kept as {@code float[]} (a float model's) rather than {@code double[]}. */
    public boolean floatGradients() {
        return floatGradients != null;
    }

    /**
     * One parameter's gradient in one slot, summed over the examples, flattened row-major, as doubles (a copy).
     *
     * @throws IndexOutOfBoundsException when the slot or the parameter index is out of range
     */
    public double[] gradientSum(int slot, int parameter) {
        int offset = offset(slot, parameter);
        double[] out = new double[lengths[parameter]];
        for (int v = 0; v < out.length; v++) {
            out[v] = floatGradients != null ? floatGradients[offset + v] : doubleGradients[offset + v];
        }
        return out;
    }

    /**
     * One parameter's gradient in one slot, summed over the examples, as floats (a copy); for float models, without
     * a rounding.
     *
     * @throws IndexOutOfBoundsException when the slot or the parameter index is out of range
     */
    public float[] gradientSumFloats(int slot, int parameter) {
        int offset = offset(slot, parameter);
        if (floatGradients != null) {
            return Arrays.copyOfRange(floatGradients, offset, offset + lengths[parameter]);
        }
        float[] out = new float[lengths[parameter]];
        for (int v = 0; v < out.length; v++) {
            out[v] = (float) doubleGradients[offset + v];
        }
        return out;
    }

    private int offset(int slot, int parameter) {
        Objects.checkIndex(slot, slots());
        Objects.checkIndex(parameter, parameters.length);
        int perSlot = 0;
        int before = 0;
        for (int p = 0; p < lengths.length; p++) {
            if (p == parameter) {
                before = perSlot;
            }
            perSlot += lengths[p];
        }
        return slot * perSlot + before;
    }

    /** The gates whose weights it sums, in gate order; a copy. */
    public String[] gates() {
        return gates.clone();
    }

    /** Gate {@code gate}'s mean weight of each expert, summed over the examples; a copy. */
    public double[] gateWeightSums(int gate) {
        return gateSums[gate].clone();
    }

    /** The layer statistics it sums ({@code Network.trainingValues} without the gates), in order; a copy. */
    public String[] statistics() {
        return statistics.clone();
    }

    /** The shape of statistic {@code index}; a copy. */
    public long[] statisticShape(int index) {
        return statisticShapes[index].clone();
    }

    /** Statistic {@code index} times the examples, flattened row-major; a copy. */
    public double[] statisticSum(int index) {
        return statisticSums[index].clone();
    }

    /**
     * Adds {@code other} into this contribution, in place, and returns this one: the sum over two disjoint sets of
     * examples. Associative and commutative up to float rounding, as Spark's {@code treeAggregate} needs.
     *
     * @throws IllegalArgumentException when the two were computed for different steps, strategies' layouts,
     *                                  parameters or statistics
     */
    public StepContribution add(StepContribution other) {
        Objects.requireNonNull(other, "other");
        if (other.iteration != iteration) {
            throw new IllegalArgumentException("cannot add a contribution to step " + other.iteration
                    + " to one to step " + iteration);
        }
        if (other.perBranch != perBranch || !Arrays.equals(other.parameters, parameters)
                || !Arrays.equals(other.lengths, lengths) || other.lossSums.length != lossSums.length
                || (other.floatGradients == null) != (floatGradients == null)
                || !Arrays.equals(other.gates, gates) || !Arrays.equals(other.statistics, statistics)) {
            throw new IllegalArgumentException("cannot add contributions of different layouts: " + describe()
                    + " and " + other.describe());
        }
        examples += other.examples;
        totalSum += other.totalSum;
        for (int i = 0; i < lossSums.length; i++) {
            lossSums[i] += other.lossSums[i];
        }
        if (floatGradients != null) {
            for (int v = 0; v < floatGradients.length; v++) {
                floatGradients[v] += other.floatGradients[v];
            }
        } else {
            for (int v = 0; v < doubleGradients.length; v++) {
                doubleGradients[v] += other.doubleGradients[v];
            }
        }
        for (int g = 0; g < gateSums.length; g++) {
            for (int v = 0; v < gateSums[g].length; v++) {
                gateSums[g][v] += other.gateSums[g][v];
            }
        }
        for (int s = 0; s < statisticSums.length; s++) {
            for (int v = 0; v < statisticSums[s].length; v++) {
                statisticSums[s][v] += other.statisticSums[s][v];
            }
        }
        return this;
    }

    /** Sums two contributions that may be null (null: no examples), for aggregations whose zero is null. */
    public static StepContribution sum(StepContribution a, StepContribution b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : a.add(b);
    }

    private String describe() {
        return "[step " + iteration + ", " + (perBranch ? lossSums.length + " branch slots" : "total") + ", "
                + parameters.length + " parameters " + Arrays.toString(parameters) + ", "
                + (floatGradients != null ? "float" : "double") + ", gates " + Arrays.toString(gates)
                + ", statistics " + Arrays.toString(statistics) + "]";
    }

    @Override
    public String toString() {
        return "StepContribution" + describe() + " of " + examples + " examples";
    }

    /** Assembles a contribution; every array is taken as it is (not copied) and owned by the contribution. */
    public static final class Builder {
        private final long iteration;
        private final long examples;
        private boolean perBranch;
        private String[] parameters = new String[0];
        private int[] lengths = new int[0];
        private double[] lossSums;
        private double totalSum;
        private float[] floatGradients;
        private double[] doubleGradients;
        private String[] gates = new String[0];
        private double[][] gateSums = new double[0][];
        private String[] statistics = new String[0];
        private long[][] statisticShapes = new long[0][];
        private double[][] statisticSums = new double[0][];

        private Builder(long iteration, long examples) {
            if (iteration < 0 || examples < 0) {
                throw new IllegalArgumentException("the step and the examples must not be negative, got step "
                        + iteration + " and " + examples + " examples");
            }
            this.iteration = iteration;
            this.examples = examples;
        }

        /** The branch losses and the total, summed over the examples. */
        public Builder losses(double[] branchLossSums, double totalLossSum) {
            this.lossSums = Objects.requireNonNull(branchLossSums, "branchLossSums");
            this.totalSum = totalLossSum;
            return this;
        }

        /**
         * The gradient sums, as floats: {@code slots} slots (one per branch when {@code perBranch}, else one) of
         * every parameter's values in the given order.
         */
        public Builder gradients(boolean perBranch, String[] parameters, int[] lengths, float[] sums) {
            layout(perBranch, parameters, lengths);
            this.floatGradients = Objects.requireNonNull(sums, "sums");
            this.doubleGradients = null;
            return this;
        }

        /** The gradient sums, as doubles; otherwise as {@link #gradients(boolean, String[], int[], float[])}. */
        public Builder gradients(boolean perBranch, String[] parameters, int[] lengths, double[] sums) {
            layout(perBranch, parameters, lengths);
            this.doubleGradients = Objects.requireNonNull(sums, "sums");
            this.floatGradients = null;
            return this;
        }

        private void layout(boolean perBranch, String[] parameters, int[] lengths) {
            if (parameters.length != lengths.length) {
                throw new IllegalArgumentException(parameters.length + " parameters but " + lengths.length
                        + " lengths");
            }
            this.perBranch = perBranch;
            this.parameters = parameters;
            this.lengths = lengths;
        }

        /** Each gate's mean expert weights summed over the examples, in gate order. */
        public Builder gates(String[] names, double[][] sums) {
            if (names.length != sums.length) {
                throw new IllegalArgumentException(names.length + " gates but " + sums.length + " sums");
            }
            this.gates = names;
            this.gateSums = sums;
            return this;
        }

        /** The layer statistics times the examples, with their shapes. */
        public Builder statistics(String[] names, long[][] shapes, double[][] sums) {
            if (names.length != shapes.length || names.length != sums.length) {
                throw new IllegalArgumentException(names.length + " statistics but " + shapes.length + " shapes and "
                        + sums.length + " sums");
            }
            this.statistics = names;
            this.statisticShapes = shapes;
            this.statisticSums = sums;
            return this;
        }

        /**
         * The contribution.
         *
         * @throws IllegalStateException when the losses or the gradients were not given, or the gradient arrays do
         *                               not hold exactly the layout's values
         */
        public StepContribution build() {
            if (lossSums == null || (floatGradients == null && doubleGradients == null)) {
                throw new IllegalStateException("a contribution needs its losses and its gradients");
            }
            long perSlot = 0;
            for (int length : lengths) {
                perSlot += length;
            }
            long expected = perSlot * (perBranch ? lossSums.length : 1);
            long actual = floatGradients != null ? floatGradients.length : doubleGradients.length;
            if (expected != actual) {
                throw new IllegalStateException("the layout needs " + expected + " gradient values, got " + actual);
            }
            return new StepContribution(this);
        }
    }
}
