"""torch.func.functional_call: a module called with some of its parameters and buffers replaced by the
given tensors, put back afterwards."""
from __future__ import annotations

from collections.abc import Sequence

from ..tensor import Tensor

_MISSING = object()


def _named_tensors(module, prefix: str = ""):
    """Every parameter and buffer under every name it has (tied ones, shared submodules included)."""
    for table in (module._parameters, module._buffers):
        for name, t in table.items():
            if t is not None:
                yield prefix + name, t
    for name, sub in module._modules.items():
        if sub is not None:
            yield from _named_tensors(sub, f"{prefix}{name}.")


def _submodule(module, path: str):
    from ..nn import Module  # noqa: PLC0415
    for attr in path.split(".") if path else ():
        try:
            sub = getattr(module, attr)
        except AttributeError:
            raise AttributeError(f"{module._get_name()} has no attribute `{attr}`") from None
        if not isinstance(sub, Module):
            raise TypeError(f"submodule `{path}`: {sub} is not an instance of torch.nn.Module")
        module = sub
    return module


def _swap(root, name: str, value):
    """Puts ``value`` (_MISSING: nothing) at the dotted ``name``; returns what was there."""
    if value is not _MISSING and value is not None and not isinstance(value, Tensor):
        raise TypeError(f"{value} is not an instance of torch.Tensor")
    path, _, attr = name.rpartition(".")
    module = _submodule(root, path)
    for table in (module._parameters, module._buffers):
        if attr in table:
            old = table[attr]
            if value is _MISSING:
                del table[attr]
            else:
                table[attr] = value
            return old
    old = getattr(module, attr, _MISSING)
    if old is not _MISSING and old is not None and not isinstance(old, Tensor):
        raise TypeError(f"attribute `{attr}`: {old} is not an instance of torch.Tensor")
    if value is not _MISSING:
        setattr(module, attr, value)
    elif hasattr(module, attr):
        delattr(module, attr)
    return old


def _tied(module, given: dict) -> dict:
    """``given`` with every name tied to a given one (the same tensor under two names) set alike."""
    names_of: dict[int, list[str]] = {}
    for name, t in _named_tensors(module):
        names_of.setdefault(id(t), []).append(name)
    out = dict(given)
    for names in names_of.values():
        chosen = [n for n in names if n in given]
        if len(names) < 2 or not chosen:
            continue
        if len({id(given[n]) for n in chosen}) > 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(set(names))}, which are tied. "
                             "Consider using tie_weights=False")
        out.update(dict.fromkeys(names, given[chosen[0]]))
    return out


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True, strict=False):
    """torch.func.functional_call: ``module(*args, **kwargs)`` with the named parameters and buffers replaced."""
    if isinstance(parameter_and_buffer_dicts, dict):
        given = parameter_and_buffer_dicts
    elif isinstance(parameter_and_buffer_dicts, Sequence):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError("Expected all elements of parameter_and_buffer_dicts to be dictionaries")
        keys = [k for d in parameter_and_buffer_dicts for k in d]
        repeated = list(dict.fromkeys(k for k in keys if keys.count(k) > 1))
        if repeated:
            raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of functional call is ambiguous")
        given = {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}
    else:
        raise ValueError("Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, but got "
                         f"{type(parameter_and_buffer_dicts)}")
    args = () if args is None else args if isinstance(args, tuple) else (args,)
    values = _tied(module, given) if tie_weights else given
    if strict:
        valid = {name for name, _ in _named_tensors(module)}
        errors = []
        if unexpected := sorted(set(values) - valid):
            errors.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
        if missing := sorted(valid - set(values)):
            errors.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
        if errors:
            raise RuntimeError("Error(s) in reparametrizing for {}:\n\t{}".format(module._get_name(),
                                                                                 "\n\t".join(errors)))
    originals = {}
    try:
        for name, value in values.items():
            originals[name] = _swap(module, name, value)
        return module(*args, **(kwargs or {}))
    finally:
        # what the call left there (a module may reassign a buffer) goes back into the caller's dict
        current = {name: _swap(module, name, old) for name, old in originals.items()}
        given.update({k: current[k] for k in given if k in current})
