package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@link ModelFileFuzzMain} in a child JVM: well over 1,000 damaged model files, each refused with
 * ModelFileException or loaded as a model identical to the original (or, for files forged with a valid checksum, a
 * usable one). A native crash, a hang or any other exception in the child fails this test; the child's log names the
 * case it was on.
 */
class ModelFileFuzzTest {
    @TempDir
    Path dir;

    @Test
    void everyCorruptionIsRefusedOrHarmless() throws Exception {
        Path log = dir.resolve("fuzz.log");
        ChildJvm child = ChildJvm.start(ModelFileFuzzMain.class, log, dir.resolve("work").toString());
        int exit = child.waitFor(300);
        String output = child.output();
        Matcher result = Pattern.compile("RESULT cases=(\\d+) failures=(\\d+)").matcher(output);
        if (exit != 0 || !result.find()) {
            String last = lastLine(output, "case ");
            fail("fuzz child exited with " + exit + (exit == -1 ? " (timed out)" : exit > 128
                    ? " (killed by signal " + (exit - 128) + ": a native crash?)" : "") + "; last case started: "
                    + last + "\n" + child.outputTail(6000));
        }
        int cases = Integer.parseInt(result.group(1));
        assertEquals(0, Integer.parseInt(result.group(2)), child.outputTail(6000));
        assertTrue(cases >= 1000, "only " + cases + " corruptions");
    }

    private static String lastLine(String output, String prefix) {
        String last = "(none)";
        for (String line : output.split("\n")) {
            if (line.startsWith(prefix)) {
                last = line;
            }
        }
        return last;
    }
}
