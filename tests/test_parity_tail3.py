"""More of torch's tail (engine/ops/extra_ops2.py, register_multi_grad_hook, random fills) against PyTorch,
plus exact values."""
from __future__ import annotations

import pytest

from test_parity_ops import same_as_torch

pytestmark = pytest.mark.timeout(120)

# snippets, separated by "#---" lines, each compared with torch (values, dtypes, nodes, errors)
SNIPPETS = r'''
a = torch.tensor([1., 2., 3.], requires_grad=True)
b = torch.tensor([4., 5., 6.], requires_grad=True)
c = a * b
d = a * b
def fn(grads):
    print([g is not None for g in grads], [None if g is None else g.tolist() for g in grads])
h = torch.autograd.graph.register_multi_grad_hook((a, b, c, d), fn)
c.sum().backward(retain_graph=True)
c.sum().backward(inputs=(a,), retain_graph=True)
torch.autograd.grad(d.sum(), (b,), retain_graph=True)
print(type(h).__name__)
h.remove()
c.sum().backward(retain_graph=True)
print("removed")
#---
a = torch.tensor([1., 2., 3.], requires_grad=True)
b = torch.tensor([4., 5., 6.], requires_grad=True)
seen = []
h = torch.autograd.graph.register_multi_grad_hook((a, b), lambda g: seen.append(g.tolist()), mode="any")
(a * 2 + b * 3).sum().backward()
(a * 4).sum().backward()
print(seen)
#---
a = torch.tensor([1., 2.], requires_grad=True)
torch.autograd.graph.register_multi_grad_hook((a,), print, mode="x")
#---
a = torch.tensor([1., 2.], requires_grad=True)
torch.autograd.graph.register_multi_grad_hook((a, torch.ones(2)), print)
#---
a = torch.tensor([1., 2.], requires_grad=True)
h = torch.autograd.graph.register_multi_grad_hook((a, torch.ones(2)), lambda g: print("any", g), mode="any")
(a * 3).sum().backward()
#---
x = torch.tensor([1, 1, 2, 2, 3, 1, 1, 2])
print(torch.unique_consecutive(x))
print(torch.unique_consecutive(x, return_inverse=True, return_counts=True))
print(x.unique_consecutive(return_counts=True))
print(x.unique_consecutive(return_inverse=True))
#---
m = torch.tensor([[1,2],[1,2],[3,4],[1,2]])
print(torch.unique_consecutive(m, dim=0, return_inverse=True, return_counts=True))
print(torch.unique_consecutive(m, dim=1, return_inverse=True))
print(torch.unique_consecutive(m, dim=-1, return_counts=True))
print(torch.unique_consecutive(torch.tensor([[1,1],[2,2]]), return_inverse=True))
#---
print(torch.unique_consecutive(torch.tensor([1.,1.], requires_grad=True)))
print(torch.unique_consecutive(torch.tensor([])))
print(torch.unique_consecutive(torch.tensor(5), return_inverse=True, return_counts=True))
print(torch.unique_consecutive(torch.tensor([True, True, False])))
print(torch.unique_consecutive(torch.tensor([float('nan'), float('nan'), 1.])))
print(torch.unique_consecutive(torch.zeros(0, 3), dim=0, return_counts=True, return_inverse=True))
#---
torch.unique_consecutive(torch.tensor(5), dim=0)
#---
torch.unique_consecutive(torch.tensor([[1, 2]]), dim=2)
#---
torch.unique_consecutive(torch.zeros(2, 0), dim=0)
#---
torch.unique_consecutive(torch.tensor([1.,1.], requires_grad=True)).sum().backward()
#---
x = torch.tensor([1., 2, 1, 2.5, 4])
print(torch.histogram(x, bins=4))
print(torch.histogram(x, bins=4, range=(0., 5.), density=True))
print(torch.histogram(x, torch.tensor([0., 1.5, 3, 5]), weight=torch.tensor([1., 2, 3, 4, 5])))
print(x.histogram(3))
h, e = torch.histogram(x, 2); print(h, e)
r = torch.histogram(x, 2); print(r.hist, r.bin_edges, type(r).__name__)
#---
print(torch.histogram(torch.tensor([1., 2.], dtype=torch.float64), 2))
print(torch.histogram(torch.tensor([[1., 2], [3, 4]]), 2))
print(torch.histogram(torch.tensor([]), 3))
print(torch.histogram(x := torch.tensor([1., 2, 1, 2.5, 4]), 3, range=(1., 1.)))
print(torch.histogram(x, torch.tensor([3., 1.])))
print(torch.histogram(x, 3, range=(0., 4.), weight=torch.tensor([1., 2, 3, 4, 5]), density=True))
print(torch.histogram(torch.tensor([0., 1.]), 3).bin_edges)
#---
torch.histogram(torch.tensor([1, 2]), 3)
#---
torch.histogram(torch.tensor([1., 2]), 0)
#---
torch.histogram(torch.tensor([1., 2]), 3, range=(3., 1.))
#---
torch.histogram(torch.tensor([1., 2]), 2, weight=torch.tensor([1.]))
#---
torch.histogram(torch.tensor([1., 2]), torch.tensor([[1., 2.]]))
#---
torch.histogram(torch.tensor([1., 2]), torch.tensor([1.]))
#---
torch.histogram(torch.tensor([1., float('nan')]), 2)
#---
torch.histogram(torch.tensor([1., float('inf')]), 2)
#---
torch.histogram(torch.tensor([1., 2]), 2, weight=torch.tensor([1, 2]))
#---
torch.histogram(torch.tensor([1., 2]), torch.tensor([1., 2.], dtype=torch.float64))
#---
x = torch.tensor([1, 2, 3, 5])
print(torch.vander(x))
print(torch.vander(x, N=3))
print(torch.vander(x, N=3, increasing=True))
print(torch.vander(x, N=0))
print(torch.vander(torch.tensor([True, False])))
print(torch.vander(torch.tensor([1, 2], dtype=torch.int32)))
print(torch.vander(torch.tensor([1., 2.], dtype=torch.float64), 3))
print(torch.vander(torch.tensor([])))
#---
torch.vander(torch.tensor([1, 2]), N=-1)
#---
torch.vander(torch.tensor([[1, 2]]))
#---
torch.vander(torch.tensor([1., 2.]), N=2.0)
#---
y = torch.tensor([1., 2., 3.], requires_grad=True)
for n in (0, 1, 2, 3):
    for inc in (False, True):
        v = torch.vander(y, n, increasing=inc); print(n, inc, v, v.requires_grad, v.grad_fn.name() if v.grad_fn else None)
#---
x = torch.arange(6.)
print(x.as_strided((2, 2), (1, 2)))
print(x.as_strided((2, 2), (1, 2), 1))
print(x[1:].as_strided((2, 2), (1, 2)))
print(x[1:].as_strided((2, 2), (1, 2)).storage_offset(), x[1:].as_strided((2, 2), (1, 2)).stride())
print(x.as_strided([2, 2], [2, 1])._base is x)
print(torch.as_strided(x, (2,), (1,)))
print(torch.as_strided(x, (3, 2), (1, 0), 2).contiguous())
#---
x = torch.arange(6.)
v = x.as_strided((2, 2), (1, 2), 1)
v.mul_(10)
print(x, v)
x.add_(1)
print(v)
#---
x = torch.arange(6.)
x.as_strided((3, 3), (1, 1), 5)
#---
torch.arange(6.).as_strided((2,), (1, 2))
#---
torch.arange(6.).as_strided((2,), (-1,))
#---
torch.arange(6.).as_strided((2,), (1,), -1)
#---
torch.arange(6.).as_strided((-1,), (1,))
#---
y = torch.arange(6., requires_grad=True)
z = y.as_strided((2, 2), (1, 2), 1); print(z, z.grad_fn)
(z * torch.tensor([[1., 2], [3, 4]])).sum().backward(); print(y.grad)
y2 = y * 1
z = y2[2:].as_strided((2, 2), (2, 1)); print(z)
z.sum().backward(); print(y.grad)
#---
x = torch.ones(5, 3)
print(x.index_reduce(0, torch.tensor([0, 4, 2, 0]), torch.arange(12.).view(4, 3), 'prod'))
print(x.index_reduce(0, torch.tensor([0, 4, 2, 0]), torch.arange(12.).view(4, 3), 'mean', include_self=False))
print(x.index_reduce(0, torch.tensor([0, 4, 2, 0]), torch.arange(12.).view(4, 3), 'mean'))
print(x.index_reduce(0, torch.tensor([0, 4, 2, 0]), torch.arange(12.).view(4, 3), 'amax', include_self=False))
print(x.index_reduce(1, torch.tensor([0, 2]), torch.arange(10.).view(5, 2), 'amin'))
print(torch.ones(5, dtype=torch.int64).index_reduce(0, torch.tensor([0, 0, 1]), torch.tensor([3, 4, 5]), 'mean'))
print(torch.index_reduce(x, 0, torch.tensor([0], dtype=torch.int32), torch.ones(1, 3) * 2, 'prod'))
x.index_reduce_(0, torch.tensor([1]), torch.full((1, 3), 7.), 'amax')
print(x)
#---
torch.ones(5, 3).index_reduce(0, torch.tensor([0, 4, 2, 0]), torch.arange(12.).view(4, 3), 'sum')
#---
torch.ones(5, 3).index_reduce(0, torch.tensor([0, 4, 2, 0]), torch.arange(12).view(4, 3), 'prod')
#---
torch.ones(5, 3).index_reduce(0, torch.tensor([0, 4, 2, 0.]), torch.arange(12.).view(4, 3), 'prod')
#---
torch.ones(5, 3).index_reduce(0, torch.tensor([0, 4, 2]), torch.arange(12.).view(4, 3), 'prod')
#---
torch.ones(5, 3).index_reduce(0, torch.tensor([0, 5, 2, 0]), torch.arange(12.).view(4, 3), 'prod')
#---
torch.ones(5, 3).index_reduce(0, torch.tensor([[0]]), torch.arange(3.).view(1, 3), 'amin')
#---
torch.ones(5, 3).index_reduce(0, torch.tensor([0]), torch.ones(1, 2), 'prod')
#---
a = torch.tensor([[1., 2.], [3., 4.], [5., 6.]], requires_grad=True)
s = torch.tensor([[2., 2.], [3., 1.]], requires_grad=True)
for r in ("prod", "mean", "amax", "amin"):
    for inc in (True, False):
        o = a.index_reduce(0, torch.tensor([0, 0]), s, r, include_self=inc)
        g = torch.autograd.grad(o.sum(), (a, s))
        print(r, inc, o.grad_fn.name(), o, g)
#---
a = torch.tensor([[1., 2.], [3., 4.], [5., 6.]], requires_grad=True)
b = a * 1
b.index_reduce_(0, torch.tensor([2, 0]), torch.tensor([[2., 2.], [3., 1.]]), "prod")
print(b)
b.sum().backward(); print(a.grad)
'''.strip().split("\n#---\n")


