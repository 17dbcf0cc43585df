package io.github.branchwise.runtime.training;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * What a training run recorded: one row per optimisation step and one row per epoch, as Keras' {@code History}
 * with one curve per branch, plus the branch weights.
 *
 * <p>Epochs are numbered from 1, everywhere (this {@code epoch} column, the progress, {@code Fitting.bestEpoch},
 * {@code FitConfig.epochs}); steps and batches are indices from 0, as in Keras.
 *
 * <p>Step columns: {@code step} (global index from 0), {@code epoch} (its number), {@code batch} (index within the epoch),
 * {@code examples}, {@code lr}, {@code total}, then per branch {@code <branch>_loss}, {@code <branch>_weight} (after
 * the step) and {@code <branch>_<metric>} (of that batch, before the update), then per gate of the model and per
 * expert it mixes {@code <gate>_<group>_<k>}, the expert's gate weight averaged over the batch ({@link GateWeights}).
 *
 * <p>Epoch columns: {@code epoch} (its number, from 1), {@code steps} (steps taken when the epoch ended), {@code lr}, {@code total},
 * per branch {@code <branch>_loss}, {@code <branch>_weight} (at the epoch's end), {@code <branch>_<metric>}, the gate
 * columns {@code <gate>_<group>_<k>} (training only: validation does not record them), then with validation data {@code val_total}, {@code val_<branch>_loss} and {@code val_<branch>_<metric>}. Training
 * values of an epoch are example-weighted means over its steps; metrics add up their {@link Tally}s.
 *
 * <p>A missing value (a column added by a later run, say) is NaN, and an empty cell in CSV.
 */
public final class History {
    private static final Set<String> INTEGER_COLUMNS = Set.of("step", "epoch", "batch", "examples", "steps");
    private static final int SERIAL_VERSION = 1;

    private final List<String> branches;
    private final List<String> stepColumns = new ArrayList<>();
    private final List<String> epochColumns = new ArrayList<>();
    private final List<double[]> stepRows = new ArrayList<>();
    private final List<double[]> epochRows = new ArrayList<>();

    History(List<String> branches) {
        this.branches = List.copyOf(branches);
    }

    /** The branch names, in declaration order. */
    public List<String> branches() {
        return branches;
    }

    /** The step columns, in order. */
    public synchronized List<String> stepColumns() {
        return List.copyOf(stepColumns);
    }

    /** The epoch columns, in order. */
    public synchronized List<String> epochColumns() {
        return List.copyOf(epochColumns);
    }

    /** The number of steps recorded. */
    public synchronized int stepCount() {
        return stepRows.size();
    }

    /** The number of epochs recorded. */
    public synchronized int epochCount() {
        return epochRows.size();
    }

    /** One value per step of a step column, e.g. {@code stepValues("localization_loss")}. */
    public synchronized double[] stepValues(String column) {
        return values(stepColumns, stepRows, column);
    }

    /** One value per epoch of an epoch column, e.g. {@code epochValues("val_total")}, as Keras' history[key]. */
    public synchronized double[] epochValues(String column) {
        return values(epochColumns, epochRows, column);
    }

    /**
     * The row of the {@code index}-th epoch recorded (from 0: epoch number {@code index + 1} of a run that started
     * from scratch), column name to value, in column order.
     */
    public synchronized Map<String, Double> epoch(int index) {
        return row(epochColumns, epochRows.get(index));
    }

    /** The row of step {@code index} (of those recorded), column name to value, in column order. */
    public synchronized Map<String, Double> step(int index) {
        return row(stepColumns, stepRows.get(index));
    }

    /**
     * Every epoch's row read by {@code reader}, in order: what a generated {@code <Model>History.epochs()} returns,
     * with {@code <Model>Epoch::of} as the reader.
     *
     * @param reader turns a row (column name to value) into its typed form
     * @param <T> the typed row
     * @return a read-only list, one element per epoch
     */
    public synchronized <T> List<T> epochs(Function<? super Map<String, Double>, ? extends T> reader) {
        return read(epochColumns, epochRows, reader);
    }

    /**
     * Every step's row read by {@code reader}, in order: what a generated {@code <Model>History.stepLosses()} and
     * its siblings return.
     *
     * @param reader turns a row (column name to value) into its typed form
     * @param <T> the typed row
     * @return a read-only list, one element per step
     */
    public synchronized <T> List<T> steps(Function<? super Map<String, Double>, ? extends T> reader) {
        return read(stepColumns, stepRows, reader);
    }

    private <T> List<T> read(List<String> columns, List<double[]> rows,
            Function<? super Map<String, Double>, ? extends T> reader) {
        Objects.requireNonNull(reader, "reader");
        List<T> typed = new ArrayList<>(rows.size());
        for (double[] row : rows) {
            typed.add(reader.apply(row(columns, row)));
        }
        return Collections.unmodifiableList(typed);
    }

    /** The last epoch's row, or an empty map. */
    public synchronized Map<String, Double> lastEpoch() {
        return epochRows.isEmpty() ? Map.of() : epoch(epochRows.size() - 1);
    }

    /** Writes the epoch table as CSV with a header line; one call. */
    public void writeCsv(Path file) throws IOException {
        writeAtomically(file, csv(epochColumns(), epochRowsCopy()));
    }

    /** Writes the step table as CSV with a header line; one call. */
    public void writeStepsCsv(Path file) throws IOException {
        writeAtomically(file, csv(stepColumns(), stepRowsCopy()));
    }

    /**
     * Draws the branch losses over the steps (training, each step) and at each epoch's end (validation, when there
     * is some) as a PNG image of 800 x 500 pixels.
     */
    public void plotLosses(Path png) throws IOException {
        plotLosses(png, 800, 500);
    }

    /** Like {@link #plotLosses(Path)}, of the given size in pixels. */
    public void plotLosses(Path png, int width, int height) throws IOException {
        writeAtomically(png, Charts.losses(this, width, height));
    }

    /** Draws each branch's weight over the steps as a PNG image of 800 x 500 pixels. */
    public void plotWeights(Path png) throws IOException {
        plotWeights(png, 800, 500);
    }

    /** Like {@link #plotWeights(Path)}, of the given size in pixels. */
    public void plotWeights(Path png, int width, int height) throws IOException {
        writeAtomically(png, Charts.weights(this, width, height));
    }

    // ---- recording (package-private: the training loop writes, users read) ----

    synchronized void addStep(Map<String, Double> values) {
        stepRows.add(toRow(stepColumns, stepRows, values));
    }

    synchronized void addEpoch(Map<String, Double> values) {
        epochRows.add(toRow(epochColumns, epochRows, values));
    }

    synchronized List<double[]> stepRowsCopy() {
        return stepRows.stream().map(double[]::clone).toList();
    }

    synchronized List<double[]> epochRowsCopy() {
        return epochRows.stream().map(double[]::clone).toList();
    }

    /** Adds the columns a row has and the table lacks (earlier rows get NaN), then returns the row in order. */
    private static double[] toRow(List<String> columns, List<double[]> rows, Map<String, Double> values) {
        for (String key : values.keySet()) {
            if (!columns.contains(key)) {
                columns.add(key);
                for (int i = 0; i < rows.size(); i++) {
                    double[] longer = Arrays.copyOf(rows.get(i), columns.size());
                    longer[columns.size() - 1] = Double.NaN;
                    rows.set(i, longer);
                }
            }
        }
        double[] row = new double[columns.size()];
        for (int i = 0; i < row.length; i++) {
            Double v = values.get(columns.get(i));
            row[i] = v == null ? Double.NaN : v;
        }
        return row;
    }

    private static double[] values(List<String> columns, List<double[]> rows, String column) {
        int index = columns.indexOf(Objects.requireNonNull(column, "column"));
        if (index < 0) {
            throw new IllegalArgumentException("no column '" + column + "'; the columns are " + columns);
        }
        double[] out = new double[rows.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = rows.get(i)[index];
        }
        return out;
    }

    private static Map<String, Double> row(List<String> columns, double[] row) {
        Map<String, Double> map = new LinkedHashMap<>();
        for (int i = 0; i < columns.size(); i++) {
            map.put(columns.get(i), row[i]);
        }
        return Collections.unmodifiableMap(map);
    }

    private static byte[] csv(List<String> columns, List<double[]> rows) throws IOException {
        StringWriter out = new StringWriter();
        CSVFormat format = CSVFormat.DEFAULT.builder().setHeader(columns.toArray(String[]::new))
                .setRecordSeparator('\n').get();
        try (CSVPrinter printer = new CSVPrinter(out, format)) {
            for (double[] row : rows) {
                List<String> cells = new ArrayList<>(row.length);
                for (int i = 0; i < row.length; i++) {
                    cells.add(format(columns.get(i), row[i]));
                }
                printer.printRecord(cells);
            }
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String format(String column, double value) {
        if (Double.isNaN(value)) {
            return "";
        }
        if (INTEGER_COLUMNS.contains(column) && value == Math.rint(value)) {
            return Long.toString((long) value);
        }
        return Double.toString(value);
    }

    private static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Path target = file.toAbsolutePath();
        Files.createDirectories(target.getParent());
        Path temp = Files.createTempFile(target.getParent(), ".branchwise-tmp-", ".part");
        try {
            Files.write(temp, bytes);
            Files.move(temp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    // ---- exact binary form, kept in checkpoints ----

    synchronized byte[] toBytes(boolean withSteps) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(SERIAL_VERSION);
            writeStrings(out, branches);
            writeTable(out, stepColumns, withSteps ? stepRows : List.of());
            writeTable(out, epochColumns, epochRows);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static History fromBytes(byte[] data) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
        int version = in.readInt();
        if (version != SERIAL_VERSION) {
            throw new IOException("history format " + version + " is not supported");
        }
        History history = new History(readStrings(in));
        readTable(in, history.stepColumns, history.stepRows);
        readTable(in, history.epochColumns, history.epochRows);
        return history;
    }

    private static void writeStrings(DataOutputStream out, List<String> strings) throws IOException {
        out.writeInt(strings.size());
        for (String s : strings) {
            out.writeUTF(s);
        }
    }

    private static List<String> readStrings(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new IOException("invalid count " + n);
        }
        List<String> strings = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            strings.add(in.readUTF());
        }
        return strings;
    }

    private static void writeTable(DataOutputStream out, List<String> columns, List<double[]> rows)
            throws IOException {
        writeStrings(out, columns);
        out.writeInt(rows.size());
        for (double[] row : rows) {
            for (double v : row) {
                out.writeDouble(v);
            }
        }
    }

    private static void readTable(DataInputStream in, List<String> columns, List<double[]> rows) throws IOException {
        columns.addAll(readStrings(in));
        int n = in.readInt();
        if (n < 0 || (long) n * columns.size() * Double.BYTES > in.available()) {
            throw new IOException("invalid row count " + n);
        }
        for (int r = 0; r < n; r++) {
            double[] row = new double[columns.size()];
            for (int i = 0; i < row.length; i++) {
                row[i] = in.readDouble();
            }
            rows.add(row);
        }
    }

    @Override
    public synchronized String toString() {
        return "History[" + stepRows.size() + " steps, " + epochRows.size() + " epochs, columns " + epochColumns
                + "]";
    }
}
