package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.ExecutorKind;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.Padding;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelGraph;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.training.GateWeights;
import io.github.branchwise.runtime.training.Trainer;
import io.github.branchwise.runtime.training.TrainerAccess;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Experts, gates, stitches and task attention built through {@link ModelGraph}: memoisation, the errors of misuse
 * when the model is created, the summary's parameter counts (worked out by hand), which parameters the
 * gradient-level strategies treat as shared, every weighting strategy with a gate model, save and load, and the gate
 * weights of a step on both executors.
 */
class ArchitecturesTest {
    private static ModelSpec spec(Consumer<ModelGraph> graph) {
        return ModelSpec.builder("test.Misuse")
                .input("x", 5)
                .input("image", 4, 4, 2)
                .branch("y", new long[] {1}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.fixed(1.0))
                .graph(graph::accept)
                .build();
    }

    private static String error(Class<? extends Throwable> type, Consumer<ModelGraph> graph) {
        return assertThrows(type, () -> Trainer.create(spec(graph), TrainingOptions.builder().build())).getMessage();
    }

    private static void head(ModelGraph scope, SDVariable x) {
        Layers y = scope.layers("y");
        scope.output("y", y.dense(y.flatten(x), 1));
    }

    @Test
    void expertsAndGatesAreBuiltOnceAndMisuseIsRefusedWithTheNames() {
        Trainer.create(spec(scope -> {
            SDVariable x = scope.input("x");
            List<SDVariable> experts = scope.experts("e", 2, x, ArchitectureModels::expert);
            assertSame(experts, scope.experts("e", 2, x, ArchitectureModels::expert));
            SDVariable gate = scope.gate("g", List.of("e"), x);
            assertSame(gate, scope.gate("g", List.of("e"), x));
            SDVariable stitch = scope.stitch("s", experts, 0.9, 0.1, false);
            assertSame(stitch, scope.stitch("s", experts, 0.9, 0.1, false));
            head(scope, scope.layers("y").add(gate, stitch));
        }), TrainingOptions.builder().build());

        String count = error(IllegalArgumentException.class, scope -> scope.experts("e", 0, scope.input("x"),
                ArchitectureModels::expert));
        assertTrue(count.contains("'e'") && count.contains("0"), count);
        String again = error(IllegalStateException.class, scope -> {
            scope.experts("e", 2, scope.input("x"), ArchitectureModels::expert);
            scope.experts("e", 3, scope.input("x"), ArchitectureModels::expert);
        });
        assertTrue(again.contains("'e'") && again.contains("2") && again.contains("3"), again);
        String unknown = error(IllegalStateException.class, scope -> {
            scope.experts("shared", 2, scope.input("x"), ArchitectureModels::expert);
            scope.gate("clickGate", List.of("clickOwn", "shared"), scope.input("x"));
        });
        assertTrue(unknown.contains("gate 'clickGate'") && unknown.contains("'clickOwn'"), unknown);
        String shapes = error(IllegalArgumentException.class, scope -> {
            scope.experts("narrow", 1, scope.input("x"), (nn, in) -> nn.dense(in, 3));
            scope.experts("wide", 2, scope.input("x"), (nn, in) -> nn.dense(in, 4));
            scope.gate("g", List.of("narrow", "wide"), scope.input("x"));
        });
        assertTrue(shapes.contains("gate 'g'") && shapes.contains("'narrow/0' [batch, 3]")
                && shapes.contains("'wide/0' [batch, 4]") && shapes.contains("'wide/1' [batch, 4]"), shapes);
        String twice = error(IllegalArgumentException.class, scope -> {
            scope.experts("e", 2, scope.input("x"), ArchitectureModels::expert);
            scope.gate("g", List.of("e", "e"), scope.input("x"));
        });
        assertTrue(twice.contains("gate 'g'"), twice);
        String stitch = error(IllegalArgumentException.class, scope -> {
            Layers a = scope.layers("a");
            scope.stitch("s", List.of(a.dense(scope.input("x"), 3), a.dense(scope.input("x"), 4)), 0.9, 0.1, false);
        });
        assertTrue(stitch.contains("stitch 's'") && stitch.contains("[batch, 3]") && stitch.contains("[batch, 4]"),
                stitch);
        String one = error(IllegalArgumentException.class, scope -> scope.stitch("s", List.of(scope.input("x")), 1,
                1, false));
        assertTrue(one.contains("stitch 's'") && one.contains("2"), one);
        String attention = error(IllegalArgumentException.class, scope -> {
            Layers y = scope.layers("y");
            SDVariable image = scope.input("image");
            y.taskAttention(image, y.maxPool2d(image, 2), null);
        });
        assertTrue(attention.startsWith("taskAttention 'y/task_attention_0' needs middle, end of one height and "
                + "width"), attention);
        String flat = error(IllegalArgumentException.class, scope -> {
            Layers y = scope.layers("y");
            y.taskAttention(scope.input("image"), scope.input("image"), scope.input("x"));
        });
        assertTrue(flat.startsWith("taskAttention 'y/task_attention_0' needs input of shape [batch, height, width, "
                + "channels]"), flat);
    }

