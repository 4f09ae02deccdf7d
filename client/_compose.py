"""torch functions built on the client from ops the server has: meshgrid, isclose, repeat_interleave,
tril_indices / triu_indices. Their nodes are those of the ops they are made of, as in torch."""
from __future__ import annotations

import warnings

import numpy as np

from gradwire.common import dtypes
from gradwire.common.shapes import normalize_dim

from ._creation import tensor
from .grad_mode import no_grad
from ._dispatch import call as _call
from .tensor import Tensor, return_type


_warned_meshgrid: list = []


def meshgrid(*tensors, indexing: str | None = None):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        if not _warned_meshgrid:  # torch warns once a process
            _warned_meshgrid.append(True)
            warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
                          "argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("xy", "ij"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    if not tensors:
        raise RuntimeError("torch.meshgrid: Expected at least one tensor")
    for t in tensors:
        if t.dim() > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t}")
    if any(t.dtype is not tensors[0].dtype for t in tensors):
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    dims = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        dims[0], dims[1] = 1, 0  # the first two inputs take each other's place
    sizes = [0] * len(tensors)
    for t, d in zip(tensors, dims):
        sizes[d] = t.numel()
    out = []
    for t, d in zip(tensors, dims):
        shape = [1] * len(tensors)
        shape[d] = -1
        out.append(t.view(*shape).expand(*sizes))
    return tuple(out)


def isclose(input, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    if input.dtype is not other.dtype:
        raise RuntimeError(f"{input.dtype._torch_name} did not match {other.dtype._torch_name}")
    with no_grad():
        close = input == other
        if input.dtype is dtypes.bool_:
            return close
        if equal_nan and input.dtype.is_floating_point:
            close = close | (input.isnan() & other.isnan())
        diff = (input - other).abs()
        return close | (diff.isfinite() & (diff <= atol + rtol * other.abs()))


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None) -> Tensor:
    if repeats is None:  # repeat_interleave(repeats): each index, repeated
        counts = input.tolist()
        return tensor([i for i, r in enumerate(counts) for _ in range(r)], dtype=dtypes.int64)
    if dim is None:
        input = input.reshape(-1)
        d = 0
    else:
        d = normalize_dim(dim, input.dim())
    shape = tuple(input.shape)
    n = shape[d] if shape else 1
    if isinstance(repeats, Tensor):
        counts = repeats.reshape(-1).tolist()
        if any(c < 0 for c in counts):
            raise RuntimeError("repeats can not be negative")
        if len(counts) == 1:
            counts = counts * n
        elif len(counts) != n:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                               f"{len(counts)} and input.size(0) = {n}")
        index = tensor([i for i, r in enumerate(counts) for _ in range(r)], dtype=dtypes.int64)
        return input.index_select(d, index)
    r = int(repeats)
    if r < 0:
        raise RuntimeError("Repeats must be non-negative")
    grown = input.unsqueeze(d + 1).expand(*shape[:d + 1], r, *shape[d + 1:])
    return grown.clone().view(*shape[:d], n * r, *shape[d + 1:])


def _check_indices(op: str, row, col, dtype) -> None:
    """tril_indices / triu_indices: torch's checks of the arguments."""
    for name, v in (("row", row), ("col", col)):
        if v < 0:
            raise RuntimeError(f"{name} must be non-negative, got{v}")
    dtype = dtypes.as_dtype(dtype, op)
    if dtype is not None and (dtype.is_floating_point or dtype is dtypes.bool_):
        raise NotImplementedError(f'"{op}" not implemented for \'{dtype._torch_name}\'')


def _index_tensor(rows: np.ndarray, cols: np.ndarray, dtype, device) -> Tensor:
    return tensor(np.stack([rows, cols]).astype(np.int64), dtype=dtype or dtypes.int64, device=device)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None) -> Tensor:
    _check_indices("tril_indices", row, col, dtype)
    rows, cols = np.tril_indices(row, offset, col)
    return _index_tensor(rows, cols, dtype, device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None) -> Tensor:
    _check_indices("triu_indices", row, col, dtype)
    rows, cols = np.triu_indices(row, offset, col)
    return _index_tensor(rows, cols, dtype, device)


# ---- joining and slicing -------------------------------------------------------------------------

def _slice(t: Tensor, d: int, start: int, stop: int) -> Tensor:
    return t[(slice(None),) * d + (slice(start, stop),)]


def narrow(input, dim: int, start: int, length: int) -> Tensor:
    d = normalize_dim(dim, input.dim())
    n = input.shape[d]
    if start < -n or start > n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    start %= n if n else 1
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return _slice(input, d, start, start + length)


def tensor_split(input, indices_or_sections, dim: int = 0):
    from . import Tensor as _T  # noqa: PLC0415
    d = normalize_dim(dim, input.dim())
    n = input.shape[d]
    if isinstance(indices_or_sections, _T):
        indices_or_sections = indices_or_sections.tolist()
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        if k <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {k}")
        size, extra = divmod(n, k)
        bounds, start = [], 0
        for i in range(k):
            stop = start + size + (1 if i < extra else 0)
            bounds.append((start, stop))
            start = stop
    else:
        cuts = [0] + [int(i) for i in indices_or_sections] + [n]
        bounds = [(min(max(a, 0), n), min(max(b, a, 0), n)) for a, b in zip(cuts, cuts[1:])]
    return tuple(_slice(input, d, a, b) for a, b in bounds)


def diff(input, n: int = 1, dim: int = -1, prepend=None, append=None) -> Tensor:
    from . import cat  # noqa: PLC0415
    if input.dim() == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = normalize_dim(dim, input.dim())
    if prepend is not None or append is not None:
        input = cat([t for t in (prepend, input, append) if t is not None], d)
    for _ in range(n):
        m = input.shape[d]
        if m == 0:
            break
        if input.dtype is dtypes.bool_:
            input = _slice(input, d, 1, m) != _slice(input, d, 0, m - 1)
        else:
            input = _slice(input, d, 1, m) - _slice(input, d, 0, m - 1)
    return input


