package io.github.branchwise.runtime.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Times a plan's steps: where a plan's native time goes, for {@code Trainer.profileLastStep} and benchmarks. */
final class PlanProfiler {
    private PlanProfiler() {
    }

    /**
     * Runs every step {@code runs} times on the current values and returns each step's median time, one line per
     * step ({@code "<µs> µs  <step>"}), slowest first. Recomputes the same values.
     */
    static List<String> profile(Runnable[] steps, PlanStep[] info, int runs) {
        // Medians, not means: on a shared machine one preempted run of a 5 µs step otherwise reads as 200 µs.
        long[][] all = new long[steps.length][runs];
        for (int r = 0; r < runs; r++) {
            for (int i = 0; i < steps.length; i++) {
                long start = System.nanoTime();
                steps[i].run();
                all[i][r] = System.nanoTime() - start;
            }
        }
        long[] medians = new long[steps.length];
        for (int i = 0; i < steps.length; i++) {
            Arrays.sort(all[i]);
            medians[i] = all[i][runs / 2];
        }
        Integer[] byTime = new Integer[steps.length];
        for (int i = 0; i < byTime.length; i++) {
            byTime[i] = i;
        }
        Arrays.sort(byTime, (a, b) -> Long.compare(medians[b], medians[a]));
        List<String> lines = new ArrayList<>();
        for (int i : byTime) {
            lines.add(String.format(Locale.ROOT, "%9.1f µs  %s", medians[i] / 1e3, info[i].describe()));
        }
        return lines;
    }

    /** The median milliseconds of re-running every step (same values) {@code runs} times, after one untimed run. */
    static double medianMillis(Runnable[] steps, int runs) {
        double[] ms = new double[runs + 1];
        for (int r = 0; r <= runs; r++) {
            long start = System.nanoTime();
            for (Runnable step : steps) {
                step.run();
            }
            ms[r] = (System.nanoTime() - start) / 1e6;
        }
        double[] timed = Arrays.copyOfRange(ms, 1, ms.length);
        Arrays.sort(timed);
        return timed[runs / 2];
    }
}
