"""The tutorial's sections print exactly what PyTorch prints, through gradwire.

Each section runs as a user's script (``import gradwire as torch``) in a fresh
process, against the embedded default and against a separate gradwire-server.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from gradwire.tour import SECTIONS, as_gradwire

from conftest import run_script

pytestmark = pytest.mark.timeout(120)

ADDRESS = re.compile(r" object at 0x[0-9a-f]+>")

# What PyTorch 2.13 prints for each section (stdout, then the last stderr line).
EXPECTED = {
    "Basic Usage": ("True\nTrue\nTrue\n", None),
    "The backward() Method": ("tensor([2.])\ntensor([3.])\ntensor([1.])\n", None),
    "Multiple Backward Passes": (
        "Iteration 1: grad = tensor([4.])\nIteration 2: grad = tensor([8.])\n"
        "Iteration 3: grad = tensor([12.])\nAfter zeroing: grad = tensor([0.])\n", None),
    "Gradient for Non-Scalar Outputs": ("tensor([[2., 4.],\n        [6., 8.]])\n", None),
    "Computational Graphs": (
        "x.grad_fn: None\ny.grad_fn: <PowBackward0 object at 0x0>\nz.grad_fn: <MulBackward0 object at 0x0>\n"
        "x.grad: tensor([12.])\n", None),
    "Detaching from the Graph": (
        "", "RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn"),
}


def normalized(stdout: str) -> str:
    return ADDRESS.sub(" object at 0x0>", stdout)


def last_error_line(stderr: str):
    lines = [ln for ln in stderr.strip().splitlines() if not ln.startswith("gradwire:")]
    return lines[-1] if lines else None


def test_every_section_has_an_expectation():
    assert set(EXPECTED) == set(SECTIONS)


SEED = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "seed", "autograd-tutorial.txt")


@pytest.mark.skipif(not os.path.exists(SEED), reason="the seed tutorial is not beside this checkout")
@pytest.mark.parametrize("title", list(SECTIONS))
def test_sections_are_the_tutorials_code_verbatim(title):
    with open(SEED, encoding="utf-8") as f:
        seed = f.read()
    assert SECTIONS[title].rstrip("\n") in seed


@pytest.mark.parametrize("title", list(SECTIONS))
def test_section_prints_what_pytorch_prints(title, mode, request):
    address = request.getfixturevalue("server").address if mode == "remote" else None
    result = run_script(as_gradwire(SECTIONS[title]), address=address)
    stdout, error = EXPECTED[title]
    assert normalized(result.stdout) == stdout, result.stderr
    if error is None:
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode == 1
        assert last_error_line(result.stderr) == error


@pytest.mark.parametrize("title", list(SECTIONS))
def test_expectations_match_pytorch_itself(title):
    pytest.importorskip("torch")
    result = subprocess.run([sys.executable, "-c", SECTIONS[title]], capture_output=True, text=True, timeout=60)
    stdout, error = EXPECTED[title]
    assert normalized(result.stdout) == stdout
    if error is not None:
        assert last_error_line(result.stderr) == error


def test_tour_runs_every_section_on_the_embedded_default():
    result = subprocess.run([sys.executable, "-m", "gradwire.tour"], capture_output=True, text=True, timeout=60,
                            env={k: v for k, v in os.environ.items() if k != "GRADWIRE_ADDRESS"})
    assert result.returncode == 0, result.stderr
    for title, (stdout, error) in EXPECTED.items():
        assert f"## {title}\n{stdout}{error + chr(10) if error else ''}" in normalized(result.stdout)
