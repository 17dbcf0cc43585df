/**
 * The user API: what a model class and the code around it are written with. {@link io.github.branchwise.runtime.Layers}
 * builds a branch's layers, {@link io.github.branchwise.runtime.TrainingOptions} chooses seed, optimiser and data
 * type, {@link io.github.branchwise.runtime.Losses} holds one batch's losses,
 * {@link io.github.branchwise.runtime.GraphHost} is what layers and weighting strategies build the graph with, and the
 * exceptions say what went wrong with a file or a step.
 *
 * <p>The bottom layer of the runtime: it uses no other package of it (ARCHITECTURE.md).
 */
package io.github.branchwise.runtime;
