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

from gradwire.tour import SECTIONS, as_gradwire, completed

from conftest import run_script

pytestmark = pytest.mark.timeout(120)

ADDRESS = re.compile(r" object at 0x[0-9a-f]+>")

# What PyTorch 2.13 prints for each section (stdout, then the last stderr line);
# sections whose figures depend on random numbers or timings are in PATTERNS.
EXPECTED = {
    "Basic Usage": ("True\nTrue\nTrue\n", None),
    "When to Use requires_grad": ("True\nTrue\n", None),
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
    "no_grad": ("True\nFalse\n", None),
    "enable_grad": ("True\n", None),
    "set_grad_enabled": ("False\n", None),
    "inference_mode": ("", None),
    "Custom Autograd Functions": ("tensor([3.])\ntensor([2.])\ntensor([1.])\n", None),
    "Gradient Checking": ("Gradient check passed: True\n", None),
    "Higher-Order Gradients": (
        "dy/dx = tensor([12.], grad_fn=<CloneBackward0>)\nd²y/dx² = tensor([12.], grad_fn=<ZeroBackward0>)\n", None),
    "Gradient Clipping": ("", None),
    "Anomaly Detection": ("", None),
}

_PROFILE_HEADER = (
    "-------------------------------------------------------  ------------  ------------  ------------  ------------"
    "  ------------  ------------  \n"
    "                                                   Name    Self CPU %      Self CPU   CPU total %     CPU total"
    "  CPU time avg    # of Calls  \n"
    "-------------------------------------------------------  ------------  ------------  ------------  ------------"
    "  ------------  ------------  \n")
PATTERNS = {
    "Training Loop": re.compile("".join(rf"Epoch {e}, Loss: \d+\.\d{{4}}\n" for e in range(0, 100, 10)) + r"\Z"),
    "Gradient Profiling": re.compile(re.escape(_PROFILE_HEADER) + r"(.*\n)+-+(  -+)+  \nSelf CPU time total: [\d.]+(us|ms|s)\n\n\Z"),
}
# Rows torch shows for the profiling section that gradwire's table has too.
PROFILE_ROWS = {"aten::mm", "aten::matmul", "aten::sum", "aten::ones_like", "aten::t", "aten::expand", "MmBackward0",
                "SumBackward0", "torch::autograd::AccumulateGrad", "autograd::engine::evaluate_function: MmBackward0",
                "autograd::engine::evaluate_function: SumBackward0"}


def check_output(title, result):
    if title in PATTERNS:
        assert PATTERNS[title].match(result.stdout), result.stdout + result.stderr
        if title == "Gradient Profiling":
            rows = {line[:55].strip() for line in result.stdout.splitlines()[3:-3]}
            assert PROFILE_ROWS <= rows, rows
        assert result.returncode == 0, result.stderr
        return
    stdout, error = EXPECTED[title]
    assert normalized(result.stdout) == stdout, result.stderr
    if error is None:
        assert result.returncode == 0, result.stderr
    else:
        assert result.returncode == 1
        assert last_error_line(result.stderr) == error
    if title == "Anomaly Detection":
        assert "UserWarning: Anomaly Detection has been enabled. This mode will increase the runtime and should " \
               "only be enabled for debugging." in result.stderr


def normalized(stdout: str) -> str:
    return ADDRESS.sub(" object at 0x0>", stdout)


def last_error_line(stderr: str):
    lines = [ln for ln in stderr.strip().splitlines() if not ln.startswith("gradwire:")]
    return lines[-1] if lines else None


def test_every_section_has_an_expectation():
    assert set(EXPECTED) | set(PATTERNS) == set(SECTIONS)
    assert not set(EXPECTED) & set(PATTERNS)


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
    check_output(title, run_script(as_gradwire(completed(title)), address=address))


@pytest.mark.parametrize("title", list(SECTIONS))
def test_expectations_match_pytorch_itself(title):
    pytest.importorskip("torch")
    result = subprocess.run([sys.executable, "-c", completed(title)], capture_output=True, text=True, timeout=60)
    check_output(title, result)


def test_tour_runs_every_section_on_the_embedded_default():
    result = subprocess.run([sys.executable, "-m", "gradwire.tour"], capture_output=True, text=True, timeout=60,
                            env={k: v for k, v in os.environ.items() if k != "GRADWIRE_ADDRESS"})
    assert result.returncode == 0, result.stderr
    for title, (stdout, error) in EXPECTED.items():
        assert f"## {title}\n{stdout}{error + chr(10) if error else ''}" in normalized(result.stdout)
    for title in PATTERNS:
        assert f"## {title}\n" in result.stdout