def movedim(input, source, destination) -> Tensor:
    nd = input.dim()
    src = [normalize_dim(s, nd) for s in (source if isinstance(source, (list, tuple)) else [source])]
    dst = [normalize_dim(s, nd) for s in (destination if isinstance(destination, (list, tuple)) else [destination])]
    for name, given, dims in (("source", source, src), ("destination", destination, dst)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(given)})")
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) should contain the "
                           f"same number of dims as destination ({dst} dims)")
    order = [None] * nd
    for s, t in zip(src, dst):
        order[t] = s
    rest = iter(i for i in range(nd) if i not in src)
    order = [o if o is not None else next(rest) for o in order]
    return input.permute(*order)


def _tensor_sequence(name: str, tensors) -> list:
    """The tensors of a stack function's sequence, with torch's TypeErrors for a tensor given in place of the
    sequence and for anything else among them."""
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return tensors


def hstack(tensors) -> Tensor:
    from . import cat  # noqa: PLC0415
    tensors = [t.reshape(1) if t.dim() == 0 else t for t in _tensor_sequence("hstack", tensors)]
    return cat(tensors, 0 if tensors and tensors[0].dim() == 1 else 1)


def vstack(tensors, _name: str = "vstack") -> Tensor:
    from . import cat  # noqa: PLC0415
    return cat([t.reshape(1, -1) if t.dim() < 2 else t for t in _tensor_sequence(_name, tensors)], 0)


def row_stack(tensors) -> Tensor:
    return vstack(tensors, "row_stack")


def column_stack(tensors) -> Tensor:
    return hstack([t.reshape(-1, 1) if t.dim() < 2 else t for t in _tensor_sequence("column_stack", tensors)])


# ---- creation --------------------------------------------------------------------------------------

def logspace(start, end, steps: int = None, base: float = 10.0, *, dtype=None, device=None,
             requires_grad=False) -> Tensor:
    if steps is None:
        from ._creation import missing_steps  # noqa: PLC0415
        raise missing_steps("logspace", start, end, ", float base = 10.0")
    dtype = dtypes.as_dtype(dtype, "logspace") or dtypes.default_float()
    values = np.logspace(float(start), float(end), steps, base=base)
    return tensor(values.astype(dtype.numpy), dtype=dtype, device=device, requires_grad=requires_grad)


def one_hot(input, num_classes: int = -1) -> Tensor:
    if input.dtype is not dtypes.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    values = np.asarray(input.tolist(), dtype=np.int64).reshape(tuple(input.shape))
    if values.size and values.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        if not values.size:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(values.max()) + 1
    elif values.size and values.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = (values[..., None] == np.arange(num_classes)).astype(np.int64)
    return tensor(out, dtype=dtypes.int64, device=input.device)


# ---- products ------------------------------------------------------------------------------------

def tensordot(a, b, dims=2, out=None) -> Tensor:
    """torch.tensordot: contract ``dims`` (a count, or two lists of dims) of ``a`` with ``b``."""
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da = list(range(a.dim() - dims, a.dim()))
        db = list(range(dims))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    da = [normalize_dim(d, a.dim()) for d in da]
    db = [normalize_dim(d, b.dim()) for d in db]
    if len(da) != len(db):
        raise RuntimeError("both dimension lists should have same length")
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[i]} in dim {i} "
                               f"and second has size {b.shape[j]} in dim {j}")
    free_a = [d for d in range(a.dim()) if d not in da]
    free_b = [d for d in range(b.dim()) if d not in db]
    k = 1
    for d in da:
        k *= a.shape[d]
    left = a.permute(*free_a, *da).reshape(-1, k)
    right = b.permute(*db, *free_b).reshape(k, -1)
    return (left @ right).view(*[a.shape[d] for d in free_a], *[b.shape[d] for d in free_b])


def inner(input, other) -> Tensor:
    if input.dim() == 0 or other.dim() == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    return tensordot(input, other, ([-1], [-1]))


def chain_matmul(*matrices) -> Tensor:
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
                  "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than multiple "
                  "parameters.", UserWarning, stacklevel=2)
    if len(matrices) == 1:
        return matrices[0].clone()  # (torch's: a new tensor, CloneBackward0)
    from .linalg import multi_dot  # noqa: PLC0415
    return multi_dot(list(matrices))


def cartesian_prod(*tensors) -> Tensor:
    from . import stack  # noqa: PLC0415
    for t in tensors:
        if t.dim() != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    return stack([g.reshape(-1) for g in meshgrid(*tensors, indexing="ij")], 1)


def combinations(input, r: int = 2, with_replacement: bool = False) -> Tensor:
    import itertools  # noqa: PLC0415
    from . import stack  # noqa: PLC0415
    if input.dim() != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return input.new_empty(0)
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = list(pick(range(input.shape[0]), r))
    if not rows:
        return input.new_empty(0, r)
    index = tensor(np.asarray(rows, dtype=np.int64).T.copy(), device=input.device)
    return stack([input[i] for i in index], 1)


# ---- statistics ------------------------------------------------------------------------------------

def cov(input, *, correction: int = 1, fweights=None, aweights=None) -> Tensor:
    """torch.cov of the rows of ``input`` (variables) over its columns (observations); no weights yet."""
    if input.dim() > 2:
        raise ValueError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                         f"{input.dim()} dimensions")
    if fweights is not None or aweights is not None:
        raise NotImplementedError("gradwire: torch.cov with fweights or aweights")
    x = input.reshape(1, -1) if input.dim() < 2 else input
    if not (x.dtype.is_floating_point or x.dtype.is_complex):
        x = x.to(dtypes.default_float())
    n = x.shape[1]
    centered = x - x.mean(1, keepdim=True)
    c = (centered @ centered.t().conj() if hasattr(centered, "conj") else centered @ centered.t())
    c = c / max(n - correction, 0)
    return c.squeeze()


def corrcoef(input) -> Tensor:
    c = cov(input)
    if c.dim() == 0:
        return c / c
    d = c.diagonal()
    stddev = d.sqrt()
    c = c / stddev[:, None]
    c = c / stddev[None, :]
    return c.clamp(-1, 1)


