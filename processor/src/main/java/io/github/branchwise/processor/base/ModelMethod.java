package io.github.branchwise.processor.base;

import io.github.branchwise.annotations.Branch;
import io.github.branchwise.annotations.BranchLoss;
import io.github.branchwise.annotations.Experts;
import io.github.branchwise.annotations.Gate;
import io.github.branchwise.annotations.Input;
import io.github.branchwise.annotations.Shared;
import io.github.branchwise.annotations.Stitch;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.util.ElementFilter;

/**
 * A method of a model class with the Branchwise annotations it carries.
 *
 * @param method the method
 * @param input its {@code @Input}, if any
 * @param branch its {@code @Branch}, if any
 * @param shared its {@code @Shared}, if any
 * @param branchLoss its {@code @BranchLoss}, if any
 * @param experts its {@code @Experts}, if any
 * @param gate its {@code @Gate}, if any
 * @param stitch its {@code @Stitch}, if any
 */
public record ModelMethod(
        ExecutableElement method,
        Optional<AnnotationMirror> input,
        Optional<AnnotationMirror> branch,
        Optional<AnnotationMirror> shared,
        Optional<AnnotationMirror> branchLoss,
        Optional<AnnotationMirror> experts,
        Optional<AnnotationMirror> gate,
        Optional<AnnotationMirror> stitch) {

    /**
     * The annotated methods declared in {@code type}, in declaration order.
     *
     * <p>Declaration order is the user's: inputs and branches keep it in the generated API. javac and ecj both
     * return a source type's enclosed elements in the order of the source (checked by the ecj tests), so that
     * order is used as is, never sorted.
     */
    public static List<ModelMethod> scan(TypeElement type) {
        List<ModelMethod> methods = new ArrayList<>();
        for (ExecutableElement method : ElementFilter.methodsIn(type.getEnclosedElements())) {
            ModelMethod annotated = new ModelMethod(
                    method,
                    Annotations.find(method, Input.class),
                    Annotations.find(method, Branch.class),
                    Annotations.find(method, Shared.class),
                    Annotations.find(method, BranchLoss.class),
                    Annotations.find(method, Experts.class),
                    Annotations.find(method, Gate.class),
                    Annotations.find(method, Stitch.class));
            if (annotated.isAnnotated()) {
                methods.add(annotated);
            }
        }
        return methods;
    }

    /** Whether the method carries any Branchwise annotation. */
    public boolean isAnnotated() {
        return input.isPresent() || branch.isPresent() || shared.isPresent() || branchLoss.isPresent()
                || experts.isPresent() || gate.isPresent() || stitch.isPresent();
    }

    /** Whether this is a loss method: {@code @BranchLoss} without {@code @Branch} or another role. */
    public boolean isLossMethod() {
        return branchLoss.isPresent() && branch.isEmpty() && input.isEmpty() && shared.isEmpty()
                && experts.isEmpty() && gate.isEmpty() && stitch.isEmpty();
    }

    /** The method's simple name. */
    public String name() {
        return method.getSimpleName().toString();
    }
}
