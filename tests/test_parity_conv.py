"""Convolution, pooling, padding and batch norm against PyTorch: values, shapes, grad_fn names,
gradients, module reprs and error texts (see test_parity_api.same_as_torch)."""
from __future__ import annotations

import pytest

from test_parity_ops import same_as_torch, with_setup

pytestmark = pytest.mark.timeout(120)


CONV_SETUP = """
    x = (torch.arange(240.) % 7 - 3).reshape(2, 4, 5, 6)
    w = ((torch.arange(216.) % 5 - 2) / 4).reshape(6, 4, 3, 3)
    wg = w[:, :2]
    b = torch.tensor([0.5, -1., 2., 0., 1., -0.25])
    s = (torch.arange(30.) % 4 - 1.5).reshape(1, 3, 10)
    k = (torch.arange(18.) % 3 - 1).reshape(2, 3, 3)
"""


# ---- conv2d / conv1d --------------------------------------------------------------------------

@pytest.mark.parametrize("code", [
    "y = F.conv2d(x, w); print(y, y.shape, y.grad_fn)",
    "print(F.conv2d(x, w, b, stride=2, padding=1))",
    "print(F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(2, 1)))",
    "print(F.conv2d(x, wg, b, groups=2, padding='same'))",
    "print(F.conv2d(x, w[:, :, :2], padding='same'), F.conv2d(x, w, padding='valid').shape)",
    "print(F.conv2d(x[0], w, b), F.conv2d(x[0], w, b).grad_fn)",
    "print(F.conv2d(x.double(), w.double(), dilation=2).dtype)",
    "print(F.conv1d(s, k), F.conv1d(s, k, torch.tensor([1., -1.]), stride=2, padding=2, dilation=2))",
    "print(F.conv1d(s[0], k, padding='same'), F.conv1d(s, k[:, :1].repeat(1, 1, 1)[:, :, :2], padding=1).shape)",
    "F.conv2d(torch.zeros(1, 4, 5, 5), torch.zeros(8, 3, 3, 3))",
    "F.conv2d(torch.zeros(4, 5, 5, 5, 5), w)",
    "F.conv2d(torch.zeros(1, 4, 2, 2), w)",
    "F.conv2d(x, w, groups=4)",
    "F.conv2d(x, w, stride=2, padding='same')",
    "F.conv2d(x, w, padding='foo')",
    "F.conv2d(x, w, b[:5])",
    "F.conv2d(x[0], torch.zeros(8, 3, 3, 3))",
    "F.conv1d(torch.zeros(1, 4, 5), k)",
    "F.conv2d(x.double(), w)",
])
def test_conv_functional(gw, code):
    same_as_torch(gw, with_setup(CONV_SETUP, code))


def test_conv_gradients(gw):
    same_as_torch(gw, with_setup(CONV_SETUP, """
        x.requires_grad_(); w.requires_grad_(); b.requires_grad_(); wg.requires_grad_(); k.requires_grad_()
        y = F.conv2d(x, w, b, stride=(2, 1), padding=1, dilation=(1, 2))
        print(y.grad_fn)
        (y * (y.detach() % 3)).sum().backward()
        print(x.grad, w.grad, b.grad)
        x.grad = None
        F.conv2d(x, wg, groups=2, padding='same').pow(2).sum().backward()
        print(x.grad, wg.grad)
        s.requires_grad_()
        F.conv1d(s, k, stride=2, padding=1).sum().backward()
        print(s.grad, k.grad)
    """))


def test_conv_double_backward(gw):
    same_as_torch(gw, with_setup(CONV_SETUP, """
        x.requires_grad_(); w.requires_grad_()
        y = F.conv2d(x, w, stride=2, padding=1)
        gx, = torch.autograd.grad(y.pow(2).sum(), x, create_graph=True)
        gx.pow(2).sum().backward()
        print(w.grad)
        print(torch.autograd.grad(F.conv1d(s.requires_grad_(), k, padding=1).pow(2).sum(), s, create_graph=True)[0].grad_fn is not None)
    """))


