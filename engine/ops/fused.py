"""Fused arithmetic: lerp, addmm/addmv/addr/baddbmm/addbmm, addcmul, addcdiv (one node each, named as torch names them).

Declares WIRE, METHODS and __all__; engine/ops/__init__.py installs them.
"""
from __future__ import annotations

from gradwire.common import dtypes as _dt
from gradwire.common.shapes import broadcast_shapes

from ..function import Function
from ..tensor import Tensor, _new_tensor
from ._util import check_tensor_arg, not_implemented, same_device
from .inplace import _unary_

# torch's C++ scalar names and type names, for the dtype errors
_C_NAME = _dt.CPP_NAMES


def _operand_dtypes(*operands):
    return _dt.result_type(*((t.dtype, t.array.ndim) for t in operands))


def _as(t: Tensor, dtype) -> object:
    arr = t.array
    return arr if arr.dtype == dtype.numpy else arr.astype(dtype.numpy)


# ---- lerp ------------------------------------------------------------------------------------

class Lerp(Function):
    """start + weight * (end - start), weight a number (LerpBackward0) or a tensor (LerpBackward1)."""

    array_forward = True
    _abstract = True

    @classmethod
    def forward(cls, ctx, start, end, weight):
        xp = start.xp
        w = weight.array if type(weight) is Tensor else weight
        ctx.save_for_backward(start, end, weight if type(weight) is Tensor else None)
        ctx.weight = None if type(weight) is Tensor else weight
        r = start.array + w * (end.array - start.array)
        return _new_tensor(xp.asarray(r, dtype=start.dtype.numpy), start.dtype, start.device)

    @staticmethod
    def backward(ctx, grad):
        start, end, weight = ctx.saved_tensors
        w = weight if weight is not None else ctx.weight
        n = ctx.needs_input_grad
        gs = grad * (1 - w) if n[0] else None
        ge = grad * w if n[1] else None
        gw = grad * (end - start) if len(n) > 2 and n[2] and weight is not None else None
        return gs, ge, gw


class Lerp0(Lerp):
    node_name = "LerpBackward0"


class Lerp1(Lerp):
    node_name = "LerpBackward1"


def lerp(input, end, weight):
    check_tensor_arg("lerp", input)
    check_tensor_arg("lerp", end, "end", 2)
    for name, t in (("end", end), ("weight", weight)):
        if type(t) is Tensor and t.dtype is not input.dtype:
            raise RuntimeError(f"expected dtype {_C_NAME[input.dtype.name]} for `{name}` but got dtype "
                               f"{_C_NAME[t.dtype.name]}")
    shapes = [input.array.shape, end.array.shape] + ([weight.array.shape] if type(weight) is Tensor else [])
    broadcast_shapes(*shapes)
    if not input.dtype.is_floating_point:
        raise not_implemented("lerp_kernel_tensor" if type(weight) is Tensor else "lerp_kernel_scalar", input.dtype)
    if type(weight) is Tensor:
        same_device(input, end, weight)
        return Lerp1.apply(input, end, weight)
    same_device(input, end)
    return Lerp0.apply(input, end, float(weight))


# ---- addmm and its family: beta * input + alpha * (a <product> b) ---------------------------------

class _AddProduct(Function):
    """beta * input + alpha * product(a, b), one node named as torch names each (AddmmBackward0 ...).

    Each subclass gives the product on arrays and its two vector-Jacobian products with
    differentiable Tensor ops (so double backward works); input is broadcast to the product.
    """

    array_forward = True
    _abstract = True

    @classmethod
    def forward(cls, ctx, input, a, b, beta, alpha):
        ctx.save_for_backward(a, b)
        ctx.beta, ctx.alpha = beta, alpha
        xp = a.xp
        prod = cls.product(xp, a.array, b.array)
        if alpha != 1:
            prod = prod * alpha
        r = prod if beta == 0 else prod + (input.array if beta == 1 else input.array * beta)
        return _new_tensor(xp.asarray(xp.broadcast_to(r, prod.shape), dtype=a.dtype.numpy).copy(), a.dtype,
                           a.device)

    @classmethod
    def backward(cls, ctx, grad):
        a, b = ctx.saved_tensors
        n = ctx.needs_input_grad
        gi = (grad if ctx.beta == 1 else grad * ctx.beta) if n[0] else None
        g = grad if ctx.alpha == 1 else grad * ctx.alpha
        ga, gb = cls.product_grads(g, a, b, n[1], n[2])
        return gi, ga, gb, None, None


class Addmm(_AddProduct):
    @staticmethod
    def product(xp, a, b):
        return a @ b

    @staticmethod
    def product_grads(g, a, b, na, nb):
        return (g.matmul(b.t()) if na else None), (a.t().matmul(g) if nb else None)


