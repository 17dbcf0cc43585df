package io.github.branchwise.benchmarks;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.ExecutorKind;
import io.github.branchwise.runtime.Interpolation;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.Padding;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.training.Trainer;
import java.util.Arrays;
import java.util.Random;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * A conv trunk built from the stateless layers (issue 14), the model of {@code benchmarks/peers/torch_conv_trunk.py}:
 * median ms of one SGD step (lr 0.01, FIXED 0.5/0.5) with the compiled executor and with SameDiff's sessions. Run the
 * peer with the same thread count to put PyTorch beside it:
 *
 * <pre>
 * mvn -B -o -q -pl benchmarks -am package -DskipTests
 * OMP_NUM_THREADS=1 java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) \
 *     io.github.branchwise.benchmarks.StatelessLayersStep [steps]
 * /usr/bin/python3 benchmarks/peers/torch_conv_trunk.py 1
 * </pre>
 *
 * <p>Image {@code [32, 32, 3]}, batch 32. Trunk: conv 3x3 same 16 ReLU, layer norm, average pool 2, conv 3x3 same 32
 * ReLU plus a residual conv 3x3 same 32 ({@code add}), average pool 2 ({@code [8, 8, 32]}). Heads: global average
 * pool, dense 10, softmax (sparse CE); bilinear upsampling x2, concatenated with the first pooled map, transposed
 * conv 3x3 stride 2 same 16 ReLU back to 32x32, conv 1x1 sigmoid (BCE), a dense-prediction map at the input's size.
 * Not a JMH benchmark: a quick side-by-side on a machine where JMH's full runs take too long.
 */
public final class StatelessLayersStep {
    /** The batch size, as the peer's. */
    public static final int BATCH = 32;

    private StatelessLayersStep() {
    }

    /** The model. */
    public static ModelSpec spec() {
        return ModelSpec.builder("bench.ConvTrunk")
                .input("image", 32, 32, 3)
                .branch("classes", new long[] {10}, Loss.SPARSE_CATEGORICAL_CROSSENTROPY, 1.0)
                .branch("mask", new long[] {32, 32, 1}, Loss.BINARY_CROSSENTROPY, 1.0)
                .weighting(WeightingSpec.fixed(0.5, 0.5))
                .graph(scope -> {
                    Layers trunk = scope.layers("trunk");
                    SDVariable c1 = trunk.conv2d(scope.input("image"), 16, 3, 1, Padding.SAME, Activation.RELU);
                    SDVariable p1 = trunk.avgPool2d(trunk.layerNorm(c1), 2);
                    SDVariable c2 = trunk.conv2d(p1, 32, 3, 1, Padding.SAME, Activation.RELU);
                    SDVariable residual = trunk.add(c2, trunk.conv2d(c2, 32, 3, 1, Padding.SAME,
                            Activation.IDENTITY));
                    SDVariable p2 = trunk.avgPool2d(residual, 2);
                    Layers classes = scope.layers("classes");
                    scope.output("classes", classes.softmax(classes.dense(classes.globalAvgPool2d(p2), 10)));
                    Layers mask = scope.layers("mask");
                    SDVariable up = mask.upsample2d(p2, 2, Interpolation.BILINEAR);
                    SDVariable joined = mask.concat(up, p1);
                    SDVariable full = mask.conv2dTranspose(joined, 16, 3, 2, Padding.SAME, Activation.RELU);
                    scope.output("mask", mask.conv2d(full, 1, 1, Activation.SIGMOID));
                })
                .build();
    }

    /** One random batch, {inputs, targets}: images uniform in [0, 1), class ids, binary masks. */
    public static INDArray[][] data(long seed) {
        Random random = new Random(seed);
        float[] image = new float[BATCH * 32 * 32 * 3];
        for (int i = 0; i < image.length; i++) {
            image[i] = random.nextFloat();
        }
        float[] classes = new float[BATCH];
        for (int i = 0; i < BATCH; i++) {
            classes[i] = random.nextInt(10);
        }
        float[] mask = new float[BATCH * 32 * 32];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = random.nextBoolean() ? 1 : 0;
        }
        return new INDArray[][] {{Nd4j.createFromArray(image).reshape(BATCH, 32, 32, 3)},
                {Nd4j.createFromArray(classes), Nd4j.createFromArray(mask).reshape(BATCH, 32, 32, 1)}};
    }

    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        INDArray[][] data = data(1);
        System.out.println("| executor | median ms/step | steps | OMP_NUM_THREADS |");
        System.out.println("|---|---|---|---|");
        for (ExecutorKind executor : ExecutorKind.values()) {
            Trainer trainer = Trainer.create(spec(), TrainingOptions.builder().seed(1).updater(new Sgd(0.01))
                    .dataType(DataType.FLOAT).executor(executor).build());
            for (int i = 0; i < Math.max(5, steps / 5); i++) {
                trainer.fit(data[0], data[1]);
            }
            long[] times = new long[steps];
            for (int i = 0; i < steps; i++) {
                long t0 = System.nanoTime();
                trainer.fit(data[0], data[1]);
                times[i] = System.nanoTime() - t0;
            }
            Arrays.sort(times);
            System.out.printf("| %s | %.3f | %d | %s |%n", executor, times[steps / 2] / 1e6, steps,
                    System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
        }
    }
}
