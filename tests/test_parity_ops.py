"""Ops added after the first release, each against PyTorch: values, dtypes, reprs, grad_fn names,
gradients and error texts (see test_parity_api.same_as_torch)."""
from __future__ import annotations

import textwrap

import pytest

from test_parity_api import same_as_torch as _same_as_torch

pytestmark = pytest.mark.timeout(120)


def same_as_torch(gw, code: str) -> str:
    """test_parity_api's check, refusing a snippet that does not even compile (both sides would agree)."""
    out = _same_as_torch(gw, code)
    assert "!! IndentationError" not in out and "!! SyntaxError" not in out and "!! NameError" not in out, out
    return out


def with_setup(setup: str, code: str) -> str:
    return textwrap.dedent(setup) + textwrap.dedent(code)


# ---- sorting -------------------------------------------------------------------------------

@pytest.mark.parametrize("code", [
    "print(torch.sort(x))",
    "print(torch.sort(x, descending=True))",
    "print(x.sort(dim=0, descending=True, stable=True))",
    "print(torch.sort(x, dim=0, stable=True))",
    "v, i = x.sort(); print(v.grad_fn, i.dtype, i.requires_grad)",
    "print(torch.argsort(x), x.argsort(0, descending=True), torch.argsort(x, dim=1, stable=True))",
    "print(torch.msort(x), x.msort())",
    "print(torch.topk(x, 2), x.topk(1, dim=0, largest=False), torch.topk(x + torch.arange(4.) / 10, 3).indices)",
    "print(torch.kthvalue(x, 2), x.kthvalue(1, 0, keepdim=True))",
    "print(torch.median(x), x.median(1), x.median(0, keepdim=True))",
    "print(torch.sort(torch.tensor(3.)), torch.topk(torch.tensor(2.), 1), torch.tensor([3, 1, 2]).sort())",
    "print(torch.sort(torch.tensor([2., float('nan'), -1., 5.])), "
    "torch.sort(torch.tensor([2., float('nan'), -1.]), descending=True))",
    "print(torch.tensor([True, False, True]).sort(), torch.tensor([4, 1, 4, 1]).argsort(descending=True))",
    "torch.sort(x, 2)",
    "torch.argsort(x, dim=-3)",
    "torch.topk(x, 5)",
    "torch.topk(x, 2, dim=3)",
    "torch.kthvalue(x, 5)",
    "torch.kthvalue(x, 0)",
    "m = x.mode(); print(m, m.values.grad_fn, torch.mode(x, 0, keepdim=True), torch.tensor(3.).mode())",
    "print(torch.mode(torch.tensor([4, 4, 1, 1, 7]), 0), torch.mode(torch.tensor([[2, 9, 9, 2, 9]]), 1))",
    "torch.mode(torch.zeros(0, 3), 0)",
    "torch.mode(x, 2)",
])
def test_sort_family(gw, code):
    same_as_torch(gw, "x = torch.tensor([[3., 1., 2., 1.], [0., 5., -1., 5.]], requires_grad=True)\n" + code)


def test_mode_picks_the_smallest_of_the_most_frequent_values_at_its_last_index(gw):
    m = gw.tensor([[1., 3., 3., 1., 2.], [5., 5., 4., 4., 4.]], requires_grad=True).mode(1)
    assert m.values.tolist() == [1.0, 4.0] and m.indices.tolist() == [3, 4]
    m.values.sum().backward()
    assert m.values.grad_fn.name() == "ModeBackward0"


def test_sort_family_gradients(gw):
    same_as_torch(gw, """
        x = torch.tensor([[3., 1., 2.5, 1.5], [0., 5., -1., 4.]], requires_grad=True)
        w = torch.tensor([[1., 2., 3., 4.], [5., 6., 7., 8.]])
        (x.sort(descending=True).values * w).sum().backward()
        print(x.grad)
        x.grad = None
        (x.topk(2).values * w[:, :2]).sum().backward()
        print(x.grad)
        x.grad = None
        (x.kthvalue(2, dim=0).values * w[0]).sum().backward()
        print(x.grad)
        x.grad = None
        (x.median(1).values * 3).sum().backward()
        x.median().backward()
        torch.msort(x).pow(2).sum().backward()
        print(x.grad)
        y = torch.tensor([1., 2., 2., 0.], requires_grad=True)
        y.median().backward()
        print(y.grad)
    """)


