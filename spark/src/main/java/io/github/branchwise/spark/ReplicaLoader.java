package io.github.branchwise.spark;

import io.github.branchwise.runtime.training.Trainer;
import io.github.branchwise.runtime.training.TrainingModel;
import java.io.IOException;
import java.io.Serializable;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;

/**
 * How an executor turns a saved model file into a {@link Trainer}: it runs on the executors, so it must be
 * serialisable and must not capture the driver's model. {@link #generated} does it for any generated training model.
 */
@FunctionalInterface
public interface ReplicaLoader extends Serializable {
    /**
     * Loads a model saved by {@code Trainer.save}.
     *
     * @throws IOException when the file cannot be read or is not a model of this class
     */
    Trainer load(Path modelFile) throws IOException;

    /**
     * How one generated training model class loads a saved file: its {@code static load(Path)} as a method reference,
     * {@code DetectorTrainingModel::load}. Serializable, as the loader that holds it travels to the executors.
     */
    @FunctionalInterface
    interface ModelLoad extends Serializable {
        /** Loads the model saved in {@code file}. @throws IOException as the class's {@code load} */
        TrainingModel load(Path file) throws IOException;
    }

    /**
     * The loader that calls {@code load} and takes the loaded model's trainer: {@code
     * ReplicaLoader.of(DetectorTrainingModel::load)}, checked by the compiler where {@link #generated} finds the
     * method by name.
     */
    static ReplicaLoader of(ModelLoad load) {
        java.util.Objects.requireNonNull(load, "load");
        return file -> load.load(file).trainer();
    }

    /**
     * The loader of a generated training model class ({@code DetectorTrainingModel}): its {@code static load(Path)},
     * then {@code trainer()}. Only the class's name travels; the executors load it from the application's jar.
     *
     * @throws IllegalArgumentException when the class has no public {@code static load(Path)} returning an instance
     *                                  with a public {@code trainer()}, as every generated training model has
     */
    static ReplicaLoader generated(Class<?> trainingModelClass) {
        methods(trainingModelClass);
        String name = trainingModelClass.getName();
        return file -> {
            try {
                Class<?> type = Class.forName(name, true, Thread.currentThread().getContextClassLoader());
                Method[] m = methods(type);
                return (Trainer) m[1].invoke(m[0].invoke(null, file));
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                throw new IllegalStateException(name + ".load failed: " + e.getCause(), e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot load " + name + " on this executor: " + e, e);
            }
        };
    }

    /** The class's {@code load(Path)} and {@code trainer()}, checked. */
    private static Method[] methods(Class<?> type) {
        try {
            Method load = type.getMethod("load", Path.class);
            Method trainer = type.getMethod("trainer");
            if (!Modifier.isStatic(load.getModifiers()) || !type.isAssignableFrom(load.getReturnType())
                    || !Trainer.class.isAssignableFrom(trainer.getReturnType())) {
                throw new NoSuchMethodException("load/trainer of the wrong kind");
            }
            return new Method[] {load, trainer};
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(type.getName() + " is not a generated training model: it needs a "
                    + "public static load(Path) returning it and a public trainer() returning a Trainer", e);
        }
    }
}
