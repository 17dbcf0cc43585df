package io.github.branchwise.processor.base;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.util.Elements;

/**
 * Reads annotation mirrors without loading the annotation classes' values reflectively.
 *
 * <p>Mirrors rather than {@code Element.getAnnotation} because errors are reported on the annotation value at
 * fault, and because a value that does not compile reaches a processor as something other than the declared type
 * (a string, under javac): every reader here returns empty instead of throwing on such a value.
 */
public final class Annotations {
    private Annotations() {
    }

    /** The annotation of the given type on the element, if present. */
    public static Optional<AnnotationMirror> find(Element element, Class<?> annotationType) {
        String name = annotationType.getCanonicalName();
        for (AnnotationMirror mirror : element.getAnnotationMirrors()) {
            Element type = mirror.getAnnotationType().asElement();
            if (type instanceof TypeElement typeElement && typeElement.getQualifiedName().contentEquals(name)) {
                return Optional.of(mirror);
            }
        }
        return Optional.empty();
    }

    /** The value the user wrote for an attribute, empty when it was left at its default. */
    public static Optional<AnnotationValue> explicitValue(AnnotationMirror mirror, String attribute) {
        for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> entry
                : mirror.getElementValues().entrySet()) {
            if (entry.getKey().getSimpleName().contentEquals(attribute)) {
                return Optional.of(entry.getValue());
            }
        }
        return Optional.empty();
    }

    /** The value of an attribute, written or default. */
    public static Optional<AnnotationValue> value(Elements elements, AnnotationMirror mirror, String attribute) {
        for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> entry
                : elements.getElementValuesWithDefaults(mirror).entrySet()) {
            if (entry.getKey().getSimpleName().contentEquals(attribute)) {
                return Optional.of(entry.getValue());
            }
        }
        return Optional.empty();
    }

    /** A string attribute, empty when absent or unreadable. */
    public static Optional<String> stringValue(Elements elements, AnnotationMirror mirror, String attribute) {
        return value(elements, mirror, attribute)
                .map(AnnotationValue::getValue)
                .filter(String.class::isInstance)
                .map(String.class::cast);
    }

    /** A numeric attribute, empty when absent or unreadable. */
    public static Optional<Double> doubleValue(Elements elements, AnnotationMirror mirror, String attribute) {
        return value(elements, mirror, attribute).flatMap(v -> number(v.getValue())).map(Number::doubleValue);
    }

    /** The simple name of an enum constant attribute, empty when absent or unreadable. */
    public static Optional<String> enumValue(Elements elements, AnnotationMirror mirror, String attribute) {
        return value(elements, mirror, attribute).flatMap(Annotations::enumConstant);
    }

    /** The simple name of the enum constant an annotation value holds, empty when it holds something else. */
    public static Optional<String> enumConstant(AnnotationValue value) {
        return value.getValue() instanceof VariableElement constant
                ? Optional.of(constant.getSimpleName().toString())
                : Optional.empty();
    }

    /** The elements of an array attribute, empty when absent or unreadable. */
    public static Optional<List<AnnotationValue>> arrayValue(
            Elements elements, AnnotationMirror mirror, String attribute) {
        return value(elements, mirror, attribute).flatMap(Annotations::elementsOf);
    }

    /** The elements an array annotation value holds, empty when it holds something else. */
    public static Optional<List<AnnotationValue>> elementsOf(AnnotationValue value) {
        if (!(value.getValue() instanceof List<?> list)) {
            return Optional.empty();
        }
        List<AnnotationValue> result = new ArrayList<>();
        for (Object item : list) {
            if (!(item instanceof AnnotationValue itemValue)) {
                return Optional.empty();
            }
            result.add(itemValue);
        }
        return Optional.of(result);
    }

    /** The number an annotation value holds; compilers differ in the boxed type of a widened constant. */
    public static Optional<Number> number(Object value) {
        return value instanceof Number number ? Optional.of(number) : Optional.empty();
    }
}
