"""torch.linalg's matrix functions through the client against PyTorch: inv / inverse, det, slogdet,
solve, svdvals and the singular-value matrix norms. Values, dtypes, shapes, grad_fn names, gradients
and error texts (see test_parity_api.same_as_torch); shape and dtype errors must be raised by the
client itself, value errors (a singular matrix) come from the server."""
from __future__ import annotations

import pytest

from test_parity_ops import same_as_torch, with_setup

pytestmark = pytest.mark.timeout(120)

SETUP = """
    A = torch.tensor([[4., 1., -2.], [1., 3., 0.5], [0., -1., 2.]], dtype=torch.float64, requires_grad=True)
    Ab = torch.tensor([[[2., 1.], [-1., 3.]], [[1., 0.5], [0.25, -2.]], [[5., 2.], [1., 1.]]], requires_grad=True)
    S = torch.tensor([[1., 2.], [2., 4.]])
    def vals(t):  # 4 decimals, -0.0 as 0.0: LAPACK builds may differ in the last bits
        return [round(v, 4) + 0.0 for v in t.detach().reshape(-1).tolist()]
    def show(y, *xs):
        print(vals(y), y.dtype, tuple(y.shape), y.grad_fn, y.requires_grad)
        gs = torch.autograd.grad(y.sum(), xs)
        print(*[(vals(g), g.dtype, tuple(g.shape)) for g in gs])
    def err(f):
        try:
            f()
        except Exception as e:
            print(type(e).__name__, e)
"""


@pytest.mark.parametrize("code", [
    "show(torch.linalg.inv(A), A)",
    "show(torch.inverse(Ab), Ab)",
    "show(Ab.inverse(), Ab)",
    "show(torch.linalg.inv(A.float()), A)",
    "show(torch.linalg.det(A), A)",
    "show(torch.det(Ab), Ab)",
    "show(Ab.det(), Ab)",
    "r = torch.linalg.slogdet(A); print(r, type(r).__name__, r.sign.grad_fn, r.logabsdet.grad_fn); show(r.logabsdet, A)",
    "r = torch.slogdet(Ab); print(r, type(r).__name__, r[0].requires_grad); show(r.logabsdet, Ab)",
    "r = Ab.slogdet(); print(r, type(r).__name__); s, l = r; show(s * l, Ab)",
    "show(torch.linalg.svdvals(A), A)",
    "show(torch.linalg.svdvals(Ab), Ab)",
    "show(torch.linalg.svdvals(A[:2]), A)",
    "show(torch.linalg.svdvals(A[:, :2].mT), A)",
    "print(torch.linalg.inv(torch.ones(0, 2, 2)).shape, torch.linalg.det(torch.ones(0, 0)), torch.linalg.svdvals(torch.ones(2, 0, 3)).shape)",
    "print(torch.linalg.slogdet(torch.ones(0, 0)), torch.linalg.det(torch.ones(3, 0, 0)))",
])
def test_inv_det_slogdet_svdvals(gw, code):
    same_as_torch(gw, with_setup(SETUP, code))


@pytest.mark.parametrize("code", [
    "b = torch.tensor([1., -2., 0.5], dtype=torch.float64, requires_grad=True); x = torch.linalg.solve(A, b); show(x, A, b)",
    "B = torch.tensor([[1., 2.], [0., -1.], [3., 1.]], dtype=torch.float64, requires_grad=True); show(torch.linalg.solve(A, B), A, B)",
    "b = torch.tensor([[1., 2.], [3., 4.], [5., -6.]], requires_grad=True); show(torch.linalg.solve(Ab, b), Ab, b)",
    "b = torch.tensor([1., 2.], requires_grad=True); show(torch.linalg.solve(Ab, b), Ab, b)",
    "B = torch.arange(8.).reshape(2, 1, 2, 2).requires_grad_(); show(torch.linalg.solve(Ab, B), Ab, B)",
    "B = torch.tensor([[1., 2., 3.], [0., 1., -1.]], dtype=torch.float64, requires_grad=True); show(torch.linalg.solve(A, B, left=False), A, B)",
    "B = torch.tensor([[[1., 2.]], [[3., 4.]], [[0., 1.]]], requires_grad=True); show(torch.linalg.solve(Ab, B, left=False), Ab, B)",
])
def test_solve(gw, code):
    same_as_torch(gw, with_setup(SETUP, code))


