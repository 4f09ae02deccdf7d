"""torch.func (grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian, vmap, functional_call) against
PyTorch: values, nesting of results, composition, requires_grad of results, and error texts; plus exact
values and finite differences, so that the module fails without torch's help too."""
from __future__ import annotations

import numpy as np
import pytest

from test_parity_ops import same_as_torch, with_setup

pytestmark = pytest.mark.timeout(120)

SETUP = """
F = torch.func  # (an import statement would bind the real torch on both sides)
grad, grad_and_value, vjp, jvp, jacrev = F.grad, F.grad_and_value, F.vjp, F.jvp, F.jacrev
jacfwd, hessian, vmap, functional_call = F.jacfwd, F.hessian, F.vmap, F.functional_call
x = torch.tensor([0.5, -1.0, 2.0])
y = torch.tensor([1.5, 2.0, -0.5])
w = torch.tensor([3., 4., 5.], requires_grad=True)
b = torch.arange(6.).view(2, 3) / 4
def nz(v):  # -0. and 0. print apart; which one a zero of a jacobian gets is no part of the spec
    if isinstance(v, (tuple, list)):
        return type(v)(nz(e) for e in v)
    return {k: nz(e) for k, e in v.items()} if isinstance(v, dict) else v + 0.0
def show(f):
    try:
        print(f())
    except Exception as e:
        print("!!", type(e).__name__, e)
"""


