#!/usr/bin/env python3
"""MultiMNIST from mnist-10k.bin.gz, canvas for canvas the same as the Java class MultiMnist, for PyTorch runs.

    import multimnist
    digits = multimnist.load_digits("examples/src/main/resources/io/github/branchwise/examples/mnist-10k.bin.gz")
    images, left, right, left_src, right_src = multimnist.multi_mnist(digits, seed=1, split="train")
    # images: uint8 [n, 28, 28] (divide by 255 for the Java arrays' [0, 1]); left, right: class ids [n]

The construction (see MultiMnist.java's class comment, which this mirrors): Sener and Koltun's loader
(isl-org/MultiObjectiveOptimization, multi_task/loaders/multi_mnist_loader.py) puts the left digit at rows/columns
0..27 and the right one at 6..33 of a 36x36 canvas, the maximum where they overlap, then
scipy.misc.imresize(canvas, (28, 28), interp='nearest'): byte-scaling to a maximum of 255 and Pillow's NEAREST
(output i <- source floor((i + 0.5) * 36 / 28)). Both are done here in integers, as in Java. Training pairs use the
first floor(4n/5) digits of each class in file order, test pairs the rest. The draws come from SplitMix64 seeded
with seed (train) or seed + 1 (test): a Fisher-Yates shuffle of the split's sources gives the left digits, then
one uniform draw per pair, pair 0 first, gives each right digit; uniform(b) = next 64-bit output mod b.

Run as a script, it prints the numbers MultiMnistTest checks (python3 examples/data/multimnist.py [PATH]).
Python 3 and numpy.
"""
import gzip
import struct
import sys

import numpy as np

MASK = (1 << 64) - 1
SIDE, CANVAS, OFFSET = 28, 36, 6
NEAREST = np.array([(2 * i + 1) * CANVAS // (2 * SIDE) for i in range(SIDE)])
DEFAULT_PATH = "examples/src/main/resources/io/github/branchwise/examples/mnist-10k.bin.gz"


class SplitMix64:
    """Steele, Lea and Flood 2014; the same 64-bit arithmetic as MultiMnist.SplitMix64."""

    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform(self, bound):
        return self.next() % bound


def load_digits(path=DEFAULT_PATH):
    """(labels uint8 [n], pixels uint8 [n, 28, 28]) from the file that MnistDigits reads."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"BWMN":
        raise ValueError(f"{path}: wrong magic {data[:4]!r}, expected b'BWMN'")
    count, rows, cols = struct.unpack(">III", data[4:16])
    expected = 16 + count + count * rows * cols
    if len(data) != expected:
        raise ValueError(f"{path}: expected {expected} bytes, found {len(data)}")
    labels = np.frombuffer(data, dtype=np.uint8, count=count, offset=16)
    pixels = np.frombuffer(data, dtype=np.uint8, offset=16 + count).reshape(count, rows, cols)
    return labels, pixels


def sources(labels, split):
    """Indices of the split's source digits: per class the first floor(4n/5) for "train", the rest for "test"."""
    per_class = np.bincount(labels, minlength=10)
    seen = np.zeros(10, dtype=np.int64)
    out = []
    for i, label in enumerate(labels):
        in_train = seen[label] < per_class[label] * 4 // 5
        seen[label] += 1
        if in_train == (split == "train"):
            out.append(i)
    return np.array(out, dtype=np.int64)


def multi_mnist(digits, seed, split="train"):
    """(images uint8 [n, 28, 28], left labels, right labels, left sources, right sources) for one split."""
    labels, pixels = digits
    src = sources(labels, split)
    random = SplitMix64(seed if split == "train" else seed + 1)
    n = len(src)
    left = src.copy()
    for i in range(n - 1, 0, -1):
        j = random.uniform(i + 1)
        left[i], left[j] = left[j], left[i]
    right = np.array([src[random.uniform(n)] for _ in range(n)], dtype=np.int64)
    canvas = np.zeros((n, CANVAS, CANVAS), dtype=np.int64)
    canvas[:, :SIDE, :SIDE] = pixels[left]
    window = canvas[:, OFFSET:OFFSET + SIDE, OFFSET:OFFSET + SIDE]
    canvas[:, OFFSET:OFFSET + SIDE, OFFSET:OFFSET + SIDE] = np.maximum(window, pixels[right])
    top = canvas.max(axis=(1, 2))[:, None, None]
    picked = canvas[:, NEAREST][:, :, NEAREST]
    scaled = np.where(top == 0, 0, (2 * picked * 255 + top) // (2 * np.maximum(top, 1)))
    return scaled.astype(np.uint8), labels[left], labels[right], left, right


if __name__ == "__main__":
    digits = load_digits(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_PATH)
    r = SplitMix64(0)
    print("SplitMix64(0) first three:", [hex(r.next()) for _ in range(3)])
    for split in ("train", "test"):
        images, left, right, left_src, right_src = multi_mnist(digits, 42, split)
        sums = images.astype(np.int64).sum(axis=(1, 2))
        weights = np.arange(1, len(images) + 1, dtype=np.int64)
        print(split, "n", len(images), "total pixel sum", int(sums.sum()),
              "sum of (k+1)*pair sum", int((weights * sums).sum()),
              "sum of (k+1)*(10*left+right)", int((weights * (10 * left.astype(np.int64) + right)).sum()),
              "sum of (k+1)*(left source+right source)", int((weights * (left_src + right_src)).sum()))
        for k in (0, 1, 2, len(images) - 1):
            im = images[k].astype(np.int64)
            print(f"  {split} k={k} left={int(left[k])} right={int(right[k])} src=({int(left_src[k])},"
                  f" {int(right_src[k])}) sum={int(im.sum())} row14={im[14].tolist()}")
