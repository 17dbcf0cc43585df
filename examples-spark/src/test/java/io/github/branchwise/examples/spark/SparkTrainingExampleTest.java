package io.github.branchwise.examples.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark example, run on {@code local[2]} as its {@code main} runs it: training lowers every loss, the checkpoint
 * and the model are written and load again, and the scored table holds each branch's output, of the branch's shape,
 * finite and in the activation's range, for every held-out row.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SparkTrainingExampleTest {
    private static final int EPOCHS = 3;

    @Test
    void trainsSavesAndScoresOnLocalSpark(@TempDir Path directory) throws Exception {
        SparkSession spark = SparkSession.builder()
                .master("local[2]")
                .appName("branchwise-examples-spark-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        SparkTrainingExample.Result result;
        try {
            result = SparkTrainingExample.run(spark, directory, EPOCHS,
                    new PrintStream(printed, true, StandardCharsets.UTF_8));
        } finally {
            spark.stop();
        }
        String output = printed.toString(StandardCharsets.UTF_8);
        // What the example printed, in the build's log beside the test's result.
        System.err.print(output);

        // The history: every epoch, each with validation losses; every loss lower at the end than after epoch 1.
        List<CellDetectorEpoch> epochs = result.history().epochs();
        assertEquals(EPOCHS, epochs.size(), output);
        int perPartition = SparkTrainingExample.TRAIN_ROWS / SparkTrainingExample.PARTITIONS;
        int stepsPerEpoch = (perPartition + SparkTrainingExample.BATCH_PER_PARTITION - 1)
                / SparkTrainingExample.BATCH_PER_PARTITION;
        assertEquals((long) EPOCHS * stepsPerEpoch, epochs.get(EPOCHS - 1).steps(), "38 steps per epoch, of 2 x 32 rows");
        CellDetectorEpoch first = epochs.get(0);
        CellDetectorEpoch last = epochs.get(EPOCHS - 1);
        assertTrue(last.losses().cell() < first.losses().cell(), output);
        assertTrue(last.losses().kind() < first.losses().kind(), output);
        CellDetectorLosses firstValidation = first.validationLosses().orElseThrow();
        CellDetectorLosses lastValidation = last.validationLosses().orElseThrow();
        assertTrue(lastValidation.cell() < firstValidation.cell(), output);
        assertTrue(lastValidation.kind() < firstValidation.kind(), output);
        for (CellDetectorEpoch epoch : epochs) {
            assertTrue(Double.isFinite(epoch.losses().total()) && Double.isFinite(epoch.weights().cell())
                    && Double.isFinite(epoch.weights().kind()), epoch.toString());
        }
        // One printed line per epoch, after the header.
        assertEquals(EPOCHS, output.lines().filter(l -> l.matches("\\s+\\d+\\s+\\d+\\s+-?\\d.*")).count(), output);

        // The newest checkpoint is the last epoch's, and it resumes where training ended; the model file loads.
        assertTrue(Files.isRegularFile(result.checkpoint()), result.checkpoint().toString());
        assertEquals(directory.resolve("checkpoints"), result.checkpoint().getParent());
        CellDetectorTrainingModel resumed = CellDetectorTrainingModel.resume(result.checkpoint());
        assertEquals(last.steps(), resumed.trainer().iteration());
        assertTrue(Files.isRegularFile(result.modelFile()), result.modelFile().toString());
        CellDetectorTrainingModel.load(result.modelFile());

        // The scored table: the table's columns, then each branch's output column, for every held-out row.
        assertEquals(List.of("id", "image", "cell", "kind", "cell_pred", "kind_pred"), result.columns());
        assertArrayEquals(new long[] {3, 3, 1}, result.outputShapes().get(0));
        assertArrayEquals(new long[] {2}, result.outputShapes().get(1));
        List<Row> scored = result.scored();
        assertEquals(SparkTrainingExample.SCORED_ROWS, scored.size());
        Set<Long> ids = new HashSet<>();
        for (Row row : scored) {
            ids.add(row.getLong(0));
            List<Object> cell = row.getList(row.fieldIndex("cell_pred"));
            List<Object> kind = row.getList(row.fieldIndex("kind_pred"));
            assertEquals(9, cell.size(), "a 3x3x1 map per row");
            assertEquals(2, kind.size(), "two classes per row");
            for (Object value : cell) {
                float p = ((Number) value).floatValue();
                assertTrue(Float.isFinite(p) && p >= 0 && p <= 1, "sigmoid output " + p);
            }
            float sum = 0;
            for (Object value : kind) {
                float p = ((Number) value).floatValue();
                assertTrue(Float.isFinite(p) && p >= 0 && p <= 1, "softmax output " + p);
                sum += p;
            }
            assertEquals(1, sum, 1e-5, "softmax sums to one");
        }
        long firstId = SparkTrainingExample.TRAIN_ROWS + SparkTrainingExample.VALIDATION_ROWS;
        for (long id = firstId; id < firstId + SparkTrainingExample.SCORED_ROWS; id++) {
            assertTrue(ids.contains(id), "row " + id + " scored");
        }
        // Better than chance on rows it never saw (1/9 for the cell, 1/2 for the kind): it learned, not memorised.
        assertTrue(result.cellAccuracy() > 0.5, output);
        assertTrue(result.kindAccuracy() > 0.75, output);
    }

    @Test
    void rowsAreAFunctionOfTheirIdWithOneMarkInTheTargetCell() {
        for (long id = 0; id < 200; id++) {
            Row row = SparkTrainingExample.row(id);
            float[] image = (float[]) row.get(1);
            float[] cell = (float[]) row.get(2);
            float[] kind = (float[]) row.get(3);
            Row again = SparkTrainingExample.row(id);
            assertArrayEquals(image, (float[]) again.get(1), "same id, same image");
            assertArrayEquals(cell, (float[]) again.get(2));
            assertArrayEquals(kind, (float[]) again.get(3));
            assertEquals(36, image.length);
            int target = -1;
            for (int c = 0; c < 9; c++) {
                if (cell[c] == 1) {
                    target = c;
                }
            }
            // Pixels brighter than any noise (σ = 0.05, so 0.4 is 8σ) all lie in the target cell: 4 for a square,
            // 2 for a diagonal.
            int bright = 0;
            for (int p = 0; p < image.length; p++) {
                if (image[p] > 0.4f) {
                    bright++;
                    assertEquals(target, (p / 6) / 2 * 3 + (p % 6) / 2, "row " + id + ", pixel " + p);
                }
            }
            assertEquals(kind[0] == 1 ? 4 : 2, bright, "row " + id);
        }
    }

    @Test
    void theExamplesJvmFlagsAreTheSparkModulesTestFlags() throws Exception {
        // exec:exec and this module's tests pass spark.jvm.flags; the spark module's tests, run on every build,
        // prove its argLine enough for Spark on this JDK. A flag added there must be added here.
        Matcher example = Pattern.compile("<spark.jvm.flags>(.*?)</spark.jvm.flags>")
                .matcher(Files.readString(Path.of("pom.xml")));
        Matcher spark = Pattern.compile("<argLine>(.*?)</argLine>")
                .matcher(Files.readString(Path.of("..", "spark", "pom.xml")));
        assertTrue(example.find(), "no spark.jvm.flags in examples-spark/pom.xml");
        assertTrue(spark.find(), "no argLine in spark/pom.xml");
        assertEquals(spark.group(1).strip(), example.group(1).strip(), "examples-spark/pom.xml's spark.jvm.flags");
    }
}
