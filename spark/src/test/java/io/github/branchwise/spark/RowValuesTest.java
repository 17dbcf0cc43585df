package io.github.branchwise.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

/**
 * The forms a numeric column takes in a row, read without a Spark job: Spark's own arrays arrive as Scala sequences
 * (see {@code SparkTrainerTest}), typed Datasets may keep Java's arrays and lists, and anything else is refused with
 * the place named, never a {@code ClassCastException}.
 */
class RowValuesTest {
    private static float[] read(Object value, int length) {
        float[] into = new float[length + 1];
        RowValues.read(RowFactory.create("id", value), 1, into, 1, length, "m.Model", "row 7, column 'x'");
        return into;
    }

    @Test
    void everyNumericFormReadsTheSameValues() {
        float[] expected = {0, 1.5f, -2, 3};
        assertArrayEquals(expected, read(new float[] {1.5f, -2, 3}, 3));
        assertArrayEquals(expected, read(new double[] {1.5, -2, 3}, 3));
        assertArrayEquals(new float[] {0, 1, -2, 3}, read(new int[] {1, -2, 3}, 3));
        assertArrayEquals(new float[] {0, 1, -2, 3}, read(new long[] {1, -2, 3}, 3));
        assertArrayEquals(new float[] {0, 1, -2, 3}, read(new byte[] {1, -2, 3}, 3));
        assertArrayEquals(expected, read(List.of(1.5, -2, 3L), 3));
        assertArrayEquals(expected, read(new Float[] {1.5f, -2f, 3f}, 3));
        assertArrayEquals(new float[] {0, 4}, read(4.0, 1));
    }

    @Test
    void aWrongLengthNamesTheColumnAndBothSizes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> read(new float[] {1, 2}, 3));
        assertEquals("m.Model: row 7, column 'x' holds 2 values, the shape needs 3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> read(new int[] {1, 2, 3, 4}, 3));
        assertEquals("m.Model: row 7, column 'x' holds 4 values, the shape needs 3", e.getMessage());
    }

    @Test
    void valuesThatAreNotFiniteNumbersAreRefusedWithTheirPosition() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> read(new float[] {1, Float.NaN, 3}, 3));
        assertEquals("m.Model: row 7, column 'x' holds NaN at position 1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> read(new double[] {1, 2, 1e300}, 3));
        assertEquals("m.Model: row 7, column 'x' holds 1.0E300 at position 2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> read(new boolean[] {true, false}, 2));
        assertEquals("m.Model: row 7, column 'x' holds Boolean at position 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> read(java.util.Arrays.asList(1.0, null), 2));
        assertEquals("m.Model: row 7, column 'x' holds null at position 1", e.getMessage());
    }

    @Test
    void aColumnOfAnotherKindIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> read("1, 2, 3", 3));
        assertEquals("m.Model: row 7, column 'x' holds a java.lang.String, not a number or an array of numbers",
                e.getMessage());
        Row nested = RowFactory.create(1.0f);
        e = assertThrows(IllegalArgumentException.class, () -> read(nested, 1));
        assertEquals(true, e.getMessage().endsWith("not a number or an array of numbers"), e.getMessage());
    }
}
