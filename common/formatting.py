"""Tensor and size reprs, character for character as PyTorch prints them.

The client formats ``repr(tensor)`` locally from the fetched values, so these
rules follow PyTorch's printing (``torch/_tensor_str.py``) exactly: the choice
between fixed, integer and scientific notation, column widths, summarization
with ``...``, line wrapping at ``linewidth`` and the trailing ``dtype=`` /
``device=`` / ``grad_fn=`` / ``requires_grad=`` suffixes. Depends on numpy and
the standard library only.
"""
from __future__ import annotations

import contextlib
import dataclasses
import math
from typing import Any, Iterator, Mapping, Sequence

import numpy as np

from . import dtypes as _dtypes
from .dtypes import DType

__all__ = [
    "tensor_repr", "shape_repr", "set_printoptions", "get_printoptions", "printoptions",
]


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


_OPTIONS = _PrintOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def _apply(opts: _PrintOptions, precision=None, threshold=None, edgeitems=None,
           linewidth=None, profile=None, sci_mode=None) -> None:
    # PyTorch's semantics: a profile resets the four numeric options (an
    # unknown profile name is ignored), explicit values override it, and
    # sci_mode is always assigned, so leaving it out resets it to automatic.
    if profile is not None and profile in _PROFILES:
        for key, value in _PROFILES[profile].items():
            setattr(opts, key, value)
    if precision is not None:
        opts.precision = precision
    if threshold is not None:
        opts.threshold = threshold
    if edgeitems is not None:
        opts.edgeitems = edgeitems
    if linewidth is not None:
        opts.linewidth = linewidth
    opts.sci_mode = sci_mode


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None) -> None:
    """Set the options used by :func:`tensor_repr`, like ``torch.set_printoptions``."""
    _apply(_OPTIONS, precision, threshold, edgeitems, linewidth, profile, sci_mode)


def get_printoptions() -> dict[str, Any]:
    """The current print options, as keyword arguments for :func:`set_printoptions`."""
    return dataclasses.asdict(_OPTIONS)


