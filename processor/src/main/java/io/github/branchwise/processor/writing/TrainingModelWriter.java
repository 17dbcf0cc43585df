package io.github.branchwise.processor.writing;

import static javax.lang.model.element.Modifier.FINAL;
import static javax.lang.model.element.Modifier.PRIVATE;
import static javax.lang.model.element.Modifier.PROTECTED;
import static javax.lang.model.element.Modifier.PUBLIC;
import static javax.lang.model.element.Modifier.STATIC;

import com.palantir.javapoet.AnnotationSpec;
import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.NameAllocator;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import com.palantir.javapoet.WildcardTypeName;
import io.github.branchwise.annotations.Convention;
import io.github.branchwise.annotations.EpochMean;
import io.github.branchwise.annotations.GradNormScope;
import io.github.branchwise.annotations.GradNormWarmup;
import io.github.branchwise.annotations.GradVacGroups;
import io.github.branchwise.annotations.GradientSource;
import io.github.branchwise.annotations.HeadGradients;
import io.github.branchwise.annotations.ImtlMode;
import io.github.branchwise.annotations.InputType;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.annotations.MgdaNormalization;
import io.github.branchwise.annotations.PcGradOrder;
import io.github.branchwise.annotations.Ramp;
import io.github.branchwise.annotations.RampUnit;
import io.github.branchwise.annotations.UncertaintyScale;
import io.github.branchwise.processor.base.ModelNames;
import io.github.branchwise.processor.base.TypeNames;
import io.github.branchwise.processor.model.Access;
import io.github.branchwise.processor.model.BranchDescriptor;
import io.github.branchwise.processor.model.ExpertsDescriptor;
import io.github.branchwise.processor.model.GateDescriptor;
import io.github.branchwise.processor.model.InputDescriptor;
import io.github.branchwise.processor.model.LossMethodDescriptor;
import io.github.branchwise.processor.model.ModelDescriptor;
import io.github.branchwise.processor.model.SharedDescriptor;
import io.github.branchwise.processor.model.StitchDescriptor;
import io.github.branchwise.processor.model.WeightingDescriptor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.lang.model.element.Modifier;

/**
 * Writes {@code <Model>TrainingModel}: the model's {@code ModelSpec}, its typed training API over the runtime's
 * {@code Trainer}, and the private {@code Graph} subclass of the model class that builds the SameDiff graph.
 */
final class TrainingModelWriter {
    private static final TypeName INDARRAY_ARRAY = ArrayTypeName.of(TypeNames.INDARRAY);
    private static final TypeName STRING_TO_ARRAY =
            ParameterizedTypeName.get(ClassName.get(Map.class), ClassName.get(String.class), TypeNames.INDARRAY);
    private static final TypeName SET_OF_STRING =
            ParameterizedTypeName.get(ClassName.get(Set.class), ClassName.get(String.class));

    private final ModelDescriptor model;
    private final ModelNames names;

    TrainingModelWriter(ModelDescriptor model) {
        this.model = model;
        this.names = model.names();
    }

    TypeSpec write() {
        ClassName self = names.trainingModel();
        String branchList = model.branches().stream().map(b -> Snippets.code(b.name()))
                .collect(Collectors.joining(", "));
        return TypeSpec.classBuilder(self)
                .addOriginatingElement(model.element())
                .addJavadoc("Trains {@link $T}: its branches $L,\nweighted by $L.\n\n", names.model(), branchList,
                        weightingDescription())
                .addJavadoc("<p>{@link #fit($T)} runs one optimisation step on a batch and returns the losses of "
                        + "that batch;\nthe other {@code fit} overloads train over epochs (arrays, batch records, "
                        + "ND4J iterators),\nwith validation, metrics, a typed {@link $T}, progress, early "
                        + "stopping and checkpoints\nthat {@link #resume(Path)} continues from;\n"
                        + "{@link #predictionModel()} predicts with the current parameters.\n", names.batch(),
                        names.history())
                .addAnnotation(Snippets.generated())
                .addModifiers(PUBLIC, FINAL)
                .addSuperinterface(TypeNames.TRAINING_MODEL)
                .addField(FieldSpec.builder(TypeNames.MODEL_SPEC, "SPEC", STATIC, FINAL)
                        .addJavadoc("The runtime description of $T: inputs, branches, losses, weighting, graph.\n",
                                names.model())
                        .initializer(spec())
                        .build())
                .addField(TypeNames.TRAINER, "trainer", PRIVATE, FINAL)
                .addField(FieldSpec.builder(TypeNames.FITTING, "fitting", PRIVATE, FINAL)
                        .addJavadoc("Trains over epochs; one per model, so that the history and the position in "
                                + "the data\ncarry over from one {@code fit} call to the next.\n")
                        .build())
                .addMethod(MethodSpec.constructorBuilder()
                        .addModifiers(PRIVATE)
                        .addParameter(TypeNames.TRAINER, "trainer")
                        .addStatement("this($T.of(trainer))", TypeNames.FITTING)
                        .build())
                .addMethod(MethodSpec.constructorBuilder()
                        .addModifiers(PRIVATE)
                        .addParameter(TypeNames.FITTING, "fitting")
                        .addStatement("this.fitting = fitting")
                        .addStatement("this.trainer = fitting.trainer()")
                        .build())
                .addMethod(MethodSpec.methodBuilder("create")
                        .addJavadoc("A new model with freshly initialised parameters and the default options.\n\n")
                        .addJavadoc("@return the new model\n")
                        .addModifiers(PUBLIC, STATIC)
                        .returns(self)
                        .addStatement("return create($T.defaults())", TypeNames.TRAINING_OPTIONS)
                        .build())
                .addMethod(MethodSpec.methodBuilder("create")
                        .addJavadoc("A new model with freshly initialised parameters.\n\n")
                        .addJavadoc("@param options the seed and updater\n@return the new model\n")
                        .addModifiers(PUBLIC, STATIC)
                        .returns(self)
                        .addParameter(TypeNames.TRAINING_OPTIONS, "options")
                        .addStatement("return new $T($T.create(SPEC, options))", self, TypeNames.TRAINER)
                        .build())
                .addMethod(step("fit", "Runs one optimisation step on a batch.\n\n",
                        "the losses of this batch, from the forward pass the update used"))
                .addMethod(step("evaluate", "Computes the losses of a batch without updating anything.\n\n",
                        "the losses of this batch"))
                .addMethods(fitMethods())
                .addMethod(weights())
                .addMethod(MethodSpec.methodBuilder("endEpoch")
                        .addJavadoc("Ends the current epoch; call it after the last batch of every epoch.\n\n")
                        .addJavadoc("<p>Weightings that work on epoch means (DWA) update their weights, and the epoch "
                                + "count\nthat {@code SCHEDULED} ramps in epochs follow moves on.\n")
                        .addModifiers(PUBLIC)
                        .addStatement("trainer.endEpoch()")
                        .build())
                .addMethod(MethodSpec.methodBuilder("epoch")
                        .addJavadoc("The number of epochs ended so far by {@link #endEpoch()}.\n\n")
                        .addJavadoc("@return the index of the current epoch, from 0\n")
                        .addModifiers(PUBLIC)
                        .returns(TypeName.LONG)
                        .addStatement("return trainer.epoch()")
                        .build())
                .addMethod(MethodSpec.methodBuilder("predictionModel")
                        .addJavadoc("A prediction model that shares this model's parameters:\n"
                                + "after more training it predicts with the new values.\n\n")
                        .addJavadoc("@return the prediction model\n")
                        .addModifiers(PUBLIC)
                        .returns(names.predictionModel())
                        .addStatement("return new $T(trainer.predictor())", names.predictionModel())
                        .build())
                .addMethod(MethodSpec.methodBuilder("save")
                        .addJavadoc("Saves the parameters, the loss weights and the updater state,\n"
                                + "so that {@link #load(Path)} resumes training exactly.\n\n")
                        .addJavadoc("@param file where to write\n@throws IOException when the file cannot be written\n")
                        .addModifiers(PUBLIC)
                        .addParameter(Path.class, "file")
                        .addException(IOException.class)
                        .addStatement("trainer.save(file)")
                        .build())
                .addMethod(MethodSpec.methodBuilder("load")
                        .addJavadoc("Loads a model saved by {@link #save(Path)}.\n\n")
                        .addJavadoc("@param file the saved model\n@return the model, ready to train further\n")
                        .addJavadoc("@throws IOException when the file cannot be read or is not a saved $T\n",
                                names.model())
                        .addModifiers(PUBLIC, STATIC)
                        .returns(self)
                        .addParameter(Path.class, "file")
                        .addException(IOException.class)
                        .addStatement("return new $T($T.load(SPEC, file))", self, TypeNames.TRAINER)
                        .build())
                .addMethods(resumeMethods())
                .addMethod(MethodSpec.methodBuilder("trainer")
                        .addJavadoc("The untyped trainer behind this model, for what the typed API does not cover: parameters by "
                                + "name, freezing, profiling.\n\n")
                        .addJavadoc("@return the trainer behind this model, sharing its parameters and state\n")
                        .addAnnotation(Override.class)
                        .addModifiers(PUBLIC)
                        .returns(TypeNames.TRAINER)
                        .addStatement("return trainer")
                        .build())
                .addMethods(parameterMethods())
                .addMethod(losses())
                .addMethod(toBatch())
                .addMethod(groupNames())
                .addMethod(defineGraph())
                .addType(graph())
                .build();
    }

