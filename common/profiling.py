"""Profiler results: events, their averages and the text table, in PyTorch's layout.

``FunctionEvent`` is one recorded range (an op's forward, a backward node, a
``record_function`` block); ``FunctionEventAvg`` sums the events that share a
key; ``EventList`` is a list of either with ``table``, ``key_averages``,
``total_average`` and ``export_chrome_trace``.  Times are microseconds
(floats), memory is bytes, as in ``torch.autograd.profiler_util``.
"""
from __future__ import annotations

import json

__all__ = ["EventList", "FunctionEvent", "FunctionEventAvg", "Interval", "format_time", "format_memory",
           "format_time_share"]

_US_IN_SECOND = 1000.0 * 1000.0
_US_IN_MS = 1000.0


def format_time(time_us) -> str:
    """``12.345us``, ``1.234ms``, ``1.234s``."""
    if time_us >= _US_IN_SECOND:
        return f"{time_us / _US_IN_SECOND:.3f}s"
    if time_us >= _US_IN_MS:
        return f"{time_us / _US_IN_MS:.3f}ms"
    return f"{time_us:.3f}us"


def format_time_share(time_us, total_time_us) -> str:
    """``12.34%`` of the total; ``NaN`` when nothing was timed."""
    if total_time_us == 0:
        return "NaN"
    return f"{time_us * 100.0 / total_time_us:.2f}%"


def format_memory(nbytes) -> str:
    """``4 B``, ``39.06 KB``, ``4.00 MB``, ``1.00 GB`` (powers of 1024)."""
    kb = 1024
    mb = kb * kb
    gb = mb * kb
    if abs(nbytes) >= gb:
        return f"{nbytes * 1.0 / gb:.2f} GB"
    if abs(nbytes) >= mb:
        return f"{nbytes * 1.0 / mb:.2f} MB"
    if abs(nbytes) >= kb:
        return f"{nbytes * 1.0 / kb:.2f} KB"
    return f"{nbytes} B"


def _time_str(attr):
    return property(lambda self: format_time(getattr(self, attr)))


class _Times:
    """Average and formatted times shared by events and their averages."""

    cpu_time_str = _time_str("cpu_time")
    cpu_time_total_str = _time_str("cpu_time_total")
    self_cpu_time_total_str = _time_str("self_cpu_time_total")

    # CUDA time (us) of ops on CUDA tensors (CUDA events around each op); 0 on the CPU.
    device_time_total = 0
    self_device_time_total = 0
    device_memory_usage = 0
    self_device_memory_usage = 0
    device_time_total_str = _time_str("device_time_total")
    self_device_time_total_str = _time_str("self_device_time_total")
    device_time_str = _time_str("device_time")

    @property
    def cpu_time(self) -> float:
        """Average CPU time per call (us)."""
        return 0.0 if self.count == 0 else 1.0 * self.cpu_time_total / self.count

    @property
    def self_cpu_time(self) -> float:
        """Average self CPU time per call (us)."""
        return 0.0 if self.count == 0 else 1.0 * self.self_cpu_time_total / self.count

    @property
    def device_time(self) -> float:
        """Average CUDA time per call (us)."""
        return 0.0 if self.count == 0 else 1.0 * self.device_time_total / self.count

    # torch's older names
    cuda_time = device_time
    cuda_time_total = property(lambda self: self.device_time_total)
    self_cuda_time_total = property(lambda self: self.self_device_time_total)


class Interval:
    """A time range in microseconds."""

    __slots__ = ("start", "end")

    def __init__(self, start, end):
        self.start = start
        self.end = end

    def elapsed_us(self):
        return self.end - self.start

    def __repr__(self) -> str:
        return f"Interval(start={self.start}, end={self.end})"


class FunctionEvent(_Times):
    """One recorded range."""

    count = 1
    is_async = False
    is_remote = False
    is_legacy = False
    node_id = -1
    device_type = "CPU"
    use_device = None
    overload_name = ""
    flops = 0

    def __init__(self, id, name, thread, start_us, end_us, input_shapes=None, stack=None,
                 cpu_memory_usage=0, sequence_nr=-1, is_user_annotation=False, category="cpu_op"):
        self.id = id
        self.name = name
        self.thread = thread
        self.time_range = Interval(start_us, end_us)
        self.input_shapes = input_shapes if input_shapes is not None else []
        self.stack = stack if stack is not None else []
        self.cpu_memory_usage = cpu_memory_usage
        self.sequence_nr = sequence_nr
        self.is_user_annotation = is_user_annotation
        self.category = category
        self.cpu_children: list = []
        self.cpu_parent = None

    @property
    def key(self) -> str:
        return self.name

    @property
    def trace_name(self) -> str:
        return self.name

    @property
    def cpu_time_total(self) -> float:
        return self.time_range.elapsed_us()

    @property
    def self_cpu_time_total(self) -> float:
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    @property
    def self_cpu_memory_usage(self) -> int:
        return self.cpu_memory_usage - sum(c.cpu_memory_usage for c in self.cpu_children)

    def append_cpu_child(self, child) -> None:
        self.cpu_children.append(child)

    def set_cpu_parent(self, parent) -> None:
        self.cpu_parent = parent

    def __repr__(self) -> str:
        return (f"<FunctionEvent id={self.id} name={self.name} device_type={self.device_type} "
                f"node_id={self.node_id} cpu_time={self.cpu_time_str} start_us={self.time_range.start} "
                f"end_us={self.time_range.end} cpu_children={[c.id for c in self.cpu_children]} "
                f"thread={self.thread} input_shapes={self.input_shapes} "
                f"cpu_memory_usage={self.cpu_memory_usage} is_async={self.is_async} "
                f"seq_nr={self.sequence_nr}>")


