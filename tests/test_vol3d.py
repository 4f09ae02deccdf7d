"""The 3-d convolution / pooling / padding family against PyTorch (values, shapes, grad_fn names,
gradients, module reprs, error texts), with exact values and gradchecks that need no torch."""
from __future__ import annotations

import pytest

from test_parity_ops import same_as_torch, with_setup

pytestmark = pytest.mark.timeout(120)

SETUP = """
    x = (torch.arange(240.) % 7 - 3).reshape(1, 2, 4, 5, 6)
    w = ((torch.arange(96.) % 5 - 2) / 4).reshape(3, 2, 2, 2, 4)
    wt = ((torch.arange(48.) % 5 - 2) / 4).reshape(2, 3, 2, 2, 2)
"""


# ---- conv3d / conv_transpose3d ------------------------------------------------------------------

@pytest.mark.parametrize("code", [
    "y = F.conv3d(x, w); print(y, y.grad_fn)",
    "y = F.conv3d(x.requires_grad_(), w, stride=2, padding=1); print(y.shape, y.grad_fn)",
    "print(F.conv3d(x, w, torch.tensor([1., -1., .5]), padding='same').shape, F.conv3d(x, w, padding='valid').shape)",
    "print(F.conv3d(x[0], w).sum(), F.conv3d(x[0].requires_grad_(), w).grad_fn)",
    "print(F.conv3d(x, w, dilation=(1, 2, 1)).shape, F.conv3d(x, w[:, :1].repeat(2, 1, 1, 1, 1), groups=2).sum())",
    "print(F.conv3d(x.long(), w.long()).dtype, torch.conv3d(x, w, None, 1, 1).shape)",
    "F.conv3d(x, w, groups=2)",
    "F.conv3d(x[0, 0], w)",
    "F.conv3d(x, w, stride=2, padding='same')",
    "F.conv3d(x, w.double())",
    "F.conv3d(x, torch.zeros(3, 2, 9, 2, 2))",
    "F.conv3d(x, w, padding=(1, 1))",
    "F.conv3d(x.bool(), w.bool())",
    "print(F.conv_transpose3d(x, wt).shape, F.conv_transpose3d(x.requires_grad_(), wt).grad_fn)",
    "print(F.conv_transpose3d(x, wt, stride=2, padding=1, output_padding=1).sum(), torch.conv_transpose3d(x, wt, None, 2).shape)",
    "F.conv_transpose3d(x, wt, output_padding=1)",
])
def test_conv3d_functional(gw, code):
    same_as_torch(gw, with_setup(SETUP, code))


def test_conv3d_gradients(gw):
    same_as_torch(gw, with_setup(SETUP, """
        x.requires_grad_(); w.requires_grad_(); wt.requires_grad_()
        F.conv3d(x, w, padding=1, stride=(1, 2, 1)).pow(2).sum().backward()
        print(x.grad.sum(), w.grad)
        x.grad = None
        F.conv_transpose3d(x, wt, stride=(1, 2, 1), dilation=2).pow(2).sum().backward()
        print(x.grad.sum(), wt.grad)
        g, = torch.autograd.grad(F.conv3d(x, w, padding=1).pow(2).sum(), x, create_graph=True)
        print(g.grad_fn is not None)
    """))
    # exact: a box kernel of ones sums each 2x2x2 window; each input cell's gradient counts its windows
    a = gw.ones(1, 1, 3, 3, 3, requires_grad=True)
    y = gw.nn.functional.conv3d(a, gw.ones(1, 1, 2, 2, 2))
    assert y.tolist() == [[[[[8.0] * 2] * 2] * 2]]
    y.sum().backward()
    edge = [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]
    assert a.grad.tolist() == [[[edge, [[2 * v for v in r] for r in edge], edge]]]
    x = gw.randn(1, 4, 3, 4, 3, dtype=gw.float64, requires_grad=True)
    k = gw.randn(4, 2, 2, 2, 2, dtype=gw.float64, requires_grad=True)
    assert gw.autograd.gradcheck(lambda a, b: gw.nn.functional.conv3d(a, b, stride=(2, 1, 1), padding=1, groups=2),
                                 (x, k))
    assert gw.autograd.gradcheck(lambda a, b: gw.nn.functional.conv_transpose3d(a, b, stride=2, output_padding=1),
                                 (x[:, :2], k[:2]))


