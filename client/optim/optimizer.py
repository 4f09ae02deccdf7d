"""Optimizers: client objects mirroring torch.optim, state and updates on the server.

Construction creates the optimizer's state on the server; ``step()`` is one
command for all parameters, carrying the groups' hyper-parameters that a
scheduler (or the user) changed since the last step. LBFGS, whose step calls
its closure many times, runs the closure on the client when the server's step
calls it back.
"""
from __future__ import annotations

import copy
import functools
import warnings
from collections import OrderedDict, defaultdict

from .. import _dispatch
from ..nn.modules import _add_hook
from ..tensor import Tensor

_required = object()


class Optimizer:
    _server_class: str = ""

    def __init_subclass__(cls, **kwargs):
        """Each built-in optimizer has a step of its own, as torch's do (a hook's error names SGD.step)."""
        super().__init_subclass__(**kwargs)
        if cls.__module__ == __name__ and cls.step is Optimizer.__dict__["step"]:
            def step(self, closure=None):
                return Optimizer.step(self, closure)
            step.__qualname__ = f"{cls.__name__}.step"
            cls.step = step

    def __init__(self, params, defaults: dict):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {_typename(params)}")
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.param_groups = []
        for g in groups:
            self.add_param_group(g, _create=False)
        self._check_groups()
        self._sent = self._hyper_parameters()
        _hook_step(type(self))
        if self._server_class:
            self._handle = _dispatch.new_object(self._server_class, self._wire_groups())
        else:  # a user's subclass (torch.optim.Optimizer's contract): its step and state run here
            self._handle = None
            self._state = defaultdict(dict)

    def _check_groups(self) -> None:
        """Refuse groups this optimizer cannot take, before its server object exists."""

    def add_param_group(self, param_group: dict, _create: bool = True) -> None:
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        param_group = dict(param_group)
        params = param_group["params"]
        if isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of "
                            "tensors in sets will change between runs. Please use a list instead.")
        params = [params] if isinstance(params, Tensor) else list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]  # named_parameters(): (name, tensor) pairs
        param_group["params"] = [p[1] if isinstance(p, tuple) else p for p in params]
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names
        for p in param_group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + _typename(p))
            if not self.defaults.get("differentiable") and not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for k, v in self.defaults.items():
            if v is _required and k not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {k}")
            param_group.setdefault(k, v)
        ids = [id(p) for p in param_group["params"]]
        if len(set(ids)) != len(ids):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will "
                          "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        for g in self.param_groups:
            if ("param_names" in g) != ("param_names" in param_group):
                text = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {text} to the optimizer")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(i in seen for i in ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)
        if _create and self._handle is not None:  # a group added after construction: the server's optimizer takes it too
            self._handle._conn.submit("optim.add_param_group", (self._handle, _wire(param_group)),
                                      handle_of=_dispatch._handle_of)
            self._sent.append(_wire(param_group, hyper=True))

    def _wire_groups(self):
        return [_wire(g) for g in self.param_groups]

    def zero_grad(self, set_to_none: bool = True) -> None:
        if self._handle is None:
            params = [p for g in self.param_groups for p in g["params"]]
            params[0]._conn.submit("zero_grads", (params, set_to_none), handle_of=_dispatch._handle_of)
            params[0]._conn.grad_epoch += 1
            return
        conn = self._handle._conn
        conn.submit("optim.zero_grad", (self._handle, set_to_none), handle_of=_dispatch._handle_of)
        conn.grad_epoch += 1

    def _hyper_parameters(self) -> list:
        return [_wire(g, hyper=True) for g in self.param_groups]

    def _changes(self) -> dict:
        """The step command's keyword arguments: the hyper-parameters changed since they were last sent."""
        now = self._hyper_parameters()
        if now == self._sent:
            return {}
        changed = [{k: v for k, v in g.items() if k not in old or old[k] != v} for g, old in zip(now, self._sent)]
        self._sent = now
        return {"groups": changed}

    def step(self, closure=None):
        if self._handle is None:  # torch.optim.Optimizer's own step: a subclass must define one
            raise NotImplementedError
        loss = None
        if closure is not None:
            from ..grad_mode import enable_grad
            with enable_grad():
                loss = closure()
        conn = self._handle._conn
        conn.submit("optim.step", (self._handle,), self._changes(), handle_of=_dispatch._handle_of)
        conn.mark_inplace()  # the parameters change in place
        return loss

    @property
    def state(self):
        """Per-parameter state keyed by parameter (torch's ``defaultdict``); a built-in optimizer's is
        read from the server: a sync point."""
        if self._handle is None:
            return self._state
        params = [p for g in self.param_groups for p in g["params"]]
        state = defaultdict(dict)
        for index, st in self._live_state(_dispatch.value("optim.state_dict", self._handle)["state"]).items():
            state[params[int(index)]] = st
        return state

    def _live_state(self, state: dict) -> dict:
        """The server's state (as read, arrays for tensors) with each state tensor a handle to the
        optimizer's own, as torch's: an in-place write to it changes the next step (one more round trip)."""
        import numpy as np
        n = sum(isinstance(v, np.ndarray) for st in state.values() for v in st.values())
        if n:
            conn = self._handle._conn
            pending = conn.submit("optim.state_tensors", (self._handle,), None, [conn.new_handle() for _ in range(n)],
                                  grad_enabled=False, variadic=True, handle_of=_dispatch._handle_of)
            conn.sync()
            live = iter([Tensor._from_meta(conn, m, m.handle) for m in pending.metas])
        return {index: {k: next(live) if isinstance(v, np.ndarray) else _as_tensors(v) for k, v in st.items()}
                for index, st in state.items()}

    @state.setter
    def state(self, value) -> None:
        self._state = value

    def state_dict(self) -> dict:
        """torch's structure; the state's tensors become tensors of this session again."""
        for hook in self._hooks("_state_dict_pre_hooks").values():
            hook(self)
        sd = self._client_state_dict() if self._handle is None else self._server_state_dict()
        for hook in self._hooks("_state_dict_post_hooks").values():
            result = hook(self, sd)
            if result is not None:
                sd = result
        return sd

    def _server_state_dict(self) -> dict:
        sd = _dispatch.value("optim.state_dict", self._handle)
        sd["state"] = self._live_state(sd["state"])
        # The client's groups are the truth for hyper-parameters: an lr written since the last step
        # and keys set here (a scheduler's initial_lr) have not reached the server.
        groups = []
        for saved, group in zip(sd.get("param_groups", ()), self.param_groups):
            merged = {k: v for k, v in group.items() if k != "params"}
            merged.update({k: v for k, v in saved.items() if k not in merged and k != "params"})
            merged["params"] = saved["params"]
            groups.append(merged)
        sd["param_groups"] = groups
        return sd

    def _client_state_dict(self) -> dict:
        """torch's packing: parameters become their index over all groups, in order."""
        index: dict = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v for k, v in self._state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        for hook in self._hooks("_load_state_dict_pre_hooks").values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(self.param_groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(self.param_groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        if self._handle is None:
            self._client_load_state(state_dict, saved_groups)
        else:
            self._handle._conn.submit("optim.load_state_dict", (self._handle, state_dict),
                                      handle_of=_dispatch._handle_of)
        # torch: the saved groups replace the groups (keys as saved), each with this optimizer's parameters
        for group, saved in zip(self.param_groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
        self.param_groups = saved_groups
        self._sent = self._hyper_parameters()
        for hook in self._hooks("_load_state_dict_post_hooks").values():
            hook(self)

    def _client_load_state(self, state_dict: dict, saved_groups: list) -> None:
        """A user's optimizer's state: keyed by its parameters again, cast as torch casts it."""
        by_index = {i: p for s, g in zip(saved_groups, self.param_groups) for i, p in zip(s["params"], g["params"])}
        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in by_index:
                state[by_index[k]] = _cast_state(by_index[k], v)
            else:
                state[k] = v
        self._state = state

    # ----- hooks ---------------------------------------------------------------------------------

    def _hooks(self, table: str) -> dict:
        hooks = self.__dict__.get(table)
        if hooks is None:
            hooks = self.__dict__[table] = OrderedDict()
        return hooks

    def register_step_pre_hook(self, hook):
        """``hook(optimizer, args, kwargs)`` before each step; it may return new (args, kwargs)."""
        return _add_hook(self._hooks("_step_pre_hooks"), hook, False)

    def register_step_post_hook(self, hook):
        """``hook(optimizer, args, kwargs)`` after each step."""
        return _add_hook(self._hooks("_step_post_hooks"), hook, False)

    def register_state_dict_pre_hook(self, hook, prepend: bool = False):
        return _add_hook(self._hooks("_state_dict_pre_hooks"), hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend: bool = False):
        return _add_hook(self._hooks("_state_dict_post_hooks"), hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend: bool = False):
        return _add_hook(self._hooks("_load_state_dict_pre_hooks"), hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend: bool = False):
        return _add_hook(self._hooks("_load_state_dict_post_hooks"), hook, prepend)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            if i:
                lines.append("")
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _hook_step(cls) -> None:
    """As torch, an optimizer class's step runs the instance's step pre/post hooks around it (the
    class's step is wrapped once, the first time one of its instances is made)."""
    step = cls.step
    if getattr(step, "_hooked", False):
        return

    @functools.wraps(step)
    def hooked(self, *args, **kwargs):
        pre, post = self.__dict__.get("_step_pre_hooks"), self.__dict__.get("_step_post_hooks")
        for hook in (pre or {}).values():
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(f"{step} must return None or a tuple of (new_args, new_kwargs), but got "
                                       f"{result}.")
                args, kwargs = result
        out = step(self, *args, **kwargs)
        for hook in (post or {}).values():
            hook(self, args, kwargs)
        return out

    hooked._hooked = True
    cls.step = hooked


def _cast_state(param, value, key=None):
    """torch's load_state_dict: floating state follows its parameter's dtype (a 'step' stays as it is)."""
    if isinstance(value, Tensor):
        if key == "step":
            return value
        return value.to(dtype=param.dtype, device=param.device) if param.is_floating_point() else \
            value.to(device=param.device)
    if isinstance(value, dict):
        return {k: _cast_state(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state(param, v) for v in value)
    return value


def _wire(group: dict, hyper: bool = False) -> dict:
    """A group as the server takes it (its names stay here); ``hyper``: its hyper-parameters only."""
    return {k: v for k, v in group.items() if k != "param_names" and not (hyper and k == "params")}


def _typename(obj) -> str:
    from .. import typename
    return typename(obj)


def _as_tensors(value):
    import numpy as np

    from .._creation import from_numpy
    if isinstance(value, np.ndarray):
        return from_numpy(value)
    if isinstance(value, dict):
        return {k: _as_tensors(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_as_tensors(v) for v in value)
    return value


def _check(name: str, value, ok: bool) -> None:
    if not ok:
        raise ValueError(f"Invalid {name}: {value}")


class SGD(Optimizer):
    _server_class = "optim.SGD"

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        _check_lr(lr)
        _check("momentum value", momentum, momentum >= 0)
        _check("weight_decay value", weight_decay, weight_decay >= 0)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))
        _check_fused(fused, foreach, differentiable)


class Adam(Optimizer):
    _server_class = "optim.Adam"

    _decoupled_weight_decay = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=None):
        if decoupled_weight_decay is None:
            decoupled_weight_decay = self._decoupled_weight_decay
        if isinstance(lr, Tensor) and foreach and not capturable:
            raise ValueError("lr as a Tensor is not supported for capturable=False and foreach=True")
        _check_adam_like(lr, betas, eps, weight_decay)
        if not (all(isinstance(b, float) for b in betas[:2]) or all(isinstance(b, Tensor) for b in betas[:2])):
            raise ValueError("betas must be either both floats or both Tensors")
        for i, b in enumerate(betas[:2]):
            if isinstance(b, Tensor):
                if foreach and not capturable:
                    raise ValueError(f"betas[{i}] as a Tensor is not supported for capturable=False and foreach=True")
                if b.numel() != 1:
                    raise ValueError(f"Tensor betas[{i}] must be 1-element")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable, fused=fused,
                                      decoupled_weight_decay=decoupled_weight_decay))
        _check_fused(fused, foreach, differentiable)


