package io.github.branchwise.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.processor.base.ModelNames;
import io.github.branchwise.processor.validation.Message;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The processor under the Eclipse compiler (ecj's batch compiler on real folders): every rule reported on the same
 * line as under javac, and the same generated code, declaration order included.
 */
final class EclipseCompilerTest {
    private static final List<String> EXAMPLES = List.of("Detector", "TwoInputs", "SharedTrunk", "CustomLoss");

    static Stream<RuleCase> cases() {
        return ValidationTest.cases();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void ruleIsReportedOnItsLine(RuleCase rule, @TempDir Path dir) {
        DiskCompiler.Result result = DiskCompiler.ECJ.compile(dir, rule.sources());
        Diagnostic.Kind kind = rule.message().kind();
        String tag = "[" + rule.message().tag() + "]";
        List<DiskCompiler.Diag> found = result.tagged(kind).stream()
                .filter(d -> d.message().startsWith(tag) && d.message().contains(rule.detail()))
                .toList();
        assertFalse(found.isEmpty(), () -> "no " + tag + " under ecj:\n" + result.log());
        assertTrue(found.stream().anyMatch(d -> d.file().equals(rule.file()) && d.line() == rule.lineNumber()),
                () -> tag + " expected at " + rule.file() + ":" + rule.lineNumber() + ", found " + found);
        if (kind == Diagnostic.Kind.ERROR && rule.message() != Message.AMBIGUOUS_NESTED_NAME) {
            assertFalse(result.generated(RuleCase.PACKAGE + ".MTrainingModel"),
                    "a class with errors gets no generated files");
        }
    }

    @Test
    void generatesTheSameSourcesAsJavacInDeclarationOrder(@TempDir Path dir) throws IOException {
        Map<String, String> sources = new LinkedHashMap<>();
        for (String model : EXAMPLES) {
            sources.put("example/" + model + ".java", resource("models/example/" + model + ".java"));
        }
        DiskCompiler.Result ecj = DiskCompiler.ECJ.compile(dir.resolve("ecj"), sources);
        DiskCompiler.Result javac = DiskCompiler.JAVAC.compile(dir.resolve("javac"), sources);
        assertTrue(javac.success(), javac.log());
        assertTrue(ecj.tagged(Diagnostic.Kind.ERROR).isEmpty() && ecj.tagged(Diagnostic.Kind.WARNING).isEmpty(),
                ecj.log());
        assertTrue(ecj.success(), ecj.log());
        for (String model : EXAMPLES) {
            for (String suffix : ModelNames.SUFFIXES) {
                String name = "example." + model + suffix;
                assertEquals(javac.generatedSource(name), ecj.generatedSource(name), name);
            }
        }
        // And the order is the declaration order, not an alphabetical one, under both.
        assertTrue(ecj.generatedSource("example.DetectorBatch")
                .contains("record DetectorBatch(INDArray image, INDArray localization, INDArray classification)"));
    }

    @Test
    void aBrokenClassDoesNotStopAnotherFromGenerating(@TempDir Path dir) throws IOException {
        Map<String, String> sources = new LinkedHashMap<>();
        sources.put("example/Detector.java", resource("models/example/Detector.java"));
        sources.put(RuleCase.MODEL_FILE, RuleCase.valid("abstract SDVariable helper();"));
        DiskCompiler.Result result = DiskCompiler.ECJ.compile(dir, sources);
        assertFalse(result.tagged(Diagnostic.Kind.ERROR).isEmpty(), result.log());
        assertFalse(result.generated("test.MTrainingModel"));
        assertTrue(result.generated("example.DetectorTrainingModel"), result.log());
    }

    static String resource(String name) throws IOException {
        try (InputStream in = EclipseCompilerTest.class.getClassLoader().getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
