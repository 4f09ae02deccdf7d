"""Ops added after the first release, each against PyTorch: values, dtypes, reprs, grad_fn names,
gradients and error texts (see test_parity_api.same_as_torch)."""
from __future__ import annotations

import pytest

from test_parity_api import same_as_torch

pytestmark = pytest.mark.timeout(120)


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
])
def test_sort_family(gw, code):
    same_as_torch(gw, "x = torch.tensor([[3., 1., 2., 1.], [0., 5., -1., 5.]], requires_grad=True)\n" + code)


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
