package io.github.branchwise.processor.base;

import com.palantir.javapoet.ClassName;

/**
 * The types generated code refers to.
 *
 * <p>The processor must not depend on ND4J or on the runtime (it runs inside javac, where neither belongs), so those
 * types are named here by string rather than by {@code Class} literal.
 */
public final class TypeNames {
    private static final String RUNTIME = "io.github.branchwise.runtime";
    private static final String INTERNAL = RUNTIME + ".internal";
    private static final String TRAINING = RUNTIME + ".training";

    /** {@code org.nd4j.autodiff.samediff.SDVariable}, what every model method returns. */
    public static final ClassName SD_VARIABLE = ClassName.get("org.nd4j.autodiff.samediff", "SDVariable");
    /** {@code org.nd4j.linalg.api.ndarray.INDArray}, the type of every record component holding data. */
    public static final ClassName INDARRAY = ClassName.get("org.nd4j.linalg.api.ndarray", "INDArray");
    /** The layer builder a branch or shared method may take. */
    public static final ClassName LAYERS = ClassName.get(RUNTIME, "Layers");
    /** How another framework lays out the arrays of a NumPy import. */
    public static final ClassName PARAMETER_LAYOUT = ClassName.get(RUNTIME, "ParameterLayout");
    /** Seed and updater of a training model. */
    public static final ClassName TRAINING_OPTIONS = ClassName.get(RUNTIME, "TrainingOptions");
    /** The runtime description of a model. */
    public static final ClassName MODEL_SPEC = ClassName.get(INTERNAL, "ModelSpec");
    /** The graph under construction as generated code sees it. */
    public static final ClassName MODEL_GRAPH = ClassName.get(INTERNAL, "ModelGraph");
    /** The untyped trainer of a model: steps, parameters, files. */
    public static final ClassName TRAINER = ClassName.get(TRAINING, "Trainer");
    public static final ClassName TRAINING_MODEL = ClassName.get(TRAINING, "TrainingModel");
    /** Runs a model forward, for the generated prediction model. */
    public static final ClassName PREDICTOR = ClassName.get(INTERNAL, "Predictor");
    /** Checks and converts one example given as Java arrays, and reads one example of a batch. */
    public static final ClassName EXAMPLE_ARRAYS = ClassName.get(INTERNAL, "ExampleArrays");
    /** The losses of one training or evaluation step. */
    public static final ClassName LOSSES = ClassName.get(RUNTIME, "Losses");
    /** The runtime description of a weighting strategy. */
    public static final ClassName WEIGHTING_SPEC = ClassName.get(INTERNAL, "WeightingSpec");
    /** Trains over epochs: data sources, validation, metrics, history, checkpoints. */
    public static final ClassName FITTING = ClassName.get(TRAINING, "Fitting");
    /** How a fitting trains: epochs, validation data, listeners, early stopping, checkpoints. */
    public static final ClassName FIT_CONFIG = ClassName.get(TRAINING, "FitConfig");
    /** Where the batches of each epoch come from. */
    public static final ClassName DATA_SOURCE = ClassName.get(TRAINING, "DataSource");
    /** Whole arrays cut into shuffled mini-batches. */
    public static final ClassName ARRAY_DATA_SOURCE = ClassName.get(TRAINING, "ArrayDataSource");
    /** Which CSV columns hold each input and target. */
    public static final ClassName CSV_COLUMNS = ClassName.get(TRAINING, "CsvColumns");
    /** Reads a CSV file into a model's arrays. */
    public static final ClassName CSV_DATA = ClassName.get(TRAINING, "CsvData");
    /** One untyped mini-batch. */
    public static final ClassName BATCH = ClassName.get(TRAINING, "Batch");
    /** One gate's mean expert weights over an epoch, read from a history row. */
    public static final ClassName GATE_WEIGHTS = ClassName.get(TRAINING, "GateWeights");
    /** Builds one expert of a group, for {@code ModelGraph.experts}. */
    public static final ClassName EXPERT_FACTORY = MODEL_GRAPH.nestedClass("ExpertFactory");
    /** What a fitting recorded, untyped. */
    public static final ClassName HISTORY = ClassName.get(TRAINING, "History");
    /** Step and epoch hooks of a fitting. */
    public static final ClassName TRAINING_LISTENER = ClassName.get(TRAINING, "TrainingListener");
    /** ND4J's iterator of multi-input, multi-output data sets. */
    public static final ClassName MULTI_DATA_SET_ITERATOR =
            ClassName.get("org.nd4j.linalg.dataset.api.iterator", "MultiDataSetIterator");
    /** {@code javax.annotation.processing.Generated}, present in the JDK since Java 9. */
    public static final ClassName GENERATED = ClassName.get("javax.annotation.processing", "Generated");

    /** The processor's class name, the value of every {@code @Generated}. */
    public static final String PROCESSOR = "io.github.branchwise.processor.BranchwiseProcessor";

    /** The qualified name of {@link #SD_VARIABLE}, for comparing with element types. */
    public static final String SD_VARIABLE_NAME = SD_VARIABLE.canonicalName();
    /** The qualified name of {@link #LAYERS}, for comparing with element types. */
    public static final String LAYERS_NAME = LAYERS.canonicalName();

    private TypeNames() {
    }
}
