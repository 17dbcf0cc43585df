package io.github.branchwise.processor.writing;

import static javax.lang.model.element.Modifier.FINAL;
import static javax.lang.model.element.Modifier.PRIVATE;
import static javax.lang.model.element.Modifier.PUBLIC;
import static javax.lang.model.element.Modifier.STATIC;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import io.github.branchwise.processor.base.ModelNames;
import io.github.branchwise.processor.base.TypeNames;
import io.github.branchwise.processor.model.BranchDescriptor;
import io.github.branchwise.processor.model.ExpertsDescriptor;
import io.github.branchwise.processor.model.GateDescriptor;
import io.github.branchwise.processor.model.InputDescriptor;
import io.github.branchwise.processor.model.ModelDescriptor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Writes the records whose components are named after the model's inputs, branches and metrics, and the typed
 * epoch and history records of training over epochs.
 */
final class RecordsWriter {
    /** {@code Map<String, Double>}: a row of the history, column name to value. */
    private static final TypeName ROW = ParameterizedTypeName.get(Map.class, String.class, Double.class);

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
                    "the input $L, shape $L", Snippets.code(input.name()), Snippets.input(input, "batch"));
            compact.addStatement("$T.requireNonNull($N, $S)", Objects.class, input.name(), input.name());
        }
        for (BranchDescriptor branch : model.branches()) {
            component(type, constructor, TypeNames.INDARRAY, branch.name(),
                    "the target of branch $L, $L", Snippets.code(branch.name()),
                    Snippets.target(model, branch, "batch"));
            compact.addStatement("$T.requireNonNull($N, $S)", Objects.class, branch.name(), branch.name());
        }
        return type.recordConstructor(constructor.build()).addMethod(compact.build()).build();
    }

    /**
     * {@code <Model>Prediction}: one output per branch, with {@code size()} (the batch size) and {@code example(int)}
     * (one example's outputs as Java arrays). A branch named {@code size} keeps its accessor, a contract older than
     * {@code int size()}, which is then not generated.
     */
    TypeSpec prediction() {
        ModelNames names = model.names();
        boolean sizeIsABranch = model.branches().stream().anyMatch(b -> b.name().equals("size"));
        TypeSpec.Builder type = record(names.prediction(),
                "The outputs of {@link $T}'s branches for one batch of inputs; {@link #example(int)} reads one\n"
                        + "example's as Java arrays.\n", modelClass);
        if (sizeIsABranch) {
            type.addJavadoc("\n<p>The branch {@code size} keeps its accessor {@code size()}; the batch size is\n"
                    + "{@code size().size(0)}.\n");
        }
        MethodSpec.Builder constructor = MethodSpec.constructorBuilder();
        for (BranchDescriptor branch : model.branches()) {
            component(type, constructor, TypeNames.INDARRAY, branch.name(),
                    "the output of branch $L, shape $L", Snippets.code(branch.name()),
                    Snippets.batchShape(branch.shape()));
        }
        BranchDescriptor first = model.branches().get(0);
        if (!sizeIsABranch) {
            type.addMethod(MethodSpec.methodBuilder("size")
                    .addJavadoc("The number of examples in this batch: the leading dimension of every branch output.\n")
                    .addJavadoc("\n@return the batch size, the leading dimension of $L\n", Snippets.code(first.name()))
                    .addModifiers(PUBLIC)
                    .returns(TypeName.INT)
                    .addStatement("return $T.batchSize($S, this.$N)", TypeNames.EXAMPLE_ARRAYS, first.name(),
                            first.name())
                    .build());
        }
        // Fields through "this.": a branch may be named "index".
        CodeBlock rows = model.branches().stream()
                .map(b -> CodeBlock.of("$T.example($S, this.$N, index)", TypeNames.EXAMPLE_ARRAYS, b.name(), b.name()))
                .collect(CodeBlock.joining(",$W"));
        MethodSpec.Builder example = MethodSpec.methodBuilder("example")
                .addJavadoc("The outputs of one example of this batch as Java arrays: row {@code index} of every branch\n"
                        + "output, flattened row-major in the branch's shape.\n\n")
                .addJavadoc(sizeIsABranch
                        ? "@param index the example, from 0 to the batch size - 1\n"
                        : "@param index the example, from 0 to {@link #size()} - 1\n")
                .addJavadoc("@return the example's output of $L;\n        a copy, independent of this batch\n",
                        model.branches().stream().map(b -> Snippets.code(b.name())).collect(
                                Collectors.joining(", ")))
                .addJavadoc("@throws IndexOutOfBoundsException when {@code index} is negative or not less than the "
                        + "batch size\n");
        return type.recordConstructor(constructor.build())
                .addMethod(example
                        .addModifiers(PUBLIC)
                        .returns(names.examplePrediction())
                        .addParameter(TypeName.INT, "index")
                        .addStatement("return new $T($L)", names.examplePrediction(), rows)
                        .build())
                .build();
    }

    /**
     * {@code <Model>ExamplePrediction}: one example's output of each branch as a {@code double[]}, flattened
     * row-major; immutable (copied in and out), compared and printed by content.
     */
    TypeSpec examplePrediction() {
        ModelNames names = model.names();
        ClassName self = names.examplePrediction();
        String floats = model.inputs().stream().map(i -> "float[]").collect(Collectors.joining(", "));
        TypeSpec.Builder type = record(self,
                "The outputs of {@link $T}'s branches for one example, as Java arrays: each branch's output\n"
                        + "flattened row-major (C order: the last axis varies fastest) in the branch's shape.\n"
                        + "{@link $T#predict($L)} returns one, and {@link $T#example(int)} reads one\n"
                        + "of a batch.\n\n"
                        + "<p>Immutable: the constructor copies the arrays it is given and every accessor returns a\n"
                        + "copy. {@code equals}, {@code hashCode} and {@code toString} use the arrays' contents.\n",
                modelClass, names.predictionModel(), floats, names.prediction());
        MethodSpec.Builder constructor = MethodSpec.constructorBuilder();
        MethodSpec.Builder compact = MethodSpec.compactConstructorBuilder()
                .addModifiers(PUBLIC)
                .addJavadoc("Checks that every array holds its branch's number of values, and copies them.\n\n")
                .addJavadoc("@throws NullPointerException when an array is null\n")
                .addJavadoc("@throws IllegalArgumentException when an array's length is not its branch's\n");
        List<MethodSpec> accessors = new ArrayList<>();
        for (BranchDescriptor branch : model.branches()) {
            String name = branch.name();
            component(type, constructor, TypeName.get(double[].class), name,
                    "the output of branch $L, shape $L:\n        $L", Snippets.code(name),
                    Snippets.exampleShape(branch.shape()), Snippets.flattened(branch.shape()));
            compact.addStatement("$N = $T.copy($S, $N$L)", name, TypeNames.EXAMPLE_ARRAYS, name, name,
                    branch.shape().isEmpty() ? "" : ", " + Snippets.dimensions(branch.shape()));
            accessors.add(MethodSpec.methodBuilder(name)
                    .addJavadoc("The output of branch $L for this example, shape $L:\n$L.\n\n", Snippets.code(name),
                            Snippets.exampleShape(branch.shape()), Snippets.flattened(branch.shape()))
                    .addJavadoc("@return a copy of the values\n")
                    .addAnnotation(Override.class)
                    .addModifiers(PUBLIC)
                    .returns(double[].class)
                    .addStatement("return this.$N.clone()", name)
                    .build());
        }
        CodeBlock equal = model.branches().stream()
                .map(b -> CodeBlock.of("$T.equals(this.$N, that.$N)", Arrays.class, b.name(), b.name()))
                .collect(CodeBlock.joining("$W&& "));
        CodeBlock hashed = model.branches().stream()
                .map(b -> CodeBlock.of("this.$N", b.name()))
                .collect(CodeBlock.joining(", "));
        CodeBlock.Builder printed = CodeBlock.builder();
        for (int i = 0; i < model.branches().size(); i++) {
            String name = model.branches().get(i).name();
            printed.add(i == 0 ? "$S + $T.toString(this.$N)" : "$W+ $S + $T.toString(this.$N)",
                    (i == 0 ? self.simpleName() + "[" : ", ") + name + "=", Arrays.class, name);
        }
        printed.add(" + $S", "]");
        return type.recordConstructor(constructor.build())
                .addMethod(compact.build())
                .addMethods(accessors)
                .addMethod(MethodSpec.methodBuilder("equals")
                        .addJavadoc("Whether {@code other} is a {@code $L} with equal values in every branch,\n"
                                + "compared as {@link $T#equals(double[], double[])} does.\n\n", self.simpleName(),
                                Arrays.class)
                        .addJavadoc("@param other the object to compare with\n@return whether it holds the same "
                                + "outputs\n")
                        .addAnnotation(Override.class)
                        .addModifiers(PUBLIC)
                        .returns(TypeName.BOOLEAN)
                        .addParameter(Object.class, "other")
                        .addStatement("return other instanceof $T that$W&& $L", self, equal)
                        .build())
                .addMethod(MethodSpec.methodBuilder("hashCode")
                        .addJavadoc("A hash code of the values of every branch, consistent with {@link #equals}.\n\n"
                                + "@return the hash code\n")
                        .addAnnotation(Override.class)
                        .addModifiers(PUBLIC)
                        .returns(TypeName.INT)
                        .addStatement("return $T.deepHashCode(new Object[] {$L})", Arrays.class, hashed)
                        .build())
                .addMethod(MethodSpec.methodBuilder("toString")
                        .addJavadoc("The values of every branch, as a record prints its components:\n"
                                + "{@code $L}.\n\n@return the text\n", self.simpleName() + "["
                                + model.branches().stream().map(b -> b.name() + "=[...]")
                                        .collect(Collectors.joining(", ")) + "]")
                        .addAnnotation(Override.class)
                        .addModifiers(PUBLIC)
                        .returns(String.class)
                        .addStatement("return $L", printed.build())
                        .build())
                .build();
    }

    /** {@code <Model>Losses}: the weighted total, then one loss per branch. */
    TypeSpec losses() {
        TypeSpec.Builder type = record(model.names().losses(),
                "The losses of {@link $T} on one batch: the weighted total that training minimises,\n"
                        + "then each branch's loss, the batch mean of its per-example loss.\n"
                        + "In {@link $T} they are means over an epoch's examples.\n", modelClass,
                model.names().epoch());
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

    /**
     * {@code <Model>Metrics}: one component per default metric of each branch, named branch then metric
     * ({@code localizationAccuracy}), in branch declaration order.
     */
    TypeSpec metrics() {
        TypeSpec.Builder type = record(model.names().metrics(),
                "The default metrics of {@link $T}'s branches, measured in Java on the branch outputs\n"
                        + "of training (before each update) or of validation, over an epoch or one step.\n"
                        + "Each is the history column {@code <branch>_<metric>} (validation: {@code val_...});\n"
                        + "NaN where it was not measured ({@code FitConfig.builder().defaultMetrics(false)}).\n"
                        + "Metrics added with {@code FitConfig.Builder.metric} are in the untyped history only.\n",
                modelClass);
        MethodSpec.Builder constructor = MethodSpec.constructorBuilder();
        for (BranchDescriptor branch : model.branches()) {
            for (String metric : branch.defaultMetrics()) {
                component(type, constructor, TypeName.DOUBLE, branch.metricComponent(metric), "$L of branch $L, column {@code $L}:\n"
                        + "        $L", metricTitle(metric), Snippets.code(branch.name()), branch.metricColumn(metric),
                        metricDescription(metric, branch));
            }
        }
        return type.recordConstructor(constructor.build()).build();
    }

    private static String metricTitle(String metric) {
        return switch (metric) {
            case "accuracy" -> "the accuracy";
            case "bce" -> "the binary cross-entropy";
            case "mae" -> "the mean absolute error";
            case "rmse" -> "the root mean squared error";
            default -> throw new IllegalArgumentException("no description of metric " + metric);
        };
    }

    private static String metricDescription(String metric, BranchDescriptor branch) {
        return switch (metric) {
            case "accuracy" -> switch (branch.loss()) {
                case CATEGORICAL_CROSSENTROPY -> "the fraction of positions whose largest output is the one-hot "
                        + "target's class";
                case SPARSE_CATEGORICAL_CROSSENTROPY -> "the fraction of positions whose largest output is the "
                        + "target class";
                default -> "the fraction of elements whose output and target are on the same side of 0.5";
            };
            case "bce" -> "the mean per element, outputs clipped as in the loss";
            case "mae" -> "the mean of {@code |output - target|} over every element";
            case "rmse" -> "the square root of the mean of {@code (output - target)²} over every element";
            default -> throw new IllegalArgumentException("no description of metric " + metric);
        };
    }

    /**
     * {@code <Model>Epoch}: what training recorded at one epoch's end, typed, with {@code of(Map)} reading a row of
     * the history's epoch table and package-private readers of the typed parts of any row.
     */
    TypeSpec epoch() {
        ModelNames names = model.names();
        ClassName self = names.epoch();
        TypeName optionalLosses = ParameterizedTypeName.get(ClassName.get(Optional.class), names.losses());
        TypeName optionalMetrics = ParameterizedTypeName.get(ClassName.get(Optional.class), names.metrics());
        TypeSpec.Builder type = record(self,
                "What training {@link $T} recorded at the end of one epoch, typed: a row of the\n"
                        + "history's epoch table ({@code History.epoch(int)}).\n", modelClass);
        MethodSpec.Builder constructor = MethodSpec.constructorBuilder();
        component(type, constructor, TypeName.LONG, "epoch", "the epoch's number, from 1 (as the progress counts)");
        component(type, constructor, TypeName.LONG, "steps", "the optimisation steps taken when the epoch ended");
        component(type, constructor, TypeName.DOUBLE, "learningRate", "the learning rate of the epoch's last step");
        component(type, constructor, names.losses(), "losses",
                "the training losses, means over the epoch's examples");
        component(type, constructor, names.lossWeights(), "weights", "the loss weights at the epoch's end");
        if (model.hasGates()) {
            component(type, constructor, names.gateWeights(), "gates",
                    "the mean weight each gate gave each of its experts over the epoch's training examples");
        }
        component(type, constructor, names.metrics(), "metrics", "the training metrics over the epoch");
        component(type, constructor, optionalLosses, "validationLosses",
                "the losses on the validation data, when there is some");
        component(type, constructor, optionalMetrics, "validationMetrics",
                "the metrics on the validation data, when there is some");
        ParameterSpec row = ParameterSpec.builder(ROW, "row").build();
        type.addMethod(MethodSpec.methodBuilder("of")
                .addJavadoc("Reads a row of the history's epoch table, such as {@code History.epoch(int)} or\n"
                        + "{@code TrainingEvent.values()} at an epoch's end. A missing column reads as NaN; the\n"
                        + "validation values are present when the row has a {@code val_total}.\n\n")
                .addJavadoc("@param row column name to value\n@return the epoch\n")
                .addModifiers(PUBLIC, STATIC)
                .returns(self)
                .addParameter(row)
                .addStatement("$T.requireNonNull(row, $S)", Objects.class, "row")
                .addStatement("boolean validated = !Double.isNaN(value(row, $S))", "val_total")
                .addStatement("$T validationLosses = validated ? $T.of(losses(row, $S)) : $T.empty()",
                        optionalLosses, Optional.class, "val_", Optional.class)
                .addStatement("$T validationMetrics = validated ? $T.of(metrics(row, $S)) : $T.empty()",
                        optionalMetrics, Optional.class, "val_", Optional.class)
                .addStatement("return new $T((long) value(row, $S), (long) value(row, $S), value(row, $S),$W"
                        + "losses(row, $S), weights(row), $Lmetrics(row, $S), validationLosses, validationMetrics)",
                        self, "epoch", "steps", "lr", "",
                        model.hasGates() ? CodeBlock.of("$T.of(row),$W", names.gateWeights()) : CodeBlock.of(""),
                        "")
                .build());
        CodeBlock losses = CodeBlock.builder()
                .add("value(row, prefix + $S)", "total")
                .add(model.branches().stream().map(b -> CodeBlock.of(",$Wvalue(row, prefix + $S)", b.name() + "_loss"))
                        .collect(CodeBlock.joining("")))
                .build();
        type.addMethod(MethodSpec.methodBuilder("losses")
                .addJavadoc("The losses of a step or epoch row; {@code prefix} is empty, or {@code val_} for "
                        + "validation.\n")
                .addModifiers(STATIC)
                .returns(names.losses())
                .addParameter(row)
                .addParameter(String.class, "prefix")
                .addStatement("return new $T($L)", names.losses(), losses)
                .build());
        type.addMethod(MethodSpec.methodBuilder("weights")
                .addJavadoc("The loss weights of a step or epoch row.\n")
                .addModifiers(STATIC)
                .returns(names.lossWeights())
                .addParameter(row)
                .addStatement("return new $T($L)", names.lossWeights(), model.branches().stream()
                        .map(b -> CodeBlock.of("value(row, $S)", b.name() + "_weight"))
                        .collect(CodeBlock.joining(",$W")))
                .build());
        type.addMethod(MethodSpec.methodBuilder("metrics")
                .addJavadoc("The metrics of a step or epoch row; {@code prefix} is empty, or {@code val_} for "
                        + "validation.\n")
                .addModifiers(STATIC)
                .returns(names.metrics())
                .addParameter(row)
                .addParameter(String.class, "prefix")
                .addStatement("return new $T($L)", names.metrics(), model.branches().stream()
                        .flatMap(b -> b.defaultMetrics().stream()
                                .map(m -> CodeBlock.of("value(row, prefix + $S)", b.metricColumn(m))))
                        .collect(CodeBlock.joining(",$W")))
                .build());
        type.addMethod(MethodSpec.methodBuilder("value")
                .addModifiers(PRIVATE, STATIC)
                .returns(TypeName.DOUBLE)
                .addParameter(row)
                .addParameter(String.class, "column")
                .addStatement("$T value = row.get(column)", Double.class)
                .addStatement("return value == null ? $T.NaN : value", Double.class)
                .build());
        return type.recordConstructor(constructor.build()).build();
    }

    /**
     * {@code <Model>GateWeights}, for a model with gates: one {@code GateWeights} per gate, in declaration order,
     * named after the gate method, with {@code of(Map)} reading them from a row of the epoch table (columns
     * {@code <gate>_<group>_<k>}).
     */
    TypeSpec gateWeights() {
        ModelNames names = model.names();
        ClassName self = names.gateWeights();
        TypeSpec.Builder type = record(self,
                "The mean weight each gate of {@link $T} gave each of its experts over an epoch's training\n"
                        + "examples: a training statistic, as the training losses (validation and evaluation do not\n"
                        + "change it). Each gate's weights of one example sum to 1, and so do their means.\n",
                modelClass);
        MethodSpec.Builder constructor = MethodSpec.constructorBuilder();
        CodeBlock.Builder read = CodeBlock.builder();
        for (GateDescriptor gate : model.gates()) {
            List<ExpertsDescriptor> groups = gate.groups().stream().map(model::expertsGroup).toList();
            String over = groups.stream()
                    .map(g -> Snippets.code(g.name()) + " (" + g.count() + (g.count() == 1 ? " expert)" : " experts)"))
                    .collect(Collectors.joining(", "));
            ExpertsDescriptor first = groups.get(0);
            component(type, constructor, TypeNames.GATE_WEIGHTS, gate.name(),
                    "the weights of gate {@code $L()} over $L;\n        columns {@code $L_$L_0} and so on",
                    gate.name(), over, gate.name(), first.name());
            read.add(read.isEmpty() ? "" : ",$W")
                    .add("$T.of(row, $S, $T.of($L), $T.of($L))", TypeNames.GATE_WEIGHTS, gate.name(), List.class,
                            groups.stream().map(g -> CodeBlock.of("$S", g.name())).collect(CodeBlock.joining(", ")),
                            List.class,
                            groups.stream().map(g -> CodeBlock.of("$L", g.count())).collect(CodeBlock.joining(", ")));
        }
        type.addMethod(MethodSpec.methodBuilder("of")
                .addJavadoc("Reads every gate's weights from a row of the history's epoch table, such as\n"
                        + "{@code History.epoch(int)}; a missing column reads as NaN.\n\n")
                .addJavadoc("@param row column name to value\n@return the weights of every gate\n")
                .addModifiers(PUBLIC, STATIC)
                .returns(self)
                .addParameter(ROW, "row")
                .addStatement("$T.requireNonNull(row, $S)", Objects.class, "row")
                .addStatement("return new $T($L)", self, read.build())
                .build());
        return type.recordConstructor(constructor.build()).build();
    }

    /**
     * {@code <Model>History}: a typed view of the runtime's {@code History}, which it checks belongs to a model with
     * these branches; its epochs, its steps' losses, weights and metrics, and the CSV and chart exports.
     */
    TypeSpec history() {
        ModelNames names = model.names();
        ClassName self = names.history();
        TypeName listOfString = ParameterizedTypeName.get(List.class, String.class);
        TypeSpec.Builder type = record(self,
                "The history of a training run of {@link $T}, typed: one {@link $T} per epoch, the losses,\n"
                        + "weights and metrics of every step, and the CSV and chart exports of the untyped\n"
                        + "{@link #history()} (Keras' {@code History}).\n", modelClass, names.epoch());
        MethodSpec.Builder constructor = MethodSpec.constructorBuilder();
        component(type, constructor, TypeNames.HISTORY, "history", "the untyped history, every column by name");
        type.addField(FieldSpec.builder(listOfString, "BRANCHES", PRIVATE, STATIC, FINAL)
                .initializer("$T.of($L)", List.class, model.branches().stream()
                        .map(b -> CodeBlock.of("$S", b.name())).collect(CodeBlock.joining(", ")))
                .build());
        type.addMethod(MethodSpec.compactConstructorBuilder()
                .addJavadoc("Checks that the history is one of a model with {@link $T}'s branches.\n\n", modelClass)
                .addJavadoc("@throws IllegalArgumentException when its branches are others\n")
                .addModifiers(PUBLIC)
                .addStatement("$T.requireNonNull(history, $S)", Objects.class, "history")
                .beginControlFlow("if (!history.branches().equals(BRANCHES))")
                .addStatement("throw new $T($S + history.branches()$W+ $S + BRANCHES)",
                        IllegalArgumentException.class, "a history of a model with the branches ",
                        ", not of " + model.names().model().simpleName() + " with ")
                .endControlFlow()
                .build());
        ClassName list = ClassName.get(List.class);
        type.addMethod(MethodSpec.methodBuilder("epochs")
                .addJavadoc("Every epoch recorded so far, in order.\n\n@return a read-only list\n")
                .addModifiers(PUBLIC)
                .returns(ParameterizedTypeName.get(list, names.epoch()))
                .addStatement("return history.epochs($T::of)", names.epoch())
                .build());
        type.addMethod(MethodSpec.methodBuilder("lastEpoch")
                .addJavadoc("The last epoch recorded.\n\n@return the epoch, or empty before the first epoch ends\n")
                .addModifiers(PUBLIC)
                .returns(ParameterizedTypeName.get(ClassName.get(Optional.class), names.epoch()))
                .addStatement("$T row = history.lastEpoch()", ROW)
                .addStatement("return row.isEmpty() ? $T.empty() : $T.of($T.of(row))", Optional.class,
                        Optional.class, names.epoch())
                .build());
        type.addMethod(stepList("stepLosses", names.losses(), "The training losses of every recorded step.\n",
                "row -> $T.losses(row, $S)", names.epoch(), ""));
        type.addMethod(stepList("stepWeights", names.lossWeights(),
                "The loss weights after every recorded step.\n", "$T::weights", names.epoch()));
        type.addMethod(stepList("stepMetrics", names.metrics(),
                "The training metrics of every recorded step, on its batch before the update.\n",
                "row -> $T.metrics(row, $S)", names.epoch(), ""));
        type.addMethod(export("writeCsv", "file", "Writes the epoch table as CSV, a header line first.\n"));
        type.addMethod(export("writeStepsCsv", "file", "Writes the step table as CSV, a header line first.\n"));
        type.addMethod(export("plotLosses", "png", "Draws the branch losses over the steps (and the validation "
                + "losses at each\nepoch's end) as an 800 x 500 PNG image.\n"));
        type.addMethod(export("plotWeights", "png", "Draws each branch's loss weight over the steps as an 800 x 500 "
                + "PNG image.\n"));
        return type.recordConstructor(constructor.build()).build();
    }

    private MethodSpec stepList(String name, ClassName element, String javadoc, String read, Object... args) {
        return MethodSpec.methodBuilder(name)
                .addJavadoc(javadoc + "\n@return a read-only list, one element per step\n")
                .addModifiers(PUBLIC)
                .returns(ParameterizedTypeName.get(ClassName.get(List.class), element))
                .addStatement("return history.steps($L)", CodeBlock.of(read, args))
                .build();
    }

    private static MethodSpec export(String name, String parameter, String javadoc) {
        return MethodSpec.methodBuilder(name)
                .addJavadoc(javadoc + "\n@param $L where to write, atomically\n", parameter)
                .addJavadoc("@throws IOException when the file cannot be written\n")
                .addModifiers(PUBLIC)
                .addParameter(Path.class, parameter)
                .addException(IOException.class)
                .addStatement("history.$L($N)", name, parameter)
                .build();
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
