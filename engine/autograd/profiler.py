"""The autograd profiler: ``torch.autograd.profiler`` for the gradwire engine.

    with profile(record_shapes=True) as prof:
        with record_function("step"):
            z = (x @ y).sum()
        z.backward()
    print(prof.key_averages().table(sort_by="cpu_time_total"))

While a ``profile`` records, it is the engine's observer
(``gradwire.engine.observe.watch.observer``, per thread): every op's forward (``Function.apply``)
and every backward node the engine runs report to it.  Rows are named as
torch names them: forward ops ``aten::mul``, ``aten::sum``, ... (derived from
the Function class, see ``aten_name``), backward nodes ``MulBackward0`` inside
torch's ``autograd::engine::evaluate_function: MulBackward0`` wrapper rows,
``aten::ones_like`` for the implicit gradient of ``backward()`` and
``torch::autograd::AccumulateGrad`` for gradients reaching leaves.  Ops that a
backward formula calls are children of that node, so "CPU total" includes them
and "Self CPU" does not.

Memory (``profile_memory=True``) is what the process allocated, less what it
freed, between an op's start and end, as ``tracemalloc`` sees it (NumPy reports
its array buffers to tracemalloc): an op's output arrays plus any temporaries it
kept, negative where it freed more than it allocated, like torch's allocator
accounting.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import time
import tracemalloc
import traceback
import warnings

from .. import backend as _backend
from .. import observe as _observe
from gradwire.common.profiling import (EventList, FunctionEvent, FunctionEventAvg, chrome_trace,  # noqa: F401
                                        format_memory, format_time, from_records, to_records)

__all__ = ["profile", "record_function", "aten_name", "EventList", "FunctionEvent", "FunctionEventAvg",
           "format_time", "format_memory", "to_records", "from_records"]

# ---- names ----------------------------------------------------------------------

# Op names (a Function's ``op_name`` or class name) whose aten name is not the
# snake_case of the op name.
ATEN_NAMES = {
    "Zero": "aten::zero_",
    "ToCopy": "aten::_to_copy",
    "UnsafeView": "aten::_unsafe_view",
    "CopyGrad": "aten::clone",
    "Matmul": "aten::matmul",
}

# torch.matmul is a composite op: its row ``aten::matmul`` has the kernel it
# dispatched to as a child.  A backward formula calls the kernel directly
# (MmBackward0 runs aten::mm), so inside a backward node only the kernel shows.
MATMUL_KERNELS = {
    "Mm": "aten::mm",
    "Dot": "aten::dot",
    "Mv": "aten::mv",
    "MatmulVecMat": "aten::mm",
    "MatmulMatBatched": "aten::bmm",
    "MatmulBatched": "aten::bmm",
}

# The rows torch shows under an op's own row, each inside the one before: the kernels it calls
# (aten::t runs aten::transpose, which makes its view with aten::as_strided).
_STRIDED = ("aten::as_strided",)
CHILD_ROWS = {
    "T": ("aten::transpose", "aten::as_strided"),
    "Transpose": _STRIDED, "Permute": _STRIDED, "Select": _STRIDED, "Slice": _STRIDED, "Expand": _STRIDED,
    "Unsqueeze": _STRIDED, "Squeeze": _STRIDED, "SqueezeDim": _STRIDED, "SqueezeDims": _STRIDED,
    "Sum": _STRIDED, "SumDim": _STRIDED, "Relu": ("aten::clamp_min",),
}

_ENGINE_PREFIX = "autograd::engine::evaluate_function: "
_ACCUMULATE = "torch::autograd::AccumulateGrad"
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NAMES: dict = {}  # Function class -> (name, kernel or None, child rows)


def aten_name(function_cls) -> str:
    """The profiler row name of an op: ``aten::<name>`` for built-in ops, the class name for
    user-defined Functions.  A Function class may set ``aten_name`` to override it."""
    return _names_of(function_cls)[0]


def _names_of(cls):
    names = _NAMES.get(cls)
    if names is not None:
        return names
    explicit = getattr(cls, "aten_name", None)
    children = CHILD_ROWS.get(cls.__name__, ())
    if isinstance(explicit, str):
        names = (explicit, None, children)
    elif not cls._node_cls._builtin:
        names = (cls.__name__, None, ())
    elif cls.__name__ in MATMUL_KERNELS:
        names = ("aten::matmul", MATMUL_KERNELS[cls.__name__], ())
    else:
        op = cls.op_name or cls.__name__
        names = (ATEN_NAMES.get(op) or "aten::" + _CAMEL.sub("_", op).lower(), None, children)
    _NAMES[cls] = names
    return names


def _node_name(node) -> str:
    name = node.name()
    return _ACCUMULATE if name == "AccumulateGrad" else name


# ---- recording ------------------------------------------------------------------

_OP, _NODE, _WRAPPER, _USER = "cpu_op", "node", "wrapper", "user_annotation"
_HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the engine package: not user code


class _Rec:
    """One open or closed range, as recorded (turned into a FunctionEvent afterwards)."""

    __slots__ = ("name", "kind", "thread", "start", "end", "parent", "shapes", "stack", "mem0", "mem1", "device",
                 "ev0", "ev1")

    def __init__(self, name, kind, thread, parent, shapes, stack):
        self.device = self.ev0 = self.ev1 = None  # an op on CUDA tensors: CUDA events around it
        self.name = name
        self.kind = kind
        self.thread = thread
        self.parent = parent
        self.shapes = shapes
        self.stack = stack
        self.start = self.end = 0
        self.mem0 = self.mem1 = 0


def _shape_of(a):
    shape = getattr(a, "shape", None)
    if shape is not None and not isinstance(a, type):
        try:
            return list(shape)
        except TypeError:
            return []
    return []


def _cuda_device_of(args):
    """The CUDA device of an op's tensor arguments (lists included), or None for CPU ops."""
    for a in args:
        if type(a) in (list, tuple):
            d = _cuda_device_of(a)
            if d is not None:
                return d
            continue
        d = getattr(a, "device", None)
        if type(d) is str and d != "cpu":
            return d
    return None


