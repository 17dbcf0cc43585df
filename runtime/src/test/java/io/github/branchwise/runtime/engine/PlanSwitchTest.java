package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The rewrite switches: command-line names, and a misspelt one failing instead of leaving the rewrite on. */
class PlanSwitchTest {
    @Test
    void namesOnTheCommandLine() {
        assertEquals(Set.of(), PlanSwitch.parse(""));
        assertEquals(Set.of(), PlanSwitch.parse("none"));
        assertEquals(EnumSet.allOf(PlanSwitch.class), PlanSwitch.parse("all"));
        assertEquals(Set.of(PlanSwitch.NATIVE_LOG, PlanSwitch.FUSED_MEAN), PlanSwitch.parse("native_log+fused_mean"));
        assertEquals(Set.of(PlanSwitch.CONV2D_BP, PlanSwitch.SGD), PlanSwitch.parse("conv2d_bp, sgd"));
        for (PlanSwitch rewrite : PlanSwitch.values()) {
            assertEquals(Set.of(rewrite), PlanSwitch.parse(rewrite.key()));
        }
    }

    @Test
    void aMisspeltNameFails() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PlanSwitch.parse("conv2d_bq"));
        assertTrue(e.getMessage().contains("conv2d_bq") && e.getMessage().contains("conv2d_bp"), e.getMessage());
    }

    @Test
    void switchingOffAndOnAgain() {
        try {
            PlanSwitch.disable(PlanSwitch.ADD_BP);
            assertFalse(PlanSwitch.ADD_BP.enabled());
            assertTrue(PlanSwitch.RELU_BP.enabled());
        } finally {
            PlanSwitch.disable();
        }
        assertTrue(PlanSwitch.ADD_BP.enabled());
    }
}
