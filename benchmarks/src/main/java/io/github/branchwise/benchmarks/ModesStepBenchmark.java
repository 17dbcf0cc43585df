package io.github.branchwise.benchmarks;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.ExecutorKind;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.Padding;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.training.Trainer;
import java.util.Arrays;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * A training step of the CNN_64 workload with a batch norm after each convolution and dropout before the heads, next
 * to the plain CNN_64 step, on both executors, in one process (same load for each), median ms after a warm-up; and
 * a prediction of the batch-norm model (inference mode). {@code modes_peer.py} times the same two models in PyTorch.
 *
 * <pre>
 * OMP_NUM_THREADS=1 java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) \
 *     io.github.branchwise.benchmarks.ModesStepBenchmark [steps]
 * /usr/bin/python3 benchmarks/modes_peer.py 1
 * </pre>
 */
public final class ModesStepBenchmark {
    private ModesStepBenchmark() {
    }

    /** CNN_64 with {@code batchNorm} after each convolution (before its ReLU) and {@code dropout(0.25)} before the heads. */
    static ModelSpec batchNormCnn(WeightingSpec weighting) {
        return ModelSpec.builder("bench.BatchNormCnn")
                .input("image", 32, 32, 3)
                .branch("classes", new long[] {10}, Loss.SPARSE_CATEGORICAL_CROSSENTROPY, 1.0)
                .branch("box", new long[] {4}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(weighting)
                .graph(scope -> {
                    Layers trunk = scope.layers("trunk");
                    SDVariable h = trunk.conv2d(scope.input("image"), 32, 3, 1, Padding.SAME, Activation.IDENTITY);
                    h = trunk.maxPool2d(trunk.activation(trunk.batchNorm(h), Activation.RELU), 2);
                    h = trunk.conv2d(h, 64, 3, 1, Padding.SAME, Activation.IDENTITY);
                    h = trunk.maxPool2d(trunk.activation(trunk.batchNorm(h), Activation.RELU), 2);
                    h = trunk.dropout(trunk.flatten(h), 0.25);
                    scope.output("classes", scope.layers("classes").dense(h, 10, Activation.SOFTMAX));
                    scope.output("box", scope.layers("box").dense(h, 4, Activation.IDENTITY));
                })
                .build();
    }

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        WeightingSpec fixed = WeightingSpec.fixed(0.5, 0.5);
        INDArray[][] data = Workloads.Workload.CNN_64.data(1);
        System.out.println("| model | executor | train step ms | predict ms |");
        System.out.println("|---|---|---|---|");
        for (ExecutorKind kind : ExecutorKind.values()) {
            for (ModelSpec spec : new ModelSpec[] {Workloads.cnn(fixed), batchNormCnn(fixed)}) {
                // 1e-4: over 4096 normalised features, 0.01 makes the box head's regression diverge in a few steps.
                Trainer trainer = Trainer.create(spec, TrainingOptions.builder().seed(1).updater(new Sgd(1e-4))
                        .executor(kind).build());
                int n = kind == ExecutorKind.SAMEDIFF ? Math.max(5, steps / 4) : steps;
                long[] train = new long[n];
                long[] predict = new long[n];
                for (int i = -n / 2; i < n; i++) {
                    long t0 = System.nanoTime();
                    trainer.fit(data[0], data[1]);
                    long t1 = System.nanoTime();
                    trainer.predictor().predict(data[0]);
                    long t2 = System.nanoTime();
                    if (i >= 0) {
                        train[i] = t1 - t0;
                        predict[i] = t2 - t1;
                    }
                }
                System.out.printf("| %s | %s | %.2f | %.2f |%n", spec.modelName(), kind.name().toLowerCase(),
                        median(train), median(predict));
            }
        }
    }

    private static double median(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2] / 1e6;
    }
}
