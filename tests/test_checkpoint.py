"""torch.utils.checkpoint through the client (embedded and remote server), against PyTorch and
against exact values: both variants recompute the function in backward and give the gradients of
the plain forward."""
from __future__ import annotations

import warnings

import pytest

from test_parity_api import same_as_torch

pytestmark = pytest.mark.timeout(60)

SETUP = """
checkpoint = torch.utils.checkpoint.checkpoint
x = torch.tensor([1., 2., 3.], requires_grad=True)
w = torch.tensor([0.5, -1., 2.], requires_grad=True)
def f(a):
    print("run f")
    return (a * w).sin() * 2
"""


@pytest.mark.parametrize("reentrant", [False, True])
def test_gradients_match_the_plain_forward_and_the_function_runs_again(gw, reentrant):
    out = same_as_torch(gw, SETUP + f"""
y = checkpoint(f, x, use_reentrant={reentrant})
print(y, y.grad_fn.name())
y.sum().backward()
print(x.grad, w.grad)
""")
    assert out.count("run f") == 2  # the forward, then the recomputation in backward
    assert ("CheckpointFunctionBackward" if reentrant else "MulBackward0") in out
    # d/dx 2 sin(x w) = 2 w cos(x w), d/dw = 2 x cos(x w)
    assert "tensor([0.8776, 0.8323, 3.8407]) tensor([ 1.7552, -1.6646,  5.7610])" in out


def test_the_default_is_reentrant_with_a_warning(gw):
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
        y = gw.utils.checkpoint.checkpoint(lambda a: (a * 2).sin(), gw.tensor([1., 2.], requires_grad=True))
    assert y.grad_fn.name() == "CheckpointFunctionBackward"


@pytest.mark.parametrize("code", [
    # keyword arguments: an error when reentrant, passed to the function otherwise
    """
    checkpoint = torch.utils.checkpoint.checkpoint
    x = torch.tensor([1., 2., 3.], requires_grad=True)
    f = lambda a: (a * 2).sin()
    try: checkpoint(f, x, use_reentrant=True, foo=1)
    except Exception as e: print(type(e).__name__, e)
    try: checkpoint(f, x, use_reentrant=False, preserve_rng_state=False, foo=1)
    except Exception as e: print(type(e).__name__, e)
    lin = torch.nn.Linear(3, 2)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[1., 0., -1.], [0.5, 0.5, 0.5]])); lin.bias.zero_()
    y = checkpoint(lambda a, scale=1.0: torch.relu(lin(a)) * scale, x, use_reentrant=False, scale=3.0)
    y.sum().backward(); print(x.grad, lin.weight.grad, lin.bias.grad)
    """,
    # retain_graph: each backward recomputes
    """
    checkpoint = torch.utils.checkpoint.checkpoint
    x = torch.tensor([1., 2., 3.], requires_grad=True)
    def f(a):
        print("run f")
        return (a * 2).sin()
    y = checkpoint(f, x, use_reentrant=False)
    y.sum().backward(retain_graph=True); y.sum().backward(); print(x.grad)
    """,
    # double backward through recomputed saved tensors
    """
    x2 = torch.tensor([0.5], requires_grad=True)
    y = torch.utils.checkpoint.checkpoint(lambda a: a**3, x2, use_reentrant=False)
    g, = torch.autograd.grad(y, x2, create_graph=True); print(g); g.backward(); print(x2.grad)
    """,
    # several outputs
    """
    checkpoint = torch.utils.checkpoint.checkpoint
    x = torch.tensor([1., 2., 3.], requires_grad=True)
    def g2(a):
        return a.exp(), a.sum()
    y1, y2 = checkpoint(g2, x, use_reentrant=False); print(y1.grad_fn, y2.grad_fn)
    (y1.sum() + y2).backward(); print(x.grad)
    y1, y2 = checkpoint(g2, x, use_reentrant=True); print(y1.grad_fn.name(), y2.grad_fn.name())
    (y1.sum() + y2).backward(); print(x.grad)
    """,
    # reentrant checkpoints refuse autograd.grad and backward(inputs=)
    """
    checkpoint = torch.utils.checkpoint.checkpoint
    x = torch.tensor([1., 2., 3.], requires_grad=True)
    y = checkpoint(lambda a: a.exp(), x, use_reentrant=True)
    try: torch.autograd.grad(y.sum(), x)
    except Exception as e: print(type(e).__name__, e)
    y = checkpoint(lambda a: a.exp(), x, use_reentrant=True)
    try: y.sum().backward(inputs=[x])
    except Exception as e: print(type(e).__name__, e)
    y = checkpoint(lambda a: a.exp(), x, use_reentrant=False)
    print(torch.autograd.grad(y.sum(), x))
    """,
    # a recomputation that saves less than the forward did
    """
    x = torch.tensor([1., 2., 3.], requires_grad=True)
    n = [0]
    def f(a):
        n[0] += 1
        return a.exp() if n[0] == 1 else a * 2
    y = torch.utils.checkpoint.checkpoint(f, x, use_reentrant=False)
    try: y.sum().backward()
    except Exception as e: print(type(e).__name__, str(e).splitlines()[:3])
    """,
    # checkpoint_sequential: every segment but the last is checkpointed
    """
    checkpoint_sequential = torch.utils.checkpoint.checkpoint_sequential
    m = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.ReLU(), torch.nn.Linear(3, 3), torch.nn.Tanh(),
                            torch.nn.Linear(3, 1))
    with torch.no_grad():
        for i, p in enumerate(m.parameters()): p.copy_(torch.linspace(-1, 1, p.numel()).reshape(p.shape) * (i + 1) / 3)
    inp = torch.ones(2, 3, requires_grad=True)
    for r in (False, True):
        out = checkpoint_sequential(m, 2, inp, use_reentrant=r); print(out.grad_fn.name())
        out.sum().backward(); print(inp.grad, m[0].weight.grad)
        inp.grad = None; m.zero_grad()
    """,
], ids=["kwargs", "retain_graph", "create_graph", "two_outputs", "reentrant_refuses_grad", "mismatch",
        "sequential"])
def test_checkpoint_as_torch(gw, code):
    same_as_torch(gw, code)


@pytest.mark.parametrize("reentrant", [False, True])
def test_dropout_draws_the_same_mask_when_recomputed(gw, reentrant):
    gw.manual_seed(0)
    z = gw.ones(64, requires_grad=True)
    y = gw.utils.checkpoint.checkpoint(lambda a: gw.nn.functional.dropout(a, 0.5), z, use_reentrant=reentrant)
    y.sum().backward()
    mask = (y != 0).float() * 2
    assert 0 < int((y != 0).sum()) < 64
    assert gw.equal(mask, z.grad)


def test_values_and_gradients_are_exact(gw):
    x = gw.tensor([0.5, -1.0], requires_grad=True)
    for reentrant in (False, True):
        y = gw.utils.checkpoint.checkpoint(lambda a: a * a * a, x, use_reentrant=reentrant)
        y.sum().backward()
        assert y.tolist() == [0.125, -1.0]
        assert x.grad.tolist() == [0.75, 3.0]  # 3 x^2
        x.grad = None


def test_no_input_requires_grad_warns_when_reentrant(gw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y = gw.utils.checkpoint.checkpoint(lambda a: a * 2, gw.ones(3), use_reentrant=True)
    assert [str(w.message) for w in caught] == ["None of the inputs have requires_grad=True. Gradients will be None"]
    assert y.tolist() == [2.0, 2.0, 2.0]