def _python_stack():
    frames = traceback.extract_stack()
    return [f"{f.filename}({f.lineno}): {f.name}" for f in reversed(frames)
            if not os.path.abspath(f.filename).startswith(_HERE)]


def _device_times(recs, by_rec) -> None:
    """CUDA time of each event: its ops' CUDA event pairs, or (a range around ops: a backward node,
    record_function) the sum of its children's; self time is what the children did not take."""
    for r in reversed(recs):  # children (later starts) before their parents
        evt = by_rec[id(r)]
        children = sum(c.device_time_total for c in evt.cpu_children)
        if r.ev0 is not None and r.ev1 is not None:
            total = _backend.elapsed_us(r.ev0, r.ev1)
        else:
            total = children
        evt.device_time_total = total
        evt.self_device_time_total = max(total - children, 0.0)
        if total:
            evt.use_device = "cuda"


class _Recorder:
    """The observer a recording profile installs; keeps every range it is told about."""

    def __init__(self, record_shapes: bool, profile_memory: bool, with_stack: bool, previous):
        self.records = []
        self._local = threading.local()
        self.record_shapes = record_shapes
        self.memory = profile_memory
        self.with_stack = with_stack
        self.previous = previous  # an observer that was active before (chained)
        self.closed_at = None

    def _stack(self):
        st = getattr(self._local, "stack", None)
        if st is None:
            st = self._local.stack = []
        return st

    def open(self, name, kind, shapes=None, stack=None, device=None) -> None:
        st = self._stack()
        rec = _Rec(name, kind, threading.get_ident(), st[-1] if st else None, shapes, stack)
        self.records.append(rec)
        st.append(rec)
        if self.memory:
            rec.mem0 = tracemalloc.get_traced_memory()[0]
        if device is not None:
            rec.device = device
            rec.ev0 = _backend.cuda_event(device)
        rec.start = time.perf_counter_ns()

    def close(self) -> None:
        end = time.perf_counter_ns()
        st = self._stack()
        if not st:
            return
        rec = st.pop()
        if rec.device is not None:
            rec.ev1 = _backend.cuda_event(rec.device)
        if self.memory:
            rec.mem1 = tracemalloc.get_traced_memory()[0]
        rec.end = end

    def top_kind(self):
        st = getattr(self._local, "stack", None)
        return st[-1].kind if st else None

    # ---- the observer interface (engine/observe.py) --------------------------
    def forward(self, function_cls, args):
        inner = self.previous.forward(function_cls, args) if self.previous is not None else None
        return _OpRange(self, function_cls, args, inner)

    def backward(self, node):
        inner = self.previous.backward(node) if self.previous is not None else None
        name = _node_name(node)
        return _Range(self, ((_ENGINE_PREFIX + name, _WRAPPER), (name, _NODE)), inner)

    def range(self, name, kind=_OP):
        inner = self.previous.range(name) if self.previous is not None else None
        return _Range(self, ((name, kind),), inner)


