"""torch.testing: ``assert_close`` (with torch's default tolerances and failure messages) and
``make_tensor``. Values are compared here, on the client, from one download of each tensor."""
from __future__ import annotations

import collections.abc
import math

import numpy as np

from .common import dtypes

__all__ = ["assert_allclose", "assert_close", "make_tensor"]

# dtype -> (rtol, atol); every other dtype compares exactly
_TOLERANCES = {dtypes.float16: (0.001, 1e-5), dtypes.float32: (1.3e-6, 1e-5), dtypes.float64: (1e-7, 1e-7)}
_NUMBER_DTYPES = {int: dtypes.int64, float: dtypes.float64}


class _Failure(Exception):
    """A comparison failed: the exception type to raise and the message, with where it happened."""

    def __init__(self, kind: type, message: str, where: tuple = ()):
        super().__init__(message)
        self.kind, self.message, self.where = kind, message, where


def _tolerances(dtype_a, dtype_b, rtol, atol, where) -> tuple[float, float]:
    if (rtol is None) != (atol is None):
        raise _Failure(ValueError, "Both 'rtol' and 'atol' must be either specified or omitted, but got no "
                                   f"{'rtol' if rtol is None else 'atol'}.", where)
    if rtol is not None:
        return rtol, atol
    a, b = _TOLERANCES.get(dtype_a, (0.0, 0.0)), _TOLERANCES.get(dtype_b, (0.0, 0.0))
    return max(a[0], b[0]), max(a[1], b[1])


def _mismatch_message(identifier, extra, abs_diff, abs_idx, atol, rel_diff, rel_idx, rtol) -> str:
    exact = rtol == 0 and atol == 0

    def line(kind, diff, idx, tol):
        text = f"{kind.title()} difference: {diff}" if idx is None else f"Greatest {kind} difference: {diff} at index {idx}"
        return text + ("" if exact else f" (up to {tol} allowed)") + "\n"
    text = f"{identifier} are not {'equal' if exact else 'close'}!\n\n"
    if extra:
        text += f"{extra.strip()}\n"
    text += line("absolute", abs_diff, abs_idx, atol) + line("relative", rel_diff, rel_idx, rtol)
    return text.strip()


def _close(actual, expected, rtol, atol, equal_nan):
    """Elementwise ``|actual - expected| <= atol + rtol * |expected|`` as torch.isclose (infinities equal
    only to themselves, NaN to NaN only with ``equal_nan``)."""
    with np.errstate(invalid="ignore", over="ignore"):
        same = actual == expected
        if actual.dtype.kind not in "fc":
            if rtol == 0 and atol == 0:
                return same
            a, e = actual.astype(np.float64), expected.astype(np.float64)
        else:
            a, e = actual, expected
        finite = np.isfinite(a) & np.isfinite(e)
        close = same | (finite & (np.abs(a - e) <= atol + rtol * np.abs(e)))
        if equal_nan:
            close |= np.isnan(a) & np.isnan(e)
    return close


def _greatest(values, matches):
    """The largest value (NaN first, as torch.max) among the mismatches, and its flat index."""
    values = values.copy()
    values[matches] = 0
    nan = np.isnan(values) if values.dtype.kind == "f" else None
    if nan is not None and nan.any():
        i = int(np.argmax(nan))
    else:
        i = int(np.argmax(values))
    return values[i].item(), i


def _scalar_message(actual, expected, rtol, atol) -> str:
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    return _mismatch_message("Scalars", f"Expected {expected} but got {actual}.", abs_diff, None, atol,
                             rel_diff, None, rtol)


def _compare_numbers(actual, expected, rtol, atol, equal_nan, check_dtype, where) -> None:
    if isinstance(actual, bool) and isinstance(expected, bool):
        if actual is not expected:
            raise _Failure(AssertionError, f"Booleans mismatch: {actual} is not {expected}", where)
        return
    if check_dtype and type(actual) is not type(expected):
        raise _Failure(AssertionError, f"The (d)types do not match: {type(actual)} != {type(expected)}.", where)
    rtol, atol = _tolerances(_NUMBER_DTYPES[type(actual)], _NUMBER_DTYPES[type(expected)], rtol, atol, where)
    if actual == expected or (equal_nan and math.isnan(actual) and math.isnan(expected)):
        return
    if (math.isfinite(actual) and math.isfinite(expected)
            and abs(actual - expected) <= atol + rtol * abs(expected)):
        return
    raise _Failure(AssertionError, _scalar_message(actual, expected, rtol, atol), where)


