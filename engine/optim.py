"""Optimizer kernels: in-place updates of lists of tensors, no graph (SGD, Adam/AdamW, grad clipping).

Declares WIRE (wire op name -> callable); engine/__init__.py installs it.

The formulas are PyTorch's single-tensor ("for-loop") implementations, op for
op, so a client optimizer running these on the server matches torch.optim
step for step.  Parameters are updated in place on their arrays (their
version counters are bumped, as an in-place op under no_grad would).

Wire forms (the client's ``gradwire.optim`` sends these):

    optim.SGD(param_groups, **defaults)        -> optimizer handle
    optim.Adam(param_groups, **defaults)       -> optimizer handle
    optim.AdamW(param_groups, **defaults)      -> optimizer handle
    optim.step(opt, lrs=None)                  -> None   (lrs: one new lr per group, set before the step)
    optim.zero_grad(opt, set_to_none=True)     -> None
    optim.state_dict(opt)                      -> torch's {"state": ..., "param_groups": ...}
    optim.load_state_dict(opt, sd)             -> None
    clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None) -> 0-d Tensor
    clip_grad_value_(parameters, clip_value, foreach=None) -> None

``param_groups`` is a list of tensors, or a list of groups; a group is a dict
(``{"params": [Tensor, ...], "lr": 0.1, ...}``) or, as it may arrive over the
wire, a list of (key, value) pairs (``[("params", [...]), ("lr", 0.1)]``).
A state dict given to ``load_state_dict`` may use pair lists the same way.
"""
from __future__ import annotations

import math

from gradwire.common import dtypes as _dt

from . import backend

_np = backend.array_module("cpu")
numpy_empty = _np.empty
numpy_multiply = _np.multiply
from .grad_mode import no_grad
from .tensor import Tensor, _new_tensor

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "clip_grad_norm_", "clip_grad_value_"]


class _Required:
    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()


def _typename(obj) -> str:
    if isinstance(obj, Tensor):
        return f"torch.{obj.dtype._torch_name}Tensor"
    t = type(obj)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _is_pairs(obj) -> bool:
    """A dict sent as a list of (key, value) pairs."""
    return (isinstance(obj, (list, tuple)) and len(obj) > 0
            and all(isinstance(p, (list, tuple)) and len(p) == 2 and isinstance(p[0], str) for p in obj))


def _as_dict(obj):
    if isinstance(obj, dict):
        return obj
    if _is_pairs(obj):
        return dict(obj)
    return obj


def _is_group(obj) -> bool:
    if isinstance(obj, dict):
        return True
    return _is_pairs(obj) and any(k == "params" for k, _ in obj)


def _bump(t: Tensor) -> None:
    vc = t._vc
    if vc is None:
        t._vc = [1]
    else:
        vc[0] += 1


_CHUNK = 1 << 15  # elements per block of the blocked in-place updates (fits in L2 with its temporary)


def _add_scaled_(arr, g, alpha) -> None:
    """arr += g * alpha in place (torch's ``add_(g, alpha=alpha)``), blocked so the temporary stays in cache."""
    n = arr.size
    if n <= _CHUNK or not (arr.flags.c_contiguous and g.flags.c_contiguous) or arr.dtype != g.dtype \
            or g.shape != arr.shape:
        if arr.dtype == g.dtype:
            arr += g * alpha
        else:
            arr += (g * alpha).astype(arr.dtype)
        return
    a1 = arr.reshape(-1)
    g1 = g.reshape(-1)
    xp = type(arr).__module__.startswith("cupy")
    if xp:  # one kernel launch is cheaper than blocks on a GPU
        arr += g * alpha
        return
    alpha = arr.dtype.type(alpha)
    tmp = numpy_empty(_CHUNK, arr.dtype)
    for i in range(0, n, _CHUNK):
        j = min(i + _CHUNK, n)
        t = tmp[: j - i]
        numpy_multiply(g1[i:j], alpha, out=t)
        a1[i:j] += t


def _copy_tensor(t: Tensor, dtype=None) -> Tensor:
    arr = t.array
    if dtype is not None and dtype is not t.dtype:
        return _new_tensor(arr.astype(dtype.numpy), dtype, t.device)
    return _new_tensor(t.xp.array(arr, copy=True), t.dtype, t.device)