class _Range:
    __slots__ = ("rec", "names", "inner")

    def __init__(self, rec, names, inner):
        self.rec = rec
        self.names = names
        self.inner = inner

    def __enter__(self):
        if self.inner is not None:
            self.inner.__enter__()
        for name, kind in self.names:
            self.rec.open(name, kind)
        return self

    def __exit__(self, exc_type, exc, tb):
        for _ in self.names:
            self.rec.close()
        if self.inner is not None:
            return self.inner.__exit__(exc_type, exc, tb)
        return False


class _OpRange(_Range):
    __slots__ = ("cls", "args", "n")

    def __init__(self, rec, cls, args, inner):
        self.rec = rec
        self.cls = cls
        self.args = args
        self.inner = inner

    def __enter__(self):
        if self.inner is not None:
            self.inner.__enter__()
        rec = self.rec
        name, kernel, children = _names_of(self.cls)
        shapes = [_shape_of(a) for a in self.args] if rec.record_shapes else None
        stack = _python_stack() if rec.with_stack else None
        if kernel is not None and (rec.top_kind() == _NODE or _observe.watch.kernel_only):
            name, kernel = kernel, None  # a backward formula (or torch.mm) calls the kernel itself
        _observe.watch.kernel_only = False
        device = _cuda_device_of(self.args)
        rec.open(name, _OP, shapes, stack, device)
        self.n = 1
        if kernel is not None:
            rec.open(kernel, _OP, shapes, stack, device)
            self.n = 2
        if children:  # the kernels' own work is next to nothing: the op's work stays the op's self time
            for child in children:
                rec.open(child, _OP, None, stack, device)
            for _ in children:
                rec.close()
        return self

    def __exit__(self, exc_type, exc, tb):
        for _ in range(self.n):
            self.rec.close()
        if self.inner is not None:
            return self.inner.__exit__(exc_type, exc, tb)
        return False


_RECORDERS: list = []  # recorders of the profiles recording now (record_function reports to these)


# ---- the API --------------------------------------------------------------------

