package io.github.branchwise.runtime.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.runtime.training.ThreadChoice.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;

/** The automatic thread choice's decisions, fed with made-up step times: nothing here is timed. */
class ThreadChoiceTest {
    private static final int CORES = 4;

    /** Runs steps whose time depends on the thread count they run with, until an event other than NONE. */
    private static Event runUntilEvent(ThreadChoice choice, IntToDoubleFunction millis, List<Integer> threadsSeen,
                                       int maxSteps) {
        for (int i = 0; i < maxSteps; i++) {
            int threads = choice.threadsForNextStep();
            threadsSeen.add(threads);
            Event event = choice.stepTook(millis.applyAsDouble(threads));
            if (event != Event.NONE) {
                return event;
            }
        }
        return Event.NONE;
    }

    private static ThreadChoice warmedUp(List<Integer> threadsSeen) {
        ThreadChoice choice = new ThreadChoice(CORES);
        for (int i = 0; i < ThreadChoice.WARM_UP_STEPS; i++) {
            threadsSeen.add(choice.threadsForNextStep());
            assertEquals(Event.NONE, choice.stepTook(100.0), "warm-up steps are not compared");
        }
        return choice;
    }

    @Test
    void warmsUpWithOneThreadThenAlternatesInPairsOfAlternatingOrder() {
        List<Integer> seen = new ArrayList<>();
        ThreadChoice choice = warmedUp(seen);
        assertEquals(List.of(1, 1, 1), seen);
        assertTrue(choice.inTrial());
        assertEquals(0, choice.chosen());
        // Equal times: no early decision, the full trial runs.
        Event event = runUntilEvent(choice, threads -> 2.0, seen, 100);
        assertEquals(Event.CHOSEN, event);
        assertEquals(List.of(1, 1, 1, 1, CORES, CORES, 1, 1, CORES, CORES, 1, 1, CORES, CORES, 1, 1, CORES, CORES, 1),
                seen);
        assertEquals(ThreadChoice.MAX_PAIRS, choice.trialPairs());
        assertEquals(1, choice.chosen(), "a tie goes to one thread");
        assertEquals(1, choice.threadsForNextStep());
        assertFalse(choice.inTrial());
    }

    @Test
    void aBusyCoreDecidesForOneThreadAfterOnePair() {
        List<Integer> seen = new ArrayList<>();
        ThreadChoice choice = warmedUp(seen);
        // The original report: a step 20x slower when a parallel region waits for a core another process holds.
        Event event = runUntilEvent(choice, threads -> threads == 1 ? 3.0 : 65.0, seen, 100);
        assertEquals(Event.CHOSEN, event);
        assertEquals(List.of(1, 1, 1, 1, CORES), seen, "one step with every core is enough");
        assertEquals(1, choice.chosen());
        assertEquals(3.0, choice.oneMillis());
        assertEquals(65.0, choice.allMillis());
        assertEquals(3.0, choice.chosenMillis());
    }

    @Test
    void aClearDifferenceDecidesAfterThreePairsInEitherDirection() {
        List<Integer> seen = new ArrayList<>();
        ThreadChoice slowerWithAll = warmedUp(seen);
        assertEquals(Event.CHOSEN, runUntilEvent(slowerWithAll, threads -> threads == 1 ? 1.0 : 2.0, seen, 100));
        assertEquals(ThreadChoice.CLEAR_PAIRS, slowerWithAll.trialPairs());
        assertEquals(1, slowerWithAll.chosen());

        seen.clear();
        ThreadChoice fasterWithAll = warmedUp(seen);
        assertEquals(Event.CHOSEN, runUntilEvent(fasterWithAll, threads -> threads == 1 ? 30.0 : 12.0, seen, 100));
        assertEquals(ThreadChoice.CLEAR_PAIRS, fasterWithAll.trialPairs());
        assertEquals(CORES, fasterWithAll.chosen());
        assertEquals(CORES, fasterWithAll.threadsForNextStep());
        assertEquals(12.0, fasterWithAll.chosenMillis());
    }