class FunctionEventAvg(_Times):
    """The sum of the events that share a key (name, and input shapes / stack when grouped by them)."""

    use_device = None
    device_type = "CPU"
    is_legacy = False
    flops = 0

    def __init__(self):
        self.key = None
        self.count = 0
        self.node_id = 0
        self.is_async = False
        self.is_remote = False
        self.cpu_time_total = 0
        self.self_cpu_time_total = 0
        self.cpu_memory_usage = 0
        self.self_cpu_memory_usage = 0
        self.input_shapes = None
        self.stack = None
        self.overload_name = None
        self.cpu_parent = None
        self.cpu_children = None
        self.is_user_annotation = False

    def add(self, other) -> "FunctionEventAvg":
        if not isinstance(other, (FunctionEvent, FunctionEventAvg)):
            raise TypeError("Expected other to be a FunctionEvent or FunctionEventAvg")
        if self.key is None:
            self.key = other.key
            self.node_id = other.node_id
            self.is_async = other.is_async
            self.is_remote = other.is_remote
            self.cpu_parent = other.cpu_parent
            self.cpu_children = other.cpu_children
            self.input_shapes = other.input_shapes
            self.stack = other.stack
            self.overload_name = other.overload_name
            self.is_user_annotation = other.is_user_annotation
        elif other.key != self.key:
            raise ValueError(f"Expected keys to match, but got {other.key} vs {self.key}")
        self.cpu_time_total += other.cpu_time_total
        self.self_cpu_time_total += other.self_cpu_time_total
        if other.device_time_total or other.self_device_time_total:
            self.device_time_total += other.device_time_total
            self.self_device_time_total += other.self_device_time_total
            self.use_device = "cuda"
        self.cpu_memory_usage += other.cpu_memory_usage
        self.self_cpu_memory_usage += other.self_cpu_memory_usage
        self.count += other.count
        return self

    __iadd__ = add

    def __repr__(self) -> str:
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total_str} "
                f"cpu_time={self.cpu_time_str} input_shapes={self.input_shapes} "
                f"cpu_memory_usage={self.cpu_memory_usage}>")


class EventList(list):
    """A list of events (or of their averages) with the profiler's reports."""

    def __init__(self, *args, profile_memory: bool = False, use_device=None, with_flops: bool = False):
        super().__init__(*args)
        self._profile_memory = profile_memory
        self._use_device = use_device
        self._with_flops = with_flops

    def __str__(self) -> str:
        return self.table()

    @property
    def self_cpu_time_total(self) -> float:
        return sum(evt.self_cpu_time_total for evt in self)

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False, time_unit=None) -> str:
        """The events as a text table, in ``torch.autograd.profiler_util``'s layout."""
        return build_table(self, sort_by=sort_by, header=header, row_limit=row_limit,
                           max_src_column_width=max_src_column_width,
                           max_name_column_width=max_name_column_width,
                           max_shapes_column_width=max_shapes_column_width,
                           profile_memory=self._profile_memory, top_level_events_only=top_level_events_only,
                           time_unit=time_unit)

    def key_averages(self, group_by_input_shapes=False, group_by_stack_n=0, group_by_overload_name=False):
        """One ``FunctionEventAvg`` per key: the name, plus the input shapes and the top
        ``group_by_stack_n`` stack entries where asked for; in order of first appearance."""
        stats: dict = {}
        for evt in self:
            key = [evt.key, str(evt.node_id), str(evt.is_user_annotation)]
            if group_by_input_shapes:
                key.append(str(evt.input_shapes))
            if group_by_stack_n > 0:
                key += list(evt.stack[:group_by_stack_n])
            key = tuple(key)
            avg = stats.get(key)
            if avg is None:
                avg = stats[key] = FunctionEventAvg()
            avg.add(evt)
        out = EventList(stats.values(), profile_memory=self._profile_memory, use_device=self._use_device,
                        with_flops=self._with_flops)
        for avg in out:
            avg.stack = list(avg.stack or [])[:group_by_stack_n]
            if not group_by_input_shapes:
                avg.input_shapes = ""
        return out

    def total_average(self) -> FunctionEventAvg:
        """All events summed into one ``FunctionEventAvg`` keyed ``Total``."""
        total = FunctionEventAvg()
        for evt in self:
            total.key = evt.key
            total.add(evt)
        total.key = "Total"
        return total

    def export_chrome_trace(self, path) -> None:
        """Writes the events as Chrome trace JSON (chrome://tracing, Perfetto)."""
        with open(path, "w") as f:
            json.dump(chrome_trace(self), f)


