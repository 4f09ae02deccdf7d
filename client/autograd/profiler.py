"""gradwire.autograd.profiler: profile() records on the server; on exit the
events come back and print as PyTorch's table."""
from __future__ import annotations

import contextlib
import json
import time

from gradwire.common import profiling

from .. import _dispatch


class profile:
    """``with profile() as prof: ...`` then ``prof.key_averages().table(sort_by=...)``."""

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False, with_flops=False,
                 profile_memory=False, with_stack=False, with_modules=False, use_kineto=False, use_cpu=True,
                 experimental_config=None, acc_events=False, custom_trace_id_callback=None):
        self.enabled = enabled
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self._events = None
        self._entered = False
        self._conn = None
        self._stats = None

    def __enter__(self):
        if not self.enabled:
            return None
        if self._entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        self._entered = True
        self._conn = _dispatch.default_connection()
        self._stats = dict(self._conn.stats)
        self._conn.wire_trace = []
        self._t0 = time.perf_counter()
        self._conn.submit("profiler.start", (self.record_shapes, self.profile_memory, self.with_stack),
                          handle_of=_dispatch._handle_of)
        return self

    def __exit__(self, exc_type, exc, tb):
        if not self.enabled:
            return False
        records = self._conn.submit("profiler.stop", (), want_value=True, handle_of=_dispatch._handle_of).value
        self._events = profiling.from_records(records, profile_memory=self.profile_memory)
        self.wire_waits = [((a - self._t0) * 1e6, (b - self._t0) * 1e6) for a, b in self._conn.wire_trace]
        self._conn.wire_trace = None
        self.wall_time_us = (time.perf_counter() - self._t0) * 1e6
        now = self._conn.stats
        # The wire's share: blocking round trips, commands and bytes while profiling.
        self.wire_stats = {k: now[k] - self._stats[k] for k in now}
        return False

    def _check_finish(self):
        if self._events is None:
            raise RuntimeError("Profiler didn't finish running")

    @property
    def function_events(self):
        self._check_finish()
        return self._events

    def events(self):
        return self.function_events

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        return self.function_events.key_averages(group_by_input_shape, group_by_stack_n)

    def table(self, sort_by=None, row_limit=100, **kwargs):
        return self.function_events.table(sort_by=sort_by, row_limit=row_limit, **kwargs)

    def total_average(self):
        return self.function_events.total_average()

    @property
    def self_cpu_time_total(self) -> float:
        return self.function_events.self_cpu_time_total

    def export_chrome_trace(self, path) -> None:
        """Server events and the client's blocking waits on the wire, as two processes (tracks)."""
        trace = profiling.chrome_trace(self.function_events, pid=0, process_name="gradwire-server")
        events = trace["traceEvents"]
        events.append({"ph": "M", "name": "process_name", "pid": 1, "tid": 0, "ts": 0,
                       "args": {"name": "gradwire-client"}})
        for start, end in self.wire_waits:
            events.append({"ph": "X", "cat": "wire", "name": "wait for server (round trip)", "pid": 1, "tid": 0,
                           "ts": round(start, 3), "dur": round(end - start, 3), "args": {}})
        with open(path, "w") as f:
            json.dump(trace, f)

    def __str__(self) -> str:
        return self.table()


class record_function(contextlib.ContextDecorator):
    """A named range on the server's profile (a row of its own)."""

    def __init__(self, name: str, args=None):
        self.name = name

    def __enter__(self):
        _dispatch.default_connection().submit("profiler.record_function_enter", (self.name,),
                                              handle_of=_dispatch._handle_of)
        return self

    def __exit__(self, *exc):
        _dispatch.default_connection().submit("profiler.record_function_exit", (), handle_of=_dispatch._handle_of)
        return False