# ---- scatter, index_add, index_fill, masked_select, take, nonzero ----------------------------

@pytest.mark.parametrize("code", [
    "print(torch.scatter(x, 0, i, s), x.scatter(1, i, 7.5), torch.zeros(3, 4).scatter(0, i, 2))",
    "y = x.detach().clone(); print(y.scatter_(1, i, s), y)",
    "print(torch.zeros(5).scatter(0, torch.tensor([4, 0]), torch.tensor([1., 2.])))",
    "print(torch.zeros(2, 3, dtype=torch.long).scatter(1, torch.tensor([[2], [0]]), 9))",
    "print(x.index_add(0, torch.tensor([2, 0]), s), torch.index_add(x, 1, torch.tensor([3]), s[:, :1], alpha=2))",
    "y = torch.ones(3, 4); y.index_add_(0, torch.tensor([1, 1]), s); print(y)",
    "print(x.index_fill(1, torch.tensor([0, 2]), -1.), torch.index_fill(x, 0, torch.tensor([-1]), 3))",
    "y = torch.ones(2, 3); print(y.index_fill_(1, torch.tensor([1]), 0.5), y)",
    "print(x.masked_select(x > 0.5), torch.masked_select(x, torch.tensor([True, False, True, False])))",
    "print(torch.take(x, torch.tensor([[0, 11], [-1, 5]])), x.take(torch.tensor(3)))",
    "print(x.nonzero(), torch.nonzero(x > 0.5, as_tuple=True), torch.tensor([0, 3, 0, 1]).nonzero())",
    "print(torch.argwhere(x > 1), torch.nonzero(torch.tensor(5.)), torch.tensor([[0., 1.]]).nonzero(as_tuple=True))",
    "x.scatter(0, torch.tensor([[5]]), 1.0)",
    "x.scatter(0, torch.tensor([[1.]]), 1.0)",
    "x.scatter(2, i, 1.0)",
    "x.scatter(0, torch.tensor([[1]]), torch.ones(1, 1, dtype=torch.float64))",
    "x.scatter(0, torch.tensor([1]), 1.0)",
    "x.index_add(0, torch.tensor([5]), x[:1])",
    "x.index_add(0, torch.tensor([0]), x[:2])",
    "x.index_fill(0, torch.tensor([7]), 1.)",
    "x.masked_select(torch.ones(5, dtype=torch.bool))",
    "x.masked_select(x)",
    "x.take(torch.tensor([12]))",
    "x.take(torch.tensor([1.]))",
])
def test_scatter_family(gw, code):
    same_as_torch(gw, with_setup("""
        x = torch.tensor([[0., 1., 2., 3.], [4., 0., 6., 7.], [8., 9., 0., 11.]])
        i = torch.tensor([[2, 0, 1], [0, 1, 2]])
        s = torch.tensor([[10., 20., 30., 40.], [50., 60., 70., 80.]])
    """, code))


