/**
 * The built-in weighting strategies, one class each, written against the public SPI
 * ({@link io.github.branchwise.runtime.weighting.Weighter}); {@code internal.WeightingSpec} creates them from the
 * {@code @WeightedLoss} attributes. Not exported.
 */
package io.github.branchwise.runtime.strategies;