@pytest.mark.parametrize("code", SNIPPETS, ids=[f"s{i}" for i in range(len(SNIPPETS))])
def test_same_as_torch(gw, code):
    same_as_torch(gw, code)


def test_multi_grad_hook_values(gw):
    a = gw.tensor([1., 2.], requires_grad=True)
    b = gw.tensor([3., 4.], requires_grad=True)
    calls = []
    h = gw.autograd.graph.register_multi_grad_hook((a, b), lambda gs: calls.append([None if g is None else g.tolist() for g in gs]))
    (a * b).sum().backward()
    (a * 5).sum().backward()
    assert calls == [[[3., 4.], [1., 2.]], [[5., 5.], None]]
    h.remove()
    (a * b).sum().backward()
    assert len(calls) == 2
    first = []
    gw.autograd.graph.register_multi_grad_hook((a, b), lambda g: first.append(g.tolist()), mode="any")
    (a * 2 + b * 3).sum().backward()
    assert len(first) == 1 and first[0] in ([2., 2.], [3., 3.])


def test_unique_consecutive_histogram_vander_values(gw):
    x = gw.tensor([4, 4, 1, 1, 1, 4])
    vals, inv, counts = gw.unique_consecutive(x, return_inverse=True, return_counts=True)
    assert (vals.tolist(), inv.tolist(), counts.tolist()) == ([4, 1, 4], [0, 0, 1, 1, 1, 2], [2, 3, 1])
    h = gw.histogram(gw.tensor([0., 1., 1., 3., 4.]), 4)
    assert h.hist.tolist() == [1., 2., 0., 2.] and h.bin_edges.tolist() == [0., 1., 2., 3., 4.]
    assert gw.histogram(gw.tensor([0., 1., 3.]), gw.tensor([0., 2., 4.]), weight=gw.tensor([1., 2., 4.])).hist.tolist() == [3., 4.]
    assert gw.vander(gw.tensor([2, 3]), 3).tolist() == [[4, 2, 1], [9, 3, 1]]
    y = gw.tensor([2., 3.], requires_grad=True)
    gw.vander(y, 4, increasing=True).sum().backward()
    assert y.grad.tolist() == [1 + 4 + 12, 1 + 6 + 27]  # d/dy (1 + y + y^2 + y^3)