@pytest.mark.parametrize("code", [
    # grad and grad_and_value
    "g = grad(lambda a: (a ** 3).sum())(x); print(g, g.requires_grad)",
    "print(grad(lambda a, c: (a * c).sum(), argnums=(0, 1))(x, y), grad(lambda a, c: (a * c).sum(), argnums=-1)(x, y))",
    "print(grad_and_value(lambda a: ((a * a).sum(), a.mean()), has_aux=True)(x))",
    "print(grad(lambda a: ((a * a).sum(), {'m': a.max()}), has_aux=True)(x))",
    "print(grad(lambda d: (d['u'] * d['v']).sum())({'u': x, 'v': y}))",
    "print(grad(lambda a, scale=1.0: (a * scale).pow(2).sum())(x, scale=3.0))",
    "g = grad(lambda a: (a * a).sum())(w); print(g); g.sum().backward(); print(w.grad)",
    "g = grad(lambda a: (a * w).sum())(x); print(g, g.requires_grad)",
    "with torch.no_grad():\n    print(grad(lambda a: a.sin().sum())(x), grad(lambda a: (a * a).sum())(w).requires_grad)",
    "def f(a):\n    with torch.no_grad():\n        c = a ** 2\n    return (a - c).sum()\nprint(grad(f)(x))",
    "show(lambda: grad(lambda a: a * 2)(x))",
    "show(lambda: grad(lambda a: 3)(x))",
    "show(lambda: grad(lambda a: a.sum(), has_aux=True)(x))",
    "show(lambda: grad(lambda a: (a.sum(), 3), has_aux=True)(x))",
    "show(lambda: grad(lambda a: a.sum(), argnums=2)(x))",
    "show(lambda: grad(lambda a: a.sum(), argnums=())(x)); show(lambda: grad(lambda a: a.sum(), argnums=(0, 0))(x))",
    "show(lambda: grad(lambda a: a.sum(), argnums=1.0)(x)); show(lambda: grad(lambda a: a.sum())(3.0))",
    # composition
    "print(grad(grad(grad(lambda a: a ** 4)))(torch.tensor(2.)), grad(grad(lambda a: a.sin()))(torch.tensor(1.)))",
    "print(jacrev(jacrev(lambda a: (a ** 3).sum()))(x))",
    "print(jacrev(jacfwd(lambda a: a.exp() * a.sum()))(x))",
    "print(vmap(grad(lambda a: (a.sin() * a).sum()))(b))",
    "print(vmap(jacrev(lambda a: a.tanh()))(b))",
    "print(grad(lambda a: vmap(lambda r: (r * r).sum())(a).sum())(b))",
    # vjp and jvp
    "o, fn = vjp(lambda a: a.exp(), x); print(o, fn(torch.ones(3)), fn(torch.ones(3) * 2))",
    "print(vjp(lambda a, c: (a * c, a + c), x, y)[1]((torch.ones(3), torch.ones(3))))",
    "o, fn, aux = vjp(lambda a: (a * 2, a.sum()), x, has_aux=True); print(o, aux, fn(y))",
    "print(jvp(lambda a: a * a, (x,), (torch.ones(3),)), jvp(lambda a, c: a * c, (x, y), (y, x)))",
    "print(jvp(lambda a: (a.sin(), {'s': a.sum()}), (x,), (y,)))",
    "print(jvp(lambda a: (a * 3, a.mean()), (x,), (y,), has_aux=True))",
    "show(lambda: jvp(lambda a: a, x, x)); show(lambda: jvp(lambda a: a, (x,), x))",
    "show(lambda: jvp(lambda a: a, (x,), (x, x))); show(lambda: jvp(lambda a: 3, (x,), (x,)))",
    "show(lambda: jvp(lambda a: a, (), ())); show(lambda: jvp(lambda a: a, (3.,), (x,)))",
    "show(lambda: jvp(lambda a: a, (x,), (torch.ones(2),))); show(lambda: jvp(lambda a: y * 2, (x,), (x,), strict=True))",
    "show(lambda: vjp(lambda a: 3, x)); show(lambda: vjp(lambda a: a, x)[1]((x,))); show(lambda: vjp(lambda a: a, 3.))",
    "show(lambda: vjp(lambda a: a, x)[1](3.)); show(lambda: vjp(lambda a: a.long(), x))",
    "show(lambda: vjp(lambda a: (a, 1), x, has_aux=True)); show(lambda: vjp(lambda a: a, x)[1](torch.ones(2)))",
    # jacobians
    "print(jacrev(lambda a: a * a)(x), jacfwd(lambda a: a.sin())(x))",
    "print(nz(jacrev(lambda a, c: (a * c, a + c), argnums=(0, 1))(x, y)))",
    "print(jacfwd(lambda a, c: {'s': a @ c}, argnums=1)(b, x))",
    "print(jacrev(lambda d: d['p'] * 2)({'p': x[:2]}))",
    "print(jacrev(lambda a: (a * 2, {'n': a.sum()}), has_aux=True)(x[:2]))",
    "print(jacfwd(lambda a: (a * 2, a.sum()), has_aux=True)(x[:2]))",
    "print(jacrev(lambda a: a.sum())(torch.ones(0)), jacfwd(lambda a: a * 2)(torch.ones(0)), jacrev(lambda a: y * 2)(x))",
    "print(nz(hessian(lambda a: (a ** 3).sum())(x)), nz(hessian(lambda a, c: (a * c ** 2).sum(), argnums=(0, 1))(x[:2], y[:2])))",
    "show(lambda: jacrev(lambda a: a, chunk_size=0)); show(lambda: jacrev(lambda a: 3)(x)); show(lambda: jacfwd(lambda a: 3)(x))",
    "show(lambda: jacrev(lambda a: a)(3.)); show(lambda: hessian(lambda a: a.sum())(3.0))",
])
def test_autodiff_transforms(gw, code):
    same_as_torch(gw, with_setup(SETUP, code))


