"""torch.utils.checkpoint: trade compute for memory by running a piece of the forward again in backward.

``use_reentrant=False`` (what torch recommends): the forward's graph is recorded as usual, but the server
keeps none of the tensors its ops save for backward (engine/autograd/checkpoint.py); the first backward
that needs them calls this client back to run the function again. ``use_reentrant=True`` (torch's default,
with a warning): one custom Function, ``CheckpointFunction``, runs the function without grad and, in its
backward, runs it again with grad and backpropagates through that.
"""
from __future__ import annotations

import contextlib
import warnings

from .. import _dispatch, grad_mode
from .._creation import get_rng_state, set_rng_state
from ..autograd import function as _function
from ..autograd.function import Function
from ..errors import register_error_type
from ..random import fork_rng
from ..tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential", "CheckpointError", "CheckpointFunction", "detach_variable",
           "check_backward_validity", "noop_context_fn"]


class CheckpointError(RuntimeError):
    """The recomputation did not save what the forward saved."""


register_error_type(CheckpointError)  # the server's engine raises it in backward


def noop_context_fn():
    return contextlib.nullcontext(), contextlib.nullcontext()


def detach_variable(inputs):
    if not isinstance(inputs, tuple):
        raise RuntimeError(f"Only tuple of tensors is supported. Got Unsupported input type: {type(inputs).__name__}")
    out = []
    for inp in inputs:
        if not isinstance(inp, Tensor):
            out.append(inp)
            continue
        x = inp.detach()
        x.requires_grad = inp.requires_grad
        out.append(x)
    return tuple(out)


def check_backward_validity(inputs) -> None:
    if not any(inp.requires_grad for inp in inputs if isinstance(inp, Tensor)):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None", stacklevel=2)


def _use_reentrant(use_reentrant, caller: str, stacklevel: int = 3) -> bool:
    if use_reentrant is None:
        warnings.warn(_REENTRANT_WARNINGS[caller], stacklevel=stacklevel)
        return True
    return use_reentrant


_REENTRANT_WARNINGS = {
    "checkpoint": (
        "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting in PyTorch "
        "2.9, calling checkpoint without use_reentrant will raise an exception. use_reentrant=False is "
        "recommended, but if you need to preserve the current default behavior, you can pass "
        "use_reentrant=True. Refer to docs for more details on the differences between the two variants."),
    "checkpoint_sequential": (
        "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be passed explicitly. "
        "In version 2.9 we will raise an exception if use_reentrant is not passed. use_reentrant=False is "
        "recommended, but if you need to preserve the current default behavior, you can pass "
        "use_reentrant=True. Refer to docs for more details on the differences between the two variants."),
}


def checkpoint(function, *args, use_reentrant=None, context_fn=noop_context_fn, determinism_check="default",
               debug=False, early_stop=True, **kwargs):
    """``function(*args, **kwargs)`` whose intermediate tensors are recomputed in backward instead of kept."""
    use_reentrant = _use_reentrant(use_reentrant, "checkpoint")
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError("Passing `context_fn` or `debug` is only supported when use_reentrant=False.")
        return CheckpointFunction.apply(function, preserve, *args)
    return _checkpoint_without_reentrant(function, preserve, context_fn, args, kwargs)


def _checkpoint_without_reentrant(function, preserve, context_fn, args, kwargs):
    conn = _dispatch.default_connection()
    forward_context, recompute_context = context_fn()

    def recompute():  # the server's backward calls this when it first needs a saved tensor of the region
        with grad_mode.enable_grad(), recompute_context:
            function(*args, **kwargs)
        return ()

    function_id = conn.register_function(recompute)  # released when the region's last saved tensor goes
    conn.submit("checkpoint.begin", (function_id, bool(preserve)), handle_of=_dispatch._handle_of)
    try:
        with forward_context:
            return function(*args, **kwargs)
    finally:
        conn.submit("checkpoint.end", (), handle_of=_dispatch._handle_of)


class CheckpointFunction(Function):
    """use_reentrant=True: forward without grad; backward runs the function again with grad and
    backpropagates through it, into the inputs and every parameter the function used."""

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        check_backward_validity(args)
        ctx.run_function = run_function
        ctx.preserve_rng_state = preserve_rng_state
        if preserve_rng_state:
            ctx.fwd_cpu_state = get_rng_state()
        ctx.inputs = [None if isinstance(a, Tensor) else a for a in args]
        ctx.tensor_indices = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.save_for_backward(*[a for a in args if isinstance(a, Tensor)])
        with grad_mode.no_grad():
            return run_function(*args)

    @staticmethod
    def backward(ctx, *grads):
        if not _function._is_checkpoint_valid():
            raise RuntimeError(
                "When use_reentrant=True, torch.utils.checkpoint is incompatible with .grad() or passing an "
                "`inputs` parameter to .backward(). To resolve this error, you can either set "
                "use_reentrant=False, or call .backward() without passing the `inputs` argument.")
        inputs = list(ctx.inputs)
        for i, t in zip(ctx.tensor_indices, ctx.saved_tensors):
            inputs[i] = t
        with fork_rng(enabled=ctx.preserve_rng_state):
            if ctx.preserve_rng_state:
                set_rng_state(ctx.fwd_cpu_state)
            detached = detach_variable(tuple(inputs))
            with grad_mode.enable_grad():
                outputs = ctx.run_function(*detached)
        if isinstance(outputs, Tensor):
            outputs = (outputs,)
        with_grad = [(o, g) for o, g in zip(outputs, grads) if isinstance(o, Tensor) and o.requires_grad]
        if not with_grad:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
        from ..autograd import backward  # noqa: PLC0415
        backward([o for o, _ in with_grad], [g for _, g in with_grad])
        return (None, None) + tuple(inp.grad if isinstance(inp, Tensor) else None for inp in detached)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Runs ``functions`` (an nn.Sequential or a list) in order, checkpointing all but the last of
    ``segments`` chunks."""
    use_reentrant = _use_reentrant(use_reentrant, "checkpoint_sequential")
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    from ..nn import Sequential  # noqa: PLC0415

    def run(start, end):
        def forward(x):
            for j in range(start, end + 1):
                x = functions[j](x)
            return x
        return forward

    if isinstance(functions, Sequential):
        functions = list(functions.children())
    size = len(functions) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run(end + 1, len(functions) - 1)(input)
