package io.github.branchwise.runtime.strategies;

import io.github.branchwise.runtime.weighting.BranchGradients;
import java.util.ArrayList;
import java.util.List;

/**
 * The parameters a gradient-level strategy balances: the shared ones, or, in a model whose branches share none,
 * every parameter but the weighter's own ({@code weighting/...}); the processor warns of such a model (each branch's
 * own layers then get a multiple of that branch's gradient only).
 */
final class SharedOrAll {
    private SharedOrAll() {
    }

    /** Whether the model shares parameters this step. */
    private static boolean hasShared(BranchGradients gradients) {
        return !gradients.sharedParameters().isEmpty();
    }

    /** The shared parameters, else every network parameter. */
    static List<String> of(BranchGradients gradients) {
        if (hasShared(gradients)) {
            return gradients.sharedParameters();
        }
        List<String> all = new ArrayList<>();
        for (String name : gradients.parameterNames()) {
            if (!name.startsWith("weighting/")) {
                all.add(name);
            }
        }
        return all;
    }
}
