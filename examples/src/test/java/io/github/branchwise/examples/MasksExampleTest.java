package io.github.branchwise.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The segmentation example's masks are what it says, and a short run of its model segments and classifies held-out
 * images in inference mode, with batch-norm statistics that training moved and saving restores. The scores here are
 * computed from the raw arrays, not with the example's own scoring code.
 */
class MasksExampleTest {
    private static final int SIZE = Masks.SIZE;

    @Test
    void masksAreTheFilledSquareTheDiscOrTheCrossItself() {
        for (int kind = 0; kind < 3; kind++) {
            for (int radius = 2; radius <= 4; radius++) {
                // Centres in the middle and touching the border, where the outside is smallest.
                for (int[] centre : new int[][] {{8, 7}, {radius, radius}, {SIZE - 1 - radius, radius}}) {
                    boolean[] mask = MasksExample.enclosed(MasksExample.outline(kind, radius, centre[0], centre[1]));
                    for (int y = 0; y < SIZE; y++) {
                        for (int x = 0; x < SIZE; x++) {
                            int dy = y - centre[0];
                            int dx = x - centre[1];
                            boolean expected = switch (kind) {
                                case 0 -> Math.max(Math.abs(dy), Math.abs(dx)) <= radius;
                                case 1 -> (dy == 0 && Math.abs(dx) <= radius) || (dx == 0 && Math.abs(dy) <= radius);
                                default -> Math.sqrt(dy * dy + dx * dx) < radius + 0.5;
                            };
                            assertEquals(expected, mask[y * SIZE + x], "kind " + kind + ", radius " + radius
                                    + ", centre " + centre[0] + "," + centre[1] + ", pixel " + y + "," + x);
                        }
                    }
                }
            }
        }
    }

    @Test
    void dataHoldOneKindPerImageAndAMaskOverItsOutline() {
        INDArray[] data = MasksExample.makeData(300, 1);
        assertArrayEquals(new long[] {300, SIZE, SIZE, 1}, data[0].shape());
        assertArrayEquals(new long[] {300, SIZE, SIZE, 1}, data[1].shape());
        assertArrayEquals(new long[] {300, 3}, data[2].shape());
        float[][] images = MasksExample.rows(data[0]);
        float[][] masks = MasksExample.rows(data[1]);
        float[][] kinds = MasksExample.rows(data[2]);
        for (int i = 0; i < 300; i++) {
            assertEquals(1f, kinds[i][0] + kinds[i][1] + kinds[i][2], "one-hot " + i);
            int in = 0;
            for (int p = 0; p < SIZE * SIZE; p++) {
                assertTrue(masks[i][p] == 0f || masks[i][p] == 1f);
                in += (int) masks[i][p];
                // The noise (σ = 0.15) never lifts a background pixel to 0.9: such a pixel is on the outline.
                assertTrue(images[i][p] < 0.9f || masks[i][p] == 1f, "image " + i + ", pixel " + p);
            }
            assertTrue(in >= 9, "image " + i + ": " + in + " mask pixels, fewer than a cross of radius 2");
        }
    }

