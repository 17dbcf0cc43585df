package io.github.branchwise.examples.spark;

import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.training.Checkpoints;
import io.github.branchwise.runtime.training.FitConfig;
import io.github.branchwise.runtime.training.History;
import io.github.branchwise.spark.ReplicaLoader;
import io.github.branchwise.spark.SparkPredictor;
import io.github.branchwise.spark.SparkTrainer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Trains {@link CellDetector} on a local Spark with {@code branchwise-spark}, then scores a table with the saved
 * model:
 *
 * <ol>
 *   <li>starts Spark on {@code local[*]} (or the master given as the first argument), bound to 127.0.0.1;</li>
 *   <li>generates the tables on the executors: each row's image and targets are a function of its id alone, so the
 *       data are the same on every run and every machine, and never pass through the driver;</li>
 *   <li>trains synchronously ({@link SparkTrainer}) for a few epochs in the one-machine {@code Fitting} loop on the
 *       driver: validation losses computed on the executors, a checkpoint at each epoch's end, the history printed
 *       as each epoch ends;</li>
 *   <li>saves the model, loads it into a {@link SparkPredictor} and scores held-out rows, printing a few of them and
 *       the accuracy of both heads;</li>
 *   <li>stops Spark.</li>
 * </ol>
 *
 * <p>Java 17 needs Spark's {@code --add-opens} flags; {@code mvn -f examples-spark exec:exec} passes them (see this
 * module's pom). The files go to a new temporary directory, or to the directory given as the second argument.
 */
public final class SparkTrainingExample {
    /** Partitions of every table: the example's data parallelism, whatever the cores. */
    static final int PARTITIONS = 2;
    /** Training rows, validation rows and held-out rows to score; ids are consecutive across the three. */
    static final int TRAIN_ROWS = 2400;
    static final int VALIDATION_ROWS = 400;
    static final int SCORED_ROWS = 200;
    /** Rows each partition contributes to a synchronous step: global batches of 64, 38 steps per epoch. */
    static final int BATCH_PER_PARTITION = 32;
    /** Epochs of the {@code exec:exec} run. */
    static final int EPOCHS = 4;
    /** The suffix of the predictor's output columns: {@code cell_pred}, {@code kind_pred}. */
    static final String SUFFIX = "_pred";

    private static final String[] KINDS = {"square", "diagonal"};
    private static final int CELL_PIXELS = CellDetector.SIZE / CellDetector.GRID;

