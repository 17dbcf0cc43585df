#!/usr/bin/python3
"""Reference outputs of the sequence layers (issue 14), computed with PyTorch, for SequenceLayersReferenceTest.

Run once, from the repository root, with Debian's python3-torch (1.13 here):

    /usr/bin/python3 runtime/src/test/python/sequence_layers_reference.py

It rewrites runtime/src/test/resources/layers/sequence/<case>.npz; the Java test needs no Python. Each archive holds
the inputs x0, x1, ... (float32; integer ids as int32), the layer's parameters under their names within the layer
(float32, converted from PyTorch's layouts to ours as below) and the expected output y (float64, computed in double
from the float32 values). The sizes of each case are repeated in the Java test's table.

Conversions (ours = Keras' layouts):
- embedding: nn.Embedding.weight is E [vocabulary, dimension] as it is.
- lstm: W = weight_ih_l0.T [features, 4u], U = weight_hh_l0.T [u, 4u], b = bias_ih_l0 + bias_hh_l0; PyTorch's gate
  order i, f, g, o is Keras' i, f, c, o.
- gru: PyTorch's row blocks r, z, n are reordered to Keras' z, r, h; W = weight_ih.T, U = weight_hh.T,
  b = [bias_ih; bias_hh] ([2, 3u]). nn.GRU is Keras' reset_after=True GRU.
- dense over a sequence: nn.Linear (tanh after it) on every step, W = weight.T.
- selfAttention: nn.MultiheadAttention(E, heads, batch_first=True) with E = heads * keyDim: Wq, Wk, Wv = the three
  row blocks of in_proj_weight, transposed and reshaped to [E, heads, keyDim]; bq, bk, bv the blocks of
  in_proj_bias reshaped to [heads, keyDim]; Wo = out_proj.weight.T reshaped to [heads, keyDim, E]; bo =
  out_proj.bias. The padding mask x1 is ours (1 = real step, 0 = padding); PyTorch gets key_padding_mask = (x1 == 0)
  (True = padding: the opposite polarity).
"""
import os
import numpy as np
import torch

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'resources', 'layers', 'sequence')
rng = np.random.default_rng(20240615)
BATCH = 3


def data(*shape, scale=1.0):
    """float32 values, returned as float64 so the reference is computed exactly from what Java reads."""
    return (rng.uniform(-1, 1, size=(BATCH,) + shape) * scale).astype(np.float32).astype(np.float64)


def f32(t):
    """Rounds a module's float64 parameter to float32 in place, so PyTorch computes with what Java reads."""
    with torch.no_grad():
        t.copy_(t.float().double())


def save(name, inputs, y, **params):
    arrays = {}
    for i, x in enumerate(inputs):
        arrays['x%d' % i] = x.astype(np.int32) if np.issubdtype(x.dtype, np.integer) else x.astype(np.float32)
    arrays.update({k: np.asarray(v, dtype=np.float32) for k, v in params.items()})
    arrays['y'] = np.asarray(y, dtype=np.float64)
    np.savez(os.path.join(OUT, name + '.npz'), **arrays)


def embedding(name, vocabulary, dimension, steps):
    module = torch.nn.Embedding(vocabulary, dimension)
    f32(module.weight)
    ids = rng.integers(0, vocabulary, size=(BATCH, steps))
    ids[0, 0], ids[-1, -1] = 0, vocabulary - 1
    y = module(torch.tensor(ids)).detach().numpy()
    save(name, [ids], y, E=module.weight.detach().numpy())


def lstm(name, features, units, steps, sequence):
    module = torch.nn.LSTM(features, units, batch_first=True)
    with torch.no_grad():
        # Our one bias is PyTorch's two summed: fold them into bias_ih first, so that the float32 archive holds
        # exactly the bias PyTorch computes with.
        module.bias_ih_l0.add_(module.bias_hh_l0)
        module.bias_hh_l0.zero_()
    for p in module.parameters():
        f32(p)
    x = data(steps, features, scale=2.0)
    out, (h, _) = module(torch.tensor(x))
    y = out if sequence else h[0]
    save(name, [x], y.detach().numpy(),
         W=module.weight_ih_l0.detach().numpy().T,
         U=module.weight_hh_l0.detach().numpy().T,
         b=(module.bias_ih_l0 + module.bias_hh_l0).detach().numpy())


