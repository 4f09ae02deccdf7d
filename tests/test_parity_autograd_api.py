"""torch.autograd as its users use it, through the client (embedded and remote server): backward and
grad arguments, .grad and .data rules, hooks, custom Functions, gradcheck and autograd.functional,
against PyTorch and against exact values."""
from __future__ import annotations

import pytest

from test_parity_api import same_as_torch

pytestmark = pytest.mark.timeout(120)


def test_backward_inputs_fill_the_grad_of_a_non_leaf(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1., 2.], requires_grad=True)
        w = torch.tensor([3., 4.], requires_grad=True)
        h = x * w
        y = (h * h).sum()
        y.backward(inputs=[h])
        print(h.grad, x.grad, w.grad, h.retains_grad)
        h2 = x * 2
        torch.autograd.backward((h2 * h2).sum(), inputs=h2)
        print(h2.grad)
        try:
            (x * 2).sum().backward(inputs=[torch.ones(2)])
        except RuntimeError as e:
            print(e)
    """)
    assert out.splitlines()[0] == "tensor([ 6., 16.]) None None True"
    assert "tensor([4., 8.])" in out and "can't retain_grad on Tensor that has requires_grad=False" in out


def test_assigning_grad_checks_type_dtype_and_size(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1., 2.], requires_grad=True)
        for v in [torch.tensor([1., 2., 3.]), torch.tensor([1, 2]), torch.ones(2, dtype=torch.float64),
                  torch.ones(2, 1), [1, 2], x]:
            try:
                x.grad = v
                print("ok")
            except Exception as e:
                print(type(e).__name__, e)
        x.grad = torch.tensor([3., 4.])
        print(x.grad)
        y = x * 2
        y.grad = torch.ones(2)
        print(y.grad)
    """)
    lines = out.splitlines()
    assert lines[0] == ("RuntimeError attempting to assign a gradient of size '[3]' to a tensor of size '[2]'. "
                        "Please ensure that the gradient and the tensor are the same size")
    assert lines[1].startswith("RuntimeError attempting to assign a gradient with dtype 'long int' to a tensor "
                               "with grad_dtype 'Float'.")
    assert lines[4] == "TypeError assigned grad expected to be a Tensor or None but got grad of type list"
    assert lines[5] == "RuntimeError can't assign Variable as its own grad"
    assert lines[6:] == ["tensor([3., 4.])", "tensor([1., 1.])"]


def test_data_shares_memory_but_not_the_version_counter(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1., 2.], requires_grad=True)
        y = x.exp()
        y.data.add_(1)
        print(y._version)
        y.sum().backward()
        print(x.grad)
        d = x.data
        d.mul_(2)
        print(x, x._version, d._version, d.requires_grad)
        z = x.exp()
        z.detach().add_(1)
        try:
            z.sum().backward()
        except RuntimeError as e:
            print(str(e)[:60])
    """)
    assert out.splitlines()[:2] == ["0", "tensor([3.7183, 8.3891])"]
    assert "tensor([2., 4.], requires_grad=True) 0 1 False" in out
