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
}


@pytest.mark.parametrize("name", list(ADDED_OPS))
def test_added_ops_gradcheck(name):
    fn, shapes = ADDED_OPS[name]
    inputs = tuple(rnd(*shape) for shape in shapes)
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)
