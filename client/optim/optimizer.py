"""Optimizers: client objects mirroring torch.optim, state and updates on the server.

Construction creates the optimizer's state on the server; ``step()`` is one
command for all parameters, carrying the groups' hyper-parameters that a
scheduler (or the user) changed since the last step. LBFGS, whose step calls
its closure many times, runs the closure on the client when the server's step
calls it back.
"""
from __future__ import annotations

import warnings

from .. import _dispatch
from ..tensor import Tensor

_required = object()


class Optimizer:
    _server_class: str = ""

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
        self._handle = _dispatch.new_object(self._server_class, self._wire_groups())

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
        if _create:  # a group added after construction: the server's optimizer takes it too
            self._handle._conn.submit("optim.add_param_group", (self._handle, _wire(param_group)),
                                      handle_of=_dispatch._handle_of)
            self._sent.append(_wire(param_group, hyper=True))

    def _wire_groups(self):
        return [_wire(g) for g in self.param_groups]

    def zero_grad(self, set_to_none: bool = True) -> None:
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
        """Per-parameter state keyed by parameter (torch's ``defaultdict``); read from the server: a sync point."""
        from collections import defaultdict
        params = [p for g in self.param_groups for p in g["params"]]
        state = defaultdict(dict)
        for index, st in _as_tensors(_dispatch.value("optim.state_dict", self._handle))["state"].items():
            state[params[int(index)]] = st
        return state

    def state_dict(self) -> dict:
        """torch's structure; the state's tensors become tensors of this session again."""
        sd = _as_tensors(_dispatch.value("optim.state_dict", self._handle))
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

    def load_state_dict(self, state_dict: dict) -> None:
        self._handle._conn.submit("optim.load_state_dict", (self._handle, state_dict),
                                  handle_of=_dispatch._handle_of)
        for group, saved in zip(self.param_groups, state_dict["param_groups"]):
            group.update({k: v for k, v in saved.items() if k != "params"})
        self._sent = self._hyper_parameters()

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
        _check("learning rate", lr, lr >= 0)
        _check("momentum value", momentum, momentum >= 0)
        _check("weight_decay value", weight_decay, weight_decay >= 0)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))


class Adam(Optimizer):
    _server_class = "optim.Adam"

    _decoupled_weight_decay = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=None):
        if decoupled_weight_decay is None:
            decoupled_weight_decay = self._decoupled_weight_decay
        _check("learning rate", lr, lr >= 0)
        _check("epsilon value", eps, eps >= 0)
        _check("beta parameter at index 0", betas[0], 0.0 <= betas[0] < 1.0)
        _check("beta parameter at index 1", betas[1], 0.0 <= betas[1] < 1.0)
        _check("weight_decay value", weight_decay, weight_decay >= 0)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable, fused=fused,
                                      decoupled_weight_decay=decoupled_weight_decay))


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
        _check("learning rate", lr, lr >= 0)
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
        _check("learning rate", lr, lr >= 0)
        _check("lr_decay value", lr_decay, lr_decay >= 0)
        _check("weight_decay value", weight_decay, weight_decay >= 0)
        _check("initial_accumulator_value value", initial_accumulator_value, initial_accumulator_value >= 0)
        _check("epsilon value", eps, eps >= 0)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable, fused=fused))


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
