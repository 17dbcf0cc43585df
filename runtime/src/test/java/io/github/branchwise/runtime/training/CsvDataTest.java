package io.github.branchwise.runtime.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A CSV file read into a model's inputs and targets by column name, every mistake named by row and column. */
class CsvDataTest {
    /** A three-value input and a one-value input; a regression, a categorical and a sparse categorical branch. */
    private static final ModelSpec SPEC = ModelSpec.builder("test.Houses")
            .input("features", 3)
            .input("age", 1)
            .branch("price", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
            .branch("kind", new long[] {3}, Loss.CATEGORICAL_CROSSENTROPY, 1.0)
            .branch("grade", new long[] {4}, Loss.SPARSE_CATEGORICAL_CROSSENTROPY, 1.0)
            .weighting(WeightingSpec.fixed(1.0, 1.0, 1.0))
            .graph(scope -> {
                SDVariable x = scope.sameDiff().concat(1, scope.input("features"), scope.input("age"));
                scope.output("price", scope.layers("price").dense(x, 1, Activation.IDENTITY));
                scope.output("kind", scope.layers("kind").dense(x, 3, Activation.SOFTMAX));
                scope.output("grade", scope.layers("grade").dense(x, 4, Activation.SOFTMAX));
            })
            .build();
    private static final CsvColumns COLUMNS = CsvColumns.byName().input("features", "rooms", "area", "floor");

    private static Path write(Path dir, String... lines) throws Exception {
        return Files.write(dir.resolve("houses.csv"), List.of(lines));
    }

    @Test
    void columnsBecomeTheModelsArraysByName(@TempDir Path dir) throws Exception {
        Path file = write(dir,
                "area,rooms,floor,age,price,kind,grade,comment",
                "80,3,1,12,250.5,2,0,\"near, the park\"",
                "",
                "120,5,0,3,410,0,3,new");
        ArrayDataSource data = CsvData.read(SPEC, file, COLUMNS, 8).shuffle(false);
        assertEquals(2, data.examples());
        Batch batch = data.batches(new DataSource.EpochContext(0, 1, SPEC)).next();
        INDArray[] x = batch.inputs();
        INDArray[] y = batch.targets();
        assertArrayEquals(new long[] {2, 3}, x[0].shape());
        assertArrayEquals(new double[] {3, 80, 1}, x[0].getRow(0).toDoubleVector(), "CsvColumns' order, not the file's");
        assertArrayEquals(new double[] {12, 3}, x[1].reshape(2).toDoubleVector());
        assertArrayEquals(new double[] {250.5, 410}, y[0].reshape(2).toDoubleVector());
        assertArrayEquals(new double[] {0, 0, 1, 1, 0, 0}, y[1].reshape(6).toDoubleVector(), "a class index, one-hot");
        assertArrayEquals(new long[] {2}, y[2].shape(), "sparse targets are [batch]");
        assertArrayEquals(new double[] {0, 3}, y[2].toDoubleVector());

        Fitting fitting = Fitting.of(Trainer.create(SPEC, TrainingOptions.defaults()));
        fitting.fit(data, FitConfig.builder().epochs(1).silent().build());
        assertEquals(1, fitting.trainer().iteration(), "the model trains on it");
    }

    @Test
    void mistakesAreNamedByFileRowAndColumn(@TempDir Path dir) throws Exception {
        String header = "area,rooms,floor,age,price,kind,grade";
        Path notANumber = write(dir, header, "80,3,1,12,250,2,0", "90,three,1,12,250,2,0");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CsvData.read(SPEC, notANumber, COLUMNS, 8));
        assertTrue(e.getMessage().contains("houses.csv: row 2, column 'rooms': 'three' is not a number"),
                e.getMessage());

        Path badClass = write(dir, header, "80,3,1,12,250,3,0");
        e = assertThrows(IllegalArgumentException.class, () -> CsvData.read(SPEC, badClass, COLUMNS, 8));
        assertTrue(e.getMessage().contains("row 1, column 'kind': target of branch 'kind' takes a class index in "
                + "[0, 3), got 3.0"), e.getMessage());

        Path missing = write(dir, "area,rooms,floor,age,prcie,kind,grade", "80,3,1,12,250,2,0");
        e = assertThrows(IllegalArgumentException.class, () -> CsvData.read(SPEC, missing, COLUMNS, 8));
        assertTrue(e.getMessage().contains("has no column 'price' for target of branch 'price'"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> CsvData.read(SPEC, missing, CsvColumns.byName(), 8));
        assertTrue(e.getMessage().contains("input 'features' has 3 value(s) per example (shape [3]) but 1 column(s)"),
                e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> CsvData.read(SPEC, missing,
                COLUMNS.target("prise", "prcie"), 8));
        assertTrue(e.getMessage().contains("test.Houses has no branch 'prise'"), e.getMessage());

        Path ragged = write(dir, header, "80,3,1,12,250,2");
        e = assertThrows(IllegalArgumentException.class, () -> CsvData.read(SPEC, ragged, COLUMNS, 8));
        assertTrue(e.getMessage().contains("row 1 has 6 values, the header 7"), e.getMessage());

        Path empty = write(dir, header);
        e = assertThrows(IllegalArgumentException.class, () -> CsvData.read(SPEC, empty, COLUMNS, 8));
        assertTrue(e.getMessage().contains("has a header but no rows"), e.getMessage());
    }
}
