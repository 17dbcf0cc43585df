package io.github.branchwise.runtime.training;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.internal.BranchSpec;
import io.github.branchwise.runtime.internal.InputSpec;
import io.github.branchwise.runtime.internal.ModelSpec;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads a CSV file with a header row into the arrays of a model's inputs and targets, for the generated
 * {@code XTrainingModel.csv(file, columns, batchSize)}; call that, not this. Parsing is Apache Commons CSV's
 * (quoting, escapes, blank lines); every value must be a number, and every mistake is reported with the file, the row
 * and the column's name before any array reaches the model.
 */
public final class CsvData {
    private static final CSVFormat FORMAT = CSVFormat.DEFAULT.builder()
            .setHeader()
            .setSkipHeaderRecord(true)
            .setIgnoreEmptyLines(true)
            .setTrim(true)
            .get();

    private CsvData() {
    }

    /** How the values of one array come out of a row. */
    private record Columns(String what, int[] indices, long[] exampleShape, int oneHotClasses) {
        int width() {
            return oneHotClasses > 0 ? oneHotClasses : indices.length;
        }
    }

    /**
     * The whole file as a data source of {@code spec}'s inputs and targets (double values; the trainer converts them
     * to the model's type), cut into shuffled mini-batches of {@code batchSize}.
     *
     * @throws IllegalArgumentException naming the file, row and column: a column that is missing, a value that is
     *                                  not a number, a class index out of range, too few or too many columns for an
     *                                  input or target, a name the model does not have, a file without rows
     * @throws IOException              when the file cannot be read
     */
    public static ArrayDataSource read(ModelSpec spec, Path file, CsvColumns columns, int batchSize)
            throws IOException {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(columns, "columns");
        List<String> inputNames = spec.inputs().stream().map(InputSpec::name).toList();
        List<String> branchNames = spec.branches().stream().map(BranchSpec::name).toList();
        for (String name : columns.explicitInputs().keySet()) {
            if (!inputNames.contains(name)) {
                throw new IllegalArgumentException(spec.modelName() + " has no input '" + name + "'; its inputs: "
                        + inputNames);
            }
        }
        for (String name : columns.explicitTargets().keySet()) {
            if (!branchNames.contains(name)) {
                throw new IllegalArgumentException(spec.modelName() + " has no branch '" + name + "'; its branches: "
                        + branchNames);
            }
        }
        try (Reader reader = Files.newBufferedReader(file); CSVParser parser = FORMAT.parse(reader)) {
            Map<String, Integer> header = parser.getHeaderMap();
            List<Columns> arrays = new ArrayList<>();
            for (InputSpec input : spec.inputs()) {
                arrays.add(columns(file, header, "input '" + input.name() + "'", columns.forInput(input.name()),
                        input.shape(), 0));
            }
            for (BranchSpec branch : spec.branches()) {
                long[] shape = branch.targetShape();
                List<String> names = columns.forTarget(branch.name());
                int classes = branch.loss() == Loss.CATEGORICAL_CROSSENTROPY && names.size() == 1
                        && shape.length == 1 && shape[0] > 1 ? Math.toIntExact(shape[0]) : 0;
                arrays.add(columns(file, header, "target of branch '" + branch.name() + "'", names,
                        classes > 0 ? new long[] {1} : shape, classes));
            }
            List<double[]> rows = new ArrayList<>();
            int width = arrays.stream().mapToInt(Columns::width).sum();
            for (CSVRecord record : parser) {
                if (record.size() != header.size()) {
                    throw new IllegalArgumentException(file + ": row " + record.getRecordNumber() + " has "
                            + record.size() + " values, the header " + header.size());
                }
                double[] row = new double[width];
                int at = 0;
                for (Columns array : arrays) {
                    at = fill(file, record, array, row, at);
                }
                rows.add(row);
            }
            if (rows.isEmpty()) {
                throw new IllegalArgumentException(file + " has a header but no rows");
            }
            INDArray[] inputs = new INDArray[spec.inputs().size()];
            INDArray[] targets = new INDArray[spec.branches().size()];
            int offset = 0;
            for (int a = 0; a < arrays.size(); a++) {
                Columns array = arrays.get(a);
                long[] targetShape = array.oneHotClasses() > 0 ? new long[] {array.oneHotClasses()}
                        : array.exampleShape();
                INDArray values = toArray(rows, offset, array.width(), targetShape);
                offset += array.width();
                if (a < inputs.length) {
                    inputs[a] = values;
                } else {
                    targets[a - inputs.length] = values;
                }
            }
            return DataSource.arrays(inputs, targets, batchSize);
        }
    }

    private static Columns columns(Path file, Map<String, Integer> header, String what, List<String> names,
                                   long[] exampleShape, int oneHotClasses) {
        long size = Arrays.stream(exampleShape).reduce(1, Math::multiplyExact);
        if (names.size() != size) {
            throw new IllegalArgumentException(what + " has " + size + " value(s) per example (shape "
                    + Arrays.toString(exampleShape) + ") but " + names.size() + " column(s) are given: " + names
                    + "; name them with CsvColumns");
        }
        int[] indices = new int[names.size()];
        for (int i = 0; i < indices.length; i++) {
            Integer index = header.get(names.get(i));
            if (index == null) {
                throw new IllegalArgumentException(file + " has no column '" + names.get(i) + "' for " + what
                        + "; its columns: " + header.keySet());
            }
            indices[i] = index;
        }
        return new Columns(what, indices, exampleShape, oneHotClasses);
    }

    private static int fill(Path file, CSVRecord record, Columns array, double[] row, int at) {
        if (array.oneHotClasses() > 0) {
            double index = number(file, record, array.indices()[0]);
            if (index != Math.rint(index) || index < 0 || index >= array.oneHotClasses()) {
                throw new IllegalArgumentException(file + ": row " + record.getRecordNumber() + ", column '"
                        + record.getParser().getHeaderNames().get(array.indices()[0]) + "': " + array.what()
                        + " takes a class index in [0, " + array.oneHotClasses() + "), got " + index);
            }
            row[at + (int) index] = 1;
            return at + array.oneHotClasses();
        }
        for (int index : array.indices()) {
            row[at++] = number(file, record, index);
        }
        return at;
    }

    private static double number(Path file, CSVRecord record, int column) {
        String value = record.get(column);
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + ": row " + record.getRecordNumber() + ", column '"
                    + record.getParser().getHeaderNames().get(column) + "': '" + value + "' is not a number", e);
        }
    }

    private static INDArray toArray(List<double[]> rows, int offset, int width, long[] exampleShape) {
        double[] values = new double[rows.size() * width];
        for (int r = 0; r < rows.size(); r++) {
            System.arraycopy(rows.get(r), offset, values, r * width, width);
        }
        long[] shape = new long[exampleShape.length + 1];
        shape[0] = rows.size();
        System.arraycopy(exampleShape, 0, shape, 1, exampleShape.length);
        return Nd4j.create(values, shape, 'c');
    }
}
