package io.github.branchwise.runtime;

import java.util.Arrays;

/** The total loss and each branch's loss (batch means) of one batch, as one forward pass computed them. */
public final class Losses {
    private final double total;
    private final double[] branchLosses;

    /** A result with the weighted total and the branch losses in branch order. */
    public Losses(double total, double[] branchLosses) {
        this.total = total;
        this.branchLosses = branchLosses.clone();
    }

    /** The weighted total loss. */
    public double total() {
        return total;
    }

    /** The loss of branch {@code index} (declaration order). */
    public double branchLoss(int index) {
        return branchLosses[index];
    }

    /** All branch losses, in declaration order. */
    public double[] branchLosses() {
        return branchLosses.clone();
    }

    @Override
    public String toString() {
        return "Losses[total=" + total + ", branches=" + Arrays.toString(branchLosses) + "]";
    }
}