    /**
     * Training over epochs through the one {@code Fitting} of the model: {@code fit} from any data source, from
     * whole arrays (one per input and branch), from an {@code Iterable} of batch records and from ND4J's
     * {@code MultiDataSetIterator}; the {@code data} factories that make sources of the same (for validation); the
     * typed history; a typed epoch listener.
     */
    private List<MethodSpec> fitMethods() {
        ClassName history = names.history();
        ClassName batch = names.batch();
        TypeName batches = ParameterizedTypeName.get(ClassName.get(Iterable.class), batch);
        // The array parameters are named after the inputs and branches; the others must not take one of those.
        NameAllocator allocator = new NameAllocator();
        model.inputs().forEach(input -> allocator.newName(input.name(), input.name()));
        model.branches().forEach(branch -> allocator.newName(branch.name(), branch.name()));
        String batchSize = allocator.newName("batchSize");
        String config = allocator.newName("config");
        List<ParameterSpec> arrays = new ArrayList<>();
        model.inputs().forEach(input -> arrays.add(ParameterSpec.builder(TypeNames.INDARRAY, input.name()).build()));
        model.branches().forEach(b -> arrays.add(ParameterSpec.builder(TypeNames.INDARRAY, b.name()).build()));
        CodeBlock inputArrays = model.inputs().stream().map(i -> CodeBlock.of("$N", i.name()))
                .collect(CodeBlock.joining(", "));
        CodeBlock targetArrays = model.branches().stream().map(b -> CodeBlock.of("$N", b.name()))
                .collect(CodeBlock.joining(", "));
        CodeBlock arrayNames = arrays.stream().map(p -> CodeBlock.of("$N", p)).collect(CodeBlock.joining(", "));
        // Whole arrays: axis 0 holds all n examples, which the records' javadoc calls the batch.
        CodeBlock.Builder arraysDoc = CodeBlock.builder();
        model.inputs().forEach(input -> arraysDoc.add("@param $L all n examples of input $L, shape $L\n",
                input.name(), Snippets.code(input.name()), Snippets.input(input, "n")));
        model.branches().forEach(branch -> arraysDoc.add("@param $L the targets of branch $L for all n examples,\n"
                + "        $L\n", branch.name(), Snippets.code(branch.name()), Snippets.target(model, branch, "n")));
        String historyDoc = "@return the history of this model's training so far, all {@code fit} calls together\n";
        String configDoc = "the epoch count to reach, validation data, progress, listeners, early\n"
                + "        stopping and checkpoints\n";
        return List.of(
                MethodSpec.methodBuilder("fit")
                        .addJavadoc("Trains over epochs, as Keras' {@code fit}: until the model has finished "
                                + "{@code config.epochs()}\nepochs, early stopping fires or a listener stops it; "
                                + "with validation at each epoch's end,\nthe default metrics of every branch, "
                                + "progress on the console and optional checkpoints.\n"
                                + "A loss or gradient that becomes NaN or infinite stops training with a\n"
                                + "{@code FitDivergedException}; the model keeps its last good state.\n"
                                + "A later call continues where this one ended (the epoch count is the one to "
                                + "reach).\n\n")
                        .addJavadoc("@param data the batches of each epoch\n")
                        .addJavadoc("@param config $L", configDoc)
                        .addJavadoc(historyDoc)
                        .addJavadoc("@throws IllegalArgumentException when a batch does not fit the model\n")
                        .addModifiers(PUBLIC)
                        .returns(history)
                        .addParameter(TypeNames.DATA_SOURCE, "data")
                        .addParameter(TypeNames.FIT_CONFIG, "config")
                        .addStatement("return new $T(fitting.fit(data, config))", history)
                        .build(),
                MethodSpec.methodBuilder("fit")
                        .addJavadoc("Trains over epochs on whole arrays, cut into mini-batches shuffled anew each "
                                + "epoch\nfrom the model's seed; see {@link #fit($T, $T)}.\n\n",
                                TypeNames.DATA_SOURCE, TypeNames.FIT_CONFIG)
                        .addJavadoc(arraysDoc.build())
                        .addJavadoc("@param $L examples per batch; the last batch of an epoch may be smaller\n",
                                batchSize)
                        .addJavadoc("@param $L $L", config, configDoc)
                        .addJavadoc(historyDoc)
                        .addModifiers(PUBLIC)
                        .returns(history)
                        .addParameters(arrays)
                        .addParameter(TypeName.INT, batchSize)
                        .addParameter(TypeNames.FIT_CONFIG, config)
                        .addStatement("return fit(data($L, $N), $N)", arrayNames, batchSize, config)
                        .build(),
                MethodSpec.methodBuilder("fit")
                        .addJavadoc("Trains over epochs on batch records, iterated anew each epoch;\n"
                                + "see {@link #fit($T, $T)}.\n\n", TypeNames.DATA_SOURCE, TypeNames.FIT_CONFIG)
                        .addJavadoc("@param batches the batches of every epoch, in order\n")
                        .addJavadoc("@param config $L", configDoc)
                        .addJavadoc(historyDoc)
                        .addModifiers(PUBLIC)
                        .returns(history)
                        .addParameter(batches, "batches")
                        .addParameter(TypeNames.FIT_CONFIG, "config")
                        .addStatement("return fit(data(batches), config)")
                        .build(),
                MethodSpec.methodBuilder("fit")
                        .addJavadoc("Trains over epochs on ND4J multi-data-sets: the features are the inputs\n"
                                + "($L) and the labels the branch targets\n($L), in that order,\n"
                                + "shaped as the components of {@link $T} and checked against the model.\n"
                                + "The iterator is reset at the start of every epoch after the first; "
                                + "see {@link #fit($T, $T)}.\n\n", list(model.inputs().stream()
                                        .map(InputDescriptor::name)), list(model.branches().stream()
                                        .map(BranchDescriptor::name)), batch,
                                TypeNames.DATA_SOURCE, TypeNames.FIT_CONFIG)
                        .addJavadoc("@param iterator the data, resettable for more than one epoch\n")
                        .addJavadoc("@param config $L", configDoc)
                        .addJavadoc(historyDoc)
                        .addModifiers(PUBLIC)
                        .returns(history)
                        .addParameter(TypeNames.MULTI_DATA_SET_ITERATOR, "iterator")
                        .addParameter(TypeNames.FIT_CONFIG, "config")
                        .addStatement("return fit($T.fromMultiDataSets(iterator), config)", TypeNames.DATA_SOURCE)
                        .build(),
                MethodSpec.methodBuilder("data")
                        .addJavadoc("Whole arrays as a data source, cut into mini-batches shuffled anew each "
                                + "epoch from the\nmodel's seed; {@code .shuffle(false)} keeps their order. "
                                + "For validation data, say:\n"
                                + "{@code FitConfig.builder().validation($T.data(...))}.\n\n", names.trainingModel())
                        .addJavadoc(arraysDoc.build())
                        .addJavadoc("@param $L examples per batch; the last batch may be smaller\n", batchSize)
                        .addJavadoc("@return the data source\n")
                        .addModifiers(PUBLIC, STATIC)
                        .returns(TypeNames.ARRAY_DATA_SOURCE)
                        .addParameters(arrays)
                        .addParameter(TypeName.INT, batchSize)
                        .addStatement("return $T.arrays(new $T {$L},$Wnew $T {$L}, $N)", TypeNames.DATA_SOURCE,
                                INDARRAY_ARRAY, inputArrays, INDARRAY_ARRAY, targetArrays, batchSize)
                        .build(),
                MethodSpec.methodBuilder("data")
                        .addJavadoc("Batch records as a data source, iterated anew each epoch. For validation data, "
                                + "say:\n{@code FitConfig.builder().validation($T.data(batches))}.\n\n",
                                names.trainingModel())
                        .addJavadoc("@param batches the batches of every epoch, in order\n")
                        .addJavadoc("@return the data source\n")
                        .addModifiers(PUBLIC, STATIC)
                        .returns(TypeNames.DATA_SOURCE)
                        .addParameter(batches, "batches")
                        .addStatement("return $T.fromIterable(batches, $T::toBatch)", TypeNames.DATA_SOURCE,
                                names.trainingModel())
                        .build(),
                MethodSpec.methodBuilder("csv")
                        .addJavadoc("A CSV file with a header row as a data source: each input and branch target "
                                + "from the columns\n{@code columns} names ({@code CsvColumns.byName()}: the one column "
                                + "of its own name), read once,\ncut into mini-batches shuffled anew each epoch. Every "
                                + "mistake (a missing column, a value that is\nnot a number, a class index out of "
                                + "range) is reported with the row and the column.\n\n")
                        .addJavadoc("@param file    the CSV file\n")
                        .addJavadoc("@param columns which columns hold each input and target\n")
                        .addJavadoc("@param $L examples per batch; the last batch may be smaller\n", batchSize)
                        .addJavadoc("@return the data source\n")
                        .addJavadoc("@throws IOException when the file cannot be read\n")
                        .addModifiers(PUBLIC, STATIC)
                        .returns(TypeNames.ARRAY_DATA_SOURCE)
                        .addParameter(Path.class, "file")
                        .addParameter(TypeNames.CSV_COLUMNS, "columns")
                        .addParameter(TypeName.INT, batchSize)
                        .addException(IOException.class)
                        .addStatement("return $T.read(SPEC, file, columns, $N)", TypeNames.CSV_DATA, batchSize)
                        .build(),
                MethodSpec.methodBuilder("history")
                        .addJavadoc("What training over epochs has recorded so far, all {@code fit} calls "
                                + "together\n(and, for a resumed model, the run before the checkpoint).\n\n")
                        .addJavadoc("@return the typed history\n")
                        .addModifiers(PUBLIC)
                        .returns(history)
                        .addStatement("return new $T(fitting.history())", history)
                        .build(),
                MethodSpec.methodBuilder("fitting")
                        .addJavadoc("The runtime's training loop behind the {@code fit} overloads, for what the "
                                + "typed API\ndoes not cover ({@code stoppedEarly()}, {@code bestEpoch()}).\n\n")
                        .addJavadoc("@return the fitting of this model\n")
                        .addModifiers(PUBLIC)
                        .returns(TypeNames.FITTING)
                        .addStatement("return fitting")
                        .build(),
                MethodSpec.methodBuilder("onEpochEnd")
                        .addJavadoc("A listener that hands every epoch's row, typed, to {@code action}: for "
                                + "{@code FitConfig.builder()\n.listener($T.onEpochEnd(epoch -> ...))}.\n\n",
                                names.trainingModel())
                        .addJavadoc("@param action called after every epoch, validation included\n")
                        .addJavadoc("@return the listener\n")
                        .addModifiers(PUBLIC, STATIC)
                        .returns(TypeNames.TRAINING_LISTENER)
                        .addParameter(ParameterizedTypeName.get(ClassName.get(Consumer.class),
                                WildcardTypeName.supertypeOf(names.epoch())), "action")
                        // The runtime's listener checks action for null and reads each row with Epoch.of: no
                        // anonymous class (and class file) per model.
                        .addStatement("return $T.atEpochEnd($T::of, action)", TypeNames.TRAINING_LISTENER,
                                names.epoch())
                        .build());
    }

