/**
 * For generated code only. The processor's output describes a model with
 * {@link io.github.branchwise.runtime.internal.ModelSpec} (inputs, branches, losses,
 * {@link io.github.branchwise.runtime.internal.WeightingSpec}), builds its branches into a
 * {@link io.github.branchwise.runtime.internal.ModelGraph} and predicts through a
 * {@link io.github.branchwise.runtime.internal.Predictor}, for a batch or for one example as Java arrays
 * ({@link io.github.branchwise.runtime.internal.ExampleArrays} checks and converts those).
 *
 * <p>Exported because generated code lives in users' packages, but not an API: these types change with the
 * processor, in step with it (as Dagger's {@code dagger.internal}). Do not call them from hand-written code.
 */
package io.github.branchwise.runtime.internal;
