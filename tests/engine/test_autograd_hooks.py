"""Tensor hooks, retain_grad, post-accumulate hooks, the non-leaf .grad warning."""
import warnings

import pytest

import gradwire.engine as ge

pytestmark = pytest.mark.timeout(60)

NONLEAF = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute won't be "
    "populated during autograd.backward(). If you indeed want the .grad field to be populated for a non-leaf "
    "Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure "
    "you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more information. "
    "(Triggered internally at /__w/pytorch/pytorch/build/aten/src/ATen/core/TensorBody.h:493.)")  # torch 2.13


def _x():
    return ge.tensor([1.0, 2.0], requires_grad=True)


def test_leaf_hook_replaces_grad_and_remove():
    x = _x()
    h = x.register_hook(lambda g: g * 10)
    (x * 2).sum().backward()
    assert x.grad.tolist() == [20.0, 20.0]
    h.remove()
    h.remove()  # twice is fine
    x.grad = None
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_hook_observes_without_replacing_and_context_handle():
    x = _x()
    seen = []
    with x.register_hook(lambda g: seen.append(g.tolist())):
        (x * 3).sum().backward()
    (x * 3).sum().backward()
    assert seen == [[3.0, 3.0]]


def test_nonleaf_hooks_run_before_retain_grad():
    x = _x()
    a = x.clone()
    a.register_hook(lambda g: g * 2)
    a.retain_grad()
    a.register_hook(lambda g: g * 3)
    (a * 1).sum().backward()
    assert a.retains_grad
    assert a.grad.tolist() == [6.0, 6.0] and x.grad.tolist() == [6.0, 6.0]


def test_hook_errors():
    x = _x()
    h = x.register_hook(lambda g: ge.ones(3))
    with pytest.raises(RuntimeError, match="^hook '<lambda>' has changed the size of value$"):
        (x * 2).sum().backward()
    h.remove()
    h = x.register_hook(lambda g: 5)
    with pytest.raises(TypeError, match="^expected Variable, but hook returned 'int'$"):
        (x * 2).sum().backward()
    h.remove()
    with pytest.raises(RuntimeError, match="^cannot register a hook on a tensor that doesn't require gradient$"):
        ge.ones(2).register_hook(lambda g: g)
    with pytest.raises(RuntimeError, match="^can't retain_grad on Tensor that has requires_grad=False$"):
        ge.ones(2).retain_grad()
    with pytest.raises(RuntimeError, match="^post accumulate grad hooks cannot be registered on non-leaf tensors$"):
        (x * 2).register_post_accumulate_grad_hook(lambda t: None)
    with pytest.raises(RuntimeError, match="^cannot register a hook on a tensor that doesn't require gradient$"):
        ge.ones(2).register_post_accumulate_grad_hook(lambda t: None)


def test_post_accumulate_grad_hook():
    x = _x()
    seen = []
    h = x.register_post_accumulate_grad_hook(lambda t: seen.append((t is x, t.grad.tolist())))
    (x * 2).sum().backward()
    (x * 2).sum().backward()
    h.remove()
    (x * 2).sum().backward()
    assert seen == [(True, [2.0, 2.0]), (True, [4.0, 4.0])]


def test_nonleaf_grad_warning():
    x = _x()
    y = x * 2
    with pytest.warns(UserWarning) as rec:
        assert y.grad is None
    assert str(rec[0].message) == NONLEAF
    y.retain_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert y.grad is None
        assert x.grad is None
    y.sum().backward()
    assert y.grad.tolist() == [1.0, 1.0]


def test_retain_grad_with_create_graph_and_accumulation():
    x = _x()
    y = x * x
    y.retain_grad()
    y.sum().backward(retain_graph=True)
    y.sum().backward()
    assert y.grad.tolist() == [2.0, 2.0]


def test_hooks_match_torch():
    torch = pytest.importorskip("torch")
    res = []
    for lib in (torch, ge):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        a = x * 1
        a.register_hook(lambda g: g + 1)
        a.retain_grad()
        b = a * a
        b.register_hook(lambda g: g * 3)
        b.sum().backward()
        res.append((a.grad.tolist(), x.grad.tolist()))
    assert res[0] == res[1]
