package io.github.branchwise.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an abstract method {@code SDVariable name()} as a softmax gate over every expert of the named
 * {@link Experts} groups, in the order listed (MMoE's gate of one task; CGC's over its own and the shared experts).
 *
 * <p>Driven by {@link #input()}, flattened to {@code x}, the gate computes {@code g = softmax(x·W + b)} and outputs
 * {@code Σₑ gₑ · expertₑ}, with parameters {@code name/W} ({@code [in, experts]}, Glorot) and {@code name/b}
 * (zeros). The experts must have one shape, checked when the model is created. The generated subclass implements
 * the method, memoised: branches, {@link Shared} methods and other experts call it like an {@link Input}.
 *
 * <p>The mean weight of each expert over an epoch's training examples is recorded in the history, in columns
 * {@code <gate>_<group>_<k>} ({@code clickGate_shared_0}), and in the generated epoch record as
 * {@code epoch.gates().clickGate()}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface Gate {
    /** The {@link Experts} groups the gate mixes, in order: at least one, each once. */
    String[] experts();

    /**
     * The part that drives the gate: the method name of an {@link Input}, a {@link Shared} method, a {@link Gate}
     * or a {@link Stitch}. Empty (the default) when every listed group reads the same part: that part drives the gate,
     * as in MMoE and CGC.
     */
    String input() default "";
}
