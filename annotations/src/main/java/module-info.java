/**
 * The annotations a Branchwise model class is written with ({@code @WeightedLoss}, {@code @Input}, {@code @Branch},
 * {@code @BranchLoss}, {@code @Shared}) and the enums their attributes take.
 */
module io.github.branchwise.annotations {
    exports io.github.branchwise.annotations;
}
