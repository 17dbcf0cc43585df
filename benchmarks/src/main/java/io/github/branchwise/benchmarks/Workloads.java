package io.github.branchwise.benchmarks;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.Padding;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import java.util.Random;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The four workloads of {@code ../shared/peers/torch_workloads.py} as model specs, written the way the annotation
 * processor generates them, and their random batches (NHWC images where PyTorch uses NCHW).
 */
public final class Workloads {
    private Workloads() {
    }

    /** A workload: its model, batch size and data. */
    public enum Workload {
        /** The seed's Detector: conv 3x3 to 1 channel (sigmoid, BCE), dense 50 to 2 (sigmoid, BCE); batch 7. */
        SEED_7(7),
        /** The same model, batch 1024. */
        SEED_1024(1024),
        /** Dense 784-512-256 ReLU trunk, softmax-10 (sparse CE) and linear-1 (MSE) heads; batch 256. */
        MLP_256(256),
        /** 2x(conv3x3 same + ReLU + max-pool 2) trunk 32-64 filters, softmax-10 and linear-4 heads; batch 64. */
        CNN_64(64),
        /**
         * A small shared trunk (Dense 32-64-32 ReLU) with three heads: softmax-10 (sparse CE), linear-1 (MSE),
         * sigmoid-4 (BCE); batch 64. The weighting-strategy benchmark's model (no PyTorch peer).
         */
        TRUNK_64(64);

        private final int batch;

        Workload(int batch) {
            this.batch = batch;
        }

        /** The batch size. */
        public int batch() {
            return batch;
        }

        /** The name the PyTorch peer prints: seed, mlp or cnn. */
        public String peerName() {
            return switch (this) {
                case SEED_7, SEED_1024 -> "seed";
                case MLP_256 -> "mlp";
                case CNN_64 -> "cnn";
                case TRUNK_64 -> "trunk";
            };
        }

        /** The number of branches. */
        public int branches() {
            return this == TRUNK_64 ? 3 : 2;
        }

        /** The model under a strategy with the benchmarks' settings ({@link Workloads#weighting}). */
        public ModelSpec spec(io.github.branchwise.annotations.Weighting weighting) {
            return spec(Workloads.weighting(weighting, branches()));
        }

        /**
         * Why a strategy has no meaning on this workload (the runtime refuses it), or null when it does. The seed
         * model has no {@code @Shared} parameters: GRADNORM throws there (it measures gradient norms on the last
         * shared layer). PCGRAD runs and is the plain gradient of the sum of the losses (nothing shared to project),
         * MGDA runs over all parameters; both are kept.
         */
        public String excluded(io.github.branchwise.annotations.Weighting weighting) {
            if (weighting == io.github.branchwise.annotations.Weighting.CUSTOM) {
                return "CUSTOM needs a user Weighter class";
            }
            if ((this == SEED_7 || this == SEED_1024) && weighting == io.github.branchwise.annotations.Weighting.GRADNORM) {
                return "the seed model has no @Shared layer, and GRADNORM needs one (the runtime throws)";
            }
            return null;
        }

        /** The model under any weighting. */
        public ModelSpec spec(WeightingSpec w) {
            return switch (this) {
                case SEED_7, SEED_1024 -> seed(w);
                case MLP_256 -> mlp(w);
                case CNN_64 -> cnn(w);
                case TRUNK_64 -> trunk(w);
            };
        }

        /** One random batch, {inputs, targets}, like the peer's {@code data()}. */
        public INDArray[][] data(long seed) {
            Random random = new Random(seed);
            return switch (this) {
                case SEED_7, SEED_1024 -> new INDArray[][] {{uniform(random, batch, 5, 5, 2)},
                        {round(uniform(random, batch, 3, 3, 1)), round(uniform(random, batch, 2))}};
                case MLP_256 -> new INDArray[][] {{uniform(random, batch, 784)},
                        {classes(random, batch, 10), uniform(random, batch, 1)}};
                case CNN_64 -> new INDArray[][] {{uniform(random, batch, 32, 32, 3)},
                        {classes(random, batch, 10), uniform(random, batch, 4)}};
                case TRUNK_64 -> new INDArray[][] {{uniform(random, batch, 32)},
                        {classes(random, batch, 10), uniform(random, batch, 1), round(uniform(random, batch, 4))}};
            };
        }
    }