def chrome_trace(events, pid: int = 0, process_name: str = "python") -> dict:
    """The Chrome trace document of ``events`` (FunctionEvents): complete ("X") events
    with ts/dur in microseconds, plus process and thread name metadata."""
    trace = [{"ph": "M", "name": "process_name", "pid": pid, "tid": 0, "ts": 0, "args": {"name": process_name}},
             {"ph": "M", "name": "process_labels", "pid": pid, "tid": 0, "ts": 0, "args": {"labels": "CPU"}}]
    seen_threads = set()
    for i, evt in enumerate(events):
        if evt.thread not in seen_threads:
            seen_threads.add(evt.thread)
            trace.append({"ph": "M", "name": "thread_name", "pid": pid, "tid": evt.thread, "ts": 0,
                          "args": {"name": f"thread {evt.thread} ({process_name})"}})
        args = {"External id": evt.id, "Ev Idx": i}
        if evt.sequence_nr >= 0:
            args["Sequence number"] = evt.sequence_nr
        if evt.input_shapes:
            args["Input Dims"] = evt.input_shapes
        if evt.cpu_memory_usage:
            args["CPU Mem"] = evt.cpu_memory_usage
        if evt.stack:
            args["Call stack"] = ";".join(evt.stack)
        trace.append({"ph": "X", "cat": evt.category, "name": evt.name, "pid": pid, "tid": evt.thread,
                      "ts": round(evt.time_range.start, 3), "dur": round(evt.time_range.elapsed_us(), 3),
                      "args": args})
    return {"schemaVersion": 1, "displayTimeUnit": "ms", "traceEvents": trace}


def _override_time(time_us, time_unit) -> str:
    if time_unit == "s":
        return f"{time_us / _US_IN_SECOND:.3f}s"
    if time_unit == "ms":
        return f"{time_us / _US_IN_MS:.3f}ms"
    if time_unit == "us":
        return f"{time_us:.3f}us"
    return format_time(time_us)