    /** {@code resume} and {@code resumeLatest}: a model, its optimiser state and its run from a checkpoint. */
    private List<MethodSpec> resumeMethods() {
        ClassName self = names.trainingModel();
        return List.of(
                MethodSpec.methodBuilder("resume")
                        .addJavadoc("Loads a checkpoint written by {@code fit} with {@code FitConfig.Builder"
                                + ".checkpoints}: the parameters,\nthe optimiser and weighting state, and the run's "
                                + "history and position, so that {@code fit}\nwith the same data and "
                                + "configuration continues exactly as the uninterrupted run would have.\n\n")
                        .addJavadoc("@param checkpoint a checkpoint file\n@return the model, ready to train on\n")
                        .addJavadoc("@throws IOException when the file cannot be read or is not a checkpoint of "
                                + "$T\n", names.model())
                        .addModifiers(PUBLIC, STATIC)
                        .returns(self)
                        .addParameter(Path.class, "checkpoint")
                        .addException(IOException.class)
                        .addStatement("return new $T($T.resume(SPEC, checkpoint))", self, TypeNames.FITTING)
                        .build(),
                MethodSpec.methodBuilder("resumeLatest")
                        .addJavadoc("{@link #resume(Path)} from the newest checkpoint of a directory.\n\n")
                        .addJavadoc("@param directory the checkpoint directory\n")
                        .addJavadoc("@return the model, or empty when the directory holds no checkpoint\n")
                        .addJavadoc("@throws IOException when the newest checkpoint cannot be read\n")
                        .addModifiers(PUBLIC, STATIC)
                        .returns(ParameterizedTypeName.get(ClassName.get(Optional.class), self))
                        .addParameter(Path.class, "directory")
                        .addException(IOException.class)
                        .addStatement("return $T.resumeLatest(SPEC, directory).map($T::new)", TypeNames.FITTING,
                                self)
                        .build());
    }

