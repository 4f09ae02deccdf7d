"""torch.return_types, torch.func's stack_module_state/linearize/functionalize,
torch.testing.assert_allclose, Module.compile (see test_parity_api.same_as_torch)."""
from __future__ import annotations

import pytest

from test_parity_api import same_as_torch_without_errors as same_as_torch

pytestmark = pytest.mark.timeout(120)


def test_return_types(gw):
    out = same_as_torch(gw, """
        r = torch.max(torch.tensor([[1., 5.], [3., 2.]]), 0)
        print(isinstance(r, torch.return_types.max), type(r).__name__, torch.return_types.linalg_slogdet.__name__)
        print(isinstance(torch.linalg.slogdet(torch.eye(2)), torch.return_types.linalg_slogdet))

    """)
    assert "True max linalg_slogdet" in out


def test_model_ensembling_with_stack_module_state(gw):
    out = same_as_torch(gw, """
        models = [torch.nn.Linear(3, 2) for _ in range(4)]
        with torch.no_grad():
            for i, m in enumerate(models):
                m.weight.fill_(i)
                m.bias.fill_(-i)
        params, buffers = torch.func.stack_module_state(models)
        print({k: (tuple(v.shape), v.requires_grad, v.is_leaf) for k, v in params.items()}, buffers)
        x = torch.ones(5, 3)

        def f(p, b, x):
            return torch.func.functional_call(models[0], (p, b), (x,))
        out = torch.func.vmap(f, in_dims=(0, 0, None))(params, buffers, x)
        print(out[:, 0])
        out.sum().backward()
        print(params["weight"].grad[0], params["bias"].grad[1])
        try:
            torch.func.stack_module_state([])
        except RuntimeError as e:
            print(e)
    """)
    assert "tensor([[0., 0.],\n        [2., 2.],\n        [4., 4.],\n        [6., 6.]]" in out   # 3i - i per model
    assert "tensor([[5., 5., 5.],\n        [5., 5., 5.]]) tensor([5., 5.])" in out   # 5 rows of ones


def test_linearize_functionalize_assert_allclose_and_module_tails(gw):
    out = same_as_torch(gw, """
        import warnings
        o, jvp_fn = torch.func.linearize(torch.sin, torch.tensor([0., 1.]))
        print(o, jvp_fn(torch.tensor([2., 0.])))
        print(torch.func.functionalize(lambda a: a.add_(1))(torch.zeros(2)))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            torch.testing.assert_allclose(torch.tensor([1., 2.]), [1., 2.00001])
            print([type(i.message).__name__ for i in w])
        try:
            torch.testing.assert_allclose(torch.tensor([1., 2.]), [1., 2.1])
        except AssertionError as e:
            print("AssertionError", str(e).splitlines()[0])
        print(torch.nn.Linear(2, 2).compile())
    """)
    assert "tensor([0.0000, 0.8415]) tensor([2., 0.])" in out and "['FutureWarning']" in out


def test_gradient_edges(gw):
    out = same_as_torch(gw, """
        graph = torch.autograd.graph
        x = torch.tensor([1., 2.], requires_grad=True)
        y = x * 3
        z = (y ** 2).sum()
        e = graph.get_gradient_edge(y)
        print(type(e).__name__, e.output_nr, type(e.node).__name__, e.ownership_token, len(e), isinstance(e, tuple))
        print(torch.autograd.grad(z, e, retain_graph=True))
        ex = graph.get_gradient_edge(x)
        print(type(ex.node).__name__, ex.node.name(), ex.output_nr)
        print(torch.autograd.grad(z, [ex, e], retain_graph=True))
        try:
            graph.get_gradient_edge(torch.ones(2))
        except RuntimeError as err:
            print("RuntimeError", err)
        print(graph.get_gradient_edge(torch.ones(2, 2, requires_grad=True).unbind(0)[1]).output_nr)
        (x * 2).sum().backward(inputs=[graph.get_gradient_edge(x)])
        print(x.grad)
        x.grad = None
        (x * 5).sum().backward(inputs=graph.get_gradient_edge(x))
        print(x.grad)
    """)
    assert "(tensor([ 6., 12.]),)" in out and "(tensor([18., 36.]), tensor([ 6., 12.]))" in out
    assert "tensor([5., 5.])" in out


def test_accelerator_picks_the_device_as_torchs_tutorials_do(gw):
    out = same_as_torch(gw, """
        device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
        print(f"Using {device} device", torch.accelerator.device_count(), torch.accelerator.current_accelerator())
        for f in (torch.accelerator.current_device_index, torch.accelerator.synchronize):
            try:
                f()
            except RuntimeError as e:
                print("RuntimeError", e)
        print(next(torch.nn.Linear(2, 1).to(device).parameters()).device)
    """)
    assert out.startswith("Using cpu device 0 None")
    assert not gw.distributed.is_available() and not gw.distributed.is_initialized()
