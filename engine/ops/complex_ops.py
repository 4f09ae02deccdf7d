"""Complex tensors (complex64, complex128): their parts and the ops that make or take them apart (real, imag,
conj, view_as_real, view_as_complex, complex, polar, isreal). The elementwise ops, matmul and the reductions
take complex arrays as they are (NumPy and CuPy compute them).

Their gradients follow torch's convention for complex numbers (the conjugate Wirtinger derivative; see
function.HOLOMORPHIC), so these Functions are COMPLEX_AWARE. torch's conj() is a lazy view with a conjugate bit;
here it is a copy (its values are the same).

Declares WIRE, METHODS and __all__ like the other extension modules.
"""
from __future__ import annotations

from gradwire.common import dtypes as _dt

from ..function import COMPLEX_AWARE, Function
from ..grad_mode import _state as _grad_state
from ..tensor import _new_tensor
from ._util import check_tensor_arg, share_version
from .shape import to_dtype


class Conj(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a):
        return _new_tensor(a.xp.conj(a.array), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return conj(grad)


class RealPart(Function):
    """``z.real`` (a view of the real parts): torch records a select of view_as_real's last dim
    (SelectBackward0). ImagPart is the same for ``z.imag``, whose gradient is i times the real one."""

    array_forward = True
    node_name = "SelectBackward0"
    part = "real"

    @classmethod
    def forward(cls, ctx, a):
        ctx.dtype = a.dtype
        return share_version(a, _new_tensor(getattr(a.array, cls.part), a.dtype.to_real(), a.device))

    @staticmethod
    def backward(ctx, grad):
        return to_dtype(grad, ctx.dtype)


class ImagPart(RealPart):
    node_name = "SelectBackward0"
    part = "imag"

    @staticmethod
    def backward(ctx, grad):
        return to_dtype(grad, ctx.dtype) * 1j


class ViewAsReal(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a):
        xp, arr = a.xp, a.array
        real_dtype = a.dtype.to_real()
        out = xp.ascontiguousarray(arr).view(real_dtype.numpy).reshape(arr.shape + (2,))
        t = _new_tensor(out, real_dtype, a.device)
        return share_version(a, t) if out.base is not None and arr.flags.c_contiguous else t

    @staticmethod
    def backward(ctx, grad):
        return view_as_complex(grad.contiguous())


class ViewAsComplex(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a):
        xp, arr = a.xp, a.array
        return _new_tensor(xp.ascontiguousarray(arr).view(a.dtype.to_complex().numpy).reshape(arr.shape[:-1]),
                           a.dtype.to_complex(), a.device)

    @staticmethod
    def backward(ctx, grad):
        return view_as_real(grad)


class Complex(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, re, im):
        dtype = re.dtype.to_complex()
        return _new_tensor((re.array + 1j * im.array).astype(dtype.numpy), dtype, re.device)

    @staticmethod
    def backward(ctx, grad):
        na, nb = ctx.needs_input_grad
        return (real(grad) if na else None), (imag(grad) if nb else None)


class Polar(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, r, theta):
        xp = r.xp
        dtype = r.dtype.to_complex()
        unit = (xp.cos(theta.array) + 1j * xp.sin(theta.array)).astype(dtype.numpy)
        ctx.save_for_backward(r, theta)
        return _new_tensor((r.array * unit).astype(dtype.numpy), dtype, r.device)

    @staticmethod
    def backward(ctx, grad):
        r, theta = ctx.saved_tensors
        from .creation import ones_like  # noqa: PLC0415
        unit = polar(ones_like(r), theta)
        na, nb = ctx.needs_input_grad
        g_r = real(grad * conj(unit)) if na else None
        g_theta = real(grad * conj(unit * r * 1j)) if nb else None
        return g_r, g_theta


def real(input):
    check_tensor_arg("real", input)
    if not input.dtype.is_complex:
        return input  # a real tensor is its own real part
    return RealPart.apply(input)


def imag(input):
    check_tensor_arg("imag", input)
    if not input.dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return ImagPart.apply(input)


def conj(input):
    check_tensor_arg("conj", input)
    if not input.dtype.is_complex:
        return input
    return Conj.apply(input)


def view_as_real(input):
    check_tensor_arg("view_as_real", input)
    if not input.dtype.is_complex:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return ViewAsReal.apply(input)


def view_as_complex(input):
    check_tensor_arg("view_as_complex", input)
    dtype = input.dtype
    if dtype not in (_dt.float32, _dt.float64):
        raise RuntimeError("view_as_complex is only supported for float and double tensors, but got a tensor of "
                           f"scalar type: {dtype._torch_name}")
    arr = input.array
    if arr.ndim == 0 or arr.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    return ViewAsComplex.apply(input)


def _check_parts(name: str, a, b) -> None:
    """torch.complex / torch.polar: two floating tensors of one dtype."""
    check_tensor_arg(name, a)
    check_tensor_arg(name, b)
    ok = (_dt.float16, _dt.float32, _dt.float64)
    if a.dtype not in ok or b.dtype not in ok:
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got {a.dtype._torch_name} "
                           f"and {b.dtype._torch_name}")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"Expected object of scalar type {a.dtype._torch_name} but got scalar type "
                           f"{b.dtype._torch_name} for second argument")