    /** The runtime's batch of a batch record. */
    private MethodSpec toBatch() {
        CodeBlock inputs = model.inputs().stream().map(i -> CodeBlock.of("batch.$N()", i.name()))
                .collect(CodeBlock.joining(", "));
        CodeBlock targets = model.branches().stream().map(b -> CodeBlock.of("batch.$N()", b.name()))
                .collect(CodeBlock.joining(", "));
        return MethodSpec.methodBuilder("toBatch")
                .addModifiers(PRIVATE, STATIC)
                .returns(TypeNames.BATCH)
                .addParameter(names.batch(), "batch")
                .addStatement("return new $T(new $T {$L},$Wnew $T {$L})", TypeNames.BATCH, INDARRAY_ARRAY, inputs,
                        INDARRAY_ARRAY, targets)
                .build();
    }

    private static String list(java.util.stream.Stream<String> names) {
        return names.map(Snippets::code).collect(Collectors.joining(", "));
    }

    /**
     * The parameters in the user's hands: read and set by name, import from NumPy, freeze by part or name, the
     * summary; each delegates to the {@code Trainer}.
     */
    private List<MethodSpec> parameterMethods() {
        ClassName part = names.part();
        String parts = partList();
        return List.of(
                MethodSpec.methodBuilder("parameters")
                        .addJavadoc("Every parameter by its stable name, in creation order: "
                                + "{@code <part>/<layer>_<n>/<W|b>}\nfor the layers of a part ($L),\n"
                                + "{@code weighting/...} for the weighting's. The names do not change between runs.\n\n",
                                parts)
                        .addJavadoc("@return a read-only map of copies: changing them changes nothing in the model\n")
                        .addModifiers(PUBLIC)
                        .returns(STRING_TO_ARRAY)
                        .addStatement("return trainer.parameters()")
                        .build(),
                MethodSpec.methodBuilder("setParameters")
                        .addJavadoc("Replaces the values of some parameters, all or nothing: every name must exist "
                                + "and every\narray must have the parameter's shape, a floating-point type "
                                + "(converted to the model's)\nand finite values, or nothing changes. The "
                                + "optimiser state is kept.\n\n")
                        .addJavadoc("@param values new values by parameter name, as {@link #parameters()} names them\n")
                        .addJavadoc("@throws IllegalArgumentException naming an unknown parameter (with the known "
                                + "names),\n        or the expected shape\n")
                        .addModifiers(PUBLIC)
                        .addParameter(STRING_TO_ARRAY, "values")
                        .addStatement("trainer.setParameters(values)")
                        .build(),
                MethodSpec.methodBuilder("setParameter")
                        .addJavadoc("Replaces the value of one parameter; see {@link #setParameters(Map)}.\n\n")
                        .addJavadoc("@param name the parameter's name, as {@link #parameters()} names it\n")
                        .addJavadoc("@param value its new value, of its shape\n")
                        .addJavadoc("@throws IllegalArgumentException for an unknown name or a wrong shape; nothing "
                                + "changes then\n")
                        .addModifiers(PUBLIC)
                        .addParameter(String.class, "name")
                        .addParameter(TypeNames.INDARRAY, "value")
                        .addStatement("trainer.setParameter(name, value)")
                        .build(),
                MethodSpec.methodBuilder("importNumpy")
                        .addJavadoc("Replaces parameters with the arrays of a NumPy {@code .npz} archive whose entries "
                                + "are named\nafter the parameters, converting from another framework's layout; "
                                + "all or nothing,\nas {@link #setParameters(Map)}.\n\n")
                        .addJavadoc("@param file the {@code .npz} archive\n")
                        .addJavadoc("@param layout how its arrays are laid out: {@code KERAS} as they are, "
                                + "{@code PYTORCH} transposed\n")
                        .addJavadoc("@throws IOException when the file cannot be read\n")
                        .addJavadoc("@throws IllegalArgumentException when an entry names no parameter or has the "
                                + "wrong shape\n")
                        .addModifiers(PUBLIC)
                        .addParameter(Path.class, "file")
                        .addParameter(TypeNames.PARAMETER_LAYOUT, "layout")
                        .addException(IOException.class)
                        .addStatement("trainer.importNumpy(file, layout)")
                        .build(),
                MethodSpec.methodBuilder("freeze")
                        .addJavadoc("Freezes the parameters of some parts: they get no update until unfrozen.\n\n")
                        .addJavadoc("@param parts the parts to freeze, such as {@link $T#$L}\n", part,
                                firstPartConstant())
                        .addJavadoc("@throws IllegalArgumentException when a part owns no parameters; nothing is "
                                + "frozen then\n")
                        .addModifiers(PUBLIC)
                        .addParameter(ArrayTypeName.of(part), "parts")
                        .varargs()
                        .addStatement("trainer.freeze(groupNames(parts))")
                        .build(),
                MethodSpec.methodBuilder("freeze")
                        .addJavadoc("Freezes parameters by name or group: they get no update until unfrozen.\n\n")
                        .addJavadoc("@param selectors each a group ($L or {@code weighting})\n"
                                + "        or a parameter's name\n", parts)
                        .addJavadoc("@throws IllegalArgumentException when a selector matches no parameter; nothing "
                                + "is frozen then\n")
                        .addModifiers(PUBLIC)
                        .addParameter(String[].class, "selectors")
                        .varargs()
                        .addStatement("trainer.freeze(selectors)")
                        .build(),
                MethodSpec.methodBuilder("unfreeze")
                        .addJavadoc("Unfreezes the parameters of some parts; see {@link #freeze($T...)}.\n\n", part)
                        .addJavadoc("@param parts the parts to unfreeze\n")
                        .addJavadoc("@throws IllegalArgumentException when a part owns no parameters\n")
                        .addModifiers(PUBLIC)
                        .addParameter(ArrayTypeName.of(part), "parts")
                        .varargs()
                        .addStatement("trainer.unfreeze(groupNames(parts))")
                        .build(),
                MethodSpec.methodBuilder("unfreeze")
                        .addJavadoc("Unfreezes parameters by name or group; see {@link #freeze(String...)}.\n\n")
                        .addJavadoc("@param selectors each a group or a parameter's name\n")
                        .addJavadoc("@throws IllegalArgumentException when a selector matches no parameter\n")
                        .addModifiers(PUBLIC)
                        .addParameter(String[].class, "selectors")
                        .varargs()
                        .addStatement("trainer.unfreeze(selectors)")
                        .build(),
                MethodSpec.methodBuilder("frozenParameters")
                        .addJavadoc("The names of the frozen parameters, in creation order.\n\n")
                        .addJavadoc("@return a read-only set of parameter names\n")
                        .addModifiers(PUBLIC)
                        .returns(SET_OF_STRING)
                        .addStatement("return trainer.frozenParameters()")
                        .build(),
                MethodSpec.methodBuilder("summary")
                        .addJavadoc("A table of the model in the manner of Keras' {@code model.summary()}: each input,"
                                + "\n{@code @Shared} method and branch with its layers, output shapes and "
                                + "parameter counts,\nthe losses, the weighting, and the trainable and frozen "
                                + "totals.\n\n")
                        .addJavadoc("@return the table, one line per row\n")
                        .addModifiers(PUBLIC)
                        .returns(String.class)
                        .addStatement("return trainer.summary()")
                        .build(),
                MethodSpec.methodBuilder("toString")
                        .addJavadoc("The model's {@link #summary()}.\n\n")
                        .addJavadoc("@return the summary table\n")
                        .addAnnotation(Override.class)
                        .addModifiers(PUBLIC)
                        .returns(String.class)
                        .addStatement("return summary()")
                        .build());
    }

