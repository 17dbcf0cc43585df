package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Activation;
import io.github.branchwise.runtime.DuplicatedLayers;
import io.github.branchwise.runtime.Layers;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelDefinition;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.training.Trainer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The duplicated-layers check (issue 13): a trunk written as a plain helper and called from several branches, where
 * a {@code @Shared} method was meant, is found, counted and logged once; shared trunks and ordinary heads are not.
 *
 * <p>Every model has inputs {@code x[4]} and {@code y[4]} and branches {@code b0, b1, ...} of shape {@code [2]}
 * (mean squared error, fixed weights), each ending in a {@code Dense(2)} head. The trunk of most of them is
 * {@code Dense(8) → relu → Dense(8) tanh}: 4·8 + 8 = 40 and 8·8 + 8 = 72 parameters, 112 a copy.
 */
class DuplicatedLayersTest {
    /** Parameters of one copy of {@link #trunk}: 4·8 + 8 + 8·8 + 8. */
    private static final long TRUNK = 4 * 8 + 8 + 8 * 8 + 8;
    /** Parameters of one {@code Dense(2)} head over 8 features. */
    private static final long HEAD = 8 * 2 + 2;
    private static final String LOGGER = "WARN " + DuplicatedLayers.class.getName() + " - ";

    /** The issue's trunk: dense, relu (a plain SameDiff op between the layers), dense. */
    private static SDVariable trunk(Layers nn, SDVariable from) {
        return nn.dense(nn.activation(nn.dense(from, 8), Activation.RELU), 8, Activation.TANH);
    }

    private static SDVariable head(Layers nn, SDVariable from) {
        return nn.dense(from, 2);
    }

    private static ModelSpec model(String name, int branches, ModelDefinition graph) {
        ModelSpec.Builder builder = ModelSpec.builder("test." + name).input("x", 4).input("y", 4);
        double[] weights = new double[branches];
        for (int i = 0; i < branches; i++) {
            builder.branch("b" + i, new long[] {2}, Loss.MEAN_SQUARED_ERROR, 1.0);
            weights[i] = 1.0;
        }
        return builder.weighting(WeightingSpec.fixed(weights)).graph(graph).build();
    }

    /** {@code branches} branches, each calling {@link #trunk} from {@code x} with its own {@code Layers}. */
    private static ModelSpec unshared(int branches) {
        return model("Unshared" + branches, branches, scope -> {
            for (int i = 0; i < branches; i++) {
                Layers nn = scope.layers("b" + i);
                scope.output("b" + i, head(nn, trunk(nn, scope.input("x"))));
            }
        });
    }

    /** The same model with the trunk built once in its own scope, as a {@code @Shared} method is. */
    private static ModelSpec shared(int branches) {
        return model("Shared" + branches, branches, scope -> {
            SDVariable trunk = trunk(scope.layers("trunk"), scope.input("x"));
            for (int i = 0; i < branches; i++) {
                scope.output("b" + i, head(scope.layers("b" + i), trunk));
            }
        });
    }

    /** A model with the default options; its warnings are kept out of the test output (one test reads them). */
    private static Trainer create(ModelSpec spec) {
        Trainer[] trainer = new Trainer[1];
        stderrOf(() -> trainer[0] = Trainer.create(spec, TrainingOptions.defaults()));
        return trainer[0];
    }

    private static long parameterCount(Trainer trainer) {
        return trainer.parameters().values().stream().mapToLong(INDArray::length).sum();
    }

    @Test
    void aTrunkBuiltInEachOfTwoBranchesIsOneDuplicateWithItsCost() {
        Trainer trainer = create(unshared(2));
        assertEquals(List.of(new DuplicatedLayers(List.of("b0", "b1"), List.of("dense_0", "dense_1"),
                List.of("Dense(8)", "Dense(8) tanh"), "input 'x'", TRUNK)), trainer.duplicatedLayers());
        DuplicatedLayers duplicate = trainer.duplicatedLayers().get(0);
        assertEquals(112, duplicate.parametersPerBranch());
        assertEquals(112, duplicate.extraParameters());
        // What sharing saves is exactly the extra count: 2 trunks + 2 heads against 1 trunk + 2 heads.
        long sharedCount = parameterCount(create(shared(2)));
        assertEquals(2 * TRUNK + 2 * HEAD, parameterCount(trainer));
        assertEquals(TRUNK + 2 * HEAD, sharedCount);
        assertEquals(parameterCount(trainer) - sharedCount, duplicate.extraParameters());
        assertTrue(trainer.summary().contains("Duplicated layers, not @Shared: branches 'b0' and 'b1' each build "
                + "their own Dense(8) → Dense(8) tanh from input 'x' (112 parameters each, 112 more than one shared "
                + "copy)"), trainer.summary());
    }

