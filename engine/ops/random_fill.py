"""Random fills and draws: uniform_, normal_ (nn.init), random_ (no graph, like torch's init under no_grad);
bernoulli / bernoulli_ (nodes with a zero gradient, as torch's) and multinomial.

Declares WIRE, METHODS and __all__; engine/ops/__init__.py installs them.
"""
from __future__ import annotations

from gradwire.common import dtypes as _dt

from ..function import Function
from ..random import current_generator
from ..tensor import Tensor, _new_tensor
from .inplace import _records, check_inplace, inplace_apply


def _fill(t: Tensor, values) -> Tensor:
    if t._view_mode is not None:
        from .inplace import check_view_mode  # noqa: PLC0415
        check_view_mode(t)
    if t.requires_grad and t.is_leaf and t.grad_fn is None:
        from ..grad_mode import is_grad_enabled  # noqa: PLC0415
        if is_grad_enabled():
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    t.array[...] = values.astype(t.array.dtype, copy=False)
    t._bump_version()
    return t


def uniform_(input: Tensor, a: float = 0.0, b: float = 1.0, *, generator=None) -> Tensor:
    """Fills ``input`` with U(a, b) draws from the current (the session's) generator."""
    rng = _rng_of(input, generator)
    return _fill(input, rng.uniform(a, b, size=input.array.shape))


def normal_(input: Tensor, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    rng = _rng_of(input, generator)
    shape = input.array.shape
    if hasattr(rng, "normal"):
        return _fill(input, rng.normal(mean, std, size=shape))
    return _fill(input, rng.standard_normal(shape) * std + mean)  # cupy's Generator has no normal()


def random_(input: Tensor, low: int = 0, high=None, *, generator=None) -> Tensor:
    """Fills ``input`` with integers uniform in [low, high); ``high`` None: up to what the dtype holds
    (for floats, 2**mantissa bits inclusive, so every value is exact), like torch's ``random_``."""
    if high is None:
        high = _RANDOM_TO.get(input.dtype.name) or 2 ** (8 * input.dtype.itemsize - input.dtype.is_signed)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    rng = _rng_of(input, generator)
    return _fill(input, rng.integers(low, high, size=input.array.shape, dtype=_dt.int64.numpy))


# random_()'s bound for floats: every integer up to 2**(mantissa bits + 1) is exact; bool: 0 and 1
_RANDOM_TO = {"float16": 2 ** 11 + 1, "float32": 2 ** 24 + 1, "float64": 2 ** 53 + 1, "bool": 2}


# ---- bernoulli ------------------------------------------------------------------------------------

class Bernoulli(Function):
    """bernoulli(p): 1 where a uniform draw falls below p (BernoulliBackward0: a zero gradient, as torch's)."""

    array_forward = True

    @staticmethod
    def forward(ctx, p, rng):
        arr = p.array
        if arr.size and not bool(((arr >= 0) & (arr <= 1)).all()):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error "
                               "message be improved?  If so, please report an enhancement request to PyTorch.)")
        return _new_tensor((rng.random(arr.shape) < arr).astype(p.dtype.numpy), p.dtype, p.device)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0, None


class BernoulliFill(Function):
    """self.bernoulli_(p), p a number (BernoulliBackward2) or, overload 1, a tensor (BernoulliBackward1)."""

    op_name = "Bernoulli"
    overload = 2
    array_forward = True

    @staticmethod
    def forward(ctx, a, p, rng):
        pv = p.array if isinstance(p, Tensor) else p
        return _new_tensor((rng.random(a.array.shape) < pv).astype(a.dtype.numpy), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0, None, None


class BernoulliFillTensor(BernoulliFill):
    op_name = "Bernoulli"
    overload = 1

    @staticmethod
    def backward(ctx, grad):
        return grad * 0, (grad * 0 if ctx.needs_input_grad[1] else None), None


def _check_floating(name: str, t: Tensor) -> None:
    if not t.dtype.is_floating_point:
        raise NotImplementedError(f"\"{name}\" not implemented for '{t.dtype._torch_name}'")


def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:
    """Draws 0/1 with probabilities ``input`` (or ``p`` everywhere, a number, for ``input``'s shape)."""
    rng = _rng_of(input, generator)
    if p is not None:
        return bernoulli_(_new_tensor(input.xp.empty_like(input.array), input.dtype, input.device), p,
                          generator=generator)
    _check_floating("bernoulli_tensor_cpu_p_", input)
    return Bernoulli.apply(input, rng)


def bernoulli_(input: Tensor, p=0.5, *, generator=None) -> Tensor:
    """Fills ``input`` with 0/1 draws of probability ``p`` (a number, or a tensor broadcast to input)."""
    rng = _rng_of(input, generator)
    if isinstance(p, Tensor):
        fn = BernoulliFillTensor.apply
    else:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        fn = BernoulliFill.apply
    if _records(input, (p,)):
        return inplace_apply(input, fn, p, rng)
    check_inplace(input)
    return _fill(input, fn(input, p, rng).array)


# ---- multinomial ----------------------------------------------------------------------------------

def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator=None) -> Tensor:
    """Indices drawn from the categorical distribution(s) of the rows of ``input`` (weights)."""
    nd = input.array.ndim
    if nd not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {input.dtype._torch_name}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    k = input.array.shape[-1]
    if not replacement and num_samples > k:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    xp = input.xp
    w = input.array.reshape(-1, k).astype(_dt.float64.numpy)
    if not bool((xp.isfinite(w) & (w >= 0)).all()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if not bool((w.sum(-1) > 0).all()):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rng = _rng_of(input, generator)
    u = rng.random((w.shape[0], num_samples if replacement else k))
    if replacement:  # where each draw falls among the cumulative weights
        cum = xp.cumsum(w, -1)
        out = xp.stack([xp.searchsorted(c, x * c[-1], side="right") for c, x in zip(cum, u)])
        out = xp.minimum(out, k - 1)
    else:  # the num_samples largest keys log(u) / w (zero weights last, in index order)
        keys = xp.where(w > 0, xp.log(u) / xp.where(w > 0, w, 1), -xp.inf)
        out = xp.argsort(-keys, axis=-1, kind="stable")[:, :num_samples]
    out = out.astype(_dt.int64.numpy).reshape(input.array.shape[:-1] + (num_samples,))
    return _new_tensor(out, _dt.int64, input.device)


def _rng_of(input: Tensor, generator):
    """The draws for ``input`` come from its device's generator (``generator``'s own on that device)."""
    return (generator or current_generator()).for_device(input.device).rng


WIRE = {"uniform_": uniform_, "normal_": normal_, "random_": random_, "bernoulli": bernoulli,
        "bernoulli_": bernoulli_, "multinomial": multinomial}
METHODS = {"uniform_": uniform_, "normal_": normal_, "random_": random_, "bernoulli": bernoulli,
           "bernoulli_": bernoulli_, "multinomial": multinomial}
__all__ = ["bernoulli", "multinomial"]
