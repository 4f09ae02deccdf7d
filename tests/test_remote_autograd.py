"""Client-defined autograd code that the server's backward calls back: custom Functions and hooks."""
from __future__ import annotations

import traceback

import pytest

from conftest import SYNC_MODE

pytestmark = pytest.mark.timeout(60)


def _multiply_add(gw):
    class MultiplyAdd(gw.autograd.Function):
        @staticmethod
        def forward(ctx, x, y, z):
            ctx.save_for_backward(x, y, z)
            return x * y + z

        @staticmethod
        def backward(ctx, grad_output):
            x, y, z = ctx.saved_tensors
            return grad_output * y, grad_output * x, grad_output
    return MultiplyAdd


def test_tutorial_custom_function(gw):
    MultiplyAdd = _multiply_add(gw)
    x = gw.tensor([2.0], requires_grad=True)
    y = gw.tensor([3.0], requires_grad=True)
    z = gw.tensor([1.0], requires_grad=True)
    output = MultiplyAdd.apply(x, y, z)
    assert repr(output.grad_fn).startswith("<torch.autograd.function.MultiplyAddBackward object at 0x")
    assert output.grad_fn.name() == "MultiplyAddBackward"
    output.backward()
    assert (repr(x.grad), repr(y.grad), repr(z.grad)) == ("tensor([3.])", "tensor([2.])", "tensor([1.])")


def test_custom_function_inside_a_larger_graph_and_nested(gw):
    MultiplyAdd = _multiply_add(gw)

    class Square(gw.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            # the user's backward calls another custom Function
            return MultiplyAdd.apply(g, x, gw.zeros_like(x)) * 2

    x = gw.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = gw.tensor([0.5, 0.5, 0.5], requires_grad=True)
    out = (MultiplyAdd.apply(Square.apply(x), y, x).exp()).sum()
    out.backward()
    import numpy as np
    xs, ys = np.array([1.0, 2.0, 3.0]), 0.5
    e = np.exp(xs * xs * ys + xs)
    np.testing.assert_allclose(x.grad.numpy(), e * (2 * xs * ys + 1), rtol=1e-6)
    np.testing.assert_allclose(y.grad.numpy(), e * xs * xs, rtol=1e-6)


def test_non_tensor_arguments_and_none_gradients(gw):
    class Scale(gw.autograd.Function):
        @staticmethod
        def forward(ctx, x, factor, y):
            ctx.factor = factor
            return x * factor + y

        @staticmethod
        def backward(ctx, g):
            return g * ctx.factor, None, None

    x = gw.tensor([1.0, 2.0], requires_grad=True)
    y = gw.tensor([1.0, 1.0], requires_grad=True)
    Scale.apply(x, 4.0, y).sum().backward()
    assert x.grad.tolist() == [4.0, 4.0]
    assert y.grad is None


def test_wrong_number_of_gradients(gw):
    class Two(gw.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, g):
            return (g,)

    x = gw.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"function TwoBackward returned an incorrect number of gradients "
                                           r"\(expected 2, got 1\)"):
        Two.apply(x, x).backward()


def test_exception_in_backward_reaches_backward_call_and_session_survives(gw):
    class Boom(gw.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            raise ValueError("boom in the user's backward")

    a = gw.tensor([1.0], requires_grad=True)
    out = Boom.apply(a).sum()
    with pytest.raises(ValueError, match="boom in the user's backward") as err:
        out.backward()
    frames = [f.name for f in traceback.extract_tb(err.value.__traceback__)]
    assert "backward" in frames  # the user's own frame is in the traceback
    assert (a * 3).item() == 3.0
    (a * 2).sum().backward()
    assert a.grad.item() == 2.0


def test_register_hook_runs_client_python_and_can_replace_the_grad(gw):
    a = gw.tensor([1.0, 2.0], requires_grad=True)
    seen = []

    def hook(g):
        seen.append(g.tolist())
        return g * 10

    handle = a.register_hook(hook)
    (a * 3).sum().backward()
    assert seen == [[3.0, 3.0]]
    assert a.grad.tolist() == [30.0, 30.0]
    handle.remove()
    (a * 3).sum().backward()
    assert a.grad.tolist() == [33.0, 33.0]
    assert len(seen) == 1


def test_hook_on_intermediate_and_retain_grad(gw):
    x = gw.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.register_hook(lambda g: g + 1)
    (y * y).sum().backward()
    assert y.grad.tolist() == [5.0, 9.0]  # the hook's result is what y.grad retains
    assert x.grad.tolist() == [10.0, 18.0]


def test_autograd_grad_and_backward_through_the_client(gw):
    x = gw.tensor([2.0, 3.0], requires_grad=True)
    (g,) = gw.autograd.grad((x ** 3).sum(), x, create_graph=True)
    assert repr(g) == "tensor([12., 27.], grad_fn=<MulBackward0>)"
    (h,) = gw.autograd.grad(g.sum(), x)
    assert h.tolist() == [12.0, 18.0]
    z = gw.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="The differentiated Tensor at index 1 appears to not have been used in "
                                           "the graph. Set allow_unused=True if this is the desired behavior."):
        gw.autograd.grad((x * 2).sum(), [x, z])
    gx, gz = gw.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)
    assert gx.tolist() == [2.0, 2.0] and gz is None
    assert x.grad is None  # grad() leaves .grad alone


