"""torch functions built on the client from ops the server has: meshgrid, isclose, repeat_interleave,
tril_indices / triu_indices. Their nodes are those of the ops they are made of, as in torch."""
from __future__ import annotations

import warnings

import numpy as np

from gradwire.common import dtypes
from gradwire.common.shapes import normalize_dim

from ._creation import tensor
from .grad_mode import no_grad
from .tensor import Tensor


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
