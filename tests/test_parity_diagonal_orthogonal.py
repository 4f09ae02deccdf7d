"""diagonal() is a view, as in torch (writes through it reach the tensor, CopySlices under autograd), and
nn.utils.parametrizations.orthogonal (see test_parity_api.same_as_torch)."""
from __future__ import annotations

import pytest

from test_parity_api import same_as_torch_without_errors as same_as_torch

pytestmark = pytest.mark.timeout(120)


def test_diagonal_is_a_view(gw):
    out = same_as_torch(gw, """
        for f in [lambda z: z.diagonal().fill_(-1.0), lambda z: z.diagonal(dim1=0, dim2=1).fill_(-1.),
                  lambda z: z.diagonal(offset=1).fill_(-1.), lambda z: z.diagonal(offset=-2).add_(5),
                  lambda z: torch.diagonal(z).mul_(0).add_(3), lambda z: z.diagonal(offset=5).fill_(1)]:
            z = torch.zeros(3, 3)
            f(z)
            print(z.tolist())
        x = torch.arange(24.).reshape(2, 3, 4)
        d = x.diagonal(1, 1, 2)
        print(d, d.stride(), d.is_contiguous(), x.diagonal(dim1=0, dim2=2).shape)
        d.zero_()
        print(x)
        a = torch.ones(3, 3, requires_grad=True)
        b = a * 2
        b.diagonal().mul_(5)
        print(b, type(b.grad_fn).__name__)
        b.sum().backward()
        print(a.grad)
        c = torch.ones(2, 2, requires_grad=True)
        try:
            c.diagonal().fill_(0)
        except RuntimeError as e:
            print(e)
        m = torch.eye(3)
        v = m.diagonal()
        m.add_(1)
        print(v, m.diag(), type(torch.ones(2, 2, requires_grad=True).diag().grad_fn).__name__)
    """)
    assert "[[-1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]]" in out
    assert "tensor([[10.,  2.,  2.],\n        [ 2., 10.,  2.],\n        [ 2.,  2., 10.]], grad_fn=<CopySlices>)" in out
    assert "tensor([2., 2., 2.]) tensor([2., 2., 2.]) DiagonalBackward0_copy" in out


def test_orthogonal_parametrization(gw):
    out = same_as_torch(gw, """
        for n, m, mp in [(3, 3, None), (5, 3, None), (3, 5, None), (4, 4, "cayley"), (4, 2, "matrix_exp"),
                         (3, 3, "householder")]:
            lin = torch.nn.Linear(m, n)
            with torch.no_grad():
                lin.weight.copy_((torch.arange(n * m, dtype=torch.float32).reshape(n, m) * 1.3 + 0.5).sin()
                                 + 3 * torch.eye(n, m))
            torch.nn.utils.parametrizations.orthogonal(lin, orthogonal_map=mp)
            w = lin.weight
            k = min(n, m)
            print(n, m, mp, torch.allclose(w @ w.T if n < m else w.T @ w, torch.eye(k), atol=1e-5), type(lin).__name__)
            if n == m:
                print(w.detach().round(decimals=3))
            (lin(torch.ones(2, m)) ** 2).sum().backward()
            print(lin.parametrizations.weight.original.grad.shape)
        lin = torch.nn.Linear(3, 3)
        torch.nn.utils.parametrizations.orthogonal(lin, use_trivialization=False, orthogonal_map="householder")
        print(torch.allclose(lin.weight.T @ lin.weight, torch.eye(3), atol=1e-5))
        for kwargs in ({"use_trivialization": False}, {"orthogonal_map": "x"}):
            try:
                torch.nn.utils.parametrizations.orthogonal(torch.nn.Linear(3, 3), **kwargs)
            except (NotImplementedError, ValueError) as e:
                print(type(e).__name__, e)
        print(torch.nn.utils.parametrizations.orthogonal(torch.nn.Linear(2, 2)))
    """)
    assert out.count("True ParametrizedLinear") == 6
