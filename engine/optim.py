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
    optim.Adamax / NAdam / RAdam / Adadelta / Rprop / ASGD / LBFGS / Adafactor / Muon
                                               (param_groups, **defaults) -> handle
    optim.step(opt, lrs=None, groups=None)     -> None   (lrs: one new lr per group; groups: one dict of
                                                          changed hyper-parameters per group; set first)
    optim.add_param_group(opt, group)          -> None   (a group added after construction)
    optim.zero_grad(opt, set_to_none=True)     -> None
    optim.state_dict(opt)                      -> torch's {"state": ..., "param_groups": ...}
    optim.state_tensors(opt)                   -> the state's tensors, in state_dict order (variadic outputs)
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
from .grad_mode import enable_grad, no_grad
from .tensor import Tensor, _new_tensor

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "NAdam", "RAdam", "Adadelta",
           "Rprop", "ASGD", "LBFGS", "Adafactor", "Muon", "clip_grad_norm_", "clip_grad_value_"]


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
    """``t._bump_version()``, inlined for the common case (an update loop's hot path)."""
    if t.dtype.rounds:  # bfloat16: the update is rounded there
        t._bump_version()
        return
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
        and weight decay applied, its state with the step counted, torch's order).  A group with
        ``decoupled_weight_decay`` shrinks the parameter instead of adding to the gradient."""
        wd = _num(group.get("weight_decay", 0))
        decoupled = group.get("decoupled_weight_decay", False)
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
                if decoupled:
                    p.array[...] *= 1 - _num(group["lr"]) * wd
                else:
                    g = g + p.array * wd
            yield p, g, st

    # ---- commands -----------------------------------------------------------------
    def step(self, closure=None, *, lrs=None, groups=None):
        """One update of every group. ``lrs`` (one per group) replaces each group's lr first;
        ``groups`` (one dict per group) updates any of its hyper-parameters (a scheduler's momentum,
        a user's write to ``param_groups``). ``closure`` re-evaluates the loss (LBFGS needs it)."""
        if lrs is not None:
            for g, lr in zip(self.param_groups, self._one_per_group(lrs, "learning rates")):
                g["lr"] = lr
        if groups is not None:
            for g, updates in zip(self.param_groups, self._one_per_group(groups, "hyper-parameter updates")):
                g.update(_as_dict(updates) or {})
                if isinstance(g.get("betas"), list):
                    g["betas"] = tuple(g["betas"])
        return self._step(closure)

    def _one_per_group(self, values, what: str) -> list:
        values = list(values)
        if len(values) != len(self.param_groups):
            raise ValueError(f"expected {len(self.param_groups)} {what} (one per parameter group), got {len(values)}")
        return values

    def _step(self, closure):
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                self._step_group(group)
        return loss

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


def _check_lr(lr) -> None:
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_nonnegative(*named) -> None:
    """(text, value) pairs: torch's "Invalid <text>: <value>" for the first negative one."""
    for name, value in named:
        if not 0.0 <= value:
            raise ValueError(f"Invalid {name}: {value}")


def _check_betas(betas) -> None:
    for i in (0, 1):
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")


def _scalar_state(value: float) -> Tensor:
    """A float32 scalar on the CPU, as torch keeps ``mu_product``, ``eta``, ``mu``."""
    return _new_tensor(backend.asarray(value, _dt.float32.numpy, "cpu"), _dt.float32, "cpu")


def _set_scalar(t: Tensor, value) -> None:
    t.array[...] = value
    _bump(t)


def _lerp_(m, g, w) -> None:
    """m.lerp_(g, w) in place, with torch's CPU formula (exact at both ends)."""
    if w < 0.5:
        m += (g - m) * w
    else:
        m[...] = g - (g - m) * (1 - w)


class _AdamFamily(Optimizer):
    """Adamax, NAdam, RAdam: torch's checks and defaults around lr, betas, eps, weight_decay."""

    def __init__(self, params, lr, betas, eps, weight_decay, extra: dict, checks=()):
        _check_lr(lr)
        _check_nonnegative(("epsilon value", eps))
        _check_betas(betas)
        _check_nonnegative(("weight_decay value", weight_decay), *checks)
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                                  **extra})

    def _moments(self, group):
        """(param, grad, state, step, exp_avg array) with the first moment updated, per parameter."""
        beta1 = group["betas"][0]
        for p, g, st in self._with_grads(group):
            if len(st) == 1:  # the first step: torch's state, in torch's key order
                self._init_state(p, st)
            m = st["exp_avg"].array
            _lerp_(m, g, 1 - beta1)
            _bump(st["exp_avg"])
            yield p, g, st, float(st["step"].array), m

    def _init_state(self, p, st) -> None:
        st["exp_avg"] = _zeros_like(p)
        st["exp_avg_sq"] = _zeros_like(p)


