package io.github.branchwise.processor.validation;

import java.util.Locale;
import javax.tools.Diagnostic;

/**
 * Every diagnostic the processor prints: one constant per rule, its stable tag and its text.
 *
 * <p>Each text states the rule rather than the symptom, so that the message is also the fix; the tag in square
 * brackets never changes, so that users and tests can search for it. README's "Errors you may see" lists this
 * catalog; tests check that every constant has a negative test.
 */
public enum Message {
    // ----- The model class -----
    /** {@code @WeightedLoss} on something other than a class. */
    MODEL_NOT_CLASS("ModelNotClass", "@WeightedLoss applies to abstract classes only; %s is %s"),
    /** A final model class. */
    MODEL_FINAL("ModelFinal", "A @WeightedLoss class must not be final: the generated code extends it"),
    /** A model class that is not abstract. */
    MODEL_NOT_ABSTRACT("ModelNotAbstract",
            "A @WeightedLoss class must be abstract: the generated code implements its @Input methods"),
    /** A private model class. */
    MODEL_PRIVATE("ModelPrivate",
            "A @WeightedLoss class, and every class enclosing it, must not be private: the generated code extends it"),
    /** A non-static inner or local model class. */
    MODEL_NESTING("ModelNesting",
            "A @WeightedLoss class must be top-level or a static nested class; %s is %s"),
    /** A generic model class. */
    MODEL_GENERIC("ModelGeneric", "A @WeightedLoss class must not have type parameters"),
    /** No constructor the generated subclass can call. */
    MODEL_CONSTRUCTOR("ModelConstructor",
            "A @WeightedLoss class needs a non-private constructor without parameters that throws no checked "
                    + "exception: the generated code extends it"),
    /** Model annotations in a class without {@code @WeightedLoss}. */
    MISSING_WEIGHTED_LOSS("MissingWeightedLoss",
            "A class with @Input, @Branch, @Shared, @BranchLoss, @Experts, @Gate or @Stitch methods must be "
                    + "annotated @WeightedLoss; %s is not"),
    /** Fewer than two branches. */
    TOO_FEW_BRANCHES("TooFewBranches",
            "A @WeightedLoss class needs at least two @Branch methods, one per output to weigh; found %d"),
    /** No input. */
    NO_INPUT("NoInput", "A @WeightedLoss class needs at least one @Input method"),
    /** An abstract method the generated code cannot implement. */
    ABSTRACT_METHOD("AbstractMethod",
            "The only abstract methods of a @WeightedLoss class must be @Input, @Gate or @Stitch methods; the "
                    + "generated code cannot implement %s"),
    /** A generated type's name is taken by another type of the package. */
    GENERATED_NAME_TAKEN("GeneratedNameTaken",
            "The generated type %s would clash with the existing type of that name; rename one of them"),
    /** A nested model whose generated names could also belong to another model. */
    AMBIGUOUS_NESTED_NAME("AmbiguousNestedName",
            "The types generated for a nested model are named after its enclosing classes and itself joined "
                    + "(%s...); model %s would get the same names, rename one of them"),
    /** Two models with different prefixes one of whose generated names is the other's ({@code XExamplePrediction}). */
    GENERATED_NAME_SHARED("GeneratedNameShared",
            "The generated type %s would be generated for two models: this one (%s + %s) and %s (%s + %s); "
                    + "rename one of them"),

    // ----- Annotated methods, whatever their annotation -----
    /** A private annotated method. */
    METHOD_PRIVATE("MethodPrivate", "@%s methods must not be private: the generated code calls or implements them"),
    /** A static annotated method. */
    METHOD_STATIC("MethodStatic", "@%s methods must not be static: the generated code overrides or calls them"),
    /** A generic annotated method. */
    METHOD_GENERIC("MethodGeneric", "@%s methods must not have type parameters"),
    /** An annotated method declaring checked exceptions. */
    METHOD_THROWS("MethodThrows", "@%s methods must not declare checked exceptions; %s declares %s"),
    /** An abstract branch, shared or loss method. */
    METHOD_ABSTRACT("MethodAbstract", "@%s methods must have a body: they build part of the graph"),
    /** Two roles ({@code @Input}, {@code @Branch}, {@code @Shared}, {@code @Experts}, ...) on one method. */
    CONFLICTING_ANNOTATIONS("ConflictingAnnotations",
            "A method can be only one of @Input, @Branch, @Shared, @Experts, @Gate or @Stitch, and @BranchLoss goes "
                    + "on a @Branch method or alone; %s is %s"),

