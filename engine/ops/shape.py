"""Shape and copy ops: view/reshape, expand, t, transpose, permute, clone, to(dtype), sum_to."""
from __future__ import annotations

from gradwire.common import dtypes as _dt
from gradwire.common.shapes import normalize_dim, numel

from ..function import Function
from ..tensor import Tensor, _new_tensor
from ._util import parse_shape, share_version


def infer_shape(shape: tuple, n: int) -> tuple:
    """Resolves one -1 in ``shape`` for ``n`` elements, with torch's errors."""
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    if neg:
        known = 1
        for s in shape:
            if s != -1:
                known *= s
        if known == 0 or n % known != 0:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {n}")
        shape = tuple(n // known if s == -1 else s for s in shape)
    elif numel(shape) != n:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {n}")
    return shape


class View(Function):
    """view / reshape (ViewBackward0)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, shape, must_view=False):
        arr = a.array
        shape = infer_shape(shape, arr.size)
        ctx.in_shape = arr.shape
        xp = a.xp
        try:
            r = xp.reshape(arr, shape, copy=False)
            shared = True
        except ValueError:
            if must_view:
                raise RuntimeError("view size is not compatible with input tensor's size and stride (at least "
                                   "one dimension spans across two contiguous subspaces). Use .reshape(...) "
                                   "instead.") from None
            r = xp.reshape(arr, shape)
            shared = False
        out = _new_tensor(r, a.dtype, a.device)
        return share_version(a, out) if shared else out

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.in_shape), None, None


class Expand(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a, sizes):
        arr = a.array
        in_shape = arr.shape
        nd = len(in_shape)
        if len(sizes) < nd:
            kind = {"float32": "FloatTensor", "float64": "DoubleTensor", "int64": "LongTensor"}.get(
                a.dtype.name, "Tensor")
            raise RuntimeError(f"expand(torch.{kind}{{{list(in_shape)}}}, size={list(sizes)}): the number of "
                               f"sizes provided ({len(sizes)}) must be greater or equal to the number of "
                               f"dimensions in the tensor ({nd})")
        lead = len(sizes) - nd
        target = []
        for i, s in enumerate(sizes):
            if i < lead:
                if s < 0:
                    raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, "
                                       f"non-existing dimension {i}")
                target.append(s)
                continue
            cur = in_shape[i - lead]
            if s == -1:
                s = cur
            elif cur != 1 and s != cur:
                raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size "
                                   f"({cur}) at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  "
                                   f"Tensor sizes: {list(in_shape)}")
            target.append(s)
        target = tuple(target)
        ctx.in_shape = in_shape
        if target == in_shape:
            out = _new_tensor(arr, a.dtype, a.device)
        else:
            out = _new_tensor(a.xp.broadcast_to(arr, target), a.dtype, a.device)
        return share_version(a, out)

    @staticmethod
    def backward(ctx, grad):
        return sum_to(grad, ctx.in_shape), None


class T(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a):
        arr = a.array
        if arr.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {arr.ndim}D")
        return share_version(a, _new_tensor(arr.T, a.dtype, a.device))

    @staticmethod
    def backward(ctx, grad):
        return grad.t()


class Transpose(Function):
    overload = 0
    op_name = "Transpose"
    array_forward = True

    @staticmethod
    def forward(ctx, a, dim0, dim1):
        arr = a.array
        d0 = normalize_dim(dim0, arr.ndim)
        d1 = normalize_dim(dim1, arr.ndim)
        ctx.dims = (d0, d1)
        r = arr if arr.ndim < 2 else a.xp.swapaxes(arr, d0, d1)
        return share_version(a, _new_tensor(r, a.dtype, a.device))

    @staticmethod
    def backward(ctx, grad):
        d0, d1 = ctx.dims
        return grad.transpose(d0, d1), None, None


class Permute(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a, dims):
        arr = a.array
        dims = tuple(normalize_dim(d, arr.ndim) for d in dims)
        if sorted(dims) != list(range(arr.ndim)):
            raise RuntimeError("permute(sparse_coo): number of dimensions in the tensor input does not match "
                               "the length of the desired ordering of dimensions i.e. input.dim() = "
                               f"{arr.ndim} is not equal to len(dims) = {len(dims)}")
        ctx.dims = dims
        return share_version(a, _new_tensor(a.xp.transpose(arr, dims), a.dtype, a.device))

    @staticmethod
    def backward(ctx, grad):
        dims = ctx.dims
        inv = [0] * len(dims)
        for i, d in enumerate(dims):
            inv[d] = i
        return permute(grad, inv), None


class Clone(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a):
        return _new_tensor(a.xp.array(a.array, copy=True), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return grad


class ToCopy(Function):
    """Conversion to another dtype (ToCopyBackward0)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, dtype):
        ctx.in_dtype = a.dtype
        return _new_tensor(a.array.astype(dtype.numpy), dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return to_dtype(grad, ctx.in_dtype), None


class CopyGrad(Function):
    """The copy torch makes when it stores a first gradient with create_graph=True."""

    node_name = "torch::autograd::CopyBackwards"
    array_forward = True

    @staticmethod
    def forward(ctx, a):
        return _new_tensor(a.xp.array(a.array, copy=True), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return grad


def sum_to(t: Tensor, shape: tuple) -> Tensor:
    """Sums a broadcast gradient back to ``shape`` (differentiably)."""
    tshape = t.array.shape
    if tshape == shape:
        return t
    lead = len(tshape) - len(shape)
    dims = list(range(lead))
    for i, s in enumerate(shape):
        if s == 1 and tshape[lead + i] != 1:
            dims.append(lead + i)
    from .reduce import sum as _sum  # noqa: PLC0415
    r = _sum(t, tuple(dims), True) if dims else t
    if r.array.shape != shape:
        r = reshape(r, shape)
    return r


# ---- functional forms ------------------------------------------------------------

def view(input, *shape):
    return View.apply(input, parse_shape(shape), True)


def reshape(input, *shape):
    return View.apply(input, parse_shape(shape), False)


def expand(input, *sizes):
    return Expand.apply(input, parse_shape(sizes))


def t(input):
    return T.apply(input)


def transpose(input, dim0, dim1):
    return Transpose.apply(input, dim0, dim1)


def permute(input, *dims):
    return Permute.apply(input, parse_shape(dims))


def permute_reverse(input):
    nd = input.array.ndim
    if nd <= 2:
        return T.apply(input)
    return Permute.apply(input, tuple(range(nd - 1, -1, -1)))


def clone(input):
    return Clone.apply(input)


def to_dtype(input, dtype):
    if isinstance(dtype, str):
        dtype = _dt.from_name(dtype)
    if dtype is input.dtype:
        return input
    return ToCopy.apply(input, dtype)


def detach(input):
    return input.detach()
