package io.github.branchwise.processor.model;

import com.palantir.javapoet.ClassName;
import io.github.branchwise.annotations.GradNormScope;
import io.github.branchwise.annotations.GradVacGroups;
import io.github.branchwise.annotations.ImtlMode;
import io.github.branchwise.annotations.InputType;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.annotations.Ramp;
import io.github.branchwise.annotations.RampUnit;
import io.github.branchwise.annotations.WeightedLoss;
import io.github.branchwise.annotations.Weighting;
import io.github.branchwise.processor.base.Annotations;
import io.github.branchwise.processor.base.ModelMethod;
import io.github.branchwise.processor.base.ModelNames;
import io.github.branchwise.processor.base.WeightingConventions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.annotation.processing.ProcessingEnvironment;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.Elements;
import javax.lang.model.util.Types;

/**
 * Turns a model class that passed validation into its {@link ModelDescriptor}.
 *
 * <p>Reads only what the validator accepted: an unreadable value here is a bug, and surfaces as an exception that
 * the processor reports on the class.
 */
public final class ModelReader {
    private final Elements elements;
    private final Types types;

    /** A reader using the compiler's utilities. */
    public ModelReader(ProcessingEnvironment env) {
        this.elements = env.getElementUtils();
        this.types = env.getTypeUtils();
    }

    /** The descriptor of a validated model class. */
    public ModelDescriptor read(TypeElement type) {
        List<InputDescriptor> inputs = new ArrayList<>();
        List<SharedDescriptor> shared = new ArrayList<>();
        List<BranchDescriptor> branches = new ArrayList<>();
        List<LossMethodDescriptor> lossMethods = new ArrayList<>();
        List<ExpertsDescriptor> experts = new ArrayList<>();
        List<ModelMethod> gateMethods = new ArrayList<>();
        List<StitchDescriptor> stitches = new ArrayList<>();
        for (ModelMethod method : ModelMethod.scan(type)) {
            Access access = Access.of(method.method().getModifiers());
            boolean takesLayers = method.method().getParameters().size() == 1;
            if (method.input().isPresent()) {
                AnnotationMirror input = method.input().get();
                inputs.add(new InputDescriptor(name(method, input), method.name(), access, shape(input),
                        InputType.valueOf(Annotations.enumValue(elements, input, "type").orElseThrow()),
                        Annotations.value(elements, input, "vocabulary")
                                .flatMap(v -> Annotations.number(v.getValue())).orElseThrow().longValue()));
            } else if (method.shared().isPresent()) {
                shared.add(new SharedDescriptor(method.name(), access, takesLayers));
            } else if (method.experts().isPresent()) {
                AnnotationMirror annotation = method.experts().get();
                experts.add(new ExpertsDescriptor(method.name(),
                        Annotations.value(elements, annotation, "count")
                                .flatMap(v -> Annotations.number(v.getValue())).orElseThrow().intValue(),
                        Annotations.stringValue(elements, annotation, "input").orElseThrow()));
            } else if (method.gate().isPresent()) {
                // Read once every group is known: a gate without input takes the part its groups read.
                gateMethods.add(method);
            } else if (method.stitch().isPresent()) {
                AnnotationMirror annotation = method.stitch().get();
                stitches.add(new StitchDescriptor(method.name(), access, strings(annotation, "parts"),
                        Annotations.doubleValue(elements, annotation, "own").orElseThrow(),
                        Annotations.doubleValue(elements, annotation, "other").orElseThrow(),
                        (Boolean) Annotations.value(elements, annotation, "perChannel").orElseThrow().getValue()));
            } else if (method.branch().isPresent()) {
                AnnotationMirror branch = method.branch().get();
                Loss loss = Loss.CUSTOM;
                double delta = 1.0;
                if (method.branchLoss().isPresent()) {
                    AnnotationMirror branchLoss = method.branchLoss().get();
                    loss = Loss.valueOf(Annotations.enumValue(elements, branchLoss, "value").orElseThrow());
                    delta = Annotations.doubleValue(elements, branchLoss, "delta").orElseThrow();
                }
                branches.add(new BranchDescriptor(
                        name(method, branch), method.name(), takesLayers, shape(branch), loss, delta));
            } else {
                AnnotationMirror branchLoss = method.branchLoss().orElseThrow();
                lossMethods.add(new LossMethodDescriptor(
                        Annotations.stringValue(elements, branchLoss, "branch").orElseThrow(), method.name()));
            }
        }
        List<GateDescriptor> gates = new ArrayList<>();
        for (ModelMethod method : gateMethods) {
            AnnotationMirror annotation = method.gate().orElseThrow();
            List<String> groups = strings(annotation, "experts");
            String input = Annotations.stringValue(elements, annotation, "input").orElseThrow();
            if (input.isEmpty()) {
                // Validation guarantees that every group reads this same part.
                input = experts.stream().filter(e -> e.name().equals(groups.get(0))).findFirst().orElseThrow()
                        .input();
            }
            gates.add(new GateDescriptor(method.name(), Access.of(method.method().getModifiers()), groups, input));
        }
        return new ModelDescriptor(
                type,
                type.getQualifiedName().toString(),
                ModelNames.of(type),
                inputs,
                shared,
                branches,
                lossMethods,
                experts,
                gates,
                stitches,
                weighting(type, shared),
                isSerializable(type));
    }

