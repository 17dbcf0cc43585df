package io.github.branchwise.runtime.training;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The decisions of a fitting's automatic native thread choice, kept apart from the clock and from ND4J so that they
 * can be tested with made-up step times: the fitting asks which thread count the next step runs with, applies it,
 * times the step (the batch and the whole training step, metrics included: what the user waits for) and reports
 * the time here.
 *
 * <ol>
 *   <li><em>Warm-up</em>: the first {@value #WARM_UP_STEPS} steps run with one thread (they build the plan and warm
 *       the JIT; one thread is the safe guess for small models and on a busy machine) and are not compared.</li>
 *   <li><em>Busy machine</em>: when other processes kept so many cores busy during the warm-up that fewer than
 *       {@value #FREE_CORES_FOR_TRIAL} cores were left (the fitting reports it through {@link #othersBusy}, from the
 *       system's and the process's CPU use), one thread is chosen without a trial: a parallel region would wait for a
 *       core another process holds, and a single every-core step then costs tens to hundreds of milliseconds.</li>
 *   <li><em>Trial</em>: the next steps alternate between one thread and every core, in pairs whose order alternates
 *       (1, all, then all, 1, ...), so drifting speed (the JIT, other processes) hits both alike. After each pair the
 *       medians are compared: one thread is chosen at once when every core was at least {@value #OBVIOUS} times
 *       slower (a busy core stalls every parallel region: waiting longer costs more than it can tell); either side is
 *       chosen after {@value #CLEAR_PAIRS} pairs when it is {@value #CLEAR} times faster; otherwise after
 *       {@value #MAX_PAIRS} pairs every core only when its median is below {@value #PREFER_ONE} times one thread's
 *       (a tie goes to one thread, which leaves the other cores to the JVM and to other processes). The trial's steps
 *       are real training steps: deciding costs only the steps run at the slower setting.</li>
 *   <li><em>Chosen</em>: with every core chosen, every {@value #WINDOW} steps the median step of the window is
 *       compared with every core's median in the trial; when it is more than {@value #OUTDATED} times slower (the
 *       machine got busier, and a parallel region waits for a core another process holds) the trial runs again. With
 *       one thread chosen nothing is re-checked: a busier machine slows one thread too and every core more, so a new
 *       trial would only spend steps on the slower setting (measured on a machine at load 5–10: the re-trials it made
 *       spent 0.4–0.7 s of 7–11 s fits on single every-core steps of 17–390 ms). A choice of one thread made while the machine was busy stays when it
 *       quiets down, for this fitting.</li>
 * </ol>
 *
 * <p>A fit that ends during the trial decides from the pairs it has ({@link #finish}). Not thread-safe.
 */
final class ThreadChoice {
    /** Steps before the trial, with one thread. */
    static final int WARM_UP_STEPS = 3;
    /** The most pairs of trial steps. */
    static final int MAX_PAIRS = 8;
    /** Pairs after which a ratio of {@link #CLEAR} decides. */
    static final int CLEAR_PAIRS = 3;
    /** A ratio of medians that decides after {@link #CLEAR_PAIRS} pairs. */
    static final double CLEAR = 1.5;
    /** How much slower every core must be for one pair to decide for one thread. */
    static final double OBVIOUS = 4.0;
    /** Every core is kept, at the end of a full trial, only below this fraction of one thread's median. */
    static final double PREFER_ONE = 0.95;
    /** Cores that must be left free by other processes (ours counts as one) for the trial to run. */
    static final double FREE_CORES_FOR_TRIAL = 1.5;
    /** Steps per check of the chosen setting. */
    static final int WINDOW = 50;
    /** A window's median step this many times the chosen median makes the trial run again. */
    static final double OUTDATED = 1.5;

    /** What a step's time led to. */
    enum Event {
        /** Nothing new. */
        NONE,
        /** The trial has chosen: {@link #chosen()} and the medians are set. */
        CHOSEN,
        /** The chosen setting got clearly slower: the trial starts again. */
        OUTDATED
    }

    private final int cores;
    private int warmUpLeft = WARM_UP_STEPS;
    private boolean inTrial;
    private int trialSteps;
    private final List<Double> one = new ArrayList<>();
    private final List<Double> all = new ArrayList<>();
    private int chosen;
    private double chosenMillis = Double.NaN;
    private double oneMillis = Double.NaN;
    private double allMillis = Double.NaN;
    private double othersBusy = Double.NaN;
    private final double[] window = new double[WINDOW];
    private int inWindow;

    /** A choice between one thread and {@code cores} (at least 2). */
    ThreadChoice(int cores) {
        if (cores < 2) {
            throw new IllegalArgumentException("nothing to choose with " + cores + " core(s)");
        }
        this.cores = cores;
    }

    /** The thread count the next step should run with. */
    int threadsForNextStep() {
        if (!inTrial) {
            return chosen == 0 ? 1 : chosen;
        }
        boolean oneFirst = (trialSteps / 2) % 2 == 0;
        boolean first = trialSteps % 2 == 0;
        return first == oneFirst ? 1 : cores;
    }

    /**
     * The last step, run with {@link #threadsForNextStep()} as it was before this call, took {@code millis}.
     */
    Event stepTook(double millis) {
        if (warmUpLeft > 0) {
            if (--warmUpLeft == 0) {
                inTrial = true;
            }
            return Event.NONE;
        }
        if (inTrial) {
            (threadsForNextStep() == 1 ? one : all).add(millis);
            trialSteps++;
            return trialSteps % 2 == 0 && decides() ? choose() : Event.NONE;
        }
        if (chosen == 1) {
            // Slower with one thread means a busier machine, which makes every core slower still: trying them costs
            // steps (hundreds of ms each when another process holds a core) and cannot win.
            return Event.NONE;
        }
        window[inWindow++] = millis;
        if (inWindow < WINDOW) {
            return Event.NONE;
        }
        inWindow = 0;
        if (median(window) > OUTDATED * chosenMillis) {
            startTrial();
            return Event.OUTDATED;
        }
        return Event.NONE;
    }

    /**
     * Other processes kept {@code busyCores} cores busy (on average) during the warm-up that just ended; NaN when
     * unknown. Before the trial's first step, when fewer than {@value #FREE_CORES_FOR_TRIAL} cores were left, chooses
     * one thread without a trial ({@link Event#CHOSEN}, {@link #chosenByOthersBusy()} set); otherwise changes nothing.
     */
    Event othersBusy(double busyCores) {
        if (!inTrial || trialSteps != 0 || Double.isNaN(busyCores) || cores - busyCores >= FREE_CORES_FOR_TRIAL) {
            return Event.NONE;
        }
        othersBusy = busyCores;
        oneMillis = Double.NaN;
        allMillis = Double.NaN;
        chosen = 1;
        chosenMillis = Double.NaN;
        inTrial = false;
        inWindow = 0;
        return Event.CHOSEN;
    }

    /**
     * The cores other processes kept busy when that alone chose one thread ({@link #othersBusy}); NaN when the last
     * choice came from a trial.
     */
    double chosenByOthersBusy() {
        return othersBusy;
    }

    /**
     * A fit ends: a trial with at least one pair decides from what it has ({@link Event#CHOSEN}); otherwise nothing
     * changes and the next fit goes on where this one stopped.
     */
    Event finish() {
        return inTrial && trialSteps >= 2 ? choose() : Event.NONE;
    }

    private boolean decides() {
        int pairs = trialSteps / 2;
        double ratio = median(all) / median(one);
        return ratio >= OBVIOUS
                || pairs >= CLEAR_PAIRS && (ratio >= CLEAR || ratio <= 1 / CLEAR)
                || pairs >= MAX_PAIRS;
    }

    private Event choose() {
        othersBusy = Double.NaN;
        oneMillis = median(one);
        allMillis = median(all);
        chosen = allMillis < PREFER_ONE * oneMillis ? cores : 1;
        chosenMillis = chosen == 1 ? oneMillis : allMillis;
        inTrial = false;
        inWindow = 0;
        return Event.CHOSEN;
    }

    private void startTrial() {
        inTrial = true;
        trialSteps = 0;
        one.clear();
        all.clear();
    }

    /** The chosen thread count, 0 before the first choice. */
    int chosen() {
        return chosen;
    }

    /** Whether the warm-up steps are not all done yet. */
    boolean warmingUp() {
        return warmUpLeft > 0;
    }

    /** Whether steps are being compared now. */
    boolean inTrial() {
        return inTrial;
    }

    /** The median step with the chosen count in the last trial, NaN before a choice. */
    double chosenMillis() {
        return chosenMillis;
    }

    /** The median step with one thread in the last trial, NaN before a choice. */
    double oneMillis() {
        return oneMillis;
    }

    /** The median step with every core in the last trial, NaN before a choice. */
    double allMillis() {
        return allMillis;
    }

    /** Steps of each setting in the last trial. */
    int trialPairs() {
        return Math.min(one.size(), all.size());
    }

    /** The cores every-core steps use. */
    int cores() {
        return cores;
    }

    private static double median(List<Double> values) {
        return median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
