package io.github.branchwise.runtime.training;

/**
 * What every generated training model is ({@code DetectorTrainingModel implements TrainingModel}): a typed model
 * over one {@link Trainer}. Code that works with any model, such as distributed training (branchwise-spark's
 * {@code SparkTrainer.of}), takes this type instead of reaching for {@code trainer()} by reflection.
 */
public interface TrainingModel {
    /** The untyped trainer behind the model, sharing its parameters and state. */
    Trainer trainer();
}
