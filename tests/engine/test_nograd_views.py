"""Views made in no_grad / inference mode on gradwire.engine directly: torch's requires_grad / is_leaf /
grad_fn, its errors for writing them in place with grad mode on, backward through them, writes inside
no_grad, and the propagation rules for views of such views."""
import numpy as np
import pytest

import gradwire.engine as ge
from gradwire.engine.ops import OPS

pytestmark = pytest.mark.timeout(60)

SUFFIX = (" Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by "
          "moving both the view and the inplace either both inside the {} block (if you don't want the inplace "
          "to be tracked) or both outside (if you want the inplace to be tracked).")
NO_GRAD = ("A view was created in no_grad mode and is being modified inplace with grad mode enabled."
           + SUFFIX.format("no_grad"))
INDIRECT = ("A view was created in no_grad mode and its base or another view of its base has been modified inplace "
            "with grad mode enabled." + SUFFIX.format("no_grad"))
INFERENCE = ("A view was created in inference mode and is being modified inplace in normal mode."
             + SUFFIX.format("inference_mode"))
MULTI = (" This view is the output of a function that returns multiple views. Such functions do not allow the output "
         "views to be modified inplace. You should replace the inplace operation by an out-of-place one.")


def of_view(node: str, mode: str = "no_grad") -> str:
    if mode == "inference":
        return (f"Output 0 of {node} is a view of a view which was created in inference mode and is being modified "
                "inplace in normal mode." + SUFFIX.format("inference_mode"))
    return (f"Output 0 of {node} is a view of a view which was created in no_grad mode and is being modified "
            "inplace with grad mode enabled." + SUFFIX.format("no_grad"))


def _x(n=3):
    return ge.tensor([float(i + 1) for i in range(n)], requires_grad=True)


VIEWS = {
    "slice": lambda x: x[:2],
    "select": lambda x: x[1],
    "none": lambda x: x[None],
    "view": lambda x: x.view(3, 1),
    "reshape": lambda x: x.reshape(1, 3),
    "flatten": lambda x: x.view(1, 3).flatten(),
    "t": lambda x: x.view(1, 3).t(),
    "transpose": lambda x: x.view(1, 3).transpose(0, 1),
    "permute": lambda x: x.view(1, 3).permute(1, 0),
    "unsqueeze": lambda x: x.unsqueeze(0),
    "squeeze": lambda x: x.view(1, 3).squeeze(0),
    "expand": lambda x: x.expand(2, 3),
    "narrow": lambda x: ge.narrow(x, 0, 1, 2),
    "select_fn": lambda x: ge.select(x, 0, 2),
    "split": lambda x: ge.split(x, 2)[0],
    "chunk": lambda x: ge.chunk(x, 3)[1],
    "unbind": lambda x: ge.unbind(x)[2],
}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_a_view_made_in_no_grad_requires_grad_and_is_a_leaf(name):
    x = _x()
    with ge.no_grad():
        v = VIEWS[name](x)
        assert v.requires_grad and v.is_leaf and v.grad_fn is None
    assert v._base_of_view is x and v._view_mode == "no_grad"
    assert v.requires_grad and v.is_leaf and v.grad_fn is None
    assert x.requires_grad and x.is_leaf


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_writing_it_in_place_with_grad_on_is_an_error(name):
    x = _x()
    with ge.no_grad():
        v = VIEWS[name](x)
    for write in (lambda: v.mul_(2), lambda: v.add_(1), lambda: v.zero_(), lambda: v.fill_(1.0),
                  lambda: v.copy_(ge.zeros(v.shape)), lambda: v.exp_(), lambda: v.clamp_(min=0.0)):
        with pytest.raises(RuntimeError) as e:
            write()
        assert str(e.value) == NO_GRAD
    assert x.tolist() == [1.0, 2.0, 3.0] and x._version == 0


@pytest.mark.parametrize("name", ["slice", "view", "split", "unbind", "expand", "t"])
def test_writes_inside_no_grad_are_allowed_and_reach_the_base(name):
    x = _x()
    with ge.no_grad():
        v = VIEWS[name](x)
        if name != "expand":  # an expanded tensor's elements overlap: torch refuses mul_/add_ into it
            v.mul_(3)
            v.add_(1)
    expected = {"slice": [4.0, 7.0, 3.0], "view": [4.0, 7.0, 10.0], "split": [4.0, 7.0, 3.0],
                "unbind": [1.0, 2.0, 10.0], "expand": [1.0, 2.0, 3.0], "t": [4.0, 7.0, 10.0]}[name]
    assert x.tolist() == expected
    assert x.is_leaf and x.grad_fn is None and x.requires_grad


