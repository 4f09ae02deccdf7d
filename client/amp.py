"""torch.amp: autocast and GradScaler.

Autocast happens at the client's dispatch point: while a region is active for a device type, the
ops torch runs in lower precision there get their floating-point inputs (on that device type, not
float64) cast to the region's dtype first, the ops torch keeps in float32 get theirs cast up, and
the ops that promote get the widest input type. The casts are ordinary ``to`` ops, so the graph
shows torch's ToCopyBackward0 nodes; a leaf's cast is made once per region (torch's cast cache).
The server needs nothing new. CPU autocast runs in bfloat16 by default, as torch's.
"""
from __future__ import annotations

import functools
import sys
import threading
import types
import warnings

from . import _dispatch
from .common import dtypes
from .grad_mode import no_grad

__all__ = ["autocast", "GradScaler", "is_autocast_available", "custom_fwd", "custom_bwd"]

# torch's autocast op lists (aten/src/ATen/autocast_mode.cpp), by the names of gradwire's client ops
_LOWER_PRECISION = {
    "cuda": frozenset({"conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
                       "prelu", "addmm", "addmv", "addr", "matmul", "einsum", "mm", "mv", "linear", "addbmm",
                       "baddbmm", "bmm", "chain_matmul", "multi_dot", "vecdot", "scaled_dot_product_attention"}),
    "cpu": frozenset({"conv1d", "conv2d", "conv3d", "bmm", "mm", "vecdot", "baddbmm", "addmm", "addbmm", "linear",
                      "matmul", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "prelu",
                      "scaled_dot_product_attention"}),
}
_FP32 = {
    "cuda": frozenset({"acos", "asin", "cosh", "erfinv", "exp", "expm1", "log", "log10", "log2", "log1p",
                       "reciprocal", "rsqrt", "sinh", "tan", "pow", "softplus", "layer_norm", "group_norm", "norm",
                       "cosine_similarity", "poisson_nll_loss", "cosine_embedding_loss", "nll_loss",
                       "hinge_embedding_loss", "kl_div", "l1_loss", "smooth_l1_loss", "huber_loss", "mse_loss",
                       "margin_ranking_loss", "multilabel_margin_loss", "soft_margin_loss", "triplet_margin_loss",
                       "multi_margin_loss", "binary_cross_entropy_with_logits", "dist", "pdist", "cdist", "renorm",
                       "logsumexp", "sum", "prod", "cumprod", "cumsum", "softmax", "log_softmax", "cross_entropy",
                       "vector_norm", "matrix_norm"}),
    "cpu": frozenset({"avg_pool3d", "binary_cross_entropy", "grid_sampler", "prod", "quantile", "nanquantile",
                      "cdist", "trace", "cholesky", "cholesky_inverse", "cholesky_solve", "inverse", "pinverse",
                      "max_pool3d", "adaptive_avg_pool3d", "mse_loss", "cosine_embedding_loss", "nll_loss",
                      "hinge_embedding_loss", "poisson_nll_loss", "smooth_l1_loss", "cross_entropy", "l1_loss",
                      "huber_loss", "margin_ranking_loss", "soft_margin_loss", "triplet_margin_loss",
                      "multi_margin_loss", "kl_div", "multilabel_margin_loss", "binary_cross_entropy_with_logits",
                      "qr", "svd", "eigh", "eigvalsh", "inv", "inv_ex", "lstsq", "matrix_power", "matrix_rank",
                      "pinv", "cond", "solve", "cholesky_ex", "vector_norm", "matrix_norm", "slogdet", "det"}),
}
_PROMOTE = {
    "cuda": frozenset({"addcdiv", "addcmul", "atan2", "bilinear", "cross", "dot", "grid_sampler", "index_put",
                       "scatter_add", "tensordot", "cat", "stack", "index_copy"}),
    "cpu": frozenset({"stack", "cat", "index_copy"}),
}
_DEFAULT_DTYPE = {"cuda": dtypes.float16, "cpu": dtypes.bfloat16}
_DEVICE_TYPES = ("cpu", "cuda")


class _State(threading.local):
    """Per thread, as torch's: which device types autocast, to what, and the cast cache."""

    def __init__(self):
        self.enabled = dict.fromkeys(_DEVICE_TYPES, False)
        self.dtype = dict(_DEFAULT_DTYPE)
        self.cache_enabled = True
        self.nesting = 0
        self.cache = {}    # (id of a leaf that requires grad, dtype) -> (leaf, its cast)


