package io.github.branchwise.archfixture.cycle;

import io.github.branchwise.archfixture.cycle.weighting.Strategy;

/**
 * A deliberately broken fixture for {@code ArchitectureTest}'s self-check: this package and its {@code weighting}
 * subpackage import each other, the cycle the runtime once had between {@code engine} and {@code weighting}.
 */
public final class Engine {
    private Engine() {
    }

    /** Uses the strategy package. */
    public static Strategy strategy() {
        return new Strategy();
    }
}
