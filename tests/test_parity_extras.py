"""torch's remaining Tensor methods and their torch.<name> forms through the client (embedded and remote
server), against PyTorch and exact values: storage-kind predicates, resize_/set_/apply_/map_, the linear
algebra of torch < 2 (cholesky, qr, pinverse, triangular_solve ...) and the functions torch removed."""
from __future__ import annotations

import warnings

import pytest

from test_parity_api import same_as_torch

pytestmark = pytest.mark.timeout(120)

SNIPPETS = [
    'x = torch.tensor([[4., 2.], [2., 3.]])\nfor name in ["solve", "eig", "symeig", "lstsq"]:\n    try: getattr(x, name)(x)\n    except Exception as e: print(name, type(e).__name__, e)\n    try: getattr(torch, name)(x, x)\n    except Exception as e: print(name, type(e).__name__, e)\n',
    't = torch.ones(2, 3, requires_grad=True)\ntry: t.resize_(6)\nexcept Exception as e: print(type(e).__name__, e)\nu = torch.arange(6.); print(u.resize_(2, 2), u.shape)\nu = torch.arange(4.); print(u.resize_as_(torch.ones(2, 2)))\na = torch.arange(3.); print(a.apply_(lambda v: v * 10), a.map_(torch.ones(3), lambda p, q: p + q))\nb = torch.arange(3); print(b.map2_(torch.ones(3, dtype=torch.long), torch.full((3,), 2), lambda p, q, r: p * r + q))\nprint(a.dim_order(), torch.ones(2,3,4).dim_order(), torch.ones(2, 3).t().dim_order(), a.is_shared(), a.is_pinned(), a.share_memory_() is a)\n',
    'import warnings\nwarnings.simplefilter("ignore")\nx = torch.tensor([[4., 2.], [2., 3.]], dtype=torch.float64)\nprint(x.cholesky(), x.cholesky(upper=True), torch.cholesky(x))\nprint(x.pinverse(), x.adjoint(), torch.pinverse(x))\nprint(torch.tensor([0, 3, 0, 5]).nonzero_static(size=3), torch.tensor([0, 3]).nonzero_static(size=3, fill_value=-7))\nprint(x.narrow_copy(0, 1, 1), x.to_dense() is x, x.new_empty_strided((2,), (1,)).shape)\nq = x.qr(); print(type(q).__name__, q.Q.shape, torch.allclose(q.Q @ q.R, x))\nprint(torch.nn.functional.hardshrink(torch.tensor([-1., 0.2, 0.7]), 0.5), torch.tensor([-1., 0.2]).hardshrink())\nb = torch.zeros(2); b.set_(torch.ones(3)); print(b)\nprint(x.cholesky().cholesky_inverse())\ntry: torch.ones(2, requires_grad=True).apply_(lambda v: v)\nexcept Exception as e: print(type(e).__name__, e)\nprint(x.is_sparse, x.is_quantized, x.is_meta, x.is_mps, x.is_nested, x.is_mkldnn, x.is_xpu, x.is_sparse_csr)\nprint(x.triangular_solve(torch.tensor([[2., 0.], [1., 1.]], dtype=torch.float64)))\nprint(torch.triangular_solve(x, torch.tensor([[2., 0.], [1., 1.]], dtype=torch.float64), upper=False, transpose=True, unitriangular=True))\n',
    'x = torch.tensor([[4., 2.], [2., 3.]], dtype=torch.float64, requires_grad=True)\nimport warnings\nwarnings.simplefilter("ignore")\nL = x.cholesky(); L.sum().backward(); print(x.grad)\nprint(torch.autograd.gradcheck(lambda a: (a @ a.T + torch.eye(2, dtype=torch.float64)).cholesky_inverse(), (torch.tensor([[1.5, 0.], [0.3, 1.2]], dtype=torch.float64, requires_grad=True),)))\n',
]


@pytest.mark.parametrize("code", SNIPPETS, ids=[f"snippet{i}" for i in range(len(SNIPPETS))])
def test_as_torch(gw, code):
    same_as_torch(gw, code)


def test_exact_values(gw):
    a = gw.arange(4.)
    assert a.apply_(lambda v: v * v).tolist() == [0.0, 1.0, 4.0, 9.0]
    assert a.resize_(2, 2).tolist() == [[0.0, 1.0], [4.0, 9.0]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        L = gw.tensor([[4., 2.], [2., 5.]], dtype=gw.float64).cholesky()
    assert L.tolist() == [[2.0, 0.0], [1.0, 2.0]]
    assert gw.tensor([0, 3, 0, 5]).nonzero_static(size=3).tolist() == [[1], [3], [-1]]
    assert gw.ones(2).is_sparse is False
    with pytest.raises(RuntimeError, match="torch.solve` is deprecated in favor of `torch.linalg.solve"):
        gw.solve(L, L)
