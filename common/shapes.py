"""Shape rules with PyTorch's error texts: broadcasting, dims, reductions, matmul.

Shared by the client (which infers output shapes without a round trip and
raises shape errors at the user's call site) and the engine.
"""
from __future__ import annotations

from typing import Iterable, Sequence

Shape = tuple[int, ...]


def broadcast_shapes(*shapes: Sequence[int]) -> Shape:
    """The broadcast of shapes, or PyTorch's RuntimeError naming tensor a and b.

    Like torch, the shapes are folded left to right (tensor a: the broadcast so far, tensor b: the next
    shape) and dims are compared from the last one backwards, so the error names the rightmost mismatch.
    """
    out = tuple(shapes[0])
    for b in shapes[1:]:
        b = tuple(b)
        if b == out:
            continue
        ndim = max(len(out), len(b))
        a2 = (1,) * (ndim - len(out)) + out
        b2 = (1,) * (ndim - len(b)) + b
        for j in range(ndim - 1, -1, -1):
            if a2[j] != b2[j] and a2[j] != 1 and b2[j] != 1:
                raise RuntimeError(f"The size of tensor a ({a2[j]}) must match the size of tensor b ({b2[j]}) "
                                   f"at non-singleton dimension {j}")
        out = tuple(y if x == 1 else x for x, y in zip(a2, b2))
    return out


def infer_view_shape(shape: Sequence[int], n: int) -> Shape:
    """A view shape with at most one -1 resolved, with torch's errors."""
    shape = tuple(int(s) for s in shape)
    unknown = [i for i, s in enumerate(shape) if s == -1]
    if len(unknown) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for i, s in enumerate(shape):
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {list(shape)}")
            known *= s
    if unknown:
        if known == 0 and n == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                               f"unspecified dimension size -1 can be any value and is ambiguous")
        if known == 0 or n % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {n}")
        shape = shape[:unknown[0]] + (n // known,) + shape[unknown[0] + 1:]
    elif known != n:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {n}")
    return shape


def normalize_dim(dim: int, ndim: int) -> int:
    """A dim in [0, ndim), with PyTorch's IndexError for one out of range."""
    if not isinstance(dim, int):
        raise TypeError(f"dim must be an int, not {type(dim).__name__}")
    size = max(ndim, 1)  # a 0-dim tensor accepts dims -1 and 0
    if dim < -size or dim >= size:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-size}, {size - 1}], but got {dim})"
        )
    return dim % size


def dim_of(method: str, dim, ndim: int) -> int:
    """The ``dim`` of ``size(dim)``/``stride(dim)`` in [0, ndim), with torch's errors: unlike
    other dim arguments, a 0-dim tensor has none."""
    if not isinstance(dim, int):
        raise TypeError(f"{method}(): argument 'dim' (position 1) must be int, not {type(dim).__name__}")
    if ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return normalize_dim(dim, ndim)


def contiguous_strides(shape: Sequence[int]) -> Shape:
    """torch's strides, in elements, of a row-major tensor of ``shape`` (a dimension of size 0
    steps as if it had size 1)."""
    strides = []
    step = 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def normalize_dims(dim, ndim: int) -> tuple[int, ...]:
    """Reduction dims as a sorted tuple; None or () means every dim."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    out = []
    for d in dims:
        d = normalize_dim(d, ndim)
        if d in out:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        out.append(d)
    return tuple(sorted(out))


def pool_out_len(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """A pooling window count along one dim, as torch's pooling_output_shape: with ceil_mode a
    last, partial window counts if it starts inside the input or its left padding."""
    span = n + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


_PAD_COMBINATIONS = ("Supported combinations for non-constant padding:\n"
                     "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
                     "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
                     "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def padded_shape(shape: Sequence[int], pads: Sequence[int], mode: str) -> Shape:
    """F.pad's output shape for the reflect/replicate/circular modes, with torch's checks and texts."""
    nd, k = len(shape), len(pads) // 2
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if not (k in (1, 2, 3) and nd in (k + 1, k + 2)):
        raise NotImplementedError(f"Padding size {len(pads)} is not supported for {nd}D input tensor.\n"
                                  + _PAD_COMBINATIONS)
    out = list(shape)
    for i in range(k):
        lo, hi, n = pads[2 * i], pads[2 * i + 1], shape[nd - 1 - i]
        if lo < 0 or hi < 0:
            raise NotImplementedError(f"F.pad: negative padding with mode='{mode}' is not supported by gradwire")
        if mode == "reflect" and not (lo < n and hi < n):
            raise RuntimeError(f"Argument #{4 + 2 * i}: Padding size should be less than the corresponding input "
                               f"dimension, but got: padding ({lo}, {hi}) at dimension {nd - 1 - i} of input "
                               f"[{', '.join(map(str, shape))}]")
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        out[nd - 1 - i] = n + lo + hi
    return tuple(out)


def rot90_args(k, dims, ndim: int) -> tuple[int, int, int]:
    """torch.rot90's (k mod 4, dim0, dim1), with its checks in its order and its texts."""
    if isinstance(k, bool) or not isinstance(k, int):
        raise TypeError(f"rot90(): argument 'k' (position 2) must be int, not {type(k).__name__}")
    if not isinstance(dims, (tuple, list)) or any(isinstance(d, bool) or not isinstance(d, int) for d in dims):
        raise TypeError(f"rot90(): argument 'dims' (position 3) must be tuple of ints, not {type(dims).__name__}")
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {ndim}")
    d0, d1 = dims
    if d0 == d1 or abs(d0 - d1) == ndim:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    return k % 4, normalize_dim(d0, ndim), normalize_dim(d1, ndim)


