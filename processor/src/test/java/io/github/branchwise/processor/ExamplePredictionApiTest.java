package io.github.branchwise.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.tools.Diagnostic;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Plain Java at the edges through the generated API: {@code drivers/example/PlainJavaPredicts.java} predicts one
 * example from {@code float[]} and {@code double[]} arrays and reads batch results with {@code example(int)} as a user
 * would, typed; each of its methods is a test run here twice, on the classes javac compiled (compile-testing, as the
 * other functional tests) and on those the Eclipse compiler compiled (its batch compiler on real folders, see
 * {@link DiskCompiler}).
 */
final class ExamplePredictionApiTest {
    private static final List<String> MODELS = List.of("Detector", "TwoInputs", "SharedTrunk");
    private static final List<String> DRIVERS = List.of("Clashes", "PlainJavaPredicts");

    @TempDir
    static Path ecjDir;

    private static ClassLoader javac;
    private static URLClassLoader ecj;

    @BeforeAll
    static void compileModelsAndDriverUnderBothCompilers() throws IOException {
        List<JavaFileObject> sources = new ArrayList<>(Compilations.models(MODELS.toArray(String[]::new)));
        for (String driver : DRIVERS) {
            sources.add(JavaFileObjects.forResource("drivers/example/" + driver + ".java"));
        }
        Compilation compilation = Compilations.javac().compile(sources);
        assertThat(compilation).succeededWithoutWarnings();
        javac = new GeneratedClassLoader(compilation);

        Map<String, String> files = new LinkedHashMap<>();
        for (String model : MODELS) {
            files.put("example/" + model + ".java", EclipseCompilerTest.resource("models/example/" + model + ".java"));
        }
        for (String driver : DRIVERS) {
            files.put("example/" + driver + ".java", EclipseCompilerTest.resource("drivers/example/" + driver
                    + ".java"));
        }
        DiskCompiler.Result result = DiskCompiler.ECJ.compile(ecjDir, files);
        assertTrue(result.success(), result.log());
        assertEquals(List.of(), result.diagnostics().stream()
                .filter(d -> d.kind() == Diagnostic.Kind.ERROR || d.kind() == Diagnostic.Kind.WARNING).toList(),
                result.log());
        ecj = new URLClassLoader(new URL[] {result.classes().toUri().toURL()},
                ExamplePredictionApiTest.class.getClassLoader());
    }

    @AfterAll
    static void closeLoader() throws IOException {
        ecj.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"javac", "ecj"})
    void anExampleIsTheBatchPredictionOfItsRow(String compiler) throws Throwable {
        run(compiler, "anExampleIsTheBatchPredictionOfItsRow");
    }

    @ParameterizedTest
    @ValueSource(strings = {"javac", "ecj"})
    void aDoubleModelTakesBothOverloads(String compiler) throws Throwable {
        run(compiler, "aDoubleModelTakesBothOverloads");
    }

    @ParameterizedTest
    @ValueSource(strings = {"javac", "ecj"})
    void exampleIsTheBatchsRow(String compiler) throws Throwable {
        run(compiler, "exampleIsTheBatchsRow");
    }

    @ParameterizedTest
    @ValueSource(strings = {"javac", "ecj"})
    void badExamplesAreRefusedWithTheirInputAndIndex(String compiler) throws Throwable {
        run(compiler, "badExamplesAreRefusedWithTheirInputAndIndex");
    }

    @ParameterizedTest
    @ValueSource(strings = {"javac", "ecj"})
    void anIndexOutsideTheBatchIsRefused(String compiler) throws Throwable {
        run(compiler, "anIndexOutsideTheBatchIsRefused");
    }

    @ParameterizedTest
    @ValueSource(strings = {"javac", "ecj"})
    void examplePredictionsAreImmutableValues(String compiler) throws Throwable {
        run(compiler, "examplePredictionsAreImmutableValues");
    }

    @ParameterizedTest
    @ValueSource(strings = {"javac", "ecj"})
    void twoInputsTakeOneArrayEachInDeclarationOrder(String compiler) throws Throwable {
        run(compiler, "twoInputsTakeOneArrayEachInDeclarationOrder");
    }

    @ParameterizedTest
    @ValueSource(strings = {"javac", "ecj"})
    void aBranchNamedSizeKeepsItsAccessor(String compiler) throws Throwable {
        run(compiler, "aBranchNamedSizeKeepsItsAccessor");
    }

    @ParameterizedTest
    @ValueSource(strings = {"javac", "ecj"})
    void namesOfTheGeneratedCodeAreFreeForInputsAndBranches(String compiler) throws Throwable {
        run(compiler, "namesOfTheGeneratedCodeAreFreeForInputsAndBranches");
    }

    @Test
    void theExampleRecordIsAFinalRecordOfArraysAndTheBatchRecordReadsIt() throws Exception {
        Class<?> example = javac.loadClass("example.DetectorExamplePrediction");
        assertTrue(example.isRecord() && Modifier.isFinal(example.getModifiers())
                && Modifier.isPublic(example.getModifiers()));
        assertEquals(List.of("localization", "classification"), List.of(example.getRecordComponents()).stream()
                .map(c -> c.getName()).toList());
        assertEquals(double[].class, example.getRecordComponents()[0].getType());
        Class<?> batch = javac.loadClass("example.DetectorPrediction");
        assertEquals(int.class, batch.getMethod("size").getReturnType());
        assertEquals(example, batch.getMethod("example", int.class).getReturnType());
        Class<?> model = javac.loadClass("example.DetectorPredictionModel");
        assertEquals(example, model.getMethod("predict", float[].class).getReturnType());
        assertEquals(example, model.getMethod("predict", double[].class).getReturnType());
        // The batch overload is unchanged.
        assertEquals(batch, model.getMethod("predict", INDArray.class).getReturnType());
        Class<?> twoInputs = javac.loadClass("example.TwoInputsPredictionModel");
        twoInputs.getMethod("predict", float[].class, float[].class);
        twoInputs.getMethod("predict", double[].class, double[].class);
    }

    @Test
    void aBranchNamedSizeKeepsItsAccessorAndNoIntSizeIsGenerated() throws Exception {
        Class<?> batch = javac.loadClass("example.SharedTrunkPrediction");
        Method size = batch.getMethod("size");
        assertEquals(INDArray.class, size.getReturnType());
        assertEquals(1, List.of(batch.getDeclaredMethods()).stream().filter(m -> m.getName().equals("size")).count());
        assertThrows(NoSuchMethodException.class, () -> batch.getMethod("size", int.class));
    }

    /** Runs a static driver method on one compiler's classes, rethrowing what it throws as it was. */
    private static void run(String compiler, String method) throws Throwable {
        ClassLoader loader = compiler.equals("ecj") ? ecj : javac;
        Class<?> driver = loader.loadClass("example.PlainJavaPredicts");
        assertEquals(loader, driver.getClassLoader(), "the driver as " + compiler + " compiled it");
        assertEquals(loader, driver.getClassLoader().loadClass("example.DetectorExamplePrediction").getClassLoader());
        try {
            driver.getMethod(method).invoke(null);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
