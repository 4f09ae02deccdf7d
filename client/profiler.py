"""torch.profiler: the profiler API of training scripts (activities, schedule, on_trace_ready, step),
recording on the server through gradwire.autograd.profiler in the windows the schedule asks for."""
from __future__ import annotations

import enum
import warnings

from .autograd import profiler as _autograd_profiler
from .autograd.profiler import record_function

__all__ = ["profile", "record_function", "schedule", "ProfilerActivity", "ProfilerAction", "supported_activities",
           "tensorboard_trace_handler"]


class ProfilerActivity(enum.Enum):
    CPU = 0
    XPU = 1
    MTIA = 2
    CUDA = 3
    HPU = 4
    PrivateUse1 = 5


class ProfilerAction(enum.Enum):
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def supported_activities() -> set:
    return {ProfilerActivity.CPU}


def schedule(*, wait: int, warmup: int, active: int, repeat: int = 0, skip_first: int = 0,
             skip_first_wait: int = 0):
    """The action of each step: ``skip_first`` steps off, then cycles of ``wait`` off, ``warmup`` and
    ``active`` recorded (the last one saved), ``repeat`` times (0: for ever)."""
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(
            f"Invalid profiler schedule arguments. Got wait={wait} (need >= 0), warmup={warmup} (need >= 0), "
            f"active={active} (need > 0), repeat={repeat} (need >= 0), skip_first={skip_first} (need >= 0).")
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results", stacklevel=2)

    def schedule_fn(step: int) -> ProfilerAction:
        if step < 0:
            raise AssertionError(f"Step must be non-negative. Got {step}.")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait:  # the first cycle starts at its warmup
            step += wait
        cycle = wait + warmup + active
        if repeat > 0 and step // cycle >= repeat:
            return ProfilerAction.NONE
        return _cycle_action(step, wait, warmup, active)
    return schedule_fn


def _cycle_action(step: int, wait: int, warmup: int, active: int) -> ProfilerAction:
    cycle = wait + warmup + active
    at = step % cycle
    if at < wait:
        return ProfilerAction.NONE
    if at < wait + warmup:
        return ProfilerAction.WARMUP
    return ProfilerAction.RECORD if at < cycle - 1 else ProfilerAction.RECORD_AND_SAVE


def _always_record(step: int) -> ProfilerAction:
    return ProfilerAction.RECORD


def tensorboard_trace_handler(dir_name: str, worker_name: str | None = None, use_gzip: bool = False):
    """An ``on_trace_ready`` that writes each saved window as a Chrome trace file into ``dir_name``."""
    import os  # noqa: PLC0415
    import socket  # noqa: PLC0415
    import time  # noqa: PLC0415

    def handler(prof) -> None:
        os.makedirs(dir_name, exist_ok=True)
        name = worker_name or f"{socket.gethostname()}_{os.getpid()}"
        prof.export_chrome_trace(os.path.join(dir_name, f"{name}.{time.time_ns() // 1_000_000}.pt.trace.json"))
    return handler


class profile:
    """``with torch.profiler.profile(...) as prof: ... prof.step()``; then ``prof.key_averages().table()``."""

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None, record_shapes=False,
                 profile_memory=False, with_stack=False, with_flops=False, with_modules=False,
                 experimental_config=None, execution_trace_observer=None, acc_events=False, use_cuda=None,
                 custom_trace_id_callback=None):
        self.activities = set(activities) if activities is not None else supported_activities()
        self.schedule = schedule if schedule is not None else _always_record
        self.on_trace_ready = on_trace_ready
        self._options = dict(record_shapes=record_shapes, profile_memory=profile_memory, with_stack=with_stack)
        self.step_num = 0
        self.current_action = self.schedule(0)
        self._recording = None   # the autograd profile of the window being recorded
        self.profiler = None     # the last finished window's

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self) -> None:
        self._enter_action(self.current_action)

    def stop(self) -> None:
        if self._recording is not None:
            self._finish_window()

    def step(self) -> None:
        """The end of a training step: the schedule's next action starts or ends a recorded window."""
        previous = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        if previous is ProfilerAction.RECORD_AND_SAVE and self._recording is not None:
            self._finish_window()
        self._enter_action(self.current_action)

    def _enter_action(self, action: ProfilerAction) -> None:
        if action in (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE) and self._recording is None:
            self._recording = _autograd_profiler.profile(**self._options)
            self._recording.__enter__()

    def _finish_window(self) -> None:
        recording, self._recording = self._recording, None
        recording.__exit__(None, None, None)
        self.profiler = recording
        if self.on_trace_ready is not None:
            self.on_trace_ready(self)

    def _finished(self):
        if self.profiler is None:
            raise RuntimeError("Profiler didn't finish running")
        return self.profiler

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        return self._finished().key_averages(group_by_input_shape, group_by_stack_n)

    def events(self):
        return self._finished().events()

    def export_chrome_trace(self, path) -> None:
        self._finished().export_chrome_trace(path)