def complex(real, imag):  # noqa: A001 - torch.complex
    _check_parts("complex", real, imag)
    return Complex.apply(real, imag)


def polar(abs, angle):  # noqa: A002 - torch's names
    _check_parts("polar", abs, angle)
    return Polar.apply(abs, angle)


def isreal(input):
    check_tensor_arg("isreal", input)
    xp = input.xp
    if not input.dtype.is_complex:
        return _new_tensor(xp.ones(input.array.shape, dtype=bool), _dt.bool_, input.device)
    return _new_tensor(input.array.imag == 0, _dt.bool_, input.device)


def _eig_arrays(name: str, A):
    check_tensor_arg(name, A, "A")
    arr = A.array
    if arr.ndim < 2:
        raise RuntimeError(f"{name.replace('_', '.')}: The input tensor A must have at least 2 dimensions.")
    if arr.shape[-1] != arr.shape[-2]:
        raise RuntimeError(f"{name.replace('_', '.')}: A must be batches of square matrices, but they are "
                           f"{arr.shape[-2]} by {arr.shape[-1]} matrices")
    if not (A.dtype.is_floating_point or A.dtype.is_complex) or A.dtype in (_dt.float16, _dt.bfloat16):
        raise RuntimeError(f"{name.replace('_', '.')}: Expected a floating point or complex tensor as input. Got "
                           f"{A.dtype._torch_name}")
    if _grad_state.enabled and A._requires_grad:
        raise NotImplementedError(f"gradwire: the derivative of {name.replace('_', '.')} is not implemented")
    dtype = A.dtype.to_complex()
    w, v = A.xp.linalg.eig(arr)  # LAPACK's geev, as torch's: the same order and normalization
    return w.astype(dtype.numpy), v.astype(dtype.numpy), dtype, A.device


def linalg_eig(A):  # noqa: N803 - torch's name
    w, v, dtype, device = _eig_arrays("linalg_eig", A)
    return _new_tensor(w, dtype, device), _new_tensor(v, dtype, device)


def linalg_eigvals(A):  # noqa: N803
    w, _, dtype, device = _eig_arrays("linalg_eigvals", A)
    return _new_tensor(w, dtype, device)


COMPLEX_AWARE.update({Conj, RealPart, ImagPart, ViewAsReal, ViewAsComplex, Complex, Polar})

WIRE: dict = {"linalg.eig": linalg_eig, "linalg.eigvals": linalg_eigvals, "real": real, "imag": imag, "conj": conj,
              "conj_physical": conj, "resolve_conj": conj, "view_as_real": view_as_real, "view_as_complex": view_as_complex, "complex": complex, "polar": polar,
              "isreal": isreal}
METHODS: dict = {}
__all__: list = ["real", "imag", "conj", "conj_physical", "resolve_conj", "view_as_real", "view_as_complex", "complex",
                 "polar", "isreal"]
conj_physical = resolve_conj = conj
