"""The tutorial end to end with its tensors on cuda: every section runs as a user's script
against a separate ``gradwire-server --device cuda:0`` process, so the tensors it creates live
on the GPU (like torch.set_default_device("cuda")), and prints what the CPU run prints with
``device='cuda:0'`` in its tensor reprs. Runs only with CuPy and an NVIDIA GPU.
"""
from __future__ import annotations

import re

import pytest

from gradwire.tour import SECTIONS, as_gradwire, completed

from conftest import ServerProcess, run_script
from gpu_check import needs_gpu, server_env
from test_tutorial import EXPECTED, PATTERNS, last_error_line, normalized

pytestmark = [pytest.mark.timeout(300), needs_gpu]

DEVICE = "cuda:0"


def on_device(text: str) -> str:
    """Each ``tensor(<data>...)`` repr in ``text`` with ``, device='cuda:0'`` after its data, as torch prints
    a CUDA tensor."""
    out, i = [], 0
    while True:
        j = text.find("tensor(", i)
        if j < 0:
            return "".join(out) + text[i:]
        k = j + len("tensor(")
        depth = 0
        while True:  # the data: a number or a bracketed list
            ch = text[k]
            depth += ch == "["
            depth -= ch == "]"
            k += 1
            if depth == 0 and (ch == "]" or text[k] in ",)"):
                break
        out.append(text[i:k] + f", device='{DEVICE}'")
        i = k


def test_on_device_rewrites_reprs_like_torch():  # the helper itself (runs with the GPU tests)
    assert on_device("tensor([2.])\nx: tensor([[1., 2.],\n        [3., 4.]], grad_fn=<AddBackward0>)") == (
        "tensor([2.], device='cuda:0')\nx: tensor([[1., 2.],\n        [3., 4.]], device='cuda:0', "
        "grad_fn=<AddBackward0>)")
    assert on_device("dy/dx = tensor(12., grad_fn=<X>)") == "dy/dx = tensor(12., device='cuda:0', grad_fn=<X>)"


@pytest.fixture(scope="module")
def gpu_server():
    proc = ServerProcess("--device", DEVICE, env=server_env())
    yield proc
    proc.stop()


CUDA_PROFILE = re.compile(r"Name +Self CPU % +Self CPU +CPU total % +CPU total +CPU time avg +Self CUDA +Self CUDA % +"
                          r"CUDA total +CUDA time avg +# of Calls")


@pytest.mark.parametrize("title", list(SECTIONS))
def test_section_runs_on_cuda(title, gpu_server):
    result = run_script(as_gradwire(completed(title)), address=gpu_server.address, timeout=240)
    if title == "Gradient Profiling":
        assert result.returncode == 0, result.stderr
        assert CUDA_PROFILE.search(result.stdout), result.stdout
        assert re.search(r"Self CUDA time total: [\d.]+(us|ms|s)\n", result.stdout), result.stdout
        return
    if title in PATTERNS:
        assert PATTERNS[title].match(result.stdout), result.stdout + result.stderr
        assert result.returncode == 0, result.stderr
        return
    stdout, error = EXPECTED[title]
    assert normalized(result.stdout) == on_device(stdout), result.stderr
    if error is None:
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode == 1 and last_error_line(result.stderr) == error


def test_tutorial_tensors_are_on_the_gpu(gpu_server):
    code = ("import gradwire as torch\n"
            "x = torch.tensor([2.0], requires_grad=True)\n"
            "y = x ** 2\n"
            "y.backward()\n"
            "print(x.device, y.device, x.grad.device, torch.cuda.is_available(), torch.cuda.device_count() >= 1)\n")
    result = run_script(code, address=gpu_server.address)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "cuda:0 cuda:0 cuda:0 True True\n"
