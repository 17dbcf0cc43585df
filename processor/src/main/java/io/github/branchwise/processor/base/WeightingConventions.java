package io.github.branchwise.processor.base;

import io.github.branchwise.annotations.Convention;
import io.github.branchwise.annotations.EpochMean;
import io.github.branchwise.annotations.GradNormScope;
import io.github.branchwise.annotations.GradNormWarmup;
import io.github.branchwise.annotations.GradientSource;
import io.github.branchwise.annotations.HeadGradients;
import io.github.branchwise.annotations.MgdaNormalization;
import io.github.branchwise.annotations.PcGradOrder;
import io.github.branchwise.annotations.UncertaintyScale;
import java.util.Optional;
import java.util.function.Function;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.util.Elements;

/**
 * The convention attributes of one {@code @WeightedLoss}, resolved: an attribute set explicitly wins, any other
 * takes the value of the annotation's {@code convention} preset ({@link Convention#BRANCHWISE} by default, whose
 * values are the attributes' declared defaults).
 */
public final class WeightingConventions {
    private final Elements elements;
    private final AnnotationMirror annotation;
    private final Convention convention;

    /** The conventions of {@code annotation}, a {@code @WeightedLoss} that compiled. */
    public WeightingConventions(Elements elements, AnnotationMirror annotation) {
        this.elements = elements;
        this.annotation = annotation;
        this.convention = Annotations.enumValue(elements, annotation, "convention").map(Convention::valueOf)
                .orElse(Convention.BRANCHWISE);
    }

    /** The preset. */
    public Convention convention() {
        return convention;
    }

    /** Whether the user set {@code attribute} in the annotation. */
    public boolean isExplicit(String attribute) {
        return Annotations.explicitValue(annotation, attribute).isPresent();
    }

    private <E extends Enum<E>> E resolve(String attribute, Class<E> type, Function<Convention, E> preset) {
        if (isExplicit(attribute)) {
            Optional<String> name = Annotations.enumValue(elements, annotation, attribute);
            if (name.isPresent()) {
                return Enum.valueOf(type, name.get());
            }
        }
        return preset.apply(convention);
    }

    /** {@code headGradients}, resolved. */
    public HeadGradients headGradients() {
        return resolve("headGradients", HeadGradients.class, Convention::headGradients);
    }

    /** {@code mgdaNormalization}, resolved. */
    public MgdaNormalization mgdaNormalization() {
        return resolve("mgdaNormalization", MgdaNormalization.class, Convention::mgdaNormalization);
    }

    /** {@code uncertaintyScale}, resolved. */
    public UncertaintyScale uncertaintyScale() {
        return resolve("uncertaintyScale", UncertaintyScale.class, Convention::uncertaintyScale);
    }

    /** {@code initialLogVariance}, resolved; the preset's when the explicit value did not compile. */
    public double initialLogVariance() {
        if (isExplicit("initialLogVariance")) {
            Optional<Double> value = Annotations.doubleValue(elements, annotation, "initialLogVariance");
            if (value.isPresent()) {
                return value.get();
            }
        }
        return convention.initialLogVariance();
    }

    /** {@code gradNormWarmup}, resolved. */
    public GradNormWarmup gradNormWarmup() {
        return resolve("gradNormWarmup", GradNormWarmup.class, Convention::gradNormWarmup);
    }

    /** {@code gradNormScope}, resolved. */
    public GradNormScope gradNormScope() {
        return resolve("gradNormScope", GradNormScope.class, Convention::gradNormScope);
    }

    /** {@code pcGradOrder}, resolved. */
    public PcGradOrder pcGradOrder() {
        return resolve("pcGradOrder", PcGradOrder.class, Convention::pcGradOrder);
    }

    /** {@code gradientSource}, resolved. */
    public GradientSource gradientSource() {
        return resolve("gradientSource", GradientSource.class, Convention::gradientSource);
    }

    /** {@code epochMean}, resolved. */
    public EpochMean epochMean() {
        return resolve("epochMean", EpochMean.class, Convention::epochMean);
    }
}
