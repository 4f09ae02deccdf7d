"""autograd.grad / autograd.backward: errors, inputs=, create_graph, higher order, retain_graph memory."""
import gc
import re
import weakref

import pytest

import gradwire.engine as ge
from gradwire.engine import autograd
from gradwire.engine.function import FREED_MESSAGE

pytestmark = pytest.mark.timeout(60)


def _x():
    return ge.tensor([1.0, 2.0], requires_grad=True)


def test_grad_errors():
    x = _x()
    with pytest.raises(RuntimeError, match="^`inputs` argument to `grad\\(\\)` cannot be empty.$"):
        autograd.grad(x.sum(), [])
    with pytest.raises(RuntimeError, match="^The differentiated Tensor at index 1 appears to not have been used in "
                                           "the graph. Set allow_unused=True if this is the desired behavior.$"):
        autograd.grad((x * 2).sum(), [x, ge.ones(2, requires_grad=True)])
    with pytest.raises(RuntimeError, match=re.escape(
            "Mismatch in shape: grad_output[0] has a shape of torch.Size([3]) and output[0] has a shape of "
            "torch.Size([2]).")):
        autograd.grad(x * 2, x, ge.ones(3))
    with pytest.raises(RuntimeError, match="^grad can be implicitly created only for scalar outputs$"):
        autograd.grad(x * 2, x)
    with pytest.raises(RuntimeError, match="^One of the differentiated Tensors does not require grad$"):
        autograd.grad((x * 2).sum(), ge.ones(2))
    with pytest.raises(RuntimeError, match="^element 0 of tensors does not require grad and does not have a "
                                           "grad_fn$"):
        autograd.grad(ge.ones(2).sum(), x)
    with pytest.raises(ValueError, match="^Expected allow_unused to be True or not passed when "
                                         "materialize_grads=True, but got: allow_unused=False.$"):
        autograd.grad((x * 2).sum(), x, allow_unused=False, materialize_grads=True)
    with pytest.raises(RuntimeError, match="^got 2 tensors and 1 gradients$"):
        autograd.grad([x * 2, x * 3], x, [ge.ones(2)])
    with pytest.raises(RuntimeError, match="^all inputs have to be Tensors or GradientEdges, but got int$"):
        autograd.grad((x * 2).sum(), [x, 3])


def test_grad_allow_unused_and_materialize():
    x = _x()
    w = ge.ones(2, requires_grad=True)
    gx, gw = autograd.grad((x * 2).sum(), [x, w], allow_unused=True)
    assert gx.tolist() == [2.0, 2.0] and gw is None
    gx, gw = autograd.grad((x * 2).sum(), [x, w], materialize_grads=True)
    assert gw.tolist() == [0.0, 0.0]
    assert x.grad is None  # grad() does not accumulate


def test_backward_errors_and_inputs():
    x = _x()
    w = ge.tensor([3.0, 4.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="^`inputs` argument to `backward\\(\\)` cannot be empty.$"):
        (x * 2).sum().backward(inputs=[])
    with pytest.raises(RuntimeError, match="^Mismatch in shape: grad_output\\[0\\] has a shape of "
                                           "torch.Size\\(\\[3\\]\\) and output\\[0\\] has a shape of "
                                           "torch.Size\\(\\[2\\]\\).$"):
        (x * 2).backward(ge.ones(3))
    with pytest.raises(RuntimeError, match="^element 0 of tensors does not require grad and does not have a "
                                           "grad_fn$"):
        ge.ones(2).sum().backward()
    (x * w).sum().backward(inputs=[w])
    assert x.grad is None and w.grad.tolist() == [1.0, 2.0]
    autograd.backward([x * 2, w * 3], [ge.ones(2), ge.ones(2)])
    assert x.grad.tolist() == [2.0, 2.0] and w.grad.tolist() == [4.0, 5.0]
    autograd.backward((x * x).sum(), inputs=x)
    assert x.grad.tolist() == [4.0, 6.0]


def test_second_backward_error():
    x = _x()
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError) as e:
        y.backward()
    assert str(e.value) == FREED_MESSAGE


def test_higher_order_gradients():
    x = ge.tensor([2.0], dtype=ge.float64, requires_grad=True)
    y = x ** 3
    g, = autograd.grad(y, x, create_graph=True)
    assert g.tolist() == [12.0] and g.requires_grad
    g2, = autograd.grad(g, x, create_graph=True)
    assert g2.tolist() == [12.0]
    g3, = autograd.grad(g2, x)
    assert g3.tolist() == [6.0]


def test_saved_tensors_released_after_backward():
    """Without retain_graph the saved arrays are dropped; with it they stay until the graph goes."""
    def run(retain):
        x = ge.randn(256, 256, dtype=ge.float64, requires_grad=True)
        big = x * 1.0          # a big intermediate, saved by the next Mul only
        ref = weakref.ref(big.array)
        loss = (big * big).sum()
        del big
        gc.collect()
        assert ref() is not None       # saved for backward
        loss.backward(retain_graph=retain)
        gc.collect()
        return ref, loss

    ref, _loss = run(False)
    assert ref() is None
    ref, loss = run(True)
    assert ref() is not None
    del loss
    gc.collect()
    assert ref() is None


def test_matches_torch_messages():
    torch = pytest.importorskip("torch")
    msgs = []
    for lib in (torch, ge):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        out = []
        for f in (lambda: lib.autograd.grad((x * 2).sum(), [x, lib.ones(2, requires_grad=True)]),
                  lambda: lib.autograd.grad(x.sum(), []),
                  lambda: (x * 2).backward(lib.ones(3))):
            with pytest.raises(RuntimeError) as e:
                f()
            out.append(str(e.value))
        msgs.append(out)
    assert msgs[0] == msgs[1]
