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
 *
 * <p>An input of integer ids (tokens, categories) declares {@code type = InputType.INT}, and its vocabulary when
 * known, e.g. {@code @Input(shape = 20, type = InputType.INT, vocabulary = 5000)} for sequences of 20 token ids; a
 * branch reads it with {@code Layers.embedding}. Its placeholder then holds 32-bit integers, and every batch is
 * checked to hold whole numbers in {@code [0, vocabulary)} before it reaches the model.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface Input {
    /** The shape of one example, without the batch dimension, e.g. {@code {5, 5, 2}} for a 5x5 two-channel image. */
    long[] shape();

    /** The input's name in the generated API; the method name when empty. */
    String name() default "";

    /** What the input holds: real values ({@link InputType#FLOAT}, the default) or integer ids. */
    InputType type() default InputType.FLOAT;

    /**
     * For an {@link InputType#INT} input: the number of distinct ids, so that every id must lie in
     * {@code [0, vocabulary)}; {@code 0} (the default) leaves the bound to the embedding that reads the input.
     * Only {@code INT} inputs may declare it.
     */
    long vocabulary() default 0;
}
