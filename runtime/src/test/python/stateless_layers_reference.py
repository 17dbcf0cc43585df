#!/usr/bin/python3
"""Reference outputs of the stateless layers (issue 14), computed with PyTorch, for StatelessLayersReferenceTest.

Run once, from the repository root, with Debian's python3-torch (1.13 here):

    /usr/bin/python3 runtime/src/test/python/stateless_layers_reference.py

It rewrites runtime/src/test/resources/layers/stateless/<case>.npz; the Java test needs no Python. Each archive
holds the inputs x0, x1, ... (float32, NHWC), the layer's parameters under their names within the layer (W, b,
gamma, beta; float32, converted to our layouts) and the expected output y (float64, computed in double from the
float32 values). The settings of each case (sizes, strides, paddings, axes) are repeated in the Java test's table.

What PyTorch has no exact setting for is built from PyTorch ops and said so: Keras' 'same' padding puts the odd
row and column at the bottom and right, PyTorch pads symmetrically, so 'same' average pooling pads explicitly and
divides by the number of real values in each window (TensorFlow's avg_pool), and 'same' transposed convolution
crops PyTorch's full output as TensorFlow does; each construction is checked against the plain PyTorch layer
wherever that layer can express the same thing.
"""
import os
import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'resources', 'layers', 'stateless')
rng = np.random.default_rng(20240614)
BATCH = 3


def data(*shape, scale=1.0):
    """float32 values, returned as float64 so the reference is computed exactly from what Java reads."""
    return (rng.uniform(-1, 1, size=(BATCH,) + shape) * scale).astype(np.float32).astype(np.float64)


def param(*shape, scale=0.5):
    return (rng.uniform(-1, 1, size=shape) * scale).astype(np.float32).astype(np.float64)


def save(name, inputs, y, **params):
    arrays = {'x%d' % i: x.astype(np.float32) for i, x in enumerate(inputs)}
    arrays.update({k: v.astype(np.float32) for k, v in params.items()})
    arrays['y'] = np.asarray(y, dtype=np.float64)
    np.savez(os.path.join(OUT, name + '.npz'), **arrays)


def nchw(x):
    return torch.tensor(x).permute(0, 3, 1, 2)


def nhwc(t):
    return t.permute(0, 2, 3, 1).detach().numpy()


def tf_same_pads(n, k, s):
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


# ---- layerNorm: torch.nn.LayerNorm over the last axis, Keras' epsilon 1e-3 unless given.
for name, shape, eps in (('layer_norm_rank2', (6,), 1e-3), ('layer_norm_rank4', (3, 4, 5), 1e-3),
                         ('layer_norm_epsilon', (7,), 0.01), ('layer_norm_one_feature', (4, 1), 1e-3)):
    x = data(*shape, scale=2.0)
    gamma = (1 + param(shape[-1])).astype(np.float32).astype(np.float64)  # exactly what Java reads
    beta = param(shape[-1])
    norm = torch.nn.LayerNorm(shape[-1], eps=eps)
    with torch.no_grad():
        norm.weight.copy_(torch.tensor(gamma))
        norm.bias.copy_(torch.tensor(beta))
        save(name, [x], norm(torch.tensor(x)).numpy(), gamma=gamma, beta=beta)

# ---- avgPool2d: valid is nn.AvgPool2d; same pads as TensorFlow and counts only real values.
for name, shape, size, stride, same in (('avg_pool_2_2_valid', (6, 5, 2), 2, 2, False),
                                        ('avg_pool_3_1_valid', (5, 6, 2), 3, 1, False),
                                        ('avg_pool_3_2_same', (5, 6, 2), 3, 2, True),
                                        ('avg_pool_2_1_same', (4, 5, 1), 2, 1, True),
                                        ('avg_pool_3_3_same', (7, 8, 2), 3, 3, True)):
    x = data(*shape)
    t = nchw(x)
    if same:
        top, bottom = tf_same_pads(shape[0], size, stride)
        left, right = tf_same_pads(shape[1], size, stride)
        pad = (left, right, top, bottom)
        sums = F.avg_pool2d(F.pad(t, pad), size, stride, divisor_override=1)
        counts = F.avg_pool2d(F.pad(torch.ones_like(t), pad), size, stride, divisor_override=1)
        y = sums / counts
        if top == bottom and left == right and top <= size // 2:
            plain = torch.nn.AvgPool2d(size, stride, padding=(top, left), count_include_pad=False)(t)
            assert torch.allclose(plain, y), name
    else:
        y = torch.nn.AvgPool2d(size, stride)(t)
    save(name, [x], nhwc(y))

# ---- globalAvgPool2d: AdaptiveAvgPool2d(1), flattened.
for name, shape in (('global_avg_pool', (3, 4, 5)), ('global_avg_pool_1x1', (1, 1, 4)),
                    ('global_avg_pool_1xw', (1, 5, 2))):
    x = data(*shape)
    save(name, [x], torch.nn.AdaptiveAvgPool2d(1)(nchw(x)).flatten(1).numpy())

