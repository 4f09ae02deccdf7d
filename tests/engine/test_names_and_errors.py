"""grad_fn names (hard-coded, and against torch where installed) and torch's error texts."""
import re

import numpy as np
import pytest

import gradwire.engine as E

pytestmark = pytest.mark.timeout(60)


def _x(mod, *shape):
    return mod.ones(*shape, requires_grad=True) if shape else mod.tensor(1.5, requires_grad=True)


# (expression over a module `m` and leaves built by _x, expected node name)
CASES = [
    ("x + 1", "AddBackward0"), ("1 + x", "AddBackward0"), ("x + x", "AddBackward0"),
    ("m.add(x, x, alpha=2)", "AddBackward0"), ("x - 1", "SubBackward0"), ("x - x", "SubBackward0"),
    ("1 - x", "RsubBackward1"), ("m.rsub(x, 2)", "RsubBackward1"), ("m.rsub(x, x)", "RsubBackward0"),
    ("x * 2", "MulBackward0"), ("2 * x", "MulBackward0"), ("x * x", "MulBackward0"),
    ("x / 2", "DivBackward0"), ("x / x", "DivBackward0"), ("2 / x", "MulBackward0"),
    ("-x", "NegBackward0"), ("x ** 2", "PowBackward0"), ("x ** x", "PowBackward1"), ("2 ** x", "PowBackward2"),
    ("m.pow(2, x)", "PowBackward2"), ("m.pow(x, 3)", "PowBackward0"),
    ("x.exp()", "ExpBackward0"), ("x.log()", "LogBackward0"),
    ("x.sum()", "SumBackward0"), ("x.sum(0)", "SumBackward1"), ("X.sum((0, 1))", "SumBackward1"),
    ("X.sum(-1, True)", "SumBackward1"), ("x.sum(dtype=m.float64)", "SumBackward0"),
    ("x.mean()", "MeanBackward0"), ("X.mean(1)", "MeanBackward1"),
    ("x @ x", "DotBackward0"), ("X @ x", "MvBackward0"), ("x @ M", "SqueezeBackward4"), ("X @ M", "MmBackward0"),
    ("B @ M", "UnsafeViewBackward0"), ("B @ BM", "UnsafeViewBackward0"), ("B @ x", "UnsafeViewBackward0"),
    ("x @ BM", "UnsafeViewBackward0"), ("X @ BM", "CloneBackward0"),
    ("x.reshape(3, 1)", "ViewBackward0"), ("x.view(3, 1)", "ViewBackward0"), ("x.expand(2, 3)", "ExpandBackward0"),
    ("X.t()", "TBackward0"), ("X.transpose(0, 1)", "TransposeBackward0"), ("x.clone()", "CloneBackward0"),
    ("x.to(m.float64)", "ToCopyBackward0"),
]


def _env(m):
    return dict(m=m, x=m.ones(3, requires_grad=True), X=m.ones(2, 3, requires_grad=True),
                M=m.ones(3, 2, requires_grad=True), B=m.ones(4, 2, 3, requires_grad=True),
                BM=m.ones(4, 3, 2, requires_grad=True))


@pytest.mark.parametrize("expr,name", CASES)
def test_grad_fn_names(expr, name):
    out = eval(expr, _env(E))
    assert out.grad_fn.name() == name
    assert re.fullmatch(rf"<{re.escape(name)} object at 0x[0-9a-f]+>", repr(out.grad_fn))


@pytest.mark.parametrize("expr,name", CASES)
def test_grad_fn_names_match_torch(expr, name):
    torch = pytest.importorskip("torch")
    t_out = eval(expr, _env(torch))
    g_out = eval(expr, _env(E))
    assert g_out.grad_fn.name() == t_out.grad_fn.name()
    assert g_out.shape == tuple(t_out.shape)
    assert g_out.dtype.name == str(t_out.dtype).replace("torch.", "")


