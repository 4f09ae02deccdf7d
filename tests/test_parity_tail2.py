"""The tail of torch's ops (engine/ops/extra_ops.py) against PyTorch, plus exact values."""
from __future__ import annotations

import math

import pytest

from test_parity_ops import same_as_torch, with_setup

pytestmark = pytest.mark.timeout(120)

NAN = float("nan")


# ---- isin --------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", [
    "print(torch.isin(torch.tensor([[1, 2], [3, 4]]), torch.tensor([2, 3])))",
    "print(torch.isin(torch.tensor([[1, 2], [3, 4]]), torch.tensor([2, 3]), invert=True))",
    "print(torch.isin(torch.tensor([1., 2., 3.]), 2), torch.isin(2, torch.tensor([1, 2])))",
    "print(torch.isin(torch.tensor([1, 2]), torch.tensor([2.])), torch.isin(torch.tensor([1, 2]), torch.tensor([1, 2]), assume_unique=True))",
    "print(torch.isin(torch.tensor([1., float('nan')]), torch.tensor([float('nan')])))",
    "print(torch.isin(torch.tensor([1., 2.], requires_grad=True), torch.tensor([2.])).requires_grad)",
    "torch.isin(1, 2)",
])
def test_isin(gw, code):
    same_as_torch(gw, code)


def test_isin_values(gw):
    x = gw.tensor([[1, 5], [3, 7]])
    assert gw.isin(x, gw.tensor([5, 3])).tolist() == [[False, True], [True, False]]
    assert gw.isin(x, 7, invert=True).tolist() == [[True, True], [True, False]]
    assert gw.isin(3, x).item() is True


# ---- nanmedian ------------------------------------------------------------------------------------

NANMED = "x = torch.tensor([[1., float('nan'), 3., 2.], [4., 5., 6., 7.], [0., -1., float('nan'), 9.]], requires_grad=True)\n"


@pytest.mark.parametrize("code", [
    "print(torch.nanmedian(x), x.nanmedian(1), torch.nanmedian(x, 0, keepdim=True))",
    "y = torch.nanmedian(x); y.backward(); print(y.grad_fn, x.grad)",
    "v, i = x.nanmedian(1); v.sum().backward(); print(v.grad_fn, i, x.grad)",
    "print(torch.nanmedian(torch.tensor([3, 1, 2])), torch.nanmedian(torch.tensor(2.), 0))",
    "torch.nanmedian(torch.zeros(2, 0), 1)",
    "torch.nanmedian(x, 2)",
])
def test_nanmedian(gw, code):
    same_as_torch(gw, NANMED + code)


def test_nanmedian_values(gw):
    x = gw.tensor([[1., NAN, 3., 2.], [4., 5., 6., 7.]])
    v, i = x.nanmedian(1)
    assert v.tolist() == [2., 5.] and i.tolist() == [3, 1]
    assert gw.nanmedian(x).item() == 4.0  # of 1, 2, 3, 4, 5, 6, 7


# ---- quantile / nanquantile ---------------------------------------------------------------------

QUANT = ("x = torch.tensor([[3., 1., 2., 5.], [0., 4., float('nan'), 8.], [7., 6., 1., 2.]], dtype=torch.float64,"
         " requires_grad=True)\ny = torch.tensor([[3., 1., 2., 5.], [0., 4., 9., 8.]], requires_grad=True)\n")