class AdamW(Adam):
    _server_class = "optim.AdamW"
    _decoupled_weight_decay = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize, foreach=foreach,
                         capturable=capturable, differentiable=differentiable, fused=fused)


class RMSprop(Optimizer):
    _server_class = "optim.RMSprop"

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_lr(lr)
        _check("epsilon value", eps, eps >= 0)
        _check("momentum value", momentum, momentum >= 0)
        _check("weight_decay value", weight_decay, weight_decay >= 0)
        _check("alpha value", alpha, alpha >= 0)
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                                      weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))


class Adagrad(Optimizer):
    _server_class = "optim.Adagrad"

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_lr(lr)
        _check("lr_decay value", lr_decay, lr_decay >= 0)
        _check("weight_decay value", weight_decay, weight_decay >= 0)
        _check("initial_accumulator_value value", initial_accumulator_value, initial_accumulator_value >= 0)
        _check("epsilon value", eps, eps >= 0)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, fused=fused))
        _check_fused(fused, foreach, differentiable)


def _check_fused(fused, foreach, differentiable) -> None:
    """torch's checks of fused=True, made once the parameter groups are in."""
    if fused:
        if differentiable:
            raise RuntimeError("`fused` does not support `differentiable`")
        if foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


def _check_lr(lr) -> None:
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    _check("learning rate", lr, lr >= 0)