def test_as_strided_index_reduce_values(gw):
    y = gw.arange(6., requires_grad=True)
    z = y.as_strided((2, 2), (1, 2), 1)
    assert z.tolist() == [[1., 3.], [2., 4.]] and z.stride() == (1, 2) and z.storage_offset() == 1
    (z * gw.tensor([[1., 2.], [3., 4.]])).sum().backward()
    assert y.grad.tolist() == [0., 1., 3., 2., 4., 0.]
    x = gw.ones(3, 2)
    out = x.index_reduce(0, gw.tensor([0, 2, 0]), gw.tensor([[2., 3.], [4., 5.], [6., 7.]]), "prod")
    assert out.tolist() == [[12., 21.], [1., 1.], [4., 5.]]
    out = x.index_reduce(0, gw.tensor([0, 2, 0]), gw.tensor([[2., 3.], [4., 5.], [6., 7.]]), "amax", include_self=False)
    assert out.tolist() == [[6., 7.], [1., 1.], [4., 5.]]


# ---- random fills and draws --------------------------------------------------------------------------
RANDOM_SNIPPETS = r'''
torch.empty(3, dtype=torch.int64).exponential_(-1)
#---
torch.empty(3, dtype=torch.int64).cauchy_(0, -1)
#---
torch.empty(3, dtype=torch.int64).log_normal_(0, -1)
#---
torch.empty(3, dtype=torch.bool).geometric_(2)
#---
torch.empty(3, dtype=torch.int64).uniform_()
#---
print(torch.zeros(3, dtype=torch.int64).uniform_(0, 5).dtype)
#---
torch.empty(3, dtype=torch.int64).normal_()
#---
torch.empty(3).uniform_(2, 1)
#---
torch.empty(3).normal_(0, -1)
#---
torch.empty(3).random_(5, 2)
#---
torch.empty(3).bernoulli_(1.5)
#---
y = torch.zeros(3, requires_grad=True)
print((y*1).uniform_().grad_fn)
#---
y = torch.zeros(3, requires_grad=True)
print((y*1).normal_().grad_fn)
#---
y = torch.zeros(3, requires_grad=True)
print((y*1).random_().grad_fn, (y*1).random_(5).grad_fn, (y*1).random_(1, 5).grad_fn)
#---
y = torch.zeros(3, requires_grad=True)
print((y*1).bernoulli_().grad_fn)
#---
y = torch.zeros(3, requires_grad=True)
z = (y*1).uniform_()
z.sum().backward(); print(y.grad)
#---
torch.zeros(3).uniform_(0, 1, 2)
#---
torch.zeros(3).uniform_(from_=0)
#---
print(torch.zeros(3).uniform_(**{"from": 1, "to": 1}))
#---
torch.zeros(3).normal_(mean=torch.tensor(1.))
#---
g = torch.Generator().manual_seed(3)
a = torch.zeros(4).uniform_(generator=g)
g.manual_seed(3)
b = torch.zeros(4).uniform_(generator=g)
print(torch.equal(a, b))
#---
torch.manual_seed(0); a = torch.empty(5).exponential_(); torch.manual_seed(0); b = torch.empty(5).exponential_()
print(torch.equal(a, b), (a > 0).all())
#---
g = torch.Generator().manual_seed(3)
a = torch.empty(5).cauchy_(generator=g); g.manual_seed(3); b = torch.empty(5).cauchy_(generator=g)
print(torch.equal(a, b))
#---
torch.poisson(torch.tensor([-1.]))
#---
torch.poisson(torch.tensor([1, 2]))
#---
r = torch.tensor([1., 2], requires_grad=True); p = torch.poisson(r); print(p.grad_fn, p.dtype, p.shape)
p.sum().backward(); print(r.grad)
#---
print(torch.poisson(torch.tensor([0., 0.])), torch.binomial(torch.tensor([0., 3.]), torch.tensor([0.5, 0.])))
print(torch.binomial(torch.tensor([-1.]), torch.tensor([0.5])), torch.binomial(torch.tensor([4., 10.]), torch.tensor([1., 1.])))
#---
torch.binomial(torch.tensor([5, 10]), torch.tensor([0.5, 0.2]))
#---
torch.binomial(torch.tensor([5., 10]), torch.tensor([0.5, 0.2], dtype=torch.float64))
#---
c = torch.tensor([5., 10], requires_grad=True); b = torch.binomial(c, torch.tensor([0.5, 0.2])); print(b.grad_fn, b.shape)
b.sum().backward()
#---
#---
print(torch.poisson(torch.tensor([1.]), generator=torch.Generator().manual_seed(0)).shape)
#---
x = torch.empty(3)
print(x.exponential_(lambd=2.0).shape, x.geometric_(p=0.5).shape, x.cauchy_(median=0., sigma=1.).shape, x.log_normal_(mean=0., std=1.).shape)
print(torch.empty(3, dtype=torch.int64).geometric_(0.5).dtype, torch.empty(3, dtype=torch.float16).exponential_().dtype)
print(x.exponential_(float('inf')))
#---
torch.empty(3).geometric_()
#---
torch.empty(3).exponential_(1, 2)
#---
torch.empty(3).cauchy_(sigma=0)
#---
torch.empty(3).log_normal_(std=0.)
#---
torch.empty(3, dtype=torch.int32).exponential_()
#---
torch.empty(3, dtype=torch.int32).cauchy_()
#---
torch.empty(3, dtype=torch.int32).log_normal_()
#---
torch.empty(3, dtype=torch.int32).normal_()
#---
y = torch.zeros(3, requires_grad=True)
y.exponential_()
#---
y = torch.zeros(3, requires_grad=True)
for f in ("exponential_", "cauchy_", "log_normal_"):
    z = getattr(y * 1, f)(); print(z.grad_fn, z.requires_grad)
z = (y * 1).geometric_(0.3); print(z.grad_fn)
z.sum().backward(); print(y.grad)
#---
y = torch.zeros(3, requires_grad=True)
with torch.no_grad():
    y.exponential_()
print(y.grad_fn, (y > 0).all())
#---
x = torch.empty(10000)
print((x.geometric_(0.25) >= 1).all(), (x == x.round()).all())
print((torch.empty(1000).log_normal_() > 0).all())
#---
print(torch.poisson(torch.tensor([[1., 2.], [3., 4.]])).shape, torch.poisson(torch.tensor(3.)).shape)
'''.strip().split("\n#---\n")