class Optimizer:
    """torch.optim.Optimizer's bookkeeping: param groups with defaults, per-parameter state."""

    def __init__(self, params, defaults: dict):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got " + _typename(params))
        self._state: dict = {}          # id(param) -> state dict
        self.param_groups: list = []
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not _is_group(groups[0]):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(_as_dict(g))

    # ---- groups -------------------------------------------------------------------
    def add_param_group(self, param_group) -> None:
        param_group = _as_dict(param_group)
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        param_group = dict(param_group)
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        param_group["params"] = params
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + _typename(p))
            if not self.defaults.get("differentiable", None) and not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        if isinstance(param_group.get("betas"), list):
            param_group["betas"] = tuple(param_group["betas"])
        seen = set()
        for g in self.param_groups:
            seen.update(id(p) for p in g["params"])
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    @property
    def state(self) -> dict:
        """Per-parameter state keyed by parameter tensor (like torch's ``optimizer.state``)."""
        by_id = {id(p): p for g in self.param_groups for p in g["params"]}
        return {by_id[k]: v for k, v in self._state.items() if k in by_id}

    def _state_of(self, p) -> dict:
        st = self._state.get(id(p))
        if st is None:
            st = self._state[id(p)] = {}
        return st

    def _with_grads(self, group):
        """For each parameter of ``group`` with a gradient: (param, its gradient array with maximize
        and weight decay applied, its state with the step counted, torch's order)."""
        wd = _num(group["weight_decay"])
        for p in group["params"]:
            gt = p.grad
            if gt is None:
                continue
            g = -gt.array if group["maximize"] else gt.array
            st = self._state_of(p)
            if "step" not in st:
                st["step"] = _step_count()
            _count_step(st)
            if wd != 0:
                g = g + p.array * wd
            yield p, g, st

    # ---- commands -----------------------------------------------------------------
    def step(self, lrs=None):
        """One update of every group; ``lrs`` (one per group) replaces each group's lr first."""
        if lrs is not None:
            lrs = list(lrs)
            if len(lrs) != len(self.param_groups):
                raise ValueError(f"expected {len(self.param_groups)} learning rates (one per parameter group), "
                                 f"got {len(lrs)}")
            for g, lr in zip(self.param_groups, lrs):
                g["lr"] = lr
        with no_grad():
            for group in self.param_groups:
                self._step_group(group)
        return None

    def _step_group(self, group) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if g.grad_fn is not None:
                        g.detach_()
                    else:
                        g._requires_grad = False
                    g.array[...] = 0
                    _bump(g)

    def state_dict(self) -> dict:
        index = {}
        groups = []
        start = 0
        for g in self.param_groups:
            packed = {k: v for k, v in g.items() if k != "params"}
            for i, p in enumerate(g["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in g["params"]]
            start += len(g["params"])
            groups.append(packed)
        state = {}
        for g in self.param_groups:
            for p in g["params"]:
                st = self._state.get(id(p))
                if st:
                    state[index[id(p)]] = st
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict) -> None:
        sd = _as_dict(state_dict)
        saved_groups = [_as_dict(g) for g in sd["param_groups"]]
        groups = self.param_groups
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        id_map = {}
        for g, s in zip(groups, saved_groups):
            for old, p in zip(s["params"], g["params"]):
                id_map[old] = p
        saved_state = _as_dict(sd["state"])
        if isinstance(saved_state, (list, tuple)):  # pairs whose keys are indices
            saved_state = {k: v for k, v in saved_state}
        new_state = {}
        for k, v in saved_state.items():
            p = id_map.get(k)
            if p is None:
                p = id_map.get(int(k)) if not isinstance(k, int) else None
            if p is None:
                continue
            v = _as_dict(v)
            entry = {}
            for key, value in v.items():
                if isinstance(value, Tensor):
                    if key == "step":
                        value = _copy_tensor(value)
                    else:
                        value = _copy_tensor(value, p.dtype if p.dtype.is_floating_point else None)
                entry[key] = value
            new_state[id(p)] = entry
        self._state = new_state
        new_groups = []
        for g, s in zip(groups, saved_groups):
            ng = {k: v for k, v in s.items()}
            ng["params"] = g["params"]
            if "param_names" in g and "param_names" not in s:
                ng["param_names"] = g["param_names"]
            if isinstance(ng.get("betas"), list):
                ng["betas"] = tuple(ng["betas"])
            new_groups.append(ng)
        self.param_groups = new_groups

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(g):
                if k != "params":
                    lines.append(f"    {k}: {g[k]}")
        lines.append(")")
        return "\n".join(lines)


def _num(v):
    """A Python number from a number or a 1-element tensor (torch's _to_scalar)."""
    if isinstance(v, Tensor):
        return v.item()
    return v


def _zeros_like(p: Tensor) -> Tensor:
    return _new_tensor(p.xp.zeros_like(p.array), p.dtype, p.device)


def _step_count() -> Tensor:
    """torch's ``state["step"]``: a float32 scalar on the CPU."""
    return _new_tensor(backend.asarray(0.0, _dt.float32.numpy, "cpu"), _dt.float32, "cpu")


def _count_step(st: dict) -> float:
    step_t = st["step"]
    step_t.array[...] = step_t.array + 1
    _bump(step_t)
    return float(step_t.array)


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay,
                    "nesterov": nesterov, "maximize": maximize, "foreach": foreach,
                    "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _step_group(self, group) -> None:
        lr = _num(group["lr"])
        momentum = group["momentum"]
        dampening = group["dampening"]
        wd = _num(group["weight_decay"])
        nesterov = group["nesterov"]
        maximize = group["maximize"]
        for p in group["params"]:
            gt = p.grad
            if gt is None:
                continue
            arr = p.array
            g = gt.array
            if maximize:
                g = -g
            if wd != 0:
                g = g + arr * wd
            if momentum != 0:
                st = self._state_of(p)
                buf = st.get("momentum_buffer")
                if buf is None:
                    buf = _new_tensor(p.xp.array(g, copy=True), gt.dtype, gt.device)
                    st["momentum_buffer"] = buf
                else:
                    b = buf.array
                    b *= momentum
                    b += g * (1 - dampening)
                    _bump(buf)
                if nesterov:
                    g = g + buf.array * momentum
                else:
                    g = buf.array
            _add_scaled_(arr, g, -lr)
            _bump(p)


class Adam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        betas = tuple(betas)
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not ((isinstance(betas[0], float) and isinstance(betas[1], float))
                or (isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor))):
            raise ValueError("betas must be either both floats or both Tensors")
        betas = (_num(betas[0]), _num(betas[1]))
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def _step_group(self, group) -> None:
        lr = _num(group["lr"])
        beta1, beta2 = (_num(b) for b in group["betas"])
        eps = group["eps"]
        wd = _num(group["weight_decay"])
        amsgrad = group["amsgrad"]
        maximize = group["maximize"]
        decoupled = group["decoupled_weight_decay"]
        for p in group["params"]:
            gt = p.grad
            if gt is None:
                continue
            xp = p.xp
            arr = p.array
            st = self._state_of(p)
            if len(st) == 0:
                st["step"] = _step_count()
                st["exp_avg"] = _zeros_like(p)
                st["exp_avg_sq"] = _zeros_like(p)
                if amsgrad:
                    st["max_exp_avg_sq"] = _zeros_like(p)
            g = gt.array
            if maximize:
                g = -g
            step = _count_step(st)
            if wd != 0:
                if decoupled:
                    arr *= 1 - lr * wd
                else:
                    g = g + arr * wd
            m = st["exp_avg"].array
            v = st["exp_avg_sq"].array
            # exp_avg.lerp_(grad, 1 - beta1), torch's CPU lerp formula
            w = 1 - beta1
            if w < 0.5:
                m += (g - m) * w
            else:
                m[...] = g - (g - m) * (1 - w)
            # exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            v *= beta2
            v += (g * (1 - beta2)) * g
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            step_size = lr / bias_correction1
            bc2_sqrt = bias_correction2 ** 0.5
            if amsgrad:
                mx = st["max_exp_avg_sq"].array
                xp.maximum(mx, v, out=mx)
                _bump(st["max_exp_avg_sq"])
                denom = xp.sqrt(mx) / bc2_sqrt
            else:
                denom = xp.sqrt(v) / bc2_sqrt
            denom += eps
            arr += (m * -step_size) / denom
            _bump(st["exp_avg"])
            _bump(st["exp_avg_sq"])
            _bump(p)


