package io.github.branchwise.runtime.training;

import io.github.branchwise.runtime.internal.BranchSpec;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The built-in metrics and the defaults each loss gets.
 *
 * <table>
 * <caption>Default metrics by loss</caption>
 * <tr><th>loss</th><th>metrics</th></tr>
 * <tr><td>BINARY_CROSSENTROPY, vector or scalar output</td><td>{@code accuracy} (per element, threshold 0.5)</td></tr>
 * <tr><td>BINARY_CROSSENTROPY, map output (rank 2 or more)</td><td>{@code accuracy}, {@code bce}</td></tr>
 * <tr><td>CATEGORICAL_CROSSENTROPY</td><td>{@code accuracy} (arg-max of output against arg-max of the one-hot
 * target, per position)</td></tr>
 * <tr><td>SPARSE_CATEGORICAL_CROSSENTROPY</td><td>{@code accuracy} (arg-max of output against the class
 * index)</td></tr>
 * <tr><td>MEAN_SQUARED_ERROR, MEAN_ABSOLUTE_ERROR, HUBER</td><td>{@code mae}, {@code rmse}</td></tr>
 * <tr><td>CUSTOM</td><td>none</td></tr>
 * </table>
 */
public final class Metrics {
    /** The probability clip of {@link #binaryCrossentropy()}, the same as the loss's (Keras' epsilon). */
    public static final double EPSILON = 1e-7;

    private Metrics() {
    }

    /** The default metrics of a branch, by its loss and shape (see the class comment). */
    public static List<Metric> defaultsFor(BranchSpec branch) {
        return switch (branch.loss()) {
            case BINARY_CROSSENTROPY -> branch.shape().length >= 2
                    ? List.of(binaryAccuracy(), binaryCrossentropy()) : List.of(binaryAccuracy());
            case CATEGORICAL_CROSSENTROPY -> List.of(categoricalAccuracy());
            case SPARSE_CATEGORICAL_CROSSENTROPY -> List.of(sparseCategoricalAccuracy());
            case MEAN_SQUARED_ERROR, MEAN_ABSOLUTE_ERROR, HUBER -> List.of(meanAbsoluteError(),
                    rootMeanSquaredError());
            case CUSTOM -> List.of();
        };
    }

    /** The names of the default metrics of a branch, as {@link #defaultsFor} gives them. */
    public static List<String> defaultNames(BranchSpec branch) {
        return defaultsFor(branch).stream().map(Metric::name).toList();
    }

    /** {@code accuracy}: the fraction of elements where {@code output > 0.5} agrees with {@code target > 0.5}. */
    public static Metric binaryAccuracy() {
        return new Builtin("accuracy") {
            @Override
            public Tally measure(INDArray prediction, INDArray target) {
                double[] p = values(prediction);
                double[] t = values(target);
                requireSameLength(p, t);
                double correct = 0;
                for (int i = 0; i < p.length; i++) {
                    if ((p[i] > 0.5) == (t[i] > 0.5)) {
                        correct++;
                    }
                }
                return new Tally(correct, p.length);
            }
        };
    }

    /** {@code accuracy}: the fraction of positions where the output's arg-max is the one-hot target's arg-max. */
    public static Metric categoricalAccuracy() {
        return new Builtin("accuracy") {
            @Override
            public Tally measure(INDArray prediction, INDArray target) {
                int classes = (int) prediction.size(-1);
                double[] p = values(prediction);
                double[] t = values(target);
                requireSameLength(p, t);
                double correct = 0;
                int positions = p.length / classes;
                for (int k = 0; k < positions; k++) {
                    if (argMax(p, k * classes, classes) == argMax(t, k * classes, classes)) {
                        correct++;
                    }
                }
                return new Tally(correct, positions);
            }
        };
    }

