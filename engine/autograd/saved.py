"""torch's saved-variable attributes of graph nodes: ``grad_fn._saved_self``, ``_saved_result``,
``_saved_dim`` ...

One table maps a node name to the variables torch's node saves, in torch's order, each with where the
engine's node keeps it: a saved tensor (by position in ``ctx.saved_tensors``), a ctx attribute, or a value
derived from them. Tensors are read through ``saved_tensors``, so a freed graph raises torch's error and
a tensor modified in place torch's version error; plain values outlive backward, as in torch.
"""
from __future__ import annotations

from ..tensor import Tensor

__all__ = ["saved_attribute", "SAVED"]


def _tensor(i, when=None):
    """``ctx.saved_tensors[i]``; None where torch does not save it (``when(node)`` is false)."""
    def get(node):
        if when is not None and not when(node):
            return None
        return node.saved_tensors[i]
    get.is_tensor = True
    get.slot, get.when = i, when
    return get


def _tensor_or_scalar(i, when=None):
    """A tensor operand, or the Python number in its place as torch wraps it (``tensor(3)``)."""
    def get(node):
        if when is not None and not when(node):
            return None
        t = node.saved_tensors[i]
        if t is None:
            return _wrapped(node.scalars[i])
        return t
    get.is_tensor = True
    get.slot, get.when = i, when
    return get


def _wrapped(value) -> Tensor:
    """A Python number as torch wraps it: a 0-d CPU tensor, int64 / float64 / bool."""
    from gradwire.common import dtypes  # noqa: PLC0415
    from ..ops.creation import tensor  # noqa: PLC0415
    dtype = dtypes.bool_ if isinstance(value, bool) else dtypes.int64 if isinstance(value, int) else dtypes.float64
    return tensor(value, dtype=dtype)


def _attr(name, convert=None):
    def get(node):
        v = node.__dict__[name]
        return convert(v) if convert is not None else v
    return get


def _needs(i):
    return lambda node: node.needs_input_grad[i]


def _sizes(i):
    def get(node):
        return tuple(node.saved_tensors[i].array.shape)
    return get


def _strides(i):
    def get(node):
        a = node.saved_tensors[i].array
        return tuple(s // a.itemsize for s in a.strides)
    return get


def _numel(node):
    n = 1
    for s in node.in_shape:
        n *= s
    return n


_IN_SHAPE = _attr("in_shape", tuple)
_DIM = _attr("dims", tuple)
_KEEPDIM = _attr("keepdim", bool)
_RESULT = {"result": _tensor(0)}
_SELF = {"self": _tensor(0)}

SAVED = {
    "AddBackward0": {"alpha": _attr("alpha")},
    "SubBackward0": {"alpha": _attr("alpha")},
    "MulBackward0": {"other": _tensor_or_scalar(1, _needs(0)), "self": _tensor_or_scalar(0, _needs(1))},
    "DivBackward0": {"other": _tensor_or_scalar(1), "self": _tensor_or_scalar(0, _needs(1))},
    "PowBackward0": {"self": _tensor(0), "exponent": _attr("exponent")},
    "PowBackward1": {"exponent": _tensor(1), "self": _tensor(0), "result": _tensor(2)},
    "PowBackward2": {"self": _attr("base"), "exponent": _tensor(0), "result": _tensor(1)},
    "ExpBackward0": _RESULT, "ReluBackward0": _RESULT, "ReciprocalBackward0": _RESULT,
    "LogBackward0": _SELF,
    "MmBackward0": {"self": _tensor(0, _needs(1)), "self_sym_sizes": _sizes(0), "self_sym_strides": _strides(0),
                    "mat2": _tensor(1, _needs(0)), "mat2_sym_sizes": _sizes(1), "mat2_sym_strides": _strides(1)},
    "SumBackward0": {"self_sym_sizes": _IN_SHAPE},
    "SumBackward1": {"dim": _DIM, "keepdim": _KEEPDIM, "self_sym_sizes": _IN_SHAPE},
    "MeanBackward0": {"self_sym_sizes": _IN_SHAPE, "self_sym_numel": _numel},
    "MeanBackward1": {"dim": _DIM, "keepdim": _KEEPDIM, "self_sym_sizes": _IN_SHAPE, "self_sym_numel": _numel},
}


def saved_of(node) -> dict:
    """The node's saved variables, by torch's name (a one-input elementwise op: self or result)."""
    table = SAVED.get(node._name)
    if table is not None:
        return table
    saves = getattr(node._function, "saves", None)  # the elementwise unary ops
    if saves == "input":
        return _SELF
    if saves == "output":
        return _RESULT
    return {}


def saved_slots(node) -> list:
    """Positions in the node's saved tensors that torch's node saves, in torch's order (all of them for
    a node the table does not know)."""
    table = saved_of(node)
    if not table:
        return list(range(len(node._saved)))
    out = []
    for get in table.values():
        slot = getattr(get, "slot", None)
        if slot is not None and (get.when is None or get.when(node)) and slot not in out:
            out.append(slot)
    return out


class SavedTensor:
    """What ``_raw_saved_<name>`` returns: ``unpack()`` gives the tensor; ``register_hooks(pack, unpack)``
    packs it now and unpacks it on each use (one pair of hooks per saved tensor)."""

    def __init__(self, node, get):
        self._node = node
        self._get = get

    def unpack(self):
        return self._get(self._node)

    def register_hooks(self, pack_hook, unpack_hook) -> None:
        from ..function import FREED_MESSAGE, _Packed  # noqa: PLC0415
        node, slot = self._node, getattr(self._get, "slot", None)
        if slot is None or node._freed:
            raise RuntimeError(FREED_MESSAGE)
        saved = list(node._saved)
        if isinstance(saved[slot], _Packed):
            raise RuntimeError("Calling register_hooks on a saved tensor whose hooks have already been set. Hint: "
                               "only one pair of hooks is allowed at a time.")
        t = self.unpack()
        if t is None:
            raise RuntimeError(FREED_MESSAGE)
        own_output = type(saved[slot]) is not Tensor  # (the node's own output: kept as a flag by _Packed)
        saved[slot] = _Packed(pack_hook(t), unpack_hook, t, own_output)
        node._saved = tuple(saved)



def saved_attribute(node, attr: str):
    """``node._saved_<name>`` / ``node._raw_saved_<name>``, or torch's AttributeError."""
    raw = attr.startswith("_raw_saved_")
    name = attr[len("_raw_saved_"):] if raw else attr[len("_saved_"):]
    get = saved_of(node).get(name)
    if get is None or (raw and not getattr(get, "is_tensor", False)):
        raise AttributeError(f"'{type(node).__name__}' object has no attribute '{attr}'")
    return SavedTensor(node, get) if raw else get(node)
