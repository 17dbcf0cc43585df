package io.github.branchwise.processor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.Set;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.TypeElement;

/** Stand-ins for other processors of a user's build, which generate types in the first round. */
final class TypeGenerators {
    private TypeGenerators() {
    }

    /** Generates {@code test.Helper} in the first round: a type model classes may refer to before it exists. */
    public static final class HelperGenerator extends FirstRoundGenerator {
        /** Called by the compilers. */
        public HelperGenerator() {
            super("test.Helper", "package test;\n\npublic final class Helper {\n}\n");
        }
    }

    /** Generates {@code test.Schedule}, a weight schedule, in the first round: a model may name it before it exists. */
    public static final class ScheduleGenerator extends FirstRoundGenerator {
        /** Called by the compilers. */
        public ScheduleGenerator() {
            super("test.Schedule", "package test;\n\npublic final class Schedule implements "
                    + "io.github.branchwise.runtime.weighting.WeightSchedule {\n"
                    + "    @Override\n    public double[] weights(long step, long epoch, int branches) {\n"
                    + "        return new double[] {1, 1};\n    }\n}\n");
        }
    }

    /** Generates {@code test.MBatch} in the first round, so that Branchwise cannot write its own. */
    public static final class BatchSquatter extends FirstRoundGenerator {
        /** Called by the compilers. */
        public BatchSquatter() {
            super("test.MBatch", "package test;\n\npublic final class MBatch {\n}\n");
        }
    }

    /** Writes one source file in the first round. */
    abstract static class FirstRoundGenerator extends AbstractProcessor {
        private final String name;
        private final String source;
        private boolean done;

        FirstRoundGenerator(String name, String source) {
            this.name = name;
            this.source = source;
        }

        @Override
        public Set<String> getSupportedAnnotationTypes() {
            return Set.of("*");
        }

        @Override
        public SourceVersion getSupportedSourceVersion() {
            return SourceVersion.latestSupported();
        }

        @Override
        public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment roundEnv) {
            if (!done) {
                done = true;
                try (Writer writer = processingEnv.getFiler().createSourceFile(name).openWriter()) {
                    writer.write(source);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return false;
        }
    }
}
