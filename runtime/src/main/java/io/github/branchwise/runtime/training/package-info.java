/**
 * The user API for training: the {@link io.github.branchwise.runtime.training.Trainer} behind every generated
 * training model (one step, parameters, freezing, files) and {@link io.github.branchwise.runtime.training.Fitting}
 * with what it takes and records (data sources, {@code FitConfig}, metrics, history, checkpoints, listeners).
 *
 * <p>The top layer: it drives the engine, which it never hands out.
 */
package io.github.branchwise.runtime.training;
