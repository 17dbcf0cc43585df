package io.github.branchwise.runtime.weighting;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What a gradient-level strategy sees of one step: the gradient of each branch's own term of the total loss, for
 * every trained parameter, computed once per step and shared by every strategy that asks for it
 * ({@link Weighter#needsBranchGradients()}).
 *
 * <p>For branch {@code i} the gradient is that of {@code λᵢ·Lᵢ}, where {@code λᵢ} is the weight the strategy put in
 * the graph ({@code 1} for PCGrad and MGDA, the current weight for GradNorm).
 *
 * <p>A read-only view: the gradients themselves stay with the runtime, which reuses their buffers from step to step
 * (an allocating ND4J op over a large gradient costs milliseconds). {@link #dot}, {@link #gram} and {@link #norm}
 * read them in place, accumulating in double; {@link #gradient} hands out a copy; {@link #combine} writes its sum
 * into output buffers of the runtime's, valid until the next step. Nothing here is valid after the step it was
 * handed over in.
 *
 * <p>Most strategies are combinations of the branch gradients ({@code Σ cᵢ·gᵢ}, with coefficients from the Gram
 * matrix). A few are not: GradDrop draws a sign mask per value, DB-MTL and MoCo keep a moving average of each branch's
 * gradient per value, ExcessMTL sums the squares of each value (AdaGrad). For them {@link #read} hands out each
 * branch's values of a parameter as Java {@code double[]}s, and {@link #combine(double[], List, ElementwiseRule)}
 * lets the strategy write the update of some parameters value by value. Such a strategy keeps its per-value state as
 * plain {@code double[]}s per parameter, and saves them through {@link Weighter#state()}.
 */
public interface BranchGradients {
    /** The number of branches. */
    int branches();

    /** The names of every parameter with a gradient this step (frozen ones have none), in creation order. */
    Set<String> parameterNames();

    /**
     * A copy of branch {@code branch}'s gradient of one parameter; allocates, so prefer {@link #dot} and
     * {@link #combine} on large parameters.
     *
     * @throws IllegalArgumentException when the parameter has no gradient this step
     */
    INDArray gradient(int branch, String parameter);

    /** The branch losses of this step's forward pass, in branch order. */
    double[] losses();

    /** The parameters of the {@code @Shared} methods, which several branches pull on, in creation order. */
    List<String> sharedParameters();

    /**
     * The parameter names of each shared scope ({@code @Shared} methods, and the {@code @Experts} groups and
     * {@code @Stitch}es several branches depend on), keyed by the scope's name, in the order the scopes first created
     * a parameter.
     */
    Map<String, List<String>> sharedScopes();

    /**
     * The {@code @Shared} methods among {@link #sharedScopes()}, in the order the model class declares them (where the
     * model says; else in the order of {@link #sharedScopes()}).
     */
    default List<String> sharedMethods() {
        return List.copyOf(sharedScopes().keySet());
    }

    /** Where training stands. */
    StepInfo step();

    /** The dot product of branch {@code a}'s and branch {@code b}'s gradients over {@code parameters}. */
    double dot(int a, int b, List<String> parameters);

    /** The Euclidean norm of branch {@code branch}'s gradient of one parameter. */
    double norm(int branch, String parameter);

    /**
     * The Gram matrix of the branches' gradients over {@code parameters}: {@code [i][j] = gᵢ·gⱼ}, in one pass over
     * the gradients.
     */
    double[][] gram(List<String> parameters);

    /**
     * {@code Σ cᵢ·gᵢ} for every parameter: the gradient of the branch terms scaled by {@code coefficients}. The
     * arrays returned are the runtime's output buffers: return them from {@link Weighter#combineGradients} as they
     * are (the trainer then updates with them without a copy); the next call overwrites them.
     */
    Map<String, INDArray> combine(double[] coefficients);

    /**
     * {@code Σ cᵢ·gᵢ} for every parameter, with the coefficients {@code forThese} instead of {@code coefficients}
     * for the parameters {@code these} (PCGrad: the projected shared gradients are combinations of the branches' own
     * with other coefficients); otherwise as {@link #combine(double[])}.
     *
     * @throws IllegalArgumentException unless both coefficient arrays have one value per branch
     */
    Map<String, INDArray> combine(double[] coefficients, List<String> these, double[] forThese);

    /**
     * {@code Σ cᵢ·gᵢ} for every parameter, with the coefficients {@code byParameter.get(p)} for each parameter
     * {@code p} it names and {@code coefficients} for the others (GradVac per layer: each group of shared parameters
     * has its own combination). The runtime's implementation writes into its output buffers, as
     * {@link #combine(double[])}; this default sums copies ({@link #gradient}), so allocates.
     *
     * <p>Names in {@code byParameter} without a gradient this step (frozen parameters) are ignored.
     *
     * @throws IllegalArgumentException unless every coefficient array has one value per branch
     */
    default Map<String, INDArray> combine(double[] coefficients, Map<String, double[]> byParameter) {
        int k = branches();
        if (coefficients.length != k) {
            throw new IllegalArgumentException("need " + k + " coefficients, got " + coefficients.length);
        }
        for (Map.Entry<String, double[]> entry : byParameter.entrySet()) {
            if (entry.getValue().length != k) {
                throw new IllegalArgumentException("need " + k + " coefficients for '" + entry.getKey() + "', got "
                        + entry.getValue().length);
            }
        }
        Map<String, INDArray> sum = new LinkedHashMap<>();
        for (String name : parameterNames()) {
            double[] c = byParameter.getOrDefault(name, coefficients);
            INDArray total = null;
            for (int i = 0; i < k; i++) {
                INDArray term = gradient(i, name).castTo(DataType.DOUBLE).muli(c[i]);
                total = total == null ? term : total.addi(term);
            }
            sum.put(name, total);
        }
        return sum;
    }

    /**
     * Hands each parameter of {@code parameters}, in that order, with every branch's gradient of it to
     * {@code reader}: {@code branchValues[i]} holds branch i's values, flattened in C order, as doubles. For strategies
     * that keep state per value (DB-MTL's and MoCo's moving averages, ExcessMTL's sums of squares); one pass over the
     * gradients of each parameter.
     *
     * <p>The arrays are scratch space the runtime reuses: valid during the call only, and the reader must not keep
     * them (it may write into them; that changes nothing but the scratch).
     *
     * @throws IllegalArgumentException when a parameter has no gradient this step
     */
    default void read(List<String> parameters, GradientReader reader) {
        int k = branches();
        double[][] values = new double[k][];
        for (String name : parameters) {
            for (int i = 0; i < k; i++) {
                values[i] = gradient(i, name).castTo(DataType.DOUBLE).dup('c').data().asDouble();
            }
            reader.read(name, values);
        }
    }

    /**
     * {@code Σ cᵢ·gᵢ} for every parameter, except that the parameters of {@code these} get what {@code rule} writes,
     * value by value: for strategies whose update is not a combination of the branch gradients (GradDrop's sign mask,
     * DB-MTL's and MoCo's moving averages). The rule's result is rounded once to the parameter's type, into the same
     * output buffers as {@link #combine(double[])}, so the trainer updates them in place; the next call overwrites
     * them. Names in {@code these} without a gradient this step (frozen parameters) are skipped.
     *
     * @throws IllegalArgumentException unless {@code coefficients} has one value per branch
     */
    default Map<String, INDArray> combine(double[] coefficients, List<String> these, ElementwiseRule rule) {
        Map<String, INDArray> combined = new LinkedHashMap<>(combine(coefficients));
        List<String> present = these.stream().filter(combined::containsKey).toList();
        read(present, (parameter, branchValues) -> {
            double[] out = new double[branchValues[0].length];
            rule.apply(parameter, branchValues, out);
            INDArray target = combined.get(parameter);
            target.assign(Nd4j.create(out, target.shape(), 'c').castTo(target.dataType()));
        });
        return combined;
    }

    /** Reads every branch's values of one parameter; see {@link #read}. */
    @FunctionalInterface
    interface GradientReader {
        /**
         * @param parameter    the parameter's name
         * @param branchValues per branch, its gradient of the parameter flattened in C order; scratch arrays, valid
         *                     during the call only
         */
        void read(String parameter, double[][] branchValues);
    }

    /** Writes the update of one parameter value by value from every branch's values; see {@link #combine}. */
    @FunctionalInterface
    interface ElementwiseRule {
        /**
         * @param parameter    the parameter's name
         * @param branchValues per branch, its gradient of the parameter flattened in C order; scratch arrays, valid
         *                     during the call only
         * @param out          where the update goes, flattened in C order, as long as each branch's values; zero on
         *                     entry
         */
        void apply(String parameter, double[][] branchValues, double[] out);
    }

    /**
     * The Gram matrix of the branches' gradients with respect to the shared representation (the output of the last
     * {@code @Shared} method, shape {@code [batch, ...]}): over the whole array ({@code summedOverBatch} false, as
     * MGDA-UB) or over the gradient summed over the batch axis ({@code [...]}, as LibMTL's {@code rep_grad}). Like
     * the parameter gradients, each is that of the branch's term {@code λᵢ·Lᵢ}.
     *
     * @throws IllegalStateException unless the strategy asked for them ({@link Weighter#needsRepresentationGradients()})
     */
    default double[][] representationGram(boolean summedOverBatch) {
        throw new IllegalStateException("no representation gradients were computed this step");
    }

    // ---- several gradient samples per step (Weighter#gradientSamples) ----

    /**
     * The number of independent gradient samples of this step: {@link Weighter#gradientSamples()}, 1 unless the
     * strategy asked for more. With {@code n > 1} the step's batch was split into {@code n} consecutive parts of its
     * rows and every branch's gradient computed on each part; sample {@code s} is part {@code s}. The methods without
     * a sample argument ({@link #gradient}, {@link #dot}, {@link #norm}, {@link #gram(List)}, {@link #combine(double[])}
     * and {@link #combine(double[], List, double[])}) then read sample 0, and {@link #losses()} is the mean of the
     * samples' losses.
     */
    default int samples() {
        return 1;
    }

    /**
     * The branch losses of sample {@code sample}'s forward pass, in branch order.
     *
     * @throws IllegalArgumentException unless {@code 0 ≤ sample < samples()}
     */
    default double[] losses(int sample) {
        if (sample != 0 || samples() != 1) {
            throw new IllegalArgumentException("no gradient sample " + sample + " of " + samples());
        }
        return losses();
    }

    /**
     * The Gram matrix across two samples over {@code parameters}: {@code [i][j] = g_{a,i}·g_{b,j}}, branch i's
     * gradient on sample {@code sampleA} dotted with branch j's on sample {@code sampleB}, in one pass (not symmetric
     * when the samples differ). With {@code sampleA == sampleB} it is that sample's {@link #gram(List)}.
     *
     * @throws IllegalArgumentException unless both samples are in {@code [0, samples())}
     */
    default double[][] gram(int sampleA, int sampleB, List<String> parameters) {
        if (sampleA != 0 || sampleB != 0 || samples() != 1) {
            throw new IllegalArgumentException("no gradient samples " + sampleA + " and " + sampleB + " of "
                    + samples());
        }
        return gram(parameters);
    }

    /**
     * {@code Σₛ Σᵢ c[s][i]·g_{s,i}} for every parameter, over the samples and branches, with the coefficients
     * {@code forThese} instead of {@code coefficients} for the parameters {@code these}; both indexed
     * {@code [sample][branch]}. The arrays returned are the runtime's output buffers, as {@link #combine(double[])}'s.
     *
     * @throws IllegalArgumentException unless both arrays have {@link #samples()} rows of one value per branch
     */
    default Map<String, INDArray> combine(double[][] coefficients, List<String> these, double[][] forThese) {
        if (samples() != 1 || coefficients.length != 1 || forThese.length != 1) {
            throw new IllegalArgumentException("need coefficients for " + samples() + " samples, got "
                    + coefficients.length + " and " + forThese.length);
        }
        return combine(coefficients[0], these, forThese[0]);
    }

    /** The dot product of two vectors of the same length, a helper for strategies' small linear algebra. */
    static double dot(double[] a, double[] b) {
        return VectorProducts.dot(a, b);
    }
}