@pytest.mark.parametrize("code", RANDOM_SNIPPETS, ids=[f"r{i}" for i in range(len(RANDOM_SNIPPETS))])
def test_random_same_as_torch(gw, code):
    same_as_torch(gw, code)


N = 100_000


@pytest.mark.parametrize("fill, mean, var", [
    (lambda t: t.exponential_(2.0), 0.5, 0.25),
    (lambda t: t.exponential_(), 1.0, 1.0),
    (lambda t: t.geometric_(0.25), 4.0, 12.0),
    (lambda t: t.log_normal_(0.0, 0.5), 1.1331485, 0.3646958),
    (lambda t: t.uniform_(-1.0, 3.0), 1.0, 4.0 / 3),
    (lambda t: t.normal_(2.0, 3.0), 2.0, 9.0),
])
def test_fill_statistics(gw, fill, mean, var):
    x = fill(gw.empty(N, dtype=gw.float64))
    m, v = x.mean().item(), x.var().item()
    assert abs(m - mean) < 0.03 * max(mean, 1) and abs(v - var) < 0.06 * var, (m, v)


def test_cauchy_quartiles(gw):
    x = gw.empty(N, dtype=gw.float64).cauchy_(1.0, 2.0)
    q = gw.quantile(x, gw.tensor([0.25, 0.5, 0.75], dtype=gw.float64)).tolist()
    assert abs(q[0] + 1.0) < 0.1 and abs(q[1] - 1.0) < 0.05 and abs(q[2] - 3.0) < 0.1, q


def test_poisson_binomial_statistics(gw):
    p = gw.poisson(gw.full((N,), 3.0, dtype=gw.float64))
    assert (p == p.round()).all().item() and abs(p.mean().item() - 3) < 0.05 and abs(p.var().item() - 3) < 0.15
    b = gw.binomial(gw.full((N,), 10.0), gw.full((N,), 0.3))
    assert b.min().item() >= 0 and b.max().item() <= 10
    assert abs(b.mean().item() - 3) < 0.05 and abs(b.var().item() - 2.1) < 0.1


@pytest.mark.parametrize("draw", [
    lambda t, **g: t.exponential_(**g), lambda t, **g: t.geometric_(0.3, **g), lambda t, **g: t.log_normal_(**g),
    lambda t, **g: t.cauchy_(**g), lambda t, **g: t.uniform_(**g), lambda t, **g: t.normal_(**g),
    lambda t, **g: t.random_(10, **g),
])
def test_fills_are_seeded(gw, draw):
    gw.manual_seed(7)
    a = draw(gw.empty(50)).tolist()
    gw.manual_seed(7)
    assert draw(gw.empty(50)).tolist() == a
    g = gw.Generator().manual_seed(11)
    b = draw(gw.empty(50), generator=g).tolist()
    g.manual_seed(11)
    assert draw(gw.empty(50), generator=g).tolist() == b != a


def test_poisson_binomial_seeded(gw):
    rates, count, prob = gw.full((20,), 4.0), gw.full((20,), 9.0), gw.full((20,), 0.4)
    g = gw.Generator().manual_seed(5)
    a = gw.poisson(rates, g).tolist(), gw.binomial(count, prob, g).tolist()
    g.manual_seed(5)
    assert (gw.poisson(rates, g).tolist(), gw.binomial(count, prob, g).tolist()) == a


