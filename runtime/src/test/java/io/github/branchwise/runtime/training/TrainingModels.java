package io.github.branchwise.runtime.training;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/** Small models and data for the training tests, as generated code would describe them. */
final class TrainingModels {
    private TrainingModels() {
    }

    /** A 4x4x1 image, a shared trunk, a 2x2x1 map (BCE) and a 3-class softmax (categorical). */
    static ModelSpec mapAndClass(WeightingSpec weighting) {
        return ModelSpec.builder("test.MapAndClass")
                .input("image", 4, 4, 1)
                .branch("map", new long[] {2, 2, 1}, Loss.BINARY_CROSSENTROPY, 1.0)
                .branch("kind", new long[] {3}, Loss.CATEGORICAL_CROSSENTROPY, 1.0)
                .weighting(weighting)
                .graph(scope -> {
                    SDVariable image = scope.input("image");
                    Layers trunk = scope.layers("trunk");
                    SDVariable features = trunk.conv2d(image, 2, 2, Activation.TANH);
                    Layers map = scope.layers("map");
                    scope.output("map", map.conv2d(features, 1, 2, Activation.SIGMOID));
                    Layers kind = scope.layers("kind");
                    scope.output("kind", kind.dense(kind.flatten(features), 3, Activation.SOFTMAX));
                })
                .build();
    }

    static ModelSpec mapAndClass() {
        return mapAndClass(WeightingSpec.trainable(0.5, 0.0, 1.0));
    }

    /** One 3-vector input, one MSE output. */
    static ModelSpec regression() {
        return ModelSpec.builder("test.Regression")
                .input("x", 3)
                .branch("y", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.fixed(1.0))
                .graph(scope -> {
                    Layers y = scope.layers("y");
                    scope.output("y", y.dense(scope.input("x"), 1, Activation.IDENTITY));
                })
                .build();
    }

    /** {@code n} examples for {@link #mapAndClass}: images, map targets, one-hot class targets. */
    static INDArray[][] mapAndClassData(int n, long seed) {
        Random random = new Random(seed);
        float[] images = new float[n * 16];
        float[] maps = new float[n * 4];
        float[] kinds = new float[n * 3];
        for (int i = 0; i < n; i++) {
            int k = random.nextInt(3);
            kinds[i * 3 + k] = 1;
            int cell = random.nextInt(4);
            maps[i * 4 + cell] = 1;
            for (int p = 0; p < 16; p++) {
                images[i * 16 + p] = (float) (random.nextGaussian() * 0.3 + (p % 3 == k ? 1 : 0));
            }
            int row = cell / 2;
            int col = cell % 2;
            images[i * 16 + (row * 2) * 4 + col * 2] += 2;
        }
        return new INDArray[][] {
            {Nd4j.create(images, new long[] {n, 4, 4, 1}, 'c')},
            {Nd4j.create(maps, new long[] {n, 2, 2, 1}, 'c'), Nd4j.create(kinds, new long[] {n, 3}, 'c')}
        };
    }

    /** A resettable iterator over fixed MultiDataSets. */
    static final class ListIterator implements MultiDataSetIterator {
        private static final long serialVersionUID = 1L;
        private final List<MultiDataSet> items;
        private int next;

        ListIterator(List<? extends MultiDataSet> items) {
            this.items = new ArrayList<>(items);
        }

        @Override
        public MultiDataSet next(int num) {
            return next();
        }

        @Override
        public void setPreProcessor(MultiDataSetPreProcessor preProcessor) {
        }

        @Override
        public MultiDataSetPreProcessor getPreProcessor() {
            return null;
        }

        @Override
        public boolean resetSupported() {
            return true;
        }

        @Override
        public boolean asyncSupported() {
            return false;
        }

        @Override
        public void reset() {
            next = 0;
        }

        @Override
        public boolean hasNext() {
            return next < items.size();
        }

        @Override
        public MultiDataSet next() {
            return items.get(next++);
        }
    }
}