def _compare_tensors(actual, expected, rtol, atol, equal_nan, check_device, check_dtype, check_stride, where):
    def differ(attribute, a, b):
        raise _Failure(AssertionError, f"The values for attribute '{attribute}' do not match: {a} != {b}.", where)

    if actual.shape != expected.shape:
        differ("shape", actual.shape, expected.shape)
    if check_stride and actual.stride() != expected.stride():
        differ("stride()", actual.stride(), expected.stride())
    if check_device and actual.device != expected.device:
        differ("device", actual.device, expected.device)
    if check_dtype and actual.dtype != expected.dtype:
        differ("dtype", actual.dtype, expected.dtype)
    rtol, atol = _tolerances(actual.dtype, expected.dtype, rtol, atol, where)
    common = dtypes.promote_types(actual.dtype, expected.dtype).numpy
    a = actual.detach().cpu().numpy().astype(common, copy=False)
    e = expected.detach().cpu().numpy().astype(common, copy=False)
    matches = _close(a, e, rtol, atol, equal_nan)
    if matches.all():
        return
    if a.ndim == 0:
        raise _Failure(AssertionError, _scalar_message(a.item(), e.item(), rtol, atol), where)
    n = matches.size
    mismatched = n - int(matches.sum())
    extra = f"Mismatched elements: {mismatched} / {n} ({mismatched / n:.1%})"
    a, e, flat = a.reshape(-1), e.reshape(-1), matches.reshape(-1)
    if a.dtype.kind not in "f":   # integers (and bools) are compared as int64, their ratio as float32
        a, e = a.astype(np.int64), e.astype(np.int64)
        abs_diff = np.abs(a - e)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel_diff = abs_diff.astype(np.float32) / np.abs(e).astype(np.float32)
    else:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            abs_diff = np.abs(a - e)
            rel_diff = abs_diff / np.abs(e)
    abs_max, abs_i = _greatest(abs_diff, flat)
    rel_max, rel_i = _greatest(rel_diff, flat)
    shape = matches.shape
    raise _Failure(AssertionError, _mismatch_message(
        "Tensor-likes", extra, abs_max, tuple(int(i) for i in np.unravel_index(abs_i, shape)), atol,
        rel_max, tuple(int(i) for i in np.unravel_index(rel_i, shape)), rtol), where)


def _compare(actual, expected, where, options) -> None:
    from .tensor import Tensor  # noqa: PLC0415
    if isinstance(actual, Tensor) and isinstance(expected, Tensor):
        if not options["allow_subclasses"] and type(actual) is not type(expected):
            raise _Failure(TypeError, f"No comparison pair was able to handle inputs of type {type(actual)} and "
                                      f"{type(expected)}.", where)
        _compare_tensors(actual, expected, options["rtol"], options["atol"], options["equal_nan"],
                         options["check_device"], options["check_dtype"], options["check_stride"], where)
        return
    numbers = (bool, int, float, np.number)
    if isinstance(actual, numbers) and isinstance(expected, numbers):
        a = actual.item() if isinstance(actual, np.number) else actual
        e = expected.item() if isinstance(expected, np.number) else expected
        _compare_numbers(a, e, options["rtol"], options["atol"], options["equal_nan"], options["check_dtype"], where)
        return
    if isinstance(actual, collections.abc.Sequence) and isinstance(expected, collections.abc.Sequence) \
            and not isinstance(actual, str) and not isinstance(expected, str):
        if len(actual) != len(expected):
            raise _Failure(AssertionError, f"The length of the sequences mismatch: {len(actual)} != {len(expected)}",
                           where)
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, (*where, i), options)
        return
    if isinstance(actual, collections.abc.Mapping) and isinstance(expected, collections.abc.Mapping):
        if set(actual) != set(expected):
            raise _Failure(AssertionError, "The keys of the mappings do not match:\n"
                                           f"Missing keys in the actual mapping: {sorted(set(expected) - set(actual))}\n"
                                           f"Additional keys in the actual mapping: {sorted(set(actual) - set(expected))}",
                           where)
        keys = list(actual)
        try:
            keys = sorted(keys)
        except TypeError:
            pass
        for key in keys:
            _compare(actual[key], expected[key], (*where, key), options)
        return
    raise _Failure(TypeError, f"No comparison pair was able to handle inputs of type {type(actual)} and "
                              f"{type(expected)}.", where)


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False, msg=None):
    """Raises AssertionError (torch's text) unless ``actual`` and ``expected`` are close: tensors, Python
    numbers, or sequences and mappings of them, compared item by item."""
    __tracebackhide__ = True
    options = dict(allow_subclasses=allow_subclasses, rtol=rtol, atol=atol, equal_nan=equal_nan,
                   check_device=check_device, check_dtype=check_dtype, check_stride=check_stride)
    try:
        _compare(actual, expected, (), options)
    except _Failure as failure:
        message = failure.message
        if failure.where:
            message += f"\n\nThe failure occurred for item {''.join(str([item]) for item in failure.where)}"
        if msg is not None:
            message = msg(message) if callable(msg) else msg
        raise failure.kind(message) from None


