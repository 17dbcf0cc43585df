package io.github.branchwise.annotations;

/**
 * How finely {@link Weighting#GRADVAC} measures and aligns the branches' gradients on the shared parameters: each
 * group has its own cosine similarities and targets (LibMTL's {@code GradVac_group_type}).
 */
public enum GradVacGroups {
    /** All shared parameters as one vector (LibMTL's {@code whole_model}, its default). */
    WHOLE_MODEL,
    /**
     * One group per shared layer: the parameters whose names share everything up to the last {@code /} (a dense
     * layer's {@code W} and {@code b}), as LibMTL's {@code all_layer} groups the parameters of each leaf module.
     */
    PER_LAYER,
    /** One group per shared parameter array (LibMTL's {@code all_matrix}). */
    PER_PARAMETER
}
