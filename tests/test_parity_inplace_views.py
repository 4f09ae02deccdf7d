"""In-place view ops through the client against PyTorch: transpose_, t_, squeeze_ (three forms),
unsqueeze_, swapdims_/swapaxes_ change the tensor's shape and strides in place (the client's cached
shape too), bump its version and rebase its history onto torch's overload nodes."""
import pytest

from test_parity_api import same_as_torch

pytestmark = pytest.mark.timeout(120)


def test_transpose_and_t_in_place(gw):
    out = same_as_torch(gw, """
        a = torch.tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)
        b = a * 1
        r = b.transpose_(0, 1)
        print(r is b, b.shape, b.stride(), b.is_contiguous(), b._version, b.grad_fn, b._base, b.is_leaf)
        print(b.grad_fn.next_functions, b)
        b.t_()
        print(b.grad_fn, b._version, b.shape, b.is_contiguous(), b)
        b.t_()
        (b * torch.arange(6.).view(3, 2)).sum().backward()
        print(a.grad)
    """)
    assert "TransposeBackward1" in out and "TBackward1" in out
    assert "tensor([[0., 2., 4.],\n        [1., 3., 5.]])" in out


@pytest.mark.parametrize("op", [
    "d.squeeze_()", "d.squeeze_(0)", "d.squeeze_((0, 2))", "d.squeeze_(dim=[0, 2])", "d.squeeze_(1)",
    "d.unsqueeze_(-1)", "d.unsqueeze_(dim=1)", "d.swapdims_(0, 2)", "d.swapaxes_(0, -1)",
    "d.swapaxes_(axis0=0, axis1=1)", "d.swapdims_(dim0=0, dim1=1)", "d.transpose_(dim0=2, dim1=1)",
])
def test_each_form_records_torchs_node(gw, op):
    out = same_as_torch(gw, f"""
        x = torch.arange(1., 3.).view(1, 2, 1).requires_grad_()
        d = x * 1
        {op}
        print(d.grad_fn, d.shape, d._version, d.stride(), d.is_contiguous(), d)
        (d * d).sum().backward()
        print(x.grad)
    """)
    assert "tensor([[[2.],\n         [4.]]])" in out  # d(sum d^2)/dx = 2x, whatever the layout


def test_errors_and_grad_modes(gw):
    out = same_as_torch(gw, """
        a = torch.tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)
        for f in [lambda: a.transpose_(0, 1), lambda: a.t_(), lambda: a.unsqueeze_(0), lambda: a.squeeze_(),
                  lambda: a.transpose_(0, 5), lambda: a[0].unsqueeze_(0), lambda: a.view(3, 2).t_()]:
            try:
                f()
            except Exception as e:
                print(type(e).__name__, e)
        print(a.shape)
        with torch.no_grad():
            a.transpose_(0, 1)
            print(a.shape, a._version, a.grad_fn, a.is_leaf, a.requires_grad)
            a.transpose_(0, 1)
            n = a * 1
            n.t_()
        print(n.shape, n.requires_grad, n.grad_fn)
        y = torch.ones(2, 3, 4)
        for f in [lambda: y.t_(), lambda: y.transpose_(0, 3), lambda: y.unsqueeze_(4), lambda: y.squeeze_(3)]:
            try:
                f()
            except Exception as e:
                print(type(e).__name__, e)
        print(y.shape, y._version)
        w = a * 1
        with torch.no_grad():
            v = w.view(3, 2)
        try:
            v.transpose_(0, 1)
        except Exception as e:
            print(e)
        s = (a * 1).split(1)
        try:
            s[0].transpose_(0, 1)
        except Exception as e:
            print(e)
        x = torch.ones(2, 3)
        with torch.inference_mode():
            x.t_()
        print(x.shape, x._version)
    """)
    assert out.count("RuntimeError a leaf Variable that requires grad is being used in an in-place operation.") == 5
    assert out.count("a view of a leaf Variable that requires grad") == 2
    assert "t_() expects a tensor with <= 2 dimensions, but self is 3D" in out


