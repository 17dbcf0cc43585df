package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Finite-difference check, in double precision, of the training-mode gradient of models with batch norm and dropout:
 * the analytic gradient of {@link SameDiffExecutor#forwardBackward} against central differences of the training
 * pass's total loss (the same step, so the same dropout masks; a training pass alone moves no statistics), for every
 * trainable parameter along a random direction and at a few elements. Also with the batch norms frozen, where they
 * normalise with their moving statistics and the gradient flows through those constants instead.
 */
class ModesGradientCheckTest {
    private static final double H = 1e-6;
    private static final double RELATIVE = 1e-5;
    private static final double ABSOLUTE = 1e-9;
    private static final int BATCH = 6;

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of(Named.of("dense, training", ModeModels.dense(WeightingSpec.fixed(0.7, 1.3))), false),
                Arguments.of(Named.of("conv, training", ModeModels.conv(WeightingSpec.fixed(1.0, 0.5))), false),
                Arguments.of(Named.of("dense, batch norms frozen", ModeModels.dense(WeightingSpec.fixed(1, 1))), true),
                Arguments.of(Named.of("conv, batch norm frozen", ModeModels.conv(WeightingSpec.fixed(1, 1))), true),
                Arguments.of(Named.of("MTAN attention modules, training",
                        ArchitectureModels.mtan(WeightingSpec.fixed(1.0, 0.5))), false),
                Arguments.of(Named.of("MTAN attention modules, batch norms frozen",
                        ArchitectureModels.mtan(WeightingSpec.fixed(1.0, 1.0))), true));
    }

    @ParameterizedTest
    @MethodSource("models")
    void analyticGradientMatchesCentralDifference(ModelSpec spec, boolean frozen) {
        Random random = new Random(spec.modelName().length() * 31L + (frozen ? 1 : 0));
        TrainableModel model = TrainableModel.create(spec, TrainingOptions.builder().dataType(DataType.DOUBLE)
                .updater(new Sgd(0.1)).seed(19).build());
        // A few steps so that γ, β and the moving statistics are away from their initial values.
        for (int step = 0; step < 3; step++) {
            INDArray[][] data = CompiledExecutorTest.batch(spec, DataType.DOUBLE, BATCH, random);
            model.step().run(data[0], data[1], false);
        }
        Network network = model.network();
        SameDiffExecutor executor = new SameDiffExecutor(network);
        if (frozen) {
            for (String layer : List.of("trunk/batch_norm_0", "b/batch_norm_0", "map/task_attention_0",
                    "kind/task_attention_1")) {
                if (network.parameters().containsKey(layer + "/gamma")
                        || network.parameters().containsKey(layer + "/batch_norm_0/gamma")) {
                    model.parameters().freeze(layer);
                }
            }
            Set<String> trainable = new LinkedHashSet<>(network.parameters().keySet());
            trainable.removeAll(model.parameters().frozen());
            executor.trainableParametersChanged(trainable);
            assertTrue(!network.modes().frozenLayers().isEmpty());
        }
        INDArray[][] data = CompiledExecutorTest.batch(spec, DataType.DOUBLE, BATCH, random);
        StepExecutor.PassResult outcome = executor.forwardBackward(data[0], data[1]);
        double base = outcome.losses().total();
        assertEquals(base, loss(executor, data), 0.0, "a training pass is repeatable: the same masks");

        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (Map.Entry<String, INDArray> entry : outcome.gradients().entrySet()) {
            String name = entry.getKey();
            INDArray value = network.parameters().get(name).getArr();
            INDArray gradient = entry.getValue().dup();
            INDArray direction = randomDirection(value, random);
            INDArray original = value.dup();
            value.addi(direction.mul(H));
            double plus = loss(executor, data);
            value.assign(original).subi(direction.mul(H));
            double minus = loss(executor, data);
            value.assign(original);
            double along = gradient.reshape(-1).mul(direction.reshape(-1)).sumNumber().doubleValue();
            checked++;
            compare(name + " along a random direction", along, (plus - minus) / (2 * H), failures);
            for (long i : new long[] {0, value.length() / 2, value.length() - 1}) {
                double v = value.getDouble(i);
                value.putScalar(i, v + H);
                plus = loss(executor, data);
                value.putScalar(i, v - H);
                minus = loss(executor, data);
                value.putScalar(i, v);
                checked++;
                compare(name + "[" + i + "]", gradient.getDouble(i), (plus - minus) / (2 * H), failures);
            }
        }
        assertTrue(checked > 20, checked + " checks");
        assertEquals(base, loss(executor, data), 0.0, "parameters restored after the check");
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + checked + " gradient elements differ:\n" + String.join("\n", failures));
        }
        for (SDVariable state : network.layerStates().values()) {
            assertTrue(!outcome.gradients().containsKey(state.name()));
        }
    }

    private static double loss(SameDiffExecutor executor, INDArray[][] data) {
        return executor.forwardBackward(data[0], data[1]).losses().total();
    }

    private static void compare(String what, double exact, double numeric, List<String> failures) {
        if (Math.abs(exact - numeric) > RELATIVE * Math.max(Math.abs(exact), Math.abs(numeric)) + ABSOLUTE) {
            failures.add(what + ": analytic " + exact + ", numeric " + numeric);
        }
    }

    private static INDArray randomDirection(INDArray like, Random random) {
        double[] values = new double[(int) like.length()];
        for (int i = 0; i < values.length; i++) {
            values[i] = 2 * random.nextDouble() - 1;
        }
        return Nd4j.create(values, like.shape(), DataType.DOUBLE);
    }
}
