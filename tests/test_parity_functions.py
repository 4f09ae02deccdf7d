"""torch functions gradwire builds from its ops or adds as one op (products with a bias, statistics,
splits, searches, dtype info, aliases), each against torch through the client (embedded and remote)."""
from __future__ import annotations

import pytest

from test_parity_ops import same_as_torch

pytestmark = pytest.mark.timeout(120)

SNIPPETS = [
    'x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True); v = torch.tensor([1., 2.], requires_grad=True)\nprint(torch.tensordot(x, x, dims=1), torch.tensordot(x, x, dims=([0], [1])), torch.tensordot(x, x))\nprint(torch.inner(x, x), torch.inner(v, v), x.inner(x).grad_fn)\nprint(torch.vdot(v, v), torch.addmv(v, x, v), torch.addr(x, v, v), torch.baddbmm(x[None], x[None], x[None]), torch.addbmm(x, x[None], x[None]))\nprint(torch.addmv(v, x, v, beta=0.5, alpha=2), torch.addr(x, v, v, beta=0, alpha=3))',
    'x = torch.tensor([[1., 2., 4.], [3., 1., 0.]], requires_grad=True)\nc = torch.cov(x); print(c, torch.cov(x, correction=0), torch.corrcoef(x), torch.cov(x[0]))\n(c.sum() + torch.corrcoef(x).sum()).backward(); print(x.grad)',
    'v = torch.tensor([1., 2., 3.])\nprint(torch.cartesian_prod(v, v), torch.combinations(v), torch.combinations(v, 3), torch.combinations(v, with_replacement=True), torch.cartesian_prod(v))',
    'y = torch.tensor([1., 4., 9., 16.], requires_grad=True)\nprint([t.item() for t in (torch.trapezoid(y), torch.trapezoid(y, dx=0.5), torch.trapezoid(y, torch.tensor([0., 1., 3., 4.])), torch.trapz(y))], torch.cumulative_trapezoid(y))\ntorch.trapezoid(y, torch.tensor([0., 1., 3., 4.])).backward(); print(y.grad)\nprint(torch.trapezoid(torch.ones(2, 3), dim=0), torch.cumulative_trapezoid(torch.arange(6.).reshape(2, 3), dim=1))',
    'x = torch.tensor([1., 2., 1., 4., 2.5, 0.])\nprint(torch.histc(x, 4), torch.histc(x, 4, 1, 2), torch.histc(torch.tensor([3., 3.]), 3), x.histc(bins=2))',
    "b = torch.tensor([1., 3., 5., 7.])\nv = torch.tensor([[3., 6., 9.], [3., 6., 9.]])\nprint(torch.bucketize(v, b), torch.bucketize(v, b, right=True), torch.searchsorted(b, v), torch.searchsorted(b, v, right=True), torch.searchsorted(b, 4.), torch.searchsorted(b, v, side='right', out_int32=True))\nprint(torch.searchsorted(torch.tensor([[1., 3.], [2., 4.]]), torch.tensor([[2.], [3.]])))",
    "x = torch.tensor([[1., 5.], [3., 2.]], requires_grad=True)\nm = torch.aminmax(x); k = torch.aminmax(x, dim=0, keepdim=True)\nprint(type(m).__name__, m.min.item(), m.max.item(), k.min.tolist(), k.max.tolist(), x.aminmax(dim=1).max.tolist())\nprint(torch.dist(x, x * 2).item(), torch.dist(x, x * 2, 1).item())",
    'a = torch.tensor(1.); b = torch.tensor([1., 2.]); c = torch.ones(2, 2)\nprint(torch.atleast_1d(a), torch.atleast_2d(b).shape, torch.atleast_3d(c).shape, torch.atleast_3d(b).shape, torch.atleast_1d(a, b))\nprint(torch.dstack([b, b]).shape, torch.dstack((c, c)).shape, torch.row_stack([b, b]).shape)',
    'x = torch.arange(12.).reshape(2, 6)\nprint(torch.hsplit(x, 3), torch.vsplit(x, [1]), torch.hsplit(torch.arange(4.), 2), x.hsplit([1, 4]))\nprint(torch.dsplit(torch.arange(8.).reshape(1, 2, 4), 2))',
    'torch.hsplit(torch.arange(12.).reshape(2, 6), 4)',
    'torch.vsplit(torch.arange(3.), 1)',
    'x = torch.tensor([[10., 30., 20.], [60., 40., 50.]])\ni = x.argsort(1)\nprint(torch.take_along_dim(x, i, 1), torch.take_along_dim(x, torch.tensor([[0], [2]]), 1), torch.take_along_dim(x, torch.tensor([5, 0])), x.take_along_dim(i[:1], 1))',
    'x = torch.arange(12.).reshape(3, 4)\nprint(x.unflatten(1, (2, 2)).shape, torch.unflatten(x, -1, (2, -1)).shape, torch.select(x, 1, -1), x.select(0, 1), torch.diagflat(torch.tensor([1., 2.])), torch.diagflat(torch.tensor([[1., 2.]]), 1))',
    'x = torch.arange(6.).reshape(2, 3)\nprint(torch.tile(x, (2,)), x.tile((2, 1, 1)).shape, torch.fliplr(x), torch.flipud(x), x.ravel(), torch.ravel(x), x.positive() is x, +x)',
    'torch.fliplr(torch.ones(3))',
    "x = torch.tensor([1., float('-inf'), float('inf'), float('nan')])\nprint(torch.isneginf(x), torch.isposinf(x), torch.isreal(x), torch.isneginf(torch.tensor([1, 2])), torch.is_nonzero(torch.tensor([2.])), torch.tensor(0).is_nonzero())",
    'torch.is_nonzero(torch.ones(2))',
    "x = torch.ones(2, 3)\nprint(x.type_as(torch.tensor([1])), x.is_same_size(torch.zeros(2, 3)), x.get_device(), x.ndimension(), x.absolute(), torch.absolute(-x), x.subtract(1), torch.multiply(x, 2), torch.divide(x, 2, rounding_mode='floor'), torch.true_divide(x, 4), x.greater(0).all(), torch.less_equal(x, 1).all(), x.not_equal(1).any(), x.swapaxes(0, 1).shape, torch.swapdims(x, 0, 1).shape, torch.negative(x))",
    'print(torch.e, torch.pi, torch.inf, torch.nan, torch.newaxis)\nprint(torch.finfo(torch.float32), torch.finfo(), torch.iinfo(torch.int64), torch.finfo(torch.float16).eps, torch.finfo(torch.float64).tiny, torch.finfo(torch.float32).bits, torch.iinfo(torch.int32).max)\nprint(torch.result_type(torch.ones(2, dtype=torch.int32), 2.0), torch.promote_types(torch.int32, torch.float16), torch.can_cast(torch.float32, torch.int32), torch.can_cast(torch.int32, torch.float32))',
    'torch.finfo(torch.int32)',
    'torch.iinfo(torch.bool)',
    'x = torch.zeros(3, 4)\nprint(x.index_put_((torch.tensor([0, 0]), torch.tensor([1, 1])), torch.tensor(2.), accumulate=True))\nprint(torch.index_put(x, (torch.tensor([2]),), torch.tensor([5.])), x.index_put((torch.tensor([1]), torch.tensor([3])), torch.tensor(7.)))\nprint(x.index_put_((torch.tensor([0, 2]),), torch.ones(2, 4), accumulate=True))',
    'print(torch.asarray([1, 2], dtype=torch.float32, requires_grad=True), torch.asarray(torch.ones(2), copy=True))\nt = torch.ones(2); print(torch.asarray(t) is t)',
    'x = torch.zeros(3)\nx.masked_fill_(torch.tensor([True, False, True]), 2.)\nprint(x)\na = torch.tensor([1., 2., 3.], requires_grad=True)\nb = a * 1\nb.masked_fill_(torch.tensor([True, False, False]), 0.)\nprint(b, b.grad_fn)\nb.sum().backward(); print(a.grad)',
    'x = torch.zeros(2, 3)\nx.scatter_add_(1, torch.tensor([[0, 0], [2, 1]]), torch.ones(2, 2))\nprint(x)\na = torch.zeros(3, requires_grad=True)\nb = a * 1\nb.scatter_add_(0, torch.tensor([0, 0]), torch.tensor([1., 2.]))\nprint(b, b.grad_fn)',
    'x = torch.tensor([1., 2.], requires_grad=True)\ny = torch.tensor([3., 4.], requires_grad=True)\nw = torch.where(x > 1, x, y)\nprint(len(w.grad_fn.next_functions), [type(n).__name__ for n, _ in w.grad_fn.next_functions])\nw.grad_fn.register_hook(lambda gi, go: print("hook", len(gi), gi))\nw.sum().backward()\nprint(x.grad, y.grad, [type(n).__name__ for n, _ in torch.where(x > 1, 2., y).grad_fn.next_functions])',
    'x = torch.tensor([-1., 2.], requires_grad=True)\nfor f in [F.elu_, F.leaky_relu_]:\n    y = x * 1\n    f(y)\n    print(y.grad_fn, y)\ny = x * 1\nout = F.silu(y, inplace=True)\nprint(out is y, y.grad_fn, y)\ny.sum().backward(); print(x.grad)\ny = x * 1\nprint(F.dropout(y, 0.5, True, inplace=True) is y, y.grad_fn, F.dropout(y, 0.0, True, inplace=True) is y)\nprint(nn.Dropout(0.3, inplace=True), nn.SiLU(inplace=True), nn.ELU(inplace=True))',
]


