"""The nn layers, functional ops and losses built on the client from server ops (activations, distances,
normalisation, 1-d and adaptive pooling, resizing, padding layers, margin/NLL losses), against PyTorch:
values, gradients, module reprs, parameters and buffers, error texts (see test_parity_api.same_as_torch).

Most of these are fused kernels in torch and compositions here, so where the top grad_fn differs the
snippets print detached values; the real behaviour is also checked against hand-computed values and
finite differences (gradcheck)."""
from __future__ import annotations

import math

import pytest

from test_parity_ops import same_as_torch, with_setup

pytestmark = pytest.mark.timeout(120)

GRAD = """
    def grads(y, *xs):
        w = (torch.arange(1., 1 + y.numel()) / 4).reshape(y.shape).to(y.dtype)
        return torch.autograd.grad((y * w).sum(), xs)
"""

ACT_SETUP = GRAD + """
    x = torch.tensor([[-4.5, -3., -1.5, -0.5, 0., 0.5, 1.5, 3., 4., 30.],
                      [2., -2., 0.25, -0.25, 7., -7., 1., -1., 3.5, -3.5]], requires_grad=True)
"""


# ---- activations -------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [
    "F.mish", "F.hardswish", "F.hardsigmoid", "F.selu", "F.celu", "lambda t: F.celu(t, 0.5)", "F.hardshrink",
    "lambda t: F.hardshrink(t, 1.5)", "lambda t: F.softshrink(t, 0.25)", "F.tanhshrink",
    "lambda t: F.threshold(t, 0.5, -2.)", "lambda t: F.softmin(t, 1)", "lambda t: F.glu(t, 1)",
    "lambda t: F.glu(t, 0)", "F.rrelu", "lambda t: F.prelu(t, torch.tensor([0.1, -0.5], requires_grad=True))",
])
def test_activation_values_and_gradients(gw, fn):
    same_as_torch(gw, with_setup(ACT_SETUP, f"""
        f = {fn}
        y = f(x)
        print(y, y.dtype, y.requires_grad, grads(y, x)[0])
        print(f(x.detach().double()))
    """))


def test_activation_modules(gw):
    same_as_torch(gw, with_setup(ACT_SETUP, """
        print(nn.Mish(), nn.Mish(True), nn.Hardswish(True), nn.Hardsigmoid(), nn.SELU(), nn.SELU(inplace=True),
              nn.CELU(), nn.CELU(0.5, True), nn.Threshold(0.1, 20), nn.Threshold(0.1, 2., True), nn.RReLU(),
              nn.RReLU(0.1, 0.3, True), nn.Hardshrink(), nn.Softshrink(1), nn.Tanhshrink(), nn.Softmin(1),
              nn.Softmin(), nn.Softmax2d(), nn.GLU(), nn.GLU(0), nn.PReLU(), nn.PReLU(3, 0.1))
        m = nn.PReLU(2, 0.1)
        print(m.weight, [n for n, _ in m.named_parameters()], m.init, m.num_parameters)
        y = m(x.reshape(1, 2, 10))
        print(y, grads(y, m.weight))
        for mod in [nn.Mish(), nn.Hardswish(), nn.Hardsigmoid(), nn.SELU(), nn.CELU(2.), nn.Threshold(0., -9.),
                    nn.RReLU().eval(), nn.Hardshrink(2.), nn.Softshrink(), nn.Tanhshrink(), nn.Softmin(0), nn.GLU()]:
            print(mod(x))
        print(nn.Softmax2d()(x.reshape(1, 2, 5, 2)).detach().sum(-3))
    """))


ACTIVATION_ERRORS_AND_EDGE_CASES = [
    "F.glu(torch.randn(2, 5))",
    "F.glu(torch.tensor(1.))",
    "F.softshrink(torch.ones(3), -1.)",
    "F.softshrink(torch.ones(3).double(), -0.5)",
    "F.mish(torch.arange(3))",
    "F.hardswish(torch.arange(3))",
    "F.selu(torch.arange(3))",
    "F.hardshrink(torch.arange(3))",
    "F.prelu(torch.ones(2, 3, 4), torch.ones(2))",
    "F.prelu(torch.ones(2, 3), torch.ones(3, 1))",
    "F.prelu(torch.ones(3), torch.ones(3))",
    "F.rrelu(torch.ones(3), 0.5, 0.1)",
    "F.celu(torch.ones(3), 0.)",
    "nn.Softmax2d()(torch.zeros(2, 2))",
    "print(F.threshold(torch.arange(5), 2, 9), F.prelu(torch.tensor(-2.), torch.tensor([0.1])))",
    "x = torch.tensor([-1., 2., -3.], requires_grad=True); F.selu_(x)",
    "x = torch.tensor([-1., 2., -3.], requires_grad=True); F.threshold_(x, 0., 1.)",
]


def test_activation_errors_and_edge_cases(gw):
    for code in ACTIVATION_ERRORS_AND_EDGE_CASES:
        same_as_torch(gw, code)


def test_inplace_activations(gw):
    same_as_torch(gw, """
        for f in [F.relu_, F.elu_, lambda t: F.leaky_relu_(t, 0.2), lambda t: F.hardtanh_(t, -2., 1.),
                  lambda t: F.threshold_(t, 0., 5.), F.selu_, lambda t: F.celu_(t, 2.), lambda t: F.mish(t, True),
                  lambda t: F.hardswish(t, True), lambda t: F.hardsigmoid(t, True), F.rrelu_,
                  lambda t: nn.SELU(True)(t), lambda t: nn.Threshold(1., 0., True)(t)]:
            x = torch.tensor([-1., 2., -3., 0.5])
            r = f(x)
            print(x, r is x)
        x = torch.tensor([[-1., 2.], [1., 5.]], requires_grad=True)
        y = x * 2
        F.threshold_(y, 1., 0.5)
        y.sum().backward()
        print(y, x.grad)
        for f in [lambda t: F.mish(t, True), lambda t: F.hardswish(t, True), lambda t: F.hardsigmoid(t, True),
                  F.selu_, F.celu_, lambda t: F.threshold_(t, 0., 1.), F.rrelu_]:
            y = x * 1
            print(f(y).grad_fn.name(), y.grad_fn.name())
    """)