    // ----- @Input -----
    /** An {@code @Input} that does not return SDVariable. */
    INPUT_RETURN_TYPE("InputReturnType", "@Input methods must return SDVariable; %s returns %s"),
    /** An {@code @Input} with a body. */
    INPUT_NOT_ABSTRACT("InputNotAbstract",
            "@Input methods must be abstract: the generated code implements them with the input's placeholder"),
    /** An {@code @Input} with parameters. */
    INPUT_PARAMETERS("InputParameters", "@Input methods must take no parameters"),
    /** A vocabulary on a FLOAT input, or one out of range. */
    INPUT_VOCABULARY("InputVocabulary",
            "@Input's vocabulary is the number of distinct ids of an input declared type = InputType.INT, from 1 to "
                    + "2147483647 (32-bit ids), or 0 when not declared; %s"),

    // ----- @Branch and @Shared -----
    /** A {@code @Branch} that does not return SDVariable. */
    BRANCH_RETURN_TYPE("BranchReturnType", "@Branch methods must return SDVariable; %s returns %s"),
    /** A {@code @Branch} with parameters other than one Layers. */
    BRANCH_PARAMETERS("BranchParameters", "@Branch methods must take no parameter or one Layers; %s takes (%s)"),
    /** A {@code @Shared} that does not return SDVariable. */
    SHARED_RETURN_TYPE("SharedReturnType", "@Shared methods must return SDVariable; %s returns %s"),
    /** A {@code @Shared} with parameters other than one Layers. */
    SHARED_PARAMETERS("SharedParameters",
            "@Shared methods must take no parameter or one Layers, as @Branch methods do; %s takes (%s)"),
    /** A final {@code @Shared} method. */
    SHARED_FINAL("SharedFinal", "@Shared methods must not be final: the generated code overrides them to memoise"),
    /** Two {@code @Shared} methods with one name. */
    SHARED_OVERLOADED("SharedOverloaded",
            "@Shared methods must not be overloaded: their layers are named after the method; '%s' is declared "
                    + "more than once"),

    // ----- Names and shapes -----
    /** A name that is not a Java identifier. */
    INVALID_NAME("InvalidName", "Input and branch names must be Java identifiers and not keywords; '%s' is not"),
    /** A name some generated record already uses. */
    RESERVED_NAME("ReservedName", "'%s' cannot name %s: %s"),
    /** Two inputs or branches with one name. */
    DUPLICATE_NAME("DuplicateName",
            "Input and branch names must be unique within a model; '%s' already names %s"),
    /** Two parts of the model that would get the same constant of the generated part enum. */
    PART_NAME_CLASH("PartNameClash",
            "The generated enum %s has one constant per @Shared method, @Experts group, @Gate, @Stitch, per branch "
                    + "and WEIGHTING, named in upper snake case after its parameter group; %s and %s would both be "
                    + "%s, rename one"),
    /**
     * Two history columns of one name: a branch named {@code val_} and another branch's name (its columns would be
     * the other's validation columns), or two gate and group pairs that join to one gate column.
     */
    HISTORY_COLUMN_CLASH("HistoryColumnClash",
            "History columns are named <branch>_loss, <branch>_weight, <branch>_<metric>, <gate>_<group>_<k> and, "
                    + "on validation data, val_<branch>_loss, val_<branch>_<metric>; %s, rename one"),
    /** A shape dimension that is zero or negative. */
    SHAPE_DIMENSION("ShapeDimension", "Shape dimensions must be positive; %d is not"),
    /** A categorical loss on a branch without a class axis. */
    SHAPE_NO_CLASS_AXIS("ShapeNoClassAxis", Diagnostic.Kind.WARNING,
            "%s needs a class axis, but branch '%s' has shape {}; give its output shape, e.g. {10}"),

