package io.github.branchwise.spark;

import io.github.branchwise.runtime.LossWeighting;
import io.github.branchwise.runtime.TrainingOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The driver of {@link StandaloneClusterTest}, in a JVM of its own (one SparkContext per JVM, and the other tests'
 * {@code local[2]} context lives in the test JVM): trains {@link SparkTrunk} with PCGrad on a standalone master and
 * writes the branch losses of every step and the final parameters. It prints {@code JOB <n>} after each Spark job so
 * that the test can kill a worker mid-training.
 *
 * <p>Arguments: the master URL, the output file, the executors' class path.
 */
public final class ClusterDriverMain {
    private ClusterDriverMain() {
    }

    /**
     * Trains and writes the results.
     *
     * @param args master URL, output file, executor class path
     * @throws IOException when the output cannot be written
     */
    public static void main(String[] args) throws IOException {
        SparkConf conf = new SparkConf()
                .setMaster(args[0])
                .setAppName("branchwise-standalone-test")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.executor.memory", "1g")
                .set("spark.cores.max", "2")
                .set("spark.executor.cores", "1")
                .set("spark.executor.extraClassPath", args[2])
                // One OpenMP thread per executor, as the tests' local[2]: tiny models, two executors on two cores.
                .set("spark.executorEnv.OMP_NUM_THREADS", "1")
                // A task lost with its executor is retried; fail fast on anything else.
                .set("spark.task.maxFailures", "4");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            AtomicInteger jobs = new AtomicInteger();
            sc.sc().addSparkListener(new SparkListener() {
                @Override
                public void onJobEnd(SparkListenerJobEnd jobEnd) {
                    System.out.println("JOB " + jobs.incrementAndGet());
                    System.out.flush();
                }
            });
            JavaRDD<Example> data = sc.parallelize(SparkTrainerTest.examples(13, 17), 2);
            SparkTrunkTrainingModel model = SparkTrunkTrainingModel.create(TrainingOptions.builder().seed(5)
                    .updater(new Adam(0.05)).weighting(LossWeighting.pcGrad()).dataType(DataType.DOUBLE).build());
            List<SparkTrainer.StepRecord> records = SparkTrainer.of(sc, model).fit(data, 3, 2);
            List<String> out = new ArrayList<>();
            for (SparkTrainer.StepRecord record : records) {
                out.add(line("step" + record.step() + ".losses", record.losses().branchLosses()));
            }
            for (Map.Entry<String, INDArray> parameter : model.trainer().parameters().entrySet()) {
                out.add(line("final." + parameter.getKey(), parameter.getValue().reshape(-1).toDoubleVector()));
            }
            Files.write(Path.of(args[1]), out, StandardCharsets.UTF_8);
            System.out.println("DONE");
        }
    }

    private static String line(String key, double[] values) {
        StringBuilder text = new StringBuilder(key).append(" =");
        for (double v : values) {
            text.append(' ').append(String.format(Locale.ROOT, "%.17g", v));
        }
        return text.toString();
    }
}
