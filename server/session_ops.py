"""Ops that need the session, not just tensors: profiling, anomaly mode, and
gradcheck of a client function recorded as a replayable program.

Registered in the engine's op registry, like every op the server runs; they
reach the session through the command loop running them.
"""
from __future__ import annotations

import contextlib
import importlib

from gradwire import engine
from gradwire.v1 import gradwire_pb2 as pb
from gradwire.engine.autograd import profiler as _profiler

from .callbacks import current_loop


# ----- profiler ------------------------------------------------------------------------------

def profiler_start(record_shapes=False, profile_memory=False, with_stack=False):
    session = current_loop().session
    if getattr(session, "profile", None) is not None:
        raise RuntimeError("Profiler context manager is not reentrant")
    prof = _profiler.profile(record_shapes=record_shapes, profile_memory=profile_memory, with_stack=with_stack)
    prof.__enter__()
    session.profile = prof
    session.ranges = []


def profiler_stop():
    """Ends the session's profile; returns its events as plain records."""
    session = current_loop().session
    prof = getattr(session, "profile", None)
    if prof is None:
        raise RuntimeError("Profiler didn't finish running")
    for r in reversed(session.ranges):
        r.__exit__(None, None, None)
    prof.__exit__(None, None, None)
    session.profile = None
    return _profiler.to_records(prof.function_events)


def record_function_enter(name: str):
    session = current_loop().session
    r = _profiler.record_function(name)
    r.__enter__()
    session.ranges.append(r)


def record_function_exit():
    session = current_loop().session
    if session.ranges:
        session.ranges.pop().__exit__(None, None, None)


# ----- anomaly mode ---------------------------------------------------------------------------

def set_detect_anomaly(mode: bool, check_nan: bool = True):
    """The session's anomaly mode (per session thread; returns the previous (mode, check_nan))."""
    from gradwire.engine.autograd import anomaly
    return anomaly._set(mode, check_nan)


# ----- default dtype -------------------------------------------------------------------------

def set_default_dtype(name: str):
    """torch.set_default_dtype for the session: its later commands make float tensors of ``name``."""
    from gradwire.common import dtypes
    dtype = dtypes.check_default_float(dtypes.from_name(name))
    current_loop().session.default_float = dtype
    dtypes.swap_thread_default_float(dtype)   # the rest of this batch too


# ----- programs: a client function recorded once, replayed by gradcheck ------------------------

# Commands whose effect a replay could not reproduce: they read values the
# client branches on, or call client code.
_NOT_REPLAYABLE = {"item", "tolist", "numpy", "function_apply", "register_hook", "register_post_accumulate_grad_hook",
                   "backward", "grad_of"}


class Program:
    """The commands a client function issued, from its inputs' handles to its outputs' handles."""

    def __init__(self, inputs, commands):
        self.inputs = list(inputs)
        self.commands = list(commands)
        self.outputs: list[int] = []

    @property
    def replayable(self) -> bool:
        return all(not c.want_value and c.op not in _NOT_REPLAYABLE for c in self.commands)

    def run(self, session, *xs):
        """The function's outputs for new inputs ``xs`` (grad mode per command, as recorded)."""
        local = dict(zip(self.inputs, xs))

        def tensor_of(h):
            return local[h] if h in local else session.tensor(h)

        grad_state = engine.grad_mode._state
        before = grad_state.enabled
        try:
            for cmd in self.commands:
                fn = engine.OPS[cmd.op]
                grad_state.enabled = before and cmd.grad_enabled
                out = fn(*cmd.resolved_args(tensor_of), **cmd.resolved_kwargs(tensor_of))
                outs = out if isinstance(out, (tuple, list)) else (out,)
                for h, t in zip(cmd.outputs, outs):
                    local[h] = t
        finally:
            grad_state.enabled = before
        outs = tuple(tensor_of(h) for h in self.outputs)
        return outs[0] if len(outs) == 1 else outs


def program_begin(input_handles):
    """Start recording the session's commands (the client's function runs next)."""
    current_loop().session.recording = Program(input_handles, [])