def make_tensor(*shape, dtype, device=None, low=None, high=None, requires_grad=False, noncontiguous=False,
                exclude_zero=False, memory_format=None):
    """A tensor of ``shape`` filled with values drawn uniformly from [low, high) (torch's defaults per dtype:
    [-9, 9] for floating point, [-9, 10) for integers, 0/1 for bool)."""
    from . import rand, randint, tensor  # noqa: PLC0415
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    if low is not None and high is not None and low > high:
        raise ValueError(f"`low` must be less than or equal to `high`, but got {low} > {high}")
    if dtype is dtypes.bool_:
        out = randint(0, 2, shape, device=device).to(dtypes.bool_)
    elif dtype.is_floating_point:
        lo = -9.0 if low is None else float(low)
        hi = 9.0 if high is None else float(high)
        out = (rand(*shape, dtype=dtype, device=device) * (hi - lo) + lo).to(dtype)
        if exclude_zero:
            out = out.masked_fill(out == 0, _tiny(dtype))
    else:
        info = np.iinfo(dtype.numpy)
        lo = max(-9 if low is None else math.ceil(low), info.min)
        hi = min(10 if high is None else math.ceil(high), info.max + 1)
        out = randint(lo, max(hi, lo + 1), shape, device=device).to(dtype)
        if exclude_zero:
            out = out.masked_fill(out == 0, tensor(1, dtype=dtype))
    if noncontiguous and out.numel() > 1:
        out = out.repeat_interleave(2, dim=-1)[..., ::2]
    if requires_grad:
        out.requires_grad_(True)
    return out


def _tiny(dtype) -> float:
    return float(np.finfo(dtype.numpy).tiny)


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg="") -> None:
    """Deprecated in torch (a FutureWarning): assert_close with its own tolerances, any dtypes."""
    import warnings  # noqa: PLC0415
    warnings.warn("`torch.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a future release. "
                  "Please use `torch.testing.assert_close()` instead. You can find detailed upgrade instructions in "
                  "https://github.com/pytorch/pytorch/issues/61844.", FutureWarning, stacklevel=2)
    from . import Tensor, tensor  # noqa: PLC0415
    if not isinstance(actual, Tensor):
        actual = tensor(actual)
    if not isinstance(expected, Tensor):
        expected = tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        precisions = {dtypes.float16: (1e-3, 1e-3), dtypes.float32: (1e-4, 1e-5), dtypes.float64: (1e-5, 1e-8)}
        a, b = precisions.get(actual.dtype, (0.0, 0.0)), precisions.get(expected.dtype, (0.0, 0.0))
        rtol, atol = max(a[0], b[0]), max(a[1], b[1])
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=True, check_dtype=False,
                 check_stride=False, msg=msg or None)
