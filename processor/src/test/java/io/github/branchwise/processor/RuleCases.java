package io.github.branchwise.processor;

import static io.github.branchwise.processor.RuleCase.A;
import static io.github.branchwise.processor.RuleCase.B;
import static io.github.branchwise.processor.RuleCase.C;
import static io.github.branchwise.processor.RuleCase.X;
import static io.github.branchwise.processor.RuleCase.model;
import static io.github.branchwise.processor.RuleCase.of;
import static io.github.branchwise.processor.RuleCase.source;
import static io.github.branchwise.processor.RuleCase.valid;

import io.github.branchwise.processor.validation.Message;
import java.util.List;
import java.util.Map;

/**
 * One negative case per rule of the catalog that user code can break; run under javac and ecj alike.
 *
 * <p>Each case breaks its rule and as few others as possible. Annotated members are written on one line, so that
 * javac (which reports on the annotation value) and ecj (which may report on the element) agree on the line.
 */
final class RuleCases {
    private static final String LOSS_METHOD = "SDVariable l(SDVariable target, SDVariable prediction) { return target; }";
    /** A valid branch {@code price}, which a loss method's {@code branch} may misspell. */
    static final String PRICE = "@Branch(shape = 1) @BranchLoss(Loss.MEAN_SQUARED_ERROR) SDVariable price(Layers nn) "
            + "{ return nn.dense(x(), 1); }";
    private static final String SHARED = "SDVariable trunk(Layers nn) { return nn.dense(x(), 3); }";
    /** The body of a valid expert. */
    private static final String EXPERT = "(Layers nn, SDVariable in) { return nn.dense(in, 3); }";
    /** A valid group of two experts {@code e} over input {@code x}. */
    private static final String EXPERTS = "@Experts(count = 2, input = \"x\") SDVariable e" + EXPERT;
    /** A valid gate {@code g} over group {@code e}. */
    private static final String GATE = "@Gate(experts = \"e\") abstract SDVariable g();";
    /** A valid schedule class, {@code test.S}. */
    private static final String SCHEDULE = """
            package test;

            import io.github.branchwise.runtime.weighting.WeightSchedule;

            public class S implements WeightSchedule {
                @Override
                public double[] weights(long step, long epoch, int branches) {
                    return new double[] {1, 1};
                }
            }
            """;

    private RuleCases() {
    }

