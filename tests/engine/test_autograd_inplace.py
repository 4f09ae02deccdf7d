"""In-place ops: values, version counters, node names, history rebase, torch's errors, gradients."""
import numpy as np
import pytest

import gradwire.engine as ge
from gradwire.engine.autograd import gradcheck, gradgradcheck
from gradwire.engine.ops import inplace

pytestmark = pytest.mark.timeout(60)

LEAF = "a leaf Variable that requires grad is being used in an in-place operation."
HINT = ("Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False).")


def _x():
    return ge.tensor([1.0, 2.0], requires_grad=True)


@pytest.mark.parametrize("op, name, values", [
    (lambda y: y.add_(1), "AddBackward0", [3.0, 5.0]),
    (lambda y: y.sub_(1), "SubBackward0", [1.0, 3.0]),
    (lambda y: y.mul_(2), "MulBackward0", [4.0, 8.0]),
    (lambda y: y.div_(2), "DivBackward0", [1.0, 2.0]),
    (lambda y: y.zero_(), "ZeroBackward0", [0.0, 0.0]),
    (lambda y: y.fill_(1), "FillBackward2", [1.0, 1.0]),
    (lambda y: y.fill_(ge.tensor(7.0, requires_grad=True)), "FillBackward3", [7.0, 7.0]),
    (lambda y: y.copy_(ge.ones(2)), "CopyBackwards", [1.0, 1.0]),
    (lambda y: y.clamp_(min=3), "ClampBackward1", [3.0, 4.0]),
    (lambda y: y.clamp_(max=3), "ClampBackward1", [2.0, 3.0]),
    (lambda y: y.clamp_(2.5, 3.5), "ClampBackward1", [2.5, 3.5]),
])
def test_inplace_values_names_versions(op, name, values):
    x = _x()
    y = x * 2
    r = op(y)
    assert r is y
    assert y.tolist() == values
    assert y._version == 1
    assert y.grad_fn.name().rsplit("::", 1)[-1] == name
    assert f"grad_fn=<{name}>" in repr(y)


@pytest.mark.parametrize("stmt, name", [("y += 1", "AddBackward0"), ("y -= 1", "SubBackward0"),
                                        ("y *= 3", "MulBackward0"), ("y /= 4", "DivBackward0")])
def test_augmented_assignment(stmt, name):
    x = _x()
    y = x * 1
    ident = id(y)
    ns = {"y": y}
    exec(stmt, ns)
    assert id(ns["y"]) == ident and ns["y"].grad_fn.name() == name


def test_gradients_through_inplace():
    x = _x()
    y = x * 1
    y.mul_(3)
    y.add_(x, alpha=2)
    y.sub_(1)
    y.div_(2)
    y.sum().backward()
    assert x.grad.tolist() == [2.5, 2.5]  # (3x + 2x - 1) / 2
    w = ge.tensor([3.0, 4.0], requires_grad=True)
    x.grad = None
    y = x * 1
    y.mul_(w)  # the old value of y (= x) is needed for w's gradient
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 4.0] and w.grad.tolist() == [1.0, 2.0]


def test_plain_tensor_gets_history_from_other():
    x = _x()
    a = ge.zeros(2)
    a.add_(x)
    assert a.grad_fn.name() == "AddBackward0" and a.requires_grad and not a.is_leaf
    (a * a).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_copy_broadcast_and_cast():
    src = ge.tensor([2.0], dtype=ge.float64, requires_grad=True)
    y = ge.zeros(3, 2)
    y.copy_(src)
    assert y.dtype is ge.float32 and y.tolist() == [[2.0, 2.0]] * 3
    y.sum().backward()
    assert src.grad.dtype is ge.float64 and src.grad.tolist() == [6.0]


