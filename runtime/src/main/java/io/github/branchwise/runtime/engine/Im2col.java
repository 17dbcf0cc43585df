package io.github.branchwise.runtime.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The patches of an NHWC convolution input as the rows of a matrix, written in Java straight into a native
 * buffer: row {@code (n, oh, ow)}, column {@code (kh, kw, c)} holds
 * {@code x[n, oh·sH − pT + kh·dH, ow·sW − pL + kw·dW, c]}, or 0 in the padding. The column order is the
 * row-major order of a {@code [kH, kW, inC, outC]} kernel, so
 * {@code colsᵀ · grad} (grad as {@code [n·oH·oW, outC]}) is the kernel gradient in the kernel's own layout.
 *
 * <p>Java rather than libnd4j's {@code im2col}: that op writes NCHW patches ({@code [n, c, kH, kW, oH, oW]}), which
 * an NHWC plan can only read through a permuted output, and it measured several times slower than this loop, which
 * copies a run of {@code kW·inC} contiguous values per kernel row (docs/performance.md, "Executors": the
 * {@code conv2d_bp} rewrite).
 */
final class Im2col {
    /** The largest patch matrix (values) the convolution rewrites allocate; larger convolutions keep their ops. */
    static final long MAX_PATCH_VALUES = 16L << 20;

    final int batch;
    final int height;
    final int width;
    final int channels;
    final int kernelH;
    final int kernelW;
    final int strideH;
    final int strideW;
    final int padTop;
    final int padLeft;
    final int dilationH;
    final int dilationW;
    final int outH;
    final int outW;
    /**
     * Whether the patches are written transposed, {@code [columns, rows]}: for a one-channel input with unit
     * horizontal stride and dilation, where a patch matrix row is a few values (25 for a 5x5 kernel) but a row of
     * the transposed matrix is a run of {@code outW} contiguous input values per output line. The row layout copies
     * one 5-value run per kernel row and output position, and that copy loop was 9 % of the MultiMNIST LeNet's
     * training step (docs/performance.md, "MultiMNIST LeNet against PyTorch"). The GEMMs read the transposed matrix
     * through their transposition flags ({@link #forwardTranspose}, {@link #kernelGradientTranspose}).
     */
    final boolean transposed;

    Im2col(int batch, int height, int width, int channels, int kernelH, int kernelW, int strideH, int strideW,
           int padTop, int padLeft, int dilationH, int dilationW, int outH, int outW) {
        this.batch = batch;
        this.height = height;
        this.width = width;
        this.channels = channels;
        this.kernelH = kernelH;
        this.kernelW = kernelW;
        this.strideH = strideH;
        this.strideW = strideW;
        this.padTop = padTop;
        this.padLeft = padLeft;
        this.dilationH = dilationH;
        this.dilationW = dilationW;
        this.outH = outH;
        this.outW = outW;
        this.transposed = channels == 1 && strideW == 1 && dilationW == 1 && PlanSwitch.PATCHES_T.enabled();
    }

