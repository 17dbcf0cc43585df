package io.github.branchwise.archfixture.leak.engine;

/** A type of a package the fixture does not export. */
public final class Hidden {
}
