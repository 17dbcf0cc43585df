package io.github.branchwise.runtime.training;

import java.io.FilterOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Prints training progress: a bar per epoch, plain lines, or nothing. */
final class ProgressReporter implements AutoCloseable {
    private final Progress mode;
    private final PrintStream out;
    private final List<String> branches;
    private ProgressBar bar;
    private long epochStart;

    ProgressReporter(Progress requested, PrintStream out, List<String> branches) {
        Progress resolved = requested;
        if (resolved == Progress.AUTO) {
            resolved = System.console() != null ? Progress.BAR : Progress.LINES;
        }
        this.mode = resolved;
        this.out = out;
        this.branches = branches;
    }

    Progress mode() {
        return mode;
    }

    void startEpoch(long epoch, long epochs, long batches, long done) {
        epochStart = System.nanoTime();
        if (mode == Progress.BAR) {
            // The bar must not close the caller's stream when it closes.
            PrintStream unclosable = new PrintStream(new FilterOutputStream(out) {
                @Override
                public void close() {
                    ProgressReporter.this.out.flush();
                }
            }, true, StandardCharsets.UTF_8);
            bar = new ProgressBarBuilder().setTaskName("epoch " + (epoch + 1) + "/" + epochs)
                    .setInitialMax(batches).setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250)
                    .setConsumer(new ConsoleProgressBarConsumer(unclosable)).build();
            if (done > 0) {
                bar.stepTo(done);
            }
        }
    }

    void step(Map<String, Double> row) {
        if (bar != null) {
            StringBuilder message = new StringBuilder();
            for (String branch : branches) {
                // Compact: the bar shares one terminal line with the message.
                message.append(branch).append(' ').append(compact(row.get(branch + "_loss")));
                Double weight = row.get(branch + "_weight");
                if (weight != null) {
                    message.append(" w").append(compact(weight));
                }
                message.append("  ");
            }
            bar.setExtraMessage(message.toString().trim());
            bar.step();
        }
    }

    void endEpoch(long epoch, long epochs, Map<String, Double> row) {
        String summary = summary(row);
        if (bar != null) {
            bar.close();
            bar = null;
            out.println("  " + summary);
        } else if (mode == Progress.LINES) {
            out.printf(Locale.ROOT, "epoch %d/%d  %s  (%.1f s)%n", epoch + 1, epochs, summary,
                    (System.nanoTime() - epochStart) / 1e9);
        }
        out.flush();
    }

    void message(String line) {
        if (mode != Progress.SILENT) {
            closeBar();
            out.println(line);
            out.flush();
        }
    }

    private static String summary(Map<String, Double> row) {
        StringBuilder text = new StringBuilder();
        for (Map.Entry<String, Double> entry : row.entrySet()) {
            String key = entry.getKey();
            if (key.equals("epoch") || key.equals("steps")) {
                continue;
            }
            if (text.length() > 0) {
                text.append("  ");
            }
            text.append(key).append(' ').append(format(entry.getValue()));
        }
        return text.toString();
    }

    private static String format(Double value) {
        if (value == null) {
            return "-";
        }
        double v = value;
        if (v != 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5)) {
            return String.format(Locale.ROOT, "%.3e", v);
        }
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static String compact(Double value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.3g", value);
    }

    private void closeBar() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }

    @Override
    public void close() {
        closeBar();
    }

    /** An output stream that discards everything, for tests. */
    static PrintStream nowhere() {
        return new PrintStream(OutputStream.nullOutputStream());
    }
}
