package io.github.branchwise.processor;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.Compiler;
import com.google.testing.compile.JavaFileObjects;
import java.util.Arrays;
import java.util.List;
import javax.tools.JavaFileObject;

/** Compiles model sources with the processor under javac, as the tests need them. */
final class Compilations {
    private Compilations() {
    }

    /** javac with the Branchwise processor and every lint warning on, as the project's own build. */
    static Compiler javac() {
        return Compiler.javac().withProcessors(new BranchwiseProcessor()).withOptions("-Xlint:all");
    }

    /** The models of {@code src/test/resources/models/example}, by simple name. */
    static List<JavaFileObject> models(String... simpleNames) {
        return Arrays.stream(simpleNames).map(Compilations::model).toList();
    }

    /** One model of {@code src/test/resources/models/example}. */
    static JavaFileObject model(String simpleName) {
        return JavaFileObjects.forResource("models/example/" + simpleName + ".java");
    }

    /** Compiles resource models. */
    static Compilation compileModels(String... simpleNames) {
        return javac().compile(models(simpleNames));
    }
}