    private String name(ModelMethod method, AnnotationMirror annotation) {
        String name = Annotations.stringValue(elements, annotation, "name").orElse("");
        return name.isEmpty() ? method.name() : name;
    }

    private List<Long> shape(AnnotationMirror annotation) {
        List<Long> shape = new ArrayList<>();
        for (AnnotationValue dimension : Annotations.arrayValue(elements, annotation, "shape").orElseThrow()) {
            shape.add(Annotations.number(dimension.getValue()).orElseThrow().longValue());
        }
        return shape;
    }

    private WeightingDescriptor weighting(TypeElement type, List<SharedDescriptor> shared) {
        AnnotationMirror annotation = Annotations.find(type, WeightedLoss.class).orElseThrow();
        Weighting kind = Weighting.valueOf(Annotations.enumValue(elements, annotation, "weighting").orElseThrow());
        WeightingConventions conventions = new WeightingConventions(elements, annotation);
        String sharedLayer = "";
        if (kind == Weighting.GRADNORM && conventions.gradNormScope() == GradNormScope.LAST_SHARED_LAYER) {
            sharedLayer = Annotations.stringValue(elements, annotation, "sharedLayer").orElseThrow();
            if (sharedLayer.isEmpty()) {
                sharedLayer = shared.get(shared.size() - 1).methodName();
            }
        }
        return new WeightingDescriptor(
                kind,
                Annotations.doubleValue(elements, annotation, "initial").orElseThrow(),
                Annotations.doubleValue(elements, annotation, "min").orElseThrow(),
                Annotations.doubleValue(elements, annotation, "max").orElseThrow(),
                doubles(annotation, "weights"),
                doubles(annotation, "endWeights"),
                Ramp.valueOf(Annotations.enumValue(elements, annotation, "ramp").orElseThrow()),
                Annotations.value(elements, annotation, "rampLength")
                        .flatMap(v -> Annotations.number(v.getValue())).orElseThrow().longValue(),
                RampUnit.valueOf(Annotations.enumValue(elements, annotation, "rampUnit").orElseThrow()),
                className(annotation, "schedule"),
                Annotations.doubleValue(elements, annotation, "temperature").orElseThrow(),
                Annotations.doubleValue(elements, annotation, "asymmetry").orElseThrow(),
                sharedLayer,
                className(annotation, "strategy"),
                conventions.convention(),
                conventions.headGradients(),
                conventions.mgdaNormalization(),
                conventions.uncertaintyScale(),
                conventions.initialLogVariance(),
                conventions.gradNormWarmup(),
                conventions.gradNormScope(),
                conventions.pcGradOrder(),
                conventions.epochMean(),
                conventions.gradientSource(),
                Annotations.doubleValue(elements, annotation, "caGradRadius").orElseThrow(),
                Annotations.value(elements, annotation, "caGradRescale")
                        .flatMap(v -> Annotations.number(v.getValue())).orElseThrow().intValue(),
                Annotations.doubleValue(elements, annotation, "stchMu").orElseThrow(),
                Annotations.value(elements, annotation, "stchWarmupEpochs")
                        .flatMap(v -> Annotations.number(v.getValue())).orElseThrow().longValue(),
                Annotations.doubleValue(elements, annotation, "famoLearningRate").orElseThrow(),
                Annotations.doubleValue(elements, annotation, "famoWeightDecay").orElseThrow(),
                ImtlMode.valueOf(
                        Annotations.enumValue(elements, annotation, "imtlMode").orElseThrow()),
                Annotations.doubleValue(elements, annotation, "gradVacBeta").orElseThrow(),
                GradVacGroups.valueOf(
                        Annotations.enumValue(elements, annotation, "gradVacGroups").orElseThrow()),
                Annotations.doubleValue(elements, annotation, "sdmGradLambda").orElseThrow(),
                Annotations.value(elements, annotation, "sdmGradIterations")
                        .flatMap(v -> Annotations.number(v.getValue())).orElseThrow().intValue(),
                Annotations.doubleValue(elements, annotation, "modoGamma").orElseThrow(),
                Annotations.doubleValue(elements, annotation, "modoRho").orElseThrow(),
                Annotations.doubleValue(elements, annotation, "nashMtlMaxNorm").orElseThrow(),
                Annotations.value(elements, annotation, "nashMtlUpdateEvery")
                        .flatMap(v -> Annotations.number(v.getValue())).orElseThrow().intValue(),
                Annotations.doubleValue(elements, annotation, "fairGradAlpha").orElseThrow(),
                Annotations.doubleValue(elements, annotation, "gradDropLeak").orElseThrow(),
                Annotations.doubleValue(elements, annotation, "dbMtlBeta").orElseThrow(),
                Annotations.doubleValue(elements, annotation, "dbMtlBetaSigma").orElseThrow(),
                Annotations.doubleValue(elements, annotation, "mocoBeta").orElseThrow(),
                Annotations.doubleValue(elements, annotation, "mocoBetaSigma").orElseThrow(),
                Annotations.doubleValue(elements, annotation, "mocoGamma").orElseThrow(),
                Annotations.doubleValue(elements, annotation, "mocoGammaSigma").orElseThrow(),
                Annotations.doubleValue(elements, annotation, "mocoRho").orElseThrow(),
                Annotations.doubleValue(elements, annotation, "excessMtlStepSize").orElseThrow());
    }

