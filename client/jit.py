"""torch.jit, eagerly: gradwire has no TorchScript compiler, so ``script`` and ``trace`` give back
objects that run the user's Python as it is (every op still goes to the server through the one
dispatch point), shaped like torch's: script/trace of a module is a module of torch's class name
(RecursiveScriptModule, TopLevelTracedModule) sharing the original's parameters, with torch's repr;
of a function, a ScriptFunction. The decorators and queries are torch's eager pass-throughs.
"""
from __future__ import annotations

import contextlib
import typing
import warnings

from .nn import Module

Final = typing.Final

__all__ = ["Attribute", "Error", "Final", "Future", "RecursiveScriptModule", "ScriptFunction", "ScriptModule",
           "ScriptWarning", "TopLevelTracedModule", "TracedModule", "TracerWarning", "TracingCheckError", "annotate",
           "export", "fork", "freeze", "ignore", "interface", "is_scripting", "is_tracing", "isinstance", "load",
           "optimize_for_inference", "save", "script", "script_if_tracing", "script_method", "trace", "trace_module",
           "unused", "wait"]


class Error(RuntimeError):
    pass


class ScriptWarning(Warning):
    pass


class TracerWarning(Warning):
    pass


class TracingCheckError(Exception):
    pass


class Attribute(typing.NamedTuple):
    """``torch.jit.Attribute(value, type)``: in eager code, the pair itself."""
    value: typing.Any
    type: typing.Any


class ScriptFunction:
    """A scripted or traced function: calls the function."""

    def __init__(self, fn):
        self._fn = fn
        self.__doc__ = getattr(fn, "__doc__", None)
        self.name = self.qualified_name = getattr(fn, "__name__", "forward")

    def __call__(self, *args, **kwargs):
        return self._fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<torch.jit.ScriptFunction object at {id(self):#x}>"


class ScriptModule(Module):
    """What torch.jit.script and torch.jit.trace make of a module (isinstance checks)."""

    _original_name = ""

    def extra_repr(self) -> str:
        return f"original_name={self._original_name}"

    def save(self, f, **kwargs):
        save(self, f, **kwargs)

    @property
    def original_name(self) -> str:
        return self._original_name


class RecursiveScriptModule(ScriptModule):
    pass


class TracedModule(ScriptModule):
    pass


class TopLevelTracedModule(TracedModule):
    pass


def _wrap_module(module: Module, kind: type, top: bool = True) -> Module:
    """A module of class ``kind`` (and of the module's own class, so its forward and methods are the
    original's) sharing the module's parameters and buffers, its children wrapped likewise; its training
    flag is its own, as in torch. A traced module prints under its original class name, as torch's does."""
    cls = type(module)
    scripted = kind is RecursiveScriptModule
    name = kind.__name__ if scripted or top else cls.__name__
    wrapped_cls = type(name, (kind, cls), {"__module__": "torch.jit", "__repr__": _script_repr,
                                           "_original_name": cls.__name__,
                                           "_repr_name": "RecursiveScriptModule" if scripted else cls.__name__})
    out = object.__new__(wrapped_cls)
    state = dict(module.__dict__)
    state["_modules"] = {k: None if m is None else _wrap_module(m, kind, top=False)
                         for k, m in module._modules.items()}
    out.__dict__.update(state)
    return out


def _script_repr(self) -> str:
    lines = [f"original_name={self._original_name}"]
    for key, child in self._modules.items():
        lines.append(f"({key}): " + "\n  ".join(repr(child).split("\n")))
    if len(lines) == 1:
        return f"{self._repr_name}({lines[0]})"
    return self._repr_name + "(\n  " + "\n  ".join(lines) + "\n)"


def _deprecated(what: str, instead: str = "switch to `torch.compile` or `torch.export`") -> None:
    warnings.warn(f"`torch.jit.{what}` is deprecated. Please {instead}.", DeprecationWarning, stacklevel=3)


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    _deprecated("script")
    if isinstance(obj, ScriptModule | ScriptFunction):
        return obj
    if isinstance(obj, Module):
        return _wrap_module(obj, RecursiveScriptModule)
    if isinstance(obj, type):
        return obj   # a scripted class: the class itself
    if callable(obj):
        return ScriptFunction(obj)
    raise RuntimeError(f"Type '{type(obj)}' cannot be compiled since it inherits from nn.Module, pass in an instance "
                       "instead")


def _as_tuple(example_inputs):
    return example_inputs if isinstance(example_inputs, tuple) else (example_inputs,)


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None, check_tolerance=1e-5,
          strict=True, _force_outplace=False, _module_class=None, _compilation_unit=None,
          example_kwarg_inputs=None, _store_inputs=True):
    """Runs ``func`` once on the example inputs (its errors are raised here, as torch's tracer's are)
    and returns what runs it again."""
    _deprecated("trace")
    args = () if example_inputs is None else _as_tuple(example_inputs)
    kwargs = example_kwarg_inputs or {}
    if isinstance(func, ScriptModule | ScriptFunction):
        warnings.warn("The input to trace is already a ScriptModule, tracing it is a no-op. Returning the object as "
                      "is.", UserWarning, stacklevel=2)
        return func
    func(*args, **kwargs)
    if isinstance(func, Module):
        return _wrap_module(func, TopLevelTracedModule)
    return ScriptFunction(func)