class AdamW(Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)


class RMSprop(Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        for name, value in (("learning rate", lr), ("epsilon value", eps), ("momentum value", momentum),
                            ("weight_decay value", weight_decay), ("alpha value", alpha)):
            if not 0.0 <= value:
                raise ValueError(f"Invalid {name}: {value}")
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps, "centered": centered,
                    "weight_decay": weight_decay, "capturable": capturable, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable}
        super().__init__(params, defaults)

    def _step_group(self, group) -> None:
        lr, alpha, eps = _num(group["lr"]), group["alpha"], group["eps"]
        momentum, centered = group["momentum"], group["centered"]
        for p, g, st in self._with_grads(group):
            xp, arr = p.xp, p.array
            if len(st) == 1:  # a step count only: the first step
                st["square_avg"] = _zeros_like(p)
                if momentum > 0:
                    st["momentum_buffer"] = _zeros_like(p)
                if centered:
                    st["grad_avg"] = _zeros_like(p)
            sq = st["square_avg"].array
            sq *= alpha
            sq += (g * (1 - alpha)) * g
            _bump(st["square_avg"])
            if centered:
                ga = st["grad_avg"].array
                ga += (g - ga) * (1 - alpha)
                _bump(st["grad_avg"])
                avg = xp.sqrt(sq - ga * ga)
            else:
                avg = xp.sqrt(sq)
            avg += eps
            if momentum > 0:
                buf = st["momentum_buffer"].array
                buf *= momentum
                buf += g / avg
                _bump(st["momentum_buffer"])
                _add_scaled_(arr, buf, -lr)
            else:
                arr += (g / avg) * -lr
            _bump(p)


