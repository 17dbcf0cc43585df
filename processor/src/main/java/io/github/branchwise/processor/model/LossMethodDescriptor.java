package io.github.branchwise.processor.model;

/**
 * One loss method: {@code @BranchLoss(branch = ...) SDVariable m(SDVariable target, SDVariable prediction)}.
 *
 * @param branch the name of the branch whose loss it computes
 * @param methodName the method
 */
public record LossMethodDescriptor(String branch, String methodName) {
}