def trapezoid(y, x=None, *, dx=None, dim: int = -1) -> Tensor:
    d = normalize_dim(dim, y.dim())
    n = y.shape[d]
    if n == 0:
        return y.sum(d)
    if x is None:  # torch's composite: (sum - (first + last) / 2) * dx, Scalar overloads (MulBackward1)
        ends = _call("_mul_scalar", y.select(d, 0) + y.select(d, -1), 0.5)
        return _call("_mul_scalar", y.sum(d) - ends, 1.0 if dx is None else dx)
    left, right = _slice(y, d, 0, n - 1), _slice(y, d, 1, n)
    if x.dim() == 1:
        shape = [1] * y.dim()
        shape[d] = -1
        x = x.view(*shape)
    widths = diff(x, dim=d if x.dim() == y.dim() else -1)
    return _call("_div_scalar", ((left + right) * widths).sum(d), 2.0)


def cumulative_trapezoid(y, x=None, *, dx=None, dim: int = -1) -> Tensor:
    d = normalize_dim(dim, y.dim())
    n = y.shape[d]
    left, right = _slice(y, d, 0, max(n - 1, 0)), _slice(y, d, 1, n)
    if x is None:  # torch's composites, Scalar overloads included (MulBackward1, DivBackward1)
        return _call("_mul_scalar", left + right, (1.0 if dx is None else dx) / 2).cumsum(d)
    if x.dim() == 1:
        shape = [1] * y.dim()
        shape[d] = -1
        x = x.view(*shape)
    return _call("_div_scalar", (diff(x, dim=d) * (left + right)).cumsum(d), 2.0)


def histc(input, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002 - torch's names
    """Counts of ``input`` in ``bins`` equal bins over [min, max] (the data's range when both are 0)."""
    if not input.dtype.is_floating_point:  # torch's kernel is for floats only
        kernel = "linspace_cpu" if input.dtype is dtypes.bool_ else "histogram_cpu"
        raise NotImplementedError(f'"{kernel}" not implemented for \'{input.dtype._torch_name}\'')
    if bins <= 0:
        raise RuntimeError("torch.histogram(): bins must be > 0, but got " + str(bins) + " for dimension 0")
    if min > max:
        raise RuntimeError("torch.histc: max must be larger than min")
    x = input.detach().reshape(-1)
    with no_grad():
        if min == 0 and max == 0 and x.numel():
            lo, hi = x.min(), x.max()
        else:
            lo, hi = tensor(float(min), dtype=x.dtype), tensor(float(max), dtype=x.dtype)
        same = (lo == hi).to(x.dtype)
        lo, hi = lo - same, hi + same
        inside = ((x >= lo) & (x <= hi)).to(x.dtype)
        index = ((x - lo) * bins / (hi - lo)).floor().clamp(0, bins - 1).long()
        return x.new_zeros(bins).scatter_add(0, index, inside)


def bucketize(input, boundaries, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """The bucket of each value among sorted 1-D ``boundaries``: how many boundaries lie below it."""
    if boundaries.dim() != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.dim()})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def searchsorted(sorted_sequence, input, *, out_int32: bool = False, right: bool = False, side=None,
                 sorter=None) -> Tensor:
    from . import Tensor as _T  # noqa: PLC0415
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    if sorter is not None:
        sorted_sequence = sorted_sequence.gather(-1, sorter)
    scalar = not isinstance(input, _T)
    values = tensor(input, dtype=sorted_sequence.dtype) if scalar else input
    with no_grad():
        if sorted_sequence.dim() == 1:
            seq = sorted_sequence.reshape(*([1] * values.dim()), -1)
            v = values.unsqueeze(-1)
        else:
            seq = sorted_sequence.unsqueeze(-2)
            v = values.unsqueeze(-1)
        below = (seq <= v) if right else (seq < v)
        out = below.sum(-1)
    return out.int() if out_int32 else out


_aminmax = return_type("aminmax", ("min", "max"))


def aminmax(input, *, dim=None, keepdim: bool = False):
    return _aminmax(*_call("aminmax", input, dim=dim, keepdim=keepdim))


def dist(input, other, p: float = 2) -> Tensor:
    return _call("dist", input, other, p)


# ---- shape helpers -------------------------------------------------------------------------------

def atleast_1d(*tensors):
    out = [t.reshape(1) if t.dim() == 0 else t for t in _flat(tensors)]
    return out[0] if len(out) == 1 else tuple(out)


def atleast_2d(*tensors):
    out = [t.reshape(1, 1) if t.dim() == 0 else t.unsqueeze(0) if t.dim() == 1 else t for t in _flat(tensors)]
    return out[0] if len(out) == 1 else tuple(out)


def atleast_3d(*tensors):
    def lift(t):
        if t.dim() == 0:
            return t.reshape(1, 1, 1)
        if t.dim() == 1:
            return t.unsqueeze(0).unsqueeze(-1)
        if t.dim() == 2:
            return t.unsqueeze(-1)
        return t
    out = [lift(t) for t in _flat(tensors)]
    return out[0] if len(out) == 1 else tuple(out)


def _flat(tensors):
    return tuple(tensors[0]) if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors


def dstack(tensors) -> Tensor:
    from . import cat  # noqa: PLC0415
    tensors = _tensor_sequence("dstack", tensors)
    return cat(list(atleast_3d(*tensors)) if len(tensors) > 1 else [atleast_3d(*tensors)], 2)


def _split_along(name: str, input, sections, dim: int, min_dim: int):
    if input.dim() < min_dim:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dim} dimension, but got a tensor "
                           f"with {input.dim()} dimensions!")
    if isinstance(sections, int) and input.shape[dim] % sections:
        raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size of the dimension "
                           f"{input.shape[dim]} is not divisible by the split_size {sections}!")
    return tensor_split(input, sections, dim)


def hsplit(input, sections):
    return _split_along("hsplit", input, sections, 0 if input.dim() == 1 else 1, 1)


def vsplit(input, sections):
    return _split_along("vsplit", input, sections, 0, 2)