    @Test
    void summaryCountsExpertsGatesStitchesAndAttentionModules() {
        // MMoE: 3 experts Dense(5 -> 4): 3 · (5·4 + 4) = 72; two gates W [5, 3] + b [3] = 18 each, 36; click
        // Dense(4 -> 1) = 5; conversion Dense(4 -> 3) + Dense(3 -> 2) = 15 + 8 = 23; FIXED has no parameters.
        // 72 + 36 + 5 + 23 = 136.
        String mmoe = summary(ArchitectureModels.mmoe(WeightingSpec.fixed(1, 1)));
        assertTrue(mmoe.contains("Total params: 136\n"), mmoe);
        assertTrue(mmoe.contains("experts expert/0") && mmoe.contains("gate clickGate"), mmoe);
        assertTrue(mmoe.lines().anyMatch(l -> l.contains("Gate(expert x3)") && l.trim().endsWith(" 18")), mmoe);
        // Cross-stitch: left1, right1 Conv2D(3, 3x3) over 1 channel: 9·3 + 3 = 30 each; left2, right2 over 3
        // channels: 27·3 + 3 = 84 each; heads over 6·6·3 = 108 features: Dense(2) 218, Dense(3) 327; four stitches of
        // α [2] = 8. 30 + 30 + 84 + 84 + 218 + 327 + 8 = 781. Per channel: α [2, 3] each, 24, so 797.
        String stitch = summary(ArchitectureModels.crossStitch(false, WeightingSpec.fixed(1, 1)));
        assertTrue(stitch.contains("Total params: 781\n"), stitch);
        assertTrue(stitch.contains("stitch leftStitched1"), stitch);
        assertTrue(summary(ArchitectureModels.crossStitch(true, WeightingSpec.fixed(1, 1)))
                .contains("Total params: 797\n"));
        // MTAN: trunk convolutions 3·3·2·4 + 4 = 76, then three of 3·3·4·4 + 4 = 148: 520. A first-level module over
        // 4 channels: two Conv2D(4, 1x1) of 4·4 + 4 = 20 and two batch norms of 8 trainable (+ 8 state): 56 (+ 16).
        // The second-level module reads 4 + 4 channels: 8·4 + 4 = 36 + 8 + 20 + 8 = 72 (+ 16). map: module 56 +
        // Conv2D(1, 1x1) 5; kind: module 56, Conv2D(4, 3x3) 148, module 72, Dense(3) over 36 = 111.
        // Trainable 520 + 61 + 387 = 968; layer state 3 · 16 = 48; total 1016.
        String mtan = summary(ArchitectureModels.mtan(WeightingSpec.fixed(1, 1)));
        assertTrue(mtan.contains("Total params: 1016\nTrainable params: 968\n"), mtan);
        assertTrue(mtan.contains("Non-trainable params (layer state): 48"), mtan);
        assertTrue(mtan.contains("task_attention_1/conv2d_0"), mtan);
        assertFalse(mtan.contains("shared map/"), mtan);
    }

    private static String summary(ModelSpec spec) {
        return Trainer.create(spec, TrainingOptions.builder().build()).summary();
    }