def _check_adam_like(lr, betas, eps, weight_decay) -> None:
    _check_lr(lr)
    _check("epsilon value", eps, eps >= 0)
    _check("beta parameter at index 0", betas[0], 0.0 <= betas[0] < 1.0)
    _check("beta parameter at index 1", betas[1], 0.0 <= betas[1] < 1.0)
    _check("weight_decay value", weight_decay, weight_decay >= 0)


class Adamax(Optimizer):
    _server_class = "optim.Adamax"

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        _check_adam_like(lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, capturable=capturable))


class NAdam(Optimizer):
    _server_class = "optim.NAdam"

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_adam_like(lr, betas, eps, weight_decay)
        _check("momentum_decay value", momentum_decay, momentum_decay >= 0)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable))


class RAdam(Optimizer):
    _server_class = "optim.RAdam"

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
        _check_adam_like(lr, betas, eps, weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      foreach=foreach, capturable=capturable,
                                      decoupled_weight_decay=decoupled_weight_decay, differentiable=differentiable))


class Adadelta(Optimizer):
    _server_class = "optim.Adadelta"

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        _check_lr(lr)
        _check("rho value", rho, 0.0 <= rho <= 1.0)
        _check("epsilon value", eps, eps >= 0)
        _check("weight_decay value", weight_decay, weight_decay >= 0)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      capturable=capturable, foreach=foreach, differentiable=differentiable))