    @Test
    void onePairNeverDecidesForEveryCore() {
        List<Integer> seen = new ArrayList<>();
        ThreadChoice choice = warmedUp(seen);
        // Every core ten times faster in the first pair (a one-thread step hit by a pause): not decisive alone.
        double[] times = {50.0, 5.0};
        int[] step = {0};
        Event event = runUntilEvent(choice, threads -> step[0]++ < 2 ? times[threads == 1 ? 0 : 1] : 10.0, seen, 4);
        assertEquals(Event.NONE, event);
        assertTrue(choice.inTrial());
    }

    @Test
    void aSmallGainWithEveryCoreIsKeptAfterTheFullTrialAndASmallerOneIsNot() {
        List<Integer> seen = new ArrayList<>();
        ThreadChoice gain = warmedUp(seen);
        assertEquals(Event.CHOSEN, runUntilEvent(gain, threads -> threads == 1 ? 10.0 : 8.0, seen, 100));
        assertEquals(ThreadChoice.MAX_PAIRS, gain.trialPairs());
        assertEquals(CORES, gain.chosen(), "20 % faster with every core");

        ThreadChoice noise = warmedUp(new ArrayList<>());
        assertEquals(Event.CHOSEN, runUntilEvent(noise, threads -> threads == 1 ? 10.0 : 9.7, new ArrayList<>(), 100));
        assertEquals(1, noise.chosen(), "3 % is within " + ThreadChoice.PREFER_ONE + ": one thread");
    }

    @Test
    void mediansIgnoreASingleOutlierInTheTrial() {
        ThreadChoice choice = warmedUp(new ArrayList<>());
        int[] step = {0};
        // A garbage-collection pause on one every-core step, in the trial's third pair.
        Event event = runUntilEvent(choice, threads -> {
            int n = step[0]++;
            return threads == 1 ? 10.0 : n == 5 ? 400.0 : 8.0;
        }, new ArrayList<>(), 100);
        assertEquals(Event.CHOSEN, event);
        assertEquals(CORES, choice.chosen());
        assertEquals(8.0, choice.allMillis());
    }

    @Test
    void aClearlySlowerWindowStartsTheTrialAgain() {
        ThreadChoice choice = warmedUp(new ArrayList<>());
        assertEquals(Event.CHOSEN, runUntilEvent(choice, threads -> threads == 1 ? 10.0 : 8.0, new ArrayList<>(), 100));
        assertEquals(CORES, choice.chosen());
        // Somewhat slower (1.4x), or a few very slow steps: no new trial.
        for (int i = 0; i < 3 * ThreadChoice.WINDOW; i++) {
            assertEquals(Event.NONE, choice.stepTook(i % 10 == 0 ? 500.0 : 8.0 * 1.4));
        }
        // Another process took a core: every step 20x slower. Caught at the end of the window.
        List<Integer> seen = new ArrayList<>();
        Event event = runUntilEvent(choice, threads -> threads == 1 ? 11.0 : 160.0, seen, 2 * ThreadChoice.WINDOW);
        assertEquals(Event.OUTDATED, event);
        assertEquals(ThreadChoice.WINDOW, seen.size());
        assertTrue(seen.stream().allMatch(t -> t == CORES), "the chosen count until the check");
        assertTrue(choice.inTrial());
        assertEquals(CORES, choice.chosen(), "the old choice stands until the new trial decides");
        // No warm-up this time: the trial starts at once, and decides for one thread after a pair.
        seen.clear();
        assertEquals(Event.CHOSEN, runUntilEvent(choice, threads -> threads == 1 ? 11.0 : 160.0, seen, 100));
        assertEquals(List.of(1, CORES), seen);
        assertEquals(1, choice.chosen());
    }

