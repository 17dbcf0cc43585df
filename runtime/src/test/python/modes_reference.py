"""PyTorch references for Layers.dropout and Layers.batchNorm (issue 14), written as .npz files that
runtime/src/test/java/.../engine/ModesReferenceTest.java reads with NumpyFiles. Tests never run Python.

Regenerate (Debian's python3-torch, CPU; the files are committed):
    /usr/bin/python3 runtime/src/test/python/modes_reference.py runtime/src/test/resources/modes

Conventions: arrays are in Branchwise's layouts (NHWC images, dense kernels [in, out], conv kernels
[kH, kW, in, out]); parameter entries are named as Branchwise names them. Keras' batch-norm momentum m is
PyTorch's 1 - m. PyTorch moves its running variance towards the UNBIASED batch variance, Keras 3 (and
Branchwise) towards the biased one: the 'keras_moving_*' entries are computed from the batch statistics PyTorch's
layer saw (captured by a forward hook), with Keras' rule; 'torch_running_var' is PyTorch's own, for comparison.
"""
import os
import sys

import numpy as np
import torch

MOMENTUM = 0.99  # Keras' default; PyTorch momentum = 1 - MOMENTUM
EPSILON = 1e-3   # Keras' default


def dropout(out):
    rng = np.random.default_rng(14)
    rate = 0.4
    x = rng.uniform(-2, 2, size=(4, 5)).astype(np.float32)
    keep = (rng.uniform(size=x.shape) >= rate).astype(np.float32)
    t = torch.from_numpy(x)
    # What torch.nn.functional.dropout computes on CPU once it has drawn its Bernoulli mask:
    # noise = bernoulli(1 - p); noise.div_(1 - p); input * noise.
    noise = torch.from_numpy(keep.copy()).div_(1 - rate)
    train = (t * noise).numpy()
    layer = torch.nn.Dropout(rate)
    layer.eval()
    inference = layer(t).numpy()
    np.savez(os.path.join(out, "dropout.npz"), x=x, keep=keep, rate=np.array(rate, np.float64),
             train=train, inference=inference)


def batch_norm_forward(out, name, shape_nchw):
    """One batch through a batch norm in training and in inference mode, float32."""
    rng = np.random.default_rng(len(shape_nchw) * 7 + 1)
    channels = shape_nchw[1]
    x = rng.normal(1.5, 2.0, size=shape_nchw).astype(np.float32)
    layer = torch.nn.BatchNorm1d(channels) if len(shape_nchw) == 2 else torch.nn.BatchNorm2d(channels)
    layer.momentum = 1 - MOMENTUM
    layer.eps = EPSILON
    gamma = rng.uniform(0.5, 1.5, channels).astype(np.float32)
    beta = rng.uniform(-0.5, 0.5, channels).astype(np.float32)
    moving_mean = rng.uniform(-1, 1, channels).astype(np.float32)
    moving_var = rng.uniform(0.5, 2, channels).astype(np.float32)
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(gamma))
        layer.bias.copy_(torch.from_numpy(beta))
        layer.running_mean.copy_(torch.from_numpy(moving_mean))
        layer.running_var.copy_(torch.from_numpy(moving_var))
    t = torch.from_numpy(x)
    layer.eval()
    with torch.no_grad():
        inference = layer(t).numpy()
    layer.train()
    with torch.no_grad():
        train = layer(t).numpy()
    axes = (0,) if len(shape_nchw) == 2 else (0, 2, 3)
    batch_mean = x.astype(np.float64).mean(axis=axes)
    batch_var = x.astype(np.float64).var(axis=axes)  # biased
    keras_mean = MOMENTUM * moving_mean.astype(np.float64) + (1 - MOMENTUM) * batch_mean
    keras_var = MOMENTUM * moving_var.astype(np.float64) + (1 - MOMENTUM) * batch_var
    nhwc = (lambda a: a) if len(shape_nchw) == 2 else (lambda a: np.ascontiguousarray(a.transpose(0, 2, 3, 1)))
    np.savez(os.path.join(out, name), x=nhwc(x), gamma=gamma, beta=beta, moving_mean=moving_mean,
             moving_variance=moving_var, train=nhwc(train), inference=nhwc(inference),
             keras_moving_mean=keras_mean, keras_moving_variance=keras_var,
             torch_running_mean=layer.running_mean.numpy(), torch_running_var=layer.running_var.numpy())


