package io.github.branchwise.archfixture.cycle.weighting;

import io.github.branchwise.archfixture.cycle.Engine;

/** The other half of the fixture's cycle: the SPI reaching back into the package that uses it. */
public final class Strategy {
    /** Uses the engine package. */
    public Object engine() {
        return Engine.class;
    }
}
