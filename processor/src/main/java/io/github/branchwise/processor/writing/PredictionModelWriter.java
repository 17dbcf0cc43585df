package io.github.branchwise.processor.writing;

import static javax.lang.model.element.Modifier.FINAL;
import static javax.lang.model.element.Modifier.PRIVATE;
import static javax.lang.model.element.Modifier.PUBLIC;
import static javax.lang.model.element.Modifier.STATIC;

import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.NameAllocator;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import io.github.branchwise.processor.base.ModelNames;
import io.github.branchwise.processor.base.TypeNames;
import io.github.branchwise.processor.model.InputDescriptor;
import io.github.branchwise.processor.model.ModelDescriptor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** Writes {@code <Model>PredictionModel}: the typed forward pass. */
final class PredictionModelWriter {
    private final ModelDescriptor model;

    PredictionModelWriter(ModelDescriptor model) {
        this.model = model;
    }

    TypeSpec write() {
        ModelNames names = model.names();
        return TypeSpec.classBuilder(names.predictionModel())
                .addOriginatingElement(model.element())
                .addJavadoc("Runs {@link $T} forward: one parameter per input, one output per branch.\n\n", names.model())
                .addJavadoc("<p>A prediction model from {@link $T#predictionModel()} shares its parameters\n"
                        + "with the training model, so it predicts with the values training has reached so far.\n",
                        names.trainingModel())
                .addAnnotation(Snippets.generated())
                .addModifiers(PUBLIC, FINAL)
                .addField(TypeNames.PREDICTOR, "predictor", PRIVATE, FINAL)
                .addMethod(MethodSpec.constructorBuilder()
                        .addParameter(TypeNames.PREDICTOR, "predictor")
                        .addStatement("this.predictor = predictor")
                        .build())
                .addMethod(predict())
                .addMethod(predictExample(TypeName.FLOAT))
                .addMethod(predictExample(TypeName.DOUBLE))
                .addMethod(MethodSpec.methodBuilder("load")
                        .addJavadoc("Loads a model saved by {@link $T#save(Path)}, for prediction only.\n\n",
                                names.trainingModel())
                        .addJavadoc("@param file the saved model\n@return the prediction model\n")
                        .addJavadoc("@throws IOException when the file cannot be read or is not a saved $T\n",
                                names.model())
                        .addModifiers(PUBLIC, STATIC)
                        .returns(names.predictionModel())
                        .addParameter(Path.class, "file")
                        .addException(IOException.class)
                        .addStatement("return new $T($T.load($T.SPEC, file).predictor())",
                                names.predictionModel(), TypeNames.TRAINER, names.trainingModel())
                        .build())
                .build();
    }

    /**
     * {@code predict(float[]...)} or {@code predict(double[]...)}: one example, one flattened array per input, checked
     * and converted by the runtime ({@code Predictor.predictExample}), its outputs as a {@code <Model>ExamplePrediction}.
     */
    private MethodSpec predictExample(TypeName element) {
        NameAllocator allocator = new NameAllocator();
        model.inputs().forEach(input -> allocator.newName(input.name()));
        String out = allocator.newName("out");
        String field = model.inputs().stream().anyMatch(input -> input.name().equals("predictor"))
                ? "this.predictor" : "predictor";
        ArrayTypeName array = ArrayTypeName.of(element);
        String batchParameters = model.inputs().stream().map(i -> "INDArray").collect(Collectors.joining(", "));
        MethodSpec.Builder method = MethodSpec.methodBuilder("predict")
                .addJavadoc("Predicts every branch for one example given as Java arrays, one per input, each the\n"
                        + "example flattened row-major (C order, the last axis varying fastest, as in the input's\n"
                        + "{@code INDArray}: for an image {@code [height, width, channels]}, NHWC without the batch\n"
                        + "axis, a pixel's channels are adjacent). The same as {@link #predict($L)} on a batch\n"
                        + "of one; every array is checked first.\n", batchParameters)
                .addJavadoc(element.equals(TypeName.DOUBLE)
                        ? "The values are converted to the model's data type ({@code float} unless\n"
                                + "{@code TrainingOptions} chose {@code DOUBLE}).\n\n"
                        : "\n")
                .addModifiers(PUBLIC)
                .returns(model.names().examplePrediction());
        for (InputDescriptor input : model.inputs()) {
            method.addParameter(array, input.name());
            method.addJavadoc("@param $L the input $L of one example, shape $L:\n        $L\n", input.name(),
                    Snippets.code(input.name()), Snippets.exampleShape(input.shape()),
                    Snippets.flattened(input.shape()));
        }
        method.addJavadoc("@return the example's output of $L, as Java arrays\n", model.branches().stream()
                .map(branch -> Snippets.code(branch.name()))
                .collect(Collectors.joining(", ")));
        method.addJavadoc("@throws IllegalArgumentException when an array is null, does not hold its input's number of "
                + "values,\n        or holds a NaN or infinite value$L; the message names the input, and the\n"
                + "        index within the example\n", element.equals(TypeName.DOUBLE)
                        ? "\n        (or, into a {@code float} model, one beyond float's range)" : "");
        String inputs = model.inputs().stream().map(InputDescriptor::name).collect(Collectors.joining(", "));
        CodeBlock outputs = IntStream.range(0, model.branches().size())
                .mapToObj(i -> CodeBlock.of("$N[$L]", out, i))
                .collect(CodeBlock.joining(", "));
        return method
                .addStatement("$T $N = $L.predictExample(new $T {$L})",
                        ArrayTypeName.of(ArrayTypeName.of(TypeName.DOUBLE)),
                        out, field, ArrayTypeName.of(array), inputs)
                .addStatement("return new $T($L)", model.names().examplePrediction(), outputs)
                .build();
    }

    private MethodSpec predict() {
        // Input names become parameter names: keep the local and the field apart from them.
        NameAllocator allocator = new NameAllocator();
        model.inputs().forEach(input -> allocator.newName(input.name()));
        String out = allocator.newName("out");
        String field = model.inputs().stream().anyMatch(input -> input.name().equals("predictor"))
                ? "this.predictor" : "predictor";
        MethodSpec.Builder method = MethodSpec.methodBuilder("predict")
                .addJavadoc("Predicts every branch for one batch of inputs.\n\n")
                .addModifiers(PUBLIC)
                .returns(model.names().prediction());
        for (InputDescriptor input : model.inputs()) {
            method.addParameter(TypeNames.INDARRAY, input.name());
            method.addJavadoc("@param $L the input $L, shape $L\n",
                    input.name(), Snippets.code(input.name()), Snippets.input(input, "batch"));
        }
        method.addJavadoc("@return the output of $L\n", model.branches().stream()
                .map(branch -> Snippets.code(branch.name()))
                .collect(Collectors.joining(", ")));
        String inputs = model.inputs().stream().map(InputDescriptor::name).collect(Collectors.joining(", "));
        CodeBlock outputs = IntStream.range(0, model.branches().size())
                .mapToObj(i -> CodeBlock.of("$N[$L]", out, i))
                .collect(CodeBlock.joining(", "));
        return method
                .addStatement("$T $N = $L.predict(new $T {$L})",
                        ArrayTypeName.of(TypeNames.INDARRAY), out, field, ArrayTypeName.of(TypeNames.INDARRAY), inputs)
                .addStatement("return new $T($L)", model.names().prediction(), outputs)
                .build();
    }
}