def program_end(output_handles):
    """Stop recording; returns the Program that maps the inputs' handles to these outputs'."""
    session = current_loop().session
    program, session.recording = session.recording, None
    if program is None:
        raise RuntimeError("program.end without program.begin")
    program.outputs = list(output_handles)
    return program


def _check_function(program: Program, function_id: int):
    """The function gradcheck evaluates: the replayed program, or the client's code by callback."""
    loop = current_loop()
    if program.replayable:
        return lambda *xs: program.run(loop.session, *xs)

    def call_client(*xs):
        outs = loop.callback(function_id, xs)
        return outs[0] if len(outs) == 1 else tuple(outs)
    return call_client


@contextlib.contextmanager
def _progress_to_client(task: str):
    """Stream the numerical Jacobian's progress to the client (about every 2%)."""
    module = importlib.import_module("gradwire.engine.autograd.gradcheck")  # (the package shadows it)
    loop = current_loop()
    last = [0]

    def report(done, total):
        if done == total or done - last[0] >= max(total // 50, 1):
            last[0] = done
            loop.send(pb.ServerMessage(progress=pb.Progress(task=task, done=done, total=total)))

    previous, module.progress.report = module.progress.report, report
    try:
        yield
    finally:
        module.progress.report = previous


def gradcheck(program, function_id, inputs, **kwargs):
    from gradwire.engine.autograd import gradcheck as check
    with _progress_to_client("gradcheck"):
        return check(_check_function(program, function_id), tuple(inputs), **kwargs)


def gradgradcheck(program, function_id, inputs, grad_outputs=None, **kwargs):
    from gradwire.engine.autograd import gradgradcheck as check
    with _progress_to_client("gradgradcheck"):
        return check(_check_function(program, function_id), tuple(inputs), grad_outputs, **kwargs)


# ----- CUDA -----------------------------------------------------------------------------------

def cuda_synchronize(device=None):
    """gradwire.cuda.synchronize(): wait for the kernels queued on the session's CUDA device(s)."""
    engine.backend.synchronize(device)


def cuda_memory_allocated(device=None):
    """Bytes of tensor memory this session holds on ``device`` (default: the session's CUDA device)."""
    session = current_loop().session
    if device is None:
        device = session.default_device if session.default_device != "cpu" else "cuda:0"
    return session.memory_by_device().get(engine.backend.normalize_device(device), 0)


# ----- which of the client's tensors a graph holds (torch returns the same Python object) --------

def _handle_bound_to(t) -> int:
    """The client's handle of engine tensor ``t`` (0: none); a scan, for introspection only."""
    for handle, bound in current_loop().session.handles.items():
        if bound is t and handle > 0:
            return handle
    return 0


def node_saved_leaf(node, attr) -> int:
    """The handle of the leaf that ``node._saved_<attr>`` is, or 0 (not a leaf, or not the client's)."""
    from gradwire.engine.autograd.saved import saved_attribute  # noqa: PLC0415
    t = saved_attribute(node, attr)
    if not isinstance(t, engine.Tensor) or t.grad_fn is not None:
        return 0
    return _handle_bound_to(t)


def node_variable(node) -> int:
    """The handle of an AccumulateGrad node's leaf, or 0."""
    variable = getattr(node, "variable", None)
    return _handle_bound_to(variable) if variable is not None else 0


OPS = {
    "node.saved_leaf": node_saved_leaf, "node.variable": node_variable,
    "node.variable_tensor": lambda node: node.variable,
    "cuda.synchronize": cuda_synchronize, "cuda.memory_allocated": cuda_memory_allocated,
    "profiler.start": profiler_start, "profiler.stop": profiler_stop,
    "profiler.record_function_enter": record_function_enter, "profiler.record_function_exit": record_function_exit,
    "autograd.set_detect_anomaly": set_detect_anomaly, "set_default_dtype": set_default_dtype,
    "program.begin": program_begin, "program.end": program_end,
    "autograd.gradcheck_program": gradcheck, "autograd.gradgradcheck_program": gradgradcheck,
}
# gradcheck calls the client's function back, and streams its progress.
TALKS_TO_CLIENT = frozenset({"autograd.gradcheck_program", "autograd.gradgradcheck_program"})
for _name, _fn in OPS.items():
    if _name not in engine.OPS:
        engine.OPS.register(_name, _fn)