@pytest.mark.parametrize("code", [
    "m = nn.Conv3d(2, 4, 3); print(m, m.weight.shape, m.bias.shape, m.kernel_size, m.stride, m.padding, m.output_padding)",
    "print(nn.Conv3d(2, 4, (1, 2, 3), stride=2, padding=1, dilation=2, groups=2, bias=False))",
    "print(nn.Conv3d(2, 4, 3, padding='same', padding_mode='reflect'))",
    "m = nn.Conv3d(2, 3, 3, padding=1, padding_mode='circular'); print(m(x).shape)",
    "m = nn.Conv3d(2, 3, 3, padding=1, padding_mode='replicate'); print(m(x).shape, m(x).grad_fn)",
    "m = nn.Conv3d(2, 3, 3, padding=1); print(m(x[0]).shape, m(x[0]).grad_fn)",
    "m = nn.Conv3d(2, 4, 2); nn.init.constant_(m.weight, 0.5); nn.init.zeros_(m.bias); print(m(x))",
    "nn.Conv3d(2, 3, 3, groups=2)",
    "m = nn.ConvTranspose3d(2, 4, 3, stride=2); print(m, m.weight.shape, m(x).shape, m(x, output_size=(10, 12, 14)).shape)",
    "print(nn.ConvTranspose3d(2, 4, 3, stride=2, output_padding=1, groups=2, bias=False, dilation=2))",
    "m = nn.ConvTranspose3d(2, 4, 3, stride=2); m(x, output_size=(20, 12, 14))",
    "nn.ConvTranspose3d(2, 4, 3, padding_mode='reflect')",
])
def test_conv3d_modules(gw, code):
    same_as_torch(gw, with_setup(SETUP, code))


