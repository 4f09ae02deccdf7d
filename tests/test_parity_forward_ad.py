"""Forward-mode AD (torch.autograd.forward_ad) against PyTorch: dual tensors, their reprs, tangents through
ops, modules and custom Functions, in-place ops, errors; and tangents against finite differences."""
from __future__ import annotations

import textwrap

import pytest

from test_parity_api import same_as_torch as _same_as_torch

pytestmark = pytest.mark.timeout(120)


def same_as_torch(gw, code: str) -> str:
    out = _same_as_torch(gw, "fwAD = torch.autograd.forward_ad\n" + textwrap.dedent(code))
    assert "!! IndentationError" not in out and "!! SyntaxError" not in out and "!! NameError" not in out, out
    return out


def test_make_dual_unpack_dual_and_reprs(gw):
    out = same_as_torch(gw, """
    x = torch.tensor([1., 2., 3.])
    t = torch.tensor([1., 0., 0.5])
    with fwAD.dual_level() as level:
        print(level)
        d = fwAD.make_dual(x, t)
        print(d, d._base is x, d.is_leaf, d.grad_fn, d.requires_grad)
        y = d * d
        print(y)
        p, tt = fwAD.unpack_dual(y)
        print(type(fwAD.unpack_dual(y)).__name__, p, tt, p._base is y, p._is_view())
        print(fwAD.unpack_dual(d).tangent is t, fwAD.unpack_dual(x))
        print(fwAD.unpack_dual(d, level=0).tangent)
        print(y.sum(), y[1], d.view(3, 1))
    print(fwAD.unpack_dual(d), d, y)
    print(fwAD.UnpackedDualTensor._fields)
    """)
    assert "tangent=tensor([2., 0., 3.])" in out and "tensor(14., tangent=5.0)" in out


def test_errors(gw):
    same_as_torch(gw, """
    x = torch.tensor([1., 2., 3.])
    for f in [lambda: fwAD.make_dual(x, x), lambda: fwAD.exit_dual_level()]:
        try:
            f()
        except Exception as e:
            print(type(e).__name__, e)
    with fwAD.dual_level():
        d = fwAD.make_dual(x, torch.ones(3))
        for f in [lambda: fwAD.make_dual(x, torch.ones(2)), lambda: fwAD.make_dual(x, torch.ones(3).long()),
                  lambda: fwAD.make_dual(torch.tensor([1, 2]), torch.ones(2)), lambda: fwAD.make_dual(d, x),
                  lambda: fwAD.enter_dual_level(), lambda: fwAD.exit_dual_level(level=1)]:
            try:
                f()
            except Exception as e:
                print(type(e).__name__, e)
    print(fwAD.enter_dual_level())
    fwAD.exit_dual_level(level=0)
    print(fwAD.unpack_dual(d).tangent)
    """)


def test_tangents_through_ops(gw):
    out = same_as_torch(gw, """
    x = torch.tensor([[0.5, 1., 2.], [1.5, 0.25, 3.]])
    t = torch.tensor([[1., 0., 0.5], [0., 2., 1.]])
    w = torch.tensor([[1., 0.], [2., 1.], [0., 1.]])
    with fwAD.dual_level():
        d = fwAD.make_dual(x, t)
        for y in [d * 2, d / 4, 1 / d, d ** 2, 2 ** d, d * d, d / (d + 1), d.exp(), d.sin(), d.cos(), d.tanh(),
                  d.sigmoid(), d.sqrt(), d.log(), d @ w, w.t() @ d.t(), d.sum(), d.mean(), d.sum(1), d.mean(0),
                  d.t(), d.transpose(0, 1), d[:, 1:], d[1], d[:, [2, 0]], d.unsqueeze(0), d.reshape(-1),
                  torch.softmax(d, 1), torch.log_softmax(d, 0), torch.relu(d - 1), F.linear(d, w.t()),
                  F.mse_loss(d[:, :2], torch.zeros(2, 2)), torch.where(d > 1, d, 0.), torch.cat([d, x]),
                  torch.stack([d, x]), d.abs(), d.floor(), d.max(), d.clone(), d.to(torch.float64), d.pow(3) - d]:
            print(y)
        # integer and non-differentiable results drop the tangent
        print(d > 1, d.argmax(), d.long(), d.detach(), torch.zeros_like(d), fwAD.unpack_dual(d.argmax()))
    """)
    assert "tangent=" in out


