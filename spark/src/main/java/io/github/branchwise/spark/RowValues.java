package io.github.branchwise.spark;

import java.util.List;
import org.apache.spark.sql.Row;

/**
 * Reads a row's numeric column into floats, with errors naming the place: one number, Spark's array column (a Scala
 * sequence, or a Java list), or a Java primitive array as typed Datasets may carry.
 */
final class RowValues {
    private RowValues() {
    }

    /**
     * Copies {@code length} values of column {@code column} of {@code row} into {@code into} at {@code offset}.
     *
     * @throws IllegalArgumentException naming the model and {@code where} when the value is null, of another length,
     *                                  not numeric (a string, a struct, a boolean array) or not finite
     */
    static void read(Row row, int column, float[] into, int offset, int length, String model, String where) {
        if (row.isNullAt(column)) {
            throw new IllegalArgumentException(model + ": " + where + " is null");
        }
        Object value = row.get(column);
        if (value instanceof Number number) {
            if (length != 1) {
                throw new IllegalArgumentException(model + ": " + where + " holds one number, the shape needs "
                        + length + " values");
            }
            into[offset] = finite(number, model, where, 0);
            return;
        }
        if (value instanceof float[] floats) {
            requireLength(floats.length, length, model, where);
            for (int v = 0; v < length; v++) {
                into[offset + v] = finite(floats[v], model, where, v);
            }
            return;
        }
        if (value instanceof double[] doubles) {
            requireLength(doubles.length, length, model, where);
            for (int v = 0; v < length; v++) {
                into[offset + v] = finite(doubles[v], model, where, v);
            }
            return;
        }
        // A typed Dataset (Encoders.row, a bean) may hand over Java's primitive arrays instead of Spark's sequences:
        // int[], long[], short[], byte[] here, a boolean[] or char[] refused below as not numeric.
        if (value != null && value.getClass().isArray()) {
            int size = java.lang.reflect.Array.getLength(value);
            requireLength(size, length, model, where);
            for (int v = 0; v < length; v++) {
                into[offset + v] = number(java.lang.reflect.Array.get(value, v), model, where, v);
            }
            return;
        }
        List<?> list;
        if (value instanceof List<?> javaList) {
            list = javaList;
        } else if (value instanceof scala.collection.Seq<?>) {
            list = row.getList(column);
        } else {
            throw new IllegalArgumentException(model + ": " + where + " holds a "
                    + (value == null ? "null" : value.getClass().getName())
                    + ", not a number or an array of numbers");
        }
        requireLength(list.size(), length, model, where);
        for (int v = 0; v < length; v++) {
            into[offset + v] = number(list.get(v), model, where, v);
        }
    }

    private static void requireLength(int size, int length, String model, String where) {
        if (size != length) {
            throw new IllegalArgumentException(model + ": " + where + " holds " + size + " values, the shape needs "
                    + length);
        }
    }

    private static float number(Object element, String model, String where, int position) {
        if (!(element instanceof Number number)) {
            throw new IllegalArgumentException(model + ": " + where + " holds "
                    + (element == null ? "null" : element.getClass().getSimpleName()) + " at position " + position);
        }
        return finite(number, model, where, position);
    }

    /** A primitive value, unboxed (a boxed one would print the same: NaN, Infinity, 1.0E300). */
    private static float finite(double value, String model, String where, int position) {
        float f = (float) value;
        if (!Float.isFinite(f)) {
            throw new IllegalArgumentException(model + ": " + where + " holds " + value + " at position " + position);
        }
        return f;
    }

    private static float finite(Number number, String model, String where, int position) {
        float f = number.floatValue();
        if (!Float.isFinite(f)) {
            throw new IllegalArgumentException(model + ": " + where + " holds " + number + " at position " + position);
        }
        return f;
    }
}