@pytest.mark.parametrize("code", SNIPPETS)
def test_matches_torch(gw, code):
    same_as_torch(gw, code)


def test_products_with_a_bias_have_exact_values_and_gradients(gw):
    torch = gw
    v = torch.tensor([1., 2.], dtype=torch.float64, requires_grad=True)
    m = torch.tensor([[1., 2.], [3., 4.]], dtype=torch.float64, requires_grad=True)
    out = torch.addmv(v, m, v, beta=0.5, alpha=2)
    assert out.tolist() == [0.5 + 2 * 5, 1 + 2 * 11] and out.grad_fn.name() == "AddmvBackward0"
    def leaf(*shape):  # independent inputs: gradcheck perturbs each one alone
        return torch.randn(*shape, dtype=torch.float64, requires_grad=True)
    for f, args in ((lambda b, x, y: torch.addmv(b, x, y, beta=0.5, alpha=2), (leaf(2), leaf(2, 3), leaf(3))),
                    (lambda b, x, y: torch.addr(b, x, y, alpha=3), (leaf(2, 3), leaf(2), leaf(3))),
                    (lambda b, x, y: torch.baddbmm(b, x, y), (leaf(1, 3), leaf(2, 2, 4), leaf(2, 4, 3))),
                    (lambda b, x, y: torch.addbmm(b, x, y, beta=2), (leaf(2, 3), leaf(3, 2, 4), leaf(3, 4, 3))),
                    (torch.vdot, (leaf(4), leaf(4)))):
        assert torch.autograd.gradcheck(f, args)
        assert torch.autograd.gradgradcheck(f, args)