@pytest.mark.parametrize("code", [
    "print(nn.Conv2d(3, 8, 3), nn.Conv2d(3, 8, (3, 5), stride=2, padding=1, dilation=2, bias=False))",
    "print(nn.Conv2d(4, 8, 3, padding='same', groups=2, padding_mode='reflect'), nn.Conv2d(4, 8, 1, padding='valid'))",
    "print(nn.Conv1d(3, 4, 3, padding=1), nn.Conv1d(2, 2, 5, stride=2, groups=2))",
    "m = nn.Conv2d(4, 6, 3, groups=2); print(m.weight.shape, m.bias.shape, m.kernel_size, m.stride, m.padding, "
    "m.dilation, m.groups, m.in_channels, m.out_channels, m.padding_mode, m.weight.requires_grad)",
    "m = nn.Conv2d(4, 6, 3); print(bool(m.weight.abs().max() <= 1 / 6), bool(m.bias.abs().max() <= 1 / 6), "
    "bool(m.weight.std() > 0.05), [n for n, _ in m.named_parameters()], list(m.state_dict()))",
    "m = nn.Conv1d(3, 2, 3); print(m.weight.shape, bool(m.bias.abs().max() <= 1 / 3))",
    "m = nn.Conv2d(4, 6, 3, padding=1, bias=False)\n"
    "with torch.no_grad(): m.weight.copy_(w)\n"
    "y = m(x); print(y, y.grad_fn, m.bias)",
    "m = nn.Conv1d(3, 2, 3)\n"
    "with torch.no_grad(): m.weight.copy_(k); m.bias.fill_(0.5)\n"
    "print(m(s), m(s[0]).shape)",
    "nn.Conv2d(3, 8, 3, groups=2)",
    "nn.Conv2d(4, 6, 3, groups=4)",
    "nn.Conv2d(4, 6, 3, stride=2, padding='same')",
    "m = nn.Conv2d(2, 2, 1, padding_mode='circular'); print(m)",
])
def test_conv_modules(gw, code):
    same_as_torch(gw, with_setup(CONV_SETUP, code))


@pytest.mark.parametrize("kwargs, words", [
    ({"padding": "foo"}, ["Invalid padding string 'foo', should be one of {", "'valid'", "'same'"]),
    ({"padding_mode": "foo"}, ["padding_mode must be one of {", "'zeros'", "'reflect'", "'replicate'", "'circular'",
                               "}, but got padding_mode='foo'"]),
])
def test_conv_module_argument_errors(gw, kwargs, words):
    """torch prints a set here, whose order is the hash seed's; the words, not their order, are compared."""
    with pytest.raises(ValueError) as info:
        gw.nn.Conv2d(4, 6, 3, **kwargs)
    assert all(w in str(info.value) for w in words), str(info.value)


# ---- pad ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", [
    "y = F.pad(x, (1, 2)); print(y, y.grad_fn)",
    "print(F.pad(x, (1, 1, 2, 0), value=-1.5), F.pad(x, (0, 0, 0, 0, 1, 1)).shape)",
    "print(F.pad(x, (-1, 2, 1, -2)), F.pad(torch.tensor([1, 2, 3]), (2, 1), value=7))",
    "print(F.pad(x, [1, 1], mode='constant', value=2.))",
    "F.pad(x, (1,))",
    "F.pad(x, (1, 1) * 3)",
    "F.pad(x, (-2, -2))",
    # reflect, replicate, circular
    "y = F.pad(x, (1, 2), mode='reflect'); print(y, y.grad_fn)",
    "y = F.pad(x.reshape(1, 3, 4), (2, 1), mode='replicate'); print(y, y.grad_fn)",
    "y = F.pad(x.reshape(1, 1, 3, 4), (1, 2, 2, 1), mode='reflect'); print(y, y.grad_fn)",
    "y = F.pad(x.reshape(1, 1, 3, 4), (3, 0, 1, 4), mode='replicate'); print(y, y.grad_fn)",
    "y = F.pad(x.reshape(1, 1, 3, 4), (1, 2, 3, 0), mode='circular'); print(y, type(y.grad_fn).__name__)",
    "print(F.pad(x.reshape(1, 1, 1, 3, 4), (1, 1, 1, 0, 0, 0), mode='replicate'))",
    "F.pad(x, (4, 0), mode='reflect')",
    "F.pad(x.reshape(1, 1, 3, 4), (1, 1, 3, 0), mode='reflect')",
    "F.pad(x.reshape(12), (1, 1), mode='reflect')",
    "F.pad(x, (1, 1, 1, 1), mode='replicate')",
    "F.pad(x, (5, 0), mode='circular')",
])
def test_pad(gw, code):
    same_as_torch(gw, with_setup("x = torch.linspace(-1., 1., 12).reshape(3, 4)\n", code))


