"""PyTorch references for the multi-task architectures (issue 15, docs/architectures.md): MMoE, CGC, a two-level
PLE, cross-stitch (one alpha per part, and per part and channel) and MTAN's attention module (Layers.taskAttention),
written as .npz files that runtime/src/test/java/.../engine/ArchitecturesReferenceTest.java reads with NumpyFiles.
Tests never run Python.

Regenerate (Debian's python3-torch, CPU; the files are committed):
    /usr/bin/python3 runtime/src/test/python/architectures_reference.py runtime/src/test/resources/architectures

Each model is written here from the papers' formulas with plain tensor operations, independently of how the runtime
builds it: a gate is softmax(flatten(x)·W + b) and the sum over experts of each weight times its expert, a stitch the
sum over parts of alpha times the part, the attention module sigmoid(BN(conv1x1(relu(BN(conv1x1([middle; previous])))))
times end with LibMTL's layout (LibMTL/architecture/MTAN.py, _att_layer) and intermediate channels = channels(end).

Conventions: arrays in Branchwise's layouts (NHWC images, dense kernels [in, out], conv kernels [kH, kW, in, out]),
parameters stored under "param/<Branchwise name>"; the models compute in NHWC with the kernels permuted for PyTorch's
conv2d, so every parameter is a leaf tensor in Branchwise's layout (and so is its gradient). Batch norms use Keras'
epsilon 1e-3, Branchwise's default. Forward references are computed in float64 from float32 values (inputs and
parameters are rounded to float32 first), so a float32 model is compared with the exact result of its own inputs.
"""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

EPSILON = 1e-3  # Keras' and Branchwise's batch-norm epsilon


def f32(a):
    """Rounded to float32 and back: the values a float32 model holds."""
    return np.asarray(a, np.float32).astype(np.float64)


def dense(x, p, name, activation=None):
    y = x @ p[name + "/W"] + p[name + "/b"]
    if activation == "relu":
        return torch.relu(y)
    if activation == "sigmoid":
        return torch.sigmoid(y)
    return y


def conv(x, p, name, activation=None):
    """A VALID (or 1x1) convolution of an NHWC image with a [kH, kW, in, out] kernel."""
    w = p[name + "/W"].permute(3, 2, 0, 1)
    y = F.conv2d(x.permute(0, 3, 1, 2), w, p[name + "/b"]).permute(0, 2, 3, 1)
    return torch.relu(y) if activation == "relu" else y


def gate(p, name, experts, x):
    """softmax(flatten(x)·W + b) over the experts, and the experts weighted by it: the weights and the mixture."""
    g = torch.softmax(x.reshape(x.shape[0], -1) @ p[name + "/W"] + p[name + "/b"], dim=1)
    mixed = sum(g[:, e].reshape((-1,) + (1,) * (experts[e].dim() - 1)) * experts[e] for e in range(len(experts)))
    return g, mixed


def stitch(p, name, parts):
    """sum_j alpha_j · part_j, alpha [parts] or [parts, channels] (over the last axis)."""
    alpha = p[name + "/alpha"]
    return sum(alpha[j] * parts[j] for j in range(len(parts)))


def batch_norm(x, p, name, training):
    """Batch norm of an NHWC image over its channels: the batch's biased statistics in training, else the moving."""
    return F.batch_norm(x.permute(0, 3, 1, 2), p[name + "/moving_mean"], p[name + "/moving_variance"],
                        p[name + "/gamma"], p[name + "/beta"], training=training, momentum=0.0,
                        eps=EPSILON).permute(0, 2, 3, 1)


def parameters(rng, shapes, scale=0.6):
    return {name: f32(rng.uniform(-scale, scale, size=shape)) for name, shape in shapes.items()}


def dense_shapes(name, n_in, n_out):
    return {name + "/W": (n_in, n_out), name + "/b": (n_out,)}


def tensors(p, grad=False):
    return {k: torch.tensor(v, dtype=torch.float64, requires_grad=grad) for k, v in p.items()}


# ---- MMoE, CGC, PLE: experts are Dense(4) relu over x [6]; towers Dense(1) sigmoid ----

FEATURES = 6
WIDTH = 4


def group_shapes(group, count, n_in, width):
    shapes = {}
    for k in range(count):
        shapes.update(dense_shapes("%s/%d/dense_0" % (group, k), n_in, width))
    return shapes


def experts(p, group, count, x):
    return [dense(x, p, "%s/%d/dense_0" % (group, k), "relu") for k in range(count)]


