package io.github.branchwise.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * README.md's Maven snippet is exactly what the invoker builds as a fresh project (src/it/readme-project, run by
 * {@code mvn verify} after this test): so the snippet a user pastes is the one proven to compile, generate and run.
 */
class ReadmeSnippetTest {
    private static final Path README = Path.of("..", "README.md");
    private static final Path PROJECT_POM = Path.of("src", "it", "readme-project", "pom.xml");

    @Test
    void theReadmeSnippetIsTheFreshProjectsPom() throws IOException {
        Matcher readme = Pattern.compile("## Adding Branchwise to a Maven build\\n.*?```xml\\n(.*?)```",
                Pattern.DOTALL).matcher(Files.readString(README));
        assertTrue(readme.find(), "README.md has no Maven snippet under 'Adding Branchwise to a Maven build'");
        Matcher pom = Pattern.compile("<!-- README snippet begins -->\\n(.*?)\\n\\s*<!-- README snippet ends -->",
                Pattern.DOTALL).matcher(Files.readString(PROJECT_POM));
        assertTrue(pom.find(), PROJECT_POM + " has no README snippet markers");
        String version = System.getProperty("project.version", "0.1.0-SNAPSHOT");
        assertEquals(lines(readme.group(1)), lines(pom.group(1).replace("@project.version@", version)),
                "README.md's snippet and " + PROJECT_POM + " differ: change both");
    }

    /** The non-blank lines without their indentation (the project's pom nests the snippet one level deeper). */
    private static List<String> lines(String text) {
        return text.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
    }
}