    // ----- Losses -----
    /** A {@code @BranchLoss} method that does not return SDVariable. */
    BRANCH_LOSS_RETURN_TYPE("BranchLossReturnType", "@BranchLoss methods must return SDVariable; %s returns %s"),
    /** A loss method whose parameters are not (target, prediction). */
    LOSS_METHOD_PARAMETERS("LossMethodParameters",
            "@BranchLoss(branch = ...) methods must take (SDVariable target, SDVariable prediction); %s takes (%s)"),
    /** {@code Loss.CUSTOM} on a branch method. */
    CUSTOM_LOSS_ON_BRANCH("CustomLossOnBranch",
            "@BranchLoss on a @Branch method must name a built-in loss such as Loss.MEAN_SQUARED_ERROR; "
                    + "Loss.CUSTOM is for loss methods, @BranchLoss(branch = \"%s\")"),
    /** {@code branch = ...} on a branch method. */
    BRANCH_ATTRIBUTE_ON_BRANCH("BranchAttributeOnBranch",
            "@BranchLoss on a @Branch method applies to that method's branch and must not name one"),
    /** A built-in loss on a loss method. */
    BUILT_IN_LOSS_ON_METHOD("BuiltInLossOnMethod",
            "A loss method computes the loss itself: leave @BranchLoss's value at Loss.CUSTOM"),
    /** A loss method that names no branch. */
    LOSS_METHOD_WITHOUT_BRANCH("LossMethodWithoutBranch",
            "@BranchLoss on a method without @Branch must name its branch: @BranchLoss(branch = \"...\")"),
    /** A loss method naming a branch that does not exist. */
    UNKNOWN_BRANCH("UnknownBranch", "@BranchLoss must name a branch of this model; there is no branch '%s'%s"),
    /** A branch without loss. */
    BRANCH_WITHOUT_LOSS("BranchWithoutLoss",
            "Every branch needs a loss: add @BranchLoss(Loss...) to %s or a @BranchLoss(branch = \"%s\") method"),
    /** A branch with two loss methods. */
    BRANCH_LOSS_TWICE("BranchLossTwice", "A branch has exactly one loss; '%s' also gets a loss from %s"),
    /** A built-in loss and a loss method for one branch. */
    BUILT_IN_AND_LOSS_METHOD("BuiltInAndLossMethod",
            "A branch has exactly one loss; '%s' has the built-in %s and the loss method %s, keep one"),
    /** A Huber delta that is not positive. */
    HUBER_DELTA("HuberDelta", "@BranchLoss.delta must be positive and finite; %s is not"),
    /** A delta on a loss that ignores it. */
    DELTA_IGNORED("DeltaIgnored", Diagnostic.Kind.WARNING,
            "@BranchLoss.delta applies to Loss.HUBER only; %s ignores it"),

    // ----- Experts, gates and stitches -----
    /** An {@code @Experts} method whose signature is not {@code SDVariable name(Layers nn, SDVariable input)}. */
    EXPERTS_SIGNATURE("ExpertsSignature",
            "@Experts methods must be SDVariable name(Layers nn, SDVariable input), with a body that builds one "
                    + "expert: the generated code calls it once per expert with that expert's layers; %s"),
    /** An {@code @Experts} count below 1. */
    EXPERTS_COUNT("ExpertsCount", "@Experts count must be at least 1; %d is not"),
    /** A {@code @Gate} method that is not {@code abstract SDVariable name()}. */
    GATE_SIGNATURE("GateSignature",
            "@Gate methods must be abstract SDVariable name() without parameters: the generated code implements "
                    + "them with the gate; %s"),
    /** A {@code @Stitch} method that is not {@code abstract SDVariable name()}. */
    STITCH_SIGNATURE("StitchSignature",
            "@Stitch methods must be abstract SDVariable name() without parameters: the generated code implements "
                    + "them with the cross-stitch unit; %s"),
    /** A {@code @Gate} with an empty {@code experts}. */
    GATE_WITHOUT_EXPERTS("GateWithoutExperts",
            "@Gate must name at least one @Experts group to mix: @Gate(experts = \"...\"); %s() names none"),
    /** A {@code @Gate} naming a group that is no {@code @Experts} method. */
    UNKNOWN_EXPERTS("UnknownExperts",
            "@Gate experts must name @Experts methods of this model; there is no @Experts method '%s'%s"),
    /** A {@code @Gate} listing one group twice. */
    EXPERTS_TWICE("ExpertsTwice",
            "A @Gate lists each @Experts group once, since each expert gets one weight; %s() lists '%s' twice"),
    /** An {@code input} or {@code parts} name that is no part of the model. */
    UNKNOWN_PART("UnknownPart",
            "@%s.%s must name an @Input, @Shared, @Gate or @Stitch method of this model; there is no such method "
                    + "'%s'%s"),
    /** A {@code @Gate} without {@code input} whose groups read different parts. */
    GATE_INPUT_AMBIGUOUS("GateInputAmbiguous",
            "A @Gate without input is driven by the part its groups read, so every listed group must read the same "
                    + "part; %s, so name the gate's input: @Gate(experts = ..., input = \"...\")"),
    /** Experts, gates and stitches that read themselves through their inputs. */
    PART_CYCLE("PartCycle",
            "Experts, gates and stitches must not depend on themselves through their inputs, groups and parts; %s"),
    /** A {@code @Stitch} with fewer than two distinct parts. */
    STITCH_PARTS("StitchParts",
            "@Stitch needs two or more distinct parts to mix, this column's own first; %s() %s"),
    /** A {@code @Stitch} whose initial own or other weight is not finite. */
    STITCH_INIT("StitchInit", "@Stitch own and other must be finite; %s = %s is not"),
    /** An {@code @Experts} group no gate names. */
    EXPERTS_UNUSED("ExpertsUnused", Diagnostic.Kind.WARNING,
            "An @Experts group that no @Gate names is never built; name '%s' in a gate's experts, or remove it"),

