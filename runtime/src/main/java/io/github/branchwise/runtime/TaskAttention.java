package io.github.branchwise.runtime;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * {@link Layers#taskAttention}: MTAN's attention module (Liu et al. 2019) in LibMTL's layout
 * ({@code LibMTL/architecture/MTAN.py}, {@code _att_layer}): a mask
 * {@code σ(BN(conv1x1(ReLU(BN(conv1x1([middle; previous]))))))} over the shared block's output {@code end}, then
 * {@code mask ⊙ end}.
 *
 * <p>Built from the existing {@code conv2d}, {@code batchNorm} and {@code concat} layers in a scope of its own,
 * {@code <scope>/task_attention_<n>}, so that training and inference modes, moving statistics, freezing
 * ({@code freeze("mask/task_attention_0")}) and the compiled plans work as for those layers, and its parameters stay in
 * the calling branch's scope ({@code mask/task_attention_0/conv2d_0/W}).
 *
 * <p>The intermediate width is {@code channels(end)}. LibMTL uses {@code channels / expansion}: 1 for ResNet's basic
 * blocks, where the two agree, and 4 for bottleneck blocks, whose 4x-wide outputs it narrows; a caller who wants the
 * narrower module can write it with the same layers.
 */
final class TaskAttention {
    private TaskAttention() {
    }

    static SDVariable build(Layers nn, SDVariable middle, SDVariable end, SDVariable previous) {
        String layer = nn.nextLayerName("task_attention");
        String call = "taskAttention";
        String who = LayerShapes.who(call, layer);
        if (middle == null || end == null) {
            throw new IllegalArgumentException(who + " needs a middle and an end feature map, got "
                    + (middle == null ? "null" : "'" + middle.name() + "'") + " and "
                    + (end == null ? "null" : "'" + end.name() + "'"));
        }
        List<SDVariable> inputs = new ArrayList<>(List.of(middle, end));
        if (previous != null) {
            inputs.add(previous);
        }
        List<long[]> shapes = new ArrayList<>();
        for (SDVariable x : inputs) {
            LayerShapes.requireFloatingPoint(call, layer, x);
            long[] shape = nn.shapeOf(x);
            LayerShapes.requireImage(call, layer, shape);
            shapes.add(shape);
        }
        for (long[] shape : shapes) {
            if (shape[0] != shapes.get(0)[0] || shape[1] != shapes.get(0)[1]) {
                throw new IllegalArgumentException(who + " needs middle, end" + (previous == null ? "" : " and previous")
                        + " of one height and width, got " + LayerShapes.describe(inputs, shapes));
            }
        }
        long channels = shapes.get(1)[2];
        Layers inner = new Layers(layer, nn.host());
        SDVariable x = previous == null ? middle : inner.concat(middle, previous);
        SDVariable h = inner.conv2d(x, Math.toIntExact(channels), 1, Activation.IDENTITY);
        h = inner.activation(inner.batchNorm(h), Activation.RELU);
        h = inner.conv2d(h, Math.toIntExact(channels), 1, Activation.IDENTITY);
        SDVariable mask = inner.activation(inner.batchNorm(h), Activation.SIGMOID);
        return mask.mul(end);
    }
}
