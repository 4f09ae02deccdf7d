"""In-place view ops on gradwire.engine directly (transpose_, t_, squeeze_, unsqueeze_, swapdims_):
the tensor takes the view's shape and strides in place, its version goes up, and its history is
rebased onto torch's TransposeBackward1 / TBackward1 / SqueezeBackward3-5 / UnsqueezeBackward1."""
import numpy as np
import pytest

import gradwire.engine as ge

pytestmark = pytest.mark.timeout(60)

LEAF = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF = "a view of a leaf Variable that requires grad is being used in an in-place operation."


def _a():
    return ge.tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)


@pytest.mark.parametrize("op, node, shape, strides", [
    (lambda t: t.transpose_(0, 1), "TransposeBackward1", (3, 2), (1, 3)),
    (lambda t: t.swapdims_(1, 0), "TransposeBackward1", (3, 2), (1, 3)),
    (lambda t: t.swapaxes_(-1, 0), "TransposeBackward1", (3, 2), (1, 3)),
    (lambda t: t.t_(), "TBackward1", (3, 2), (1, 3)),
    (lambda t: t.unsqueeze_(1), "UnsqueezeBackward1", (2, 1, 3), (3, 3, 1)),
    (lambda t: t.unsqueeze_(1).squeeze_(), "SqueezeBackward3", (2, 3), (3, 1)),
    (lambda t: t.unsqueeze_(0).squeeze_(0), "SqueezeBackward4", (2, 3), (3, 1)),
    (lambda t: t.unsqueeze_(0).squeeze_(1), "SqueezeBackward4", (1, 2, 3), (6, 3, 1)),
    (lambda t: t.unsqueeze_(2).squeeze_((0, 2)), "SqueezeBackward5", (2, 3), (3, 1)),
])
def test_metadata_changes_in_place_and_history_is_rebased(op, node, shape, strides):
    a = _a()
    b = a * 1
    assert op(b) is b
    assert b.shape == shape and b.stride() == strides
    assert b.grad_fn.name() == node and not b.is_leaf
    assert b._version >= 1 and a._version == 0
    (b * ge.arange(6.0).reshape(shape)).sum().backward()
    # the gradient reaches a through the rebased node, back in a's layout
    expected = np.arange(6.0).reshape(shape)
    if shape == (3, 2):
        expected = expected.T
    np.testing.assert_array_equal(a.grad.numpy(), expected.reshape(2, 3))


def test_transpose_of_a_contiguous_tensor_is_not_contiguous_and_back():
    x = ge.ones(2, 3, 4)
    x.transpose_(0, 2)
    assert x.shape == (4, 3, 2) and x.stride() == (1, 4, 12) and not x.is_contiguous() and x._version == 1
    x.transpose_(0, 2)
    assert x.is_contiguous() and x._version == 2 and x.grad_fn is None


def test_a_leaf_that_requires_grad_and_views_of_it_refuse():
    a = _a()
    for op in (lambda t: t.transpose_(0, 1), lambda t: t.t_(), lambda t: t.unsqueeze_(0), lambda t: t.squeeze_()):
        with pytest.raises(RuntimeError, match="^" + LEAF):
            op(a)
        with pytest.raises(RuntimeError, match="^" + VIEW_OF_LEAF):
            op(a[0:1])
    assert a.shape == (2, 3) and a._version == 0


def test_inside_no_grad_a_leaf_changes_without_history():
    a = _a()
    with ge.no_grad():
        a.transpose_(0, 1)
    assert a.shape == (3, 2) and a._version == 1 and a.grad_fn is None and a.is_leaf
    assert a.tolist() == [[1., 4.], [2., 5.], [3., 6.]]


def test_a_view_keeps_its_base_and_the_base_its_history():
    a = _a()
    w = a * 1
    v = w.view(3, 2)
    v.transpose_(0, 1)
    assert v._base_of_view is w and v.grad_fn.name() == "TransposeBackward1" and w.grad_fn.name() == "MulBackward0"
    assert v._version == w._version == 1
    (v * ge.arange(6.0).reshape(2, 3)).sum().backward()
    assert a.grad.tolist() == [[0., 3., 1.], [4., 2., 5.]]


def test_a_write_into_a_transposed_view_reaches_its_base():
    a = _a()
    w = a * 1
    v = w[:, :2]
    v.t_()
    v.mul_(ge.tensor([[10.], [100.]]))
    assert w.tolist() == [[10., 200., 3.], [40., 500., 6.]]
    assert w.grad_fn.name() == "torch::autograd::CopySlices"
    w.sum().backward()
    assert a.grad.tolist() == [[10., 100., 1.], [10., 100., 1.]]


def test_a_saved_tensor_changed_by_an_inplace_view_fails_backward_with_torchs_text():
    w = _a() * 1
    z = w * w
    w.t_()
    with pytest.raises(RuntimeError, match=r"\[torch.FloatTensor \[3, 2\]\], which is output 0 of T1, is at "
                                           r"version 1; expected version 0 instead"):
        z.sum().backward()


def test_errors_as_torch():
    y = ge.ones(2, 3, 4)
    with pytest.raises(RuntimeError, match=r"^t_\(\) expects a tensor with <= 2 dimensions, but self is 3D$"):
        y.t_()
    with pytest.raises(IndexError, match=r"expected to be in range of \[-3, 2\], but got 3"):
        y.transpose_(0, 3)
    with pytest.raises(IndexError, match=r"expected to be in range of \[-4, 3\], but got 4"):
        y.unsqueeze_(4)
    assert y.shape == (2, 3, 4) and y._version == 0
    y.squeeze_(1)  # not of size 1: the shape stays, the version still goes up (torch's)
    assert y.shape == (2, 3, 4) and y._version == 1


def test_an_expanded_or_zero_dim_tensor_changes_shape():
    e = ge.ones(3).expand(2, 3)
    assert e.t_().shape == (3, 2)
    z = ge.tensor(1.)
    z.t_().transpose_(0, 0).squeeze_(0).squeeze_((-1,))
    assert z.shape == ()
    assert z.unsqueeze_(0).shape == (1,)


def test_gradients_match_finite_differences():
    x = ge.randn(2, 3, 4, dtype=ge.float64, requires_grad=True)
    assert ge.autograd.gradcheck(lambda t: (t * 1).transpose_(0, 2).unsqueeze_(1).cumsum(0).squeeze_(), (x,))
