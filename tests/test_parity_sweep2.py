"""More client behaviour against PyTorch, from the second parity sweep: node types, the default
dtype, view rules and gradients at edge values (see test_parity_api.same_as_torch)."""
from __future__ import annotations

import pytest

from test_parity_ops import same_as_torch

pytestmark = pytest.mark.timeout(120)


def test_grad_fn_type_name_is_the_node_class(gw):
    out = same_as_torch(gw, """
        x = torch.ones(2, requires_grad=True)
        y = x * 2
        n = y.grad_fn
        print(type(n).__name__, repr(n))
        z = y.sum()
        print(type(z.grad_fn).__name__, type(z.grad_fn))
        leaf = y.grad_fn.next_functions[0][0]
        print(type(leaf).__name__, leaf)
        print(type((x.exp() + 1).grad_fn).__name__)
        class Twice(torch.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                return a * 2
            @staticmethod
            def backward(ctx, g):
                return g * 2
        w = Twice.apply(x)
        print(type(w.grad_fn).__name__, w.grad_fn)
    """)
    assert "MulBackward0 <MulBackward0" in out and "AccumulateGrad <AccumulateGrad" in out
    assert "TwiceBackward" in out


def test_grad_fn_nodes_stay_nodes(gw):
    from gradwire.tensor import Node
    x = gw.ones(2, requires_grad=True)
    y = x * 3
    n = y.grad_fn
    assert isinstance(n, Node) and type(n).__name__ == "MulBackward0" and isinstance(n, Node)
    m = (x * 5).grad_fn
    gw.synchronize()  # (a node whose reply has not come yet has a class of its own, whose name waits for it)
    assert type(m) is type(n)  # one class per name


def test_set_default_dtype_changes_later_float_tensors(gw):
    out = same_as_torch(gw, """
        torch.set_default_dtype(torch.float64)
        try:
            print(torch.get_default_dtype())
            a = torch.tensor([1.5, 2.0])
            print(a, a.dtype)
            print(torch.zeros(2).dtype, torch.ones(2, 2).dtype, torch.rand(2).dtype, torch.randn(2).dtype)
            print(torch.arange(0., 3.).dtype, torch.arange(3).dtype, torch.full((2,), 1.5).dtype)
            print(torch.linspace(0, 1, 3).dtype, torch.empty(2).dtype, torch.eye(2).dtype)
            lin = torch.nn.Linear(2, 3)
            print(lin.weight.dtype, lin.bias.dtype, lin(torch.ones(1, 2)).dtype)
            print(torch.tensor([1., 2.], dtype=torch.float32))
            print(torch.tensor([1, 2]) / 2, (torch.tensor([1, 2]) * 1.5).dtype, torch.tensor(3.5).dtype)
            x = torch.tensor([1., 2.], requires_grad=True)
            x.exp().sum().backward()
            print(x.grad)
            try:
                torch.set_default_dtype(torch.int64)
            except TypeError as e:
                print("TypeError", e)
            print(torch.get_default_dtype())
        finally:
            torch.set_default_dtype(torch.float32)
        print(torch.tensor([1.5]).dtype, torch.zeros(1).dtype, torch.get_default_dtype())
    """)
    assert "tensor([1.5000, 2.0000]) torch.float64" in out
    assert "only floating-point types are supported as the default type" in out
