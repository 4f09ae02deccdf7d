"""The client against PyTorch: the same snippet runs with ``torch`` and with gradwire, and what it
prints (values, dtypes, reprs, grad_fn names) or raises (type and text) must be the same.

Needs PyTorch (the parity extra); gradwire itself never imports it.
"""
from __future__ import annotations

import contextlib
import io
import re
import textwrap

import pytest

pytestmark = pytest.mark.timeout(120)


def _run(lib, code: str) -> str:
    out = io.StringIO()
    namespace = {"torch": lib, "nn": lib.nn, "F": lib.nn.functional}
    try:
        with contextlib.redirect_stdout(out):
            exec(textwrap.dedent(code), namespace)
            if hasattr(lib, "synchronize"):  # gradwire: errors only the server finds surface here
                lib.synchronize()
    except Exception as exc:  # noqa: BLE001 - the exception is the result to compare
        out.write(f"!! {type(exc).__name__}: {exc}")
    return re.sub(r" at 0x[0-9a-f]+", " at 0x?", out.getvalue())


def same_as_torch(gw, code: str) -> str:
    torch = pytest.importorskip("torch")
    expected = _run(torch, code)
    assert _run(gw, code) == expected
    return expected


def test_inplace_op_on_a_view_rewrites_the_base_history(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1., 2., 3.], requires_grad=True)
        b = x * 1
        v = b[1:]
        v.mul_(2)
        print(b, v)
        b.sum().backward()
        print(x.grad)
    """)
    assert "CopySlices" in out and "AsStridedBackward0" in out


def test_inplace_op_on_a_view_through_transpose_with_a_tensor_operand(gw):
    same_as_torch(gw, """
        x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
        w = torch.tensor(3., requires_grad=True)
        b = x.clone()
        torch.transpose(b, 0, 1)[0].mul_(w)
        print(b)
        (b * torch.tensor([[1., 2.], [3., 4.]])).sum().backward()
        print(x.grad, w.grad)
    """)


def test_inplace_op_on_a_view_makes_a_base_that_needs_no_grad_require_it(gw):
    same_as_torch(gw, """
        z = torch.zeros(3)
        w = torch.tensor([2., 3.], requires_grad=True)
        z[1:].add_(w)
        print(z, z.is_leaf, z.requires_grad)
        (z * z).sum().backward()
        print(w.grad)
    """)


def test_setitem_through_views_of_views(gw):
    same_as_torch(gw, """
        x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
        b = x.clone()
        b.view(-1)[1:3].add_(10)
        v = b.unsqueeze(0)
        v[0, 0, 0] = x[1, 1] * 10
        print(b, v)
        b.pow(2).sum().backward()
        print(x.grad)
    """)


@pytest.mark.parametrize("index", ["0", "1:", ":2", "::2", "None", ":", "...", "0:2", "[0]"])
def test_setitem_on_a_leaf_that_requires_grad(gw, index):
    same_as_torch(gw, f"""
        x = torch.tensor([1., 2.], requires_grad=True)
        x[{index}] = 5
    """)


def test_inplace_op_on_a_view_of_a_leaf_that_requires_grad(gw):
    same_as_torch(gw, """
        x = torch.tensor([1., 2., 3.], requires_grad=True)
        try:
            x[1:].mul_(2)
        except RuntimeError as e:
            print(e)
        with torch.no_grad():
            x[1:].mul_(2)
        print(x)
    """)
