package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.ParameterLayout;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.training.Trainer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/** Named parameters, freezing, per-group learning rates, NumPy import and the summary (issue 8). */
class ParametersTest {
    private static final List<String> SEED_NAMES = List.of("localization/conv2d_0/W", "localization/conv2d_0/b",
            "classification/dense_0/W", "classification/dense_0/b", "weighting/alpha");

    private static Trainer seed(TrainingOptions options) {
        return Trainer.create(TestModels.detector(), options);
    }

    private static Trainer seed() {
        return seed(TrainingOptions.builder().dataType(DataType.DOUBLE).build());
    }

    private static INDArray[] inputs(long seed) {
        return new INDArray[] {TestArrays.uniform(seed, 4, 5, 5, 2)};
    }

    private static INDArray[] targets() {
        return new INDArray[] {Nd4j.ones(DataType.DOUBLE, 4, 3, 3, 1), Nd4j.zeros(DataType.DOUBLE, 4, 2)};
    }

    @Test
    void namesAreStableAndOrdered() {
        assertEquals(SEED_NAMES, List.copyOf(seed().parameters().keySet()));
        assertThrows(UnsupportedOperationException.class, () -> seed().parameters().clear());
    }

    @Test
    void setParametersOfParametersIsTheIdentity() {
        Trainer trainer = seed();
        trainer.fit(inputs(1), targets());
        Map<String, INDArray> before = trainer.parameters();
        INDArray[] prediction = trainer.predictor().predict(inputs(2));
        trainer.setParameters(trainer.parameters());
        assertEquals(before, trainer.parameters());
        assertEquals(prediction[0], trainer.predictor().predict(inputs(2))[0]);
    }

    @Test
    void aBadNameOrShapeChangesNothing() {
        Trainer trainer = seed();
        Map<String, INDArray> before = trainer.parameters();
        Map<String, INDArray> update = new LinkedHashMap<>();
        update.put("localization/conv2d_0/b", Nd4j.ones(DataType.DOUBLE, 1));
        update.put("localization/conv2d_9/W", Nd4j.ones(DataType.DOUBLE, 1));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> trainer.setParameters(update));
        assertTrue(unknown.getMessage().contains("localization/conv2d_9/W"), unknown.getMessage());
        assertTrue(unknown.getMessage().contains("classification/dense_0/W"), "lists the known names");

