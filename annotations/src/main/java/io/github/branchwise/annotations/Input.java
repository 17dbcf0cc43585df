package io.github.branchwise.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares one input of the model: an abstract, parameterless method returning {@code SDVariable}.
 *
 * <p>The generated code implements the method with a placeholder of shape {@code [batch, shape...]}; branch and
 * shared methods call it to read the input. Inputs keep their declaration order in the generated
 * {@code predict} parameters and in the batch record.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface Input {
    /** The shape of one example, without the batch dimension, e.g. {@code {5, 5, 2}} for a 5x5 two-channel image. */
    long[] shape();

    /** The input's name in the generated API; the method name when empty. */
    String name() default "";
}
