"""gradcheck (float64) for every differentiable op, broadcasting and ranks included."""
import pytest

import gradwire.engine as E
from gradwire.engine.ops.decompositions import linalg_svd
from gradwire.engine.autograd import Function, GradcheckError, gradcheck, gradgradcheck

pytestmark = pytest.mark.timeout(60)

GEN = E.Generator(seed=1234)


def rnd(*shape, positive=False):
    t = E.randn(*shape, dtype=E.float64, generator=GEN)
    if positive:
        t = t.exp()  # strictly positive, still a leaf after detach
    return t.detach().requires_grad_()


BROADCAST = [((3, 1), (1, 4)), ((2, 3), (3,)), ((3,), (2, 3)), ((), (2, 3)), ((2, 3), ()), ((2, 3), (2, 3)),
             ((4, 1, 3), (2, 1))]


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "rsub"])
@pytest.mark.parametrize("sa,sb", BROADCAST)
def test_binary_broadcast(op, sa, sb):
    a, b = rnd(*sa), rnd(*sb, positive=(op == "div"))
    fn = getattr(E, op)
    assert gradcheck(fn, (a, b))
    assert a.grad is None and b.grad is None


@pytest.mark.parametrize("alpha", [2, -0.5])
def test_add_sub_alpha(alpha):
    a, b = rnd(2, 3), rnd(3)
    assert gradcheck(lambda x, y: E.add(x, y, alpha=alpha), (a, b))
    assert gradcheck(lambda x, y: E.sub(x, y, alpha=alpha), (a, b))


@pytest.mark.parametrize("scalar", [2.5, 3, -1])
def test_scalar_on_either_side(scalar):
    a = rnd(2, 3, positive=True)
    fns = [lambda x: x + scalar, lambda x: scalar + x, lambda x: x - scalar, lambda x: scalar - x,
           lambda x: x * scalar, lambda x: scalar * x, lambda x: x / scalar, lambda x: scalar / x,
           lambda x: x ** scalar, lambda x: abs(scalar) ** x]
    for fn in fns:
        assert gradcheck(fn, (a,))


def test_unary():
    a = rnd(2, 3)
    p = rnd(2, 3, positive=True)
    assert gradcheck(E.neg, (a,))
    assert gradcheck(E.exp, (a,))
    assert gradcheck(E.log, (p,))
    assert gradcheck(E.reciprocal, (p,))
    assert gradcheck(lambda x: -x, (a,))


@pytest.mark.parametrize("sa,sb", [((2, 3), (2, 3)), ((3, 1), (1, 4)), ((2, 3), (3,)), ((), (3,))])
def test_pow_tensor_exponent(sa, sb):
    base, expo = rnd(*sa, positive=True), rnd(*sb)
    assert gradcheck(E.pow, (base, expo))
    assert gradcheck(lambda e: E.pow(2.0, e), (expo,))
    assert gradcheck(lambda e: 3 ** e, (expo,))


@pytest.mark.parametrize("p", [0, 1, 2, 3, 0.5, -1.5])
def test_pow_scalar_exponent(p):
    assert gradcheck(lambda x: x ** p, (rnd(4, positive=True),))


@pytest.mark.parametrize("red", ["sum", "mean"])
def test_reductions_every_dim(red):
    a = rnd(2, 3, 4)
    f = getattr(E, red)
    assert gradcheck(lambda x: f(x), (a,))
    for dim in (0, 1, 2, -1, (0, 2), (0, 1, 2)):
        for keepdim in (False, True):
            assert gradcheck(lambda x: f(x, dim, keepdim), (a,)), (dim, keepdim)
    assert gradcheck(lambda x: getattr(x, red)(dim=1, keepdim=True), (a,))


def test_sum_dtype_and_scalar_input():
    a = E.randn(3, generator=GEN).requires_grad_()
    out = a.sum(dtype=E.float64)
    assert out.dtype is E.float64
    out.backward()
    assert a.grad.dtype is E.float32 and a.grad.tolist() == [1.0, 1.0, 1.0]
    s = rnd()
    assert gradcheck(lambda x: x.sum(0), (s,))


MATMUL = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)), ((4, 2, 3), (3,)), ((3,), (4, 3, 2)),
          ((4, 2, 3), (3, 2)), ((2, 3), (4, 3, 2)), ((4, 2, 3), (4, 3, 2)), ((5, 1, 2, 3), (4, 3, 2)),
          ((4, 2, 3), (1, 3, 2))]


@pytest.mark.parametrize("sa,sb", MATMUL)
def test_matmul_ranks(sa, sb):
    a, b = rnd(*sa), rnd(*sb)
    assert gradcheck(E.matmul, (a, b))
    assert gradcheck(lambda x, y: x @ y, (a, b))


def test_shape_ops():
    a = rnd(2, 3)
    assert gradcheck(lambda x: x.reshape(3, 2), (a,))
    assert gradcheck(lambda x: x.view(-1), (a,))
    assert gradcheck(lambda x: x.t(), (a,))
    assert gradcheck(lambda x: x.transpose(0, 1) * 2, (a,))
    assert gradcheck(lambda x: x.expand(4, 2, 3), (a,))
    assert gradcheck(lambda x: x.reshape(2, 3, 1).expand(2, 3, 5), (a,))
    assert gradcheck(lambda x: x.clone(), (a,))
    assert gradcheck(lambda x: x.to(E.float32).to(E.float64), (a,), eps=1e-2, atol=1e-3, rtol=1e-2)


def test_composite_graph_reuses_inputs():
    a, b = rnd(3, 3), rnd(3)
    assert gradcheck(lambda x, y: ((x @ y) * x.sum(0) + (x * x).mean()).exp().sum(), (a, b))


def test_gradgradcheck():
    a, b = rnd(2, 3), rnd(3, positive=True)
    assert gradgradcheck(lambda x, y: (x * y).exp(), (a, b))
    assert gradgradcheck(lambda x, y: x ** y, (a.exp().detach().requires_grad_(), b))
    assert gradgradcheck(lambda x, y: x @ y, (a, b))
    assert gradgradcheck(lambda x: x.log().sum() / x.mean(), (b,))


class WrongDouble(Function):
    """Doubles its input, but claims the derivative is 3."""

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return grad * 3