def rot90_shape(shape: Sequence[int], k: int, d0: int, d1: int) -> Shape:
    """The shape of rot90's result: dim0 and dim1 swap for an odd number of quarter turns."""
    out = list(shape)
    if k % 2:
        out[d0], out[d1] = out[d1], out[d0]
    return tuple(out)


def expanded_shape(shape: Sequence[int], sizes: Sequence[int], type_name: str) -> Shape:
    """``x.expand(*sizes)``'s shape (-1 keeps a dim), with torch's errors, checked from the last dim as torch
    checks; ``type_name`` is how torch names x's type in the first one (``torch.FloatTensor``)."""
    shape, sizes = tuple(shape), tuple(sizes)
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand({type_name}{{{list(shape)}}}, size={list(sizes)}): the number of sizes provided "
                           f"({len(sizes)}) must be greater or equal to the number of dimensions in the tensor "
                           f"({len(shape)})")
    out = list(sizes)
    lead = len(sizes) - len(shape)
    for i in range(len(sizes) - 1, -1, -1):
        target = sizes[i]
        if i < lead:
            if target < 0:
                raise RuntimeError(f"The expanded size of the tensor ({target}) isn't allowed in a leading, "
                                   f"non-existing dimension {i}")
            continue
        size = shape[i - lead]
        if target == -1:
            out[i] = size
        elif size != 1 and size != target:
            raise RuntimeError(f"The expanded size of the tensor ({target}) must match the existing size ({size}) at "
                               f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                               f"{list(shape)}")
    return tuple(out)


def reduced_shape(shape: Sequence[int], dims: Iterable[int], keepdim: bool) -> Shape:
    dims = set(dims)
    if keepdim:
        return tuple(1 if i in dims else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in dims)


def numel(shape: Sequence[int]) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _dims_text(shape: Sequence[int]) -> str:
    return "x".join(str(s) for s in shape)


H_OF_A_SCALAR = ("Tensor.H is deprecated on 0-D tensors. Consider using x.conj(). (Triggered internally at "
                 "/__w/pytorch/pytorch/aten/src/ATen/native/TensorShape.cpp:4335.)")


T_WARNINGS = ("Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases. (Triggered "
              "internally at /__w/pytorch/pytorch/aten/src/ATen/native/TensorShape.cpp:4321.)",
              "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated and it will "
              "throw an error in a future release. Consider `x.mT` to transpose batches of matrices or "
              "`x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor. (Triggered "
              "internally at /__w/pytorch/pytorch/aten/src/ATen/native/TensorShape.cpp:4314.)")  # [0-d, > 2-d]


def check_matrix_transpose(attr: str, ndim: int) -> None:
    """torch's errors for ``.mT``/``.mH`` (matrices or batches of them) and ``.H`` (matrices; a 0-d
    tensor is its own ``.H``, with a warning, which the caller gives)."""
    if attr == "H":
        if ndim not in (0, 2):
            hint = " For batches of matrices, consider using tensor.mH" if ndim > 2 else ""
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {ndim}-D tensor.{hint}")
    elif ndim < 2:
        raise RuntimeError(f"tensor.{attr} is only supported on matrices or batches of matrices. Got {ndim}-D tensor.")


def sum_to_size_dims(shape: Sequence[int], size: Sequence[int]) -> tuple[tuple[int, ...], bool]:
    """What ``Tensor.sum_to_size(size)`` sums, as torch does: the dims to sum keeping them, and
    whether leading dims are among them (a view to ``size`` follows); torch's error when ``size``
    does not expand to ``shape``."""
    n, m = len(shape), len(size)
    if m > n or any(s != 1 and s != shape[n - m + i] for i, s in enumerate(size)):
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.")
    lead = n - m
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size) if s == 1 and shape[lead + i] != 1)
    return dims, lead > 0


def mv_shape(mat: Sequence[int], vec: Sequence[int]) -> Shape:
    """``mv(mat, vec)``'s result shape, with torch's errors (it checks as addmv does)."""
    if len(mat) != 2 or len(vec) != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {len(mat)}, {len(vec)}")
    if mat[1] != vec[0]:
        raise RuntimeError(f"size mismatch, got input ({mat[0]}), mat ({mat[0]}x{mat[1]}), vec ({vec[0]})")
    return (mat[0],)


