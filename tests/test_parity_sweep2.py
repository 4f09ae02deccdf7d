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


def test_floor_divide_records_a_node_without_a_derivative(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([3., 5.], requires_grad=True)
        y = x // 2
        print(y, y.requires_grad, y.grad_fn)
        print(2 // x, torch.floor_divide(x, torch.tensor([2., 2.])).grad_fn, (x.detach() // 2).requires_grad)
        print(torch.tensor([7, -7]) // 2, (torch.tensor([7, -7]) // 2).requires_grad)
        with torch.no_grad():
            print(x // 2)
        try:
            torch.autograd.grad((x // 2).sum(), x)
        except RuntimeError as e:
            print("RuntimeError", e)
        (x // 2).sum().backward()
    """)
    assert "grad_fn=<NotImplemented>" in out
    assert out.endswith("!! RuntimeError: derivative for aten::floor_divide is not implemented")


@pytest.mark.parametrize("make", ["b.split(1)", "b.chunk(2)", "b.unbind()", "torch.split(b, [1, 1])",
                                  "torch.unbind(b, 1)", "[v[0] for v in b.split(1)]",
                                  "[v.view(2) for v in b.unbind()]", "a.split(1)"])
def test_inplace_on_an_output_of_a_multi_view_op(gw, make):
    out = same_as_torch(gw, f"""
        a = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
        b = a * 1
        outs = {make}
        print(len(outs), outs[0].grad_fn)
        for i in (1, 0):
            try:
                outs[i].mul_(2)
                print("ok")
            except RuntimeError as e:
                print("RuntimeError", e)
        with torch.no_grad():
            outs[0].add_(1)
        print(b.detach())
    """)
    assert "is a view and is being modified inplace. This view is the output of a function that returns " in out


def test_inplace_on_a_split_output_of_a_tensor_without_grad(gw):
    same_as_torch(gw, """
        p = torch.tensor([[1., 2.], [3., 4.]])
        s = p.split(1)
        s[0].mul_(2)
        print(p)
        w = torch.tensor(2., requires_grad=True)
        try:
            s[1].mul_(w)
        except RuntimeError as e:
            print("RuntimeError", e)
        print(p)
    """)


def test_unbind(gw):
    same_as_torch(gw, """
        x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
        u = x.unbind(1)
        print(u, type(u).__name__)
        (u[0] * 2 + u[1] * 3).sum().backward()
        print(x.grad)
        x.grad = None
        u = torch.unbind(x)
        (u[1] ** 2).sum().backward()
        print(x.grad)
        print(torch.unbind(torch.arange(6).reshape(2, 3)), torch.tensor([1., 2.]).split(2), x.chunk(1))
        print(torch.ones(0, 3).unbind())
        try:
            torch.unbind(x, 2)
        except IndexError as e:
            print("IndexError", e)
        torch.unbind(torch.tensor(5.))
    """)


def test_cumprod_gradient_at_zeros(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([0., 2., 3., 0., 5.], requires_grad=True)
        torch.cumprod(x, 0).sum().backward()
        print(x.grad)
        x = torch.tensor([[1., 0., 3.], [2., 4., 0.]], requires_grad=True)
        g, = torch.autograd.grad(torch.cumprod(x, 1).sum(), x, create_graph=True)
        print(g)
        g.sum().backward()
        print(x.grad)
        x = torch.tensor([2., 0., 3.], requires_grad=True)
        print(torch.autograd.grad(torch.cumprod(x, 0), x, torch.tensor([1., 2., 3.]))[0])
        x = torch.tensor([[1., 0.], [0., 0.], [2., 3.]], requires_grad=True)
        print(torch.autograd.grad(torch.cumprod(x, 0).sum(), x)[0])
    """)
    assert "nan" not in out


def test_cumprod_gradient_at_zeros_passes_gradcheck(gw):
    x = gw.tensor([[1.5, 0.0, -0.7, 0.0], [0.3, 2.0, 0.0, 1.1]], dtype=gw.float64, requires_grad=True)
    assert gw.autograd.gradcheck(lambda a: gw.cumprod(a, 1), (x,))
    assert gw.autograd.gradgradcheck(lambda a: gw.cumprod(a, 0), (x,))
