/**
 * The engine, not exported: it builds a model's SameDiff graph ({@code NetworkBuilder} into a {@code Network}),
 * checks batches, runs forward and backward passes ({@code StepExecutor}: the compiled plan or SameDiff's sessions),
 * keeps the per-branch gradients of the gradient-level strategies, and reads and writes model files. Only the
 * {@code training} package above it uses it; ARCHITECTURE.md maps its parts.
 */
package io.github.branchwise.runtime.engine;