def mv_dtypes_message(mat: str, vec: str) -> str:
    return f"addmv input tensors must have the same dtype, but got {vec}, {mat}, and {vec}"


def matmul_shape(a: Sequence[int], b: Sequence[int]) -> Shape:
    """torch.matmul's output shape, with its errors for every rank case."""
    a, b = tuple(a), tuple(b)
    if len(a) == 0 or len(b) == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {len(a)}D and {len(b)}D"
        )
    if len(a) == 1 and len(b) == 1:
        if a[0] != b[0]:
            raise RuntimeError(
                f"inconsistent tensor size, expected tensor [{a[0]}] and src [{b[0]}] to have the same "
                f"number of elements, but got {a[0]} and {b[0]} elements respectively"
            )
        return ()
    if len(a) == 2 and len(b) == 1:
        if a[1] != b[0]:
            raise RuntimeError(f"size mismatch, got input ({a[0]}), mat ({_dims_text(a)}), vec ({b[0]})")
        return (a[0],)
    if len(a) == 1 and len(b) == 2:
        if a[0] != b[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied (1x{a[0]} and {_dims_text(b)})")
        return (b[1],)
    if len(a) == 2 and len(b) == 2:
        if a[1] != b[0]:
            raise RuntimeError(
                f"mat1 and mat2 shapes cannot be multiplied ({_dims_text(a)} and {_dims_text(b)})"
            )
        return (a[0], b[1])
    # Batched: broadcast the batch dims, 1-D operands get a dim prepended/appended.
    a2 = (1,) + a if len(a) == 1 else a
    b2 = b + (1,) if len(b) == 1 else b
    if a2[-1] != b2[-2]:
        if len(b) == 1:  # torch folds the batch into the rows: a matrix-vector product
            raise RuntimeError(f"size mismatch, got input ({numel(a[:-1])}), mat ({numel(a[:-1])}x{a[-1]}), "
                               f"vec ({b[0]})")
        if len(a) >= 3 and len(b) >= 3 or len(b) >= 3:
            raise RuntimeError(
                f"Expected size for first two dimensions of batch2 tensor to be: "
                f"[{numel(broadcast_shapes(a2[:-2], b2[:-2]))}, {a2[-1]}] but got: "
                f"[{numel(broadcast_shapes(a2[:-2], b2[:-2]))}, {b2[-2]}]."
            )
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({numel(a2[:-1])}x{a2[-1]} and {_dims_text(b2)})"
        )
    batch = broadcast_shapes(a2[:-2], b2[:-2])
    out = batch + (a2[-2], b2[-1])
    if len(a) == 1:
        out = out[:-2] + out[-1:]
    if len(b) == 1:
        out = out[:-1]
    return out


class Size(tuple):
    """torch.Size: a tuple of ints that prints as ``torch.Size([2, 3])``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"torch.Size([{', '.join(str(s) for s in self)}])"

    __str__ = __repr__

    def __getitem__(self, index):
        out = tuple.__getitem__(self, index)
        return Size(out) if isinstance(index, slice) else out

    def __add__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(self, other))

    def __radd__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(other, self))

    def __mul__(self, n):
        return Size(tuple.__mul__(self, n))

    __rmul__ = __mul__

    def numel(self) -> int:
        return numel(self)

    def __reduce__(self):
        return (_size_of, (tuple(self),))  # (the class prints as torch.Size: pickle must not look it up)


_INT64_RANGE = range(-2 ** 63, 2 ** 63)


def check_nested(data, floating: bool) -> None:
    """torch.tensor's errors for nested lists that do not make a tensor: the shape is read down the first
    elements; every list must then have that length, every leaf must be a number (or a one-element
    tensor), and a Python int must fit int64 unless the tensor is to be ``floating``."""
    sizes = []
    x = data
    while isinstance(x, (list, tuple)):
        sizes.append(len(x))
        if not x:
            break
        x = x[0]

    def visit(x, dim):
        if dim == len(sizes):
            if isinstance(x, (list, tuple)):
                raise TypeError(f"must be real number, not {type(x).__name__}" if floating
                                else f"'{type(x).__name__}' object cannot be interpreted as an integer")
            numel = getattr(x, "numel", None)
            if numel is not None and numel() != 1:  # a tensor among the elements: its one value
                raise (ValueError("only one element tensors can be converted to Python scalars")
                       if x.dtype.is_floating_point else
                       TypeError("only integer tensors of a single element can be converted to an index"))
            if type(x) is int and not floating and x not in _INT64_RANGE:
                raise ValueError("Overflow when unpacking long long")
            return
        if not isinstance(x, (list, tuple)):
            raise TypeError("not a sequence")
        if len(x) != sizes[dim]:
            raise ValueError(f"expected sequence of length {sizes[dim]} at dim {dim} (got {len(x)})")
        for item in x:
            visit(item, dim + 1)

    visit(data, 0)


def _size_of(items: tuple) -> Size:
    return Size(items)


Size.__module__ = "torch"  # type(x.shape): <class 'torch.Size'>