def test_pad_modes_gradients_and_conv_padding_modes(gw):
    same_as_torch(gw, """
        x = (torch.arange(24.) / 4 - 1).reshape(1, 2, 3, 4).requires_grad_()
        for mode in ("reflect", "replicate", "circular"):
            y = F.pad(x, (2, 1, 1, 2), mode=mode)
            (y * (torch.arange(float(y.numel())).reshape(y.shape) % 7)).sum().backward()
            print(mode, type(y.grad_fn).__name__, type(F.pad(x[0, 0], (1, 1), mode=mode).grad_fn).__name__,
                  type(F.pad(x, (1, 1, 1, 0, 0, 1), mode=mode).grad_fn).__name__ if mode != "reflect" else "", x.grad)
            x.grad = None
        g, = torch.autograd.grad(F.pad(x, (1, 1, 1, 1), mode="reflect").pow(3).sum(), x, create_graph=True)
        g.sum().backward()
        print(x.grad)
        for mode in ("reflect", "replicate", "circular"):
            torch.manual_seed(0)
            conv = nn.Conv2d(2, 3, 3, padding=1, padding_mode=mode)
            with torch.no_grad():
                conv.weight.copy_(torch.arange(54.).reshape(3, 2, 3, 3) % 5 - 2)
                conv.bias.copy_(torch.tensor([0.5, -1., 2.]))
            print(conv, conv(x.detach()))
        c1 = nn.Conv1d(2, 2, 3, padding=2, padding_mode="replicate")
        with torch.no_grad():
            c1.weight.fill_(0.5)
            c1.bias.zero_()
        print(c1(x.detach()[0, :, 0]))
    """)


def test_pad_gradients(gw):
    same_as_torch(gw, """
        x = (torch.arange(12.) / 4 - 1).reshape(3, 4).requires_grad_()
        y = F.pad(x, (1, -1, 2, 0), value=3.)
        (y * torch.arange(float(y.numel())).reshape(y.shape)).sum().backward()
        print(y.grad_fn, x.grad)
        g, = torch.autograd.grad(F.pad(x, (1, 1)).pow(3).sum(), x, create_graph=True)
        g.sum().backward()
        print(x.grad)
    """)


# ---- pooling --------------------------------------------------------------------------------------

POOL_SETUP = "x = ((torch.arange(2 * 3 * 7 * 6.) * 5) % 11 - 5).reshape(2, 3, 7, 6)\n"


@pytest.mark.parametrize("code", [
    "y = F.max_pool2d(x, 2); print(y, y.grad_fn)",
    "print(F.max_pool2d(x, 3, stride=2, padding=1), F.max_pool2d(x[0], (2, 3), 1, dilation=(2, 1)))",
    "y = F.avg_pool2d(x, 2); print(y, y.grad_fn, F.avg_pool2d(x[1], 3, 2, 1))",
    "print(F.avg_pool2d(x, 3, 2, 1, count_include_pad=False), F.avg_pool2d(x, 2, divisor_override=3))",
    "y = F.adaptive_avg_pool2d(x, 1); print(y, y.grad_fn, F.adaptive_avg_pool2d(x[0], (1, 1)).shape)",
    "y = F.adaptive_avg_pool2d(x, (3, 4)); print(y, y.grad_fn, F.adaptive_avg_pool2d(x, (None, 2)).shape)",
    "print(nn.MaxPool2d(2), nn.MaxPool2d((2, 3), stride=1, padding=1), nn.MaxPool2d(3, 2)(x))",
    "print(nn.AvgPool2d(2), nn.AvgPool2d(3, 2, 1), nn.AvgPool2d(2)(x), nn.AdaptiveAvgPool2d(1), "
    "nn.AdaptiveAvgPool2d((1, 1)), nn.AdaptiveAvgPool2d((2, 2))(x))",
    "F.max_pool2d(x, 2, padding=2)",
    "F.avg_pool2d(x, 2, padding=2)",
    "F.max_pool2d(torch.zeros(1, 2, 2, 2), 3)",
    "F.max_pool2d(torch.zeros(2, 2), 1)",
    "F.avg_pool2d(x, 2, divisor_override=0)",
    # ceil_mode: a last, partial window; it must start inside the input or its left padding
    "y = F.max_pool2d(x, 2, ceil_mode=True); print(y, y.shape, F.max_pool2d(x, 3, 2, 1, ceil_mode=True).shape)",
    "print(F.max_pool2d(x, (2, 4), (3, 4), ceil_mode=True), F.max_pool2d(x[0], 2, 3, dilation=2, ceil_mode=True))",
    "print(F.avg_pool2d(x, 2, ceil_mode=True), F.avg_pool2d(x, 3, 2, 1, ceil_mode=True))",
    "print(F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), "
    "F.avg_pool2d(x, 4, 3, 2, ceil_mode=True), F.avg_pool2d(x, 2, ceil_mode=True, divisor_override=3))",
    "print(nn.MaxPool2d(2, ceil_mode=True)(x).shape, nn.MaxPool2d(2, ceil_mode=True), nn.AvgPool2d(3, ceil_mode=True))",
    # return_indices: each max's flat position in its input plane
    "y, i = F.max_pool2d(x, 2, return_indices=True); print(y, i, i.dtype, y.grad_fn)",
    "print(F.max_pool2d(x, 3, 2, 1, return_indices=True, ceil_mode=True), "
    "F.max_pool2d(x[0], (2, 3), 1, dilation=(2, 1), return_indices=True)[1])",
    "print(nn.MaxPool2d(2, return_indices=True)(x)[1], nn.MaxPool2d(3, return_indices=True))",
])
def test_pooling(gw, code):
    same_as_torch(gw, with_setup(POOL_SETUP, code))