    /** {@code accuracy}: the fraction of positions where the output's arg-max is the target class index. */
    public static Metric sparseCategoricalAccuracy() {
        return new Builtin("accuracy") {
            @Override
            public Tally measure(INDArray prediction, INDArray target) {
                int classes = (int) prediction.size(-1);
                double[] p = values(prediction);
                double[] t = values(target);
                if ((long) t.length * classes != p.length) {
                    throw new IllegalArgumentException("accuracy: " + t.length + " class indices for "
                            + p.length / classes + " predicted positions");
                }
                double correct = 0;
                for (int k = 0; k < t.length; k++) {
                    if (argMax(p, k * classes, classes) == Math.round(t[k])) {
                        correct++;
                    }
                }
                return new Tally(correct, t.length);
            }
        };
    }

    /** {@code mae}: the mean absolute error over every element. */
    public static Metric meanAbsoluteError() {
        return elementwise("mae", (p, t) -> Math.abs(p - t));
    }

    /** {@code rmse}: the square root of the mean squared error over every element of the epoch. */
    public static Metric rootMeanSquaredError() {
        return new ElementMean("rmse", (p, t) -> (p - t) * (p - t)) {
            @Override
            public double value(Tally tally) {
                return Math.sqrt(tally.mean());
            }
        };
    }

    /** {@code bce}: the binary cross-entropy per element, outputs clipped to [ε, 1 − ε] as in the loss. */
    public static Metric binaryCrossentropy() {
        return elementwise("bce", (p, t) -> {
            double q = Math.min(Math.max(p, EPSILON), 1 - EPSILON);
            return -(t * Math.log(q) + (1 - t) * Math.log(1 - q));
        });
    }

    private static Metric elementwise(String name, ElementFunction element) {
        return new ElementMean(name, element);
    }

    /** A function of one (prediction, target) element pair; Serializable, as the built-in metrics are. */
    private interface ElementFunction extends java.util.function.DoubleBinaryOperator, java.io.Serializable {
    }

    /** A metric that averages a function of each (prediction, target) element pair over the epoch. */
    private static class ElementMean extends Builtin {
        private static final long serialVersionUID = 1L;

        private final ElementFunction element;

        ElementMean(String name, ElementFunction element) {
            super(name);
            this.element = element;
        }

        @Override
        public Tally measure(INDArray prediction, INDArray target) {
            double[] p = values(prediction);
            double[] t = values(target);
            requireSameLength(p, t);
            double sum = 0;
            for (int i = 0; i < p.length; i++) {
                sum += element.applyAsDouble(p[i], t[i]);
            }
            return new Tally(sum, p.length);
        }
    }

    /**
     * {@link Metric#of}'s metric. Serializable when its function is (a lambda cast to
     * {@code BiFunction<INDArray, INDArray, Double> & Serializable}), as distributed training needs (branchwise-spark
     * ships the metrics to where the outputs are, and says which one it cannot).
     */
    static final class FunctionMetric implements Metric, java.io.Serializable {
        private static final long serialVersionUID = 1L;

        private final String name;
        private final java.util.function.BiFunction<INDArray, INDArray, Double> batchMean;

        FunctionMetric(String name, java.util.function.BiFunction<INDArray, INDArray, Double> batchMean) {
            this.name = name;
            this.batchMean = batchMean;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Tally measure(INDArray prediction, INDArray target) {
            long n = prediction.size(0);
            return new Tally(batchMean.apply(prediction, target) * n, n);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static void checkName(String name) {
        if (!name.matches("[A-Za-z][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("a metric name is a letter then letters, digits or '_', got '"
                    + name + "'");
        }
    }

    /** Every element of an array as doubles, in C order. */
    static double[] values(INDArray array) {
        return array.dup('c').castTo(DataType.DOUBLE).data().asDouble();
    }

    private static int argMax(double[] values, int from, int length) {
        int best = 0;
        for (int i = 1; i < length; i++) {
            if (values[from + i] > values[from + best]) {
                best = i;
            }
        }
        return best;
    }

    private static void requireSameLength(double[] p, double[] t) {
        if (p.length != t.length) {
            throw new IllegalArgumentException("output has " + p.length + " elements but target has " + t.length);
        }
    }

    /**
     * The built-in metrics are Serializable: distributed training ships them to where the branches' outputs are
     * (branchwise-spark).
     */
    private abstract static class Builtin implements Metric, java.io.Serializable {
        private static final long serialVersionUID = 1L;

        private final String name;

        Builtin(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