class RightDouble(WrongDouble):
    @staticmethod
    def backward(ctx, grad):
        return grad * 2


def test_gradcheck_catches_wrong_backward():
    x = rnd(2)
    assert gradcheck(RightDouble.apply, (x,))
    with pytest.raises(GradcheckError) as info:
        gradcheck(WrongDouble.apply, (x,))
    assert isinstance(info.value, RuntimeError)
    msg = str(info.value)
    assert msg.startswith("Jacobian mismatch for output 0 with respect to input 0,\nnumerical:")
    assert "\nanalytical:" in msg
    assert gradcheck(WrongDouble.apply, (x,), raise_exception=False) is False


def test_gradcheck_catches_subtly_wrong_broadcast_gradient():
    class NoReduce(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, grad):
            return grad, grad.mean(0)  # should be a sum over the broadcast dim

    with pytest.raises(GradcheckError):
        gradcheck(NoReduce.apply, (rnd(3, 2), rnd(2)))


def test_gradcheck_warns_on_single_precision():
    x = E.randn(3, requires_grad=True, generator=GEN)
    with pytest.warns(UserWarning, match="Input #0 requires gradient and is not a double precision"):
        gradcheck(lambda t: t * 2, (x,), eps=1e-3, atol=1e-2)


def test_gradcheck_needs_an_input_requiring_grad():
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        gradcheck(lambda t: t * 2, (E.randn(3, dtype=E.float64),))


# ---- ops added later: one table, gradcheck and gradgradcheck in float64 ----------------------

IDX = E.tensor([[2, 0, 1], [0, 1, 2]])
VEC_IDX = E.tensor([2, 0])

def _well(a):
    """A square (batch of) matrix plus 4 I: invertible and well conditioned for random inputs."""
    n = a.shape[-1]
    return a + E.tensor([[4.0 * (i == j) for j in range(n)] for i in range(n)], dtype=E.float64)


def _sym(a):
    return a + a.mT


def _spd(a):
    """a a^T + 3 I: symmetric positive definite."""
    return E.matmul(a, a.mT) + E.eye(a.shape[-1], dtype=E.float64) * 3