    @Test
    void theSameTrunkSharedIsNoDuplicate() {
        Trainer trainer = create(shared(2));
        assertEquals(List.of(), trainer.duplicatedLayers());
        assertFalse(trainer.summary().contains("Duplicated"), trainer.summary());
        assertEquals(List.of(), create(shared(3)).duplicatedLayers());
    }

    @Test
    void threeBranchesWithTheTrunkAreOneDuplicateNamingAllThree() {
        List<DuplicatedLayers> found = create(unshared(3)).duplicatedLayers();
        assertEquals(1, found.size(), found::toString);
        assertEquals(List.of("b0", "b1", "b2"), found.get(0).branches());
        assertEquals(TRUNK, found.get(0).parametersPerBranch());
        assertEquals(2 * TRUNK, found.get(0).extraParameters());
        assertTrue(found.get(0).description().startsWith("branches 'b0', 'b1' and 'b2' each build their own"),
                found.get(0).description());
    }

    @Test
    void separateHeadsOverASharedTrunkAreNoDuplicate() {
        // Each head: one hidden Dense(16) relu over the shared output, then its Dense(2): identical in make, but one
        // hidden layer per head is the ordinary multi-head design, and the output layer is never counted.
        ModelSpec heads = model("Heads", 3, scope -> {
            SDVariable trunk = trunk(scope.layers("trunk"), scope.input("x"));
            for (int i = 0; i < 3; i++) {
                Layers nn = scope.layers("b" + i);
                scope.output("b" + i, head(nn, nn.dense(trunk, 16, Activation.RELU)));
            }
        });
        assertEquals(List.of(), create(heads).duplicatedLayers());
        // Whole branches of one make straight from an input: each is its own model of its target, not a trunk.
        ModelSpec alike = model("Alike", 2, scope -> {
            for (int i = 0; i < 2; i++) {
                Layers nn = scope.layers("b" + i);
                scope.output("b" + i, nn.dense(nn.dense(scope.input("x"), 8, Activation.RELU), 2));
            }
        });
        assertEquals(List.of(), create(alike).duplicatedLayers());
    }

    @Test
    void twoStackedLayersPerBranchOverASharedOutputAreADuplicateFromIt() {
        // A shared trunk, then a second trunk written as a helper: the forgotten @Shared one level down.
        ModelSpec spec = model("Towers", 2, scope -> {
            SDVariable shared = scope.layers("trunk").dense(scope.input("x"), 4, Activation.RELU);
            for (int i = 0; i < 2; i++) {
                Layers nn = scope.layers("b" + i);
                scope.output("b" + i, head(nn, trunk(nn, shared)));
            }
        });
        List<DuplicatedLayers> found = create(spec).duplicatedLayers();
        assertEquals(1, found.size(), found::toString);
        assertEquals("@Shared 'trunk' (dense_0)", found.get(0).source());
        assertEquals(TRUNK, found.get(0).parametersPerBranch());
    }

    @Test
    void theSameLayersFromDifferentSourcesAreNoDuplicate() {
        ModelSpec spec = model("TwoSources", 2, scope -> {
            Layers a = scope.layers("b0");
            scope.output("b0", head(a, trunk(a, scope.input("x"))));
            Layers b = scope.layers("b1");
            scope.output("b1", head(b, trunk(b, scope.input("y"))));
        });
        assertEquals(List.of(), create(spec).duplicatedLayers());
    }