# ---- upsample2d: nn.Upsample; bilinear with align_corners=False (Keras' half-pixel centres).
for name, shape, sh, sw, mode in (('upsample_nearest_2x2', (3, 4, 2), 2, 2, 'nearest'),
                                  ('upsample_nearest_2x3', (2, 3, 2), 2, 3, 'nearest'),
                                  ('upsample_bilinear_2x2', (3, 4, 2), 2, 2, 'bilinear'),
                                  ('upsample_bilinear_3x2', (2, 3, 1), 3, 2, 'bilinear'),
                                  ('upsample_bilinear_4x1', (3, 2, 2), 4, 1, 'bilinear'),
                                  ('upsample_bilinear_1x1_input', (1, 1, 3), 2, 2, 'bilinear')):
    x = data(*shape)
    up = torch.nn.Upsample(scale_factor=(sh, sw), mode=mode, align_corners=False if mode == 'bilinear' else None)
    save(name, [x], nhwc(up(nchw(x))))


# ---- conv2dTranspose: F.conv_transpose2d (weight [in, out, kH, kW]) cropped/extended to Keras' output size.
def conv_transpose_keras(x, w_ours, b, stride, same):
    k = w_ours.shape[0]
    torch_w = torch.tensor(w_ours).permute(3, 2, 0, 1)  # ours [kH, kW, out, in] -> PyTorch [in, out, kH, kW]
    full = F.conv_transpose2d(nchw(x), torch_w, stride=stride)  # (n - 1)·s + k, nothing cropped
    n_h, n_w = x.shape[1], x.shape[2]
    if same:
        out_h, out_w = n_h * stride, n_w * stride
        crop = max(k - stride, 0) // 2  # TensorFlow crops the odd row at the bottom and right
    else:
        out_h, out_w = n_h * stride + max(k - stride, 0), n_w * stride + max(k - stride, 0)
        crop = 0
    y = full[:, :, crop:crop + out_h, crop:crop + out_w]
    y = F.pad(y, (0, out_w - y.shape[3], 0, out_h - y.shape[2]))  # k < s: rows that only the bias reaches
    y = y + torch.tensor(b).view(1, -1, 1, 1)
    total = out_h - ((n_h - 1) * stride + k)  # < 0: cropped, > 0: extended
    if total <= 0 and (-total) % 2 == 0 or total > 0 and total < stride:
        # The plain layer expresses it: symmetric crop, or an output_padding below the stride.
        layer = torch.nn.ConvTranspose2d(x.shape[3], w_ours.shape[2], k, stride,
                                         padding=(-total) // 2 if total <= 0 else 0,
                                         output_padding=total if total > 0 else 0)
        with torch.no_grad():
            layer.weight.copy_(torch_w)
            layer.bias.copy_(torch.tensor(b))
            assert torch.allclose(layer(nchw(x)), y), (k, stride, same)
    return y


for padding in ('valid', 'same'):
    for k, s in ((3, 1), (3, 2), (2, 2), (1, 2), (4, 2), (5, 2), (4, 3)):
        x = data(3, 4, 2)
        w = param(k, k, 3, 2)
        b = param(3)
        save('conv_transpose_k%d_s%d_%s' % (k, s, padding), [x],
             nhwc(conv_transpose_keras(x, w, b, s, padding == 'same')), W=w, b=b)
x = data(3, 4, 2)
w = param(3, 3, 3, 2)
b = param(3)
save('conv_transpose_k3_s2_same_tanh', [x], nhwc(torch.tanh(conv_transpose_keras(x, w, b, 2, True))), W=w, b=b)

# ---- concat: torch.cat (dim counts the batch axis, as Keras' axis).
for name, shapes, axis in (('concat_last', ((2, 3, 2), (2, 3, 4)), -1),
                           ('concat_axis1_three', ((2, 3), (4, 3), (1, 3)), 1),
                           ('concat_axis_minus2', ((2, 3, 2), (2, 1, 2)), -2)):
    xs = [data(*shape) for shape in shapes]
    save(name, xs, torch.cat([torch.tensor(x) for x in xs], dim=axis).numpy())

# ---- add: three inputs.
xs = [data(2, 3, 4) for _ in range(3)]
save('add_three', xs, (torch.tensor(xs[0]) + torch.tensor(xs[1]) + torch.tensor(xs[2])).numpy())

# ---- softmax: torch.softmax (dim counts the batch axis).
for name, shape, axis in (('softmax_rank2', (5,), -1), ('softmax_rank3_axis1', (4, 2), 1),
                          ('softmax_rank4_axis2', (2, 3, 4), 2), ('softmax_rank4_last', (2, 3, 4), -1)):
    x = data(*shape, scale=3.0)
    save(name, [x], torch.softmax(torch.tensor(x), dim=axis).numpy())

print('wrote', len(os.listdir(OUT)), 'archives to', os.path.normpath(OUT))
