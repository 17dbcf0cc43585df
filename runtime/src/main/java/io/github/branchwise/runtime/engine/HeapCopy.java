package io.github.branchwise.runtime.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Bulk copies between contiguous FLOAT or DOUBLE native arrays and {@code double[]} working arrays (one
 * buffer copy each way instead of a buffer access per value).
 */
final class HeapCopy {
    private final boolean single;
    private final float[] floats;

    HeapCopy(boolean single, int capacity) {
        this.single = single;
        this.floats = single ? new float[capacity] : null;
    }

    /** The first {@code n} values of {@code array} into {@code to}. */
    void read(INDArray array, double[] to, int n) {
        ByteBuffer bytes = bytes(array, n);
        int offset = Math.toIntExact(array.offset());
        if (single) {
            bytes.asFloatBuffer().get(offset, floats, 0, n);
            for (int i = 0; i < n; i++) {
                to[i] = floats[i];
            }
        } else {
            bytes.asDoubleBuffer().get(offset, to, 0, n);
        }
    }

    /** The first {@code n} values of {@code from} into {@code array}. */
    void write(double[] from, INDArray array, int n) {
        ByteBuffer bytes = bytes(array, n);
        int offset = Math.toIntExact(array.offset());
        if (single) {
            for (int i = 0; i < n; i++) {
                floats[i] = (float) from[i];
            }
            bytes.asFloatBuffer().put(offset, floats, 0, n);
        } else {
            bytes.asDoubleBuffer().put(offset, from, 0, n);
        }
    }

    private ByteBuffer bytes(INDArray array, int n) {
        if (array.dataType() != (single ? DataType.FLOAT : DataType.DOUBLE)) {
            throw new IllegalStateException("a " + array.dataType() + " array in a fused "
                    + (single ? "FLOAT" : "DOUBLE") + " loss");
        }
        ByteBuffer bytes = array.data().pointer().asByteBuffer();
        if (bytes == null) {
            throw new IllegalStateException("no direct buffer for an array of " + n + " values");
        }
        bytes.order(ByteOrder.nativeOrder());
        int size = single ? Float.BYTES : Double.BYTES;
        if (bytes.capacity() / size < array.offset() + n) {
            throw new IllegalStateException("the direct buffer of an array of " + n + " values is too short");
        }
        return bytes;
    }
}
