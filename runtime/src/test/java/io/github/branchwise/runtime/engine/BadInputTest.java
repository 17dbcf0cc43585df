package io.github.branchwise.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.Losses;
import io.github.branchwise.runtime.TrainingOptions;
import io.github.branchwise.runtime.internal.ModelSpec;
import io.github.branchwise.runtime.internal.WeightingSpec;
import io.github.branchwise.runtime.training.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * Every kind of bad batch is refused before native code with an {@link IllegalArgumentException} whose message names
 * the model, the input or branch, and what was expected against what was given; and the model is untouched.
 *
 * <p>Two trainers per model start identical: the victim gets every bad call, the reference none. After each case both
 * take the same good step and must stay bit-identical, so a refused call changed nothing and the model still trains.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {
    private static final int B = 6;

    /** TwoInputs: inputs first[4], second[3]; branches x1[1] MSE, x2[2] HUBER. */
    private final ModelSpec regression = TestModels.twoInputs(WeightingSpec.trainable(0.5, 0.0, 1.0));
    /** Heads: input x[5]; branches b0[3] BCE, b1[2, 3] sparse CCE (targets [2]). */
    private final ModelSpec classes = TestModels.heads(WeightingSpec.trainable(0.5, 0.0, 1.0),
            Loss.BINARY_CROSSENTROPY, Loss.SPARSE_CATEGORICAL_CROSSENTROPY);
    private final Random random = new Random(31);
    private Pair regressionPair;
    private Pair classesPair;

    private record Pair(ModelSpec spec, Trainer victim, Trainer reference) {
    }

    /** A bad call on the victim and the fragments its message must contain. */
    private record Case(boolean regressionModel, Consumer<Trainer> call, String... fragments) {
    }

    @BeforeAll
    void createModels() {
        TrainingOptions options = TrainingOptions.builder().updater(new Adam(0.01)).build();
        regressionPair = new Pair(regression, Trainer.create(regression, options), Trainer.create(regression, options));
        classesPair = new Pair(classes, Trainer.create(classes, options), Trainer.create(classes, options));
    }

    private static INDArray f(long... shape) {
        return Nd4j.rand(DataType.FLOAT, shape);
    }

    private static INDArray empty(long width) {
        return Nd4j.create(DataType.FLOAT, 0, width);
    }

    private static INDArray[] a(INDArray... arrays) {
        return arrays;
    }

    private static Consumer<Trainer> fit(INDArray[] x, INDArray[] y) {
        return t -> t.fit(x, y);
    }

    private static Consumer<Trainer> evaluate(INDArray[] x, INDArray[] y) {
        return t -> t.evaluate(x, y);
    }

    private static Consumer<Trainer> predict(INDArray[] x) {
        return t -> t.predictor().predict(x);
    }

    private static Arguments regression(String name, Consumer<Trainer> call, String... fragments) {
        return Arguments.of(Named.of(name, new Case(true, call, fragments)));
    }

    private static Arguments classes(String name, Consumer<Trainer> call, String... fragments) {
        return Arguments.of(Named.of(name, new Case(false, call, fragments)));
    }

    Stream<Arguments> cases() {
        INDArray[] x = {f(B, 4), f(B, 3)};
        INDArray[] y = {f(B, 1), f(B, 2)};
        INDArray[] cx = {f(B, 5)};
        INDArray[] cy = {f(B, 3), Nd4j.createFromArray(new float[][] {{0, 1}, {2, 2}, {1, 0}, {0, 0}, {1, 1}, {2, 0}})};

        INDArray withNaN = f(B, 4);
        withNaN.putScalar(new long[] {2, 1}, Float.NaN);
        withNaN.putScalar(new long[] {4, 3}, Float.POSITIVE_INFINITY);
        INDArray withInf = f(B, 1);
        withInf.putScalar(new long[] {5, 0}, Float.NEGATIVE_INFINITY);

        INDArray bceHigh = f(B, 3);
        bceHigh.putScalar(new long[] {1, 2}, 1.5f);
        INDArray bceLow = f(B, 3);
        bceLow.putScalar(new long[] {0, 0}, -0.1f);
        INDArray classTooHigh = cy[1].dup();
        classTooHigh.putScalar(new long[] {3, 1}, 3);
        INDArray classNegative = cy[1].dup();
        classNegative.putScalar(new long[] {0, 0}, -1);
        INDArray classFraction = cy[1].dup();
        classFraction.putScalar(new long[] {4, 0}, 1.5f);

        List<Arguments> cases = new ArrayList<>();
        // Null and counts.
        cases.add(regression("inputs array null (fit)", fit(null, y), "test.TwoInputs", "inputs is null"));
        cases.add(regression("inputs array null (predict)", predict(null), "test.TwoInputs", "inputs is null"));
        cases.add(regression("one input null", fit(a(x[0], null), y), "input 'second' is null"));
        cases.add(regression("targets array null", fit(x, null), "targets is null"));
        cases.add(regression("one target null", fit(x, a(null, y[1])), "target of branch 'x1' is null"));
        cases.add(regression("too few inputs", fit(a(x[0]), y), "expects 2 inputs, got 1"));
        cases.add(regression("too many targets", fit(x, a(y[0], y[1], y[1])), "expects 2 targets, got 3"));
        // Rank and per-example shape.
        cases.add(regression("input rank too low", fit(a(f(B * 4), x[1]), y),
                "input 'first' must have shape [batch, 4], got [24]"));
        cases.add(regression("input rank too high", fit(a(f(B, 4, 1), x[1]), y),
                "input 'first' must have shape [batch, 4], got [6, 4, 1]"));
        cases.add(regression("input scalar", predict(a(Nd4j.scalar(1f), x[1])),
                "input 'first' must have shape [batch, 4], got []"));
        cases.add(regression("input example shape", fit(a(x[0], f(B, 5)), y),
                "input 'second' must have shape [batch, 3], got [6, 5]"));
        cases.add(regression("input example shape (predict)", predict(a(x[0], f(B, 2))),
                "input 'second' must have shape [batch, 3], got [6, 2]"));
        cases.add(regression("input example shape (evaluate)", evaluate(a(f(B, 4, 4), x[1]), y),
                "input 'first' must have shape [batch, 4], got [6, 4, 4]"));
        cases.add(regression("target example shape (broadcastable)", fit(x, a(y[0], f(B, 1))),
                "target of branch 'x2' must have shape [batch, 2], got [6, 1]"));
        cases.add(regression("target rank", fit(x, a(f(B), y[1])),
                "target of branch 'x1' must have shape [batch, 1], got [6]"));
        cases.add(classes("sparse target with class axis", fit(cx, a(cy[0], f(B, 2, 3))),
                "target of branch 'b1' must have shape [batch, 2], got [6, 2, 3]"));
        // Batch sizes.
        cases.add(regression("batch mismatch across inputs", fit(a(x[0], f(B - 1, 3)), y),
                "input 'second' has batch size 5 but input 'first' has batch size 6"));
        cases.add(regression("batch mismatch across inputs (predict)", predict(a(f(2, 4), f(3, 3))),
                "input 'second' has batch size 3 but input 'first' has batch size 2"));
        cases.add(regression("batch mismatch input/target", fit(x, a(y[0], f(B + 1, 2))),
                "target of branch 'x2' has batch size 7 but input 'first' has batch size 6"));
        cases.add(regression("batch mismatch input/target (evaluate)", evaluate(x, a(f(1, 1), y[1])),
                "target of branch 'x1' has batch size 1 but input 'first' has batch size 6"));
        cases.add(regression("empty batch", fit(a(empty(4), empty(3)), a(empty(1), empty(2))),
                "input 'first' is an empty batch"));
        cases.add(regression("empty batch (predict)", predict(a(empty(4), empty(3))),
                "input 'first' is an empty batch"));
        // Data types.
        cases.add(regression("boolean input", fit(a(Nd4j.ones(DataType.BOOL, B, 4), x[1]), y),
                "input 'first' must hold numbers, got data type BOOL"));
        cases.add(regression("boolean target", fit(x, a(y[0], Nd4j.ones(DataType.BOOL, B, 2))),
                "target of branch 'x2' must hold numbers, got data type BOOL"));
        // Non-finite values.
        cases.add(regression("NaN and Inf in an input", fit(a(withNaN, x[1]), y),
                "input 'first' must be finite but holds 2 NaN or infinite value(s); the first at index [2, 1] (NaN)"));
        cases.add(regression("NaN in an input (predict)", predict(a(withNaN, x[1])),
                "input 'first' must be finite but holds 2", "index [2, 1]"));
        cases.add(regression("-Inf in a target", fit(x, a(withInf, y[1])),
                "target of branch 'x1' must be finite but holds 1 NaN or infinite value(s); the first at index [5, 0]"
                        + " (-Infinity)"));
        cases.add(regression("NaN in a target (evaluate)", evaluate(x, a(y[0], withNaN.get(
                org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2)))),
                "target of branch 'x2' must be finite but holds 1", "index [2, 1]"));
        cases.add(regression("NaN in a double input of a float model", fit(a(withNaN.castTo(DataType.DOUBLE), x[1]), y),
                "input 'first' must be finite but holds 2"));
        // Loss ranges.
        cases.add(classes("BCE target above 1", fit(cx, a(bceHigh, cy[1])),
                "test.Heads", "target of branch 'b0' must lie in [0, 1] for BINARY_CROSSENTROPY", "1.5]"));
        cases.add(classes("BCE target below 0", fit(cx, a(bceLow, cy[1])),
                "target of branch 'b0' must lie in [0, 1]", "[-0.1"));
        cases.add(classes("class index too high", fit(cx, a(cy[0], classTooHigh)),
                "target of branch 'b1' must hold class indices 0..2 for SPARSE_CATEGORICAL_CROSSENTROPY",
                "got values in [0.0, 3.0]"));
        cases.add(classes("class index negative", evaluate(cx, a(cy[0], classNegative)),
                "target of branch 'b1' must hold class indices 0..2", "[-1.0, 2.0]"));
        cases.add(classes("class index not an integer", fit(cx, a(cy[0], classFraction)),
                "target of branch 'b1' must hold class indices 0..2", "not all integers"));
        cases.add(classes("class index too high as LONG", fit(cx, a(cy[0], classTooHigh.castTo(DataType.LONG))),
                "target of branch 'b1' must hold class indices 0..2", "3.0]"));
        return cases.stream();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void refusedWithAMessageAndNothingChanges(Case badCase) {
        Pair pair = badCase.regressionModel() ? regressionPair : classesPair;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> badCase.call().accept(pair.victim()));
        for (String fragment : badCase.fragments()) {
            assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' lacks '" + fragment + "'");
        }
        assertTrue(e.getMessage().startsWith(pair.spec().modelName() + ": ")
                || e.getMessage().startsWith(pair.spec().modelName() + " expects"), e.getMessage());
        assertStillIdentical(pair);
    }

    @Test
    void finiteValuesWhoseSumOverflowsAreAccepted() {
        // The NaN check sums first (cheap) and recounts when the sum is not finite: this sum overflows to +Inf.
        INDArray huge = Nd4j.valueArrayOf(new long[] {B, 4}, 3e38f, DataType.FLOAT);
        assertTrue(Float.isInfinite(huge.sumNumber().floatValue()));
        INDArray[] out = regressionPair.victim().predictor().predict(a(huge, f(B, 3)));
        assertArrayEquals(new long[] {B, 1}, out[0].shape());
        assertStillIdentical(regressionPair);
    }

    @Test
    void integerAndDoubleArraysAreConverted() {
        Trainer trainer = regressionPair.reference();
        float[][] first = new float[B][4];
        float[][] second = new float[B][3];
        for (int i = 0; i < B; i++) {
            for (int j = 0; j < 4; j++) {
                first[i][j] = (i * 4 + j) % 5 - 2;
            }
            for (int j = 0; j < 3; j++) {
                second[i][j] = (i + j) % 3 - 1;
            }
        }
        INDArray[] floats = {Nd4j.createFromArray(first), Nd4j.createFromArray(second)};
        INDArray[] expected = trainer.predictor().predict(floats);
        for (DataType type : new DataType[] {DataType.INT, DataType.LONG, DataType.SHORT, DataType.DOUBLE,
            DataType.HALF}) {
            INDArray[] converted = {floats[0].castTo(type), floats[1].castTo(type)};
            INDArray[] actual = trainer.predictor().predict(converted);
            assertArrayEquals(expected[0].data().asDouble(), actual[0].data().asDouble(), type.toString());
            assertArrayEquals(expected[1].data().asDouble(), actual[1].data().asDouble(), type.toString());
            assertEquals(DataType.FLOAT, actual[0].dataType());
        }
        // Integer class indices for sparse cross-entropy, and a DOUBLE model fed FLOAT arrays.
        INDArray[] cx = {Nd4j.rand(DataType.FLOAT, B, 5)};
        INDArray classesF = Nd4j.createFromArray(new float[][] {{0, 1}, {2, 2}, {1, 0}, {0, 0}, {1, 1}, {2, 0}});
        INDArray bce = Nd4j.rand(DataType.FLOAT, B, 3);
        Losses asFloat = classesPair.reference().evaluate(cx, a(bce, classesF));
        Losses asInt = classesPair.reference().evaluate(cx, a(bce, classesF.castTo(DataType.INT)));
        assertEquals(asFloat.total(), asInt.total(), 0.0);
        Trainer doubles = Trainer.create(classes, TrainingOptions.builder().dataType(DataType.DOUBLE).build());
        Losses fromFloat = doubles.evaluate(cx, a(bce, classesF));
        Losses fromDouble = doubles.evaluate(a(cx[0].castTo(DataType.DOUBLE)),
                a(bce.castTo(DataType.DOUBLE), classesF.castTo(DataType.DOUBLE)));
        assertEquals(fromDouble.total(), fromFloat.total(), 0.0);
    }

    /** Victim and reference hold the same parameters, take the same good step, and stay bit-identical. */
    private void assertStillIdentical(Pair pair) {
        ModelSpec spec = pair.spec();
        assertEquals(pair.reference().iteration(), pair.victim().iteration());
        INDArray[] x = TestData.inputs(spec, B, random, DataType.FLOAT);
        INDArray[] y = TestData.targets(spec, B, random, DataType.FLOAT);
        Losses expected = pair.reference().fit(x, y);
        Losses actual = pair.victim().fit(x, y);
        assertEquals(expected.total(), actual.total(), 0.0);
        assertArrayEquals(expected.branchLosses(), actual.branchLosses());
        assertTrue(Double.isFinite(actual.total()));
        var a = pair.reference().parameterValues();
        var b = pair.victim().parameterValues();
        for (String name : a.keySet()) {
            assertArrayEquals(a.get(name).data().asDouble(), b.get(name).data().asDouble(), name);
        }
        INDArray[] p = pair.reference().predictor().predict(x);
        INDArray[] q = pair.victim().predictor().predict(x);
        for (int i = 0; i < p.length; i++) {
            assertArrayEquals(p[i].data().asDouble(), q[i].data().asDouble());
        }
    }
}
