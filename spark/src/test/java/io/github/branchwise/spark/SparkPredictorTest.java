package io.github.branchwise.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.runtime.LossWeighting;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.Predictor;
import io.github.branchwise.runtime.training.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/** Batch prediction of a saved model over a table on {@code local[2]}, against the model's own predictor. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SparkPredictorTest {
    /** How often the counting loader below has loaded a model, in this JVM (local mode: driver and executors). */
    static final AtomicInteger LOADS = new AtomicInteger();

    @TempDir
    Path directory;

    private Path trainedModel() throws Exception {
        SparkTrunkTrainingModel model = SparkTrunkTrainingModel.create(TrainingOptions.builder().seed(9)
                .updater(new Sgd(0.1)).weighting(LossWeighting.uncertainty()).build());
        Trainer trainer = model.trainer();
        for (Example example : SparkTrainerTest.examples(4, 3)) {
            trainer.fit(new INDArray[] {Nd4j.createFromArray(new float[][] {example.inputs()[0]})},
                    new INDArray[] {Nd4j.createFromArray(new float[][] {example.targets()[0]}),
                            Nd4j.createFromArray(new float[][] {example.targets()[1]})});
        }
        Path file = directory.resolve("trunk.bwm");
        model.save(file);
        return file;
    }

    private static ReplicaLoader countingLoader() {
        ReplicaLoader generated = ReplicaLoader.generated(SparkTrunkTrainingModel.class);
        return file -> {
            LOADS.incrementAndGet();
            return generated.load(file);
        };
    }

    @Test
    void everyRowGetsEachBranchsOutputFromAModelLoadedOncePerTaskSlot() throws Exception {
        Path file = trainedModel();
        StructType schema = new StructType()
                .add("id", DataTypes.IntegerType)
                .add("x", DataTypes.createArrayType(DataTypes.DoubleType));
        List<Row> rows = new ArrayList<>();
        float[][] xs = new float[23][];
        for (int r = 0; r < xs.length; r++) {
            xs[r] = new float[] {r * 0.1f - 1, (r % 5) * 0.3f, -r * 0.05f};
            rows.add(RowFactory.create(r, new double[] {xs[r][0], xs[r][1], xs[r][2]}));
        }
        Dataset<Row> table = LocalSpark.session().createDataFrame(rows, schema).repartition(2);
        LOADS.set(0);
        SparkPredictor predictor = SparkPredictor.load(LocalSpark.context(), file, countingLoader(), 4, "_pred");
        List<Row> scored = predictor.predict(table).collectAsList();
        assertEquals(List.of("id", "x", "reg_pred", "bin_pred"), List.of(predictor.predict(table).columns()));
        assertEquals(23, scored.size());
        // One load on the driver, then at most one per task running at once (local[2]: two), not one per batch.
        assertTrue(LOADS.get() <= 3, "loads: " + LOADS.get());

        Predictor reference = SparkTrunkTrainingModel.load(file).trainer().predictor();
        INDArray[] expected = reference.predict(new INDArray[] {Nd4j.createFromArray(xs)});
        for (Row row : scored) {
            int id = row.getInt(0);
            List<Float> reg = row.getList(2);
            List<Float> bin = row.getList(3);
            assertEquals(1, reg.size());
            assertEquals(2, bin.size());
            assertEquals(expected[0].getDouble(id, 0), reg.get(0), 1e-5, "reg of row " + id);
            assertArrayEquals(new double[] {expected[1].getDouble(id, 0), expected[1].getDouble(id, 1)},
                    new double[] {bin.get(0), bin.get(1)}, 1e-5, "bin of row " + id);
        }
        // Read as an RDD, where Spark may skip converting the rows back through the schema: the outputs are still
        // Spark's arrays (getList works).
        List<Integer> sizes = predictor.predict(table).javaRDD()
                .map(row -> row.getList(2).size() + row.getList(3).size()).collect();
        assertEquals(java.util.Collections.nCopies(23, 3), sizes);
        predictor.close();
    }

    @Test
    void aRowOfTheWrongLengthNamesItsPartitionRowAndColumn() throws Exception {
        StructType schema = new StructType().add("x", DataTypes.createArrayType(DataTypes.FloatType));
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < 6; r++) {
            rows.add(RowFactory.create(r == 4 ? new float[] {1, 2} : new float[] {1, 2, 3}));
        }
        Dataset<Row> table = LocalSpark.session().createDataFrame(rows, schema).coalesce(1);
        SparkPredictor predictor = SparkPredictor.load(LocalSpark.context(), trainedModel(),
                ReplicaLoader.of(SparkTrunkTrainingModel::load), 4, "_pred");
        Exception e = assertThrows(Exception.class, () -> predictor.predict(table).collectAsList());
        assertTrue(e instanceof SparkException, e.toString());
        assertTrue(e.getMessage().contains("io.github.branchwise.spark.SparkTrunk: partition 0, row 4, column 'x' "
                + "holds 2 values, the shape needs 3"), e.getMessage());
        predictor.close();
    }

    @Test
    void columnsAreCheckedOnTheDriver() throws Exception {
        SparkPredictor predictor = SparkPredictor.load(LocalSpark.context(), trainedModel(),
                ReplicaLoader.of(SparkTrunkTrainingModel::load), 4, "_pred");
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> predictor.predict(LocalSpark.session().createDataFrame(List.<Row>of(),
                        new StructType().add("y", DataTypes.FloatType))));
        assertTrue(missing.getMessage().contains("no column 'x' for input 'x'"), missing.getMessage());
        IllegalArgumentException text = assertThrows(IllegalArgumentException.class,
                () -> predictor.predict(LocalSpark.session().createDataFrame(List.<Row>of(),
                        new StructType().add("x", DataTypes.StringType))));
        assertTrue(text.getMessage().contains("column 'x' must hold an array of numbers"), text.getMessage());
        predictor.close();
    }
}