def mmoe_shapes():
    shapes = group_shapes("expert", 3, FEATURES, WIDTH)
    shapes.update(dense_shapes("clickGate", FEATURES, 3))
    shapes.update(dense_shapes("conversionGate", FEATURES, 3))
    shapes.update(dense_shapes("click/dense_0", WIDTH, 1))
    shapes.update(dense_shapes("conversion/dense_0", WIDTH, 1))
    return shapes


def mmoe(p, x):
    e = experts(p, "expert", 3, x)
    g1, click = gate(p, "clickGate", e, x)
    g2, conversion = gate(p, "conversionGate", e, x)
    return ({"click": dense(click, p, "click/dense_0", "sigmoid"),
             "conversion": dense(conversion, p, "conversion/dense_0", "sigmoid")},
            {"clickGate": g1, "conversionGate": g2})


def cgc_shapes():
    shapes = {}
    for group in ("shared", "clickOwn", "conversionOwn"):
        shapes.update(group_shapes(group, 2, FEATURES, WIDTH))
    shapes.update(dense_shapes("clickGate", FEATURES, 4))
    shapes.update(dense_shapes("conversionGate", FEATURES, 4))
    shapes.update(dense_shapes("click/dense_0", WIDTH, 1))
    shapes.update(dense_shapes("conversion/dense_0", WIDTH, 1))
    return shapes


def cgc(p, x):
    shared = experts(p, "shared", 2, x)
    click_own = experts(p, "clickOwn", 2, x)
    conversion_own = experts(p, "conversionOwn", 2, x)
    g1, click = gate(p, "clickGate", click_own + shared, x)
    g2, conversion = gate(p, "conversionGate", conversion_own + shared, x)
    return ({"click": dense(click, p, "click/dense_0", "sigmoid"),
             "conversion": dense(conversion, p, "conversion/dense_0", "sigmoid")},
            {"clickGate": g1, "conversionGate": g2})


LEVEL2 = 3


def ple_shapes():
    shapes = {}
    for group in ("shared1", "click1", "conversion1"):
        shapes.update(group_shapes(group, 2, FEATURES, WIDTH))
    shapes.update(dense_shapes("clickGate1", FEATURES, 4))
    shapes.update(dense_shapes("conversionGate1", FEATURES, 4))
    shapes.update(dense_shapes("sharedGate1", FEATURES, 6))
    for group in ("shared2", "click2", "conversion2"):
        shapes.update(group_shapes(group, 2, WIDTH, LEVEL2))
    shapes.update(dense_shapes("clickGate2", WIDTH, 4))
    shapes.update(dense_shapes("conversionGate2", WIDTH, 4))
    shapes.update(dense_shapes("click/dense_0", LEVEL2, 1))
    shapes.update(dense_shapes("conversion/dense_0", LEVEL2, 1))
    return shapes


def ple(p, x):
    """Two CGC levels with the paper's shared gate: level 2's task experts read their task's level-1 gate, its shared
    experts the shared level-1 gate, and each level-2 gate is driven by its task's level-1 gate."""
    shared1 = experts(p, "shared1", 2, x)
    click1 = experts(p, "click1", 2, x)
    conversion1 = experts(p, "conversion1", 2, x)
    g_click1, click_gate1 = gate(p, "clickGate1", click1 + shared1, x)
    g_conversion1, conversion_gate1 = gate(p, "conversionGate1", conversion1 + shared1, x)
    g_shared1, shared_gate1 = gate(p, "sharedGate1", shared1 + click1 + conversion1, x)
    shared2 = experts(p, "shared2", 2, shared_gate1)
    click2 = experts(p, "click2", 2, click_gate1)
    conversion2 = experts(p, "conversion2", 2, conversion_gate1)
    g_click2, click = gate(p, "clickGate2", click2 + shared2, click_gate1)
    g_conversion2, conversion = gate(p, "conversionGate2", conversion2 + shared2, conversion_gate1)
    return ({"click": dense(click, p, "click/dense_0", "sigmoid"),
             "conversion": dense(conversion, p, "conversion/dense_0", "sigmoid")},
            {"clickGate1": g_click1, "conversionGate1": g_conversion1, "sharedGate1": g_shared1,
             "clickGate2": g_click2, "conversionGate2": g_conversion2})