class DenseNet(torch.nn.Module):
    """x[5] -> Dense(6) -> BatchNorm -> relu -> Dense(2): Branchwise's trunk/dense_0, batch_norm_0; y/dense_0."""

    def __init__(self):
        super().__init__()
        self.dense = torch.nn.Linear(5, 6)
        self.norm = torch.nn.BatchNorm1d(6, momentum=1 - MOMENTUM, eps=EPSILON)
        self.head = torch.nn.Linear(6, 2)

    def forward(self, x):
        return self.head(torch.relu(self.norm(self.dense(x))))

    def branchwise(self):
        return {"trunk/dense_0/W": self.dense.weight.T, "trunk/dense_0/b": self.dense.bias,
                "trunk/batch_norm_0/gamma": self.norm.weight, "trunk/batch_norm_0/beta": self.norm.bias,
                "y/dense_0/W": self.head.weight.T, "y/dense_0/b": self.head.bias}

    def inputs(self, x):
        return x


class ConvNet(torch.nn.Module):
    """image[4,4,2] -> Conv2D(3, 3x3, same) -> BatchNorm -> relu -> flatten (NHWC order) -> Dense(2)."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(2, 3, 3, padding=1)
        self.norm = torch.nn.BatchNorm2d(3, momentum=1 - MOMENTUM, eps=EPSILON)
        self.head = torch.nn.Linear(4 * 4 * 3, 2)

    def forward(self, x):
        h = torch.relu(self.norm(self.conv(x)))
        return self.head(h.permute(0, 2, 3, 1).reshape(x.shape[0], -1))

    def branchwise(self):
        return {"trunk/conv2d_0/W": self.conv.weight.permute(2, 3, 1, 0), "trunk/conv2d_0/b": self.conv.bias,
                "trunk/batch_norm_0/gamma": self.norm.weight, "trunk/batch_norm_0/beta": self.norm.bias,
                "y/dense_0/W": self.head.weight.T, "y/dense_0/b": self.head.bias}


def training(out, name, net, input_shape, steps=6, batch=8, lr=0.1):
    """SGD on mean squared error, float64: parameters and Keras-convention moving statistics after each step."""
    torch.manual_seed(3)
    net = net.double()
    rng = np.random.default_rng(5)
    seen = []
    net.norm.register_forward_hook(lambda module, args, output: seen.append(args[0].detach().clone()))
    arrays = {}
    for key, value in net.branchwise().items():
        arrays["initial/" + key] = value.detach().numpy().copy()
    moving_mean = np.zeros(net.norm.num_features)
    moving_var = np.ones(net.norm.num_features)
    optimiser = torch.optim.SGD(net.parameters(), lr=lr)
    nhwc = len(input_shape) == 3
    for step in range(steps):
        x = rng.normal(0.5, 1.5, size=(batch,) + tuple(input_shape))
        y = rng.uniform(-1, 1, size=(batch, 2))
        arrays["x/%d" % step] = x
        arrays["y/%d" % step] = y
        t = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)) if nhwc else x)
        net.train()
        seen.clear()
        optimiser.zero_grad()
        loss = torch.nn.functional.mse_loss(net(t), torch.from_numpy(y))
        loss.backward()
        optimiser.step()
        arrays["loss/%d" % step] = np.array(loss.item())
        h = seen[0].numpy()
        axes = (0,) if h.ndim == 2 else (0, 2, 3)
        moving_mean = MOMENTUM * moving_mean + (1 - MOMENTUM) * h.mean(axis=axes)
        moving_var = MOMENTUM * moving_var + (1 - MOMENTUM) * h.var(axis=axes)
    for key, value in net.branchwise().items():
        arrays["final/" + key] = value.detach().numpy().copy()
    arrays["final/trunk/batch_norm_0/moving_mean"] = moving_mean
    arrays["final/trunk/batch_norm_0/moving_variance"] = moving_var
    arrays["torch_running_var"] = net.norm.running_var.numpy().copy()
    # Inference with the Keras-convention statistics.
    probe = rng.normal(0.5, 1.5, size=(3,) + tuple(input_shape))
    arrays["probe"] = probe
    with torch.no_grad():
        net.norm.running_mean.copy_(torch.from_numpy(moving_mean))
        net.norm.running_var.copy_(torch.from_numpy(moving_var))
        net.eval()
        t = torch.from_numpy(np.ascontiguousarray(probe.transpose(0, 3, 1, 2)) if nhwc else probe)
        arrays["prediction"] = net(t).numpy()
    np.savez(os.path.join(out, name), **arrays)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    dropout(out)
    batch_norm_forward(out, "batch_norm_dense.npz", (6, 4))
    batch_norm_forward(out, "batch_norm_conv.npz", (3, 3, 5, 4))
    torch.manual_seed(1)
    training(out, "batch_norm_dense_training.npz", DenseNet(), (5,))
    torch.manual_seed(2)
    training(out, "batch_norm_conv_training.npz", ConvNet(), (4, 4, 2))


if __name__ == "__main__":
    main()
