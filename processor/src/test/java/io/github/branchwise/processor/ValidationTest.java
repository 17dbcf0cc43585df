package io.github.branchwise.processor;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import io.github.branchwise.processor.validation.Message;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every rule of the catalog, broken once under javac: its message, on the right line of the right file. */
final class ValidationTest {
    /** Rules with a test of their own elsewhere, since no user source alone breaks them. */
    static final Set<Message> TESTED_ELSEWHERE = EnumSet.of(
            Message.UNEXPECTED_ERROR,   // ProcessingTest.anExceptionBecomesAnErrorOnTheClass
            Message.WRITE_FAILED);      // ProcessingTest.aFileThatCannotBeWrittenIsAnErrorOnTheClass

    /**
     * Rules javac never lets reach the processor: it reports the broken value itself (for an unknown enum constant,
     * "cannot find symbol") and skips processing; ecj does call the processor, which then reports its rule.
     */
    static final Set<Message> JAVAC_REPORTS_ITSELF = EnumSet.of(Message.INVALID_ATTRIBUTE);

    static Stream<RuleCase> cases() {
        return Stream.concat(RuleCases.all().stream(), RuleCases.variants().stream());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void ruleIsReportedOnItsLine(RuleCase rule) {
        List<javax.tools.JavaFileObject> files = rule.javaFileObjects();
        javax.tools.JavaFileObject file = files.get(List.copyOf(rule.sources().keySet()).indexOf(rule.file()));
        Compilation compilation = Compilations.javac().compile(files);
        String tag = "[" + rule.message().tag() + "]";
        if (JAVAC_REPORTS_ITSELF.contains(rule.message())) {
            assertThat(compilation).hadErrorContaining("cannot find symbol").inFile(file).onLineContaining(rule.line());
        } else if (rule.message().kind() == Diagnostic.Kind.ERROR) {
            assertThat(compilation).hadErrorContaining(tag).inFile(file).onLineContaining(rule.line());
            assertThat(compilation).hadErrorContaining(rule.detail().isEmpty() ? tag : rule.detail());
        } else {
            assertThat(compilation).hadWarningContaining(tag).inFile(file).onLineContaining(rule.line());
            assertThat(compilation).hadWarningContaining(rule.detail().isEmpty() ? tag : rule.detail());
        }
    }

    @Test
    void everyRuleOfTheCatalogHasANegativeTest() {
        Set<Message> covered = EnumSet.noneOf(Message.class);
        RuleCases.all().forEach(rule -> covered.add(rule.message()));
        covered.addAll(TESTED_ELSEWHERE);
        Set<Message> missing = EnumSet.complementOf(EnumSet.copyOf(covered));
        System.out.printf("Negative tests cover %d of the %d rules of the catalog (%d by user sources, %d by "
                        + "processing tests)%n", covered.size(), Message.values().length, RuleCases.all().size(),
                TESTED_ELSEWHERE.size());
        assertEquals(Set.of(), missing, "rules without a negative test");
        assertEquals(Message.values().length, RuleCases.all().size() + TESTED_ELSEWHERE.size(),
                "one case per rule, no rule twice");
    }

    @Test
    void tagsAreUniqueWords() {
        Set<String> tags = Stream.of(Message.values()).map(Message::tag).collect(Collectors.toSet());
        assertEquals(Message.values().length, tags.size());
        for (Message message : Message.values()) {
            assertTrue(message.tag().matches("[A-Z][A-Za-z]+"), message.tag());
        }
    }

    @Test
    void unknownBranchSuggestsTheNearestName() {
        RuleCase rule = RuleCases.all().stream().filter(c -> c.message() == Message.UNKNOWN_BRANCH).findFirst()
                .orElseThrow();
        assertThat(Compilations.javac().compile(rule.javaFileObjects()))
                .hadErrorContaining("there is no branch 'locaization'; did you mean 'localization'?");
    }

    @Test
    void aTranspositionIsSuggestedOnTheLineOfTheMisspeltName() {
        // One adjacent swap: plain Levenshtein would count two edits, too many for a five-letter name.
        javax.tools.JavaFileObject file = JavaFileObjects.forSourceString("test.M", RuleCase.valid(RuleCases.PRICE,
                "@BranchLoss(branch = \"prcie\") SDVariable l(SDVariable target, SDVariable prediction) "
                        + "{ return target; }"));
        Compilation compilation = Compilations.javac().compile(file);
        assertThat(compilation).hadErrorContaining("[UnknownBranch] ").inFile(file).onLineContaining("\"prcie\"");
        assertThat(compilation).hadErrorContaining("there is no branch 'prcie'; did you mean 'price'?")
                .inFile(file).onLineContaining("\"prcie\"");
        assertEquals(1, compilation.errors().size(), () -> "only the misspelt name: " + compilation.errors());
    }

    @Test
    void aCycleIsReportedOnceOnItsSmallestNameWhateverTheDeclarationOrder() {
        // A cycle has no first member the user declared: the smallest name is where it is reported, in both orders.
        String first = "@Stitch(parts = {\"x\", \"beta\"}) abstract SDVariable alpha();";
        String second = "@Stitch(parts = {\"x\", \"alpha\"}) abstract SDVariable beta();";
        for (String[] members : List.of(new String[] {first, second}, new String[] {second, first})) {
            javax.tools.JavaFileObject file = JavaFileObjects.forSourceString("test.M", RuleCase.valid(members));
            Compilation compilation = Compilations.javac().compile(file);
            assertThat(compilation).hadErrorContaining("[PartCycle] ").inFile(file).onLineContaining("alpha()");
            assertThat(compilation).hadErrorContaining("; alpha -> beta -> alpha");
            assertEquals(1, compilation.errors().size(), () -> "one report per cycle: " + compilation.errors());
        }
    }

    @Test
    void everyErrorOfOneClassIsReportedInOneCompile() {
        String source = RuleCase.source("@WeightedLoss(min = 0.8, max = 0.2) public final class M",
                "@Input(shape = {0}) abstract Object x();",
                "@Branch(shape = 1) @BranchLoss(Loss.CUSTOM) SDVariable a(Layers nn) { return null; }",
                "@Branch(shape = 1, name = \"total\") SDVariable b() { return null; }",
                "@BranchLoss(branch = \"c\") SDVariable l(SDVariable target) { return target; }",
                "@Shared private static SDVariable trunk(int units) { return null; }");
        Compilation compilation = Compilations.javac()
                .compile(JavaFileObjects.forSourceString("test.M", source));
        List<String> tags = new ArrayList<>();
        for (Diagnostic<?> error : compilation.errors()) {
            String text = error.getMessage(null);
            if (text.startsWith("[")) {
                tags.add(text.substring(1, text.indexOf(']')));
            }
        }
        // Class first, then members in declaration order, then the rules that need every member.
        assertEquals(List.of("ModelFinal", "InputReturnType", "ShapeDimension", "CustomLossOnBranch",
                "ReservedName", "LossMethodParameters", "MethodPrivate", "MethodStatic", "SharedParameters",
                "TooFewBranches", "UnknownBranch", "TrainableBounds"), tags, "all errors, in report order");
    }
}
