package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class Im2colTest {
    @AfterEach
    void switchesBackOn() {
        PlanSwitch.disable();
    }

    /**
     * Both layouts against the definition, entry by entry: patch row {@code (n, oh, ow)}, column {@code (kh, kw, c)}
     * holds {@code x[n, oh·sH − pT + kh·dH, ow·sW − pL + kw·dW, c]}, 0 outside the image. One-channel inputs with
     * unit horizontal stride and dilation are written transposed unless the switch is off.
     */
    @ParameterizedTest
    @CsvSource({
        // batch, h, w, c, kH, kW, sH, sW, pT, pL, dH, dW
        "3, 28, 28, 1, 5, 5, 1, 1, 0, 0, 1, 1",
        "2, 7, 6, 1, 3, 3, 1, 1, 1, 1, 1, 1",
        "2, 6, 5, 1, 3, 4, 2, 1, 2, 3, 2, 1",
        "1, 4, 3, 1, 2, 5, 1, 1, 0, 2, 1, 1",
        "2, 5, 5, 2, 3, 3, 1, 1, 1, 1, 1, 1",
        "2, 6, 6, 1, 3, 3, 1, 2, 1, 1, 1, 1",
    })
    void patchesFollowTheDefinitionInBothLayouts(int batch, int h, int w, int c, int kH, int kW, int sH, int sW,
                                                int pT, int pL, int dH, int dW) {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (boolean allowTransposed : new boolean[] {true, false}) {
                PlanSwitch.disable(allowTransposed ? new PlanSwitch[0] : new PlanSwitch[] {PlanSwitch.PATCHES_T});
                int oH = (h + 2 * pT - dH * (kH - 1) - 1) / sH + 1;
                int oW = (w + 2 * pL - dW * (kW - 1) - 1) / sW + 1;
                Im2col im2col = new Im2col(batch, h, w, c, kH, kW, sH, sW, pT, pL, dH, dW, oH, oW);
                boolean expectTransposed = allowTransposed && c == 1 && sW == 1 && dW == 1;
                assertEquals(expectTransposed, im2col.transposed);
                INDArray x = Nd4j.rand(type, batch, h, w, c).addi(0.5);
                INDArray cols = im2col.create(type);
                // Garbage first: every entry, padding included, must be written.
                cols.assign(Double.NaN);
                im2col.apply(x, cols);
                INDArray rows = expectTransposed ? cols.transpose() : cols;
                assertEquals(im2col.rows(), rows.size(0));
                assertEquals(im2col.columns(), rows.size(1));
                for (int n = 0; n < batch; n++) {
                    for (int oh = 0; oh < oH; oh++) {
                        for (int ow = 0; ow < oW; ow++) {
                            long row = ((long) n * oH + oh) * oW + ow;
                            for (int kh = 0; kh < kH; kh++) {
                                for (int kw = 0; kw < kW; kw++) {
                                    for (int ch = 0; ch < c; ch++) {
                                        int ih = oh * sH - pT + kh * dH;
                                        int iw = ow * sW - pL + kw * dW;
                                        double expected = ih < 0 || ih >= h || iw < 0 || iw >= w ? 0
                                                : x.getDouble(n, ih, iw, ch);
                                        long column = ((long) kh * kW + kw) * c + ch;
                                        assertEquals(expected, rows.getDouble(row, column), 0, type + " transposed="
                                                + expectTransposed + " row " + row + " column " + column);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"true", "false"})
    void theLayoutIsPartOfTheSharingKey(boolean allowTransposed) {
        PlanSwitch.disable(allowTransposed ? new PlanSwitch[0] : new PlanSwitch[] {PlanSwitch.PATCHES_T});
        Im2col im2col = new Im2col(2, 8, 8, 1, 3, 3, 1, 1, 0, 0, 1, 1, 6, 6);
        assertEquals(allowTransposed, im2col.key("x").endsWith("|T"));
        assertEquals(allowTransposed, im2col.forwardTranspose().isTransposeA());
        assertEquals(!allowTransposed, im2col.kernelGradientTranspose().isTransposeA());
        assertTrue(im2col.create(DataType.FLOAT).size(0) == (allowTransposed ? 9 : 72));
        assertFalse(new Im2col(2, 8, 8, 3, 3, 3, 1, 1, 0, 0, 1, 1, 6, 6).transposed, "three channels");
    }
}