    /** The tables' columns: the model's input and its branches' targets by name, flattened row-major, and an id. */
    static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.LongType, false)
            .add("image", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add("cell", DataTypes.createArrayType(DataTypes.FloatType, false), false)
            .add("kind", DataTypes.createArrayType(DataTypes.FloatType, false), false);

    private SparkTrainingExample() {
    }

    /**
     * What a run produced, for its callers (the test reads it).
     *
     * @param history      the training history, one row per step and per epoch, with validation losses
     * @param checkpoint   the newest checkpoint written during training
     * @param modelFile    the trained model, saved after training
     * @param columns      the scored table's columns: the table's own, then one per branch ({@code <branch>_pred})
     * @param outputShapes the shape of one example of each branch's output, in declaration order
     * @param scored       the scored held-out rows, in id order
     * @param cellAccuracy the share of held-out rows whose most likely cell is the mark's
     * @param kindAccuracy the share of held-out rows whose more likely kind is the mark's
     */
    public record Result(CellDetectorHistory history, Path checkpoint, Path modelFile, List<String> columns,
                         List<long[]> outputShapes, List<Row> scored, double cellAccuracy, double kindAccuracy) {
    }

    /**
     * Runs the example on a new local Spark and stops it.
     *
     * @param args optional: the Spark master ({@code local[*]} when absent), then the directory to write to (a new
     *             temporary directory when absent)
     * @throws IOException when the model or a checkpoint cannot be written or read
     */
    public static void main(String[] args) throws IOException {
        String master = args.length > 0 ? args[0] : "local[*]";
        Path directory = args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("branchwise-spark-example");
        SparkSession spark = SparkSession.builder()
                .master(master)
                .appName("branchwise-spark-example")
                // On one machine: no web UI, and the driver and its block manager on the loopback address only.
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate();
        try {
            run(spark, directory, EPOCHS, System.out);
        } finally {
            spark.stop();
        }
    }

    /**
     * Trains, saves and scores on {@code spark}, printing to {@code out}; leaves Spark running.
     *
     * @param spark     the session to run on
     * @param directory where the checkpoints ({@code checkpoints/}) and the model ({@code cell-detector.bwm}) go
     * @param epochs    epochs to train, positive
     * @param out       where the history and the predictions are printed
     * @return what the run produced
     * @throws IOException when the model or a checkpoint cannot be written or read
     */
    public static Result run(SparkSession spark, Path directory, int epochs, PrintStream out) throws IOException {
        JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
        out.println("Spark " + spark.version() + " on " + context.master() + ", " + PARTITIONS + " partitions; "
                + "writing to " + directory);
        Dataset<Row> train = table(spark, 0, TRAIN_ROWS);
        Dataset<Row> validation = table(spark, TRAIN_ROWS, VALIDATION_ROWS);
        Dataset<Row> heldOut = table(spark, TRAIN_ROWS + VALIDATION_ROWS, SCORED_ROWS);

        // The driver's model: SparkTrainer trains it in place, one synchronous step per global batch.
        CellDetectorTrainingModel model = CellDetectorTrainingModel.create(
                TrainingOptions.builder().seed(7).updater(new Adam(0.01)).build());
        // The replicas on the executors load the model with its generated load(Path): a typed method reference.
        SparkTrainer trainer = SparkTrainer.of(context, model, ReplicaLoader.of(CellDetectorTrainingModel::load));
        Path checkpoints = directory.resolve("checkpoints");
        out.println();
        out.println("epoch  steps   total    cell     kind     val_cell val_kind  weight_cell weight_kind");
        FitConfig config = FitConfig.builder()
                .epochs(epochs)
                // Metrics need each branch's outputs, which stay on the executors: the distributed loop refuses them.
                .defaultMetrics(false)
                // The listener below prints one line per epoch instead of the progress bar.
                .silent()
                .listener(CellDetectorTrainingModel.onEpochEnd(epoch -> out.println(line(epoch))))
                .checkpoints(Checkpoints.to(checkpoints).everyEpochs(1).keepLast(2))
                .build();
        History history = trainer.fit(model.fitting(), trainer.examples(train), trainer.examples(validation),
                BATCH_PER_PARTITION, config);
        Path checkpoint = Checkpoints.latest(checkpoints).orElseThrow(
                () -> new IllegalStateException("no checkpoint in " + checkpoints));
        // A restarted driver would continue from it: CellDetectorTrainingModel.resumeLatest(checkpoints), then a
        // SparkTrainer of the resumed model and the same fit call.
        out.println("latest checkpoint: " + checkpoint);

        Path modelFile = directory.resolve("cell-detector.bwm");
        model.save(modelFile);
        out.println("saved " + modelFile);

        // The saved file is broadcast once; each executor loads it the first time one of its tasks needs it.
        SparkPredictor predictor = SparkPredictor.load(context, modelFile,
                ReplicaLoader.of(CellDetectorTrainingModel::load), 64, SUFFIX);
        try {
            Dataset<Row> scoredTable = predictor.predict(heldOut);
            List<String> columns = List.of(scoredTable.columns());
            // A few hundred rows: collected to the driver to print and count. A large table would be written out
            // (scoredTable.write()...) or aggregated in Spark instead.
            List<Row> scored = scoredTable.collectAsList();
            out.println();
            out.println("scored " + scored.size() + " held-out rows; columns " + columns);
            int cellsRight = 0;
            int kindsRight = 0;
            for (int r = 0; r < scored.size(); r++) {
                Row row = scored.get(r);
                float[] cell = floats(row.getList(row.fieldIndex("cell" + SUFFIX)));
                float[] kind = floats(row.getList(row.fieldIndex("kind" + SUFFIX)));
                int trueCell = argmax(floats(row.getList(row.fieldIndex("cell"))));
                int trueKind = argmax(floats(row.getList(row.fieldIndex("kind"))));
                cellsRight += argmax(cell) == trueCell ? 1 : 0;
                kindsRight += argmax(kind) == trueKind ? 1 : 0;
                if (r < 5) {
                    out.println(String.format(Locale.ROOT,
                            "  id %d: mark in cell %d, predicted cell %d (p=%.3f); %s, predicted %s (p=%.3f)",
                            row.getLong(row.fieldIndex("id")), trueCell, argmax(cell), cell[argmax(cell)],
                            KINDS[trueKind], KINDS[argmax(kind)], kind[argmax(kind)]));
                }
            }
            double cellAccuracy = (double) cellsRight / scored.size();
            double kindAccuracy = (double) kindsRight / scored.size();
            out.println(String.format(Locale.ROOT, "held-out accuracy: cell %.3f (chance %.3f), kind %.3f "
                    + "(chance 0.5)", cellAccuracy, 1.0 / (CellDetector.GRID * CellDetector.GRID), kindAccuracy));
            return new Result(new CellDetectorHistory(history), checkpoint, modelFile, columns,
                    List.of(predictor.outputShape(0), predictor.outputShape(1)), scored, cellAccuracy,
                    kindAccuracy);
        } finally {
            predictor.close();
        }
    }

    /**
     * Rows {@code first} to {@code first + rows - 1}, generated on the executors in {@link #PARTITIONS} partitions
     * (Spark's {@code range} splits the ids evenly and in order).
     */
    static Dataset<Row> table(SparkSession spark, long first, long rows) {
        // Made as an RDD of rows, then given the schema: Spark converts each row to its own form there, so the
        // table's rows read back with Spark's types (arrays as Seq). A typed Dataset.map would hand the rows the
        // function built, float[] and all, to a consumer of javaRDD() as they are.
        JavaRDD<Row> generated = spark.range(first, first + rows, 1, PARTITIONS).javaRDD()
                .map(SparkTrainingExample::row);
        return spark.createDataFrame(generated, SCHEMA);
    }

    /**
     * The example with id {@code id}: a 6x6 image with faint noise and one mark in a random cell, a filled 2x2 square
     * or one of its two diagonals, at a random brightness; the targets are the cell, one-hot over the 3x3 grid, and
     * the kind, one-hot. A function of the id alone: {@link SplittableRandom} seeded with it mixes consecutive seeds
     * well.
     */
    static Row row(long id) {
        SplittableRandom random = new SplittableRandom(id);
        int cells = CellDetector.GRID * CellDetector.GRID;
        int cell = random.nextInt(cells);
        int kind = random.nextInt(2);
        boolean antiDiagonal = random.nextBoolean();
        float brightness = (float) (0.6 + 0.4 * random.nextDouble());
        float[] image = new float[CellDetector.SIZE * CellDetector.SIZE];
        for (int p = 0; p < image.length; p++) {
            image[p] = (float) (0.05 * random.nextGaussian());
        }
        int top = cell / CellDetector.GRID * CELL_PIXELS;
        int left = cell % CellDetector.GRID * CELL_PIXELS;
        for (int dy = 0; dy < CELL_PIXELS; dy++) {
            for (int dx = 0; dx < CELL_PIXELS; dx++) {
                boolean onDiagonal = antiDiagonal ? dy + dx == CELL_PIXELS - 1 : dy == dx;
                if (kind == 0 || onDiagonal) {
                    // Row-major over [height, width, 1]: pixel (y, x) at y * width + x.
                    image[(top + dy) * CellDetector.SIZE + left + dx] += brightness;
                }
            }
        }
        float[] cellTarget = new float[cells];
        cellTarget[cell] = 1;
        float[] kindTarget = new float[2];
        kindTarget[kind] = 1;
        return RowFactory.create(id, image, cellTarget, kindTarget);
    }

    /** One epoch's line of the printed history. */
    private static String line(CellDetectorEpoch epoch) {
        CellDetectorLosses validation = epoch.validationLosses().orElseThrow();
        return String.format(Locale.ROOT, "%5d  %5d  %7.4f  %7.4f  %7.4f  %7.4f  %7.4f   %7.4f     %7.4f",
                epoch.epoch(), epoch.steps(), epoch.losses().total(), epoch.losses().cell(), epoch.losses().kind(),
                validation.cell(), validation.kind(), epoch.weights().cell(), epoch.weights().kind());
    }

    private static float[] floats(List<Object> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) values.get(i)).floatValue();
        }
        return out;
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