def test_other_ops_in_no_grad_do_not_require_grad():
    x = _x()
    with ge.no_grad():
        outs = [x * 2, x.clone(), x.detach(), x[[0, 1]], x[x > 1], x.sum(), x.exp(), ge.cat([x, x]),
                x.to(ge.float64)]
    for o in outs:
        assert not o.requires_grad and o.is_leaf and o._view_mode is None


def test_inplace_ops_through_other_paths_raise_too():
    x = _x()
    with ge.no_grad():
        v = x[:2]
    o = ge.ones(2, requires_grad=True)
    for write in (lambda: v.mul_(o), lambda: v.copy_(o), lambda: OPS["index_fill_"](v, 0, ge.tensor([0]), 0.0),
                  lambda: v.uniform_(), lambda: ge.nn.functional.relu(v, inplace=True),
                  lambda: v.sub_(1, alpha=2), lambda: v.__setitem__([0], 1.0),
                  lambda: v.__setitem__(slice(None), 1.0), lambda: v.__setitem__(Ellipsis, o)):
        with pytest.raises(RuntimeError) as e:
            write()
        assert str(e.value) == NO_GRAD
    assert x.tolist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("index, node", [(0, "Select"), (slice(1, 2), "Slice"), (None, "Unsqueeze"),
                                         ((None, 0), "Select"), ((Ellipsis, 0), "Select"), ((0,), "Select")])
def test_setitem_names_the_view_it_writes_through(index, node):
    x = _x()
    with ge.no_grad():
        v = x[:2]
    with pytest.raises(RuntimeError) as e:
        v[index] = 5.0
    assert str(e.value) == of_view(node)


def test_setitem_and_inplace_on_a_view_of_a_tensor_that_needs_no_grad():
    z = ge.tensor([1.0, 2.0, 3.0])
    with ge.no_grad():
        zv = z[:2]
    assert not zv.requires_grad
    zv.mul_(2)  # nothing recorded: allowed
    assert z.tolist() == [2.0, 4.0, 3.0]
    o = ge.ones(2, requires_grad=True)
    for write in (lambda: zv.mul_(o), lambda: zv.copy_(o), lambda: zv.__setitem__(0, o[0])):
        with pytest.raises(RuntimeError) as e:
            write()
        assert str(e.value) == NO_GRAD


def test_multi_output_views_and_views_of_views():
    x = _x(4)
    with ge.no_grad():
        a, _b = ge.split(x, 2)
        v = x[:3]
    with pytest.raises(RuntimeError, match="^A view was created in no_grad mode and is being modified inplace "
                                           "with grad mode enabled. Given"):
        a.mul_(2)
    # made with grad on, of a view made in no_grad
    vv = v[:2]
    assert vv.requires_grad and not vv.is_leaf and vv.grad_fn.name() == "SliceBackward0"
    assert vv.grad_fn.next_functions[0] == (None, 0)  # no edge to v (nor to x)
    with pytest.raises(RuntimeError) as e:
        vv.mul_(2)
    assert str(e.value) == of_view("Slice")
    with pytest.raises(RuntimeError) as e:
        a[:1].mul_(2)
    assert str(e.value) == of_view("Slice")
    # a function returning several views, made with grad on, of a view made in no_grad: its own rule
    s = ge.split(v, 1)
    with pytest.raises(RuntimeError) as e:
        s[0].mul_(2)
    assert str(e.value) == "Output 0 of Split is a view and is being modified inplace." + MULTI
    # made in no_grad, of an output of split made with grad on: the no_grad rule
    g = ge.split(x, 2)[0]
    with ge.no_grad():
        gv = g[:1]
        vv2 = v[1:]
    assert gv.requires_grad and gv.is_leaf and not gv._multi_view
    for t in (gv, vv2):
        with pytest.raises(RuntimeError) as e:
            t.mul_(2)
        assert str(e.value) == NO_GRAD
    assert vv2._base_of_view is x
    assert x.tolist() == [1.0, 2.0, 3.0, 4.0]


def test_a_no_grad_view_of_a_non_leaf():
    x = _x()
    y = x * 1
    with ge.no_grad():
        w = y[:2]
    assert w.requires_grad and w.is_leaf and w._base_of_view is y
    with pytest.raises(RuntimeError) as e:
        w.mul_(2)
    assert str(e.value) == NO_GRAD
    with ge.no_grad():
        w.mul_(2)
    assert y.grad_fn.name() == "MulBackward0" and y.tolist() == [2.0, 4.0, 3.0]
    (y * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 3.0]


