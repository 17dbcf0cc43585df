package io.github.branchwise.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.Compiler;
import com.google.testing.compile.JavaFileObjects;
import io.github.branchwise.processor.base.ModelNames;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.Filer;
import javax.annotation.processing.Messager;
import javax.annotation.processing.ProcessingEnvironment;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Element;
import javax.lang.model.element.TypeElement;
import javax.lang.model.util.Elements;
import javax.lang.model.util.Types;
import javax.tools.Diagnostic;
import javax.tools.FileObject;
import javax.tools.JavaFileManager;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** How the processor behaves across classes and rounds: isolation of failures, deferral, incremental builds. */
final class ProcessingTest {
    @ParameterizedTest
    @EnumSource(DiskCompiler.class)
    void aBrokenClassDoesNotStopAnotherFromGenerating(DiskCompiler compiler, @TempDir Path dir) throws IOException {
        Map<String, String> sources = new LinkedHashMap<>();
        sources.put(RuleCase.MODEL_FILE, RuleCase.valid("abstract SDVariable helper();"));
        sources.put("example/Detector.java", EclipseCompilerTest.resource("models/example/Detector.java"));
        DiskCompiler.Result result = compiler.compile(dir, sources);
        assertEquals(1, result.tagged(Diagnostic.Kind.ERROR).size(), result.log());
        for (String suffix : ModelNames.SUFFIXES) {
            assertFalse(result.generated("test.M" + suffix), suffix);
            assertTrue(result.generated("example.Detector" + suffix), suffix);
        }
    }

    @ParameterizedTest
    @EnumSource(DiskCompiler.class)
    void aModelReferringToATypeGeneratedLaterIsDeferredNotRejected(DiskCompiler compiler, @TempDir Path dir) {
        Map<String, String> sources = Map.of(RuleCase.MODEL_FILE, RuleCase.valid("Helper helper() { return null; }"));
        DiskCompiler.Result result = compiler.compile(dir, sources, List.of(TypeGenerators.HelperGenerator.class));
        assertTrue(result.success(), result.log());
        assertTrue(result.tagged(Diagnostic.Kind.ERROR).isEmpty(), result.log());
        assertTrue(result.generated("test.MTrainingModel"), result.log());
    }

    @ParameterizedTest
    @EnumSource(DiskCompiler.class)
    void aScheduleClassGeneratedLaterIsWaitedFor(DiskCompiler compiler, @TempDir Path dir) {
        Map<String, String> sources = Map.of(RuleCase.MODEL_FILE, RuleCase.model(
                "@WeightedLoss(weighting = Weighting.SCHEDULED, schedule = Schedule.class) public abstract class M"));
        DiskCompiler.Result result = compiler.compile(dir, sources, List.of(TypeGenerators.ScheduleGenerator.class));
        assertTrue(result.success(), result.log());
        assertTrue(result.tagged(Diagnostic.Kind.ERROR).isEmpty(), result.log());
        assertTrue(result.generatedSource("test.MTrainingModel").contains("WeightingSpec.scheduled(Schedule::new)"),
                result.log());
    }

    @ParameterizedTest
    @EnumSource(DiskCompiler.class)
    void aStrategyClassThatNeverAppearsIsReportedAsUnresolved(DiskCompiler compiler, @TempDir Path dir) {
        Map<String, String> sources = Map.of(RuleCase.MODEL_FILE, RuleCase.model(
                "@WeightedLoss(weighting = Weighting.CUSTOM, strategy = Missing.class) public abstract class M"));
        DiskCompiler.Result result = compiler.compile(dir, sources);
        assertFalse(result.success());
        assertTrue(result.tagged(Diagnostic.Kind.ERROR).stream()
                .anyMatch(d -> d.message().startsWith("[UnresolvedTypes]") && d.line() > 0), result.log());
        assertFalse(result.generated("test.MTrainingModel"));
    }

    @Test
    void aModelStillMissingATypeAtTheEndIsReportedOnce() {
        Compilation compilation = Compilations.javac().compile(JavaFileObjects.forSourceString("test.M",
                RuleCase.valid("Helper helper() { return null; }")));
        assertThat(compilation).hadErrorContaining("[UnresolvedTypes]").inFile(compilation.sourceFiles().get(0))
                .onLineContaining("class M");
        assertEquals(1, compilation.errors().stream()
                .filter(e -> e.getMessage(Locale.ROOT).startsWith("[UnresolvedTypes]")).count());
    }

    @Test
    void anExceptionBecomesAnErrorOnTheClass(@TempDir Path dir) throws IOException {
        BranchwiseProcessor failing = new BranchwiseProcessor(type -> {
            if (type.getSimpleName().contentEquals("M")) {
                throw new IllegalStateException("boom");
            }
        });
        JavaFileObject model = JavaFileObjects.forSourceString("test.M", RuleCase.valid());
        Compilation compilation = Compiler.javac().withProcessors(failing).compile(model);
        assertThat(compilation).hadErrorContaining("[UnexpectedError]").inFile(model).onLineContaining("class M");
        assertThat(compilation).hadErrorContaining("java.lang.IllegalStateException: boom");
        assertThat(compilation).hadErrorCount(1);

        // javac goes on with the other classes: the other model still generates.
        Map<String, String> sources = new LinkedHashMap<>();
        sources.put(RuleCase.MODEL_FILE, RuleCase.valid());
        sources.put("example/Detector.java", EclipseCompilerTest.resource("models/example/Detector.java"));
        DiskCompiler.Result result = DiskCompiler.javacWith(dir, sources, new BranchwiseProcessor(type -> {
            if (type.getSimpleName().contentEquals("M")) {
                throw new IllegalStateException("boom");
            }
        }));
        assertEquals(1, result.tagged(Diagnostic.Kind.ERROR).size(), result.log());
        assertTrue(result.generated("example.DetectorTrainingModel"), result.log());
        assertFalse(result.generated("test.MTrainingModel"));
    }