    // ----- Weighting -----
    /** A weighting constant this processor does not know: the annotations jar is newer than the processor. */
    UNSUPPORTED_WEIGHTING("UnsupportedWeighting",
            "This version of the processor does not know Weighting.%s; use the branchwise-processor of the same "
                    + "version as branchwise-annotations"),
    /** FIXED weights whose count is not the branch count. */
    FIXED_WEIGHT_COUNT("FixedWeightCount",
            "FIXED weighting needs one weight per branch, in declaration order; %d branches, %d weights"),
    /** A negative FIXED weight. */
    FIXED_WEIGHT_NEGATIVE("FixedWeightNegative", "FIXED weights must be finite and non-negative; %s is not"),
    /** FIXED weights that are all zero. */
    FIXED_WEIGHTS_ZERO("FixedWeightsZero", "FIXED weights must not all be zero: nothing would train"),
    /** TRAINABLE bounds outside [0, 1] or min > max. */
    TRAINABLE_BOUNDS("TrainableBounds",
            "TRAINABLE weights need 0 <= min <= max <= 1; min = %s, max = %s"),
    /** TRAINABLE bounds that leave no convex combination. */
    TRAINABLE_INFEASIBLE("TrainableInfeasible",
            "TRAINABLE weights sum to one, so with %d branches min must be at most 1/%d and max at least 1/%d; "
                    + "min = %s, max = %s"),
    /** A TRAINABLE initial value outside [min, max]. */
    TRAINABLE_INITIAL("TrainableInitial", "TRAINABLE initial must lie in [min, max] = [%s, %s]; %s does not"),
    /** SCHEDULED start or end weights whose count is not the branch count. */
    SCHEDULED_WEIGHT_COUNT("ScheduledWeightCount",
            "SCHEDULED weighting needs %s with one weight per branch, in declaration order; %d branches, %d weights"),
    /** A negative or non-finite SCHEDULED weight. */
    SCHEDULED_WEIGHT_NEGATIVE("ScheduledWeightNegative", "SCHEDULED %s must be finite and non-negative; %s is not"),
    /** SCHEDULED start or end weights that are all zero. */
    SCHEDULED_WEIGHTS_ZERO("ScheduledWeightsZero",
            "SCHEDULED %s must not all be zero: nothing would train at that end of the ramp"),
    /** A SCHEDULED ramp whose length is not positive. */
    RAMP_LENGTH("RampLength", "SCHEDULED rampLength must be positive; %d is not"),
    /** A schedule class the generated code cannot use. */
    SCHEDULE_CLASS("ScheduleClass",
            "@WeightedLoss.schedule must name a non-abstract class implementing "
                    + "io.github.branchwise.runtime.weighting.WeightSchedule, public or in the model's package, with a "
                    + "public no-argument constructor; %s %s"),
    /** A CUSTOM weighting without a strategy class. */
    MISSING_STRATEGY("MissingStrategy",
            "CUSTOM weighting needs its strategy: @WeightedLoss(weighting = Weighting.CUSTOM, strategy = "
                    + "MyWeighter.class), a class implementing io.github.branchwise.runtime.weighting.Weighter"),
    /** A strategy class the generated code cannot use. */
    STRATEGY_CLASS("StrategyClass",
            "@WeightedLoss.strategy must name a non-abstract class implementing "
                    + "io.github.branchwise.runtime.weighting.Weighter, public or in the model's package, with a "
                    + "public no-argument constructor; %s %s"),
    /** A schedule or strategy class with a weighting that would not use it. */
    WEIGHTING_CLASS_IGNORED("WeightingClassIgnored",
            "@WeightedLoss.%s is for Weighting.%s only, and Weighting.%s would ignore it; set weighting = "
                    + "Weighting.%s or remove %s"),
    /** A DWA temperature that is not positive. */
    DWA_TEMPERATURE("DwaTemperature", "DWA temperature must be positive and finite; %s is not"),
    /** A negative GradNorm asymmetry. */
    GRADNORM_ASYMMETRY("GradNormAsymmetry", "GRADNORM asymmetry must be finite and non-negative; %s is not"),
    /** GradNorm in a model without any @Shared method. */
    GRADNORM_WITHOUT_SHARED("GradNormWithoutShared",
            "GRADNORM weighting measures the branches' gradient norms on the last layer of a @Shared method, and "
                    + "%s has none; share the trunk through a @Shared method or choose another weighting"),
    /** A sharedLayer naming no @Shared method. */
    UNKNOWN_SHARED_LAYER("UnknownSharedLayer",
            "@WeightedLoss.sharedLayer must name a @Shared method of this model; there is no @Shared method '%s'%s"),
    /** The @Shared method GradNorm measures on has no layers. */
    SHARED_LAYER_WITHOUT_LAYERS("SharedLayerWithoutLayers",
            "GRADNORM measures gradient norms on the last layer of @Shared method %s(), which takes no Layers and "
                    + "so has no layer; give it a Layers parameter or name another @Shared method in sharedLayer"),
    /** A gradient-level weighting in a model whose branches share no parameters. */
    NO_SHARED_PARAMETERS("NoSharedParameters", Diagnostic.Kind.WARNING,
            "%s weighting works on the gradients of the parameters the branches share, and %s has no @Shared method "
                    + "with a Layers parameter, @Experts group or @Stitch: it will use every parameter instead, where "
                    + "each branch's own layers get that branch's gradient only; put the shared layers in a @Shared "
                    + "method"),
    /** An STCH smoothing μ that is not positive. */
    STCH_MU("StchMu", "STCH stchMu must be positive and finite; %s is not"),
    /** A negative number of STCH warm-up epochs. */
    STCH_WARMUP_EPOCHS("StchWarmupEpochs", "STCH stchWarmupEpochs must not be negative; %s is"),
    /** A FAMO learning rate that is not positive. */
    FAMO_LEARNING_RATE("FamoLearningRate", "FAMO famoLearningRate must be positive and finite; %s is not"),
    /** A negative FAMO weight decay. */
    FAMO_WEIGHT_DECAY("FamoWeightDecay", "FAMO famoWeightDecay must be finite and not negative; %s is not"),
    /** An attribute the chosen weighting ignores. */
    WEIGHTING_ATTRIBUTE_IGNORED("WeightingAttributeIgnored", Diagnostic.Kind.WARNING,
            "%s ignores @WeightedLoss.%s"),
    /** An UNCERTAINTY start that is not finite. */
    UNCERTAINTY_INITIAL_LOG_VARIANCE("UncertaintyInitialLogVariance",
            "UNCERTAINTY initialLogVariance must be finite; %s is not"),
    /** A GradNorm layer named while the norms are measured on every shared parameter. */
    GRADNORM_LAYER_WITH_ALL_SHARED("GradNormLayerWithAllShared",
            "@WeightedLoss.sharedLayer names the layer GRADNORM measures with gradNormScope = LAST_SHARED_LAYER, and "
                    + "%s measures every shared parameter, so \"%s\" would be ignored; remove sharedLayer or set "
                    + "gradNormScope = GradNormScope.LAST_SHARED_LAYER"),
    /** A CAGrad radius that is negative or not finite. */
    CAGRAD_RADIUS("CaGradRadius", "CAGRAD caGradRadius must be finite and non-negative; %s is not"),
    /** A CAGrad rescale other than 0, 1 or 2. */
    CAGRAD_RESCALE("CaGradRescale",
            "CAGRAD caGradRescale must be 0 (no rescaling), 1 (divide by 1 + c²) or 2 (divide by 1 + c); %s is not"),
    /** A GradVac β outside [0, 1]. */
    GRADVAC_BETA("GradVacBeta", "GRADVAC gradVacBeta must lie in [0, 1]; %s does not"),
    /** An SDMGrad λ that is negative or not finite. */
    SDMGRAD_LAMBDA("SdmGradLambda", "SDMGRAD sdmGradLambda must be finite and not negative; %s is not"),
    /** A number of SDMGrad inner iterations that is not positive. */
    SDMGRAD_ITERATIONS("SdmGradIterations", "SDMGRAD sdmGradIterations must be positive; %s is not"),
    /** A MoDo γ that is not positive. */
    MODO_GAMMA("ModoGamma", "MODO modoGamma must be positive and finite; %s is not"),
    /** A MoDo ρ that is negative or not finite. */
    MODO_RHO("ModoRho", "MODO modoRho must be finite and not negative; %s is not"),
    /** A Nash-MTL clipping norm that is negative or not finite. */
    NASH_MTL_MAX_NORM("NashMtlMaxNorm", "NASH_MTL nashMtlMaxNorm must be finite and non-negative; %s is not"),
    /** A Nash-MTL update period below 1. */
    NASH_MTL_UPDATE_EVERY("NashMtlUpdateEvery", "NASH_MTL nashMtlUpdateEvery must be at least 1; %s is not"),
    /** A FairGrad exponent that is not positive or not finite. */
    FAIRGRAD_ALPHA("FairGradAlpha", "FAIRGRAD fairGradAlpha must be positive and finite; %s is not"),
    /** A GradDrop leak outside [0, 1]. */
    GRADDROP_LEAK("GradDropLeak", "GRADDROP gradDropLeak must be in [0, 1]; %s is not"),
    /** A DB-MTL β outside [0, 1]. */
    DB_MTL_BETA("DbMtlBeta", "DB_MTL dbMtlBeta must be in [0, 1]; %s is not"),
    /** A DB-MTL decay of β that is negative or not finite. */
    DB_MTL_BETA_SIGMA("DbMtlBetaSigma", "DB_MTL dbMtlBetaSigma must be finite and not negative; %s is not"),
    /** A MoCo β outside (0, 1]. */
    MOCO_BETA("MocoBeta", "MOCO mocoBeta must be in (0, 1]; %s is not"),
    /** A MoCo decay of β that is negative or not finite. */
    MOCO_BETA_SIGMA("MocoBetaSigma", "MOCO mocoBetaSigma must be finite and not negative; %s is not"),
    /** A MoCo γ that is negative or not finite. */
    MOCO_GAMMA("MocoGamma", "MOCO mocoGamma must be finite and not negative; %s is not"),
    /** A MoCo decay of γ that is negative or not finite. */
    MOCO_GAMMA_SIGMA("MocoGammaSigma", "MOCO mocoGammaSigma must be finite and not negative; %s is not"),
    /** A MoCo ρ that is negative or not finite. */
    MOCO_RHO("MocoRho", "MOCO mocoRho must be finite and not negative; %s is not"),
    /** An ExcessMTL step size that is negative or not finite. */
    EXCESS_MTL_STEP_SIZE("ExcessMtlStepSize",
            "EXCESS_MTL excessMtlStepSize must be finite and not negative; %s is not"),

