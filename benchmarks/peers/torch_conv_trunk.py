"""PyTorch peer of StatelessLayersStep: the same conv trunk with layer norm, average pooling, a residual add,
global average pooling, bilinear upsampling, concatenation and a transposed convolution; median ms of one SGD step
(lr 0.01, losses 0.5/0.5). Run from the project root: /usr/bin/python3 benchmarks/peers/torch_conv_trunk.py [threads]
(Debian's python3-torch 1.13, CPU). NCHW in PyTorch where our model is NHWC; layer norm over channels is a permute
around nn.LayerNorm, as PyTorch has no channels-last layer norm."""
import sys, time, statistics, torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 60
torch.manual_seed(0)
N = 32


class ConvTrunk(nn.Module):
    def __init__(s):
        super().__init__()
        s.c1 = nn.Conv2d(3, 16, 3, padding=1); s.norm = nn.LayerNorm(16, eps=1e-3)
        s.c2 = nn.Conv2d(16, 32, 3, padding=1); s.skip = nn.Conv2d(32, 32, 3, padding=1)
        s.cls = nn.Linear(32, 10)
        s.up = nn.ConvTranspose2d(48, 16, 3, stride=2, padding=1, output_padding=1)  # Keras 'same': 16 -> 32
        s.out = nn.Conv2d(16, 1, 1)

    def forward(s, x):
        h = F.relu(s.c1(x))
        p1 = F.avg_pool2d(s.norm(h.permute(0, 2, 3, 1)).permute(0, 3, 1, 2), 2)
        c2 = F.relu(s.c2(p1))
        p2 = F.avg_pool2d(c2 + s.skip(c2), 2)
        logits = s.cls(p2.mean((2, 3)))
        up = F.interpolate(p2, scale_factor=2, mode='bilinear', align_corners=False)
        mask = torch.sigmoid(s.out(F.relu(s.up(torch.cat([up, p1], 1)))))
        return logits, mask


model = ConvTrunk()
x = torch.rand(N, 3, 32, 32)
classes = torch.randint(0, 10, (N,))
mask = torch.rand(N, 1, 32, 32).round()
opt = torch.optim.SGD(model.parameters(), lr=0.01)
times = []
for i in range(steps + max(5, steps // 5)):
    t = time.perf_counter()
    logits, predicted = model(x)
    loss = 0.5 * F.cross_entropy(logits, classes) + 0.5 * F.binary_cross_entropy(predicted, mask)
    opt.zero_grad(); loss.backward(); opt.step()
    times.append(time.perf_counter() - t)
print(f"conv-trunk batch={N} fixed {statistics.median(times[max(5, steps // 5):]) * 1e3:9.3f} ms/step "
      f"({torch.get_num_threads()} threads)")
