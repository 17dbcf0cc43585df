"""PyTorch peer of ModesStepBenchmark: the CNN_64 workload plain and with BatchNorm2d after each convolution and
dropout(0.25) before the heads; median ms per training step (train mode, SGD) and per prediction (eval mode).
Run from the project root: /usr/bin/python3 benchmarks/modes_peer.py [threads]"""
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
torch.manual_seed(0)


class Cnn(nn.Module):
    def __init__(self, modes):
        super().__init__()
        self.c1 = nn.Conv2d(3, 32, 3, padding=1)
        self.c2 = nn.Conv2d(32, 64, 3, padding=1)
        self.n1 = nn.BatchNorm2d(32, momentum=0.01, eps=1e-3) if modes else nn.Identity()
        self.n2 = nn.BatchNorm2d(64, momentum=0.01, eps=1e-3) if modes else nn.Identity()
        self.drop = nn.Dropout(0.25) if modes else nn.Identity()
        self.cls = nn.Linear(64 * 8 * 8, 10)
        self.box = nn.Linear(64 * 8 * 8, 4)

    def forward(self, x):
        h = F.max_pool2d(F.relu(self.n1(self.c1(x))), 2)
        h = self.drop(F.max_pool2d(F.relu(self.n2(self.c2(h))), 2).flatten(1))
        return self.cls(h), self.box(h)


def main(steps=40):
    x = torch.rand(64, 3, 32, 32)
    classes = torch.randint(0, 10, (64,))
    box = torch.rand(64, 4)
    print("| model | train step ms | predict ms |")
    print("|---|---|---|")
    for modes in (False, True):
        model = Cnn(modes)
        opt = torch.optim.SGD(model.parameters(), lr=1e-4)  # as the Java side: 0.01 diverges over 4096 normalised features
        train, predict = [], []
        for i in range(-steps // 2, steps):
            t0 = time.perf_counter()
            model.train()
            out = model(x)
            loss = 0.5 * F.cross_entropy(out[0], classes) + 0.5 * ((out[1] - box) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            t1 = time.perf_counter()
            model.eval()
            with torch.no_grad():
                model(x)
            t2 = time.perf_counter()
            if i >= 0:
                train.append(t1 - t0)
                predict.append(t2 - t1)
        name = "cnn + batch norm + dropout" if modes else "cnn"
        print("| %s | %.2f | %.2f |" % (name, 1e3 * statistics.median(train), 1e3 * statistics.median(predict)))


if __name__ == "__main__":
    main()