@pytest.mark.parametrize("code", [
    "print(vmap(lambda a: a.sum())(b), torch.vmap(lambda a: a * 2, in_dims=1)(b))",
    "print(vmap(lambda a, c: a * c, in_dims=(0, None))(b, x))",
    "print(vmap(lambda a: a.sum(0), in_dims=1, out_dims=0)(b), vmap(lambda a: a * 2, out_dims=-1)(b))",
    "print(vmap(lambda a: (a, a.sum()), out_dims=(1, 0))(b))",
    "print(vmap(lambda a: (a * 2, 3), out_dims=(0, None))(b))",
    "print(vmap(lambda a: {'r': a, 's': [a.sum()]})(b), vmap(lambda d: d['a'] * 2)({'a': b}))",
    "print(vmap(lambda p, q: p['u'] * q[0] + q[1], in_dims=({'u': 0}, (1, None)))({'u': b}, (b.t(), torch.tensor(1.))))",
    "print(vmap(vmap(lambda a: a.sum()))(torch.ones(2, 3, 4)), vmap(lambda a: a * 2, chunk_size=2)(torch.arange(10.).view(5, 2)))",
    "print(vmap(lambda a, scale=1.0: a * scale)(x, scale=2.0), vmap(lambda a: a * 2)(torch.ones(0, 3)))",
    "show(lambda: vmap(torch.sin, in_dims=(0, 1))(b)); show(lambda: vmap(lambda a, c: a, in_dims=((0,),))(b, {'a': b}))",
    "show(lambda: vmap(lambda a: (a, a), out_dims=(0, 1, 2))(b)); show(lambda: vmap(lambda a: a, in_dims=[0])(b))",
    "show(lambda: vmap(lambda a: a, in_dims=(5,))(b)); show(lambda: vmap(lambda a: 3)(b))",
    "show(lambda: vmap(lambda a: a, out_dims='a')(b)); show(lambda: vmap(lambda a: a, in_dims=('a',))(b))",
    "show(lambda: vmap(lambda a: a, in_dims=(0,))(3)); show(lambda: vmap(lambda a: a, in_dims=None)(b))",
    "show(lambda: vmap(lambda a, c: a + c)(b, torch.ones(3))); show(lambda: vmap(lambda a: a)())",
    "show(lambda: vmap(lambda a: a, chunk_size=0)); show(lambda: vmap(lambda a: a, randomness='foo'))",
    "show(lambda: vmap(lambda a: a, out_dims=3)(b)); show(lambda: vmap(lambda a: a)(torch.tensor(1.)))",
    "show(lambda: vmap(lambda a: a, in_dims=None)(b)); show(lambda: vmap(lambda a, c: a, in_dims=(None, None))(b, b))",
    "show(lambda: vmap(lambda a: a, out_dims=None)(b)); show(lambda: vmap(lambda a: (a, None))(b))",
])
def test_vmap(gw, code):
    same_as_torch(gw, with_setup(SETUP, code))


MODULES = """
m = nn.Linear(3, 1)
with torch.no_grad():
    m.weight.copy_(torch.tensor([[0.25, 0.5, -0.75]]))
    m.bias.fill_(0.5)
class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(2, 2, bias=False)
        self.b = nn.Linear(2, 2, bias=False)
        self.b.weight = self.a.weight
        self.register_buffer('buf', torch.ones(2))
        with torch.no_grad():
            self.a.weight.copy_(torch.tensor([[1., 2.], [0.5, -1.]]))
    def forward(self, v):
        return self.b(self.a(v)) + self.buf
t = Tied()
params = {k: v.detach() for k, v in m.named_parameters()}
def loss(p, xb, yb):
    return ((functional_call(m, p, (xb,)) - yb) ** 2).mean()
xs = torch.arange(12.).view(4, 3) / 8
ys = torch.ones(4, 1)
"""


@pytest.mark.parametrize("code", [
    "print(functional_call(m, {'weight': torch.ones(1, 3)}, x), m.weight)",
    "print(functional_call(m, ({'weight': torch.ones(1, 3)}, {'bias': torch.zeros(1)}), (x,)))",
    "print(vmap(grad(loss), in_dims=(None, 0, 0))(params, xs, ys))",
    "print(grad(loss)(params, xs, ys))",
    "print(grad(loss)(dict(m.named_parameters()), xs, ys))",
    "print(jacrev(lambda p: functional_call(m, p, xs))(params))",
    "print(functional_call(t, {'a.weight': torch.eye(2) * 2}, x[:2]), functional_call(t, {'buf': torch.zeros(2)}, (x[:2],), {}))",
    "show(lambda: functional_call(t, {'a.weight': torch.eye(2) * 2, 'b.weight': torch.eye(2)}, x[:2]))",
    "print(functional_call(t, {'a.weight': torch.eye(2), 'b.weight': torch.eye(2) * 2}, x[:2], tie_weights=False))",
    "show(lambda: functional_call(m, {'foo': x}, (x,), strict=True)); show(lambda: functional_call(t, {'buf': x}, x, strict=True))",
    "show(lambda: functional_call(m, [{'weight': x}, {'weight': x}], x)); show(lambda: functional_call(m, 3, x))",
    "show(lambda: functional_call(m, [3], x)); show(lambda: functional_call(t, {'c.weight': x}, x)); show(lambda: functional_call(t, {'a.weight': 3}, x))",
    "print(t.a.weight is t.b.weight, t.buf, sorted(t._parameters), sorted(t.a._parameters))",
])
def test_functional_call(gw, code):
    same_as_torch(gw, with_setup(SETUP + MODULES, code))