def test_scatter_family_gradients(gw):
    same_as_torch(gw, """
        x = torch.tensor([[0., 1., 2., 3.], [4., 0., 6., 7.], [8., 9., 0., 11.]], requires_grad=True)
        s = torch.tensor([[10., 20., 30., 40.], [50., 60., 70., 80.]], requires_grad=True)
        i = torch.tensor([[2, 0, 1], [0, 1, 2]])
        w = torch.arange(12.).reshape(3, 4)
        y = x.scatter(0, i, s[:, :3]); print(y.grad_fn)
        (y * w).sum().backward(); print(x.grad, s.grad)

        x.grad = s.grad = None
        y = x.scatter(1, i, 2.); print(y.grad_fn); (y * w).sum().backward(); print(x.grad)
        x.grad = None
        y = x.index_add(0, torch.tensor([2, 0]), s, alpha=3); print(y.grad_fn)
        (y * w).sum().backward(); print(x.grad, s.grad)
        x.grad = None
        y = x.index_fill(1, torch.tensor([1, 3]), 5.); print(y.grad_fn); (y * w).sum().backward(); print(x.grad)
        x.grad = None
        y = x.masked_select(x > 2.5); print(y.grad_fn); (y * torch.arange(7.)).sum().backward(); print(x.grad)
        x.grad = None
        y = x.take(torch.tensor([[0, 11], [0, 5]])); print(y.grad_fn); (y * y).sum().backward(); print(x.grad)
        z = x * 1
        z.scatter_(0, i, s[:, :3]); print(z.grad_fn)
        z.index_add_(1, torch.tensor([0]), s[:, :1].repeat(2, 1)[:3]); print(z.grad_fn)
        z.index_fill_(0, torch.tensor([1]), 0.); print(z.grad_fn)
        x.grad = s.grad = None
        (z * w).sum().backward(); print(x.grad, s.grad)
        x.scatter(0, i, s).sum().backward()  # src larger than index: torch's backward rejects it
    """)


# ---- diagonal, diag, diag_embed, trace, cross, kron, einsum ----------------------------------

@pytest.mark.parametrize("code", [
    "print(torch.diag(v), torch.diag(v, 1), torch.diag(v, -2), torch.diag(m), torch.diag(m, 1), m.diag(-1))",
    "print(m.diagonal(), torch.diagonal(m, 1), m.diagonal(-1, 1, 0), b.diagonal(0, 1, 2), b.diagonal(1, -1, 0))",
    "print(torch.diag_embed(v), torch.diag_embed(m, 1).shape, m.diag_embed(0, 0, 2).shape)",
    "print(torch.trace(m), m.trace(), torch.tensor([[1, 2], [3, 4]]).trace())",
    "print(torch.cross(c, c.flip(1), dim=1), torch.linalg.cross(c, c * 2 + 1), torch.cross(c.t(), c.t() + 1, dim=0))",
    "print(torch.kron(v[:2], m), torch.kron(m, m[:2, :2]).shape, torch.kron(m, v).shape)",
    "print(torch.einsum('ij,jk->ik', m, m.t()), torch.einsum('i,j->ij', v, v[:2]), torch.einsum('ii', m[:, :3]))",
    "print(torch.einsum('ij->ji', m), torch.einsum('ij->', m), torch.einsum('bij,bjk->bik', b, b.transpose(1, 2)))",
    "print(torch.einsum('ij,j', m, v[:4]), torch.einsum('...j,j->...', b, v[:4]), torch.einsum('ii->i', m[:, :3]))",
    "print(torch.einsum('i,i', v, v), torch.einsum('bi,bi->b', m, m), torch.einsum('ij,kj->ik', [m, m]))",
    "torch.diag(torch.ones(2, 2, 2))",
    "torch.trace(v)",
    "torch.diagonal(v)",
    "torch.cross(m, m, dim=1)",
    "torch.einsum('ij,jk->ik', m, m)",
    "torch.einsum('ij->k', m)",
    "torch.einsum('ij', m, m)",
    "torch.einsum('ijk', m)",
])
def test_matrix_family(gw, code):
    same_as_torch(gw, with_setup("""
        v = torch.tensor([1., 2., 3.])
        m = torch.tensor([[1., 2., 3., 4.], [5., 6., 7., 8.], [9., 10., 11., 12.]])
        b = torch.arange(24.).reshape(2, 3, 4)
        c = torch.tensor([[1., 0., 2.], [3., -1., 4.]])
    """, code))