def test_next_functions():
    x = E.ones(3, requires_grad=True)
    y = 1 - x
    ((fn, nr),) = [e for e in y.grad_fn.next_functions if e[0] is not None]
    assert fn.name() == "AccumulateGrad" and nr == 0 and fn.variable is x
    z = (x * 2) + x
    names = [f.name() for f, _ in z.grad_fn.next_functions]
    assert names == ["MulBackward0", "AccumulateGrad"]
    assert z.grad_fn.next_functions[1][0] is y.grad_fn.next_functions[0][0]  # one accumulator per leaf


def _raises(exc, text, fn):
    with pytest.raises(exc) as info:
        fn()
    assert str(info.value) == text
    return info.value


def test_backward_errors():
    x = E.ones(3, requires_grad=True)
    _raises(RuntimeError, "grad can be implicitly created only for scalar outputs", lambda: (x * 2).backward())
    _raises(RuntimeError, "element 0 of tensors does not require grad and does not have a grad_fn",
            lambda: E.ones(1).backward())
    _raises(RuntimeError, "Mismatch in shape: grad_output[0] has a shape of torch.Size([2]) and output[0] has a "
            "shape of torch.Size([3]).", lambda: (x * 2).backward(E.ones(2)))


def test_second_backward_raises_and_retain_graph_allows_it():
    x = E.tensor([2.0], requires_grad=True)
    y = x ** 2
    y.backward()
    msg = ("Trying to backward through the graph a second time (or directly access saved tensors after they have "
           "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
           "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or "
           "if you need to access saved tensors after calling backward.")
    _raises(RuntimeError, msg, y.backward)
    z = x ** 2
    z.backward(retain_graph=True)
    z.backward()
    assert x.grad.tolist() == [12.0]
    # nodes that save nothing can run twice, as in torch
    w = x + 1
    w.backward()
    w.backward()
    assert x.grad.tolist() == [14.0]


def test_inplace_modification_detected():
    x = E.ones(3, requires_grad=True)
    y = x * 2
    z = y * y
    with E.no_grad():
        y.zero_()
    with pytest.raises(RuntimeError, match=r"^one of the variables needed for gradient computation has been "
                       r"modified by an inplace operation: \[torch.FloatTensor \[3\]\], which is output 0 of Mul, "
                       r"is at version 1; expected version 0 instead"):
        z.sum().backward()
    _raises(RuntimeError, "a leaf Variable that requires grad is being used in an in-place operation.", x.zero_)