def test_views_and_saved_tensors(gw):
    out = same_as_torch(gw, """
        a = torch.tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)
        w = a * 1
        v = w.view(3, 2)
        v.transpose_(0, 1)
        print(v._base is w, v.grad_fn, w.grad_fn, v._version, w._version, v.shape, w.shape)
        (v * torch.arange(6.).view(2, 3)).sum().backward()
        print(a.grad)
        a.grad = None
        w = a * 1
        v = w[:, :2]
        v.t_()
        v.mul_(torch.tensor([[10.], [100.]]))
        print(w, v.grad_fn, v)
        w.sum().backward()
        print(a.grad)
        w = a * 1
        z = w * w
        w.t_()
        try:
            z.sum().backward()
        except Exception as e:
            print(e)
        e = torch.ones(3).expand(2, 3)
        print(e.t_().shape)
        z0 = torch.tensor(1.)
        z0.t_(); z0.transpose_(0, 0); z0.squeeze_(0); z0.unsqueeze_(0)
        print(z0, z0.shape)
    """)
    assert "tensor([[ 10., 100.,   1.],\n        [ 10., 100.,   1.]])" in out
    assert "which is output 0 of T1, is at version 1; expected version 0 instead" in out


def test_shape_rules_follow_the_new_shape(gw):
    # the client's cached shape drives later ops' metadata (no round trip): they must see the new one
    out = same_as_torch(gw, """
        x = torch.arange(6.).view(2, 3)
        x.t_()
        y = x @ torch.ones(2, 4)
        print(y.shape, y, x.sum(0), x.reshape(-1), x.contiguous().view(6))
        x.unsqueeze_(0).squeeze_(2)
        print(x.shape, x.size(-1), len(x), x.numel())
    """)
    assert "tensor([0., 3., 1., 4., 2., 5.])" in out


def test_batch_first_rnn_output_is_transposed_in_place(gw):
    out = same_as_torch(gw, """
        torch.manual_seed(0)
        m = nn.RNN(2, 3, batch_first=True)
        with torch.no_grad():
            for p in m.parameters():
                p.fill_(0.1)
        o, h = m(torch.ones(4, 5, 2))
        print(o.grad_fn, o.shape, o.is_contiguous(), torch.allclose(o[:, -1], h[0]))
    """)
    assert "TransposeBackward1" in out and "True" in out


def test_retained_grads_and_hooks_stay_on_the_node_they_were_made_on(gw):
    out = same_as_torch(gw, """
        a = torch.tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)
        w = a * 1
        w.retain_grad()
        w.t_()
        (w * torch.arange(6.).view(3, 2)).sum().backward()
        print(w.grad, a.grad)
        y = a * 2
        y.unsqueeze_(0)
        y.register_hook(lambda g: print("hook", g.shape))
        y.squeeze_(0)
        y.sum().backward()
        print(a.grad)
    """)
    # torch leaves retain_grad on the node before the in-place view: the grad has w's old shape
    assert out.startswith("tensor([[0., 2., 4.],\n        [1., 3., 5.]])") and "hook torch.Size([1, 2, 3])" in out


def test_forward_ad_tangents_take_the_same_view(gw):
    out = same_as_torch(gw, """
        fwAD = torch.autograd.forward_ad
        p = torch.tensor([[1., 2., 3.], [4., 5., 6.]])
        t = torch.arange(6.).view(2, 3)
        with fwAD.dual_level():
            x = fwAD.make_dual(p, t)
            x.t_()
            print(x.shape, p.shape, t.shape, fwAD.unpack_dual(x).tangent)
            print(fwAD.unpack_dual((x * x).sum()).tangent)
            z = fwAD.make_dual(p.clone(), torch.ones(2, 3)) * 2
            z.unsqueeze_(0).transpose_(0, 2).squeeze_()
            print(z.shape, fwAD.unpack_dual(z * torch.arange(6.).view(3, 2)).tangent)
    """)
    assert "tensor(140.)" in out  # d/dt sum(x*x) = sum(2 * p * t)