    /**
     * Every strategy with the settings a user would start from, the one place the benchmarks take them from:
     * FIXED 1/K each (0.5/0.5 as in the peer), TRAINABLE α from 1/K in [0, 1], SCHEDULED a cosine ramp over 10 000
     * steps from 1/K each to twice the first weight and the last one reduced by 1/K, UNCERTAINTY, DWA with T = 2,
     * RLW, GLS, GRADNORM with a = 1.5 on the last shared layer, PCGRAD, MGDA. CUSTOM needs a user class: none here.
     */
    public static WeightingSpec weighting(io.github.branchwise.annotations.Weighting strategy, int branches) {
        double[] equal = new double[branches];
        java.util.Arrays.fill(equal, 1.0 / branches);
        return switch (strategy) {
            case FIXED -> WeightingSpec.fixed(equal);
            case TRAINABLE -> WeightingSpec.trainable(1.0 / branches, 0.0, 1.0);
            case SCHEDULED -> {
                double[] end = scheduledEnd(branches);
                yield WeightingSpec.scheduled(equal, end, io.github.branchwise.annotations.Ramp.COSINE, SCHEDULE_STEPS,
                        io.github.branchwise.annotations.RampUnit.STEP);
            }
            case UNCERTAINTY -> WeightingSpec.uncertainty();
            case DWA -> WeightingSpec.dwa(DWA_TEMPERATURE);
            case RLW -> WeightingSpec.rlw();
            case GLS -> WeightingSpec.gls();
            case GRADNORM -> WeightingSpec.gradNorm(GRADNORM_ASYMMETRY, "");
            case PCGRAD -> WeightingSpec.pcGrad();
            case MGDA -> WeightingSpec.mgda();
            // The newer strategies with their annotation defaults.
            case CAGRAD -> WeightingSpec.caGrad();
            case STCH -> WeightingSpec.stch(1.0, 4);
            case FAMO -> WeightingSpec.famo(0.025, 0.001);
            case IMTL -> WeightingSpec.imtl(io.github.branchwise.annotations.ImtlMode.HYBRID,
                    io.github.branchwise.annotations.GradientSource.PARAMETERS);
            case ALIGNED_MTL -> WeightingSpec.alignedMtl(io.github.branchwise.annotations.GradientSource.PARAMETERS);
            case GRADVAC -> WeightingSpec.gradVac(0.01, io.github.branchwise.annotations.GradVacGroups.WHOLE_MODEL);
            case SDMGRAD -> WeightingSpec.sdmGrad(0.3, 20);
            case MODO -> WeightingSpec.moDo(0.001, 0.1);
            case UPGRAD -> WeightingSpec.upGrad();
            case NASH_MTL -> WeightingSpec.nashMtl();
            case FAIRGRAD -> WeightingSpec.fairGrad();
            case GRADDROP -> WeightingSpec.gradDrop(0.0);
            case DB_MTL -> WeightingSpec.dbMtl(0.9, 0.0);
            case MOCO -> WeightingSpec.moco(0.5, 0.5, 0.1, 0.5, 0.0);
            case EXCESS_MTL -> WeightingSpec.excessMtl(0.01);
            // The floor of the gradient-level strategies: K passes and their plain sum (KPassesFloor).
            case CUSTOM -> WeightingSpec.custom(KPassesFloor::new);
            default -> throw new IllegalArgumentException("no benchmark setting for " + strategy);
        };
    }

    /** SCHEDULED: the ramp's length in steps. */
    static final long SCHEDULE_STEPS = 10_000;
    /** DWA: the temperature. */
    static final double DWA_TEMPERATURE = 2.0;
    /** GRADNORM: the asymmetry a. */
    static final double GRADNORM_ASYMMETRY = 1.5;

    /** SCHEDULED: the end weights of the ramp. */
    static double[] scheduledEnd(int branches) {
        double[] end = new double[branches];
        java.util.Arrays.fill(end, 1.0 / branches);
        end[0] *= 2;
        end[branches - 1] = Math.max(0, end[branches - 1] - 1.0 / branches);
        return end;
    }

