"""SIMULATED CuPy, for tests on machines without a GPU. NOT CuPy, and no GPU is involved.

A numpy-backed stand-in with the few pieces of CuPy's API gradwire's engine
reaches through engine/backend.py (``cupy.cuda.runtime.getDeviceCount``,
``cupy.cuda.Device``, ``cupy.cuda.Event``, ``cupy.asnumpy``,
``cupy.random.default_rng``, ``cupy.get_default_memory_pool``); every other
name is numpy's. It lets the device plumbing (devices on tensors, ``.to`` /
``.cuda()`` / ``.cpu()``, mixed-device errors, reprs with ``device='cuda:0'``,
``gradwire-server --device cuda:0``, ServerInfo's devices, gradients across
devices) run in CI on CPU. It proves nothing about CuPy kernels: tests/gpu/
needs the real CuPy and an NVIDIA GPU, and skips when this module is what it finds.

It lives under tests/ only and is put on the import path by tests that ask for
it (sys.path for in-process tests, PYTHONPATH for server processes); the
installed package never sees it. ``GRADWIRE_FAKE_CUDA_DEVICES`` sets how many
simulated devices there are (default 1).
"""
from __future__ import annotations

import os
import time

import numpy

SIMULATED = True  # tests/gpu/ skips when it finds this module instead of CuPy

ndarray = numpy.ndarray
random = numpy.random


def __getattr__(name):  # everything else: numpy's
    return getattr(numpy, name)


def asnumpy(a):
    """Like cupy.asnumpy: always a fresh host copy."""
    return numpy.array(a, copy=True)


class _MemoryPool:
    def used_bytes(self) -> int:
        return 0

    def total_bytes(self) -> int:
        return 0

    def free_all_blocks(self) -> None:
        pass


_POOL = _MemoryPool()


def get_default_memory_pool():
    return _POOL


class _Runtime:
    @staticmethod
    def getDeviceCount() -> int:
        return int(os.environ.get("GRADWIRE_FAKE_CUDA_DEVICES", "1"))

    @staticmethod
    def getDeviceProperties(index: int) -> dict:
        return {"name": b"SIMULATED (numpy, no GPU)", "totalGlobalMem": _Device.TOTAL}


class _Device:
    TOTAL = 16 * 2**30  # simulated memory per device

    def __init__(self, index: int = 0):
        self.id = int(index)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def synchronize(self) -> None:
        pass

    @property
    def mem_info(self):
        return (self.TOTAL, self.TOTAL)


class _Event:
    """Host timestamps standing in for CUDA events."""

    def __init__(self, *args, **kwargs):
        self.t = None

    def record(self, stream=None) -> None:
        self.t = time.perf_counter()

    def synchronize(self) -> None:
        pass


def _get_elapsed_time(start: _Event, end: _Event) -> float:
    return (end.t - start.t) * 1e3  # milliseconds, like cupy.cuda.get_elapsed_time


class cuda:  # noqa: N801 - the submodule's name
    runtime = _Runtime
    Device = _Device
    Event = _Event
    get_elapsed_time = staticmethod(_get_elapsed_time)