    @Test
    void aShortRunSegmentsAndClassifiesInInferenceModeAndSavesItsLayerState(@TempDir Path dir) throws IOException {
        INDArray[] all = MasksExample.makeData(1000, 3);
        INDArray[] train = slice(all, 0, 900);
        INDArray[] validation = slice(all, 900, 1000);
        MasksTrainingModel model = MasksExample.train(train, validation, 3, false);
        Map<String, INDArray> initial = MasksTrainingModel.create().parameters();

        MasksPrediction prediction = model.predictionModel().predict(validation[0]);
        float[] maps = prediction.mask().dup('c').data().asFloat();
        float[] masks = validation[1].dup('c').data().asFloat();
        float[] images = validation[0].dup('c').data().asFloat();
        long right = 0;
        long background = 0;
        long thresholdRight = 0;
        for (int p = 0; p < masks.length; p++) {
            right += (maps[p] >= 0.5f) == (masks[p] == 1f) ? 1 : 0;
            background += masks[p] == 0f ? 1 : 0;
            thresholdRight += (images[p] >= 0.5f) == (masks[p] == 1f) ? 1 : 0;
        }
        double accuracy = (double) right / masks.length;
        double allBackground = (double) background / masks.length;
        double threshold = (double) thresholdRight / masks.length;
        // Answering "background" everywhere is right for most pixels (87% here); the model must at least halve its
        // errors, and beat the image thresholded at 0.5, which finds the outlines but not what they enclose.
        assertTrue(accuracy > 1 - (1 - allBackground) / 2,
                "mask pixel accuracy " + accuracy + ", all background " + allBackground);
        assertTrue(accuracy > threshold, "mask pixel accuracy " + accuracy + ", thresholded image " + threshold);
        int kindsRight = 0;
        for (int i = 0; i < 100; i++) {
            double[] p = prediction.example(i).kind();
            int best = p[0] >= p[1] && p[0] >= p[2] ? 0 : p[1] >= p[2] ? 1 : 2;
            kindsRight += validation[2].getDouble(i, best) == 1 ? 1 : 0;
        }
        double kindAccuracy = kindsRight / 100.0;
        assertTrue(kindAccuracy > 0.8, "kind accuracy " + kindAccuracy + ", chance 1/3");

        // Dropout and batch statistics are training-only: predicting again gives the same outputs, bit for bit.
        MasksPrediction again = model.predictionModel().predict(validation[0]);
        assertArrayEquals(maps, again.mask().dup('c').data().asFloat());
        assertArrayEquals(prediction.kind().dup('c').data().asFloat(), again.kind().dup('c').data().asFloat());

        Map<String, INDArray> trained = model.parameters();
        int statistics = 0;
        for (Map.Entry<String, INDArray> entry : trained.entrySet()) {
            String name = entry.getKey();
            if (name.endsWith("/moving_mean") || name.endsWith("/moving_variance")) {
                statistics++;
                assertEquals(name.endsWith("/moving_mean") ? 0.0 : 1.0, initial.get(name).minNumber().doubleValue());
                assertEquals(name.endsWith("/moving_mean") ? 0.0 : 1.0, initial.get(name).maxNumber().doubleValue());
                assertFalse(entry.getValue().equalsWithEps(initial.get(name), 1e-3), name + " moved in training");
            }
        }
        assertEquals(2 * 6, statistics, "six batch norms, two statistics each");

        Path file = dir.resolve("masks.bw");
        model.save(file);
        MasksTrainingModel loaded = MasksTrainingModel.load(file);
        Map<String, INDArray> restored = loaded.parameters();
        assertEquals(trained.keySet(), restored.keySet());
        for (Map.Entry<String, INDArray> entry : trained.entrySet()) {
            assertArrayEquals(entry.getValue().dup('c').data().asFloat(),
                    restored.get(entry.getKey()).dup('c').data().asFloat(), entry.getKey());
        }
        assertArrayEquals(maps, loaded.predictionModel().predict(validation[0]).mask().dup('c').data().asFloat());

        // The restored statistics are the ones inference uses: put back at 0 and 1, the masks change.
        Map<String, INDArray> reset = new LinkedHashMap<>();
        trained.keySet().stream().filter(name -> name.contains("/moving_"))
                .forEach(name -> reset.put(name, initial.get(name)));
        loaded.setParameters(reset);
        float[] resetMaps = loaded.predictionModel().predict(validation[0]).mask().dup('c').data().asFloat();
        double largest = 0;
        for (int p = 0; p < maps.length; p++) {
            largest = Math.max(largest, Math.abs(resetMaps[p] - maps[p]));
        }
        assertTrue(largest > 0.1, "largest change of a mask pixel " + largest);
    }

    private static INDArray[] slice(INDArray[] data, int from, int to) {
        INDArray[] out = new INDArray[data.length];
        for (int j = 0; j < data.length; j++) {
            out[j] = data[j].get(NDArrayIndex.interval(from, to)).dup('c');
        }
        return out;
    }
}