# ---- pooling --------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", [
    "print(F.max_pool3d(x, 2), F.max_pool3d(x.requires_grad_(), 2).grad_fn)",
    "y, i = F.max_pool3d(x, 3, 2, 1, return_indices=True); print(y, i)",
    "y, i = F.max_pool3d(x, (2, 3, 2), stride=1, padding=1, dilation=(1, 1, 2), ceil_mode=True, return_indices=True); print(y.shape, i)",
    "print(F.max_pool3d(x[0], 2).shape, torch.max_pool3d(x, 2, 1).shape, F.max_pool3d(x.long(), 2).dtype)",
    "F.max_pool3d(x, 5)",
    "F.max_pool3d(x, 2, padding=2)",
    "F.max_pool3d(x, (2, 2))",
    "F.max_pool3d(x[0, 0, 0], 2)",
    "F.max_pool3d(x, 0, 1)",
    "F.max_pool3d(x, 2, 0)",
    "F.max_pool3d(x, 2, dilation=0)",
    "F.max_pool3d(x.bool(), 2)",
    "print(F.avg_pool3d(x, 2), F.avg_pool3d(x.requires_grad_(), 2).grad_fn)",
    "print(F.avg_pool3d(x, 3, 2, 1), F.avg_pool3d(x, 3, 2, 1, count_include_pad=False))",
    "print(F.avg_pool3d(x, 3, 2, 1, ceil_mode=True), F.avg_pool3d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False))",
    "print(F.avg_pool3d(x, 2, divisor_override=3), F.avg_pool3d(x[0], (1, 2, 3)))",
    "print(F.avg_pool3d(-torch.arange(64).reshape(1, 1, 4, 4, 4), 3, 1, 1, count_include_pad=False))",
    "F.avg_pool3d(x, 5)",
    "F.avg_pool3d(x, 2, divisor_override=0)",
    "F.avg_pool3d(x, (2, 2))",
    "F.avg_pool3d(x.half(), 2)",
    "print(F.adaptive_avg_pool3d(x, 2), F.adaptive_avg_pool3d(x, (None, 2, 3)).shape)",
    "print(F.adaptive_avg_pool3d(x.requires_grad_(), (3, 2, 4)).grad_fn, F.adaptive_avg_pool3d(x, 1).grad_fn)",
    "F.adaptive_avg_pool3d(x, (2, 2))",
    "F.adaptive_avg_pool3d(x[0, 0], 2)",
    "F.adaptive_avg_pool3d(x.long(), 2)",
    "y, i = F.adaptive_max_pool3d(x, (3, 2, 4), return_indices=True); print(y, i)",
    "print(F.adaptive_max_pool3d(x.requires_grad_(), 2).grad_fn, F.adaptive_max_pool3d(x[0], (1, 3, None)))",
    "F.adaptive_max_pool3d(x, (2, 2))",
    "F.adaptive_max_pool3d(x.long(), 2)",
    "F.adaptive_max_pool3d(torch.zeros(1, 2, 0, 3, 3), 2)",
    "F.adaptive_avg_pool3d(torch.zeros(2, 3, 3, 0), 2)",
    "F.adaptive_max_pool2d(torch.zeros(1, 0, 3, 3), 2)",
    "print(F.adaptive_max_pool3d(torch.zeros(0, 3, 3, 3), 2).shape, F.adaptive_avg_pool3d(torch.zeros(0, 3, 3, 3), 2).shape)",
    "print(F.avg_pool3d(torch.arange(8).reshape(1, 1, 2, 2, 2), 2, divisor_override=3), F.avg_pool2d(torch.arange(16).reshape(1, 1, 4, 4), 2))",
    "F.max_pool2d(torch.ones(1, 1, 4, 4), 0, 1)",
    "F.max_pool2d(torch.ones(1, 1, 4, 4), 2, (1, 1, 1))",
    "print(F.max_unpool1d(*F.max_pool1d(torch.arange(16.).reshape(1, 2, 8).requires_grad_(), 2, return_indices=True), 2))",
    "print(F.lp_pool3d(x.abs() + 1, 2, 2), F.lp_pool3d(x.abs() + 1, 1, (1, 2, 2), stride=1).shape)",
    "y, i = F.max_pool3d(x, 2, return_indices=True); u = F.max_unpool3d(y, i, 2, output_size=x.shape[2:]); print(u.sum())",
    "y, i = F.max_pool3d(x.requires_grad_(), 2, return_indices=True); print(F.max_unpool3d(y, i, 2, output_size=(5, 5, 7)).grad_fn)",
    "y, i = F.max_pool2d(x[0].requires_grad_(), 2, return_indices=True); print(F.max_unpool2d(y, i, 2).grad_fn)",
    "y, i = F.max_pool3d(x, 2, return_indices=True); F.max_unpool3d(y, i, 2, output_size=(5, 5))",
    "y, i = F.max_pool3d(x, 2, return_indices=True); F.max_unpool3d(y, i, 2, output_size=(9, 5, 6))",
])
def test_pool3d_functional(gw, code):
    same_as_torch(gw, with_setup(SETUP, code))


