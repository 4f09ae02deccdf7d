"""Shape and copy ops: view/reshape, expand, t, transpose, permute, clone, to(dtype), sum_to;
flatten, squeeze/unsqueeze, repeat, cat/stack, split/chunk, flip, tril/triu, contiguous, and the
basic-indexing views (select, slice, alias) that ``__getitem__`` chains like torch does.
"""
from __future__ import annotations

from gradwire.common import dtypes as _dt
from gradwire.common import memory_formats
from gradwire.common import shapes as _shapes
from gradwire.common.shapes import normalize_dim, numel, rot90_args

from ..function import Function, backward_mode as _bw
from .. import backend
from ..tensor import Tensor, _new_tensor, _owned_grad
from ._util import cast, multi_view, parse_shape, pass_grad, same_device, share_version


def infer_shape(shape: tuple, n: int) -> tuple:
    """Resolves one -1 in ``shape`` for ``n`` elements, with torch's errors."""
    return _shapes.infer_view_shape(shape, n)


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
        if _bw.arrays:
            return pass_grad(grad, grad.xp.reshape(grad.array, ctx.in_shape)), None, None
        return grad.reshape(ctx.in_shape), None, None


class UnsafeView(View):
    """reshape of a tensor no view can express: a copy (UnsafeViewBackward0)."""

    node_name = "UnsafeViewBackward0"


def _writable_broadcast(xp, arr, target):
    """``arr`` broadcast to ``target``: a view that may be written like torch's expanded tensors (numpy's own
    broadcast is read-only; which writes are allowed is inplace.check_writable's rule)."""
    view = xp.broadcast_to(arr, target)
    if not getattr(view.flags, "writeable", True) and getattr(arr.flags, "writeable", False):
        view = xp.lib.stride_tricks.as_strided(arr, view.shape, view.strides)
    return view


class Expand(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a, sizes):
        arr = a.array
        in_shape = arr.shape
        # torch names the type as its legacy tensor class, except bool's
        kind = "CPUBoolType" if a.dtype is _dt.bool_ else f"torch.{a.dtype._torch_name}Tensor"
        target = _shapes.expanded_shape(in_shape, sizes, kind)
        ctx.in_shape = in_shape
        if target == in_shape:
            out = _new_tensor(arr, a.dtype, a.device)
        else:
            out = _new_tensor(_writable_broadcast(a.xp, arr, target), a.dtype, a.device)
        return share_version(a, out)

    @staticmethod
    def backward(ctx, grad):
        if _bw.arrays:
            return sum_to_grad(grad, ctx.in_shape), None
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
        if _bw.arrays:
            return pass_grad(grad, grad.array.T)
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
        if _bw.arrays:
            ga = grad.array
            return pass_grad(grad, ga if ga.ndim < 2 else grad.xp.swapaxes(ga, d0, d1)), None, None
        return grad.transpose(d0, d1), None, None


