#!/usr/bin/env python3
"""The PyTorch peer of MultiMnistExample: the same LeNet, data and recipe, for the side-by-side comparison.

    OMP_NUM_THREADS=1 /usr/bin/python3 examples/data/multimnist_lenet.py --seed 1 --epochs 10 [--weighting fixed]

Data: multimnist.py's canvases of data seed 42 (the same bytes as the Java MultiMnist's), 7,996 training and 2,004
test pairs, normalised by (x / 255 - 0.1307) / 0.3081 as Sener and Koltun's loader does.

Network (Sener and Koltun's MultiLeNetR and two MultiLeNetO, isl-org/MultiObjectiveOptimization,
multi_task/models/multi_lenet.py, without their dropout, as MultiMnistLeNet.java): conv 10 5x5, max-pool 2, ReLU,
conv 20 5x5, max-pool 2, ReLU, flatten 320, linear 50 ReLU; per head linear 50 ReLU, linear 10, log-softmax + NLL.
Initialisation as Branchwise's Layers: Glorot-uniform weights (torch's xavier_uniform_ computes the same fans for a
[out, in, kH, kW] kernel as Keras for [kH, kW, in, out]) and zero biases; --init torch keeps PyTorch's defaults
instead (kaiming-uniform with a = sqrt(5), biases uniform in +-1/sqrt(fan_in)). Flattening is NCHW here and NHWC
in Java: a fixed permutation of the first dense layer's inputs, which Glorot's bounds do not see.

Recipe: Adam at 1e-3 (betas 0.9/0.999, eps 1e-8) on every parameter including the weighting's; mini-batches of 64,
a new permutation each epoch from torch.manual_seed(seed), the last partial batch kept; weighting uncertainty
(Kendall et al.: sum exp(-s_i) * L_i + s_i / 2, s_i from 0, as Branchwise's UNCERTAINTY for cross-entropies) or
fixed 0.5/0.5. The seed draws the initial weights and the shuffles; the two frameworks' generators differ, so the
same seed number is not the same draw on both sides.

Prints one RESULT line: both heads' test accuracy after the last epoch and the wall time of the training loop alone
(no data preparation, no evaluation), as MultiMnistExample --compare does. --per-epoch also prints each epoch's test
accuracy (evaluated outside the timed loop).
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import multimnist  # noqa: E402

DATA_SEED = 42
MEAN, STD = 0.1307, 0.3081


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 10, 5)
        self.conv2 = nn.Conv2d(10, 20, 5)
        self.fc = nn.Linear(320, 50)
        self.left_hidden, self.left_out = nn.Linear(50, 50), nn.Linear(50, 10)
        self.right_hidden, self.right_out = nn.Linear(50, 50), nn.Linear(50, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2(x), 2))
        rep = F.relu(self.fc(x.flatten(1)))
        left = F.log_softmax(self.left_out(F.relu(self.left_hidden(rep))), dim=1)
        right = F.log_softmax(self.right_out(F.relu(self.right_hidden(rep))), dim=1)
        return left, right


def glorot(model):
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(module.weight)
            nn.init.zeros_(module.bias)


def tensors(digits, split):
    images, left, right, _, _ = multimnist.multi_mnist(digits, DATA_SEED, split)
    x = (torch.from_numpy(images.astype(np.float32)) / 255.0 - MEAN) / STD
    return x.unsqueeze(1).contiguous(), torch.from_numpy(left.astype(np.int64)), torch.from_numpy(right.astype(np.int64))


def accuracy(model, x, left, right):
    model.eval()
    with torch.no_grad():
        out_left, out_right = model(x)
    model.train()
    return ((out_left.argmax(1) == left).double().mean().item(),
            (out_right.argmax(1) == right).double().mean().item())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--train", type=int, default=None, help="the first N training pairs (all by default)")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--weighting", choices=["uncertainty", "fixed"], default="uncertainty")
    parser.add_argument("--init", choices=["glorot", "torch"], default="glorot")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--per-epoch", action="store_true")
    parser.add_argument("--mnist", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                                         multimnist.DEFAULT_PATH.replace("examples/", "", 1)))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    digits = multimnist.load_digits(args.mnist)
    x, y_left, y_right = tensors(digits, "train")
    if args.train is not None:
        x, y_left, y_right = x[:args.train], y_left[:args.train], y_right[:args.train]
    test_x, test_left, test_right = tensors(digits, "test")

    torch.manual_seed(args.seed)
    model = LeNet()
    if args.init == "glorot":
        glorot(model)
    log_variance = nn.Parameter(torch.zeros(2))
    parameters = list(model.parameters()) + ([log_variance] if args.weighting == "uncertainty" else [])
    optimizer = torch.optim.Adam(parameters, lr=args.lr)
    n = x.shape[0]

    seconds = 0.0
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        order = torch.randperm(n)
        for i in range(0, n, args.batch):
            idx = order[i:i + args.batch]
            out_left, out_right = model(x[idx])
            losses = torch.stack([F.nll_loss(out_left, y_left[idx]), F.nll_loss(out_right, y_right[idx])])
            if args.weighting == "uncertainty":
                total = (torch.exp(-log_variance) * losses + 0.5 * log_variance).sum()
            else:
                total = (0.5 * losses).sum()
            optimizer.zero_grad()
            total.backward()
            optimizer.step()
        seconds += time.perf_counter() - start
        if args.per_epoch:
            acc = accuracy(model, test_x, test_left, test_right)
            weights = torch.exp(-log_variance).tolist() if args.weighting == "uncertainty" else [0.5, 0.5]
            print(f"epoch {epoch} test left {acc[0]:.4f} right {acc[1]:.4f} weights {weights[0]:.3f} "
                  f"{weights[1]:.3f} ({seconds:.1f} s)", flush=True)
    left_acc, right_acc = accuracy(model, test_x, test_left, test_right)
    print(f"RESULT framework=pytorch seed={args.seed} epochs={args.epochs} weighting={args.weighting} "
          f"left={left_acc:.4f} right={right_acc:.4f} train_s={seconds:.2f} threads={torch.get_num_threads()} "
          f"init={args.init}", flush=True)


if __name__ == "__main__":
    main()
