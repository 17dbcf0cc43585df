/**
 * The annotations that turn an abstract model class into typed prediction and training models.
 *
 * <p>A model class declares its inputs ({@link io.github.branchwise.annotations.Input}), the sub-graphs
 * several heads share ({@link io.github.branchwise.annotations.Shared}), one method per output head
 * ({@link io.github.branchwise.annotations.Branch}), each head's loss
 * ({@link io.github.branchwise.annotations.BranchLoss}) and how the head losses are combined into the one
 * loss that trains every head ({@link io.github.branchwise.annotations.WeightedLoss}). The Branchwise
 * annotation processor then writes, next to the class, {@code <Model>PredictionModel},
 * {@code <Model>TrainingModel} and records named after the branches.
 *
 * <p>Multi-task architectures add parts between the inputs and the heads: groups of experts
 * ({@link io.github.branchwise.annotations.Experts}), softmax gates over them
 * ({@link io.github.branchwise.annotations.Gate}, MMoE and CGC/PLE) and cross-stitch units
 * ({@link io.github.branchwise.annotations.Stitch}).
 */
package io.github.branchwise.annotations;
