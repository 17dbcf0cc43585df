package io.github.branchwise.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an abstract method {@code SDVariable name()} as one column's output of a cross-stitch unit (Misra et al.
 * 2016): {@code Σⱼ αⱼ · partⱼ} over the named {@link #parts()}, all of one shape.
 *
 * <p>The learned {@code name/alpha} (shape {@code [parts]}, or {@code [parts, channels]} with
 * {@link #perChannel()}) starts at {@link #own()} for the first part, this column's own, and at {@link #other()}
 * for the rest. The generated subclass implements the method, memoised; other parts call it like an {@link Input}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface Stitch {
    /**
     * The parts stitched, this column's own first: two or more distinct method names of {@link Input}s,
     * {@link Shared} methods, {@link Gate}s or other stitches, of one shape.
     */
    String[] parts();

    /** The initial α of the first part, this column's own; finite. Misra et al.'s 0.9 by default. */
    double own() default 0.9;

    /** The initial α of every other part; finite. Misra et al.'s 0.1 by default (LibMTL starts at 1 and 1). */
    double other() default 0.1;

    /** Whether α has one value per part and channel (the last axis), {@code [parts, channels]}, not per part. */
    boolean perChannel() default false;
}