def trace_module(mod, inputs, **kwargs):
    _deprecated("trace_method")
    for method, example in inputs.items():
        getattr(mod, method)(*_as_tuple(example))
    return _wrap_module(mod, TopLevelTracedModule)


def freeze(mod, preserved_attrs=None, optimize_numerics=True):
    _deprecated("freeze", "use `torch.compile` instead")
    if not isinstance(mod, ScriptModule):
        raise RuntimeError("Freezing expects a ScriptModule as input. Please use torch.jit.script or torch.jit.trace "
                           "to script your 'nn.Module'.")
    if mod.training:
        raise RuntimeError("Freezing is currently only implemented for modules in eval mode. Please call .eval() on "
                           "your module before freezing.")
    return mod


def optimize_for_inference(mod, other_methods=None):
    _deprecated("optimize_for_inference", "use `torch.compile` instead")
    if not isinstance(mod, ScriptModule):
        raise RuntimeError("optimize_for_inference expects a ScriptModule as input. Please use torch.jit.script or "
                           "torch.jit.trace to script your 'nn.Module'.")
    return freeze(mod.eval()) if mod.training else mod


def save(m, f, _extra_files=None):
    raise NotImplementedError("gradwire cannot write TorchScript archives: save the module's state_dict with "
                              "torch.save and load it into the module")


def load(f, map_location=None, _extra_files=None, _restore_shapes=False):
    raise NotImplementedError("gradwire cannot read TorchScript archives: load a state_dict saved with torch.save")


# ----- eager pass-throughs ------------------------------------------------------------------------

def _decorator_or_pass(fn=None, **kwargs):
    if fn is None or not callable(fn):
        return lambda f: f   # @torch.jit.ignore(drop=True)
    return fn


ignore = unused = _decorator_or_pass


def export(fn):
    return fn


def script_method(fn):
    _deprecated("script_method")
    return fn


def interface(obj):
    _deprecated("interface", "use `torch.compile` instead")
    return obj


def script_if_tracing(fn):
    return fn


def is_scripting() -> bool:
    return False


def is_tracing() -> bool:
    return False


def annotate(the_type, the_value):
    return the_value


def _jit_isinstance(obj, target_type) -> bool:
    """torch.jit.isinstance: a container type checks the container (``List[int]`` -> list)."""
    return isinstance(obj, typing.get_origin(target_type) or target_type)


def __getattr__(name: str):
    if name == "isinstance":   # (defined at module level, it would hide the builtin from this module)
        return _jit_isinstance
    raise AttributeError(f"module 'torch.jit' has no attribute '{name}'")


class Future:
    """torch.jit.fork's future: the call has already run."""

    def __init__(self, result):
        self._result = result

    def wait(self):
        return self._result

    def value(self):
        return self._result

    def done(self) -> bool:
        return True

    def then(self, callback):
        return Future(callback(self))


def fork(func, *args, **kwargs) -> Future:
    _deprecated("fork", "use `torch.compile` instead")
    return Future(func(*args, **kwargs))


def wait(future: Future):
    _deprecated("wait", "use `torch.compile` instead")
    return future.wait()


@contextlib.contextmanager
def optimized_execution(should_optimize):
    yield


@contextlib.contextmanager
def fuser(name):
    yield


class strict_fusion:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def set_fusion_strategy(strategy):
    return []


def enable_onednn_fusion(enabled: bool) -> None:
    global _onednn
    _onednn = bool(enabled)


_onednn = False


def onednn_fusion_enabled() -> bool:
    return _onednn