_state = _State()


def _install_hook() -> None:
    """The dispatch point casts only while some device type autocasts (one global read per op otherwise)."""
    if any(_state.enabled.values()):
        _dispatch.add_input_hook(_cast_args)
    else:
        _dispatch.remove_input_hook(_cast_args)


def is_autocast_available(device_type: str) -> bool:
    return device_type in _DEVICE_TYPES


def is_autocast_enabled(device_type: str | None = None) -> bool:
    return _state.enabled.get("cuda" if device_type is None else device_type, False)


def set_autocast_enabled(device_type, enabled=None) -> None:
    if enabled is None:  # torch's old form: set_autocast_enabled(enabled), for CUDA
        device_type, enabled = "cuda", device_type
    _state.enabled[device_type] = bool(enabled)
    _install_hook()


def get_autocast_dtype(device_type: str):
    return _state.dtype.get(device_type)


def set_autocast_dtype(device_type: str, dtype) -> None:
    _state.dtype[device_type] = dtype


def is_autocast_cache_enabled() -> bool:
    return _state.cache_enabled


def set_autocast_cache_enabled(enabled: bool) -> None:
    _state.cache_enabled = bool(enabled)


def clear_autocast_cache() -> None:
    _state.cache.clear()


def _device_type(t) -> str:
    return t._device.split(":", 1)[0]


def _eligible(t, device_type: str) -> bool:
    dt = t._dtype
    return dt.is_floating_point and dt is not dtypes.float64 and _device_type(t) == device_type


def _cast(t, dtype):
    if t._dtype is dtype:
        return t
    if _state.cache_enabled and t._requires_grad and t._grad_fn is None:
        key = (id(t), dtype)
        hit = _state.cache.get(key)
        if hit is None or hit[0] is not t:
            hit = _state.cache[key] = (t, t.to(dtype))
        return hit[1]
    return t.to(dtype)


def _map_tensors(args, kwargs, fn):
    def one(a):
        if isinstance(a, Tensor):
            return fn(a)
        if type(a) in (list, tuple) and any(isinstance(b, Tensor) for b in a):
            return type(a)(fn(b) if isinstance(b, Tensor) else b for b in a)
        return a
    return tuple(one(a) for a in args), ({k: one(v) for k, v in kwargs.items()} if kwargs else kwargs)


def _cast_args(op: str, args, kwargs):
    """``op``'s arguments as autocast gives them to it."""
    for device_type, on in _state.enabled.items():
        if not on:
            continue
        if op in _LOWER_PRECISION[device_type]:
            target = _state.dtype[device_type]
        elif op in _FP32[device_type]:
            target = dtypes.float32
        elif op in _PROMOTE[device_type]:
            target = None
            for t in _dispatch._tensors((*args, *kwargs.values()) if kwargs else args):
                if _eligible(t, device_type):
                    target = t._dtype if target is None else dtypes.promote_types(target, t._dtype)
            if target is None:
                continue
        else:
            continue
        args, kwargs = _map_tensors(args, kwargs,
                                    lambda t: _cast(t, target) if _eligible(t, device_type) else t)
    return args, kwargs


