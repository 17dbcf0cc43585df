package io.github.branchwise.runtime.engine;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link Im2col} on the seed input ({@code [1024, 5, 5, 2]}, 3x3 VALID, FLOAT) against two variants of its FLOAT
 * loop, interleaved, medians: (b) a plain loop instead of {@code System.arraycopy} for the 6-value kernel rows,
 * (c) that plus one bulk read of the whole batch and one bulk write of all patches through arrays kept between
 * calls. Checks that all three write the same patches.
 *
 * <p>A runnable main in the runtime's test sources, next to the tests, for package-private access to the engine; see
 * docs/performance.md ("Probes") for how to run it:
 *
 * <pre>OMP_NUM_THREADS=1 java \
 *     -cp "runtime/target/test-classes:runtime/target/classes:$(cat runtime/target/probe-classpath.txt)" \
 *     io.github.branchwise.runtime.engine.Im2colProbe [reps]</pre>
 */
public final class Im2colProbe {
    private Im2colProbe() {
    }

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int n = 1024;
        Im2col im2col = new Im2col(n, 5, 5, 2, 3, 3, 1, 1, 0, 0, 1, 1, 3, 3);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, 5, 5, 2);
        INDArray a = Nd4j.create(DataType.FLOAT, im2col.rows(), im2col.columns());
        INDArray b = a.like();
        INDArray c = a.like();
        FloatBuffer xb = x.data().pointer().asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
        FloatBuffer bb = b.data().pointer().asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
        FloatBuffer cb = c.data().pointer().asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
        float[] wholeX = new float[(int) x.length()];
        float[] wholeCols = new float[(int) a.length()];
        long[] ta = new long[reps];
        long[] tb = new long[reps];
        long[] tc = new long[reps];
        for (int round = 0; round < 3; round++) {
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                im2col.apply(x, a);
                long t1 = System.nanoTime();
                variant(im2col, xb, bb, false, null, null);
                long t2 = System.nanoTime();
                variant(im2col, xb, cb, true, wholeX, wholeCols);
                long t3 = System.nanoTime();
                ta[r] = t1 - t0;
                tb[r] = t2 - t1;
                tc[r] = t3 - t2;
            }
        }
        System.out.printf("im2col seed 1024: current %.1f µs, loop for short runs %.1f µs, + whole batch %.1f µs"
                + " (equal: %b %b)%n", med(ta), med(tb), med(tc), a.equals(b), a.equals(c));
    }

    private static void variant(Im2col g, FloatBuffer x, FloatBuffer cols, boolean whole, float[] wx, float[] wc) {
        int kc = g.kernelW * g.channels;
        int rowLength = g.kernelH * kc;
        int imageSize = g.height * g.width * g.channels;
        int patchesSize = g.outH * g.outW * rowLength;
        float[] image = whole ? wx : new float[imageSize];
        float[] patches = whole ? wc : new float[patchesSize];
        if (whole) {
            x.get(0, wx, 0, g.batch * imageSize);
        }
        for (int n = 0; n < g.batch; n++) {
            int base = whole ? n * imageSize : 0;
            int out = whole ? n * patchesSize : 0;
            if (!whole) {
                x.get(n * imageSize, image, 0, imageSize);
            }
            int row = out;
            for (int oh = 0; oh < g.outH; oh++) {
                int ih0 = oh * g.strideH - g.padTop;
                for (int ow = 0; ow < g.outW; ow++, row += rowLength) {
                    int iw0 = ow * g.strideW - g.padLeft;
                    for (int kh = 0; kh < g.kernelH; kh++) {
                        int ih = ih0 + kh * g.dilationH;
                        int dst = row + kh * kc;
                        int src = base + ih * g.width * g.channels + iw0 * g.channels;
                        for (int q = 0; q < kc; q++) {
                            patches[dst + q] = image[src + q];
                        }
                    }
                }
            }
            if (!whole) {
                cols.put(n * patchesSize, patches, 0, patchesSize);
            }
        }
        if (whole) {
            cols.put(0, wc, 0, g.batch * patchesSize);
        }
    }

    private static double med(long[] t) {
        long[] s = t.clone();
        Arrays.sort(s);
        return s[s.length / 2] / 1e3;
    }
}
