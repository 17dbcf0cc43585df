package io.github.branchwise.spark;

import java.io.Serial;
import java.io.Serializable;
import java.util.Iterator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One partition's examples, checked and packed into one array per input and per target ({@code rows × values}),
 * cached on its executor so that each step slices its rows without reading the partition again.
 */
final class PartitionBlock implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    final int partition;
    final int rows;
    private final float[][] inputs;
    private final float[][] targets;

    private PartitionBlock(int partition, int rows, float[][] inputs, float[][] targets) {
        this.partition = partition;
        this.rows = rows;
        this.inputs = inputs;
        this.targets = targets;
    }

    /**
     * Reads and checks a partition's examples.
     *
     * @throws IllegalArgumentException naming the model, the partition, the row and the input or target at fault
     */
    static PartitionBlock of(int partition, Iterator<Example> examples, ExampleLayout layout) {
        java.util.List<Example> all = new java.util.ArrayList<>();
        while (examples.hasNext()) {
            Example example = examples.next();
            layout.check(example, "partition " + partition + ", row " + all.size());
            all.add(example);
        }
        int rows = all.size();
        float[][] inputs = new float[layout.inputCount()][];
        for (int i = 0; i < inputs.length; i++) {
            int length = layout.inputLength(i);
            inputs[i] = new float[Math.multiplyExact(rows, length)];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(all.get(r).inputs()[i], 0, inputs[i], r * length, length);
            }
        }
        float[][] targets = new float[layout.branchCount()][];
        for (int i = 0; i < targets.length; i++) {
            int length = layout.targetLength(i);
            targets[i] = new float[Math.multiplyExact(rows, length)];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(all.get(r).targets()[i], 0, targets[i], r * length, length);
            }
        }
        return new PartitionBlock(partition, rows, inputs, targets);
    }

    /** Rows {@code [from, to)} of every input, as arrays of {@code type} shaped {@code [rows, shape...]}. */
    INDArray[] inputs(int from, int to, ExampleLayout layout, DataType type) {
        INDArray[] out = new INDArray[inputs.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = slice(inputs[i], from, to, layout.inputShape(i), type);
        }
        return out;
    }

    /** Rows {@code [from, to)} of every target, as {@link #inputs} shapes them. */
    INDArray[] targets(int from, int to, ExampleLayout layout, DataType type) {
        INDArray[] out = new INDArray[targets.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = slice(targets[i], from, to, layout.targetShape(i), type);
        }
        return out;
    }

    private static INDArray slice(float[] values, int from, int to, long[] shape, DataType type) {
        int length = 1;
        for (long d : shape) {
            length *= (int) d;
        }
        float[] part = java.util.Arrays.copyOfRange(values, from * length, to * length);
        long[] full = new long[shape.length + 1];
        full[0] = to - from;
        System.arraycopy(shape, 0, full, 1, shape.length);
        return Nd4j.create(part, full, 'c').castTo(type);
    }
}
