"""torch.linalg's decompositions through the client against PyTorch: eigh / eigvalsh, cholesky(_ex), qr,
svd / torch.svd, pinv, lstsq, matrix_rank, cond, matrix_power, matrix_exp, cholesky_solve, inv_ex, vecdot,
multi_dot. Values (7 significant digits), named-tuple reprs, grad_fn names, gradients, batching and error
texts (see test_parity_api.same_as_torch).

Eigenvectors and singular vectors are unique only up to sign, and LAPACK builds choose differently: those
are compared through sign-invariant quantities (reconstructions, |V|, U V^T, V diag(c) V^T)."""
from __future__ import annotations

import pytest

from test_parity_ops import same_as_torch, with_setup

pytestmark = pytest.mark.timeout(120)

SETUP = """
    A = torch.tensor([[4., 1., -2.], [1., 3., 0.5], [0., -1., 2.]], dtype=torch.float64, requires_grad=True)
    Ab = torch.tensor([[[2., 1.], [-1., 3.]], [[1., 0.5], [0.25, -2.]], [[5., 2.], [1., 1.]]], requires_grad=True)
    T = torch.tensor([[1., 2., 0.], [3., -1., 2.], [0.5, 4., 1.], [2., 0., -3.]], dtype=torch.float64, requires_grad=True)
    W = torch.tensor([[1., -2., 0.5, 3.], [2., 1., -1., 0.]], dtype=torch.float64, requires_grad=True)
    S = torch.tensor([[4., 1., 0.5], [1., 3., 0.2], [0.5, 0.2, 2.]], dtype=torch.float64, requires_grad=True)
    Sb = torch.tensor([[[2., 0.5], [0.5, 1.]], [[3., -1.], [-1., 4.]]], requires_grad=True)
    NPD = torch.tensor([[1., 2.], [2., 1.]])
    def vals(t):  # 7 (float32: 4) significant digits, tiny values and -0.0 as 0.0: LAPACK builds differ in the last bits
        digits, tiny = (7, 1e-9) if t.dtype == torch.float64 else (4, 1e-4)
        return [0.0 if abs(v) < tiny else float(f"{v:.{digits}g}") + 0.0 for v in t.detach().reshape(-1).tolist()]
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


def run(gw, code):
    return same_as_torch(gw, with_setup(SETUP, code))


@pytest.mark.parametrize("code", [
    # eigenvalues; eigenvectors through V diag(c) V^T and |V| (sign-free)
    "w, V = torch.linalg.eigh(S); show(w, S); print(V.grad_fn, vals(V.abs()))",
    "w, V = torch.linalg.eigh(S); show(torch.matmul(V * torch.tensor([1., 2., 5.], dtype=torch.float64), V.mT), S)",
    "w, V = torch.linalg.eigh(Sb, UPLO='U'); show(w, Sb); show(torch.matmul(V * w.unsqueeze(-2) ** 2, V.mT), Sb)",
    "show(torch.linalg.eigvalsh(S), S); show(torch.linalg.eigvalsh(A, UPLO='U'), A); show(torch.linalg.eigvalsh(A), A)",
    "r = torch.linalg.eigh(S.detach()); print(type(r).__name__, vals(r.eigenvalues), r.eigenvectors.shape, r[0].requires_grad)",
    "print(torch.linalg.eigh(torch.tensor([[2., 1.], [1., 2.]])))",
    "print(torch.linalg.eigvalsh(torch.eye(3)), torch.linalg.eigh(torch.ones(2, 0, 0)))",
])
def test_eigh(gw, code):
    run(gw, code)


@pytest.mark.parametrize("code", [
    "show(torch.linalg.cholesky(S), S)",
    "show(torch.linalg.cholesky(S, upper=True), S)",
    "show(torch.linalg.cholesky(Sb), Sb)",
    "print(torch.linalg.cholesky(torch.tensor([[4., 2.], [2., 3.]])))",
    "print(torch.linalg.cholesky(torch.tensor([[4., 100.], [2., 3.]])), torch.linalg.cholesky(torch.tensor([[4., 2.], [100., 3.]]), upper=True))",
    "r = torch.linalg.cholesky_ex(S); print(r); show(r.L, S); print(r.info.dtype, r.info.requires_grad)",
    "print(torch.linalg.cholesky_ex(NPD)); print(torch.linalg.cholesky_ex(torch.stack([torch.eye(2), NPD])).info)",
    "print(torch.linalg.cholesky_ex(Sb, upper=True))",
    # value errors come from the server: a read (print) waits for them
    "err(lambda: print(torch.linalg.cholesky(NPD))); err(lambda: print(torch.linalg.cholesky(-torch.eye(2))))",
    "err(lambda: print(torch.linalg.cholesky(torch.stack([torch.eye(2), NPD])))); err(lambda: print(torch.linalg.cholesky_ex(NPD, check_errors=True)))",
    "try:\n    print(torch.linalg.cholesky(NPD))\nexcept torch.linalg.LinAlgError as e:\n    print('caught', type(e).__name__)",
    "print(torch.linalg.cholesky(torch.ones(2, 0, 0)).shape)",
])
def test_cholesky(gw, code):
    run(gw, code)


@pytest.mark.parametrize("code", [
    "q, r = torch.linalg.qr(T); show(q, T); show(r, T)",
    "r = torch.linalg.qr(A); print(r); show(r.Q @ r.R, A)",
    "q, r = torch.linalg.qr(W); show(q, W); show(r, W)",
    "q, r = torch.linalg.qr(Ab); show(q, Ab); show(r, Ab)",
    "q, r = torch.linalg.qr(W, mode='complete'); show(q * 2 + r.sum(), W)",
    "q, r = torch.linalg.qr(T, mode='complete'); print(q.shape, r.shape, q.grad_fn, vals(q), vals(r))",
    "q, r = torch.linalg.qr(T, mode='r'); print(q, q.grad_fn, vals(r), r.grad_fn)",
    "err(lambda: torch.autograd.grad(torch.linalg.qr(T, mode='r')[1].sum(), T))",
    "err(lambda: torch.autograd.grad(torch.linalg.qr(T, mode='complete')[0].sum(), T))",
    "print(torch.linalg.qr(torch.ones(2, 0, 3)), torch.linalg.qr(T.detach()[:3, :2], mode='complete'))",
])
def test_qr(gw, code):
    run(gw, code)


@pytest.mark.parametrize("code", [
    "U, s, Vh = torch.linalg.svd(T, full_matrices=False); show(s, T); show(U @ Vh, T); print(vals(U.abs()), vals(Vh.abs()))",
    "U, s, Vh = torch.linalg.svd(W); print(U.shape, s.shape, Vh.shape, U.grad_fn); show((U * s.unsqueeze(-2)) @ Vh[:2], W)",
    "U, s, Vh = torch.linalg.svd(T); print(U.shape, Vh.shape); show(U[:, :3] @ Vh, T); print(vals(U @ U.mT))",
    "U, s, Vh = torch.linalg.svd(Ab); show(s, Ab); show(U @ Vh, Ab)",
    "r = torch.linalg.svd(A); print(type(r).__name__, vals(r.S), r.U.shape, r.Vh.grad_fn)",
    "r = torch.svd(T); print(type(r).__name__, r.V.shape, r.V.grad_fn, r.U.shape); show(r.U @ r.V.mT, T); show(r.S, T)",
    "r = torch.svd(W, some=False); print(r.U.shape, r.S.shape, r.V.shape); print(vals(r.V @ r.V.mT))",
    "print(torch.svd(T, compute_uv=False)); print(torch.svd(Ab, compute_uv=False).U.shape)",
    "print(torch.linalg.svd(torch.ones(2, 0, 3)))",
])
def test_svd(gw, code):
    run(gw, code)


@pytest.mark.parametrize("code", [
    "show(torch.linalg.pinv(T), T)",
    "show(torch.linalg.pinv(W), W)",
    "show(torch.linalg.pinv(Ab), Ab)",
    "show(torch.linalg.pinv(S, hermitian=True), S)",
    "print(torch.linalg.pinv(torch.tensor([[1., 0.], [0., 1e-9]])), torch.linalg.pinv(torch.tensor([[1., 0.], [0., 0.1]]), atol=0.5))",
    "print(vals(torch.linalg.pinv(T, rtol=0.5)), vals(torch.linalg.pinv(T, 0.5)), vals(torch.linalg.pinv(T, atol=0.1, rtol=0.9)))",
    "print(vals(torch.linalg.pinv(torch.tensor([[2., 0.], [0., -0.5]]), hermitian=True, atol=1.)))",
    "print(torch.linalg.pinv(torch.ones(2, 0, 3)).shape)",
])
def test_pinv(gw, code):
    run(gw, code)


@pytest.mark.parametrize("code", [
    "B = torch.tensor([[1., 2.], [0., 1.], [3., -1.], [1., 1.]], dtype=torch.float64, requires_grad=True); r = torch.linalg.lstsq(T, B); print(r); show(r.solution, T, B)",
    "b = torch.tensor([1., 0., -2., 3.], dtype=torch.float64, requires_grad=True); r = torch.linalg.lstsq(T, b); print(r); show(r.solution, T, b)",
    "B = torch.tensor([[1.], [2.]], dtype=torch.float64, requires_grad=True); r = torch.linalg.lstsq(W, B); print(r); show(r.solution, W, B)",
    "B = torch.tensor([[1.], [2.]], requires_grad=True); r = torch.linalg.lstsq(Ab, B); print(r); show(r.solution, Ab, B)",
    "print(torch.linalg.lstsq(torch.tensor([[1., 1.], [1., 1.], [0., 0.]]), torch.ones(3, 1)))",
    "A2 = torch.tensor([[[2., 1.], [1., 3.]]], requires_grad=True); B = torch.tensor([[1.], [2.]], requires_grad=True); show(torch.linalg.lstsq(A2, B).solution, A2, B)",
    "for d in ('gelsd', 'gelss', 'gels'):\n    print(torch.linalg.lstsq(T.detach(), T.detach()[:, :2] ** 2, driver=d))",
    "print(torch.linalg.lstsq(T.detach(), T.detach()[:, :2] ** 2, rcond=0.5).rank)",
    "B = torch.tensor([[1., 2.], [0., 1.], [3., -1.], [1., 1.]], dtype=torch.float64, requires_grad=True); r = torch.linalg.lstsq(T, B, driver='gelsd'); show(r.residuals, T, B); print(r.singular_values.requires_grad)",
    "b = torch.tensor([1., 0., -2., 3.], dtype=torch.float64, requires_grad=True); r = torch.linalg.lstsq(T, b, driver='gels'); show(r.residuals + r.solution.sum(), T, b)",
])
def test_lstsq(gw, code):
    run(gw, code)


@pytest.mark.parametrize("code", [
    "print(torch.linalg.matrix_rank(A), torch.linalg.matrix_rank(T), torch.linalg.matrix_rank(torch.ones(2, 3, 3)))",
    "print(torch.linalg.matrix_rank(torch.tensor([[1., 0.], [0., 1e-3]]), atol=0.01), torch.linalg.matrix_rank(torch.tensor([[1., 0.], [0., 1e-3]]), rtol=0.01))",
    "print(torch.linalg.matrix_rank(torch.tensor([[1., 0.], [0., 1e-3]]), 0.01), torch.linalg.matrix_rank(S, hermitian=True))",
    "print(torch.linalg.matrix_rank(torch.tensor([[1., 0.], [0., 1e-3]]), atol=0.01, rtol=1e-4), torch.linalg.matrix_rank(torch.zeros(2, 2)))",
    "show(torch.linalg.cond(A), A); show(torch.linalg.cond(T), T); show(torch.linalg.cond(Ab, -2), Ab)",
    "print(torch.linalg.cond(torch.tensor([[1., 0.], [0., 0.]])), vals(torch.linalg.cond(A, 2)))",
    "print(vals(torch.linalg.cond(A, 'fro')), vals(torch.linalg.cond(A, 1)), vals(torch.linalg.cond(Ab, float('inf'))))",
    "show(torch.linalg.cond(A, 'nuc'), A); show(torch.linalg.cond(Ab, 'nuc'), Ab); print(vals(torch.linalg.cond(A, -1)), vals(torch.linalg.cond(A, -float('inf'))))",
    "print(torch.linalg.cond(torch.stack([NPD, torch.tensor([[1., 2.], [2., 4.]])]), 'fro'), torch.linalg.cond(torch.zeros(2, 2), 1))",
    "g, = torch.autograd.grad(torch.linalg.cond(A, 'fro'), A); print(vals(g)); g, = torch.autograd.grad(torch.linalg.cond(Ab, 1).sum(), Ab); print(vals(g))",
])
def test_rank_cond(gw, code):
    run(gw, code)


@pytest.mark.parametrize("code", [
    "for n in (0, 1, 2, 3, 5, 6, -1, -2, -3):\n    show(torch.linalg.matrix_power(A, n), A)",
    "for n in (0, 1, 2, 3, -1, -2):\n    show(torch.matrix_power(Ab, n), Ab)",
    "show(A.matrix_power(4), A); print(torch.linalg.matrix_power(torch.tensor([[1, 2], [0, 1]]), 5))",
    "print(torch.linalg.matrix_power(torch.ones(2, 2), 0), torch.linalg.matrix_power(A.detach(), 0).grad_fn)",
    "show(torch.linalg.matrix_exp(A), A); show(torch.matrix_exp(Ab), Ab); show(A.matrix_exp(), A)",
    "print(torch.linalg.matrix_exp(torch.tensor([[0., 1.], [0., 0.]])), torch.linalg.matrix_exp(torch.zeros(0, 0)))",
    "print(vals(torch.linalg.matrix_exp(torch.tensor([[0., -3.], [3., 0.]], dtype=torch.float64))))",
])
def test_matrix_power_exp(gw, code):
    run(gw, code)


@pytest.mark.parametrize("code", [
    "L = torch.linalg.cholesky(S); B = torch.tensor([[1., 2.], [0., -1.], [3., 1.]], dtype=torch.float64, requires_grad=True); show(torch.cholesky_solve(B, L), B, S)",
    "U = torch.linalg.cholesky(S, upper=True); B = torch.tensor([[1.], [0.], [3.]], dtype=torch.float64, requires_grad=True); show(torch.cholesky_solve(B, U, upper=True), B, S)",
    "L = torch.linalg.cholesky(Sb); B = torch.tensor([[1., 2.], [0., -1.]], requires_grad=True); show(torch.cholesky_solve(B, L), B, Sb); show(B.cholesky_solve(L), B, Sb)",
    "L = torch.tensor([[2., 5.], [1., 3.]], dtype=torch.float64, requires_grad=True); B = torch.ones(2, 1, dtype=torch.float64); show(torch.cholesky_solve(B, L), L)",
    "r = torch.linalg.inv_ex(A); print(r); show(r.inverse, A); print(r.info.requires_grad)",
    "print(torch.linalg.inv_ex(Ab).info, torch.linalg.inv_ex(torch.stack([torch.eye(2), NPD, torch.tensor([[1., 2.], [2., 4.]])])).info)",
    "err(lambda: print(torch.linalg.inv_ex(torch.zeros(2, 2), check_errors=True))); print(torch.linalg.inv_ex(torch.zeros(2, 2)).info)",
    "show(torch.linalg.vecdot(A, T[:3]), A, T); show(torch.linalg.vecdot(Ab, Ab[0, 0], dim=-1), Ab); print(torch.linalg.vecdot(A, T[:3], dim=0).grad_fn.next_functions)",
    "show(torch.linalg.multi_dot([A, T.mT, T]), A, T); show(torch.linalg.multi_dot([A[0], A]), A)",
    "show(torch.linalg.multi_dot([T[:, 0], T, A, A[:, 1]]), T, A); show(torch.linalg.multi_dot([W, T, A, T.mT, W.mT]), W, T, A)",
    "print(torch.linalg.multi_dot([A[0], A[1]]).grad_fn, torch.linalg.multi_dot([A, A]).grad_fn.next_functions)",
])
def test_cholesky_solve_inv_ex_vecdot_multi_dot(gw, code):
    run(gw, code)


@pytest.mark.parametrize("code", [
    "tau = torch.tensor([1.2, 0.7], dtype=torch.float64, requires_grad=True); show(torch.linalg.householder_product(T[:, :2], tau), T, tau)",
    "tau = torch.tensor([1.2], dtype=torch.float64, requires_grad=True); show(torch.linalg.householder_product(T, tau), T, tau)",
    "tau = torch.tensor([[1.5, 0.2], [0.3, 1.1], [0.9, 0.]], requires_grad=True); show(torch.linalg.householder_product(Ab, tau), Ab, tau)",
    "print(vals(torch.linalg.householder_product(T, torch.zeros(0, dtype=torch.float64))))",
    "; ".join(f"err(lambda: torch.linalg.householder_product({a}, {t}))" for a, t in [
        ("torch.ones(3)", "torch.ones(1)"), ("torch.ones(2, 3)", "torch.ones(1)"), ("torch.ones(3, 2)", "torch.ones(3)"),
        ("torch.ones(3, 2)", "torch.ones(2, 1)"), ("torch.ones(2, 3, 2)", "torch.ones(3, 1)"),
        ("torch.ones(3, 2)", "torch.ones(1, dtype=torch.float64)"),
        ("torch.ones(3, 2, dtype=torch.long)", "torch.ones(1, dtype=torch.long)"), ("torch.ones(3, 2).half()", "torch.ones(1).half()")]),
])
def test_householder_product(gw, code):
    run(gw, code)


def test_double_backward(gw):
    """Second derivatives through the backward formulas (sign-free functions of the vectors)."""
    run(gw, """
        c = torch.tensor([1., 2., 5.], dtype=torch.float64)
        fs = [lambda x: torch.linalg.eigvalsh(x + x.mT), lambda x: (lambda w, V: (V * c) @ V.mT)(*torch.linalg.eigh(x + x.mT)),
              lambda x: torch.linalg.cholesky(x @ x.mT + torch.eye(3, dtype=torch.float64)),
              lambda x: (lambda q, r: q * r.diagonal().sign())(*torch.linalg.qr(x)),
              lambda x: (lambda u, s, vh: u @ vh)(*torch.linalg.svd(x)), torch.linalg.pinv, torch.linalg.matrix_exp,
              lambda x: torch.linalg.lstsq(x, x.sum(-1, keepdim=True)).solution,
              lambda x: torch.cholesky_solve(x, torch.linalg.cholesky(x @ x.mT + torch.eye(3, dtype=torch.float64))),
              lambda x: torch.linalg.householder_product(x, x[0, :2])]
        for f in fs:
            g, = torch.autograd.grad(f(A).sum(), A, create_graph=True)
            h, = torch.autograd.grad((g * g).sum(), A)
            print(vals(h))
    """)


@pytest.mark.parametrize("code", [
    # shape and dtype checks, as torch words them
    *("; ".join(f"err(lambda: {f}({arg}))" for arg in ("torch.ones(3)", "torch.ones(2, 3)", "torch.ones(3, 3, dtype=torch.long)",
                                                        "torch.eye(3).half()"))
      for f in ("torch.linalg.eigh", "torch.linalg.eigvalsh", "torch.linalg.cholesky", "torch.linalg.cholesky_ex",
                "torch.linalg.qr", "torch.linalg.svd", "torch.svd", "torch.linalg.pinv", "torch.linalg.matrix_exp",
                "torch.linalg.inv_ex", "torch.linalg.matrix_rank", "torch.linalg.cond")),
    "err(lambda: torch.linalg.eigh(torch.eye(2), UPLO='X')); err(lambda: torch.linalg.qr(torch.eye(2), mode='x'))",
    "err(lambda: torch.linalg.pinv(torch.ones(2, 3), hermitian=True)); err(lambda: torch.linalg.matrix_rank(torch.ones(3, 2), hermitian=True))",
    "err(lambda: torch.linalg.matrix_power(torch.ones(3), 2)); err(lambda: torch.linalg.matrix_power(torch.ones(2, 3), 2))",
    "err(lambda: torch.linalg.matrix_power(torch.ones(2, 2), 2.0)); err(lambda: torch.linalg.matrix_power(torch.ones(2, 2, dtype=torch.long), -1))",
    "err(lambda: print(torch.linalg.matrix_power(torch.ones(2, 2), -1))); err(lambda: torch.linalg.cond(torch.ones(3, 2), 'fro'))",
    "; ".join(f"err(lambda: torch.cholesky_solve({b}, {u}))" for b, u in [
        ("torch.ones(2, 2)", "torch.eye(3)"), ("torch.ones(3, 2)", "torch.ones(3)"), ("torch.ones(3)", "torch.eye(3)"),
        ("torch.ones(3, 2)", "torch.eye(3).half()"), ("torch.ones(3, 2).half()", "torch.eye(3).half()"),
        ("torch.ones(3, 2, dtype=torch.float64)", "torch.eye(3)"), ("torch.ones(3, 2)", "torch.ones(3, 2)"),
        ("torch.ones(2, 2, dtype=torch.long)", "torch.eye(2, dtype=torch.long)"),
        ("torch.ones(2, 3, 2)", "torch.eye(3).expand(4, 3, 3)")]),
    "print(torch.cholesky_solve(torch.ones(5, 1, 3, 2), torch.eye(3).expand(4, 3, 3)).shape)",
    "; ".join(f"err(lambda: torch.linalg.lstsq({a}, {b}{kw}))" for a, b, kw in [
        ("torch.ones(3, 2)", "torch.ones(2, 1)", ""), ("torch.ones(3, 2)", "torch.ones(2)", ""),
        ("torch.ones(3)", "torch.ones(3, 1)", ""), ("torch.ones(3, 2)", "torch.ones(3, 1, dtype=torch.float64)", ""),
        ("torch.ones(3, 2, dtype=torch.long)", "torch.ones(3, 1, dtype=torch.long)", ""),
        ("torch.ones(3, 2)", "torch.ones(3, 1)", ", driver='foo'"), ("torch.ones(3, 2)", "1", ""),
        ("torch.ones(2, 3, 2)", "torch.ones(3)", ""), ("torch.ones(3, 2)", "torch.ones(4, 3, 1)", ""),
        ("torch.ones(2, 3, 2)", "torch.ones(5, 3, 1)", "")]),
    "err(lambda: torch.linalg.vecdot(A, A.float())); err(lambda: torch.linalg.vecdot(torch.ones(3, dtype=torch.long), torch.ones(3, dtype=torch.long)))",
    "; ".join(f"err(lambda: torch.linalg.multi_dot({ts}))" for ts in [
        "[A]", "[]", "[A, T]", "[A, A.float()]", "[torch.ones(2, 2, 2), A]", "[A, torch.ones(3, 3, 3)]",
        "[A, A[0], A]", "[A, torch.ones(3, 3, 3), A]"]),
])
def test_errors(gw, code):
    out = run(gw, code)
    assert "!!" not in out


def test_shape_and_dtype_errors_are_raised_by_the_client(gw):
    """No round trip and no command: the client's shape inference raises at the call site."""
    rect, vec, ints, sq, short = gw.ones(2, 3), gw.ones(3), gw.ones(3, 3, dtype=gw.int64), gw.ones(3, 3), gw.ones(2)
    gw.synchronize()
    before = gw.stats()
    calls = [lambda: gw.linalg.eigh(rect), lambda: gw.linalg.eigvalsh(vec), lambda: gw.linalg.cholesky(rect),
             lambda: gw.linalg.cholesky_ex(ints), lambda: gw.linalg.qr(vec), lambda: gw.linalg.qr(sq, mode="x"),
             lambda: gw.linalg.svd(ints), lambda: gw.linalg.pinv(vec), lambda: gw.linalg.lstsq(sq, short),
             lambda: gw.linalg.matrix_exp(rect), lambda: gw.matrix_power(rect, 2), lambda: gw.linalg.inv_ex(ints),
             lambda: gw.cholesky_solve(rect, rect), lambda: gw.linalg.eigh(sq, UPLO="X"),
             lambda: gw.linalg.multi_dot([sq, rect]), lambda: gw.linalg.vecdot(sq, ints)]
    for f in calls:
        with pytest.raises(RuntimeError) as info:
            f()
        assert not any("raised on the server" in n for n in getattr(info.value, "__notes__", []))
    after = gw.stats()
    assert (after["round_trips"], after["commands"]) == (before["round_trips"], before["commands"])


