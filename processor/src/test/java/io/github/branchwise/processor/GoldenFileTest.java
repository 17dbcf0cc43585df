package io.github.branchwise.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import io.github.branchwise.processor.base.ModelNames;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The golden-file tests: the generated sources of the seed's {@code Detector} and of the MMoE {@code Ranker} of
 * docs/architectures.md (gates, experts, the gate weights record), byte for byte.
 *
 * <p>Most tests compile and run the generated code instead; this one shows a reviewer what users will read, and
 * catches unintended changes of it. Regenerate with {@code -Dgolden.update=true} after an intended change, and
 * review the diff.
 */
final class GoldenFileTest {
    private static final String GOLDEN = "golden/Detector.generated.txt";
    private static final String RANKER_GOLDEN = "golden/Ranker.generated.txt";

    @Test
    void detectorGeneratesTheGoldenSources() throws IOException {
        Compilation compilation = Compilations.compileModels("Detector");
        assertThat(compilation).succeededWithoutWarnings();
        String actual = generatedSources(compilation);
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(Path.of("src/test/resources", GOLDEN), actual, StandardCharsets.UTF_8);
        }
        assertEquals(golden(GOLDEN), actual, "generated sources differ from " + GOLDEN);
    }

    @Test
    void rankerGeneratesTheGoldenSources() throws IOException {
        Compilation compilation = Compilations.javac()
                .compile(JavaFileObjects.forResource("models/architectures/Ranker.java"));
        assertThat(compilation).succeededWithoutWarnings();
        StringBuilder all = new StringBuilder();
        for (String suffix : ModelNames.suffixes(true)) {
            String name = "architectures.Ranker" + suffix;
            all.append("// ===== ").append(name).append(" =====\n");
            all.append(compilation.generatedSourceFile(name).orElseThrow().getCharContent(true));
        }
        String actual = all.toString();
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(Path.of("src/test/resources", RANKER_GOLDEN), actual, StandardCharsets.UTF_8);
        }
        assertEquals(golden(RANKER_GOLDEN), actual, "generated sources differ from " + RANKER_GOLDEN);
    }

    @Test
    void identicalInputGivesByteIdenticalOutput() throws IOException {
        assertEquals(generatedSources(Compilations.compileModels("Detector")),
                generatedSources(Compilations.compileModels("Detector")));
    }

    /** The generated files, in the order of {@code ModelNames.SUFFIXES}, each after a header line naming it. */
    static String generatedSources(Compilation compilation) throws IOException {
        StringBuilder all = new StringBuilder();
        for (String suffix : ModelNames.SUFFIXES) {
            String name = "example.Detector" + suffix;
            all.append("// ===== ").append(name).append(" =====\n");
            all.append(compilation.generatedSourceFile(name).orElseThrow().getCharContent(true));
        }
        return all.toString();
    }

    private static String golden(String file) throws IOException {
        try (InputStream in = GoldenFileTest.class.getClassLoader().getResourceAsStream(file)) {
            return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