class profile:
    """Context manager that records the engine's ops and backward nodes (``torch.autograd.profiler.profile``).

    Args:
        enabled: when False the context manager does nothing (and ``as`` binds None).
        use_cuda / use_device: ops on CUDA tensors always get CUDA times (CUDA events around each op:
            torch's ``Self CUDA`` / ``CUDA total`` columns); without a GPU a warning says there is none.
        record_shapes: record every op's input shapes (``Input Shapes`` column, ``Input Dims`` in traces).
        profile_memory: record bytes allocated (net of frees) by each op (``CPU Mem``/``Self CPU Mem``).
        with_stack: record the Python stack of each op (``group_by_stack_n``, ``Source Location``).
    """

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False, with_flops=False,
                 profile_memory=False, with_stack=False, with_modules=False, use_kineto=False, use_cpu=True,
                 experimental_config=None, acc_events=False, custom_trace_id_callback=None):
        self.enabled = enabled
        if not enabled:
            return
        self.use_cuda = use_cuda
        if use_cuda:
            warnings.warn("The attribute `use_cuda` will be deprecated soon, please use ``use_device = 'cuda'`` "
                          "instead.", FutureWarning, stacklevel=2)
            use_device = "cuda"
        if use_device == "cuda" and _backend.cuda_available():
            pass  # ops on CUDA tensors are timed with CUDA events whether asked or not
        elif use_device is not None:
            warnings.warn("CUDA is not available, disabling CUDA profiling"
                          if use_device == "cuda" else f"The {use_device} is not a valid device option.",
                          stacklevel=2)
            use_device = None
        self.use_device = use_device
        self.record_shapes = bool(record_shapes or with_flops)
        self.with_flops = with_flops
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_modules = with_modules
        self.acc_events = acc_events
        self.entered = False
        self._recorder = None
        self._function_events = None
        self._started_tracemalloc = False
        self._t0 = 0

    # ---- recording ----------------------------------------------------------------
    def __enter__(self):
        if not self.enabled:
            return None
        if self.entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        self.entered = True
        self._function_events = None
        if self.profile_memory and not tracemalloc.is_tracing():
            tracemalloc.start()
            self._started_tracemalloc = True
        self._recorder = rec = _Recorder(self.record_shapes, self.profile_memory, self.with_stack,
                                         _observe.watch.observer)
        _RECORDERS.append(rec)
        self._t0 = time.perf_counter_ns()
        _observe.watch.observer = rec
        return self

    def __exit__(self, exc_type, exc, tb):
        if not self.enabled:
            return False
        rec = self._recorder
        end = time.perf_counter_ns()
        if _observe.watch.observer is rec:
            _observe.watch.observer = rec.previous
        if rec in _RECORDERS:
            _RECORDERS.remove(rec)
        if self._started_tracemalloc:
            tracemalloc.stop()
            self._started_tracemalloc = False
        rec.closed_at = end
        return False

    # ---- results ------------------------------------------------------------------
    def _check_finish(self):
        if self._recorder is None or self._recorder.closed_at is None:
            raise RuntimeError("Profiler didn't finish running")

    def _build(self) -> EventList:
        self._check_finish()
        if self._function_events is not None:
            return self._function_events
        rec = self._recorder
        t0 = self._t0
        mem = self.profile_memory
        recs = sorted(rec.records, key=lambda r: r.start)
        events = EventList(profile_memory=mem, use_device=self.use_device, with_flops=self.with_flops)
        by_rec = {}
        for i, r in enumerate(recs):
            end = r.end if r.end else rec.closed_at  # a range still open when the profile ended
            evt = FunctionEvent(id=i + 1, name=r.name, thread=r.thread, start_us=(r.start - t0) / 1000.0,
                                end_us=(end - t0) / 1000.0, input_shapes=r.shapes, stack=r.stack,
                                cpu_memory_usage=(r.mem1 - r.mem0) if mem and r.end else 0,
                                is_user_annotation=r.kind == _USER,
                                category="user_annotation" if r.kind == _USER else "cpu_op")
            by_rec[id(r)] = evt
            parent = by_rec.get(id(r.parent)) if r.parent is not None else None
            if parent is not None:
                evt.set_cpu_parent(parent)
                parent.append_cpu_child(evt)
            events.append(evt)
        if any(r.ev0 is not None for r in recs):
            _device_times(recs, by_rec)
        self._function_events = events
        return events

    @property
    def function_events(self) -> EventList:
        return self._build()

    def events(self) -> EventList:
        return self._build()

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        return self._build().key_averages(group_by_input_shape, group_by_stack_n, group_by_overload_name)

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False) -> str:
        return self._build().table(sort_by=sort_by, row_limit=row_limit,
                                   max_src_column_width=max_src_column_width,
                                   max_name_column_width=max_name_column_width,
                                   max_shapes_column_width=max_shapes_column_width, header=header,
                                   top_level_events_only=top_level_events_only)

    def total_average(self) -> FunctionEventAvg:
        return self._build().total_average()

    @property
    def self_cpu_time_total(self) -> float:
        """The sum of all events' self CPU time (us)."""
        return self._build().self_cpu_time_total

    def export_chrome_trace(self, path, metadata=None, use_python_export=False) -> None:
        """Writes Chrome trace JSON (``traceEvents`` of ph "X" events, ts/dur in us)."""
        doc = chrome_trace(self._build(), pid=os.getpid())
        if metadata:
            doc.update(metadata)
        with open(path, "w") as f:
            json.dump(doc, f)

    def export_stacks(self, path, metric="self_cpu_time_total") -> None:
        """Writes one ``frame;frame;... value`` line per event with a stack (flame graph input)."""
        if not self.with_stack:
            raise RuntimeError("export_stacks() requires with_stack=True")
        with open(path, "w") as f:
            for evt in self._build():
                if evt.stack:
                    f.write(";".join(reversed(evt.stack)) + " " + str(int(getattr(evt, metric))) + "\n")

    def __str__(self) -> str:
        if self._recorder is None or self._recorder.closed_at is None:
            return "<unfinished torch.autograd.profile>"
        return str(self._build())

    __repr__ = __str__


class record_function(contextlib.ContextDecorator):
    """Labels a block of code (or, as a decorator, every call of a function) as a row
    ``name`` in the profiles recording now; does nothing while none records."""

    def __init__(self, name: str, args=None):
        self.name = name
        self.args = args
        self._open: list = []

    def __enter__(self):
        recorders = list(_RECORDERS)
        stack = None
        for rec in recorders:
            if rec.with_stack and stack is None:
                stack = _python_stack()
            rec.open(self.name, _USER, [] if rec.record_shapes else None, stack if rec.with_stack else None)
        self._open.append(recorders)
        return self

    def __exit__(self, exc_type, exc, tb):
        recorders = self._open.pop() if self._open else []
        for rec in reversed(recorders):
            rec.close()
        return False
