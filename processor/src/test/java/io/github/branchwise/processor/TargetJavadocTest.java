package io.github.branchwise.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import io.github.branchwise.annotations.Loss;
import io.github.branchwise.runtime.internal.BranchSpec;
import io.github.branchwise.runtime.internal.Shapes;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The generated javadoc says what each loss's target must be (shape and values), in the batch record and on the
 * whole-array {@code fit} and {@code data} overloads, and says what the runtime accepts: one model per loss is
 * compiled, its documented shape is checked against the runtime's {@code BranchSpec.targetShape()}, and a batch
 * built as documented is evaluated while what the documentation rules out is refused.
 */
final class TargetJavadocTest {
    /** The branch {@code y} under test: three outputs, so three classes for the categorical losses. */
    private static final Map<Loss, String> EXPECTED = Map.of(
            Loss.SPARSE_CATEGORICAL_CROSSENTROPY,
            "shape {@code [batch]} (or {@code [batch, 1]}), integer class indices in {@code [0, 3)}",
            Loss.CATEGORICAL_CROSSENTROPY,
            "shape {@code [batch, 3]}, one-hot (or a probability distribution) over the 3 classes of the last axis",
            Loss.BINARY_CROSSENTROPY, "shape {@code [batch, 3]}, values in [0, 1]",
            Loss.MEAN_SQUARED_ERROR, "shape {@code [batch, 3]}, as the output",
            Loss.MEAN_ABSOLUTE_ERROR, "shape {@code [batch, 3]}, as the output",
            Loss.HUBER, "shape {@code [batch, 3]}, as the output",
            Loss.CUSTOM, "shape {@code [batch, 3]}, as the output; loss method {@code yLoss()} reads it");
    private static final int EXAMPLES = 4;

    private static Compilation compilation;
    private static GeneratedClassLoader loader;

    @BeforeAll
    static void compileOneModelPerLoss() {
        List<JavaFileObject> sources = new ArrayList<>();
        for (Loss loss : Loss.values()) {
            sources.add(JavaFileObjects.forSourceString("test." + name(loss), model(loss)));
        }
        // A sparse branch with an axis before the classes: only that axis is left in the target.
        sources.add(JavaFileObjects.forSourceString("test.Grid", RuleCase.source(
                "@WeightedLoss public abstract class Grid",
                "@Input(shape = 4) abstract SDVariable x();",
                "@Branch(shape = {5, 3}) @BranchLoss(Loss.SPARSE_CATEGORICAL_CROSSENTROPY) SDVariable y() "
                        + "{ return null; }",
                "@Branch(shape = 1) @BranchLoss(Loss.MEAN_SQUARED_ERROR) SDVariable z() { return null; }")));
        compilation = Compilations.javac().compile(sources);
        assertThat(compilation).succeededWithoutWarnings();
        loader = new GeneratedClassLoader(compilation);
    }

    @ParameterizedTest
    @EnumSource(Loss.class)
    void theBatchRecordDocumentsTheTargetOfEachLoss(Loss loss) throws IOException {
        String batch = source(name(loss) + "Batch");
        assertTrue(batch.contains(" * @param y the target of branch {@code y}, " + EXPECTED.get(loss) + "\n"),
                () -> loss + ":\n" + batch);
        // The branch beside it, under MEAN_SQUARED_ERROR, for contrast.
        assertTrue(batch.contains(" * @param z the target of branch {@code z}, shape {@code [batch, 1]}, as the "
                + "output\n"), batch);
    }

    @ParameterizedTest
    @EnumSource(Loss.class)
    void theWholeArrayOverloadsDocumentTheTargetOfEachLoss(Loss loss) throws IOException {
        String model = source(name(loss) + "TrainingModel");
        String param = "     * @param y the targets of branch {@code y} for all n examples,\n"
                + "     *         " + EXPECTED.get(loss).replace("[batch", "[n") + "\n";
        // Once on fit(x, y, z, batchSize, config), once on data(x, y, z, batchSize).
        assertEquals(2, occurrences(model, param), () -> loss + ":\n" + model);
        assertEquals(2, occurrences(model, "     * @param x all n examples of input {@code x}, shape {@code [n, 4]}\n"),
                model);
        assertFalse(model.contains("axis 0 the example"), "the old wording, which gave no shape");
    }