class Addmv(_AddProduct):
    @staticmethod
    def product(xp, a, b):
        return a @ b

    @staticmethod
    def product_grads(g, a, b, na, nb):
        return (g.outer(b) if na else None), (a.t().mv(g) if nb else None)


class Addr(_AddProduct):
    @staticmethod
    def product(xp, a, b):
        return xp.multiply.outer(a, b)

    @staticmethod
    def product_grads(g, a, b, na, nb):
        return (g.mv(b) if na else None), (g.t().mv(a) if nb else None)


class Baddbmm(_AddProduct):
    @staticmethod
    def product(xp, a, b):
        return xp.matmul(a, b)

    @staticmethod
    def product_grads(g, a, b, na, nb):
        return (g.bmm(b.transpose(1, 2)) if na else None), (a.transpose(1, 2).bmm(g) if nb else None)


class Addbmm(_AddProduct):
    @staticmethod
    def product(xp, a, b):
        return xp.matmul(a, b).sum(0)

    @staticmethod
    def product_grads(g, a, b, na, nb):
        gb_ = g.expand(a.array.shape[0], *g.array.shape)
        return (gb_.bmm(b.transpose(1, 2)) if na else None), (a.transpose(1, 2).bmm(gb_) if nb else None)


def _add_product_args(op, input, a, b, names):
    check_tensor_arg(op, input)
    check_tensor_arg(op, a, names[0], 2)
    check_tensor_arg(op, b, names[1], 3)
    same_device(input, a, b)


def check_mat_dtypes(mat1, mat2) -> None:
    """addmm's (and linear's) dtype check of the two matrices, after that of self (bias) and mat2."""
    if mat1.dtype is not mat2.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {mat1.dtype._torch_name} and "
                           f"{mat2.dtype._torch_name}")


def _same_dtypes(input, a, b) -> None:
    for m in (a, b):
        if m.dtype is not input.dtype:
            raise RuntimeError(f"self and mat2 must have the same dtype, but got {input.dtype._torch_name} and "
                               f"{m.dtype._torch_name}")


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    _add_product_args("addmm", input, mat1, mat2, ("mat1", "mat2"))
    for name, m in (("mat1", mat1), ("mat2", mat2)):
        if m.array.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {m.array.ndim}-D tensor")
    (n, k), (k2, p) = mat1.array.shape, mat2.array.shape
    if k != k2:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({n}x{k} and {k2}x{p})")
    _same_dtypes(input, mat2, mat2)
    check_mat_dtypes(mat1, mat2)
    _expand_check(input.array.shape, (n, p))
    return Addmm.apply(input, mat1, mat2, beta, alpha)


def addmv(input, mat, vec, *, beta=1, alpha=1):
    _add_product_args("addmv", input, mat, vec, ("mat", "vec"))
    nd = (mat.array.ndim, vec.array.ndim, input.array.ndim)
    if nd[0] != 2 or nd[1] != 1 or nd[2] > 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {nd[2]}, {nd[0]}, {nd[1]}")
    (n, k), (k2,) = mat.array.shape, vec.array.shape
    if k != k2 or input.array.shape not in ((), (1,), (n,)):
        raise RuntimeError(f"size mismatch, got input ({'x'.join(map(str, input.array.shape)) or ''}), "
                           f"mat ({n}x{k}), vec ({k2})")
    if not (input.dtype is mat.dtype is vec.dtype):
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {input.dtype._torch_name}, "
                           f"{mat.dtype._torch_name}, and {vec.dtype._torch_name}")
    return Addmv.apply(input, mat, vec, beta, alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1):
    _add_product_args("addr", input, vec1, vec2, ("vec1", "vec2"))
    for name, v in (("vec1", vec1), ("vec2", vec2)):
        if v.array.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {v.array.ndim}-D")
    _expand_check(input.array.shape, (vec1.array.shape[0], vec2.array.shape[0]))
    _same_dtypes(input, vec1, vec2)
    return Addr.apply(input, vec1, vec2, beta, alpha)