class Permute(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a, dims):
        arr = a.array
        dims = tuple(normalize_dim(d, arr.ndim) for d in dims)
        if len(dims) == arr.ndim and len(set(dims)) != len(dims):
            raise RuntimeError("permute(): duplicate dims are not allowed.")
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
        arr = a.array
        # torch keeps the layout of a dense input; an expanded one (stride 0) comes back contiguous
        order = "C" if 0 in arr.strides else "K"
        return _new_tensor(a.xp.array(arr, copy=True, order=order), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return grad


class ToCopy(Function):
    """Conversion to another dtype and/or device (ToCopyBackward0): the gradient goes back to the
    input's dtype and device."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, dtype, device=None):
        ctx.in_dtype = a.dtype
        ctx.in_device = a.device
        arr = a.array
        if device is not None and device != a.device:
            arr = backend.transfer(arr, a.device, device)
            if arr.dtype != dtype.numpy:
                arr = cast(arr, dtype.numpy)
            return _new_tensor(arr, dtype, device)
        return _new_tensor(cast(arr, dtype.numpy), dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        if grad.device != ctx.in_device:
            return to_copy(grad, ctx.in_dtype, ctx.in_device), None, None
        return to_dtype(grad, ctx.in_dtype), None, None


class CopyGrad(Function):
    """The copy torch makes when it stores a first gradient with create_graph=True."""

    node_name = "torch::autograd::CopyBackwards"
    array_forward = True

    @staticmethod
    def forward(ctx, a):
        arr = a.array
        # torch keeps the layout of a dense input; an expanded one (stride 0) comes back contiguous
        order = "C" if 0 in arr.strides else "K"
        return _new_tensor(a.xp.array(arr, copy=True, order=order), a.dtype, a.device)

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


def sum_to_grad(g: Tensor, shape: tuple) -> Tensor:
    """``sum_to`` for backward formulas when no graph of the backward is built: the same sums on arrays.

    Only the backward engine and backward formulas call it: the sum it returns is new memory, which
    the gradient owns (a leaf may adopt it without a copy).
    """
    ga = g.array
    tshape = ga.shape
    if tshape == shape or not g.dtype.is_floating_point:
        return sum_to(g, shape)
    lead = len(tshape) - len(shape)
    dims = list(range(lead))
    for i, s in enumerate(shape):
        if s == 1 and tshape[lead + i] != 1:
            dims.append(lead + i)
    if not dims:
        return sum_to(g, shape)
    r = g.xp.sum(ga, axis=tuple(dims), keepdims=True)
    if r.shape != shape:
        r = r.reshape(shape)
    return _owned_grad(r, g.dtype, g.device)


# ---- functional forms ------------------------------------------------------------

def view(input, *shape):
    return View.apply(input, parse_shape(shape), True)


def reshape(input, *shape):
    shape = parse_shape(shape)
    arr = input.array
    if not arr.flags.c_contiguous:
        # torch copies (clone + _unsafe_view) where no view exists: node UnsafeViewBackward0
        try:
            input.xp.reshape(arr, infer_shape(shape, arr.size), copy=False)
        except ValueError:
            return UnsafeView.apply(input, shape, False)
    return View.apply(input, shape, False)


def expand(input, *sizes):
    return Expand.apply(input, parse_shape(sizes))


def t(input):
    return T.apply(input)


def transpose(input, dim0, dim1):
    return Transpose.apply(input, dim0, dim1)


def permute(input, *dims):
    return Permute.apply(input, parse_shape(dims))


def permute_reverse(input):
    """``.T``: a permute at every rank (PermuteBackward0, as torch records it; ``t()`` is TBackward0)."""
    return Permute.apply(input, tuple(range(input.array.ndim - 1, -1, -1)))


def clone(input, memory_format=None):
    """Tensor.clone: the layout kept (preserve_format, the default), or the given format's."""
    name = "preserve_format" if memory_format is None else memory_formats.name_of(memory_format)
    if name == "preserve_format":
        return Clone.apply(input)
    return Contiguous.apply(input, memory_formats.dims_in_memory_order(name, input.array.ndim))


def to_dtype(input, dtype):
    if isinstance(dtype, str):
        dtype = _dt.from_name(dtype)
    if dtype is input.dtype:
        return input
    return ToCopy.apply(input, dtype)


def to_copy(input, dtype=None, device=None, copy=False):
    """``input`` as ``dtype`` on ``device`` (None: keep); ``input`` itself when nothing changes and
    ``copy`` is false, like torch's Tensor.to."""
    if isinstance(dtype, str):
        dtype = _dt.from_name(dtype)
    dtype = dtype or input.dtype
    device = input.device if device is None else backend.normalize_device(device)
    if dtype is input.dtype and device == input.device and not copy:
        return input
    if device != input.device:
        backend.array_module(device)  # CUDA_UNAVAILABLE / invalid ordinal before any work
    return ToCopy.apply(input, dtype, device)


def detach(input, own_version: bool = False):
    """``own_version``: ``.data``, which shares the memory but not the version counter (torch)."""
    t = input.detach()
    if own_version:
        t._vc = None
    return t


# ---- more shape ops ----------------------------------------------------------------------

def _check_tensor(name: str, x, pos: int = 1, arg: str = "input") -> None:
    if type(x) is not Tensor:
        raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not {type(x).__name__}")


def _int_arg(name: str, arg: str, v) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        try:
            return v.__index__()
        except AttributeError:
            raise TypeError(f"{name}(): argument '{arg}' must be int, not {type(v).__name__}") from None
    return v


def flatten(input, start_dim=0, end_dim=-1):
    _check_tensor("flatten", input)
    shape = input.array.shape
    nd = len(shape)
    s = normalize_dim(_int_arg("flatten", "start_dim", start_dim), nd)
    e = normalize_dim(_int_arg("flatten", "end_dim", end_dim), nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if nd == 0:
        return reshape(input, (1,))
    if s == e:
        return input  # torch returns the input itself
    new = shape[:s] + (numel(shape[s:e + 1]),) + shape[e + 1:]
    return reshape(input, new)


class Squeeze(Function):
    """squeeze() of every size-1 dim (SqueezeBackward0); overload 1: one dim; 2: a tuple of dims."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, dims):
        arr = a.array
        ctx.in_shape = arr.shape
        drop = tuple(d for d in dims if arr.shape[d] == 1) if arr.ndim else ()  # a 0-d tensor: dim 0 or -1
        r = arr.reshape(tuple(s for i, s in enumerate(arr.shape) if i not in drop)) if drop else arr
        return share_version(a, _new_tensor(r, a.dtype, a.device))

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.in_shape), None


class SqueezeDim(Squeeze):
    op_name = "Squeeze"
    overload = 1


class SqueezeDims(Squeeze):
    op_name = "Squeeze"
    overload = 2


def squeeze_form(input, dim, forms, name="squeeze"):
    """The Function of ``forms`` (all dims, one dim, a tuple of dims) that ``squeeze(input, dim)`` is,
    and the dims it squeezes (those of size 1 among them)."""
    _check_tensor(name, input)
    nd = input.array.ndim
    if dim is None:
        return forms[0], tuple(range(nd))
    if isinstance(dim, (tuple, list)):
        return forms[2], tuple(normalize_dim(_int_arg(name, "dim", d), nd) for d in dim)
    return forms[1], (normalize_dim(_int_arg(name, "dim", dim), nd),)


def squeeze(input, dim=None):
    fn, dims = squeeze_form(input, dim, (Squeeze, SqueezeDim, SqueezeDims))
    return fn.apply(input, dims)


class Unsqueeze(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a, dim):
        arr = a.array
        ctx.dim = dim
        r = arr.reshape(arr.shape[:dim] + (1,) + arr.shape[dim:])
        return share_version(a, _new_tensor(r, a.dtype, a.device))

    @staticmethod
    def backward(ctx, grad):
        return squeeze(grad, ctx.dim), None


def unsqueeze(input, dim):
    _check_tensor("unsqueeze", input)
    return Unsqueeze.apply(input, normalize_dim(_int_arg("unsqueeze", "dim", dim), input.array.ndim + 1))


# The in-place forms (transpose_, t_, squeeze_, unsqueeze_: ops/inplace.py) record overloads of their own.

class TransposeInplace(Transpose):
    op_name = "Transpose"
    overload = 1


class TInplace(T):
    op_name = "T"
    overload = 1


class SqueezeInplace(Squeeze):
    """squeeze_() (SqueezeBackward3); squeeze_(dim) 4; squeeze_(dims) 5."""

    op_name = "Squeeze"
    overload = 3


class SqueezeDimInplace(Squeeze):
    op_name = "Squeeze"
    overload = 4


class SqueezeDimsInplace(Squeeze):
    op_name = "Squeeze"
    overload = 5


class UnsqueezeInplace(Unsqueeze):
    op_name = "Unsqueeze"
    overload = 1


class Repeat(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a, reps):
        arr = a.array
        nd = arr.ndim
        if len(reps) < nd:
            raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions "
                               "of tensor")
        padded = (1,) * (len(reps) - nd) + arr.shape
        target = tuple(p * r for p, r in zip(padded, reps))
        for s in target:
            if s < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(target)}")
        ctx.padded = padded
        ctx.reps = reps
        ctx.in_shape = arr.shape
        return _new_tensor(a.xp.tile(arr.reshape(padded), reps), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        padded, reps = ctx.padded, ctx.reps
        split = []
        for r, p in zip(reps, padded):
            split += [r, p]
        g = grad.reshape(split)
        g = g.sum(tuple(range(0, len(split), 2)))
        return g.reshape(ctx.in_shape), None


def repeat(input, *sizes):
    _check_tensor("repeat", input)
    return Repeat.apply(input, parse_shape(sizes))


def _tensor_list(name: str, tensors) -> tuple:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (tuple, list)):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        f"{type(tensors).__name__}")
    for t_ in tensors:
        if type(t_) is not Tensor:
            raise TypeError(f"expected Tensor as element {list(tensors).index(t_)} in argument 0, but got "
                            f"{type(t_).__name__}")
    return tuple(tensors)


class Cat(Function):
    """cat(tensors, dim): called as Cat.apply(*tensors, dim, ndim) so each tensor is an input (CatBackward0)."""

    array_forward = True

    @staticmethod
    def forward(ctx, *args):
        tensors, dim, nd = args[:-2], args[-2], args[-1]
        dtype = tensors[0].dtype
        for t_ in tensors[1:]:
            if t_.dtype is not dtype:
                dtype = _dt.promote_types(dtype, t_.dtype)
        npdt = dtype.numpy
        arrays = [t_.array if t_.array.dtype == npdt else t_.array.astype(npdt) for t_ in tensors]
        # torch's legacy rule: 1-D empty tensors are skipped when the others have more dims
        skipped = [a.ndim != nd for a in arrays]
        ctx.sizes = [0 if sk else a.shape[dim] for a, sk in zip(arrays, skipped)]
        ctx.skipped = skipped
        ctx.dim = dim
        kept = [a for a, sk in zip(arrays, skipped) if not sk]
        xp = tensors[0].xp
        return _new_tensor(xp.concatenate(kept, axis=dim), dtype, tensors[0].device)

    @staticmethod
    def backward(ctx, grad):
        out = []
        start = 0
        dim = ctx.dim
        for size, sk in zip(ctx.sizes, ctx.skipped):
            if sk:
                out.append(None)
                continue
            out.append(narrow(grad, dim, start, size))
            start += size
        return tuple(out) + (None, None)


def cat(tensors, dim=0):
    tensors = _tensor_list("cat", tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    ref = None
    for t_ in tensors:
        if not (t_.array.ndim == 1 and t_.array.shape[0] == 0):
            ref = t_
            break
    if ref is None:
        ref = tensors[0]
    shape = ref.array.shape
    nd = len(shape)
    if nd == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = normalize_dim(_int_arg("cat", "dim", dim), nd)
    for i, t_ in enumerate(tensors):
        s = t_.array.shape
        if len(s) == 1 and s[0] == 0 and nd != 1:
            continue
        if len(s) == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
        if len(s) != nd:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {nd} and {len(s)}")
        for j in range(nd):
            if j != d and s[j] != shape[j]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size "
                                   f"{shape[j]} but got size {s[j]} for tensor number {i} in the list.")
    same_device(*tensors)
    return Cat.apply(*tensors, d, nd)


def concat(tensors, dim=0):
    return cat(tensors, dim)


concatenate = concat


class Stack(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, *args):
        tensors, dim = args[:-1], args[-1]
        dtype = tensors[0].dtype
        for t_ in tensors[1:]:
            if t_.dtype is not dtype:
                dtype = _dt.promote_types(dtype, t_.dtype)
        npdt = dtype.numpy
        arrays = [t_.array if t_.array.dtype == npdt else t_.array.astype(npdt) for t_ in tensors]
        ctx.dim = dim
        return _new_tensor(tensors[0].xp.stack(arrays, axis=dim), dtype, tensors[0].device)

    @staticmethod
    def backward(ctx, grad):
        dim = ctx.dim
        n = grad.array.shape[dim]
        return tuple(select(grad, dim, i) for i in range(n)) + (None,)


def stack(tensors, dim=0):
    tensors = _tensor_list("stack", tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0].array.shape
    d = normalize_dim(_int_arg("stack", "dim", dim), len(shape) + 1)
    for i, t_ in enumerate(tensors[1:], 1):
        if t_.array.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 and "
                               f"{list(t_.array.shape)} at entry {i}")
    same_device(*tensors)
    return Stack.apply(*tensors, d)


class Split(Function):
    """split / chunk: the outputs are views (SplitBackward0; sizes given: SplitWithSizesBackward0)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, sizes, dim):
        arr = a.array
        ctx.dim = dim
        ctx.sizes = sizes
        ctx.in_shape = arr.shape
        ctx.dtype = a.dtype
        outs = []
        start = 0
        idx = [slice(None)] * arr.ndim
        for s in sizes:
            idx[dim] = slice(start, start + s)
            outs.append(share_version(a, _new_tensor(arr[tuple(idx)], a.dtype, a.device)))
            start += s
        return multi_view(tuple(outs))

    @staticmethod
    def backward(ctx, *grads):
        dim = ctx.dim
        parts = []
        device = next((g.device for g in grads if g is not None), "cpu")
        for g, s in zip(grads, ctx.sizes):
            if g is None:
                shape = list(ctx.in_shape)
                shape[dim] = s
                from .creation import zeros  # noqa: PLC0415
                g = zeros(tuple(shape), dtype=ctx.dtype, device=device)
            parts.append(g)
        if len(parts) == 1:
            return parts[0], None, None
        return cat(parts, dim), None, None


class SplitWithSizes(Split):
    pass


def split(tensor, split_size_or_sections, dim=0):
    _check_tensor("split", tensor)
    shape = tensor.array.shape
    d = normalize_dim(_int_arg("split", "dim", dim), len(shape))
    n = shape[d] if shape else 1
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = tuple(_int_arg("split_with_sizes", "split_sizes", s) for s in split_size_or_sections)
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                               f"dimension {d}), but got split_sizes={list(sizes)}")
        return SplitWithSizes.apply(tensor, sizes, d)
    size = _int_arg("split", "split_size", split_size_or_sections)
    if size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
    if size == 0:
        if n != 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        return Split.apply(tensor, (0,), d)
    sizes = tuple(min(size, n - i) for i in range(0, n, size)) or (0,)
    return Split.apply(tensor, sizes, d)


