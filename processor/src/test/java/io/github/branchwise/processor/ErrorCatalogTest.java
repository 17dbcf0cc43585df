package io.github.branchwise.processor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.processor.validation.Message;
import io.github.branchwise.processor.validation.Suggestions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import org.junit.jupiter.api.Test;

/**
 * Keeps {@code processor/ERRORS.md}, the "Errors you may see" list the README links to, in step with the catalog.
 * Regenerate with {@code -Dgolden.update=true}.
 */
final class ErrorCatalogTest {
    private static final Path ERRORS = Path.of("ERRORS.md");

    @Test
    void errorsMarkdownListsTheWholeCatalog() throws IOException {
        StringBuilder doc = new StringBuilder("""
                # Errors you may see

                Every message of the Branchwise processor starts with a tag in square brackets that never changes.
                Errors stop the generation of that one model class (other classes still generate); warnings do not.
                This file is checked against the processor's catalog (`validation/Message.java`) by its tests.

                | Tag | Kind | Rule |
                |---|---|---|
                """);
        for (Message message : Message.values()) {
            doc.append("| `[").append(message.tag()).append("]` | ")
                    .append(message.kind() == Diagnostic.Kind.ERROR ? "error" : "warning").append(" | ")
                    .append(message.rule().replace("|", "\\|")).append(" |\n");
        }
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(ERRORS, doc, StandardCharsets.UTF_8);
        }
        assertEquals(doc.toString(), Files.readString(ERRORS, StandardCharsets.UTF_8),
                "ERRORS.md is out of date; run the tests with -Dgolden.update=true");
    }

    @Test
    void readmeSummarisesEveryTagAndLinksTheCatalog() throws IOException {
        String readme = Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8);
        int start = readme.indexOf("## Errors you may see");
        assertTrue(start >= 0, "README has an \"Errors you may see\" section");
        int end = readme.indexOf("\n## ", start + 1);
        String section = readme.substring(start, end < 0 ? readme.length() : end);
        assertTrue(section.contains("(processor/ERRORS.md)"), "the section links ERRORS.md");
        List<String> missing = Stream.of(Message.values()).map(Message::tag)
                .filter(tag -> !section.contains("`" + tag + "`")).toList();
        assertEquals(List.of(), missing, "tags the README's summary leaves out");
    }

    @Test
    void suggestionsFindPlausibleTyposOnly() {
        List<String> branches = List.of("localization", "classification");
        assertEquals(Optional.of("localization"), Suggestions.nearest("locaization", branches));
        assertEquals(Optional.of("classification"), Suggestions.nearest("Classification", branches));
        assertEquals(Optional.empty(), Suggestions.nearest("depth", branches));
        assertTrue(Suggestions.didYouMean("x", List.of()).isEmpty());
    }
}
