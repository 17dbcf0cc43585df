package io.github.branchwise.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.testing.compile.Compilation;
import io.github.branchwise.processor.base.ModelNames;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The one golden-file test: the generated sources of the seed's {@code Detector}, byte for byte.
 *
 * <p>Most tests compile and run the generated code instead; this one shows a reviewer what users will read, and
 * catches unintended changes of it. Regenerate with {@code -Dgolden.update=true} after an intended change, and
 * review the diff.
 */
final class GoldenFileTest {
    private static final String GOLDEN = "golden/Detector.generated.txt";

    @Test
    void detectorGeneratesTheGoldenSources() throws IOException {
        Compilation compilation = Compilations.compileModels("Detector");
        assertThat(compilation).succeededWithoutWarnings();
        String actual = generatedSources(compilation);
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(Path.of("src/test/resources", GOLDEN), actual, StandardCharsets.UTF_8);
        }
        assertEquals(golden(), actual, "generated sources differ from " + GOLDEN);
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

    private static String golden() throws IOException {
        try (InputStream in = GoldenFileTest.class.getClassLoader().getResourceAsStream(GOLDEN)) {
            return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
