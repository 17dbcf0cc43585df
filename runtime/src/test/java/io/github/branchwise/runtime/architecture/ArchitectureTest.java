package io.github.branchwise.runtime.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.codeUnits;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import io.github.branchwise.runtime.Layers;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The runtime's layers, checked on its compiled classes so that the compiler's output, not discipline, keeps them
 * apart (ARCHITECTURE.md draws them):
 *
 * <pre>
 *   training  (API: Trainer, Fitting, data, history)
 *      ↓
 *   engine..  (hidden: graph building, executors, plans, files)
 *      ↓
 *   internal  (for generated code only: ModelSpec, ModelGraph, WeightingSpec, Predictor, ExampleArrays)
 *      ↓
 *   strategies (hidden: one Weighter per built-in strategy)
 *      ↓
 *   weighting (SPI: Weighter, WeightSchedule, BranchGradients, StepInfo)
 *      ↓
 *   runtime   (API: Layers, TrainingOptions, GraphHost, Losses, exceptions)
 * </pre>
 *
 * A package may use only the packages below it. The exported packages ({@code module-info.java}) never show a type
 * of a hidden one in a public signature. Each rule is also run on a deliberately broken fixture
 * ({@code io.github.branchwise.archfixture}) to show that it fails when it should.
 */
class ArchitectureTest {
    private static final String RUNTIME = "io.github.branchwise.runtime";
    private static final JavaClasses RUNTIME_CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(RUNTIME);

    @Test
    void theRuntimeHasNoPackageCycle() {
        assertTrue(RUNTIME_CLASSES.size() > 50, "the runtime's classes were found: " + RUNTIME_CLASSES.size());
        noPackageCycles(RUNTIME).check(RUNTIME_CLASSES);
    }

    @Test
    void eachPackageUsesOnlyThePackagesBelowIt() {
        layers(RUNTIME).check(RUNTIME_CLASSES);
    }

    @Test
    void exportedSignaturesShowOnlyExportedTypes() {
        exportedSignaturesShowOnlyExportedTypes(RUNTIME).check(RUNTIME_CLASSES);
        exportedTypesDoNotExtendHiddenOnes(RUNTIME).check(RUNTIME_CLASSES);
    }

    @Test
    void theModuleExportsExactlyTheApiSpiAndInternalPackages() throws IOException, URISyntaxException {
        // Read from the compiled module-info.class next to the runtime's classes, which is there whether the
        // tests run on the module path or the class path.
        Set<String> exported = new LinkedHashSet<>();
        try (InputStream in = Files.newInputStream(Path.of(Layers.class.getProtectionDomain().getCodeSource()
                .getLocation().toURI()).resolve("module-info.class"))) {
            ModuleDescriptor descriptor = ModuleDescriptor.read(in);
            assertTrue(descriptor.name().equals(RUNTIME), descriptor.name());
            descriptor.exports().stream().filter(e -> !e.isQualified()).forEach(e -> exported.add(e.source()));
        }
        assertTrue(exported.equals(Set.copyOf(exportedPackages(RUNTIME))),
                "module-info exports " + exported + ", the architecture says " + exportedPackages(RUNTIME));
    }

    @Test
    void theCycleRuleFailsOnAPackageCycle() {
        String root = "io.github.branchwise.archfixture.cycle";
        JavaClasses fixture = new ClassFileImporter().importPackages(root);
        assertFalse(fixture.isEmpty());
        AssertionError error = assertThrows(AssertionError.class, () -> noPackageCycles(root).check(fixture));
        assertTrue(error.getMessage().contains("Cycle detected"), error.getMessage());
        assertThrows(AssertionError.class, () -> layers(root).check(fixture));
    }

    @Test
    void theSignatureRuleFailsOnALeakedHiddenType() {
        String root = "io.github.branchwise.archfixture.leak";
        JavaClasses fixture = new ClassFileImporter().importPackages(root);
        AssertionError error = assertThrows(AssertionError.class,
                () -> exportedSignaturesShowOnlyExportedTypes(root).check(fixture));
        assertTrue(error.getMessage().contains("Api.hidden()"), error.getMessage());
    }

