package io.github.branchwise.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import io.github.branchwise.processor.base.ModelNames;
import io.github.branchwise.runtime.training.GateWeights;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.tools.Diagnostic;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The four architectures of docs/architectures.md (MMoE, CGC, two-level PLE, cross-stitch), compiled with the
 * processor under javac and ecj, and trained through their generated API by {@code drivers/architectures}: gates
 * report weights that sum to 1 in the typed epochs, stitches start at their declared α and learn.
 */
final class ArchitecturesTest {
    private static final List<String> MODELS = List.of("Ranker", "Cgc", "Ple", "Digits");
    private static final String DRIVER = "architectures.ArchitectureFits";
    private static final List<String> DRIVER_METHODS = List.of("rankerTrainsAndReportsItsGates",
            "cgcGatesMixTwoGroups", "pleStacksTwoLevels", "digitsStitchColumns");

    private static GeneratedClassLoader loader;

    @BeforeAll
    static void compileWithJavac() {
        List<JavaFileObject> sources = new ArrayList<>();
        MODELS.forEach(model -> sources.add(JavaFileObjects.forResource("models/architectures/" + model + ".java")));
        sources.add(JavaFileObjects.forResource("drivers/architectures/ArchitectureFits.java"));
        Compilation compilation = Compilations.javac().compile(sources);
        // -Xlint:all is on: the models and everything generated for them compile without a warning.
        assertThat(compilation).succeededWithoutWarnings();
        loader = new GeneratedClassLoader(compilation);
    }

    @Test
    void mmoeTrainsAndItsGatesSumToOne() throws Throwable {
        run(loader, "rankerTrainsAndReportsItsGates");
    }

    @Test
    void cgcGatesMixTwoGroups() throws Throwable {
        run(loader, "cgcGatesMixTwoGroups");
    }

    @Test
    void pleStacksTwoLevels() throws Throwable {
        run(loader, "pleStacksTwoLevels");
    }

    @Test
    void crossStitchStartsAtItsAlphaAndLearns() throws Throwable {
        run(loader, "digitsStitchColumns");
    }

    @Test
    void modelsWithGatesGetAGateWeightsRecordAndAnEpochComponent() throws Exception {
        assertComponents("architectures.RankerGateWeights", "clickGate", "conversionGate");
        assertComponents("architectures.PleGateWeights", "clickGate1", "conversionGate1", "sharedGate1",
                "clickGate2", "conversionGate2");
        for (RecordComponent gate : loader.loadClass("architectures.PleGateWeights").getRecordComponents()) {
            assertEquals(GateWeights.class, gate.getType(), gate.getName());
        }
        assertComponents("architectures.RankerEpoch", "epoch", "steps", "learningRate", "losses", "weights", "gates",
                "metrics", "validationLosses", "validationMetrics");
        // Without gates: the epoch of today, and no gate weights record.
        assertComponents("architectures.DigitsEpoch", "epoch", "steps", "learningRate", "losses", "weights",
                "metrics", "validationLosses", "validationMetrics");
        assertThrows(ClassNotFoundException.class, () -> loader.loadClass("architectures.DigitsGateWeights"));
    }

    @Test
    void expertsGatesAndStitchesArePartsToFreeze() throws Exception {
        Class<?> part = loader.loadClass("architectures.PlePart");
        List<String> constants = Arrays.stream(part.getEnumConstants()).map(Object::toString).toList();
        // @Shared methods, experts groups, gates, stitches, branches, the weighting; each kind in declaration order.
        assertEquals(List.of("FEATURES", "SHARED1", "CLICK1", "CONVERSION1", "SHARED2", "CLICK2", "CONVERSION2",
                "CLICK_GATE1", "CONVERSION_GATE1", "SHARED_GATE1", "CLICK_GATE2", "CONVERSION_GATE2", "CLICK",
                "CONVERSION", "WEIGHTING"), constants);
        Class<?> digits = loader.loadClass("architectures.DigitsPart");
        Object stitch = Arrays.stream(digits.getEnumConstants()).filter(c -> c.toString().equals("LEFT_STITCHED1"))
                .findFirst().orElseThrow();
        assertEquals("leftStitched1", digits.getMethod("groupName").invoke(stitch));
    }

