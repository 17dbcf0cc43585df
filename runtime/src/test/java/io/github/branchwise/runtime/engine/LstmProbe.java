package io.github.branchwise.runtime.engine;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.ExecutorKind;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.training.Trainer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.recurrent.config.LSTMActivations;
import org.nd4j.linalg.api.ops.impl.layers.recurrent.config.LSTMDataFormat;
import org.nd4j.linalg.api.ops.impl.layers.recurrent.config.LSTMDirectionMode;
import org.nd4j.linalg.api.ops.impl.layers.recurrent.config.LSTMLayerConfig;
import org.nd4j.linalg.api.ops.impl.layers.recurrent.weights.LSTMLayerWeights;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The measurement behind {@code Layers.lstm}'s choice: a training step of ND4J's {@code lstmLayer} op against the
 * unrolled layer, on the same weights (the unrolled layer's initial values copied into the op's), with either executor;
 * prints the loss after the timed steps (the two agree to float precision) and the median-free mean ms a step, then
 * the compiled plan's slowest ops. Arguments: {@code builtin|unrolled COMPILED|SAMEDIFF steps}; {@code -DT=} steps of
 * the sequence (20), {@code -DB=} batch (32). Run like the other probes (docs/performance.md, "Probes").
 */
public final class LstmProbe {
    private static final int FEATURES = 16;
    private static final int UNITS = 32;

    private LstmProbe() {
    }

    public static void main(String[] args) {
        boolean builtin = args[0].equals("builtin");
        ExecutorKind kind = ExecutorKind.valueOf(args[1]);
        int steps = Integer.parseInt(args[2]);
        int t = Integer.getInteger("T", 20);
        int b = Integer.getInteger("B", 32);
        ModelSpec spec = ModelSpec.builder("probe.Lstm")
                .input("x", t, FEATURES)
                .branch("a", new long[] {UNITS}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .branch("b", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.fixed(1, 1))
                .graph(scope -> {
                    Layers nn = scope.layers("a");
                    SDVariable last;
                    if (builtin) {
                        // Parameters named as the unrolled layer's, so one seed gives both the same values.
                        SDVariable w = nn.parameter("lstm_0/W", true, FEATURES, 4 * UNITS);
                        SDVariable u = nn.parameter("lstm_0/U", true, UNITS, 4 * UNITS);
                        SDVariable bias = nn.parameter("lstm_0/b", false, 4 * UNITS);
                        LSTMLayerConfig config = LSTMLayerConfig.builder().lstmdataformat(LSTMDataFormat.NTS)
                                .directionMode(LSTMDirectionMode.FWD).gateAct(LSTMActivations.SIGMOID)
                                .cellAct(LSTMActivations.TANH).outAct(LSTMActivations.TANH)
                                .retFullSequence(false).retLastH(true).retLastC(false).build();
                        last = scope.sameDiff().rnn().lstmLayer(scope.input("x"), LSTMLayerWeights.builder()
                                .weights(w).rWeights(u).bias(bias).build(), config)[0];
                    } else {
                        last = nn.lstm(scope.input("x"), UNITS, false);
                    }
                    scope.output("a", last);
                    Layers head = scope.layers("b");
                    scope.output("b", head.dense(last, 1));
                }).build();
        Trainer trainer = Trainer.create(spec, TrainingOptions.builder().executor(kind).updater(new Sgd(0.01))
                .seed(3).dataType(DataType.FLOAT).build());
        if (builtin) {
            // The unrolled layer's initial values (orthogonal U, forget bias one) for the op's parameters.
            Trainer unrolled = Trainer.create(ModelSpec.builder("probe.Init").input("x", t, FEATURES)
                    .branch("a", new long[] {UNITS}, Loss.MEAN_SQUARED_ERROR, 1.0)
                    .branch("b", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                    .weighting(WeightingSpec.fixed(1, 1))
                    .graph(scope -> {
                        SDVariable last = scope.layers("a").lstm(scope.input("x"), UNITS, false);
                        scope.output("a", last);
                        scope.output("b", scope.layers("b").dense(last, 1));
                    }).build(), TrainingOptions.builder().seed(3).dataType(DataType.FLOAT).build());
            trainer.setParameters(unrolled.parameters());
        }
        Nd4j.getRandom().setSeed(1);
        INDArray[] x = {Nd4j.rand(DataType.FLOAT, b, t, FEATURES).subi(0.5)};
        INDArray[] y = {Nd4j.rand(DataType.FLOAT, b, UNITS), Nd4j.rand(DataType.FLOAT, b, 1)};
        for (int s = 0; s < 5; s++) {
            trainer.fit(x, y);
        }
        long start = System.nanoTime();
        for (int s = 0; s < steps; s++) {
            trainer.fit(x, y);
        }
        double ms = (System.nanoTime() - start) / 1e6 / steps;
        System.out.printf("%s %s T=%d B=%d: %.2f ms/step, loss after %s%n", args[0], kind, t, b, ms,
                trainer.evaluate(x, y));
        if (kind == ExecutorKind.COMPILED) {
            trainer.profileLastStep(10).stream().limit(8).forEach(System.out::println);
        }
    }
}
