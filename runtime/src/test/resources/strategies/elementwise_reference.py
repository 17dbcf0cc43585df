"""Independent reference for the element-wise gradient strategies (GRADDROP, DB_MTL, MOCO, EXCESS_MTL).

Written from the papers' formulas as Branchwise documents them (not from LibMTL's code), in NumPy float64, on the
hand-written problem of ElementwiseStrategiesTest: three branches, one shared parameter "trunk" of five values and a
one-value head per branch whose gradient is i + 1 for branch i; three steps with the gradients and losses below.
Run with `python3 elementwise_reference.py > elementwise_reference.txt`; the test embeds the printed numbers.

GradDrop's uniforms come from Java's java.util.SplittableRandom (SplitMix64), re-implemented here from its published
algorithm, seeded as the weighter seeds it: seed * 0x9E3779B97F4A7C15 + iteration (64-bit wrap-around).
"""
import numpy as np

MASK = (1 << 64) - 1
GOLDEN_GAMMA = 0x9E3779B97F4A7C15


class SplitMix64:
    """java.util.SplittableRandom(seed): nextLong = mix64(seed += GOLDEN_GAMMA); nextDouble = (nextLong >>> 11) * 2^-53."""

    def __init__(self, seed):
        self.seed = seed & MASK

    def next_long(self):
        self.seed = (self.seed + GOLDEN_GAMMA) & MASK
        z = self.seed
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def next_double(self):
        return (self.next_long() >> 11) * 2.0 ** -53


SEED = 42
# Per step: the shared gradient of each branch (rows) and the branch losses.
SHARED = [
    np.array([[1.0, 2.0, -1.0, 0.5, 0.0], [-1.5, 0.5, 1.0, 2.0, 0.0], [0.3, -1.0, 2.0, -0.5, 0.0]]),
    np.array([[0.5, -1.0, 0.25, 1.5, 0.2], [1.0, 1.5, -0.5, -2.0, -0.1], [-0.8, 0.4, 1.2, 0.6, 0.3]]),
    np.array([[-0.2, 0.7, 1.1, -0.4, 0.9], [0.6, -0.3, 0.8, 1.0, -1.2], [1.4, 0.2, -0.6, 0.5, 0.1]]),
]
LOSSES = [np.array([2.0, 0.5, 1.25]), np.array([1.5, 0.4, 1.0]), np.array([1.2, 0.35, 0.9])]
HEADS = np.array([1.0, 2.0, 3.0])
K = 3


def java(name, values):
    print(name + " = {" + ", ".join(repr(float(v)) for v in np.ravel(values)) + "};")


def graddrop(leak):
    for t, g in enumerate(SHARED):
        random = SplitMix64(SEED * GOLDEN_GAMMA + t)
        out = np.zeros(g.shape[1])
        for v in range(g.shape[1]):
            purity = 0.5 * (1 + g[:, v].sum() / (np.abs(g[:, v]).sum() + 1e-7))
            u = random.next_double()
            mask = ((purity > u) & (g[:, v] > 0)) | ((purity < u) & (g[:, v] < 0))
            out[v] = (g[:, v] * (leak + (1 - leak) * mask)).sum()
        java("GRADDROP_LEAK_%s_STEP_%d" % (str(leak).replace(".", "_"), t), out)


def db_mtl(tag, beta, sigma):
    m = np.zeros((K, 5))
    for t, (g, losses) in enumerate(zip(SHARED, LOSSES), start=1):
        b = g / (losses + 1e-8)[:, None]
        m = b + beta / t ** sigma * (m - b)
        norms = np.linalg.norm(m, axis=1)
        alpha = norms.max() / (norms + 1e-8)
        java("DB_MTL%s_ALPHA_%d" % (tag, t), alpha)
        java("DB_MTL%s_TRUNK_%d" % (tag, t), alpha @ m)
        java("DB_MTL%s_HEADS_%d" % (tag, t), HEADS / (losses + 1e-8))


def moco(tag, beta, beta_sigma, gamma, gamma_sigma, rho):
    y = np.zeros((K, 5))
    lam = np.ones(K) / K
    for t, (g, losses) in enumerate(zip(SHARED, LOSSES), start=1):
        scaled = g / (np.linalg.norm(g, axis=1) + 1e-8)[:, None] * losses[:, None]
        y = y - beta / t ** beta_sigma * (y - scaled)
        z = lam - gamma / t ** gamma_sigma * (y @ y.T + rho * np.eye(K)) @ lam
        lam = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        java("MOCO%s_LAMBDA_%d" % (tag, t), lam)
        java("MOCO%s_TRUNK_%d" % (tag, t), lam @ y)


def excess_mtl(tag, step_size):
    sums = np.zeros((K, 5))
    w = np.ones(K)
    initial = None
    for t, g in enumerate(SHARED, start=1):
        sums += g ** 2
        e = (g ** 2 / np.sqrt(sums + 1e-7)).sum(axis=1)
        if initial is None:
            initial = e
        else:
            w = w * np.exp(step_size * e / initial)
            w = w / w.sum() * K
        java("EXCESS_MTL%s_WEIGHTS_%d" % (tag, t), w)
        java("EXCESS_MTL%s_TRUNK_%d" % (tag, t), w @ g)
        java("EXCESS_MTL%s_HEADS_%d" % (tag, t), w * HEADS)


graddrop(0.0)
graddrop(0.25)
db_mtl("", 0.9, 0.0)
db_mtl("_OTHER", 0.8, 0.5)
moco("", 0.5, 0.5, 0.1, 0.5, 0.0)
moco("_OTHER", 0.7, 0.2, 0.5, 0.3, 0.1)
excess_mtl("", 0.01)
excess_mtl("_OTHER", 0.5)