    /** ecj: no diagnostic, the same generated sources as javac's, and the drivers pass on ecj's classes. */
    @Test
    void eclipseCompilerGeneratesTheSameAndTrains(@TempDir Path dir) throws Throwable {
        Map<String, String> sources = new LinkedHashMap<>();
        for (String model : MODELS) {
            sources.put("architectures/" + model + ".java",
                    EclipseCompilerTest.resource("models/architectures/" + model + ".java"));
        }
        sources.put("architectures/ArchitectureFits.java",
                EclipseCompilerTest.resource("drivers/architectures/ArchitectureFits.java"));
        DiskCompiler.Result ecj = DiskCompiler.ECJ.compile(dir.resolve("ecj"), sources);
        DiskCompiler.Result javac = DiskCompiler.JAVAC.compile(dir.resolve("javac"), sources);
        assertTrue(javac.success(), javac.log());
        assertTrue(ecj.success(), ecj.log());
        assertTrue(ecj.tagged(Diagnostic.Kind.ERROR).isEmpty() && ecj.tagged(Diagnostic.Kind.WARNING).isEmpty(),
                ecj.log());
        for (String model : MODELS) {
            boolean gates = !model.equals("Digits");
            for (String suffix : ModelNames.suffixes(gates)) {
                String name = "architectures." + model + suffix;
                assertEquals(javac.generatedSource(name), ecj.generatedSource(name), name);
            }
            assertEquals(gates, ecj.generated("architectures." + model + ModelNames.GATE_WEIGHTS), model);
        }
        try (URLClassLoader classes = new URLClassLoader(new URL[] {ecj.classes().toUri().toURL()},
                ArchitecturesTest.class.getClassLoader())) {
            for (String method : DRIVER_METHODS) {
                run(classes, method);
            }
        }
    }

    @Test
    void aGateReadingAStitchAndExpertsReadingAGateCompile() throws IOException {
        // Every kind of part as an input: an input, a shared method without layers, a gate, a stitch.
        String source = RuleCase.valid(
                "@Shared SDVariable plain() { return x(); }",
                "@Stitch(parts = {\"x\", \"plain\"}) abstract SDVariable s();",
                "@Experts(count = 2, input = \"s\") SDVariable e(Layers nn, SDVariable in) { return nn.dense(in, 3); }",
                "@Gate(experts = \"e\") abstract SDVariable g();",
                "@Experts(count = 1, input = \"g\") SDVariable f(Layers nn, SDVariable in) { return nn.dense(in, 3); }",
                "@Gate(experts = \"f\", input = \"x\") abstract SDVariable h();");
        Compilation compilation = Compilations.javac().compile(JavaFileObjects.forSourceString("test.M", source));
        assertThat(compilation).succeededWithoutWarnings();
        String graph = compilation.generatedSourceFile("test.MTrainingModel").orElseThrow().getCharContent(true)
                .toString().replaceAll("\\s+", " ");
        assertTrue(graph.contains("s = scope.stitch(\"s\", List.of(x(), plain()), 0.9, 0.1, false);"), graph);
        assertTrue(graph.contains("e = scope.experts(\"e\", 2, s(), (nn, in) -> super.e(nn, in));"), graph);
        assertTrue(graph.contains("g = scope.gate(\"g\", List.of(\"e\"), s());"), graph);
        assertTrue(graph.contains("f = scope.experts(\"f\", 1, g(), (nn, in) -> super.f(nn, in));"), graph);
        assertTrue(graph.contains("h = scope.gate(\"h\", List.of(\"f\"), x());"), graph);
    }

    @Test
    void gradientStrategiesNeedNoSharedMethodBesideExperts() {
        // The runtime counts experts mixed for several branches as shared parameters: no NoSharedParameters warning.
        String source = RuleCase.model("@WeightedLoss(weighting = Weighting.PCGRAD) public abstract class M",
                "@Experts(count = 2, input = \"x\") SDVariable e(Layers nn, SDVariable in) { return nn.dense(in, 3); }",
                "@Gate(experts = \"e\") abstract SDVariable g();");
        assertThat(Compilations.javac().compile(JavaFileObjects.forSourceString("test.M", source)))
                .succeededWithoutWarnings();
    }

    private static void assertComponents(String record, String... names) throws Exception {
        RecordComponent[] components = loader.loadClass(record).getRecordComponents();
        assertEquals(List.of(names), Arrays.stream(components).map(RecordComponent::getName).toList(), record);
    }

    /** Runs a static driver method, rethrowing what it throws (an assertion error, say) as it was. */
    private static void run(ClassLoader classes, String method) throws Throwable {
        try {
            classes.loadClass(DRIVER).getMethod(method).invoke(null);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
