"""In-place random fills: uniform_, normal_ (nn.init), random_ (no graph, like torch's init under no_grad).

Declares WIRE, METHODS and __all__; engine/ops/__init__.py installs them.
"""
from __future__ import annotations

from gradwire.common import dtypes as _dt

from ..random import current_generator
from ..tensor import Tensor


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


def _rng_of(input: Tensor, generator):
    """The draws for ``input`` come from its device's generator (``generator``'s own on that device)."""
    return (generator or current_generator()).for_device(input.device).rng


WIRE = {"uniform_": uniform_, "normal_": normal_, "random_": random_}
METHODS = {"uniform_": uniform_, "normal_": normal_, "random_": random_}
__all__: list = []