def test_no_grad_keeps_forward_ad_and_mixed_duals(gw):
    same_as_torch(gw, """
    with fwAD.dual_level():
        a = fwAD.make_dual(torch.tensor([1., 2.]), torch.tensor([1., 1.]))
        b = fwAD.make_dual(torch.tensor([3., 4.]), torch.tensor([0., 2.]))
        with torch.no_grad():
            print(a * b, (a * b).requires_grad)
        print(a * b + torch.tensor([1., 1.]), torch.add(a, b, alpha=2), torch.maximum(a, b))
    """)


def test_module_with_dual_parameters(gw):
    same_as_torch(gw, """
    model = torch.nn.Linear(3, 2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[1., 0., 2.], [0.5, 1., -1.]]))
        model.bias.copy_(torch.tensor([0.5, -0.5]))
    params = {name: p for name, p in model.named_parameters()}
    tangents = {name: torch.ones_like(p) for name, p in params.items()}
    inp = torch.tensor([[1., 2., 3.], [0., 1., 0.]])
    with fwAD.dual_level():
        for name, p in params.items():
            delattr(model, name)
            setattr(model, name, fwAD.make_dual(p, tangents[name]))
        out = model(inp)
        primal, jvp = fwAD.unpack_dual(out)
        # (torch's tangents here have a grad_fn, as its formulas read the parameters; gradwire's do not)
        print(primal, jvp.tolist())
        print(fwAD.unpack_dual(torch.relu(out).sum()).tangent.item())
    """)


def test_custom_function_jvp(gw):
    same_as_torch(gw, """
    class Sq(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_forward(x, y)
            print("forward sees", fwAD.unpack_dual(x).tangent)
            return x * x * y

        @staticmethod
        def backward(ctx, g):
            return None, None

        @staticmethod
        def jvp(ctx, xt, yt):
            x, y = ctx.saved_tensors
            print("jvp gets", xt, yt)
            return 2 * x * xt * y + x * x * yt

    class NoJvp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class Two(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, a, b):
            return a * 2 + b * 3

        @staticmethod
        def jvp(ctx, xt):
            return xt * 2, xt * 3

    class Bad(Two):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def jvp(ctx, xt):
            return xt, xt

    x = torch.tensor([1., 2.])
    with fwAD.dual_level():
        d = fwAD.make_dual(x, torch.tensor([1., 1.]))
        print(Sq.apply(d, torch.tensor([3., 3.])), NoJvp.apply(x), Two.apply(d))
        for f in [lambda: NoJvp.apply(d), lambda: Bad.apply(d)]:
            try:
                f()
            except Exception as e:
                print(type(e).__name__, e)
    """)


def test_inplace_ops_on_and_with_duals(gw):
    same_as_torch(gw, """
    with fwAD.dual_level():
        d = fwAD.make_dual(torch.tensor([1., 2., 3.]), torch.tensor([1., 1., 1.]))
        a = torch.tensor([1., 2., 3.])
        a += d
        b = torch.ones(3)
        b.mul_(d)
        print(a, b)
        d.mul_(2)
        print(d)
        d.pow_(2)
        print(d, fwAD.unpack_dual(d).primal)
        base = torch.zeros(4)
        base[1:3] = fwAD.make_dual(torch.tensor([5., 6.]), torch.tensor([1., 2.]))
        print(base, base[0:2])
        c = torch.ones(2)
        c.copy_(fwAD.make_dual(torch.tensor([3., 4.]), torch.tensor([2., 2.])))
        c.zero_()
        print(c)
    """)


def test_forward_and_reverse_mode_together(gw):
    same_as_torch(gw, """
    x = torch.tensor([1., 2., 3.], requires_grad=True)
    t = torch.tensor([1., 0.25, 0.5])
    with fwAD.dual_level():
        d = fwAD.make_dual(x, t)
        print(d)
        y = (d * d).sum()
        p, tt = fwAD.unpack_dual(y)
        print(p, tt)
        tt.backward(retain_graph=True)
        print(x.grad)
        x.grad = None
        p.backward()
        print(x.grad)
        x.grad = None
        z = (d.sin() * 2).sum()
        print(torch.autograd.grad(fwAD.unpack_dual(z).tangent, x)[0].detach())
        v = torch.tensor([1., 1., 1.], requires_grad=True)
        e = fwAD.make_dual(torch.tensor([1., 2., 3.]), v)
        print(fwAD.unpack_dual(e * 3).tangent.requires_grad, fwAD.unpack_dual(e.sum()).tangent)
    """)


