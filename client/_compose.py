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