def chunk(input, chunks, dim=0):
    _check_tensor("chunk", input)
    chunks = _int_arg("chunk", "chunks", chunks)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    shape = input.array.shape
    d = normalize_dim(_int_arg("chunk", "dim", dim), len(shape))
    n = shape[d] if shape else 1
    if n == 0:
        return split(input, [0] * chunks, d)
    return split(input, -(-n // chunks), d)


class Unbind(Function):
    """unbind: the slices along ``dim``, each a view (UnbindBackward0)."""

    array_forward = True

    @staticmethod
    def forward(ctx, a, dim):
        arr = a.array
        ctx.dim = dim
        ctx.in_shape = arr.shape
        ctx.dtype = a.dtype
        lead = (slice(None),) * dim
        # (i, ...): a 0-d view of arr even for a 1-d arr, where arr[i] would be a copied numpy scalar
        return multi_view(tuple(share_version(a, _new_tensor(arr[lead + (i, Ellipsis)], a.dtype, a.device))
                                for i in range(arr.shape[dim])))

    @staticmethod
    def backward(ctx, *grads):
        if all(g is None for g in grads):
            return None, None
        device = next(g.device for g in grads if g is not None)
        part_shape = ctx.in_shape[:ctx.dim] + ctx.in_shape[ctx.dim + 1:]
        from .creation import zeros  # noqa: PLC0415
        parts = [g if g is not None else zeros(part_shape, dtype=ctx.dtype, device=device) for g in grads]
        return stack(parts, ctx.dim), None


def unbind(input, dim=0):
    _check_tensor("unbind", input)
    nd = input.array.ndim
    if nd == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = normalize_dim(_int_arg("unbind", "dim", dim), nd)
    if input.array.shape[d] == 0:
        return ()
    return Unbind.apply(input, d)


def narrow(input, dim, start, length):
    """A slice view of ``length`` elements from ``start`` along ``dim`` (SliceBackward0)."""
    nd = input.array.ndim
    d = normalize_dim(dim, nd)
    key = (slice(None),) * d + (slice(start, start + length),)
    return Slice.apply(input, key)


class Flip(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return _new_tensor(a.xp.flip(a.array, axis=dims).copy(), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return Flip.apply(grad, ctx.dims), None


def flip(input, *dims, **kwargs):
    _check_tensor("flip", input)
    if kwargs:  # flip(dims=...)
        if dims or set(kwargs) != {"dims"}:
            raise TypeError(f"flip() got an unexpected keyword argument '{next(k for k in kwargs if k != 'dims')}'"
                            if set(kwargs) - {"dims"} else "flip() got multiple values for argument 'dims'")
        dims = (kwargs["dims"],)
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    nd = input.array.ndim
    out = []
    for d in dims:
        d = normalize_dim(_int_arg("flip", "dims", d), nd)
        if d in out:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        out.append(d)
    if nd == 0:
        out = []
    return Flip.apply(input, tuple(out))


class Rot90(Function):
    """torch.rot90, built as torch builds it: a flip (copied), then a transposed view for an odd
    number of quarter turns (so its contiguity matches torch's); ``k`` is taken mod 4."""
    array_forward = True

    @staticmethod
    def forward(ctx, a, k, d0, d1):
        ctx.k, ctx.d0, ctx.d1 = k, d0, d1
        xp = a.xp
        if k == 0:
            out = a.array.copy()
        elif k == 2:
            out = xp.flip(a.array, axis=(d0, d1)).copy()
        else:
            out = xp.swapaxes(xp.flip(a.array, axis=d1 if k == 1 else d0).copy(), d0, d1)
        return _new_tensor(out, a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return Rot90.apply(grad, (4 - ctx.k) % 4, ctx.d0, ctx.d1), None, None, None


def rot90(input, k=1, dims=(0, 1)):
    _check_tensor("rot90", input)
    return Rot90.apply(input, *rot90_args(k, dims, input.array.ndim))


class Tril(Function):
    array_forward = True
    _upper = False

    @staticmethod
    def forward(ctx, a, diagonal):
        ctx.diagonal = diagonal
        xp = a.xp
        r = xp.tril(a.array, diagonal)
        return _new_tensor(r.astype(a.dtype.numpy, copy=False), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return Tril.apply(grad, ctx.diagonal), None


class Triu(Function):
    array_forward = True

    @staticmethod
    def forward(ctx, a, diagonal):
        ctx.diagonal = diagonal
        r = a.xp.triu(a.array, diagonal)
        return _new_tensor(r.astype(a.dtype.numpy, copy=False), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return Triu.apply(grad, ctx.diagonal), None


def tril(input, diagonal=0):
    _check_tensor("tril", input)
    if input.array.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return Tril.apply(input, _int_arg("tril", "diagonal", diagonal))


def triu(input, diagonal=0):
    _check_tensor("triu", input)
    if input.array.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return Triu.apply(input, _int_arg("triu", "diagonal", diagonal))


class Contiguous(Function):
    """contiguous() of a tensor not laid out in the asked order: a copy in that order (CloneBackward0).
    ``order``: the dims from outermost to innermost in memory (channels last), or None for row-major."""

    array_forward = True
    op_name = "Clone"

    @staticmethod
    def forward(ctx, a, order=None):
        arr = a.array
        if order is None:
            out = a.xp.array(arr, copy=True, order="C")
        else:   # a row-major copy of the dims in memory order, seen back in the tensor's dim order
            out = a.xp.array(arr.transpose(order), copy=True, order="C").transpose(
                [order.index(d) for d in range(arr.ndim)])
        return _new_tensor(out, a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


def _in_format(input, name: str) -> tuple[bool, tuple | None]:
    """(whether the tensor is laid out densely in format ``name``, the format's dim order or None)."""
    arr = input.array
    order = memory_formats.dims_in_memory_order(name, arr.ndim)
    if order is None:
        return bool(arr.flags.c_contiguous), None
    return memory_formats.is_dense_in_order(arr.shape, input.stride(), order), order


def contiguous(input, memory_format=None):
    """Tensor.contiguous(memory_format): the tensor itself when it is already laid out so, else a copy."""
    if memory_format is None and input.array.flags.c_contiguous:   # the common case, as before formats
        return input
    name = memory_formats.name_of(memory_format)
    laid_out, order = _in_format(input, "contiguous_format" if name == "preserve_format" else name)
    return input if laid_out else Contiguous.apply(input, order)


def is_contiguous(input, memory_format=None) -> bool:
    name = memory_formats.name_of(memory_format)
    if name == "preserve_format":
        raise RuntimeError("is_contiguous with memory_format preserve_format is not supported")
    try:
        return _in_format(input, name)[0]
    except RuntimeError:   # a channels-last format of another rank: not laid out so
        return False


def stride(input, dim=None):
    """``Tensor.stride`` as an op: the client reads it with a round trip."""
    return input.stride(dim)


def version(input) -> int:
    """torch's ``Tensor._version``: the in-place writes its storage has seen (views share the count)."""
    return input._version


# ---- basic indexing views: each a node of its own, as torch chains them -----------------

class BasicIndex(Function):
    """A view ``a[key]`` for a basic (int/slice/None) numpy key; subclasses only name the node."""

    array_forward = True
    _abstract = True

    @staticmethod
    def forward(ctx, a, key):
        ctx.in_shape = a.array.shape
        ctx.key = key
        return share_version(a, _new_tensor(a.array[key], a.dtype, a.device))

    @classmethod
    def backward(cls, ctx, grad):
        return _ScatterBasic.apply(grad, ctx.in_shape, ctx.key, cls), None


class Select(BasicIndex):
    pass


class Slice(BasicIndex):
    pass


class Alias(BasicIndex):
    pass


class IndexUnsqueeze(BasicIndex):
    """``x[None]``: UnsqueezeBackward0."""

    op_name = "Unsqueeze"


class _ScatterBasic(Function):
    """The gradient of a basic-index view: zeros of the input's shape with ``grad`` at ``key``."""

    array_forward = True
    node_name = "SelectBackwardBackward0"

    @staticmethod
    def forward(ctx, g, in_shape, key, view_cls):
        ctx.key = key
        ctx.view_cls = view_cls
        xp = g.xp
        z = xp.zeros(in_shape, dtype=g.dtype.numpy)
        z[key] = g.array
        return _new_tensor(z, g.dtype, g.device)

    @staticmethod
    def backward(ctx, gg):
        return ctx.view_cls.apply(gg, ctx.key), None, None, None


def select(input, dim, index):
    _check_tensor("select", input)
    shape = input.array.shape
    nd = len(shape)
    if nd == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = normalize_dim(_int_arg("select", "dim", dim), nd)
    index = _int_arg("select", "index", index)
    n = shape[d]
    if index < -n or index >= n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(shape)} at dimension {d}")
    return Select.apply(input, (slice(None),) * d + (index % n, Ellipsis))