    /**
     * The patch geometry of a {@code conv2d}/{@code conv2d_bp} with output {@code [n, oH, oW, outC]}, or null when
     * the rewrites do not handle it (not NHWC and YXIO, not FLOAT or DOUBLE, CAUSAL padding, a patch matrix over
     * {@link #MAX_PATCH_VALUES}).
     */
    static Im2col of(DynamicCustomOp op, INDArray x, INDArray w, INDArray b, long oH, long oW) {
        long[] ia = op.iArgs();
        DataType type = x.dataType();
        // iArgs: kH, kW, sH, sW, pH, pW, dH, dW, paddingMode (0 VALID, 1 SAME, 2 CAUSAL), dataFormat (1 NHWC),
        // weightFormat (0 YXIO).
        if (ia.length < 10 || ia[9] != 1 || (ia.length > 10 && ia[10] != 0) || (ia[8] != 0 && ia[8] != 1)
                || (type != DataType.FLOAT && type != DataType.DOUBLE) || w.dataType() != type
                || (b != null && (b.dataType() != type || b.rank() != 1)) || x.rank() != 4 || w.rank() != 4
                || !ArrayScan.contiguous(w)) {
            return null;
        }
        long channels = x.size(3);
        int kH = (int) w.size(0);
        int kW = (int) w.size(1);
        int sH = (int) ia[2];
        int sW = (int) ia[3];
        int dH = (int) ia[6];
        int dW = (int) ia[7];
        if ((ia[0] > 0 && ia[0] != kH) || (ia[1] > 0 && ia[1] != kW) || sH < 1 || sW < 1 || dH < 1 || dW < 1
                || w.size(2) != channels || (b != null && b.size(0) != w.size(3))) {
            return null;
        }
        int iH = (int) x.size(1);
        int iW = (int) x.size(2);
        // libnd4j's ConvolutionUtils::calcPadding2D for SAME; explicit padding for VALID.
        int pT = ia[8] == 1 ? (int) Math.max(0, ((oH - 1) * sH + (kH - 1) * dH + 1 - iH) / 2) : (int) ia[4];
        int pL = ia[8] == 1 ? (int) Math.max(0, ((oW - 1) * sW + (kW - 1) * dW + 1 - iW) / 2) : (int) ia[5];
        Im2col im2col = new Im2col((int) x.size(0), iH, iW, (int) channels, kH, kW, sH, sW, pT, pL, dH, dW,
                (int) oH, (int) oW);
        if (im2col.rows() * im2col.columns() > MAX_PATCH_VALUES || im2col.rows() > Integer.MAX_VALUE
                || x.length() > Integer.MAX_VALUE) {
            return null;
        }
        return im2col;
    }

    /** Identifies the patches of {@code input} under this geometry (a forward and a backward op share them). */
    String key(String input) {
        return input + "|" + batch + "x" + height + "x" + width + "x" + channels + "|" + kernelH + "x" + kernelW
                + "|" + strideH + "," + strideW + "|" + padTop + "," + padLeft + "|" + dilationH + "," + dilationW
                + "|" + outH + "x" + outW + (transposed ? "|T" : "");
    }

    /** A patch matrix of this geometry's layout: {@code [rows, columns]}, or {@code [columns, rows]} transposed. */
    INDArray create(DataType type) {
        return transposed ? Nd4j.create(type, columns(), rows()) : Nd4j.create(type, rows(), columns());
    }

    /** The convolution's forward GEMM {@code patches · W} for this layout. */
    MMulTranspose forwardTranspose() {
        return MMulTranspose.builder().transposeA(transposed).build();
    }

    /** The kernel gradient's GEMM {@code patchesᵀ · grad} for this layout. */
    MMulTranspose kernelGradientTranspose() {
        return MMulTranspose.builder().transposeA(!transposed).build();
    }

    /** Rows of the patch matrix: {@code batch · outH · outW}. */
    long rows() {
        return (long) batch * outH * outW;
    }

    /** Columns of the patch matrix: {@code kH · kW · inC}. */
    long columns() {
        return (long) kernelH * kernelW * channels;
    }