def test_pool3d_gradients(gw):
    same_as_torch(gw, with_setup(SETUP, """
        x.requires_grad_()
        F.max_pool3d(x, 2, 1).sum().backward(); print(x.grad); x.grad = None
        F.avg_pool3d(x, 3, 2, 1, count_include_pad=False).sum().backward(); print(x.grad); x.grad = None
        F.adaptive_max_pool3d(x, (3, 2, 4)).sum().backward(); print(x.grad); x.grad = None
        y, i = F.max_pool3d(x, 2, return_indices=True)
        F.max_unpool3d(y * 2, i, 2, output_size=x.shape[2:]).sum().backward(); print(x.grad); x.grad = None
        g, = torch.autograd.grad(F.max_pool3d(x, 2, 1).pow(2).sum(), x, create_graph=True)
        g.pow(2).sum().backward(); print(x.grad.sum())
    """))
    # exact: overlapping 2-windows over 0..26 pick their far corner; avg gives 1/8 per window
    a = gw.arange(27.0).reshape(1, 1, 3, 3, 3).requires_grad_()
    y, i = gw.nn.functional.max_pool3d(a, 2, 1, return_indices=True)
    assert y.tolist() == [[[[[13.0, 14.0], [16.0, 17.0]], [[22.0, 23.0], [25.0, 26.0]]]]]
    assert i.tolist() == [[[[[13, 14], [16, 17]], [[22, 23], [25, 26]]]]]
    gw.nn.functional.avg_pool3d(a, 2, 1).sum().backward()
    assert a.grad[0, 0, 1, 1].tolist() == [0.5, 1.0, 0.5]  # in 4, 8 and 4 windows
    x = gw.randn(1, 2, 4, 3, 5, dtype=gw.float64, requires_grad=True)
    F = gw.nn.functional
    assert gw.autograd.gradcheck(lambda t: F.avg_pool3d(t, 2, 1, 1, ceil_mode=True, count_include_pad=False), (x,))
    assert gw.autograd.gradcheck(lambda t: F.adaptive_avg_pool3d(t, (3, 2, 2)), (x,))
    assert gw.autograd.gradcheck(lambda t: F.max_pool3d(t, (2, 1, 2), stride=1, padding=(1, 0, 0)), (x,))


@pytest.mark.parametrize("code", [
    "m = nn.MaxPool3d(2); print(m, m(x).shape)",
    "m = nn.MaxPool3d((2, 1, 3), stride=(1, 2, 1), padding=(1, 0, 1), return_indices=True, ceil_mode=True); print(m); print(m(x)[1].dtype)",
    "m = nn.AvgPool3d(2, stride=1); print(m, m(x).shape)",
    "print(nn.AvgPool3d((1, 2, 2), padding=(0, 1, 1), ceil_mode=True, count_include_pad=False, divisor_override=2))",
    "m = nn.AdaptiveAvgPool3d((2, None, 3)); print(m, m(x).shape, nn.AdaptiveAvgPool3d(1)(x).flatten(1))",
    "m = nn.AdaptiveMaxPool3d(2, return_indices=True); print(m, m(x)[1].shape)",
    "m = nn.LPPool3d(2, 2); print(m, m(x.abs()).shape)",
    "m = nn.MaxUnpool3d(2); print(m); y, i = nn.MaxPool3d(2, return_indices=True)(x[:, :, :, :4]); print(m(y, i).shape)",
    "m = nn.Sequential(nn.Conv3d(2, 4, 3, padding=1), nn.BatchNorm3d(4), nn.ReLU(), nn.MaxPool3d(2), "
    "nn.AdaptiveAvgPool3d(1), nn.Flatten()); print(m(x).shape)",
])
def test_pool3d_modules(gw, code):
    same_as_torch(gw, with_setup(SETUP, code))


# ---- padding, instance norm, lazy modules ----------------------------------------------------------

