package io.github.branchwise.processor.writing;

import static javax.lang.model.element.Modifier.PUBLIC;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import io.github.branchwise.processor.base.TypeNames;
import io.github.branchwise.processor.binding.BranchDescriptor;
import io.github.branchwise.processor.binding.InputDescriptor;
import io.github.branchwise.processor.binding.ModelDescriptor;
import java.util.Objects;

/** Writes the four records whose components are named after the model's inputs and branches. */
final class RecordsWriter {
    private final ModelDescriptor model;
    private final ClassName modelClass;

    RecordsWriter(ModelDescriptor model) {
        this.model = model;
        this.modelClass = model.names().model();
    }

    /** {@code <Model>Batch}: the inputs, then one target per branch, in declaration order. */
    TypeSpec batch() {
        TypeSpec.Builder type = record(model.names().batch(),
                "One batch of {@link $T}'s data: the inputs, then the target of every branch.\n", modelClass);
        MethodSpec.Builder constructor = MethodSpec.constructorBuilder();
        MethodSpec.Builder compact = MethodSpec.compactConstructorBuilder()
                .addModifiers(PUBLIC)
                .addJavadoc("Checks that no array is missing.\n");
        for (InputDescriptor input : model.inputs()) {
            component(type, constructor, TypeNames.INDARRAY, input.name(),
                    "the input $L, shape $L", Snippets.code(input.name()), Snippets.batchShape(input.shape()));
            compact.addStatement("$T.requireNonNull($N, $S)", Objects.class, input.name(), input.name());
        }
        for (BranchDescriptor branch : model.branches()) {
            component(type, constructor, TypeNames.INDARRAY, branch.name(),
                    "the target of branch $L, shape $L", Snippets.code(branch.name()),
                    Snippets.batchShape(branch.shape()));
            compact.addStatement("$T.requireNonNull($N, $S)", Objects.class, branch.name(), branch.name());
        }
        return type.recordConstructor(constructor.build()).addMethod(compact.build()).build();
    }

    /** {@code <Model>Prediction}: one output per branch. */
    TypeSpec prediction() {
        TypeSpec.Builder type = record(model.names().prediction(),
                "The outputs of {@link $T}'s branches for one batch of inputs.\n", modelClass);
        MethodSpec.Builder constructor = MethodSpec.constructorBuilder();
        for (BranchDescriptor branch : model.branches()) {
            component(type, constructor, TypeNames.INDARRAY, branch.name(),
                    "the output of branch $L, shape $L", Snippets.code(branch.name()),
                    Snippets.batchShape(branch.shape()));
        }
        return type.recordConstructor(constructor.build()).build();
    }

    /** {@code <Model>Losses}: the weighted total, then one loss per branch. */
    TypeSpec losses() {
        TypeSpec.Builder type = record(model.names().losses(),
                "The losses of {@link $T} on one batch: the weighted total that training minimises,\n"
                        + "then each branch's loss, the batch mean of its per-example loss.\n", modelClass);
        MethodSpec.Builder constructor = MethodSpec.constructorBuilder();
        component(type, constructor, TypeName.DOUBLE, "total", "the weighted sum of the branch losses");
        for (BranchDescriptor branch : model.branches()) {
            component(type, constructor, TypeName.DOUBLE, branch.name(), "the loss of branch $L",
                    Snippets.code(branch.name()));
        }
        return type.recordConstructor(constructor.build()).build();
    }

    /** {@code <Model>LossWeights}: the weight of each branch loss in the total. */
    TypeSpec lossWeights() {
        TypeSpec.Builder type = record(model.names().lossWeights(),
                "The weight of each of {@link $T}'s branch losses in the total loss.\n", modelClass);
        MethodSpec.Builder constructor = MethodSpec.constructorBuilder();
        for (BranchDescriptor branch : model.branches()) {
            component(type, constructor, TypeName.DOUBLE, branch.name(), "the weight of branch $L's loss",
                    Snippets.code(branch.name()));
        }
        return type.recordConstructor(constructor.build()).build();
    }

    private TypeSpec.Builder record(ClassName name, String javadoc, Object... args) {
        return TypeSpec.recordBuilder(name)
                .addOriginatingElement(model.element())
                .addJavadoc(javadoc, args)
                .addAnnotation(Snippets.generated())
                .addModifiers(PUBLIC);
    }

    /**
     * Adds one component, documented by an {@code @param} tag of the record's javadoc (javadoc shows it on the
     * accessor too). The first tag is preceded by the blank line that ends the description.
     */
    private static void component(TypeSpec.Builder type, MethodSpec.Builder constructor, TypeName componentType,
            String name, String javadoc, Object... args) {
        String separator = constructor.build().parameters().isEmpty() ? "\n" : "";
        constructor.addParameter(ParameterSpec.builder(componentType, name).build());
        type.addJavadoc(CodeBlock.builder().add(separator + "@param $L ", name).add(javadoc, args).add("\n").build());
    }
}
