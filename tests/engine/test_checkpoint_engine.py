"""The engine's non-reentrant checkpoint: the region keeps none of the tensors its ops save, and
backward gets them back by running the function again."""
from __future__ import annotations

import gc
import weakref

import pytest

from gradwire import engine
from gradwire.engine.autograd.checkpoint import CheckpointError, checkpoint

pytestmark = pytest.mark.timeout(60)


def _chain(refs, calls):
    def f(a):
        calls.append(1)
        h = a.exp()           # saved by sin's node
        refs.append(weakref.ref(h))
        return h.sin()
    return f


@pytest.mark.parametrize("checkpointed", [True, False])
def test_intermediates_are_freed_after_the_forward_and_gradients_match(checkpointed):
    x = engine.tensor([0.1, 0.2, 0.3], dtype=engine.float64, requires_grad=True)
    refs, calls = [], []
    f = _chain(refs, calls)
    y = checkpoint(f, x) if checkpointed else f(x)
    gc.collect()
    assert (refs[0]() is None) == checkpointed
    y.sum().backward()
    assert len(calls) == (2 if checkpointed else 1)
    expected = (x.detach().exp().cos() * x.detach().exp()).tolist()  # d/dx sin(exp x)
    assert x.grad.tolist() == pytest.approx(expected, rel=1e-12)


def test_gradcheck_and_gradgradcheck_through_a_checkpoint():
    x = engine.tensor([0.3, -0.7], dtype=engine.float64, requires_grad=True)
    w = engine.tensor([1.5, 0.5], dtype=engine.float64, requires_grad=True)

    def fn(a, b):
        return checkpoint(lambda u: (u * b).tanh() * u, a)
    assert engine.autograd.gradcheck(fn, (x, w))
    assert engine.autograd.gradgradcheck(fn, (x, w))


def test_random_draws_are_replayed():
    engine.manual_seed(3)
    x = engine.ones(200, requires_grad=True)
    y = checkpoint(lambda a: engine.nn.functional.dropout(a, 0.5), x)
    after_forward = engine.rand(1).item()
    y.sum().backward()
    assert ((y.detach() != 0).float() * 2).tolist() == x.grad.tolist()
    engine.manual_seed(3)
    engine.nn.functional.dropout(engine.ones(200), 0.5)
    assert engine.rand(1).item() == after_forward  # backward's recomputation left the stream alone


def test_a_recomputation_that_saves_more_is_an_error():
    x = engine.tensor([1.0, 2.0], requires_grad=True)
    n = []

    def f(a):
        n.append(1)
        return a.exp() if len(n) == 1 else a.exp().exp()
    y = checkpoint(f, x)
    with pytest.raises(CheckpointError, match="trying to save more tensors during recomputation"):
        y.sum().backward()
