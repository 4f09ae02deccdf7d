"""torch.fft: the transforms run on the server (engine/ops/fft_ops.py, which says which are differentiable);
the frequency helpers and the shifts are made here from other ops."""
from __future__ import annotations

import numpy as np

from . import _dispatch
from .common import dtypes

__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn",
           "rfftn", "irfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]


def _one_dim(name: str):
    def transform(input, n=None, dim=-1, norm=None, *, out=None):
        result = _dispatch.call(f"fft.{name}", input, n, dim, norm)
        return result if out is None else out.copy_(result)
    transform.__name__ = transform.__qualname__ = name
    transform.__module__ = "torch._C._fft"
    return transform


def _n_dim(name: str):
    default_dim = (-2, -1) if name.endswith("2") else None

    def transform(input, s=None, dim=default_dim, norm=None, *, out=None):
        s = None if s is None else tuple(s)
        dim = dim if dim is None or isinstance(dim, int) else tuple(dim)
        result = _dispatch.call(f"fft.{name}", input, s, dim, norm)
        return result if out is None else out.copy_(result)
    transform.__name__ = transform.__qualname__ = name
    transform.__module__ = "torch._C._fft"
    return transform


for _name in ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft"):
    globals()[_name] = _one_dim(_name)
for _name in ("fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn", "rfftn", "irfftn"):
    globals()[_name] = _n_dim(_name)
del _name


def _frequencies(values, dtype, device, requires_grad):
    from ._creation import tensor  # noqa: PLC0415
    return tensor(values.tolist(), dtype=dtype or dtypes.default_float(), device=device, requires_grad=requires_grad)


def fftfreq(n, d=1.0, *, dtype=None, layout=None, device=None, requires_grad=False):
    return _frequencies(np.fft.fftfreq(n, d), dtype, device, requires_grad)


def rfftfreq(n, d=1.0, *, dtype=None, layout=None, device=None, requires_grad=False):
    return _frequencies(np.fft.rfftfreq(n, d), dtype, device, requires_grad)


def _shift(input, dim, sign: int):
    dims = list(range(input.dim())) if dim is None else ([dim] if isinstance(dim, int) else list(dim))
    shape = input.shape
    shifts = [sign * (shape[d] // 2) if sign > 0 else -(shape[d] // 2) for d in dims]
    return input.roll(shifts, dims)


def fftshift(input, dim=None):
    return _shift(input, dim, 1)


def ifftshift(input, dim=None):
    return _shift(input, dim, -1)