@contextlib.contextmanager
def printoptions(**kwargs) -> Iterator[None]:
    """Temporarily change the print options, like ``torch.printoptions``."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


def _resolve(overrides: Mapping[str, Any] | None) -> _PrintOptions:
    opts = dataclasses.replace(_OPTIONS)
    if overrides:
        # Same as running under ``torch.printoptions(**overrides)``.
        _apply(opts, **overrides)
    return opts


def shape_repr(shape: Sequence[int]) -> str:
    """``repr(torch.Size)``: ``torch.Size([2, 3])``."""
    return "torch.Size([" + ", ".join(str(int(s)) for s in shape) + "])"


class _Formatter:
    """Chooses one notation and one column width for all printed elements."""

    def __init__(self, data: np.ndarray, floating: bool, precision: int, sci_mode: bool | None):
        self.floating = floating
        self.precision = precision
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        flat = data.reshape(-1)
        if not floating:
            if flat.size:
                if flat.dtype == np.bool_:
                    candidates = np.unique(flat).tolist()
                else:
                    # str() length grows with magnitude, so the extremes decide it.
                    candidates = [flat.min().item(), flat.max().item()]
                self.width = max(self.width, max(len(str(v)) for v in candidates))
            return

        vals = flat[np.isfinite(flat) & (flat != 0)]
        if vals.size == 0:
            return  # only zeros, nan and inf: integer mode, width 1
        mags = np.abs(vals.astype(np.float64))
        lo, hi = mags.min(), mags.max()
        self.int_mode = bool(np.all(np.ceil(vals) == vals))
        if sci_mode is None:
            self.sci_mode = bool(hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4)
        else:
            self.sci_mode = sci_mode
        p = precision
        distinct = np.unique(vals).tolist()
        if self.sci_mode:
            width = max(len(f"{v:.{p}e}") for v in distinct)
        elif self.int_mode:
            width = max(len(f"{v:.0f}") for v in distinct) + 1  # room for the "."
        else:
            width = max(len(f"{v:.{p}f}") for v in distinct)
        self.width = max(self.width, width)

    def format(self, value) -> str:
        if self.floating:
            if self.sci_mode:
                text = f"{value:{self.width}.{self.precision}e}"
            elif self.int_mode:
                text = f"{value:.0f}"
                if math.isfinite(value):
                    text += "."
            else:
                text = f"{value:.{self.precision}f}"
        else:
            text = f"{value}"
        return text.rjust(self.width)


class _ComplexFormatter:
    """torch's complex elements: the real and the imaginary parts each formatted as a float tensor of their
    own, joined as ``1.5000-2.0000j``."""

    def __init__(self, data: np.ndarray, precision: int, sci_mode: bool | None):
        self.real = _Formatter(np.ascontiguousarray(data.real), True, precision, sci_mode)
        self.imag = _Formatter(np.ascontiguousarray(data.imag), True, precision, sci_mode)
        self.width = self.real.width + self.imag.width + 1  # (+1: the "j")

    def format(self, value) -> str:
        value = complex(value)
        imag = (self.imag.format(value.imag) + "j").lstrip()
        return self.real.format(value.real) + (imag if imag[0] in "+-" else "+" + imag)


def _summarized(arr: np.ndarray, edgeitems: int) -> np.ndarray:
    """The elements that summarized printing shows (they alone set the format)."""
    if arr.ndim == 0:
        return arr
    if not edgeitems:
        # PyTorch's quirk: a 1-d tensor keeps everything (x[-0:] is all of x),
        # higher dimensions keep nothing.
        return arr if arr.ndim == 1 else arr.reshape(-1)[:0]
    for axis, size in enumerate(arr.shape):
        if size > 2 * edgeitems:
            keep = np.r_[0:edgeitems, size - edgeitems:size]
            arr = np.take(arr, keep, axis=axis)
    return arr


def _vector_str(row: np.ndarray, indent: int, summarize: bool, fmt: _Formatter,
                opts: _PrintOptions) -> str:
    element_length = fmt.width + 2  # ", " between elements
    per_line = max(1, math.floor((opts.linewidth - indent) / element_length))
    e = opts.edgeitems
    if summarize and not e:
        items = ["..."]
    elif summarize and row.shape[0] > 2 * e:
        items = ([fmt.format(v) for v in row[:e].tolist()] + [" ..."]
                 + [fmt.format(v) for v in row[-e:].tolist()])
    else:
        items = [fmt.format(v) for v in row.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(arr: np.ndarray, indent: int, summarize: bool, fmt: _Formatter,
                opts: _PrintOptions) -> str:
    if arr.ndim == 0:
        return fmt.format(arr.item())
    if arr.ndim == 1:
        return _vector_str(arr, indent, summarize, fmt, opts)
    n, e = arr.shape[0], opts.edgeitems
    if summarize and n > 2 * e:
        slices = ([_nested_str(arr[i], indent + 1, summarize, fmt, opts) for i in range(e)]
                  + ["..."]
                  + [_nested_str(arr[i], indent + 1, summarize, fmt, opts) for i in range(n - e, n)])
    else:
        slices = [_nested_str(arr[i], indent + 1, summarize, fmt, opts) for i in range(n)]
    # One blank line between 2-d blocks of a 3-d tensor, two between 3-d blocks ...
    separator = "," + "\n" * (arr.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(slices) + "]"


def _add_suffixes(text: str, suffixes: list[str], indent: int, linewidth: int) -> str:
    parts = [text]
    # PyTorch's measure of the last line (two more than its length when the
    # text has a single line); kept as is so wrapping happens where it does.
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def _device_str(device) -> str | None:
    name = str(device)
    if name == "cpu":
        return None
    if name == "cuda":  # a tensor's device always carries its index
        name = "cuda:0"
    return name


def tensor_repr(values, dtype: DType, *, device="cpu", requires_grad: bool = False,
                grad_fn_name: str | None = None, prefix: str = "tensor(",
                printoptions: Mapping[str, Any] | None = None, tangent: str | None = None) -> str:
    """``repr(tensor)`` exactly as PyTorch prints it.

    ``values`` holds the elements (any shape, 0-d and empty included) and is
    read as ``dtype``; ``grad_fn_name`` (``"PowBackward0"``) takes precedence
    over ``requires_grad``; ``tangent`` is a dual tensor's (forward AD). ``printoptions``
    overrides the module's options for this call, as ``torch.printoptions(**printoptions)`` would.
    """
    opts = _resolve(printoptions)
    arr = np.asarray(values, dtype=dtype.numpy)
    indent = len(prefix)
    default_float = _dtypes.default_float()

    suffixes = []
    device_name = _device_str(device)
    if device_name is not None:
        suffixes.append(f"device='{device_name}'")

    if arr.size == 0:
        # Only a 1-d empty tensor leaves its size implied; the dtype cannot be
        # inferred from no elements, so anything but the default float shows it.
        if arr.ndim != 1:
            suffixes.append("size=" + str(tuple(int(s) for s in arr.shape)))
        if dtype is not default_float:  # (not even the default complex dtype)
            suffixes.append(f"dtype={dtype!r}")
        body = "[]"
    else:
        if not opts.edgeitems:
            suffixes.append("size=" + str(tuple(int(s) for s in arr.shape)))
        if dtype not in (default_float, default_float.to_complex(), _dtypes.int64, _dtypes.bool_):
            suffixes.append(f"dtype={dtype!r}")
        summarize = arr.size > opts.threshold
        shown = _summarized(arr, opts.edgeitems) if summarize else arr
        fmt = _ComplexFormatter(shown, opts.precision, opts.sci_mode) if dtype.is_complex else \
            _Formatter(shown, dtype.is_floating_point, opts.precision, opts.sci_mode)
        body = _nested_str(arr, indent, summarize, fmt, opts)

    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    if tangent is not None:
        suffixes.append(f"tangent={tangent}")

    return _add_suffixes(prefix + body, suffixes, indent, opts.linewidth)
