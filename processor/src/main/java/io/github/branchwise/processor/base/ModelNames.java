package io.github.branchwise.processor.base;

import com.palantir.javapoet.ClassName;
import java.util.List;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.PackageElement;
import javax.lang.model.element.TypeElement;

/**
 * The names of the types generated for one model class.
 *
 * <p>Every generated type is top-level, in the model's package, and named by a prefix followed by a fixed suffix.
 * The prefix is the model's simple name, or, for a model nested in other classes, the simple names of the enclosing
 * classes and the model joined outermost first: {@code Outer.Detector} gives {@code OuterDetectorTrainingModel}.
 * Two models can therefore claim the same prefix ({@code Outer.Detector} and a top-level {@code OuterDetector});
 * the validator rejects a nested model whose prefix is the name of another type of the package.
 *
 * @param packageName the model's package, empty for the unnamed package
 * @param prefix the prefix of every generated type's simple name
 * @param model the model class itself
 */
public record ModelNames(String packageName, String prefix, ClassName model) {
    /** The suffixes of the types generated for every model, in the order they are generated. */
    public static final List<String> SUFFIXES =
            List.of("Batch", "Prediction", "Losses", "LossWeights", "PredictionModel", "TrainingModel", "Part",
                    "Metrics", "Epoch", "History", "ExamplePrediction");

    /** The suffix of the gate weights record, generated only for a model with {@code @Gate}s, after the others. */
    public static final String GATE_WEIGHTS = "GateWeights";

    /** The runtime's name of the weighting's parameter group, and the {@code <Model>Part} constant for it. */
    public static final String WEIGHTING_GROUP = "weighting";

    /** The names of the types generated for {@code model}. */
    public static ModelNames of(TypeElement model) {
        StringBuilder prefix = new StringBuilder(model.getSimpleName());
        Element enclosing = model.getEnclosingElement();
        while (enclosing != null && enclosing.getKind() != ElementKind.PACKAGE) {
            prefix.insert(0, enclosing.getSimpleName());
            enclosing = enclosing.getEnclosingElement();
        }
        String packageName = enclosing instanceof PackageElement pkg ? pkg.getQualifiedName().toString() : "";
        return new ModelNames(packageName, prefix.toString(), ClassName.get(model));
    }

    /** Whether the model is nested in another class, so that its prefix joins several names. */
    public boolean nested() {
        return model.simpleNames().size() > 1;
    }

    /** {@code <Model>Batch}: the inputs and branch targets of one batch. */
    public ClassName batch() {
        return generated("Batch");
    }

    /** {@code <Model>Prediction}: one output per branch. */
    public ClassName prediction() {
        return generated("Prediction");
    }

    /** {@code <Model>ExamplePrediction}: one example's output of each branch, as Java arrays. */
    public ClassName examplePrediction() {
        return generated("ExamplePrediction");
    }

    /** {@code <Model>Losses}: the weighted total and one loss per branch. */
    public ClassName losses() {
        return generated("Losses");
    }

    /** {@code <Model>LossWeights}: the weight of each branch loss. */
    public ClassName lossWeights() {
        return generated("LossWeights");
    }

    /** {@code <Model>PredictionModel}: the typed forward pass. */
    public ClassName predictionModel() {
        return generated("PredictionModel");
    }

    /** {@code <Model>TrainingModel}: the typed training loop. */
    public ClassName trainingModel() {
        return generated("TrainingModel");
    }

    /** {@code <Model>Part}: the enum of the parts whose parameters can be frozen. */
    public ClassName part() {
        return generated("Part");
    }

    /** {@code <Model>Metrics}: the default metrics of every branch. */
    public ClassName metrics() {
        return generated("Metrics");
    }

    /** {@code <Model>Epoch}: what training recorded at the end of one epoch. */
    public ClassName epoch() {
        return generated("Epoch");
    }

    /** {@code <Model>GateWeights}: each gate's mean expert weights over an epoch; only for models with gates. */
    public ClassName gateWeights() {
        return generated(GATE_WEIGHTS);
    }

    /** {@code <Model>History}: the typed view of a training run's history. */
    public ClassName history() {
        return generated("History");
    }

    /**
     * The enum constant for a part name: upper snake case, a word boundary before each capital that follows a
     * lower-case letter or digit, and before the last capital of a run followed by a lower-case letter
     * ({@code localization} → {@code LOCALIZATION}, {@code sharedTrunk} → {@code SHARED_TRUNK},
     * {@code myHTTPHead} → {@code MY_HTTP_HEAD}, {@code x1} → {@code X1}).
     */
    public static String constantName(String name) {
        StringBuilder constant = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (i > 0 && Character.isUpperCase(c)) {
                char previous = name.charAt(i - 1);
                boolean nextIsLower = i + 1 < name.length() && Character.isLowerCase(name.charAt(i + 1));
                if (Character.isLowerCase(previous) || Character.isDigit(previous)
                        || Character.isUpperCase(previous) && nextIsLower) {
                    constant.append('_');
                }
            }
            constant.append(Character.toUpperCase(c));
        }
        return constant.toString();
    }

    /** The suffixes of the types generated for a model with or without gates, in the order they are generated. */
    public static List<String> suffixes(boolean gates) {
        if (!gates) {
            return SUFFIXES;
        }
        List<String> all = new java.util.ArrayList<>(SUFFIXES);
        all.add(GATE_WEIGHTS);
        return List.copyOf(all);
    }

    /** Every type generated for a model with or without gates, in the order of {@link #suffixes(boolean)}. */
    public List<ClassName> all(boolean gates) {
        return suffixes(gates).stream().map(this::generated).toList();
    }

    /** The qualified name of a type of the model's package, as {@code Elements.getTypeElement} takes it. */
    public String qualify(String simpleName) {
        return packageName.isEmpty() ? simpleName : packageName + "." + simpleName;
    }

    private ClassName generated(String suffix) {
        return ClassName.get(packageName, prefix + suffix);
    }
}
