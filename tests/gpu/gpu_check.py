"""When tests/gpu/ may run: CuPy importable (the real one) and an NVIDIA GPU it can see.

``GRADWIRE_GPU_TESTS_ON_SIMULATION=1`` runs these tests on the simulated CuPy of
tests/fakecuda instead: that only checks the tests' own code on a machine without
a GPU. It is never a GPU result, and CI does not set it.
"""
from __future__ import annotations

import os
import sys

import pytest

FAKE_CUDA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fakecuda")
SIMULATION = os.environ.get("GRADWIRE_GPU_TESTS_ON_SIMULATION", "") not in ("", "0")
REASON = "needs CuPy and an NVIDIA GPU (pip install 'gradwire[cuda]' on a machine with one)"


def _real_gpu() -> bool:
    try:
        import cupy
    except ImportError:
        return False
    if getattr(cupy, "SIMULATED", False):
        return False
    try:
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # noqa: BLE001 - no driver / no device
        return False


def server_env() -> dict:
    """Extra environment of a gradwire-server process for these tests."""
    if not SIMULATION:
        return {}
    path = os.environ.get("PYTHONPATH", "")
    return {"PYTHONPATH": FAKE_CUDA_DIR + (os.pathsep + path if path else "")}


if SIMULATION:
    if FAKE_CUDA_DIR not in sys.path:
        sys.path.insert(0, FAKE_CUDA_DIR)
    AVAILABLE = True
else:
    AVAILABLE = _real_gpu()

needs_gpu = pytest.mark.skipif(not AVAILABLE, reason=REASON)
