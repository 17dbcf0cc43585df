package io.github.branchwise.processor.writing;

import com.palantir.javapoet.AnnotationSpec;
import com.palantir.javapoet.CodeBlock;
import io.github.branchwise.processor.base.TypeNames;
import java.util.List;
import java.util.stream.Collectors;

/** Pieces every writer uses: the {@code @Generated} annotation, literals, javadoc fragments. */
final class Snippets {
    private Snippets() {
    }

    /** {@code @Generated("io.github.branchwise.processor.BranchwiseProcessor")}: no date, so output is stable. */
    static AnnotationSpec generated() {
        return AnnotationSpec.builder(TypeNames.GENERATED).addMember("value", "$S", TypeNames.PROCESSOR).build();
    }

    /** The dimensions of a shape as a comma-separated list of Java literals, {@code 3, 3, 1}. */
    static String dimensions(List<Long> shape) {
        return shape.stream().map(Snippets::longLiteral).collect(Collectors.joining(", "));
    }

    /** A {@code long} literal; the suffix only where an {@code int} literal would not do. */
    static String longLiteral(long value) {
        return value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE ? Long.toString(value) : value + "L";
    }

    /** A {@code double} literal; validation guarantees the value is finite. */
    static String doubleLiteral(double value) {
        return Double.toString(value);
    }

    /** A shape with its batch dimension, for javadoc: {@code [batch, 3, 3, 1]}. */
    static CodeBlock batchShape(List<Long> shape) {
        String dims = shape.isEmpty() ? "" : ", " + shape.stream().map(String::valueOf).collect(Collectors.joining(", "));
        return CodeBlock.of("{@code [batch$L]}", dims);
    }

    /** {@code {@code name}}, for javadoc. */
    static String code(String name) {
        return "{@code " + name + "}";
    }
}
