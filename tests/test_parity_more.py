"""torch.linalg's compositions (solve_triangular, solve_ex, vander, tensorinv, tensorsolve, diagonal, matmul)
and torch.utils.data's WeightedRandomSampler, StackDataset and ChainDataset, through the client (embedded and
remote server), against PyTorch and exact values."""
from __future__ import annotations

import pytest

from test_parity_api import same_as_torch

pytestmark = pytest.mark.timeout(60)

SNIPPETS = [
    'A = torch.tensor([[2., 0.], [1., 3.]], dtype=torch.float64, requires_grad=True)\nB = torch.tensor([[4.], [5.]], dtype=torch.float64)\nX = torch.linalg.solve_triangular(A, B, upper=False); print(X.detach())\nX.sum().backward(); print(A.grad)\nprint(torch.linalg.solve_triangular(A, B.T, upper=False, left=False).detach())\nA.grad = None\nY = torch.linalg.solve_triangular(A, B, upper=True, unitriangular=True); print(Y.detach()); Y.sum().backward(); print(A.grad)\n',
    'print(torch.linalg.vander(torch.tensor([1., 2., 3.])), torch.linalg.vander(torch.tensor([1, 2]), N=3))\nA = torch.tensor([[2., 0.], [1., 3.]])\nprint(torch.linalg.solve_ex(A, torch.tensor([[4.], [5.]])))\nprint(torch.linalg.diagonal(A), torch.linalg.matmul(A, A))\n',
    'a = torch.eye(6).reshape(2, 3, 6) * 2\nprint(torch.linalg.tensorinv(a, ind=2).shape)\nA = torch.eye(6).reshape(2, 3, 6) * 2\nBt = torch.ones(2, 3)\nprint(torch.linalg.tensorsolve(A, Bt))\nA2 = torch.eye(6).reshape(6, 2, 3).permute(1, 2, 0) * 4\nprint(torch.linalg.tensorsolve(A2, Bt, dims=(0, 1)).shape)\n',
    's = torch.utils.data.WeightedRandomSampler([0.0, 1.0, 0.0], 5, replacement=True); print(len(s), list(s))\ntry: torch.utils.data.WeightedRandomSampler([0.1, 0.9], 0)\nexcept Exception as e: print(type(e).__name__, e)\ntry: torch.utils.data.WeightedRandomSampler([0.1, 0.9], 2, replacement=1)\nexcept Exception as e: print(type(e).__name__, e)\nprint(sorted(torch.utils.data.WeightedRandomSampler([1.0, 1.0, 1.0], 3, replacement=False)))\nprint(repr(torch.utils.data.StackDataset([1,2], [3,4])[1]), len(torch.utils.data.StackDataset(a=[1,2], b=[3,4])), torch.utils.data.StackDataset(a=[1,2], b=[3,4])[0])\ntry: torch.utils.data.StackDataset([1], [2, 3])\nexcept Exception as e: print(type(e).__name__, e)\nclass R(torch.utils.data.IterableDataset):\n    def __init__(self, n): self.n = n\n    def __iter__(self): return iter(range(self.n))\n    def __len__(self): return self.n\nc = torch.utils.data.ChainDataset([R(2), R(3)]); print(list(c), len(c))\n',
]


@pytest.mark.parametrize("code", SNIPPETS, ids=[f"snippet{i}" for i in range(len(SNIPPETS))])
def test_as_torch(gw, code):
    same_as_torch(gw, code)


def test_exact_values(gw):
    A = gw.tensor([[2.0, 5.0], [1.0, 4.0]], dtype=gw.float64, requires_grad=True)  # 5 lies above: not read
    X = gw.linalg.solve_triangular(A, gw.tensor([[4.0], [6.0]], dtype=gw.float64), upper=False)
    assert X.tolist() == [[2.0], [1.0]]
    X.sum().backward()
    assert A.grad[0, 1].item() == 0.0   # the unread triangle gets no gradient
    assert gw.autograd.gradcheck(lambda a: gw.linalg.solve_triangular(a, gw.ones(2, 1, dtype=gw.float64) * 3,
                                                                      upper=True), (gw.tensor(
        [[2.0, 0.5], [0.0, 3.0]], dtype=gw.float64, requires_grad=True),))
    assert gw.linalg.vander(gw.tensor([2, 3])).tolist() == [[1, 2], [1, 3]]
    assert list(gw.utils.data.WeightedRandomSampler([0.0, 0.0, 2.0], 3)) == [2, 2, 2]
