package io.github.branchwise.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.testing.compile.Compilation;
import io.github.branchwise.runtime.DuplicatedLayers;
import io.github.branchwise.runtime.training.Trainer;
import java.lang.reflect.Array;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Compiles the example models with the processor, then loads and runs what it generated against the real runtime:
 * the generated API has the promised names, order and types, and training through it works.
 */
final class GeneratedModelTest {
    private static GeneratedClassLoader loader;

    @BeforeAll
    static void compileAllExamples() {
        Compilation compilation =
                Compilations.compileModels("Detector", "TwoInputs", "SharedTrunk", "CustomLoss", "ForgottenShared");
        // -Xlint:all is on: the user's classes and everything generated compile without a single warning.
        assertThat(compilation).succeededWithoutWarnings();
        loader = new GeneratedClassLoader(compilation);
    }

    @Test
    void recordsHaveInputsThenBranchesInDeclarationOrder() throws Exception {
        assertComponents("example.DetectorBatch", INDArray.class, "image", "localization", "classification");
        assertComponents("example.DetectorPrediction", INDArray.class, "localization", "classification");
        assertComponents("example.DetectorLosses", double.class, "total", "localization", "classification");
        assertComponents("example.DetectorLossWeights", double.class, "localization", "classification");
        // Names from @Input(name) and @Branch(name); two inputs in declaration order.
        assertComponents("example.TwoInputsBatch", INDArray.class, "first", "second", "x1", "x2");
        assertComponents("example.SharedTrunkLosses", double.class, "total", "kind", "size", "present");
    }

    @Test
    void generatedTypesArePublicFinalAndPredictTakesOneArrayPerInput() throws Exception {
        for (String suffix : List.of("Batch", "Prediction", "Losses", "LossWeights", "PredictionModel",
                "TrainingModel", "Metrics", "Epoch", "History", "ExamplePrediction")) {
            Class<?> type = loader.loadClass("example.Detector" + suffix);
            assertTrue(Modifier.isPublic(type.getModifiers()) && Modifier.isFinal(type.getModifiers()), suffix);
        }
        Class<?> predictionModel = loader.loadClass("example.TwoInputsPredictionModel");
        Method predict = predictionModel.getMethod("predict", INDArray.class, INDArray.class);
        assertEquals(loader.loadClass("example.TwoInputsPrediction"), predict.getReturnType());
    }

    @Test
    void detectorTrainsThroughTheGeneratedApi(@TempDir Path dir) throws Exception {
        Object model = create("Detector");
        Object batch = batch("Detector", zeros(7, 5, 5, 2), ones(7, 3, 3, 1), ones(7, 2));
        Object first = call(model, "fit", batch);
        assertFiniteLosses(first, 3);
        Object second = call(model, "fit", batch);
        assertTrue(component(second, "total") < component(first, "total"), "the total falls");
        Object weights = call(model, "weights");
        assertEquals(1.0, component(weights, "localization") + component(weights, "classification"), 1e-9);

        Object prediction = call(call(model, "predictionModel"), "predict", zeros(7, 5, 5, 2));
        assertEquals(List.of(7L, 3L, 3L, 1L), shape((INDArray) accessor(prediction, "localization")));
        assertEquals(List.of(7L, 2L), shape((INDArray) accessor(prediction, "classification")));

        Path file = dir.resolve("detector.bw");
        call(model, "save", file);
        Object loaded = loader.loadClass("example.DetectorTrainingModel").getMethod("load", Path.class)
                .invoke(null, file);
        assertEquals(component(call(model, "evaluate", batch), "total"),
                component(call(loaded, "evaluate", batch), "total"), 1e-6);
        Object predictionModel = loader.loadClass("example.DetectorPredictionModel")
                .getMethod("load", Path.class).invoke(null, file);
        assertNotNull(call(predictionModel, "predict", zeros(2, 5, 5, 2)));
        assertSame(model.getClass().getMethod("trainer").getReturnType(),
                io.github.branchwise.runtime.training.Trainer.class);
    }

    @Test
    void twoInputModelTrains() throws Exception {
        Object model = create("TwoInputs");
        Object batch = batch("TwoInputs", random(8, 4), random(8, 3), random(8, 1), random(8, 2));
        assertFiniteLosses(call(model, "fit", batch), 3);
        Object weights = call(model, "weights");
        assertEquals(0.3, component(weights, "x1"), 0.05, "alpha starts at initial = 0.3");
    }