    @ParameterizedTest
    @EnumSource(Loss.class)
    void theDocumentedShapeIsTheRuntimes(Loss loss) throws IOException {
        long[] targetShape = new BranchSpec("y", new long[] {3}, loss, 1.0).targetShape();
        assertTrue(EXPECTED.get(loss).startsWith("shape {@code " + Shapes.formatBatch(targetShape) + "}"),
                () -> loss + ": the runtime wants " + Shapes.formatBatch(targetShape));
        assertTrue(source(name(loss) + "Batch").contains("shape {@code " + Shapes.formatBatch(targetShape) + "}"));
    }

    @Test
    void aSparseTargetKeepsTheAxesBeforeTheClasses() throws IOException {
        String grid = source("GridBatch");
        assertTrue(grid.contains(" * @param y the target of branch {@code y}, shape {@code [batch, 5]} (or "
                + "{@code [batch, 5, 1]}), integer class indices in {@code [0, 3)}\n"), grid);
        assertEquals("[batch, 5]", Shapes.formatBatch(
                new BranchSpec("y", new long[] {5, 3}, Loss.SPARSE_CATEGORICAL_CROSSENTROPY, 1).targetShape()));
    }

    @ParameterizedTest
    @EnumSource(Loss.class)
    void aTargetBuiltAsDocumentedIsAccepted(Loss loss) throws Exception {
        Object model = create(loss);
        INDArray target = switch (loss) {
            case SPARSE_CATEGORICAL_CROSSENTROPY -> Nd4j.createFromArray(0f, 2f, 1f, 2f);
            case CATEGORICAL_CROSSENTROPY -> Nd4j.createFromArray(new float[][] {
                    {1, 0, 0}, {0, 0, 1}, {0, 1, 0}, {0, 0, 1}});
            case BINARY_CROSSENTROPY -> Nd4j.createFromArray(new float[][] {
                    {0, 1, 0.5f}, {1, 1, 0}, {0, 0, 0}, {1, 0.25f, 1}});
            default -> Nd4j.rand(DataType.FLOAT, EXAMPLES, 3).subi(0.5);
        };
        assertFiniteLosses(evaluate(model, loss, target));
        if (loss == Loss.SPARSE_CATEGORICAL_CROSSENTROPY) {
            // The documented alternative, a trailing axis of 1.
            assertFiniteLosses(evaluate(model, loss, target.reshape(EXAMPLES, 1)));
        }
    }

    @Test
    void whatTheDocumentationRulesOutIsRefused() throws Exception {
        Loss sparse = Loss.SPARSE_CATEGORICAL_CROSSENTROPY;
        // The shape the javadoc used to give a sparse target, [batch, 3].
        assertRefused(sparse, Nd4j.zeros(DataType.FLOAT, EXAMPLES, 3), "must have shape [batch]");
        assertRefused(sparse, Nd4j.createFromArray(0f, 3f, 1f, 2f), "class indices 0..2");
        assertRefused(sparse, Nd4j.createFromArray(0f, 0.5f, 1f, 2f), "not all integers");
        assertRefused(Loss.BINARY_CROSSENTROPY, Nd4j.ones(DataType.FLOAT, EXAMPLES, 3).muli(2), "must lie in [0, 1]");
        assertRefused(Loss.CATEGORICAL_CROSSENTROPY, Nd4j.zeros(DataType.FLOAT, EXAMPLES), "must have shape [batch, 3]");
        assertRefused(Loss.CUSTOM, Nd4j.zeros(DataType.FLOAT, EXAMPLES, 1), "must have shape [batch, 3]");
    }