# ---- F.interpolate: bicubic, trilinear and the 5-d modes ------------------------------------------------
INTERP_SNIPPETS = r'''
F = torch.nn.functional
x = torch.arange(16., dtype=torch.float64).reshape(1, 1, 4, 4).requires_grad_()
y = F.interpolate(x, size=(5, 7), mode="bicubic"); print(y, y.grad_fn)
y.pow(2).sum().backward(); print(x.grad)
#---
F = torch.nn.functional
x = torch.arange(16., dtype=torch.float64).reshape(1, 1, 4, 4).requires_grad_()
y = F.interpolate(x, size=(3, 5), mode="bicubic", align_corners=True); print(y, y.grad_fn)
y.pow(2).sum().backward(); print(x.grad)
#---
F = torch.nn.functional
x = torch.arange(24.).reshape(1, 2, 3, 4)
print(F.interpolate(x, size=(6, 2), mode="bicubic"))
print(F.interpolate(x, scale_factor=(2, 0.5), mode="bicubic", align_corners=False))
print(F.interpolate(x, size=(3, 4), mode="bicubic"))
#---
F = torch.nn.functional
x = torch.arange(8.).reshape(1, 1, 2, 2, 2).requires_grad_()
for m in ("trilinear", "nearest", "nearest-exact", "area"):
    y = F.interpolate(x, scale_factor=2, mode=m) if m != "area" else F.interpolate(x, size=(1, 3, 2), mode=m)
    print(m, y, y.grad_fn)
    g, = torch.autograd.grad(y.pow(2).sum(), x); print(g)
#---
F = torch.nn.functional
x = torch.arange(27., dtype=torch.float64).reshape(1, 1, 3, 3, 3).requires_grad_()
y = F.interpolate(x, size=(2, 5, 4), mode="trilinear", align_corners=True); print(y, y.grad_fn)
y = F.interpolate(x, size=(1, 1, 1), mode="area"); print(y, y.grad_fn)
y = F.interpolate(x, scale_factor=0.7, mode="area"); print(y, y.grad_fn)
y = F.interpolate(x, scale_factor=1.6, mode="nearest"); print(y.shape, y.sum())
y = F.interpolate(x, scale_factor=1.6, mode="nearest-exact"); print(y.shape, y.sum())
y = F.interpolate(x, scale_factor=(1.5, 2, 0.5), mode="trilinear"); print(y)
#---
F = torch.nn.functional
F.interpolate(torch.ones(1,1,3), size=4, mode="bicubic")
#---
F = torch.nn.functional
F.interpolate(torch.ones(1,1,3,3,3), size=4, mode="bicubic")
#---
F = torch.nn.functional
F.interpolate(torch.ones(1,1,3,3,3, dtype=torch.int64), size=4, mode="trilinear")
#---
F = torch.nn.functional
F.interpolate(torch.ones(1,1,3,3, dtype=torch.int64), size=4, mode="bicubic")
#---
F = torch.nn.functional
F.interpolate(torch.ones(1,1,3,3,3, dtype=torch.int64), size=4, mode="nearest")
#---
F = torch.nn.functional
F.interpolate(torch.ones(1,1,3,3,3, dtype=torch.int64), size=4, mode="area")
#---
F = torch.nn.functional
F.interpolate(torch.ones(1,1,3,3,3), size=0, mode="trilinear")
#---
F = torch.nn.functional
F.interpolate(torch.ones(1,1,3,3), size=0, mode="bicubic")
#---
F = torch.nn.functional
F.interpolate(torch.ones(1,1,3,3,3), size=0, mode="nearest")
#---
nn = torch.nn
m = nn.Upsample(scale_factor=2, mode="bicubic", align_corners=True)
print(m(torch.arange(4.).reshape(1, 1, 2, 2)))
print(nn.Upsample(size=(2, 2, 2), mode="trilinear")(torch.arange(8.).reshape(1, 1, 2, 2, 2)))
'''.strip().split("\n#---\n")


@pytest.mark.parametrize("code", INTERP_SNIPPETS, ids=[f"i{i}" for i in range(len(INTERP_SNIPPETS))])
def test_interpolate_same_as_torch(gw, code):
    same_as_torch(gw, code)


def test_interpolate_values(gw):
    F = gw.nn.functional
    x = gw.tensor([[[[0., 3.], [6., 9.]]]])
    # align_corners=True keeps the corners; a linear ramp stays a linear ramp under bicubic
    y = F.interpolate(x, size=(3, 3), mode="bicubic", align_corners=True)
    assert y.tolist() == [[[[0., 1.5, 3.], [3., 4.5, 6.], [6., 7.5, 9.]]]]
    v = gw.arange(8.).reshape(1, 1, 2, 2, 2)
    assert F.interpolate(v, scale_factor=2, mode="nearest")[0, 0, ::2, ::2, ::2].tolist() == v[0, 0].tolist()
    assert F.interpolate(v, size=(2, 2, 3), mode="trilinear", align_corners=True)[0, 0, 0, 0].tolist() == [0., 0.5, 1.]
    assert F.interpolate(v, size=(1, 1, 1), mode="area").item() == 3.5
    assert F.interpolate(v, size=(1, 2, 2), mode="area").flatten().tolist() == [2., 3., 4., 5.]


