package io.github.branchwise.benchmarks;

import io.github.branchwise.annotations.InputType;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.ExecutorKind;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.training.Trainer;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Training steps of two sequence models (issue 14), the workloads {@code sequence_peer.py} runs in PyTorch: token
 * ids {@code [32, 20]} from a vocabulary of 1,000, an embedding of 32, then either an LSTM of 64 units (last state)
 * or masked self-attention (4 heads of 8) flattened; two heads, a class of 5 (sparse categorical cross-entropy) and
 * one value (mean squared error), FIXED weights, SGD. Prints the median ms of a step per workload and executor, after
 * a warm-up. Without JMH: a quick, honest look on a shared machine, both executors in one process.
 *
 * <pre>
 * OMP_NUM_THREADS=1 java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) \
 *     io.github.branchwise.benchmarks.SequenceStep [steps]
 * </pre>
 */
public final class SequenceStep {
    static final int BATCH = 32;
    static final int STEPS = 20;
    static final int VOCABULARY = 1000;

    private SequenceStep() {
    }

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        System.out.println("| workload | executor | median ms a step |");
        System.out.println("|---|---|---|");
        for (String workload : new String[] {"lstm", "attention"}) {
            for (ExecutorKind executor : ExecutorKind.values()) {
                Trainer trainer = Trainer.create(spec(workload), TrainingOptions.builder().seed(1)
                        .updater(new Sgd(0.01)).executor(executor).dataType(DataType.FLOAT).build());
                INDArray[][] data = data(workload);
                int n = executor == ExecutorKind.SAMEDIFF ? Math.max(10, steps / 5) : steps;
                long[] times = new long[n];
                for (int i = -n / 2; i < n; i++) {
                    long start = System.nanoTime();
                    trainer.fit(data[0], data[1]);
                    if (i >= 0) {
                        times[i] = System.nanoTime() - start;
                    }
                }
                Arrays.sort(times);
                System.out.printf(Locale.ROOT, "| %s | %s | %.2f |%n", workload, executor, times[n / 2] / 1e6);
            }
        }
    }

    static ModelSpec spec(String workload) {
        ModelSpec.Builder builder = ModelSpec.builder("benchmarks.Sequence_" + workload)
                .input("ids", InputType.INT, VOCABULARY, STEPS);
        if (workload.equals("attention")) {
            builder.input("mask", STEPS);
        }
        return builder
                .branch("kind", new long[] {5}, Loss.SPARSE_CATEGORICAL_CROSSENTROPY, 1.0)
                .branch("value", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.fixed(0.5, 0.5))
                .graph(scope -> {
                    Layers trunk = scope.layers("trunk");
                    SDVariable embedded = trunk.embedding(scope.input("ids"), VOCABULARY, 32);
                    SDVariable encoded = workload.equals("lstm") ? trunk.lstm(embedded, 64, false)
                            : trunk.flatten(trunk.selfAttention(embedded, 4, 8, scope.input("mask")));
                    Layers kind = scope.layers("kind");
                    scope.output("kind", kind.dense(encoded, 5, Activation.SOFTMAX));
                    Layers value = scope.layers("value");
                    scope.output("value", value.dense(encoded, 1));
                })
                .build();
    }

    /** Random ids (and for attention a mask with lengths 10..20), classes and values. */
    static INDArray[][] data(String workload) {
        Random random = new Random(7);
        int[] ids = new int[BATCH * STEPS];
        float[] mask = new float[BATCH * STEPS];
        float[] kinds = new float[BATCH];
        float[] values = new float[BATCH];
        for (int b = 0; b < BATCH; b++) {
            int length = 10 + random.nextInt(STEPS - 9);
            for (int s = 0; s < STEPS; s++) {
                ids[b * STEPS + s] = random.nextInt(VOCABULARY);
                mask[b * STEPS + s] = s < length ? 1 : 0;
            }
            kinds[b] = random.nextInt(5);
            values[b] = (float) random.nextGaussian();
        }
        INDArray idArray = Nd4j.createFromArray(ids).reshape(BATCH, STEPS);
        INDArray maskArray = Nd4j.create(mask, new long[] {BATCH, STEPS}, 'c');
        INDArray[] inputs = workload.equals("attention") ? new INDArray[] {idArray, maskArray}
                : new INDArray[] {idArray};
        return new INDArray[][] {inputs, {Nd4j.create(kinds, new long[] {BATCH}, 'c'),
                Nd4j.create(values, new long[] {BATCH, 1}, 'c')}};
    }
}
