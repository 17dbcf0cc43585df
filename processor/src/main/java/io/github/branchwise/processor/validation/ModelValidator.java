package io.github.branchwise.processor.validation;

import io.github.branchwise.annotations.GradNormScope;
import io.github.branchwise.annotations.GradNormWarmup;
import io.github.branchwise.annotations.GradientSource;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.annotations.WeightedLoss;
import io.github.branchwise.processor.base.Annotations;
import io.github.branchwise.processor.base.ModelMethod;
import io.github.branchwise.processor.base.ModelNames;
import io.github.branchwise.processor.base.TypeNames;
import io.github.branchwise.processor.base.WeightingConventions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import javax.annotation.processing.ProcessingEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.NestingKind;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;
import javax.lang.model.util.Types;

/**
 * Checks one class that carries Branchwise annotations against every rule of {@link Message}.
 *
 * <p>Never throws on user input and never stops at the first error: each broken rule adds one item to the
 * report, so the user sees every mistake of the class in one compile.
 */
public final class ModelValidator {
    /** Names a record component cannot take: the no-argument methods of {@code Object}. */
    private static final Set<String> OBJECT_METHODS =
            Set.of("clone", "finalize", "getClass", "hashCode", "notify", "notifyAll", "toString", "wait");

    private final Elements elements;
    private final Types types;
    private final GeneratedTypes generatedTypes;

    /** A validator using the compiler's utilities and the compilation's view of existing types. */
    public ModelValidator(ProcessingEnvironment env, GeneratedTypes generatedTypes) {
        this.elements = env.getElementUtils();
        this.types = env.getTypeUtils();
        this.generatedTypes = generatedTypes;
    }

    /** Validates {@code type}, a class annotated {@code @WeightedLoss} or declaring annotated methods. */
    public ValidationReport validate(TypeElement type) {
        ValidationReport report = new ValidationReport();
        Optional<AnnotationMirror> weightedLoss = Annotations.find(type, WeightedLoss.class);
        if (weightedLoss.isEmpty()) {
            report.report(Message.MISSING_WEIGHTED_LOSS, type, type.getSimpleName());
            return report;
        }
        if (!validateClass(type, report)) {
            return report;
        }
        new MemberValidation(type, weightedLoss.get(), report).run();
        validateNames(type, report);
        return report;
    }

    /** The class-level rules; false when the element is no class, so that member rules make no sense. */
    private boolean validateClass(TypeElement type, ValidationReport report) {
        if (type.getKind() != ElementKind.CLASS) {
            report.report(Message.MODEL_NOT_CLASS, type, type.getSimpleName(), describeKind(type.getKind()));
            return false;
        }
        Set<Modifier> modifiers = type.getModifiers();
        if (modifiers.contains(Modifier.FINAL)) {
            report.report(Message.MODEL_FINAL, type);
        } else if (!modifiers.contains(Modifier.ABSTRACT)) {
            report.report(Message.MODEL_NOT_ABSTRACT, type);
        }
        if (isPrivateOrInPrivate(type)) {
            report.report(Message.MODEL_PRIVATE, type);
        }
        Element enclosing = type.getEnclosingElement();
        if (enclosing.getKind() != ElementKind.PACKAGE) {
            if (!(enclosing instanceof TypeElement)) {
                report.report(Message.MODEL_NESTING, type, type.getSimpleName(), "a local class");
            } else if (!modifiers.contains(Modifier.STATIC)) {
                report.report(Message.MODEL_NESTING, type, type.getSimpleName(), "an inner (non-static) class");
            }
        }
        if (!type.getTypeParameters().isEmpty()) {
            report.report(Message.MODEL_GENERIC, type);
        }
        List<ExecutableElement> constructors = ElementFilter.constructorsIn(type.getEnclosedElements());
        boolean callable = constructors.isEmpty() || constructors.stream().anyMatch(c ->
                !c.getModifiers().contains(Modifier.PRIVATE)
                        && c.getParameters().isEmpty()
                        && c.getThrownTypes().stream().noneMatch(this::isChecked));
        if (!callable) {
            report.report(Message.MODEL_CONSTRUCTOR, type);
        }
        return true;
    }

    private static boolean isPrivateOrInPrivate(TypeElement type) {
        for (Element e = type; e instanceof TypeElement; e = e.getEnclosingElement()) {
            if (e.getModifiers().contains(Modifier.PRIVATE)) {
                return true;
            }
        }
        return false;
    }