    /** {@code {@code trunk}, {@code localization}, ...}: the parts but the weighting, for javadoc. */
    private String partList() {
        List<String> parts = new ArrayList<>();
        model.shared().forEach(shared -> parts.add(Snippets.code(shared.methodName())));
        model.branches().forEach(branch -> parts.add(Snippets.code(branch.name())));
        return String.join(", ", parts);
    }

    private String firstPartConstant() {
        return ModelNames.constantName(model.shared().isEmpty()
                ? model.branches().get(0).name() : model.shared().get(0).methodName());
    }

    /** The group names of some parts, each checked for null. */
    private MethodSpec groupNames() {
        return MethodSpec.methodBuilder("groupNames")
                .addModifiers(PRIVATE, STATIC)
                .returns(String[].class)
                .addParameter(ArrayTypeName.of(names.part()), "parts")
                .addStatement("$T.requireNonNull(parts, $S)", Objects.class, "parts")
                .addStatement("String[] groups = new String[parts.length]")
                .beginControlFlow("for (int i = 0; i < parts.length; i++)")
                .addStatement("groups[i] = $T.requireNonNull(parts[i], $S).groupName()", Objects.class, "part")
                .endControlFlow()
                .addStatement("return groups")
                .build();
    }

    /** How the branch losses are weighted, for the class javadoc: "weighted by ...". */
    private CodeBlock weightingDescription() {
        WeightingDescriptor w = model.weighting();
        return switch (w.kind()) {
            case FIXED -> CodeBlock.of("the fixed weights $L", doubles(w.weights()));
            case TRAINABLE -> CodeBlock.of("trainable weights kept in [$L, $L]",
                    Snippets.doubleLiteral(w.min()), Snippets.doubleLiteral(w.max()));
            case SCHEDULED -> w.schedule().isPresent()
                    ? CodeBlock.of("weights from the schedule {@link $T}", w.schedule().get())
                    : CodeBlock.of("weights that follow a $L ramp from $L to $L\nover $L $L(s)",
                            w.ramp().name().toLowerCase(Locale.ROOT), doubles(w.weights()), doubles(w.endWeights()),
                            w.rampLength(), w.rampUnit().name().toLowerCase(Locale.ROOT));
            case UNCERTAINTY -> CodeBlock.of("learned uncertainty weights (Kendall et al.)");
            case DWA -> CodeBlock.of("Dynamic Weight Average with temperature $L",
                    Snippets.doubleLiteral(w.temperature()));
            case RLW -> CodeBlock.of("random loss weights drawn every step");
            case GLS -> CodeBlock.of("the geometric mean of the losses");
            case GRADNORM -> w.gradNormScope() == GradNormScope.ALL_SHARED
                    ? CodeBlock.of("GradNorm with asymmetry $L, measured on every shared parameter",
                            Snippets.doubleLiteral(w.asymmetry()))
                    : CodeBlock.of("GradNorm with asymmetry $L, measured on the last layer of $L",
                            Snippets.doubleLiteral(w.asymmetry()), Snippets.code(w.sharedLayer() + "()"));
            case PCGRAD -> CodeBlock.of("PCGrad: the losses summed, conflicting shared gradients projected");
            case MGDA -> CodeBlock.of("MGDA: the minimum-norm combination of the branch gradients");
            case CAGRAD -> CodeBlock.of("CAGrad with radius $L and rescale $L", Snippets.doubleLiteral(w.caGradRadius()),
                    w.caGradRescale());
            case STCH -> CodeBlock.of("smooth Tchebycheff scalarisation with μ = $L after $L warm-up epoch(s)",
                    Snippets.doubleLiteral(w.stchMu()), w.stchWarmupEpochs());
            case FAMO -> CodeBlock.of("FAMO with logits trained at learning rate $L, weight decay $L",
                    Snippets.doubleLiteral(w.famoLearningRate()), Snippets.doubleLiteral(w.famoWeightDecay()));
            case IMTL -> CodeBlock.of("IMTL ($L)", switch (w.imtlMode()) {
                case HYBRID -> "IMTL-L and IMTL-G";
                case GRADIENT -> "IMTL-G";
                case LOSS -> "IMTL-L";
            });
            case ALIGNED_MTL -> CodeBlock.of("Aligned-MTL: the shared gradients aligned by the eigen-decomposition "
                    + "of their Gram matrix");
            case GRADVAC -> CodeBlock.of("GradVac with targets moving at β = $L, $L",
                    Snippets.doubleLiteral(w.gradVacBeta()), w.gradVacGroups().name().toLowerCase(Locale.ROOT));
            case SDMGRAD -> CodeBlock.of("SDMGrad with λ = $L and $L iterations on its weights per step, on three "
                    + "parts of each batch", Snippets.doubleLiteral(w.sdmGradLambda()), w.sdmGradIterations());
            case MODO -> CodeBlock.of("MoDo with γ = $L and ρ = $L, on three parts of each batch",
                    Snippets.doubleLiteral(w.modoGamma()), Snippets.doubleLiteral(w.modoRho()));
            case UPGRAD -> CodeBlock.of("UPGrad: each shared branch gradient projected onto the dual cone, averaged");
            case NASH_MTL -> CodeBlock.of("Nash-MTL, solved every $L step(s), shared gradient clipped to norm $L",
                    w.nashMtlUpdateEvery(), Snippets.doubleLiteral(w.nashMtlMaxNorm()));
            case FAIRGRAD -> CodeBlock.of("FairGrad with α = $L", Snippets.doubleLiteral(w.fairGradAlpha()));
            case GRADDROP -> CodeBlock.of("GradDrop: the losses summed, shared gradients sign-dropped with leak $L",
                    Snippets.doubleLiteral(w.gradDropLeak()));
            case DB_MTL -> CodeBlock.of("DB-MTL: log losses, moving averages (β = $L, σ = $L) scaled to the largest norm",
                    Snippets.doubleLiteral(w.dbMtlBeta()), Snippets.doubleLiteral(w.dbMtlBetaSigma()));
            case MOCO -> CodeBlock.of("MoCo: tracked gradients (β = $L, σ = $L), weights stepped (γ = $L, σ = $L, ρ = $L)",
                    Snippets.doubleLiteral(w.mocoBeta()), Snippets.doubleLiteral(w.mocoBetaSigma()),
                    Snippets.doubleLiteral(w.mocoGamma()), Snippets.doubleLiteral(w.mocoGammaSigma()),
                    Snippets.doubleLiteral(w.mocoRho()));
            case EXCESS_MTL -> CodeBlock.of("ExcessMTL: weights by estimated excess risk, step size $L",
                    Snippets.doubleLiteral(w.excessMtlStepSize()));
            case CUSTOM -> CodeBlock.of("the strategy {@link $T}", w.strategy().orElseThrow());
        };
    }