def test_matrix_family_gradients(gw):
    same_as_torch(gw, """
        m = torch.tensor([[1., 2., 3., 4.], [5., 6., 7., 8.], [9., 10., 11., 12.]], requires_grad=True)
        v = torch.tensor([1., -2., 3.], requires_grad=True)
        w = torch.arange(12.).reshape(3, 4)
        y = torch.diag(v, 1); print(y.grad_fn); (y * torch.arange(16.).reshape(4, 4)).sum().backward()
        y = m.diagonal(1); print(y.grad_fn); (y * torch.tensor([1., 2., 3.])).sum().backward()
        y = m.trace(); print(y.grad_fn); y.backward()
        y = torch.diag(m); (y * y).sum().backward()
        print(m.grad, v.grad)
        m.grad = v.grad = None
        c = torch.cross(m[:, :3], v.expand(3, 3), dim=1); print(c.grad_fn); (c * w[:, :3]).sum().backward()
        print(m.grad, v.grad)
        m.grad = v.grad = None
        k = torch.kron(v, m[:2]); print(k.grad_fn, k.shape); (k * k).sum().backward()
        print(m.grad, v.grad)
        m.grad = v.grad = None
        torch.einsum('ij,i->j', m, v).pow(2).sum().backward()
        torch.einsum('ij,kj->ik', m, m).sum().backward()
        torch.einsum('ii->', m[:, :3]).backward()
        print(m.grad, v.grad)
    """)


# ---- nn: activations and losses -----------------------------------------------------------

@pytest.mark.parametrize("code", [
    "print(F.leaky_relu(x), F.leaky_relu(x, 0.2), nn.LeakyReLU(), nn.LeakyReLU(0.2, inplace=True), nn.LeakyReLU()(x))",
    "print(F.elu(x), F.elu(x, alpha=0.5), nn.ELU(), nn.ELU(0.5)(x), nn.SiLU(), nn.SiLU()(x))",
    "print(nn.Softplus(), nn.Softplus(2, 10), nn.Softplus(beta=2.)(x), nn.Tanh()(x), nn.Sigmoid()(x))",
    "y = x.clone(); F.leaky_relu(y, 0.1, inplace=True); print(y); F.elu(y, inplace=True); print(y)",
    "print(F.binary_cross_entropy(p, t), F.binary_cross_entropy(p, t, reduction='none'), "
    "F.binary_cross_entropy(p, t, weight=torch.tensor([1., 2., 3., 4., 5.]), reduction='sum'))",
    "print(nn.BCELoss()(p, t), nn.BCELoss(reduction='sum')(p, t), nn.BCELoss(), "
    "F.binary_cross_entropy(torch.tensor([0., 1.]), torch.tensor([1., 0.])))",
    "print(F.smooth_l1_loss(x, t), F.smooth_l1_loss(x, t, beta=0.5, reduction='none'), "
    "F.smooth_l1_loss(x, t, beta=0.), nn.SmoothL1Loss(beta=0.5)(x, t), nn.SmoothL1Loss())",
    "print(F.huber_loss(x, t), F.huber_loss(x, t, delta=0.5, reduction='sum'), nn.HuberLoss(reduction='none')(x, t))",
    "print(F.kl_div(q, t, reduction='batchmean'), F.kl_div(q, t, reduction='sum'), F.kl_div(q, t, reduction='none'), "
    "F.kl_div(q, t.log(), reduction='batchmean', log_target=True), nn.KLDivLoss(reduction='batchmean')(q, t))",
    "F.binary_cross_entropy(x, t)",
    "F.binary_cross_entropy(p, x)",
    "F.binary_cross_entropy(p, t[:3])",
    "F.binary_cross_entropy(p, t.double())",
    "F.leaky_relu(torch.tensor([1, 2]))",
    "F.elu(torch.tensor([1, 2]))",
    "F.smooth_l1_loss(torch.tensor([1, 2]), torch.tensor([1, 2]))",
])
def test_nn_activations_and_losses(gw, code):
    same_as_torch(gw, with_setup("""
        x = torch.tensor([-2., -0.5, 0., 0.3, 1.5])
        p = torch.tensor([0.1, 0.5, 0.9, 0.2, 0.7])
        t = torch.tensor([0., 1., 1., 0.25, 0.5])
        q = torch.tensor([[0.2, 0.3, 0.5, 0.4, 0.6]]).log()
    """, code))


