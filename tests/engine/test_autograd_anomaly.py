"""Anomaly mode: forward tracebacks on nodes, NaN check in backward, warnings, the changed hint."""
import os
import warnings

import pytest

import gradwire.engine as ge
from gradwire.engine import autograd

pytestmark = pytest.mark.timeout(60)

ENABLED = ("Anomaly Detection has been enabled. This mode will increase the runtime and should only be enabled "
           "for debugging.")


def _nan_backward_fn(t):
    # d/dt of t**0.5 at 0 is inf; times 0 gives nan in PowBackward0's output
    return (t ** 0.5) * 0


def test_detect_anomaly_warns_and_restores():
    with pytest.warns(UserWarning) as rec:
        with autograd.detect_anomaly():
            assert autograd.is_anomaly_enabled() and autograd.is_anomaly_check_nan_enabled()
    assert str(rec[0].message) == ENABLED
    assert not autograd.is_anomaly_enabled()
    autograd.set_detect_anomaly(True, check_nan=False)
    try:
        assert autograd.is_anomaly_enabled() and not autograd.is_anomaly_check_nan_enabled()
    finally:
        autograd.set_detect_anomaly(False)
    assert not autograd.is_anomaly_enabled() and autograd.is_anomaly_check_nan_enabled()
    with autograd.set_detect_anomaly(True):
        assert autograd.is_anomaly_enabled()
    assert not autograd.is_anomaly_enabled()


def test_nan_detected_with_forward_traceback():
    x = ge.tensor([0.0], requires_grad=True)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        with autograd.detect_anomaly():
            y = _nan_backward_fn(x)
            node = y.grad_fn.next_functions[0][0]
            tb = node.metadata["traceback_"]
            assert isinstance(tb, list) and "return (t ** 0.5) * 0" in tb[-1]
            engine_dir = os.path.dirname(ge.__file__)
            assert not any(engine_dir in line for line in tb)
            with pytest.raises(RuntimeError, match="^Function 'PowBackward0' returned nan values in its 0th "
                                                   "output.$"):
                y.backward()
    msgs = [str(w.message) for w in rec]
    assert msgs[0] == ENABLED
    err = [m for m in msgs if m.startswith("Error detected in PowBackward0.")]
    assert err and err[0].startswith("Error detected in PowBackward0. Traceback of forward call that caused the "
                                     "error:\n  File ")
    assert "return (t ** 0.5) * 0" in err[0]


def test_check_nan_false_and_outside_mode():
    x = ge.tensor([0.0], requires_grad=True)
    _nan_backward_fn(x).backward()  # no anomaly mode: nan flows through
    assert x.grad.tolist() != x.grad.tolist()  # nan
    x.grad = None
    with pytest.warns(UserWarning):
        with autograd.detect_anomaly(check_nan=False):
            y = _nan_backward_fn(x)
            assert "traceback_" in y.grad_fn.metadata
            y.backward()
    assert ge.tensor([1.0]).__class__ is ge.Tensor
    assert (x * 2).grad_fn.metadata == {}


def test_tutorial_inf_is_not_an_error():
    """The tutorial's 1 / (y - 1) at x = 1 gives inf, not nan: backward succeeds (as in torch)."""
    with pytest.warns(UserWarning):
        with autograd.detect_anomaly():
            x = ge.tensor([1.0], requires_grad=True)
            y = x ** 2
            z = 1 / (y - 1)
            assert repr(z) == "tensor([inf], grad_fn=<MulBackward0>)"
            z.backward()
    assert repr(x.grad) == "tensor([-inf])"


def test_modified_hint_changes_in_anomaly_mode():
    x = ge.tensor([1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with autograd.detect_anomaly():
            a = x * 1
            b = a * a
            a.add_(1)
            with pytest.raises(RuntimeError) as e:
                b.sum().backward()
    assert str(e.value).endswith("Hint: the backtrace further above shows the operation that failed to compute "
                                 "its gradient. The variable in question was changed in there or anywhere later. "
                                 "Good luck!")


def test_decorator():
    with pytest.warns(UserWarning):
        @autograd.detect_anomaly()
        def f():
            return autograd.is_anomaly_enabled()

        assert f() is True
    assert not autograd.is_anomaly_enabled()


def test_matches_torch():
    torch = pytest.importorskip("torch")
    msgs = []
    for lib in (torch, ge):
        x = lib.tensor([0.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with lib.autograd.detect_anomaly():
                y = (x ** 0.5) * 0
                with pytest.raises(RuntimeError) as e:
                    y.backward()
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]