    /**
     * More ways to break some rules, with the detail the message must give: run like {@link #all()}, not counted
     * in the one-case-per-rule check.
     */
    static List<RuleCase> variants() {
        return List.of(
                of(Message.WEIGHTING_ATTRIBUTE_IGNORED, "class M", model("@WeightedLoss(weighting = Weighting.RLW, "
                        + "convention = Convention.LIBMTL) public abstract class M"))
                        .saying("RLW weighting ignores @WeightedLoss.convention"),
                of(Message.WEIGHTING_ATTRIBUTE_IGNORED, "class M", model("@WeightedLoss(weighting = Weighting.PCGRAD, "
                        + "headGradients = HeadGradients.PLAIN) public abstract class M", "@Shared " + SHARED))
                        .saying("PCGRAD weighting ignores @WeightedLoss.headGradients"),
                of(Message.WEIGHTING_ATTRIBUTE_IGNORED, "class M", model("@WeightedLoss(weighting = "
                        + "Weighting.GRADNORM, epochMean = EpochMean.PER_EXAMPLE) public abstract class M",
                        "@Shared " + SHARED))
                        .saying("GRADNORM weighting without gradNormWarmup = FIRST_EPOCH ignores "
                                + "@WeightedLoss.epochMean"),
                of(Message.WEIGHTING_ATTRIBUTE_IGNORED, "class M", model("@WeightedLoss(weighting = "
                        + "Weighting.GRADNORM, gradientSource = GradientSource.REPRESENTATION, sharedLayer = \"trunk\") "
                        + "public abstract class M", "@Shared " + SHARED))
                        .saying("GRADNORM weighting with gradientSource = REPRESENTATION ignores "
                                + "@WeightedLoss.sharedLayer"),
                of(Message.WEIGHTING_ATTRIBUTE_IGNORED, "class M", model("@WeightedLoss(weighting = Weighting.DWA, "
                        + "gradientSource = GradientSource.REPRESENTATION) public abstract class M"))
                        .saying("DWA weighting ignores @WeightedLoss.gradientSource"),
                of(Message.WEIGHTING_ATTRIBUTE_IGNORED, "class M", model("@WeightedLoss(weighting = Weighting.IMTL, "
                        + "imtlMode = io.github.branchwise.annotations.ImtlMode.LOSS, gradientSource = "
                        + "GradientSource.REPRESENTATION) public abstract class M", "@Shared " + SHARED))
                        .saying("IMTL weighting with imtlMode = LOSS ignores @WeightedLoss.gradientSource"),
                of(Message.WEIGHTING_ATTRIBUTE_IGNORED, "class M", model("@WeightedLoss(weighting = "
                        + "Weighting.GRADVAC, gradientSource = GradientSource.REPRESENTATION) public abstract class M",
                        "@Shared " + SHARED))
                        .saying("GRADVAC weighting ignores @WeightedLoss.gradientSource"),
                of(Message.WEIGHTING_ATTRIBUTE_IGNORED, "class M", model("@WeightedLoss(weighting = "
                        + "Weighting.ALIGNED_MTL, gradVacBeta = 0.5) public abstract class M", "@Shared " + SHARED))
                        .saying("ALIGNED_MTL weighting ignores @WeightedLoss.gradVacBeta"),
                of(Message.NO_SHARED_PARAMETERS, "class M",
                        model("@WeightedLoss(weighting = Weighting.ALIGNED_MTL) public abstract class M"))
                        .saying("ALIGNED_MTL weighting works on the gradients of the parameters the branches share"),
                of(Message.GRADVAC_BETA, "class M", model(
                        "@WeightedLoss(weighting = Weighting.GRADVAC, gradVacBeta = Double.NaN) public abstract class M",
                        "@Shared " + SHARED))
                        .saying("GRADVAC gradVacBeta must lie in [0, 1]; NaN does not"),
                of(Message.GRADNORM_LAYER_WITH_ALL_SHARED, "class M", model("@WeightedLoss(weighting = "
                        + "Weighting.GRADNORM, gradNormScope = GradNormScope.ALL_SHARED, sharedLayer = \"trunk\") "
                        + "public abstract class M", "@Shared " + SHARED))
                        .saying("gradNormScope = ALL_SHARED measures every shared parameter, so \"trunk\" would be "
                                + "ignored"),
                of(Message.UNCERTAINTY_INITIAL_LOG_VARIANCE, "class M", model("@WeightedLoss(weighting = "
                        + "Weighting.UNCERTAINTY, initialLogVariance = Double.POSITIVE_INFINITY) public abstract class "
                        + "M")).saying("Infinity is not"),
                of(Message.INPUT_VOCABULARY, "y()", valid("@Input(shape = 2, vocabulary = 5) abstract SDVariable y();"))
                        .saying("this input holds real values (type = InputType.FLOAT)"),
                of(Message.INPUT_VOCABULARY, "y()", valid(
                        "@Input(shape = 2, type = InputType.INT, vocabulary = -1) abstract SDVariable y();"))
                        .saying("-1 is negative"),
                of(Message.INPUT_VOCABULARY, "y()", valid(
                        "@Input(shape = 2, type = InputType.INT, vocabulary = 3000000000L) abstract SDVariable y();"))
                        .saying("3000000000 is more than 32-bit ids can hold"),
                of(Message.SCHEDULED_WEIGHT_NEGATIVE, "class M", model("@WeightedLoss(weighting = "
                        + "Weighting.SCHEDULED, weights = {1, Double.NaN}, endWeights = {0, 1}) public abstract class M"))
                        .saying("weights must be finite and non-negative; NaN is not"),
                of(Message.SCHEDULE_CLASS, "class M", model("@WeightedLoss(weighting = Weighting.SCHEDULED, "
                        + "schedule = Object.class) public abstract class M"))
                        .saying("java.lang.Object does not implement WeightSchedule"),
                of(Message.SCHEDULE_CLASS, RuleCase.MODEL_FILE, "class M", Map.of(
                        RuleCase.MODEL_FILE, model("@WeightedLoss(weighting = Weighting.SCHEDULED, schedule = S.class) "
                                + "public abstract class M"),
                        "test/S.java", SCHEDULE.replace("public class S implements WeightSchedule {",
                                "public class S implements WeightSchedule {\n    public S(int steps) { }")))
                        .saying("test.S has no public no-argument constructor"),
                of(Message.SCHEDULE_CLASS, RuleCase.MODEL_FILE, "class M", Map.of(
                        RuleCase.MODEL_FILE, model("@WeightedLoss(weighting = Weighting.SCHEDULED, "
                                + "schedule = Outer.S.class) public abstract class M"),
                        "test/Outer.java", SCHEDULE.replace("public class S", "public class Outer {\npublic class S")
                                + "}\n"))
                        .saying("test.Outer.S is an inner class: make it static"),
                of(Message.SCHEDULE_CLASS, RuleCase.MODEL_FILE, "class M", Map.of(
                        RuleCase.MODEL_FILE, model("@WeightedLoss(weighting = Weighting.SCHEDULED, schedule = S.class) "
                                + "public abstract class M"),
                        "test/S.java", "package test;\n\npublic interface S extends "
                                + "io.github.branchwise.runtime.weighting.WeightSchedule {\n}\n"))
                        .saying("test.S is an interface"),
                of(Message.STRATEGY_CLASS, RuleCase.MODEL_FILE, "class M", Map.of(
                        RuleCase.MODEL_FILE, model("@WeightedLoss(weighting = Weighting.CUSTOM, strategy = W.class) "
                                + "public abstract class M"),
                        "test/W.java", "package test;\n\npublic abstract class W implements "
                                + "io.github.branchwise.runtime.weighting.Weighter {\n}\n"))
                        .saying("test.W is abstract"),
                of(Message.WEIGHTING_CLASS_IGNORED, "class M", model("@WeightedLoss(weighting = Weighting.FIXED, "
                        + "weights = {1, 1}, strategy = Object.class) public abstract class M"))
                        .saying("@WeightedLoss.strategy is for Weighting.CUSTOM only, and Weighting.FIXED would ignore"),
                of(Message.WEIGHTING_ATTRIBUTE_IGNORED, RuleCase.MODEL_FILE, "class M", Map.of(
                        RuleCase.MODEL_FILE, model("@WeightedLoss(weighting = Weighting.SCHEDULED, schedule = S.class, "
                                + "rampLength = 5) public abstract class M"),
                        "test/S.java", SCHEDULE))
                        .saying("SCHEDULED weighting with a schedule class ignores @WeightedLoss.rampLength"),
                of(Message.WEIGHTING_ATTRIBUTE_IGNORED, "class M", model("@WeightedLoss(weighting = Weighting.MGDA, "
                        + "sharedLayer = \"trunk\") public abstract class M", "@Shared " + SHARED))
                        .saying("MGDA weighting ignores @WeightedLoss.sharedLayer"),
                of(Message.UNKNOWN_SHARED_LAYER, "class M", model(
                        "@WeightedLoss(weighting = Weighting.GRADNORM, sharedLayer = \"trunc\") public abstract class M",
                        "@Shared " + SHARED))
                        .saying("there is no @Shared method 'trunc'; did you mean 'trunk'?"),
                of(Message.MISSING_STRATEGY, "class M", model("@WeightedLoss(weighting = Weighting.CUSTOM, "
                        + "strategy = void.class) public abstract class M")),
                of(Message.PART_NAME_CLASH, "weighting(", valid("@Branch(shape = 1) "
                        + "@BranchLoss(Loss.MEAN_SQUARED_ERROR) SDVariable weighting() { return null; }"))
                        .saying("The generated enum MPart has one constant per @Shared method, @Experts group, "
                                + "@Gate, @Stitch, per branch and WEIGHTING, named in upper snake case after its "
                                + "parameter group; the weighting and branch 'weighting' would both be WEIGHTING"),
                of(Message.PART_NAME_CLASH, "sharedTrunk(", valid(
                        "@Shared SDVariable shared_trunk(Layers nn) { return null; }",
                        "@Shared SDVariable sharedTrunk(Layers nn) { return null; }"))
                        .saying("@Shared method shared_trunk() and @Shared method sharedTrunk() would both be "
                                + "SHARED_TRUNK"),
                of(Message.GENERATED_NAME_TAKEN, RuleCase.MODEL_FILE, "class M", Map.of(
                        RuleCase.MODEL_FILE, valid(),
                        "test/MPart.java", "package test;\n\npublic enum MPart {\n}\n"))
                        .saying("The generated type test.MPart would clash"),
                of(Message.GENERATED_NAME_TAKEN, RuleCase.MODEL_FILE, "class M", Map.of(
                        RuleCase.MODEL_FILE, valid(),
                        "test/MMetrics.java", "package test;\n\npublic record MMetrics(double accuracy) {\n}\n"))
                        .saying("The generated type test.MMetrics would clash"),
                of(Message.GENERATED_NAME_TAKEN, RuleCase.MODEL_FILE, "class M", Map.of(
                        RuleCase.MODEL_FILE, valid(),
                        "test/MEpoch.java", "package test;\n\npublic class MEpoch {\n}\n"))
                        .saying("The generated type test.MEpoch would clash"),
                of(Message.GENERATED_NAME_TAKEN, RuleCase.MODEL_FILE, "class M", Map.of(
                        RuleCase.MODEL_FILE, valid(),
                        "test/MHistory.java", "package test;\n\ninterface MHistory {\n}\n"))
                        .saying("The generated type test.MHistory would clash"),
                of(Message.GENERATED_NAME_TAKEN, RuleCase.MODEL_FILE, "class M", Map.of(
                        RuleCase.MODEL_FILE, valid(),
                        "test/MExamplePrediction.java", "package test;\n\npublic record MExamplePrediction() {\n}\n"))
                        .saying("The generated type test.MExamplePrediction would clash"),
                // The other model of a shared name is told too, whichever is processed first.
                of(Message.GENERATED_NAME_SHARED, "test/MExample.java", "class MExample", Map.of(
                        RuleCase.MODEL_FILE, valid(),
                        "test/MExample.java", model("@WeightedLoss public abstract class MExample")))
                        .saying("this one (MExample + Prediction) and test.M (M + ExamplePrediction)"),
                of(Message.GENERATED_NAME_SHARED, "test/Outer.java", "abstract static class M", Map.of(
                        "test/Outer.java", source("public class Outer",
                                "@WeightedLoss public abstract static class M {", X, A, B, "}"),
                        "test/OuterMExample.java", model("@WeightedLoss public abstract class OuterMExample")))
                        .saying("test.OuterMExamplePrediction would be generated for two models: this one "
                                + "(OuterM + ExamplePrediction) and test.OuterMExample"),
                of(Message.UNKNOWN_BRANCH, "l(", valid(PRICE, "@BranchLoss(branch = \"prcie\") " + LOSS_METHOD))
                        .saying("there is no branch 'prcie'; did you mean 'price'?"),
                of(Message.HISTORY_COLUMN_CLASH, "val_b(", valid("@Branch(shape = 1) "
                        + "@BranchLoss(Loss.MEAN_SQUARED_ERROR) SDVariable val_b() { return null; }"))
                        .saying("branch 'val_b' would take the validation columns of branch 'b' (val_b_loss)"),
                // Experts, gates and stitches in the existing rules.
                of(Message.HISTORY_COLUMN_CLASH, "g_p()", valid(
                        "@Experts(count = 1, input = \"x\") SDVariable p_q" + EXPERT,
                        "@Experts(count = 1, input = \"x\") SDVariable q" + EXPERT,
                        "@Gate(experts = \"p_q\") abstract SDVariable g();",
                        "@Gate(experts = \"q\") abstract SDVariable g_p();"))
                        .saying("gate 'g_p' and group 'q' would give column g_p_q_0, as gate 'g' and group 'p_q' do"),
                of(Message.GENERATED_NAME_TAKEN, RuleCase.MODEL_FILE, "class M", Map.of(
                        RuleCase.MODEL_FILE, valid(EXPERTS, GATE),
                        "test/MGateWeights.java", "package test;\n\npublic class MGateWeights {\n}\n"))
                        .saying("The generated type test.MGateWeights would clash"),
                of(Message.CONFLICTING_ANNOTATIONS, "SDVariable e(", valid(GATE,
                        "@Shared @Experts(count = 2, input = \"x\") SDVariable e" + EXPERT))
                        .saying("e is @Shared and @Experts"),
                of(Message.CONFLICTING_ANNOTATIONS, "g()", valid(
                        "@Gate(experts = \"e\") @Stitch(parts = {\"x\", \"x\"}) abstract SDVariable g();"))
                        .saying("g is @Gate and @Stitch"),
                of(Message.METHOD_ABSTRACT, "SDVariable e(", valid(GATE,
                        "@Experts(count = 2, input = \"x\") abstract SDVariable e(Layers nn, SDVariable in);"))
                        .saying("@Experts methods must have a body"),
                of(Message.PART_NAME_CLASH, "clickGate()", valid(
                        "@Experts(count = 2, input = \"x\") SDVariable click_gate" + EXPERT,
                        "@Gate(experts = \"click_gate\") abstract SDVariable clickGate();"))
                        .saying("@Experts group click_gate() and @Gate clickGate() would both be CLICK_GATE"),
                of(Message.UNKNOWN_PART, "s()", valid("@Shared " + SHARED,
                        "@Stitch(parts = {\"trunk\", \"trunc2\"}) abstract SDVariable s();"))
                        .saying("@Stitch.parts must name an @Input, @Shared, @Gate or @Stitch method of this model; "
                                + "there is no such method 'trunc2'"),
                of(Message.UNKNOWN_PART, "g()", valid(EXPERTS,
                        "@Gate(experts = \"e\", input = \"trunk\") abstract SDVariable g();"))
                        .saying("@Gate.input must name"),
                of(Message.STITCH_PARTS, "s()", valid("@Shared " + SHARED,
                        "@Stitch(parts = {\"trunk\", \"trunk\"}) abstract SDVariable s();"))
                        .saying("s() names 'trunk' twice"),
                of(Message.PART_CYCLE, "g()", valid(EXPERTS,
                        "@Gate(experts = \"e\", input = \"g\") abstract SDVariable g();"))
                        .saying("g -> g"),
                of(Message.PART_CYCLE, "s1()", valid(
                        "@Stitch(parts = {\"x\", \"s2\"}) abstract SDVariable s1();",
                        "@Stitch(parts = {\"x\", \"s1\"}) abstract SDVariable s2();"))
                        .saying("s1 -> s2 -> s1"),
                of(Message.STITCH_SIGNATURE, "s()", valid("@Stitch(parts = {\"x\", \"trunk\"}) "
                        + "SDVariable s() { return null; }", "@Shared " + SHARED))
                        .saying("s has a body"));
    }

