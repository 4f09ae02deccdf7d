"""torch functions built on the client from ops the server has: meshgrid, isclose, repeat_interleave,
tril_indices / triu_indices. Their nodes are those of the ops they are made of, as in torch."""
from __future__ import annotations

import warnings

import numpy as np

from gradwire.common import dtypes
from gradwire.common.shapes import normalize_dim

from ._creation import tensor
from .grad_mode import no_grad
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
        if len(counts) == 1:
            counts = counts * n
        elif len(counts) != n:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                               f"{len(counts)} and input.size(0) = {n}")
        index = tensor([i for i, r in enumerate(counts) for _ in range(r)], dtype=dtypes.int64)
        return input.index_select(d, index)
    r = int(repeats)
    if r < 0:
        raise RuntimeError("repeats can not be negative")
    grown = input.unsqueeze(d + 1).expand(*shape[:d + 1], r, *shape[d + 1:])
    return grown.clone().view(*shape[:d], n * r, *shape[d + 1:])


def _indices(rows: np.ndarray, cols: np.ndarray, dtype, device) -> Tensor:
    return tensor(np.stack([rows, cols]).astype(np.int64), dtype=dtype or dtypes.int64, device=device)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None) -> Tensor:
    rows, cols = np.tril_indices(row, offset, col)
    return _indices(rows, cols, dtype, device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None) -> Tensor:
    rows, cols = np.triu_indices(row, offset, col)
    return _indices(rows, cols, dtype, device)


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
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) should contain the "
                           f"same number of dims as destination ({dst} dims)")
    order = [None] * nd
    for s, t in zip(src, dst):
        order[t] = s
    rest = iter(i for i in range(nd) if i not in src)
    order = [o if o is not None else next(rest) for o in order]
    return input.permute(*order)


def hstack(tensors) -> Tensor:
    from . import cat  # noqa: PLC0415
    tensors = [t.reshape(1) if t.dim() == 0 else t for t in tensors]
    return cat(tensors, 0 if tensors and tensors[0].dim() == 1 else 1)


def vstack(tensors) -> Tensor:
    from . import cat  # noqa: PLC0415
    return cat([t.reshape(1, -1) if t.dim() < 2 else t for t in tensors], 0)


def column_stack(tensors) -> Tensor:
    return hstack([t.reshape(-1, 1) if t.dim() < 2 else t for t in tensors])


# ---- creation --------------------------------------------------------------------------------------

def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    dtype = dtype or dtypes.default_float()
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
    out = matrices[0]
    for m in matrices[1:]:
        out = out @ m
    return out


def cartesian_prod(*tensors) -> Tensor:
    from . import stack  # noqa: PLC0415
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
    if not x.dtype.is_floating_point:
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
    left, right = _slice(y, d, 0, n - 1), _slice(y, d, 1, n)
    if x is None:
        return (left + right).sum(d) * ((1.0 if dx is None else dx) / 2)
    if x.dim() == 1:
        shape = [1] * y.dim()
        shape[d] = -1
        x = x.view(*shape)
    widths = diff(x, dim=d if x.dim() == y.dim() else -1)
    return ((left + right) * widths).sum(d) / 2


def cumulative_trapezoid(y, x=None, *, dx=None, dim: int = -1) -> Tensor:
    d = normalize_dim(dim, y.dim())
    n = y.shape[d]
    left, right = _slice(y, d, 0, max(n - 1, 0)), _slice(y, d, 1, n)
    if x is None:
        return ((left + right) * ((1.0 if dx is None else dx) / 2)).cumsum(d)
    if x.dim() == 1:
        shape = [1] * y.dim()
        shape[d] = -1
        x = x.view(*shape)
    return ((left + right) * diff(x, dim=d) / 2).cumsum(d)


def histc(input, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002 - torch's names
    """Counts of ``input`` in ``bins`` equal bins over [min, max] (the data's range when both are 0)."""
    if bins <= 0:
        raise RuntimeError("torch.histc: bins must be > 0, but got " + str(bins) + " for dimension 0")
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
    if dim is None:
        lo, hi = input.amin(), input.amax()
        if keepdim:
            lo, hi = lo.reshape([1] * input.dim()), hi.reshape([1] * input.dim())
        return _aminmax(lo, hi)
    return _aminmax(input.amin(dim, keepdim), input.amax(dim, keepdim))


def dist(input, other, p: float = 2) -> Tensor:
    return (input - other).norm(p)


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
    return input.view(*input.shape[:d], *sizes, *input.shape[d + 1:])


def select(input, dim: int, index: int) -> Tensor:
    d = normalize_dim(dim, input.dim())
    return input[(slice(None),) * d + (index,)]


def diagflat(input, offset: int = 0) -> Tensor:
    return input.reshape(-1).diag(offset)


def tile(input, dims) -> Tensor:
    dims = tuple(dims)
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


def isreal(input) -> Tensor:
    return input.new_ones(input.shape).bool()


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
    lead = self.shape[:len(indices)]
    flat = indices[0].long()
    for i, size in zip(indices[1:], lead[1:]):
        flat = flat * size + i.long()
    rest = tuple(self.shape[len(indices):])
    shape = flat.shape + rest
    values = values.expand(*shape) if tuple(values.shape) != shape else values
    self.view(-1, *rest).index_add_(0, flat.reshape(-1), values.reshape(-1, *rest))
    return self


def _type_as(self, other) -> Tensor:
    return self.to(other.dtype)


def _is_same_size(self, other) -> bool:
    return tuple(self.shape) == tuple(other.shape)


def _get_device(self) -> int:
    return -1 if self.device.type == "cpu" else self.device.index


# Tensor methods that are these functions with self first (torch has both spellings).
for _fn in (tensordot, inner, dist, cov, corrcoef, take_along_dim, unflatten,
            hsplit, vsplit, dsplit, select, diagflat, aminmax, histc, tile, fliplr, flipud, ravel, isreal,
            is_nonzero):
    setattr(Tensor, _fn.__name__, _fn)
Tensor.type_as = _type_as
Tensor.index_put_ = _index_put_
Tensor.index_put = lambda self, indices, values, accumulate=False: _index_put_(self.clone(), indices, values,  # noqa: E731
                                                                                accumulate)
Tensor.is_same_size = _is_same_size
Tensor.get_device = _get_device
del _fn