    private static String describeKind(ElementKind kind) {
        return switch (kind) {
            case INTERFACE -> "an interface";
            case ENUM -> "an enum";
            case ANNOTATION_TYPE -> "an annotation type";
            default -> "a " + kind.name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** Generated names that clash with user types, and nested models whose joined prefix is ambiguous. */
    private void validateNames(TypeElement type, ValidationReport report) {
        ModelNames names = ModelNames.of(type);
        boolean gates = hasGates(type);
        for (var generated : names.all(gates)) {
            String qualified = generated.canonicalName();
            Optional<String> owner = generatedTypes.generatedFor(qualified);
            if (generatedTypes.isUserType(qualified)
                    || owner.isPresent() && !owner.get().equals(type.getQualifiedName().toString())) {
                report.report(Message.GENERATED_NAME_TAKEN, type, qualified);
            }
        }
        List<TypeElement> models = modelsInPackage(type);
        if (names.nested()) {
            for (TypeElement other : models) {
                if (!other.equals(type) && ModelNames.of(other).prefix().equals(names.prefix())) {
                    report.report(Message.AMBIGUOUS_NESTED_NAME, type, names.prefix(), other.getQualifiedName());
                }
            }
        }
        // Prefixes that differ can still meet: Detector's DetectorExamplePrediction is DetectorExample's
        // prediction record. Reported on both models whatever their order, so that neither generates.
        for (TypeElement other : models) {
            ModelNames theirs = ModelNames.of(other);
            if (other.equals(type) || theirs.prefix().equals(names.prefix())) {
                continue;
            }
            for (String suffix : ModelNames.suffixes(gates)) {
                for (String theirSuffix : ModelNames.suffixes(hasGates(other))) {
                    if ((names.prefix() + suffix).equals(theirs.prefix() + theirSuffix)) {
                        report.report(Message.GENERATED_NAME_SHARED, type, names.qualify(names.prefix() + suffix),
                                names.prefix(), suffix, other.getQualifiedName(), theirs.prefix(), theirSuffix);
                    }
                }
            }
        }
    }

    /** Whether the model declares a {@code @Gate}, and so gets a {@code <Model>GateWeights} record. */
    private static boolean hasGates(TypeElement type) {
        return ModelMethod.scan(type).stream().anyMatch(method -> method.gate().isPresent());
    }

    /** The {@code @WeightedLoss} classes of the model's package, nested ones included, in a stable order. */
    private List<TypeElement> modelsInPackage(TypeElement type) {
        List<TypeElement> models = new ArrayList<>();
        List<TypeElement> pending = new ArrayList<>(
                ElementFilter.typesIn(elements.getPackageOf(type).getEnclosedElements()));
        while (!pending.isEmpty()) {
            TypeElement next = pending.remove(0);
            if (Annotations.find(next, WeightedLoss.class).isPresent()) {
                models.add(next);
            }
            pending.addAll(ElementFilter.typesIn(next.getEnclosedElements()));
        }
        models.sort((a, b) -> a.getQualifiedName().toString().compareTo(b.getQualifiedName().toString()));
        return models;
    }

    private boolean isChecked(TypeMirror thrown) {
        TypeMirror runtime = elements.getTypeElement(RuntimeException.class.getCanonicalName()).asType();
        TypeMirror error = elements.getTypeElement(Error.class.getCanonicalName()).asType();
        return !types.isSubtype(thrown, runtime) && !types.isSubtype(thrown, error);
    }

    static boolean isType(TypeMirror type, String qualifiedName) {
        return type.getKind() == TypeKind.DECLARED
                && ((DeclaredType) type).asElement() instanceof TypeElement element
                && element.getQualifiedName().contentEquals(qualifiedName);
    }

    static String describeParameters(ExecutableElement method) {
        return method.getParameters().stream()
                .map(p -> p.asType().toString())
                .collect(Collectors.joining(", "));
    }

    /** The member-level rules of one model class; one instance per validation. */
    private final class MemberValidation {
        private final TypeElement type;
        private final AnnotationMirror weightedLoss;
        private final ValidationReport report;
        /** Input and branch names, in declaration order, to the method declaring each. */
        private final Map<String, ExecutableElement> names = new LinkedHashMap<>();
        /** Branch names to their method, in declaration order. */
        private final Map<String, ModelMethod> branches = new LinkedHashMap<>();
        /** Branch names to the built-in loss on the branch method, when it has a valid one. */
        private final Map<String, Loss> builtInLosses = new LinkedHashMap<>();
        private final List<ModelMethod> lossMethods = new ArrayList<>();
        /** The {@code @Shared} methods, in declaration order. */
        private final List<ModelMethod> sharedMethods = new ArrayList<>();
        /** The {@code @Input} and {@code @Shared} methods, in declaration order: what parts may read by name. */
        private final List<ModelMethod> readable = new ArrayList<>();
        /** The experts groups, gates and stitches, checked on their own and then against each other. */
        private final PartsValidation parts;
        private int inputs;

        MemberValidation(TypeElement type, AnnotationMirror weightedLoss, ValidationReport report) {
            this.type = type;
            this.weightedLoss = weightedLoss;
            this.report = report;
            this.parts = new PartsValidation(elements, report);
        }

        void run() {
            List<ModelMethod> methods = ModelMethod.scan(type);
            for (ModelMethod method : methods) {
                validateMethod(method);
            }
            validateAbstractMethods(methods);
            if (inputs == 0) {
                report.report(Message.NO_INPUT, type);
            }
            if (branches.size() < 2) {
                report.report(Message.TOO_FEW_BRANCHES, type, branches.size());
            }
            validateLosses();
            validateWeighting();
            validateParts();
            validateHistoryColumns();
            parts.resolve(readable);
        }

        /**
         * The constants of the generated part enum, one per {@code @Shared} method, branch and the weighting, must
         * differ; a clash is reported on the method to rename. Equal names would also share one parameter group at
         * run time.
         */
        private void validateParts() {
            String partEnum = ModelNames.of(type).part().simpleName();
            Map<String, String> constants = new LinkedHashMap<>();
            constants.put(ModelNames.constantName(ModelNames.WEIGHTING_GROUP), "the weighting");
            for (ModelMethod shared : sharedMethods) {
                String description = "@Shared method " + shared.name() + "()";
                String constant = ModelNames.constantName(shared.name());
                String previous = constants.putIfAbsent(constant, description);
                if (previous != null) {
                    report.report(Message.PART_NAME_CLASH, shared.method(), partEnum, previous, description,
                            constant);
                }
            }
            // Experts groups, gates and stitches name their parameter groups after their methods, as @Shared
            // methods do: a clash would also put two parts' parameters in one group.
            for (ModelMethod part : parts.parts()) {
                String role = part.experts().isPresent() ? "@Experts group "
                        : part.gate().isPresent() ? "@Gate " : "@Stitch ";
                String description = role + part.name() + "()";
                String constant = ModelNames.constantName(part.name());
                String previous = constants.putIfAbsent(constant, description);
                if (previous != null) {
                    report.report(Message.PART_NAME_CLASH, part.method(), partEnum, previous, description,
                            constant);
                }
            }
            for (Map.Entry<String, ModelMethod> branch : branches.entrySet()) {
                String description = "branch '" + branch.getKey() + "'";
                String constant = ModelNames.constantName(branch.getKey());
                String previous = constants.putIfAbsent(constant, description);
                if (previous != null) {
                    ModelMethod method = branch.getValue();
                    AnnotationMirror annotation = method.branch().orElseThrow();
                    report.report(Message.PART_NAME_CLASH, method.method(), annotation,
                            Annotations.explicitValue(annotation, "name").orElse(null), partEnum, previous,
                            description, constant);
                }
            }
        }

        /**
         * The history of a training run names its columns after the branches, training {@code <branch>_loss} and
         * validation {@code val_<branch>_loss}: a branch named {@code val_} and another branch's name would share
         * columns with that branch's validation values (the only way two branches' columns can meet, since every
         * column of a branch ends in a fixed suffix after the name). Reported on the {@code val_} branch.
         */
        private void validateHistoryColumns() {
            for (Map.Entry<String, ModelMethod> branch : branches.entrySet()) {
                String name = branch.getKey();
                if (name.startsWith("val_") && branches.containsKey(name.substring("val_".length()))) {
                    ModelMethod method = branch.getValue();
                    AnnotationMirror annotation = method.branch().orElseThrow();
                    report.report(Message.HISTORY_COLUMN_CLASH, method.method(), annotation,
                            Annotations.explicitValue(annotation, "name").orElse(null), "branch '" + name
                                    + "' would take the validation columns of branch '"
                                    + name.substring("val_".length()) + "' (" + name + "_loss)");
                }
            }
        }

        private void validateMethod(ModelMethod method) {
            List<String> roles = new ArrayList<>();
            method.input().ifPresent(a -> roles.add("@Input"));
            method.branch().ifPresent(a -> roles.add("@Branch"));
            method.shared().ifPresent(a -> roles.add("@Shared"));
            method.experts().ifPresent(a -> roles.add("@Experts"));
            method.gate().ifPresent(a -> roles.add("@Gate"));
            method.stitch().ifPresent(a -> roles.add("@Stitch"));
            // @BranchLoss belongs on a @Branch method or alone: with any other role it is one role too many.
            if (method.branchLoss().isPresent() && roles.stream().anyMatch(role -> !role.equals("@Branch"))) {
                roles.add("@BranchLoss");
            }
            if (roles.size() > 1) {
                report.report(Message.CONFLICTING_ANNOTATIONS, method.method(), method.name(),
                        String.join(" and ", roles));
                return;
            }
            if (method.input().isPresent()) {
                readable.add(method);
                validateInput(method, method.input().get());
            } else if (method.branch().isPresent()) {
                validateBranch(method, method.branch().get());
            } else if (method.shared().isPresent()) {
                readable.add(method);
                validateShared(method);
            } else if (method.experts().isPresent()) {
                validateCommon(method, "Experts");
                parts.experts(method);
            } else if (method.gate().isPresent()) {
                validateCommon(method, "Gate");
                parts.gate(method);
            } else if (method.stitch().isPresent()) {
                validateCommon(method, "Stitch");
                parts.stitch(method);
            } else {
                validateLossMethod(method, method.branchLoss().get());
            }
        }

        private void validateCommon(ModelMethod method, String annotation) {
            ExecutableElement element = method.method();
            Set<Modifier> modifiers = element.getModifiers();
            if (modifiers.contains(Modifier.PRIVATE)) {
                report.report(Message.METHOD_PRIVATE, element, annotation);
            }
            if (modifiers.contains(Modifier.STATIC)) {
                report.report(Message.METHOD_STATIC, element, annotation);
            }
            if (!element.getTypeParameters().isEmpty()) {
                report.report(Message.METHOD_GENERIC, element, annotation);
            }
            List<String> checked = element.getThrownTypes().stream()
                    .filter(ModelValidator.this::isChecked)
                    .map(TypeMirror::toString)
                    .toList();
            if (!checked.isEmpty()) {
                report.report(Message.METHOD_THROWS, element, annotation, method.name(), String.join(", ", checked));
            }
            // Inputs, gates and stitches are abstract: the generated code implements them.
            boolean implemented = annotation.equals("Input") || annotation.equals("Gate")
                    || annotation.equals("Stitch");
            if (!implemented && modifiers.contains(Modifier.ABSTRACT)) {
                report.report(Message.METHOD_ABSTRACT, element, annotation);
            }
        }

        private boolean returnsSdVariable(ModelMethod method, Message message) {
            TypeMirror returnType = method.method().getReturnType();
            if (!isType(returnType, TypeNames.SD_VARIABLE_NAME)) {
                report.report(message, method.method(), method.name(), returnType);
                return false;
            }
            return true;
        }

        private boolean takesLayers(ExecutableElement method) {
            List<? extends VariableElement> parameters = method.getParameters();
            return parameters.size() == 1 && isType(parameters.get(0).asType(), TypeNames.LAYERS_NAME);
        }

        private boolean takesNothingOrLayers(ExecutableElement method) {
            List<? extends VariableElement> parameters = method.getParameters();
            return parameters.isEmpty()
                    || parameters.size() == 1 && isType(parameters.get(0).asType(), TypeNames.LAYERS_NAME);
        }

        private void validateInput(ModelMethod method, AnnotationMirror input) {
            ExecutableElement element = method.method();
            inputs++;
            validateCommon(method, "Input");
            returnsSdVariable(method, Message.INPUT_RETURN_TYPE);
            if (!element.getModifiers().contains(Modifier.ABSTRACT)) {
                report.report(Message.INPUT_NOT_ABSTRACT, element);
            }
            if (!element.getParameters().isEmpty()) {
                report.report(Message.INPUT_PARAMETERS, element);
            }
            validateShape(element, input);
            validateVocabulary(element, input);
            validateName(element, input, "an input").ifPresent(name -> names.putIfAbsent(name, element));
        }

        private void validateBranch(ModelMethod method, AnnotationMirror branch) {
            ExecutableElement element = method.method();
            validateCommon(method, "Branch");
            returnsSdVariable(method, Message.BRANCH_RETURN_TYPE);
            if (!takesNothingOrLayers(element)) {
                report.report(Message.BRANCH_PARAMETERS, element, method.name(), describeParameters(element));
            }
            validateShape(element, branch);
            Optional<String> name = validateName(element, branch, "a branch");
            if (name.isEmpty()) {
                return;
            }
            names.putIfAbsent(name.get(), element);
            branches.putIfAbsent(name.get(), method);
            method.branchLoss().ifPresent(loss -> validateBuiltInLoss(element, loss, name.get(), branch));
        }

        private void validateBuiltInLoss(
                ExecutableElement element, AnnotationMirror loss, String branch, AnnotationMirror branchAnnotation) {
            Optional<AnnotationValue> lossValue = Annotations.value(elements, loss, "value");
            Optional<String> constant = lossValue.flatMap(Annotations::enumConstant);
            if (constant.isEmpty()) {
                report.report(Message.INVALID_ATTRIBUTE, element, loss, "BranchLoss", "value");
                return;
            }
            Loss builtIn = Loss.valueOf(constant.get());
            if (builtIn == Loss.CUSTOM) {
                report.report(Message.CUSTOM_LOSS_ON_BRANCH, element, loss,
                        Annotations.explicitValue(loss, "value").orElse(null), branch);
            } else {
                builtInLosses.put(branch, builtIn);
            }
            Annotations.explicitValue(loss, "branch").ifPresent(value ->
                    report.report(Message.BRANCH_ATTRIBUTE_ON_BRANCH, element, loss, value));
            validateDelta(element, loss, builtIn == Loss.CUSTOM ? null : builtIn);
            if ((builtIn == Loss.CATEGORICAL_CROSSENTROPY || builtIn == Loss.SPARSE_CATEGORICAL_CROSSENTROPY)
                    && Annotations.arrayValue(elements, branchAnnotation, "shape")
                            .map(List::isEmpty).orElse(false)) {
                report.report(Message.SHAPE_NO_CLASS_AXIS, element, branchAnnotation,
                        Annotations.explicitValue(branchAnnotation, "shape").orElse(null),
                        "Loss." + builtIn, branch);
            }
        }

        /** The {@code delta} attribute: positive for Huber, and not set at all for the other losses. */
        private void validateDelta(ExecutableElement element, AnnotationMirror loss, Loss builtIn) {
            Optional<AnnotationValue> explicit = Annotations.explicitValue(loss, "delta");
            if (explicit.isEmpty()) {
                return;
            }
            Optional<Double> delta = Annotations.number(explicit.get().getValue()).map(Number::doubleValue);
            if (delta.isEmpty()) {
                report.report(Message.INVALID_ATTRIBUTE, element, loss, explicit.get(), "BranchLoss", "delta");
            } else if (builtIn == Loss.HUBER) {
                if (!(delta.get() > 0) || delta.get().isInfinite()) {
                    report.report(Message.HUBER_DELTA, element, loss, explicit.get(), delta.get());
                }
            } else {
                report.report(Message.DELTA_IGNORED, element, loss, explicit.get(),
                        builtIn == null ? "a loss method" : "Loss." + builtIn);
            }
        }

        private void validateShared(ModelMethod method) {
            ExecutableElement element = method.method();
            sharedMethods.add(method);
            validateCommon(method, "Shared");
            returnsSdVariable(method, Message.SHARED_RETURN_TYPE);
            if (!takesNothingOrLayers(element)) {
                report.report(Message.SHARED_PARAMETERS, element, method.name(), describeParameters(element));
            }
            if (element.getModifiers().contains(Modifier.FINAL)) {
                report.report(Message.SHARED_FINAL, element);
            }
            // Any other method of the same name, annotated or not: the generated override and the layer scope
            // are keyed on the name, and an overload would make the user's own calls ambiguous to read.
            long sameName = ElementFilter.methodsIn(type.getEnclosedElements()).stream()
                    .filter(other -> other.getSimpleName().equals(element.getSimpleName()))
                    .count();
            if (sameName > 1) {
                report.report(Message.SHARED_OVERLOADED, element, method.name());
            }
        }

        private void validateLossMethod(ModelMethod method, AnnotationMirror loss) {
            ExecutableElement element = method.method();
            validateCommon(method, "BranchLoss");
            returnsSdVariable(method, Message.BRANCH_LOSS_RETURN_TYPE);
            List<? extends VariableElement> parameters = element.getParameters();
            if (parameters.size() != 2
                    || !isType(parameters.get(0).asType(), TypeNames.SD_VARIABLE_NAME)
                    || !isType(parameters.get(1).asType(), TypeNames.SD_VARIABLE_NAME)) {
                report.report(Message.LOSS_METHOD_PARAMETERS, element, method.name(), describeParameters(element));
            }
            Optional<AnnotationValue> value = Annotations.explicitValue(loss, "value");
            if (value.isPresent()) {
                Optional<String> constant = Annotations.enumConstant(value.get());
                if (constant.isEmpty()) {
                    report.report(Message.INVALID_ATTRIBUTE, element, loss, value.get(), "BranchLoss", "value");
                } else if (!constant.get().equals(Loss.CUSTOM.name())) {
                    report.report(Message.BUILT_IN_LOSS_ON_METHOD, element, loss, value.get());
                }
            }
            validateDelta(element, loss, null);
            Optional<String> branch = Annotations.stringValue(elements, loss, "branch");
            if (branch.isEmpty() || branch.get().isEmpty()) {
                report.report(Message.LOSS_METHOD_WITHOUT_BRANCH, element, loss);
                return;
            }
            // Resolved against the branches once every method has been seen: a loss method may come first.
            lossMethods.add(method);
        }

        private void validateLosses() {
            Map<String, ModelMethod> firstLossMethod = new LinkedHashMap<>();
            for (ModelMethod method : lossMethods) {
                AnnotationMirror loss = method.branchLoss().get();
                String branch = Annotations.stringValue(elements, loss, "branch").orElseThrow();
                AnnotationValue branchValue = Annotations.explicitValue(loss, "branch").orElse(null);
                if (!branches.containsKey(branch)) {
                    report.report(Message.UNKNOWN_BRANCH, method.method(), loss, branchValue, branch,
                            Suggestions.didYouMean(branch, branches.keySet()));
                    continue;
                }
                if (builtInLosses.containsKey(branch)) {
                    report.report(Message.BUILT_IN_AND_LOSS_METHOD, method.method(), loss, branchValue, branch,
                            "Loss." + builtInLosses.get(branch), method.name() + "()");
                }
                ModelMethod first = firstLossMethod.putIfAbsent(branch, method);
                if (first != null) {
                    report.report(Message.BRANCH_LOSS_TWICE, method.method(), loss, branchValue, branch,
                            first.name() + "()");
                }
            }
            for (Map.Entry<String, ModelMethod> branch : branches.entrySet()) {
                ModelMethod method = branch.getValue();
                boolean customOnBranch = method.branchLoss().isPresent() && !builtInLosses.containsKey(branch.getKey());
                if (!customOnBranch && !builtInLosses.containsKey(branch.getKey())
                        && !firstLossMethod.containsKey(branch.getKey())) {
                    report.report(Message.BRANCH_WITHOUT_LOSS, method.method(), method.name() + "()",
                            branch.getKey());
                }
            }
        }

        /** The inherited or declared abstract methods the generated subclass would have to implement. */
        private void validateAbstractMethods(List<ModelMethod> annotated) {
            for (ExecutableElement method : ElementFilter.methodsIn(elements.getAllMembers(type))) {
                if (!method.getModifiers().contains(Modifier.ABSTRACT)
                        || annotated.stream().anyMatch(m -> m.method().equals(method))) {
                    continue;
                }
                String description = ((TypeElement) method.getEnclosingElement()).getSimpleName() + "."
                        + method.getSimpleName() + "(" + describeParameters(method) + ")";
                Element where = method.getEnclosingElement().equals(type) ? method : type;
                report.report(Message.ABSTRACT_METHOD, where, description);
            }
        }

        /** An {@code @Input}'s vocabulary: only on INT inputs, and within what 32-bit ids can hold. */
        private void validateVocabulary(ExecutableElement element, AnnotationMirror input) {
            Optional<AnnotationValue> vocabulary = Annotations.explicitValue(input, "vocabulary");
            Optional<Number> value = vocabulary.flatMap(v -> Annotations.number(v.getValue()));
            if (value.isEmpty()) {
                return;
            }
            long n = value.get().longValue();
            boolean ids = Annotations.explicitValue(input, "type").flatMap(Annotations::enumConstant)
                    .filter("INT"::equals).isPresent();
            String problem = n < 0 ? n + " is negative"
                    : n > Integer.MAX_VALUE ? n + " is more than 32-bit ids can hold"
                    : n > 0 && !ids ? "this input holds real values (type = InputType.FLOAT): declare "
                    + "type = InputType.INT for ids, or remove vocabulary"
                    : null;
            if (problem != null) {
                report.report(Message.INPUT_VOCABULARY, element, input, vocabulary.get(), problem);
            }
        }

        private void validateShape(ExecutableElement element, AnnotationMirror annotation) {
            Optional<AnnotationValue> shape = Annotations.value(elements, annotation, "shape");
            Optional<List<AnnotationValue>> dimensions = shape.flatMap(Annotations::elementsOf);
            if (dimensions.isEmpty()) {
                report.report(Message.INVALID_ATTRIBUTE, element, annotation, shape.orElse(null),
                        annotationName(annotation), "shape");
                return;
            }
            for (AnnotationValue dimension : dimensions.get()) {
                Optional<Number> size = Annotations.number(dimension.getValue());
                if (size.isEmpty()) {
                    report.report(Message.INVALID_ATTRIBUTE, element, annotation, dimension,
                            annotationName(annotation), "shape");
                } else if (size.get().longValue() <= 0) {
                    report.report(Message.SHAPE_DIMENSION, element, annotation, dimension, size.get().longValue());
                }
            }
        }

        /**
         * The name of an input or branch, reported when it is not a valid, free record component name; empty
         * when invalid, so that later rules do not pile up on it.
         */
        private Optional<String> validateName(ExecutableElement element, AnnotationMirror annotation, String role) {
            Optional<AnnotationValue> explicit = Annotations.explicitValue(annotation, "name");
            String name = explicit.map(AnnotationValue::getValue).filter(String.class::isInstance)
                    .map(String.class::cast).filter(s -> !s.isEmpty())
                    .orElse(element.getSimpleName().toString());
            AnnotationValue where = explicit.orElse(null);
            if (!SourceVersion.isIdentifier(name) || SourceVersion.isKeyword(name)) {
                report.report(Message.INVALID_NAME, element, annotation, where, name);
                return Optional.empty();
            }
            if (OBJECT_METHODS.contains(name)) {
                report.report(Message.RESERVED_NAME, element, annotation, where, name, role,
                        "record components cannot be named after a method of Object");
                return Optional.empty();
            }
            if (role.equals("a branch") && name.equals("total")) {
                report.report(Message.RESERVED_NAME, element, annotation, where, name, role,
                        "the generated " + ModelNames.of(type).losses().simpleName()
                                + " record already has a component 'total'");
                return Optional.empty();
            }
            ExecutableElement previous = names.get(name);
            if (previous != null) {
                boolean previousIsInput = Annotations.find(previous, io.github.branchwise.annotations.Input.class)
                        .isPresent();
                report.report(Message.DUPLICATE_NAME, element, annotation, where, name,
                        (previousIsInput ? "the input " : "the branch ") + previous.getSimpleName() + "()");
                return Optional.empty();
            }
            return Optional.of(name);
        }

        private void validateWeighting() {
            Optional<String> weightingName = Annotations.enumValue(elements, weightedLoss, "weighting");
            if (weightingName.isEmpty()) {
                report.report(Message.INVALID_ATTRIBUTE, type, weightedLoss, "WeightedLoss", "weighting");
                return;
            }
            // Compared by name: the processor must not fail to load against an annotations jar whose Weighting has
            // constants it does not know.
            String weighting = weightingName.get();
            AnnotationValue weightingValue = Annotations.explicitValue(weightedLoss, "weighting").orElse(null);
            if (!WeightingAttributes.isKnown(weighting)) {
                report.report(Message.UNSUPPORTED_WEIGHTING, type, weightedLoss, weightingValue, weighting);
                return;
            }
            int count = branches.size();
            Optional<AnnotationValue> schedule = classValue("schedule");
            Optional<AnnotationValue> strategy = classValue("strategy");
            switch (weighting) {
                case "FIXED" -> validateWeights("weights", count, false);
                case "TRAINABLE" -> validateTrainable(count);
                case "SCHEDULED" -> {
                    if (schedule.isPresent()) {
                        validateImplementation(schedule.get(), WeightingAttributes.WEIGHT_SCHEDULE,
                                Message.SCHEDULE_CLASS);
                    } else {
                        validateWeights("weights", count, true);
                        validateWeights("endWeights", count, true);
                        validateRamp();
                    }
                }
                case "DWA" -> validatePositive("temperature", Message.DWA_TEMPERATURE, false);
                case "GRADNORM" -> {
                    validatePositive("asymmetry", Message.GRADNORM_ASYMMETRY, true);
                    validateGradNormLayer(weightingValue);
                    WeightingConventions conventions = new WeightingConventions(elements, weightedLoss);
                    if (conventions.isExplicit("epochMean") && conventions.gradNormWarmup() == GradNormWarmup.NONE) {
                        report.report(Message.WEIGHTING_ATTRIBUTE_IGNORED, type, weightedLoss,
                                Annotations.explicitValue(weightedLoss, "epochMean").orElseThrow(),
                                "GRADNORM weighting without gradNormWarmup = FIRST_EPOCH", "epochMean");
                    }
                    if (conventions.gradientSource() != GradientSource.PARAMETERS) {
                        for (String unread : List.of("gradNormScope", "sharedLayer")) {
                            Optional<AnnotationValue> value = Annotations.explicitValue(weightedLoss, unread);
                            if (value.isPresent()) {
                                report.report(Message.WEIGHTING_ATTRIBUTE_IGNORED, type, weightedLoss, value.get(),
                                        "GRADNORM weighting with gradientSource = " + conventions.gradientSource(),
                                        unread);
                            }
                        }
                    }
                }
                case "UNCERTAINTY" -> validateInitialLogVariance();
                case "PCGRAD", "MGDA", "CAGRAD", "IMTL", "ALIGNED_MTL", "GRADVAC", "SDMGRAD", "MODO", "UPGRAD",
                        "NASH_MTL", "FAIRGRAD" -> {
                    if (weighting.equals("CAGRAD")) {
                        validatePositive("caGradRadius", Message.CAGRAD_RADIUS, true);
                        validateCaGradRescale();
                    }
                    if (weighting.equals("SDMGRAD")) {
                        validatePositive("sdmGradLambda", Message.SDMGRAD_LAMBDA, true);
                        validatePositiveCount("sdmGradIterations", Message.SDMGRAD_ITERATIONS);
                    }
                    if (weighting.equals("MODO")) {
                        validatePositive("modoGamma", Message.MODO_GAMMA, false);
                        validatePositive("modoRho", Message.MODO_RHO, true);
                    }
                    if (weighting.equals("GRADVAC")) {
                        validateUnitInterval("gradVacBeta", Message.GRADVAC_BETA, true);
                    }
                    if (weighting.equals("IMTL") && Annotations.enumValue(elements, weightedLoss, "imtlMode")
                            .filter("LOSS"::equals).isPresent()) {
                        // IMTL-L alone is loss-level: no branch gradients, so nothing below applies.
                        Optional<AnnotationValue> source = Annotations.explicitValue(weightedLoss, "gradientSource");
                        if (source.isPresent()) {
                            report.report(Message.WEIGHTING_ATTRIBUTE_IGNORED, type, weightedLoss, source.get(),
                                    "IMTL weighting with imtlMode = LOSS", "gradientSource");
                        }
                        break;
                    }
                    if (weighting.equals("NASH_MTL")) {
                        validatePositive("nashMtlMaxNorm", Message.NASH_MTL_MAX_NORM, true);
                        validatePositiveCount("nashMtlUpdateEvery", Message.NASH_MTL_UPDATE_EVERY);
                    }
                    if (weighting.equals("FAIRGRAD")) {
                        validatePositive("fairGradAlpha", Message.FAIRGRAD_ALPHA, false);
                    }
                    warnWithoutSharedParameters(weighting, weightingValue);
                }
                case "STCH" -> {
                    validatePositive("stchMu", Message.STCH_MU, false);
                    validateNotNegative("stchWarmupEpochs", Message.STCH_WARMUP_EPOCHS);
                }
                case "FAMO" -> {
                    validatePositive("famoLearningRate", Message.FAMO_LEARNING_RATE, false);
                    validatePositive("famoWeightDecay", Message.FAMO_WEIGHT_DECAY, true);
                }
                case "GRADDROP", "DB_MTL", "MOCO", "EXCESS_MTL" -> {
                    switch (weighting) {
                        case "GRADDROP" -> validateUnitInterval("gradDropLeak", Message.GRADDROP_LEAK, true);
                        case "DB_MTL" -> {
                            validateUnitInterval("dbMtlBeta", Message.DB_MTL_BETA, true);
                            validatePositive("dbMtlBetaSigma", Message.DB_MTL_BETA_SIGMA, true);
                        }
                        case "MOCO" -> {
                            validateUnitInterval("mocoBeta", Message.MOCO_BETA, false);
                            validatePositive("mocoBetaSigma", Message.MOCO_BETA_SIGMA, true);
                            validatePositive("mocoGamma", Message.MOCO_GAMMA, true);
                            validatePositive("mocoGammaSigma", Message.MOCO_GAMMA_SIGMA, true);
                            validatePositive("mocoRho", Message.MOCO_RHO, true);
                        }
                        default -> validatePositive("excessMtlStepSize", Message.EXCESS_MTL_STEP_SIZE, true);
                    }
                    warnWithoutSharedParameters(weighting, weightingValue);
                }
                case "CUSTOM" -> {
                    if (strategy.isPresent()) {
                        validateImplementation(strategy.get(), WeightingAttributes.WEIGHTER, Message.STRATEGY_CLASS);
                    } else {
                        report.report(Message.MISSING_STRATEGY, type, weightedLoss, weightingValue);
                    }
                }
                default -> {
                    // UNCERTAINTY, RLW, GLS: nothing to set.
                }
            }
            reportIgnoredAttributes(weighting, schedule.isPresent());
        }

        /** UNCERTAINTY's starting log-variance, where set: finite. */
        private void validateInitialLogVariance() {
            Optional<AnnotationValue> explicit = Annotations.explicitValue(weightedLoss, "initialLogVariance");
            if (explicit.isEmpty()) {
                return;
            }
            Optional<Double> value = Annotations.doubleValue(elements, weightedLoss, "initialLogVariance");
            if (value.isEmpty()) {
                report.report(Message.INVALID_ATTRIBUTE, type, weightedLoss, explicit.get(), "WeightedLoss",
                        "initialLogVariance");
            } else if (!Double.isFinite(value.get())) {
                report.report(Message.UNCERTAINTY_INITIAL_LOG_VARIANCE, type, weightedLoss, explicit.get(),
                        value.get());
            }
        }

        /** Warns of each attribute the chosen weighting ignores; a class it ignores is an error. */
        private void reportIgnoredAttributes(String weighting, boolean withSchedule) {
            for (String attribute : WeightingAttributes.ALL) {
                Optional<AnnotationValue> value = attribute.equals("schedule") || attribute.equals("strategy")
                        ? classValue(attribute)
                        : Annotations.explicitValue(weightedLoss, attribute);
                if (value.isEmpty() || WeightingAttributes.uses(weighting, withSchedule, attribute)) {
                    continue;
                }
                if (attribute.equals("schedule") || attribute.equals("strategy")) {
                    String owner = attribute.equals("schedule") ? "SCHEDULED" : "CUSTOM";
                    report.report(Message.WEIGHTING_CLASS_IGNORED, type, weightedLoss, value.get(), attribute, owner,
                            weighting, owner, attribute);
                } else {
                    String who = withSchedule
                            ? weighting + " weighting with a schedule class" : weighting + " weighting";
                    report.report(Message.WEIGHTING_ATTRIBUTE_IGNORED, type, weightedLoss, value.get(), who,
                            attribute);
                }
            }
        }

        /** A class attribute the user set to a class other than {@code void.class}. */
        private Optional<AnnotationValue> classValue(String attribute) {
            return Annotations.explicitValue(weightedLoss, attribute)
                    .filter(value -> !(value.getValue() instanceof TypeMirror mirror
                            && mirror.getKind() == TypeKind.VOID));
        }

        /** FIXED weights, or one end of a SCHEDULED ramp: one finite, non-negative weight per branch, not all zero. */
        private void validateWeights(String attribute, int branchCount, boolean scheduled) {
            AnnotationValue explicit = Annotations.explicitValue(weightedLoss, attribute).orElse(null);
            List<AnnotationValue> weights = Annotations.arrayValue(elements, weightedLoss, attribute)
                    .orElse(List.of());
            if (weights.size() != branchCount) {
                if (scheduled) {
                    report.report(Message.SCHEDULED_WEIGHT_COUNT, type, weightedLoss, explicit, attribute,
                            branchCount, weights.size());
                } else {
                    report.report(Message.FIXED_WEIGHT_COUNT, type, weightedLoss, explicit, branchCount,
                            weights.size());
                }
            }
            boolean allZero = true;
            boolean valid = true;
            for (AnnotationValue weight : weights) {
                Optional<Double> value = Annotations.number(weight.getValue()).map(Number::doubleValue);
                if (value.isEmpty()) {
                    report.report(Message.INVALID_ATTRIBUTE, type, weightedLoss, weight, "WeightedLoss", attribute);
                    valid = false;
                } else if (!(value.get() >= 0) || value.get().isInfinite()) {
                    if (scheduled) {
                        report.report(Message.SCHEDULED_WEIGHT_NEGATIVE, type, weightedLoss, weight, attribute,
                                value.get());
                    } else {
                        report.report(Message.FIXED_WEIGHT_NEGATIVE, type, weightedLoss, weight, value.get());
                    }
                    valid = false;
                } else if (value.get() > 0) {
                    allZero = false;
                }
            }
            if (valid && allZero && !weights.isEmpty()) {
                if (scheduled) {
                    report.report(Message.SCHEDULED_WEIGHTS_ZERO, type, weightedLoss, explicit, attribute);
                } else {
                    report.report(Message.FIXED_WEIGHTS_ZERO, type, weightedLoss, explicit);
                }
            }
        }

        private void validateRamp() {
            for (String attribute : List.of("ramp", "rampUnit")) {
                Optional<AnnotationValue> value = Annotations.value(elements, weightedLoss, attribute);
                if (value.flatMap(Annotations::enumConstant).isEmpty()) {
                    report.report(Message.INVALID_ATTRIBUTE, type, weightedLoss, value.orElse(null), "WeightedLoss",
                            attribute);
                }
            }
            Optional<AnnotationValue> length = Annotations.value(elements, weightedLoss, "rampLength");
            Optional<Number> number = length.flatMap(v -> Annotations.number(v.getValue()));
            if (number.isEmpty()) {
                report.report(Message.INVALID_ATTRIBUTE, type, weightedLoss, length.orElse(null), "WeightedLoss",
                        "rampLength");
            } else if (number.get().longValue() <= 0) {
                report.report(Message.RAMP_LENGTH, type, weightedLoss,
                        Annotations.explicitValue(weightedLoss, "rampLength").orElse(null), number.get().longValue());
            }
        }

        /**
         * The gradient-level strategies act on the parameters the branches share; warns when the model has none.
         * Experts and stitches are shared where several branch losses depend on them (the runtime decides which from
         * the graph), so a model with them may share without a {@code @Shared} method.
         */
        private void warnWithoutSharedParameters(String weighting, AnnotationValue weightingValue) {
            if (sharedMethods.stream().noneMatch(m -> takesLayers(m.method()))
                    && parts.parts().stream().allMatch(m -> m.gate().isPresent())) {
                report.report(Message.NO_SHARED_PARAMETERS, type, weightedLoss, weightingValue, weighting,
                        type.getSimpleName());
            }
        }

        /** A rate in [0, 1] (GradDrop's leak, DB-MTL's β), or in (0, 1] without {@code zeroAllowed} (MoCo's β). */
        private void validateUnitInterval(String attribute, Message message, boolean zeroAllowed) {
            Optional<AnnotationValue> explicit = Annotations.explicitValue(weightedLoss, attribute);
            Optional<Double> value = Annotations.doubleValue(elements, weightedLoss, attribute);
            if (value.isEmpty()) {
                report.report(Message.INVALID_ATTRIBUTE, type, weightedLoss, explicit.orElse(null), "WeightedLoss",
                        attribute);
                return;
            }
            double v = value.get();
            if (!((zeroAllowed ? v >= 0 : v > 0) && v <= 1)) {
                report.report(message, type, weightedLoss, explicit.orElse(null), v);
            }
        }

        /** CAGrad's rescale: 0, 1 or 2, LibMTL's three choices. */
        private void validateCaGradRescale() {
            Optional<AnnotationValue> explicit = Annotations.explicitValue(weightedLoss, "caGradRescale");
            Optional<Number> value = Annotations.value(elements, weightedLoss, "caGradRescale")
                    .flatMap(v -> Annotations.number(v.getValue()));
            if (value.isEmpty()) {
                report.report(Message.INVALID_ATTRIBUTE, type, weightedLoss, explicit.orElse(null), "WeightedLoss",
                        "caGradRescale");
            } else if (value.get().intValue() < 0 || value.get().intValue() > 2) {
                report.report(Message.CAGRAD_RESCALE, type, weightedLoss, explicit.orElse(null),
                        value.get().intValue());
            }
        }

        /**
         * DWA's temperature, STCH's μ, FAMO's learning rate, FairGrad's α (positive) or GradNorm's asymmetry, FAMO's
         * weight decay, CAGrad's radius, Nash-MTL's clipping norm (zero allowed); finite either way.
         */
        private void validatePositive(String attribute, Message message, boolean zeroAllowed) {
            Optional<AnnotationValue> explicit = Annotations.explicitValue(weightedLoss, attribute);
            Optional<Double> value = Annotations.doubleValue(elements, weightedLoss, attribute);
            if (value.isEmpty()) {
                report.report(Message.INVALID_ATTRIBUTE, type, weightedLoss, explicit.orElse(null), "WeightedLoss",
                        attribute);
                return;
            }
            double v = value.get();
            boolean ok = (zeroAllowed ? v >= 0 : v > 0) && !Double.isInfinite(v);
            if (!ok) {
                report.report(message, type, weightedLoss, explicit.orElse(null), v);
            }
        }

        /** A whole-number attribute that must not be negative (STCH's warm-up epochs). */
        private void validateNotNegative(String attribute, Message message) {
            Optional<AnnotationValue> explicit = Annotations.explicitValue(weightedLoss, attribute);
            Optional<Number> value = Annotations.value(elements, weightedLoss, attribute)
                    .flatMap(v -> Annotations.number(v.getValue()));
            if (value.isEmpty()) {
                report.report(Message.INVALID_ATTRIBUTE, type, weightedLoss, explicit.orElse(null), "WeightedLoss",
                        attribute);
            } else if (value.get().longValue() < 0) {
                report.report(message, type, weightedLoss, explicit.orElse(null), value.get().longValue());
            }
        }

        /** A whole-number attribute that must be positive (SDMGrad's inner iterations, Nash-MTL's update period). */
        private void validatePositiveCount(String attribute, Message message) {
            Optional<AnnotationValue> explicit = Annotations.explicitValue(weightedLoss, attribute);
            Optional<Number> value = Annotations.value(elements, weightedLoss, attribute)
                    .flatMap(v -> Annotations.number(v.getValue()));
            if (value.isEmpty()) {
                report.report(Message.INVALID_ATTRIBUTE, type, weightedLoss, explicit.orElse(null), "WeightedLoss",
                        attribute);
            } else if (value.get().longValue() <= 0) {
                report.report(message, type, weightedLoss, explicit.orElse(null), value.get().longValue());
            }
        }

        /** GradNorm measures on the named {@code @Shared} method, or the last one declared; it must have layers. */
        private void validateGradNormLayer(AnnotationValue weightingValue) {
            if (sharedMethods.isEmpty()) {
                report.report(Message.GRADNORM_WITHOUT_SHARED, type, weightedLoss, weightingValue,
                        type.getSimpleName());
                return;
            }
            Optional<AnnotationValue> explicit = Annotations.explicitValue(weightedLoss, "sharedLayer");
            String name = Annotations.stringValue(elements, weightedLoss, "sharedLayer").orElse("");
            WeightingConventions conventions = new WeightingConventions(elements, weightedLoss);
            if (conventions.gradNormScope() == GradNormScope.ALL_SHARED) {
                if (!name.isEmpty()) {
                    String who = conventions.isExplicit("gradNormScope") ? "gradNormScope = ALL_SHARED"
                            : "convention = " + conventions.convention() + " (gradNormScope ALL_SHARED)";
                    report.report(Message.GRADNORM_LAYER_WITH_ALL_SHARED, type, weightedLoss, explicit.orElse(null),
                            who, name);
                }
                if (sharedMethods.stream().noneMatch(m -> takesLayers(m.method()))) {
                    report.report(Message.GRADNORM_WITHOUT_SHARED, type, weightedLoss, weightingValue,
                            type.getSimpleName());
                }
                return;
            }
            ModelMethod measured;
            if (name.isEmpty()) {
                measured = sharedMethods.get(sharedMethods.size() - 1);
            } else {
                measured = sharedMethods.stream().filter(m -> m.name().equals(name)).findFirst().orElse(null);
                if (measured == null) {
                    report.report(Message.UNKNOWN_SHARED_LAYER, type, weightedLoss, explicit.orElse(null), name,
                            Suggestions.didYouMean(name, sharedMethods.stream().map(ModelMethod::name).toList()));
                    return;
                }
            }
            if (!takesLayers(measured.method())) {
                report.report(Message.SHARED_LAYER_WITHOUT_LAYERS, type, weightedLoss,
                        explicit.orElse(weightingValue), measured.name());
            }
        }

        /**
         * A schedule or strategy class: the generated code calls {@code new C()} through {@code C::new} from the
         * model's package, and the runtime uses it through the interface. Types are compared by qualified name,
         * since the processor does not depend on the runtime.
         */
        private void validateImplementation(AnnotationValue value, String interfaceName, Message message) {
            if (!(value.getValue() instanceof TypeMirror mirror) || mirror.getKind() == TypeKind.ERROR) {
                // Missing types are deferred before validation; anything else unreadable did not compile.
                report.report(Message.INVALID_ATTRIBUTE, type, weightedLoss, value, "WeightedLoss",
                        message == Message.SCHEDULE_CLASS ? "schedule" : "strategy");
                return;
            }
            if (!(mirror instanceof DeclaredType declared) || !(declared.asElement() instanceof TypeElement cls)) {
                report.report(message, type, weightedLoss, value, mirror, "is not a class");
                return;
            }
            List<String> reasons = new ArrayList<>();
            String packageName = elements.getPackageOf(type).getQualifiedName().toString();
            if (cls.getKind() == ElementKind.INTERFACE || cls.getKind() == ElementKind.ANNOTATION_TYPE) {
                reasons.add("is an interface");
            } else if (cls.getKind() == ElementKind.ENUM) {
                reasons.add("is an enum");
            } else if (cls.getModifiers().contains(Modifier.ABSTRACT)) {
                reasons.add("is abstract");
            }
            if (!implementsInterface(cls, interfaceName)) {
                reasons.add("does not implement " + interfaceName.substring(interfaceName.lastIndexOf('.') + 1));
            }
            if (cls.getNestingKind() == NestingKind.MEMBER && !cls.getModifiers().contains(Modifier.STATIC)
                    && cls.getKind() == ElementKind.CLASS) {
                reasons.add("is an inner class: make it static");
            }
            if (!accessible(cls, packageName)) {
                reasons.add("is not public");
            }
            boolean constructor = ElementFilter.constructorsIn(cls.getEnclosedElements()).stream().anyMatch(c ->
                    c.getParameters().isEmpty()
                            && (c.getModifiers().contains(Modifier.PUBLIC)
                                    || !c.getModifiers().contains(Modifier.PRIVATE) && samePackage(cls, packageName))
                            && c.getThrownTypes().stream().noneMatch(ModelValidator.this::isChecked));
            if (!constructor && cls.getKind() != ElementKind.INTERFACE) {
                reasons.add("has no public no-argument constructor that throws no checked exception");
            }
            if (!reasons.isEmpty()) {
                report.report(message, type, weightedLoss, value, cls.getQualifiedName(),
                        String.join(" and ", reasons));
            }
        }

        private boolean implementsInterface(TypeElement cls, String interfaceName) {
            List<TypeMirror> pending = new ArrayList<>(List.of(cls.asType()));
            Set<String> seen = new java.util.HashSet<>();
            while (!pending.isEmpty()) {
                TypeMirror next = pending.remove(pending.size() - 1);
                if (!(next instanceof DeclaredType declared) || !(declared.asElement() instanceof TypeElement e)
                        || !seen.add(e.getQualifiedName().toString())) {
                    continue;
                }
                if (e.getQualifiedName().contentEquals(interfaceName)) {
                    return true;
                }
                pending.addAll(types.directSupertypes(next));
            }
            return false;
        }

        /** Whether code in {@code packageName} can name the class: public all the way out, or package-visible. */
        private boolean accessible(TypeElement cls, String packageName) {
            for (Element e = cls; e instanceof TypeElement; e = e.getEnclosingElement()) {
                Set<Modifier> modifiers = e.getModifiers();
                if (modifiers.contains(Modifier.PRIVATE)
                        || !modifiers.contains(Modifier.PUBLIC) && !samePackage(cls, packageName)) {
                    return false;
                }
            }
            return true;
        }

        private boolean samePackage(TypeElement cls, String packageName) {
            return elements.getPackageOf(cls).getQualifiedName().contentEquals(packageName);
        }

        private void validateTrainable(int branchCount) {
            Optional<Double> min = Annotations.doubleValue(elements, weightedLoss, "min");
            Optional<Double> max = Annotations.doubleValue(elements, weightedLoss, "max");
            Optional<Double> initial = Annotations.doubleValue(elements, weightedLoss, "initial");
            if (min.isEmpty() || max.isEmpty() || initial.isEmpty()) {
                report.report(Message.INVALID_ATTRIBUTE, type, weightedLoss, "WeightedLoss", "min, max or initial");
                return;
            }
            double lo = min.get();
            double hi = max.get();
            AnnotationValue minValue = Annotations.explicitValue(weightedLoss, "min").orElse(null);
            AnnotationValue maxValue = Annotations.explicitValue(weightedLoss, "max").orElse(null);
            if (!(0 <= lo && lo <= hi && hi <= 1)) {
                report.report(Message.TRAINABLE_BOUNDS, type, weightedLoss, minValue != null ? minValue : maxValue,
                        lo, hi);
                return;
            }
            if (branchCount > 2 && !(lo * branchCount <= 1 && 1 <= hi * branchCount)) {
                report.report(Message.TRAINABLE_INFEASIBLE, type, weightedLoss,
                        minValue != null ? minValue : maxValue, branchCount, branchCount, branchCount, lo, hi);
            }
            Optional<AnnotationValue> initialValue = Annotations.explicitValue(weightedLoss, "initial");
            if (branchCount > 2) {
                initialValue.ifPresent(value -> report.report(Message.WEIGHTING_ATTRIBUTE_IGNORED, type,
                        weightedLoss, value, "TRAINABLE weighting with " + branchCount + " branches", "initial"));
            } else if (!(lo <= initial.get() && initial.get() <= hi)) {
                report.report(Message.TRAINABLE_INITIAL, type, weightedLoss, initialValue.orElse(null), lo, hi,
                        initial.get());
            }
        }

        private String annotationName(AnnotationMirror annotation) {
            return annotation.getAnnotationType().asElement().getSimpleName().toString();
        }
    }
}