@pytest.mark.parametrize("code", [
    "print(F.pad(x, (1, 1, 2, 0, 1, 1), mode='reflect'), F.pad(x.requires_grad_(), (1, 1, 1, 1, 1, 1), mode='reflect').grad_fn)",
    "print(F.pad(x, (1, 1, 2, 0, 1, 1), mode='replicate').sum(), F.pad(x.requires_grad_(), (1, 1, 2, 0, 1, 1), mode='replicate').grad_fn)",
    "print(F.pad(x, (1, 1, 2, 0, 1, 1), mode='circular').sum(), F.pad(x, (-1, 0, 0, -1, 1, 0)).shape)",
    "F.pad(x, (1, 1, 2, 0, 4, 1), mode='reflect')",
    "F.pad(x[0, 0], (1, 1, 1, 1, 1, 1), mode='reflect')",
    "m = nn.ReflectionPad3d((1, 0, 2, 1, 0, 1)); print(m, m(x).shape, m(x[0]).shape)",
    "m = nn.ReplicationPad3d(2); print(m, m(x).shape)",
    "m = nn.ZeroPad3d((1, 0, 2, 1, 0, 1)); print(m, m(x).sum())",
    "m = nn.ConstantPad3d(1, 3.5); print(m, m(x).sum())",
    "m = nn.CircularPad3d(1); print(m, m(x).shape, m(x).sum())",
    "nn.ReflectionPad3d(1)(x[0, 0])",
    "m = nn.InstanceNorm3d(2); print(m, m(x).shape, m(x[0]).shape)",
    "m = nn.InstanceNorm3d(2, affine=True, track_running_stats=True); print(m); y = m(x); print(y.grad_fn, m.running_mean, m.running_var)",
    "nn.InstanceNorm3d(2)(x[0, 0])",
    "nn.InstanceNorm3d(3, affine=True)(x)",
    "m = nn.LazyConv3d(4, 2); print(m.weight); y = m(x); print(type(m).__name__, m.weight.shape, y.shape, m)",
    "m = nn.LazyConvTranspose1d(4, 2); y = m(x[0, 0]); print(type(m).__name__, m.weight.shape, y.shape, m)",
    "m = nn.LazyConvTranspose2d(4, 2, stride=2, groups=2); y = m(x[0]); print(type(m).__name__, m.weight.shape, y.shape, m)",
    "m = nn.LazyConvTranspose3d(4, (1, 2, 3), bias=False); y = m(x); print(type(m).__name__, m.weight.shape, m.bias, y.shape)",
    "m = nn.LazyConvTranspose3d(4, 2, stride=2); print(m.has_uninitialized_params(), m(x, output_size=(9, 11, 13)).shape)",
    "nn.LazyConvTranspose2d(4, 2, groups=3)(x[0])",
])
def test_pad_norm_lazy(gw, code):
    same_as_torch(gw, with_setup(SETUP, code))


def test_pad_and_norm_values(gw):
    same_as_torch(gw, with_setup(SETUP, """
        x.requires_grad_()
        F.pad(x, (1, 2, 0, 1, 2, 1), mode='reflect').pow(2).sum().backward(); print(x.grad.sum()); x.grad = None
        F.pad(x, (1, 2, 0, 1, 2, 1), mode='replicate').sum().backward(); print(x.grad)
    """))
    a = gw.arange(8.0).reshape(1, 1, 2, 2, 2)
    assert gw.nn.ReflectionPad3d((1, 0, 0, 0, 0, 0))(a)[0, 0, 0].tolist() == [[1.0, 0.0, 1.0], [3.0, 2.0, 3.0]]
    assert gw.nn.ReplicationPad3d((0, 0, 0, 0, 1, 0))(a)[0, 0, :, 0, 0].tolist() == [0.0, 0.0, 4.0]
    assert gw.nn.CircularPad3d((0, 0, 0, 0, 1, 1))(a)[0, 0, :, 0, 0].tolist() == [4.0, 0.0, 4.0, 0.0]
    y = gw.nn.InstanceNorm3d(1)(a)
    assert abs(y.mean().item()) < 1e-6 and abs(y.pow(2).mean().item() - 1) < 1e-3
    x = gw.randn(1, 1, 2, 3, 2, dtype=gw.float64, requires_grad=True)
    assert gw.autograd.gradcheck(lambda t: gw.nn.functional.pad(t, (1, 1, 2, 0, 1, 0), mode="reflect"), (x,))