    /** Every package under {@code root}, the root included, as one slice: no slice may reach back into another. */
    static ArchRule noPackageCycles(String root) {
        return slices().assignedFrom(new SliceAssignment() {
            @Override
            public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
                String name = javaClass.getPackageName();
                return name.equals(root) || name.startsWith(root + ".") ? SliceIdentifier.of(name)
                        : SliceIdentifier.ignore();
            }

            @Override
            public String getDescription() {
                return "packages under " + root;
            }
        }).should().beFreeOfCycles();
    }

    /** The layers of the class comment; a package may use only those below it. */
    static ArchRule layers(String root) {
        return layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("API").definedBy(root)
                .layer("SPI").definedBy(root + ".weighting")
                .layer("Strategies").definedBy(root + ".strategies")
                .layer("Internal").definedBy(root + ".internal")
                .layer("Engine").definedBy(root + ".engine..")
                .layer("Training").definedBy(root + ".training")
                .whereLayer("API").mayNotAccessAnyLayer()
                .whereLayer("SPI").mayOnlyAccessLayers("API")
                .whereLayer("Strategies").mayOnlyAccessLayers("API", "SPI")
                .whereLayer("Internal").mayOnlyAccessLayers("API", "SPI", "Strategies")
                .whereLayer("Engine").mayOnlyAccessLayers("API", "SPI", "Internal")
                .whereLayer("Training").mayOnlyAccessLayers("API", "SPI", "Internal", "Engine");
    }

    /** The packages {@code module-info.java} exports: the API, the SPI and the internals generated code calls. */
    static List<String> exportedPackages(String root) {
        return List.of(root, root + ".training", root + ".weighting", root + ".internal");
    }

    private static DescribedPredicate<JavaClass> hidden(String root) {
        Set<String> exported = Set.copyOf(exportedPackages(root));
        return describe("in a package " + root + " does not export", c -> {
            String name = c.getPackageName();
            return (name.equals(root) || name.startsWith(root + ".")) && !exported.contains(name);
        });
    }

    private static DescribedPredicate<JavaClass> exportedAndPublic(String root) {
        Set<String> exported = Set.copyOf(exportedPackages(root));
        return describe("public in an exported package", c -> exported.contains(c.getPackageName())
                && c.getModifiers().contains(JavaModifier.PUBLIC));
    }

    /** No public or protected member of an exported type takes, returns or throws a hidden type, generics included. */
    static ArchRule exportedSignaturesShowOnlyExportedTypes(String root) {
        DescribedPredicate<JavaClass> hidden = hidden(root);
        return codeUnits().that().areDeclaredInClassesThat(exportedAndPublic(root))
                .and(describe("are public or protected", u -> u.getModifiers().contains(JavaModifier.PUBLIC)
                        || u.getModifiers().contains(JavaModifier.PROTECTED)))
                .should(new ArchCondition<JavaCodeUnit>("show only exported types in their signature") {
                    @Override
                    public void check(JavaCodeUnit unit, ConditionEvents events) {
                        Set<JavaClass> involved = new LinkedHashSet<>(unit.getReturnType().getAllInvolvedRawTypes());
                        for (JavaType parameter : unit.getParameterTypes()) {
                            involved.addAll(parameter.getAllInvolvedRawTypes());
                        }
                        involved.addAll(unit.getExceptionTypes());
                        for (JavaClass type : involved) {
                            JavaClass base = type.isArray() ? type.getBaseComponentType() : type;
                            if (hidden.test(base)) {
                                events.add(SimpleConditionEvent.violated(unit, unit.getFullName() + " shows "
                                        + base.getName() + ", which the module does not export"));
                            }
                        }
                    }
                })
                .allowEmptyShould(true);
    }

    /** No exported type extends or implements a hidden one. */
    static ArchRule exportedTypesDoNotExtendHiddenOnes(String root) {
        return classes().that(exportedAndPublic(root)).should().notBeAssignableTo(hidden(root))
                .allowEmptyShould(true);
    }
}
