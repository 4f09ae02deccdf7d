"""Thread-local grad modes: no_grad, enable_grad, set_grad_enabled, inference_mode.

One implementation for the engine and the client (no engine imports here). In
one process they share the thread-local state, which is safe: the server runs
commands on its own threads and sets the mode each command was issued under.

The state is two flags, as in torch's AutogradState: ``enabled`` (grad mode)
and ``inference`` (inference mode; tensors created while it is on are
inference tensors). ``inference_mode(True)`` turns grad mode off and inference
on; ``inference_mode(False)`` turns grad mode on and inference off.

Each mode object is a context manager and a decorator: ``with no_grad():``,
``@no_grad()`` and bare ``@no_grad`` all work (likewise ``enable_grad`` and
``inference_mode``; ``@set_grad_enabled(False)``).
"""
from __future__ import annotations

import functools
import inspect
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
           "is_inference_mode_enabled"]


# torch 2.13's text, word for word (the C++ location included), when a non-leaf's .grad is read
NONLEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be "
    "populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf "
    "Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure "
    "you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more information. "
    "(Triggered internally at /__w/pytorch/pytorch/build/aten/src/ATen/core/TensorBody.h:493.)")


INFERENCE_INPLACE_MESSAGE = (
    "Inplace update to inference tensor outside InferenceMode is not allowed.You can make a clone to get a normal "
    "tensor before doing inplace update.See https://github.com/pytorch/rfcs/pull/17 for more details.")


def check_assigned_grad(tensor, grad, tensor_cls) -> None:
    """torch's checks when user code assigns ``tensor.grad = grad`` (``grad`` None, a ``tensor_cls`` or
    anything else); one rule for the client's handles and the engine's tensors."""
    if grad is None:
        return
    if not isinstance(grad, tensor_cls):
        raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(grad).__name__}")
    if grad is tensor:
        raise RuntimeError("can't assign Variable as its own grad")
    dtype, grad_dtype, shape, grad_shape = tensor.dtype, grad.dtype, tensor.shape, grad.shape
    if grad_dtype is not dtype:
        from .dtypes import CPP_NAMES  # noqa: PLC0415
        raise RuntimeError(
            f"attempting to assign a gradient with dtype '{CPP_NAMES.get(grad_dtype.name, grad_dtype.name)}' to a "
            f"tensor with grad_dtype '{dtype._torch_name}'. The gradient must match the tensor's grad_dtype "
            "(defaults to the tensor's dtype). You can set the tensor's grad_dtype attribute with a specific dtype, "
            "or None to allow any dtype. Set grad_dtype with caution. Diverging the dtypes of a tensor and its "
            "gradient may break downstream systems that assume they match.")
    if tuple(grad_shape) != tuple(shape):
        raise RuntimeError(f"attempting to assign a gradient of size '{list(grad_shape)}' to a tensor of size "
                           f"'{list(shape)}'. Please ensure that the gradient and the tensor are the same size")


def check_requires_grad(flag: bool, *, is_leaf: bool, floating: bool, inference: bool, setter: bool) -> None:
    """torch's errors when user code sets a tensor's requires_grad: with ``requires_grad_()``,
    or with the attribute (``setter``), which checks a little differently."""
    if not is_leaf:
        if not flag:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a computed "
                "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().")
        if setter:  # requires_grad_() on a non-leaf is a no-op; the attribute is not
            raise RuntimeError("you can only change requires_grad flags of leaf variables.")
        return
    if flag and not floating and floating is not None:  # (None: a complex tensor, which may require grad)
        raise RuntimeError("only Tensors of floating point and complex dtype can require gradients" if setter
                           else "only Tensors of floating point dtype can require gradients")
    if flag and inference and not _state.inference:
        raise RuntimeError("Setting requires_grad=True on inference tensor outside InferenceMode is not allowed.")


class _GradState(threading.local):
    enabled = True
    inference = False


_state = _GradState()


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad are recorded."""
    return _state.enabled


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()``."""
    return _state.inference