        update.remove("localization/conv2d_9/W");
        update.put("classification/dense_0/W", Nd4j.ones(DataType.DOUBLE, 2, 50));
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> trainer.setParameters(update));
        assertTrue(shape.getMessage().contains("[50, 2]") && shape.getMessage().contains("[2, 50]"),
                shape.getMessage());
        assertThrows(IllegalArgumentException.class, () -> trainer.setParameter("localization/conv2d_0/b",
                Nd4j.createFromArray(new int[] {1})));
        assertThrows(IllegalArgumentException.class, () -> trainer.setParameter("localization/conv2d_0/b",
                Nd4j.createFromArray(new double[] {Double.NaN})));
        assertEquals(before, trainer.parameters(), "nothing changed");

        trainer.setParameter("localization/conv2d_0/b", Nd4j.createFromArray(new float[] {0.25f}));
        assertEquals(0.25, trainer.parameters().get("localization/conv2d_0/b").getDouble(0), 0.0);
    }

    @Test
    void setParameterValuesChecksLikeSetParameters() {
        // setParameterValues used to skip the finiteness (and type) check that setParameters documents; both now
        // write through ModelParameters' one validated path.
        Trainer trainer = seed();
        Map<String, INDArray> before = trainer.parameterValues();
        Map<String, INDArray> update = new LinkedHashMap<>();
        update.put("localization/conv2d_0/b", Nd4j.ones(DataType.DOUBLE, 1));
        update.put("classification/dense_0/b", Nd4j.createFromArray(new double[] {0.5, Double.NaN}));
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> trainer.setParameterValues(update));
        assertEquals("test.Detector: parameter 'classification/dense_0/b' holds NaN or infinite values",
                nan.getMessage());
        update.put("classification/dense_0/b", Nd4j.createFromArray(new double[] {0.5, Double.POSITIVE_INFINITY}));
        assertThrows(IllegalArgumentException.class, () -> trainer.setParameterValues(update));
        update.put("classification/dense_0/b", Nd4j.createFromArray(new int[] {1, 2}));
        IllegalArgumentException integers = assertThrows(IllegalArgumentException.class,
                () -> trainer.setParameterValues(update));
        assertTrue(integers.getMessage().contains("floating-point"), integers.getMessage());
        assertEquals(before, trainer.parameterValues(), "all or nothing: the valid first value was not written");

        update.put("classification/dense_0/b", Nd4j.createFromArray(new float[] {0.5f, -0.5f}));
        trainer.setParameterValues(update);
        assertArrayEquals(new double[] {0.5, -0.5},
                trainer.parameterValues().get("classification/dense_0/b").toDoubleVector(), 0.0);
        assertEquals(DataType.DOUBLE, trainer.parameterValues().get("classification/dense_0/b").dataType(),
                "converted to the model's type");
    }

    @Test
    void aFrozenBranchStaysBitIdenticalWhileTheOthersMove() {
        Trainer trainer = seed();
        trainer.freeze("localization");
        Map<String, INDArray> before = trainer.parameters();
        for (int i = 0; i < 3; i++) {
            trainer.fit(inputs(i), targets());
        }
        Map<String, INDArray> after = trainer.parameters();
        assertEquals(before.get("localization/conv2d_0/W"), after.get("localization/conv2d_0/W"));
        assertEquals(before.get("localization/conv2d_0/b"), after.get("localization/conv2d_0/b"));
        assertNotEquals(before.get("classification/dense_0/W"), after.get("classification/dense_0/W"));
        assertNotEquals(before.get("weighting/alpha"), after.get("weighting/alpha"));

        trainer.unfreeze("localization");
        trainer.fit(inputs(9), targets());
        assertNotEquals(after.get("localization/conv2d_0/W"), trainer.parameters().get("localization/conv2d_0/W"));
        assertThrows(IllegalArgumentException.class, () -> trainer.freeze("nope"));
    }

    @Test
    void trainableWithAlphaFrozenEqualsFixed() {
        Trainer trainable = seed(TrainingOptions.builder().dataType(DataType.DOUBLE).build());
        trainable.freeze("weighting");
        Trainer fixed = Trainer.create(TestModels.detector(WeightingSpec.fixed(0.5, 0.5)),
                TrainingOptions.builder().dataType(DataType.DOUBLE).build());
        for (int i = 0; i < 3; i++) {
            Losses a = trainable.fit(inputs(i), targets());
            Losses b = fixed.fit(inputs(i), targets());
            assertEquals(b.total(), a.total(), 1e-15);
        }
        assertEquals(fixed.parameters().get("classification/dense_0/W"),
                trainable.parameters().get("classification/dense_0/W"));
    }

    @Test
    void perGroupLearningRatesGiveTheHandWorkedUpdate() {
        // Seed data: zero inputs, all-one targets. As in SeedTrainingTest, ∂total/∂b₁ = α·(σ(0) - 1) = -0.25 and
        // ∂total/∂b₂ⱼ = (1 - α)·(σ(0) - 1)/2 = -0.125; each group moves by -lr·gradient with its own lr.
        Trainer trainer = seed(TrainingOptions.builder().dataType(DataType.DOUBLE).updater(new Sgd(0.01))
                .groupUpdater("localization", new Sgd(0.1)).groupUpdater("classification", new Sgd(1.0)).build());
        trainer.fit(new INDArray[] {Nd4j.zeros(DataType.DOUBLE, 7, 5, 5, 2)},
                new INDArray[] {Nd4j.ones(DataType.DOUBLE, 7, 3, 3, 1), Nd4j.ones(DataType.DOUBLE, 7, 2)});
        Map<String, INDArray> p = trainer.parameters();
        assertEquals(0.1 * 0.25, p.get("localization/conv2d_0/b").getDouble(0), 1e-12);
        assertArrayEquals(new double[] {0.125, 0.125}, p.get("classification/dense_0/b").toDoubleVector(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> seed(TrainingOptions.builder()
                .groupUpdater("localisation", new Sgd(1)).build()), "a misspelt group is an error");
    }

    @Test
    void perGroupUpdatersSurviveSaveAndLoad(@TempDir Path dir) throws IOException {
        TrainingOptions options = TrainingOptions.builder().dataType(DataType.DOUBLE).updater(new Sgd(0.01))
                .groupUpdater("classification", new Sgd(0.5)).build();
        Trainer trainer = seed(options);
        trainer.freeze("localization");
        trainer.fit(inputs(1), targets());
        Path file = dir.resolve("model.bw");
        trainer.save(file);
        Trainer loaded = Trainer.load(TestModels.detector(), file);
        assertEquals(trainer.frozenParameters(), loaded.frozenParameters());
        Losses a = trainer.fit(inputs(2), targets());
        Losses b = loaded.fit(inputs(2), targets());
        assertEquals(a.total(), b.total(), 0.0);
        assertEquals(trainer.parameters(), loaded.parameters());
    }

    @Test
    void npzInKerasLayoutGivesTheIndependentlyComputedPredictions(@TempDir Path dir) throws IOException {
        Random random = new Random(4);
        double[][][][] kernel = new double[3][3][2][1];  // Keras Conv2D kernel [kH, kW, in, out]
        double[][] dense = new double[50][2];             // Keras Dense kernel [in, out]
        for (double[][][] a : kernel) {
            for (double[][] b : a) {
                for (double[] c : b) {
                    c[0] = random.nextGaussian() * 0.3;
                }
            }
        }
        for (double[] row : dense) {
            row[0] = random.nextGaussian() * 0.2;
            row[1] = random.nextGaussian() * 0.2;
        }
        double convBias = 0.1;
        double[] denseBias = {-0.2, 0.3};
        Path npz = dir.resolve("weights.npz");
        Map<String, Object[]> entries = new LinkedHashMap<>();
        entries.put("localization/conv2d_0/W", new Object[] {flatten4(kernel), new long[] {3, 3, 2, 1}});
        entries.put("localization/conv2d_0/b", new Object[] {new double[] {convBias}, new long[] {1}});
        entries.put("classification/dense_0/W", new Object[] {flatten2(dense), new long[] {50, 2}});
        entries.put("classification/dense_0/b", new Object[] {denseBias, new long[] {2}});
        writeNpz(npz, entries);

        Trainer trainer = seed();
        trainer.importNumpy(npz, ParameterLayout.KERAS);

        double[][][][] image = new double[2][5][5][2];
        for (double[][][] a : image) {
            for (double[][] b : a) {
                for (double[] c : b) {
                    c[0] = random.nextDouble();
                    c[1] = random.nextDouble();
                }
            }
        }
        INDArray[] out = trainer.predictor().predict(new INDArray[] {Nd4j.createFromArray(image)});
        for (int n = 0; n < 2; n++) {
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    double z = convBias;
                    for (int di = 0; di < 3; di++) {
                        for (int dj = 0; dj < 3; dj++) {
                            for (int c = 0; c < 2; c++) {
                                z += image[n][i + di][j + dj][c] * kernel[di][dj][c][0];
                            }
                        }
                    }
                    assertEquals(sigmoid(z), out[0].getDouble(n, i, j, 0), 1e-12);
                }
            }
            for (int k = 0; k < 2; k++) {
                double z = denseBias[k];
                int f = 0;
                for (int i = 0; i < 5; i++) {
                    for (int j = 0; j < 5; j++) {
                        for (int c = 0; c < 2; c++) {
                            z += image[n][i][j][c] * dense[f++][k];  // Keras flattens NHWC row-major
                        }
                    }
                }
                assertEquals(sigmoid(z), out[1].getDouble(n, k), 1e-12);
            }
        }
    }

    @Test
    void pytorchLayoutIsTransposed() {
        INDArray linear = Nd4j.createFromArray(new double[][] {{1, 2, 3}, {4, 5, 6}});  // [out, in]
        assertArrayEquals(new long[] {3, 2}, ParameterLayout.PYTORCH.toBranchwise(linear).shape());
        assertEquals(4.0, ParameterLayout.PYTORCH.toBranchwise(linear).getDouble(0, 1), 0.0);
        INDArray conv = Nd4j.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5);  // [out, in, kH, kW]
        INDArray hwio = ParameterLayout.PYTORCH.toBranchwise(conv);
        assertArrayEquals(new long[] {4, 5, 3, 2}, hwio.shape());
        assertEquals(conv.getDouble(1, 2, 3, 4), hwio.getDouble(3, 4, 2, 1), 0.0);
    }

    @Test
    void summaryListsTheSeedModelsParameterCounts() {
        Trainer trainer = seed();
        trainer.freeze("localization");
        String summary = trainer.summary();
        assertTrue(summary.contains("conv2d_0") && summary.matches("(?s).*conv2d_0.*\\b19 \\(frozen\\).*"), summary);
        assertTrue(summary.matches("(?s).*dense_0.*\\b102\\b.*"), summary);
        assertTrue(summary.matches("(?s).*weighting.*TRAINABLE.*\\b1\\b.*"), summary);
        assertTrue(summary.contains("Total params: 122"), summary);
        assertTrue(summary.contains("Trainable params: 103"), summary);
        assertTrue(summary.contains("Frozen params: 19"), summary);
        assertTrue(summary.contains("[batch, 3, 3, 1]") && summary.contains("[batch, 50]"), summary);
        assertTrue(summary.contains("loss BINARY_CROSSENTROPY"), summary);
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    private static double[] flatten4(double[][][][] a) {
        return java.util.Arrays.stream(a).flatMap(java.util.Arrays::stream).flatMap(java.util.Arrays::stream)
                .flatMapToDouble(java.util.Arrays::stream).toArray();
    }

    private static double[] flatten2(double[][] a) {
        return java.util.Arrays.stream(a).flatMapToDouble(java.util.Arrays::stream).toArray();
    }

    /** Writes an .npz as NumPy's {@code savez} does: a zip of version-1.0 .npy files, '<f8', C order. */
    private static void writeNpz(Path file, Map<String, Object[]> entries) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            for (Map.Entry<String, Object[]> e : entries.entrySet()) {
                double[] values = (double[]) e.getValue()[0];
                long[] shape = (long[]) e.getValue()[1];
                StringBuilder dims = new StringBuilder();
                for (long d : shape) {
                    dims.append(d).append(", ");
                }
                String dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + dims.toString().trim() + "), }";
                int total = 10 + dict.length() + 1;
                int pad = (64 - total % 64) % 64;
                String header = dict + " ".repeat(pad) + "\n";
                ByteArrayOutputStream npy = new ByteArrayOutputStream();
                npy.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
                npy.write(header.length() & 0xff);
                npy.write(header.length() >> 8);
                npy.write(header.getBytes(StandardCharsets.ISO_8859_1));
                ByteBuffer data = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
                for (double v : values) {
                    data.putDouble(v);
                }
                npy.write(data.array());
                zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
                zip.write(npy.toByteArray());
                zip.closeEntry();
            }
        }
    }
}