def test_exact_values(gw):
    """Known results, checked here without torch."""
    w, v = gw.linalg.eigh(gw.tensor([[2., 1.], [1., 2.]], dtype=gw.float64))
    assert w.tolist() == pytest.approx([1., 3.])
    assert abs(v.tolist()[0][0]) == pytest.approx(2 ** -0.5)
    assert gw.linalg.cholesky(gw.tensor([[4., 2.], [2., 5.]])).tolist() == [[2., 0.], [1., 2.]]
    assert gw.linalg.matrix_exp(gw.tensor([[0., 1.], [0., 0.]])).tolist() == [[1., 1.], [0., 1.]]
    assert gw.linalg.matrix_power(gw.tensor([[1, 1], [0, 1]]), 5).tolist() == [[1, 5], [0, 1]]
    assert gw.linalg.pinv(gw.tensor([[2., 0.], [0., 0.]])).tolist() == [[0.5, 0.], [0., 0.]]
    x = gw.linalg.lstsq(gw.tensor([[1.], [1.]], dtype=gw.float64), gw.tensor([[1.], [3.]], dtype=gw.float64))
    assert x.solution.item() == pytest.approx(2.) and x.rank.item() == 1
    assert gw.linalg.cholesky_ex(gw.tensor([[1., 2.], [2., 1.]])).info.item() == 2
    assert gw.linalg.multi_dot([gw.tensor([1., 2.]), gw.tensor([[1., 0.], [0., 2.]]), gw.tensor([3., 1.])]).item() == 7.
    assert gw.linalg.matrix_rank(gw.tensor([[1., 2.], [2., 4.]])).item() == 1
    assert gw.linalg.cond(gw.tensor([[2., 0.], [0., 0.5]])).item() == pytest.approx(4.)