def build_table(events, sort_by=None, header=None, row_limit=100, max_src_column_width=75,
                max_name_column_width=55, max_shapes_column_width=80, profile_memory=False,
                top_level_events_only=False, time_unit=None) -> str:
    """The text table torch prints for a list of events or averages (CPU columns, and torch's
    CUDA columns where some event has CUDA time)."""
    if len(events) == 0:
        return ""
    has_input_shapes = any(evt.input_shapes is not None and len(evt.input_shapes) > 0 for evt in events)
    if sort_by is not None:
        events = sorted(events, key=lambda evt: getattr(evt, sort_by.replace("cuda", "device")), reverse=True)

    name_width = max(len(evt.key) for evt in events) + 4
    if max_name_column_width is not None:
        name_width = min(name_width, max_name_column_width)
    shapes_width = max(len(str(evt.input_shapes)) for evt in events) + 4
    if max_shapes_column_width is not None:
        shapes_width = min(shapes_width, max_shapes_column_width)
    stacks = [evt.stack for evt in events if evt.stack]
    src_width = None
    if stacks:
        src_width = max(len(entry) for stack in stacks for entry in stack) + 4
        if max_src_column_width is not None:
            src_width = min(src_width, max_src_column_width)

    col = 12
    spacing = 2
    headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
    widths = [name_width] + [col] * 5
    aligns = [">"] * 6
    # torch adds its device columns when some event has device time (here: ops on CUDA tensors)
    has_device_time = any(evt.device_time_total > 0 for evt in events)
    if has_device_time:
        headers += ["Self CUDA", "Self CUDA %", "CUDA total", "CUDA time avg"]
        widths += [col] * 4
        aligns += [">"] * 4
    if profile_memory:
        headers += ["CPU Mem", "Self CPU Mem"]
        widths += [col, col]
        aligns += [">", ">"]
    headers.append("# of Calls")
    widths.append(col)
    aligns.append(">")
    if has_input_shapes:
        headers.append("Input Shapes")
        widths.append(shapes_width)
        aligns.append(">")
    if stacks:
        headers.append("Source Location")
        widths.append(src_width)
        aligns.append("<")
    row_format = "".join("{: " + a + str(w) + "}" + " " * spacing for a, w in zip(aligns, widths))
    header_sep = "".join("-" * w + " " * spacing for w in widths)
    line_length = sum(widths) + spacing * (len(widths) - 1)

    total_self = sum(evt.self_cpu_time_total for evt in events)
    total_self_device = sum(evt.self_device_time_total for evt in events)
    lines = []
    if header is not None:
        lines += ["=" * line_length, header]
    if top_level_events_only:
        lines += ["=" * line_length, "This report only display top-level ops statistics"]
    lines += [header_sep, row_format.format(*headers), header_sep]

    def trim_path(path):
        if len(path) > src_width:
            path = path[len(path) - src_width:]
            if len(path) > 3:
                path = "..." + path[3:]
        return path

    shown = 0
    for evt in events:
        if shown == row_limit:
            break
        if top_level_events_only and evt.cpu_parent is not None:
            continue
        shown += 1
        name = evt.key
        if max_name_column_width is not None and len(name) >= max_name_column_width - 3:
            name = name[:max_name_column_width - 3] + "..."
        row = [name,
               format_time_share(evt.self_cpu_time_total, total_self),
               _override_time(evt.self_cpu_time_total, time_unit),
               format_time_share(evt.cpu_time_total, total_self) if not evt.is_async else 0,
               _override_time(evt.cpu_time_total, time_unit),
               _override_time(evt.cpu_time, time_unit)]
        if has_device_time:
            row += [_override_time(evt.self_device_time_total, time_unit),
                    format_time_share(evt.self_device_time_total, total_self_device),
                    _override_time(evt.device_time_total, time_unit),
                    _override_time(evt.device_time, time_unit)]
        if profile_memory:
            row += [format_memory(evt.cpu_memory_usage), format_memory(evt.self_cpu_memory_usage)]
        row.append(evt.count)
        if has_input_shapes:
            row.append(str(evt.input_shapes)[:shapes_width])
        if stacks:
            row.append(trim_path(evt.stack[0]) if evt.stack else "")
        lines.append(row_format.format(*row))
        if stacks:
            blank = [""] * (len(headers) - 1)
            for entry in (evt.stack or [])[1:]:
                lines.append(row_format.format(*(blank + [trim_path(entry)])))
            lines.append(row_format.format(*(blank + [""])))
    lines.append(header_sep)
    lines.append(f"Self CPU time total: {_override_time(total_self, time_unit)}")
    if has_device_time:
        lines.append(f"Self CUDA time total: {_override_time(total_self_device, time_unit)}")
    return "".join(line + "\n" for line in lines)


# ---- plain records (to send events over the wire) -----------------------------------

def to_records(events) -> list:
    """FunctionEvents as plain dicts (JSON-able): id, name, thread, start_us, end_us,
    input_shapes, stack, cpu_memory_usage, parent (id or None), user (bool)."""
    records = [{"id": e.id, "name": e.name, "thread": e.thread, "start_us": e.time_range.start,
                "end_us": e.time_range.end, "input_shapes": e.input_shapes, "stack": e.stack,
                "cpu_memory_usage": e.cpu_memory_usage,
                "parent": e.cpu_parent.id if e.cpu_parent is not None else None,
                "user": e.is_user_annotation} for e in events]
    for r, e in zip(records, events):
        if e.device_time_total:  # CUDA time: only where there is some
            r["device_time_total"] = e.device_time_total
            r["self_device_time_total"] = e.self_device_time_total
    return records


def from_records(records, profile_memory: bool = False) -> EventList:
    """The EventList that ``to_records`` describes (parents and children linked again)."""
    events = EventList(profile_memory=profile_memory)
    by_id = {}
    for r in records:
        user = bool(r.get("user"))
        evt = FunctionEvent(id=r["id"], name=r["name"], thread=r["thread"], start_us=r["start_us"],
                            end_us=r["end_us"], input_shapes=r.get("input_shapes"), stack=r.get("stack"),
                            cpu_memory_usage=r.get("cpu_memory_usage", 0), is_user_annotation=user,
                            category="user_annotation" if user else "cpu_op")
        if r.get("device_time_total"):
            evt.device_time_total = float(r["device_time_total"])
            evt.self_device_time_total = float(r.get("self_device_time_total", 0.0))
            evt.use_device = "cuda"
        by_id[evt.id] = evt
        parent = by_id.get(r.get("parent"))
        if parent is not None:
            evt.set_cpu_parent(parent)
            parent.append_cpu_child(evt)
        events.append(evt)
    return events
