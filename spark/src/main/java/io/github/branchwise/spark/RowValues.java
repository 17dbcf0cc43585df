package io.github.branchwise.spark;

import java.util.List;
import org.apache.spark.sql.Row;

/** Reads a row's numeric column (an array of numbers, or one number) into floats, with errors naming the place. */
final class RowValues {
    private RowValues() {
    }

    /**
     * Copies {@code length} values of column {@code column} of {@code row} into {@code into} at {@code offset}.
     *
     * @throws IllegalArgumentException naming the model and {@code where} when the value is null, of another length,
     *                                  not numeric or not finite
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
        List<Object> list = row.getList(column);
        if (list.size() != length) {
            throw new IllegalArgumentException(model + ": " + where + " holds " + list.size()
                    + " values, the shape needs " + length);
        }
        for (int v = 0; v < length; v++) {
            Object element = list.get(v);
            if (!(element instanceof Number number)) {
                throw new IllegalArgumentException(model + ": " + where + " holds "
                        + (element == null ? "null" : element.getClass().getSimpleName()) + " at position " + v);
            }
            into[offset + v] = finite(number, model, where, v);
        }
    }

    private static float finite(Number number, String model, String where, int position) {
        float f = number.floatValue();
        if (!Float.isFinite(f)) {
            throw new IllegalArgumentException(model + ": " + where + " holds " + number + " at position " + position);
        }
        return f;
    }
}