    @Test
    void sharedTrunkIsBuiltOnceForThreeBranches() throws Exception {
        Class<?> modelClass = loader.loadClass("example.SharedTrunk");
        var builds = modelClass.getDeclaredField("trunkBuilds");
        builds.setAccessible(true);
        int before = builds.getInt(null);
        Object model = create("SharedTrunk");
        assertEquals(before + 1, builds.getInt(null), "one trunk for three branches");
        INDArray kinds = Nd4j.zeros(DataType.FLOAT, 5, 3);
        for (int i = 0; i < 5; i++) {
            kinds.putScalar(i, i % 3, 1.0);
        }
        Object batch = batch("SharedTrunk", random(5, 6), kinds, random(5, 1), ones(5, 1));
        assertFiniteLosses(call(model, "fit", batch), 4);
        Object weights = call(model, "weights");
        double sum = component(weights, "kind") + component(weights, "size") + component(weights, "present");
        assertEquals(1.0, sum, 1e-6, "N > 2 trainable weights stay a convex combination");
    }

    @Test
    void aTrunkWithoutSharedIsReportedAndTheSharedOneIsNot() throws Exception {
        // Each copy: Dense(16) relu over 6 features (6·16 + 16 = 112) and Dense(16) over 16 (16·16 + 16 = 272).
        Trainer forgotten = (Trainer) call(create("ForgottenShared"), "trainer");
        assertEquals(List.of(new DuplicatedLayers(List.of("kind", "size"), List.of("dense_0", "dense_1"),
                List.of("Dense(16) relu", "Dense(16)"), "input 'features'", 384)), forgotten.duplicatedLayers());
        assertEquals(List.of(), ((Trainer) call(create("SharedTrunk"), "trainer")).duplicatedLayers());
    }

    @Test
    void lossMethodAndFixedWeightsTrain() throws Exception {
        Object model = create("CustomLoss");
        Object batch = batch("CustomLoss", random(6, 4), random(6, 4), random(6, 2));
        Object losses = call(model, "fit", batch);
        assertFiniteLosses(losses, 3);
        assertEquals(component(losses, "score") + 0.3 * component(losses, "pair"), component(losses, "total"),
                1e-5, "FIXED weights {1.0, 0.3}");
        Object weights = call(model, "weights");
        assertEquals(1.0, component(weights, "score"), 1e-12);
        assertEquals(0.3, component(weights, "pair"), 1e-12);
    }

    @Test
    void partEnumHasOneConstantPerSharedMethodBranchAndTheWeighting() throws Exception {
        assertParts("Detector", "LOCALIZATION:localization", "CLASSIFICATION:classification", "WEIGHTING:weighting");
        assertParts("SharedTrunk", "TRUNK:trunk", "KIND:kind", "SIZE:size", "PRESENT:present", "WEIGHTING:weighting");
        assertParts("TwoInputs", "X1:x1", "X2:x2", "WEIGHTING:weighting");
    }

    @Test
    void aBranchFrozenThroughThePartEnumKeepsItsParametersBitForBit() throws Exception {
        Object model = create("Detector");
        Object batch = batch("Detector", random(7, 5, 5, 2), ones(7, 3, 3, 1), zeros(7, 2));
        call(model, "fit", batch);
        freeze(model, "freeze", "LOCALIZATION");
        assertEquals(Set.of("localization/conv2d_0/W", "localization/conv2d_0/b"), call(model, "frozenParameters"));
        Map<String, INDArray> before = parameters(model);
        for (int i = 0; i < 3; i++) {
            call(model, "fit", batch);
        }
        Map<String, INDArray> after = parameters(model);
        assertEquals(before.keySet(), after.keySet());
        for (String name : before.keySet()) {
            boolean same = Arrays.equals(before.get(name).data().asBytes(), after.get(name).data().asBytes());
            assertEquals(name.startsWith("localization/"), same, name + (same ? " did not move" : " moved"));
        }
        assertTrue(call(model, "summary").toString().contains("(frozen)"));

        freeze(model, "unfreeze", "LOCALIZATION");
        assertEquals(Set.of(), call(model, "frozenParameters"));
        call(model, "fit", batch);
        assertFalse(Arrays.equals(after.get("localization/conv2d_0/W").data().asBytes(),
                parameters(model).get("localization/conv2d_0/W").data().asBytes()), "unfrozen, it trains again");
    }

    @Test
    void parametersCanBeReadAndSetByNameAllOrNothing() throws Exception {
        Object model = create("Detector");
        Map<String, INDArray> parameters = parameters(model);
        assertEquals(List.of("localization/conv2d_0/W", "localization/conv2d_0/b", "classification/dense_0/W",
                "classification/dense_0/b", "weighting/alpha"), List.copyOf(parameters.keySet()));
        model.getClass().getMethod("setParameters", Map.class).invoke(model, parameters);
        assertEquals(parameters, parameters(model), "setParameters(parameters()) is the identity");

        model.getClass().getMethod("setParameter", String.class, INDArray.class)
                .invoke(model, "classification/dense_0/b", Nd4j.createFromArray(0.25f, -0.25f));
        assertEquals(-0.25, parameters(model).get("classification/dense_0/b").getDouble(1), 1e-7);
        Map<String, INDArray> bad = new LinkedHashMap<>();
        bad.put("classification/dense_0/b", Nd4j.createFromArray(1f, 1f));
        bad.put("localization/conv2d_0/b", Nd4j.zeros(DataType.FLOAT, 3));
        InvocationTargetException thrown = assertThrows(InvocationTargetException.class,
                () -> model.getClass().getMethod("setParameters", Map.class).invoke(model, bad));
        assertTrue(thrown.getCause() instanceof IllegalArgumentException, thrown.getCause().toString());
        assertEquals(-0.25, parameters(model).get("classification/dense_0/b").getDouble(1), 1e-7, "nothing changed");
    }