# name -> (fn, input shapes): inputs are random float64 leaves
ADDED_OPS = {
    "atan2": (lambda a, b: E.atan2(a, b.abs() + 0.5), [(3, 4), (4,)]),
    "hypot": (lambda a, b: E.hypot(a, b.abs() + 0.5), [(3, 4), (4,)]),
    "hardtanh": (lambda x: E.nn.functional.hardtanh(x * 2, -0.7, 0.9) * x, [(3, 4)]),
    "logsigmoid": (lambda x: E.nn.functional.logsigmoid(x * 3), [(3, 4)]),
    "softsign": (lambda x: E.nn.functional.softsign(x), [(3, 4)]),
    "mv": (lambda m, v: E.mv(m, v), [(3, 4), (4,)]),
    # div with a rounding_mode: None is the true quotient (DivBackward2); the rounded ones have zero
    # derivatives, which gradcheck confirms away from the jumps (quotients within 2.5 +- 0.1)
    "div_rounding_none": (lambda a, b: E.div(a, b.abs() + 1, rounding_mode=None), [(3, 4), (4,)]),
    "div_rounding_trunc": (lambda a, b: E.div(a * 0.01 - 5, b * 0.001 + 2, rounding_mode="trunc") + a,
                           [(3, 4), (4,)]),
    "div_rounding_floor": (lambda a, b: E.div(a * 0.01 + 5, b * 0.001 + 2, rounding_mode="floor") * a,
                           [(3, 4), (4,)]),
    "frac": (lambda x: E.frac(x * 3), [(3, 4)]),
    "trunc": (lambda x: E.trunc(x * 3) + x, [(3, 4)]),
    "lerp_scalar": (lambda a, b: E.lerp(a, b, 0.3), [(3, 4), (4,)]),
    "lerp_tensor": (lambda a, b, w: E.lerp(a, b, w), [(3, 4), (3, 4), (3, 1)]),
    "addmm": (lambda b, m1, m2: E.addmm(b, m1, m2, beta=0.5, alpha=2.0), [(4,), (3, 5), (5, 4)]),
    "addmv": (lambda b, m, v: E.addmv(b, m, v, beta=0.5, alpha=2.0), [(3,), (3, 4), (4,)]),
    "addr": (lambda b, u, v: E.addr(b, u, v, beta=0.5, alpha=2.0), [(4,), (3,), (4,)]),
    "baddbmm": (lambda b, x, y: E.baddbmm(b, x, y, beta=0.5, alpha=2.0), [(3, 5), (2, 3, 4), (2, 4, 5)]),
    "addbmm": (lambda b, x, y: E.addbmm(b, x, y, beta=0.5, alpha=2.0), [(3, 5), (2, 3, 4), (2, 4, 5)]),
    "vdot": (lambda a, b: E.vdot(a, b), [(5,), (5,)]),
    "addcmul": (lambda a, b, c: E.addcmul(a, b, c, value=0.5), [(3, 4), (4,), (3, 1)]),
    "addcdiv": (lambda a, b, c: E.addcdiv(a, b, c.exp() + 1, value=2.0), [(3, 4), (3, 4), (4,)]),
    "cumprod_with_zeros": (lambda x: E.cumprod(x * E.tensor([1., 0., 1., 1.], dtype=E.float64), 1), [(3, 4)]),
    "unbind": (lambda x: E.unbind(x, 1), [(3, 4)]),
    # ops torch records as one node of their own (engine/ops/named.py)
    "pixel_shuffle": (lambda x: E.OPS["pixel_shuffle"](x, 2), [(2, 8, 3, 2)]),
    "pixel_unshuffle": (lambda x: E.OPS["pixel_unshuffle"](x, 2), [(2, 2, 4, 6)]),
    "channel_shuffle": (lambda x: E.OPS["channel_shuffle"](x, 3), [(2, 6, 3)]),
    "im2col": (lambda x: E.OPS["im2col"](x, (2, 3), (1, 2), (1, 1), (2, 1)), [(2, 3, 5, 6)]),
    "col2im": (lambda x: E.OPS["col2im"](x, (4, 5), (2, 2), (1, 1), (0, 1), (1, 2)), [(2, 12, 9)]),
    "pack_padded_sequence": (lambda x: E.OPS["_pack_padded_sequence"](x, [4, 2, 1], True), [(3, 4, 2)]),
    "adaptive_max_pool2d": (lambda x: E.OPS["adaptive_max_pool2d"](x, (3, 2))[0], [(2, 3, 7, 5)]),
    "upsample_nearest2d": (lambda x: E.OPS["upsample"](x, [7, 3], None, "nearest", None), [(2, 3, 4, 5)]),
    "upsample_linear1d": (lambda x: E.OPS["upsample"](x, [7], [1.5], "linear", False), [(2, 3, 5)]),
    "upsample_bilinear2d": (lambda x: E.OPS["upsample"](x, [7, 3], None, "bilinear", True), [(2, 3, 4, 5)]),
    "upsample_bicubic2d": (lambda x: E.OPS["upsample"](x, [7, 3], None, "bicubic", False), [(1, 2, 4, 5)]),
    "upsample_trilinear3d": (lambda x: E.OPS["upsample"](x, [4, 3, 5], None, "trilinear", False), [(1, 2, 2, 3, 4)]),
    "aminmax": (lambda x: E.aminmax(x, dim=1), [(3, 4)]),
    "dist": (lambda a, b: E.dist(a, b, 3), [(3, 4), (4,)]),
    "dist_2": (lambda a, b: E.dist(a, b), [(3, 4), (4,)]),
    "pdist": (lambda x: E.OPS["pdist"](x, 2), [(5, 3)]),
    "pdist_3": (lambda x: E.OPS["pdist"](x, 3), [(5, 3)]),
    "norm_dim": (lambda x: E.OPS["_norm_dim"](x, 3, 1, True), [(3, 4)]),
    "mul_scalar": (lambda x: E.OPS["_mul_scalar"](x, 1.5), [(3, 4)]),
    "block_diag": (lambda a, b, c: E.block_diag(a, b, c), [(2, 3), (4,), ()]),
    "fill_tensor": (lambda x, v: E.fill(x, v) * x, [(3, 4), ()]),
    "eq_": (lambda x, y: (x * 1).eq_(y) * x + y, [(3, 4), (4,)]),
    "index_fill_tensor": (lambda x, v: E.index_fill(x, 1, E.tensor([0, 2]), v) * x, [(3, 4), ()]),
    # in-place views of a non-leaf (the result is the same tensor, with its history rebased)
    "transpose_": (lambda x: (x * 1).transpose_(0, 2) * E.arange(24.0, dtype=E.float64).reshape(4, 3, 2), [(2, 3, 4)]),
    "t_": (lambda x: (x * 1).t_().exp(), [(3, 4)]),
    "squeeze_": (lambda x: (x * 1).squeeze_((0, 2)).sin(), [(1, 3, 1)]),
    "unsqueeze_": (lambda x: (x * 1).unsqueeze_(1) * x.reshape(3, 1, 4)[:, :, :1], [(3, 4)]),
    "rot90": (lambda x: E.rot90(x, 1, (2, 0)), [(2, 3, 4)]),
    "max_pool2d_ceil": (lambda x: E.nn.conv.max_pool2d(x, 2, ceil_mode=True, return_indices=True)[0],
                        [(1, 2, 5, 5)]),
    "avg_pool2d_ceil": (lambda x: E.nn.conv.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
                        [(1, 2, 6, 5)]),
    "rot90_k3": (lambda x: E.rot90(x, -1, (0, 1)), [(3, 4)]),
    "unbind_one_output": (lambda x: E.unbind(x)[2] * 2, [(3, 4)]),
    "sort": (lambda x: E.sort(x, 1, descending=True).values, [(3, 4)]),
    "sort_stable_dim0": (lambda x: E.sort(x, dim=0, stable=True).values, [(3, 4)]),
    "msort": (lambda x: E.msort(x), [(3, 4)]),
    "topk": (lambda x: E.topk(x, 2).values, [(3, 4)]),
    "topk_smallest_dim0": (lambda x: E.topk(x, 2, dim=0, largest=False).values, [(3, 4)]),
    "kthvalue": (lambda x: E.kthvalue(x, 2, 1).values, [(3, 4)]),
    "mode": (lambda x: E.mode(x, 1).values, [(3, 4)]),
    "kthvalue_keepdim": (lambda x: E.kthvalue(x, 3, 0, keepdim=True).values, [(3, 4)]),
    "median": (lambda x: E.median(x), [(3, 4)]),
    "median_dim": (lambda x: E.median(x, 1).values, [(3, 5)]),
    "scatter_src": (lambda x, s: E.scatter(x, 1, IDX, s), [(2, 4), (2, 3)]),
    "scatter_value": (lambda x: E.scatter(x, 0, IDX, 1.5), [(3, 4)]),
    "index_add": (lambda x, s: E.index_add(x, 0, VEC_IDX, s, alpha=2), [(3, 4), (2, 4)]),
    "index_fill": (lambda x: E.index_fill(x, 1, VEC_IDX, -1.0), [(3, 4)]),
    "masked_select": (lambda x: E.masked_select(x, x.detach() > 0), [(3, 4)]),
    "masked_select_broadcast": (lambda x: E.masked_select(x, E.tensor([True, False, True])), [(2, 3)]),
    "take": (lambda x: E.take(x, E.tensor([[0, 5], [5, -1]])), [(2, 3)]),
    "diagonal": (lambda x: E.diagonal(x, 1, 2, 0), [(3, 2, 4)]),
    "diag_vector": (lambda v: E.diag(v, -1), [(3,)]),
    "diag_matrix": (lambda x: E.diag(x, 1), [(3, 4)]),
    "diag_embed": (lambda x: E.diag_embed(x, 1, 0, 2), [(2, 3)]),
    "trace": (lambda x: E.trace(x), [(3, 4)]),
    "cross": (lambda a, b: E.cross(a, b, dim=1), [(2, 3), (1, 3)]),
    "kron": (lambda a, b: E.kron(a, b), [(2, 3), (3,)]),
    "einsum_matmul": (lambda a, b: E.einsum("ij,jk->ik", a, b), [(2, 3), (3, 4)]),
    "einsum_batch": (lambda a, b: E.einsum("bij,bkj->bik", a, b), [(2, 2, 3), (2, 4, 3)]),
    "einsum_trace_outer": (lambda a, v: E.einsum("ii,j->j", a, v), [(3, 3), (2,)]),
    "einsum_ellipsis_sum": (lambda a: E.einsum("...ij->...j", a), [(2, 3, 4)]),
    "cumprod": (lambda x: E.cumprod(x, 1), [(3, 4)]),
    "cummax": (lambda x: E.cummax(x, 1).values, [(3, 4)]),
    "cummin": (lambda x: E.cummin(x, 0).values, [(3, 4)]),
    "roll": (lambda x: E.roll(x, (1, -2), (0, 1)), [(3, 4)]),
    "roll_flat": (lambda x: E.roll(x, 5), [(3, 4)]),
    "leaky_relu": (lambda x: E.nn.extra_functional.leaky_relu(x, 0.2), [(3, 4)]),
    "elu": (lambda x: E.nn.extra_functional.elu(x, 0.7), [(3, 4)]),
    "mish": (lambda x: E.nn.extra_functional.mish(x * 2), [(3, 4)]),
    "hardswish": (lambda x: E.nn.extra_functional.hardswish(x * 2) * x, [(3, 4)]),
    "hardsigmoid": (lambda x: E.nn.extra_functional.hardsigmoid(x * 2) * x, [(3, 4)]),
    "selu": (lambda x: E.nn.extra_functional.selu(x), [(3, 4)]),
    "celu": (lambda x: E.nn.extra_functional.celu(x, 0.6), [(3, 4)]),
    "threshold": (lambda x: E.nn.extra_functional.threshold(x, 0.1, -2.0) * x, [(3, 4)]),
    "hardshrink": (lambda x: E.nn.extra_functional.hardshrink(x, 0.3) * x, [(3, 4)]),
    "softshrink": (lambda x: E.nn.extra_functional.softshrink(x, 0.3) * x, [(3, 4)]),
    "glu": (lambda x: E.nn.extra_functional.glu(x, 0), [(4, 3)]),
    "prelu": (lambda x, w: E.nn.extra_functional.prelu(x, w) * x, [(2, 3, 4), (3,)]),
    "rrelu_eval": (lambda x: E.nn.extra_functional.rrelu_eval(x, 0.2) * x, [(3, 4)]),
    "group_norm": (lambda x, w, b: E.nn.extra_functional.group_norm(x, 2, w, b), [(2, 4, 3), (4,), (4,)]),
    "group_norm_plain": (lambda x: E.nn.extra_functional.group_norm(x, 1, eps=0.1), [(3, 2, 2, 2)]),
    "soft_margin_loss": (lambda x, t: E.nn.extra_functional.soft_margin_loss(x, t.detach().sign()) * t.sum(),
                         [(3, 4), (3, 4)]),
    "multi_margin_loss": (lambda x: E.nn.extra_functional.multi_margin_loss(  # no gradient for weight, as torch
        x, E.tensor([2, 0, 3]), 2, 1.5, E.tensor([1., 2., .5, 1.], dtype=E.float64), "mean"), [(3, 4)]),
    "multi_margin_loss_p1": (lambda x: E.nn.extra_functional.multi_margin_loss(
        x, E.tensor([2, 0, 3]), 1, 2.5, None, "none") * x.sum(1), [(3, 4)]),
    "binary_cross_entropy": (lambda x, t: E.nn.extra_functional.binary_cross_entropy(
        x.sigmoid(), t.sigmoid(), weight=E.tensor([1., 2., 3.], dtype=E.float64)), [(2, 3), (2, 3)]),
    "smooth_l1_loss": (lambda x, t: E.nn.extra_functional.smooth_l1_loss(x, t, beta=0.5, reduction="sum"),
                       [(3, 4), (3, 4)]),
    "huber_loss": (lambda x, t: E.nn.extra_functional.huber_loss(x, t, delta=0.7), [(3, 4), (3, 4)]),
    "kl_div": (lambda x, t: E.nn.extra_functional.kl_div(x, t.exp(), reduction="batchmean"), [(3, 4), (3, 4)]),
    "conv2d": (lambda x, w, b: E.nn.conv.conv2d(x, w, b, stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2),
               [(2, 4, 5, 6), (4, 2, 2, 2), (4,)]),
    "conv2d_same_unbatched": (lambda x, w: E.nn.conv.conv2d(x, w, padding="same"), [(2, 4, 4), (3, 2, 2, 3)]),
    "conv1d": (lambda x, w, b: E.nn.conv.conv1d(x, w, b, stride=2, padding=1, dilation=2), [(2, 3, 7), (2, 3, 2), (2,)]),
    "pad": (lambda x: E.nn.conv.pad(x, (1, 2, -1, 1), value=0.5), [(3, 4)]),
    "pad_reflect": (lambda x: E.nn.conv.pad(x, (1, 2, 2, 0), mode="reflect"), [(1, 2, 3, 4)]),
    "pad_replicate": (lambda x: E.nn.conv.pad(x, (3, 1), mode="replicate"), [(2, 3)]),
    "pad_circular": (lambda x: E.nn.conv.pad(x, (1, 2, 3, 0, 1, 1), mode="circular"), [(1, 2, 3, 4)]),
    "max_pool2d": (lambda x: E.nn.conv.max_pool2d(x, (2, 3), stride=1, padding=1, dilation=(2, 1)), [(2, 2, 5, 5)]),
    "avg_pool2d": (lambda x: E.nn.conv.avg_pool2d(x, 3, 2, 1, count_include_pad=False), [(2, 5, 6)]),
    "batch_norm_training": (lambda x, w, b: E.nn.conv.batch_norm(x, None, None, w, b, training=True),
                            [(4, 3, 2, 2), (3,), (3,)]),
    "batch_norm_eval": (lambda x, w: E.nn.conv.batch_norm(x, E.tensor([0.1, -0.2, 0.3], dtype=E.float64),
                                                          E.tensor([1., 2., 0.5], dtype=E.float64), w), [(4, 3), (3,)]),
    "adaptive_avg_pool2d": (lambda x: E.nn.conv.adaptive_avg_pool2d(x, (2, 3)), [(2, 5, 7)]),
    "conv3d": (lambda x, w, b: E.nn.conv.conv3d(x, w, b, stride=(2, 1, 1), padding=(1, 0, 1), dilation=(1, 2, 1),
                                                groups=2), [(1, 4, 4, 5, 3), (4, 2, 2, 2, 2), (4,)]),
    "conv3d_same_unbatched": (lambda x, w: E.nn.conv.conv3d(x, w, padding="same"), [(2, 3, 3, 4), (2, 2, 2, 1, 3)]),
    "max_pool3d": (lambda x: E.nn.conv.max_pool3d(x, (2, 3, 2), stride=1, padding=1, dilation=(2, 1, 1)),
                   [(1, 2, 4, 4, 3)]),
    "max_pool3d_ceil": (lambda x: E.nn.conv.max_pool3d(x, 2, ceil_mode=True, return_indices=True)[0], [(2, 3, 3, 5)]),
    "avg_pool3d": (lambda x: E.nn.conv.avg_pool3d(x, 3, 2, 1, count_include_pad=False), [(1, 2, 4, 5, 4)]),
    "avg_pool3d_ceil": (lambda x: E.nn.conv.avg_pool3d(x, 2, 2, 1, ceil_mode=True, divisor_override=3), [(2, 3, 4, 5)]),
    "adaptive_avg_pool3d": (lambda x: E.OPS["adaptive_avg_pool3d"](x, (2, 3, 2)), [(2, 3, 5, 4)]),
    "adaptive_max_pool3d": (lambda x: E.OPS["adaptive_max_pool3d"](x, (2, 3, 2))[0], [(1, 2, 3, 5, 4)]),
    "max_unpool2d": (lambda x: E.OPS["max_unpool2d"](x, E.tensor([[[0, 5], [7, 2]]] * 2), (3, 3)), [(2, 2, 2)]),
    "max_unpool3d": (lambda x: E.OPS["max_unpool3d"](x, E.tensor([[[[0, 5], [7, 2]]]] * 2), (2, 2, 2)), [(2, 1, 2, 2)]),
    # torch.linalg: random matrices shifted by 4 I are well conditioned (the inverse's entries stay small)
    "linalg_inv": (lambda a: E.OPS["linalg.inv"](_well(a)), [(3, 3)]),
    "inverse_batched": (lambda a: E.inverse(_well(a)), [(2, 3, 3)]),
    "linalg_det": (lambda a: E.OPS["linalg.det"](a), [(3, 3)]),
    "det_batched": (lambda a: E.det(a), [(2, 2, 3, 3)]),
    "linalg_slogdet": (lambda a: E.OPS["linalg.slogdet"](a), [(3, 3)]),
    "slogdet_batched_logabsdet": (lambda a: E.slogdet(a)[1], [(2, 4, 4)]),
    "linalg_solve_vector": (lambda a, b: E.OPS["linalg.solve"](_well(a), b), [(3, 3), (3,)]),
    "linalg_solve_batched_vectors": (lambda a, b: E.OPS["linalg.solve"](_well(a), b), [(2, 3, 3), (2, 3)]),
    "linalg_solve_broadcast": (lambda a, b: E.OPS["linalg.solve"](_well(a), b), [(2, 1, 3, 3), (4, 3, 2)]),
    "linalg_solve_right": (lambda a, b: E.OPS["linalg.solve"](_well(a), b, left=False), [(3, 3), (2, 4, 3)]),
    "linalg_svdvals": (lambda a: E.OPS["linalg.svdvals"](a), [(3, 3)]),
    "linalg_svdvals_wide_batched": (lambda a: E.OPS["linalg.svdvals"](a), [(2, 3, 5)]),
    "linalg_svdvals_tall": (lambda a: E.OPS["linalg.svdvals"](a), [(5, 2)]),
    # the SVD's U and V^T through a product that does not depend on their signs (full SVD backward)
    "linalg_svd_uv_tall": (lambda a: (lambda u, s, vh: E.matmul(u * s.unsqueeze(-2) ** 2, vh))(
        *linalg_svd(a)), [(4, 3)]),
    "linalg_svd_uv_wide": (lambda a: (lambda u, s, vh: E.matmul(u, vh))(*linalg_svd(a)), [(2, 3, 4)]),
    # eigh / cholesky read one triangle: their inputs are made symmetric (A + A^T) or SPD (A A^T + 3 I), and
    # eigenvectors / singular vectors enter through sign-free products
    "linalg_eigh_values": (lambda a: E.OPS["linalg.eigh"](_sym(a))[0], [(2, 3, 3)]),
    "linalg_eigh_vectors": (lambda a: (lambda w, v: E.matmul(v * E.tensor([1., 2., 5.], dtype=E.float64), v.mT))(
        *E.OPS["linalg.eigh"](_sym(a), UPLO="U")), [(3, 3)]),
    "linalg_eigvalsh": (lambda a: E.OPS["linalg.eigvalsh"](_sym(a)), [(4, 4)]),
    "linalg_cholesky": (lambda a: E.OPS["linalg.cholesky"](_spd(a)), [(2, 3, 3)]),
    "linalg_cholesky_upper": (lambda a: E.OPS["linalg.cholesky"](_spd(a), upper=True), [(3, 3)]),
    "linalg_cholesky_ex": (lambda a: E.OPS["linalg.cholesky_ex"](_spd(a))[0], [(3, 3)]),
    "linalg_qr_tall": (lambda a: (lambda q, r: (q * r.diagonal(0, -2, -1).sign().unsqueeze(-2)))(
        *E.OPS["linalg.qr"](a)), [(4, 3)]),
    "linalg_qr_r": (lambda a: E.OPS["linalg.qr"](a)[1].abs(), [(2, 4, 3)]),
    "linalg_qr_wide": (lambda a: (lambda q, r: E.matmul(q.abs(), r.abs()))(*E.OPS["linalg.qr"](a)), [(3, 5)]),
    "linalg_svd_full": (lambda a: (lambda u, s, vh: E.matmul(u[..., :3] * s.unsqueeze(-2), vh) + u[..., :3].abs())(
        *E.OPS["linalg.svd"](a)), [(5, 3)]),
    "linalg_pinv_tall": (lambda a: E.OPS["linalg.pinv"](a), [(4, 3)]),
    "linalg_pinv_wide_batched": (lambda a: E.OPS["linalg.pinv"](a), [(2, 3, 5)]),
    "linalg_pinv_hermitian": (lambda a: E.OPS["linalg.pinv"](_sym(a), hermitian=True), [(3, 3)]),
    "linalg_lstsq": (lambda a, b: E.OPS["linalg.lstsq"](a, b)[0], [(5, 3), (5, 2)]),
    "linalg_lstsq_vectors_batched": (lambda a, b: E.OPS["linalg.lstsq"](a, b)[0], [(2, 5, 3), (2, 5)]),
    "linalg_lstsq_wide_broadcast": (lambda a, b: E.OPS["linalg.lstsq"](a, b)[0], [(2, 3, 5), (1, 3, 2)]),
    "linalg_lstsq_residuals": (lambda a, b: (lambda x, res, *_: x.sum(0) * res)(
        *E.OPS["linalg.lstsq"](a, b, driver="gelsd")), [(5, 3), (5, 2)]),
    "linalg_lstsq_residuals_vector": (lambda a, b: E.OPS["linalg.lstsq"](a, b, driver="gels")[1], [(2, 4, 2), (2, 4)]),
    "matrix_exp": (lambda a: E.OPS["matrix_exp"](a), [(3, 3)]),
    "matrix_exp_batched_scaled": (lambda a: E.OPS["matrix_exp"](a * 3), [(2, 3, 3)]),
    "matrix_power_3": (lambda a: E.OPS["matrix_power"](a, 3), [(3, 3)]),
    "matrix_power_neg": (lambda a: E.OPS["matrix_power"](_well(a), -2), [(2, 3, 3)]),
    "cholesky_solve": (lambda b, a: E.OPS["cholesky_solve"](b, E.OPS["linalg.cholesky"](_spd(a))), [(3, 2), (3, 3)]),
    "cholesky_solve_upper_broadcast": (lambda b, a: E.OPS["cholesky_solve"](
        b, E.OPS["linalg.cholesky"](_spd(a), upper=True), True), [(2, 3, 1), (3, 3)]),
    "cholesky_solve_factor": (lambda b, l: E.OPS["cholesky_solve"](b, _well(l.tril())), [(3, 2), (3, 3)]),
    "linalg_inv_ex": (lambda a: E.OPS["linalg.inv_ex"](_well(a))[0], [(2, 3, 3)]),
    "linalg_householder_product": (lambda a, tau: E.OPS["linalg.householder_product"](a, tau), [(4, 3), (2,)]),
    "linalg_householder_product_batched": (lambda a, tau: E.OPS["linalg.householder_product"](a, tau),
                                           [(2, 3, 3), (2, 3)]),
    # special math: inputs moved into each function's domain (away from poles and edges)
    "sinh": (lambda x: E.sinh(x), [(3, 4)]),
    "cosh": (lambda x: E.cosh(x), [(3, 4)]),
    "asin": (lambda x: E.asin(E.tanh(x) * 0.9), [(3, 4)]),
    "acos": (lambda x: E.arccos(E.tanh(x) * 0.9), [(3, 4)]),
    "atan": (lambda x: E.atan(x * 2), [(3, 4)]),
    "asinh": (lambda x: E.asinh(x * 2), [(3, 4)]),
    "acosh": (lambda x: E.acosh(x * x + 1.2), [(3, 4)]),
    "atanh": (lambda x: E.atanh(E.tanh(x) * 0.9), [(3, 4)]),
    "lgamma": (lambda x: E.lgamma(x.abs() + 0.3), [(3, 4)]),
    "lgamma_negative": (lambda x: E.lgamma(E.tanh(x) * 0.4 - 1.5), [(3, 4)]),
    "digamma": (lambda x: E.digamma(x.abs() + 0.3), [(3, 4)]),
    "digamma_negative": (lambda x: E.digamma(E.tanh(x) * 0.4 - 2.5), [(3, 4)]),
    "polygamma_1": (lambda x: E.polygamma(1, x.abs() + 0.5), [(3, 4)]),
    "polygamma_1_negative": (lambda x: E.polygamma(1, E.tanh(x) * 0.4 - 0.5), [(3, 4)]),
    "polygamma_3": (lambda x: E.polygamma(3, x.abs() + 0.5), [(3, 4)]),
    "erfinv": (lambda x: E.erfinv(E.tanh(x) * 0.9), [(3, 4)]),
    "i0": (lambda x: E.i0(x * 3), [(3, 4)]),
    "special_i1": (lambda x: E.special_i1(x * 3), [(3, 4)]),
    "sinc": (lambda x: E.sinc(x), [(3, 4)]),
    "logit": (lambda x: E.logit(E.sigmoid(x)), [(3, 4)]),
    "logit_eps": (lambda x: E.logit(E.sigmoid(x * 3), eps=0.1), [(3, 4)]),
    "deg2rad": (lambda x: E.deg2rad(x), [(3, 4)]),
    "rad2deg": (lambda x: E.rad2deg(x), [(3, 4)]),
    "nan_to_num": (lambda x: E.nan_to_num(x.log()), [(3, 4)]),
    "xlogy": (lambda a, b: E.xlogy(a, b.abs() + 0.5), [(3, 4), (4,)]),
    "xlogy_scalars": (lambda a: E.xlogy(2.5, a.abs() + 0.5) + E.xlogy(a, 3.0), [(3, 4)]),
    "logaddexp": (lambda a, b: E.logaddexp(a, b), [(3, 1), (4,)]),
    "logaddexp2": (lambda a, b: E.logaddexp2(a, b), [(3, 4), (3, 4)]),
    "fmod": (lambda a, b: E.fmod(a, b.abs() + 0.5), [(3, 4), (4,)]),
    "fmod_scalar": (lambda a: E.fmod(a * 3, 1.3), [(3, 4)]),
    "copysign": (lambda a, b: E.copysign(a, b), [(3, 4), (4,)]),
    "float_power": (lambda a, b: E.float_power(a.abs() + 0.5, b), [(3, 4), (4,)]),
    "float_power_scalar_base": (lambda b: E.float_power(2, b), [(3, 4)]),
    "nansum": (lambda x: E.nansum(E.where(x > 1, float("nan"), x), 1), [(3, 4)]),
    "nanmean": (lambda x: E.nanmean(E.where(x > 1, float("nan"), x), 0, keepdim=True), [(3, 4)]),
    "var_mean": (lambda x: E.var_mean(x, 1), [(3, 4)]),
    "std_mean": (lambda x: E.std_mean(x, (0, 1), correction=0), [(3, 4)]),
    "logdet": (lambda a: E.logdet(_well(a) @ _well(a).mT), [(2, 3, 3)]),
    "cdist": (lambda a, b: E.cdist(a, b), [(3, 4), (2, 4)]),
    "cdist_batched_p1": (lambda a, b: E.cdist(a, b, p=1.0), [(2, 3, 4), (5, 4)]),
    "cdist_p3": (lambda a, b: E.cdist(a, b, p=3.0), [(3, 4), (2, 4)]),
    "cdist_p_half": (lambda a, b: E.cdist(a, b, p=0.5), [(3, 4), (2, 4)]),
    "cdist_mm": (lambda a, b: E.cdist(a, b, compute_mode="use_mm_for_euclid_dist"), [(2, 3, 4), (5, 4)]),
    "cdist_inf": (lambda a, b: E.cdist(a, b, p=float("inf")), [(3, 4), (2, 4)]),
    "unfold": (lambda x: x.unfold(1, 3, 2), [(3, 8)]),
    "unfold_overlapping": (lambda x: x.unfold(0, 3, 1) * 2, [(5, 2)]),
    "erfc": (lambda x: E.erfc(x * 2), [(3, 4)]),
    "special_erfcx": (lambda x: E.special_erfcx(x * 2), [(3, 4)]),
    "mvlgamma": (lambda x: E.mvlgamma(x.abs() + 1.6, 3), [(3, 4)]),
    "ldexp": (lambda a, b: E.ldexp(a, b), [(3, 4), (4,)]),
    "fmax": (lambda a, b: E.fmax(a, b), [(3, 4), (4,)]),
    "fmin": (lambda a, b: E.fmin(a, b), [(3, 1), (4,)]),
    "special_xlog1py": (lambda a, b: E.special_xlog1py(a, b.abs()), [(3, 4), (4,)]),
    "special_entr": (lambda x: E.special_entr(x.abs() + 0.1), [(3, 4)]),
    "special_i0e": (lambda x: E.special_i0e(x * 3), [(3, 4)]),
    "special_i1e": (lambda x: E.special_i1e(x * 3), [(3, 4)]),
    "logcumsumexp": (lambda x: E.logcumsumexp(x * 3, 1), [(3, 4)]),
    "special_ndtr": (lambda x: E.special_ndtr(x * 2), [(3, 4)]),
    "special_log_ndtr": (lambda x: E.special_log_ndtr(x * 4), [(3, 4)]),
    "nextafter": (lambda a, b: E.nextafter(a, b) * a, [(3, 4), (4,)]),
    "logcumsumexp_dim0": (lambda x: E.logcumsumexp(x, 0), [(4, 2)]),
    # the tail (engine/ops/extra_ops.py)
    "nanmedian": (lambda x: E.nanmedian(x), [(3, 4)]),
    "nanmedian_dim": (lambda x: E.nanmedian(x, 1, keepdim=True).values, [(3, 4)]),
    "quantile": (lambda x: E.quantile(x, 0.3, 1), [(3, 4)]),
    "quantile_q": (lambda x: E.quantile(x, E.tensor([0.1, 0.65], dtype=x.dtype), interpolation="midpoint"), [(3, 4)]),
    "nanquantile": (lambda x: E.nanquantile(x, 0.7, 0, keepdim=True), [(3, 4)]),
    **{f"scatter_reduce_{r}_{i}": (lambda a, b, r=r, i=i: E.scatter_reduce(
        a, 0, E.tensor([[0, 2, 2, 1], [2, 2, 0, 1]]), b, r, include_self=i), [(3, 4), (2, 4)])
       for r in ("sum", "prod", "mean", "amax", "amin") for i in (True, False)},
    "index_copy": (lambda a, b: E.index_copy(a, 1, E.tensor([3, 0]), b), [(3, 4), (3, 2)]),
    "masked_scatter": (lambda a, b: E.masked_scatter(a, E.tensor([[True], [False], [True]]), b), [(3, 4), (3, 3)]),
    "put": (lambda a, b: E.put(a, E.tensor([0, -1, 5]), b), [(3, 4), (3,)]),
    "put_accumulate": (lambda a, b: E.put(a, E.tensor([0, -1, 0]), b, accumulate=True), [(3, 4), (3,)]),
    "select_scatter": (lambda a, b: E.select_scatter(a, b, 1, -1), [(3, 4), (3,)]),
    "slice_scatter": (lambda a, b: E.slice_scatter(a, b, 1, 0, 4, 2), [(3, 4), (3, 2)]),
    "diagonal_scatter": (lambda a, b: E.diagonal_scatter(a, b, -1, 2, 0), [(2, 3, 4), (3, 2)]),
    "renorm": (lambda x: E.renorm(x * 3, 2, 0, 2.0), [(3, 4)]),
    "renorm_p3": (lambda x: E.renorm(x * 3, 3, 1, 1.5), [(3, 4)]),
    "frexp": (lambda x: E.frexp(x * 3).mantissa, [(3, 4)]),
    "angle": (lambda x: E.angle(x) + x, [(3, 4)]),
    # engine/ops/extra_ops2.py
    "vander": (lambda x: E.vander(x, 4), [(3,)]),
    "vander_increasing": (lambda x: E.vander(x, 3, increasing=True), [(4,)]),
    "as_strided": (lambda x: E.as_strided(x, (2, 3), (1, 2), 1), [(3, 4)]),
    "as_strided_overlap_of_view": (lambda x: E.as_strided(x[1:], (3, 2), (1, 1)), [(8,)]),
    "as_strided_inplace": (lambda x: (x * 1).as_strided_((2, 2), (1, 3), 2).exp(), [(3, 4)]),
    **{f"index_reduce_{r}_{i}": (lambda a, b, r=r, i=i: E.index_reduce(
        a, 0, E.tensor([2, 0, 2]), b, r, include_self=i), [(3, 4), (3, 4)])
       for r in ("prod", "mean", "amax", "amin") for i in (True, False)},
    "interpolate_bicubic": (lambda x: E.OPS["interpolate"](x, [5, 3], None, "bicubic", False), [(1, 2, 3, 4)]),
    "interpolate_bicubic_corners": (lambda x: E.OPS["interpolate"](x, [4, 6], None, "bicubic", True), [(1, 1, 3, 3)]),
    "interpolate_trilinear": (lambda x: E.OPS["interpolate"](x, [3, 2, 5], [1.5, 1.0, 2.5], "trilinear", False),
                              [(1, 1, 2, 2, 2)]),
    **{f"interpolate_{m}_3d": (lambda x, m=m: E.OPS["interpolate"](x, [3, 1, 4], None, m, False), [(1, 2, 2, 3, 2)])
       for m in ("nearest", "nearest-exact", "area")},
    # engine/ops/linspec.py: the LU family, the *_copy view ops, as_strided_scatter, torch.special's tail
    "linalg_lu_factor_ex": (lambda a: E.OPS["linalg.lu_factor_ex"](a)[0], [(2, 3, 3)]),
    "linalg_lu_wide": (lambda a: E.OPS["linalg.lu"](a)[1:], [(3, 5)]),
    "linalg_lu_tall": (lambda a: E.OPS["linalg.lu"](a)[1:], [(5, 3)]),
    "lu_unpack": (lambda a: E.OPS["lu_unpack"](a, E.tensor([2, 2, 3], dtype=E.int32))[1:], [(3, 3)]),
    "linalg_lu_solve": (lambda a, b: E.OPS["linalg.lu_solve"](*E.OPS["linalg.lu_factor"](a), b), [(3, 3), (3, 2)]),
    "linalg_lu_solve_adjoint_right": (lambda a, b: E.OPS["linalg.lu_solve"](*E.OPS["linalg.lu_factor"](a), b,
                                                                           left=False, adjoint=True),
                                      [(2, 3, 3), (2, 3)]),
    "permute_copy": (lambda x: E.OPS["permute_copy"](x, (1, 0)), [(3, 4)]),
    "split_copy": (lambda x: E.OPS["split_copy"](x, 2, 1), [(3, 4)]),
    "as_strided_scatter": (lambda x, s: E.OPS["as_strided_scatter"](x, s, (2, 2), (1, 3), 1), [(3, 4), (2, 2)]),
    "norm_all": (lambda x: E.OPS["_norm_all"](x, 3), [(3, 4)]),
    "special_ndtri": (lambda x: E.OPS["special_ndtri"](x.sigmoid()), [(3, 4)]),
    "igamma_x": (lambda x: E.OPS["igamma"](E.tensor([0.5, 1.5, 3.0, 7.0], dtype=E.float64), x.abs() + 0.5),
                 [(3, 4)]),
    "igammac_x": (lambda x: E.OPS["igammac"](E.tensor([0.5, 1.5, 3.0, 7.0], dtype=E.float64), x.abs() + 0.5),
                  [(3, 4)]),
    "special_zeta_q": (lambda q: E.OPS["special_zeta"](2.5, q.abs() + 0.5), [(3, 4)]),
    "ormqr": (lambda x, t, c: E.OPS["ormqr"](x, t, c), [(4, 3), (3,), (4, 2)]),
    "ormqr_right_transposed": (lambda x, t, c: E.OPS["ormqr"](x, t, c, False, True), [(2, 3, 3), (2, 2), (3, 3)]),
    # engine/ops/gridctc.py: every mode and padding of grid_sampler (its backward is made of Tensor ops)
    **{f"grid_sampler_{m}_{p}_{a}": (lambda x, g, m=m, p=p, a=a: E.OPS["grid_sampler"](x, g * 0.7, m, p, a),
                                     [(2, 2, 3, 4), (2, 3, 2, 2)])
       for m in (0, 1, 2) for p in (0, 1, 2) for a in (False, True)},
    **{f"grid_sampler_3d_{m}_{p}": (lambda x, g, m=m, p=p: E.OPS["grid_sampler"](x, g * 0.7, m, p, False),
                                    [(1, 2, 2, 3, 2), (1, 2, 1, 2, 3)]) for m in (0, 1) for p in (0, 2)},
    "affine_grid_generator": (lambda t: E.OPS["affine_grid_generator"](t, (2, 1, 3, 4), False), [(2, 2, 3)]),
    "affine_grid_generator_3d": (lambda t: E.OPS["affine_grid_generator"](t, (1, 1, 2, 3, 2), True), [(1, 3, 4)]),
    "fractional_max_pool2d": (lambda x: E.OPS["fractional_max_pool2d"](
        x, (2, 2), (3, 2), E.tensor([[[0.3, 0.8], [0.55, 0.1]]], dtype=E.float64))[0], [(1, 2, 5, 4)]),
}


@pytest.mark.parametrize("name", list(ADDED_OPS))
def test_added_ops_gradcheck(name):
    fn, shapes = ADDED_OPS[name]
    inputs = tuple(rnd(*shape) for shape in shapes)
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_ctc_loss_gradcheck_once_differentiable():
    """_ctc_loss's gradient (torch's: as if log_probs were log_softmax's output) checked through log_softmax,
    as torch's own test does; its double backward raises, as torch's."""
    lp = rnd(6, 3, 5)
    targets = E.tensor([[1, 2, 2], [3, 1, 0], [4, 4, 0]])

    def fn(x):
        return E.OPS["_ctc_loss"](x.log_softmax(2), targets, [6, 5, 6], [3, 2, 1], 0, False)
    assert gradcheck(fn, (lp,))
    g, = E.autograd.grad(fn(lp).sum(), lp, create_graph=True)
    with pytest.raises(RuntimeError, match="derivative for aten::_ctc_loss_backward is not implemented"):
        g.sum().backward()