def test_pooling_gradients(gw):
    same_as_torch(gw, with_setup(POOL_SETUP, """
        x.requires_grad_()
        w = torch.arange(2 * 3 * 4 * 3.).reshape(2, 3, 4, 3) % 5
        (F.max_pool2d(x, 3, 2, 1) * w).sum().backward()
        print(x.grad)
        x.grad = None
        (F.avg_pool2d(x, 3, 2, 1, count_include_pad=False) * w).sum().backward()
        (F.avg_pool2d(x, 2) * 4).sum().backward()
        print(x.grad)
        x.grad = None
        (F.adaptive_avg_pool2d(x, (4, 3)) * w).sum().backward()
        (F.adaptive_avg_pool2d(x, 1) * 42).sum().backward()
        print(x.grad)
        g, = torch.autograd.grad(F.max_pool2d(x, 2).pow(2).sum(), x, create_graph=True)
        print(g.grad_fn is not None)
        x.grad = None
        w = torch.arange(2 * 3 * 4 * 3.).reshape(2, 3, 4, 3) % 7
        y, i = F.max_pool2d(x, 2, ceil_mode=True, return_indices=True)
        (y * w).sum().backward()
        print(i.requires_grad, x.grad)
        x.grad = None
        (F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False) * w).sum().backward()
        (F.avg_pool2d(x, 2, ceil_mode=True) * w).sum().backward()
        print(x.grad)
    """))


# ---- batch norm -----------------------------------------------------------------------------------

BN_SETUP = """
    x = ((torch.arange(4 * 3 * 2 * 2.) * 7) % 9 - 4).reshape(4, 3, 2, 2)
    v = ((torch.arange(5 * 3.) * 2) % 7 - 3).reshape(5, 3)
"""


@pytest.mark.parametrize("code", [
    "print(nn.BatchNorm2d(8), nn.BatchNorm1d(4, affine=False, momentum=None), nn.BatchNorm2d(3, eps=1e-3, bias=False), "
    "nn.BatchNorm1d(2, track_running_stats=False))",
    "m = nn.BatchNorm2d(3); print(list(m.state_dict()), [n for n, _ in m.named_parameters()], m.running_mean, "
    "m.running_var, m.num_batches_tracked, m.weight, m.bias)",
    "m = nn.BatchNorm2d(3); y = m(x); print(y, y.grad_fn, m.running_mean, m.running_var, m.num_batches_tracked)",
    "m = nn.BatchNorm2d(3); m(x); m(x * 2); m.eval(); print(m(x), m.running_var, m.num_batches_tracked)",
    "m = nn.BatchNorm1d(3, momentum=None); m(v); m(v + 1); print(m.running_mean, m.running_var, m(v[:2]))",
    "m = nn.BatchNorm1d(3, affine=False, track_running_stats=False); print(m(v), m.running_mean, m.state_dict())",
    "m = nn.BatchNorm1d(3); m(v.reshape(5, 3, 1)); print(m.running_mean)",
    "print(F.batch_norm(v, torch.zeros(3), torch.ones(3)), F.batch_norm(v, None, None, training=True, eps=0.1))",
    "rm, rv = torch.zeros(3), torch.ones(3); F.batch_norm(x, rm, rv, torch.ones(3) * 2, torch.zeros(3), True, 0.5)\n"
    "print(rm, rv)",
    "nn.BatchNorm2d(3)(v)",
    "nn.BatchNorm1d(3)(x)",
    "nn.BatchNorm1d(3)(v[:1])",
    "F.batch_norm(v, torch.zeros(2), torch.ones(2))",
    "F.batch_norm(v, None, None)",
])
def test_batch_norm(gw, code):
    same_as_torch(gw, with_setup(BN_SETUP, code))


def test_batch_norm_gradients(gw):
    same_as_torch(gw, with_setup(BN_SETUP, """
        m = nn.BatchNorm2d(3)
        x.requires_grad_()
        w = torch.arange(48.).reshape(4, 3, 2, 2) % 5
        (m(x) * w).sum().backward()
        print(x.grad, m.weight.grad, m.bias.grad)
        m.eval(); x.grad = None
        (m(x) * w).sum().backward()
        print(x.grad, m.weight.grad)
        m.train()
        g, = torch.autograd.grad((m(x) * w).sum(), x, create_graph=True)
        g.pow(2).sum().backward()
        print(m.weight.grad)
    """))