@pytest.mark.parametrize("interp", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("fn", ["quantile", "nanquantile"])
def test_quantile_interpolations(gw, fn, interp):
    same_as_torch(gw, QUANT + f"""
q = torch.tensor([0.0, 0.125, 0.375, 0.5, 1.0], dtype=torch.float64)
print(torch.{fn}(x, 0.4, interpolation='{interp}'), torch.{fn}(x, q, 1, interpolation='{interp}'))
print(x.{fn}(0.625, 0, keepdim=True, interpolation='{interp}'))
print(torch.{fn}(x, q[1:3], keepdim=True, interpolation='{interp}').shape)
""")


@pytest.mark.parametrize("code", [
    "z = torch.quantile(y, 0.3, 1); z.sum().backward(); print(z, z.grad_fn, y.grad)",
    "z = torch.nanquantile(x, torch.tensor([0.2, 0.9], dtype=torch.float64), 1); z.sum().backward(); print(z.grad_fn, x.grad)",
    "print(torch.quantile(torch.tensor(5.), 0.3), torch.quantile(torch.tensor(5.), 0.3, dim=0))",
    "torch.quantile(y, 1.5)",
    "torch.quantile(y, torch.tensor([0.5, 1.2]))",
    "torch.quantile(y, torch.tensor([[0.5]]))",
    "torch.quantile(y.int(), 0.5)",
    "torch.quantile(y, torch.tensor([0.5], dtype=torch.float64))",
    "torch.quantile(torch.tensor([]), 0.5)",
    "torch.quantile(y, 0.5, interpolation='foo')",
    "torch.nanquantile(y, 0.5, dim=3)",
])
def test_quantile(gw, code):
    same_as_torch(gw, QUANT + code)


def test_quantile_values(gw):
    y = gw.tensor([3., 1., 2., 5.])
    assert math.isclose(gw.quantile(y, 0.4).item(), 2.2, rel_tol=1e-6)
    assert gw.quantile(y, 0.4, interpolation="lower").item() == 2.0
    assert gw.quantile(y, 0.4, interpolation="higher").item() == 3.0
    assert gw.quantile(y, 0.4, interpolation="midpoint").item() == 2.5
    q = gw.tensor([0.125, 0.375, 0.625])
    assert gw.quantile(gw.arange(5.), q, interpolation="nearest").tolist() == [0., 2., 2.]  # half to even
    m = gw.tensor([[1., NAN, 3.], [4., 5., 6.]])
    assert gw.nanquantile(m, 0.5, 1).tolist() == [2., 5.]
    assert math.isnan(gw.quantile(m, 0.5, 1).tolist()[0])


# ---- scatter_reduce ------------------------------------------------------------------------------

SCAT = ("x = torch.tensor([[1., 2., 3., 4.], [5., 6., 7., 8.], [0.5, -1., 2., 3.]], requires_grad=True)\n"
        "s = torch.tensor([[2., -3., 4., 1.5], [0.5, 2., -1., 6.]], requires_grad=True)\n"
        "i = torch.tensor([[0, 2, 2, 1], [2, 2, 0, 1]])\n")


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(gw, reduce, include_self):
    same_as_torch(gw, SCAT + f"""
y = x.scatter_reduce(0, i, s, '{reduce}', include_self={include_self})
(y * torch.arange(12.).reshape(3, 4)).sum().backward()
print(y, x.grad, s.grad)
z = x.detach().clone().requires_grad_()
w = z * 1
print(w.scatter_reduce_(0, i, s, '{reduce}', include_self={include_self}), w.grad_fn)
print(torch.scatter_reduce(torch.tensor([1, 2, 3, 4]), 0, torch.tensor([0, 0, 1, 3]), torch.tensor([5, 6, 7, 8]),
                           '{reduce}', include_self={include_self}))
""")


@pytest.mark.parametrize("code", [
    "x.scatter_reduce(0, i, s, 'foo')",
    "x.scatter_reduce(0, i, s.double(), 'sum')",
    "x.scatter_reduce(0, i + 5, s, 'sum')",
    "x.scatter_reduce(0, i.float(), s, 'sum')",
    "x.scatter_reduce(0, i, 5, 'sum')",
])
def test_scatter_reduce_errors(gw, code):
    same_as_torch(gw, SCAT + code)


def test_scatter_reduce_values(gw):
    s, i, src = gw.tensor([1, 2, 3, 4]), gw.tensor([0, 0, 1, 3]), gw.tensor([5, 6, 7, 8])
    assert s.scatter_reduce(0, i, src, "sum").tolist() == [12, 9, 3, 12]
    assert s.scatter_reduce(0, i, src, "prod", include_self=False).tolist() == [30, 7, 3, 8]
    assert s.scatter_reduce(0, i, src, "mean").tolist() == [4, 4, 3, 6]  # integer mean rounds down
    assert s.scatter_reduce(0, i, src, "amin", include_self=False).tolist() == [5, 7, 3, 8]


# ---- index_copy / masked_scatter / put -----------------------------------------------------------

WRITE = ("x = torch.tensor([[1., 2., 3., 4.], [5., 6., 7., 8.], [0.5, -1., 2., 3.]], requires_grad=True)\n"
         "s = torch.tensor([[2., -3., 4., 1.5], [0.5, 2., -1., 6.]], requires_grad=True)\n"
         "w = torch.arange(12.).reshape(3, 4)\n")


@pytest.mark.parametrize("code", [
    "y = x.index_copy(0, torch.tensor([2, 0]), s); (y * w).sum().backward(); print(y, x.grad, s.grad)",
    "y = torch.index_copy(x, 1, torch.tensor([3, 0]), s.t()[:3]); (y * w).sum().backward(); print(y, x.grad, s.grad)",
    "y = x * 1; y.index_copy_(0, torch.tensor([1]), s[:1]); (y * w).sum().backward(); print(y, x.grad, s.grad)",
    "y = x.masked_scatter(torch.tensor([True, False, True, True]), s); (y * w).sum().backward(); print(y, x.grad, s.grad)",
    "y = x * 1; y.masked_scatter_(torch.tensor([[True], [False], [True]]), s); (y * w).sum().backward(); print(y, x.grad, s.grad)",
    "y = torch.put(x, torch.tensor([0, -1, 5]), s[0, :3]); (y * w).sum().backward(); print(y, x.grad, s.grad)",
    "y = x.put(torch.tensor([0, -1, 0]), s[1, :3], accumulate=True); (y * w).sum().backward(); print(y, x.grad, s.grad)",
    "y = x * 1; y.put_(torch.tensor([[1, 2]]), s[:, 0]); (y * w).sum().backward(); print(y, x.grad, s.grad)",
    "print(torch.zeros(2, 2).masked_scatter(torch.tensor([[True, False], [True, True]]), torch.tensor([1., 2, 3, 4, 5])))",
    "print(torch.zeros(5, dtype=torch.int64).put_(torch.tensor([1, 1, -1]), torch.tensor([1, 2, 3]), accumulate=True))",
    "x.index_copy(0, torch.tensor([5]), s[:1])",
    "x.index_copy(0, torch.tensor([1.]), s[:1])",
    "x.index_copy(0, torch.tensor([1, 2]), s[:1])",
    "x.index_copy(0, torch.tensor([1]), s[:1].double())",
    "x.index_copy(0, torch.tensor([1]), s[:1, :3])",
    "x.masked_scatter(torch.tensor([1, 0, 1, 1]), s)",
    "x.masked_scatter(torch.ones(3, 4, dtype=torch.bool), s)",
    "x.masked_scatter(torch.ones(2, 4, dtype=torch.bool), s)",
    "x.masked_scatter(torch.ones(4, dtype=torch.bool), s.double())",
    "x.put(torch.tensor([12]), torch.tensor([1.]))",
    "x.put(torch.tensor([1, 2]), torch.tensor([1.]))",
    "x.put(torch.tensor([1.]), torch.tensor([1.]))",
    "x.put(torch.tensor([1]), torch.tensor([1.]).double())",
])
def test_index_copy_masked_scatter_put(gw, code):
    same_as_torch(gw, WRITE + code)


def test_index_copy_masked_scatter_put_values(gw):
    z = gw.zeros(2, 3)
    assert z.index_copy(1, gw.tensor([2]), gw.ones(2, 1)).tolist() == [[0., 0., 1.], [0., 0., 1.]]
    m = gw.tensor([[True, False, True], [False, True, False]])
    assert z.masked_scatter(m, gw.arange(1., 5.)).tolist() == [[1., 0., 2.], [0., 3., 0.]]
    assert z.put(gw.tensor([-1, 0, 0]), gw.tensor([7., 1., 2.]), accumulate=True).tolist() == [[3., 0., 0.], [0., 0., 7.]]


# ---- select/slice/diagonal_scatter, fill_diagonal_, renorm ----------------------------------------

@pytest.mark.parametrize("code", [
    "s = torch.tensor([1., -2., 3.], requires_grad=True); y = x.select_scatter(s, 1, -1); (y * w).sum().backward(); print(y, x.grad, s.grad)",
    "s = torch.ones(3, 2, requires_grad=True); y = torch.slice_scatter(x, s, 1, 0, 4, 2); (y * w).sum().backward(); print(y, x.grad, s.grad)",
    "print(torch.slice_scatter(x, torch.ones(1, 4), start=-1))",
    "s = torch.tensor([1., 2., 3.], requires_grad=True); y = x.diagonal_scatter(s, 1); (y * w).sum().backward(); print(y, x.grad, s.grad)",
    "print(torch.diagonal_scatter(torch.zeros(2, 3, 4), torch.ones(3, 2), -1, 2, 0))",
    "x.select_scatter(torch.ones(3), 0, 1)",
    "x.select_scatter(torch.ones(4), 0, 5)",
    "x.slice_scatter(torch.ones(3, 3), 1, 0, 4, 2)",
    "x.diagonal_scatter(torch.ones(4))",
    "print(torch.zeros(3, 4).fill_diagonal_(5), torch.zeros(7, 3).fill_diagonal_(5, wrap=True), torch.zeros(7, 3).fill_diagonal_(5))",
    "print(torch.zeros(3, 3, 3).fill_diagonal_(5), torch.zeros(4, 3).t().fill_diagonal_(1))",
    "torch.zeros(2, 3, 4).fill_diagonal_(5)",
    "y = x * 1; y.fill_diagonal_(2); y.sum().backward(); print(y, y.grad_fn, x.grad)",
    "print(torch.arange(12.).reshape(3, 4).renorm(2, 0, 5), torch.renorm(torch.arange(12.).reshape(3, 4), 1, 1, 10))",
    "y = x.renorm(2, 0, 5); (y * w).sum().backward(); print(y, (x.grad * 1e4).round() / 1e4)",
    "y = (x * 1).renorm_(3, -1, 4); (y * w).sum().backward(); print(y, y.grad_fn, x.grad)",
    "x.renorm(-1, 0, 5)",
    "x.renorm(2, 0, -5)",
    "torch.arange(4.).renorm(2, 0, 1)",
])
def test_embed_and_renorm(gw, code):
    same_as_torch(gw, WRITE + code)


def test_embed_and_renorm_values(gw):
    z = gw.zeros(2, 3)
    assert z.select_scatter(gw.ones(3), 0, 1).tolist() == [[0., 0., 0.], [1., 1., 1.]]
    assert z.slice_scatter(gw.ones(2, 1), 1, 1, 2).tolist() == [[0., 1., 0.], [0., 1., 0.]]
    assert z.diagonal_scatter(gw.tensor([4., 5.])).tolist() == [[4., 0., 0.], [0., 5., 0.]]
    assert gw.zeros(2, 2).fill_diagonal_(3).tolist() == [[3., 0.], [0., 3.]]
    r = gw.tensor([[3., 4.], [0.3, 0.4]]).renorm(2, 0, 1.0).tolist()
    assert r[1] == pytest.approx([0.3, 0.4]) and r[0] == pytest.approx([0.6, 0.8], rel=1e-6)


# ---- gcd / lcm / frexp / angle -------------------------------------------------------------------

@pytest.mark.parametrize("code", [
    "print(torch.gcd(torch.tensor([12, -18, 0]), torch.tensor([8, 4, 0])), torch.lcm(torch.tensor([4, -6, 0]), torch.tensor([6, 4, 5])))",
    "print(torch.gcd(torch.tensor([12], dtype=torch.int32), torch.tensor(8)).dtype, torch.tensor([[6], [9]]).lcm(torch.tensor([4, 3])))",
    "a = torch.tensor([12, 18]); a.gcd_(torch.tensor([8, 4])); print(a); a.lcm_(torch.tensor(3)); print(a)",
    "torch.gcd(torch.tensor([1.]), torch.tensor([2.]))",
    "torch.gcd(torch.tensor([True]), torch.tensor([True]))",
    "torch.lcm(torch.tensor([1]), torch.tensor([2.]))",
    "x = torch.tensor([-1.5, 0., 2., float('nan'), -0., 1e-3], requires_grad=True); m, e = torch.frexp(x); print(m, e, m.grad_fn); (m * torch.arange(6.)).sum().backward(); print(x.grad)",
    "print(torch.frexp(torch.tensor([3., 0.25], dtype=torch.float64)), torch.tensor([8.]).frexp())",
    "torch.frexp(torch.tensor([1, 2]))",
    "x = torch.tensor([-1.5, 0., 2., float('nan'), -0.], requires_grad=True); a = torch.angle(x); a.sum().backward(); print(a, a.grad_fn, x.grad)",
    "print(torch.angle(torch.tensor([-1, 2])), torch.tensor([-2., 1.], dtype=torch.float64).angle())",
])
def test_gcd_lcm_frexp_angle(gw, code):
    same_as_torch(gw, code)


def test_gcd_lcm_frexp_angle_values(gw):
    assert gw.gcd(gw.tensor([12, -18]), gw.tensor([8, 4])).tolist() == [4, 2]
    assert gw.lcm(gw.tensor([4, -6]), gw.tensor([6, 4])).tolist() == [12, 12]
    m, e = gw.frexp(gw.tensor([8., -3.]))
    assert m.tolist() == [0.5, -0.75] and e.tolist() == [4, 2]
    assert gw.angle(gw.tensor([-1., 1.])).tolist() == [pytest.approx(math.pi), 0.0]
