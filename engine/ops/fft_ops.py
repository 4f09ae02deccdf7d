"""torch.fft's transforms on NumPy's (CuPy's) pocketfft: ``fft.<name>`` wire ops.

A real input is promoted to a floating dtype first (an integer tensor transforms as the default float), and
results keep single precision (float32 -> complex64). Gradients (torch's FftC2CBackward0, FftR2CBackward0):
the complex-to-complex transforms and the real-to-complex ones over their whole length (no ``n``/``s``); a DFT
matrix is symmetric, so each one's real formula is the same transform of the gradient (the real-to-complex
one's zero-padded back to the full spectrum), run between conjugations as function.HOLOMORPHIC does; the
complex-to-real ones (irfft, irfftn) over whole lengths with torch's formula (FftC2RBackward0). hfft/ihfft, and
``n``/``s`` with an input that requires grad, raise NotImplementedError.

Declares WIRE, METHODS and __all__ like the other extension modules.
"""
from __future__ import annotations

from gradwire.common import dtypes as _dt
from gradwire.common.shapes import normalize_dim, normalize_dims

from ..function import COMPLEX_AWARE, HOLOMORPHIC, Function
from ..grad_mode import _state as _grad_state
from ..tensor import Tensor, _new_tensor
from ._util import check_tensor_arg

_NORMS = (None, "backward", "forward", "ortho")
_OTHER_NORM = {None: "forward", "backward": "forward", "forward": "backward", "ortho": "ortho"}
_ONE_DIM = ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft")
_N_DIM = ("fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn", "rfftn", "irfftn")


def _prepared(name: str, input, norm):
    check_tensor_arg(f"fft_{name}", input)
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


class FftC2C(Function):
    """fft/ifft/fftn/ifftn over whole lengths: F x, F symmetric, so the real formula of its gradient is F g."""

    array_forward = True

    @staticmethod
    def forward(ctx, x, numpy_name, dims, norm):
        ctx.spec = (numpy_name, dims, norm)
        return _run(x, numpy_name, dims, norm)

    @staticmethod
    def backward(ctx, grad):
        numpy_name, dims, norm = ctx.spec
        return FftC2C.apply(grad, numpy_name, dims, norm), None, None, None


class FftR2C(Function):
    """rfft/rfftn over whole lengths: the first n//2 + 1 bins of F x along the last dim; the real formula of the
    gradient is F applied to the gradient padded with zeros back to n bins (the real input takes its real part)."""

    array_forward = True

    @staticmethod
    def forward(ctx, x, numpy_name, dims, norm):
        ctx.spec = (numpy_name, dims, norm, x.array.shape[dims[-1]])
        return _run(x, numpy_name, dims, norm)

    @staticmethod
    def backward(ctx, grad):
        numpy_name, dims, norm, n = ctx.spec
        from .shape import cat  # noqa: PLC0415
        from .creation import zeros  # noqa: PLC0415
        last = dims[-1]
        missing = n - grad.array.shape[last]
        if missing:
            shape = list(grad.array.shape)
            shape[last] = missing
            grad = cat([grad, zeros(*shape, dtype=grad.dtype, device=grad.device)], last)
        full = "fft" if numpy_name == "rfft" else "fftn"
        return FftC2C.apply(grad, full, dims, norm), None, None, None


class FftC2CFromReal(FftC2C):
    """fft/ifft/fftn of a real input: the same transform, recorded as torch records it (FftR2CBackward0)."""

    node_name = "FftR2CBackward0"


class FftC2R(FftC2C):
    """irfft/irfftn over whole lengths (n = 2 * (bins - 1) along the last dim): torch's gradient, the transform
    backwards (rfft with the forward's scaling) with the bins that stand for two (1 .. n - bins) doubled; it is
    the gradient in torch's convention already (COMPLEX_AWARE), and a real input takes its real part."""

    @staticmethod
    def backward(ctx, grad):
        numpy_name, dims, norm = ctx.spec
        g = FftR2C.apply(grad, "rfft" if numpy_name == "irfft" else "rfftn", dims, _OTHER_NORM[norm])
        last = dims[-1]
        n, bins = grad.array.shape[last], g.array.shape[last]
        if n > bins:
            xp = g.xp
            weight = xp.ones(bins, dtype=grad.array.dtype)
            weight[1:n - bins + 1] = 2
            shape = [1] * g.array.ndim
            shape[last] = bins
            g = g * _new_tensor(weight.reshape(shape), grad.dtype, grad.device)
        return g, None, None, None


