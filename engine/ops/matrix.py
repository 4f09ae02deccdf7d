"""Matrix structure ops: diagonal, diag, diag_embed, trace, cross, kron, einsum.

diagonal / diag_embed / trace are Functions named as torch names their nodes;
kron and einsum are compositions of differentiable ops (reshape, permute,
mul, sum, matmul), so their gradients and double backward come from those.

Declares WIRE, METHODS and __all__; engine/ops/__init__.py installs them.
"""
from __future__ import annotations

from gradwire.common.dtypes import int64
from gradwire.common.einsum import parse_einsum
from gradwire.common.shapes import broadcast_shapes, normalize_dim

from ..function import Function
from ..tensor import Tensor, _new_tensor
from ._util import check_tensor_arg, share_version
from .shape import UnsafeView, sum_to


# ---- diagonal / diag_embed ------------------------------------------------------------------

def _diag_positions(xp, n1, n2, offset):
    """Row and column indices of the diagonal ``offset`` of an n1 x n2 matrix."""
    if offset >= 0:
        length = max(min(n1, n2 - offset), 0)
        rows = xp.arange(length)
        return rows, rows + offset
    length = max(min(n1 + offset, n2), 0)
    cols = xp.arange(length)
    return cols - offset, cols


def _diagonal_array(xp, arr, offset, d1, d2):
    moved = xp.moveaxis(arr, (d1, d2), (-2, -1))
    r, c = _diag_positions(xp, moved.shape[-2], moved.shape[-1], offset)
    return moved[..., r, c]


def _embed_array(xp, g, in_shape, offset, d1, d2, dtype):
    """Zeros of ``in_shape`` with ``g`` (diagonal last) written on the diagonal (offset, d1, d2)."""
    nd = len(in_shape)
    rest = [s for i, s in enumerate(in_shape) if i not in (d1, d2)]
    z = xp.zeros(tuple(rest) + (in_shape[d1], in_shape[d2]), dtype=dtype)
    r, c = _diag_positions(xp, in_shape[d1], in_shape[d2], offset)
    z[..., r, c] = g
    return xp.moveaxis(z, (nd - 2, nd - 1), (d1, d2))


def _diagonal_view(xp, arr, offset, d1, d2):
    """The diagonal (as the last dim) as a writable view of ``arr``'s memory: torch's diagonal is a view
    (numpy's is read-only)."""
    moved = xp.moveaxis(arr, (d1, d2), (-2, -1))
    n1, n2 = moved.shape[-2:]
    length = max(min(n1, n2 - offset), 0) if offset >= 0 else max(min(n1 + offset, n2), 0)
    if length == 0:
        first = moved[..., :0, :0]
    else:
        first = moved[..., :, offset:] if offset >= 0 else moved[..., -offset:, :]
    return xp.lib.stride_tricks.as_strided(first, moved.shape[:-2] + (length,),
                                           moved.strides[:-2] + (moved.strides[-2] + moved.strides[-1],))


