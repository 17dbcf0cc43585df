package io.github.branchwise.runtime;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What layers and weighters need from the graph under construction: the graph, its data type and seed, a way to
 * create named trainable parameters and non-trainable layer state, the per-example shape of any variable, and the
 * training or inference mode of each pass, which the runtime owns.
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

    // ---- training and inference modes, layer state ----

    /**
     * Creates a non-trainable variable of a layer (a batch norm's moving mean, say), named
     * {@code <scope>/<kind>_<n>/<name>} like the layer's parameters: never given a gradient, saved and loaded with
     * the parameters, listed by {@code Trainer.parameters()} and counted as non-trainable by {@code summary()}.
     *
     * @throws IllegalStateException when a variable of that name already exists
     */
    SDVariable layerState(String name, INDArray initialValue);

    /**
     * A scalar the runtime feeds on every pass: 1 in a training step, 0 in every inference pass (evaluation,
     * validation, prediction) and in training steps while every parameter of {@code layer} is frozen, which runs a
     * frozen layer in inference mode as Keras does. Layers that behave differently in training multiply by it; the
     * user never passes a flag.
     *
     * @param layer the layer's name, {@code <scope>/<kind>_<n>}: the prefix of its parameters
     */
    SDVariable trainingFlag(String layer);

    /**
     * A dropout mask of shape {@code [batch, exampleShape...]} the runtime feeds on every pass: in a training step
     * each element is 0 with probability {@code rate} and {@code 1 / (1 - rate)} otherwise, drawn from a stream of
     * the model seed, the step number and the layer's name (the same seed gives the same masks, a resumed run the
     * masks of an uninterrupted one, and every pass of one step the same mask); in an inference pass all ones.
     *
     * @param layer the layer's name, {@code <scope>/<kind>_<n>}
     * @param rate  the fraction dropped, in (0, 1)
     */
    SDVariable dropoutMask(String layer, long[] exampleShape, double rate);

    /**
     * A row {@code [1, batch · rowsPerExample]} of {@code 1 / (batch · rowsPerExample)} the runtime feeds on every
     * pass: its product with {@code [batch · rowsPerExample, features]} is the feature means over the batch as one
     * GEMM, faster than a reduction over the batch axis and correct for a batch of one (ND4J M2.1's legacy reduce of
     * a one-row matrix over its rows fails inside a session: it takes the op's own unset input).
     *
     * @param layer the layer's name, {@code <scope>/<kind>_<n>}
     */
    SDVariable meanRow(String layer, long rowsPerExample);

    /**
     * Keeps the layer state {@code state} as a moving average of {@code batchValue}: after every training step in
     * which the layer runs in training mode (see {@link #trainingFlag}), once per step, the runtime sets
     * {@code state = momentum · state + (1 - momentum) · batchValue}, with {@code batchValue} from that step's
     * forward pass. Evaluation, validation and prediction never change it.
     *
     * @param layer    the layer's name, {@code <scope>/<kind>_<n>}
     * @param state    a variable made by {@link #layerState}
     * @param momentum in [0, 1]
     */
    void movingAverage(String layer, SDVariable state, SDVariable batchValue, double momentum);

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