    /** {@code {@code {1.0, 0.3}}}, for javadoc. */
    private static String doubles(List<Double> values) {
        return values.stream().map(Snippets::doubleLiteral).collect(Collectors.joining(", ", "{@code {", "}}"));
    }

    /** The {@code WeightingSpec} factory call for the model's weighting. */
    private CodeBlock weightingSpec() {
        WeightingDescriptor w = model.weighting();
        ClassName spec = TypeNames.WEIGHTING_SPEC;
        return switch (w.kind()) {
            case FIXED -> CodeBlock.of("$T.fixed($L)", spec, literals(w.weights()));
            case TRAINABLE -> CodeBlock.of("$T.trainable($L, $L, $L)", spec, Snippets.doubleLiteral(w.initial()),
                    Snippets.doubleLiteral(w.min()), Snippets.doubleLiteral(w.max()));
            case SCHEDULED -> w.schedule().isPresent()
                    ? CodeBlock.of("$T.scheduled($T::new)", spec, w.schedule().get())
                    : CodeBlock.of("$T.scheduled(new double[] {$L}, new double[] {$L},$W$T.$L, $L, $T.$L)", spec,
                            literals(w.weights()), literals(w.endWeights()), Ramp.class, w.ramp().name(),
                            Snippets.longLiteral(w.rampLength()), RampUnit.class, w.rampUnit().name());
            case UNCERTAINTY -> w.uncertaintyScale() == UncertaintyScale.BY_LOSS && w.initialLogVariance() == 0
                    ? CodeBlock.of("$T.uncertainty()", spec)
                    : CodeBlock.of("$T.uncertainty($T.$L, $L)", spec, UncertaintyScale.class,
                            w.uncertaintyScale().name(), Snippets.doubleLiteral(w.initialLogVariance()));
            case DWA -> w.epochMean() == EpochMean.PER_BATCH
                    ? CodeBlock.of("$T.dwa($L)", spec, Snippets.doubleLiteral(w.temperature()))
                    : CodeBlock.of("$T.dwa($L, $T.$L)", spec, Snippets.doubleLiteral(w.temperature()),
                            EpochMean.class, w.epochMean().name());
            case RLW -> CodeBlock.of("$T.rlw()", spec);
            case GLS -> CodeBlock.of("$T.gls()", spec);
            case GRADNORM -> w.headGradients() == HeadGradients.WEIGHTED && w.gradNormWarmup() == GradNormWarmup.NONE
                    && w.gradNormScope() == GradNormScope.LAST_SHARED_LAYER
                    && w.gradientSource() == GradientSource.PARAMETERS
                    ? CodeBlock.of("$T.gradNorm($L, $S)", spec, Snippets.doubleLiteral(w.asymmetry()), w.sharedLayer())
                    : CodeBlock.of("$T.gradNorm($L, $S,$W$T.$L, $T.$L, $T.$L, $T.$L, $T.$L)", spec,
                            Snippets.doubleLiteral(w.asymmetry()), w.sharedLayer(), HeadGradients.class,
                            w.headGradients().name(), GradNormWarmup.class, w.gradNormWarmup().name(),
                            GradNormScope.class, w.gradNormScope().name(), EpochMean.class, w.epochMean().name(),
                            GradientSource.class, w.gradientSource().name());
            case PCGRAD -> w.pcGradOrder() == PcGradOrder.OTHERS ? CodeBlock.of("$T.pcGrad()", spec)
                    : CodeBlock.of("$T.pcGrad($T.$L)", spec, PcGradOrder.class, w.pcGradOrder().name());
            case MGDA -> w.convention() == Convention.BRANCHWISE && w.mgdaNormalization() == MgdaNormalization.NONE
                    && w.headGradients() == HeadGradients.WEIGHTED && w.gradientSource() == GradientSource.PARAMETERS
                    ? CodeBlock.of("$T.mgda()", spec)
                    : CodeBlock.of("$T.mgda($T.$L, $T.$L, $T.$L, $T.$L)", spec, Convention.class,
                            w.convention().name(), MgdaNormalization.class, w.mgdaNormalization().name(),
                            HeadGradients.class, w.headGradients().name(), GradientSource.class,
                            w.gradientSource().name());
            case CAGRAD -> w.caGradRadius() == 0.5 && w.caGradRescale() == 1 ? CodeBlock.of("$T.caGrad()", spec)
                    : CodeBlock.of("$T.caGrad($L, $L)", spec, Snippets.doubleLiteral(w.caGradRadius()),
                            w.caGradRescale());
            case STCH -> CodeBlock.of("$T.stch($L, $L)", spec, Snippets.doubleLiteral(w.stchMu()),
                    Snippets.longLiteral(w.stchWarmupEpochs()));
            case FAMO -> CodeBlock.of("$T.famo($L, $L)", spec, Snippets.doubleLiteral(w.famoLearningRate()),
                    Snippets.doubleLiteral(w.famoWeightDecay()));
            case IMTL -> CodeBlock.of("$T.imtl($T.$L, $T.$L)", spec, ImtlMode.class, w.imtlMode().name(),
                    GradientSource.class, w.gradientSource().name());
            case ALIGNED_MTL -> CodeBlock.of("$T.alignedMtl($T.$L)", spec, GradientSource.class,
                    w.gradientSource().name());
            case GRADVAC -> CodeBlock.of("$T.gradVac($L, $T.$L)", spec, Snippets.doubleLiteral(w.gradVacBeta()),
                    GradVacGroups.class, w.gradVacGroups().name());
            case SDMGRAD -> CodeBlock.of("$T.sdmGrad($L, $L)", spec, Snippets.doubleLiteral(w.sdmGradLambda()),
                    w.sdmGradIterations());
            case MODO -> CodeBlock.of("$T.moDo($L, $L)", spec, Snippets.doubleLiteral(w.modoGamma()),
                    Snippets.doubleLiteral(w.modoRho()));
            case UPGRAD -> CodeBlock.of("$T.upGrad()", spec);
            case NASH_MTL -> CodeBlock.of("$T.nashMtl($L, $L)", spec, Snippets.doubleLiteral(w.nashMtlMaxNorm()),
                    w.nashMtlUpdateEvery());
            case FAIRGRAD -> CodeBlock.of("$T.fairGrad($L)", spec, Snippets.doubleLiteral(w.fairGradAlpha()));
            case GRADDROP -> CodeBlock.of("$T.gradDrop($L)", spec, Snippets.doubleLiteral(w.gradDropLeak()));
            case DB_MTL -> CodeBlock.of("$T.dbMtl($L, $L)", spec, Snippets.doubleLiteral(w.dbMtlBeta()),
                    Snippets.doubleLiteral(w.dbMtlBetaSigma()));
            case MOCO -> CodeBlock.of("$T.moco($L, $L, $L, $L, $L)", spec, Snippets.doubleLiteral(w.mocoBeta()),
                    Snippets.doubleLiteral(w.mocoBetaSigma()), Snippets.doubleLiteral(w.mocoGamma()),
                    Snippets.doubleLiteral(w.mocoGammaSigma()), Snippets.doubleLiteral(w.mocoRho()));
            case EXCESS_MTL -> CodeBlock.of("$T.excessMtl($L)", spec, Snippets.doubleLiteral(w.excessMtlStepSize()));
            case CUSTOM -> CodeBlock.of("$T.custom($T::new)", spec, w.strategy().orElseThrow());
        };
    }

