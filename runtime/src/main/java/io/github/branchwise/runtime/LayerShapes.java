package io.github.branchwise.runtime;

import java.util.Arrays;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The checks the stateless layers make before anything reaches native code, each message naming the call and the
 * layer ({@code avgPool2d 'trunk/avg_pool2d_0'}) and the expected against the actual shape or type.
 */
final class LayerShapes {
    private LayerShapes() {
    }

    /** {@code [batch, 3, 4]} for the example shape {@code [3, 4]}. */
    static String withBatch(long[] exampleShape) {
        String dims = Arrays.toString(exampleShape);
        return exampleShape.length == 0 ? "[batch]" : "[batch, " + dims.substring(1);
    }

    /** How a message starts: the method and the layer's full name. */
    static String who(String call, String layer) {
        return call + " '" + layer + "'";
    }

    static void requirePositive(String call, String layer, String what, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(who(call, layer) + ": " + what + " must be positive, got " + value);
        }
    }

    /** A floating-point input: integer ids (an embedding's input) cannot be pooled, normalised or added. */
    static void requireFloatingPoint(String call, String layer, SDVariable x) {
        if (x.dataType() == null || !x.dataType().isFPType()) {
            throw new IllegalArgumentException(who(call, layer) + " needs a floating-point input, got '" + x.name()
                    + "' of type " + x.dataType());
        }
    }

    /** An NHWC image per example: {@code [height, width, channels]}. */
    static void requireImage(String call, String layer, long[] shape) {
        if (shape.length != 3) {
            throw new IllegalArgumentException(who(call, layer) + " needs input of shape [batch, height, width, "
                    + "channels], got " + withBatch(shape));
        }
    }

    /**
     * The axis of the full shape (batch axis 0) that a Keras-style {@code axis} names: negative counts from the
     * end, and the batch axis itself is refused, as Keras refuses it.
     *
     * @param fullRank the rank with the batch axis
     */
    static int axis(String call, String layer, int axis, int fullRank, long[] shape) {
        int resolved = axis < 0 ? fullRank + axis : axis;
        if (resolved < 1 || resolved >= fullRank) {
            throw new IllegalArgumentException(who(call, layer) + ": axis " + axis + " is not an axis of its input "
                    + withBatch(shape) + " other than the batch axis; use 1.." + (fullRank - 1) + " or -"
                    + (fullRank - 1) + "..-1");
        }
        return resolved;
    }

    /** Lists the inputs' example shapes for a message: {@code 'a' [batch, 3], 'b' [batch, 4]}. */
    static String describe(List<SDVariable> inputs, List<long[]> shapes) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < inputs.size(); i++) {
            text.append(i == 0 ? "" : ", ").append('\'').append(inputs.get(i).name()).append("' ")
                    .append(withBatch(shapes.get(i)));
        }
        return text.toString();
    }
}
