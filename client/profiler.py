"""gradwire.profiler: torch.profiler's API (``profile(activities=[ProfilerActivity.CPU])``, ``record_function``)
over the autograd profiler, which records the server's ops. Schedules are not modelled: every step records."""
from __future__ import annotations

import enum

from .autograd.profiler import profile as _autograd_profile
from .autograd.profiler import record_function  # noqa: F401

__all__ = ["profile", "record_function", "ProfilerActivity"]


class ProfilerActivity(enum.Enum):
    """What to record: the server's ops run as CPU (or CUDA) work alike."""

    CPU = 0
    XPU = 1
    MTIA = 2
    CUDA = 3


class profile(_autograd_profile):
    """``with torch.profiler.profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:``; also
    ``start()`` / ``stop()``; ``on_trace_ready(prof)`` runs when it stops."""

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None, record_shapes=False,
                 profile_memory=False, with_stack=False, with_flops=False, with_modules=False,
                 experimental_config=None, execution_trace_observer=None, acc_events=False, use_cuda=None,
                 custom_trace_id_callback=None):
        super().__init__(record_shapes=record_shapes, profile_memory=profile_memory, with_stack=with_stack)
        self.activities = set(activities) if activities else {ProfilerActivity.CPU}
        self.on_trace_ready = on_trace_ready

    def __exit__(self, exc_type, exc, tb):
        result = super().__exit__(exc_type, exc, tb)
        if self.on_trace_ready is not None:
            self.on_trace_ready(self)
        return result

    def start(self) -> None:
        self.__enter__()

    def stop(self) -> None:
        self.__exit__(None, None, None)

    def step(self) -> None:
        """The end of a training step (each one records: no schedule)."""