    private List<String> strings(AnnotationMirror annotation, String attribute) {
        List<String> values = new ArrayList<>();
        for (AnnotationValue value : Annotations.arrayValue(elements, annotation, attribute).orElseThrow()) {
            values.add((String) value.getValue());
        }
        return values;
    }

    private List<Double> doubles(AnnotationMirror annotation, String attribute) {
        List<Double> values = new ArrayList<>();
        for (AnnotationValue value : Annotations.arrayValue(elements, annotation, attribute).orElseThrow()) {
            values.add(Annotations.number(value.getValue()).orElseThrow().doubleValue());
        }
        return values;
    }

    /** The class a class attribute names, empty for {@code void.class}. */
    private Optional<ClassName> className(AnnotationMirror annotation, String attribute) {
        Object value = Annotations.value(elements, annotation, attribute).orElseThrow().getValue();
        if (value instanceof DeclaredType declared && declared.asElement() instanceof TypeElement element) {
            return Optional.of(ClassName.get(element));
        }
        return Optional.empty();
    }

    private boolean isSerializable(TypeElement type) {
        TypeElement serializable = elements.getTypeElement("java.io.Serializable");
        TypeMirror erased = types.erasure(type.asType());
        return serializable != null && types.isAssignable(erased, serializable.asType());
    }
}
