"""matmul in every rank combination; node names as torch records them.

torch.matmul dispatches on ranks and its graph's top node shows that:
1-D.1-D DotBackward0, 2-D.1-D MvBackward0, 2-D.2-D MmBackward0, 1-D.2-D
SqueezeBackward4, 2-D.(>=3-D) CloneBackward0, other batched cases
UnsafeViewBackward0.  One forward/backward serves them all; each case is a
subclass that only names itself.
"""
from __future__ import annotations

from gradwire.common.dtypes import matmul_dtype_message
from gradwire.common.shapes import matmul_shape, mv_dtypes_message, mv_shape

from .. import observe as _observe
from ..function import Function, backward_mode as _bw
from ..tensor import Tensor
from ._util import same_device, wrap, wrap_grad
from .shape import sum_to



def _mT(x: Tensor) -> Tensor:
    return x.t() if x.array.ndim == 2 else x.transpose(-2, -1)


class Matmul(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a, b):
        same_device(a, b)
        xp = a.xp
        ctx.save_for_backward(a, b)
        return wrap(xp, xp.matmul(a.array, b.array), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        a_nd, b_nd = a.array.ndim, b.array.ndim
        a2 = a if a_nd > 1 else a.reshape(1, -1)
        b2 = b if b_nd > 1 else b.reshape(-1, 1)
        out2 = matmul_shape(a2.array.shape, b2.array.shape)
        g2 = grad if grad.array.shape == out2 else grad.reshape(out2)
        ga = gb = None
        if na:
            ga = sum_to(matmul(g2, _mT(b2)), a2.array.shape)
            if a_nd == 1:
                ga = ga.reshape(a.array.shape)
        if nb:
            gb = sum_to(matmul(_mT(a2), g2), b2.array.shape)
            if b_nd == 1:
                gb = gb.reshape(b.array.shape)
        return ga, gb


class Dot(Matmul):
    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        return (grad * b if na else None), (grad * a if nb else None)


class Vdot(Dot):
    """vdot: dot with the first argument conjugated; for real tensors the same (VdotBackward0)."""


class Mv(Matmul):
    pass


class Mm(Matmul):
    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        if _bw.arrays:
            xp = grad.xp
            ga = grad.array
            return ((wrap_grad(xp, xp.matmul(ga, b.array.T), grad.dtype, grad.device) if na else None),
                    (wrap_grad(xp, xp.matmul(a.array.T, ga), grad.dtype, grad.device) if nb else None))
        return (mm(grad, b.t()) if na else None), (mm(a.t(), grad) if nb else None)


class MatmulVecMat(Matmul):
    node_name = "SqueezeBackward4"


class MatmulMatBatched(Matmul):
    node_name = "CloneBackward0"


class MatmulBatched(Matmul):
    node_name = "UnsafeViewBackward0"


def _check_dtypes(a: Tensor, b: Tensor) -> None:
    if a.dtype is not b.dtype:
        raise RuntimeError(matmul_dtype_message(a.dtype, a.array.ndim, b.dtype, b.array.ndim))


def _cls_for(an: int, bn: int):
    if an == 1:
        return Dot if bn == 1 else (MatmulVecMat if bn == 2 else MatmulBatched)
    if an == 2:
        return Mv if bn == 1 else (Mm if bn == 2 else MatmulMatBatched)
    return MatmulBatched


def matmul(input, other):
    if type(input) is not Tensor or type(other) is not Tensor:
        bad = other if type(input) is Tensor else input
        raise TypeError(f"matmul(): argument 'other' (position 2) must be Tensor, not {type(bad).__name__}")
    matmul_shape(input.array.shape, other.array.shape)  # torch's shape errors
    _check_dtypes(input, other)
    if input.dtype.name == "bool":
        raise RuntimeError("\"addmm_impl_cpu_\" not implemented for 'Bool'")
    return _cls_for(input.array.ndim, other.array.ndim).apply(input, other)


def mm(input, mat2):
    _check_pair("mm", input, mat2, "mat2")
    if input.array.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.array.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return _as_kernel(matmul, input, mat2)


def _as_kernel(op, *args):
    """``op`` called for its kernel (torch.mm, torch.dot): the profiler shows the kernel's row alone."""
    if _observe.watch.observer is None:
        return op(*args)
    _observe.watch.kernel_only = True
    try:
        return op(*args)
    finally:
        _observe.watch.kernel_only = False


class Bmm(Matmul):
    """Matmul's forward on 3-d operands (checked by ``bmm``), with the batched backward."""

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        return (bmm(grad, b.transpose(1, 2)) if na else None), (bmm(a.transpose(1, 2), grad) if nb else None)


def _check_pair(name, input, other, second="other"):
    if type(input) is not Tensor:
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if type(other) is not Tensor:
        raise TypeError(f"{name}(): argument '{second}' (position 2) must be Tensor, not {type(other).__name__}")


def bmm(input, mat2):
    _check_pair("bmm", input, mat2, "mat2")
    sa, sb = input.array.shape, mat2.array.shape
    if len(sa) != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if len(sb) != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if sb[0] != sa[0] or sb[1] != sa[2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{sa[0]}, {sa[2]}] but "
                           f"got: [{sb[0]}, {sb[1]}].")
    if input.dtype is not mat2.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype._torch_name} but found {mat2.dtype._torch_name}")
    return Bmm.apply(input, mat2)


def dot(input, tensor):
    _check_pair("dot", input, tensor, "tensor")
    na, nb = input.array.ndim, tensor.array.ndim
    if na != 1 or nb != 1:
        raise RuntimeError(f"1D tensors expected, but got {na}D and {nb}D tensors")
    return _as_kernel(matmul, input, tensor)


def vdot(input, other):
    _check_pair("vdot", input, other, "other")
    na, nb = input.array.ndim, other.array.ndim
    if na != 1 or nb != 1:
        raise RuntimeError(f"1D tensors expected, but got {na}D and {nb}D tensors")
    n, m = input.array.shape[0], other.array.shape[0]
    if n != m:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same number "
                           f"of elements, but got {n} and {m} elements respectively")
    _check_dtypes(input, other)
    if input.dtype.is_complex:  # the first vector conjugated
        from .complex_ops import conj  # noqa: PLC0415
        input = conj(input)
    return Vdot.apply(input, other)


def mv(input, vec):
    """``mv(mat, vec)``: MvBackward0, with torch's (addmv's) checks."""
    _check_pair("mv", input, vec, "vec")
    mv_shape(input.array.shape, vec.array.shape)
    if input.dtype is not vec.dtype:
        raise RuntimeError(mv_dtypes_message(input.dtype._torch_name, vec.dtype._torch_name))
    return Mv.apply(input, vec)


def outer(input, vec2):
    """outer product: torch computes it as ``input.reshape(-1, 1) * vec2`` (node MulBackward0)."""
    _check_pair("outer", input, vec2, "vec2")
    if input.array.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {input.array.ndim}-D")
    if vec2.array.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument vec2, but got {vec2.array.ndim}-D")
    from .arith import mul  # noqa: PLC0415
    return mul(input.reshape(-1, 1), vec2)


ger = outer