HOLOMORPHIC.update({FftC2C, FftR2C, FftC2CFromReal})
COMPLEX_AWARE.add(FftC2R)


def _run(x, numpy_name, dims, norm):
    xp, arr = x.xp, x.array
    if numpy_name in ("fft", "ifft", "rfft", "irfft"):
        out = getattr(xp.fft, numpy_name)(arr, axis=dims[0], norm=norm)
    else:
        out = getattr(xp.fft, numpy_name)(arr, axes=dims, norm=norm)
    return _wrap(out, x.device)


def _differentiable(input, name: str, sized) -> bool:
    """Whether the transform is recorded: its input requires grad (with grad mode on)."""
    if not (_grad_state.enabled and type(input) is Tensor and input._requires_grad):
        return False
    if sized is not None or name.startswith(("hfft", "ihfft")):
        raise NotImplementedError(f"gradwire: the derivative of fft.{name} with these arguments is not implemented")
    return True


def _one_dim(name: str):
    def transform(input, n=None, dim=-1, norm=None):
        if n is not None and type(input) is Tensor and input.array.ndim:  # n that is the whole length: no resizing
            length = input.array.shape[normalize_dim(dim, input.array.ndim)]
            n = None if n == (2 * (length - 1) if name in ("irfft", "hfft") else length) else n
        grad = _differentiable(input, name, n)
        xp, arr = _prepared(name, input, norm)
        d = normalize_dim(dim, arr.ndim)
        if n is not None and n < 1:
            raise RuntimeError(f"Invalid number of data points ({n}) specified")
        if grad:
            x = _floating(input, arr)
            if name == "irfft":
                return FftC2R.apply(x, name, (d,), norm)
            if name == "rfft" or input.dtype.is_complex:
                return (FftR2C if name == "rfft" else FftC2C).apply(x, name, (d,), norm)
            if name == "fft":
                return FftC2CFromReal.apply(x, name, (d,), norm)
            # ifft of a real input, as torch: the conjugate of its forward transform (normalized the other way)
            from .complex_ops import conj  # noqa: PLC0415
            return conj(FftC2CFromReal.apply(x, "fft", (d,), _OTHER_NORM[norm]))
        return _wrap(getattr(xp.fft, name)(arr, n=n, axis=d, norm=norm), input.device)
    transform.__name__ = transform.__qualname__ = name
    return transform


def _n_dim(name: str):
    numpy_name = name[:-1] + "n" if name.endswith("2") else name
    default_dim = (-2, -1) if name.endswith("2") else None

    def transform(input, s=None, dim=default_dim, norm=None):
        grad = _differentiable(input, name, s)
        xp, arr = _prepared(name, input, norm)
        if dim is None:
            dims = tuple(range(arr.ndim)) if s is None else tuple(range(arr.ndim - len(s), arr.ndim))
        else:
            dims = normalize_dims(dim, arr.ndim)
        if s is not None and len(s) != len(dims):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
        if grad:
            cls = FftR2C if numpy_name == "rfftn" else FftC2R if numpy_name == "irfftn" else FftC2C
            return cls.apply(_floating(input, arr), numpy_name, tuple(dims), norm)
        return _wrap(getattr(xp.fft, numpy_name)(arr, s=s, axes=dims, norm=norm), input.device)
    transform.__name__ = transform.__qualname__ = name
    return transform


def _floating(input, arr):
    """``input``, or (an integer or half input) its promoted copy, recorded as a cast."""
    return input if arr is input.array else input.to(_dt.from_numpy(arr.dtype))


WIRE: dict = {**{f"fft.{n}": _one_dim(n) for n in _ONE_DIM}, **{f"fft.{n}": _n_dim(n) for n in _N_DIM}}
METHODS: dict = {}
__all__: list = []
