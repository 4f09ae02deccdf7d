"""Grad modes: no_grad, enable_grad, set_grad_enabled, inference_mode (thread-local), inference tensors."""
import threading

import pytest

import gradwire.engine as ge
from gradwire.engine import autograd
from gradwire.engine.grad_mode import inference_mode, is_inference_mode_enabled

pytestmark = pytest.mark.timeout(60)


def _x():
    return ge.tensor([1.0, 2.0], requires_grad=True)


def test_no_grad_context_and_decorators():
    x = _x()
    with ge.no_grad():
        assert not ge.is_grad_enabled()
        assert not (x * 2).requires_grad
    assert ge.is_grad_enabled()

    @ge.no_grad()
    def f(t):
        return t * 2, ge.is_grad_enabled()

    @ge.no_grad
    def g(t):
        return t * 2, ge.is_grad_enabled()

    for fn in (f, g):
        y, mode = fn(x)
        assert not y.requires_grad and mode is False
    assert g.__name__ == "g"
    assert ge.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = _x()
    with ge.no_grad():
        with ge.enable_grad():
            y = x ** 2
            assert y.requires_grad
        assert not ge.is_grad_enabled()

    @ge.enable_grad
    def f():
        return ge.is_grad_enabled()

    with ge.no_grad():
        assert f() is True
        assert not ge.is_grad_enabled()


def test_set_grad_enabled_function_context_decorator():
    x = _x()
    ge.set_grad_enabled(False)
    try:
        assert not ge.is_grad_enabled()
    finally:
        ge.set_grad_enabled(True)
    with ge.set_grad_enabled(False):
        assert not (x ** 2).requires_grad
    assert ge.is_grad_enabled()

    @ge.set_grad_enabled(False)
    def f():
        return ge.is_grad_enabled()

    assert ge.is_grad_enabled()
    assert f() is False and ge.is_grad_enabled()
    assert repr(ge.set_grad_enabled(True)).endswith("set_grad_enabled(mode=True)")


def test_grad_mode_restored_after_exception():
    with pytest.raises(ValueError):
        with ge.no_grad():
            raise ValueError
    assert ge.is_grad_enabled()


def test_generator_decorated():
    @ge.no_grad()
    def gen():
        yield ge.is_grad_enabled()
        yield ge.is_grad_enabled()

    assert list(gen()) == [False, False]
    assert ge.is_grad_enabled()


def test_grad_mode_is_thread_local():
    seen = []
    with ge.no_grad():
        t = threading.Thread(target=lambda: seen.append(ge.is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]


def test_inference_mode_flags_and_tensors():
    x = _x()
    assert not is_inference_mode_enabled()
    with inference_mode():
        assert is_inference_mode_enabled() and not ge.is_grad_enabled()
        i = ge.ones(2)
        j = x * 2
        assert i.is_inference() and j.is_inference()
        assert not j.requires_grad and not x.is_inference()
        with inference_mode(False):
            assert not is_inference_mode_enabled() and ge.is_grad_enabled()
            assert not ge.ones(1).is_inference()
        i.add_(1)  # allowed inside the mode
        x.add_(0)  # no grad recording in inference mode: a leaf may be updated
    assert not is_inference_mode_enabled() and ge.is_grad_enabled()
    assert i.tolist() == [2.0, 2.0]
    assert not (i * 2).is_inference()
    assert not ge.ones(2).is_inference()
    assert i.detach().is_inference()


def test_inference_mode_decorators():
    @inference_mode
    def a():
        return ge.ones(1).is_inference()

    @inference_mode()
    def b():
        return ge.ones(1).is_inference()

    @inference_mode(False)
    def c():
        return ge.ones(1).is_inference()

    assert (a(), b(), c()) == (True, True, False)
    with ge.no_grad():
        with inference_mode():
            pass
        assert not ge.is_grad_enabled()


def test_inference_tensor_errors():
    x = _x()
    with inference_mode():
        i = ge.ones(2)
    with pytest.raises(RuntimeError) as e:
        i * x
    assert str(e.value) == (
        "Inference tensors cannot be saved for backward. Please do not use Tensors created in inference mode in "
        "computation tracked by autograd. To work around this, you can make a clone to get a normal tensor and use "
        "it in autograd, or use `torch.no_grad()` instead of `torch.inference_mode()`.")
    (i.clone() * x).sum().backward()  # the documented work-around
    assert x.grad.tolist() == [1.0, 1.0]
    msg = ("Inplace update to inference tensor outside InferenceMode is not allowed.You can make a clone to get a "
           "normal tensor before doing inplace update.See https://github.com/pytorch/rfcs/pull/17 for more details.")
    for op in (lambda: i.add_(1), lambda: i.mul_(x), lambda: i.zero_(), lambda: i.fill_(1.0)):
        with pytest.raises(RuntimeError) as e:
            op()
        assert str(e.value) == msg
    with pytest.raises(RuntimeError, match="^Setting requires_grad=True on inference tensor outside InferenceMode "
                                           "is not allowed.$"):
        i.requires_grad_()


def test_autograd_namespace_exports():
    for name in ("no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
                 "is_inference_mode_enabled"):
        assert hasattr(autograd, name)


def test_matches_torch():
    torch = pytest.importorskip("torch")
    with torch.inference_mode():
        ti = torch.ones(2)
    with inference_mode():
        gi = ge.ones(2)
    for lib, t in ((torch, ti), (ge, gi)):
        x = lib.tensor([1.0, 2.0], requires_grad=True) if lib is torch else _x()
        with pytest.raises(RuntimeError) as e:
            t * x
        if lib is torch:
            torch_msg = str(e.value)
        else:
            assert str(e.value) == torch_msg
