package io.github.branchwise.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method that builds one expert of a group of {@link #count()} experts of one structure, as in MMoE and
 * CGC/PLE: {@code SDVariable name(Layers nn, SDVariable input)}.
 *
 * <p>The method builds one expert from {@code input}; the generated code calls it {@code count} times with the
 * layers of {@code name/0}, {@code name/1}, ..., so that each expert has its own parameters
 * ({@code shared/0/dense_0/W}), and {@code freeze("shared")} or {@code freeze("shared/1")} work as for any part.
 * Its input is the part {@link #input()} names. The group is built once, like a {@link Shared} method, when the
 * first {@link Gate} naming it is built; a group no gate names is never built (the processor warns).
 *
 * <p>An {@code @Experts} method is neither a branch nor a shared method: branches reach the experts only through a
 * gate. Called directly, it is a plain helper that builds in the caller's layers.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface Experts {
    /** The number of experts in the group, at least 1. */
    int count();

    /**
     * The part every expert of the group reads: the method name of an {@link Input}, a {@link Shared} method, a
     * {@link Gate} or a {@link Stitch} of the model (a PLE level's experts read a gate of the level below). An input
     * is named by its method, whatever its {@code name} in the generated API.
     */
    String input();
}
