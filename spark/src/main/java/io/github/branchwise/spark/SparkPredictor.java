package io.github.branchwise.spark;

import io.github.branchwise.runtime.internal.Predictor;
import io.github.branchwise.runtime.training.Trainer;
import java.io.IOException;
import java.io.Serial;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.UUID;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batch prediction of a saved Branchwise model over a Spark {@code Dataset<Row>}: each input is a column named after
 * it holding the example's values flattened row-major (an array of numbers, or a number for an input of one value),
 * and the result is the same rows with one more column per branch, {@code <branch><suffix>}, holding the branch's
 * output for the row flattened row-major as an array of floats.
 *
 * <p>The model file is read once on the driver and broadcast; each executor loads it the first time a task needs it
 * and keeps it for the prediction's other tasks (one per task running at once). Rows are predicted in batches of
 * {@code batchSize}, in inference mode.
 */
public final class SparkPredictor implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    private final Broadcast<byte[]> model;
    private final ReplicaLoader loader;
    private final ExampleLayout layout;
    private final String id = UUID.randomUUID().toString();
    private final int batchSize;
    private final String suffix;
    private final long[][] outputShapes;

    private SparkPredictor(Broadcast<byte[]> model, ReplicaLoader loader, ExampleLayout layout, long[][] outputShapes,
                           int batchSize, String suffix) {
        this.model = model;
        this.loader = loader;
        this.layout = layout;
        this.outputShapes = outputShapes;
        this.batchSize = batchSize;
        this.suffix = suffix;
    }

    /**
     * A predictor of the model saved in {@code modelFile}, loaded with {@code loader} (once on the driver, to learn
     * its inputs and outputs, then once per executor).
     *
     * @param batchSize rows per forward pass, positive
     * @param suffix    appended to a branch's name to name its output column, not empty
     * @throws IOException              when the file cannot be read or is not a model of the loader's class
     * @throws IllegalArgumentException when {@code batchSize} is not positive or {@code suffix} is empty
     */
    public static SparkPredictor load(JavaSparkContext spark, Path modelFile, ReplicaLoader loader, int batchSize,
                                      String suffix) throws IOException {
        Objects.requireNonNull(spark, "spark");
        Objects.requireNonNull(loader, "loader");
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
        }
        if (suffix == null || suffix.isEmpty()) {
            throw new IllegalArgumentException("the output columns' suffix must not be empty");
        }
        byte[] bytes = Files.readAllBytes(modelFile);
        Trainer local = loader.load(modelFile);
        ExampleLayout layout = ExampleLayout.of(local);
        long[][] shapes = new long[layout.branchCount()][];
        for (int i = 0; i < shapes.length; i++) {
            shapes[i] = local.spec().branches().get(i).shape();
        }
        return new SparkPredictor(spark.broadcast(bytes), loader, layout, shapes, batchSize, suffix);
    }

    /** The name of branch {@code i}'s output column. */
    public String outputColumn(int branch) {
        return layout.branch(branch) + suffix;
    }

    /**
     * The rows of {@code rows} with one output column per branch added (lazily: Spark computes them when the result is
     * used).
     *
     * @throws IllegalArgumentException when an input column is missing, not numeric, or an output column's name is
     *                                  taken; a row whose values do not fit fails its task with a message naming
     *                                  the partition, the row and the column
     */
    public Dataset<Row> predict(Dataset<Row> rows) {
        StructType schema = rows.schema();
        int[] columns = new int[layout.inputCount()];
        for (int i = 0; i < columns.length; i++) {
            String name = layout.input(i);
            if (!Arrays.asList(schema.fieldNames()).contains(name)) {
                throw new IllegalArgumentException(layout.model() + ": no column '" + name + "' for input '" + name
                        + "'; the columns are " + Arrays.toString(schema.fieldNames()));
            }
            columns[i] = schema.fieldIndex(name);
            org.apache.spark.sql.types.DataType type = schema.fields()[columns[i]].dataType();
            boolean numeric = type instanceof NumericType
                    || type instanceof ArrayType array && array.elementType() instanceof NumericType;
            if (!numeric) {
                throw new IllegalArgumentException(layout.model() + ": column '" + name + "' must hold an array of "
                        + "numbers (or a number), got " + type.simpleString());
            }
        }
        StructType out = schema;
        for (int b = 0; b < layout.branchCount(); b++) {
            if (Arrays.asList(out.fieldNames()).contains(outputColumn(b))) {
                throw new IllegalArgumentException(layout.model() + ": the output column '" + outputColumn(b)
                        + "' is already a column; choose another suffix");
            }
            out = out.add(new StructField(outputColumn(b), DataTypes.createArrayType(DataTypes.FloatType, false),
                    false, org.apache.spark.sql.types.Metadata.empty()));
        }
        SparkPredictor self = this;
        MapPartitionsFunction<Row, Row> score = partition -> self.score(partition, columns);
        return rows.mapPartitions(score, Encoders.row(out));
    }

    /** A partition's rows with their outputs, a batch at a time; runs on an executor. */
    private Iterator<Row> score(Iterator<Row> rows, int[] columns) {
        int partition = org.apache.spark.TaskContext.getPartitionId();
        return new Iterator<>() {
            private final List<Row> done = new ArrayList<>();
            private int next;
            private long seen;

            @Override
            public boolean hasNext() {
                if (next < done.size()) {
                    return true;
                }
                done.clear();
                next = 0;
                List<Row> batch = new ArrayList<>();
                while (rows.hasNext() && batch.size() < batchSize) {
                    batch.add(rows.next());
                }
                if (batch.isEmpty()) {
                    return false;
                }
                done.addAll(predictBatch(batch, columns, partition, seen));
                seen += batch.size();
                return true;
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return done.get(next++);
            }
        };
    }

    private List<Row> predictBatch(List<Row> batch, int[] columns, int partition, long first) {
        INDArray[] inputs = new INDArray[columns.length];
        for (int i = 0; i < columns.length; i++) {
            int length = layout.inputLength(i);
            float[] values = new float[batch.size() * length];
            for (int r = 0; r < batch.size(); r++) {
                String where = "partition " + partition + ", row " + (first + r) + ", column '" + layout.input(i)
                        + "'";
                RowValues.read(batch.get(r), columns[i], values, r * length, length, layout.model(), where);
            }
            long[] shape = new long[layout.inputShape(i).length + 1];
            shape[0] = batch.size();
            System.arraycopy(layout.inputShape(i), 0, shape, 1, shape.length - 1);
            inputs[i] = Nd4j.create(values, shape, 'c');
        }
        Trainer replica = Replicas.borrow(id, model::value, loader);
        INDArray[] outputs;
        try {
            Predictor predictor = replica.predictor();
            outputs = predictor.predict(inputs);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(layout.model() + ": partition " + partition + ", rows " + first
                    + " to " + (first + batch.size() - 1) + ": " + e.getMessage(), e);
        } finally {
            Replicas.giveBack(id, replica);
        }
        List<Row> scored = new ArrayList<>(batch.size());
        for (int r = 0; r < batch.size(); r++) {
            Row row = batch.get(r);
            Object[] values = new Object[row.length() + outputs.length];
            for (int c = 0; c < row.length(); c++) {
                values[c] = row.get(c);
            }
            for (int b = 0; b < outputs.length; b++) {
                // A Scala sequence, Row's own form of an array column: a Java float[] here passed through when Spark
                // dropped the conversion of these rows through the schema (javaRDD() after mapPartitions), and
                // Row.getList then failed with a ClassCastException.
                values[row.length() + b] = scala.collection.immutable.ArraySeq.unsafeWrapArray(
                        outputs[b].slice(r).dup('c').reshape(-1).toFloatVector());
            }
            scored.add(RowFactory.create(values));
        }
        return scored;
    }

    /** The output shape of one example of branch {@code branch}; a copy. */
    public long[] outputShape(int branch) {
        return outputShapes[branch].clone();
    }

    /** Drops this predictor's models kept on the driver's JVM and releases the broadcast model file. */
    public void close() {
        Replicas.forget(id);
        model.destroy();
    }
}