# ----- exact values: tangents against finite differences (gradwire only) --------------------------

def _fd_check(gw, fn, *shapes):
    torch = gw
    fwAD = torch.autograd.forward_ad
    gen = [torch.rand(*s).double() + 0.5 for s in shapes]
    tangents = [torch.rand(*s).double() - 0.5 for s in shapes]
    with fwAD.dual_level():
        duals = [fwAD.make_dual(x, t) for x, t in zip(gen, tangents)]
        jvp = fwAD.unpack_dual(fn(*duals)).tangent
    eps = 1e-6
    plus = fn(*[x + eps * t for x, t in zip(gen, tangents)])
    minus = fn(*[x - eps * t for x, t in zip(gen, tangents)])
    fd = (plus - minus) / (2 * eps)
    assert jvp is not None and jvp.dtype == torch.float64
    assert (jvp - fd).abs().max().item() < 1e-6, (jvp, fd)


@pytest.mark.parametrize("name", ["mul", "div", "pow", "exp_sin", "matmul", "softmax", "linear", "mse", "index",
                                  "reductions", "views", "cumsum_norm"])
def test_tangents_against_finite_differences(gw, name):
    F = gw.nn.functional
    fns = {
        "mul": (lambda a, b: a * b + a, (3,), (3,)),
        "div": (lambda a, b: a / (b + 1), (2, 3), (2, 3)),
        "pow": (lambda a: a ** 3 + a.pow(0.5), (4,)),
        "exp_sin": (lambda a: a.exp().sin() * a.tanh(), (2, 2)),
        "matmul": (lambda a, b: a @ b, (2, 3), (3, 4)),
        "softmax": (lambda a: gw.softmax(a, 1) * gw.log_softmax(a, 0), (3, 4)),
        "linear": (lambda x, w, b: gw.relu(F.linear(x, w, b)), (2, 3), (4, 3), (4,)),
        "mse": (lambda a, b: F.mse_loss(a, b), (5,), (5,)),
        "index": (lambda a: a[1:, [0, 2]] * a[0, 1], (3, 3)),
        "reductions": (lambda a: a.sum(0) * a.mean(1).max(), (3, 3)),
        "views": (lambda a: a.t().reshape(-1).unsqueeze(0).expand(2, 6) * a.view(1, 6), (2, 3)),
        "cumsum_norm": (lambda a: a.cumsum(0).sigmoid().prod(), (4,)),
    }
    fn, *shapes = fns[name]
    _fd_check(gw, fn, *shapes)


def test_dropout_tangent_uses_the_primal_mask(gw):
    torch = gw
    fwAD = torch.autograd.forward_ad
    x = torch.rand(200) + 1
    t = torch.rand(200)
    with fwAD.dual_level():
        out, tangent = fwAD.unpack_dual(torch.nn.functional.dropout(fwAD.make_dual(x, t), 0.5, training=True))
    kept = out != 0
    assert 0 < kept.sum().item() < 200
    assert ((tangent - t * 2 * kept).abs().max().item()) < 1e-6


def test_no_level_costs_no_commands(gw):
    """Outside a level the hook is off: an op is one command, as before."""
    torch = gw
    x = torch.ones(3)
    torch.synchronize()
    before = torch.stats()["commands"]
    (x * 2).sum()
    torch.synchronize()
    assert torch.stats()["commands"] - before == 2
    assert torch._dispatch.fw_hook is None


def test_inplace_ops_write_the_tangent_in_place(gw):
    same_as_torch(gw, """
    x = torch.tensor([1., 2., 3.])
    t = torch.ones(3)
    with fwAD.dual_level():
        d = fwAD.make_dual(x, t)
        d.mul_(2)
        print(t, fwAD.unpack_dual(d).tangent is t)
        v = d[0:2]
        v.mul_(3)
        print(d, v, fwAD.unpack_dual(x).tangent)
        e = fwAD.make_dual(torch.ones(3), torch.ones(3))
        w = e[1:]
        e.mul_(2)
        print(w)
        base = torch.zeros(4)
        base[1:3].copy_(fwAD.make_dual(torch.tensor([5., 6.]), torch.tensor([1., 2.])))
        print(base)
    """)
