package io.github.branchwise.runtime.engine;

import io.github.branchwise.runtime.internal.Shapes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The training and inference modes of a {@link Network}, as the layers read them: what the runtime feeds the mode
 * placeholders on each pass, and the moving averages it keeps after each training step.
 *
 * <p>The mode is fed, not stored in the graph: each layer that behaves differently reads a scalar placeholder (its
 * training flag, 1 or 0) or a mask placeholder (dropout), and every pass gets its own values. Nothing in the graph
 * says which mode it is in, so a prediction never sees a training step's mode. Dropout masks are drawn here in Java,
 * from a stream of the seed, the step number and the layer's name, rather than by a random op in the graph: the
 * compiled plans cannot run SameDiff's random ops, a resumed run draws the same masks as an uninterrupted one without
 * saving a random state, and the passes of one step (one per branch for gradient-level strategies) share one mask.
 *
 * <p>A layer is frozen when it has parameters and all of them are frozen: it then runs in inference mode in training
 * steps too (its flag is 0) and its moving averages stand still, as a frozen Keras batch norm does.
 *
 * <p>Not thread-safe: the trainer serialises every pass, and so every call.
 */
public final class LayerModes {
    /** A dropout layer's mask placeholder. */
    record Dropout(String layer, String placeholder, long[] exampleShape, double rate) {
    }

    /** A row of {@code 1 / rows} for the batch means of a layer ({@code GraphHost.meanRow}). */
    record MeanRow(String layer, String placeholder, long rowsPerExample) {
    }

    /** A layer state kept as a moving average of a value the training pass computes. */
    record MovingAverage(String layer, String state, String batchValue, double momentum) {
    }

    private final long seed;
    private final DataType dataType;
    /** Training flags by layer, placeholder name as value, in creation order. */
    private final Map<String, String> flags = new LinkedHashMap<>();
    private final List<Dropout> dropouts = new ArrayList<>();
    private final List<MeanRow> meanRows = new ArrayList<>();
    private final List<MovingAverage> averages = new ArrayList<>();
    private final Map<String, INDArray> states = new HashMap<>();
    private Set<String> frozenLayers = Set.of();
    private long iteration;
    /** The masks of {@link #maskIteration} for {@link #maskBatch} examples: one draw serves every pass of a step. */
    private Map<String, INDArray> masks = Map.of();
    private long maskIteration = -1;
    private long maskBatch = -1;
    /** The shard's first row in its global batch and that batch's rows ({@link #shard}); -1: a whole batch. */
    private long shardFirst;
    private long shardRows = -1;
    /** All-ones masks and rows of batch means by batch size; the plans only read them. */
    private final Map<Long, Map<String, INDArray>> ones = new HashMap<>();
    private INDArray one;
    private INDArray zero;

    LayerModes(long seed, DataType dataType) {
        this.seed = seed;
        this.dataType = dataType;
    }

    // ---- building ----

    void addFlag(String layer, String placeholder) {
        flags.put(layer, placeholder);
    }

    void addDropout(String layer, String placeholder, long[] exampleShape, double rate) {
        dropouts.add(new Dropout(layer, placeholder, exampleShape.clone(), rate));
        // Shape probes while the graph is built fed masks of the layers so far: draw them again.
        ones.clear();
        maskIteration = -1;
    }

    void addMeanRow(String layer, String placeholder, long rowsPerExample) {
        meanRows.add(new MeanRow(layer, placeholder, rowsPerExample));
        ones.clear();
    }

    void addMovingAverage(String layer, SDVariable state, SDVariable batchValue, double momentum) {
        averages.add(new MovingAverage(layer, state.name(), batchValue.name(), momentum));
        states.put(state.name(), state.getArr());
    }

    /** Whether a layer named {@code layer} already has a flag or mask. */
    boolean knows(String layer) {
        return flags.containsKey(layer) || dropouts.stream().anyMatch(d -> d.layer().equals(layer));
    }

    // ---- what the executors feed ----

    /**
     * Every mode placeholder, in the order of {@link #training} and {@link #inference}: flags, dropout masks, then the
     * rows of batch means (the same in both modes).
     */
    public List<String> placeholders() {
        List<String> names = new ArrayList<>(flags.values());
        dropouts.forEach(d -> names.add(d.placeholder()));
        meanRows.forEach(m -> names.add(m.placeholder()));
        return names;
    }

    /** Whether the graph reads any mode placeholder. */
    public boolean isEmpty() {
        return flags.isEmpty() && dropouts.isEmpty() && meanRows.isEmpty();
    }

    /** The values of {@link #placeholders} for a training pass over {@code batch} examples at the current step. */
    public INDArray[] training(long batch) {
        return values(true, batch);
    }

