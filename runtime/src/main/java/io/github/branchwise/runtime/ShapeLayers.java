package io.github.branchwise.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;

/** Keras' {@code Concatenate}, {@code Add} and {@code Softmax}: layers that combine or rescale what they get. */
final class ShapeLayers {
    private ShapeLayers() {
    }

    static SDVariable concat(Layers layers, int axis, SDVariable... inputs) {
        String layer = layers.nextLayerName("concat");
        List<SDVariable> list = inputsOf("concat", layer, inputs);
        List<long[]> shapes = shapes(layers, list);
        long[] first = shapes.get(0);
        int fullRank = first.length + 1;
        for (long[] shape : shapes) {
            if (shape.length != first.length) {
                throw new IllegalArgumentException(LayerShapes.who("concat", layer) + " needs inputs of one rank, "
                        + "got " + LayerShapes.describe(list, shapes));
            }
        }
        int resolved = LayerShapes.axis("concat", layer, axis, fullRank, first);
        for (long[] shape : shapes) {
            for (int d = 0; d < first.length; d++) {
                if (d + 1 != resolved && shape[d] != first[d]) {
                    throw new IllegalArgumentException(LayerShapes.who("concat", layer) + " along axis " + axis
                            + " needs inputs that agree on every other axis, got "
                            + LayerShapes.describe(list, shapes));
                }
            }
        }
        SDVariable output = layers.sameDiff().concat(resolved, list.toArray(new SDVariable[0]));
        return layers.record(layer, "Concatenate(axis " + axis + ")", list, output);
    }

    static SDVariable add(Layers layers, SDVariable... inputs) {
        String layer = layers.nextLayerName("add");
        List<SDVariable> list = inputsOf("add", layer, inputs);
        List<long[]> shapes = shapes(layers, list);
        for (long[] shape : shapes) {
            // Exactly equal: a broadcast here would be a silent shape bug in a residual connection.
            if (!Arrays.equals(shape, shapes.get(0))) {
                throw new IllegalArgumentException(LayerShapes.who("add", layer) + " needs inputs of one shape, got "
                        + LayerShapes.describe(list, shapes));
            }
        }
        SDVariable output = list.get(0);
        for (int i = 1; i < list.size(); i++) {
            output = output.add(list.get(i));
        }
        return layers.record(layer, "Add", list, output);
    }

    static SDVariable softmax(Layers layers, SDVariable x, int axis) {
        String layer = layers.nextLayerName("softmax");
        LayerShapes.requireFloatingPoint("softmax", layer, x);
        long[] in = layers.shapeOf(x);
        int resolved = LayerShapes.axis("softmax", layer, axis, in.length + 1, in);
        SDVariable output = layers.sameDiff().nn().softmax(x, resolved);
        return layers.record(layer, "Softmax(axis " + axis + ")", x, output);
    }

    private static List<SDVariable> inputsOf(String call, String layer, SDVariable[] inputs) {
        if (inputs == null || inputs.length < 2) {
            throw new IllegalArgumentException(LayerShapes.who(call, layer) + " needs at least 2 inputs, got "
                    + (inputs == null ? 0 : inputs.length));
        }
        List<SDVariable> list = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] == null) {
                throw new IllegalArgumentException(LayerShapes.who(call, layer) + ": input " + i + " is null");
            }
            LayerShapes.requireFloatingPoint(call, layer, inputs[i]);
            if (inputs[i].dataType() != inputs[0].dataType()) {
                throw new IllegalArgumentException(LayerShapes.who(call, layer) + " needs inputs of one type, got '"
                        + inputs[0].name() + "' " + inputs[0].dataType() + " and '" + inputs[i].name() + "' "
                        + inputs[i].dataType());
            }
            list.add(inputs[i]);
        }
        return list;
    }

    private static List<long[]> shapes(Layers layers, List<SDVariable> inputs) {
        List<long[]> shapes = new ArrayList<>();
        for (SDVariable input : inputs) {
            shapes.add(layers.shapeOf(input));
        }
        return shapes;
    }
}