def _batch_shapes(op, batch1, batch2):
    for t in (batch1, batch2):
        if t.array.ndim != 3:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{t.array.ndim}, "
                             f"{t.array.ndim - 1}], but got 2)")
    (bs, n, k), (bs2, k2, p) = batch1.array.shape, batch2.array.shape
    if op == "baddbmm" and (bs2, k2) != (bs, k):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{bs}, {k}] but got: "
                           f"[{bs2}, {k2}].")
    if op == "addbmm" and (bs2 != bs or k2 != k):
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({n}x{k} and {k2}x{p})")
    return bs, n, p


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    _add_product_args("baddbmm", input, batch1, batch2, ("batch1", "batch2"))
    _expand_check(input.array.shape, _batch_shapes("baddbmm", batch1, batch2))
    _same_dtypes(input, batch1, batch2)
    return Baddbmm.apply(input, batch1, batch2, beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    _add_product_args("addbmm", input, batch1, batch2, ("batch1", "batch2"))
    _expand_check(input.array.shape, _batch_shapes("addbmm", batch1, batch2)[1:])
    _same_dtypes(input, batch1, batch2)
    return Addbmm.apply(input, batch1, batch2, beta, alpha)


def _expand_check(shape, target) -> None:
    """torch's error when ``shape`` does not broadcast to ``target``."""
    if len(shape) > len(target):
        raise RuntimeError(f"expand: the number of sizes provided ({len(target)}) must be greater or equal to "
                           f"the number of dimensions in the tensor ({len(shape)})")
    for i in range(1, len(shape) + 1):
        if shape[-i] != 1 and shape[-i] != target[-i]:
            raise RuntimeError(f"The expanded size of the tensor ({target[-i]}) must match the existing size "
                               f"({shape[-i]}) at non-singleton dimension {len(target) - i}.  Target sizes: "
                               f"{list(target)}.  Tensor sizes: {list(shape)}")


# ---- addcmul / addcdiv -------------------------------------------------------------------------

class _Addc(Function):
    """input + value * (tensor1 <op> tensor2), in the dtype the three promote to."""

    array_forward = True
    _abstract = True

    @classmethod
    def forward(cls, ctx, input, t1, t2, value):
        dtype = _operand_dtypes(input, t1, t2)
        ctx.save_for_backward(t1, t2)
        ctx.value = value
        r = _as(input, dtype) + value * cls.combine(_as(t1, dtype), _as(t2, dtype))
        return _new_tensor(input.xp.asarray(r, dtype=dtype.numpy), dtype, input.device)


class Addcmul(_Addc):
    """input + value * tensor1 * tensor2 (AddcmulBackward0)."""

    @staticmethod
    def combine(a, b):
        return a * b

    @staticmethod
    def backward(ctx, grad):
        t1, t2 = ctx.saved_tensors
        n = ctx.needs_input_grad
        g = grad * ctx.value if ctx.value != 1 else grad
        return (grad if n[0] else None), (g * t2 if n[1] else None), (g * t1 if n[2] else None), None


class Addcdiv(_Addc):
    """input + value * tensor1 / tensor2 (AddcdivBackward0)."""

    @staticmethod
    def combine(a, b):
        return a / b

    @staticmethod
    def backward(ctx, grad):
        t1, t2 = ctx.saved_tensors
        n = ctx.needs_input_grad
        g = grad * ctx.value if ctx.value != 1 else grad
        g1 = g / t2 if n[1] else None
        g2 = -g * t1 / (t2 * t2) if n[2] else None
        return (grad if n[0] else None), g1, g2, None


def _addc_args(op, input, tensor1, tensor2):
    check_tensor_arg(op, input)
    check_tensor_arg(op, tensor1, "tensor1", 2)
    check_tensor_arg(op, tensor2, "tensor2", 3)
    broadcast_shapes(input.array.shape, tensor1.array.shape, tensor2.array.shape)
    same_device(input, tensor1, tensor2)


def addcmul(input, tensor1, tensor2, *, value=1):
    _addc_args("addcmul", input, tensor1, tensor2)
    return Addcmul.apply(input, tensor1, tensor2, value)


def addcdiv(input, tensor1, tensor2, *, value=1):
    _addc_args("addcdiv", input, tensor1, tensor2)
    if not (tensor1.dtype.is_floating_point or tensor1.dtype.is_complex or tensor2.dtype.is_floating_point
            or tensor2.dtype.is_complex):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform "
            "a true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as "
            "(input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as "
            "(input + value * tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter "
            "implementation: (input + value * tensor1 / tensor2), for all dtypes.")
    return Addcdiv.apply(input, tensor1, tensor2, value)


__all__: list = ["lerp", "addmm", "addmv", "addr", "baddbmm", "addbmm", "addcmul", "addcdiv"]
WIRE: dict = {"lerp": lerp, "addmm": addmm, "addmv": addmv, "addr": addr, "baddbmm": baddbmm, "addbmm": addbmm,
              "addcmul": addcmul, "addcdiv": addcdiv,
              # in place: the op written into self (its node is the op's, as in torch)
              **{name + "_": _unary_(name) for name in ("lerp", "addmm", "addmv", "addr", "baddbmm", "addbmm",
                                                        "addcmul", "addcdiv", "sgn")}}
METHODS: dict = dict(WIRE)
