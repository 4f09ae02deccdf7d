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