    /** The values of {@link #placeholders} for an inference pass over {@code batch} examples. */
    public INDArray[] inference(long batch) {
        return values(false, batch);
    }

    /** {@link #placeholders} with their values, for SameDiff's sessions. */
    public Map<String, INDArray> feeds(boolean training, long batch) {
        Map<String, INDArray> feeds = new LinkedHashMap<>();
        List<String> names = placeholders();
        INDArray[] values = values(training, batch);
        for (int i = 0; i < values.length; i++) {
            feeds.put(names.get(i), values[i]);
        }
        return feeds;
    }

    private INDArray[] values(boolean training, long batch) {
        if (one == null) {
            one = Nd4j.scalar(dataType, 1.0);
            zero = Nd4j.scalar(dataType, 0.0);
        }
        INDArray[] values = new INDArray[flags.size() + dropouts.size() + meanRows.size()];
        int i = 0;
        for (String layer : flags.keySet()) {
            values[i++] = training && !frozenLayers.contains(layer) ? one : zero;
        }
        Map<String, INDArray> layerMasks = training ? masks(batch) : ones(batch);
        for (Dropout dropout : dropouts) {
            values[i++] = layerMasks.get(dropout.layer());
        }
        Map<String, INDArray> constants = ones(batch);
        for (MeanRow row : meanRows) {
            values[i++] = constants.get(row.placeholder());
        }
        return values;
    }

    private Map<String, INDArray> masks(long batch) {
        if (maskIteration != iteration || maskBatch != batch) {
            if (shardRows >= 0 && shardFirst + batch > shardRows) {
                throw new IllegalArgumentException("a shard of " + batch + " rows from row " + shardFirst
                        + " does not fit a global batch of " + shardRows + " rows");
            }
            Map<String, INDArray> drawn = new HashMap<>();
            for (Dropout dropout : dropouts) {
                drawn.put(dropout.layer(), shardRows < 0 ? mask(dropout, iteration, batch)
                        : rows(mask(dropout, iteration, shardRows), shardFirst, batch));
            }
            masks = drawn;
            maskIteration = iteration;
            maskBatch = batch;
        }
        return masks;
    }

    private Map<String, INDArray> ones(long batch) {
        if (ones.size() >= 4 && !ones.containsKey(batch)) {
            // Batch sizes that keep changing (each set can be as large as the layers' activations): keep a few.
            ones.clear();
        }
        return ones.computeIfAbsent(batch, b -> {
            Map<String, INDArray> all = new HashMap<>();
            for (Dropout dropout : dropouts) {
                all.put(dropout.layer(), Nd4j.ones(dataType, Shapes.withBatch(b, dropout.exampleShape())));
            }
            for (MeanRow row : meanRows) {
                long rows = b * row.rowsPerExample();
                all.put(row.placeholder(), Nd4j.valueArrayOf(new long[] {1, rows}, 1.0 / rows, dataType));
            }
            return all;
        });
    }

    /**
     * The mask of one dropout layer at a step, for {@code batch} examples: 0 or {@code 1 / (1 - rate)} each. Each
     * element takes 24 random bits, two elements a 64-bit draw, and is dropped when they fall below
     * {@code ceil(rate · 2^24)}: a probability within 2^-24 of {@code rate}, at half the draws of one per element
     * (a mask is drawn on every step, over every activation the layer sees).
     */
    INDArray mask(Dropout dropout, long step, long batch) {
        long[] shape = Shapes.withBatch(batch, dropout.exampleShape());
        int count = Math.toIntExact(Shapes.size(shape));
        SplittableRandom random = new SplittableRandom(streamSeed(step, dropout.layer()));
        double rate = dropout.rate();
        long threshold = (long) Math.ceil(rate * (1 << 24));
        if (dataType == DataType.DOUBLE) {
            double kept = 1.0 / (1.0 - rate);
            double[] values = new double[count];
            for (int i = 0; i < count; i += 2) {
                long bits = random.nextLong();
                values[i] = (bits >>> 40) >= threshold ? kept : 0.0;
                if (i + 1 < count) {
                    values[i + 1] = ((bits >>> 8) & 0xFFFFFF) >= threshold ? kept : 0.0;
                }
            }
            return Nd4j.create(values, shape, DataType.DOUBLE);
        }
        // As PyTorch scales its mask: 1 divided by (1 - rate) in the array's own type.
        float kept = 1.0f / (float) (1.0 - rate);
        float[] values = new float[count];
        for (int i = 0; i < count; i += 2) {
            long bits = random.nextLong();
            values[i] = (bits >>> 40) >= threshold ? kept : 0.0f;
            if (i + 1 < count) {
                values[i + 1] = ((bits >>> 8) & 0xFFFFFF) >= threshold ? kept : 0.0f;
            }
        }
        INDArray mask = Nd4j.create(values, shape, 'c');
        return mask.dataType() == dataType ? mask : mask.castTo(dataType);
    }

