package io.github.branchwise.runtime;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@link Layers#embedding}: a table of {@code vocabulary} rows of {@code dimension} values, looked up by integer ids.
 *
 * <p>The lookup is a product of the ids' one-hot rows with the table, not a {@code gather}: in ND4J M2.1 the gradient
 * SameDiff builds for {@code gather} is a while loop of views that fails when run ("Output array did not match
 * expected shape" in {@code assign}, measured here) and that a compiled plan could not run anyway (control flow). The
 * product's gradient is one GEMM, {@code onehotᵀ·grad}, the scatter-add a gather's gradient would be. The cost is
 * {@code O(ids · vocabulary · dimension)} and a one-hot buffer of {@code ids · vocabulary} values: fine for
 * vocabularies of thousands, wasteful for hundreds of thousands.
 */
final class EmbeddingLayer {
    /** Keras' Embedding initialiser: {@code RandomUniform(-0.05, 0.05)}. */
    static final double INIT_LIMIT = 0.05;

    private EmbeddingLayer() {
    }

    static SDVariable build(Layers layers, SDVariable ids, int vocabulary, int dimension) {
        GraphHost host = layers.host();
        DataType idType = ids.dataType();
        String layer = layers.nextLayerName("embedding");
        LayerShapes.requirePositive("embedding", layer, "vocabulary", vocabulary);
        LayerShapes.requirePositive("embedding", layer, "dimension", dimension);
        String label = LayerShapes.who("embedding", layer);
        if (idType == null || !idType.isIntType()) {
            throw new IllegalArgumentException(label + " needs integer ids, e.g. an @Input(type = InputType.INT), "
                    + "got '" + ids.name() + "' of type " + idType);
        }
        long[] in = layers.shapeOf(ids);
        if (in.length == 0) {
            throw new IllegalArgumentException(label + " needs ids of shape [batch, ...] with at least one axis "
                    + "after the batch (e.g. [batch, steps]), got [batch]");
        }
        host.lookup(ids, vocabulary, layer);
        SDVariable table = host.parameter(layer + "/E", SequenceInit.uniform(host.seed(), layer + "/E", INIT_LIMIT,
                host.dataType(), vocabulary, dimension));
        SameDiff sd = layers.sameDiff();
        long[] outShape = new long[in.length + 2];
        outShape[0] = -1;
        System.arraycopy(in, 0, outShape, 1, in.length);
        outShape[in.length + 1] = dimension;
        SDVariable oneHot = sd.oneHot(ids, vocabulary, -1, 1.0, 0.0, host.dataType()).reshape(-1, vocabulary);
        SDVariable out = oneHot.mmul(table).reshape(outShape);
        return layers.record(layer, "Embedding(" + vocabulary + ", " + dimension + ")", ids, out, table);
    }
}
