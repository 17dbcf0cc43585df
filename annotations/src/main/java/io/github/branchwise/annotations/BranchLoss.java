package io.github.branchwise.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Gives one branch its loss, in one of two ways.
 *
 * <ul>
 *   <li>On a {@link Branch} method, with a built-in loss: {@code @BranchLoss(Loss.BINARY_CROSSENTROPY)}.</li>
 *   <li>On a loss method of the model class, naming the branch:
 *       {@code @BranchLoss(branch = "localization") SDVariable locLoss(SDVariable target, SDVariable prediction)}.
 *       The method returns the <em>per-example</em> loss, shape {@code [batch]}; Branchwise takes its batch mean.</li>
 * </ul>
 *
 * <p>Either way the branch loss is a per-example vector (the mean over every axis but the batch axis), then the
 * mean over the batch, exactly as Keras computes a head's loss.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface BranchLoss {
    /** The built-in loss; leave it at {@link Loss#CUSTOM} on a loss method, which computes the loss itself. */
    Loss value() default Loss.CUSTOM;

    /** On a loss method: the name of the branch whose loss it computes. Empty on a {@link Branch} method. */
    String branch() default "";

    /** The threshold of {@link Loss#HUBER} between its quadratic and linear parts (Keras' {@code delta}). */
    double delta() default 1.0;
}