    /**
     * Writes the patches of {@code x} ({@code [batch, height, width, channels]}, c-contiguous, FLOAT or DOUBLE) into
     * {@code cols} ({@link #create}: {@code [rows, columns]}, or {@code [columns, rows]} when {@link #transposed};
     * c-contiguous, same type).
     */
    void apply(INDArray x, INDArray cols) {
        int xOffset = Math.toIntExact(x.offset());
        int colsOffset = Math.toIntExact(cols.offset());
        int size = x.dataType() == DataType.FLOAT ? Float.BYTES : Double.BYTES;
        ByteBuffer xb = buffer(x);
        ByteBuffer cb = buffer(cols);
        if (xb.capacity() / size < xOffset + x.length() || cb.capacity() / size < colsOffset + rows() * columns()) {
            throw new IllegalStateException("a direct buffer is shorter than its array");
        }
        if (transposed && x.dataType() == DataType.FLOAT) {
            transposedFloats(xb.asFloatBuffer(), xOffset, cb.asFloatBuffer(), colsOffset);
        } else if (transposed) {
            transposedDoubles(xb.asDoubleBuffer(), xOffset, cb.asDoubleBuffer(), colsOffset);
        } else if (x.dataType() == DataType.FLOAT) {
            floats(xb.asFloatBuffer(), xOffset, cb.asFloatBuffer(), colsOffset);
        } else {
            doubles(xb.asDoubleBuffer(), xOffset, cb.asDoubleBuffer(), colsOffset);
        }
    }

    private static ByteBuffer buffer(INDArray array) {
        ByteBuffer bytes = array.data().pointer().asByteBuffer();
        if (bytes == null) {
            throw new IllegalStateException("no direct buffer for an array of " + array.length() + " values");
        }
        return bytes.order(ByteOrder.nativeOrder());
    }

    /**
     * FLOAT: one image at a time through heap arrays (one bulk read of the image, one bulk write of its patch rows),
     * because a {@code FloatBuffer} copy per kernel row of {@code kW·inC} values (6 for the seed model) costs more
     * in call overhead than in copying.
     */
    private void floats(FloatBuffer x, int xOffset, FloatBuffer cols, int colsOffset) {
        int kc = kernelW * channels;
        int rowLength = kernelH * kc;
        int imageSize = height * width * channels;
        int patchesSize = outH * outW * rowLength;
        float[] image = new float[imageSize];
        float[] patches = new float[patchesSize];
        boolean denseRow = dilationW == 1;
        for (int n = 0; n < batch; n++) {
            x.get(xOffset + n * imageSize, image, 0, imageSize);
            int row = 0;
            for (int oh = 0; oh < outH; oh++) {
                int ih0 = oh * strideH - padTop;
                for (int ow = 0; ow < outW; ow++, row += rowLength) {
                    int iw0 = ow * strideW - padLeft;
                    boolean inW = denseRow && iw0 >= 0 && iw0 + kernelW <= width;
                    for (int kh = 0; kh < kernelH; kh++) {
                        int ih = ih0 + kh * dilationH;
                        int dst = row + kh * kc;
                        if (ih < 0 || ih >= height) {
                            java.util.Arrays.fill(patches, dst, dst + kc, 0f);
                            continue;
                        }
                        int line = ih * width * channels;
                        if (inW) {
                            System.arraycopy(image, line + iw0 * channels, patches, dst, kc);
                            continue;
                        }
                        for (int kw = 0; kw < kernelW; kw++) {
                            int iw = iw0 + kw * dilationW;
                            int d = dst + kw * channels;
                            if (iw < 0 || iw >= width) {
                                java.util.Arrays.fill(patches, d, d + channels, 0f);
                            } else {
                                System.arraycopy(image, line + iw * channels, patches, d, channels);
                            }
                        }
                    }
                }
            }
            cols.put(colsOffset + n * patchesSize, patches, 0, patchesSize);
        }
    }