    static List<RuleCase> all() {
        return List.of(
                // The model class.
                of(Message.MODEL_NOT_CLASS, "interface M",
                        source("@WeightedLoss public interface M", "@Input(shape = 4) SDVariable x();")),
                of(Message.MODEL_FINAL, "final class M", source("@WeightedLoss public final class M")),
                of(Message.MODEL_NOT_ABSTRACT, "public class M", source("@WeightedLoss public class M")),
                of(Message.MODEL_PRIVATE, "test/Outer.java", "private abstract static class M", Map.of(
                        "test/Outer.java", source("public class Outer",
                                "@WeightedLoss private abstract static class M {", X, A, B, "}"))),
                of(Message.MODEL_NESTING, "test/Outer.java", "abstract class M", Map.of(
                        "test/Outer.java", source("public class Outer",
                                "@WeightedLoss abstract class M {", X, A, B, "}"))),
                of(Message.MODEL_GENERIC, "class M<T>", model("@WeightedLoss public abstract class M<T>")),
                of(Message.MODEL_CONSTRUCTOR, "class M", valid("M(int size) { }")),
                of(Message.MISSING_WEIGHTED_LOSS, "class M", model("public abstract class M")),
                of(Message.TOO_FEW_BRANCHES, "class M", source("@WeightedLoss public abstract class M", X, A)),
                of(Message.NO_INPUT, "class M", source("@WeightedLoss public abstract class M",
                        "SDVariable x() { return null; }", A, B)),
                of(Message.ABSTRACT_METHOD, "helper()", valid("abstract SDVariable helper();")),
                of(Message.GENERATED_NAME_TAKEN, RuleCase.MODEL_FILE, "class M", Map.of(
                        RuleCase.MODEL_FILE, valid(),
                        "test/MLosses.java", "package test;\n\npublic class MLosses {\n}\n")),
                of(Message.AMBIGUOUS_NESTED_NAME, "test/Outer.java", "abstract static class M", Map.of(
                        "test/Outer.java", source("public class Outer",
                                "@WeightedLoss public abstract static class M {", X, A, B, "}"),
                        "test/OuterM.java", model("@WeightedLoss public abstract class OuterM"))),
                of(Message.GENERATED_NAME_SHARED, RuleCase.MODEL_FILE, "class M", Map.of(
                        RuleCase.MODEL_FILE, valid(),
                        "test/MExample.java", model("@WeightedLoss public abstract class MExample")))
                        .saying("The generated type test.MExamplePrediction would be generated for two models: this "
                                + "one (M + ExamplePrediction) and test.MExample (MExample + Prediction)"),

                // Any annotated method.
                of(Message.METHOD_PRIVATE, "trunk(", valid("@Shared private " + SHARED)),
                of(Message.METHOD_STATIC, "trunk(", valid("@Shared static SDVariable trunk(Layers nn) { return null; }")),
                of(Message.METHOD_GENERIC, "trunk(", valid("@Shared <T> " + SHARED)),
                of(Message.METHOD_THROWS, "trunk(", valid(
                        "@Shared SDVariable trunk(Layers nn) throws java.io.IOException { return null; }")),
                of(Message.METHOD_ABSTRACT, "trunk(", valid("@Shared abstract SDVariable trunk(Layers nn);")),
                of(Message.CONFLICTING_ANNOTATIONS, "y()", valid("@Input(shape = 2) @Shared abstract SDVariable y();")),

                // @Input.
                of(Message.INPUT_RETURN_TYPE, "y()", valid("@Input(shape = 2) abstract Object y();")),
                of(Message.INPUT_NOT_ABSTRACT, "y()", valid("@Input(shape = 2) SDVariable y() { return null; }")),
                of(Message.INPUT_PARAMETERS, "y(int", valid("@Input(shape = 2) abstract SDVariable y(int i);")),
                of(Message.INPUT_VOCABULARY, "y()", valid("@Input(shape = 2, vocabulary = 5) abstract SDVariable y();")),

                // @Branch and @Shared.
                of(Message.BRANCH_RETURN_TYPE, "c(", valid(
                        "@Branch(shape = 1) @BranchLoss(Loss.MEAN_SQUARED_ERROR) Object c(Layers nn) { return null; }")),
                of(Message.BRANCH_PARAMETERS, "c(", valid("@Branch(shape = 1) @BranchLoss(Loss.MEAN_SQUARED_ERROR) "
                        + "SDVariable c(Layers nn, int units) { return null; }")),
                of(Message.SHARED_RETURN_TYPE, "trunk(", valid("@Shared Object trunk(Layers nn) { return null; }")),
                of(Message.SHARED_PARAMETERS, "trunk(", valid("@Shared SDVariable trunk(SDVariable in) { return in; }")),
                of(Message.SHARED_FINAL, "trunk(", valid("@Shared final " + SHARED)),
                of(Message.SHARED_OVERLOADED, "@Shared", valid("@Shared " + SHARED,
                        "SDVariable trunk() { return null; }")),

                // Names and shapes.
                of(Message.INVALID_NAME, "my-branch", valid("@Branch(shape = 1, name = \"my-branch\") "
                        + "@BranchLoss(Loss.MEAN_SQUARED_ERROR) SDVariable c(Layers nn) { return null; }")),
                of(Message.RESERVED_NAME, "total", valid("@Branch(shape = 1, name = \"total\") "
                        + "@BranchLoss(Loss.MEAN_SQUARED_ERROR) SDVariable c(Layers nn) { return null; }")),
                of(Message.DUPLICATE_NAME, "name = \"x\"", valid("@Branch(shape = 1, name = \"x\") "
                        + "@BranchLoss(Loss.MEAN_SQUARED_ERROR) SDVariable c(Layers nn) { return null; }")),
                of(Message.HISTORY_COLUMN_CLASH, "name = \"val_a\"", valid("@Branch(shape = 1, name = \"val_a\") "
                        + "@BranchLoss(Loss.MEAN_SQUARED_ERROR) SDVariable c() { return null; }")),
                of(Message.PART_NAME_CLASH, "name = \"trunk\"", valid("@Shared " + SHARED, "@Branch(shape = 1, "
                        + "name = \"trunk\") @BranchLoss(Loss.MEAN_SQUARED_ERROR) SDVariable c() { return null; }")),
                of(Message.SHAPE_DIMENSION, "c(", valid(
                        "@Branch(shape = {3, 0}) @BranchLoss(Loss.MEAN_SQUARED_ERROR) SDVariable c() { return null; }")),
                of(Message.SHAPE_NO_CLASS_AXIS, "c(", valid("@Branch(shape = {}) "
                        + "@BranchLoss(Loss.CATEGORICAL_CROSSENTROPY) SDVariable c() { return null; }")),

                // Losses.
                of(Message.BRANCH_LOSS_RETURN_TYPE, "l(", valid(C,
                        "@BranchLoss(branch = \"c\") double l(SDVariable target, SDVariable prediction) { return 0; }")),
                of(Message.LOSS_METHOD_PARAMETERS, "l(", valid(C,
                        "@BranchLoss(branch = \"c\") SDVariable l(SDVariable prediction) { return prediction; }")),
                of(Message.CUSTOM_LOSS_ON_BRANCH, "c(", valid(
                        "@Branch(shape = 1) @BranchLoss(Loss.CUSTOM) SDVariable c() { return null; }")),
                of(Message.BRANCH_ATTRIBUTE_ON_BRANCH, "c(", valid("@Branch(shape = 1) "
                        + "@BranchLoss(value = Loss.MEAN_SQUARED_ERROR, branch = \"c\") SDVariable c() { return null; }")),
                of(Message.BUILT_IN_LOSS_ON_METHOD, "l(", valid(C,
                        "@BranchLoss(value = Loss.MEAN_SQUARED_ERROR, branch = \"c\") " + LOSS_METHOD)),
                of(Message.LOSS_METHOD_WITHOUT_BRANCH, "l(", valid(C, "@BranchLoss " + LOSS_METHOD)),
                of(Message.UNKNOWN_BRANCH, "l(", valid(
                        "@Branch(shape = 1) SDVariable localization() { return null; }",
                        "@BranchLoss(branch = \"locaization\") " + LOSS_METHOD)),
                of(Message.BRANCH_WITHOUT_LOSS, "c(", valid(C)),
                of(Message.BRANCH_LOSS_TWICE, "l2(", valid(C,
                        "@BranchLoss(branch = \"c\") " + LOSS_METHOD,
                        "@BranchLoss(branch = \"c\") " + LOSS_METHOD.replace(" l(", " l2("))),
                of(Message.BUILT_IN_AND_LOSS_METHOD, "l(", valid("@BranchLoss(branch = \"a\") " + LOSS_METHOD)),
                of(Message.HUBER_DELTA, "c(", valid(
                        "@Branch(shape = 1) @BranchLoss(value = Loss.HUBER, delta = 0) SDVariable c() { return null; }")),
                of(Message.DELTA_IGNORED, "c(", valid("@Branch(shape = 1) "
                        + "@BranchLoss(value = Loss.MEAN_SQUARED_ERROR, delta = 2) SDVariable c() { return null; }")),

                // Experts, gates and stitches.
                of(Message.EXPERTS_SIGNATURE, "SDVariable e(", valid(GATE,
                        "@Experts(count = 2, input = \"x\") SDVariable e(Layers nn) { return null; }"))
                        .saying("e takes (io.github.branchwise.runtime.Layers)"),
                of(Message.EXPERTS_COUNT, "count = 0", valid(GATE,
                        "@Experts(count = 0, input = \"x\") SDVariable e" + EXPERT))
                        .saying("count must be at least 1; 0 is not"),
                of(Message.GATE_SIGNATURE, "g(", valid(EXPERTS,
                        "@Gate(experts = \"e\") SDVariable g(Layers nn) { return null; }"))
                        .saying("g has a body and takes (io.github.branchwise.runtime.Layers)"),
                of(Message.STITCH_SIGNATURE, "s()", valid("@Shared " + SHARED,
                        "@Stitch(parts = {\"x\", \"trunk\"}) abstract Object s();"))
                        .saying("s returns java.lang.Object"),
                of(Message.GATE_WITHOUT_EXPERTS, "g()", valid("@Gate(experts = {}) abstract SDVariable g();"))
                        .saying("g() names none"),
                of(Message.UNKNOWN_EXPERTS, "\"clickOwm\"", valid(
                        "@Experts(count = 2, input = \"x\") SDVariable clickOwn" + EXPERT,
                        "@Gate(experts = \"clickOwm\") abstract SDVariable clickGate();"))
                        .saying("there is no @Experts method 'clickOwm'; did you mean 'clickOwn'?"),
                of(Message.EXPERTS_TWICE, "g()", valid(EXPERTS,
                        "@Gate(experts = {\"e\", \"e\"}) abstract SDVariable g();"))
                        .saying("g() lists 'e' twice"),
                of(Message.UNKNOWN_PART, "\"trunc\"", valid("@Shared " + SHARED, GATE,
                        "@Experts(count = 2, input = \"trunc\") SDVariable e" + EXPERT))
                        .saying("there is no such method 'trunc'; did you mean 'trunk'?"),
                of(Message.GATE_INPUT_AMBIGUOUS, "g()", valid("@Shared " + SHARED, EXPERTS,
                        "@Experts(count = 2, input = \"trunk\") SDVariable f" + EXPERT,
                        "@Gate(experts = {\"e\", \"f\"}) abstract SDVariable g();"))
                        .saying("'e' reads 'x' and 'f' reads 'trunk'"),
                of(Message.PART_CYCLE, "SDVariable e(", valid(GATE,
                        "@Experts(count = 2, input = \"g\") SDVariable e" + EXPERT))
                        .saying("e -> g -> e"),
                of(Message.STITCH_PARTS, "s()", valid("@Stitch(parts = \"x\") abstract SDVariable s();"))
                        .saying("s() names one"),
                of(Message.STITCH_INIT, "s()", valid("@Shared " + SHARED,
                        "@Stitch(parts = {\"trunk\", \"x\"}, own = Double.NaN) abstract SDVariable s();"))
                        .saying("own = NaN is not"),
                of(Message.EXPERTS_UNUSED, "SDVariable e(", valid(EXPERTS)),

                // Weighting.
                of(Message.UNSUPPORTED_WEIGHTING, RuleCase.MODEL_FILE, "class M", Map.of(
                        RuleCase.MODEL_FILE, model("@WeightedLoss(weighting = Weighting.NEWER) public abstract class M"),
                        // An annotations jar newer than the processor, with a strategy the processor does not know.
                        "io/github/branchwise/annotations/Weighting.java",
                        "package io.github.branchwise.annotations;\n\npublic enum Weighting { FIXED, TRAINABLE, NEWER }\n")),
                of(Message.FIXED_WEIGHT_COUNT, "class M",
                        model("@WeightedLoss(weighting = Weighting.FIXED, weights = {1}) public abstract class M")),
                of(Message.FIXED_WEIGHT_NEGATIVE, "class M",
                        model("@WeightedLoss(weighting = Weighting.FIXED, weights = {1, -1}) public abstract class M")),
                of(Message.FIXED_WEIGHTS_ZERO, "class M",
                        model("@WeightedLoss(weighting = Weighting.FIXED, weights = {0, 0}) public abstract class M")),
                of(Message.TRAINABLE_BOUNDS, "class M",
                        model("@WeightedLoss(min = 0.8, max = 0.2) public abstract class M")),
                of(Message.TRAINABLE_INFEASIBLE, "class M",
                        model("@WeightedLoss(min = 0.5) public abstract class M",
                                "@Branch(shape = 1) @BranchLoss(Loss.MEAN_SQUARED_ERROR) SDVariable c() { return null; }")),
                of(Message.TRAINABLE_INITIAL, "class M",
                        model("@WeightedLoss(initial = 0.9, max = 0.8) public abstract class M")),
                of(Message.WEIGHTING_ATTRIBUTE_IGNORED, "class M",
                        model("@WeightedLoss(weights = {1, 2}) public abstract class M")),
                of(Message.SCHEDULED_WEIGHT_COUNT, "class M", model("@WeightedLoss(weighting = Weighting.SCHEDULED, "
                        + "weights = {1, 0}, endWeights = {1}) public abstract class M")),
                of(Message.SCHEDULED_WEIGHT_NEGATIVE, "class M", model("@WeightedLoss(weighting = Weighting.SCHEDULED, "
                        + "weights = {1, 0}, endWeights = {0, -1}) public abstract class M")),
                of(Message.SCHEDULED_WEIGHTS_ZERO, "class M", model("@WeightedLoss(weighting = Weighting.SCHEDULED, "
                        + "weights = {0, 0}, endWeights = {1, 1}) public abstract class M")),
                of(Message.RAMP_LENGTH, "class M", model("@WeightedLoss(weighting = Weighting.SCHEDULED, "
                        + "weights = {1, 0}, endWeights = {0, 1}, rampLength = 0) public abstract class M")),
                of(Message.SCHEDULE_CLASS, RuleCase.MODEL_FILE, "class M", Map.of(
                        RuleCase.MODEL_FILE, model("@WeightedLoss(weighting = Weighting.SCHEDULED, schedule = S.class) "
                                + "public abstract class M"),
                        "test/S.java", SCHEDULE.replace("public class S", "public abstract class S"))),
                of(Message.MISSING_STRATEGY, "class M",
                        model("@WeightedLoss(weighting = Weighting.CUSTOM) public abstract class M")),
                of(Message.STRATEGY_CLASS, "class M", model("@WeightedLoss(weighting = Weighting.CUSTOM, "
                        + "strategy = String.class) public abstract class M")),
                of(Message.WEIGHTING_CLASS_IGNORED, RuleCase.MODEL_FILE, "class M", Map.of(
                        RuleCase.MODEL_FILE, model("@WeightedLoss(weighting = Weighting.DWA, schedule = S.class) "
                                + "public abstract class M"),
                        "test/S.java", SCHEDULE)),
                of(Message.DWA_TEMPERATURE, "class M",
                        model("@WeightedLoss(weighting = Weighting.DWA, temperature = 0) public abstract class M")),
                of(Message.GRADNORM_ASYMMETRY, "class M", model(
                        "@WeightedLoss(weighting = Weighting.GRADNORM, asymmetry = -0.5) public abstract class M",
                        "@Shared " + SHARED)),
                of(Message.GRADNORM_WITHOUT_SHARED, "class M",
                        model("@WeightedLoss(weighting = Weighting.GRADNORM) public abstract class M")),
                of(Message.UNKNOWN_SHARED_LAYER, "class M", model(
                        "@WeightedLoss(weighting = Weighting.GRADNORM, sharedLayer = \"trunc\") public abstract class M",
                        "@Shared " + SHARED)),
                of(Message.SHARED_LAYER_WITHOUT_LAYERS, "class M", model(
                        "@WeightedLoss(weighting = Weighting.GRADNORM) public abstract class M",
                        "@Shared " + SHARED, "@Shared SDVariable features() { return x(); }")),
                of(Message.CAGRAD_RADIUS, "class M", model(
                        "@WeightedLoss(weighting = Weighting.CAGRAD, caGradRadius = -0.5) public abstract class M",
                        "@Shared " + SHARED)),
                of(Message.CAGRAD_RESCALE, "class M", model(
                        "@WeightedLoss(weighting = Weighting.CAGRAD, caGradRescale = 3) public abstract class M",
                        "@Shared " + SHARED)),
                of(Message.NO_SHARED_PARAMETERS, "class M",
                        model("@WeightedLoss(weighting = Weighting.PCGRAD) public abstract class M")),
                of(Message.UNCERTAINTY_INITIAL_LOG_VARIANCE, "class M", model("@WeightedLoss(weighting = "
                        + "Weighting.UNCERTAINTY, initialLogVariance = Double.NaN) public abstract class M")),
                of(Message.GRADNORM_LAYER_WITH_ALL_SHARED, "class M", model("@WeightedLoss(weighting = "
                        + "Weighting.GRADNORM, convention = Convention.LIBMTL, sharedLayer = \"trunk\") "
                        + "public abstract class M", "@Shared " + SHARED)),
                of(Message.STCH_MU, "class M",
                        model("@WeightedLoss(weighting = Weighting.STCH, stchMu = 0) public abstract class M")),
                of(Message.STCH_WARMUP_EPOCHS, "class M", model(
                        "@WeightedLoss(weighting = Weighting.STCH, stchWarmupEpochs = -1) public abstract class M")),
                of(Message.FAMO_LEARNING_RATE, "class M", model(
                        "@WeightedLoss(weighting = Weighting.FAMO, famoLearningRate = -0.1) public abstract class M")),
                of(Message.FAMO_WEIGHT_DECAY, "class M", model(
                        "@WeightedLoss(weighting = Weighting.FAMO, famoWeightDecay = -1) public abstract class M")),
                of(Message.GRADVAC_BETA, "class M", model(
                        "@WeightedLoss(weighting = Weighting.GRADVAC, gradVacBeta = 1.5) public abstract class M",
                        "@Shared " + SHARED)),
                of(Message.SDMGRAD_LAMBDA, "class M", model(
                        "@WeightedLoss(weighting = Weighting.SDMGRAD, sdmGradLambda = -0.3) public abstract class M",
                        "@Shared " + SHARED)),
                of(Message.SDMGRAD_ITERATIONS, "class M", model(
                        "@WeightedLoss(weighting = Weighting.SDMGRAD, sdmGradIterations = 0) public abstract class M",
                        "@Shared " + SHARED)),
                of(Message.MODO_GAMMA, "class M", model(
                        "@WeightedLoss(weighting = Weighting.MODO, modoGamma = 0) public abstract class M",
                        "@Shared " + SHARED)),
                of(Message.MODO_RHO, "class M", model(
                        "@WeightedLoss(weighting = Weighting.MODO, modoRho = Double.NaN) public abstract class M",
                        "@Shared " + SHARED)),
                of(Message.NASH_MTL_MAX_NORM, "class M", model(
                        "@WeightedLoss(weighting = Weighting.NASH_MTL, nashMtlMaxNorm = -1) public abstract class M",
                        "@Shared " + SHARED)),
                of(Message.NASH_MTL_UPDATE_EVERY, "class M", model(
                        "@WeightedLoss(weighting = Weighting.NASH_MTL, nashMtlUpdateEvery = 0) public abstract class M",
                        "@Shared " + SHARED)),
                of(Message.FAIRGRAD_ALPHA, "class M", model(
                        "@WeightedLoss(weighting = Weighting.FAIRGRAD, fairGradAlpha = 0) public abstract class M",
                        "@Shared " + SHARED)),
                of(Message.GRADDROP_LEAK, "class M", model("@WeightedLoss(weighting = Weighting.GRADDROP, "
                        + "gradDropLeak = 1.5) public abstract class M", "@Shared " + SHARED)),
                of(Message.DB_MTL_BETA, "class M", model("@WeightedLoss(weighting = Weighting.DB_MTL, "
                        + "dbMtlBeta = -0.1) public abstract class M", "@Shared " + SHARED)),
                of(Message.DB_MTL_BETA_SIGMA, "class M", model("@WeightedLoss(weighting = Weighting.DB_MTL, "
                        + "dbMtlBetaSigma = -1) public abstract class M", "@Shared " + SHARED)),
                of(Message.MOCO_BETA, "class M", model("@WeightedLoss(weighting = Weighting.MOCO, "
                        + "mocoBeta = 0) public abstract class M", "@Shared " + SHARED)),
                of(Message.MOCO_BETA_SIGMA, "class M", model("@WeightedLoss(weighting = Weighting.MOCO, "
                        + "mocoBetaSigma = -0.5) public abstract class M", "@Shared " + SHARED)),
                of(Message.MOCO_GAMMA, "class M", model("@WeightedLoss(weighting = Weighting.MOCO, "
                        + "mocoGamma = Double.POSITIVE_INFINITY) public abstract class M", "@Shared " + SHARED)),
                of(Message.MOCO_GAMMA_SIGMA, "class M", model("@WeightedLoss(weighting = Weighting.MOCO, "
                        + "mocoGammaSigma = -1) public abstract class M", "@Shared " + SHARED)),
                of(Message.MOCO_RHO, "class M", model("@WeightedLoss(weighting = Weighting.MOCO, "
                        + "mocoRho = Double.NaN) public abstract class M", "@Shared " + SHARED)),
                of(Message.EXCESS_MTL_STEP_SIZE, "class M", model("@WeightedLoss(weighting = Weighting.EXCESS_MTL, "
                        + "excessMtlStepSize = -0.01) public abstract class M", "@Shared " + SHARED)),

                // Processing.
                of(Message.UNRESOLVED_TYPES, "class M", valid("Missing helper() { return null; }")),
                of(Message.INVALID_ATTRIBUTE, "c(", valid(
                        "@Branch(shape = 1) @BranchLoss(Loss.NOPE) SDVariable c() { return null; }")));
    }
}
