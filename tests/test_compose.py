"""docker-compose.yml stays valid: the CPU server by default, the GPU server in the `gpu` profile
(NVIDIA device reservation, --device cuda:0, built from Dockerfile.gpu with gradwire[cuda])."""
from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

pytestmark = pytest.mark.timeout(60)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _config(*args: str) -> str:
    exe = shutil.which("docker-compose")
    if exe is None:
        pytest.skip("docker-compose is not installed")
    done = subprocess.run([exe, *args, "config"], cwd=ROOT, capture_output=True, text=True, timeout=50,
                          env={k: v for k, v in os.environ.items() if not k.startswith("GRADWIRE_")})
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_compose_config_is_valid():
    out = _config()
    assert "  server:\n" in out and "--device" not in out.split("  server-gpu:")[0]


def test_gpu_profile_runs_the_server_on_an_nvidia_gpu():
    out = _config("--profile", "gpu")
    gpu = out.split("  server-gpu:\n", 1)[1]
    for needle in ("dockerfile: Dockerfile.gpu", "- --device\n    - cuda:0", "driver: nvidia", "- gpu",
                   "count: 1", "profiles:\n    - gpu"):
        assert needle in gpu, needle


def test_gpu_image_is_cuda_with_the_cuda_extra():
    with open(os.path.join(ROOT, "Dockerfile.gpu"), encoding="utf-8") as f:
        text = f.read()
    assert re.search(r"^FROM nvidia/cuda:12[\d.]*-runtime-ubuntu", text, re.M)
    assert "'.[cuda]'" in text
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
        assert 'cuda = ["cupy-cuda12x>=13"]' in f.read()
