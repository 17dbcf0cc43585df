package io.github.branchwise.archfixture.leak;

import io.github.branchwise.archfixture.leak.engine.Hidden;

/**
 * A deliberately broken fixture for {@code ArchitectureTest}'s self-check: a public method of an API package hands
 * out a type of a package that is not exported.
 */
public final class Api {
    /** Leaks the hidden type. */
    public Hidden hidden() {
        return new Hidden();
    }
}
