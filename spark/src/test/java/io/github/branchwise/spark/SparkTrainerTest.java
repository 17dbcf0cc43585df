package io.github.branchwise.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.annotations.Convention;
import io.github.branchwise.annotations.EpochMean;
import io.github.branchwise.annotations.GradNormScope;
import io.github.branchwise.annotations.GradNormWarmup;
import io.github.branchwise.annotations.GradientSource;
import io.github.branchwise.annotations.HeadGradients;
import io.github.branchwise.annotations.MgdaNormalization;
import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.LossWeighting;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.training.Trainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Synchronous training on {@code local[2]} against one process trained on the concatenated batches (the class
 * comment of {@link SparkTrainer} defines them): two partitions of 6 and 7 rows, 3 rows of each per step, so the
 * global batches hold 6, 6 and 1 rows (the last one from the longer partition alone), two epochs.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SparkTrainerTest {
    private static final int ROWS = 13;
    private static final int PER_PARTITION = 3;
    private static final List<Example> EXAMPLES = examples(ROWS, 17);

    static List<Example> examples(int rows, long seed) {
        Random random = new Random(seed);
        List<Example> examples = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            float[] x = {random.nextFloat() * 4 - 2, random.nextFloat() * 4 - 2, random.nextFloat() * 4 - 2};
            float[] reg = {random.nextFloat() * 3};
            float[] bin = {random.nextBoolean() ? 1 : 0, random.nextBoolean() ? 1 : 0};
            examples.add(new Example(new float[][] {x}, new float[][] {reg, bin}));
        }
        return examples;
    }

    private static SparkTrunkTrainingModel model(LossWeighting weighting, DataType type) {
        return OneProcess.model(weighting, type);
    }

    private static void assertSparkMatchesOneProcess(LossWeighting weighting, DataType type, double tolerance) {
        JavaRDD<Example> data = LocalSpark.context().parallelize(EXAMPLES, 2);
        List<List<Example>> partitions = data.glom().collect();
        assertEquals(List.of(6, 7), partitions.stream().map(List::size).toList());

        SparkTrunkTrainingModel distributed = model(weighting, type);
        List<SparkTrainer.StepRecord> records = SparkTrainer.of(LocalSpark.context(), distributed)
                .fit(data, PER_PARTITION, 2);
        assertEquals(6, records.size());

        OneProcess.Run run = OneProcess.train(weighting, type, partitions, PER_PARTITION, 2);
        Trainer reference = run.trainer();
        List<Losses> referenceLosses = run.losses();
        List<double[]> referenceWeights = run.weights();
        for (int s = 0; s < records.size(); s++) {
            String what = weighting.weighting() + " step " + s;
            assertEquals(s == 2 || s == 5 ? 1 : 6, records.get(s).examples(), what);
            assertArrayEquals(referenceLosses.get(s).branchLosses(), records.get(s).losses().branchLosses(),
                    tolerance, what + " branch losses");
            assertEquals(referenceLosses.get(s).total(), records.get(s).losses().total(), tolerance, what + " total");
            assertArrayEquals(referenceWeights.get(s), records.get(s).weights(), tolerance, what + " weights");
        }
        Map<String, INDArray> expected = reference.parameters();
        Map<String, INDArray> actual = distributed.trainer().parameters();
        assertEquals(expected.keySet(), actual.keySet());
        for (String name : expected.keySet()) {
            assertArrayEquals(expected.get(name).reshape(-1).toDoubleVector(),
                    actual.get(name).reshape(-1).toDoubleVector(), tolerance, weighting.weighting() + " " + name);
        }
        assertEquals(6, distributed.trainer().iteration());
        assertEquals(2, distributed.trainer().epoch());
    }

    @Test
    void fixed() {
        assertSparkMatchesOneProcess(LossWeighting.fixed(0.7, 0.3), DataType.DOUBLE, 1e-10);
    }

    @Test
    void trainable() {
        assertSparkMatchesOneProcess(LossWeighting.trainable(0.5, 0.1, 0.9), DataType.DOUBLE, 1e-10);
    }

    @Test
    void uncertainty() {
        assertSparkMatchesOneProcess(LossWeighting.uncertainty(), DataType.DOUBLE, 1e-10);
    }

    @Test
    void gradNorm() {
        assertSparkMatchesOneProcess(LossWeighting.gradNorm(1.5, ""), DataType.DOUBLE, 1e-10);
    }

    @Test
    void pcGrad() {
        assertSparkMatchesOneProcess(LossWeighting.pcGrad(), DataType.DOUBLE, 1e-10);
    }

    @Test
    void mgda() {
        assertSparkMatchesOneProcess(LossWeighting.mgda(), DataType.DOUBLE, 1e-10);
    }

    @Test
    void caGrad() {
        assertSparkMatchesOneProcess(LossWeighting.caGrad(), DataType.DOUBLE, 1e-10);
    }

    @Test
    void nonDefaultConventions() {
        assertSparkMatchesOneProcess(LossWeighting.mgda(Convention.BRANCHWISE, MgdaNormalization.L2,
                HeadGradients.PLAIN), DataType.DOUBLE, 1e-10);
        // Epoch means per example over batches of 6, 6 and 1 rows: the driver must know each step's size.
        assertSparkMatchesOneProcess(LossWeighting.gradNorm(1.5, "", HeadGradients.PLAIN, GradNormWarmup.FIRST_EPOCH,
                GradNormScope.ALL_SHARED, EpochMean.PER_EXAMPLE), DataType.DOUBLE, 1e-10);
        assertSparkMatchesOneProcess(LossWeighting.dwa(2.0, EpochMean.PER_EXAMPLE), DataType.DOUBLE, 1e-10);
    }

    @Test
    void representationGradientsAreRefusedBeforeAnyJob() {
        SparkTrunkTrainingModel model = model(LossWeighting.mgda(Convention.LIBMTL, MgdaNormalization.L2,
                HeadGradients.PLAIN, GradientSource.REPRESENTATION_BATCH_SUM), DataType.FLOAT);
        JavaRDD<Example> data = LocalSpark.context().parallelize(EXAMPLES, 2);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SparkTrainer.of(LocalSpark.context(), model).fit(data, PER_PARTITION, 1));
        assertTrue(e.getMessage().contains("gradientSource = REPRESENTATION"), e.getMessage());
        assertEquals(0, model.trainer().iteration(), "nothing was trained");
    }

    @Test
    void floatModelsAgreeToFloatRounding() {
        assertSparkMatchesOneProcess(LossWeighting.uncertainty(), DataType.FLOAT, 1e-5);
    }

    @Test
    void aMalformedExampleNamesItsPartitionRowAndInput() {
        List<Example> examples = new ArrayList<>(EXAMPLES);
        Example good = examples.get(9);
        examples.set(9, new Example(new float[][] {Arrays.copyOf(good.inputs()[0], 2)}, good.targets()));
        JavaRDD<Example> data = LocalSpark.context().parallelize(examples, 2);
        SparkTrunkTrainingModel model = model(LossWeighting.fixed(1, 1), DataType.FLOAT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparkTrainer.of(LocalSpark.context(), model).fit(data, PER_PARTITION, 1));
        // Row 9 overall is row 3 of the second partition (6 rows in the first).
        assertTrue(e.getMessage().startsWith("io.github.branchwise.spark.SparkTrunk: partition 1, row 3: input 'x' "
                + "holds 2 values, its shape [3] needs 3"), e.getMessage());
        assertEquals(0, model.trainer().iteration(), "nothing was trained");
    }

    @Test
    void aMalformedTableRowNamesItsPartitionRowAndColumn() {
        StructType schema = new StructType()
                .add("x", DataTypes.createArrayType(DataTypes.FloatType))
                .add("reg", DataTypes.createArrayType(DataTypes.FloatType))
                .add("bin", DataTypes.createArrayType(DataTypes.DoubleType), true);
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < 8; r++) {
            rows.add(RowFactory.create(new float[] {r, 1, 2}, new float[] {r}, r == 5 ? null : new double[] {0, 1}));
        }
        Dataset<Row> table = LocalSpark.session().createDataFrame(rows, schema).repartition(1);
        SparkTrunkTrainingModel model = model(LossWeighting.fixed(1, 1), DataType.FLOAT);
        SparkTrainer trainer = SparkTrainer.of(LocalSpark.context(), model);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> trainer.fit(trainer.examples(table), 4, 1));
        assertTrue(e.getMessage().matches("io\\.github\\.branchwise\\.spark\\.SparkTrunk: partition 0, row \\d, "
                + "column 'bin' is null"), e.getMessage());
    }

    @Test
    void aTableTrainsAsItsExamplesDo() {
        StructType schema = new StructType()
                .add("x", DataTypes.createArrayType(DataTypes.FloatType))
                .add("reg", DataTypes.FloatType)
                .add("bin", DataTypes.createArrayType(DataTypes.FloatType))
                .add("id", DataTypes.StringType);
        List<Row> rows = new ArrayList<>();
        for (Example example : EXAMPLES) {
            rows.add(RowFactory.create(example.inputs()[0], example.targets()[0][0], example.targets()[1], "row"));
        }
        // One partition keeps the rows' order, so that the table's batches are the examples'.
        Dataset<Row> table = LocalSpark.session().createDataFrame(rows, schema).coalesce(1);
        assertTrainsAsTheExamples(table);
    }

    /** One epoch on {@code table} (one partition, EXAMPLES' rows in order) ends where one on EXAMPLES ends. */
    private static void assertTrainsAsTheExamples(Dataset<Row> table) {
        SparkTrunkTrainingModel fromTable = model(LossWeighting.uncertainty(), DataType.DOUBLE);
        SparkTrainer trainer = SparkTrainer.of(LocalSpark.context(), fromTable);
        trainer.fit(trainer.examples(table), 5, 1);
        SparkTrunkTrainingModel fromExamples = model(LossWeighting.uncertainty(), DataType.DOUBLE);
        SparkTrainer.of(LocalSpark.context(), fromExamples).fit(LocalSpark.context().parallelize(EXAMPLES, 1), 5, 1);
        assertEquals(fromExamples.trainer().parameters(), fromTable.trainer().parameters());
    }

    @Test
    void aTypedDatasetWithJavaArraysTrainsAsItsExamplesDo() {
        // Dataset.map with Encoders.row keeps the float[] the function put in its rows (Spark optimises the
        // conversion to its own arrays away): such a table reached the reader as Java arrays and failed with a
        // ClassCastException.
        StructType schema = new StructType()
                .add("x", DataTypes.createArrayType(DataTypes.FloatType))
                .add("reg", DataTypes.FloatType)
                .add("bin", DataTypes.createArrayType(DataTypes.FloatType));
        Dataset<Integer> ids = LocalSpark.session().createDataset(
                java.util.stream.IntStream.range(0, EXAMPLES.size()).boxed().toList(),
                org.apache.spark.sql.Encoders.INT()).coalesce(1);
        List<Example> examples = EXAMPLES;
        Dataset<Row> table = ids.map((org.apache.spark.api.java.function.MapFunction<Integer, Row>) i -> {
            Example example = examples.get(i);
            return RowFactory.create(example.inputs()[0], example.targets()[0][0], example.targets()[1]);
        }, org.apache.spark.sql.Encoders.row(schema));
        assertTrainsAsTheExamples(table);
    }

    @Test
    void dropoutMasksAreTheGlobalBatchsSoShardsTrainAsOneMachine() {
        // Partitions of 6 and 7 rows, 3 a step: the last step has 0 and 1 rows, so a shard may start anywhere.
        List<List<Example>> partitions = List.of(EXAMPLES.subList(0, 6), EXAMPLES.subList(6, 13));
        for (LossWeighting weighting : List.of(LossWeighting.fixed(0.7, 0.3), LossWeighting.pcGrad())) {
            TrainingOptions options = TrainingOptions.builder().seed(5).updater(new Adam(0.05)).weighting(weighting)
                    .dataType(DataType.DOUBLE).build();
            SparkDropoutTrunkTrainingModel distributed = SparkDropoutTrunkTrainingModel.create(options);
            // The typed loader: the executors load replicas through the generated load(Path), no reflection.
            List<SparkTrainer.StepRecord> steps = SparkTrainer.of(LocalSpark.context(), distributed,
                            ReplicaLoader.of(SparkDropoutTrunkTrainingModel::load))
                    .fit(LocalSpark.context().parallelize(EXAMPLES.subList(0, 13), 2), PER_PARTITION, 2);

            SparkDropoutTrunkTrainingModel reference = SparkDropoutTrunkTrainingModel.create(options);
            List<Losses> expected = new ArrayList<>();
            for (int epoch = 0; epoch < 2; epoch++) {
                for (int from = 0; from < 7; from += PER_PARTITION) {
                    List<Example> batch = new ArrayList<>();
                    for (List<Example> partition : partitions) {
                        batch.addAll(partition.subList(Math.min(from, partition.size()),
                                Math.min(from + PER_PARTITION, partition.size())));
                    }
                    expected.add(reference.trainer().fit(
                            new INDArray[] {OneProcess.stack(batch, true, 0, DataType.DOUBLE)},
                            new INDArray[] {OneProcess.stack(batch, false, 0, DataType.DOUBLE),
                                    OneProcess.stack(batch, false, 1, DataType.DOUBLE)}));
                }
                reference.trainer().endEpoch();
            }
            assertEquals(expected.size(), steps.size());
            for (int i = 0; i < steps.size(); i++) {
                assertArrayEquals(expected.get(i).branchLosses(), steps.get(i).losses().branchLosses(), 1e-10,
                        weighting.weighting() + " step " + i);
            }
            Map<String, INDArray> one = reference.trainer().parameters();
            Map<String, INDArray> spark = distributed.trainer().parameters();
            for (String name : one.keySet()) {
                assertArrayEquals(one.get(name).reshape(-1).toDoubleVector(),
                        spark.get(name).reshape(-1).toDoubleVector(), 1e-10, weighting.weighting() + " " + name);
            }
        }
    }

    @Test
    void aMissingColumnIsRefusedOnTheDriver() {
        StructType schema = new StructType().add("x", DataTypes.createArrayType(DataTypes.FloatType));
        Dataset<Row> table = LocalSpark.session().createDataFrame(List.<Row>of(), schema);
        SparkTrainer trainer = SparkTrainer.of(LocalSpark.context(), model(LossWeighting.fixed(1, 1), DataType.FLOAT));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> trainer.examples(table));
        assertTrue(e.getMessage().contains("no column 'reg' for the target of branch 'reg'"), e.getMessage());
    }

    @Test
    void strategiesNotAdditiveOverExamplesAreRefusedBeforeAnyJob() {
        for (LossWeighting weighting : List.of(LossWeighting.gls(), LossWeighting.stch(), LossWeighting.famo())) {
            SparkTrunkTrainingModel model = model(weighting, DataType.FLOAT);
            JavaRDD<Example> data = LocalSpark.context().parallelize(EXAMPLES, 2);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> SparkTrainer.of(LocalSpark.context(), model).fit(data, PER_PARTITION, 1));
            assertTrue(e.getMessage().contains("additiveOverExamples"), e.getMessage());
            assertEquals(0, model.trainer().iteration(), "nothing was trained");
        }
    }

    @Test
    void aTrainingModelWithoutGeneratedLoadNeedsALoader() {
        // Anything that is no TrainingModel no longer compiles; one written by hand has no static load(Path) for the
        // executors to find by name, so it is refused, and takes a loader of its own instead.
        Trainer trainer = model(LossWeighting.fixed(1, 1), DataType.FLOAT).trainer();
        io.github.branchwise.runtime.training.TrainingModel handWritten = () -> trainer;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparkTrainer.of(LocalSpark.context(), handWritten));
        assertTrue(e.getMessage().contains("is not a generated training model"), e.getMessage());
        SparkTrainer typed = SparkTrainer.of(LocalSpark.context(), handWritten,
                ReplicaLoader.of(SparkTrunkTrainingModel::load));
        assertEquals(trainer, typed.trainer());
    }
}