class Diagonal(Function):
    """``diagonal(input, offset, dim1, dim2)`` (DiagonalBackward0): the diagonal as the last dim, a view."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, offset, d1, d2):
        ctx.args = (a.array.shape, offset, d1, d2)
        return share_version(a, _new_tensor(_diagonal_view(a.xp, a.array, offset, d1, d2), a.dtype, a.device))

    @staticmethod
    def backward(ctx, grad):
        return DiagonalEmbedGrad.apply(grad, *ctx.args), None, None, None


class DiagonalCopy(Diagonal):
    """``diag`` of a matrix: a copy, and torch records the copy variant of the node."""

    node_name = "DiagonalBackward0_copy"

    @staticmethod
    def forward(ctx, a, offset, d1, d2):
        ctx.args = (a.array.shape, offset, d1, d2)
        return _new_tensor(_diagonal_array(a.xp, a.array, offset, d1, d2).copy(), a.dtype, a.device)


class DiagonalEmbedGrad(Function):
    """The gradient of ``diagonal``: zeros with the gradient on the diagonal (differentiable: diagonal)."""

    node_name = "DiagonalBackwardBackward0"
    array_forward = True

    @staticmethod
    def forward(ctx, g, in_shape, offset, d1, d2):
        ctx.args = (offset, d1, d2)
        z = _embed_array(g.xp, g.array, in_shape, offset, d1, d2, g.dtype.numpy)
        return _new_tensor(z, g.dtype, g.device)

    @staticmethod
    def backward(ctx, gg):
        return Diagonal.apply(gg, *ctx.args), None, None, None, None


def diagonal(input, offset=0, dim1=0, dim2=1):
    check_tensor_arg("diagonal", input)
    nd = input.array.ndim
    d1, d2 = normalize_dim(dim1, nd), normalize_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(input, int(offset), d1, d2)


class DiagEmbed(Function):
    """``diag_embed`` / ``diag`` of a vector (DiagEmbedBackward0)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, offset, d1, d2):
        arr = a.array
        n = arr.shape[-1] + abs(offset)
        nd = arr.ndim + 1
        out_shape = [0] * nd
        rest = iter(arr.shape[:-1])
        for i in range(nd):
            out_shape[i] = n if i in (d1, d2) else next(rest)
        ctx.args = (offset, d1, d2)
        return _new_tensor(_embed_array(a.xp, arr, tuple(out_shape), offset, d1, d2, arr.dtype), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return Diagonal.apply(grad, *ctx.args), None, None, None


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    check_tensor_arg("diag_embed", input)
    nd = input.array.ndim + 1
    d1, d2 = normalize_dim(dim1, nd), normalize_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return DiagEmbed.apply(input, int(offset), d1, d2)


def diag(input, diagonal=0):
    check_tensor_arg("diag", input)
    nd = input.array.ndim
    if nd == 1:
        return DiagEmbed.apply(input, int(diagonal), 0, 1)
    if nd == 2:
        return DiagonalCopy.apply(input, int(diagonal), 0, 1)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D")


class Trace(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a):
        arr = a.array
        ctx.shape = arr.shape
        dtype = a.dtype if a.dtype.is_floating_point or a.dtype.is_complex else int64
        return _new_tensor(a.xp.asarray(a.xp.trace(arr), dtype=dtype.numpy), dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        xp = grad.xp
        eye = _new_tensor(xp.eye(*ctx.shape, dtype=grad.dtype.numpy), grad.dtype, grad.device)
        return grad.expand(ctx.shape) * eye


def trace(input):
    check_tensor_arg("trace", input)
    if input.array.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.array.ndim}")
    return Trace.apply(input)


# ---- cross / kron ----------------------------------------------------------------------------

class LinalgCross(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a, b, dim):
        xp = a.xp
        shape = broadcast_shapes(a.array.shape, b.array.shape)
        av, bv = xp.broadcast_to(a.array, shape), xp.broadcast_to(b.array, shape)
        ctx.a, ctx.b, ctx.dim = a, b, dim
        return _new_tensor(xp.cross(av, bv, axis=dim).astype(a.dtype.numpy, copy=False), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        na, nb, _ = ctx.needs_input_grad
        ga = sum_to(LinalgCross.apply(ctx.b, grad, ctx.dim), ctx.a.array.shape) if na else None
        gb = sum_to(LinalgCross.apply(grad, ctx.a, ctx.dim), ctx.b.array.shape) if nb else None
        return ga, gb, None


def _cross(name, input, other, dim):
    check_tensor_arg(name, input)
    check_tensor_arg(name, other, "other", 2)
    if input.array.ndim != other.array.ndim:
        raise RuntimeError(f"{name}: inputs must have the same number of dimensions.")
    shape = broadcast_shapes(input.array.shape, other.array.shape)
    d = normalize_dim(dim, len(shape))
    if input.array.shape[d] != 3 or other.array.shape[d] != 3:
        raise RuntimeError(f"{name}: inputs dimension {d} must have length 3. Got {input.array.shape[d]} and "
                           f"{other.array.shape[d]}")
    if input.dtype is not other.dtype:
        from .shape import to_dtype  # noqa: PLC0415
        from gradwire.common.dtypes import promote_types  # noqa: PLC0415
        dt = promote_types(input.dtype, other.dtype)
        input, other = to_dtype(input, dt), to_dtype(other, dt)
    return LinalgCross.apply(input, other, d)


def cross(input, other, dim=None):
    if dim is None:
        check_tensor_arg("cross", input)
        shape = broadcast_shapes(input.array.shape, other.array.shape)
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return _cross("linalg.cross", input, other, dim)


def linalg_cross(input, other, *, dim=-1):
    return _cross("linalg.cross", input, other, dim)


def kron(input, other):
    check_tensor_arg("kron", input)
    check_tensor_arg("kron", other, "other", 2)
    nd = max(input.array.ndim, other.array.ndim)
    a = input.reshape((1,) * (nd - input.array.ndim) + tuple(input.array.shape))
    b = other.reshape((1,) * (nd - other.array.ndim) + tuple(other.array.shape))
    # interleave: a's dims at even positions, b's at odd ones, then merge each pair
    a2 = a.reshape(tuple(x for s in a.array.shape for x in (s, 1)))
    b2 = b.reshape(tuple(x for s in b.array.shape for x in (1, s)))
    prod = a2 * b2
    out_shape = tuple(sa * sb for sa, sb in zip(a.array.shape, b.array.shape))
    return UnsafeView.apply(prod, out_shape)


# ---- einsum ------------------------------------------------------------------------------

def _take_diagonals(op, term):
    """An operand with repeated subscripts (``ii``) reduced to one dim per subscript."""
    while True:
        dup = next((ch for ch in term if term.count(ch) > 1), None)
        if dup is None:
            return op, term
        i = term.index(dup)
        j = term.index(dup, i + 1)
        op = diagonal(op, 0, i, j)
        term = "".join(ch for k, ch in enumerate(term) if k not in (i, j)) + dup


def _permute_to(op, term, order):
    perm = [term.index(ch) for ch in order]
    return op.permute(*perm) if perm != list(range(len(perm))) else op


def einsum(equation, *operands):
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for i, op in enumerate(operands):
        check_tensor_arg("einsum", op, "tensors", 2)
    subs, out, sizes = parse_einsum(equation, [op.array.shape for op in operands])
    ops = []
    for op, term in zip(operands, subs):
        op, term = _take_diagonals(op, term)
        ops.append((op, term))
    from .reduce import sum as _sum  # noqa: PLC0415
    from .linalg import matmul  # noqa: PLC0415

    def needed_later(k):
        keep = set(out)
        for _, t in ops[k:]:
            keep.update(t)
        return keep

    def sum_out(op, term, keep):
        drop = [i for i, ch in enumerate(term) if ch not in keep]
        if drop:
            op = _sum(op, tuple(drop))
            term = "".join(ch for ch in term if ch in keep)
        return op, term

    op, term = sum_out(*ops[0], needed_later(1))
    for k in range(1, len(ops)):
        other, oterm = ops[k]
        keep = needed_later(k + 1)
        other, oterm = sum_out(other, oterm, keep | set(term))
        op, term = sum_out(op, term, keep | set(oterm))
        batch = [ch for ch in term if ch in oterm and ch in keep]
        contract = [ch for ch in term if ch in oterm and ch not in keep]
        a_only = [ch for ch in term if ch not in oterm]
        b_only = [ch for ch in oterm if ch not in term]
        a = _permute_to(op, term, batch + a_only + contract)
        b = _permute_to(other, oterm, batch + contract + b_only)
        bs = tuple(sizes[ch] for ch in batch)
        a = a.expand(*(bs + tuple(a.array.shape[len(batch):]))) if tuple(a.array.shape[:len(batch)]) != bs else a
        b = b.expand(*(bs + tuple(b.array.shape[len(batch):]))) if tuple(b.array.shape[:len(batch)]) != bs else b
        asz = tuple(a.array.shape[len(batch):len(batch) + len(a_only)])
        bsz = tuple(b.array.shape[len(batch) + len(contract):])
        csz = 1
        for ch in contract:
            csz *= sizes[ch]
        na, nb = 1, 1
        for s in asz:
            na *= s
        for s in bsz:
            nb *= s
        if contract:
            r = matmul(a.reshape(bs + (na, csz)), b.reshape(bs + (csz, nb)))
        else:
            r = a.reshape(bs + (na, 1)) * b.reshape(bs + (1, nb))
        op = r.reshape(bs + asz + bsz)
        term = "".join(batch + a_only + b_only)
    op, term = sum_out(op, term, set(out))
    return _permute_to(op, term, out)


# ---- registration tables ----------------------------------------------------------------------

WIRE: dict = {"diagonal": diagonal, "diag": diag, "diag_embed": diag_embed, "trace": trace, "cross": cross,
              "linalg.cross": linalg_cross, "kron": kron, "einsum": einsum}
METHODS: dict = {"diagonal": diagonal, "diag": diag, "diag_embed": diag_embed, "trace": trace, "cross": cross,
                 "kron": kron}
__all__: list = ["diagonal", "diag", "diag_embed", "trace", "cross", "kron", "einsum"]
