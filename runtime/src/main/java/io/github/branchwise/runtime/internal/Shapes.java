package io.github.branchwise.runtime.internal;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Small helpers for shapes in messages and checks. */
public final class Shapes {
    private Shapes() {
    }

    public static long[] checkExampleShape(String what, long[] shape) {
        if (shape == null) {
            throw new NullPointerException(what + ": shape");
        }
        for (long d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException(what + ": every dimension must be positive, got " + format(shape));
            }
        }
        return shape.clone();
    }

    public static String format(long[] shape) {
        return Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(", ", "[", "]"));
    }

    /** {@code [batch, d1, d2...]} for messages about whole arrays. */
    public static String formatBatch(long[] exampleShape) {
        return Arrays.stream(exampleShape).mapToObj(Long::toString)
                .collect(Collectors.joining(", ", "[batch" + (exampleShape.length == 0 ? "" : ", "), "]"));
    }

    public static long size(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public static long[] withBatch(long batch, long[] exampleShape) {
        long[] s = new long[exampleShape.length + 1];
        s[0] = batch;
        System.arraycopy(exampleShape, 0, s, 1, exampleShape.length);
        return s;
    }
}