def test_det_of_small_integer_matrices_prints_exactly_as_torch(gw):
    """det is the product of U's diagonal from the LU of A^T, as torch computes it (numpy's det goes through
    a logarithm and prints 5.0000 where torch prints 5.); a singular matrix's det keeps its sign (-0.)."""
    out = same_as_torch(gw, """
        for m in ([[1., 2.], [3., 4.]], [[2., 1.], [1., 3.]], [[1., 2., 3.], [4., 5., 6.], [7., 8., 10.]]):
            a = torch.tensor(m, dtype=torch.float64, requires_grad=True)
            d = torch.linalg.det(a)
            d.backward()
            print(d, a.grad)
        print(torch.det(torch.tensor([[1., 2.], [3., 4.]])), torch.det(torch.tensor([[1., 2.], [2., 4.]])))
    """)
    assert "tensor(5., dtype=torch.float64, grad_fn=<LinalgDetBackward0>)" in out
    assert "tensor([[ 3., -1.],\n        [-1.,  2.]], dtype=torch.float64)" in out
    assert "tensor(-2.)" in out and "tensor(-0.)" in out


def test_cross_errors_name_the_dim_as_given(gw):
    from tests.test_parity_api import same_as_torch  # noqa: PLC0415
    out = same_as_torch(gw, """
for f in (lambda: torch.linalg.cross(torch.ones(2), torch.ones(2)),
          lambda: torch.linalg.cross(torch.ones(2, 3), torch.ones(2, 3), dim=0),
          lambda: torch.linalg.cross(torch.ones(3, 2), torch.ones(3, 2), dim=-1),
          lambda: torch.cross(torch.ones(2, 4), torch.ones(2, 4), dim=1)):
    try:
        f()
    except RuntimeError as e:
        print(e)
""")
    assert out.splitlines()[0] == "linalg.cross: inputs dimension -1 must have length 3. Got 2 and 2"
