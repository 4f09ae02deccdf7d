"""torch.vmap: func run once per batch element (the inputs' slices along their in_dims) and the results
stacked along out_dims. Right for functions that treat the batch elements alike and independently, which
is what vmap assumes; torch's checks and error texts on in_dims, out_dims and outputs."""
from __future__ import annotations

import functools

from ..tensor import Tensor
from ._eager import _state
from ._pytree import broadcast_to_and_flatten, tree_flatten, tree_unflatten


def vmap_depth() -> int:
    """How many vmaps the running code is inside (this thread)."""
    return getattr(_state, "vmap_depth", 0)


def _name(func) -> str:
    if hasattr(func, "__name__"):
        return func.__name__
    if isinstance(func, functools.partial):
        return f"functools.partial({_name(func.func)}, ...)"
    return repr(func)


def _batched_inputs(in_dims, args: tuple, name: str):
    """(batch size, the flat args, their in_dims made non-negative, the args' spec)."""
    where = f"vmap({name}, in_dims={in_dims}, ...)(<inputs>)"
    if not isinstance(in_dims, (int, tuple)):
        raise ValueError(f"{where}: expected `in_dims` to be int or a (potentially nested) tuple matching the "
                         f"structure of inputs, got: {type(in_dims)}.")
    if not args:
        raise ValueError(f"vmap({name})(<inputs>): got no inputs. Maybe you forgot to add inputs, or you are trying "
                         "to vmap over a function with no inputs. The latter is unsupported.")
    flat_args, spec = tree_flatten(args)
    dims = broadcast_to_and_flatten(in_dims, spec)
    if dims is None:
        raise ValueError(f"{where}: in_dims is not compatible with the structure of `inputs`. in_dims has structure "
                         f"{tree_flatten(in_dims)[1]} but inputs has structure {spec}.")
    for i, (arg, d) in enumerate(zip(flat_args, dims)):
        if d is None:
            continue
        if not isinstance(d, int):
            raise ValueError(f"{where}: Got in_dim={d} for an input but in_dim must be either an integer dimension "
                             "or None.")
        if not isinstance(arg, Tensor):
            raise ValueError(f"{where}: Got in_dim={d} for an input but the input is of type {type(arg)}. We cannot "
                             "vmap over non-Tensor arguments, please use None as the respective in_dim")
        n = arg.dim()
        if not -n <= d < n:
            raise ValueError(f"{where}: Got in_dim={d} for some input, but that input is a Tensor of dimensionality "
                             f"{n} so expected in_dim to satisfy -{n} <= in_dim < {n}.")
        dims[i] = d % n
    sizes = [arg.shape[d] for arg, d in zip(flat_args, dims) if d is not None]
    if not sizes:
        raise ValueError("vmap: Expected at least one Tensor to vmap over")
    if any(s != sizes[0] for s in sizes):
        raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                         f"{sizes} for the mapped dimension")
    return sizes[0], flat_args, dims, spec


def _element(arg, d, b: int):
    if d is None:
        return arg
    if b is None:  # an empty batch: a stand-in element, so that func still shows its outputs' shapes
        return arg.new_zeros(tuple(s for i, s in enumerate(arg.shape) if i != d))
    return arg[(slice(None),) * d + (b,)]


def _unbatched(column: list, out_dim, name: str, empty: bool):
    """One output leaf: the per-element values stacked along out_dim, or (out_dim None) the one value."""
    first = column[0]
    if out_dim is None:
        if isinstance(first, Tensor) and any(c is not first for c in column):
            from .. import equal  # noqa: PLC0415
            if not all(c.shape == first.shape and equal(c, first) for c in column):
                raise ValueError(f"vmap({name}, ...): `{name}` can not return a BatchedTensor when out_dim is None")
        return first
    if not isinstance(first, Tensor):
        raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type {type(first)}. "
                         "Did you mean to set out_dims= to None for output?")
    from .. import _dispatch  # noqa: PLC0415
    out = _dispatch.call("stack", column, out_dim)
    return out.narrow(out_dim, 0, 0) if empty else out


def _batched_outputs(results: list, out_dims, name: str, empty: bool):
    flat, spec = tree_flatten(results[0])
    if isinstance(results[0], Tensor):
        dims = list(out_dims) if isinstance(out_dims, tuple) and len(out_dims) == 1 else (
            [out_dims] if out_dims is None or isinstance(out_dims, int) else None)
    else:
        dims = broadcast_to_and_flatten(out_dims, spec)
    if dims is None:
        raise ValueError(f"vmap({name}, ..., out_dims={out_dims})(<inputs>): out_dims is not compatible with the "
                         f"structure of `outputs`. out_dims has structure {tree_flatten(out_dims)[1]} but outputs "
                         f"has structure {spec}.")
    columns = zip(*(tree_flatten(r)[0] for r in results))
    return tree_unflatten([_unbatched(list(c), d, name, empty) for c, d in zip(columns, dims)], spec)


RANDOMNESS_ERROR = ("vmap: called random operation while in randomness error mode. Please either use the 'same' or "
                    "'different' randomness flags on vmap or perform the randomness operation out of vmap")


def check_random_op_allowed() -> None:
    """A random op is about to run: torch's error inside a vmap whose randomness is 'error'."""
    modes = getattr(_state, "vmap_randomness", ())
    if modes and modes[-1] == "error":
        raise RuntimeError(RANDOMNESS_ERROR)


def _same_draws():
    """For randomness='same': a function that puts the session's generator back where the first element
    started, so each element draws the same numbers."""
    from .. import get_rng_state, set_rng_state  # noqa: PLC0415
    state = get_rng_state()
    return lambda: set_rng_state(state)


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """torch.vmap / torch.func.vmap: func mapped over a dimension of its inputs."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}")
    if chunk_size is not None and chunk_size < 1:
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        name = _name(func)
        for d in tree_flatten(out_dims)[0]:
            if d is not None and not isinstance(d, int):
                raise ValueError(f"vmap({name}, ..., out_dims={out_dims}): `out_dims` must be an int, None or a "
                                 "python collection of ints representing where in the outputs the vmapped "
                                 "dimension should appear.")
        size, flat_args, dims, spec = _batched_inputs(in_dims, args, name)
        depth = vmap_depth()
        _state.vmap_depth = depth + 1  # custom Functions called in func check their vmap support
        modes = getattr(_state, "vmap_randomness", ())
        _state.vmap_randomness = modes + (randomness,)  # what a random op in func may do (_dispatch.call)
        same = _same_draws() if randomness == "same" else None
        try:
            results = []
            for b in (range(size) if size else [None]):
                if same is not None and b:  # 'same': every element draws what the first one drew
                    same()
                results.append(func(*tree_unflatten([_element(a, d, b) for a, d in zip(flat_args, dims)], spec),
                                    **kwargs))
        finally:
            _state.vmap_depth = depth
            _state.vmap_randomness = modes
        return _batched_outputs(results, out_dims, name, size == 0)

    return wrapped