# ---- top-level functions from the probe of dir(torch): windows, aliases, sym_* ------------------------------
TOP_SNIPPETS = r'''
for w in ("hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"):
    f = getattr(torch, w)
    print(f(5), f(5, periodic=False), f(1), f(0), f(6, False))
#---
print(torch.hamming_window(5, False, 0.5, 0.5), torch.kaiser_window(5, False, 8.0), torch.hann_window(4, dtype=torch.float64))
print(torch.hann_window(4, requires_grad=True), torch.blackman_window(7, True, dtype=torch.float64))
#---
torch.hann_window(4, dtype=torch.int64)
#---
torch.hann_window(-1)
#---
a = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
print(torch.rsub(a, 2), torch.rsub(a, a, alpha=2))
print(torch.adjoint(a), a.adjoint()._base is a)
print(torch.concatenate([a, a], axis=1).shape, torch.concatenate([a, a], dim=1).shape, torch.concatenate((a, a)).shape)
print(torch.get_device(a), torch.constant_pad_nd(a, (1, 1), 2.))
#---
a = torch.tensor([[1., 2.], [3., 4.]])
r = torch.randint_like(a, 10); print(r.dtype, r.shape, r.requires_grad, ((r >= 0) & (r < 10)).all())
r = torch.randint_like(a, 3, 5, dtype=torch.int64); print(r.dtype, ((r >= 3) & (r < 5)).all())
#---
e = torch.empty_strided((2, 3), (1, 2)); print(e.shape, e.stride(), e.dtype)
e = torch.empty_strided((2, 3), (3, 1), dtype=torch.float64); print(e.shape, e.stride(), e.dtype, e.is_contiguous())
#---
a = torch.tensor([[2., 1.], [1., 3.]], requires_grad=True)
p = torch.pinverse(a); print(p, p.grad_fn)
#---
a = torch.tensor([[2., 1.], [1., 3.], [0., 1.]])
q = torch.qr(a); print(type(q).__name__, q.Q.shape, q.R.shape)
q = torch.qr(a, some=False); print(q.Q.shape, q.R.shape)
#---
print(torch.set_flush_denormal(True), torch.is_storage(torch.ones(1)), torch.compiled_with_cxx11_abi())
#---
print(torch.bitwise_left_shift(torch.tensor([1, 2]), 2), torch.bitwise_right_shift(torch.tensor([8, 16]), torch.tensor([1, 2])))
'''.strip().split("\n#---\n")


@pytest.mark.parametrize("code", TOP_SNIPPETS, ids=[f"t{i}" for i in range(len(TOP_SNIPPETS))])
@pytest.mark.filterwarnings("ignore:torch.qr is deprecated")
def test_top_level_same_as_torch(gw, code):
    same_as_torch(gw, code)


def test_windows_and_aliases_values(gw):
    assert gw.hann_window(4).tolist() == [0.0, 0.5, 1.0, 0.5]
    assert gw.bartlett_window(5, periodic=False).tolist() == [0.0, 0.5, 1.0, 0.5, 0.0]
    assert gw.hamming_window(3, False, 0.5, 0.25, dtype=gw.float64).tolist() == [0.25, 0.75, 0.25]
    assert gw.kaiser_window(1).tolist() == [1.0] and gw.blackman_window(0).shape == (0,)
    e = gw.empty_strided((2, 3), (1, 2))
    assert e.stride() == (1, 2) and e.shape == (2, 3)
    a = gw.tensor([[1., 2.], [3., 4.]])
    assert gw.adjoint(a).tolist() == [[1., 3.], [2., 4.]] and gw.rsub(a, 1).tolist() == [[0., -1.], [-2., -3.]]
    # torch's sym_* on plain numbers (not compared with torch: its first call imports sympy, seconds)
    assert gw.sym_max(2, 7) == 7 and gw.sym_min(2.5, 3) == 2.5 and gw.sym_sum([1, 2]) == 3 and gw.sym_int(3.9) == 3
    assert gw.sym_float(2) == 2.0 and gw.sym_sqrt(4) == 2.0 and gw.sym_not(True) is False and gw.sym_ite(False, 1, 2) == 2


