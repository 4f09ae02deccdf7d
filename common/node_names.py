"""The grad_fn names the client can tell at once, without waiting for the server.

For many ops torch names the backward node by the op alone, or by the kinds of
its arguments (a Python number or a tensor, a dim given or not). ``predict``
knows those; where the name depends on more (shapes, memory layout, dtypes,
options), it gives None and the name arrives with the command's reply. The
server's name always comes back and replaces the prediction; the client counts
the predictions it got wrong (tests fail on any).
"""
from __future__ import annotations

_BY_OP = {
    "add": "AddBackward0", "sub": "SubBackward0", "mul": "MulBackward0", "neg": "NegBackward0",
    "exp": "ExpBackward0", "log": "LogBackward0", "sigmoid": "SigmoidBackward0", "tanh": "TanhBackward0",
    "relu": "ReluBackward0", "sqrt": "SqrtBackward0", "sin": "SinBackward0", "cos": "CosBackward0",
    "abs": "AbsBackward0", "mm": "MmBackward0", "view": "ViewBackward0", "t": "TBackward0",
    "transpose": "TransposeBackward0", "permute": "PermuteBackward0", "unsqueeze": "UnsqueezeBackward0",
    "clone": "CloneBackward0", "mse_loss": "MseLossBackward0",
}

_MATMUL = {(2, 2): "MmBackward0", (2, 1): "MvBackward0", (1, 1): "DotBackward0"}


def _ndim(x):
    shape = getattr(x, "_shape", None)
    return None if shape is None else len(shape)


def _dim_given(args, kwargs) -> bool | None:
    """sum/mean: True with a dim, False without; None for calls whose node may differ (dtype=...)."""
    if kwargs and set(kwargs) - {"dim", "keepdim"}:
        return None
    dim = args[1] if len(args) > 1 else (kwargs or {}).get("dim")
    return dim is not None


def predict(op: str, args, kwargs) -> str | None:
    """torch's name of the node ``op(*args, **kwargs)`` records, or None if it depends on more."""
    name = _BY_OP.get(op)
    if name is not None:
        return name
    if op == "div":
        return "DivBackward2" if kwargs and "rounding_mode" in kwargs else "DivBackward0"
    if op == "pow" and len(args) == 2 and _ndim(args[0]) is not None:
        return "PowBackward0" if _ndim(args[1]) is None else "PowBackward1"
    if op in ("sum", "mean"):
        given = _dim_given(args, kwargs)
        if given is not None:
            return f"{'Sum' if op == 'sum' else 'Mean'}Backward{int(given)}"
        return None
    if op == "matmul":
        return _MATMUL.get((_ndim(args[0]), _ndim(args[1])))
    if op == "linear" and _ndim(args[0]) == 2:
        bias = args[2] if len(args) > 2 else (kwargs or {}).get("bias")
        return "AddmmBackward0" if bias is not None else "MmBackward0"
    if op in ("softmax", "log_softmax") and not (kwargs and kwargs.get("dtype") is not None):
        return "SoftmaxBackward0" if op == "softmax" else "LogSoftmaxBackward0"
    if op == "cross_entropy" and len(args) > 1 and getattr(getattr(args[1], "_dtype", None), "is_floating_point",
                                                           True) is False:
        if not (kwargs and kwargs.get("label_smoothing")):
            return "NllLossBackward0"
    return None