    private static String literals(List<Double> values) {
        return values.stream().map(Snippets::doubleLiteral).collect(Collectors.joining(", "));
    }

    /** {@code ModelSpec.builder("p.Detector").input(...).branch(...).weighting(...).graph(...).build()}. */
    private CodeBlock spec() {
        CodeBlock.Builder spec = CodeBlock.builder()
                .add("$T.builder($S)", TypeNames.MODEL_SPEC, model.qualifiedName())
                .indent().indent();
        for (InputDescriptor input : model.inputs()) {
            String dims = input.shape().isEmpty() ? "" : ", " + Snippets.dimensions(input.shape());
            if (input.isIds()) {
                spec.add("\n.input($S, $T.INT, $L$L)", input.name(), InputType.class,
                        Snippets.longLiteral(input.vocabulary()), dims);
            } else {
                spec.add("\n.input($S$L)", input.name(), dims);
            }
        }
        for (BranchDescriptor branch : model.branches()) {
            spec.add("\n.branch($S, new long[] {$L}, $T.$L, $L)", branch.name(), Snippets.dimensions(branch.shape()),
                    Loss.class, branch.loss().name(), Snippets.doubleLiteral(branch.delta()));
        }
        spec.add("\n.weighting($L)", weightingSpec());
        List<SharedDescriptor> withLayers = model.shared().stream().filter(SharedDescriptor::takesLayers).toList();
        if (!withLayers.isEmpty()) {
            // Declaration order, which the runtime cannot see: "the last @Shared method" of a strategy chosen at run
            // time (GRADNORM's default layer) means the last declared, as for the annotation.
            spec.add("\n.sharedMethods($L)", withLayers.stream().map(m -> CodeBlock.of("$S", m.methodName()))
                    .collect(CodeBlock.joining(", ")));
        }
        return spec.add("\n.graph($T::defineGraph)", names.trainingModel())
                .add("\n.build()")
                .unindent().unindent()
                .build();
    }

    /** {@code fit} or {@code evaluate}: the batch's inputs and targets into the trainer, typed losses out. */
    private MethodSpec step(String name, String javadoc, String returns) {
        CodeBlock inputs = model.inputs().stream().map(i -> CodeBlock.of("batch.$N()", i.name()))
                .collect(CodeBlock.joining(", "));
        CodeBlock targets = model.branches().stream().map(b -> CodeBlock.of("batch.$N()", b.name()))
                .collect(CodeBlock.joining(", "));
        return MethodSpec.methodBuilder(name)
                .addJavadoc(javadoc)
                .addJavadoc("@param batch the inputs and the target of every branch\n")
                .addJavadoc("@return $L:\n        the weighted total, then $L\n", returns, model.branches().stream()
                        .map(b -> Snippets.code(b.name())).collect(Collectors.joining(", ")))
                .addModifiers(PUBLIC)
                .returns(names.losses())
                .addParameter(names.batch(), "batch")
                .addStatement("$T.requireNonNull(batch, $S)", Objects.class, "batch")
                .addStatement("return losses(trainer.$N(new $T {$L},$Wnew $T {$L}))",
                        name, INDARRAY_ARRAY, inputs, INDARRAY_ARRAY, targets)
                .build();
    }

    private MethodSpec weights() {
        CodeBlock components = IntStream.range(0, model.branches().size())
                .mapToObj(i -> CodeBlock.of("w[$L]", i))
                .collect(CodeBlock.joining(", "));
        return MethodSpec.methodBuilder("weights")
                .addJavadoc("The current weight of each branch loss in the total.\n\n")
                .addJavadoc("@return the weights of $L\n", model.branches().stream()
                        .map(b -> Snippets.code(b.name())).collect(Collectors.joining(", ")))
                .addModifiers(PUBLIC)
                .returns(names.lossWeights())
                .addStatement("double[] w = trainer.weights()")
                .addStatement("return new $T($L)", names.lossWeights(), components)
                .build();
    }

    private MethodSpec losses() {
        CodeBlock components = IntStream.range(0, model.branches().size())
                .mapToObj(i -> CodeBlock.of("result.branchLoss($L)", i))
                .collect(CodeBlock.joining(", "));
        return MethodSpec.methodBuilder("losses")
                .addModifiers(PRIVATE, STATIC)
                .returns(names.losses())
                .addParameter(TypeNames.LOSSES, "result")
                .addStatement("return new $T(result.total(), $L)", names.losses(), components)
                .build();
    }

    /** Builds the graph: every branch's output through the {@code Graph} subclass, then every loss method's loss. */
    private MethodSpec defineGraph() {
        MethodSpec.Builder method = MethodSpec.methodBuilder("defineGraph")
                .addModifiers(PRIVATE, STATIC)
                .addParameter(TypeNames.MODEL_GRAPH, "scope")
                .addStatement("Graph graph = new Graph(scope)");
        for (BranchDescriptor branch : model.branches()) {
            if (branch.takesLayers()) {
                method.addStatement("scope.output($S, graph.$N(scope.layers($S)))",
                        branch.name(), branch.methodName(), branch.name());
            } else {
                method.addStatement("scope.output($S, graph.$N())", branch.name(), branch.methodName());
            }
        }
        for (LossMethodDescriptor loss : model.lossMethods()) {
            method.addStatement("scope.loss($S, graph.$N(scope.target($S), scope.branchOutput($S)))",
                    loss.branch(), loss.methodName(), loss.branch(), loss.branch());
        }
        return method.build();
    }

