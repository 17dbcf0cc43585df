"""PyTorch peer of SequenceStep (issue 14): the same two sequence models, median ms of a training step.

Token ids [32, 20] from a vocabulary of 1,000, nn.Embedding(1000, 32), then nn.LSTM(32, 64) (last state) or
nn.MultiheadAttention(32, 4) with key_padding_mask, flattened; a 5-class head (softmax + cross-entropy, as Keras'
sparse categorical cross-entropy on probabilities) and a 1-value head (MSE), the mean of the two losses, SGD 0.01.

Run (from the project root): /usr/bin/python3 benchmarks/sequence_peer.py [threads] [steps]
"""
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
STEPS_TIMED = int(sys.argv[2]) if len(sys.argv) > 2 else 100
torch.manual_seed(0)
BATCH, STEPS, VOCABULARY = 32, 20, 1000


class Model(nn.Module):
    def __init__(self, workload):
        super().__init__()
        self.workload = workload
        self.embedding = nn.Embedding(VOCABULARY, 32)
        if workload == 'lstm':
            self.encoder = nn.LSTM(32, 64, batch_first=True)
            width = 64
        else:
            self.encoder = nn.MultiheadAttention(32, 4, batch_first=True)
            width = 32 * STEPS
        self.kind = nn.Linear(width, 5)
        self.value = nn.Linear(width, 1)

    def forward(self, ids, mask):
        x = self.embedding(ids)
        if self.workload == 'lstm':
            _, (h, _) = self.encoder(x)
            encoded = h[0]
        else:
            encoded, _ = self.encoder(x, x, x, key_padding_mask=mask == 0, need_weights=False)
            encoded = encoded.flatten(1)
        return torch.softmax(self.kind(encoded), -1), self.value(encoded)


def main():
    ids = torch.randint(0, VOCABULARY, (BATCH, STEPS))
    lengths = torch.randint(10, STEPS + 1, (BATCH, 1))
    mask = (torch.arange(STEPS)[None, :] < lengths).float()
    kinds = torch.randint(0, 5, (BATCH,))
    values = torch.randn(BATCH, 1)
    print('| workload | PyTorch median ms a step (%d thread(s)) |' % torch.get_num_threads())
    print('|---|---|')
    for workload in ('lstm', 'attention'):
        model = Model(workload)
        optimiser = torch.optim.SGD(model.parameters(), lr=0.01)
        times = []
        for i in range(-STEPS_TIMED // 2, STEPS_TIMED):
            start = time.perf_counter()
            probabilities, value = model(ids, mask)
            loss = 0.5 * F.nll_loss(torch.log(probabilities.clamp_min(1e-7)), kinds) \
                + 0.5 * ((value - values) ** 2).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            if i >= 0:
                times.append(time.perf_counter() - start)
        print('| %s | %.2f |' % (workload, statistics.median(times) * 1000))


if __name__ == '__main__':
    main()