def test_statistics_have_exact_values(gw):
    torch = gw
    x = torch.tensor([[1., 2., 4.], [3., 1., 0.]], dtype=torch.float64)
    assert torch.cov(x).reshape(-1).tolist() == pytest.approx([7 / 3, -13 / 6, -13 / 6, 7 / 3])
    assert torch.histc(torch.tensor([1., 2., 1., 4.]), 3).tolist() == [2.0, 1.0, 1.0]
    assert torch.searchsorted(torch.tensor([1., 3., 5.]), torch.tensor([0., 3., 6.])).tolist() == [0, 1, 3]
    assert torch.finfo(torch.float32).eps == 2.0 ** -23 and torch.iinfo(torch.int32).max == 2 ** 31 - 1


@pytest.mark.parametrize("code", [
    "print(torch.bernoulli(torch.tensor([0., 1.])), torch.bernoulli(torch.ones(2), 0.0), torch.ones(3).bernoulli_(0.0))",
    "m = torch.multinomial(torch.tensor([0., 1., 0.]), 2, replacement=True); print(m, m.dtype)",
    "print(torch.multinomial(torch.tensor([[0., 1., 0.], [1., 0., 0.]]), 1), torch.tensor([0., 3.]).multinomial(1))",
    "torch.multinomial(torch.tensor([0., 1., 0.]), 4)",
    "torch.multinomial(torch.tensor([1., 1.]), 0)",
    "torch.multinomial(torch.ones(2, 2, 2), 1)",
    "torch.multinomial(torch.tensor([1, 2]), 1)",
])
def test_sampling_matches_torch_where_it_is_determined(gw, code):
    same_as_torch(gw, code)


def test_sampling_frequencies(gw):
    torch = gw
    torch.manual_seed(0)
    freq = torch.bernoulli(torch.tensor([0.2, 0.8]).expand(20000, 2)).mean(0).tolist()
    assert freq == [pytest.approx(0.2, abs=0.015), pytest.approx(0.8, abs=0.015)]
    w = torch.tensor([1., 2., 7.])
    counts = torch.multinomial(w, 30000, replacement=True).bincount(minlength=3).tolist()
    assert [c / 30000 for c in counts] == [pytest.approx(x, abs=0.015) for x in (0.1, 0.2, 0.7)]
    draws = torch.multinomial(w.expand(20000, 3), 3)
    assert all(sorted(row) == [0, 1, 2] for row in draws.tolist()[:100])  # without replacement: a permutation
    first = draws[:, 0].bincount(minlength=3).tolist()
    assert [c / 20000 for c in first] == [pytest.approx(x, abs=0.015) for x in (0.1, 0.2, 0.7)]
