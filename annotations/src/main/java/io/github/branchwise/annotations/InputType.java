package io.github.branchwise.annotations;

/** What an {@link Input} holds. */
public enum InputType {
    /**
     * Real values, held in the model's floating-point data type ({@code FLOAT} or {@code DOUBLE}, chosen in the
     * training options); arrays of any numeric type are converted. The default.
     */
    FLOAT,
    /**
     * Integer ids, such as token or category indices, for an embedding to look up: the input's placeholder is a
     * 32-bit integer array. Arrays of an integer type are taken as they are and arrays of a floating type are
     * accepted when every value is a whole number; every id must lie in {@code [0, vocabulary)} where the
     * vocabulary is known ({@link Input#vocabulary()}, or the size of the embedding that reads the input).
     */
    INT
}