def test_op_errors():
    _raises(RuntimeError, "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1",
            lambda: E.ones(2, 3) + E.ones(2, 4))
    _raises(RuntimeError, "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)",
            lambda: E.ones(2, 3) @ E.ones(2, 3))
    _raises(RuntimeError, "expected m1 and m2 to have the same dtype, but got: float != double",
            lambda: E.ones(2, 3) @ E.ones(3, 2, dtype=E.float64))
    _raises(RuntimeError, "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            "complex dtype. Got: Long", lambda: E.tensor([1, 2]).mean())
    _raises(RuntimeError, "Only Tensors of floating point and complex dtype can require gradients",
            lambda: E.tensor([1, 2], requires_grad=True))
    _raises(RuntimeError, "a Tensor with 2 elements cannot be converted to Scalar", lambda: E.ones(2).item())
    _raises(RuntimeError, "shape '[2, 5]' is invalid for input of size 6", lambda: E.ones(2, 3).reshape(2, 5))
    _raises(RuntimeError, "view size is not compatible with input tensor's size and stride (at least one dimension "
            "spans across two contiguous subspaces). Use .reshape(...) instead.", lambda: E.ones(2, 3).t().view(6))
    _raises(RuntimeError, "The expanded size of the tensor (4) must match the existing size (3) at non-singleton "
            "dimension 1.  Target sizes: [2, 4].  Tensor sizes: [2, 3]", lambda: E.ones(2, 3).expand(2, 4))
    _raises(RuntimeError, "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.",
            lambda: E.ones(3, requires_grad=True).numpy())
    _raises(RuntimeError, "Integers to negative integer powers are not allowed.", lambda: E.tensor([2]) ** -1)
    _raises(NotImplementedError, "\"normal_kernel_cpu\" not implemented for 'Long'", lambda: E.randn(2, dtype=E.int64))
    _raises(ValueError, "expected sequence of length 2 at dim 1 (got 1)", lambda: E.tensor([[1, 2], [3]]))
    _raises(IndexError, "Dimension out of range (expected to be in range of [-2, 1], but got 2)",
            lambda: E.ones(2, 3).sum(2))


def test_error_texts_match_torch():
    torch = pytest.importorskip("torch")
    exprs = ["m.ones(2, 3) + m.ones(2, 4)", "m.ones(2, 3) @ m.ones(2, 3)", "m.ones(3) @ m.ones(4)",
             "m.ones(2, 3) @ m.ones(4)", "m.tensor([1, 2]).mean()", "m.ones(2).item()",
             "m.ones(2, 3).reshape(2, 5)", "m.ones(2, 3).expand(2, 4)", "m.ones(3) @ m.ones(3, dtype=m.float64)",
             "(m.ones(3, requires_grad=True) * 2).backward()", "m.ones(2, 3).sum(5)", "m.ones(3).reshape(-1, -1)",
             "m.ones(4, 2, 3) @ m.ones(4, 3, 2, dtype=m.float64)", "m.tensor([True]) - m.tensor([True])",
             "-m.tensor([True])"]
    for expr in exprs:
        with pytest.raises(Exception) as t_err:
            eval(expr, {"m": torch})
        with pytest.raises(Exception) as g_err:
            eval(expr, {"m": E})
        assert type(g_err.value) is type(t_err.value), expr
        assert str(g_err.value) == str(t_err.value), expr


def test_no_grad_results():
    x = E.ones(3, requires_grad=True)
    with E.no_grad():
        y = x * 2 + 1
        s = y.sum()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf
    assert not s.requires_grad
    E.set_grad_enabled(False)
    try:
        assert not E.is_grad_enabled()
        assert not (x * 2).requires_grad
    finally:
        E.set_grad_enabled(True)
    assert E.is_grad_enabled()


def test_grad_mode_is_thread_local():
    import threading
    seen = {}

    def worker():
        seen["mode"] = E.is_grad_enabled()

    with E.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert seen["mode"] is True


def test_leaf_grad_is_owned_not_aliased():
    x = E.ones(3, requires_grad=True)
    y = E.ones(3, requires_grad=True)
    g = E.tensor([1.0, 2.0, 3.0])
    (x + y).backward(g)
    assert x.grad is not g and x.grad.array is not g.array
    assert not np.shares_memory(x.grad.array, y.grad.array)
    x.grad.zero_()
    assert g.tolist() == [1.0, 2.0, 3.0] and y.grad.tolist() == [1.0, 2.0, 3.0]


def test_broadcast_gradients_sum_back():
    a = E.ones(3, 1, requires_grad=True)
    b = E.ones(1, 4, requires_grad=True)
    (a * b * 2).sum().backward()
    assert a.grad.shape == (3, 1) and a.grad.tolist() == [[8.0]] * 3
    assert b.grad.shape == (1, 4) and b.grad.tolist() == [[6.0] * 4]


def test_mixed_dtype_gradient_cast_to_input_dtype():
    a = E.ones(3, requires_grad=True)
    b = E.ones(3, dtype=E.float64, requires_grad=True)
    out = a * b
    assert out.dtype is E.float64
    out.sum().backward()
    assert a.grad.dtype is E.float32 and b.grad.dtype is E.float64


def test_hooks_and_retain_grad():
    x = E.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    seen = []
    y.register_hook(lambda g: seen.append(g.tolist()))
    x.register_hook(lambda g: g * 10)
    (y * y).sum().backward()
    assert seen == [[6.0, 12.0]]
    assert y.grad.tolist() == [6.0, 12.0]
    assert x.grad.tolist() == [180.0, 360.0]