def dsplit(input, sections):
    return _split_along("dsplit", input, sections, 2, 3)


def take_along_dim(input, indices, dim=None) -> Tensor:
    if dim is None:
        return input.reshape(-1).gather(0, indices.reshape(-1))
    if indices.dtype is not dtypes.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{indices.dtype._torch_name}")
    if indices.dim() != input.dim():
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {input.dim()} dimensions for input, and {indices.dim()} dimensions for indices")
    d = normalize_dim(dim, input.dim())
    shape = list(input.shape)
    ishape = list(indices.shape)
    ishape[d] = shape[d] = -1
    from gradwire.common.shapes import broadcast_shapes  # noqa: PLC0415
    bshape = list(broadcast_shapes(tuple(1 if s == -1 else s for s in shape),
                                   tuple(1 if s == -1 else s for s in ishape)))
    bi = list(bshape)
    bi[d] = indices.shape[d]
    bx = list(bshape)
    bx[d] = input.shape[d]
    return input.expand(*bx).gather(d, indices.expand(*bi))


def unflatten(input, dim: int, sizes) -> Tensor:
    d = normalize_dim(dim, input.dim())
    sizes = list(sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    known = [s for s in sizes if s != -1]
    n = input.shape[d] if input.dim() else 1
    if len(known) == len(sizes) and _math.prod(known) != n or len(known) + 1 == len(sizes) and (
            not _math.prod(known) or n % _math.prod(known)):
        raise RuntimeError(f"unflatten: Provided sizes {sizes} don't multiply up to the size of dim {dim} ({n}) in "
                           f"the input tensor")
    return input.view(*input.shape[:d], *sizes, *input.shape[d + 1:])


def select(input, dim: int, index: int) -> Tensor:
    d = normalize_dim(dim, input.dim())
    n = input.shape[d]
    if isinstance(index, int) and not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.shape)} at "
                         f"dimension {d}")
    return input[(slice(None),) * d + (index,)]


def diagflat(input, offset: int = 0) -> Tensor:
    return input.reshape(-1).diag(offset)


def tile(input, *dims, **kwargs) -> Tensor:
    """torch.tile(x, dims) and x.tile(*dims) alike."""
    dims = dims or (kwargs["dims"],)
    dims = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
    if len(dims) < input.dim():
        dims = (1,) * (input.dim() - len(dims)) + dims
    return input.repeat(*dims)


# ---- small predicates and reshapes ---------------------------------------------------------------

def fliplr(input) -> Tensor:
    if input.dim() < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return input.flip(1)


def flipud(input) -> Tensor:
    if input.dim() < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return input.flip(0)


def ravel(input) -> Tensor:
    return input.reshape(-1)


def is_nonzero(input) -> bool:
    n = input.numel()
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input.item())


def _index_put_(self, indices, values, accumulate: bool = False) -> Tensor:
    """``self[indices] = values`` in place; with ``accumulate``, repeated positions add up (index_add_ over the
    flattened indexed dims)."""
    indices = tuple(indices)
    if not accumulate:
        self[indices] = values
        return self
    # the server adds the values at the indices (IndexPutBackward0); __setitem__'s checks first
    self.__setitem__(indices, values, _accumulate=True)
    return self


def _type_as(self, other) -> Tensor:
    return self.to(other.dtype)


def _get_device(self) -> int:
    return -1 if self.device.type == "cpu" else self.device.index


# Tensor methods that are these functions with self first (torch has both spellings).
for _fn in (tensordot, inner, dist, cov, corrcoef, take_along_dim, unflatten,
            hsplit, vsplit, dsplit, select, diagflat, aminmax, histc, tile, fliplr, flipud, ravel, is_nonzero):
    setattr(Tensor, _fn.__name__, _fn)
Tensor.isreal = lambda self: _call("isreal", self)
Tensor.type_as = _type_as
Tensor.index_put_ = _index_put_
Tensor.index_put = lambda self, indices, values, accumulate=False: _index_put_(self.clone(), indices, values,  # noqa: E731
                                                                                accumulate)
Tensor.get_device = _get_device
del _fn


# ---- the tail of torch's top-level API: torch.<name> forms of functional ops, in-place forms, small helpers ----

import builtins as _builtins  # noqa: E402
import math as _math  # noqa: E402
import os as _os  # noqa: E402

from gradwire.common import shapes as _shapes  # noqa: E402
from gradwire.common.devices import device as _device  # noqa: E402

TAIL: dict = {}  # torch's name -> function: what gradwire/__init__.py exports from here


def _public(fn):
    name = fn.__name__.lstrip("_")  # _range, _compile: module names that do not hide Python's builtins
    fn.__name__ = fn.__qualname__ = name
    TAIL[name] = fn
    return fn


def _functional():
    from .nn import functional  # noqa: PLC0415 - nn imports the package
    return functional


# torch.<name>(...) that take F.<name>'s positional arguments
for _name in ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "avg_pool1d",
              "adaptive_avg_pool1d", "pixel_shuffle", "pixel_unshuffle", "cosine_similarity", "pairwise_distance",
              "pdist", "selu", "selu_", "celu", "celu_", "prelu", "hardshrink", "bilinear", "threshold_", "rrelu_"):
    def _same_as_functional(*args, _name=_name, **kwargs):
        return getattr(_functional(), _name)(*args, **kwargs)
    _same_as_functional.__name__ = _same_as_functional.__qualname__ = _name
    _public(_same_as_functional)
    globals()[_name] = _same_as_functional
del _name

# torch.<loss>(..., reduction=int): at::Reduction's numbering. torch's Python bindings default these to 0
# (no reduction), not to the Mean their schemas name.
_REDUCTIONS = ("none", "mean", "sum")


def _reduction(reduction) -> str:
    return _REDUCTIONS[reduction] if isinstance(reduction, int) else reduction


@_public
def threshold(input, threshold, value):
    return _functional().threshold(input, threshold, value)


@_public
def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    return _functional().rrelu(input, lower, upper, training)