    /**
     * The model class's subclass: inputs read the graph's placeholders, {@code @Shared} methods are memoised so
     * that every branch calling one gets the same tensor and the same parameters; gates and stitches are
     * implemented with the runtime's, memoised the same way, and each experts group is built once, by the first
     * gate that mixes it.
     */
    private TypeSpec graph() {
        NameAllocator allocator = new NameAllocator();
        String scope = allocator.newName("scope");
        Map<String, String> memo = new HashMap<>();
        for (SharedDescriptor shared : model.shared()) {
            memo.put(shared.methodName(), allocator.newName(shared.methodName()));
        }
        // Fields and methods have separate namespaces: a gate's field may share its method's name, but the
        // experts groups' and the gates' fields must differ from each other and from the shared ones.
        Map<String, String> expertsMemo = new HashMap<>();
        for (ExpertsDescriptor group : model.experts()) {
            expertsMemo.put(group.name(), allocator.newName(group.name()));
        }
        for (GateDescriptor gate : model.gates()) {
            memo.put(gate.name(), allocator.newName(gate.name()));
        }
        for (StitchDescriptor stitch : model.stitches()) {
            memo.put(stitch.name(), allocator.newName(stitch.name()));
        }
        String layers = allocator.newName("layers");
        TypeSpec.Builder graph = TypeSpec.classBuilder("Graph")
                .addJavadoc("Implements the inputs of {@link $T} with the graph's placeholders\n"
                        + "and memoises its {@code @Shared} methods.\n", names.model())
                .addModifiers(PRIVATE, STATIC, FINAL)
                .superclass(names.model())
                // The model's own nested types are in scope inside its subclass: qualify ours where they clash.
                .avoidClashesWithNestedClasses(model.element());
        if (model.serializable()) {
            // Inherited Serializable: the graph is never serialised, so a serialVersionUID would only be noise.
            graph.addAnnotation(AnnotationSpec.builder(SuppressWarnings.class)
                    .addMember("value", "$S", "serial").build());
        }
        graph.addField(TypeNames.MODEL_GRAPH, scope, PRIVATE, FINAL);
        for (SharedDescriptor shared : model.shared()) {
            graph.addField(TypeNames.SD_VARIABLE, memo.get(shared.methodName()), PRIVATE);
        }
        for (ExpertsDescriptor group : model.experts()) {
            graph.addField(ParameterizedTypeName.get(ClassName.get(List.class), TypeNames.SD_VARIABLE),
                    expertsMemo.get(group.name()), PRIVATE);
        }
        for (GateDescriptor gate : model.gates()) {
            graph.addField(TypeNames.SD_VARIABLE, memo.get(gate.name()), PRIVATE);
        }
        for (StitchDescriptor stitch : model.stitches()) {
            graph.addField(TypeNames.SD_VARIABLE, memo.get(stitch.name()), PRIVATE);
        }
        graph.addMethod(MethodSpec.constructorBuilder()
                .addParameter(TypeNames.MODEL_GRAPH, "scope")
                .addStatement("this.$N = scope", scope)
                .build());
        for (InputDescriptor input : model.inputs()) {
            graph.addMethod(override(input.methodName(), input.access())
                    .addStatement("return $N.input($S)", scope, input.name())
                    .build());
        }
        for (SharedDescriptor shared : model.shared()) {
            String field = memo.get(shared.methodName());
            MethodSpec.Builder method = override(shared.methodName(), shared.access());
            CodeBlock call;
            if (shared.takesLayers()) {
                // The caller's Layers is ignored: shared layers are named after the shared method, whichever
                // branch calls it first, so that they are the same parameters for every branch.
                method.addParameter(TypeNames.LAYERS, layers);
                // Registered as the method's output: the shared representation some strategies differentiate.
                call = CodeBlock.of("$N.sharedOutput($S, super.$N($N.layers($S)))", scope, shared.methodName(),
                        shared.methodName(), scope, shared.methodName());
            } else {
                call = CodeBlock.of("super.$N()", shared.methodName());
            }
            graph.addMethod(method
                    .beginControlFlow("if ($N == null)", field)
                    .addStatement("$N = $L", field, call)
                    .endControlFlow()
                    .addStatement("return $N", field)
                    .build());
        }
        for (GateDescriptor gate : model.gates()) {
            String field = memo.get(gate.name());
            MethodSpec.Builder method = override(gate.name(), gate.access())
                    .beginControlFlow("if ($N == null)", field);
            for (String groupName : gate.groups()) {
                // The runtime's gate finds its experts by group name: build each group first, once for all gates.
                ExpertsDescriptor group = model.expertsGroup(groupName);
                String groupField = expertsMemo.get(groupName);
                method.beginControlFlow("if ($N == null)", groupField)
                        .addStatement("$N = $N.experts($S, $L, $L,$W(nn, in) -> super.$N(nn, in))", groupField, scope,
                                group.name(), group.count(), partCall(group.input(), scope), group.name())
                        .endControlFlow();
            }
            CodeBlock groups = gate.groups().stream().map(g -> CodeBlock.of("$S", g)).collect(CodeBlock.joining(", "));
            graph.addMethod(method
                    .addStatement("$N = $N.gate($S, $T.of($L), $L)", field, scope, gate.name(), List.class, groups,
                            partCall(gate.input(), scope))
                    .endControlFlow()
                    .addStatement("return $N", field)
                    .build());
        }
        for (StitchDescriptor stitch : model.stitches()) {
            String field = memo.get(stitch.name());
            CodeBlock parts = stitch.parts().stream().map(p -> partCall(p, scope)).collect(CodeBlock.joining(",$W"));
            graph.addMethod(override(stitch.name(), stitch.access())
                    .beginControlFlow("if ($N == null)", field)
                    .addStatement("$N = $N.stitch($S, $T.of($L), $L, $L, $L)", field, scope, stitch.name(),
                            List.class, parts, Snippets.doubleLiteral(stitch.own()),
                            Snippets.doubleLiteral(stitch.other()), stitch.perChannel())
                    .endControlFlow()
                    .addStatement("return $N", field)
                    .build());
        }
        return graph.build();
    }

    /**
     * The call on the {@code Graph} that reads a part named in {@code input} or {@code parts}: an {@code @Input}
     * (by method name), a {@code @Shared} method (with the layers its memoised override ignores in favour of its
     * own), a gate or a stitch.
     */
    private CodeBlock partCall(String part, String scope) {
        for (SharedDescriptor shared : model.shared()) {
            if (shared.methodName().equals(part)) {
                return shared.takesLayers()
                        ? CodeBlock.of("$N($N.layers($S))", part, scope, part)
                        : CodeBlock.of("$N()", part);
            }
        }
        boolean known = model.inputs().stream().anyMatch(i -> i.methodName().equals(part))
                || model.gates().stream().anyMatch(g -> g.name().equals(part))
                || model.stitches().stream().anyMatch(s -> s.name().equals(part));
        if (!known) {
            throw new IllegalStateException("validation let through an unknown part " + part);
        }
        return CodeBlock.of("$N()", part);
    }

    private static MethodSpec.Builder override(String name, Access access) {
        MethodSpec.Builder method = MethodSpec.methodBuilder(name)
                .addAnnotation(Override.class)
                .returns(TypeNames.SD_VARIABLE);
        Modifier modifier = switch (access) {
            case PUBLIC -> PUBLIC;
            case PROTECTED -> PROTECTED;
            case PACKAGE -> null;
        };
        if (modifier != null) {
            method.addModifiers(modifier);
        }
        return method;
    }
}
