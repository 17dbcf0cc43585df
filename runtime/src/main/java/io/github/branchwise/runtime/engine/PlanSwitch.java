package io.github.branchwise.runtime.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The compiled executor's rewrites and fast paths that benchmarks and tests can switch off, so that each one can be
 * measured, or checked, against the op SameDiff emitted in the same run. An enum rather than names: a misspelt
 * switch does not compile, and a misspelt name on the command line ({@code -Dbranchwise.plan.disable}) fails
 * instead of silently leaving the rewrite on.
 *
 * <p>Public for the benchmarks module ({@code InterleavedAB} plans one trainer with switches off and one with all
 * on); the package is not exported, so this is no API.
 */
public enum PlanSwitch {
    /** {@code matmul_bp} whose left-operand gradient is unused becomes one {@code matmul} ({@link MatmulBpRewrite}). */
    MATMUL_BP(false),
    /** {@code add_bp} of a bias add: an alias and a column sum ({@link AddBpRewrite}). */
    ADD_BP(false),
    /** {@code multiply_bp} and {@code subtract_bp} of a row broadcast over a matrix ({@link BroadcastBpRewrite}). */
    BROADCAST_BP(false),
    /** {@code thresholdedrelu_bp} with cutoff 0 becomes {@code relu_bp} ({@link ReluBpRewrite}). */
    RELU_BP(false),
    /** {@code conv2d_bp} whose input gradient is unused becomes patches and GEMMs ({@link ConvBackwardRewrite}). */
    CONV2D_BP(true),
    /** The forward {@code conv2d} sharing its patches with a rewritten backward ({@link ConvForwardRewrite}). */
    CONV2D(true),
    /** The forward {@code conv2d} alone as patches and one GEMM, where it pays ({@link ConvForwardRewrite}). */
    CONV2D_FORWARD(true),
    /** One-channel patches written transposed, a run of output columns per kernel tap ({@link Im2col#transposed}). */
    PATCHES_T(true),
    /** Built-in cross-entropies as one Java step each way ({@link FusedLossRewrite}). */
    FUSED_LOSS(true),
    /** The fused forward's logs as one libnd4j {@code log}, not {@code Math.log} ({@link CrossEntropyKernels}). */
    NATIVE_LOG(true),
    /** The branch loss's batch mean and its backward folded into the fused steps ({@link LossFusion}). */
    FUSED_MEAN(true),
    /** Plain SGD as one BLAS {@code axpy} ({@link SgdUpdate}). */
    SGD(false),
    /** Adam as one Java pass over parameter, gradient and state ({@link AdamUpdate}). */
    ADAM(true);

    /** The system property naming the switched-off rewrites, read once. */
    public static final String PROPERTY = "branchwise.plan.disable";

    private static volatile Set<PlanSwitch> disabled = parse(System.getProperty(PROPERTY, ""));

    /** Whether the rewrite reads or writes native buffers from Java (off where {@link HostBuffers} forbids it). */
    private final boolean javaPass;

    PlanSwitch(boolean javaPass) {
        this.javaPass = javaPass;
    }

    /** The name used on the command line: the constant in lower case ({@code conv2d_bp}). */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether this rewrite reads or writes native buffers from Java (off where {@link HostBuffers} forbids it). */
    boolean javaPass() {
        return javaPass;
    }

    /** Whether this rewrite is on: not switched off, and not a Java pass where native buffers are out of reach. */
    public boolean enabled() {
        return !disabled.contains(this) && (!javaPass || HostBuffers.direct());
    }

    /**
     * Replaces the switched-off rewrites (tests and benchmarks; plans read the switches when they are built). No
     * argument switches every rewrite back on.
     */
    public static void disable(PlanSwitch... off) {
        disabled = off.length == 0 ? Set.of() : Set.copyOf(EnumSet.copyOf(Arrays.asList(off)));
    }

    /** The switches currently off. */
    public static Set<PlanSwitch> disabled() {
        return disabled;
    }

    /**
     * The switches a command-line list names: keys separated by commas or {@code +} (a JMH parameter cannot hold
     * commas), {@code all} for every switch, {@code none} or an empty string for none.
     *
     * @throws IllegalArgumentException for a name that is no switch
     */
    public static Set<PlanSwitch> parse(String list) {
        List<PlanSwitch> off = new ArrayList<>();
        for (String name : list.replace(" ", "").split("[,+]")) {
            if (name.isEmpty() || name.equals("none")) {
                continue;
            }
            if (name.equals("all")) {
                return Set.copyOf(EnumSet.allOf(PlanSwitch.class));
            }
            PlanSwitch match = null;
            for (PlanSwitch candidate : values()) {
                if (candidate.key().equals(name)) {
                    match = candidate;
                }
            }
            if (match == null) {
                throw new IllegalArgumentException("'" + name + "' in " + PROPERTY + " is no plan rewrite; known: "
                        + Arrays.stream(values()).map(PlanSwitch::key).toList() + ", all, none");
            }
            off.add(match);
        }
        return off.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(off));
    }
}