def gated_forward(out, name, shapes, model, seed):
    rng = np.random.default_rng(seed)
    # Gate kernels larger than the rest, so that the gates are far from uniform and a wrong order shows.
    p = {k: f32(rng.uniform(-1.5, 1.5, size=s) if k.split("/")[0].endswith(("Gate", "Gate1", "Gate2"))
                else rng.uniform(-0.6, 0.6, size=s)) for k, s in shapes.items()}
    x = f32(rng.normal(0, 1, size=(5, FEATURES)))
    with torch.no_grad():
        outputs, gates = model(tensors(p), torch.tensor(x))
    arrays = {"x": x}
    arrays.update({"param/" + k: v for k, v in p.items()})
    arrays.update({"out/" + k: v.numpy() for k, v in outputs.items()})
    arrays.update({"gate/" + k: v.numpy() for k, v in gates.items()})
    np.savez(os.path.join(out, name), **arrays)


# ---- cross-stitch: two columns of 3x3 convolutions over a 6x6 image, stitched after each, Dense(2) heads ----

def stitch_shapes(per_channel):
    shapes = {}
    for column in ("left", "right"):
        shapes[column + "1/conv2d_0/W"] = (3, 3, 1, 2)
        shapes[column + "1/conv2d_0/b"] = (2,)
        shapes[column + "2/conv2d_0/W"] = (3, 3, 2, 3)
        shapes[column + "2/conv2d_0/b"] = (3,)
        shapes.update(dense_shapes(column + "/dense_0", 2 * 2 * 3, 2))
        shapes[column + "Stitched1/alpha"] = (2, 2) if per_channel else (2,)
        shapes[column + "Stitched2/alpha"] = (2, 3) if per_channel else (2,)
    return shapes


def cross_stitch(p, x):
    left1 = conv(x, p, "left1/conv2d_0", "relu")
    right1 = conv(x, p, "right1/conv2d_0", "relu")
    left_stitched1 = stitch(p, "leftStitched1", [left1, right1])
    right_stitched1 = stitch(p, "rightStitched1", [right1, left1])
    left2 = conv(left_stitched1, p, "left2/conv2d_0", "relu")
    right2 = conv(right_stitched1, p, "right2/conv2d_0", "relu")
    left_stitched2 = stitch(p, "leftStitched2", [left2, right2])
    right_stitched2 = stitch(p, "rightStitched2", [right2, left2])
    n = x.shape[0]
    return {"left": dense(left_stitched2.reshape(n, -1), p, "left/dense_0"),
            "right": dense(right_stitched2.reshape(n, -1), p, "right/dense_0")}


def stitch_forward(out, name, per_channel, seed):
    rng = np.random.default_rng(seed)
    p = parameters(rng, stitch_shapes(per_channel))
    # alpha away from its initial 0.9 / 0.1, and different per channel, so that the formula itself is tested.
    for key in [k for k in p if k.endswith("/alpha")]:
        p[key] = f32(rng.uniform(-1, 1.5, size=p[key].shape))
    x = f32(rng.normal(0, 1, size=(3, 6, 6, 1)))
    with torch.no_grad():
        outputs = cross_stitch(tensors(p), torch.tensor(x))
    arrays = {"x": x}
    arrays.update({"param/" + k: v for k, v in p.items()})
    arrays.update({"out/" + k: v.numpy() for k, v in outputs.items()})
    np.savez(os.path.join(out, name), **arrays)


# ---- MTAN's attention module ----

def attention_shapes(middle, previous, end):
    return {"conv2d_0/W": (1, 1, middle + previous, end), "conv2d_0/b": (end,),
            "batch_norm_0/gamma": (end,), "batch_norm_0/beta": (end,),
            "batch_norm_0/moving_mean": (end,), "batch_norm_0/moving_variance": (end,),
            "conv2d_1/W": (1, 1, end, end), "conv2d_1/b": (end,),
            "batch_norm_1/gamma": (end,), "batch_norm_1/beta": (end,),
            "batch_norm_1/moving_mean": (end,), "batch_norm_1/moving_variance": (end,)}


def task_attention(p, middle, end, previous, training):
    x = middle if previous is None else torch.cat([middle, previous], dim=3)
    h = torch.relu(batch_norm(conv(x, p, "conv2d_0"), p, "batch_norm_0", training))
    mask = torch.sigmoid(batch_norm(conv(h, p, "conv2d_1"), p, "batch_norm_1", training))
    return mask * end


