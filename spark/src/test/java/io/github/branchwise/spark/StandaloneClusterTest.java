package io.github.branchwise.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.runtime.LossWeighting;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Synchronous training on a real standalone cluster that the test starts itself (a master and two worker JVMs on
 * 127.0.0.1, each worker launching its own executor JVM), with the driver in a JVM of its own
 * ({@link ClusterDriverMain}). One worker and its executor are killed after the third Spark job, mid-training: Spark
 * must give the lost tasks (and the lost cached partition) to the other executor, and the run must end exactly where
 * an uninterrupted one ends, which is where one process trained on the same global batches ends.
 */
@Timeout(value = 12, unit = TimeUnit.MINUTES)
class StandaloneClusterTest {
    private static final int KILL_AFTER_JOB = 3;

    @Test
    void aRunThatLosesAWorkerMidTrainingEndsAsAnUninterruptedRun(@TempDir Path directory) throws Exception {
        try (StandaloneCluster cluster = new StandaloneCluster(directory, 2)) {
            Path output = directory.resolve("result.txt");
            ProcessBuilder builder = new ProcessBuilder(cluster.java(ClusterDriverMain.class.getName(),
                    cluster.masterUrl(), output.toString(), cluster.classPath()));
            cluster.environment(builder);
            builder.redirectErrorStream(true);
            Process driver = builder.start();
            StringBuilder log = new StringBuilder();
            boolean killed = false;
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(driver.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    log.append(line).append('\n');
                    if (!killed && line.equals("JOB " + KILL_AFTER_JOB)) {
                        cluster.killWorker(1);
                        killed = true;
                    }
                }
            } finally {
                if (!driver.waitFor(1, TimeUnit.MINUTES)) {
                    driver.destroyForcibly();
                }
            }
            assertEquals(0, driver.exitValue(), "the driver failed:\n" + log);
            assertTrue(killed, "the driver finished before job " + KILL_AFTER_JOB + ":\n" + log);
            assertTrue(log.toString().contains("Lost executor"), "the driver never noticed the lost executor:\n" + log);

            List<Example> examples = SparkTrainerTest.examples(13, 17);
            // sc.parallelize(examples, 2) slices 13 rows as 6 and 7 (SparkTrainerTest checks it).
            OneProcess.Run reference = OneProcess.train(LossWeighting.pcGrad(), DataType.DOUBLE,
                    List.of(examples.subList(0, 6), examples.subList(6, 13)), 3, 2);
            Map<String, double[]> result = read(output);
            for (int step = 0; step < reference.losses().size(); step++) {
                assertArrayEquals(reference.losses().get(step).branchLosses(), result.get("step" + step + ".losses"),
                        1e-10, "branch losses of step " + step);
            }
            for (Map.Entry<String, INDArray> parameter : reference.trainer().parameters().entrySet()) {
                assertArrayEquals(parameter.getValue().reshape(-1).toDoubleVector(),
                        result.get("final." + parameter.getKey()), 1e-10, parameter.getKey());
            }
        }
    }

    private static Map<String, double[]> read(Path file) throws java.io.IOException {
        Map<String, double[]> values = new HashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String[] parts = line.split(" = ", 2);
            String[] numbers = parts[1].trim().split(" ");
            double[] parsed = new double[numbers.length];
            for (int i = 0; i < numbers.length; i++) {
                parsed[i] = Double.parseDouble(numbers[i]);
            }
            values.put(parts[0], parsed);
        }
        return values;
    }
}