    @Test
    void theOpsBetweenLayersMustBeTheSameToo() {
        Supplier<ModelSpec> scaled = () -> model("Scaled", 2, scope -> {
            for (int i = 0; i < 2; i++) {
                Layers nn = scope.layers("b" + i);
                // x·2 in b0, x·3 in b1: the same layers, not the same computation.
                SDVariable scaledHidden = nn.dense(scope.input("x"), 8).mul(2.0 + i);
                scope.output("b" + i, head(nn, nn.dense(scaledHidden, 8)));
            }
        });
        assertEquals(List.of(), create(scaled.get()).duplicatedLayers());
        ModelSpec same = model("SameScale", 2, scope -> {
            for (int i = 0; i < 2; i++) {
                Layers nn = scope.layers("b" + i);
                scope.output("b" + i, head(nn, nn.dense(nn.dense(scope.input("x"), 8).mul(2.0), 8)));
            }
        });
        assertEquals(List.of(List.of("b0", "b1")),
                create(same).duplicatedLayers().stream().map(DuplicatedLayers::branches).toList());
    }

    @Test
    void aSubgroupSharingMoreThanTheOthersIsReportedAlone() {
        // b0 and b1 build the trunk; b2 starts with the same Dense(8) but goes on differently (sigmoid): all three
        // share one layer with parameters, too little; b0 and b1 share two.
        ModelSpec spec = model("Subgroup", 3, scope -> {
            for (int i = 0; i < 2; i++) {
                Layers nn = scope.layers("b" + i);
                scope.output("b" + i, head(nn, trunk(nn, scope.input("x"))));
            }
            Layers nn = scope.layers("b2");
            SDVariable hidden = nn.dense(nn.activation(nn.dense(scope.input("x"), 8), Activation.RELU), 8,
                    Activation.SIGMOID);
            scope.output("b2", head(nn, hidden));
        });
        List<DuplicatedLayers> found = create(spec).duplicatedLayers();
        assertEquals(1, found.size(), found::toString);
        assertEquals(List.of("b0", "b1"), found.get(0).branches());
    }

    @Test
    void oneWarningPerDuplicateIsLoggedAtCreationNotAtLoad(@TempDir Path dir) throws IOException {
        Trainer[] created = new Trainer[1];
        String log = stderrOf(() -> created[0] = Trainer.create(unshared(3), TrainingOptions.defaults()));
        List<String> warnings = warnings(log);
        assertEquals(1, warnings.size(), log);
        assertEquals("test.Unshared3: branches 'b0', 'b1' and 'b2' each build their own Dense(8) → Dense(8) tanh "
                + "from input 'x' (112 parameters each, 224 more than one shared copy). If they are meant to be one "
                + "trunk, move them into a @Shared method that each branch calls; to keep them separate on purpose, "
                + "silence this with TrainingOptions.builder().checkDuplicatedLayers(false)", warnings.get(0));

        // Loading rebuilds the same graph; the warning was given when the model was created.
        Path file = dir.resolve("model.bin");
        created[0].save(file);
        Trainer[] loaded = new Trainer[1];
        String loadLog = stderrOf(() -> {
            try {
                loaded[0] = Trainer.load(unshared(3), file);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        assertEquals(List.of(), warnings(loadLog), loadLog);
        assertEquals(created[0].duplicatedLayers(), loaded[0].duplicatedLayers());
    }

    @Test
    void turnedOffTheCheckLogsAndListsNothing() {
        TrainingOptions off = TrainingOptions.builder().checkDuplicatedLayers(false).build();
        assertFalse(off.checkDuplicatedLayers());
        assertFalse(off.toBuilder().build().checkDuplicatedLayers());
        assertTrue(off.toString().contains("checkDuplicatedLayers=false"), off.toString());
        assertTrue(TrainingOptions.defaults().checkDuplicatedLayers());
        Trainer[] trainer = new Trainer[1];
        String log = stderrOf(() -> trainer[0] = Trainer.create(unshared(2), off));
        assertEquals(List.of(), warnings(log), log);
        assertEquals(List.of(), trainer[0].duplicatedLayers());
        assertFalse(trainer[0].summary().contains("Duplicated"), trainer[0].summary());
    }

    /** The duplicated-layers warnings in slf4j-simple's output, without the logger's prefix. */
    private static List<String> warnings(String log) {
        return Arrays.stream(log.split("\\R")).filter(l -> l.contains(LOGGER))
                .map(l -> l.substring(l.indexOf(LOGGER) + LOGGER.length())).toList();
    }

    /** What {@code action} writes to standard error; slf4j-simple looks {@code System.err} up at each message. */
    private static String stderrOf(Runnable action) {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