def test_activations_real_values(gw):
    torch = gw
    x = torch.tensor([-4., -3., -1.5, 0., 1.5, 3., 4.], dtype=torch.float64)
    assert torch.nn.functional.hardswish(x).tolist() == [0., 0., -0.375, 0., 1.125, 3., 4.]
    assert torch.nn.functional.hardsigmoid(x).tolist() == [0., 0., 0.25, 0.5, 0.75, 1., 1.]
    assert torch.nn.functional.hardshrink(x, 1.5).tolist() == [-4., -3., 0., 0., 0., 3., 4.]
    assert torch.nn.functional.softshrink(x, 1.5).tolist() == [-2.5, -1.5, 0., 0., 0., 1.5, 2.5]
    assert torch.nn.functional.threshold(x, 1.5, -1.).tolist() == [-1.] * 5 + [3., 4.]
    mish = torch.nn.functional.mish(x).tolist()
    assert all(abs(m - v * math.tanh(math.log1p(math.exp(v)))) < 1e-12 for m, v in zip(mish, x.tolist()))
    selu = torch.nn.functional.selu(x).tolist()
    a, s = 1.6732632423543772, 1.0507009873554805
    assert all(abs(m - (s * v if v > 0 else s * a * math.expm1(v))) < 1e-12 for m, v in zip(selu, x.tolist()))
    # gradients at the kinks are torch's: hardswish 0 at -3, 1 at 3; hardsigmoid 0 at +-3
    k = torch.tensor([-3., 3.], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.grad(torch.nn.functional.hardswish(k).sum(), k)[0].tolist() == [0., 1.]
    assert torch.autograd.grad(torch.nn.functional.hardsigmoid(k).sum(), k)[0].tolist() == [0., 0.]


@pytest.mark.parametrize("fn", ["mish", "hardswish", "selu", "celu", "softshrink", "tanhshrink", "glu", "prelu",
                                "softmin"])
def test_activations_gradcheck(gw, fn):
    torch = gw
    F = torch.nn.functional
    x = torch.tensor([[-2.3, -0.7, 0.4, 1.9], [0.9, -1.4, 2.6, -0.2]], dtype=torch.float64, requires_grad=True)
    w = torch.tensor([0.3, -0.6, 0.1, 2.], dtype=torch.float64, requires_grad=True)
    f = {"glu": lambda t: F.glu(t, 1), "prelu": lambda t: F.prelu(t, w), "softmin": lambda t: F.softmin(t, 1),
         "celu": lambda t: F.celu(t, 0.7)}.get(fn, getattr(F, fn))
    assert torch.autograd.gradcheck(f, (x,))


# ---- distances, similarities, normalisation ------------------------------------------------------

DIST_SETUP = GRAD + """
    a = torch.tensor([[1., 2., 3.], [0., 0., 0.], [-1., 0.5, 2.], [2., 2., 2.]], requires_grad=True)
    b = torch.tensor([[1., 0., 3.], [1., 1., 1.], [2., -1., 0.], [0.5, 0., 1.]], requires_grad=True)
"""


def test_distances(gw):
    same_as_torch(gw, with_setup(DIST_SETUP, """
        y = F.cosine_similarity(a, b)
        print(y, [g.abs().gt(1e-6) for g in grads(y, a, b)])
        print(F.cosine_similarity(a, b, dim=0), F.cosine_similarity(a, b[0]), nn.CosineSimilarity(0, 1e-3)(a, b))
        print(F.cosine_similarity(a.double(), b.double()).dtype, F.cosine_similarity(torch.arange(3.), torch.arange(3)))
        y = F.pairwise_distance(a, b)
        print(y.detach(), grads(y, a, b))
        print(F.pairwise_distance(a, b, 1.).detach(), F.pairwise_distance(a, b, keepdim=True).shape,
              F.pairwise_distance(a, b[0], eps=0.).detach(), nn.PairwiseDistance(3)(a, b).detach(),
              F.pairwise_distance(a, b, float('inf')).detach(), nn.PairwiseDistance(p=1., keepdim=True).norm)
        y = F.pdist(a)
        print(y.detach(), grads(y, a), F.pdist(a, 1).detach(), F.pdist(a, 0.5).detach(), F.pdist(a[:1]).shape)
        print(nn.CosineSimilarity(), nn.PairwiseDistance())
    """))


DISTANCE_ERRORS = [
    "F.cosine_similarity(torch.arange(3), torch.arange(3))",
    "F.cosine_similarity(torch.ones(2, 3), torch.ones(2, 4))",
    "F.cosine_similarity(torch.ones(2, 3), torch.ones(2, 3), dim=2)",
    "F.pdist(torch.zeros(2, 2, 2))",
    "F.pdist(torch.zeros(2, 2), -1)",
]


def test_distance_errors(gw):
    for code in DISTANCE_ERRORS:
        same_as_torch(gw, code)


NORM_SETUP = GRAD + """
    x = ((torch.arange(48.) * 5) % 7 - 3 + torch.arange(48.) / 17).reshape(2, 4, 6).requires_grad_()
    w = torch.tensor([1., 2., 0.5, -1.], requires_grad=True)
    b = torch.tensor([0., 1., -1., 0.5], requires_grad=True)
"""


def test_group_norm(gw):
    same_as_torch(gw, with_setup(NORM_SETUP, """
        y = F.group_norm(x, 2, w, b)
        print(y, grads(y, x, w, b))
        print(F.group_norm(x, 4), F.group_norm(x, 1, eps=0.1), F.group_norm(x.double(), 2, w.double()).dtype)
        g = nn.GroupNorm(2, 4)
        print(g, list(g.named_parameters()), g(x).shape, nn.GroupNorm(1, 4, affine=False),
              nn.GroupNorm(2, 4, bias=False), nn.GroupNorm(2, 4, bias=False).bias)
    """))


def test_instance_norm(gw):
    same_as_torch(gw, with_setup(NORM_SETUP, """
        rm, rv = torch.zeros(4), torch.ones(4)
        y = F.instance_norm(x, rm, rv, w, b, momentum=0.2)
        gx, gw_, gb = grads(y, x, w, b)
        print(y, gw_, gb, rm, rv)
        print(F.instance_norm(x, rm, rv, use_input_stats=False), F.instance_norm(x).detach())
        m = nn.InstanceNorm1d(4, affine=True, track_running_stats=True)
        print(m, list(m.named_parameters()), list(m.named_buffers()))
        print(m(x).detach(), m.running_mean, m.running_var, m.num_batches_tracked)
        m.eval()
        print(m(x).detach(), m(x[0]).detach())
        print(nn.InstanceNorm1d(4)(x[0]), nn.InstanceNorm2d(2)(x.reshape(2, 2, 4, 6)).detach(),
              nn.InstanceNorm2d(2, momentum=None), list(nn.InstanceNorm2d(2).buffers()))
    """))


def test_rms_norm(gw):
    same_as_torch(gw, with_setup(NORM_SETUP, """
        w6 = torch.tensor([1., 2., 0.5, -1., 1., 2.], requires_grad=True)
        y = F.rms_norm(x, (6,), w6)
        print(y, grads(y, x, w6))
        print(F.rms_norm(x, [4, 6]), F.rms_norm(x, (6,), eps=0.5), F.rms_norm(x.double(), (6,)))
        m = nn.RMSNorm(6)
        print(m, m.weight, m(x).shape, nn.RMSNorm([4, 6], 1e-3, False), nn.RMSNorm([4, 6], 1e-3, False).weight)
    """))


NORM_ERRORS = [
    "F.group_norm(torch.zeros(2, 3, 4), 2)",
    "F.group_norm(torch.zeros(1, 2), 2)",
    "F.group_norm(torch.zeros(2), 2)",
    "F.group_norm(torch.zeros(2, 3, 4), 3, torch.ones(2))",
    "nn.GroupNorm(2, 3)",
    "F.rms_norm(torch.zeros(2, 3, 4), (8,))",
    "F.rms_norm(torch.zeros(2, 3, 4), (4,), torch.ones(3))",
    "F.rms_norm(torch.zeros(2, 3, 4), 4)",
    "nn.InstanceNorm1d(4, affine=True)(torch.zeros(2, 3, 5))",
    "nn.InstanceNorm1d(4)(torch.zeros(2, 3, 4, 5))",
    "nn.InstanceNorm2d(4)(torch.zeros(2, 4))",
    "F.instance_norm(torch.zeros(2, 3, 1))",
    "F.instance_norm(torch.zeros(2, 3, 4), torch.zeros(2), torch.ones(2))",
]


def test_norm_errors(gw):
    for code in NORM_ERRORS:
        same_as_torch(gw, code)


def test_norms_real_values(gw):
    torch = gw
    F = torch.nn.functional
    x = torch.tensor([[1., 3.], [2., 6.]], dtype=torch.float64).reshape(1, 2, 2)
    # rms over the last dim: row [1, 3] has rms sqrt(5)
    r = F.rms_norm(x, (2,), eps=0.).tolist()[0]
    assert abs(r[0][0] - 1 / math.sqrt(5)) < 1e-12 and abs(r[1][1] - 6 / math.sqrt(20)) < 1e-12
    # one group over all 4 values: mean 3, population variance 3.5
    g = F.group_norm(x, 1, eps=0.).tolist()[0]
    assert abs(g[0][0] - (1 - 3) / math.sqrt(3.5)) < 1e-12
    i = F.instance_norm(x, eps=0.).tolist()[0]
    assert i == [[-1.0, 1.0], [-1.0, 1.0]]
    assert torch.autograd.gradcheck(lambda t, w: F.group_norm(t, 1, w), (x.clone().requires_grad_(),
                                   torch.tensor([0.5, 2.], dtype=torch.float64, requires_grad=True)))
    assert torch.autograd.gradcheck(lambda t: F.rms_norm(t, (2,)), (x.clone().requires_grad_(),))


# ---- reshaping, bilinear, containers -------------------------------------------------------------

def test_unflatten_bilinear_parameterdict(gw):
    same_as_torch(gw, GRAD + """
        m = nn.Unflatten(1, (2, 3)); x = torch.arange(12.).reshape(2, 6).requires_grad_()
        print(m, m(x), nn.Unflatten(-1, (3, -1))(x).shape, nn.Unflatten(1, [2, 3]))
        x1 = (torch.arange(6.) - 2).reshape(2, 3).requires_grad_()
        x2 = (torch.arange(8.) % 3).reshape(2, 4).requires_grad_()
        w = ((torch.arange(60.) % 7 - 3) / 4).reshape(5, 3, 4).requires_grad_()
        b = torch.arange(5.).requires_grad_()
        y = F.bilinear(x1, x2, w, b)
        print(y, grads(y, x1, x2, w, b), F.bilinear(x1, x2, w).detach(), F.bilinear(x1[None], x2[None], w).shape)
        m = nn.Bilinear(3, 4, 5)
        print(m, m.weight.shape, m.bias.shape, m(x1, x2).shape, nn.Bilinear(2, 2, 1, bias=False).bias)
        print(bool(m.weight.abs().max() <= 1 / 3 ** 0.5), nn.Bilinear(2, 2, 1, bias=False))
        p = nn.ParameterDict({'b': nn.Parameter(torch.ones(2)), 'a': torch.zeros(2, 3).double()})
        p['c'] = torch.ones(1)
        print(p, len(p), list(p.keys()), 'a' in p, p['a'].requires_grad, type(p['a']).__name__,
              [n for n, _ in p.named_parameters()])
        del p['b']
        print(list(p), p.pop('c').shape, p.get('zz'), len(p))
        q = nn.ParameterDict([('x', torch.ones(1)), ('y', torch.zeros(1))]); q.update({'z': torch.ones(3)}); print(q)
        print(nn.ParameterDict(), nn.ParameterDict({'a': torch.ones(1)}))
        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.pd = nn.ParameterDict({'w': torch.ones(2)})
        print(M(), list(M().state_dict()))
        print(nn.Identity(3, k=2), nn.Identity()(torch.ones(2)), F.one_hot(torch.tensor([0, 2, 1])))
    """)


RESHAPE_AND_BILINEAR_ERRORS = [
    "nn.Unflatten(1, 3)",
    "nn.Unflatten(1, (2., 3))",
    "nn.Unflatten(1, (4, 2))(torch.zeros(2, 6))",
    "nn.Unflatten(1, (4, -1))(torch.zeros(2, 6))",
    "F.bilinear(torch.zeros(2, 3), torch.zeros(1, 4), torch.zeros(5, 3, 4))",
    "F.bilinear(torch.zeros(2, 3), torch.zeros(2, 4), torch.zeros(5, 2, 4))",
    "F.bilinear(torch.zeros(2, 3), torch.zeros(2, 4), torch.zeros(5, 3, 2))",
    "F.bilinear(torch.zeros(2, 3), torch.zeros(2, 4), torch.zeros(5, 3, 4), torch.zeros(3))",
    "F.bilinear(torch.zeros(2, 3), torch.zeros(4), torch.zeros(5, 3, 4))",
    "nn.ParameterDict()['nope']",
    "nn.ParameterDict()(torch.zeros(1))",
]


def test_reshape_and_bilinear_errors(gw):
    for code in RESHAPE_AND_BILINEAR_ERRORS:
        same_as_torch(gw, code)


# ---- pooling, resizing, padding ------------------------------------------------------------------

POOL_SETUP = GRAD + """
    x = ((torch.arange(48.) * 7) % 11 - 5).reshape(2, 3, 8).requires_grad_()
    z = ((torch.arange(2 * 2 * 5 * 7.) * 7) % 13 - 6).reshape(2, 2, 5, 7).requires_grad_()
"""


def test_pool1d(gw):
    same_as_torch(gw, with_setup(POOL_SETUP, """
        y = F.max_pool1d(x, 3, 2, 1)
        print(y, grads(y, x))
        print(F.max_pool1d(x, 2, return_indices=True), F.max_pool1d(x, 3, dilation=2, ceil_mode=True),
              F.max_pool1d(x[0], (2,)), F.max_pool1d(x, 3, stride=(1,)).shape)
        y = F.avg_pool1d(x, 3, 2, 1)
        print(y, grads(y, x))
        print(F.avg_pool1d(x, 3, 2, 1, count_include_pad=False), F.avg_pool1d(x, 3, ceil_mode=True),
              F.avg_pool1d(x[0], 4))
        y = F.adaptive_avg_pool1d(x[..., :7], 3)
        print(y, grads(y, x), F.adaptive_avg_pool1d(x[0], 5))
        y, i = F.adaptive_max_pool1d(x[..., :7], 3, return_indices=True)
        print(y, i, grads(y, x), F.adaptive_max_pool1d(x[0], 5), F.adaptive_max_pool1d(x, 8, True)[1])
        print(nn.MaxPool1d(3, 2, 1)(x), nn.AvgPool1d(3)(x), nn.AdaptiveAvgPool1d(3)(x), nn.AdaptiveMaxPool1d(3, True)(x))
    """))


def test_adaptive_max_pool2d(gw):
    same_as_torch(gw, with_setup(POOL_SETUP, """
        y, i = F.adaptive_max_pool2d(z, (3, 4), return_indices=True)
        print(y.detach(), i, grads(y, z))
        print(F.adaptive_max_pool2d(z, 2).detach(), F.adaptive_max_pool2d(z[0], (None, 3), True)[1],
              F.adaptive_max_pool2d(z, (5, 7)).shape)
        m = nn.AdaptiveMaxPool2d((2, None), True)
        print(m, m(z)[1].shape, nn.AdaptiveMaxPool2d(3))
    """))


POOL_ERRORS = [
    "F.max_pool1d(torch.zeros(2, 3, 4, 5), 2)",
    "F.max_pool1d(torch.zeros(2, 3, 8), 10)",
    "F.max_pool1d(torch.zeros(2, 3, 8), 2, padding=2)",
    "F.max_pool1d(torch.zeros(2, 3, 8), 0)",
    "F.max_pool1d(torch.zeros(2, 3, 8), 2, stride=0)",
    "F.avg_pool1d(torch.zeros(2, 3, 4, 5), 2)",
    "F.avg_pool1d(torch.zeros(2, 3, 8), 10)",
    "F.adaptive_max_pool1d(torch.zeros(2, 3, 4, 5), 2)",
    "F.adaptive_max_pool1d(torch.zeros(2, 3, 4), (2, 2))",
    "F.adaptive_avg_pool1d(torch.zeros(2, 3, 4), (2, 2))",
    "F.adaptive_max_pool2d(torch.zeros(2, 3), 2)",
    "F.adaptive_max_pool2d(torch.zeros(2, 3, 4), (2, 2, 1))",
]


def test_pool_errors(gw):
    for code in POOL_ERRORS:
        same_as_torch(gw, code)


def test_pool_modules_repr(gw):
    same_as_torch(gw, """
        print(nn.MaxPool1d(2), nn.MaxPool1d(3, 2, 1, 2, True, True), nn.AvgPool1d(3), nn.AvgPool1d(3, 2, 1, True, False),
              nn.AdaptiveAvgPool1d(3), nn.AdaptiveMaxPool1d(2), nn.AdaptiveMaxPool2d((2, None), True))
        print(nn.Upsample(scale_factor=2), nn.Upsample(size=(3, 4), mode='bilinear', align_corners=True),
              nn.Upsample(size=3, mode='linear'), nn.Upsample(scale_factor=(2, 3)), nn.PixelShuffle(2),
              nn.PixelUnshuffle(3), nn.UpsamplingNearest2d(scale_factor=2), nn.UpsamplingBilinear2d((4, 4)))
        print(nn.ZeroPad1d(2), nn.ZeroPad2d((1, 2, 3, 4)), nn.ConstantPad1d(2, 3.5), nn.ConstantPad2d(1, 0),
              nn.ReflectionPad1d((1, 2)), nn.ReflectionPad2d(1), nn.ReplicationPad1d(3), nn.ReplicationPad2d((1, 0, 2, 0)),
              nn.ZeroPad2d(1), nn.CircularPad1d(1))
    """)


def test_interpolate_1d(gw):
    same_as_torch(gw, GRAD + """
        x = torch.arange(1., 9.).reshape(1, 2, 4).requires_grad_()
        for kw in [dict(scale_factor=2), dict(size=3), dict(size=7), dict(scale_factor=1.5), dict(scale_factor=0.5),
                   dict(size=8, mode='linear'), dict(size=3, mode='linear'), dict(scale_factor=2.5, mode='linear'),
                   dict(size=7, mode='linear', align_corners=True), dict(size=1, mode='linear', align_corners=True),
                   dict(scale_factor=1.7, mode='linear', recompute_scale_factor=True), dict(size=6, mode='nearest-exact'),
                   dict(size=3, mode='area'), dict(scale_factor=0.5, mode='area'), dict(size=4, mode='linear')]:
            y = F.interpolate(x, **kw)
            print(kw, y.detach(), grads(y, x)[0])
        print(F.interpolate(x.double(), 5, mode='linear').dtype, nn.Upsample(scale_factor=3)(x).shape)
    """)


def test_interpolate_2d(gw):
    same_as_torch(gw, GRAD + """
        x = ((torch.arange(2 * 2 * 3 * 4.) * 7) % 13 - 6).reshape(2, 2, 3, 4).requires_grad_()
        for kw in [dict(scale_factor=2), dict(size=(5, 3)), dict(scale_factor=(1.5, 0.5)),
                   dict(size=(5, 7), mode='bilinear'), dict(size=(2, 3), mode='bilinear'),
                   dict(scale_factor=2, mode='bilinear', align_corners=True), dict(size=(3, 6), mode='bilinear'),
                   dict(scale_factor=(1.3, 2.2), mode='bilinear'), dict(size=(2, 2), mode='area')]:
            y = F.interpolate(x[:1, :1], **kw)
            print(kw, y.detach(), grads(y, x)[0][0, 0])
        print(nn.Upsample(scale_factor=2, mode='bilinear')(x).shape, nn.UpsamplingBilinear2d(scale_factor=2)(x)[0, 0],
              nn.UpsamplingNearest2d((4, 5))(x)[0, 0])
    """)


INTERPOLATE_ERRORS = [
    "F.interpolate(torch.arange(6).reshape(1, 1, 6), 4)",
    "F.interpolate(torch.arange(6).reshape(1, 1, 6), 4, mode='linear')",
    "F.interpolate(torch.zeros(2, 3, 8), scale_factor=2, mode='bilinear')",
    "F.interpolate(torch.zeros(2, 3, 8, 8), 3, mode='linear')",
    "F.interpolate(torch.zeros(2, 3, 8), size=(2, 3))",
    "F.interpolate(torch.zeros(2, 3, 8))",
    "F.interpolate(torch.zeros(2, 3, 8), size=3, scale_factor=2)",
    "F.interpolate(torch.zeros(2, 3, 8), 3, mode='nearest', align_corners=True)",
    "F.interpolate(torch.zeros(2, 3, 8), 3, mode='linear', recompute_scale_factor=True)",
    "F.interpolate(torch.zeros(2, 3, 8), scale_factor=(2, 3))",
    "F.interpolate(torch.zeros(8), 3)",
    "F.interpolate(torch.zeros(2, 3, 8), size=0)",
    "F.interpolate(torch.zeros(2, 3, 8), 3, mode='foo')",
]


def test_interpolate_errors(gw):
    for code in INTERPOLATE_ERRORS:
        same_as_torch(gw, code)


def test_pixel_shuffle_and_padding_layers(gw):
    same_as_torch(gw, GRAD + """
        x = torch.arange(2 * 8 * 2 * 3.).reshape(2, 8, 2, 3).requires_grad_()
        y = F.pixel_shuffle(x, 2)
        print(y.detach(), grads(y, x)[0][0, 0], F.pixel_unshuffle(y, 2).equal(x), F.pixel_unshuffle(x, 1).shape,
              F.pixel_shuffle(x[0], 2).shape, F.pixel_unshuffle(torch.arange(16.).reshape(1, 4, 4), 2))
        print(nn.PixelShuffle(2)(x).shape, nn.PixelUnshuffle(2)(y).shape)
        x = torch.arange(1., 25.).reshape(1, 2, 3, 4).requires_grad_()
        for m in [nn.ZeroPad1d(2), nn.ZeroPad2d((1, 2, 0, 1)), nn.ConstantPad1d((1, 0), 3.5), nn.ConstantPad2d(1, -1.),
                  nn.ReflectionPad1d((1, 2)), nn.ReflectionPad2d(1), nn.ReplicationPad1d(3),
                  nn.ReplicationPad2d((1, 0, 2, 0)), nn.CircularPad1d(1), nn.CircularPad2d((1, 1, 2, 0))]:
            y = m(x)
            print(m, y, grads(y, x)[0])
        print(nn.ReflectionPad1d(1)(x[0]).shape, nn.ReplicationPad2d(1)(x[0]).shape, nn.ZeroPad2d(1)(x[0, 0]).shape)
    """)


SHUFFLE_AND_PAD_ERRORS = [
    "F.pixel_shuffle(torch.zeros(3, 8), 2)",
    "F.pixel_shuffle(torch.zeros(1, 5, 2, 2), 2)",
    "F.pixel_unshuffle(torch.zeros(1, 4, 3, 4), 2)",
    "F.pixel_unshuffle(torch.zeros(1, 4, 4, 3), 2)",
    "F.pixel_shuffle(torch.zeros(1, 4, 4, 3), 0)",
    "nn.ReflectionPad1d(4)(torch.zeros(1, 2, 3))",
]


def test_shuffle_and_pad_errors(gw):
    for code in SHUFFLE_AND_PAD_ERRORS:
        same_as_torch(gw, code)


def test_resizing_real_values(gw):
    torch = gw
    F = torch.nn.functional
    x = torch.tensor([[[1., 2., 4.]]], dtype=torch.float64, requires_grad=True)
    assert F.interpolate(x, 5, mode="linear", align_corners=True).tolist() == [[[1., 1.5, 2., 3., 4.]]]
    assert F.interpolate(x, scale_factor=2).tolist() == [[[1., 1., 2., 2., 4., 4.]]]
    v, i = F.adaptive_max_pool1d(torch.tensor([[[3., 1., 5., 2., 2.]]]), 2, return_indices=True)
    assert v.tolist() == [[[5., 5.]]] and i.tolist() == [[[2, 2]]]  # windows [0, 3) and [2, 5)
    assert torch.autograd.gradcheck(lambda t: F.interpolate(t, 4, mode="linear"), (x,))
    z = torch.tensor([[[[1., 2.], [3., 5.]]]], dtype=torch.float64, requires_grad=True)
    assert F.interpolate(z, (3, 3), mode="bilinear", align_corners=True).tolist()[0][0][1] == [2., 2.75, 3.5]
    assert torch.autograd.gradcheck(lambda t: F.interpolate(t, (3, 5), mode="bilinear"), (z,))
    assert F.pixel_shuffle(torch.arange(4.).reshape(1, 4, 1, 1), 2).tolist() == [[[[0., 1.], [2., 3.]]]]


# ---- losses ------------------------------------------------------------------------------------

def test_margin_losses(gw):
    same_as_torch(gw, GRAD + """
        a = torch.tensor([0.5, -1., 2., 0.3, 1.], requires_grad=True)
        b = torch.tensor([1., -0.5, 0., 0.3, 2.], requires_grad=True)
        t = torch.tensor([1., -1., 1., 1., -1.])
        for r in ['mean', 'sum', 'none']:
            y = F.margin_ranking_loss(a, b, t, margin=0.2, reduction=r)
            print(y, grads(y, a, b))
            y = F.hinge_embedding_loss(a, t, margin=0.7, reduction=r)
            print(y, grads(y, a))
            y = F.soft_margin_loss(a, t, reduction=r)
            print(y, grads(y, a))
        print(F.margin_ranking_loss(a, b, t), F.hinge_embedding_loss(a, t), nn.MarginRankingLoss(0.1)(a, b, t),
              nn.HingeEmbeddingLoss()(a, t), nn.SoftMarginLoss(reduction='sum')(a, t))
        print(nn.MarginRankingLoss(), nn.MarginRankingLoss(0.5).margin, nn.HingeEmbeddingLoss().margin,
              nn.SoftMarginLoss().reduction)
        x1 = torch.tensor([[0.5, -1., 2.], [1., -0.5, 0.], [-2., 1., 0.5], [0., 0., 0.]], requires_grad=True)
        x2 = torch.tensor([[1., 1., 2.], [1., 0.5, 0.], [2., -1., 0.5], [1., 0., 0.]], requires_grad=True)
        t = torch.tensor([1., -1., -1., 1.])
        for r in ['mean', 'sum', 'none']:
            y = F.cosine_embedding_loss(x1, x2, t, margin=0.1, reduction=r)
            print(y, grads(y, x1, x2))
        print(F.cosine_embedding_loss(x1[0], x2[0], torch.tensor(-1.)), nn.CosineEmbeddingLoss(0.5)(x1, x2, t),
              nn.CosineEmbeddingLoss())
        import warnings
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            m = nn.SoftMarginLoss(size_average=False)
            print(m.reduction, F.soft_margin_loss(torch.ones(2), torch.ones(2), reduce=False))
        print([str(w.message) for w in ws])
    """)


def test_multilabel_and_multi_margin_losses(gw):
    same_as_torch(gw, GRAD + """
        x = torch.tensor([[0.5, -1., 2., 0.3], [1., -0.5, 0., 0.3], [-2., 1., 0.5, 0.5]], requires_grad=True)
        t = torch.tensor([[1., 0., 1., 0.], [0., 0., 1., 1.], [1., 1., 0., 0.]])
        w = torch.tensor([1., 2., 0.5, 1.])
        for r in ['mean', 'sum', 'none']:
            y = F.multilabel_soft_margin_loss(x, t, reduction=r)
            print(y, grads(y, x))
            y = F.multilabel_soft_margin_loss(x, t, weight=w, reduction=r)
            print(y, grads(y, x))
        m = nn.MultiLabelSoftMarginLoss(w)
        print(m, m(x, t), list(m.named_buffers()), nn.MultiLabelSoftMarginLoss().weight)
        y = torch.tensor([0, 3, 2])
        for kw in [dict(), dict(p=2), dict(margin=0.5), dict(weight=w), dict(p=2, weight=w, margin=2.),
                   dict(reduction='sum'), dict(reduction='none'), dict(reduction='none', weight=w)]:
            l = F.multi_margin_loss(x, y, **kw)
            print(kw, l, grads(l, x))
        print(F.multi_margin_loss(x[0], y[0]), F.multi_margin_loss(x[0], y[0], reduction='none').shape,
              F.multi_margin_loss(x[0], y[:1], reduction='none').shape)
        m = nn.MultiMarginLoss(2, 0.5, w)
        print(m, m(x, y), list(m.named_buffers()), m.p, m.margin)
    """)


def test_triplet_and_nll_losses(gw):
    same_as_torch(gw, GRAD + """
        a = torch.tensor([[0.5, -1., 2.], [1., -0.5, 0.], [-2., 1., 0.5]], requires_grad=True)
        p = torch.tensor([[1., 1., 2.], [1., 0.5, 0.], [2., -1., 0.5]], requires_grad=True)
        n = torch.tensor([[0., 1., 1.], [1., -0.5, 0.1], [0., 0., 0.]], requires_grad=True)
        for kw in [dict(), dict(margin=2.), dict(p=1), dict(swap=True), dict(reduction='sum'),
                   dict(reduction='none', eps=0.1)]:
            l = F.triplet_margin_loss(a, p, n, **kw)
            print(kw, l, grads(l, a, p, n))
        m = nn.TripletMarginLoss(margin=0.5, p=1., swap=True)
        print(m, m(a, p, n), m.p, m.eps, m.swap)
        x = torch.tensor([[0.5, -1., 2.], [1., -0.5, 0.]], requires_grad=True)
        t = torch.tensor([[1., 0., 3.], [2., 5., 0.5]])
        for kw in [dict(), dict(log_input=False), dict(full=True), dict(log_input=False, full=True, eps=0.1),
                   dict(reduction='sum'), dict(reduction='none')]:
            xx = x.abs() + 0.1 if not kw.get('log_input', True) else x
            l = F.poisson_nll_loss(xx, t, **kw)
            print(kw, l, grads(l, x))
        m = nn.PoissonNLLLoss(full=True)
        print(m, m(x, t), m.log_input, m.full, m.eps)
        v = torch.tensor([[0.5, 1., 2.], [0.25, 0.5, 3.]], requires_grad=True)
        for kw in [dict(), dict(full=True), dict(eps=0.4), dict(reduction='sum'), dict(reduction='none')]:
            l = F.gaussian_nll_loss(x, t, v, **kw)
            print(kw, l, grads(l, x, v))
        print(F.gaussian_nll_loss(x, t, 2.), F.gaussian_nll_loss(x, t, torch.ones(2)),
              F.gaussian_nll_loss(x, t, torch.ones(2, 1)), F.gaussian_nll_loss(x, t, torch.ones(1, 3)))
        m = nn.GaussianNLLLoss(full=True, eps=0.01)
        print(m, m(x, t, v), m.full, m.eps)
    """)


LOSS_ERRORS = [
    "F.margin_ranking_loss(torch.ones(3), torch.ones(3), torch.ones(1, 3))",
    "F.hinge_embedding_loss(torch.ones(3), torch.ones(3), reduction='bar')",
    "F.multilabel_soft_margin_loss(torch.ones(2, 3), torch.ones(2, 3), reduction='foo')",
    "F.cosine_embedding_loss(torch.ones(3, 4), torch.ones(3, 4), torch.ones(3, 1))",
    "F.cosine_embedding_loss(torch.ones(3, 4), torch.ones(3, 4), torch.tensor(1.))",
    "F.cosine_embedding_loss(torch.ones(4), torch.ones(4), torch.ones(1))",
    "F.multi_margin_loss(torch.ones(3, 4), torch.tensor([0, 1]))",
    "F.multi_margin_loss(torch.ones(3, 4), torch.tensor([0, 1, 2]), weight=torch.ones(3))",
    "F.multi_margin_loss(torch.ones(3, 4), torch.tensor([0, 1, 2]), p=3)",
    "F.multi_margin_loss(torch.ones(3, 4), torch.tensor([0, 1, 2]), weight=torch.ones(2, 2))",
    "F.multi_margin_loss(torch.ones(3, 4), torch.tensor([0, 1, 7]))",
    "print(F.multi_margin_loss(torch.ones(3, 4).double(), torch.tensor([0, 1, 2]), reduction='none'))",
    "nn.MultiMarginLoss(weight=torch.ones(2, 2))",
    "F.triplet_margin_loss(torch.ones(3, 4), torch.ones(3, 4), torch.ones(4))",
    "F.triplet_margin_loss(torch.ones(3, 4), torch.ones(3, 4), torch.ones(3, 4), margin=0)",
    "nn.TripletMarginLoss(margin=-1)",
    "F.poisson_nll_loss(torch.ones(2), torch.ones(2), reduction='foo')",
    "F.gaussian_nll_loss(torch.ones(3, 4), torch.ones(3, 4), torch.ones(2))",
    "F.gaussian_nll_loss(torch.ones(3, 4), torch.ones(3, 4), -1.)",
    "F.gaussian_nll_loss(torch.ones(3, 4), torch.ones(3, 4), -torch.ones(3, 4))",
    "F.gaussian_nll_loss(torch.ones(3, 4), torch.ones(3, 4), torch.ones(3, 4), reduction='foo')",
    "F.soft_margin_loss(torch.ones(3, 4), torch.ones(3, 4, requires_grad=True))",
    "F.multi_margin_loss(torch.ones(3, 4), torch.tensor([0, 1, 2]), weight=torch.ones(4, requires_grad=True))",
    "with torch.no_grad(): print(F.soft_margin_loss(torch.ones(2), torch.ones(2, requires_grad=True)))",
]


def test_loss_errors(gw):
    for code in LOSS_ERRORS:
        same_as_torch(gw, code)


def test_losses_real_values(gw):
    torch = gw
    F = torch.nn.functional
    d = torch.float64
    a, b = torch.tensor([2., 0.], dtype=d), torch.tensor([1., 1.], dtype=d)
    assert F.margin_ranking_loss(a, b, torch.tensor([1., 1.], dtype=d), margin=0.5, reduction="none").tolist() == \
        [0., 1.5]
    assert F.hinge_embedding_loss(torch.tensor([0.3, 2.], dtype=d), torch.tensor([1., -1.], dtype=d),
                                  reduction="none").tolist() == [0.3, 0.]
    # class 1 is the target: the others add max(0, 1 - x[1] + x[j]) = [1.5, 0, 0], over 3 classes
    x = torch.tensor([[1., 0.5, -2.]], dtype=d, requires_grad=True)
    assert F.multi_margin_loss(x, torch.tensor([1])).item() == 0.5
    assert torch.autograd.gradcheck(lambda t: F.multi_margin_loss(t, torch.tensor([1]), p=2), (x,))
    s = F.soft_margin_loss(torch.tensor([0.], dtype=d), torch.tensor([1.], dtype=d)).item()
    assert abs(s - math.log(2)) < 1e-15
    v = torch.tensor([0.5, 2.], dtype=d, requires_grad=True)
    g = F.gaussian_nll_loss(torch.tensor([1., 1.], dtype=d), torch.tensor([0., 3.], dtype=d), v, reduction="none")
    assert [round(t, 12) for t in g.tolist()] == [round(0.5 * (math.log(0.5) + 2.), 12),
                                                  round(0.5 * (math.log(2.) + 2.), 12)]
    assert torch.autograd.gradcheck(
        lambda p, q: F.triplet_margin_loss(p, q, torch.zeros(2, 3, dtype=d), margin=3.),
        (torch.tensor([[0.3, -1., 2.], [1., 0.5, 0.2]], dtype=d, requires_grad=True),
         torch.tensor([[1., 0.1, 0.4], [-0.5, 0.5, 1.]], dtype=d, requires_grad=True)))


# ---- transposed convolution, fold / unfold -------------------------------------------------------

CONVT_SETUP = GRAD + """
    x = ((torch.arange(2 * 4 * 3 * 4.) * 7) % 11 - 5).reshape(2, 4, 3, 4).requires_grad_()
    w = ((torch.arange(4 * 3 * 3 * 2.) * 5) % 7 - 3).div(4).reshape(4, 3, 3, 2).requires_grad_()
    b = torch.tensor([0.5, -1., 2.], requires_grad=True)
"""


@pytest.mark.parametrize("kw", ["", "stride=2", "stride=(2, 3), padding=1", "stride=2, output_padding=1",
                                "padding=(2, 1)", "stride=3, padding=1, output_padding=(2, 1), dilation=2"])
def test_conv_transpose2d(gw, kw):
    same_as_torch(gw, with_setup(CONVT_SETUP, f"""
        y = F.conv_transpose2d(x, w, b, {kw})
        print(y.shape, y.grad_fn, y, [g.sum() for g in grads(y, x, w, b)])
    """))


def test_conv_transpose_groups_1d_and_modules(gw):
    same_as_torch(gw, with_setup(CONVT_SETUP, """
        wg = w[:, :1].detach().clone().requires_grad_()
        y = F.conv_transpose2d(x, wg, groups=2, stride=2)
        print(y, [g.sum() for g in grads(y, x, wg)], F.conv_transpose2d(x[0], w, b).shape)
        print(F.conv_transpose2d(x, w, dilation=2, padding=3).shape)
        s = ((torch.arange(2 * 2 * 5.) * 7) % 11 - 5).reshape(2, 2, 5).requires_grad_()
        k = ((torch.arange(2 * 3 * 3.) * 5) % 7 - 3).div(4).reshape(2, 3, 3).requires_grad_()
        for kw in [dict(), dict(stride=2), dict(stride=3, padding=2, output_padding=1), dict(dilation=2)]:
            y = F.conv_transpose1d(s, k, **kw)
            print(kw, y, grads(y, s, k))
        print(F.conv_transpose1d(s, k[:1], groups=2, stride=2), F.conv_transpose1d(s[0], k).shape)
        print(nn.ConvTranspose2d(4, 6, 3), nn.ConvTranspose2d(4, 6, (3, 2), stride=2, padding=1, output_padding=1,
              groups=2, bias=False, dilation=2), nn.ConvTranspose1d(2, 3, 4, stride=2),
              nn.ConvTranspose1d(2, 4, 4, output_padding=1, stride=2, groups=2))
        m = nn.ConvTranspose2d(4, 6, 3, groups=2)
        print(m.weight.shape, m.bias.shape, m.transposed, m.output_padding, [n for n, _ in m.named_parameters()])
        m = nn.ConvTranspose2d(4, 3, 3, stride=2)
        z = torch.zeros(1, 4, 5, 5)
        print(m(z).shape, m(z, output_size=(12, 12)).shape, m(z, output_size=[1, 3, 11, 12]).shape,
              m(z[0], output_size=(12, 11)).shape, m(z).grad_fn)
        print(nn.ConvTranspose1d(4, 2, 3, stride=3)(torch.zeros(2, 4, 5), output_size=[17]).shape)
        m = nn.ConvTranspose2d(4, 3, 3)
        print(bool(m.weight.abs().max() <= 1 / 27 ** 0.5), bool(m.bias.abs().max() <= 1 / 27 ** 0.5))
    """))


CONV_TRANSPOSE_ERRORS = [
    "F.conv_transpose2d(torch.zeros(1, 4, 5, 5), torch.zeros(5, 3, 3, 3))",
    "F.conv_transpose2d(torch.zeros(1, 4, 5, 5), torch.zeros(4, 3, 3, 3), groups=3)",
    "F.conv_transpose2d(torch.zeros(1, 4, 5, 5), torch.zeros(4, 3, 3, 3), stride=2, output_padding=2)",
    "F.conv_transpose2d(torch.zeros(5, 5), torch.zeros(4, 3, 3, 3))",
    "F.conv_transpose2d(torch.zeros(1, 4, 5, 5), torch.zeros(4, 3, 3, 3), torch.ones(2))",
    "F.conv_transpose1d(torch.zeros(5, 5), torch.zeros(4, 3, 3))",
    "F.conv_transpose1d(torch.zeros(2, 5), torch.zeros(1, 3, 3), groups=2)",
    "F.conv_transpose2d(torch.zeros(1, 4, 5, 5), torch.zeros(4, 3, 3, 3), padding=5)",
    "nn.ConvTranspose2d(4, 3, 3, padding_mode='reflect')",
    "nn.ConvTranspose2d(4, 3, 3, groups=3)",
    "nn.ConvTranspose2d(4, 3, 3, stride=2)(torch.zeros(1, 4, 5, 5), output_size=(13, 12))",
    "nn.ConvTranspose2d(4, 3, 3, stride=2)(torch.zeros(1, 4, 5, 5), output_size=(13,))",
]


def test_conv_transpose_errors(gw):
    for code in CONV_TRANSPOSE_ERRORS:
        same_as_torch(gw, code)


def test_fold_unfold(gw):
    same_as_torch(gw, GRAD + """
        x = ((torch.arange(2 * 2 * 4 * 5.) * 7) % 11 - 5).reshape(2, 2, 4, 5).requires_grad_()
        for kw in [dict(kernel_size=2), dict(kernel_size=(2, 3), padding=1, stride=(2, 1), dilation=(1, 2)),
                   dict(kernel_size=3, stride=2, padding=(0, 1))]:
            y = F.unfold(x, **kw)
            print(kw, y.detach(), grads(y, x)[0])
            z = F.fold(F.unfold(x, **kw), (4, 5), **kw)
            print(z.detach(), grads(z, x)[0])
        print(F.unfold(x[0], 2).shape, F.fold(F.unfold(x[0], 2), (4, 5), 2).shape, nn.Unfold(2)(x).shape,
              nn.Fold((4, 5), 2)(nn.Unfold(2)(x)).shape)
        print(nn.Unfold(2), nn.Unfold((2, 3), 2, 1, 2), nn.Fold((4, 5), 2), nn.Fold(4, 2, stride=2))
    """)


FOLD_UNFOLD_ERRORS = [
    "F.unfold(torch.zeros(1, 2, 4, 5), 6)",
    "F.unfold(torch.zeros(1, 2, 4, 5), 0)",
    "F.unfold(torch.zeros(1, 2, 4, 5), 2, stride=0)",
    "F.unfold(torch.zeros(1, 2, 4, 5), 2, padding=-1)",
    "F.fold(torch.zeros(1, 7, 12), (4, 5), 2)",
    "F.fold(torch.zeros(1, 8, 10), (4, 5), 2)",
    "F.fold(torch.zeros(8, 12, 2, 2), (4, 5), 2)",
    "F.fold(torch.zeros(1, 8, 12), 4, 2)",
]


def test_fold_unfold_errors(gw):
    for code in FOLD_UNFOLD_ERRORS:
        same_as_torch(gw, code)


def test_conv_transpose_and_fold_real_values(gw):
    torch = gw
    F = torch.nn.functional
    d = torch.float64
    # a 1x1 input spreads the kernel; stride 2 places the kernel copies two apart, summing where they overlap
    y = F.conv_transpose1d(torch.tensor([[[1., 10.]]], dtype=d), torch.tensor([[[1., 2., 3.]]], dtype=d), stride=2)
    assert y.tolist() == [[[1., 2., 13., 20., 30.]]]
    x = torch.tensor([[[[1., 2.], [3., 4.]]]], dtype=d, requires_grad=True)
    w = torch.tensor([[[[1., -1.], [0.5, 2.]]]], dtype=d, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: F.conv_transpose2d(a, b, stride=2, padding=1, output_padding=1),
                                    (x, w))
    cols = F.unfold(x, 2, padding=1)
    assert cols.shape == (1, 4, 9) and cols[0, :, 4].tolist() == [1., 2., 3., 4.]
    assert F.fold(cols, (2, 2), 2, padding=1).tolist() == [[[[4., 8.], [12., 16.]]]]  # each pixel in 4 blocks
    assert torch.autograd.gradcheck(lambda a: F.fold(F.unfold(a, 2, padding=1), (2, 2), 2, padding=1), (x,))


# ---- attention and the transformer encoder -------------------------------------------------------

def test_scaled_dot_product_attention(gw):
    same_as_torch(gw, GRAD + """
        q = ((torch.arange(2 * 2 * 3 * 4.) * 7) % 11 - 5).div(4).reshape(2, 2, 3, 4).requires_grad_()
        k = ((torch.arange(2 * 2 * 5 * 4.) * 5) % 13 - 6).div(4).reshape(2, 2, 5, 4).requires_grad_()
        v = ((torch.arange(2 * 2 * 5 * 4.) * 3) % 7 - 3).div(2).reshape(2, 2, 5, 4).requires_grad_()
        m = torch.tensor([[True, False, True, True, False], [True, True, True, False, False],
                          [False, True, True, True, True]])
        for kw in [dict(), dict(scale=0.3), dict(attn_mask=m), dict(attn_mask=m.float() * -2.)]:
            y = F.scaled_dot_product_attention(q, k, v, **kw)
            print(kw, y.detach(), [g.sum() for g in grads(y, q, k, v)])
        y = F.scaled_dot_product_attention(q, k[:, :, :3], v[:, :, :3], is_causal=True)
        print(y.detach(), [g.sum() for g in grads(y, q, v)])
    """)


MHA_SETUP = """
    def make(**kw):
        m = nn.MultiheadAttention(4, 2, **kw)
        with torch.no_grad():
            m.in_proj_weight.copy_(((torch.arange(48.) * 7) % 11 - 5).div(8).reshape(12, 4))
            m.in_proj_bias.copy_(torch.arange(12.) / 10 - 0.5)
            m.out_proj.weight.copy_(((torch.arange(16.) * 5) % 7 - 3).div(4).reshape(4, 4))
            m.out_proj.bias.copy_(torch.tensor([0.1, -0.2, 0.3, 0.]))
        return m
    x = ((torch.arange(3 * 2 * 4.) * 7) % 11 - 5).div(4).reshape(3, 2, 4).requires_grad_()
    kv = ((torch.arange(5 * 2 * 4.) * 5) % 13 - 6).div(4).reshape(5, 2, 4)
"""


def test_multihead_attention(gw):
    same_as_torch(gw, with_setup(MHA_SETUP, """
        mha = nn.MultiheadAttention(4, 2)
        print(mha, [(n, p.shape) for n, p in mha.named_parameters()], mha.bias_k, mha.head_dim, mha._qkv_same_embed_dim)
        print(nn.MultiheadAttention(4, 2, kdim=3, vdim=5, bias=False, add_bias_kv=True),
              [(n, p.shape) for n, p in nn.MultiheadAttention(4, 2, kdim=3, vdim=5, add_bias_kv=True).named_parameters()])
        print(mha.in_proj_bias, mha.out_proj.bias, bool(mha.in_proj_weight.abs().max() <= (6 / 16) ** 0.5))
        mha = make()
        o, w = mha(x, x, x)
        print(o, w, torch.autograd.grad(o.sum() + w.pow(2).sum(), (x, mha.in_proj_weight)))
        o, w = mha(x, kv, kv, average_attn_weights=False); print(o, w.shape)
        o, w = mha(x, kv, kv, need_weights=False); print(o, w)
        am = torch.tensor([[False, True, False, False, True], [False, False, False, True, True],
                           [True, False, False, False, False]])
        kpm = torch.tensor([[False, False, False, False, True], [True, False, False, False, False]])
        print(mha(x, kv, kv, attn_mask=am)[0], mha(x, kv, kv, key_padding_mask=kpm)[1],
              mha(x, kv, kv, attn_mask=am, key_padding_mask=kpm, need_weights=False)[0])
        print(mha(x[:, 0], kv[:, 0], kv[:, 0])[1].shape, mha(x[:, 0], kv[:, 0], kv[:, 0])[0].shape)
        cm = torch.triu(torch.full((3, 3), float('-inf')), 1)
        print(mha(x, x, x, attn_mask=cm, is_causal=True)[0], mha(x, x, x, attn_mask=cm, is_causal=True, need_weights=False)[0])
        bf = make(batch_first=True)
        print(bf(x.transpose(0, 1), kv.transpose(0, 1), kv.transpose(0, 1))[0].shape)
        mha.eval(); print(mha(x, x, x)[0])
    """))


ATTENTION_ERRORS = [
    "nn.MultiheadAttention(5, 2)",
    "nn.MultiheadAttention(4, 2)(torch.zeros(3, 2, 4), torch.zeros(3, 2, 4), torch.zeros(3, 2, 4), "
    "attn_mask=torch.zeros(2, 2))",
    "nn.MultiheadAttention(4, 2)(torch.zeros(3, 2, 4), torch.zeros(3, 2, 4), torch.zeros(3, 2, 4), is_causal=True)",
    "nn.TransformerEncoderLayer(4, 2, activation='tanh')",
]


def test_attention_errors(gw):
    for code in ATTENTION_ERRORS:
        same_as_torch(gw, code)


def test_transformer_encoder(gw):
    same_as_torch(gw, """
        layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=8)
        print(layer, layer.activation_relu_or_gelu, [(n, p.shape) for n, p in layer.named_parameters()])
        print(nn.TransformerEncoderLayer(4, 2, 8, activation='gelu', norm_first=True, batch_first=True,
                                         bias=False).activation_relu_or_gelu)
        print(nn.TransformerEncoderLayer(4, 2, 8, activation=nn.GELU()))
        import warnings
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            enc = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(4))
            nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 8, batch_first=True), 3, enable_nested_tensor=False)
        print([str(w.message) for w in ws])
        print(enc, len(enc.layers), enc.num_layers, enc.use_nested_tensor, len(list(enc.parameters())))
        print(enc.layers[0].linear1.weight is not layer.linear1.weight,
              bool((enc.layers[1].linear1.weight == layer.linear1.weight).all()))
        def fill(m):
            with torch.no_grad():
                for i, (n, p) in enumerate(sorted(m.named_parameters())):
                    p.copy_(((torch.arange(p.numel()) * (7 + i)) % 11 - 5).div(10.).reshape(p.shape))
            return m
        layer = fill(nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, dropout=0.))
        x = ((torch.arange(3 * 2 * 4.) * 7) % 11 - 5).div(4).reshape(3, 2, 4).requires_grad_()
        y = layer(x)
        print(y, torch.autograd.grad(y.pow(2).sum(), (x, layer.linear1.weight, layer.self_attn.in_proj_weight)))
        kpm = torch.tensor([[False, False, True], [False, False, False]])
        print(layer(x, src_mask=torch.triu(torch.full((3, 3), float('-inf')), 1)), layer(x, src_key_padding_mask=kpm))
        ln = fill(nn.TransformerEncoderLayer(4, 2, 8, dropout=0., activation='gelu', norm_first=True, batch_first=True))
        print(ln(x.transpose(0, 1)))
        enc = nn.TransformerEncoder(layer, 2, norm=fill(nn.LayerNorm(4)), enable_nested_tensor=False)
        y = enc(x, mask=torch.triu(torch.full((3, 3), float('-inf')), 1))
        print(y, torch.autograd.grad(y.sum(), x))
        layer.eval(); enc.eval(); print(layer(x), enc(x))
    """)


def test_attention_real_values(gw):
    torch = gw
    F = torch.nn.functional
    d = torch.float64
    q = torch.tensor([[[1., 0.], [0., 1.]]], dtype=d, requires_grad=True)
    k = torch.tensor([[[1., 0.], [0., 1.], [1., 1.]]], dtype=d, requires_grad=True)
    v = torch.tensor([[[1., 2.], [3., 4.], [5., 6.]]], dtype=d, requires_grad=True)
    s = 1 / math.sqrt(2)
    e = [math.exp(s), 1., math.exp(s)]  # query 0 scores s, 0, s
    want = [sum(w * r for w, r in zip(e, col)) / sum(e) for col in ([1., 3., 5.], [2., 4., 6.])]
    got = F.scaled_dot_product_attention(q, k, v)[0, 0].tolist()
    assert all(abs(a - b) < 1e-12 for a, b in zip(got, want))
    causal = F.scaled_dot_product_attention(q, k[:, :2], v[:, :2], is_causal=True)
    assert causal[0, 0].tolist() == [1., 2.]  # the first query sees only the first key
    assert torch.autograd.gradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c), (q, k, v))


