"""The per-op fast paths of Function.apply, binary_prep and the backward engine keep torch's semantics:
dtype promotion with a Python scalar, ctx state released after backward, saved outputs, save checks."""
from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import gradwire.engine as E
from gradwire.engine import backend
from gradwire.engine.autograd import Function

pytestmark = pytest.mark.timeout(60)


# ---- binary ops with a Python scalar: torch's result dtype ----------------------------------

@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int32", "int64", "bool"])
@pytest.mark.parametrize("scalar", [2.5, 3, True])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
@pytest.mark.parametrize("shape", [(3,), ()])
def test_scalar_operand_dtype_and_values_match_torch(dtype, scalar, op, shape):
    torch = pytest.importorskip("torch")
    values = np.array([1, 0, 3][: (shape[0] if shape else 1)]).reshape(shape)
    t = torch.tensor(values.tolist()).to(getattr(torch, dtype))
    g = E.tensor(values.tolist(), dtype=getattr(E, "bool_" if dtype == "bool" else dtype))
    if op == "sub" and (dtype == "bool" or scalar is True):  # an error in both, with the same text
        with pytest.raises(RuntimeError) as want_err:
            torch.sub(t, scalar)
        with pytest.raises(RuntimeError) as got_err:
            E.sub(g, scalar)
        assert str(got_err.value) == str(want_err.value)
        return
    want = getattr(torch, op)(t, scalar)
    got = getattr(E, op)(g, scalar)
    assert got.dtype.name == str(want.dtype).replace("torch.", "")
    assert got.shape == tuple(want.shape)
    np.testing.assert_allclose(got.numpy().astype(np.float64), want.double().numpy(), rtol=1e-3)


def test_numpy_scalar_operand_is_a_scalar():
    x = E.ones(3, dtype=E.float32)
    assert E.mul(x, np.float64(2.0)).dtype is E.float32
    assert E.mul(x, np.float64(2.0)).tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(TypeError):
        E.mul(x, "2")


def test_scalar_times_tensor_records_a_mul_node():
    x = E.ones(2, requires_grad=True)
    y = E.mul(x, 1.5)
    assert y.grad_fn.name() == "MulBackward0"
    y.sum().backward()
    assert x.grad.tolist() == [1.5, 1.5]
    with E.no_grad():
        z = E.mul(x, 1.5)
    assert z.grad_fn is None and not z.requires_grad


# ---- save_for_backward ------------------------------------------------------------------

def test_save_for_backward_reports_the_first_bad_argument():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, None, 2, "s")
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g

    x = E.ones(2, requires_grad=True)
    with pytest.raises(TypeError, match="^save_for_backward can only save variables, but argument 2 is of type int$"):
        Bad.apply(x)
    with E.no_grad():  # the check does not depend on recording
        with pytest.raises(TypeError, match="argument 2 is of type int"):
            Bad.apply(x)


def test_saved_versions_checked_after_in_place_change():
    x = E.ones(3, requires_grad=True)
    y = x * 1.0
    z = y * y
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_function_saving_its_output_unpacks_it_with_its_node():
    class Double(Function):
        @staticmethod
        def forward(ctx, x):
            out = x * 2
            ctx.save_for_backward(None, out)
            return out

        @staticmethod
        def backward(ctx, g):
            _none, out = ctx.saved_tensors
            assert out.grad_fn is not None and out.grad_fn.name() == "DoubleBackward"
            return g * 2

    x = E.ones(2, requires_grad=True)
    y = Double.apply(x)
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


# ---- ctx state released after backward ------------------------------------------------------

def test_array_attributes_of_ctx_are_released_after_backward():
    class Keep(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.arr = x.numpy(force=True) * 2
            ctx.np_scalar = np.float32(3.0)
            ctx.tensor = x.detach()
            ctx.name = "kept"
            ctx.size = 3
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g

    x = E.ones(3, requires_grad=True)
    y = Keep.apply(x)
    node = y.grad_fn
    ref = weakref.ref(node.arr)
    y.sum().backward()
    gc.collect()
    assert ref() is None
    assert node.arr is None and node.np_scalar is None and node.tensor is None
    assert node.name == "kept" and node.size == 3


def test_holds_memory():
    assert backend.holds_memory(np.zeros(2))
    assert backend.holds_memory(np.float32(1.0))
    assert not backend.holds_memory(E.float32)
    assert not backend.holds_memory([1, 2])

    class CudaLike:
        __cuda_array_interface__ = {}

    assert backend.holds_memory(CudaLike())


# ---- creation ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [E.float16, E.float32, E.float64, E.int32, E.int64, E.bool_])
def test_ones_and_ones_like(dtype):
    t = E.ones(2, 3, dtype=dtype)
    assert t.dtype is dtype and t.shape == (2, 3)
    assert t.array.dtype == dtype.numpy
    assert t.tolist() == [[True if dtype is E.bool_ else 1] * 3] * 2
    assert E.ones_like(t).tolist() == t.tolist()
