package io.github.branchwise.spark;

import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.ReplicaState;
import io.github.branchwise.runtime.StepContribution;
import io.github.branchwise.runtime.training.FitConfig;
import io.github.branchwise.runtime.training.Fitting;
import io.github.branchwise.runtime.training.History;
import io.github.branchwise.runtime.training.MeasuredContribution;
import io.github.branchwise.runtime.training.MeasuredLosses;
import io.github.branchwise.runtime.training.Metric;
import io.github.branchwise.runtime.training.StepSource;
import io.github.branchwise.runtime.training.Tally;
import io.github.branchwise.runtime.training.Trainer;
import io.github.branchwise.runtime.training.TrainingModel;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.CollectionAccumulator;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Synchronous data-parallel training of a Branchwise model on Apache Spark: every step, the driver's state reaches
 * the executors in a broadcast, each partition computes its shard's {@link StepContribution} (the per-branch loss
 * sums and gradients of its rows, per branch for the gradient-level strategies), {@code treeAggregate} sums them,
 * and the driver's trainer applies the sum ({@link Trainer#applyStep}): weighting strategy, optimiser, counters,
 * exactly as one machine does on the whole batch.
 *
 * <p><b>How batches are formed.</b> The data's partitions are read once, checked, and cached on the executors as
 * blocks. With a per-partition batch size {@code b}, step {@code s} of an epoch takes rows {@code [s·b, (s+1)·b)} of
 * every partition (fewer, or none, where a partition runs out), so a global batch has up to {@code K·b} rows for K
 * partitions and an epoch has {@code ceil(max rows of a partition / b)} steps. The reference for a run is one process
 * training, step by step, on the concatenation in partition order of those slices: it gives the same parameters,
 * losses and weights, up to float rounding (the shards' sums are added in another order). Rows are not shuffled.
 *
 * <p><b>What one machine does that this does not (yet).</b> Layers whose training pass reads the batch as a whole
 * compute per shard: a batch norm normalises each shard with the shard's statistics and its moving statistics follow
 * the size-weighted mean of the shards' (data-parallel PyTorch without synchronised batch norm); dropout masks are
 * drawn per shard, so they differ from one process's. Epochs, validation, history, progress, listeners, early stopping
 * and checkpoints are the one-machine {@code Fitting}'s, run on the driver by
 * {@link #fit(Fitting, JavaRDD, JavaRDD, int, FitConfig)}; metrics are not (they need the branches' outputs). A strategy whose total loss is not a sum over examples (GLS, STCH,
 * FAMO) or that reads representation gradients is refused.
 *
 * <p><b>Local SGD.</b> {@link #fitLocal} trains each partition's replica for several steps on its own and averages
 * the replicas' parameters and optimiser states: one job per round rather than per step, but another algorithm.
 *
 * <p>The data never reaches the driver: only the contributions (one gradient per branch or one in all, and a few
 * numbers) do. Not thread-safe: one training run at a time.
 */
public final class SparkTrainer {
    private final JavaSparkContext spark;
    private final Trainer trainer;
    private final ReplicaLoader loader;
    private final ExampleLayout layout;
    private final int treeDepth;
    private volatile Consumer<StepTiming> timing;

    /**
     * A distributed trainer of {@code trainer}, whose executors build their replicas with {@code loader}.
     *
     * @param spark     the application's context
     * @param trainer   the driver's model: it is trained in place
     * @param loader    how an executor loads the model from a saved file ({@link ReplicaLoader#generated})
     * @param treeDepth the depth of {@code treeAggregate}'s tree, at least 1 (2 is Spark's default)
     */
    public SparkTrainer(JavaSparkContext spark, Trainer trainer, ReplicaLoader loader, int treeDepth) {
        this.spark = Objects.requireNonNull(spark, "spark");
        this.trainer = Objects.requireNonNull(trainer, "trainer");
        this.loader = Objects.requireNonNull(loader, "loader");
        if (treeDepth < 1) {
            throw new IllegalArgumentException("treeDepth must be at least 1, got " + treeDepth);
        }
        this.treeDepth = treeDepth;
        this.layout = ExampleLayout.of(trainer);
    }

    /**
     * A distributed trainer of a generated training model ({@code DetectorTrainingModel}): its {@code trainer()} on
     * the driver, and replicas loaded through its class's {@code load(Path)} on the executors (found by name there;
     * {@link #of(JavaSparkContext, TrainingModel, ReplicaLoader)} with {@code ReplicaLoader.of(DetectorTrainingModel::load)}
     * says it in code instead).
     *
     * @throws IllegalArgumentException when the model's class has no public static {@code load(Path)}
     */
    public static SparkTrainer of(JavaSparkContext spark, TrainingModel model) {
        Objects.requireNonNull(model, "model");
        return new SparkTrainer(spark, model.trainer(), ReplicaLoader.generated(model.getClass()), 2);
    }

    /**
     * A distributed trainer of {@code model} whose replicas {@code loader} loads on the executors, typically
     * {@code ReplicaLoader.of(DetectorTrainingModel::load)}: checked by the compiler, no reflection.
     */
    public static SparkTrainer of(JavaSparkContext spark, TrainingModel model, ReplicaLoader loader) {
        Objects.requireNonNull(model, "model");
        return new SparkTrainer(spark, model.trainer(), loader, 2);
    }

    /**
     * Reports where each synchronous step's time goes ({@link StepTiming}) to {@code listener}, on the driver, after
     * the step is applied; null stops reporting. Taken at the start of each {@code fit}. What it costs while set:
     * each task sends back three numbers in a Spark accumulator, and after each step the driver Java-serialises and
     * deserialises the step's replica state and summed contribution once, to measure them (outside the times
     * reported, though inside the run's wall time). The results of the training do not change.
     */
    public void onStepTiming(Consumer<StepTiming> listener) {
        this.timing = listener;
    }

    /**
     * Where one synchronous step's time went, measured with {@link System#nanoTime()}: on the driver around each
     * phase, and on the executors around each partition's work (returned through a Spark accumulator).
     *
     * @param step           the model's step counter before the step
     * @param partitions     the partitions that had rows for the step
     * @param beginNanos     the driver's {@code Trainer.beginStep} (the replica state copied out of the model)
     * @param broadcastNanos {@code SparkContext.broadcast} of the replica state (Spark serialises it here, in blocks)
     * @param jobNanos       the {@code treeAggregate} job, seen from the driver: scheduling, shipping the tasks,
     *                       every partition's work, the task results' (de)serialisation and their sums
     * @param loadNanos      each contributing partition's {@code loadReplicaState} on its executor (reading the
     *                       broadcast and copying the state into the replica), in the order the tasks reported
     * @param computeNanos   each contributing partition's {@code contribute} (forward and backward passes on its
     *                       rows, the gradients copied out), in the same order as {@code loadNanos}
     * @param applyNanos     the driver's {@code Trainer.applyStep} (strategy, optimiser, counters)
     * @param totalNanos     the whole step on the driver, from before {@code beginStep} to after {@code applyStep}
     * @param state          the replica state, Java-serialised once on the driver after the step
     * @param contribution   the summed contribution (the size of each partition's), likewise
     */
    public record StepTiming(long step, int partitions, long beginNanos, long broadcastNanos, long jobNanos,
                             long[] loadNanos, long[] computeNanos, long applyNanos, long totalNanos, Payload state,
                             Payload contribution) {
        /** The slowest partition's work on its executor: load plus compute; the job waits for it. */
        public long slowestPartitionNanos() {
            long slowest = 0;
            for (int i = 0; i < loadNanos.length; i++) {
                slowest = Math.max(slowest, loadNanos[i] + computeNanos[i]);
            }
            return slowest;
        }

        /**
         * What the job cost beyond its slowest partition's work: task scheduling and shipping, the task results'
         * serialisation and deserialisation, and the sums ({@code treeAggregate}'s tree and the driver's final sum).
         */
        public long aggregationNanos() {
            return jobNanos - slowestPartitionNanos();
        }
    }

    /**
     * The Java serialisation of what a step ships (Spark's default serialiser for broadcasts and task results),
     * measured once on the driver.
     *
     * @param bytes            the serialised size
     * @param serialiseNanos   {@code ObjectOutputStream.writeObject} into memory
     * @param deserialiseNanos {@code ObjectInputStream.readObject} from memory
     */
    public record Payload(long bytes, long serialiseNanos, long deserialiseNanos) {
    }

    /** The driver's trainer, trained in place. */
    public Trainer trainer() {
        return trainer;
    }

    /** What the executors check each example against. */
    public ExampleLayout layout() {
        return layout;
    }

    /**
     * The examples of a table: one column per input named after it and one per branch's target named after the
     * branch, each holding the example's values flattened row-major (an array of numbers, or a number where the shape
     * holds one value); other columns are ignored. Lazy: rows are read when training reads them, and a row that does
     * not fit fails training with an {@link IllegalArgumentException} naming the partition, the row and the column.
     *
     * @throws IllegalArgumentException when a column is missing
     */
    public JavaRDD<Example> examples(Dataset<Row> rows) {
        Objects.requireNonNull(rows, "rows");
        List<String> names = List.of(rows.schema().fieldNames());
        int[] inputColumns = new int[layout.inputCount()];
        for (int i = 0; i < inputColumns.length; i++) {
            inputColumns[i] = column(names, layout.input(i), "input");
        }
        int[] targetColumns = new int[layout.branchCount()];
        for (int i = 0; i < targetColumns.length; i++) {
            targetColumns[i] = column(names, layout.branch(i), "target of branch");
        }
        return convert(rows, inputColumns, targetColumns, layout);
    }

    /** The rows as examples; static, so that the closure Spark ships holds no trainer. */
    private static JavaRDD<Example> convert(Dataset<Row> rows, int[] inputColumns, int[] targetColumns,
                                            ExampleLayout checked) {
        return rows.javaRDD().mapPartitionsWithIndex((partition, table) -> new java.util.Iterator<Example>() {
            private long row;

            @Override
            public boolean hasNext() {
                return table.hasNext();
            }

            @Override
            public Example next() {
                String where = "partition " + partition + ", row " + row++ + ", column '";
                return toExample(table.next(), inputColumns, targetColumns, checked, where);
            }
        }, true);
    }

    private static Example toExample(Row row, int[] inputColumns, int[] targetColumns, ExampleLayout layout,
                                     String where) {
        float[][] inputs = new float[inputColumns.length][];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = new float[layout.inputLength(i)];
            RowValues.read(row, inputColumns[i], inputs[i], 0, inputs[i].length, layout.model(),
                    where + layout.input(i) + "'");
        }
        float[][] targets = new float[targetColumns.length][];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = new float[layout.targetLength(i)];
            RowValues.read(row, targetColumns[i], targets[i], 0, targets[i].length, layout.model(),
                    where + layout.branch(i) + "'");
        }
        return new Example(inputs, targets);
    }

    private int column(List<String> names, String name, String kind) {
        int index = names.indexOf(name);
        if (index < 0) {
            throw new IllegalArgumentException(layout.model() + ": no column '" + name + "' for the " + kind + " '"
                    + name + "'; the columns are " + names);
        }
        return index;
    }

    /**
     * One step's outcome, as the driver applied it.
     *
     * @param epoch    the epoch the step belongs to, from 0
     * @param step     the model's step counter before the step
     * @param examples the rows of the global batch
     * @param losses   the global batch's losses
     * @param weights  each branch's weight after the step
     */
    public record StepRecord(long epoch, long step, long examples, Losses losses, double[] weights) {
    }

    /**
     * Trains for {@code epochs} epochs over {@code data} (see the class comment for how batches are formed).
     *
     * @param data              the examples; each partition's rows are read once and cached on its executor
     * @param batchPerPartition rows each partition contributes to a step, positive
     * @param epochs            epochs to train from the model's current epoch, positive
     * @return one record per step, in order
     * @throws IllegalArgumentException when an example does not fit the model (the message names the partition, the
     *                                  row and the input or target), or when data has no rows
     */
    public List<StepRecord> fit(JavaRDD<Example> data, int batchPerPartition, int epochs) {
        Objects.requireNonNull(data, "data");
        if (batchPerPartition <= 0 || epochs <= 0) {
            throw new IllegalArgumentException("batchPerPartition and epochs must be positive, got "
                    + batchPerPartition + " and " + epochs);
        }
        // A strategy the split step refuses (GLS, representation gradients) fails here, before any Spark job; the
        // step begun stays begun (beginStep is idempotent until applyStep).
        trainer.beginStep();
        String run = UUID.randomUUID().toString();
        Broadcast<byte[]> model = spark.broadcast(savedModel());
        JavaRDD<PartitionBlock> blocks = cached(data);
        List<StepRecord> records = new ArrayList<>();
        Clock clock = clock();
        try {
            int[] rows = partitionRows(blocks, "training");
            int steps = steps(rows, batchPerPartition);
            for (int e = 0; e < epochs; e++) {
                long epoch = trainer.epoch();
                for (int s = 0; s < steps; s++) {
                    records.add(step(blocks, model, run, s * batchPerPartition, batchPerPartition, epoch, clock,
                            ShippedMetrics.NONE, rows).record());
                }
                trainer.endEpoch();
            }
            return records;
        } finally {
            blocks.unpersist(false);
            model.destroy();
        }
    }

    /**
     * Trains as {@link Fitting#fit(StepSource, FitConfig)} does on one machine, each step synchronous on the cluster
     * as in {@link #fit(JavaRDD, int, int)} (same batches): epochs up to {@code config.epochs()}, the history,
     * progress, listeners, early stopping and checkpoints on the driver, all through {@code fitting}; validation
     * losses at each epoch's end from {@code validation} on the executors (or {@code config.validation()} on the
     * driver). A driver restarted from a checkpoint ({@link Fitting#resume}, then a new {@code SparkTrainer} of its
     * trainer) continues exactly as the uninterrupted run, given the same data in the same partitions.
     *
     * @param fitting           a fitting of this trainer's model ({@link #trainer()}), new or resumed
     * @param data              the training examples; each partition's rows are read once and cached on its executor
     * @param validation        validation examples, read and cached likewise, or null
     * @param batchPerPartition rows each partition contributes to a step, and evaluates at a time, positive
     * @param config            epochs, checkpoints, listeners, early stopping, progress, metrics (measured on the
     *                          executors, on each shard's outputs of the step's training pass and of validation,
     *                          their tallies summed: the same values as one machine's; each metric must be
     *                          Serializable, as the built-in ones are)
     * @return the fitting's history
     * @throws IllegalArgumentException when {@code fitting} is of another trainer, an example does not fit the model
     *                                  (the message names the partition, the row and the input or target), the
     *                                  data has no rows, or a metric of {@code config} is not Serializable
     * @throws IllegalStateException    when the weighting strategy cannot be split (before any Spark job)
     */
    public History fit(Fitting fitting, JavaRDD<Example> data, JavaRDD<Example> validation, int batchPerPartition,
                       FitConfig config) {
        requireFitting(fitting, data, config);
        if (batchPerPartition <= 0) {
            throw new IllegalArgumentException("batchPerPartition must be positive, got " + batchPerPartition);
        }
        trainer.beginStep();
        Clock clock = clock();
        ShippedMetrics shipped = new ShippedMetrics(layout.model());
        return fitOnCluster(fitting, data, validation, batchPerPartition, config, (blocks, model, run) -> {
            int[] rows = partitionRows(blocks, "training");
            int steps = steps(rows, batchPerPartition);
            return new StepsOnCluster(steps, false, (epoch, index, metrics) -> {
                Stepped stepped = step(blocks, model, run, Math.toIntExact(index * batchPerPartition),
                        batchPerPartition, epoch, clock, shipped.of(metrics), rows);
                return new StepSource.Outcome(stepped.record().losses(), stepped.record().examples(),
                        stepped.tallies());
            }, shipped);
        });
    }

    /**
     * One round of local SGD, as the driver averaged it.
     *
     * @param epoch      the epoch the round belongs to, from 0
     * @param step       the model's step counter before the round
     * @param localSteps the most local steps a partition took (the step counter moves on by as many)
     * @param examples   the rows trained on in the round, over all partitions
     * @param losses     the local steps' losses, averaged over those rows
     */
    public record RoundRecord(long epoch, long step, long localSteps, long examples, Losses losses) {
    }

    /**
     * Trains with local SGD for {@code epochs} epochs: each round, every partition's replica takes the driver's
     * parameters, layer states and optimiser state, trains {@code localSteps} steps of {@code batchPerPartition} of its
     * own rows on its own (weighting strategy and optimiser included, as {@code Trainer.fit}), and the driver takes
     * the plain average of the replicas' parameters, layer states, weighting state variables and optimiser states,
     * and moves its step counter on by the most steps a replica took. Round {@code r} of an epoch trains on rows
     * {@code [r·H·b, (r+1)·H·b)} of every partition ({@code H} local steps of {@code b} rows; fewer where a
     * partition runs out), so an epoch has {@code ceil(longest partition / (H·b))} rounds; one Spark job a round
     * instead of one a step. With one partition and {@code H = 1} it is exactly synchronous training (and one
     * process); otherwise it is another algorithm, whose replicas drift apart between averages (see
     * docs/distributed.md for when to choose it).
     *
     * @param localSteps steps each replica takes between averages, positive
     * @return one record per round, in order
     * @throws IllegalStateException    when the weighting strategy keeps Java-side state (DWA, GRADNORM, STCH, FAMO),
     *                                  which replicas would each move on and averaging cannot merge (before any job)
     * @throws IllegalArgumentException as {@link #fit(JavaRDD, int, int)}
     */
    public List<RoundRecord> fitLocal(JavaRDD<Example> data, int batchPerPartition, int localSteps, int epochs) {
        Objects.requireNonNull(data, "data");
        if (batchPerPartition <= 0 || localSteps <= 0 || epochs <= 0) {
            throw new IllegalArgumentException("batchPerPartition, localSteps and epochs must be positive, got "
                    + batchPerPartition + ", " + localSteps + " and " + epochs);
        }
        trainer.localState();
        String run = UUID.randomUUID().toString();
        Broadcast<byte[]> model = spark.broadcast(savedModel());
        JavaRDD<PartitionBlock> blocks = cached(data);
        List<RoundRecord> records = new ArrayList<>();
        try {
            long rows = (long) batchPerPartition * localSteps;
            int longest = steps(blocks, 1, "training");
            long rounds = (longest + rows - 1) / rows;
            for (int e = 0; e < epochs; e++) {
                long epoch = trainer.epoch();
                for (long r = 0; r < rounds; r++) {
                    records.add(round(blocks, model, run, Math.toIntExact(r * rows), batchPerPartition, localSteps,
                            epoch));
                }
                trainer.endEpoch();
            }
            return records;
        } finally {
            blocks.unpersist(false);
            model.destroy();
        }
    }

    /**
     * Local SGD ({@link #fitLocal(JavaRDD, int, int, int)}: the same rounds on the same rows) inside the one-machine
     * training loop, as {@link #fit(Fitting, JavaRDD, JavaRDD, int, FitConfig)} runs synchronous steps: epochs, one
     * history row per round (its losses the mean of the replicas' local steps over their examples, its step the last
     * step of the round), validation of the averaged model at each epoch's end on the executors, listeners, early
     * stopping and checkpoints on the driver. A driver restarted from a checkpoint continues with the next round of
     * its epoch exactly as the uninterrupted run, given the same data in the same partitions. Metrics are refused:
     * a round's outputs are the replicas' own, before the average.
     *
     * @param localSteps steps each replica takes between averages, positive
     * @return the fitting's history
     * @throws IllegalStateException    when the weighting strategy keeps Java-side state (before any job)
     * @throws IllegalArgumentException as {@link #fit(Fitting, JavaRDD, JavaRDD, int, FitConfig)}, or when
     *                                  {@code config} asks for metrics
     */
    public History fitLocal(Fitting fitting, JavaRDD<Example> data, JavaRDD<Example> validation, int batchPerPartition,
                            int localSteps, FitConfig config) {
        requireFitting(fitting, data, config);
        if (batchPerPartition <= 0 || localSteps <= 0) {
            throw new IllegalArgumentException("batchPerPartition and localSteps must be positive, got "
                    + batchPerPartition + " and " + localSteps);
        }
        trainer.localState();
        long rows = (long) batchPerPartition * localSteps;
        return fitOnCluster(fitting, data, validation, batchPerPartition, config, (blocks, model, run) -> {
            int longest = steps(blocks, 1, "training");
            return new StepsOnCluster((longest + rows - 1) / rows, true, (epoch, index, metrics) -> {
                RoundRecord round = round(blocks, model, run, Math.toIntExact(index * rows), batchPerPartition,
                        localSteps, epoch);
                return new StepSource.Outcome(round.losses(), round.examples());
            }, null);
        });
    }

    private void requireFitting(Fitting fitting, JavaRDD<Example> data, FitConfig config) {
        Objects.requireNonNull(fitting, "fitting");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(config, "config");
        if (fitting.trainer() != trainer) {
            throw new IllegalArgumentException(layout.model() + ": the fitting trains another trainer than this "
                    + "SparkTrainer's; make the SparkTrainer of fitting.trainer()");
        }
    }

    /** One call of a cluster's steps (a synchronous step or a round of local SGD), with the metrics asked for. */
    @FunctionalInterface
    private interface ClusterStep {
        StepSource.Outcome step(long epoch, long index, Map<String, List<Metric>> metrics);
    }

    /**
     * An epoch's steps on the cluster: how many, whether each is a round of several, how to run one, and the
     * metrics the steps ship (null: the steps measure none, and validation measures none either).
     */
    private record StepsOnCluster(long perEpoch, boolean rounds, ClusterStep step, ShippedMetrics metrics) {
    }

    /** The steps of one fit, made once the data is cached and the model broadcast. */
    @FunctionalInterface
    private interface StepPlan {
        StepsOnCluster plan(JavaRDD<PartitionBlock> blocks, Broadcast<byte[]> model, String run);
    }

    /**
     * The one-machine loop of {@code fitting} around steps on the cluster: the model broadcast and the data cached for
     * the run (and released after it), validation on the executors where {@code validation} is given.
     */
    private History fitOnCluster(Fitting fitting, JavaRDD<Example> data, JavaRDD<Example> validation,
                                 int batchPerPartition, FitConfig config, StepPlan plan) {
        String run = UUID.randomUUID().toString();
        Broadcast<byte[]> model = spark.broadcast(savedModel());
        JavaRDD<PartitionBlock> blocks = cached(data);
        JavaRDD<PartitionBlock> checks = validation == null ? null : cached(validation);
        try {
            StepsOnCluster steps = plan.plan(blocks, model, run);
            if (checks != null) {
                steps(checks, batchPerPartition, "validation");
            }
            StepSource source = new StepSource() {
                @Override
                public long stepsInEpoch(long epoch) {
                    return steps.perEpoch();
                }

                @Override
                public boolean trainsRounds() {
                    return steps.rounds();
                }

                @Override
                public boolean measures() {
                    return steps.metrics() != null;
                }

                @Override
                public Outcome step(long epoch, long index) {
                    return steps.step().step(epoch, index, Map.of());
                }

                @Override
                public Outcome step(long epoch, long index, Map<String, List<Metric>> metrics) {
                    return steps.step().step(epoch, index, metrics);
                }

                @Override
                public boolean validates() {
                    return checks != null;
                }

                @Override
                public Outcome validate(long epoch) {
                    return evaluate(checks, model, run, batchPerPartition, ShippedMetrics.NONE);
                }

                @Override
                public Outcome validate(long epoch, Map<String, List<Metric>> metrics) {
                    return evaluate(checks, model, run, batchPerPartition,
                            steps.metrics() == null ? ShippedMetrics.NONE : steps.metrics().of(metrics));
                }
            };
            return fitting.fit(source, config);
        } finally {
            blocks.unpersist(false);
            if (checks != null) {
                checks.unpersist(false);
            }
            model.destroy();
        }
    }

    private RoundRecord round(JavaRDD<PartitionBlock> blocks, Broadcast<byte[]> model, String run, int from, int size,
                              int localSteps, long epoch) {
        long iteration = trainer.iteration();
        Broadcast<ReplicaState> state = spark.broadcast(trainer.localState());
        ReplicaLoader load = loader;
        ExampleLayout checked = layout;
        DataType type = trainer.options().dataType();
        try {
            LocalRound total = rethrowingBadInput(() -> blocks.treeAggregate((LocalRound) null,
                    (sum, block) -> LocalRound.sum(sum, trainLocally(block, from, size, localSteps, state.value(),
                            run, model, load, checked, type)),
                    LocalRound::sum, treeDepth));
            if (total == null) {
                throw new IllegalStateException(layout.model() + ": the round at step " + iteration + " found no rows");
            }
            trainer.loadReplicaState(total.average(iteration + total.steps, trainer.epoch()));
            double[] means = new double[total.lossSums.length - 1];
            for (int i = 0; i < means.length; i++) {
                means[i] = total.lossSums[i + 1] / total.examples;
            }
            return new RoundRecord(epoch, iteration, total.steps, total.examples,
                    new Losses(total.lossSums[0] / total.examples, means));
        } finally {
            state.destroy();
        }
    }

    /** One partition's local steps from {@code state}, or null when it has no rows left; runs on an executor. */
    private static LocalRound trainLocally(PartitionBlock block, int from, int size, int localSteps,
                                           ReplicaState state, String run, Broadcast<byte[]> model,
                                           ReplicaLoader loader, ExampleLayout layout, DataType type) {
        if (from >= block.rows) {
            return null;
        }
        Trainer replica = Replicas.borrow(run, model::value, loader);
        int start = from;
        try {
            replica.loadReplicaState(state);
            long examples = 0;
            int steps = 0;
            double[] lossSums = null;
            for (; steps < localSteps && start < block.rows; steps++, start += size) {
                int to = Math.min(block.rows, start + size);
                Losses losses = replica.fit(block.inputs(start, to, layout, type),
                        block.targets(start, to, layout, type));
                int n = to - start;
                if (lossSums == null) {
                    lossSums = new double[1 + losses.branchLosses().length];
                }
                lossSums[0] += losses.total() * n;
                for (int i = 0; i < losses.branchLosses().length; i++) {
                    lossSums[i + 1] += losses.branchLoss(i) * n;
                }
                examples += n;
            }
            return LocalRound.of(replica.localState(), examples, steps, lossSums);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(layout.model() + ": partition " + block.partition + ", rows from "
                    + start + " of the partition: " + e.getMessage(), e);
        } finally {
            Replicas.giveBack(run, replica);
        }
    }

    /** The data's partitions read, checked and cached as blocks (lazily: the first job reads them). */
    private JavaRDD<PartitionBlock> cached(JavaRDD<Example> data) {
        ExampleLayout checked = layout;
        return data.mapPartitionsWithIndex(
                (index, rows) -> Collections.singletonList(PartitionBlock.of(index, rows, checked)).iterator(),
                true).persist(StorageLevel.MEMORY_AND_DISK());
    }

    /** The steps of an epoch over cached blocks: {@code ceil(longest partition / b)}; reads and checks every row. */
    private int steps(JavaRDD<PartitionBlock> blocks, int batchPerPartition, String what) {
        return steps(partitionRows(blocks, what), batchPerPartition);
    }

    private static int steps(int[] partitionRows, int batchPerPartition) {
        int longest = java.util.Arrays.stream(partitionRows).max().orElse(0);
        return (longest + batchPerPartition - 1) / batchPerPartition;
    }

    /** Each partition's rows, by partition index; reads and checks every row. */
    private int[] partitionRows(JavaRDD<PartitionBlock> blocks, String what) {
        List<int[]> sizes = rethrowingBadInput(() -> blocks.map(block -> new int[] {block.partition, block.rows})
                .collect());
        int[] rows = new int[blocks.getNumPartitions()];
        for (int[] size : sizes) {
            rows[size[0]] = size[1];
        }
        if (java.util.Arrays.stream(rows).max().orElse(0) == 0) {
            throw new IllegalArgumentException(layout.model() + ": the " + what + " data has no rows");
        }
        return rows;
    }

    /**
     * Where each partition's rows of a step start in the step's global batch (the partitions' slices concatenated in
     * partition order, as one machine would see them), and, as the last entry, the global batch's rows.
     */
    private static long[] shardStarts(int[] partitionRows, int from, int size) {
        long[] starts = new long[partitionRows.length + 1];
        for (int p = 0; p < partitionRows.length; p++) {
            starts[p + 1] = starts[p] + Math.max(0, Math.min(size, partitionRows[p] - from));
        }
        return starts;
    }

    /**
     * The driver's model's losses over every row of {@code blocks}, in inference mode: each partition evaluates its
     * rows {@code size} at a time, and the example-weighted sums are added up.
     */
    private StepSource.Outcome evaluate(JavaRDD<PartitionBlock> blocks, Broadcast<byte[]> model, String run,
                                        int size, ShippedMetrics metrics) {
        Broadcast<ReplicaState> state = spark.broadcast(trainer.replicaState());
        ReplicaLoader load = loader;
        ExampleLayout checked = layout;
        DataType type = trainer.options().dataType();
        Map<String, List<Metric>> measured = metrics.map();
        try {
            Evaluated total = rethrowingBadInput(() -> blocks.treeAggregate((Evaluated) null,
                    (sum, block) -> Evaluated.sum(sum,
                            evaluated(block, size, state.value(), run, model, load, checked, type, measured)),
                    Evaluated::sum, treeDepth));
            if (total == null || total.sums()[0] == 0) {
                throw new IllegalStateException(layout.model() + ": the validation data has no rows");
            }
            double[] sums = total.sums();
            double n = sums[0];
            double[] branches = new double[sums.length - 2];
            for (int i = 0; i < branches.length; i++) {
                branches[i] = sums[i + 2] / n;
            }
            return new StepSource.Outcome(new Losses(sums[1] / n, branches), (long) n, total.tallies());
        } finally {
            state.destroy();
        }
    }

    /**
     * A validation's sums over some rows: {rows, total × rows, each branch's loss × rows}, and the metrics' tallies.
     */
    private record Evaluated(double[] sums, LinkedHashMap<String, Tally> tallies) implements Serializable {
        /** Both added, null standing for no rows. */
        static Evaluated sum(Evaluated a, Evaluated b) {
            if (a == null) {
                return b;
            }
            if (b == null) {
                return a;
            }
            LinkedHashMap<String, Tally> tallies = new LinkedHashMap<>(a.tallies);
            b.tallies.forEach((column, tally) -> tallies.merge(column, tally, Tally::plus));
            return new Evaluated(added(a.sums, b.sums), tallies);
        }
    }

    /** A block's {@link Evaluated} sums, or null for an empty one; on an executor. */
    private static Evaluated evaluated(PartitionBlock block, int size, ReplicaState state, String run,
                                       Broadcast<byte[]> model, ReplicaLoader loader, ExampleLayout layout,
                                       DataType type, Map<String, List<Metric>> metrics) {
        if (block.rows == 0) {
            return null;
        }
        Trainer replica = Replicas.borrow(run, model::value, loader);
        try {
            replica.loadReplicaState(state);
            Evaluated sums = null;
            for (int from = 0; from < block.rows; from += size) {
                int to = Math.min(block.rows, from + size);
                MeasuredLosses measured = replica.evaluate(block.inputs(from, to, layout, type),
                        block.targets(from, to, layout, type), metrics);
                Losses losses = measured.losses();
                double n = to - from;
                double[] part = new double[2 + losses.branchLosses().length];
                part[0] = n;
                part[1] = losses.total() * n;
                for (int i = 0; i < losses.branchLosses().length; i++) {
                    part[i + 2] = losses.branchLoss(i) * n;
                }
                sums = Evaluated.sum(sums, new Evaluated(part, new LinkedHashMap<>(measured.tallies())));
            }
            return sums;
        } finally {
            Replicas.giveBack(run, replica);
        }
    }

    /** Elementwise sums, null standing for nothing. */
    private static double[] added(double[] a, double[] b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        double[] sum = a.clone();
        for (int i = 0; i < sum.length; i++) {
            sum[i] += b[i];
        }
        return sum;
    }

    /** The listener of this run's step timings and the accumulator the tasks report to; null when not timing. */
    private record Clock(Consumer<StepTiming> listener, CollectionAccumulator<long[]> partitions) {
    }

    private Clock clock() {
        Consumer<StepTiming> listener = timing;
        return listener == null ? null
                : new Clock(listener, spark.sc().<long[]>collectionAccumulator("branchwise step timing"));
    }

    /** A step's record and what its metrics measured over the global batch (empty without metrics). */
    private record Stepped(StepRecord record, Map<String, Tally> tallies) {
    }

    private Stepped step(JavaRDD<PartitionBlock> blocks, Broadcast<byte[]> model, String run, int from, int size,
                         long epoch, Clock clock, ShippedMetrics metrics, int[] partitionRows) {
        long start = System.nanoTime();
        long iteration = trainer.iteration();
        ReplicaState begun = trainer.beginStep();
        long begin = System.nanoTime();
        Broadcast<ReplicaState> state = spark.broadcast(begun);
        long broadcast = System.nanoTime();
        ReplicaLoader load = loader;
        ExampleLayout checked = layout;
        DataType type = trainer.options().dataType();
        CollectionAccumulator<long[]> times = clock == null ? null : clock.partitions();
        Map<String, List<Metric>> measured = metrics.map();
        long[] starts = shardStarts(partitionRows, from, size);
        if (times != null) {
            times.reset();
        }
        try {
            MeasuredContribution measuredTotal = rethrowingBadInput(() -> blocks.treeAggregate(
                    (MeasuredContribution) null,
                    (sum, block) -> MeasuredContribution.sum(sum,
                            contribute(block, from, size, state, run, model, load, checked, type, times, measured,
                                    starts)),
                    MeasuredContribution::sum, treeDepth));
            long job = System.nanoTime();
            if (measuredTotal == null) {
                throw new IllegalStateException(layout.model() + ": step " + iteration + " found no rows");
            }
            StepContribution total = measuredTotal.contribution();
            Losses losses = trainer.applyStep(total);
            long applied = System.nanoTime();
            if (clock != null) {
                List<long[]> reported = times.value();
                long[] loads = new long[reported.size()];
                long[] computes = new long[reported.size()];
                for (int i = 0; i < loads.length; i++) {
                    loads[i] = reported.get(i)[0];
                    computes[i] = reported.get(i)[1];
                }
                clock.listener().accept(new StepTiming(iteration, loads.length, begin - start, broadcast - begin,
                        job - broadcast, loads, computes, applied - job, applied - start, payload(begun),
                        payload(total)));
            }
            return new Stepped(new StepRecord(epoch, iteration, total.examples(), losses, trainer.weights()),
                    measuredTotal.tallies());
        } finally {
            state.destroy();
        }
    }

    /** Java-serialises and deserialises {@code value} once, in memory, timing both. */
    private static Payload payload(Serializable value) {
        try {
            long start = System.nanoTime();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(value);
            }
            long written = System.nanoTime();
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
                in.readObject();
            }
            return new Payload(bytes.size(), written - start, System.nanoTime() - written);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialise " + value.getClass().getSimpleName(), e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("cannot deserialise " + value.getClass().getSimpleName(), e);
        }
    }

    /** One partition's contribution to a step, or null when it has no rows left for it; runs on an executor. */
    private static MeasuredContribution contribute(PartitionBlock block, int from, int size,
                                                   Broadcast<ReplicaState> state, String run, Broadcast<byte[]> model,
                                                   ReplicaLoader loader, ExampleLayout layout, DataType type,
                                                   CollectionAccumulator<long[]> times,
                                                   Map<String, List<Metric>> metrics, long[] starts) {
        if (from >= block.rows) {
            return null;
        }
        int to = Math.min(block.rows, from + size);
        Trainer replica = Replicas.borrow(run, model::value, loader);
        try {
            long start = System.nanoTime();
            replica.loadReplicaState(state.value());
            long loaded = System.nanoTime();
            // Its rows' place in the step's global batch: a model with dropout draws that batch's masks.
            MeasuredContribution contribution = replica.contribute(block.inputs(from, to, layout, type),
                    block.targets(from, to, layout, type), metrics, starts[block.partition],
                    starts[starts.length - 1]);
            if (times != null) {
                times.add(new long[] {loaded - start, System.nanoTime() - loaded});
            }
            return contribution;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(layout.model() + ": partition " + block.partition + ", rows " + from
                    + " to " + (to - 1) + " of the partition: " + e.getMessage(), e);
        } finally {
            Replicas.giveBack(run, replica);
        }
    }

    private byte[] savedModel() {
        try {
            Path file = Files.createTempFile("branchwise-driver", ".bwm");
            try {
                trainer.save(file);
                return Files.readAllBytes(file);
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the model for the executors", e);
        }
    }

    /**
     * Runs a Spark job, turning a task's {@link IllegalArgumentException} (a malformed row) back into one on the
     * driver, with the task's message, rather than Spark's wrapped stage failure.
     */
    static <T> T rethrowingBadInput(java.util.function.Supplier<T> job) {
        try {
            return job.get();
        } catch (Exception e) {
            // Spark's SparkException is checked but undeclared (Scala): caught here as any Exception.
            IllegalArgumentException bad = badInput(e);
            if (bad != null) {
                throw bad;
            }
            if (e instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * The metrics a fitting asks for, as they travel to the executors (each task's closure carries them): checked once
     * on the driver to serialise, so that a metric Spark cannot ship is an error naming it rather than a failed job.
     */
    private static final class ShippedMetrics {
        /** No metrics. */
        static final ShippedMetrics NONE = new ShippedMetrics("");

        private final String model;
        private Map<String, List<Metric>> asked;
        private LinkedHashMap<String, List<Metric>> shippable = new LinkedHashMap<>();

        ShippedMetrics(String model) {
            this.model = model;
        }

        /** This fitting's metrics, checked the first time (Fitting passes the same map every step). */
        ShippedMetrics of(Map<String, List<Metric>> metrics) {
            if (metrics != asked) {
                LinkedHashMap<String, List<Metric>> copy = new LinkedHashMap<>();
                metrics.forEach((branch, list) -> {
                    for (Metric metric : list) {
                        requireSerializable(branch, metric);
                    }
                    copy.put(branch, new ArrayList<>(list));
                });
                asked = metrics;
                shippable = copy;
            }
            return this;
        }

        Map<String, List<Metric>> map() {
            return shippable;
        }

        private void requireSerializable(String branch, Metric metric) {
            try (ObjectOutputStream out = new ObjectOutputStream(java.io.OutputStream.nullOutputStream())) {
                out.writeObject(metric);
            } catch (NotSerializableException e) {
                throw new IllegalArgumentException(model + ": metric '" + metric.name() + "' of branch '" + branch
                        + "' (" + metric.getClass().getName() + ") is not Serializable (" + e.getMessage() + "); "
                        + "distributed training measures metrics on the executors, so Spark must ship them: implement "
                        + "java.io.Serializable, or give Metric.of a function cast to BiFunction<INDArray, INDArray, "
                        + "Double> & Serializable");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot serialise metric '" + metric.name() + "'", e);
            }
        }
    }

    private static IllegalArgumentException badInput(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IllegalArgumentException iae && !(e instanceof IllegalArgumentException)) {
                return new IllegalArgumentException(iae.getMessage(), e);
            }
            if (t instanceof SparkException && t.getCause() == null && t.getMessage() != null
                    && t.getMessage().contains("java.lang.IllegalArgumentException: ")) {
                // A cause that could not be shipped back: only its text is left.
                String text = t.getMessage().substring(t.getMessage().indexOf("java.lang.IllegalArgumentException: ")
                        + "java.lang.IllegalArgumentException: ".length());
                int end = text.indexOf("\n\tat ");
                return new IllegalArgumentException(end < 0 ? text : text.substring(0, end), e);
            }
        }
        return null;
    }
}