@pytest.mark.parametrize("code", [
    # fewer than 2 dims, not square, integer / bool / half inputs, not a tensor
    *(f"err(lambda: {f}({arg}))" for f in ("torch.linalg.inv", "torch.inverse", "torch.linalg.det", "torch.det",
                                           "torch.linalg.slogdet", "torch.slogdet", "torch.linalg.svdvals")
      for arg in ("torch.ones(3)", "torch.tensor(1.)", "torch.ones(2, 3)", "torch.ones(3, 3, dtype=torch.long)",
                  "torch.ones(2, 2, dtype=torch.bool)", "torch.eye(3).half()", "[[1., 2.], [3., 4.]]")),
    "err(lambda: torch.ones(2, 3).inverse()); err(lambda: torch.ones(2).det()); err(lambda: torch.ones(2, 3, dtype=torch.int32).slogdet())",
    # solve: shapes, dtypes, sides
    *(f"err(lambda: torch.linalg.solve({a}, {b}{kw}))" for a, b, kw in [
        ("torch.ones(3, 3)", "torch.ones(4)", ""), ("torch.ones(3, 3)", "torch.ones(4, 3)", ""),
        ("torch.ones(2, 3, 3)", "torch.ones(1, 3)", ""), ("torch.ones(2, 3, 3)", "torch.ones(4, 3, 2)", ""),
        ("torch.ones(2, 3)", "torch.ones(3)", ""), ("torch.ones(3)", "torch.ones(3)", ""),
        ("torch.ones(3, 3)", "torch.tensor(1.)", ""), ("torch.ones(3, 3, dtype=torch.long)", "torch.ones(3)", ""),
        ("torch.ones(3, 3)", "torch.ones(3, dtype=torch.float64)", ""), ("torch.ones(3)", "torch.ones(3, dtype=torch.long)", ""),
        ("torch.ones(3, 3).half()", "torch.ones(3).half()", ""), ("torch.ones(3, 3)", "torch.ones(3)", ", left=False"),
        ("torch.ones(3, 3)", "torch.ones(3, 2)", ", left=False"), ("torch.ones(1, 1)", "torch.ones(1)", ", left=False"),
        ("[[1.]]", "torch.ones(1)", ""), ("torch.ones(1, 1)", "[1.]", "")]),
    "print(torch.linalg.solve(torch.eye(3), torch.ones(3)).shape, torch.linalg.solve(torch.eye(3).expand(2, 3, 3), torch.ones(3, 3)).shape)",
    "print(torch.linalg.solve(torch.eye(3).expand(2, 3, 3), torch.ones(2, 3)).shape, torch.linalg.solve(torch.eye(3).expand(1, 3, 3), torch.ones(4, 3, 2)).shape)",
])
def test_errors_from_metadata(gw, code):
    out = same_as_torch(gw, with_setup(SETUP, code))
    assert "!!" not in out


def test_shape_and_dtype_errors_are_raised_by_the_client(gw):
    """No round trip and no command: the client's shape inference raises at the call site."""
    rect, vec, ints, sq = gw.ones(2, 3), gw.ones(3), gw.ones(3, 3, dtype=gw.int64), gw.ones(3, 3)
    gw.synchronize()
    before = gw.stats()
    calls = [lambda: gw.linalg.inv(rect), lambda: gw.inverse(vec), lambda: rect.det(), lambda: gw.linalg.det(ints),
             lambda: gw.linalg.slogdet(rect), lambda: ints.slogdet(), lambda: gw.linalg.svdvals(vec),
             lambda: gw.linalg.svdvals(ints), lambda: gw.linalg.solve(sq, rect),
             lambda: gw.linalg.solve(ints, vec), lambda: gw.linalg.solve(sq, vec, left=False),
             lambda: gw.linalg.matrix_norm(vec, 2), lambda: gw.linalg.matrix_norm(ints, "nuc")]
    for f in calls:
        with pytest.raises(RuntimeError) as info:
            f()
        assert not any("raised on the server" in n for n in getattr(info.value, "__notes__", []))
    after = gw.stats()
    assert (after["round_trips"], after["commands"]) == (before["round_trips"], before["commands"])