    /** The model class of one loss: {@code Mse} for {@code MEAN_SQUARED_ERROR}. */
    private static String name(Loss loss) {
        return switch (loss) {
            case CUSTOM -> "Custom";
            case BINARY_CROSSENTROPY -> "Binary";
            case CATEGORICAL_CROSSENTROPY -> "Categorical";
            case SPARSE_CATEGORICAL_CROSSENTROPY -> "Sparse";
            case MEAN_SQUARED_ERROR -> "Mse";
            case MEAN_ABSOLUTE_ERROR -> "Mae";
            case HUBER -> "Huber";
        };
    }

    /** A model with input {@code x} of 4, branch {@code y} of 3 under {@code loss}, and an MSE branch {@code z}. */
    private static String model(Loss loss) {
        String activation = switch (loss) {
            case BINARY_CROSSENTROPY -> "SIGMOID";
            case CATEGORICAL_CROSSENTROPY, SPARSE_CATEGORICAL_CROSSENTROPY -> "SOFTMAX";
            default -> "IDENTITY";
        };
        String y = "SDVariable y(Layers nn) { return nn.dense(x(), 3, io.github.branchwise.runtime.Activation."
                + activation + "); }";
        List<String> members = new ArrayList<>(List.of("@Input(shape = 4) abstract SDVariable x();",
                "@Branch(shape = 1) @BranchLoss(Loss.MEAN_SQUARED_ERROR) SDVariable z(Layers nn) "
                        + "{ return nn.dense(x(), 1); }"));
        if (loss == Loss.CUSTOM) {
            members.add("@Branch(shape = 3) " + y);
            members.add("@BranchLoss(branch = \"y\") SDVariable yLoss(SDVariable target, SDVariable prediction) "
                    + "{ return prediction.sub(target).mul(prediction.sub(target)).mean(1); }");
        } else {
            members.add("@Branch(shape = 3) @BranchLoss(Loss." + loss + ") " + y);
        }
        return RuleCase.source("@WeightedLoss public abstract class " + name(loss), members.toArray(String[]::new));
    }

    private static String source(String simpleName) throws IOException {
        return compilation.generatedSourceFile("test." + simpleName).orElseThrow().getCharContent(true).toString();
    }

    private static int occurrences(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            count++;
        }
        return count;
    }

    private static Object create(Loss loss) throws Exception {
        return loader.loadClass("test." + name(loss) + "TrainingModel").getMethod("create").invoke(null);
    }

    /** {@code evaluate} on a batch of random inputs, the given {@code y} target and a zero {@code z} target. */
    private static Object evaluate(Object model, Loss loss, INDArray yTarget) throws Exception {
        Class<?> batchType = loader.loadClass("test." + name(loss) + "Batch");
        Object batch = batchType.getConstructor(INDArray.class, INDArray.class, INDArray.class).newInstance(
                Nd4j.rand(DataType.FLOAT, EXAMPLES, 4), Nd4j.zeros(DataType.FLOAT, EXAMPLES, 1), yTarget);
        Method evaluate = model.getClass().getMethod("evaluate", batchType);
        try {
            return evaluate.invoke(model, batch);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    private static void assertRefused(Loss loss, INDArray yTarget, String reason) throws Exception {
        Object model = create(loss);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> evaluate(model, loss, yTarget));
        assertTrue(e.getMessage().contains("target of branch 'y'") && e.getMessage().contains(reason),
                () -> loss + ": " + e.getMessage());
    }

    private static void assertFiniteLosses(Object losses) throws Exception {
        RecordComponent[] components = losses.getClass().getRecordComponents();
        assertEquals(List.of("total", "z", "y"),
                Arrays.stream(components).map(RecordComponent::getName).toList());
        for (RecordComponent component : components) {
            double value = (double) component.getAccessor().invoke(losses);
            assertTrue(Double.isFinite(value), component.getName() + " = " + value);
        }
    }
}