    @Test
    void summaryListsTheSeedModelsParameterCountsAndIsTheToString() throws Exception {
        Object model = create("Detector");
        String summary = (String) call(model, "summary");
        assertEquals(summary, model.toString());
        assertTrue(hasRow(summary, "conv2d", "19"), summary);
        assertTrue(hasRow(summary, "dense", "102"), summary);
        assertTrue(hasRow(summary, "weighting", "1"), summary);
        assertTrue(summary.contains("Total params: 122"), summary);
    }

    /** Whether a row of the summary starts with (or, for a layer, mentions) {@code label} and ends with the count. */
    private static boolean hasRow(String summary, String label, String count) {
        return summary.lines().anyMatch(line -> line.strip().contains(label) && line.strip().endsWith(" " + count));
    }

    /** The part enum's constants, as {@code NAME:groupName}, in order. */
    private static void assertParts(String model, String... expected) throws Exception {
        Class<?> part = loader.loadClass("example." + model + "Part");
        assertTrue(part.isEnum() && Modifier.isPublic(part.getModifiers()));
        List<String> constants = new ArrayList<>();
        for (Object constant : part.getEnumConstants()) {
            constants.add(((Enum<?>) constant).name() + ":" + part.getMethod("groupName").invoke(constant));
        }
        assertEquals(List.of(expected), constants);
    }

    /** Calls {@code freeze(Part...)} or {@code unfreeze(Part...)} with one constant. */
    private static void freeze(Object model, String method, String constant) throws Exception {
        String modelName = model.getClass().getSimpleName().replace("TrainingModel", "");
        Class<?> part = loader.loadClass("example." + modelName + "Part");
        Object parts = Array.newInstance(part, 1);
        Array.set(parts, 0, part.getMethod("valueOf", String.class).invoke(null, constant));
        model.getClass().getMethod(method, parts.getClass()).invoke(model, parts);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, INDArray> parameters(Object model) throws Exception {
        return (Map<String, INDArray>) call(model, "parameters");
    }

    private static void assertComponents(String record, Class<?> type, String... names) throws Exception {
        RecordComponent[] components = loader.loadClass(record).getRecordComponents();
        assertEquals(List.of(names), Arrays.stream(components).map(RecordComponent::getName).toList(), record);
        for (RecordComponent component : components) {
            assertEquals(type, component.getType(), record + "." + component.getName());
        }
    }

    private static Object create(String model) throws Exception {
        return loader.loadClass("example." + model + "TrainingModel").getMethod("create").invoke(null);
    }

    private static Object batch(String model, INDArray... arrays) throws Exception {
        Class<?> batch = loader.loadClass("example." + model + "Batch");
        Class<?>[] types = new Class<?>[arrays.length];
        Arrays.fill(types, INDArray.class);
        return batch.getConstructor(types).newInstance((Object[]) arrays);
    }

    private static Object call(Object target, String method, Object... args) throws Exception {
        for (Method m : target.getClass().getMethods()) {
            if (m.getName().equals(method) && m.getParameterCount() == args.length) {
                return m.invoke(target, args);
            }
        }
        throw new NoSuchMethodException(method);
    }

    private static Object accessor(Object record, String name) throws Exception {
        return record.getClass().getMethod(name).invoke(record);
    }

    private static double component(Object record, String name) throws Exception {
        return (double) accessor(record, name);
    }

    private static void assertFiniteLosses(Object losses, int count) throws Exception {
        RecordComponent[] components = losses.getClass().getRecordComponents();
        assertEquals(count, components.length);
        for (RecordComponent component : components) {
            double value = (double) component.getAccessor().invoke(losses);
            assertTrue(Double.isFinite(value), component.getName() + " = " + value);
        }
    }

    private static List<Long> shape(INDArray array) {
        return Arrays.stream(array.shape()).boxed().toList();
    }

    private static INDArray zeros(long... shape) {
        return Nd4j.zeros(DataType.FLOAT, shape);
    }

    private static INDArray ones(long... shape) {
        return Nd4j.ones(DataType.FLOAT, shape);
    }

    private static INDArray random(long... shape) {
        Nd4j.getRandom().setSeed(7);
        return Nd4j.rand(DataType.FLOAT, shape);
    }
}
