"""Fixtures: a real `gradwire-server` process on a free port, and the client
connected either to it or to the embedded default."""
from __future__ import annotations

import contextlib

import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import time

import pytest

import gradwire

# GRADWIRE_SYNC=1 makes every op wait for its reply (CI runs the suite both ways):
# tests that count round trips or rely on deferred errors check the matching behaviour.
SYNC_MODE = os.environ.get("GRADWIRE_SYNC", "") not in ("", "0")


def server_command(*args: str) -> list[str]:
    exe = shutil.which("gradwire-server")
    base = [exe] if exe else [sys.executable, "-m", "gradwire.server.cli"]
    return base + ["--port", "0", "--log-level", "WARNING", *args]


class ServerProcess:
    """A gradwire-server subprocess; reads the bound address from its first line."""

    def __init__(self, *args: str, env: dict | None = None, timeout: float = 30.0):
        full_env = dict(os.environ)
        full_env.pop("GRADWIRE_API_KEY", None)
        full_env.update(env or {})
        self.proc = subprocess.Popen(server_command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=full_env)
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        line = ""
        while time.monotonic() < deadline and not line:
            if sel.select(timeout=0.5):
                line = self.proc.stdout.readline()
                if not line:  # EOF: it died
                    break
        sel.close()
        m = re.search(r"listening on (\S+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"gradwire-server did not start: {line!r} {self.proc.stderr.read()}")
        self.address = m.group(1)

    def stop(self, timeout: float = 15.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


@pytest.fixture(scope="session")
def server():
    """One gradwire-server process shared by the tests that need a remote server."""
    proc = ServerProcess()
    yield proc
    proc.stop()


@pytest.fixture(params=["embedded", "remote"])
def mode(request):
    return request.param


@pytest.fixture
def gw(mode, request, monkeypatch):
    """gradwire, connected to the embedded default or to the server process."""
    monkeypatch.delenv("GRADWIRE_ADDRESS", raising=False)
    monkeypatch.delenv("GRADWIRE_TOKEN", raising=False)
    gradwire.disconnect()
    if mode == "remote":
        gradwire.connect(request.getfixturevalue("server").address)
    else:
        gradwire.connect()
    yield gradwire
    with contextlib.suppress(Exception):  # a test may leave an error it expects unread
        gradwire.synchronize()  # the names of the last commands' nodes come back
    gradwire.disconnect()


@pytest.fixture(autouse=True)
def grad_fn_names_predicted_right():
    """Every grad_fn name the client predicted (OpInfo.node in client/_meta.py) is the server's."""
    from gradwire import _connection
    _connection.MISPREDICTED_NAMES.clear()
    yield
    wrong, _connection.MISPREDICTED_NAMES[:] = list(_connection.MISPREDICTED_NAMES), []
    assert not wrong, f"(op, predicted, server's) grad_fn names: {wrong}"


def run_script(code: str, *, address: str | None = None, timeout: float = 60.0, extra_env: dict | None = None):
    """Run ``code`` in a fresh Python process, as a user would; returns the CompletedProcess."""
    env = dict(os.environ)
    env.pop("GRADWIRE_ADDRESS", None)
    env.pop("GRADWIRE_TOKEN", None)
    if address:
        env["GRADWIRE_ADDRESS"] = address
    env.update(extra_env or {})
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, env=env)


# ----- simulated CUDA (tests/fakecuda: a numpy-backed stand-in for CuPy, NOT a GPU) -------------

FAKE_CUDA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fakecuda")


def fake_cuda_env(devices: int = 1) -> dict:
    """Environment for a server process that finds the simulated CuPy (tests/fakecuda) first."""
    path = os.environ.get("PYTHONPATH", "")
    return {"PYTHONPATH": FAKE_CUDA_DIR + (os.pathsep + path if path else ""),
            "GRADWIRE_FAKE_CUDA_DEVICES": str(devices)}


@pytest.fixture
def fake_cuda(monkeypatch):
    """In this process, ``import cupy`` finds the simulated CuPy while the test runs.

    Device plumbing only: the arrays are numpy's. Real CuPy (if loaded) comes back afterwards.
    """
    from gradwire.engine import backend

    saved_modules = {m: sys.modules.pop(m) for m in ("cupy", "cupyx") if m in sys.modules}
    saved_table = dict(backend._MODULES)
    for name in [d for d in backend._MODULES if d != "cpu"]:
        del backend._MODULES[name]
    monkeypatch.syspath_prepend(FAKE_CUDA_DIR)
    monkeypatch.setenv("GRADWIRE_FAKE_CUDA_DEVICES", "2")
    import cupy

    assert getattr(cupy, "SIMULATED", False), "tests/fakecuda/cupy should shadow any real cupy here"
    yield cupy
    for m in ("cupy", "cupyx"):
        sys.modules.pop(m, None)
    sys.modules.update(saved_modules)
    backend._MODULES.clear()
    backend._MODULES.update(saved_table)
    from gradwire.engine import random as engine_random

    engine_random.default_generator._devices.clear()  # its companions drew from the simulated module
