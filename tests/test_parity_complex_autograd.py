"""Complex autograd of the structural, indexing, reduction, product and linear-algebra ops: each one's gradient
equals torch's (the conjugate Wirtinger convention) and passes gradcheck on complex128; select_scatter and
slice_scatter refuse complex gradients with torch's error, as torch does."""
from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.timeout(120)

REFUSED = {"select_scatter", "slice_scatter"}


def _cases(torch):
    g = torch.Generator().manual_seed(0)
    def c(*shape):
        return torch.randn(*shape, dtype=torch.cdouble, generator=g)
    z, sq, v = c(3, 4), c(3, 3) + 3 * torch.eye(3), c(4)
    idx = torch.tensor([[0], [1], [2]])
    return {
     "prod": (lambda z: z.prod(), (z,)), "prod_dim": (lambda z: z.prod(1), (z,)), "cumsum": (lambda z: z.cumsum(1), (z,)),
     "cumprod": (lambda z: z.cumprod(0), (z,)), "unbind": (lambda z: z.unbind(0)[1], (z,)), "split": (lambda z: z.split(2, 1)[1], (z,)),
     "split_sizes": (lambda z: z.split([1, 3], 1)[1], (z,)), "roll": (lambda z: z.roll(1, 1), (z,)), "repeat": (lambda z: z.repeat(2, 1), (z,)),
     "diag": (lambda v: v.diag(), (v,)), "diagonal": (lambda s: s.diagonal(), (sq,)), "tril": (lambda s: s.tril(), (sq,)), "triu": (lambda s: s.triu(1), (sq,)),
     "index_select": (lambda z: z.index_select(1, torch.tensor([0, 2])), (z,)), "gather": (lambda z: z.gather(1, idx), (z,)),
     "scatter": (lambda z, v: z.scatter(1, idx, v[:3].unsqueeze(1)), (z, v)), "scatter_value": (lambda z: z.scatter(1, idx, 2.0), (z,)),
     "scatter_add": (lambda z, v: z.scatter_add(1, idx, v[:3].unsqueeze(1)), (z, v)),
     "masked_fill": (lambda z: z.masked_fill(torch.tensor([True, False, True, False]), 0), (z,)),
     "masked_fill_t": (lambda z, v: z.masked_fill(torch.tensor([True, False, True, False]), v[0]), (z, v)),
     "where": (lambda z: torch.where(torch.tensor([True, False, True, False]), z, z * 2), (z,)), "pad": (lambda z: torch.nn.functional.pad(z, (1, 1)), (z,)),
     "inv": (lambda s: torch.linalg.inv(s), (sq,)), "solve": (lambda s, v: torch.linalg.solve(s, v[:3]), (sq, v)), "det": (lambda s: torch.linalg.det(s), (sq,)),
     "trace": (lambda s: s.trace(), (sq,)), "kron": (lambda v: torch.kron(v, v), (v,)), "addmm": (lambda s: torch.addmm(s, s, s), (sq,)),
     "addmv": (lambda s, v: torch.addmv(v[:3], s, v[:3]), (sq, v)), "addr": (lambda s, v: torch.addr(s, v[:3], v[1:]), (sq, v)),
     "baddbmm": (lambda s: torch.baddbmm(s.unsqueeze(0), s.unsqueeze(0), s.unsqueeze(0)), (sq,)),
     "addbmm": (lambda s: torch.addbmm(s, s.unsqueeze(0), s.unsqueeze(0)), (sq,)),
     "addcmul": (lambda z: torch.addcmul(z, z, z, value=0.5), (z,)), "addcdiv": (lambda z: torch.addcdiv(z, z, z + 3), (z,)),
     "logsumexp": (lambda z: z.logsumexp(1), (z,)), "index_put": (lambda z, v: z.index_put((torch.tensor([0]),), v), (z, v)),
     "index_put_acc": (lambda z, v: z.index_put((torch.tensor([0]),), v, accumulate=True), (z, v)),
     "setitem": (lambda z, v: (lambda y: (y.__setitem__(0, v), y)[1])(z.clone()), (z, v)),
     "index_add": (lambda z, v: z.index_add(0, torch.tensor([1]), v.unsqueeze(0)), (z, v)),
     "contiguous": (lambda z: z.t().contiguous(), (z,)), "matrix_exp": (lambda s: torch.linalg.matrix_exp(s * 0.3), (sq,)),
     "cross": (lambda v: torch.linalg.cross(v[:3], v[1:]), (v,)), "masked_select": (lambda z: z.masked_select(torch.tensor([True, False, True, False])), (z,)),
     "take": (lambda z: z.take(torch.tensor([0, 5])), (z,)), "select_scatter": (lambda z, v: torch.select_scatter(z, v, 0, 0), (z, v)),
     "slice_scatter": (lambda z: torch.slice_scatter(z, z[:1] * 2, 0, 0, 1), (z,)), "diagonal_scatter": (lambda s, v: torch.diagonal_scatter(s, v[:3]), (sq, v)),
     "unfold": (lambda z: z.unfold(1, 2, 1), (z,)), "bmm": (lambda s: torch.matmul(s.unsqueeze(0).expand(2, 3, 3), s), (sq,)),
     "matmul_batched": (lambda s, z: torch.matmul(s.expand(2, 3, 3), z), (sq, z)), "mul_scalar": (lambda z: z * (2 - 1j), (z,)),
     "div_scalar": (lambda z: z / (1 + 1j), (z,)), "add_scalar": (lambda z: z + (1 + 2j), (z,)), "cumulative_trapezoid": (lambda z: torch.cumulative_trapezoid(z), (z,)),
     "trapz": (lambda z: torch.trapezoid(z), (z,)), "flatten": (lambda z: z.flatten(), (z,)), "narrow": (lambda z: z.narrow(1, 1, 2), (z,)),
     "movedim": (lambda z: z.movedim(0, 1), (z,)), "square": (lambda z: z.square(), (z,)), "rsub": (lambda z: 1 - z, (z,)),
     "sgn": (lambda z: z.sgn() * (2 + 1j), (z,)), "var": (lambda z: z.var(1), (z,)), "std": (lambda z: z.std(0, unbiased=False), (z,)),
     "var_mean": (lambda z: torch.var_mean(z, 1)[0] + torch.var_mean(z, 1)[1], (z,)),
     "diff": (lambda z: torch.diff(z), (z,)), "tile": (lambda z: z.tile((1, 2)), (z,)), "chunk": (lambda z: z.chunk(2, 1)[0], (z,)),
    }



def _grads(lib, name):
    f, inputs = _cases(lib)[name]
    inputs = tuple(t.detach().requires_grad_() for t in inputs)
    out = f(*inputs)
    (out.abs() ** 2).sum().backward()
    return [np.asarray(t.grad.tolist()) for t in inputs], lib.autograd.gradcheck(f, inputs)


def _names():
    torch = pytest.importorskip("torch")
    return sorted(_cases(torch))


@pytest.mark.parametrize("name", _names())
def test_complex_gradient_equals_torchs(gw, name):
    torch = pytest.importorskip("torch")
    if name in REFUSED:
        for lib in (torch, gw):
            with pytest.raises(RuntimeError, match=f"^{name} does not support automatic differentiation for outputs "
                                                   f"with complex dtype"):
                _grads(lib, name)
        return
    expected, torch_ok = _grads(torch, name)
    got, ok = _grads(gw, name)
    assert torch_ok and ok
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-9)
