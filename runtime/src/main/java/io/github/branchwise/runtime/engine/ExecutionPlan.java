package io.github.branchwise.runtime.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.autodiff.samediff.internal.Variable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.BaseOp;
import org.nd4j.linalg.api.ops.BaseReduceOp;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.Op;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.ReduceOp;
import org.nd4j.linalg.api.ops.ScalarOp;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2DDerivative;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.ops.impl.reduce.MmulBp;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.ThresholdReluBp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.AddBpOp;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A static schedule of one SameDiff graph for fixed placeholder shapes: the ops that the requested variables need,
 * in dependency order, each with one {@link OpContext} whose input and output arrays were bound once, so that a
 * step is a plain loop of native calls.
 *
 * <p>Building a plan executes it once (shape-dependent ops such as {@code shape_of → reshape} need real values to
 * size their outputs); {@link #run} then re-executes it on new placeholder values of the same shapes. Output
 * buffers are allocated once and overwritten by every run, so values read from a plan are valid until its next
 * run.
 *
 * <p>Rewrites, each only where it provably computes the same values:
 * <ul>
 *   <li>ops whose outputs no requested variable depends on are dropped;</li>
 *   <li>{@code matmul_bp} whose gradient for the left operand is not needed (the input placeholder of the first
 *       dense layer) becomes one {@code matmul} with the left operand transposed;</li>
 *   <li>{@code add_bp} of a {@code [batch, n] + [n]} bias add: the first output is the incoming gradient itself
 *       (an alias, no copy) and the bias gradient a sum over the batch axis;</li>
 *   <li>{@code thresholdedrelu_bp} with cutoff 0 becomes the faster, equivalent {@code relu_bp};</li>
 *   <li>{@code conv2d_bp} whose input gradient is not needed becomes Java im2col, one GEMM for the kernel
 *       gradient and a column sum for the bias gradient (see {@link #convWeightGradient});</li>
 *   <li>{@code conv2d} over NHWC input becomes Java im2col and one GEMM: sharing the patches with that backward,
 *       or alone where the patch matrix is large enough for it to win (see {@link #convForward}).</li>
 * </ul>
 */
final class ExecutionPlan {
    /**
     * Rewrites switched off by the system property {@code branchwise.plan.disable} (separated by commas or
     * {@code +}: {@code matmul_bp, add_bp, relu_bp, conv2d_bp, conv2d} (the forward sharing its patches with the
     * backward), {@code conv2d_forward} (the forward alone), {@code fused_loss, native_log} (the fused
     * forward's logs as one libnd4j {@code log}), {@code fused_mean} (the branch loss's batch mean and its backward
     * folded into the fused steps), {@code sgd} ({@link SgdUpdate}), or
     * {@code all}),
     * so that benchmarks can measure each rewrite against the op
     * SameDiff emitted in the same run. Read once.
     */
    private static volatile Set<String> disabled = Set.of(
            System.getProperty("branchwise.plan.disable", "").replace(" ", "").split("[,+]"));

    /** Replaces the switched-off rewrites (tests: the paths a rewrite takes when another one is off). */
    static void disable(String... rewrites) {
        disabled = Set.of(rewrites);
    }

    static boolean enabled(String rewrite) {
        Set<String> off = disabled;
        if (!HostBuffers.direct() && JAVA_PASSES.contains(rewrite)) {
            return false;
        }
        return !off.contains(rewrite) && !off.contains("all");
    }

    /** The rewrites that read or write native buffers from Java: off where {@link HostBuffers} says they may not. */
    private static final Set<String> JAVA_PASSES = Set.of("conv2d_bp", "conv2d", "conv2d_forward", "fused_loss",
            "native_log", "fused_mean");

    /** Thrown when a graph contains something a static plan cannot run; the caller falls back to SameDiff. */
    static final class UnsupportedGraphException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnsupportedGraphException(String message) {
            super(message);
        }
    }

    /** One executable step. */
    private interface Step {
        void run();
    }

    /** A placeholder value bound into a context slot, re-bound on every run. */
    private record Binding(int placeholder, OpContext context, int index) {
    }

    private final SameDiff graph;
    private final String[] placeholders;
    private final long[][] placeholderShapes;
    private final Step[] steps;
    private final String[] stepNames;
    private final List<Binding> bindings = new ArrayList<>();
    private final Map<String, INDArray> values = new HashMap<>();
    private final List<String> description = new ArrayList<>();
    /** Convolution patch matrices written by a forward rewrite, by {@link Im2col#key}, for the backward. */
    private final Map<String, INDArray> patches = new HashMap<>();
    /** Inputs of convolutions whose backward this plan rewrites (input gradient unused). */
    private final Set<String> patchInputs = new HashSet<>();

    /**
     * Orders, parameterises and executes once the ops that {@code required} needs.
     *
     * @param graph        the SameDiff graph (for training: the gradient function)
     * @param variables    the arrays of trainable variables by name (shared with the model, updated in place)
     * @param placeholders the placeholder names, in the order of {@code feeds}
     * @param feeds        placeholder values that fix the shapes of this plan
     * @param required     the variables whose values the caller reads after each run
     */
    ExecutionPlan(SameDiff graph, Map<String, INDArray> variables, String[] placeholders, INDArray[] feeds,
                  Set<String> required) {
        this(graph, variables, placeholders, feeds, required, Map.of());
    }

    /**
     * As above, with the fused built-in losses that apply ({@link LossFusion}, by the variable each computes); a
     * fusion replaces the ops that compute its variable when the batch is small enough for it.
     */
    ExecutionPlan(SameDiff graph, Map<String, INDArray> variables, String[] placeholders, INDArray[] feeds,
                  Set<String> required, Map<String, LossFusion> fusions) {
        this.graph = graph;
        this.placeholders = placeholders.clone();
        this.placeholderShapes = new long[feeds.length][];
        Map<String, Integer> placeholderIndex = new HashMap<>();
        for (int i = 0; i < placeholders.length; i++) {
            placeholderIndex.put(placeholders[i], i);
            placeholderShapes[i] = feeds[i].shape();
            values.put(placeholders[i], feeds[i]);
        }
        Set<String> needed = new HashSet<>(required);
        Map<String, LossFusion> active = new HashMap<>();
        if (enabled("fused_loss") && feeds.length > 0 && feeds[0].rank() > 0) {
            fusions.forEach((name, fusion) -> {
                if (fusion.fits(name, feeds[0].size(0))) {
                    active.put(name, fusion);
                }
            });
        }
        List<Object> order = order(graph, required, needed, active);
        if (enabled("conv2d") && enabled("conv2d_bp")) {
            for (Object node : order) {
                if (node instanceof SameDiffOp sdo && sdo.getOp() instanceof Conv2DDerivative
                        && sdo.getOutputsOfOp() != null && !needed.contains(sdo.getOutputsOfOp().get(0))
                        && sdo.getInputsToOp() != null) {
                    patchInputs.add(sdo.getInputsToOp().get(0));
                }
            }
        }
        List<Step> built = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Object node : order) {
            if (node instanceof FusedNode fused) {
                Step step = fusedStep(fused, variables);
                step.run();
                built.add(step);
                names.add(description.get(description.size() - 1));
                continue;
            }
            SameDiffOp sdo = (SameDiffOp) node;
            DifferentialFunction df = sdo.getOp();
            List<String> inputNames = sdo.getInputsToOp() == null ? List.of() : sdo.getInputsToOp();
            INDArray[] args = new INDArray[inputNames.size()];
            for (int i = 0; i < args.length; i++) {
                args[i] = value(inputNames.get(i), variables);
            }
            String[] outNames = sdo.getOutputsOfOp().toArray(new String[0]);
            Step step = rewrite(df, inputNames, args, outNames, needed);
            if (step == null) {
                step = parameterize(df, sdo.getName(), inputNames, args, outNames, placeholderIndex);
            }
            if (step != null) {
                step.run();
                built.add(step);
                names.add(description.get(description.size() - 1));
            }
        }
        this.steps = built.toArray(new Step[0]);
        this.stepNames = names.toArray(new String[0]);
        for (String name : required) {
            if (!values.containsKey(name)) {
                value(name, variables);
            }
        }
    }

    /** Runs every step on new placeholder values, which must have the shapes the plan was built for. */
    void run(INDArray[] feeds) {
        for (int i = 0; i < feeds.length; i++) {
            if (!Arrays.equals(feeds[i].shape(), placeholderShapes[i])) {
                throw new IllegalArgumentException("placeholder '" + placeholders[i] + "' has shape "
                        + Arrays.toString(feeds[i].shape()) + " but the plan was built for "
                        + Arrays.toString(placeholderShapes[i]));
            }
            values.put(placeholders[i], feeds[i]);
        }
        for (Binding binding : bindings) {
            binding.context().setInputArray(binding.index(), feeds[binding.placeholder()]);
        }
        for (Step step : steps) {
            step.run();
        }
    }

    /** Whether the plan was built for these placeholder shapes. */
    boolean fits(INDArray[] feeds) {
        for (int i = 0; i < feeds.length; i++) {
            if (!Arrays.equals(feeds[i].shape(), placeholderShapes[i])) {
                return false;
            }
        }
        return true;
    }

    /** The value of a variable after the last run; a plan buffer, overwritten by the next run. */
    INDArray get(String name) {
        INDArray value = values.get(name);
        if (value == null) {
            throw new IllegalArgumentException("the plan does not compute '" + name + "'");
        }
        return value;
    }

    /** The number of native steps per run. */
    int size() {
        return steps.length;
    }

    /**
     * Runs every step {@code runs} times on the current values and returns each step's median time, one line per step
     * ({@code "<µs> µs  <op>: <kind>"}), slowest first: where a plan's time goes. Recomputes the same values.
     */
    List<String> profile(int runs) {
        // Medians, not means: on a shared machine one preempted run of a 5 µs step otherwise reads as 200 µs.
        long[][] all = new long[steps.length][runs];
        for (int r = 0; r < runs; r++) {
            for (int i = 0; i < steps.length; i++) {
                long start = System.nanoTime();
                steps[i].run();
                all[i][r] = System.nanoTime() - start;
            }
        }
        long[] nanos = new long[steps.length];
        for (int i = 0; i < steps.length; i++) {
            Arrays.sort(all[i]);
            nanos[i] = all[i][runs / 2] * runs;
        }
        Integer[] byTime = new Integer[steps.length];
        for (int i = 0; i < byTime.length; i++) {
            byTime[i] = i;
        }
        Arrays.sort(byTime, (a, b) -> Long.compare(nanos[b], nanos[a]));
        List<String> lines = new ArrayList<>();
        for (int i : byTime) {
            lines.add(String.format(java.util.Locale.ROOT, "%9.1f µs  %s", nanos[i] / 1e3 / runs, stepNames[i]));
        }
        return lines;
    }

    /** The median milliseconds of re-running every step (same values) {@code runs} times, after one untimed run. */
    double medianMillis(int runs) {
        double[] ms = new double[runs + 1];
        for (int r = 0; r <= runs; r++) {
            long start = System.nanoTime();
            for (Step step : steps) {
                step.run();
            }
            ms[r] = (System.nanoTime() - start) / 1e6;
        }
        double[] timed = Arrays.copyOfRange(ms, 1, ms.length);
        Arrays.sort(timed);
        return timed[runs / 2];
    }

    /** One line per step: op name and rewrite, for diagnostics. */
    List<String> describe() {
        return List.copyOf(description);
    }

    /**
     * Why a static plan cannot run {@code graph}, or null when it can: control flow, tensor arrays, random ops,
     * invocations of other functions and ops whose outputs depend on data rather than shapes.
     */
    static String unsupportedReason(SameDiff graph) {
        for (SameDiffOp sdo : graph.getOps().values()) {
            DifferentialFunction df = sdo.getOp();
            String pkg = df.getClass().getName();
            String name = df.getClass().getSimpleName();
            if (pkg.contains(".controlflow.") || pkg.contains(".shape.tensorops.") || pkg.contains(".random.")
                    || df instanceof org.nd4j.linalg.api.ops.RandomOp || name.equals("Invoke")
                    || name.equals("ExternalErrorsFunction") || name.equals("Assert")
                    || name.equals("GradientBackwardsMarker") || name.equals("CreateView")
                    || name.contains("Dropout") || name.contains("DropOut") || name.equals("Where")
                    || name.equals("NonMaxSuppression") || name.equals("Unique") || name.equals("BooleanMask")
                    || name.equals("DynamicPartition") || name.equals("ListDiff")) {
                return "op '" + sdo.getName() + "' (" + df.opName() + ", " + name + ") has control flow, random "
                        + "or data-dependent output shapes";
            }
            if (!(df instanceof CustomOp) && !(df instanceof Op)) {
                return "op '" + sdo.getName() + "' (" + name + ") is neither a custom nor a legacy op";
            }
        }
        return null;
    }

    /** A fused loss step in the op order: {@code output} is the variable it computes. */
    private record FusedNode(LossFusion fusion, String output) {
    }

    private static List<Object> order(SameDiff graph, Set<String> required, Set<String> needed,
                                      Map<String, LossFusion> fusions) {
        Map<String, SameDiffOp> ops = graph.getOps();
        Map<String, Variable> vars = graph.getVariables();
        List<Object> order = new ArrayList<>();
        Set<String> done = new HashSet<>();
        Set<String> visiting = new HashSet<>();
        for (String name : required) {
            visitVariable(name, ops, vars, order, done, visiting, needed, fusions);
        }
        return order;
    }

    private static void visitVariable(String name, Map<String, SameDiffOp> ops, Map<String, Variable> vars,
                                      List<Object> order, Set<String> done, Set<String> visiting,
                                      Set<String> needed, Map<String, LossFusion> fusions) {
        Variable v = vars.get(name);
        if (v == null) {
            throw new UnsupportedGraphException("no variable '" + name + "' in the graph");
        }
        needed.add(name);
        LossFusion fusion = fusions.get(name);
        if (fusion != null) {
            // Computed by one fused step from the fusion's inputs instead of the op chain that SameDiff built.
            if (done.add("fused:" + name)) {
                for (String dep : fusion.inputsFor(name)) {
                    visitVariable(dep, ops, vars, order, done, visiting, needed, fusions);
                }
                order.add(new FusedNode(fusion, name));
            }
            return;
        }
        if (v.getControlDeps() != null) {
            for (String dep : v.getControlDeps()) {
                visitVariable(dep, ops, vars, order, done, visiting, needed, fusions);
            }
        }
        String opName = v.getOutputOfOp();
        if (opName == null || done.contains(opName)) {
            return;
        }
        if (!visiting.add(opName)) {
            throw new UnsupportedGraphException("the graph has a cycle through op '" + opName + "'");
        }
        SameDiffOp sdo = ops.get(opName);
        List<String> deps = new ArrayList<>();
        if (sdo.getInputsToOp() != null) {
            deps.addAll(sdo.getInputsToOp());
        }
        if (sdo.getControlDeps() != null) {
            deps.addAll(sdo.getControlDeps());
        }
        if (sdo.getVarControlDeps() != null) {
            deps.addAll(sdo.getVarControlDeps());
        }
        for (String dep : new LinkedHashSet<>(deps)) {
            visitVariable(dep, ops, vars, order, done, visiting, needed, fusions);
        }
        visiting.remove(opName);
        done.add(opName);
        order.add(sdo);
    }

    private Step fusedStep(FusedNode node, Map<String, INDArray> variables) {
        LossFusion fusion = node.fusion();
        INDArray p = value(fusion.prediction, variables);
        String target = fusion.target;
        INDArray out;
        Step step;
        if (!ArrayScan.contiguous(p)) {
            throw new UnsupportedGraphException("the prediction '" + fusion.prediction + "' is not contiguous");
        }
        if (node.output().equals(fusion.branchLoss)) {
            INDArray perExample = value(fusion.perExample, variables);
            if (!ArrayScan.contiguous(perExample) || perExample.rank() != 1 || perExample.dataType() != p.dataType()) {
                throw new UnsupportedGraphException("the per-example loss '" + fusion.perExample
                        + "' is not a contiguous vector");
            }
            out = Nd4j.scalar(p.dataType(), 0.0);
            Runnable mean = fusion.meanStep(perExample, out);
            step = mean::run;
        } else if (node.output().equals(fusion.perExample)) {
            out = Nd4j.create(p.dataType(), p.size(0));
            Runnable forward = fusion.forwardStep(p, () -> values.get(target), out);
            step = forward::run;
        } else {
            String gradient = fusion.foldsMean() ? fusion.branchLossGradient : fusion.perExampleGradient;
            INDArray g = value(gradient, variables);
            if (!ArrayScan.contiguous(g) || g.length() != (fusion.foldsMean() ? 1 : p.size(0))) {
                throw new UnsupportedGraphException("the gradient '" + gradient + "' is not a contiguous "
                        + (fusion.foldsMean() ? "scalar" : "vector of the batch size"));
            }
            out = Nd4j.create(p.dataType(), p.shape());
            Runnable backward = fusion.backwardStep(p, () -> values.get(target), g, out);
            step = backward::run;
        }
        values.put(node.output(), out);
        description.add(node.output() + ": " + fusion.describe(node.output()));
        return step;
    }

    private INDArray value(String name, Map<String, INDArray> variables) {
        INDArray computed = values.get(name);
        if (computed != null) {
            return computed;
        }
        SDVariable v = graph.getVariable(name);
        INDArray array;
        if (v.getVariableType() == VariableType.VARIABLE) {
            array = variables.get(name);
            if (array == null) {
                array = v.getArr();
            }
        } else if (v.getVariableType() == VariableType.CONSTANT) {
            array = v.getArr();
        } else if (v.getVariableType() == VariableType.PLACEHOLDER) {
            throw new UnsupportedGraphException("no value for placeholder '" + name + "'");
        } else {
            throw new UnsupportedGraphException("'" + name + "' is used before the op computing it ran");
        }
        if (array == null) {
            throw new UnsupportedGraphException("variable '" + name + "' has no array");
        }
        values.put(name, array);
        return array;
    }

    private Step parameterize(DifferentialFunction df, String opName, List<String> inputNames, INDArray[] args,
                              String[] outNames, Map<String, Integer> placeholderIndex) {
        String simple = df.getClass().getSimpleName();
        if (simple.equals("Identity")) {
            values.put(outNames[0], args[0]);
            description.add(opName + ": identity (alias)");
            return null;
        }
        OpContext ctx = Nd4j.getExecutioner().buildContext();
        if (df instanceof CustomOp) {
            DynamicCustomOp op = (DynamicCustomOp) df;
            ctx.setArgs(args, op.iArgs(), op.dArgs(), op.tArgs(), op.bArgs());
            OneDnnWorkaround.apply(op, ctx);
            if (simple.equals("Assign")) {
                throw new UnsupportedGraphException("op '" + opName + "' assigns in place");
            }
            List<LongShapeDescriptor> shapes = op.calculateOutputShape(ctx);
            if (shapes == null || shapes.size() != outNames.length) {
                throw new UnsupportedGraphException("op '" + opName + "' (" + op.opName() + ") gave "
                        + (shapes == null ? "no" : shapes.size()) + " output shapes for " + outNames.length
                        + " outputs");
            }
            for (int i = 0; i < outNames.length; i++) {
                LongShapeDescriptor shape = shapes.get(i);
                DataType type = graph.getVariable(outNames[i]).dataType();
                if (shape.dataType() != type) {
                    shape = shape.asDataType(type);
                }
                INDArray out = Nd4j.create(shape);
                ctx.setOutputArray(i, out);
                values.put(outNames[i], out);
            }
            bindPlaceholders(inputNames, ctx, placeholderIndex, args.length);
            description.add(opName + ": " + op.opName());
            return () -> Nd4j.exec(op, ctx);
        }
        Op op = (Op) df;
        boolean axisArg = false;
        boolean emptyReduce = false;
        int[] dims = null;
        if (op instanceof ReduceOp && ((ReduceOp) op).getOpType() != Op.Type.REDUCE3 && args.length == 2) {
            INDArray axis = args[1];
            emptyReduce = axis.isEmpty();
            dims = emptyReduce ? null : Shape.normalizeAxis(args[0].rank(), axis.toIntVector());
            setReduceDimensions((BaseReduceOp) op, dims, emptyReduce);
            axisArg = true;
        } else if (op instanceof ScalarOp && args.length == 2 && !args[1].isScalar()) {
            throw new UnsupportedGraphException("op '" + opName + "' has a non-scalar scalar argument");
        }
        final INDArray scalar = op instanceof ScalarOp && args.length == 2 ? args[1] : null;
        if (scalar != null) {
            ((ScalarOp) op).setScalar(scalar);
        }
        if (args.length > 0) {
            ctx.setInputArray(0, args[0]);
            if (args.length == 2 && !axisArg) {
                ctx.setInputArray(1, args[1]);
            }
        }
        INDArray z;
        if (emptyReduce) {
            z = Nd4j.create(args[0].dataType(), args[0].shape());
        } else {
            List<LongShapeDescriptor> shapes = ((BaseOp) op).calculateOutputShape(ctx);
            if (shapes == null || shapes.size() != 1) {
                throw new UnsupportedGraphException("no output shape for legacy op '" + opName + "'");
            }
            z = Nd4j.create(shapes.get(0));
        }
        ctx.setOutputArray(0, z);
        values.put(outNames[0], z);
        bindPlaceholders(inputNames, ctx, placeholderIndex, axisArg ? 1 : Math.min(args.length, 2));
        description.add(opName + ": " + op.opName() + " (legacy)");
        if (axisArg) {
            // Several plans (training, losses, prediction) share the op object: restore this plan's axes when
            // another plan changed them.
            BaseReduceOp reduce = (BaseReduceOp) op;
            INDArray[] mine = {reduce.dimensions()};
            int[] axes = dims;
            boolean empty = emptyReduce;
            return () -> {
                if (reduce.dimensions() != mine[0]) {
                    setReduceDimensions(reduce, axes, empty);
                    mine[0] = reduce.dimensions();
                }
                Nd4j.exec(op, ctx);
            };
        }
        if (scalar != null) {
            // The scalar is a buffer of this plan (overwritten in place each run); other plans point the shared
            // op object at theirs.
            ScalarOp scalarOp = (ScalarOp) op;
            return () -> {
                scalarOp.setScalar(scalar);
                Nd4j.exec(op, ctx);
            };
        }
        return () -> Nd4j.exec(op, ctx);
    }

    private static void setReduceDimensions(BaseReduceOp op, int[] dims, boolean empty) {
        op.setDimensions(dims);
        op.setEmptyReduce(empty);
    }

    private void bindPlaceholders(List<String> inputNames, OpContext ctx, Map<String, Integer> placeholderIndex,
                                  int count) {
        for (int i = 0; i < count; i++) {
            Integer p = placeholderIndex.get(inputNames.get(i));
            if (p != null) {
                bindings.add(new Binding(p, ctx, i));
            }
        }
    }

    /** A faster equivalent for some backward ops, or null to run the op as SameDiff emitted it. */
    private Step rewrite(DifferentialFunction df, List<String> inputNames, INDArray[] args, String[] outNames,
                         Set<String> needed) {
        if (df.getClass() == Conv2D.class && (args.length == 2 || args.length == 3) && outNames.length == 1
                && noPlaceholder(inputNames, 1, args.length)) {
            boolean shared = patchInputs.contains(inputNames.get(0));
            if (shared || enabled("conv2d_forward")) {
                Step step = convForward((DynamicCustomOp) df, inputNames.get(0), args, outNames, shared);
                if (step != null) {
                    return step;
                }
            }
        }
        if (df instanceof Conv2DDerivative && enabled("conv2d_bp") && (args.length == 3 || args.length == 4)
                && outNames.length == args.length - 1 && !needed.contains(outNames[0])
                && noPlaceholder(inputNames, 1, args.length)) {
            Step step = convWeightGradient((DynamicCustomOp) df, inputNames.get(0), args, outNames, needed);
            if (step != null) {
                return step;
            }
        }
        if (df instanceof MmulBp && enabled("matmul_bp") && args.length == 3 && outNames.length == 2
                && !needed.contains(outNames[0])
                && args[0].rank() == 2 && args[1].rank() == 2 && args[2].rank() == 2
                && !hasTranspose((DynamicCustomOp) df) && noPlaceholder(inputNames, 1, 2)) {
            // z = a·b: dL/db = aᵀ·dL/dz; dL/da is never read (the left operand is an input placeholder).
            INDArray a = args[0];
            INDArray grad = args[2];
            INDArray gradB = Nd4j.create(args[1].dataType(), args[1].shape());
            Mmul mmul = new Mmul(a, grad, gradB, MMulTranspose.builder().transposeA(true).build());
            OpContext ctx = Nd4j.getExecutioner().buildContext();
            ctx.setArgs(new INDArray[] {a, grad}, mmul.iArgs(), mmul.dArgs(), mmul.tArgs(), mmul.bArgs());
            ctx.setOutputArray(0, gradB);
            values.put(outNames[1], gradB);
            rebindLater(inputNames.get(0), ctx, 0);
            description.add(df.getOwnName() + ": matmul_bp -> matmul(aT, grad) (input gradient pruned)");
            return () -> Nd4j.exec(mmul, ctx);
        }
        if (df instanceof AddBpOp && enabled("add_bp") && args.length == 3 && outNames.length == 2
                && args[0].rank() == 2
                && args[1].rank() == 1 && Arrays.equals(args[0].shape(), args[2].shape())
                && args[1].size(0) == args[0].size(1) && noPlaceholder(inputNames, 0, 3)) {
            // z = x + b (b broadcast over rows): dL/dx = dL/dz exactly, dL/db = column sums of dL/dz.
            INDArray grad = args[2];
            values.put(outNames[0], grad);
            INDArray gradB = Nd4j.create(args[1].dataType(), args[1].shape());
            values.put(outNames[1], gradB);
            if (!needed.contains(outNames[1])) {
                description.add(df.getOwnName() + ": add_bp -> alias");
                return null;
            }
            // The column sums as one GEMM with a row of ones: reduce_sum over the batch axis of [256, 512] took
            // 0.2 ms here, the GEMM 0.04 ms (measured for HandWritten's dense layers; the same holds for the
            // convolution rewrite's bias gradient).
            INDArray ones = Nd4j.ones(grad.dataType(), 1, grad.size(0));
            INDArray gradRow = gradB.reshape(1, gradB.length());
            Mmul sum = new Mmul(ones, grad, gradRow, MMulTranspose.builder().build());
            OpContext ctx = Nd4j.getExecutioner().buildContext();
            ctx.setArgs(new INDArray[] {ones, grad}, sum.iArgs(), sum.dArgs(), sum.tArgs(), sum.bArgs());
            ctx.setOutputArray(0, gradRow);
            description.add(df.getOwnName() + ": add_bp -> alias + matmul(ones, grad)");
            return () -> Nd4j.exec(sum, ctx);
        }
        if (df instanceof ThresholdReluBp && enabled("relu_bp") && args.length == 2
                && ((ThresholdReluBp) df).tArgs().length > 0
                && ((ThresholdReluBp) df).tArgs()[0] == 0.0 && noPlaceholder(inputNames, 0, 2)) {
            // f(x) = max(0, x): both ops compute grad·[x > 0].
            INDArray out = Nd4j.create(args[0].dataType(), args[0].shape());
            DynamicCustomOp relu = DynamicCustomOp.builder("relu_bp").addInputs(args[0], args[1]).addOutputs(out)
                    .build();
            OpContext ctx = Nd4j.getExecutioner().buildContext();
            ctx.setArgs(args, relu.iArgs(), relu.dArgs(), relu.tArgs(), relu.bArgs());
            ctx.setOutputArray(0, out);
            values.put(outNames[0], out);
            description.add(df.getOwnName() + ": thresholdedrelu_bp -> relu_bp");
            return () -> Nd4j.exec(relu, ctx);
        }
        return null;
    }

    /** The largest patch matrix (values) the convolution rewrite allocates; larger ones keep {@code conv2d_bp}. */
    private static final long MAX_PATCH_VALUES = 16L << 20;

    /**
     * {@code conv2d_bp} whose input gradient nobody reads (the first convolution over an input placeholder, or one
     * behind frozen layers): libnd4j computes that gradient anyway, and its weight gradient for few filters is slow
     * (≈ 4 ms for the seed model's 1-filter 3x3 convolution over {@code [1024, 5, 5, 2]}). Instead: the patches of
     * the input ({@link Im2col}, in Java), the kernel gradient as one GEMM {@code patchesᵀ · grad}, and the bias
     * gradient as a column sum of {@code grad} ({@code reduce_sum} for one filter, a GEMM with a row of ones for
     * more, which is ≈ 15x faster than {@code reduce_sum} over the first axis of a tall matrix). NHWC inputs, YXIO
     * kernels, FLOAT or DOUBLE, VALID or SAME padding, any stride and dilation; anything else, or a first run whose
     * values differ from {@code conv2d_bp}'s, keeps the op as SameDiff emitted it.
     */
    private Step convWeightGradient(DynamicCustomOp op, String inputName, INDArray[] args, String[] outNames,
                                    Set<String> needed) {
        INDArray x = args[0];
        INDArray w = args[1];
        INDArray b = args.length == 4 ? args[2] : null;
        INDArray grad = args[args.length - 1];
        DataType type = x.dataType();
        if (grad.dataType() != type || grad.rank() != 4 || !ArrayScan.contiguous(grad)) {
            return null;
        }
        Im2col im2col = geometry(op, x, w, b, grad.size(1), grad.size(2));
        if (im2col == null || grad.size(0) != im2col.batch || grad.size(3) != w.size(3)) {
            return null;
        }
        long filters = w.size(3);
        boolean placeholderInput = Arrays.asList(placeholders).contains(inputName);
        if (!placeholderInput && !ArrayScan.contiguous(x)) {
            return null;
        }
        // The forward rewrite of the same convolution already wrote these patches in this run.
        INDArray shared = patches.get(im2col.key(inputName));
        INDArray cols = shared != null ? shared : Nd4j.create(type, im2col.rows(), im2col.columns());
        INDArray grad2 = grad.reshape(im2col.rows(), filters);
        INDArray gradW = Nd4j.create(type, w.shape());
        INDArray gradW2 = gradW.reshape(im2col.columns(), filters);
        boolean wantW = needed.contains(outNames[1]);
        boolean wantB = b != null && needed.contains(outNames[2]);
        Mmul weightGemm = new Mmul(cols, grad2, gradW2, MMulTranspose.builder().transposeA(true).build());
        OpContext weightCtx = Nd4j.getExecutioner().buildContext();
        weightCtx.setArgs(new INDArray[] {cols, grad2}, weightGemm.iArgs(), weightGemm.dArgs(), weightGemm.tArgs(),
                weightGemm.bArgs());
        weightCtx.setOutputArray(0, gradW2);
        INDArray gradB = b == null ? null : Nd4j.create(type, b.shape());
        CustomOp biasOp = null;
        OpContext biasCtx = null;
        if (wantB) {
            biasCtx = Nd4j.getExecutioner().buildContext();
            if (filters == 1) {
                biasOp = DynamicCustomOp.builder("reduce_sum").addInputs(grad2).addOutputs(gradB)
                        .addIntegerArguments(0).addBooleanArguments(false).build();
                biasCtx.setArgs(new INDArray[] {grad2}, biasOp.iArgs(), biasOp.dArgs(), biasOp.tArgs(),
                        biasOp.bArgs());
                biasCtx.setOutputArray(0, gradB);
            } else {
                INDArray ones = Nd4j.ones(type, 1, im2col.rows());
                INDArray gradB2 = gradB.reshape(1, filters);
                biasOp = new Mmul(ones, grad2, gradB2, MMulTranspose.builder().build());
                biasCtx.setArgs(new INDArray[] {ones, grad2}, biasOp.iArgs(), biasOp.dArgs(), biasOp.tArgs(),
                        biasOp.bArgs());
                biasCtx.setOutputArray(0, gradB2);
            }
        }
        CustomOp bias = biasOp;
        OpContext biasContext = biasCtx;
        INDArray fixedInput = x;
        boolean writePatches = shared == null;
        Step step = () -> {
            if (wantW) {
                if (writePatches) {
                    INDArray input = placeholderInput ? values.get(inputName) : fixedInput;
                    im2col.apply(ArrayScan.contiguous(input) ? input : input.dup('c'), cols);
                }
                Nd4j.exec(weightGemm, weightCtx);
            }
            if (bias != null) {
                Nd4j.exec(bias, biasContext);
            }
        };
        step.run();
        String mismatch = compareWithConv2dBp(op, args, gradW, gradB, wantW, wantB);
        if (mismatch != null) {
            description.add(op.getOwnName() + ": conv2d_bp kept (the im2col rewrite differs: " + mismatch + ")");
            return null;
        }
        values.put(outNames[1], gradW);
        if (gradB != null) {
            values.put(outNames[2], gradB);
        }
        description.add(op.getOwnName() + ": conv2d_bp -> " + (writePatches ? "im2col" : "forward's patches")
                + " + matmul(colsT, grad)"
                + (wantB ? (filters == 1 ? " + reduce_sum(0)" : " + matmul(ones, grad)") : "")
                + " (input gradient pruned)");
        return step;
    }

    /**
     * The patch geometry of a {@code conv2d}/{@code conv2d_bp} with output {@code [n, oH, oW, outC]}, or null when
     * the rewrites do not handle it (not NHWC and YXIO, not FLOAT or DOUBLE, CAUSAL padding, too large).
     */
    private static Im2col geometry(DynamicCustomOp op, INDArray x, INDArray w, INDArray b, long oH, long oW) {
        long[] ia = op.iArgs();
        DataType type = x.dataType();
        if (ia.length < 10 || ia[9] != 1 || (ia.length > 10 && ia[10] != 0) || (ia[8] != 0 && ia[8] != 1)
                || (type != DataType.FLOAT && type != DataType.DOUBLE) || w.dataType() != type
                || (b != null && (b.dataType() != type || b.rank() != 1)) || x.rank() != 4 || w.rank() != 4
                || !ArrayScan.contiguous(w)) {
            return null;
        }
        long channels = x.size(3);
        int kH = (int) w.size(0);
        int kW = (int) w.size(1);
        int sH = (int) ia[2];
        int sW = (int) ia[3];
        int dH = (int) ia[6];
        int dW = (int) ia[7];
        if ((ia[0] > 0 && ia[0] != kH) || (ia[1] > 0 && ia[1] != kW) || sH < 1 || sW < 1 || dH < 1 || dW < 1
                || w.size(2) != channels || (b != null && b.size(0) != w.size(3))) {
            return null;
        }
        int iH = (int) x.size(1);
        int iW = (int) x.size(2);
        // libnd4j's ConvolutionUtils::calcPadding2D for SAME; explicit padding for VALID.
        int pT = ia[8] == 1 ? (int) Math.max(0, ((oH - 1) * sH + (kH - 1) * dH + 1 - iH) / 2) : (int) ia[4];
        int pL = ia[8] == 1 ? (int) Math.max(0, ((oW - 1) * sW + (kW - 1) * dW + 1 - iW) / 2) : (int) ia[5];
        Im2col im2col = new Im2col((int) x.size(0), iH, iW, (int) channels, kH, kW, sH, sW, pT, pL, dH, dW,
                (int) oH, (int) oW);
        if (im2col.rows() * im2col.columns() > MAX_PATCH_VALUES || im2col.rows() > Integer.MAX_VALUE
                || x.length() > Integer.MAX_VALUE) {
            return null;
        }
        return im2col;
    }

    /**
     * The smallest patch matrix (values) for which a forward convolution whose patches no backward shares is
     * rewritten: below it the two ways tied ({@code ConvForwardProbe}: the seed model's convolution over 7 examples,
     * 1,134 patch values, 13–18 µs against {@code conv2d}'s 14–15 µs).
     */
    static final long MIN_FORWARD_PATCH_VALUES = 4096;

    /**
     * The most filters for which a forward convolution whose patches no backward shares is rewritten. With one filter
     * the GEMM is a matrix-vector product and libnd4j's {@code conv2d} is slow at it; with the cnn's 32 and 64
     * filters {@code conv2d} won inside the plan (prediction 18 ms against 31 ms with both rewritten,
     * {@code InterleavedAB CNN_64 FIXED conv2d_forward predict}), although {@code ConvForwardProbe} timed
     * {@code conv2d} alone far slower there. 2 to 31 filters are not measured; 4 is a guess.
     */
    static final long MAX_FORWARD_FILTERS = 4;

    /**
     * A forward {@code conv2d} as Java patches ({@link Im2col}), one GEMM {@code patches · W} and the bias added in
     * place. {@code shared}: the convolution's backward is rewritten too (input gradient unused) and reads the same
     * patches, written once per run. Otherwise (prediction and loss plans, convolutions whose backward keeps
     * {@code conv2d_bp}; {@code conv2d_forward} in {@code branchwise.plan.disable}) only for patch matrices of
     * {@link #MIN_FORWARD_PATCH_VALUES} to {@link #MAX_PATCH_VALUES} values and at most
     * {@link #MAX_FORWARD_FILTERS} filters. Measured with one thread (oneDNN build): the seed model's 1-filter
     * convolution over {@code [1024, 5, 5, 2]} 0.19–0.35 ms against {@code conv2d}'s 0.27–0.91 ms alone
     * ({@code ConvForwardProbe}), a 0.84x prediction ({@code InterleavedAB}). Checked against {@code conv2d} on the
     * planning batch.
     */
    private Step convForward(DynamicCustomOp op, String inputName, INDArray[] args, String[] outNames,
                             boolean shared) {
        INDArray x = args[0];
        INDArray w = args[1];
        INDArray b = args.length == 3 ? args[2] : null;
        OpContext probe = Nd4j.getExecutioner().buildContext();
        probe.setArgs(args, op.iArgs(), op.dArgs(), op.tArgs(), op.bArgs());
        OneDnnWorkaround.apply(op, probe);
        List<LongShapeDescriptor> shapes = op.calculateOutputShape(probe);
        if (shapes == null || shapes.size() != 1 || shapes.get(0).getShape().length != 4) {
            return null;
        }
        long[] outShape = shapes.get(0).getShape();
        Im2col im2col = geometry(op, x, w, b, outShape[1], outShape[2]);
        boolean placeholderInput = Arrays.asList(placeholders).contains(inputName);
        if (im2col == null || outShape[0] != im2col.batch || outShape[3] != w.size(3)
                || (!placeholderInput && !ArrayScan.contiguous(x))
                || (!shared && (im2col.rows() * im2col.columns() < MIN_FORWARD_PATCH_VALUES
                        || w.size(3) > MAX_FORWARD_FILTERS))) {
            return null;
        }
        DataType type = x.dataType();
        long filters = w.size(3);
        INDArray cols = Nd4j.create(type, im2col.rows(), im2col.columns());
        INDArray out = Nd4j.create(type, outShape);
        INDArray out2 = out.reshape(im2col.rows(), filters);
        INDArray w2 = w.reshape(im2col.columns(), filters);
        Mmul gemm = new Mmul(cols, w2, out2, MMulTranspose.builder().build());
        OpContext gemmCtx = Nd4j.getExecutioner().buildContext();
        gemmCtx.setArgs(new INDArray[] {cols, w2}, gemm.iArgs(), gemm.dArgs(), gemm.tArgs(), gemm.bArgs());
        gemmCtx.setOutputArray(0, out2);
        DynamicCustomOp add = b == null ? null
                : DynamicCustomOp.builder("add").addInputs(out2, b).addOutputs(out2).build();
        OpContext addCtx = null;
        if (add != null) {
            addCtx = Nd4j.getExecutioner().buildContext();
            addCtx.setArgs(new INDArray[] {out2, b}, add.iArgs(), add.dArgs(), add.tArgs(), add.bArgs());
            addCtx.setOutputArray(0, out2);
        }
        OpContext biasContext = addCtx;
        Step step = () -> {
            INDArray input = placeholderInput ? values.get(inputName) : x;
            im2col.apply(ArrayScan.contiguous(input) ? input : input.dup('c'), cols);
            Nd4j.exec(gemm, gemmCtx);
            if (add != null) {
                Nd4j.exec(add, biasContext);
            }
        };
        step.run();
        INDArray expected = Nd4j.create(shapes.get(0).asDataType(type));
        probe.setOutputArray(0, expected);
        Nd4j.exec(op, probe);
        if (!close(expected, out, type == DataType.DOUBLE ? 1e-9 : 1e-4)) {
            description.add(op.getOwnName() + ": conv2d kept (the im2col rewrite differs)");
            return null;
        }
        patches.put(im2col.key(inputName), cols);
        values.put(outNames[0], out);
        description.add(op.getOwnName() + ": conv2d -> im2col + matmul(cols, W)" + (add != null ? " + add(b)" : "")
                + (shared ? " (patches shared with the backward)" : " (forward only)"));
        return step;
    }

    /** Null when the rewrite's gradients match {@code conv2d_bp}'s on the planning batch, else how they differ. */
    private static String compareWithConv2dBp(DynamicCustomOp op, INDArray[] args, INDArray gradW, INDArray gradB,
                                              boolean wantW, boolean wantB) {
        OpContext ctx = Nd4j.getExecutioner().buildContext();
        ctx.setArgs(args, op.iArgs(), op.dArgs(), op.tArgs(), op.bArgs());
        OneDnnWorkaround.apply(op, ctx);
        List<LongShapeDescriptor> shapes = op.calculateOutputShape(ctx);
        INDArray[] outs = new INDArray[shapes.size()];
        for (int i = 0; i < outs.length; i++) {
            outs[i] = Nd4j.create(shapes.get(i).asDataType(args[0].dataType()));
            ctx.setOutputArray(i, outs[i]);
        }
        Nd4j.exec(op, ctx);
        // Wrong geometry gives O(1) differences; float accumulation over a large batch gives ≈ 1e-6 relative.
        double tolerance = args[0].dataType() == DataType.DOUBLE ? 1e-9 : 1e-4;
        if (wantW && !close(outs[1], gradW, tolerance)) {
            return "kernel gradient";
        }
        if (wantB && !close(outs[2], gradB, tolerance)) {
            return "bias gradient";
        }
        return null;
    }

    private static boolean close(INDArray expected, INDArray actual, double tolerance) {
        if (!Arrays.equals(expected.shape(), actual.shape())) {
            return false;
        }
        double scale = Math.max(1e-30, expected.amaxNumber().doubleValue());
        double diff = expected.sub(actual).amaxNumber().doubleValue();
        return diff <= tolerance * scale;
    }

    private void rebindLater(String inputName, OpContext ctx, int index) {
        for (int i = 0; i < placeholders.length; i++) {
            if (placeholders[i].equals(inputName)) {
                bindings.add(new Binding(i, ctx, index));
            }
        }
    }

    private boolean noPlaceholder(List<String> inputNames, int from, int to) {
        for (int i = from; i < to; i++) {
            for (String p : placeholders) {
                if (p.equals(inputNames.get(i))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean hasTranspose(DynamicCustomOp op) {
        for (long i : op.iArgs()) {
            if (i != 0) {
                return true;
            }
        }
        return false;
    }
}
