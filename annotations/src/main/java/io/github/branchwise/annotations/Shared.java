package io.github.branchwise.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method that builds a sub-graph several branches use, such as a shared trunk.
 *
 * <p>The method returns {@code SDVariable} and takes no parameter or one {@code io.github.branchwise.runtime.Layers}
 * (whose layers are named after this method, whichever branch calls it first). The generated code memoises it:
 * every call returns the same tensor, so two branches calling it share one trunk and its parameters instead of
 * building two copies. A trunk written as a plain helper and called from several branches is built once per branch;
 * the runtime warns when a model is created with such copies ({@code io.github.branchwise.runtime.DuplicatedLayers}).
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface Shared {
}