def test_transformer_decoder_and_transformer(gw):
    same_as_torch(gw, """
        import warnings
        warnings.simplefilter("ignore")
        def fill(m):
            with torch.no_grad():
                for i, (n, p) in enumerate(sorted(m.named_parameters())):
                    p.copy_(((torch.arange(p.numel()) * (7 + i)) % 11 - 5).div(10.).reshape(p.shape))
            return m
        dl = nn.TransformerDecoderLayer(4, 2, 8)
        print(dl, [(n, p.shape) for n, p in dl.named_parameters()][:4], dl.activation is F.relu)
        dec = nn.TransformerDecoder(dl, 2, nn.LayerNorm(4)); print(dec, len(list(dec.parameters())))
        t = nn.Transformer(8, 2, 1, 2, 16); print(t, len(list(t.parameters())), t.d_model, t.nhead)
        print(nn.Transformer.generate_square_subsequent_mask(3),
              nn.Transformer.generate_square_subsequent_mask(2, dtype=torch.float64))
        x = ((torch.arange(3 * 2 * 4.) * 7) % 11 - 5).div(4).reshape(3, 2, 4).requires_grad_()
        mem = ((torch.arange(5 * 2 * 4.) * 5) % 13 - 6).div(4).reshape(5, 2, 4).requires_grad_()
        dl = fill(nn.TransformerDecoderLayer(4, 2, 8, dropout=0.))
        y = dl(x, mem)
        print(y, [g.sum() for g in torch.autograd.grad(y.pow(2).sum(), (x, mem))])
        cm = nn.Transformer.generate_square_subsequent_mask(3)
        print(dl(x, mem, tgt_mask=cm), dl(x, mem, tgt_mask=cm, tgt_is_causal=True),
              dl(x, mem, memory_key_padding_mask=torch.tensor([[False] * 4 + [True], [False] * 5])))
        dl2 = fill(nn.TransformerDecoderLayer(4, 2, 8, dropout=0., norm_first=True, activation='gelu', batch_first=True))
        print(dl2(x.transpose(0, 1), mem.transpose(0, 1)))
        print(nn.TransformerDecoder(dl, 2, fill(nn.LayerNorm(4)))(x, mem, tgt_mask=cm))
        tr = fill(nn.Transformer(4, 2, 1, 1, 8, dropout=0.))
        y = tr(mem, x, tgt_mask=cm)
        print(y, [g.sum() for g in torch.autograd.grad(y.sum(), (x, mem))])
        for src, tgt in [(torch.zeros(5, 2, 4), torch.zeros(3, 3, 4)), (torch.zeros(5, 2, 4), torch.zeros(3, 2, 5))]:
            try:
                tr(src, tgt)
            except RuntimeError as e:
                print(e)
    """)