class Rprop(Optimizer):
    _server_class = "optim.Rprop"

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
                 maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        super().__init__(params, dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, capturable=capturable))


class ASGD(Optimizer):
    _server_class = "optim.ASGD"

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None,
                 maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        _check("weight_decay value", weight_decay, weight_decay >= 0)
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize, differentiable=differentiable,
                                      capturable=capturable))


def _check_texts(*checks) -> None:
    """(ok, text) pairs: a ValueError with the first failing one's text (Adafactor's and Muon's wording)."""
    for ok, text in checks:
        if not ok:
            raise ValueError(text)


class Adafactor(Optimizer):
    _server_class = "optim.Adafactor"

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *,
                 foreach=None, maximize=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        _check_texts((0.0 <= lr, f"Learning rate should be >= 0 but is: {lr}"),
                     (0.0 >= beta2_decay, f"beta2_decay should be <= 0 but is: {beta2_decay}"),
                     (eps[0] is None or 0.0 <= eps[0], f"epsilon1 should be >= 0 but is: {eps[0]}"),
                     (0.0 <= eps[1], f"epsilon2 should be >= 0 but is: {eps[1]}"),
                     (1.0 <= d, f"Clipping threshold d should be >= 1 but is: {d}"),
                     (0.0 <= weight_decay, f"weight_decay should be >= 0 but is: {weight_decay}"))
        super().__init__(params, dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize))


