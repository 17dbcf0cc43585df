/**
 * The service-provider interface of weighting strategies: implement
 * {@link io.github.branchwise.runtime.weighting.Weighter} for {@code Weighting.CUSTOM} or
 * {@link io.github.branchwise.runtime.weighting.WeightSchedule} for {@code Weighting.SCHEDULED}. A gradient-level
 * strategy reads each branch's gradient through the read-only
 * {@link io.github.branchwise.runtime.weighting.BranchGradients}; one that reads them value by value can sum its
 * products with {@link io.github.branchwise.runtime.weighting.VectorProducts}.
 *
 * <p>It sees the graph only through {@link io.github.branchwise.runtime.GraphHost} and nothing of the engine; the
 * built-in strategies are written against this same interface.
 */
package io.github.branchwise.runtime.weighting;
