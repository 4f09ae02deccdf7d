"""torch.fft's transforms on NumPy's (CuPy's) pocketfft: ``fft.<name>`` wire ops, values only.

A real input is promoted to a floating dtype first (an integer tensor transforms as the default float), and
results keep single precision (float32 -> complex64). The transforms' gradients are complex (torch's
FftR2CBackward0 and company): autograd through complex numbers is not built, so an input that requires
grad is refused (complex_ops.refuse_grad).

Declares WIRE, METHODS and __all__ like the other extension modules.
"""
from __future__ import annotations

from gradwire.common import dtypes as _dt
from gradwire.common.shapes import normalize_dim, normalize_dims

from ..tensor import Tensor, _new_tensor
from ._util import check_tensor_arg
from .complex_ops import refuse_grad

_NORMS = (None, "backward", "forward", "ortho")
_ONE_DIM = ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft")
_N_DIM = ("fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn", "rfftn", "irfftn")


def _prepared(name: str, input, norm):
    check_tensor_arg(f"fft_{name}", input)
    refuse_grad(f"fft.{name}", input)
    if norm not in _NORMS:
        raise RuntimeError(f"Invalid normalization mode: \"{norm}\"")
    arr = input.array
    if not (input.dtype.is_floating_point or input.dtype.is_complex) or input.dtype in (_dt.float16, _dt.bfloat16):
        arr = arr.astype(_dt.default_float().numpy if not input.dtype.is_floating_point else _dt.float32.numpy)
    if name.startswith("r") and input.dtype.is_complex:
        raise RuntimeError(f"{name} expects a real input tensor, but got {input.dtype._torch_name}")
    return input.xp, arr


def _wrap(out, device):
    return _new_tensor(out, _dt.from_numpy(out.dtype), device)


def _one_dim(name: str):
    def transform(input, n=None, dim=-1, norm=None):
        xp, arr = _prepared(name, input, norm)
        d = normalize_dim(dim, arr.ndim)
        if n is not None and n < 1:
            raise RuntimeError(f"Invalid number of data points ({n}) specified")
        return _wrap(getattr(xp.fft, name)(arr, n=n, axis=d, norm=norm), input.device)
    transform.__name__ = transform.__qualname__ = name
    return transform


def _n_dim(name: str):
    numpy_name = name[:-1] + "n" if name.endswith("2") else name
    default_dim = (-2, -1) if name.endswith("2") else None

    def transform(input, s=None, dim=default_dim, norm=None):
        xp, arr = _prepared(name, input, norm)
        if dim is None:
            dims = tuple(range(arr.ndim)) if s is None else tuple(range(arr.ndim - len(s), arr.ndim))
        else:
            dims = normalize_dims(dim, arr.ndim)
        if s is not None and len(s) != len(dims):
            raise RuntimeError(f"When given, dim and shape arguments must have the same length")
        return _wrap(getattr(xp.fft, numpy_name)(arr, s=s, axes=dims, norm=norm), input.device)
    transform.__name__ = transform.__qualname__ = name
    return transform


WIRE: dict = {**{f"fft.{n}": _one_dim(n) for n in _ONE_DIM}, **{f"fft.{n}": _n_dim(n) for n in _N_DIM}}
METHODS: dict = {}
__all__: list = []