    // ----- Processing -----
    /** A model that still refers to missing types in the last round. */
    UNRESOLVED_TYPES("UnresolvedTypes",
            "The models of %s were not generated because it refers to types that do not exist: %s"),
    /** A value that did not compile. */
    INVALID_ATTRIBUTE("InvalidAttribute", "@%s.%s has a value that does not compile; fix it first"),
    /** An exception inside the processor. */
    UNEXPECTED_ERROR("UnexpectedError",
            "Branchwise failed on this class; this is a bug, please report it with this trace:%n%s"),
    /** A generated file that could not be written. */
    WRITE_FAILED("WriteFailed", "Could not write the generated type %s: %s");

    private final String tag;
    private final Diagnostic.Kind kind;
    private final String template;

    Message(String tag, String template) {
        this(tag, Diagnostic.Kind.ERROR, template);
    }

    Message(String tag, Diagnostic.Kind kind, String template) {
        this.tag = tag;
        this.kind = kind;
        this.template = template;
    }

    /** The stable tag, without brackets, e.g. {@code BranchLossReturnType}. */
    public String tag() {
        return tag;
    }

    /** Whether the rule is an error (the class gets no generated files) or a warning. */
    public Diagnostic.Kind kind() {
        return kind;
    }

    /** The rule as documented: the text with each argument shown as an ellipsis. */
    public String rule() {
        return template.replaceAll("%[sd]", "…").replace("%n", " ");
    }

    /** The text as printed: the tag in brackets, then the rule with its arguments filled in. */
    public String format(Object... args) {
        return "[" + tag + "] " + String.format(Locale.ROOT, template, args);
    }
}
