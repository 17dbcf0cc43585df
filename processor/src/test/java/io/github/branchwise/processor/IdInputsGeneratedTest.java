package io.github.branchwise.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.testing.compile.Compilation;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A model with an integer input ({@code example.Tokens}: {@code @Input(type = InputType.INT, vocabulary = 20)}, an
 * embedding, masked self-attention, an LSTM): the generated code declares the input's type to the runtime, its
 * javadoc says the input takes integer ids and their range, and the generated API trains on ids and refuses an id
 * outside the vocabulary by input and row.
 */
final class IdInputsGeneratedTest {
    private static Compilation compilation;
    private static GeneratedClassLoader loader;

    @BeforeAll
    static void compile() {
        compilation = Compilations.compileModels("Tokens");
        assertThat(compilation).succeededWithoutWarnings();
        loader = new GeneratedClassLoader(compilation);
    }

    @Test
    void theSpecDeclaresTheInputAsIds() throws IOException {
        String model = source("TokensTrainingModel");
        assertTrue(model.contains(".input(\"tokens\", InputType.INT, 20, 6)"), model);
        assertTrue(model.contains(".input(\"mask\", 6)"), model);
    }

    @Test
    void theJavadocSaysTheInputTakesIntegerIds() throws IOException {
        String ids = "integer ids in [0, 20) (an integer array, or whole numbers)";
        assertTrue(source("TokensBatch").contains(" * @param tokens the input {@code tokens}, shape {@code [batch, 6]}, "
                + ids + "\n"), source("TokensBatch"));
        assertTrue(source("TokensBatch").contains(" * @param mask the input {@code mask}, shape {@code [batch, 6]}\n"));
        assertTrue(source("TokensPredictionModel").contains("@param tokens the input {@code tokens}, shape "
                + "{@code [batch, 6]}, " + ids), source("TokensPredictionModel"));
        assertTrue(source("TokensTrainingModel").contains("@param tokens all n examples of input {@code tokens}, "
                + "shape {@code [n, 6]}, " + ids), source("TokensTrainingModel"));
    }

    @Test
    void theGeneratedApiTrainsOnIdsAndRefusesAnIdOutsideTheVocabulary() throws Exception {
        Object model = loader.loadClass("example.TokensTrainingModel").getMethod("create").invoke(null);
        INDArray tokens = Nd4j.createFromArray(new int[][] {{1, 5, 19, 0, 0, 0}, {3, 3, 3, 3, 2, 1}});
        INDArray mask = Nd4j.createFromArray(new float[][] {{1, 1, 1, 0, 0, 0}, {1, 1, 1, 1, 1, 1}});
        INDArray topic = Nd4j.createFromArray(new float[][] {{1, 0, 0}, {0, 0, 1}});
        INDArray tags = Nd4j.zeros(DataType.FLOAT, 2, 6, 1);
        Class<?> batchType = loader.loadClass("example.TokensBatch");
        Object batch = batchType.getConstructors()[0].newInstance(tokens, mask, topic, tags);
        Object losses = model.getClass().getMethod("fit", batchType).invoke(model, batch);
        for (RecordComponent component : losses.getClass().getRecordComponents()) {
            assertTrue(Double.isFinite((double) component.getAccessor().invoke(losses)), component.getName());
        }
        tokens.putScalar(new long[] {1, 4}, 20);
        InvocationTargetException e = org.junit.jupiter.api.Assertions.assertThrows(InvocationTargetException.class,
                () -> model.getClass().getMethod("fit", batchType).invoke(model,
                        batchType.getConstructors()[0].newInstance(tokens, mask, topic, tags)));
        assertEquals("example.Tokens: input 'tokens' must hold integer ids in [0, 20) (the vocabulary @Input "
                + "declares), but row 1 holds 20 at [1, 4]", e.getCause().getMessage());
    }

    private static String source(String simpleName) throws IOException {
        return compilation.generatedSourceFile("example." + simpleName).orElseThrow().getCharContent(true).toString();
    }
}