def _second_moment(st, g, beta2):
    v = st["exp_avg_sq"].array
    v *= beta2
    v += (g * (1 - beta2)) * g
    _bump(st["exp_avg_sq"])
    return v


class Adamax(_AdamFamily):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        super().__init__(params, lr, betas, eps, weight_decay,
                         {"foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                          "capturable": capturable})

    def _init_state(self, p, st) -> None:
        st["exp_avg"] = _zeros_like(p)
        st["exp_inf"] = _zeros_like(p)

    def _step_group(self, group) -> None:
        lr, eps = _num(group["lr"]), group["eps"]
        beta1, beta2 = group["betas"]
        for p, g, st, step, m in self._moments(group):
            u = st["exp_inf"].array
            u *= beta2
            p.xp.maximum(u, p.xp.abs(g) + eps, out=u)
            _bump(st["exp_inf"])
            clr = lr / (1 - beta1 ** step)
            p.array[...] += (m * -clr) / u
            _bump(p)


class NAdam(_AdamFamily):
    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        super().__init__(params, lr, betas, eps, weight_decay,
                         {"momentum_decay": momentum_decay, "decoupled_weight_decay": decoupled_weight_decay,
                          "maximize": maximize, "foreach": foreach, "capturable": capturable,
                          "differentiable": differentiable},
                         checks=(("momentum_decay value", momentum_decay),))

    def _init_state(self, p, st) -> None:
        st["mu_product"] = _scalar_state(1.0)
        super()._init_state(p, st)

    def _step_group(self, group) -> None:
        lr, eps, decay = _num(group["lr"]), group["eps"], group["momentum_decay"]
        beta1, beta2 = group["betas"]
        for p, g, st, step, m in self._moments(group):
            v = _second_moment(st, g, beta2)
            mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * decay)))
            mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * decay)))
            prod_t = st["mu_product"]
            _set_scalar(prod_t, prod_t.array * mu)  # float32, as torch keeps it
            prod = float(prod_t.array)
            denom = p.xp.sqrt(v / (1 - beta2 ** step))
            denom += eps
            arr = p.array
            arr += (g * (-lr * (1.0 - mu) / (1.0 - prod))) / denom
            arr += (m * ((-lr * mu_next) / (1.0 - prod * mu_next))) / denom
            _bump(p)


class RAdam(_AdamFamily):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
        super().__init__(params, lr, betas, eps, weight_decay,
                         {"maximize": maximize, "foreach": foreach, "capturable": capturable,
                          "decoupled_weight_decay": decoupled_weight_decay, "differentiable": differentiable})

    def _step_group(self, group) -> None:
        lr, eps = _num(group["lr"]), group["eps"]
        beta1, beta2 = group["betas"]
        for p, g, st, step, m in self._moments(group):
            v = _second_moment(st, g, beta2)
            bc2 = 1 - beta2 ** step
            corrected = m / (1 - beta1 ** step)
            rho_inf = 2 / (1 - beta2) - 1
            rho_t = rho_inf - 2 * step * (beta2 ** step) / bc2
            if rho_t > 5.0:  # the variance is tractable: rectified adaptive step
                rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                adaptive = (bc2 ** 0.5) / (p.xp.sqrt(v) + eps)
                p.array[...] -= corrected * lr * adaptive * rect
            else:
                p.array[...] -= corrected * lr
            _bump(p)