@_public
def dropout(input, p, train):
    return _functional().dropout(input, p, train)


@_public
def dropout_(input, p, train):
    return _functional().dropout(input, p, train, inplace=True)


@_public
def alpha_dropout(input, p, train):
    """Dropout that keeps SELU's mean and variance (nn.functional's, with ATen's RuntimeError)."""
    if p < 0 or p > 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    return _functional()._noise_dropout(input, p, train, False, feature=False, alpha=True)


@_public
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05, cudnn_enable=True):
    return _functional().layer_norm(input, normalized_shape, weight, bias, eps)


@_public
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05, cudnn_enabled=True):
    return _functional().group_norm(input, num_groups, weight, bias, eps)


@_public
def rms_norm(input, normalized_shape, weight=None, eps=None):
    return _functional().rms_norm(input, normalized_shape, weight, eps)


@_public
def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled):
    return _functional().batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


@_public
def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps, cudnn_enabled):
    return _functional().instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum,
                                       eps)


@_public
def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """torch.embedding: weight first; padding_idx=-1 is none (F.embedding passes a non-negative one)."""
    return _functional().embedding(indices, weight, padding_idx if padding_idx >= 0 else None)


@_public
def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return _functional().max_pool1d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


@_public
def max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return _functional().max_pool2d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


@_public
def max_pool3d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return _functional().max_pool3d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


@_public
def adaptive_max_pool1d(input, output_size):
    """torch.adaptive_max_pool1d: (values, indices), always."""
    return tuple(_functional().adaptive_max_pool1d(input, output_size, True))


@_public
def kl_div(input, target, reduction=0, *, log_target=False):
    reduction = _reduction(reduction)
    if reduction == "mean":  # the plain mean, without F.kl_div's advice to use 'batchmean'
        return _functional().kl_div(input, target, reduction="none", log_target=log_target).mean()
    return _functional().kl_div(input, target, reduction=reduction, log_target=log_target)


@_public
def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=0):
    return _functional().binary_cross_entropy_with_logits(input, target, weight, reduction=_reduction(reduction),
                                                          pos_weight=pos_weight)


@_public
def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0):
    return _functional().margin_ranking_loss(input1, input2, target, margin, reduction=_reduction(reduction))


@_public
def hinge_embedding_loss(input, target, margin=1.0, reduction=0):
    return _functional().hinge_embedding_loss(input, target, margin, reduction=_reduction(reduction))


@_public
def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0):
    return _functional().cosine_embedding_loss(input1, input2, target, margin, reduction=_reduction(reduction))


@_public
def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-06, swap=False, reduction=0):
    return _functional().triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                             reduction=_reduction(reduction))


@_public
def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    return _functional().poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=_reduction(reduction))


@_public
def channel_shuffle(input, groups):
    return _functional().channel_shuffle(input, groups)


# torch.<op>_(input, ...): the Tensor method written into input (torch's set of them)
for _name in ("abs_", "acos_", "acosh_", "addmv_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_",
              "arctanh_", "asin_", "asinh_", "atan_", "atanh_", "ceil_", "clamp_", "clamp_max_", "clamp_min_",
              "clip_", "cos_", "cosh_", "deg2rad_", "detach_", "erfc_", "exp_", "expm1_", "fill_", "floor_", "frac_",
              "i0_", "index_put_", "ldexp_", "log1p_", "log_", "logit_", "nan_to_num_", "neg_", "negative_",
              "rad2deg_", "reciprocal_", "relu_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinc_", "sinh_",
              "sqrt_", "square_", "tanh_", "trunc_", "xlogy_", "zero_", "log2_", "log10_", "erf_", "exp2_", "tan_",
              "fix_"):
    def _inplace_function(input, *args, _name=_name, **kwargs):
        if not isinstance(input, Tensor):
            raise TypeError(f"{_name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
        return getattr(input, _name)(*args, **kwargs)
    _inplace_function.__name__ = _inplace_function.__qualname__ = _name
    _public(_inplace_function)
    globals()[_name] = _inplace_function
del _name


@_public
def fill(input, value):
    return _call("fill", input, value)


def _tensor_function(name: str):
    def fn(input, *args, **kwargs):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
        return getattr(input, name)(*args, **kwargs)
    fn.__name__ = fn.__qualname__ = name
    return fn


for _name in ("bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "is_signed", "is_complex", "is_inference",
              "is_conj", "is_neg", "resolve_conj", "resolve_neg", "conj", "conj_physical", "ger",
              "split_with_sizes", "unsafe_chunk", "unsafe_split"):
    globals()[_name] = _tensor_function(_name)
    TAIL[_name] = globals()[_name]
del _name


@_public
def real(input):  # a property on Tensor, a function here
    return input.real


@_public
def imag(input):
    return input.imag


@_public
def is_same_size(input, other) -> bool:
    return input.shape == other.shape


Tensor.is_same_size = is_same_size


@_public
def broadcast_shapes(*shapes):
    """The shape the given shapes (ints or sequences of them) broadcast to."""
    out = ()
    for i, s in enumerate(shapes):
        s = (s,) if isinstance(s, int) else tuple(s)
        for d in s:
            if d < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {d}: {list(s)}")
        n = _builtins.max(len(out), len(s))
        a, b = (1,) * (n - len(out)) + out, (1,) * (n - len(s)) + s
        for k in range(n - 1, -1, -1):  # torch compares from the last dim
            x, y = a[k], b[k]
            if x != y and x != 1 and y != 1:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {y} at {k - n}! Mismatching "
                                   f"argument at index {i} had {s}; but expected shape should be broadcastable "
                                   f"to {list(out)}")
        out = tuple(y if x == 1 else x for x, y in zip(a, b))
    return _shapes.Size(out)