    @Test
    void oneThreadChosenIsNotReCheckedWhenTheMachineGetsBusier() {
        ThreadChoice choice = warmedUp(new ArrayList<>());
        assertEquals(Event.CHOSEN, runUntilEvent(choice, threads -> threads == 1 ? 3.0 : 65.0, new ArrayList<>(), 100));
        assertEquals(1, choice.chosen());
        List<Integer> seen = new ArrayList<>();
        assertEquals(Event.NONE, runUntilEvent(choice, threads -> threads == 1 ? 30.0 : 650.0, seen,
                10 * ThreadChoice.WINDOW), "ten times slower: every core would be slower still");
        assertTrue(seen.stream().allMatch(t -> t == 1));
        assertFalse(choice.inTrial());
    }

    @Test
    void otherProcessesHoldingTheSpareCoresChooseOneThreadWithoutATrial() {
        ThreadChoice busy = warmedUp(new ArrayList<>());
        assertEquals(Event.CHOSEN, busy.othersBusy(2.6), "4 cores, 2.6 busy elsewhere: 1.4 left");
        assertEquals(1, busy.chosen());
        assertEquals(2.6, busy.chosenByOthersBusy());
        assertFalse(busy.inTrial());
        assertTrue(Double.isNaN(busy.oneMillis()) && Double.isNaN(busy.allMillis()), "nothing was timed");
        List<Integer> seen = new ArrayList<>();
        assertEquals(Event.NONE, runUntilEvent(busy, threads -> threads == 1 ? 30.0 : 650.0, seen,
                3 * ThreadChoice.WINDOW));
        assertTrue(seen.stream().allMatch(t -> t == 1), "no step with every core");

        // Two cores with a busy one, as ThreadChoiceBenchmark's busy scenario.
        ThreadChoice twoCores = new ThreadChoice(2);
        for (int i = 0; i < ThreadChoice.WARM_UP_STEPS; i++) {
            twoCores.stepTook(5.0);
        }
        assertEquals(Event.CHOSEN, twoCores.othersBusy(1.0));
        assertEquals(1, twoCores.threadsForNextStep());
    }

    @Test
    void spareCoresOrAnUnknownLoadLeaveTheTrialAsItIs() {
        ThreadChoice quiet = warmedUp(new ArrayList<>());
        assertEquals(Event.NONE, quiet.othersBusy(2.4), "4 cores, 1.6 left");
        assertEquals(Event.NONE, quiet.othersBusy(Double.NaN));
        assertTrue(quiet.inTrial());
        assertEquals(0, quiet.chosen());
        assertEquals(1, quiet.threadsForNextStep());
        quiet.stepTook(10.0);
        assertEquals(CORES, quiet.threadsForNextStep());
        assertEquals(Event.NONE, quiet.othersBusy(4.0), "only before the trial's first step");
        assertTrue(quiet.inTrial());

        ThreadChoice twoCores = new ThreadChoice(2);
        assertEquals(Event.NONE, twoCores.othersBusy(2.0), "still warming up");
        for (int i = 0; i < ThreadChoice.WARM_UP_STEPS; i++) {
            twoCores.stepTook(5.0);
        }
        assertEquals(Event.NONE, twoCores.othersBusy(0.4), "2 cores, 1.6 left");
        assertTrue(twoCores.inTrial());
        assertTrue(Double.isNaN(twoCores.chosenByOthersBusy()));
    }

    @Test
    void aFitEndingInTheTrialDecidesFromThePairsItHas() {
        ThreadChoice none = warmedUp(new ArrayList<>());
        none.stepTook(10.0);
        assertEquals(Event.NONE, none.finish(), "no complete pair: nothing to decide from");
        assertEquals(0, none.chosen());
        assertEquals(Event.NONE, new ThreadChoice(CORES).finish(), "still warming up");

        ThreadChoice some = warmedUp(new ArrayList<>());
        assertEquals(Event.NONE, runUntilEvent(some, threads -> threads == 1 ? 10.0 : 12.0, new ArrayList<>(), 4));
        assertEquals(Event.CHOSEN, some.finish());
        assertEquals(2, some.trialPairs());
        assertEquals(1, some.chosen());
        assertEquals(Event.NONE, some.finish(), "decided once");
    }

    @Test
    void needsSeveralCores() {
        assertThrows(IllegalArgumentException.class, () -> new ThreadChoice(1));
    }
}
