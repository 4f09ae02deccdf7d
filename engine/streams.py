"""Random streams: where a Generator's numbers come from.

On CPU, ``TorchCPUStream`` draws the numbers torch's CPU generator draws: the same mt19937 engine, seeded the
same way, and the transformations torch's CPU kernels apply to its 32- and 64-bit outputs (ATen's
DistributionsHelper.h and cpu/DistributionTemplates.h), so ``torch.manual_seed(0); torch.randn(3)`` gives the
numbers a PyTorch user expects, and ``get_state`` is torch's 5056-byte CPUGeneratorImplState. The engine is
numpy's MT19937 (its ``random_raw`` outputs are mt19937's); each transformation is vectorized where torch's
serial kernel allows it.

On CUDA (CuPy), ``ArrayStream`` wraps the device's array generator (torch's CUDA Philox streams are not
reproduced).

Both answer the same draws: ``unit`` (doubles in [0, 1)), ``uniform``, ``normal``, ``integers``,
``permutation``, ``exponential``, ``geometric``, ``cauchy``, ``log_normal``, ``bernoulli_tensor``,
``poisson``, ``binomial``; ``snapshot``/``restore`` for replays and ``state_bytes``/``load_state_bytes`` for
get_state/set_state.
"""
from __future__ import annotations

import math
import struct

import numpy as np  # the CPU stream is host arrays by definition: with backend.py, the engine's numpy modules

from . import backend

__all__ = ["TorchCPUStream", "ArrayStream", "new_stream"]

_N = 624                      # mt19937's state words
_MASK24 = np.uint64((1 << 24) - 1)
_MASK53 = np.uint64((1 << 53) - 1)
_F32 = np.float32


def _prod(shape) -> int:
    return int(math.prod(shape)) if isinstance(shape, tuple) else int(shape)


def _stirling_tail(k: float) -> float:
    """log(k!) less Stirling's approximation of it: exact for k < 10, the series' first terms above."""
    if k <= 9:
        k = math.floor(k)
        return math.lgamma(k + 1) - ((k + 0.5) * math.log(k + 1) - (k + 1) + 0.5 * math.log(2 * math.pi))
    kp1sq = (k + 1) * (k + 1)
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)