class Muon(Optimizer):
    """Momentum whose update is orthogonalised by a Newton-Schulz iteration; 2-d parameters only."""

    _server_class = "optim.Muon"

    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=(3.4445, -4.775, 2.0315), eps=1e-7, ns_steps=5, adjust_lr_fn=None):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        _check_texts((0.0 <= lr, f"Learning rate should be >= 0 but is: {lr}"),
                     (0.0 <= momentum, f"momentum should be >= 0 but is: {momentum}"),
                     (0.0 <= weight_decay, f"weight decay should be >= 0 but is: {weight_decay}"),
                     (adjust_lr_fn in (None, "original", "match_rms_adamw"),
                      f"Adjust learning rate function {adjust_lr_fn} is not supported"))
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                                      ns_coefficients=ns_coefficients, eps=eps, ns_steps=ns_steps,
                                      adjust_lr_fn=adjust_lr_fn))

    def _check_groups(self) -> None:
        for group in self.param_groups:
            for p in group["params"]:
                if p.dim() != 2:
                    raise ValueError("Muon only supports 2D parameters whereas we found a parameter with size: "
                                     f"{p.size()}")


class SparseAdam(Optimizer):
    """torch's Adam for sparse gradients. gradwire's gradients are all dense, which torch's SparseAdam
    refuses: its step raises on the first parameter that has a gradient."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        _check("learning rate", lr, 0.0 < lr)
        _check("epsilon value", eps, 0.0 < eps)
        _check("beta parameter at index 0", betas[0], 0.0 <= betas[0] < 1.0)
        _check("beta parameter at index 1", betas[1], 0.0 <= betas[1] < 1.0)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, maximize=maximize))

    def step(self, closure=None):
        loss = None
        if closure is not None:
            from ..grad_mode import enable_grad
            with enable_grad():
                loss = closure()
        if any(p.grad is not None for g in self.param_groups for p in g["params"]):
            raise RuntimeError("SparseAdam does not support dense gradients, please consider Adam instead")
        return loss


class LBFGS(Optimizer):
    """The step runs on the server and calls ``closure`` (client code) back for each evaluation."""

    _server_class = "optim.LBFGS"

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        _check_lr(lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change, history_size=history_size,
                                      line_search_fn=line_search_fn))

    def _check_groups(self) -> None:
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")

    def step(self, closure):
        from ..grad_mode import enable_grad
        losses = []

        def evaluate():
            with enable_grad():
                loss = closure()
            if not losses:
                losses.append(loss)  # step returns the first evaluation's loss, as torch's does
            if not isinstance(loss, Tensor):  # a Python number: the server needs a tensor
                from .._creation import tensor
                loss = tensor(float(loss))
            return loss
        conn = self._handle._conn
        function_id = conn.register_function(evaluate)
        try:
            # One command; the server calls evaluate back while it runs, and this waits for it to end.
            conn.submit("optim.closure_step", (self._handle, function_id), self._changes(), want_value=True,
                        handle_of=_dispatch._handle_of).value  # noqa: B018
        finally:
            conn.unregister_function(function_id)
        conn.mark_inplace()
        return losses[0] if losses else None


# type(opt): torch's module paths (<class 'torch.optim.sgd.SGD'>; Adafactor and Muon are torch.optim's own)
_TORCH_PATHS = {"Adafactor": "torch.optim", "Muon": "torch.optim", "SparseAdam": "torch.optim.sparse_adam"}
for _cls in (Optimizer, SGD, Adam, AdamW, RMSprop, Adagrad, Adamax, NAdam, RAdam, Adadelta, Rprop, ASGD, LBFGS,
             Adafactor, Muon, SparseAdam):
    _cls.__module__ = _TORCH_PATHS.get(_cls.__name__, f"torch.optim.{_cls.__name__.lower()}")
del _cls
