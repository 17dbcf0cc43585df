package io.github.branchwise.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class NativeThreadsTest {
    @Test
    void setsTheNativeThreadCountAndKernelsStillRun() {
        int before = NativeThreads.current();
        try {
            INDArray a = Nd4j.rand(64, 64);
            INDArray expected = a.mmul(a);
            NativeThreads.set(2);
            assertEquals(2, NativeThreads.current());
            assertTrue(expected.equalsWithEps(a.mmul(a), 1e-4));
            NativeThreads.set(1);
            assertEquals(1, NativeThreads.current());
            assertTrue(expected.equalsWithEps(a.mmul(a), 1e-4));
        } finally {
            NativeThreads.set(Math.max(1, before));
        }
        assertThrows(IllegalArgumentException.class, () -> NativeThreads.set(0));
    }
}