def _wrap(ctx_factory, func):
    """Wraps ``func`` so each call runs inside a fresh ``ctx_factory()`` (generators too)."""
    if inspect.isgeneratorfunction(func):
        @functools.wraps(func)
        def gen_wrapper(*args, **kwargs):
            gen = func(*args, **kwargs)
            with ctx_factory():
                response = gen.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with ctx_factory():
                        gen.close()
                    raise
                except BaseException:  # noqa: BLE001 - forwarded into the generator
                    import sys  # noqa: PLC0415
                    with ctx_factory():
                        response = gen.throw(*sys.exc_info())
                else:
                    try:
                        with ctx_factory():
                            response = gen.send(request)
                    except StopIteration as e:
                        return e.value
        return gen_wrapper

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with ctx_factory():
            return func(*args, **kwargs)

    return wrapper


class _GradModeBase:
    """Context manager and decorator that sets grad mode and restores it on exit."""

    _mode = True

    def __enter__(self):
        self._prev = _state.enabled
        _state.enabled = self._mode
        return None

    def __exit__(self, *exc):
        _state.enabled = self._prev
        return False

    def __call__(self, func):
        return _wrap(self.clone, func)

    def clone(self):
        return type(self)()


class _NoParamDecorator(_GradModeBase):
    """Usable as ``@mode`` as well as ``@mode()`` and ``with mode():``."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        if not callable(orig_func):
            raise TypeError(f"{cls.__name__}() takes no arguments")
        return cls()(orig_func)

    def __init__(self, orig_func=None):
        pass


class no_grad(_NoParamDecorator):
    """Disables gradient tracking (``with no_grad():``, ``@no_grad()`` or ``@no_grad``)."""

    _mode = False


class enable_grad(_NoParamDecorator):
    """Enables gradient tracking, e.g. inside a ``no_grad`` block."""

    _mode = True


class set_grad_enabled(_GradModeBase):
    """Sets grad mode on call; restores the previous mode when used as a context manager.

    Like torch: ``set_grad_enabled(False)`` as a plain call switches the mode at once.
    """

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled(): argument 'enabled' (position 1) must be bool, not "
                            f"{type(mode).__name__}")
        self._prev = _state.enabled
        self._mode = mode
        _state.enabled = self._mode

    def __enter__(self) -> None:
        # the mode was already set by __init__; __exit__ restores the mode from before it
        _state.enabled = self._mode

    def __exit__(self, *exc):
        _state.enabled = self._prev
        return False

    def __call__(self, func):
        # used as a decorator: undo the switch made by __init__
        _state.enabled = self._prev
        return super().__call__(func)

    def __repr__(self) -> str:
        return f"{type(self).__module__}.{type(self).__qualname__}(mode={self._mode})"

    def clone(self):
        return set_grad_enabled(self._mode)


class inference_mode:
    """Inference mode (``with inference_mode():``, ``@inference_mode()``, bare ``@inference_mode``).

    Turns grad mode off; tensors created inside are inference tensors
    (``t.is_inference()``), which cannot be saved for backward or updated in
    place outside the mode. ``inference_mode(False)`` turns it off again inside.
    """

    def __new__(cls, mode=True):
        if isinstance(mode, bool):
            return super().__new__(cls)
        if callable(mode):  # bare decorator: @inference_mode
            return cls(True)(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        self.mode = bool(mode)

    def __enter__(self) -> None:
        self._prev = (_state.enabled, _state.inference)
        _state.enabled = not self.mode
        _state.inference = self.mode

    def __exit__(self, *exc):
        _state.enabled, _state.inference = self._prev
        return False

    def __call__(self, func):
        return _wrap(self.clone, func)

    def clone(self):
        return type(self)(self.mode)


# torch's names, as their reprs show them (<torch.autograd.grad_mode.no_grad object at ...>)
for _cls in (no_grad, enable_grad, set_grad_enabled, inference_mode):
    _cls.__module__ = "torch.autograd.grad_mode"
