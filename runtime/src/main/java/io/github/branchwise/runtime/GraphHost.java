package io.github.branchwise.runtime;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What layers and weighters need from the graph under construction: the graph, its data type and seed, a way to
 * create named trainable parameters, and the per-example shape of any variable.
 */
public interface GraphHost {
    /** The graph being built. */
    SameDiff sameDiff();

    /** The floating-point type of every parameter, input and target of the model. */
    DataType dataType();

    /** The seed every parameter initialisation derives from. */
    long seed();

    /**
     * Creates a trainable parameter with the given stable name and initial value (cast to {@link #dataType()}).
     *
     * @throws IllegalStateException when a parameter of that name already exists
     */
    SDVariable parameter(String name, INDArray initialValue);

    /**
     * Creates a variable that is not trained but set by the runtime or a weighter (e.g. weights fed every step);
     * it is saved and restored with the model.
     *
     * @throws IllegalStateException when a variable of that name already exists
     */
    SDVariable state(String name, INDArray initialValue);

    /** Notes a layer for the model summary; {@code Layers} calls it for every layer it builds. */
    void recordLayer(LayerRecord layer);

    /** The shape of one example of {@code variable}: its shape without the leading batch axis. */
    long[] exampleShape(SDVariable variable);

    /**
     * Notes that {@code layer} looks up rows of a table of {@code vocabulary} rows by the ids in {@code ids}: when
     * {@code ids} is an integer input, every batch is then checked to hold ids in {@code [0, vocabulary)}, because an
     * id outside the table would silently find no row. Ids computed in the graph are not checked. Does nothing by
     * default.
     *
     * @throws IllegalArgumentException when {@code ids} is an input that declares a larger vocabulary
     */
    default void lookup(SDVariable ids, long vocabulary, String layer) {
    }
}
