package io.github.branchwise.runtime.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The readers generated {@code <Model>History} and {@code <Model>TrainingModel.onEpochEnd} delegate to. */
class HistoryReadersTest {
    @Test
    void epochsAndStepsReadEveryRowInOrderIntoReadOnlyLists() {
        History history = new History(List.of("a"));
        history.addStep(Map.of("step", 0.0, "a_loss", 1.5));
        history.addStep(Map.of("step", 1.0, "a_loss", 0.5));
        history.addEpoch(Map.of("epoch", 0.0, "a_loss", 1.0));
        List<Double> steps = history.steps(row -> row.get("a_loss"));
        assertEquals(List.of(1.5, 0.5), steps);
        assertEquals(List.of(1.0), history.epochs(row -> row.get("a_loss")));
        assertThrows(UnsupportedOperationException.class, () -> steps.add(2.0));
        assertEquals(List.of(), new History(List.of("a")).epochs(row -> row));
        assertThrows(NullPointerException.class, () -> history.steps(null));
    }

    @Test
    void atEpochEndHandsTheReadRowToTheAction() {
        List<Double> seen = new ArrayList<>();
        TrainingListener listener = TrainingListener.atEpochEnd(row -> row.get("total"), seen::add);
        listener.onEpochEnd(new TrainingEvent(null, 0, 3, Map.of("total", 2.5)));
        listener.onStepEnd(new TrainingEvent(null, 0, 3, Map.of("total", 9.0)));
        assertEquals(List.of(2.5), seen);
        NullPointerException missing = assertThrows(NullPointerException.class,
                () -> TrainingListener.atEpochEnd(row -> row, null));
        assertEquals("action", missing.getMessage());
    }
}
