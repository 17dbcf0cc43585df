package io.github.branchwise.benchmarks;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.github.branchwise.runtime.engine.PlanSwitch;
import org.junit.jupiter.api.Test;

/**
 * The benchmarks reach the runtime only through the packages its module exports (the API, the training API, the
 * weighting SPI, and {@code internal} as generated code uses it): never its hidden {@code engine} or
 * {@code strategies}. The benchmarks run on the class path, where the module's exports are not enforced, so this test
 * enforces them; docs/performance.md ("Benchmarks", "Seams") lists what the benchmarks use.
 */
class SeamsTest {
    private static final JavaClasses BENCHMARKS = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.github.branchwise.benchmarks");

    @Test
    void benchmarksUseNoHiddenRuntimePackage() {
        noClasses().that().resideInAPackage("io.github.branchwise.benchmarks..")
                .should().dependOnClassesThat(DescribedPredicate.and(
                        JavaClass.Predicates.resideInAnyPackage("io.github.branchwise.runtime.engine..",
                                "io.github.branchwise.runtime.strategies.."),
                        DescribedPredicate.not(JavaClass.Predicates.equivalentTo(PlanSwitch.class))))
                .because("the runtime's module hides them: a benchmark that needs more gets a deliberate seam "
                        + "(the one there is: PlanSwitch, the plan rewrites' switches InterleavedAB flips)")
                .check(BENCHMARKS);
    }
}