@pytest.mark.parametrize("code", [
    "err(lambda: print(torch.linalg.inv(torch.zeros(3, 3))))",
    "err(lambda: print(torch.linalg.inv(torch.stack([torch.eye(2), S, S]))))",
    "err(lambda: print(torch.inverse(S)))",
    "err(lambda: print(torch.linalg.solve(S, torch.ones(2))))",
    "err(lambda: print(torch.linalg.solve(torch.stack([torch.eye(2), S]), torch.ones(2, 2))))",
    "err(lambda: print(torch.linalg.solve(S, torch.ones(2, 2), left=False)))",
    "print(issubclass(torch.linalg.LinAlgError, RuntimeError), torch.linalg.LinAlgError.__name__)",
    "try:\n    print(torch.linalg.inv(S))\nexcept torch.linalg.LinAlgError as e:\n    print('caught', e)",
    "print(vals(torch.linalg.det(S)), vals(torch.det(torch.stack([torch.eye(2), S]))))",
    "print(torch.linalg.slogdet(S).logabsdet, vals(torch.linalg.svdvals(S)))",
])
def test_singular_matrices(gw, code):
    same_as_torch(gw, with_setup(SETUP, code))


def test_det_gradient_at_singular_matrices(gw):
    same_as_torch(gw, with_setup(SETUP, """
        for M in ([[1., 2.], [2., 4.]], [[1., 0., 0.], [0., 0., 0.], [0., 0., 2.]], [[0., 0.], [0., 0.]]):
            X = torch.tensor(M, dtype=torch.float64, requires_grad=True)
            g, = torch.autograd.grad(torch.linalg.det(X), X)
            g2, = torch.autograd.grad(torch.linalg.det(X), X, create_graph=True)
            print(vals(g), vals(g2))
        X = torch.stack([torch.tensor([[1., 2.], [2., 4.]]), torch.tensor([[2., 1.], [1., 3.]])]).requires_grad_()
        torch.linalg.det(X).sum().backward()
        print(vals(X.grad))
    """))


@pytest.mark.parametrize("code", [
    "for o in (2, -2, 'nuc'):\n    y = torch.linalg.matrix_norm(Ab, o); show(y, Ab)",
    "for o in (2, -2, 'nuc'):\n    y = torch.linalg.norm(A, o); show(y, A)",
    "for kw in ({'dim': (0, 2)}, {'dim': (2, 0)}, {'keepdim': True}, {'dim': (0, 2), 'keepdim': True}, {'dtype': torch.float64}):\n"
    "    for o in (2, -2, 'nuc'):\n        y = torch.linalg.matrix_norm(Ab, o, **kw); show(y, Ab); print(y.grad_fn.next_functions)",
    "y = torch.linalg.norm(Ab, 'nuc', dim=(1, 0), keepdim=True); show(y, Ab)",
    "show(torch.norm(A, p='nuc'), A); show(A.norm(p='nuc'), A); show(torch.norm(Ab, 'nuc', dim=(1, 2)), Ab)",
    "show(torch.norm(A, p='fro'), A); show(A.norm(), A); show(torch.norm(Ab, 2, 1), Ab)",
    "show(torch.norm(Ab, p='nuc', dim=(0, 1), keepdim=True), Ab)",
    "err(lambda: torch.norm(Ab, p='nuc')); err(lambda: torch.norm(A, p='nuc', dim=1)); err(lambda: Ab.norm(p='nuc'))",
    "err(lambda: torch.linalg.matrix_norm(A[0], 2)); err(lambda: torch.linalg.matrix_norm(A, 'nuc', dim=(0, 0)))",
    "err(lambda: torch.linalg.matrix_norm(torch.ones(2, 2, dtype=torch.long), 2))",
])
def test_singular_value_norms(gw, code):
    same_as_torch(gw, with_setup(SETUP, code))


def test_double_backward(gw):
    same_as_torch(gw, with_setup(SETUP, """
        for f in (torch.linalg.inv, torch.linalg.det, lambda x: torch.linalg.slogdet(x).logabsdet,
                  torch.linalg.svdvals, lambda x: torch.linalg.solve(x, x.sum(-1))):
            g, = torch.autograd.grad(f(A).sum(), A, create_graph=True)
            h, = torch.autograd.grad((g * g).sum(), A)
            print(vals(h))
    """))