# ---- float64: values and gradients to 1e-10 of torch's (the constants torch's kernels round included) ------

F64_CASES = {
    "mish": (lambda L, x: L.nn.functional.mish(x), [(4, 5)]),
    "hardswish": (lambda L, x: L.nn.functional.hardswish(x * 3), [(4, 5)]),
    "hardsigmoid": (lambda L, x: L.nn.functional.hardsigmoid(x * 3), [(4, 5)]),
    "selu": (lambda L, x: L.nn.functional.selu(x), [(4, 5)]),
    "celu": (lambda L, x: L.nn.functional.celu(x, 0.3), [(4, 5)]),
    "glu": (lambda L, x: L.nn.functional.glu(x, 0), [(4, 5)]),
    "prelu": (lambda L, x, w: L.nn.functional.prelu(x, w), [(2, 3, 4), (3,)]),
    "group_norm": (lambda L, x, w, b: L.nn.functional.group_norm(x, 3, w, b, 1e-3), [(2, 6, 5), (6,), (6,)]),
    "multi_margin": (lambda L, x: L.nn.functional.multi_margin_loss(
        x, L.tensor([1, 0, 4, 2]), weight=L.tensor([1., 2., .5, 1., 3.], dtype=L.float64), reduction="sum"), [(4, 5)]),
    "soft_margin": (lambda L, x, t: L.nn.functional.soft_margin_loss(x, t.detach().sign()), [(4, 5), (4, 5)]),
    "instance_norm": (lambda L, x, w, b: L.nn.functional.instance_norm(x, weight=w, bias=b), [(2, 3, 6), (3,), (3,)]),
    "sdpa": (lambda L, q, k, v: L.nn.functional.scaled_dot_product_attention(q, k, v), [(2, 3, 4), (2, 5, 4), (2, 5, 4)]),
    "conv_transpose2d": (lambda L, x, w: L.nn.functional.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1),
                         [(2, 4, 3, 3), (4, 2, 3, 3)]),
    "interpolate_bilinear": (lambda L, x: L.nn.functional.interpolate(x, (5, 7), mode="bilinear"), [(1, 2, 3, 4)]),
}


@pytest.mark.parametrize("name", list(F64_CASES))
def test_float64_values_and_gradients_match_torch(gw, name):
    torch = pytest.importorskip("torch")
    np = pytest.importorskip("numpy")
    fn, shapes = F64_CASES[name]
    rs = np.random.RandomState(0)
    arrays = [rs.randn(*s) for s in shapes]

    def run(lib):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        y = fn(lib, *xs)
        w = lib.tensor(np.random.RandomState(1).randn(*tuple(y.shape)))
        grads = lib.autograd.grad((y * w).sum(), xs, allow_unused=True)
        return [np.array(y.tolist())] + [np.array(g.tolist()) for g in grads if g is not None]

    for want, got in zip(run(torch), run(gw)):
        assert np.allclose(want, got, rtol=1e-10, atol=1e-12), (name, float(np.abs(want - got).max()))