    @Test
    void sharedParametersAreThoseSeveralBranchLossesDependOn() {
        // CGC: the shared group feeds both gates; each task's own experts and gate feed one branch.
        Map<String, List<String>> cgc = TrainerAccess.network(Trainer.create(
                ArchitectureModels.cgc(WeightingSpec.pcGrad()), TrainingOptions.builder().build())).sharedScopes();
        assertEquals(Set.of("shared"), cgc.keySet());
        assertEquals(List.of("shared/0/dense_0/W", "shared/0/dense_0/b", "shared/1/dense_0/W", "shared/1/dense_0/b"),
                cgc.get("shared"));
        // PLE: every level-1 group feeds the shared gate, hence level 2's shared experts, hence both branches; so does
        // that gate; the task gates of level 1 feed their own task only.
        Map<String, List<String>> ple = TrainerAccess.network(Trainer.create(
                ArchitectureModels.ple(WeightingSpec.mgda()), TrainingOptions.builder().build())).sharedScopes();
        assertEquals(List.of("shared1", "click1", "conversion1", "sharedGate1", "shared2"),
                List.copyOf(ple.keySet()));
        // MMoE: one group read by both gates.
        Map<String, List<String>> mmoe = TrainerAccess.network(Trainer.create(
                ArchitectureModels.mmoe(WeightingSpec.gradNorm(1.5, "")), TrainingOptions.builder().build()))
                .sharedScopes();
        assertEquals(Set.of("expert"), mmoe.keySet());
        // Cross-stitch: the columns are @Shared methods (shared as ever) and every stitch mixes both columns' paths.
        Map<String, List<String>> stitch = TrainerAccess.network(Trainer.create(
                ArchitectureModels.crossStitch(false, WeightingSpec.pcGrad()), TrainingOptions.builder().build()))
                .sharedScopes();
        assertEquals(List.of("left1", "right1", "leftStitched1", "rightStitched1", "left2", "right2"),
                List.copyOf(stitch.keySet()).subList(0, 6));
    }

