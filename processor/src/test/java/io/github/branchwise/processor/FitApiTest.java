package io.github.branchwise.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.processor.model.BranchDescriptor;
import io.github.branchwise.runtime.internal.BranchSpec;
import io.github.branchwise.runtime.training.Metrics;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training over epochs through the generated API: {@code drivers/example/*Fits.java} use it as a user would,
 * typed (so that they also show it compiles as documented, without a warning), and each of their methods is a test
 * run here: every {@code fit} overload, validation data, typed metrics and history against the untyped history
 * and hand-computed values, resume from a checkpoint, early stopping, the typed listener, the exports.
 */
final class FitApiTest {
    private static Compilation compilation;
    private static GeneratedClassLoader loader;

    @BeforeAll
    static void compileModelsAndDrivers() {
        List<JavaFileObject> sources = new ArrayList<>(Compilations.models("Detector", "TwoInputs", "SharedTrunk",
                "CustomLoss"));
        for (String driver : List.of("Awkward", "AwkwardFits", "DetectorFits")) {
            sources.add(JavaFileObjects.forResource("drivers/example/" + driver + ".java"));
        }
        compilation = Compilations.javac().compile(sources);
        assertThat(compilation).succeededWithoutWarnings();
        loader = new GeneratedClassLoader(compilation);
    }

    @Test
    void arraysTrainOverEpochsAndTypedValuesAreTheHistorys() throws Throwable {
        run("DetectorFits", "arraysTrainOverEpochsAndTypedValuesAreTheHistorys");
    }

    @Test
    void everyOverloadFeedsTheSameBatches() throws Throwable {
        run("DetectorFits", "everyOverloadFeedsTheSameBatches");
    }

    @Test
    void resumeContinuesExactly(@TempDir Path dir) throws Throwable {
        run("DetectorFits", "resumeContinuesExactly", dir);
    }

    @Test
    void csvTrainsAsTheArraysDo(@TempDir Path dir) throws Throwable {
        run("DetectorFits", "csvTrainsAsTheArraysDo", dir);
    }

    @Test
    void earlyStoppingStopsAndRestoresTheBest() throws Throwable {
        run("DetectorFits", "earlyStoppingStopsAndRestoresTheBest");
    }

    @Test
    void aHistoryOfAnotherModelIsRefused() throws Throwable {
        run("DetectorFits", "aHistoryOfAnotherModelIsRefused");
    }

    @Test
    void exportsWriteCsvAndCharts(@TempDir Path dir) throws Throwable {
        run("DetectorFits", "exportsWriteCsvAndCharts", dir);
    }

    @Test
    void regressionMetricsAreTheHandComputedOnes() throws Throwable {
        run("AwkwardFits", "regressionMetricsAreTheHandComputedOnes");
    }

    @Test
    void parametersNamedLikeInputsOrBranchesAreRenamed() throws Exception {
        String source = compilation.generatedSourceFile("example.AwkwardTrainingModel").orElseThrow()
                .getCharContent(true).toString().replaceAll("\\s+", " ");
        assertTrue(source.contains("public AwkwardHistory fit(INDArray config, INDArray batchSize, INDArray data, "
                + "int batchSize_, FitConfig config_) {"), source);
        assertTrue(source.contains("return fit(data(config, batchSize, data, batchSize_), config_);"), source);
    }

    @Test
    void metricsRecordsHaveOneComponentPerDefaultMetric() throws Exception {
        assertComponents("example.DetectorMetrics", "localizationAccuracy", "localizationBce",
                "classificationAccuracy");
        assertComponents("example.SharedTrunkMetrics", "kindAccuracy", "sizeMae", "sizeRmse", "presentAccuracy");
        assertComponents("example.CustomLossMetrics", "pairMae", "pairRmse");
        assertComponents("example.TwoInputsMetrics", "x1Mae", "x1Rmse", "x2Mae", "x2Rmse");
        assertComponents("example.DetectorEpoch", "epoch", "steps", "learningRate", "losses", "weights", "metrics",
                "validationLosses", "validationMetrics");
        assertComponents("example.DetectorHistory", "history");
    }

    @Test
    void aModelWhoseLossesAreAllItsOwnGetsAnEmptyMetricsRecord() throws Exception {
        String source = RuleCase.source("@WeightedLoss(weighting = Weighting.FIXED, weights = {1, 1}) "
                        + "public abstract class M",
                RuleCase.X, RuleCase.C,
                "@Branch(shape = 1) SDVariable d(Layers nn) { return nn.dense(x(), 1); }",
                "@BranchLoss(branch = \"c\") SDVariable lc(SDVariable t, SDVariable p) { return t.sub(p).norm2(1); }",
                "@BranchLoss(branch = \"d\") SDVariable ld(SDVariable t, SDVariable p) { return t.sub(p).norm1(1); }");
        Compilation custom = Compilations.javac().compile(JavaFileObjects.forSourceString("test.M", source));
        assertThat(custom).succeededWithoutWarnings();
        RecordComponent[] components = new GeneratedClassLoader(custom).loadClass("test.MMetrics")
                .getRecordComponents();
        assertEquals(0, components.length);
    }

    @Test
    void oneClassComparesStrategiesChosenAtRunTime(@TempDir Path dir) throws Throwable {
        run("DetectorFits", "oneClassComparesStrategiesChosenAtRunTime", dir);
    }

    @Test
    void defaultMetricNamesAreTheRuntimes() {
        for (Loss loss : Loss.values()) {
            for (int rank = 0; rank <= 3; rank++) {
                if (loss == Loss.SPARSE_CATEGORICAL_CROSSENTROPY && rank == 0) {
                    continue;
                }
                long[] shape = new long[rank];
                Arrays.fill(shape, 3);
                assertEquals(Metrics.defaultNames(new BranchSpec("b", shape, loss, 1.0)),
                        BranchDescriptor.defaultMetrics(loss, rank), loss + ", rank " + rank);
            }
        }
    }

    private static void assertComponents(String record, String... names) throws Exception {
        RecordComponent[] components = loader.loadClass(record).getRecordComponents();
        assertEquals(List.of(names), Arrays.stream(components).map(RecordComponent::getName).toList(), record);
    }

    /** Runs a static driver method, rethrowing what it throws (an assertion error, say) as it was. */
    private static void run(String driver, String method, Object... args) throws Throwable {
        Class<?>[] types = Arrays.stream(args).map(a -> a instanceof Path ? Path.class : a.getClass())
                .toArray(Class<?>[]::new);
        try {
            loader.loadClass("example." + driver).getMethod(method, types).invoke(null, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
