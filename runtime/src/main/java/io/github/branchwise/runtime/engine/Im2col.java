package io.github.branchwise.runtime.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The patches of an NHWC convolution input as the rows of a matrix, written in Java straight into a native
 * buffer: row {@code (n, oh, ow)}, column {@code (kh, kw, c)} holds
 * {@code x[n, oh·sH − pT + kh·dH, ow·sW − pL + kw·dW, c]}, or 0 in the padding. The column order is the
 * row-major order of a {@code [kH, kW, inC, outC]} kernel, so
 * {@code colsᵀ · grad} (grad as {@code [n·oH·oW, outC]}) is the kernel gradient in the kernel's own layout.
 *
 * <p>libnd4j's {@code im2col} writes NCHW patches ({@code [n, c, kH, kW, oH, oW]}) and took ≈ 2 ms on the seed
 * model's {@code [1024, 5, 5, 2]} input through a permuted output; this loop copies a run of {@code kW·inC}
 * contiguous values per kernel row and took ≈ 0.25 ms (2 cores, AVX-512, one thread).
 */
final class Im2col {
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
    }

    /** Identifies the patches of {@code input} under this geometry (a forward and a backward op share them). */
    String key(String input) {
        return input + "|" + batch + "x" + height + "x" + width + "x" + channels + "|" + kernelH + "x" + kernelW
                + "|" + strideH + "," + strideW + "|" + padTop + "," + padLeft + "|" + dilationH + "," + dilationW
                + "|" + outH + "x" + outW;
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
     * {@code cols} ({@code [rows, columns]}, c-contiguous, same type).
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
        if (x.dataType() == DataType.FLOAT) {
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
