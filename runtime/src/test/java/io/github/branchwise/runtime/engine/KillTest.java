package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.branchwise.runtime.ModelFileException;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.training.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM that saves the same model file in a loop is SIGKILLed ({@link Process#destroyForcibly()}) at random
 * moments. Afterwards the file is a complete model from one of the finished saves and loads; anything else left in
 * the folder is a temporary file whose name starts with {@link ModelFile#TEMP_PREFIX}, never the model's name, and a
 * partial one is refused if someone loads it anyway. The next save into the same folder works.
 */
class KillTest {
    private static final int ROUNDS = 4;

    @TempDir
    Path dir;

    @Test
    void killedWhileSavingLeavesTheLastCompleteFile() throws Exception {
        Random random = new Random(77);
        ModelSpec spec = TestModels.big();
        int killedMidSave = 0;
        List<String> rounds = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            Path folder = Files.createDirectories(dir.resolve("round" + round));
            Path file = folder.resolve("model.bw");
            Path log = dir.resolve("round" + round + ".log");
            ChildJvm child = ChildJvm.start(SaveLoopMain.class, log, file.toString(), Long.toString(round));
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (!child.output().contains("saved 1\n")) {
                if (!child.process().isAlive() || System.nanoTime() > deadline) {
                    child.process().destroyForcibly().waitFor();
                    fail("the save loop did not start:\n" + child.outputTail(4000));
                }
                Thread.sleep(20);
            }
            Thread.sleep(random.nextInt(400));
            child.process().destroyForcibly();
            assertTrue(child.process().waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "child did not die");

            String[] lines = child.output().split("\n");
            long lastSaved = 0;
            long lastStarted = 0;
            for (String line : lines) {
                if (line.startsWith("saved ")) {
                    lastSaved = Long.parseLong(line.substring(6).trim());
                } else if (line.startsWith("saving ")) {
                    lastStarted = Long.parseLong(line.substring(7).trim());
                }
            }
            boolean midSave = lastStarted > lastSaved;
            killedMidSave += midSave ? 1 : 0;
            rounds.add("round " + round + ": last finished save " + lastSaved + ", last started " + lastStarted);

            // The model file: complete, and from the last finished save (or the one in flight, if its rename happened
            // before the print).
            Trainer loaded = Trainer.load(spec, file);
            assertTrue(loaded.iteration() == lastSaved || (midSave && loaded.iteration() == lastStarted),
                    "file holds step " + loaded.iteration() + "; " + rounds.get(round));
            // Leftovers: only temporary files, recognisable by name; a partial one does not load.
            try (Stream<Path> files = Files.list(folder)) {
                for (Path leftover : files.filter(f -> !f.equals(file)).toList()) {
                    String name = leftover.getFileName().toString();
                    assertTrue(name.startsWith(ModelFile.TEMP_PREFIX) && name.endsWith(".part"),
                            "unexpected file " + name);
                    try {
                        Trainer.load(spec, leftover);
                        // Complete (killed between fsync and rename): still a temporary name, never the model's.
                    } catch (ModelFileException expected) {
                        // Partial: refused.
                    }
                }
            }
            // The next save into the same folder replaces the file despite any leftovers.
            Trainer next = Trainer.create(spec, TrainingOptions.builder().seed(round).build());
            next.save(file);
            assertEquals(0, Trainer.load(spec, file).iteration());
        }
        // Not asserted (timing decides), but reported: how many kills hit a save in progress.
        System.out.println("kills during a save: " + killedMidSave + " of " + ROUNDS + "; " + rounds);
    }

    @Test
    void aPartialTemporaryFileIsNeverLoadedAsAModel() throws Exception {
        ModelSpec spec = TestModels.detector();
        Path file = dir.resolve("model.bw");
        Trainer.create(spec, TrainingOptions.defaults()).save(file);
        byte[] bytes = Files.readAllBytes(file);
        Path partial = dir.resolve(ModelFile.TEMP_PREFIX + "123.part");
        Files.write(partial, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThrows(ModelFileException.class, () -> Trainer.load(spec, partial));
        Trainer.create(spec, TrainingOptions.builder().seed(3).build()).save(file);
        var expected = Trainer.create(spec, TrainingOptions.builder().seed(3).build()).parameterValues();
        var actual = Trainer.load(spec, file).parameterValues();
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((name, value) -> org.junit.jupiter.api.Assertions.assertArrayEquals(
                value.data().asDouble(), actual.get(name).data().asDouble(), name));
        assertTrue(Files.exists(partial), "a save leaves other files alone");
    }
}