    /**
     * The transposed layout for FLOAT: row {@code (kh, kw)} of the matrix holds, for every image and output line,
     * the {@code outW} input values under that kernel tap, a contiguous run of the input line (zeros where it
     * crosses the padding). Each matrix row is built in a heap array and written with one bulk copy.
     */
    private void transposedFloats(FloatBuffer x, int xOffset, FloatBuffer cols, int colsOffset) {
        int imageSize = height * width;
        float[] input = new float[batch * imageSize];
        x.get(xOffset, input, 0, input.length);
        int rows = batch * outH * outW;
        float[] row = new float[rows];
        for (int kh = 0; kh < kernelH; kh++) {
            for (int kw = 0; kw < kernelW; kw++) {
                int shift = kw - padLeft;
                // Output columns whose input column ow + shift lies inside the image.
                int from = Math.max(0, -shift);
                int to = Math.min(outW, width - shift);
                int dst = 0;
                for (int n = 0; n < batch; n++) {
                    for (int oh = 0; oh < outH; oh++, dst += outW) {
                        int ih = oh * strideH - padTop + kh * dilationH;
                        if (ih < 0 || ih >= height || from >= to) {
                            java.util.Arrays.fill(row, dst, dst + outW, 0f);
                            continue;
                        }
                        java.util.Arrays.fill(row, dst, dst + from, 0f);
                        System.arraycopy(input, n * imageSize + ih * width + from + shift, row, dst + from, to - from);
                        java.util.Arrays.fill(row, dst + to, dst + outW, 0f);
                    }
                }
                cols.put(colsOffset + (kh * kernelW + kw) * rows, row, 0, rows);
            }
        }
    }

    /** {@link #transposedFloats} for DOUBLE. */
    private void transposedDoubles(DoubleBuffer x, int xOffset, DoubleBuffer cols, int colsOffset) {
        int imageSize = height * width;
        double[] input = new double[batch * imageSize];
        x.get(xOffset, input, 0, input.length);
        int rows = batch * outH * outW;
        double[] row = new double[rows];
        for (int kh = 0; kh < kernelH; kh++) {
            for (int kw = 0; kw < kernelW; kw++) {
                int shift = kw - padLeft;
                int from = Math.max(0, -shift);
                int to = Math.min(outW, width - shift);
                int dst = 0;
                for (int n = 0; n < batch; n++) {
                    for (int oh = 0; oh < outH; oh++, dst += outW) {
                        int ih = oh * strideH - padTop + kh * dilationH;
                        if (ih < 0 || ih >= height || from >= to) {
                            java.util.Arrays.fill(row, dst, dst + outW, 0d);
                            continue;
                        }
                        java.util.Arrays.fill(row, dst, dst + from, 0d);
                        System.arraycopy(input, n * imageSize + ih * width + from + shift, row, dst + from, to - from);
                        java.util.Arrays.fill(row, dst + to, dst + outW, 0d);
                    }
                }
                cols.put(colsOffset + (kh * kernelW + kw) * rows, row, 0, rows);
            }
        }
    }

    private void doubles(DoubleBuffer x, int xOffset, DoubleBuffer cols, int colsOffset) {
        int kc = kernelW * channels;
        int row = colsOffset;
        int rowLength = kernelH * kc;
        boolean denseRow = dilationW == 1;
        for (int n = 0; n < batch; n++) {
            int image = xOffset + n * height * width * channels;
            for (int oh = 0; oh < outH; oh++) {
                int ih0 = oh * strideH - padTop;
                for (int ow = 0; ow < outW; ow++, row += rowLength) {
                    int iw0 = ow * strideW - padLeft;
                    boolean inW = denseRow && iw0 >= 0 && iw0 + kernelW <= width;
                    for (int kh = 0; kh < kernelH; kh++) {
                        int ih = ih0 + kh * dilationH;
                        int dst = row + kh * kc;
                        if (ih < 0 || ih >= height) {
                            for (int q = 0; q < kc; q++) {
                                cols.put(dst + q, 0d);
                            }
                            continue;
                        }
                        int line = image + ih * width * channels;
                        if (inW) {
                            cols.put(dst, x, line + iw0 * channels, kc);
                            continue;
                        }
                        for (int kw = 0; kw < kernelW; kw++) {
                            int iw = iw0 + kw * dilationW;
                            int d = dst + kw * channels;
                            if (iw < 0 || iw >= width) {
                                for (int q = 0; q < channels; q++) {
                                    cols.put(d + q, 0d);
                                }
                            } else {
                                cols.put(d, x, line + iw * channels, channels);
                            }
                        }
                    }
                }
            }
        }
    }
}