    /** The mask {@code layer} gets at {@code step} for {@code batch} examples (tests). */
    INDArray mask(String layer, long step, long batch) {
        for (Dropout dropout : dropouts) {
            if (dropout.layer().equals(layer)) {
                return mask(dropout, step, batch);
            }
        }
        throw new IllegalArgumentException("no dropout layer '" + layer + "'");
    }

    /**
     * The seed of one layer's mask at one step: the model seed, the step and a 64-bit FNV-1a hash of the layer's name,
     * each mixed by SplitMix64's finaliser so that neighbouring steps and seeds give unrelated streams.
     */
    private long streamSeed(long step, String layer) {
        long hash = 0xcbf29ce484222325L;
        for (int i = 0; i < layer.length(); i++) {
            hash ^= layer.charAt(i);
            hash *= 0x100000001b3L;
        }
        return mix(mix(seed ^ 0x6a09e667f3bcc909L) + mix(step) * 0x9E3779B97F4A7C15L ^ hash);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    // ---- after a training step ----

    /** The forward values the moving averages read after a training pass, by name. */
    public List<String> statistics() {
        List<String> names = new ArrayList<>();
        averages.forEach(a -> names.add(a.batchValue()));
        return names;
    }

    /**
     * Moves every moving average of a layer that is not frozen one step towards the value the training pass computed;
     * called once per step, after the update.
     *
     * @param values the pass's values of {@link #statistics}, by name
     */
    void update(Map<String, INDArray> values) {
        for (MovingAverage average : averages) {
            if (frozenLayers.contains(average.layer())) {
                continue;
            }
            INDArray batch = values.get(average.batchValue());
            if (batch == null) {
                throw new IllegalStateException("the training pass did not compute '" + average.batchValue() + "'");
            }
            INDArray state = states.get(average.state());
            // Keras' form, moving · m + batch · (1 − m), in the state's own type.
            state.muli(average.momentum()).addi(batch.castTo(state.dataType()).mul(1.0 - average.momentum()));
        }
    }

    /** Whether any moving average needs the training pass's statistics. */
    public boolean hasMovingAverages() {
        return !averages.isEmpty();
    }

    /** The rows {@code [first, first + count)} of {@code mask}, as an array of their own. */
    private static INDArray rows(INDArray mask, long first, long count) {
        org.nd4j.linalg.indexing.INDArrayIndex[] index = new org.nd4j.linalg.indexing.INDArrayIndex[mask.rank()];
        index[0] = org.nd4j.linalg.indexing.NDArrayIndex.interval(first, first + count);
        for (int d = 1; d < index.length; d++) {
            index[d] = org.nd4j.linalg.indexing.NDArrayIndex.all();
        }
        return mask.get(index).dup('c');
    }

    /**
     * From now on the training passes are a shard of a global batch of {@code globalRows} rows, starting at row
     * {@code first} of it (a distributed step): each dropout mask is the global batch's mask at those rows, so the
     * shards of a step together drop what one machine drops on the whole batch. Drawing the global mask on every
     * shard costs K times the draws (a mask is small next to the step's arithmetic).
     */
    void shard(long first, long globalRows) {
        if (first < 0 || globalRows <= first) {
            throw new IllegalArgumentException("a shard must start inside its global batch: row " + first + " of "
                    + globalRows);
        }
        shardFirst = first;
        shardRows = globalRows;
        maskIteration = -1;
    }

    /** Training passes are whole batches again (the default). */
    void wholeBatch() {
        shardRows = -1;
        maskIteration = -1;
    }

    // ---- the step and freezing ----

    /** The step whose masks training passes get from now on. */
    void step(long step) {
        this.iteration = step;
    }

    /**
     * Recomputes which layers are frozen: those with parameters ({@code <layer>/...}) that are all in {@code frozen}.
     *
     * @param parameters every trainable parameter's name
     * @param frozen     the frozen ones
     */
    void frozenChanged(Set<String> parameters, Set<String> frozen) {
        Set<String> layers = new LinkedHashSet<>(flags.keySet());
        averages.forEach(a -> layers.add(a.layer()));
        Set<String> now = new LinkedHashSet<>();
        for (String layer : layers) {
            String prefix = layer + "/";
            List<String> own = parameters.stream().filter(p -> p.startsWith(prefix)).toList();
            if (!own.isEmpty() && frozen.containsAll(own)) {
                now.add(layer);
            }
        }
        frozenLayers = Collections.unmodifiableSet(now);
    }

    /** The layers that run in inference mode in training steps because they are frozen. */
    Set<String> frozenLayers() {
        return frozenLayers;
    }
}