    static Stream<Arguments> strategies() {
        return Stream.of(WeightingSpec.fixed(0.3, 0.7), WeightingSpec.trainable(0.5, 0.0, 1.0),
                        WeightingSpec.uncertainty(), WeightingSpec.dwa(2.0), WeightingSpec.rlw(), WeightingSpec.gls(),
                        WeightingSpec.gradNorm(1.5, ""), WeightingSpec.pcGrad(), WeightingSpec.mgda())
                .map(w -> Arguments.of(w.weighting().name(), w));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("strategies")
    void everyStrategyTrainsAGateModelOnBothExecutors(String name, WeightingSpec weighting) {
        ModelSpec spec = ArchitectureModels.cgc(weighting);
        Random random = new Random(name.hashCode());
        INDArray[][] batch = CompiledExecutorTest.batch(spec, DataType.DOUBLE, 6, random);
        Map<String, INDArray> before = null;
        for (ExecutorKind kind : ExecutorKind.values()) {
            Trainer trainer = Trainer.create(spec, TrainingOptions.builder().dataType(DataType.DOUBLE).seed(4)
                    .executor(kind).updater(new Sgd(0.05)).build());
            if (before == null) {
                before = trainer.parameterValues();
            }
            double first = 0;
            for (int step = 0; step < 3; step++) {
                double total = trainer.fit(batch[0], batch[1]).total();
                assertTrue(Double.isFinite(total), name + " " + kind);
                first = step == 0 ? total : first;
            }
            Map<String, INDArray> after = trainer.parameterValues();
            for (String p : List.of("shared/0/dense_0/W", "clickOwn/1/dense_0/W", "clickGate/W", "conversionGate/b")) {
                assertFalse(before.get(p).equalsWithEps(after.get(p), 1e-12), name + " " + kind + ": " + p
                        + " did not move");
            }
            List<GateWeights> gates = trainer.gateWeights();
            assertEquals(List.of("clickGate", "conversionGate"), gates.stream().map(GateWeights::gate).toList());
            for (GateWeights gate : gates) {
                double sum = gate.asMap().values().stream().mapToDouble(Double::doubleValue).sum();
                assertEquals(1.0, sum, 1e-12, name + " " + kind + " " + gate);
            }
        }
    }

    @Test
    void gateWeightsOfAStepAreTheSameOnBothExecutors() {
        ModelSpec spec = ArchitectureModels.ple(WeightingSpec.uncertainty());
        INDArray[][] batch = CompiledExecutorTest.batch(spec, DataType.DOUBLE, 7, new Random(5));
        List<List<GateWeights>> seen = new java.util.ArrayList<>();
        for (ExecutorKind kind : ExecutorKind.values()) {
            Trainer trainer = Trainer.create(spec, TrainingOptions.builder().dataType(DataType.DOUBLE).seed(8)
                    .executor(kind).updater(new Adam(0.01)).build());
            assertTrue(Double.isNaN(trainer.gateWeights().get(0).weight("click1", 0)), "NaN before a step");
            trainer.fit(batch[0], batch[1]);
            trainer.fit(batch[0], batch[1]);
            seen.add(trainer.gateWeights());
        }
        assertEquals(5, seen.get(0).size());
        for (int g = 0; g < 5; g++) {
            Map<String, Double> a = seen.get(0).get(g).asMap();
            Map<String, Double> b = seen.get(1).get(g).asMap();
            assertEquals(a.keySet(), b.keySet());
            a.forEach((column, value) -> assertEquals(value, b.get(column), 1e-12, column));
        }
    }

    @Test
    void savedAndLoadedModelsPredictTheSame(@TempDir Path dir) throws Exception {
        for (ModelSpec spec : List.of(ArchitectureModels.ple(WeightingSpec.uncertainty()),
                ArchitectureModels.crossStitch(true, WeightingSpec.trainable(0.5, 0, 1)),
                ArchitectureModels.mtan(WeightingSpec.uncertainty()))) {
            Trainer trainer = Trainer.create(spec, TrainingOptions.builder().seed(2).updater(new Adam(0.01)).build());
            Random random = new Random(3);
            for (int step = 0; step < 3; step++) {
                INDArray[][] batch = CompiledExecutorTest.batch(spec, DataType.FLOAT, 5, random);
                trainer.fit(batch[0], batch[1]);
            }
            Path file = dir.resolve(spec.modelName() + ".bwm");
            trainer.save(file);
            Trainer loaded = Trainer.load(spec, file);
            INDArray[][] batch = CompiledExecutorTest.batch(spec, DataType.FLOAT, 4, random);
            INDArray[] want = trainer.predictor().predict(batch[0]);
            INDArray[] got = loaded.predictor().predict(batch[0]);
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], spec.modelName());
            }
            trainer.parameterValues().forEach((name, value) -> assertEquals(value, loaded.parameterValues().get(name),
                    spec.modelName() + " " + name));
            // A further step from the same state is the same step: optimiser state and counters came back too.
            assertEquals(trainer.fit(batch[0], batch[1]).total(), loaded.fit(batch[0], batch[1]).total(), 0.0);
        }
    }

    @Test
    void freezingAGroupOrOneExpertWorksAsForAnyPart() {
        Trainer trainer = Trainer.create(ArchitectureModels.cgc(WeightingSpec.fixed(1, 1)),
                TrainingOptions.builder().dataType(DataType.DOUBLE).updater(new Sgd(0.1)).build());
        trainer.freeze("shared/1");
        trainer.freeze("clickGate");
        Map<String, INDArray> before = trainer.parameterValues();
        INDArray[][] batch = CompiledExecutorTest.batch(trainer.spec(), DataType.DOUBLE, 4, new Random(1));
        trainer.fit(batch[0], batch[1]);
        Map<String, INDArray> after = trainer.parameterValues();
        assertEquals(before.get("shared/1/dense_0/W"), after.get("shared/1/dense_0/W"));
        assertEquals(before.get("clickGate/W"), after.get("clickGate/W"));
        assertFalse(before.get("shared/0/dense_0/W").equalsWithEps(after.get("shared/0/dense_0/W"), 1e-12));
    }

    @Test
    void taskAttentionKeepsTheEndsShapeAndStaysInTheBranchScope() {
        ModelSpec spec = ModelSpec.builder("test.Attention")
                .input("image", 4, 4, 3)
                .branch("y", new long[] {4, 4, 5}, Loss.MEAN_SQUARED_ERROR, 1.0)
                .weighting(WeightingSpec.fixed(1.0))
                .graph(scope -> {
                    Layers y = scope.layers("y");
                    SDVariable image = scope.input("image");
                    SDVariable end = y.conv2d(image, 5, 1, Activation.TANH);
                    SDVariable previous = y.conv2d(image, 2, 3, 1, Padding.SAME, Activation.TANH);
                    scope.output("y", y.taskAttention(image, end, previous));
                })
                .build();
        Trainer trainer = Trainer.create(spec, TrainingOptions.builder().build());
        // 1x1 kernels: [image (3 channels); previous (2)] -> 5 channels (end's) -> 5.
        assertEquals(List.of(1L, 1L, 5L, 5L), shape(trainer, "y/task_attention_0/conv2d_0/W"));
        assertEquals(List.of(1L, 1L, 5L, 5L), shape(trainer, "y/task_attention_0/conv2d_1/W"));
        assertTrue(trainer.parameterValues().containsKey("y/task_attention_0/batch_norm_1/moving_variance"));
    }

    private static List<Long> shape(Trainer trainer, String name) {
        return java.util.Arrays.stream(trainer.parameterValues().get(name).shape()).boxed().toList();
    }
}