# ----- exact values and finite differences, on gradwire alone -------------------------------------

def _fd_jacobian(fn, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    base = fn(x)
    cols = []
    for i in range(x.size):
        d = np.zeros_like(x)
        d.flat[i] = eps
        cols.append(((fn(x + d) - fn(x - d)) / (2 * eps)).ravel())
    return np.stack(cols, -1).reshape(base.shape + x.shape)


def test_grad_jacobians_and_hessian_values(gw):
    from gradwire.func import grad, hessian, jacfwd, jacrev, jvp, vjp
    xv = np.array([0.3, -0.7, 1.1])
    x = gw.tensor(xv, dtype=gw.float64)
    g = grad(lambda a: (a ** 3).sum())(x)
    assert not g.requires_grad
    np.testing.assert_allclose(g.numpy(), 3 * xv ** 2)

    def f_np(v):
        return np.stack([np.sin(v[0]) * v[1], v[2] ** 2 * v[0], np.exp(v[1])])

    def f(a):
        return gw.stack([a[0].sin() * a[1], a[2] ** 2 * a[0], a[1].exp()])

    expected = _fd_jacobian(f_np, xv)
    np.testing.assert_allclose(jacrev(f)(x).numpy(), expected, atol=1e-7)
    np.testing.assert_allclose(jacfwd(f)(x).numpy(), expected, atol=1e-7)
    t = np.array([1.0, 2.0, -1.0])
    _, jv = jvp(f, (x,), (gw.tensor(t, dtype=gw.float64),))
    np.testing.assert_allclose(jv.numpy(), expected @ t, atol=1e-7)
    (vj,) = vjp(f, x)[1](gw.tensor(t, dtype=gw.float64))
    np.testing.assert_allclose(vj.numpy(), t @ expected, atol=1e-7)

    # the hessian of sum(sin(a) * a): d2/da2 = 2 cos(a) - a sin(a) on the diagonal
    h = hessian(lambda a: (a.sin() * a).sum())(x)
    np.testing.assert_allclose(h.numpy(), np.diag(2 * np.cos(xv) - xv * np.sin(xv)), atol=1e-12)
    hh = jacrev(jacrev(lambda a: (a.sin() * a).sum()))(x)
    np.testing.assert_allclose(hh.numpy(), h.numpy(), atol=1e-12)


def test_vmap_and_per_sample_grads_values(gw):
    from gradwire.func import functional_call, grad, vmap
    bv = np.arange(6.0).reshape(2, 3)
    b = gw.tensor(bv)
    np.testing.assert_allclose(vmap(lambda r: (r * r).sum())(b).numpy(), (bv * bv).sum(1))
    np.testing.assert_allclose(vmap(lambda c: c * 2, in_dims=1, out_dims=1)(b).numpy(), bv * 2)
    np.testing.assert_allclose(vmap(grad(lambda r: (r ** 2).sum()))(b).numpy(), 2 * bv)

    m = gw.nn.Linear(3, 1)
    wv, bias = np.array([[0.25, 0.5, -0.75]]), 0.5
    params = {"weight": gw.tensor(wv, dtype=gw.float32), "bias": gw.tensor([bias])}
    xs = np.arange(12.0).reshape(4, 3) / 8

    def loss(p, xb, yb):
        return ((functional_call(m, p, (xb,)) - yb) ** 2).sum()

    per = vmap(grad(loss), in_dims=(None, 0, 0))(params, gw.tensor(xs, dtype=gw.float32), gw.ones(4, 1))
    resid = xs @ wv.T + bias - 1  # (4, 1)
    np.testing.assert_allclose(per["weight"].numpy(), (2 * resid)[:, :, None] * xs[:, None, :], rtol=1e-5)
    np.testing.assert_allclose(per["bias"].numpy(), 2 * resid, rtol=1e-5)
    assert m.weight is not params["weight"] and m.weight.shape == (1, 3)  # the module got its own back
