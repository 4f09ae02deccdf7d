"""Checks of what a graph node's hook returned, with torch's texts: shared by the engine (its own
nodes' hooks) and the client (hooks in client Python, checked before their result crosses the wire)."""
from __future__ import annotations

# torch's legacy type names, as its hook errors print them
TORCH_TYPE = {"float16": "HalfTensor", "bfloat16": "BFloat16Tensor", "float32": "FloatTensor",
              "float64": "DoubleTensor", "int8": "CharTensor", "uint8": "ByteTensor", "int16": "ShortTensor",
              "int32": "IntTensor", "int64": "LongTensor", "bool": "BoolTensor"}


def hook_name(hook) -> str:
    name = getattr(hook, "__name__", None)
    return name if isinstance(name, str) else "<unknown>"


def torch_type(dtype) -> str:
    return "torch." + TORCH_TYPE.get(dtype.name, "Tensor")


def check_node_hook_result(hook, result, originals, tensor_type) -> tuple:
    """A node hook's replacement of ``originals`` (grad_outputs for a pre-hook, grad_inputs for a
    post-hook), checked as torch checks it; ``result`` is not None."""
    if not isinstance(result, tuple):
        raise TypeError(f"expected tuple, but hook returned '{type(result).__name__}'")
    if len(result) != len(originals):
        raise RuntimeError(f"hook '{hook_name(hook)}' has returned an incorrect number of values "
                           f"(got {len(result)}, but expected {len(originals)})")
    for new, old in zip(result, originals):
        if new is None:
            continue
        if old is None:
            raise RuntimeError("can't replace a None gradient with a non-None value")
        check_hook_value(hook, new, old, tensor_type)
    return result


def check_hook_value(hook, new, old, tensor_type):
    """One gradient a hook returned in place of ``old`` (a tensor hook's result, not None)."""
    if not isinstance(new, tensor_type):
        raise TypeError(f"expected Variable, but hook returned '{type(new).__name__}'")
    if new.dtype is not old.dtype:
        raise RuntimeError(f"hook '{hook_name(hook)}' has changed the type of value (was "
                           f"{torch_type(old.dtype)} got {torch_type(new.dtype)})")
    if tuple(new.shape) != tuple(old.shape):
        raise RuntimeError(f"hook '{hook_name(hook)}' has changed the size of value")
    return new