    static ModelSpec seed(WeightingSpec weighting) {
        return ModelSpec.builder("bench.Detector")
                .input("image", 5, 5, 2)
                .branch("localization", new long[] {3, 3, 1}, Loss.BINARY_CROSSENTROPY, 1.0)
                .branch("classification", new long[] {2}, Loss.BINARY_CROSSENTROPY, 1.0)
                .weighting(weighting)
                .graph(scope -> {
                    SDVariable image = scope.input("image");
                    Layers loc = scope.layers("localization");
                    scope.output("localization", loc.conv2d(image, 1, 3, Activation.SIGMOID));
                    Layers cls = scope.layers("classification");
                    scope.output("classification", cls.dense(cls.flatten(image), 2, Activation.SIGMOID));
                })
                .build();
    }

    static ModelSpec mlp(WeightingSpec weighting) {
        return ModelSpec.builder("bench.Mlp")
                .input("x", 784)
                .branch("classes", new long[] {10}, Loss.SPARSE_CATEGORICAL_CROSSENTROPY, 1.0)
                .branch("value", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(weighting)
                .graph(scope -> {
                    Layers trunk = scope.layers("trunk");
                    SDVariable h = trunk.dense(scope.input("x"), 512, Activation.RELU);
                    h = trunk.dense(h, 256, Activation.RELU);
                    scope.output("classes", scope.layers("classes").dense(h, 10, Activation.SOFTMAX));
                    scope.output("value", scope.layers("value").dense(h, 1, Activation.IDENTITY));
                })
                .build();
    }

    static ModelSpec cnn(WeightingSpec weighting) {
        return ModelSpec.builder("bench.Cnn")
                .input("image", 32, 32, 3)
                .branch("classes", new long[] {10}, Loss.SPARSE_CATEGORICAL_CROSSENTROPY, 1.0)
                .branch("box", new long[] {4}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(weighting)
                .graph(scope -> {
                    Layers trunk = scope.layers("trunk");
                    SDVariable h = trunk.conv2d(scope.input("image"), 32, 3, 1, Padding.SAME, Activation.RELU);
                    h = trunk.maxPool2d(h, 2);
                    h = trunk.conv2d(h, 64, 3, 1, Padding.SAME, Activation.RELU);
                    h = trunk.flatten(trunk.maxPool2d(h, 2));
                    scope.output("classes", scope.layers("classes").dense(h, 10, Activation.SOFTMAX));
                    scope.output("box", scope.layers("box").dense(h, 4, Activation.IDENTITY));
                })
                .build();
    }

    static ModelSpec trunk(WeightingSpec weighting) {
        return ModelSpec.builder("bench.Trunk")
                .input("x", 32)
                .branch("classes", new long[] {10}, Loss.SPARSE_CATEGORICAL_CROSSENTROPY, 1.0)
                .branch("value", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("flags", new long[] {4}, Loss.BINARY_CROSSENTROPY, 1.0)
                .weighting(weighting)
                .graph(scope -> {
                    Layers trunk = scope.layers("trunk");
                    SDVariable h = trunk.dense(scope.input("x"), 64, Activation.RELU);
                    h = trunk.dense(h, 32, Activation.RELU);
                    scope.output("classes", scope.layers("classes").dense(h, 10, Activation.SOFTMAX));
                    scope.output("value", scope.layers("value").dense(h, 1, Activation.IDENTITY));
                    scope.output("flags", scope.layers("flags").dense(h, 4, Activation.SIGMOID));
                })
                .build();
    }

    private static INDArray uniform(Random random, long... shape) {
        INDArray a = Nd4j.create(DataType.FLOAT, shape);
        float[] values = new float[(int) a.length()];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextFloat();
        }
        return Nd4j.createFromArray(values).reshape(shape);
    }

    private static INDArray round(INDArray a) {
        return org.nd4j.linalg.ops.transforms.Transforms.round(a, false);
    }

    private static INDArray classes(Random random, int batch, int n) {
        float[] values = new float[batch];
        for (int i = 0; i < batch; i++) {
            values[i] = random.nextInt(n);
        }
        return Nd4j.createFromArray(values);
    }
}
