package io.github.branchwise.processor;

import com.google.testing.compile.JavaFileObjects;
import io.github.branchwise.processor.validation.Message;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.tools.JavaFileObject;

/**
 * One negative test input: sources breaking one rule, and where its message must appear.
 *
 * @param message the rule broken
 * @param file the source file, relative to the source root, where the message must appear
 * @param line text found on exactly one line of that file: the line of the message
 * @param sources the sources, by path relative to the source root
 * @param detail text the message must contain besides its tag, or empty
 */
record RuleCase(Message message, String file, String line, Map<String, String> sources, String detail) {
    /** The package every case's classes live in. */
    static final String PACKAGE = "test";

    /** The file holding model {@code M}. */
    static final String MODEL_FILE = PACKAGE + "/M.java";

    private static final String HEADER = """
            package test;

            import io.github.branchwise.annotations.Branch;
            import io.github.branchwise.annotations.BranchLoss;
            import io.github.branchwise.annotations.Convention;
            import io.github.branchwise.annotations.EpochMean;
            import io.github.branchwise.annotations.Experts;
            import io.github.branchwise.annotations.Gate;
            import io.github.branchwise.annotations.GradNormScope;
            import io.github.branchwise.annotations.GradientSource;
            import io.github.branchwise.annotations.HeadGradients;
            import io.github.branchwise.annotations.Input;
            import io.github.branchwise.annotations.InputType;
            import io.github.branchwise.annotations.Loss;
            import io.github.branchwise.annotations.Ramp;
            import io.github.branchwise.annotations.RampUnit;
            import io.github.branchwise.annotations.Shared;
            import io.github.branchwise.annotations.Stitch;
            import io.github.branchwise.annotations.WeightedLoss;
            import io.github.branchwise.annotations.Weighting;
            import io.github.branchwise.runtime.Layers;
            import org.nd4j.autodiff.samediff.SDVariable;

            """;

    /** A valid input, {@code x}. */
    static final String X = "@Input(shape = 4) abstract SDVariable x();";
    /** A valid branch, {@code a}. */
    static final String A =
            "@Branch(shape = 1) @BranchLoss(Loss.MEAN_SQUARED_ERROR) SDVariable a(Layers nn) { return nn.dense(x(), 1); }";
    /** A valid branch, {@code b}. */
    static final String B =
            "@Branch(shape = 2) @BranchLoss(Loss.MEAN_SQUARED_ERROR) SDVariable b(Layers nn) { return nn.dense(x(), 2); }";
    /** A branch {@code c} without a loss, for loss method cases. */
    static final String C = "@Branch(shape = 1) SDVariable c(Layers nn) { return nn.dense(x(), 1); }";

    /** A case whose sources are the one model file {@code test/M.java}. */
    static RuleCase of(Message message, String line, String modelSource) {
        return new RuleCase(message, MODEL_FILE, line, Map.of(MODEL_FILE, modelSource), "");
    }

    /** A case with several files; {@code file} is where the message appears. */
    static RuleCase of(Message message, String file, String line, Map<String, String> sources) {
        return new RuleCase(message, file, line, new LinkedHashMap<>(sources), "");
    }

    /** This case, whose message must also contain {@code text}. */
    RuleCase saying(String text) {
        return new RuleCase(message, file, line, sources, text);
    }

    /** The source of a class: the imports, {@code declaration}, one member per line, closing brace. */
    static String source(String declaration, String... members) {
        StringBuilder source = new StringBuilder(HEADER).append(declaration).append(" {\n");
        for (String member : members) {
            source.append("    ").append(member).append('\n');
        }
        return source.append("}\n").toString();
    }

    /** {@code @WeightedLoss public abstract class M} with {@link #X}, {@link #A}, {@link #B} and more members. */
    static String valid(String... more) {
        return model("@WeightedLoss public abstract class M", more);
    }

    /** Model {@code M} declared as {@code declaration}, with {@link #X}, {@link #A}, {@link #B} and more members. */
    static String model(String declaration, String... more) {
        String[] members = new String[more.length + 3];
        members[0] = X;
        members[1] = A;
        members[2] = B;
        System.arraycopy(more, 0, members, 3, more.length);
        return source(declaration, members);
    }

    /** The sources as compile-testing file objects. */
    List<JavaFileObject> javaFileObjects() {
        return sources.entrySet().stream()
                .map(e -> JavaFileObjects.forSourceString(
                        e.getKey().replace(".java", "").replace('/', '.'), e.getValue()))
                .toList();
    }

    /** The 1-based line of {@link #file} that contains {@link #line}. */
    int lineNumber() {
        String[] lines = sources.get(file).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(line)) {
                return i + 1;
            }
        }
        throw new IllegalStateException("no line contains " + line);
    }

    @Override
    public String toString() {
        return detail.isEmpty() ? message.tag() : message.tag() + " (" + detail + ")";
    }
}