class TorchCPUStream:
    """torch's CPU generator (CPUGeneratorImpl): mt19937 plus its cached second normal sample."""

    def __init__(self, seed: int):
        self._bits = np.random.MT19937()
        self.seed(seed)

    def seed(self, seed: int) -> None:
        """mt19937's init_genrand with the seed's low 32 bits, as torch's engine takes a 64-bit seed."""
        key = np.empty(_N, dtype=np.uint32)
        s = seed & 0xFFFFFFFF
        key[0] = s
        for j in range(1, _N):
            s = (1812433253 * (s ^ (s >> 30)) + j) & 0xFFFFFFFF
            key[j] = s
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": _N}}
        self._fresh = True              # nothing drawn since seeding (torch's next is 0, not 624)
        self._seed = seed
        self._next_normal = None        # the sine half of the last Box-Muller pair (normal_distribution<double>)
        self._next_float_normal = None  # kept for the state's layout (torch's float twin; no CPU kernel uses it)

    # ---- the engine's outputs ---------------------------------------------------------------------

    def _u32(self, n: int) -> np.ndarray:
        self._fresh = False
        return self._bits.random_raw(n)  # uint64 arrays holding 32-bit outputs

    def _u64(self, n: int) -> np.ndarray:
        """random64(): two outputs, the first the high word."""
        r = self._u32(2 * n)
        return (r[0::2] << np.uint64(32)) | r[1::2]

    def unit(self, shape, bits: int = 53) -> np.ndarray:
        """uniform_real_distribution(0, 1): doubles with 53 random bits (from random64) or 24 (from random)."""
        n = _prod(shape)
        if bits == 53:
            return ((self._u64(n) & _MASK53).astype(np.float64) * 2.0 ** -53).reshape(shape)
        return ((self._u32(n) & _MASK24).astype(np.float64) * 2.0 ** -24).reshape(shape)

    # ---- fills ----------------------------------------------------------------------------------

    def uniform(self, shape, low: float, high: float, dtype) -> np.ndarray:
        """uniform_(low, high) of ``dtype``: x * (high - low) + low, one rounding (the kernel's fused multiply-add)
        in float for every dtype but double; reduced-precision dtypes round that float, and a draw that
        rounds up to ``high`` becomes ``low`` (so rand stays in [0, 1))."""
        dtype = np.dtype(dtype)
        if dtype == np.float64:
            return self.unit(shape) * (high - low) + low
        lo, hi = _F32(low), _F32(high)
        out = (self.unit(shape, 24) * np.float64(hi - lo) + np.float64(lo)).astype(_F32)
        if dtype != np.float32:
            out = out.astype(dtype)
            out[out == dtype.type(high)] = dtype.type(low)
        return out

    def normal(self, shape, mean: float, std: float, dtype, contiguous: bool = True, reduced: bool = False) -> np.ndarray:
        """normal_(mean, std) of ``dtype``: a contiguous tensor of 16 or more goes through torch's normal_fill
        (Box-Muller on blocks of 16 uniforms: the first 8 give the cosines, the last 8 the sines; when 16 does not
        divide the size, the last 16 are drawn again: float and double draw every element's uniform first, the
        ``reduced`` precisions (float16, bfloat16: float math, rounded) draw 16 per block as they go); others
        draw one normal_distribution<double> sample per element."""
        dtype = np.dtype(dtype)
        reduced = reduced or dtype == np.float16
        n = _prod(shape)
        if n < 16 or not contiguous:
            return (self._serial_normals(n) * std + mean).astype(dtype).reshape(shape)
        wide = np.float64 if dtype == np.float64 else _F32
        bits = 53 if wide is np.float64 else 24
        full = n // 16 * 16
        # every block's uniforms first, or (reduced) the blocks' 16 as they go: the same draws in the same order
        data = self._uniforms(full if reduced else n, wide)
        if reduced:
            data = np.concatenate((data, np.empty(n - full, dtype=wide)))
        data[:full] = self._box_muller16(data[:full].reshape(-1, 16), mean, std, wide).reshape(-1)
        if n % 16:
            data[n - 16:] = self._box_muller16(self._uniforms(16, wide).reshape(1, 16), mean, std, wide).reshape(-1)
        return data.astype(dtype, copy=False).reshape(shape)

    def _uniforms(self, n: int, wide):
        """n uniforms in [0, 1) as the blocked normal_ reads them: doubles of 53 bits, or floats of 24 (exact)."""
        if wide is np.float64:
            return self.unit(n)
        return (self._u32(n) & _MASK24).astype(_F32) * _F32(2.0 ** -24)

    @staticmethod
    def _box_muller16(blocks, mean, std, wide):
        """Blocks of 16 uniforms (rows) to normals: cosines from the first 8, sines sharing them from the last 8."""
        u1 = wide(1) - blocks[:, :8]        # [0, 1) -> (0, 1] for the log
        u2 = blocks[:, 8:]
        radius = np.sqrt(wide(-2) * np.log(u1))
        theta = wide(2.0 * math.pi) * u2
        normals = np.concatenate((radius * np.cos(theta), radius * np.sin(theta)), axis=1)
        if mean == 0 and std == 1:  # randn: nothing to scale
            return normals
        if wide is np.float64:
            return normals * std + mean
        # the kernel's fused multiply-add: one rounding of z * std + mean (exact in double for float operands)
        return (normals.astype(np.float64) * np.float64(_F32(std)) + np.float64(_F32(mean))).astype(_F32)

    def _serial_normals(self, n: int) -> np.ndarray:
        """n samples of normal_distribution<double>(0, 1): each pair of draws gives r cos(theta) now and keeps
        r sin(theta) for the next sample (a cached one is used first)."""
        out = np.empty(n)
        at = 0
        if n and self._next_normal is not None:
            out[0], self._next_normal, at = self._next_normal, None, 1
        pairs = (n - at + 1) // 2
        if pairs:
            u = self.unit(2 * pairs)
            u1, u2 = u[0::2], u[1::2]
            r = np.sqrt(-2.0 * np.log1p(-u2))
            theta = 2.0 * math.pi * u1
            both = np.empty(2 * pairs)
            both[0::2], both[1::2] = r * np.cos(theta), r * np.sin(theta)
            out[at:] = both[:n - at]
            if (n - at) % 2:
                self._next_normal = float(both[-1])
        return out

    def log_normal(self, shape, mean: float, std: float) -> np.ndarray:
        """log_normal_: exp of normal_distribution<double>(mean, std) samples, one per element."""
        return np.exp(self._serial_normals(_prod(shape)) * std + mean).reshape(shape)

    def integers(self, low: int, high: int, shape) -> np.ndarray:
        """random_(low, high): a draw modulo the range plus low, from random64 when the range needs 32 bits or
        more, else from random (int64 values)."""
        span = high - low
        n = _prod(shape)
        draws = self._u64(n) if span >= 1 << 32 else self._u32(n)
        return ((draws % np.uint64(span)).astype(np.int64) + np.int64(low)).reshape(shape)

    def permutation(self, n: int) -> np.ndarray:
        """randperm(n): torch's Fisher-Yates from the front, swapping i with i + random() % (n - i)."""
        out = np.arange(n, dtype=np.int64)
        if n > 1:
            picks = (self._u32(n - 1) % np.arange(n, 1, -1, dtype=np.uint64)).astype(np.int64).tolist()
            perm = out.tolist()
            for i, z in enumerate(picks):
                j = i + z
                perm[i], perm[j] = perm[j], perm[i]
            out = np.asarray(perm, dtype=np.int64)
        return out

    def exponential(self, shape, lambd: float) -> np.ndarray:
        return -1.0 / lambd * np.log1p(-self.unit(shape))

    def geometric(self, shape, p: float) -> np.ndarray:
        return np.ceil(np.log(self.unit(shape)) / math.log1p(-p))

    def cauchy(self, shape, median: float, sigma: float) -> np.ndarray:
        return median + sigma * np.tan(math.pi * (self.unit(shape) - 0.5))

    def bernoulli_tensor(self, p: np.ndarray) -> np.ndarray:
        """bernoulli with a probability per element: bernoulli_distribution<float>, a 24-bit draw below p."""
        return self.unit(p.shape, 24) < p

    def poisson(self, rates: np.ndarray) -> np.ndarray:
        """torch's sample_poisson per element: transformed rejection (Hoermann's PTRS) from rate 10 on,
        multiplying uniforms below it."""
        flat = rates.reshape(-1)
        out = np.empty(flat.shape, dtype=np.float64)
        for i, lam in enumerate(flat.tolist()):
            out[i] = self._poisson_one(lam)
        return out.reshape(rates.shape)

    def _poisson_one(self, lam: float) -> int:
        def uniform():
            return float(self.unit(1)[0])
        if lam >= 10:
            slam, loglam = math.sqrt(lam), math.log(lam)
            b = 0.931 + 2.53 * slam
            a = -0.059 + 0.02483 * b
            inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
            vr = 0.9277 - 3.6224 / (b - 2)
            while True:
                u = uniform() - 0.5
                v = uniform()
                us = 0.5 - abs(u)
                k = math.floor((2 * a / us + b) * u + lam + 0.43)
                if us >= 0.07 and v <= vr:
                    return k
                if k < 0 or (us < 0.013 and v > us):
                    continue
                if (math.log(v) + math.log(inv_alpha) - math.log(a / (us * us) + b)
                        <= -lam + k * loglam - math.lgamma(k + 1)):
                    return k
        if lam == 0:
            return 0
        x, prod, limit = 0, 1.0, math.exp(-lam)
        while True:
            prod *= uniform()
            if prod <= limit:
                return x
            x += 1

    def _uniform1(self) -> float:
        return float(self.unit(1)[0])

    def gamma(self, alpha: np.ndarray) -> np.ndarray:
        """Gamma(alpha, 1) per element, torch's sample_gamma: Marsaglia and Tsang's method with double uniform
        and normal_distribution<double> draws (alpha < 1: boosted by U^(1/alpha))."""
        flat = alpha.reshape(-1).tolist()
        out = np.empty(len(flat))
        for i, a in enumerate(flat):
            out[i] = self._gamma_one(a)
        return out.reshape(alpha.shape)

    def _gamma_one(self, alpha: float) -> float:
        scale = 1.0
        if alpha < 1.0:
            if alpha == 0.0:
                return 0.0
            scale *= (1 - self._uniform1()) ** (1.0 / alpha)
            alpha += 1.0
        d = alpha - 1.0 / 3.0
        c = 1.0 / math.sqrt(9.0 * d)
        while True:
            while True:
                x = float(self._serial_normals(1)[0])
                y = 1.0 + c * x
                if y > 0:
                    break
            v = y * y * y
            u = 1 - self._uniform1()
            xx = x * x
            if u < 1.0 - 0.0331 * xx * xx or math.log(u) < 0.5 * xx + d * (1.0 - v + math.log(v)):
                return scale * d * v

    def binomial(self, count: np.ndarray, prob: np.ndarray) -> np.ndarray:
        """Binomial(count, prob) per element, torch's sample_binomial: inversion by geometric waiting times
        below a mean of 10, Hormann's BTRS above it (on the smaller of prob and 1 - prob)."""
        counts, probs = np.broadcast_arrays(count, prob)
        out = np.empty(counts.shape, dtype=np.float64)
        for i, (n, p) in enumerate(zip(counts.reshape(-1).tolist(), probs.reshape(-1).tolist())):
            out.reshape(-1)[i] = self._binomial_one(n, p)
        return out

    def _binomial_one(self, n: float, p: float) -> float:
        if n <= 0.0 or p <= 0.0:
            return 0.0
        if p >= 1.0:
            return n
        if p <= 0.5:
            return self._btrs(n, p) if n * p >= 10.0 else self._binomial_inversion(n, p)
        if p > 0.5:
            q = 1.0 - p
            return n - (self._btrs(n, q) if n * q >= 10.0 else self._binomial_inversion(n, q))
        return math.nan

    def _binomial_inversion(self, n: float, p: float) -> float:
        geom_sum, num_geom = 0.0, 0.0
        logprob = math.log1p(-p)
        while True:
            geom_sum += math.ceil(math.log(self._uniform1()) / logprob)
            if geom_sum > n:
                return num_geom
            num_geom += 1

    def _btrs(self, n: float, p: float) -> float:
        stddev = math.sqrt(n * p * (1 - p))
        b = 1.15 + 2.53 * stddev
        a = -0.0873 + 0.0248 * b + 0.01 * p
        c = n * p + 0.5
        v_r = 0.92 - 4.2 / b
        r = p / (1 - p)
        alpha = (2.83 + 5.1 / b) * stddev
        m = math.floor((n + 1) * p)
        while True:
            u = self._uniform1() - 0.5
            v = self._uniform1()
            us = 0.5 - abs(u)
            k = math.floor((2 * a / us + b) * u + c)
            if k < 0 or k > n:
                continue
            if us >= 0.07 and v <= v_r:
                return float(k)
            v = math.log(v * alpha / (a / (us * us) + b))
            bound = ((m + 0.5) * math.log((m + 1) / (r * (n - m + 1))) + (n + 1) * math.log((n - m + 1) / (n - k + 1))
                     + (k + 0.5) * math.log(r * (n - k + 1) / (k + 1)) + _stirling_tail(m) + _stirling_tail(n - m)
                     - _stirling_tail(k) - _stirling_tail(n - k))
            if v <= bound:
                return float(k)

    # ---- state ----------------------------------------------------------------------------------

    def initial_seed(self) -> int:
        return self._seed

    def snapshot(self):
        return self._bits.state, self._fresh, self._next_normal, self._next_float_normal, self._seed

    def restore(self, snap) -> None:
        self._bits.state, self._fresh, self._next_normal, self._next_float_normal, self._seed = snap

    # torch's CPUGeneratorImplState: the_initial_seed, left, seeded, next, the 624 state words (as uint64),
    # normal_x, normal_y, normal_rho, normal_is_valid (padded), next_float_normal_sample, its valid flag (padded)
    _LAYOUT = struct.Struct(f"<QiiQ{_N}QdddiifB3x")
    STATE_BYTES = _LAYOUT.size  # 5056

    def state_bytes(self) -> bytes:
        st = self._bits.state["state"]
        pos = int(st["pos"])
        # numpy's pos counts the words read since the last twist (624: twist before the next); torch keeps
        # next (the same count) and left (624 - next + 1, 1 when a twist is due)
        nxt, left = (0 if self._fresh else pos, 1) if pos == _N else (pos, _N - pos + 1)
        normal = self._next_normal
        fnormal = self._next_float_normal
        return self._LAYOUT.pack(self._seed, left, 1, nxt, *(int(w) for w in st["key"]),
                                 0.0, normal or 0.0, 0.0, normal is not None, 0,
                                 fnormal or 0.0, fnormal is not None)

    def load_state_bytes(self, raw: bytes) -> None:
        fields = self._LAYOUT.unpack(raw)
        seed, left, _seeded, nxt = fields[:4]
        key = np.asarray(fields[4:4 + _N], dtype=np.uint64).astype(np.uint32)
        _x, normal_y, _rho, normal_valid, _pad, fnormal, fvalid = fields[4 + _N:]
        if not (1 <= left <= _N + 1 and 0 <= nxt <= _N):
            raise RuntimeError("Invalid mt19937 state")
        pos = _N if left == 1 else nxt
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}
        self._fresh = left == 1 and nxt == 0
        self._seed = seed
        self._next_normal = normal_y if normal_valid else None
        self._next_float_normal = fnormal if fvalid else None


