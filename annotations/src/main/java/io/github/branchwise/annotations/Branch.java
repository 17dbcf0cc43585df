package io.github.branchwise.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method that builds one output head ("branch") of the model.
 *
 * <p>The method returns {@code SDVariable} and takes either no parameter or one
 * {@code io.github.branchwise.runtime.Layers}, whose layers are named after the branch. Its name becomes the name
 * of the branch's component in the generated records ({@code prediction.localization()},
 * {@code losses.localization()}). Each branch needs exactly one loss, see {@link BranchLoss}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface Branch {
    /**
     * The shape of one example of this head's output and target, without the batch dimension,
     * e.g. {@code {3, 3, 1}}. Targets are checked against it before they reach native code.
     */
    long[] shape();

    /** The branch's name in the generated API; the method name when empty. */
    String name() default "";
}