# ---- torch.normal with tensors, more views and edge cases ---------------------------------------------------
MORE_SNIPPETS = r'''
r = torch.normal(torch.zeros(1000), torch.ones(1000)); print(r.shape, r.dtype)
#---
r = torch.normal(torch.zeros(4), 2.); print(r.shape)
#---
r = torch.normal(0., torch.ones(4)); print(r.shape)
#---
m = torch.zeros(3, requires_grad=True)
r = torch.normal(m, 1.); print(r.grad_fn)
r.sum().backward(); print(m.grad)
#---
m = torch.zeros(2, 1, requires_grad=True); s = torch.ones(3, requires_grad=True)
r = torch.normal(m, s); print(r.shape, r.grad_fn)
r.sum().backward(); print(m.grad, s.grad)
#---
s = torch.ones(3, requires_grad=True)
r = torch.normal(1., s); print(r.grad_fn, r.requires_grad)
#---
torch.normal(torch.zeros(2), -1.)
#---
torch.normal(torch.zeros(2), -torch.ones(2))
#---
torch.normal(torch.zeros(2), torch.ones(3))
#---
torch.normal(torch.zeros(2, dtype=torch.int64), 1.)
#---
print(torch.normal(torch.zeros(2, dtype=torch.float64), torch.ones(2)).dtype, torch.normal(torch.zeros(2), torch.ones(2, dtype=torch.float64)).dtype)
#---
print(torch.normal(torch.zeros(2)).shape)
#---
g = torch.Generator().manual_seed(3)
a = torch.normal(torch.zeros(5), 1., generator=g); g.manual_seed(3)
print(torch.equal(a, torch.normal(torch.zeros(5), 1., generator=g)))
#---
r = torch.normal(torch.zeros(1000), torch.ones(1000)); print(r.shape, r.dtype)
#---
r = torch.normal(2., 3., size=(5, 2)); print(r.shape, r.dtype)
#---
r = torch.normal(torch.zeros(4), 2.); print(r.shape)
#---
r = torch.normal(0., torch.ones(4)); print(r.shape)
#---
m = torch.zeros(3, requires_grad=True)
r = torch.normal(m, 1.); print(r.grad_fn)
r.sum().backward(); print(m.grad)
#---
torch.normal(torch.zeros(2), -1.)
#---
print(torch.empty(5, dtype=torch.uint8).random_().dtype, torch.empty(5, dtype=torch.bool).random_().dtype)
#---
g = torch.Generator().manual_seed(1)
print(torch.rand(3, generator=g).shape, torch.randn(2, generator=g).shape, torch.randperm(4, generator=g).sort().values)
#---
print(torch.Generator().manual_seed(5).initial_seed())
#---
x = torch.empty(3).exponential_(generator=torch.Generator().manual_seed(2)); print(x.shape)
#---
x = torch.ones(3)
print(torch.bernoulli(x * 0.0), torch.bernoulli(x), torch.bernoulli(x, p=0.0))
#---
print(torch.poisson(torch.zeros(3, 2)).shape)
#---
x = torch.empty(3, 3).random_(0, 2); print(((x == 0) | (x == 1)).all())
#---
x = torch.empty(4).uniform_(to=5.)
print(((x >= 0) & (x < 5)).all())
#---
torch.empty(4).uniform_(1, 2, generator=3)
#---
torch.empty(4).exponential_(generator=3)
#---
x = torch.arange(12.).reshape(3, 4)
t = x.t()
print(t.as_strided((2, 2), (1, 4)), t.as_strided((2, 2), (1, 4)).storage_offset())
print(x[1].as_strided((3,), (2,)), x[1].storage_offset(), x[1].as_strided((3,), (2,)).storage_offset())
v = x[1:, 1:]
print(v.stride(), v.storage_offset(), v.as_strided((2,), (5,), 0))
#---
x = torch.arange(6.)
e = x.expand(2, 6)
print(e.stride(), e.as_strided((3,), (2,)))
#---
x = torch.arange(6., requires_grad=True)
v = x[1:]
y = v.as_strided((2, 2), (2, 1), 0)
print(y)
y.sum().backward(); print(x.grad)
#---
x = torch.arange(9., requires_grad=True)
y = (x * 2).as_strided((3, 3), (1, 3)).t()
print(y, y.grad_fn)
y.pow(2).sum().backward(); print(x.grad)
#---
x = torch.zeros(4, requires_grad=True)
y = x.clone()
w = y.as_strided((2,), (2,), 1)
w.mul_(3).add_(1)
print(y, y.grad_fn)
y.sum().backward(); print(x.grad)
#---
a = torch.arange(24.).reshape(2, 3, 4)
print(a.index_reduce(1, torch.tensor([0, 2, 0]), torch.ones(2, 3, 4) * 2, 'prod'))
print(a.index_reduce(-1, torch.tensor([3, 3]), torch.full((2, 3, 2), 100.), 'amin', include_self=False))
print(a.index_reduce(2, torch.tensor([1]), torch.full((2, 3, 1), 5.), 'mean'))
#---
print(torch.tensor([2, 3, 4]).index_reduce(0, torch.tensor([0, 0]), torch.tensor([5, 6]), 'prod', include_self=False))
print(torch.tensor([2, 3, 4]).index_reduce(0, torch.tensor([2, 2]), torch.tensor([5, 6]), 'amax'))
#---
x = torch.tensor([1., 1., 2., 2., 2., 3.], requires_grad=True)
u, c = torch.unique_consecutive(x, return_counts=True)
print(u, c, u.requires_grad, c.requires_grad)
#---
print(torch.unique_consecutive(torch.tensor([[1, 1, 2], [1, 1, 2]]), dim=-1, return_counts=True))
print(torch.unique_consecutive(torch.tensor([3, 3, 3]), return_inverse=True, return_counts=True))
print(torch.tensor([5., 5., 1.], dtype=torch.float64).unique_consecutive())
#---
x = torch.linspace(0, 1, 11)
print(torch.histogram(x, bins=torch.linspace(0, 1, 5)))
print(torch.histogram(x, bins=5, range=(0.2, 0.8)))
#---
torch.histogram(torch.tensor([1., 2.]), bins=torch.tensor([0, 1, 2]))
#---
y = torch.zeros(2, 3)
print(y[0].exponential_().shape, (y[0] > 0).all(), (y[1] == 0).all())
z = torch.zeros(3, 2).t()
z.geometric_(0.5); print((z >= 1).all())
#---
x = torch.zeros(3, requires_grad=True)
y = x * 1
y[1:].cauchy_()
print(y.grad_fn)
y.sum().backward(); print(x.grad)
#---
x = torch.zeros(3, requires_grad=True)
with torch.no_grad():
    x.uniform_(2, 3)
print(((x >= 2) & (x < 3)).all(), x.requires_grad, x.grad_fn)
#---
x = torch.ones(3, requires_grad=True)
x.normal_()
#---
F = torch.nn.functional
x = torch.arange(16.).reshape(1, 1, 4, 4)
print(F.interpolate(x, size=2, mode="bicubic", align_corners=True))
print(F.upsample(x, scale_factor=0.5, mode="bicubic"))
#---
F = torch.nn.functional
x = torch.arange(2 * 2 * 2 * 3 * 2, dtype=torch.float64).reshape(2, 2, 2, 3, 2)
print(F.interpolate(x, scale_factor=(2, 1, 1.5), mode="trilinear", align_corners=True)[1, 1])
print(F.interpolate(x, scale_factor=0.5, mode="nearest").shape)
print(F.interpolate(x, scale_factor=(1.5, 0.7, 2.2), mode="nearest-exact")[0, 0])
print(F.interpolate(x, scale_factor=(0.5, 0.7, 1), mode="area")[0, 1])
#---
up = torch.nn.Upsample(scale_factor=2, mode="trilinear")
x = torch.arange(8.).reshape(1, 1, 2, 2, 2).requires_grad_()
y = up(x); print(y.grad_fn, y.shape)
y.sum().backward(); print(x.grad)
#---
F = torch.nn.functional
x = torch.arange(8.).reshape(1, 1, 2, 2, 2)
F.interpolate(x, size=(2, 2), mode="nearest")
#---
a = torch.tensor([1., 2.], requires_grad=True)
b = a * 2
seen = []
torch.autograd.graph.register_multi_grad_hook([a, b], lambda gs: seen.append([None if g is None else g.tolist() for g in gs]))
(b * 3).sum().backward()
print(seen)
#---
a = torch.tensor([1., 2.], requires_grad=True)
b = torch.tensor([1., 2.], requires_grad=True)
out = []
h = torch.autograd.graph.register_multi_grad_hook((a, b), lambda gs: out.append(len(gs)))
l = (a * b).sum()
torch.autograd.backward(l, inputs=[b])
print(out, a.grad, b.grad)

#---
x = torch.zeros(3, requires_grad=True)
y = x * 1
v = y[1:]
v.mul_(2)
print(v.grad_fn, y.grad_fn)
#---
x = torch.zeros(3, requires_grad=True)
y = x * 1
v = y[1:]
v.cauchy_()
print(v.grad_fn, y.grad_fn)
#---
x = torch.zeros(3, requires_grad=True)
y = x * 1
v = y[1:]
v.index_reduce_(0, torch.tensor([0]), torch.ones(1), 'amax')
print(v.grad_fn, y.grad_fn)
#---
x = torch.zeros(3, 2, requires_grad=True)
y = x * 1
v = y[1:]
v.index_copy_(0, torch.tensor([0]), torch.ones(1, 2))
print(v.grad_fn, y.grad_fn)
#---
x = torch.zeros(3, requires_grad=True)
y = x * 1
v = y[1:]
v.uniform_()
print(v.grad_fn, y.grad_fn)
#---
x = torch.arange(6.)
y = x.as_strided_((2, 2), (1, 2), 1); print(y is x, x, x.stride(), x.storage_offset())
#---
a = torch.arange(6., requires_grad=True); b = a * 1
b.as_strided_((2,), (3,)); print(b, b.grad_fn)
b.sum().backward(); print(a.grad)
#---
print(torch.as_strided_(torch.arange(4.), (2,), (2,)))
#---
x = torch.arange(4.)
v = x[1:]
v.as_strided_((2,), (2,))
print(v, v.storage_offset(), x)
#---
torch.arange(4.).as_strided_((5,), (1,))
#---
a = torch.arange(6., requires_grad=True)
a.as_strided_((2,), (3,))
'''.strip().split("\n#---\n")