class autocast:
    """``with torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None):`` (or as a decorator)."""

    def __init__(self, device_type: str, dtype=None, enabled: bool = True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if not is_autocast_available(device_type):
            raise RuntimeError(f"User specified an unsupported autocast device_type '{device_type}'")
        self.device = device_type
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dtype
        self._cache_enabled = is_autocast_cache_enabled() if cache_enabled is None else cache_enabled
        if enabled:
            name = device_type.upper()
            if device_type == "cuda":
                from . import cuda  # noqa: PLC0415
                if not cuda.is_available():
                    warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.",
                                  stacklevel=2)
                    enabled = False
            if enabled and self.fast_dtype not in (dtypes.float16, dtypes.bfloat16):
                warnings.warn(f"In {name} autocast, but the target dtype is not supported. Disabling autocast.\n"
                              f"{name} Autocast only supports dtypes of torch.bfloat16, torch.float16 currently.",
                              stacklevel=2)
                enabled = False
        self._enabled = enabled

    def __enter__(self):
        self._before = (_state.enabled[self.device], _state.dtype[self.device], _state.cache_enabled)
        _state.enabled[self.device] = self._enabled
        _state.dtype[self.device] = self.fast_dtype
        _state.cache_enabled = self._cache_enabled
        _state.nesting += 1
        _install_hook()
        return self

    def __exit__(self, *exc):
        _state.nesting -= 1
        if _state.nesting == 0:
            _state.cache.clear()
        _state.enabled[self.device], _state.dtype[self.device], _state.cache_enabled = self._before
        _install_hook()
        return False

    def __call__(self, func):
        if not callable(func):
            raise TypeError(
                f"autocast()(func) requires a callable, but got {type(func).__name__}. Did you mean to use "
                "autocast as a context manager? For example:\n    with torch.autocast(device_type=...):\n"
                "        output = model(input)")

        @functools.wraps(func)
        def decorated(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return decorated


def custom_fwd(fwd=None, *, device_type: str, cast_inputs=None):
    """For a custom Function's forward: with ``cast_inputs``, inside an autocast region of ``device_type``
    its floating inputs are cast to that dtype and it runs with autocast off."""
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorated(*args, **kwargs):
        if cast_inputs is None or not is_autocast_enabled(device_type):
            return fwd(*args, **kwargs)
        args, kwargs = _map_tensors(args, kwargs,
                                    lambda t: t.to(cast_inputs) if _eligible(t, device_type) else t)
        with autocast(device_type, enabled=False):
            return fwd(*args, **kwargs)
    return decorated


def custom_bwd(bwd=None, *, device_type: str):
    """For a custom Function's backward (accepted: gradwire runs it with the caller's autocast state)."""
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    return bwd


# ----- GradScaler ---------------------------------------------------------------------------------

_READY, _UNSCALED, _STEPPED = 0, 1, 2


class GradScaler:
    """Loss scaling for float16 training: ``scaler.scale(loss).backward(); scaler.step(opt); scaler.update()``.

    ``step`` reads whether any gradient was inf/NaN (one round trip, as torch's ``step`` syncs too) and
    skips the optimizer's step if so; ``update`` then backs the scale off, or grows it after
    ``growth_interval`` clean steps."""

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000, enabled: bool = True):
        self._device = device
        if enabled and device == "cuda":
            from . import cuda  # noqa: PLC0415
            if not cuda.is_available():
                warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                              stacklevel=2)
                enabled = False
        self._enabled = enabled
        if growth_factor <= 1.0:
            raise AssertionError("The growth factor must be > 1.0.")
        if backoff_factor >= 1.0:
            raise AssertionError("The backoff factor must be < 1.0.")
        self._init_scale = float(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._scale = None             # a float32 tensor on the device, made on first use
        self._growth_tracker = 0
        self._per_optimizer = {}       # id(optimizer) -> {"stage", "found_inf"}

    def is_enabled(self) -> bool:
        return self._enabled

    def _scale_tensor(self):
        if self._scale is None:
            from . import full  # noqa: PLC0415
            self._scale = full((), self._init_scale, dtype=dtypes.float32, device=self._device)
        return self._scale

    def scale(self, outputs):
        """``outputs`` (a tensor, or lists/tuples of them) times the scale."""
        if not self._enabled:
            return outputs
        scale = self._scale_tensor()

        def apply(value):
            if isinstance(value, Tensor):
                return value * scale.to(device=value.device, non_blocking=True)
            if isinstance(value, (list, tuple)):
                return type(value)(apply(v) for v in value)
            raise ValueError("outputs must be a Tensor or an iterable of Tensors")
        return apply(outputs)

    def _state_of(self, optimizer) -> dict:
        return self._per_optimizer.setdefault(id(optimizer), {"stage": _READY, "found_inf": None})

    def unscale_(self, optimizer) -> None:
        """Divide ``optimizer``'s gradients by the scale (in place), noting whether any is inf/NaN."""
        if not self._enabled:
            return
        state = self._state_of(optimizer)
        if state["stage"] == _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] == _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        from . import zeros  # noqa: PLC0415
        inv_scale = self._scale_tensor().double().reciprocal().float()
        found_inf = zeros((), dtype=dtypes.float32, device=self._device)
        with no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    grad = p.grad
                    if grad is None:
                        continue
                    if grad.dtype is dtypes.float16:
                        raise ValueError("Attempting to unscale FP16 gradients.")
                    grad.mul_(inv_scale.to(grad.dtype))
                    found_inf = found_inf.maximum((~grad.isfinite()).any().float())
        state["found_inf"] = found_inf
        state["stage"] = _UNSCALED

    def step(self, optimizer, *args, **kwargs):
        """``optimizer.step()`` unless a gradient was inf/NaN; unscales first if ``unscale_`` was not called."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        state = self._state_of(optimizer)
        if state["stage"] == _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] == _READY:
            self.unscale_(optimizer)
        if state["found_inf"] is None:
            raise AssertionError("No inf checks were recorded for this optimizer.")
        result = None
        if not state["found_inf"].item():
            result = optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return result

    def update(self, new_scale=None) -> None:
        """The next scale: ``new_scale``, or the current one backed off after an inf/NaN, grown after
        ``growth_interval`` clean steps in a row."""
        if not self._enabled:
            return
        scale = self._scale_tensor()
        if new_scale is not None:
            if isinstance(new_scale, float):
                scale.fill_(new_scale)
            else:
                if not isinstance(new_scale, Tensor) or new_scale.numel() != 1 or new_scale.requires_grad:
                    raise AssertionError("new_scale should be a float or a 1-element torch.cuda.FloatTensor or "
                                         "torch.FloatTensor with requires_grad=False.")
                scale.copy_(new_scale.reshape(()))
        else:
            found = [s["found_inf"] for s in self._per_optimizer.values() if s["found_inf"] is not None]
            if not found:
                raise AssertionError("No inf checks were recorded prior to update.")
            if any(f.item() for f in found):
                scale.mul_(self._backoff_factor)
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    scale.mul_(self._growth_factor)
                    self._growth_tracker = 0
        self._per_optimizer = {}

    def get_scale(self) -> float:
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else self._scale.item()

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        self._growth_factor = new_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        self._backoff_factor = new_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        self._growth_interval = new_interval

    def state_dict(self) -> dict:
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict: dict) -> None:
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                               "instance of GradScaler.")
        self._init_scale = float(state_dict["scale"])
        if self._scale is not None:
            self._scale.fill_(self._init_scale)
        self._growth_factor = state_dict["growth_factor"]
        self._backoff_factor = state_dict["backoff_factor"]
        self._growth_interval = state_dict["growth_interval"]
        self._growth_tracker = state_dict["_growth_tracker"]


# ----- the deprecated per-device spellings: torch.cuda.amp, torch.cpu.amp -------------------------

def _deprecated_autocast(device_type: str, default_dtype):
    class _DeviceAutocast(autocast):
        def __init__(self, enabled: bool = True, dtype=default_dtype, cache_enabled: bool = True):
            warnings.warn(f"`torch.{device_type}.amp.autocast(args...)` is deprecated. Please use "
                          f"`torch.amp.autocast('{device_type}', args...)` instead.", FutureWarning, stacklevel=2)
            super().__init__(device_type, dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)
    _DeviceAutocast.__name__ = _DeviceAutocast.__qualname__ = "autocast"
    _DeviceAutocast.__module__ = f"torch.{device_type}.amp.autocast_mode"
    return _DeviceAutocast


class _CudaGradScaler(GradScaler):
    def __init__(self, init_scale: float = 2.0 ** 16, growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True):
        warnings.warn("`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                      "`torch.amp.GradScaler('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled)


_CudaGradScaler.__name__ = _CudaGradScaler.__qualname__ = "GradScaler"


def _submodule(name: str, **attributes) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(attributes)
    sys.modules[name] = module
    return module


# torch's names for the classes (as their reprs print)
autocast.__module__ = "torch.amp.autocast_mode"
GradScaler.__module__ = "torch.amp.grad_scaler"
_CudaGradScaler.__module__ = "torch.cuda.amp.grad_scaler"

cuda_amp = _submodule("gradwire.cuda.amp", autocast=_deprecated_autocast("cuda", dtypes.float16),
                      GradScaler=_CudaGradScaler, custom_fwd=custom_fwd, custom_bwd=custom_bwd)
cpu_amp = _submodule("gradwire.cpu.amp", autocast=_deprecated_autocast("cpu", dtypes.bfloat16))

from .tensor import Tensor  # noqa: E402  (tensor.py imports _dispatch, which this module extends)