@_public
def broadcast_tensors(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = _shapes.broadcast_shapes(*(t.shape for t in tensors))
    return tuple(t if t.shape == shape else t.expand(shape) for t in tensors)


@_public
def scalar_tensor(s, dtype=None, device=None, requires_grad=False, **kwargs):
    return tensor(s, dtype=dtype or dtypes.default_float(), requires_grad=requires_grad)


@_public
def _range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """torch.range (deprecated): like arange, but ``end`` included."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in "
                  "[start, end).", UserWarning, stacklevel=2)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    n = int(_math.floor((end - start) / step)) + 1
    values = [start + i * step for i in _builtins.range(n)]
    return tensor(values, dtype=dtype or dtypes.default_float(), requires_grad=requires_grad)


@_public
def typename(obj) -> str:
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        name = obj.__qualname__
    elif hasattr(obj, "__name__"):
        name = obj.__name__
    else:
        module, name = type(obj).__module__ or "", type(obj).__qualname__
    return name if module in ("", "builtins") else f"{module}.{name}"


@_public
def unravel_index(indices, shape):
    """The coordinates (one int64 tensor per dim of ``shape``) of flat ``indices``."""
    idx = indices if isinstance(indices, Tensor) else tensor(indices)
    if idx.dtype.is_floating_point or idx.dtype is dtypes.bool_:
        raise TypeError("expected 'indices' to be integer dtype, but got " + str(idx.dtype))
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    idx = idx.long()
    coords = []
    for size in reversed(shape):
        coords.append(idx.remainder(size))
        idx = idx.floor_divide(size)
    return tuple(reversed(coords))


@_public
def block_diag(*tensors):
    """The tensors (0-d: 1x1, 1-d: one row) along a block diagonal, zeros elsewhere (BlockDiagBackward0)."""
    from ._creation import zeros  # noqa: PLC0415
    for i, t in enumerate(tensors):
        if t.dim() > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t.dim()} dimensions")
    if not tensors:
        return zeros(1, 0)
    return _call("block_diag", *tensors)


# process-wide settings torch keeps; gradwire keeps them on the client (the server computes as it does)
_SETTINGS = {"device": None, "threads": _os.cpu_count() or 1, "interop_threads": _os.cpu_count() or 1,
             "debug_mode": 0, "matmul_precision": "highest", "warn_always": False}


@_public
def get_default_device():
    return _device(_SETTINGS["device"] or "cpu")


@_public
def set_default_device(device):
    if device is not None and _device(device).type != "cpu":
        raise NotImplementedError(f"gradwire: default device {device} (only cpu)")
    _SETTINGS["device"] = device


@_public
def get_num_threads() -> int:
    return _SETTINGS["threads"]


@_public
def set_num_threads(int) -> None:  # noqa: A002 - torch's name
    if int <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _SETTINGS["threads"] = int


@_public
def get_num_interop_threads() -> int:
    return _SETTINGS["interop_threads"]


@_public
def set_num_interop_threads(int) -> None:  # noqa: A002
    if int <= 0:
        raise RuntimeError("Expected positive number of threads")
    _SETTINGS["interop_threads"] = int


@_public
def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    _SETTINGS["debug_mode"] = (1 if warn_only else 2) if mode else 0


@_public
def are_deterministic_algorithms_enabled() -> bool:
    return _SETTINGS["debug_mode"] > 0


@_public
def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _SETTINGS["debug_mode"] == 1


_DEBUG_MODES = ("default", "warn", "error")


@_public
def set_deterministic_debug_mode(debug_mode) -> None:
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError("invalid value of debug_mode, expected one of `default`, `warn`, `error`, but got "
                               f"{debug_mode}")
        debug_mode = _DEBUG_MODES.index(debug_mode)
    elif not isinstance(debug_mode, int):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}")
    _SETTINGS["debug_mode"] = debug_mode


@_public
def get_deterministic_debug_mode() -> int:
    return _SETTINGS["debug_mode"]


@_public
def set_float32_matmul_precision(precision: str) -> None:
    if precision in ("highest", "high", "medium"):
        _SETTINGS["matmul_precision"] = precision


@_public
def get_float32_matmul_precision() -> str:
    return _SETTINGS["matmul_precision"]


@_public
def set_warn_always(b: bool) -> None:
    _SETTINGS["warn_always"] = _builtins.bool(b)


@_public
def is_warn_always_enabled() -> bool:
    return _SETTINGS["warn_always"]


@_public
def _compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None, options=None,
            disable=False):
    """torch.compile: gradwire runs the model as it is (a decorator too: ``@torch.compile(...)``)."""
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be specified at the same time.")
    if model is None:
        return lambda fn: fn
    from .nn.modules import Module, OptimizedModule  # noqa: PLC0415
    return OptimizedModule(model) if isinstance(model, Module) and not disable else model


# ---- torch's remaining Tensor methods and their torch.<name> forms -----------------------------------------
# (the linear algebra of torch < 2 is composed from torch.linalg with torch's deprecation warnings; functions
# torch removed raise its RuntimeError)

_REMOVED = {
    'solve': 'This function was deprecated since version 1.9 and is now removed. `torch.solve` is deprecated in favor of `torch.linalg.solve`. `torch.linalg.solve` has its arguments reversed and does not return the LU factorization.\n\nTo get the LU factorization see `torch.lu`, which can be used with `torch.lu_solve` or `torch.lu_unpack`.\nX = torch.solve(B, A).solution should be replaced with:\nX = torch.linalg.solve(A, B)',
    'eig': 'This function was deprecated since version 1.9 and is now removed. `torch.linalg.eig` returns complex tensors of dtype `cfloat` or `cdouble` rather than real tensors mimicking complex tensors.\n\nL, _ = torch.eig(A) should be replaced with:\nL_complex = torch.linalg.eigvals(A)\n\nand\n\nL, V = torch.eig(A, eigenvectors=True) should be replaced with:\nL_complex, V_complex = torch.linalg.eig(A)',
    'symeig': "This function was deprecated since version 1.9 and is now removed. The default behavior has changed from using the upper triangular portion of the matrix by default to using the lower triangular portion.\n\nL, _ = torch.symeig(A, upper=upper) should be replaced with:\nL = torch.linalg.eigvalsh(A, UPLO='U' if upper else 'L')\n\nand\n\nL, V = torch.symeig(A, eigenvectors=True) should be replaced with:\nL, V = torch.linalg.eigh(A, UPLO='U' if upper else 'L')",
    'lstsq': "This function was deprecated since version 1.9 and is now removed. `torch.lstsq` is deprecated in favor of `torch.linalg.lstsq`.\n`torch.linalg.lstsq` has reversed arguments and does not return the QR decomposition in the returned tuple (although it returns other information about the problem).\n\nTo get the QR decomposition consider using `torch.linalg.qr`.\n\nThe returned solution in `torch.lstsq` stored the residuals of the solution in the last m - n columns of the returned value whenever m > n. In torch.linalg.lstsq, the residuals are in the field 'residuals' of the returned named tuple.\n\nThe unpacking of the solution, as in\nX, _ = torch.lstsq(B, A).solution[:A.size(1)]\nshould be replaced with:\nX = torch.linalg.lstsq(A, B).solution",
    'matrix_rank': "This function was deprecated since version 1.9 and is now removed.\nPlease use the `torch.linalg.matrix_rank` function instead. The parameter 'symmetric' was renamed in `torch.linalg.matrix_rank()` to 'hermitian'.",
}


def _removed(name):
    def removed(*args, **kwargs):
        raise RuntimeError(_REMOVED[name])
    removed.__name__ = name
    return removed


def _cholesky(self, upper=False):
    import warnings  # noqa: PLC0415
    warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future "
                  "PyTorch release.\nL = torch.cholesky(A)\nshould be replaced with\nL = torch.linalg.cholesky(A)\n"
                  "and\nU = torch.cholesky(A, upper=True)\nshould be replaced with\nU = torch.linalg.cholesky(A).mH\n"
                  "This transform will produce equivalent results for all valid (symmetric positive definite) "
                  "inputs.", UserWarning, stacklevel=2)
    from . import linalg  # noqa: PLC0415
    L = linalg.cholesky(self)
    return L.transpose(-2, -1) if upper else L


def _cholesky_inverse(self, upper=False):
    """(L L^T)^-1 from its Cholesky factor (U^T U with ``upper``)."""
    from . import cholesky_solve, eye  # noqa: PLC0415
    n = self.shape[-1]
    identity = eye(n, dtype=self.dtype, device=self.device).expand(*self.shape[:-2], n, n)
    return cholesky_solve(identity, self, upper=upper)


def _pinverse(self, rcond=1e-15):
    from . import pinverse  # noqa: PLC0415 - torch.pinverse (gradwire/__init__.py)
    return pinverse(self, rcond)


def _qr(self, some=True):
    from . import qr  # noqa: PLC0415 - torch.qr, with its deprecation warning
    return qr(self, some)


def _triangular_solve(b, A, upper=True, transpose=False, unitriangular=False):
    """The solution X of ``A X = b`` (``A^T X = b`` with ``transpose``) for triangular A, and a copy of A."""
    import warnings  # noqa: PLC0415
    warnings.warn("torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangularand will be "
                  "removed in a future PyTorch release.\ntorch.linalg.solve_triangular has its arguments reversed "
                  "and does not return a copy of one of the inputs.\nX = torch.triangular_solve(B, A).solution\n"
                  "should be replaced with\nX = torch.linalg.solve_triangular(A, B).", UserWarning, stacklevel=2)
    from . import linalg  # noqa: PLC0415
    T = A.triu() if upper else A.tril()
    if unitriangular:
        T = T - T.diagonal(dim1=-2, dim2=-1).diag_embed() + _eye_like(T)
    if transpose:
        T = T.transpose(-2, -1)
    return RETURN_TYPES_TRIANGULAR_SOLVE(linalg.solve(T, b), A.clone())


def _eye_like(t):
    from . import eye  # noqa: PLC0415
    n = t.shape[-1]
    return eye(n, dtype=t.dtype, device=t.device).expand(*t.shape)


def _apply_values(self, fn, *others, what="apply_"):
    """``self`` in place, each element replaced by ``fn(element, *others' elements)``, run here in Python
    (torch runs it on the CPU one element at a time too)."""
    import numpy as np  # noqa: PLC0415
    if self.requires_grad:
        raise RuntimeError(f"Can't call {what}() on Variable that requires grad. Use var.detach().{what}() instead.")
    if self.device.type != "cpu":
        raise TypeError(f"{what} is only implemented on CPU tensors")
    arrays = [self.numpy()] + [np.broadcast_to(o.numpy(), tuple(self.shape)) for o in others]
    values = np.array([fn(*items) for items in zip(*(a.reshape(-1).tolist() for a in arrays))],
                      dtype=self.dtype.numpy).reshape(tuple(self.shape))
    from ._creation import from_numpy  # noqa: PLC0415
    with _no_grad():
        self.copy_(from_numpy(values))
    return self


def _resize_(self, *sizes, memory_format=None):
    """The tensor takes shape ``sizes``: its elements in order, then zeros (torch leaves them uninitialized)."""
    if self.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    shape = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else tuple(sizes)
    n = 1
    for s in shape:
        n *= s
    flat = self.detach().reshape(-1)
    if n <= flat.numel():
        new = flat[:n].clone()
    else:
        from . import cat, zeros  # noqa: PLC0415
        new = cat([flat, zeros(n - flat.numel(), dtype=self.dtype, device=self.device)])
    self.data = new.reshape(shape)
    return self


def _set_(self, source=None, *args, **kwargs):
    from . import empty  # noqa: PLC0415
    self.data = source if source is not None else empty(0, dtype=self.dtype, device=self.device)
    return self


def _dim_order(self, *, ambiguity_check=False):
    strides = self.stride()
    return tuple(sorted(range(self.dim()), key=lambda d: -strides[d]))


def _nonzero_static(self, *, size, fill_value=-1):
    from . import cat, full  # noqa: PLC0415
    found = self.nonzero()
    if found.shape[0] >= size:
        return found[:size]
    return cat([found, full((size - found.shape[0], self.dim()), fill_value, dtype=found.dtype,
                            device=found.device)])


def _new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False, **kwargs):
    return self.new_empty(size, dtype=dtype, device=device, requires_grad=requires_grad)


def _no_grad():
    from .grad_mode import no_grad  # noqa: PLC0415
    return no_grad()


RETURN_TYPES_TRIANGULAR_SOLVE = return_type("triangular_solve", ("solution", "cloned_coefficient"))

for _name, _method in {
        "cholesky": _cholesky,
        "cholesky_inverse": _cholesky_inverse, "pinverse": _pinverse, "qr": _qr,
        "triangular_solve": _triangular_solve, "hardshrink": lambda self, lambd=0.5: _F().hardshrink(self, lambd),
        "prelu": lambda self, weight: _F().prelu(self, weight),
        "apply_": lambda self, fn: _apply_values(self, fn, what="apply_"),
        "map_": lambda self, other, fn: _apply_values(self, fn, other, what="map_"),
        "map2_": lambda self, x, y, fn: _apply_values(self, fn, x, y, what="map2_"),
        "resize_": _resize_, "resize_as_": lambda self, other, memory_format=None: _resize_(self, tuple(other.shape)),
        "set_": _set_, "dim_order": _dim_order, "nonzero_static": _nonzero_static,
        "new_empty_strided": _new_empty_strided, "narrow_copy": lambda self, dim, start, length:
        self.narrow(dim, start, length).clone(), "to_dense": lambda self, dtype=None, **kwargs: self,
        "unsafe_split_with_sizes": lambda self, split_sizes, dim=0: self.split_with_sizes(split_sizes, dim),
        "solve": _removed("solve"), "eig": _removed("eig"),
        "symeig": _removed("symeig"), "lstsq": _removed("lstsq")}.items():
    setattr(Tensor, _name, _method)
del _name, _method


def _F():
    from .nn import functional  # noqa: PLC0415
    return functional


for _name in ("cholesky", "cholesky_inverse", "triangular_solve", "narrow_copy", "nonzero_static", "resize_as_",
              "hardshrink"):
    TAIL[_name] = getattr(Tensor, _name)
for _name in ("solve", "eig", "symeig", "lstsq", "matrix_rank"):
    TAIL[_name] = _removed(_name)
del _name


# ---- control flow (torch.cond, torch.while_loop) and the last Tensor tails ---------------------------------

@_public
def cond(pred, true_fn, false_fn, operands=()):
    """torch.cond, eagerly: one branch on the operands (a tensor predicate is a value read)."""
    if not isinstance(operands, (tuple, list)):
        raise RuntimeError(f"Expect operands to be a tuple of possibly nested dict/list/tuple that only consists of "
                           f"tensor leaves, but got {operands}.")
    if isinstance(pred, Tensor):
        if pred.numel() != 1:
            raise RuntimeError(f"Expected pred to be bool or single-element tensor, but got {pred}.")
        pred = bool(pred)
    return true_fn(*operands) if pred else false_fn(*operands)


@_public
def while_loop(cond_fn, body_fn, carried_inputs):
    """torch.while_loop, eagerly: ``body_fn`` on the carried values while ``cond_fn`` holds."""
    if not isinstance(carried_inputs, (tuple, list)):
        raise RuntimeError(f"carried_inputs must be a tuple or list, got {type(carried_inputs)}")
    carried = tuple(carried_inputs)
    while bool(cond_fn(*carried)):
        out = body_fn(*carried)
        carried = tuple(out) if isinstance(out, (tuple, list)) else (out,)
    return carried


_REINFORCE_REMOVED = (
    "reinforce() was removed.\nUse torch.distributions instead.\nSee https://pytorch.org/docs/main/distributions.html"
    "\n\nInstead of:\n\nprobs = policy_network(state)\naction = probs.multinomial()\nnext_state, reward = "
    "env.step(action)\naction.reinforce(reward)\naction.backward()\n\nUse:\n\nprobs = policy_network(state)\n# NOTE: "
    "categorical is equivalent to what used to be called multinomial\nm = torch.distributions.Categorical(probs)\n"
    "action = m.sample()\nnext_state, reward = env.step(action)\nloss = -m.log_prob(action) * reward\n"
    "loss.backward()\n")


def _deprecated_resize(self, *sizes):
    """The non-inplace Tensor.resize (deprecated): a new shape with the same elements."""
    import warnings  # noqa: PLC0415
    warnings.warn("non-inplace resize is deprecated", UserWarning, stacklevel=2)
    shape = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else tuple(sizes)
    n = 1
    for s in shape:
        n *= s
    if n != self.numel():
        raise RuntimeError(f"requested resize to {'x'.join(map(str, shape))} ({n} elements in total), but the given "
                           f"tensor has a size of {'x'.join(map(str, self.shape))} ({self.numel()} elements). "
                           "autograd's resize can only change the shape of a given tensor, while preserving the "
                           "number of elements. ")
    return self.reshape(shape)


def _deprecated_resize_as(self, tensor):
    import warnings  # noqa: PLC0415
    warnings.warn("non-inplace resize_as is deprecated", UserWarning, stacklevel=2)
    return self.reshape(tuple(tensor.shape)) if tensor.numel() == self.numel() else _deprecated_resize(self, tensor.shape)


def _volatile(self) -> bool:
    import warnings  # noqa: PLC0415
    warnings.warn("volatile was removed (Variable.volatile is always False)", UserWarning, stacklevel=2)
    return False


def _module_load(self, other, assign=False):
    """What load_state_dict's swap path does with a state-dict value (torch's default)."""
    if assign:
        return other.detach()
    with _no_grad():
        return self.copy_(other).detach()


def _reinforce(self, reward):
    raise RuntimeError(_REINFORCE_REMOVED)


for _name, _method in {
        "const_data_ptr": lambda self: self.data_ptr(),
        "resize": _deprecated_resize, "resize_as": _deprecated_resize_as, "module_load": _module_load,
        "reinforce": _reinforce, "as_subclass": lambda self, cls: self,
}.items():
    setattr(Tensor, _name, _method)
Tensor.volatile = property(_volatile)
Tensor.grad_dtype = property(lambda self: self._dtype)
del _name, _method