class ArrayStream:
    """A device's array generator (cupy.random.Generator on CUDA) answering the same draws."""

    def __init__(self, seed: int, device: str):
        self.device = device
        self._seed = seed
        self._rng = backend.new_rng(seed, device)

    def unit(self, shape, bits: int = 53):
        return self._rng.random(shape)

    def uniform(self, shape, low, high, dtype):
        out = (self._rng.random(shape) * (high - low) + low).astype(dtype)
        out[out == np.dtype(dtype).type(high)] = np.dtype(dtype).type(low)
        return out

    def normal(self, shape, mean, std, dtype, contiguous=True, reduced=False):
        return (self._rng.standard_normal(shape) * std + mean).astype(dtype)

    def log_normal(self, shape, mean, std):
        xp = backend.xp_of(self._rng.random(1))
        return xp.exp(self._rng.standard_normal(shape) * std + mean)

    def integers(self, low, high, shape):
        return self._rng.integers(low, high, size=shape, dtype=np.int64)

    def permutation(self, n):
        return self._rng.permutation(n)

    def exponential(self, shape, lambd):
        return self._rng.standard_exponential(shape) / lambd

    def geometric(self, shape, p):
        return self._rng.geometric(p, size=shape)

    def cauchy(self, shape, median, sigma):
        xp = backend.xp_of(self._rng.random(1))
        return median + sigma * xp.tan(xp.pi * (self._rng.random(shape) - 0.5))

    def bernoulli_tensor(self, p):
        return self._rng.random(p.shape) < p

    def poisson(self, rates):
        return self._rng.poisson(rates)

    def binomial(self, n, p):
        return self._rng.binomial(n, p)

    def gamma(self, alpha):
        return self._rng.standard_gamma(alpha)

    def initial_seed(self) -> int:
        return self._seed

    def snapshot(self):
        return dict(self._rng.bit_generator.state), self._seed

    def restore(self, snap) -> None:
        state, self._seed = snap
        self._rng.bit_generator.state = state

    # get_state's bytes (little-endian): PCG64's 128-bit state and increment, its buffered 32-bit draw (a flag
    # byte and the value), and the initial seed
    _LAYOUT = (16, 16, 1, 4, 8)
    STATE_BYTES = sum(_LAYOUT)

    def state_bytes(self) -> bytes:
        st = self._rng.bit_generator.state
        fields = (st["state"]["state"], st["state"]["inc"], st["has_uint32"], st["uinteger"], self._seed)
        return b"".join(int(v).to_bytes(n, "little") for v, n in zip(fields, self._LAYOUT))

    def load_state_bytes(self, raw: bytes) -> None:
        fields, at = [], 0
        for n in self._LAYOUT:
            fields.append(int.from_bytes(raw[at:at + n], "little"))
            at += n
        state, inc, has_uint32, uinteger, self._seed = fields
        st = dict(self._rng.bit_generator.state)
        st.update(state={"state": state, "inc": inc}, has_uint32=has_uint32, uinteger=uinteger)
        self._rng.bit_generator.state = st


def new_stream(seed: int, device: str = "cpu"):
    """The stream of a generator of ``device`` seeded with ``seed``."""
    if backend.array_module(device) is np:
        return TorchCPUStream(seed)
    return ArrayStream(seed, device)