def test_backward_inputs_and_autograd_backward(gw):
    a = gw.tensor([1.0, 2.0], requires_grad=True)
    b = gw.tensor([3.0], requires_grad=True)
    (a * b).sum().backward(inputs=[a])
    assert a.grad.tolist() == [3.0, 3.0] and b.grad is None
    gw.autograd.backward([(a * a).sum(), (b * 2).sum()])
    assert a.grad.tolist() == [5.0, 7.0] and b.grad.tolist() == [2.0]


def test_server_warnings_reach_the_users_line(gw, mode):
    x = gw.tensor([2.0], requires_grad=True)
    with pytest.warns(UserWarning, match=r"Using backward\(\) with create_graph=True will create a reference "
                                         r"cycle") as caught:
        (x ** 3).backward(create_graph=True)
        gw.synchronize()
    if mode == "remote":
        # (embedded, pytest's recorder replaces the process-wide showwarning and
        # takes the server thread's warning directly, at the engine's line)
        assert caught[0].filename == __file__
    assert repr(x.grad) == "tensor([12.], grad_fn=<CopyBackwards>)"


def _nan_in_backward(gw):
    return (gw.tensor([0.0, 1.0], requires_grad=True) * 0).sqrt()  # sqrt'(0) * 0 -> nan in MulBackward0


def test_anomaly_mode_names_the_node_and_shows_the_clients_forward_stack(gw):
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        anomaly = gw.autograd.detect_anomaly()
    with anomaly:
        assert gw.autograd.is_anomaly_enabled()
        y = _nan_in_backward(gw)
        with pytest.warns(UserWarning, match="Error detected in MulBackward0. Traceback of forward call that caused "
                                             "the error:") as caught:
            with pytest.raises(RuntimeError, match=r"Function 'MulBackward0' returned nan values in its 0th output\."):
                y.sum().backward()
                gw.synchronize()
    assert not gw.autograd.is_anomaly_enabled()
    text = str(next(w.message for w in caught if "Error detected" in str(w.message)))
    assert "in _nan_in_backward" in text and "test_remote_autograd.py" in text  # the client's own stack
    (gw.tensor([1.0], requires_grad=True) * 0).sqrt().sum().backward()  # anomaly mode is off again: no error
    gw.synchronize()


def test_custom_function_callbacks_are_forgotten_once_their_graph_is_freed(gw):
    MultiplyAdd = _multiply_add(gw)
    from gradwire._dispatch import default_connection
    conn = default_connection()
    x = gw.tensor([2.0], requires_grad=True)
    for _ in range(20):
        MultiplyAdd.apply(x, x, x).sum().backward()
    gw.synchronize()
    gw.synchronize()  # (releases reported by one batch reach the client with the next)
    assert x.grad.item() == 20 * 5.0
    assert len(conn._functions) <= 2  # not one per call: freed graphs release their callbacks


def test_backward_errors_only_the_server_finds_are_raised_at_the_backward_line(gw):
    """Backward through a freed graph, or past a modified saved tensor, raises at its own line
    (pytest.raises around it) as in torch, while a training loop keeps one round trip per step."""
    x = gw.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()
    z = x * 2
    z.sum().backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        (z * 3).sum().backward()  # a new root over z's freed node
    a = gw.tensor([1.0, 2.0], requires_grad=True)
    b = a.sigmoid()
    c = b * 1
    b.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        gw.autograd.backward([c.sum()])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()  # retained: no error, and x.grad accumulates
    assert x.grad.tolist() == [2.0 + 2 + 2 + 2, 4.0 + 2 + 4 + 4]

    w = gw.tensor([0.5, -0.5], requires_grad=True)
    opt = gw.optim.SGD([w], lr=0.1)
    before = gw.stats()["round_trips"]
    for _ in range(5):
        loss = (w * w).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss.item()
    if not SYNC_MODE:  # (with GRADWIRE_SYNC=1 every op waits)
        assert gw.stats()["round_trips"] - before == 5