class Adagrad(Optimizer):
    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        for name, value in (("learning rate", lr), ("lr_decay value", lr_decay), ("weight_decay value", weight_decay),
                            ("initial_accumulator_value value", initial_accumulator_value),
                            ("epsilon value", eps)):
            if not 0.0 <= value:
                raise ValueError(f"Invalid {name}: {value}")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        for group in self.param_groups:  # torch makes Adagrad's state when it is built
            for p in group["params"]:
                st = self._state_of(p)
                st["step"] = _step_count()
                init = group["initial_accumulator_value"]
                st["sum"] = _new_tensor(p.xp.full_like(p.array, init), p.dtype, p.device)

    def _step_group(self, group) -> None:
        lr, lr_decay, eps = _num(group["lr"]), group["lr_decay"], group["eps"]
        for p, g, st in self._with_grads(group):
            xp, arr = p.xp, p.array
            step = float(st["step"].array)
            clr = lr / (1 + (step - 1) * lr_decay)
            acc = st["sum"].array
            acc += g * g
            _bump(st["sum"])
            std = xp.sqrt(acc)
            std += eps
            arr += (g / std) * -clr
            _bump(p)


# ---- gradient clipping ---------------------------------------------------------------------

def _param_list(parameters) -> list:
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def _vector_norm(xp, a, p: float):
    a = xp.abs(a)
    if p == 2.0:
        return xp.sqrt(xp.sum(a * a))
    if p == math.inf:
        return xp.max(a) if a.size else a.dtype.type(0)
    if p == -math.inf:
        return xp.min(a) if a.size else a.dtype.type(math.inf)
    if p == 0.0:
        return a.dtype.type(xp.count_nonzero(a))
    if p == 1.0:
        return xp.sum(a)
    return xp.sum(a ** p) ** (1.0 / p)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scales the gradients so their total ``norm_type``-norm is at most ``max_norm``; returns the total norm."""
    params = _param_list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    norm_type = float(norm_type)
    max_norm = float(max_norm)
    if len(grads) == 0:
        return _new_tensor(backend.asarray(0.0, _dt.float32.numpy, "cpu"), _dt.float32, "cpu")
    first = grads[0]
    xp = first.xp
    dtype = first.dtype
    for g in grads[1:]:
        dtype = _dt.promote_types(dtype, g.dtype)
    norms = xp.stack([xp.asarray(_vector_norm(g.xp, g.array, norm_type)).astype(dtype.numpy) for g in grads])
    total = xp.asarray(_vector_norm(xp, norms, norm_type), dtype=dtype.numpy)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           "norm anyway, set `error_if_nonfinite=False`")
    npdt = dtype.numpy
    with xp.errstate(divide="ignore", invalid="ignore"):
        coef = npdt.type(max_norm) / (total + npdt.type(1e-6))
    coef = xp.minimum(coef, npdt.type(1.0))
    for g in grads:
        arr = g.array
        arr *= coef.astype(arr.dtype)
        _bump(g)
    return _new_tensor(total, dtype, first.device)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamps every gradient into [-clip_value, clip_value] in place."""
    params = _param_list(parameters)
    clip_value = float(clip_value)
    for p in params:
        g = p.grad
        if g is None:
            continue
        arr = g.array
        g.xp.clip(arr, -clip_value, clip_value, out=arr)
        _bump(g)
    return None


# ---- wire ----------------------------------------------------------------------------------

def _ctor(cls):
    def make(param_groups, **defaults):
        return cls(param_groups, **defaults)
    make.__name__ = cls.__name__
    make.__doc__ = f"optim.{cls.__name__}(param_groups, **defaults): a {cls.__name__} optimizer."
    return make


def _step(opt, lrs=None):
    return opt.step(lrs)


def _zero_grad(opt, set_to_none=True):
    opt.zero_grad(set_to_none)


def _state_dict(opt):
    return opt.state_dict()


def _load_state_dict(opt, sd):
    opt.load_state_dict(sd)


WIRE: dict = {
    "optim.SGD": _ctor(SGD), "optim.Adam": _ctor(Adam), "optim.AdamW": _ctor(AdamW),
    "optim.RMSprop": _ctor(RMSprop), "optim.Adagrad": _ctor(Adagrad),
    "optim.step": _step, "optim.zero_grad": _zero_grad, "optim.state_dict": _state_dict,
    "optim.load_state_dict": _load_state_dict,
    "clip_grad_norm_": clip_grad_norm_, "clip_grad_value_": clip_grad_value_,
}
METHODS: dict = {}