    @Test
    void aFileThatCannotBeWrittenIsAnErrorOnTheClass() {
        JavaFileObject model = JavaFileObjects.forSourceString("test.M", RuleCase.valid());
        Compilation compilation = Compiler.javac()
                .withProcessors(new TypeGenerators.BatchSquatter(), new BranchwiseProcessor())
                .compile(model);
        assertThat(compilation).hadErrorContaining("[WriteFailed] Could not write the generated type test.MBatch")
                .inFile(model).onLineContaining("class M");
    }

    @Test
    void everyGeneratedFileHasTheModelAsItsOnlyOriginatingElementAndNothingElseIsWritten() {
        RecordingProcessor recording = new RecordingProcessor();
        Compilation compilation = Compiler.javac().withProcessors(recording)
                .compile(Compilations.models("Detector", "TwoInputs"));
        assertThat(compilation).succeeded();
        assertEquals(2 * ModelNames.SUFFIXES.size(), recording.sources.size());
        for (Map.Entry<String, List<String>> file : recording.sources.entrySet()) {
            String model = file.getKey().startsWith("example.Detector") ? "example.Detector" : "example.TwoInputs";
            assertEquals(List.of(model), file.getValue(), file.getKey());
        }
        assertEquals(List.of(), recording.others, "no resources or class files");
    }

    @Test
    void isRegisteredAsAnIsolatingProcessorForGradle() throws IOException {
        try (InputStream in = getClass().getClassLoader()
                .getResourceAsStream("META-INF/gradle/incremental.annotation.processors")) {
            assertEquals("io.github.branchwise.processor.BranchwiseProcessor,isolating",
                    new String(in.readAllBytes(), StandardCharsets.UTF_8).strip());
        }
        try (InputStream in = getClass().getClassLoader()
                .getResourceAsStream("META-INF/services/javax.annotation.processing.Processor")) {
            assertEquals(BranchwiseProcessor.class.getName(),
                    new String(in.readAllBytes(), StandardCharsets.UTF_8).strip());
        }
    }

    /** Runs the processor with a filer that records what it creates, and with which originating elements. */
    private static final class RecordingProcessor extends AbstractProcessor {
        private final BranchwiseProcessor delegate = new BranchwiseProcessor();
        final Map<String, List<String>> sources = new LinkedHashMap<>();
        final List<String> others = new ArrayList<>();

        @Override
        public synchronized void init(ProcessingEnvironment env) {
            super.init(env);
            Filer filer = env.getFiler();
            Filer recordingFiler = new Filer() {
                @Override
                public JavaFileObject createSourceFile(CharSequence name, Element... originating) throws IOException {
                    List<String> names = new ArrayList<>();
                    for (Element element : originating) {
                        names.add(((TypeElement) element).getQualifiedName().toString());
                    }
                    sources.put(name.toString(), names);
                    return filer.createSourceFile(name, originating);
                }

                @Override
                public JavaFileObject createClassFile(CharSequence name, Element... originating) throws IOException {
                    others.add(name.toString());
                    return filer.createClassFile(name, originating);
                }

                @Override
                public FileObject createResource(JavaFileManager.Location location, CharSequence pkg,
                        CharSequence relativeName, Element... originating) throws IOException {
                    others.add(relativeName.toString());
                    return filer.createResource(location, pkg, relativeName, originating);
                }

                @Override
                public FileObject getResource(JavaFileManager.Location location, CharSequence pkg,
                        CharSequence relativeName) throws IOException {
                    return filer.getResource(location, pkg, relativeName);
                }
            };
            delegate.init(new ProcessingEnvironment() {
                @Override
                public Map<String, String> getOptions() {
                    return env.getOptions();
                }

                @Override
                public Messager getMessager() {
                    return env.getMessager();
                }

                @Override
                public Filer getFiler() {
                    return recordingFiler;
                }

                @Override
                public Elements getElementUtils() {
                    return env.getElementUtils();
                }

                @Override
                public Types getTypeUtils() {
                    return env.getTypeUtils();
                }

                @Override
                public SourceVersion getSourceVersion() {
                    return env.getSourceVersion();
                }

                @Override
                public Locale getLocale() {
                    return env.getLocale();
                }
            });
        }

        @Override
        public Set<String> getSupportedAnnotationTypes() {
            return delegate.getSupportedAnnotationTypes();
        }

        @Override
        public SourceVersion getSupportedSourceVersion() {
            return delegate.getSupportedSourceVersion();
        }

        @Override
        public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment roundEnv) {
            return delegate.process(annotations, roundEnv);
        }
    }
}