class Adadelta(Optimizer):
    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_nonnegative(("epsilon value", eps), ("weight_decay value", weight_decay))
        super().__init__(params, {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                                  "maximize": maximize, "capturable": capturable, "foreach": foreach,
                                  "differentiable": differentiable})

    def _step_group(self, group) -> None:
        lr, rho, eps = _num(group["lr"]), group["rho"], group["eps"]
        for p, g, st in self._with_grads(group):
            if len(st) == 1:
                st["square_avg"] = _zeros_like(p)
                st["acc_delta"] = _zeros_like(p)
            xp = p.xp
            sq, acc = st["square_avg"].array, st["acc_delta"].array
            sq *= rho
            sq += (g * (1 - rho)) * g
            delta = xp.sqrt(acc + eps) / xp.sqrt(sq + eps) * g
            acc *= rho
            acc += (delta * (1 - rho)) * delta
            _bump(st["square_avg"])
            _bump(st["acc_delta"])
            p.array[...] += delta * -lr
            _bump(p)


class Rprop(Optimizer):
    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False,
                 foreach=None, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        super().__init__(params, {"lr": lr, "etas": tuple(etas), "step_sizes": tuple(step_sizes),
                                  "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                                  "capturable": capturable})

    def _step_group(self, group) -> None:
        etaminus, etaplus = group["etas"]
        lo, hi = group["step_sizes"]
        for p, g, st in self._with_grads(group):
            xp = p.xp
            if len(st) == 1:
                st["prev"] = _zeros_like(p)
                st["step_size"] = _new_tensor(xp.full_like(p.array, _num(group["lr"])), p.dtype, p.device)
            prev, size = st["prev"].array, st["step_size"].array
            sign = xp.sign(g * prev)
            factor = xp.where(sign > 0, etaplus, xp.where(sign < 0, etaminus, 1.0)).astype(size.dtype)
            size *= factor
            xp.clip(size, lo, hi, out=size)
            g = xp.where(factor == size.dtype.type(etaminus), 0, g).astype(g.dtype)  # no step after a sign flip
            p.array[...] += (xp.sign(g) * -1) * size
            prev[...] = g
            for t in (p, st["prev"], st["step_size"]):
                _bump(t)


class ASGD(Optimizer):
    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None,
                 maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        _check_nonnegative(("weight_decay value", weight_decay))
        super().__init__(params, {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                                  "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize,
                                  "differentiable": differentiable, "capturable": capturable})

    def _step_group(self, group) -> None:
        lr, lambd, alpha, t0 = _num(group["lr"]), group["lambd"], group["alpha"], group["t0"]
        for p, g, st in self._with_grads(group):
            if len(st) == 1:
                st["eta"] = _scalar_state(lr)
                st["mu"] = _scalar_state(1.0)
                st["ax"] = _zeros_like(p)
            arr = p.array
            eta = float(st["eta"].array)
            arr *= 1 - lambd * eta
            arr += g * -eta
            _bump(p)
            ax = st["ax"].array
            mu = float(st["mu"].array)
            if mu != 1:
                ax += (arr - ax) * mu
            else:
                ax[...] = arr
            _bump(st["ax"])
            step = float(st["step"].array)
            _set_scalar(st["eta"], lr / ((1 + lambd * lr * step) ** alpha))
            _set_scalar(st["mu"], 1 / max(1, step - t0))


# ---- Adafactor, Muon --------------------------------------------------------------------------

def _lerp(a, b, w):
    """torch's ``a.lerp(b, w)`` out of place (the CPU formula, exact at both ends)."""
    return a + (b - a) * w if w < 0.5 else b - (b - a) * (1 - w)


def _l2(xp, a) -> float:
    return float(xp.sqrt(xp.sum(a * a, dtype=a.dtype)))


class Adafactor(Optimizer):
    """torch.optim.Adafactor: factored second moments (row and column means) for tensors of 2+ dims."""

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *,
                 foreach=None, maximize=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        for ok, text in ((0.0 <= lr, f"Learning rate should be >= 0 but is: {lr}"),
                         (0.0 >= beta2_decay, f"beta2_decay should be <= 0 but is: {beta2_decay}"),
                         (eps[0] is None or 0.0 <= eps[0], f"epsilon1 should be >= 0 but is: {eps[0]}"),
                         (0.0 <= eps[1], f"epsilon2 should be >= 0 but is: {eps[1]}"),
                         (1.0 <= d, f"Clipping threshold d should be >= 1 but is: {d}"),
                         (0.0 <= weight_decay, f"weight_decay should be >= 0 but is: {weight_decay}")):
            if not ok:
                raise ValueError(text)
        super().__init__(params, {"lr": lr, "beta2_decay": beta2_decay, "eps": eps, "d": d,
                                  "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize})

    def _step_group(self, group) -> None:
        lr, wd, d = _num(group["lr"]), group["weight_decay"], group["d"]
        eps1, eps2 = group["eps"]
        for p in group["params"]:
            gt = p.grad
            if gt is None:
                continue
            xp, arr = p.xp, p.array
            st = self._state_of(p)
            if len(st) == 0:
                st["step"] = _step_count()
                if gt.dim() > 1:
                    st["row_var"] = _new_tensor(xp.zeros((*gt.shape[:-1], 1), gt.dtype.numpy), gt.dtype, gt.device)
                    st["col_var"] = _new_tensor(xp.zeros((*gt.shape[:-2], 1, gt.shape[-1]), gt.dtype.numpy),
                                                gt.dtype, gt.device)
                else:
                    st["variance"] = _zeros_like(gt)
            g = -gt.array if group["maximize"] else gt.array
            e1 = float(_np.finfo(p.dtype.numpy).eps) if eps1 is None else eps1
            step = _count_step(st)
            w = step ** group["beta2_decay"]
            alpha = max(eps2, _l2(xp, arr) / (arr.size ** 0.5)) * min(lr, 1 / step ** 0.5)
            if wd != 0:
                arr *= 1 - lr * wd
            if g.ndim > 1:
                row, col = st["row_var"].array, st["col_var"].array
                # torch: norm(grad, dim).square_() / size
                row_mean = xp.sqrt(xp.sum(g * g, axis=-1, keepdims=True)) ** 2 / g.shape[-1]
                row[...] = _lerp(row, row_mean, w)
                col_mean = xp.sqrt(xp.sum(g * g, axis=-2, keepdims=True)) ** 2 / g.shape[-2]
                col[...] = _lerp(col, col_mean, w)
                _bump(st["row_var"])
                _bump(st["col_var"])
                var = (row @ col) / xp.maximum(row.mean(axis=-2, keepdims=True), e1)
            else:
                v = st["variance"].array
                v[...] = _lerp(v, g * g, w)
                _bump(st["variance"])
                var = v
            update = g / xp.sqrt(xp.maximum(var, e1 * e1))
            denom = max(1.0, _l2(xp, update) / ((update.size ** 0.5) * d))
            arr += update * (-alpha / denom)
            _bump(p)


def _bf16(a):
    """float32 values rounded to bfloat16's 8-bit mantissa (nearest, ties to even), kept as float32:
    gradwire has no bfloat16 dtype, and Muon orthogonalises in bfloat16."""
    a = _np.array(a, dtype=_np.float32)  # a copy, C-ordered (0-d stays 0-d)
    bits = a.view(_np.uint32)
    rounded = ((bits + _np.uint32(0x7FFF) + ((bits >> 16) & _np.uint32(1))) & _np.uint32(0xFFFF0000))
    return _np.where(_np.isnan(a), a, rounded.view(_np.float32))


def _newton_schulz(g, coefficients, steps: int, eps: float):
    """Muon's quintic Newton-Schulz iteration towards the orthogonal factor of ``g``, in bfloat16."""
    if steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if g.ndim != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = coefficients
    tall = g.shape[0] > g.shape[1]
    x = _bf16(_np.asarray(g))
    if tall:
        x = x.T
    norm = _bf16(max(float(_bf16(_np.sqrt(_np.sum(x * x)))), eps))
    x = _bf16(x / norm)
    for _ in range(steps):
        gram = _bf16(x @ x.T)
        update = _bf16(b * gram + c * (gram @ gram))
        x = _bf16(a * x + update @ x)
    return x.T if tall else x


class Muon(Optimizer):
    """torch.optim.Muon: momentum, then Newton-Schulz orthogonalisation of each (2-d) parameter's update."""

    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=(3.4445, -4.7750, 2.0315), eps=1e-7, ns_steps=5, adjust_lr_fn=None):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        for ok, text in ((0.0 <= lr, f"Learning rate should be >= 0 but is: {lr}"),
                         (0.0 <= momentum, f"momentum should be >= 0 but is: {momentum}"),
                         (0.0 <= weight_decay, f"weight decay should be >= 0 but is: {weight_decay}"),
                         (adjust_lr_fn in (None, "original", "match_rms_adamw"),
                          f"Adjust learning rate function {adjust_lr_fn} is not supported")):
            if not ok:
                raise ValueError(text)
        super().__init__(params, {"lr": lr, "weight_decay": weight_decay, "momentum": momentum,
                                  "nesterov": nesterov, "ns_coefficients": ns_coefficients, "eps": eps,
                                  "ns_steps": ns_steps, "adjust_lr_fn": adjust_lr_fn})
        for group in self.param_groups:
            for p in group["params"]:
                if p.dim() != 2:
                    raise ValueError("Muon only supports 2D parameters whereas we found a parameter with size: "
                                     f"torch.Size({list(p.shape)})")

    def _step_group(self, group) -> None:
        lr, wd, momentum = _num(group["lr"]), group["weight_decay"], group["momentum"]
        fn = group["adjust_lr_fn"]
        for p in group["params"]:
            gt = p.grad
            if gt is None:
                continue
            g = gt.array
            if g.ndim != 2:
                raise ValueError("Param gradient must be a 2D matrix")
            st = self._state_of(p)
            if "momentum_buffer" not in st:
                st["momentum_buffer"] = _zeros_like(gt)
            buf = st["momentum_buffer"]
            _lerp_(buf.array, g, 1 - momentum)
            _bump(buf)
            update = _lerp(g, buf.array, momentum) if group["nesterov"] else buf.array
            update = _newton_schulz(backend.to_numpy(update), group["ns_coefficients"], group["ns_steps"],
                                    group["eps"])
            rows, cols = p.shape[:2]
            ratio = (math.sqrt(max(1, rows / cols)) if fn in (None, "original") else
                     0.2 * math.sqrt(max(rows, cols)) if fn == "match_rms_adamw" else 1.0)
            arr = p.array
            arr *= 1 - lr * wd
            arr += backend.asarray(update, arr.dtype, p.device) * (-lr * ratio)
            _bump(p)


# ---- L-BFGS ---------------------------------------------------------------------------------
# Scalars (dot products, step lengths) are NumPy scalars of the parameters' dtype while a step runs,
# as torch's 0-d tensors are; the state keeps them as 0-d tensors, under torch's names.

def _cubic_minimum(x1, f1, g1, x2, f2, g2, bounds=None):
    """Minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to ``bounds``."""
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square < 0:
        return (lo + hi) / 2.0
    d2 = _np.sqrt(d2_square)
    if x1 <= x2:
        at = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        at = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(at, lo), hi)


def _strong_wolfe(evaluate, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """Line search along ``d`` from step ``t`` for a point meeting the strong Wolfe conditions.

    ``evaluate(t) -> (loss, flat gradient)`` at x + t d. Returns (loss, gradient, t, evaluations)."""
    d_norm = abs(d).max()
    g = g.copy()
    f_new, g_new = evaluate(t)
    evals = 1
    gtd_new = g_new.dot(d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    it = 0
    # bracketing: an interval that contains a point meeting the conditions
    while it < max_ls:
        if f_new > (f + c1 * t * gtd) or (it > 1 and f_new >= f_prev):
            bracket, bracket_f, bracket_g, bracket_gtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new.copy()], \
                [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f, bracket_g, bracket_gtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new.copy()], \
                [gtd_prev, gtd_new]
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        previous = t
        t = _cubic_minimum(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = previous, f_new, g_new.copy(), gtd_new
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = g_new.dot(d)
        it += 1
    if it == max_ls:
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]
    # zoom: shrink the bracket until a point meets the conditions
    insufficient = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and it < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_minimum(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])
        # a trial too near an end of the bracket moves 10% of its width inside, unless the last one did not
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insufficient or t >= max(bracket) or t <= min(bracket):
                t = max(bracket) - eps if abs(t - max(bracket)) < abs(t - min(bracket)) else min(bracket) + eps
                insufficient = False
            else:
                insufficient = True
        else:
            insufficient = False
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = g_new.dot(d)
        it += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high], bracket_g[high], bracket_gtd[high] = t, f_new, g_new.copy(), gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low], bracket_g[low], bracket_gtd[low] = t, f_new, g_new.copy(), gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evals