def test_backward_through_a_no_grad_view_reaches_nothing():
    x = _x()
    with ge.no_grad():
        v = x[:2]
    y = v * 2
    assert y.requires_grad and y.grad_fn.name() == "MulBackward0"
    assert y.grad_fn.next_functions == ((None, 0), (None, 0))
    y.sum().backward()
    assert v.grad is None and x.grad is None
    v.sum().backward()
    assert v.grad is None and x.grad is None
    (v + x[1:]).sum().backward()
    assert v.grad is None and x.grad.tolist() == [0.0, 1.0, 1.0]
    with pytest.raises(RuntimeError, match="^element 0 of tensors does not require grad and does not have a grad_fn$"):
        v.backward(ge.ones(2))
    v.retain_grad()
    v.requires_grad_(False)  # torch: still requires grad, through its base
    assert v.requires_grad and v.is_leaf


def test_using_it_after_its_memory_changed_is_an_error():
    x = _x()
    with ge.no_grad():
        v = x[:2]
        v.mul_(3)
        assert not (v * 2).requires_grad  # nothing recorded: fine
        with pytest.raises(RuntimeError) as e:
            v.is_leaf
        assert str(e.value) == INDIRECT
    assert x.tolist() == [3.0, 6.0, 3.0] and v.requires_grad
    assert "grad_fn=<Invalid>" in repr(v)
    for use in (lambda: v * 2, lambda: v.sum(), lambda: v.backward(ge.ones(2))):
        with pytest.raises(RuntimeError) as e:
            use()
        assert str(e.value) == INDIRECT
    # a write through the base (or a detached alias) counts the same
    x2 = _x()
    with ge.no_grad():
        v2 = x2[1:]
    x2.detach().add_(1)
    with pytest.raises(RuntimeError) as e:
        v2 * 2
    assert str(e.value) == INDIRECT
    # a view of a tensor that needs no grad keeps working
    z = ge.tensor([1.0, 2.0])
    with ge.no_grad():
        zv = z[:1]
    z.add_(1)
    assert zv.is_leaf and "Invalid" not in repr(zv)


def test_views_made_in_inference_mode():
    x = _x()
    with ge.inference_mode():
        iv = x[:2]
        a, _b = ge.split(x, 2)
    assert iv.requires_grad and iv.is_leaf and not iv.is_inference() and not a.is_inference()
    for write in (lambda: iv.mul_(2), lambda: a.add_(1), lambda: iv.__setitem__([0], 1.0)):
        with pytest.raises(RuntimeError) as e:
            write()
        assert str(e.value) == INFERENCE
    with pytest.raises(RuntimeError) as e:
        iv[:1].mul_(2)
    assert str(e.value) == of_view("Slice", "inference")
    with ge.inference_mode():
        iv.mul_(2)
    with ge.no_grad():
        a.add_(1)
    assert x.tolist() == [3.0, 5.0, 3.0]
    # a view of an inference tensor stays one
    with ge.inference_mode():
        t = ge.ones(3)
        tv = t[:2]
    assert t.is_inference() and tv.is_inference()


def test_detach_is_no_view_for_autograd():
    x = _x()
    with ge.no_grad():
        d = x.detach()
        dv = x.detach()[:2]
    assert not d.requires_grad and d.is_leaf and d._view_mode is None
    assert not dv.requires_grad
    d.mul_(2)
    dv.add_(1)
    np.testing.assert_array_equal(x.array, [3.0, 5.0, 6.0])


def test_views_made_with_grad_on_are_unchanged():
    x = _x()
    v = x[:2]
    assert v._view_mode is None and v.grad_fn.name() == "SliceBackward0"
    with pytest.raises(RuntimeError, match="^a view of a leaf Variable that requires grad is being used in an "
                                           "in-place operation.$"):
        v.mul_(2)
    y = x * 1
    y[:2].mul_(2)
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 1.0]


def test_in_place_write_re_derives_the_other_live_views():
    from gradwire import engine as E
    x = E.tensor([1., 2., 3.], requires_grad=True)
    b = x.clone()
    v = b[:2]
    w = b[1:]
    w.mul_(x[1:])
    assert v.grad_fn.name() == "AsStridedBackward0"
    (v * E.tensor([1., 10.])).sum().backward()
    assert x.grad.tolist() == [1.0, 40.0, 0.0]  # torch's: v[1] is b[1] * x[1] after the write
