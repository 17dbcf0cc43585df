package io.github.branchwise.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.github.branchwise.runtime.LossWeighting;
import io.github.branchwise.runtime.training.Trainer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** An executor keeps the replicas of its {@link Replicas#MAX_RUNS} most recently used runs, not of every run. */
class ReplicasTest {
    @Test
    void theLeastRecentlyUsedRunsReplicasAreDroppedPastTheBound() {
        List<Trainer> loaded = new ArrayList<>();
        ReplicaLoader loader = file -> {
            Trainer trainer = OneProcess.model(LossWeighting.fixed(1, 1), DataType.FLOAT).trainer();
            loaded.add(trainer);
            return trainer;
        };
        String prefix = "replicas-test-";
        List<Trainer> first = new ArrayList<>();
        for (int run = 0; run <= Replicas.MAX_RUNS; run++) {
            Trainer replica = Replicas.borrow(prefix + run, () -> new byte[0], loader);
            first.add(replica);
            Replicas.giveBack(prefix + run, replica);
        }
        assertEquals(Replicas.MAX_RUNS + 1, loaded.size());
        // The newest run is still there; the oldest was dropped and is loaded again.
        assertSame(first.get(Replicas.MAX_RUNS), Replicas.borrow(prefix + Replicas.MAX_RUNS, () -> new byte[0], loader));
        assertNotSame(first.get(0), Replicas.borrow(prefix + 0, () -> new byte[0], loader));
        assertEquals(Replicas.MAX_RUNS + 2, loaded.size());
        for (int run = 0; run <= Replicas.MAX_RUNS; run++) {
            Replicas.forget(prefix + run);
        }
    }
}