def test_nn_activations_and_losses_gradients(gw):
    same_as_torch(gw, """
        x = torch.tensor([-2., -0.5, 0.1, 0.3, 1.5], requires_grad=True)
        p = torch.tensor([0.1, 0.5, 0.9, 0.2, 0.7], requires_grad=True)
        t = torch.tensor([0., 1., 1., 0.25, 0.5], requires_grad=True)
        w = torch.tensor([1., 2., 3., 4., 5.])
        for y in (F.leaky_relu(x, 0.1), F.elu(x, 0.7), nn.SiLU()(x), nn.Softplus(2.)(x)):
            print(y.grad_fn); (y * w).sum().backward()
        print(x.grad)
        x.grad = None
        for loss in (F.binary_cross_entropy(p, t), F.binary_cross_entropy(p, t, weight=w, reduction='sum'),
                     F.smooth_l1_loss(x, t, beta=0.5), F.huber_loss(x, t, delta=0.4, reduction='sum'),
                     F.kl_div(x, t, reduction='batchmean'), F.kl_div(x, t, reduction='sum')):
            print(loss.grad_fn); loss.backward()
        print(x.grad, p.grad, t.grad)
    """)


# ---- cumprod, cummax, cummin, roll, unique, bincount ------------------------------------------

@pytest.mark.parametrize("code", [
    "print(torch.cumprod(x, 1), x.cumprod(0), torch.tensor([1, 2, 3]).cumprod(0), x.cumprod(1, dtype=torch.float64))",
    "print(torch.cummax(x, 1), x.cummin(0), torch.tensor([1., 3., 2., 3.]).cummax(0), torch.tensor([2, 1, 1]).cummin(0))",
    "print(torch.roll(x, 1), x.roll(-1, 0), torch.roll(x, (1, -1), (0, 1)), x.roll(shifts=2, dims=1))",
    "print(torch.unique(torch.tensor([3, 1, 3, 2])), torch.unique(x), x.unique(return_counts=True))",
    "print(torch.unique(torch.tensor([3, 1, 3, 2]), return_inverse=True, return_counts=True))",
    "print(torch.unique(torch.tensor([[1, 2], [1, 2], [0, 1]]), dim=0, return_inverse=True))",
    "print(torch.bincount(torch.tensor([1, 3, 1, 0])), torch.tensor([1, 3, 1]).bincount(minlength=6), "
    "torch.bincount(torch.tensor([1, 3, 1]), weights=torch.tensor([.5, 1., 2.])))",
    "torch.cumprod(x, 2)",
    "torch.cummax(x, 2)",
    "torch.roll(x, 1, 2)",
    "torch.roll(x, (1, 2), (0,))",
    "torch.bincount(torch.tensor([-1]))",
    "torch.bincount(x)",
    "torch.unique(x, dim=2)",
])
def test_scan_family(gw, code):
    same_as_torch(gw, "x = torch.tensor([[1., -2., 3.], [0.5, 4., -1.]])\n" + code)


def test_scan_family_gradients(gw):
    same_as_torch(gw, """
        x = torch.tensor([[1., -2., 3.], [0.5, 4., -1.]], requires_grad=True)
        w = torch.tensor([[1., 2., 3.], [4., 5., 6.]])
        for y in (x.cumprod(1), x.cummax(1).values, x.cummin(0).values, x.roll(1), torch.roll(x, (1, 2), (0, 1))):
            print(y.grad_fn); (y * w).sum().backward()
        print(x.grad)
        u = torch.unique(x); print(u.grad_fn)
        u.sum().backward()
    """)
