"""The seed tutorial's grad-mode, custom Function, gradcheck, higher-order and anomaly sections, run against
gradwire.engine, printing what PyTorch 2.13 prints."""
import warnings

import pytest

import gradwire.engine as torch  # the tutorial's code, unchanged
from gradwire.engine import autograd
from gradwire.engine.autograd import Function, gradcheck
from gradwire.engine.grad_mode import inference_mode

pytestmark = pytest.mark.timeout(60)


def test_grad_modes(capsys):
    x = torch.tensor([1.0], requires_grad=True)
    y = x ** 2
    print(y.requires_grad)
    with torch.no_grad():
        y = x ** 2
        print(y.requires_grad)
    with torch.no_grad():
        with torch.enable_grad():
            y = x ** 2
            print(y.requires_grad)
    is_train = False
    with torch.set_grad_enabled(is_train):
        y = x ** 2
        print(y.requires_grad)
    with inference_mode():
        out = x * 3
    print(out.requires_grad, out.is_inference())
    assert capsys.readouterr().out == "True\nFalse\nTrue\nFalse\nFalse True\n"


def test_custom_function(capsys):
    class MultiplyAdd(Function):
        @staticmethod
        def forward(ctx, x, y, z):
            ctx.save_for_backward(x, y, z)
            return x * y + z

        @staticmethod
        def backward(ctx, grad_output):
            x, y, z = ctx.saved_tensors
            grad_x = grad_output * y
            grad_y = grad_output * x
            grad_z = grad_output
            return grad_x, grad_y, grad_z

    x = torch.tensor([2.0], requires_grad=True)
    y = torch.tensor([3.0], requires_grad=True)
    z = torch.tensor([1.0], requires_grad=True)
    output = MultiplyAdd.apply(x, y, z)
    output.backward()
    print(x.grad)
    print(y.grad)
    print(z.grad)
    assert capsys.readouterr().out == "tensor([3.])\ntensor([2.])\ntensor([1.])\n"


def test_gradcheck(capsys):
    def my_function(x):
        return (x ** 2).sum()

    x = torch.randn(3, 4, dtype=torch.double, requires_grad=True)
    test_passed = gradcheck(my_function, x, eps=1e-6)
    print(f"Gradient check passed: {test_passed}")
    assert capsys.readouterr().out == "Gradient check passed: True\n"


def test_higher_order(capsys):
    x = torch.tensor([2.0], requires_grad=True)
    y = x ** 3
    with pytest.warns(UserWarning, match="^Using backward\\(\\) with create_graph=True will create a reference "
                                         "cycle between the parameter and its gradient"):
        y.backward(create_graph=True)
    first_grad = x.grad.clone()
    print(f"dy/dx = {first_grad}")
    x.grad.zero_()
    first_grad.backward()
    second_grad = x.grad
    print(f"d²y/dx² = {second_grad}")
    assert capsys.readouterr().out == ("dy/dx = tensor([12.], grad_fn=<CloneBackward0>)\n"
                                       "d²y/dx² = tensor([12.], grad_fn=<ZeroBackward0>)\n")


def test_anomaly_detection(capsys):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        with torch.autograd.detect_anomaly():
            x = torch.tensor([1.0], requires_grad=True)
            y = x ** 2
            z = 1 / (y - 1)  # Will cause inf when y=1
            z.backward()
    assert [str(w.message) for w in rec if w.category is UserWarning] == [
        "Anomaly Detection has been enabled. This mode will increase the runtime and should only be enabled for "
        "debugging."]
    print(x.grad)
    assert capsys.readouterr().out == "tensor([-inf])\n"
    assert not autograd.is_anomaly_enabled()


def test_tutorial_matches_torch(capsys):
    real = pytest.importorskip("torch")
    outs = []
    for lib in (real, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            x = lib.tensor([2.0], requires_grad=True)
            y = x ** 3
            y.backward(create_graph=True)
            first_grad = x.grad.clone()
            x.grad.zero_()
            first_grad.backward()
            outs.append((str(first_grad), str(x.grad)))
    assert outs[0] == outs[1]