def attention_forward(out, name, previous_channels, seed):
    rng = np.random.default_rng(seed)
    middle_c, end_c = 3, 5
    p = parameters(rng, attention_shapes(middle_c, previous_channels, end_c), scale=0.8)
    for bn in ("batch_norm_0", "batch_norm_1"):
        p[bn + "/gamma"] = f32(rng.uniform(0.5, 1.5, size=end_c))
        p[bn + "/moving_variance"] = f32(rng.uniform(0.5, 2.0, size=end_c))
    middle = f32(rng.normal(0.3, 1, size=(4, 3, 3, middle_c)))
    end = f32(rng.normal(-0.2, 1, size=(4, 3, 3, end_c)))
    previous = f32(rng.normal(0.1, 1, size=(4, 3, 3, previous_channels))) if previous_channels else None
    arrays = {"middle": middle, "end": end}
    if previous is not None:
        arrays["previous"] = previous
    t = tensors(p)
    with torch.no_grad():
        for mode, training in (("train", True), ("inference", False)):
            # F.batch_norm with momentum 0 leaves the running statistics as they are in both modes.
            arrays[mode] = task_attention(t, torch.tensor(middle), torch.tensor(end),
                                          None if previous is None else torch.tensor(previous), training).numpy()
    arrays.update({"param/" + k: v for k, v in p.items()})
    np.savez(os.path.join(out, name), **arrays)


# ---- SGD in float64: losses and parameters after each of a few steps ----

def mmoe_training_shapes():
    shapes = group_shapes("expert", 2, FEATURES, WIDTH)
    shapes.update(dense_shapes("aGate", FEATURES, 2))
    shapes.update(dense_shapes("bGate", FEATURES, 2))
    shapes.update(dense_shapes("a/dense_0", WIDTH, 2))
    shapes.update(dense_shapes("b/dense_0", WIDTH, 2))
    return shapes


def mmoe_training_model(p, x):
    e = experts(p, "expert", 2, x)
    _, a = gate(p, "aGate", e, x)
    _, b = gate(p, "bGate", e, x)
    return {"a": dense(a, p, "a/dense_0"), "b": dense(b, p, "b/dense_0")}


def sgd(out, name, shapes, model, input_shape, seed, steps=4, batch=6, lr=0.1, init=None):
    """Mean squared error on both heads, the unweighted sum minimised (FIXED weights 1, 1) by plain SGD."""
    rng = np.random.default_rng(seed)
    p = {k: rng.uniform(-0.8, 0.8, size=s) for k, s in shapes.items()}
    if init:
        p.update(init)
    t = tensors(p, grad=True)
    arrays = {"initial/" + k: v.copy() for k, v in p.items()}
    optimiser = torch.optim.SGD(t.values(), lr=lr)
    for step in range(steps):
        x = rng.normal(0, 1, size=(batch,) + tuple(input_shape))
        targets = {branch: rng.uniform(-1, 1, size=(batch, 2)) for branch in ("a", "b")}
        arrays["x/%d" % step] = x
        optimiser.zero_grad()
        outputs = model(t, torch.tensor(x))
        losses = {branch: F.mse_loss(outputs[branch], torch.tensor(targets[branch])) for branch in outputs}
        total = sum(losses.values())
        total.backward()
        optimiser.step()
        for branch in ("a", "b"):
            arrays["y/%s/%d" % (branch, step)] = targets[branch]
            arrays["loss/%s/%d" % (branch, step)] = np.array(losses[branch].item())
    arrays.update({"final/" + k: v.detach().numpy().copy() for k, v in t.items()})
    np.savez(os.path.join(out, name), **arrays)


def stitch_training_model(p, x):
    outputs = cross_stitch(p, x)
    return {"a": outputs["left"], "b": outputs["right"]}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(15)
    gated_forward(out, "mmoe.npz", mmoe_shapes(), mmoe, 1)
    gated_forward(out, "cgc.npz", cgc_shapes(), cgc, 2)
    gated_forward(out, "ple.npz", ple_shapes(), ple, 3)
    stitch_forward(out, "cross_stitch.npz", False, 4)
    stitch_forward(out, "cross_stitch_per_channel.npz", True, 5)
    attention_forward(out, "task_attention.npz", 2, 6)
    attention_forward(out, "task_attention_first.npz", 0, 7)
    sgd(out, "mmoe_training.npz", mmoe_training_shapes(), mmoe_training_model, (FEATURES,), 8)
    alpha = {name: np.array([0.9, 0.1]) for name in
             ("leftStitched1/alpha", "rightStitched1/alpha", "leftStitched2/alpha", "rightStitched2/alpha")}
    sgd(out, "cross_stitch_training.npz", stitch_shapes(False), stitch_training_model, (6, 6, 1), 9, init=alpha)


if __name__ == "__main__":
    main()