@pytest.mark.parametrize("code", MORE_SNIPPETS, ids=[f"m{i}" for i in range(len(MORE_SNIPPETS))])
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_more_same_as_torch(gw, code):
    same_as_torch(gw, code)


def test_normal_with_tensors_values(gw):
    m = gw.zeros(2, 1, requires_grad=True)
    s = gw.full((3,), 0.5, requires_grad=True)
    r = gw.normal(m, s)
    assert r.shape == (2, 3) and r.grad_fn.name() == "NormalBackward3"
    r.sum().backward()
    assert m.grad.tolist() == [[0.0], [0.0]] and s.grad.tolist() == [0.0, 0.0, 0.0]
    x = gw.normal(gw.full((N,), 3.0, dtype=gw.float64), 2.0)
    assert abs(x.mean().item() - 3) < 0.05 and abs(x.std().item() - 2) < 0.05
    assert gw.normal(5.0, gw.zeros(4)).tolist() == [5.0] * 4


# ---- torch.gradient -----------------------------------------------------------------------------------------
GRADIENT_SNIPPETS = r'''
f = torch.tensor([1., 4., 9., 16., 25.])
print(torch.gradient(f))
print(torch.gradient(f, spacing=2.))
print(torch.gradient(f, spacing=(2.,)))
print(torch.gradient(f, spacing=(torch.tensor([0., 1., 3., 4., 7.]),)))
print(torch.gradient(f, edge_order=2))
print(torch.gradient(f, spacing=(torch.tensor([0., 1., 3., 4., 7.]),), edge_order=2))
print(torch.gradient(f, spacing=torch.tensor(2.)))
#---
m = torch.arange(12.).reshape(3, 4) ** 2
print(torch.gradient(m))
print(torch.gradient(m, dim=1))
print(torch.gradient(m, dim=(1,), spacing=[3.]))
print(torch.gradient(m, spacing=[1., 2.], dim=[0, 1]))
print(torch.gradient(m, spacing=2, dim=-1))
print(torch.gradient(m, spacing=[torch.tensor([0., 1., 3.])], dim=0))
print(torch.gradient(m, edge_order=2, dim=0))
#---
print(torch.gradient(torch.tensor([1, 4, 9])))
#---
torch.gradient(torch.tensor([1., 2.]), edge_order=3)
#---
torch.gradient(torch.tensor([1., 2.]), edge_order=2)
#---
torch.gradient(torch.tensor([1., 4., 9.]), spacing=[1., 2.])
#---
torch.gradient(torch.ones(3, 3), spacing=[1., 2.], dim=0)
#---
x = torch.tensor([1., 4., 9.], requires_grad=True)
g = torch.gradient(x)[0]; print(g.grad_fn); g.sum().backward(); print(x.grad)
g = torch.gradient(x, spacing=(torch.tensor([0., 1., 3.]),))[0]; print(g.grad_fn)
'''.strip().split("\n#---\n")


@pytest.mark.parametrize("code", GRADIENT_SNIPPETS, ids=[f"g{i}" for i in range(len(GRADIENT_SNIPPETS))])
def test_gradient_same_as_torch(gw, code):
    same_as_torch(gw, code)


def test_gradient_values(gw):
    (g,) = gw.gradient(gw.tensor([0., 1., 4., 9.], dtype=gw.float64))
    assert g.tolist() == [1., 2., 4., 5.]
    (g,) = gw.gradient(gw.tensor([0., 1., 4., 9.], dtype=gw.float64), edge_order=2)
    assert g.tolist() == [0., 2., 4., 6.]  # exact for a quadratic
    (g,) = gw.gradient(gw.tensor([0., 1., 9.], dtype=gw.float64), spacing=(gw.tensor([0., 1., 3.], dtype=gw.float64),))
    assert g.tolist() == pytest.approx([1., 2., 4.], abs=1e-12)  # x**2 at 0, 1, 3: exact inside (2x)