def _to_state(value, like: Tensor):
    """A step's scalar or flat vector as the state keeps it (a tensor of ``like``'s dtype)."""
    if isinstance(value, (_np.ndarray, _np.generic, like.xp.ndarray)):
        return _new_tensor(like.xp.asarray(value, dtype=like.dtype.numpy), like.dtype, like.device)
    if isinstance(value, list):
        return [_to_state(v, like) for v in value]
    return value


def _from_state(value):
    if isinstance(value, Tensor):
        arr = value.array
        return arr[()] if arr.ndim == 0 else arr.copy()
    if isinstance(value, list):
        return [_from_state(v) for v in value]
    return value


class LBFGS(Optimizer):
    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        _check_lr(lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, {"lr": lr, "max_iter": max_iter, "max_eval": max_eval,
                                  "tolerance_grad": tolerance_grad, "tolerance_change": tolerance_change,
                                  "history_size": history_size, "line_search_fn": line_search_fn})
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def _flat_grad(self):
        first = self._params[0]
        parts = [p.grad.array.reshape(-1) if p.grad is not None else first.xp.zeros(p.numel(), p.dtype.numpy)
                 for p in self._params]
        return first.xp.concatenate(parts)

    def _add_to_params(self, t, direction) -> None:
        offset = 0
        for p in self._params:
            n = p.numel()
            p.array[...] += (t * direction[offset:offset + n]).reshape(p.shape).astype(p.dtype.numpy, copy=False)
            _bump(p)
            offset += n

    def _set_params(self, arrays) -> None:
        for p, a in zip(self._params, arrays):
            p.array[...] = a
            _bump(p)

    def _step(self, closure):
        if closure is None:
            raise TypeError("LBFGS.step() missing 1 required positional argument: 'closure'")

        def evaluate():
            with enable_grad():
                return closure()
        with no_grad():
            return self._run(evaluate)

    def _run(self, evaluate):
        group = self.param_groups[0]
        lr = _num(group["lr"])
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]
        # L-BFGS's state is global; torch files it under the first parameter
        st = self._state_of(self._params[0])
        st.setdefault("func_evals", 0)
        st.setdefault("n_iter", 0)
        orig_loss = evaluate()
        loss = float(orig_loss)
        current_evals = 1
        st["func_evals"] += 1
        flat_grad = self._flat_grad()
        if abs(flat_grad).max() <= tolerance_grad:
            return orig_loss
        d, t, old_dirs, old_stps, ro, H_diag, prev_flat_grad, prev_loss, al = (
            _from_state(st.get(k)) for k in ("d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad",
                                             "prev_loss", "al"))
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            st["n_iter"] += 1
            # the descent direction
            if st["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                H_diag = 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:  # curvature condition: remember the pair
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / y.dot(y)
                # two-loop recursion: the inverse Hessian estimate times the negative gradient
                num_old = len(old_dirs)
                if al is None:
                    al = [None] * history_size
                    st["al"] = None  # torch's key order: "al" comes in the first step that needs it
                q = -flat_grad
                for i in range(num_old - 1, -1, -1):
                    al[i] = old_stps[i].dot(q) * ro[i]
                    q += old_dirs[i] * -al[i]
                d = r = q * H_diag
                for i in range(num_old):
                    be_i = old_dirs[i].dot(r) * ro[i]
                    r += old_stps[i] * (al[i] - be_i)
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            # the step length
            t = min(1.0, 1.0 / abs(flat_grad).sum()) * lr if st["n_iter"] == 1 else lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:
                break
            evals = 0
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x_init = [p.array.copy() for p in self._params]

                def at(step, d=d, x_init=x_init):
                    self._add_to_params(step, d)
                    value = float(evaluate())
                    grad = self._flat_grad()
                    self._set_params(x_init)
                    return value, grad
                loss, flat_grad, t, evals = _strong_wolfe(at, t, d, loss, flat_grad, gtd,
                                                          max_ls=max_eval - current_evals)
                self._add_to_params(t, d)
                opt_cond = abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_to_params(t, d)
                opt_cond = False
                if n_iter != max_iter:  # the last iteration's loss would go unused
                    loss = float(evaluate())
                    flat_grad = self._flat_grad()
                    opt_cond = abs(flat_grad).max() <= tolerance_grad
                    evals = 1
            current_evals += evals
            st["func_evals"] += evals
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if abs(d * t).max() <= tolerance_change:  # no progress in the parameters
                break
            if abs(loss - prev_loss) < tolerance_change:  # nor in the loss
                break
        like = self._params[0]
        for k, v in (("d", d), ("t", t), ("old_dirs", old_dirs), ("old_stps", old_stps), ("ro", ro),
                     ("H_diag", H_diag), ("prev_flat_grad", prev_flat_grad), ("prev_loss", prev_loss)):
            st[k] = _to_state(v, like)
        if al is not None:
            st["al"] = _to_state(al, like)
        return orig_loss


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


def _step(opt, lrs=None, groups=None):
    opt.step(lrs=lrs, groups=groups)


def _add_param_group(opt, group):
    opt.add_param_group(group)


def _zero_grad(opt, set_to_none=True):
    opt.zero_grad(set_to_none)


def _state_dict(opt):
    return opt.state_dict()


def _state_tensors(opt):
    """The state's tensors in state_dict order (by parameter, then key): the very tensors the optimizer
    updates, for the client to hold as torch's ``optimizer.state`` holds them."""
    return [v for st in opt.state_dict()["state"].values() for v in st.values() if isinstance(v, Tensor)]


def _load_state_dict(opt, sd):
    opt.load_state_dict(sd)


WIRE: dict = {
    "optim.SGD": _ctor(SGD), "optim.Adam": _ctor(Adam), "optim.AdamW": _ctor(AdamW),
    "optim.RMSprop": _ctor(RMSprop), "optim.Adagrad": _ctor(Adagrad), "optim.Adamax": _ctor(Adamax),
    "optim.NAdam": _ctor(NAdam), "optim.RAdam": _ctor(RAdam), "optim.Adadelta": _ctor(Adadelta),
    "optim.Rprop": _ctor(Rprop), "optim.ASGD": _ctor(ASGD), "optim.LBFGS": _ctor(LBFGS),
    "optim.Adafactor": _ctor(Adafactor), "optim.Muon": _ctor(Muon),
    "optim.step": _step, "optim.add_param_group": _add_param_group, "optim.zero_grad": _zero_grad, "optim.state_dict": _state_dict,
    "optim.state_tensors": _state_tensors,
    "optim.load_state_dict": _load_state_dict,
    "clip_grad_norm_": clip_grad_norm_, "clip_grad_value_": clip_grad_value_,
}
METHODS: dict = {}
