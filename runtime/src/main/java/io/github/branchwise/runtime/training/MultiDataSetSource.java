package io.github.branchwise.runtime.training;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.internal.BranchSpec;
import io.github.branchwise.runtime.internal.InputSpec;
import io.github.branchwise.runtime.internal.ModelSpec;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

/**
 * ND4J's {@link MultiDataSetIterator} as a data source: {@code features[i]} is input {@code i} and
 * {@code labels[j]} the target of branch {@code j}, in declaration order. Counts, shapes and masks are checked here
 * so that a mismatch names the MultiDataSet's array as well as the model's input or branch.
 */
final class MultiDataSetSource implements DataSource {
    private final MultiDataSetIterator iterator;
    private boolean started;

    MultiDataSetSource(MultiDataSetIterator iterator) {
        this.iterator = Objects.requireNonNull(iterator, "iterator");
    }

    @Override
    public synchronized Iterator<Batch> batches(EpochContext epoch) {
        if (started) {
            if (!iterator.resetSupported()) {
                throw new IllegalStateException("the MultiDataSetIterator " + iterator.getClass().getName()
                        + " cannot be reset, so it serves one epoch only");
            }
            iterator.reset();
        }
        started = true;
        ModelSpec spec = epoch.spec();
        return new Iterator<>() {
            private long index;

            @Override
            public boolean hasNext() {
                return iterator.hasNext();
            }

            @Override
            public Batch next() {
                if (!iterator.hasNext()) {
                    throw new NoSuchElementException();
                }
                return toBatch(spec, iterator.next(), index++);
            }
        };
    }

    static Batch toBatch(ModelSpec spec, MultiDataSet data, long index) {
        String where = spec.modelName() + ": MultiDataSet " + index + " of the epoch";
        if (data == null) {
            throw new IllegalArgumentException(where + " is null");
        }
        INDArray[] features = data.getFeatures();
        INDArray[] labels = data.getLabels();
        List<InputSpec> inputs = spec.inputs();
        List<BranchSpec> branches = spec.branches();
        int featureCount = features == null ? 0 : features.length;
        int labelCount = labels == null ? 0 : labels.length;
        if (featureCount != inputs.size()) {
            throw new IllegalArgumentException(where + " has " + featureCount + " feature arrays but the model has "
                    + inputs.size() + " inputs " + inputs.stream().map(InputSpec::name).toList()
                    + "; features map to inputs in declaration order");
        }
        if (labelCount != branches.size()) {
            throw new IllegalArgumentException(where + " has " + labelCount + " label arrays but the model has "
                    + branches.size() + " branches " + branches.stream().map(BranchSpec::name).toList()
                    + "; labels map to branches in declaration order");
        }
        if (hasMask(data.getFeaturesMaskArrays()) || hasMask(data.getLabelsMaskArrays())) {
            throw new IllegalArgumentException(where + " has mask arrays, which Branchwise does not support");
        }
        for (int i = 0; i < featureCount; i++) {
            checkShape(where + ": features[" + i + "] (input '" + inputs.get(i).name() + "')", features[i],
                    inputs.get(i).shape(), false);
        }
        for (int j = 0; j < labelCount; j++) {
            BranchSpec branch = branches.get(j);
            checkShape(where + ": labels[" + j + "] (target of branch '" + branch.name() + "')", labels[j],
                    branch.targetShape(), branch.loss() == Loss.SPARSE_CATEGORICAL_CROSSENTROPY);
        }
        return new Batch(features, labels);
    }

    private static boolean hasMask(INDArray[] masks) {
        return masks != null && Arrays.stream(masks).anyMatch(Objects::nonNull);
    }

    private static void checkShape(String what, INDArray array, long[] example, boolean classIndices) {
        if (array == null) {
            throw new IllegalArgumentException(what + " is null");
        }
        long[] shape = array.shape();
        boolean matches = shape.length == example.length + 1
                && Arrays.equals(Arrays.copyOfRange(shape, 1, shape.length), example);
        // Class indices may come as [batch, 1] as well as [batch], as in Keras.
        boolean indexColumn = classIndices && shape.length == example.length + 2 && shape[shape.length - 1] == 1
                && Arrays.equals(Arrays.copyOfRange(shape, 1, shape.length - 1), example);
        if (!matches && !indexColumn) {
            long[] expected = new long[example.length + 1];
            expected[0] = -1;
            System.arraycopy(example, 0, expected, 1, example.length);
            throw new IllegalArgumentException(what + " must have shape " + Arrays.toString(expected).replace("-1",
                    "batch") + ", got " + Arrays.toString(shape));
        }
    }
}