def test_clamp_gradient_mask_and_fill_tensor():
    x = ge.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    y = x * 1
    y.clamp_(0, 1)
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0]
    v = ge.tensor(2.0, requires_grad=True)
    y = x * 1
    y.fill_(v)
    (y * ge.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert v.grad.item() == 6.0 and x.grad.tolist() == [0.0, 1.0, 0.0]


def test_leaf_errors_and_no_grad():
    x = _x()
    for op in (lambda: x.add_(1), lambda: x.zero_(), lambda: x.fill_(0), lambda: x.copy_(ge.ones(2)),
               lambda: x.clamp_(0), lambda: x.mul_(2)):
        with pytest.raises(RuntimeError) as e:
            op()
        assert str(e.value) == LEAF
    with ge.no_grad():
        x.add_(1)
        x.mul_(2)
    assert x.tolist() == [4.0, 6.0] and x._version == 2 and x.is_leaf


def test_modified_error_across_inplace_ops():
    for op in (lambda a: a.add_(1), lambda a: a.mul_(2), lambda a: a.zero_(), lambda a: a.fill_(1),
               lambda a: a.copy_(ge.ones(2)), lambda a: a.clamp_(0), lambda a: a.div_(3)):
        x = _x()
        a = x.clone()
        b = a * a
        op(a)
        with pytest.raises(RuntimeError) as e:
            b.sum().backward()
        fn = a.grad_fn.name()
        i = fn.rfind("Backward")
        # torch drops "Backward" and an overload 0: AddBackward0 -> Add, FillBackward2 -> Fill2
        fn = fn if fn.endswith("Backwards") else fn[:i] + fn[i + 8:].lstrip("0")
        assert str(e.value) == ("one of the variables needed for gradient computation has been modified by an "
                                f"inplace operation: [torch.FloatTensor [2]], which is output 0 of {fn}, is at "
                                f"version 1; expected version 0 instead. {HINT}")


def test_saved_output_modified_names_the_producer():
    x = _x()
    b = x.exp() if hasattr(x, "exp") else ge.exp(x)
    b.add_(1)
    with pytest.raises(RuntimeError, match="which is output 0 of Exp, is at version 1; expected version 0"):
        b.sum().backward()


def test_value_errors():
    with pytest.raises(RuntimeError, match=r"^output with shape \[2\] doesn't match the broadcast shape \[2, 2\]$"):
        ge.ones(2).add_(ge.ones(2, 2))
    with pytest.raises(RuntimeError, match="^result type Float can't be cast to the desired output type Long$"):
        ge.ones(2, dtype=ge.int64).add_(1.5)
    with pytest.raises(RuntimeError, match="^result type Float can't be cast to the desired output type Long$"):
        ge.ones(2, dtype=ge.int64).div_(2)
    with pytest.raises(RuntimeError, match="^fill_ only supports 0-dimension value tensor but got tensor with 1 "
                                           "dimensions.$"):
        ge.ones(2).fill_(ge.ones(2))
    with pytest.raises(RuntimeError, match="^torch.clamp: At least one of 'min' or 'max' must not be None$"):
        ge.ones(2).clamp_()
    with pytest.raises(RuntimeError, match="^unsupported operation: more than one element of the written-to tensor"):
        ge.ones(2).expand(2, 2).add_(1)
    i = ge.ones(2, dtype=ge.int64)
    i += 2
    assert i.tolist() == [3, 3] and i.dtype is ge.int64


def test_retain_grad_follows_inplace():
    x = _x()
    a = x * 1
    a.retain_grad()
    a.mul_(2)
    a.sum().backward()
    assert a.grad.tolist() == [1.0, 1.0] and x.grad.tolist() == [2.0, 2.0]


def test_inplace_apply_api_for_other_modules():
    """inplace_apply gives the target the node of an out-of-place op (what __setitem__ uses)."""
    x = _x()
    y = x * 1
    out = inplace.inplace_apply(y, lambda s, v: s * v, ge.tensor([5.0, 6.0], requires_grad=True))
    assert out is y and y.grad_fn.name() == "MulBackward0" and y._version == 1
    y.sum().backward()
    assert x.grad.tolist() == [5.0, 6.0]
    with pytest.raises(RuntimeError, match=LEAF):
        inplace.inplace_apply(x, lambda s: s * 2)
    z = ge.ones(2)
    inplace.inplace_apply(z, lambda s: s * 3)
    assert z.tolist() == [3.0, 3.0] and z.grad_fn is None and z._version == 1


def _through(op):
    def f(x, *rest):
        y = x * 1
        op(y, *rest)
        return y
    return f


@pytest.mark.parametrize("op, extra", [
    (lambda y, o: y.add_(o, alpha=2), [(3, 1)]),     # broadcasting other
    (lambda y, o: y.sub_(o), [(1, 4)]),
    (lambda y, o: y.mul_(o), [(3, 4)]),
    (lambda y, o: y.div_(o), [(4,)]),
    (lambda y, o: y.copy_(o), [(1, 4)]),
    (lambda y: y.clamp_(-0.5, 0.5), []),
    (lambda y: y.zero_(), []),
    (lambda y: y.fill_(2.0), []),
])
def test_gradcheck_inplace_ops(op, extra):
    gen = ge.Generator(seed=3)
    x = ge.randn(4, 3, dtype=ge.float64, generator=gen).t()  # non-contiguous (3, 4)
    x.requires_grad_()
    others = []
    for shape in extra:
        o = ge.randn(*shape, dtype=ge.float64, generator=gen)
        if op.__code__.co_consts and shape == (4,):
            o = o.abs() + 1.0
        others.append(o.requires_grad_())
    assert gradcheck(_through(op), (x, *others))
    assert gradgradcheck(_through(op), (x, *others))


def test_matches_torch_names():
    torch = pytest.importorskip("torch")
    for expr in ("y.add_(1)", "y.mul_(2)", "y.fill_(1)", "y.clamp_(min=0)", "y.copy_(lib.ones(2))", "y.zero_()"):
        names = []
        for lib in (torch, ge):
            x = lib.tensor([1.0, 2.0], requires_grad=True)
            y = x.clone()
            eval(expr, {"y": y, "lib": lib})
            names.append(type(y.grad_fn).__name__ if lib is torch else y.grad_fn.name().rsplit("::", 1)[-1])
        assert names[0] == names[1]


# ---- in-place ops on views rewrite the base's history (torch's CopySlices) --------------------

def test_inplace_on_a_view_gives_the_base_copyslices_and_the_gradient_flows_through_it():
    x = ge.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = x * 1
    v = b[1:]
    v.mul_(2)
    assert b.tolist() == [1.0, 4.0, 6.0] and v.tolist() == [4.0, 6.0]
    assert b.grad_fn.name() == "torch::autograd::CopySlices"
    assert v.grad_fn.name() == "AsStridedBackward0"
    b.sum().backward()
    assert x.grad.tolist() == [1.0, 2.0, 2.0]
    x.grad = None
    b2 = x * 1
    v2 = b2[1:]
    v2.mul_(2)
    v2.sum().backward()  # the view's new history also leads to x
    assert x.grad.tolist() == [0.0, 2.0, 2.0]


def test_inplace_on_a_view_of_a_base_that_needs_no_grad_makes_the_base_require_grad():
    z = ge.zeros(3)
    w = ge.tensor([2.0, 3.0], requires_grad=True)
    z[1:].add_(w)
    assert z.requires_grad and not z.is_leaf and z.grad_fn.name() == "torch::autograd::CopySlices"
    (z * z).sum().backward()
    assert w.grad.tolist() == [4.0, 6.0]


def test_inplace_through_a_transposed_view_by_a_tensor():
    x = ge.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    w = ge.tensor(3.0, requires_grad=True)
    b = x.clone()
    b.t()[0].mul_(w)  # the first column
    assert b.tolist() == [[3.0, 2.0], [9.0, 4.0]]
    (b * ge.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    assert x.grad.tolist() == [[3.0, 2.0], [9.0, 4.0]]
    assert w.grad.item() == 10.0


@pytest.mark.parametrize("write", [lambda v: v.mul_(3.0), lambda v: v.sub_(1.5), lambda v: v.clamp_(max=0.5)])
def test_gradcheck_inplace_through_a_view(write):
    def fn(a):
        b = a * 1
        write(b.view(-1)[1:4])
        return b * b
    x = ge.tensor(np.linspace(-1.0, 1.0, 6).reshape(2, 3), dtype=ge.float64, requires_grad=True)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


@pytest.mark.parametrize("index, message", [
    (0, "a view of a leaf"), (slice(0, 2), "a view of a leaf"), (slice(1, None), "a view of a leaf"),
    (slice(None, None, 2), "a view of a leaf"), (None, "a view of a leaf"),
    (slice(None), "a leaf"), (slice(0, 3), "a leaf"), (Ellipsis, "a leaf"), ([0], "a leaf")])
def test_setitem_on_a_leaf_names_a_view_as_torch_does(index, message):
    x = ge.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=f"^{message} Variable that requires grad is being used in an in-place"):
        x[index] = 5.0


def test_inplace_on_a_view_of_a_leaf_that_requires_grad_raises():
    x = ge.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="^a view of a leaf Variable that requires grad is being used in an"):
        x[1:].mul_(2)
    with ge.no_grad():
        x[1:].mul_(2)  # fine without grad mode
    assert x.tolist() == [1.0, 4.0, 6.0]


def test_mul_and_div_save_only_what_their_backward_needs():
    # torch's Mul keeps each operand for the other's gradient only: b = e * 2 keeps nothing of e, so writing
    # into e afterwards fails only Exp's saved result (torch names the node that saved it)
    x = _x()
    e = x.exp()
    c = e * 2
    d = e / 3
    e.add_(1)
    with pytest.raises(RuntimeError, match="which is output 0 of Exp, is at version 1; expected version 0"):
        (c + d).sum().backward()
    y = _x()
    m = y * ge.tensor([1., 2.])  # y requires grad, the other does not: y is not kept
    assert m.grad_fn._saved[0] is None
