package io.github.branchwise.runtime;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How the arrays of another framework are laid out, for importing trained weights by name.
 *
 * <p>Branchwise stores dense kernels as {@code [in, out]} and convolution kernels as {@code [kH, kW, in, out]}, on
 * NHWC images: Keras' layouts. PyTorch stores {@code nn.Linear.weight} as {@code [out, in]} and
 * {@code nn.Conv2d.weight} as {@code [out, in, kH, kW]}, on NCHW images. Biases are vectors everywhere.
 *
 * <p>One caveat the conversion cannot see: a dense layer after {@code flatten} of an image reads the flattened
 * features in NHWC order here but in NCHW order in PyTorch; permute such a kernel's input rows yourself (reshape
 * {@code [C·H·W, out]} to {@code [C, H, W, out]}, permute to {@code [H, W, C, out]}, reshape back).
 */
public enum ParameterLayout {
    /** Keras' (and Branchwise's own) layouts: arrays are taken as they are. */
    KERAS,
    /** PyTorch's layouts: rank-2 kernels are transposed, rank-4 kernels permuted from OIHW to HWIO. */
    PYTORCH;

    /** The array in Branchwise's layout. */
    public INDArray toBranchwise(INDArray array) {
        if (this == KERAS) {
            return array;
        }
        return switch (array.rank()) {
            case 2 -> array.transpose().dup('c');
            case 4 -> array.permute(2, 3, 1, 0).dup('c');
            default -> array;
        };
    }
}
