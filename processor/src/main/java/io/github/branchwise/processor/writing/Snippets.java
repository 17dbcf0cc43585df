package io.github.branchwise.processor.writing;

import com.palantir.javapoet.AnnotationSpec;
import com.palantir.javapoet.CodeBlock;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.processor.base.TypeNames;
import io.github.branchwise.processor.model.BranchDescriptor;
import io.github.branchwise.processor.model.InputDescriptor;
import io.github.branchwise.processor.model.ModelDescriptor;
import java.util.ArrayList;
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
        return shape("batch", shape);
    }

    /** A shape after a leading dimension named {@code leading}, for javadoc: {@code [n, 3, 3, 1]}. */
    static CodeBlock shape(String leading, List<Long> shape) {
        String dims = shape.isEmpty() ? "" : ", " + shape.stream().map(String::valueOf).collect(Collectors.joining(", "));
        return CodeBlock.of("{@code [$L$L]}", leading, dims);
    }

    /** The shape of one example, for javadoc: {@code [3, 3, 1]}, or {@code []} for a scalar. */
    static CodeBlock exampleShape(List<Long> shape) {
        return CodeBlock.of("{@code [$L]}", shape.stream().map(String::valueOf).collect(Collectors.joining(", ")));
    }

    /** The number of values of one example of a shape. */
    static long length(List<Long> shape) {
        return shape.stream().reduce(1L, Math::multiplyExact);
    }

    /**
     * How one example of a shape lies in a Java array, for javadoc: its number of values, and for a shape of rank 2
     * or more the index of each element in row-major order ({@code [5, 5, 2]}: "50 values, element
     * {@code [i, j, k]} at index {@code (i * 5 + j) * 2 + k}").
     */
    static CodeBlock flattened(List<Long> shape) {
        long length = length(shape);
        String values = length + (length == 1 ? " value" : " values");
        if (shape.size() < 2) {
            return CodeBlock.of("$L", values);
        }
        String[] axes = {"i", "j", "k", "l", "m", "n", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z"};
        List<String> names = new ArrayList<>();
        for (int d = 0; d < shape.size(); d++) {
            names.add(d < axes.length ? axes[d] : "i" + d);
        }
        // An axis of size 1 adds its (always zero) coordinate without a product: [3, 3, 1] gives i * 3 + j + k.
        String index = names.get(0);
        for (int d = 1; d < shape.size(); d++) {
            String scaled = shape.get(d) == 1 ? index
                    : (index.contains(" + ") ? "(" + index + ")" : index) + " * " + shape.get(d);
            index = scaled + " + " + names.get(d);
        }
        return CodeBlock.of("$L, element {@code [$L]} at index {@code $L}", values, String.join(", ", names), index);
    }

    /**
     * What an input's array must be, for javadoc: its shape after {@code leading}, and for integer ids their range, as
     * the runtime's {@code BatchChecker} checks it.
     */
    static CodeBlock input(InputDescriptor input, String leading) {
        CodeBlock shape = shape(leading, input.shape());
        if (!input.isIds()) {
            return shape;
        }
        String range = input.vocabulary() > 0 ? "in [0, " + input.vocabulary() + ")"
                : "below the vocabulary of the embedding that reads them";
        return CodeBlock.of("$L, integer ids $L (an integer array, or whole numbers)", shape, range);
    }

    /**
     * What a branch's target must be, for javadoc: its shape after a leading dimension named {@code leading}, and
     * the values its loss needs. The same rules as the runtime's {@code BatchChecker} and
     * {@code BranchSpec.targetShape()} (a test of every loss keeps the two in step): class indices without the
     * class axis for sparse categorical cross-entropy ({@code [batch]} for a branch of shape {@code {3}}), values in
     * [0, 1] for binary cross-entropy, the output's shape for every other loss, a loss method's included.
     */
    static CodeBlock target(ModelDescriptor model, BranchDescriptor branch, String leading) {
        List<Long> shape = branch.shape();
        if (shape.isEmpty() && (branch.loss() == Loss.CATEGORICAL_CROSSENTROPY
                || branch.loss() == Loss.SPARSE_CATEGORICAL_CROSSENTROPY)) {
            // No class axis: the processor warns ([ShapeNoClassAxis]) and there are no classes to describe.
            return CodeBlock.of("shape $L", shape(leading, shape));
        }
        long classes = shape.isEmpty() ? 0 : shape.get(shape.size() - 1);
        return switch (branch.loss()) {
            case SPARSE_CATEGORICAL_CROSSENTROPY -> {
                // The runtime also takes a trailing axis of size 1 in place of the class axis, as Keras does.
                List<Long> indices = shape.subList(0, shape.size() - 1);
                List<Long> withOne = new ArrayList<>(indices);
                withOne.add(1L);
                yield CodeBlock.of("shape $L (or $L), integer class indices in {@code [0, $L)}",
                        shape(leading, indices), shape(leading, withOne), classes);
            }
            case CATEGORICAL_CROSSENTROPY -> CodeBlock.of("shape $L, one-hot (or a probability distribution) over "
                    + "the $L classes of the last axis", shape(leading, shape), classes);
            case BINARY_CROSSENTROPY -> CodeBlock.of("shape $L, values in [0, 1]", shape(leading, shape));
            case MEAN_SQUARED_ERROR, MEAN_ABSOLUTE_ERROR, HUBER -> CodeBlock.of("shape $L, as the output",
                    shape(leading, shape));
            case CUSTOM -> model.lossMethods().stream().filter(m -> m.branch().equals(branch.name())).findFirst()
                    .map(method -> CodeBlock.of("shape $L, as the output; loss method {@code $L} reads it",
                            shape(leading, shape), method.methodName() + "()"))
                    .orElseGet(() -> CodeBlock.of("shape $L, as the output", shape(leading, shape)));
        };
    }

    /** {@code {@code name}}, for javadoc. */
    static String code(String name) {
        return "{@code " + name + "}";
    }
}