def dense_sequence(name, features, units, steps):
    """Layers.dense over the last axis of [batch, steps, features]: nn.Linear applied to every step."""
    module = torch.nn.Linear(features, units)
    for p in module.parameters():
        f32(p)
    x = data(steps, features)
    y = torch.tanh(module(torch.tensor(x)))
    save(name, [x], y.detach().numpy(), W=module.weight.detach().numpy().T, b=module.bias.detach().numpy())


def keras_gates(blocks, units):
    """PyTorch's r, z, n row blocks as Keras' z, r, h."""
    r, z, n = blocks[:units], blocks[units:2 * units], blocks[2 * units:]
    return np.concatenate([z, r, n], axis=0)


def gru(name, features, units, steps, sequence):
    module = torch.nn.GRU(features, units, batch_first=True)
    for p in module.parameters():
        f32(p)
    x = data(steps, features, scale=2.0)
    out, h = module(torch.tensor(x))
    y = out if sequence else h[0]
    save(name, [x], y.detach().numpy(),
         W=keras_gates(module.weight_ih_l0.detach().numpy(), units).T,
         U=keras_gates(module.weight_hh_l0.detach().numpy(), units).T,
         b=np.stack([keras_gates(module.bias_ih_l0.detach().numpy(), units),
                     keras_gates(module.bias_hh_l0.detach().numpy(), units)]))


def attention(name, heads, key_dim, steps, lengths):
    e = heads * key_dim
    module = torch.nn.MultiheadAttention(e, heads, batch_first=True)
    for p in module.parameters():
        f32(p)
    with torch.no_grad():
        # PyTorch starts the biases at zero: give them values so the test sees them used.
        module.in_proj_bias.copy_(torch.tensor(rng.uniform(-0.5, 0.5, 3 * e)).float().double())
        module.out_proj.bias.copy_(torch.tensor(rng.uniform(-0.5, 0.5, e)).float().double())
    x = data(steps, e)
    t = torch.tensor(x)
    inputs = [x]
    padding = None
    if lengths is not None:
        mask = np.array([[1.0 if s < n else 0.0 for s in range(steps)] for n in lengths])
        inputs.append(mask)
        padding = torch.tensor(mask == 0)
    y, _ = module(t, t, t, key_padding_mask=padding, need_weights=False)
    w = module.in_proj_weight.detach().numpy()
    b = module.in_proj_bias.detach().numpy()
    params = {}
    for i, part in enumerate('qkv'):
        params['W' + part] = w[i * e:(i + 1) * e].T.reshape(e, heads, key_dim)
        params['b' + part] = b[i * e:(i + 1) * e].reshape(heads, key_dim)
    params['Wo'] = module.out_proj.weight.detach().numpy().T.reshape(heads, key_dim, e)
    params['bo'] = module.out_proj.bias.detach().numpy()
    save(name, inputs, y.detach().numpy(), **params)


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(20240615)
    embedding('embedding_11_4', 11, 4, 5)
    embedding('embedding_3_1', 3, 1, 2)
    lstm('lstm_last', 4, 5, 6, False)
    lstm('lstm_sequence', 4, 5, 6, True)
    lstm('lstm_one_step', 3, 2, 1, True)
    gru('gru_last', 4, 5, 6, False)
    gru('gru_sequence', 4, 5, 6, True)
    gru('gru_one_step', 3, 2, 1, True)
    attention('attention_2x4', 2, 4, 5, None)
    attention('attention_2x4_mask', 2, 4, 5, [5, 3, 1])
    attention('attention_1x6_mask', 1, 6, 4, [2, 4, 3])
    attention('attention_4x2', 4, 2, 3, None)
    dense_sequence('dense_sequence_tanh', 4, 3, 5)
    print('wrote', sorted(os.listdir(OUT)))
