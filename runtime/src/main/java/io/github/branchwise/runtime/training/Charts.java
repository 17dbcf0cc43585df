package io.github.branchwise.runtime.training;

import java.awt.BasicStroke;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Draws a {@link History} with XChart, headless. */
final class Charts {
    private Charts() {
    }

    static byte[] losses(History history, int width, int height) throws IOException {
        XYChart chart = chart("Branch losses", "loss", width, height);
        double[] steps = oneBased(history.stepValues("step"));
        boolean any = false;
        for (String branch : history.branches()) {
            String column = branch + "_loss";
            if (history.stepColumns().contains(column) && steps.length > 0) {
                XYSeries series = chart.addSeries(branch + " (train)", steps, history.stepValues(column));
                series.setMarker(SeriesMarkers.NONE);
                series.setLineWidth(1f);
                any = true;
            }
        }
        if (history.epochColumns().contains("steps")) {
            double[] epochEnds = history.epochValues("steps");
            for (String branch : history.branches()) {
                String column = "val_" + branch + "_loss";
                if (history.epochColumns().contains(column) && epochEnds.length > 0) {
                    XYSeries series = chart.addSeries(branch + " (validation)", epochEnds,
                            history.epochValues(column));
                    series.setMarker(SeriesMarkers.CIRCLE);
                    series.setLineStyle(new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 10f,
                            new float[] {6f, 4f}, 0f));
                    any = true;
                }
            }
        }
        return encode(chart, any);
    }

    static byte[] weights(History history, int width, int height) throws IOException {
        XYChart chart = chart("Branch loss weights", "weight", width, height);
        double[] steps = oneBased(history.stepValues("step"));
        boolean any = false;
        for (String branch : history.branches()) {
            String column = branch + "_weight";
            if (history.stepColumns().contains(column) && steps.length > 0) {
                XYSeries series = chart.addSeries(branch, steps, history.stepValues(column));
                series.setMarker(SeriesMarkers.NONE);
                series.setLineWidth(2f);
                any = true;
            }
        }
        return encode(chart, any);
    }

    private static XYChart chart(String title, String yTitle, int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("chart size must be positive, got " + width + "x" + height);
        }
        if (System.getProperty("java.awt.headless") == null) {
            // Charts are drawn off screen: never ask for a display (CI, servers).
            System.setProperty("java.awt.headless", "true");
        }
        XYChart chart = new XYChartBuilder().width(width).height(height).title(title).xAxisTitle("step")
                .yAxisTitle(yTitle).build();
        chart.getStyler().setToolTipsEnabled(false);
        chart.getStyler().setXAxisDecimalPattern("#");
        chart.getStyler().setXAxisTickMarkSpacingHint(90);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        return chart;
    }

    private static double[] oneBased(double[] steps) {
        double[] x = new double[steps.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = steps[i] + 1;
        }
        return x;
    }

    private static byte[] encode(XYChart chart, boolean any) throws IOException {
        if (!any) {
            List<Double> zero = new ArrayList<>(List.of(0.0));
            chart.addSeries("no data", zero, zero).setMarker(SeriesMarkers.NONE);
        }
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }
}
