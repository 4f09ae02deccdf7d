"""The client against PyTorch: the same snippet runs with ``torch`` and with gradwire, and what it
prints (values, dtypes, reprs, grad_fn names) or raises (type and text) must be the same.

Needs PyTorch (the parity extra); gradwire itself never imports it.
"""
from __future__ import annotations

import contextlib
import io
import re
import textwrap

import pytest

pytestmark = pytest.mark.timeout(120)


def _run(lib, code: str) -> str:
    out = io.StringIO()
    namespace = {"torch": lib, "nn": lib.nn, "F": lib.nn.functional}
    try:
        with contextlib.redirect_stdout(out):
            exec(textwrap.dedent(code), namespace)
            if hasattr(lib, "synchronize"):  # gradwire: errors only the server finds surface here
                lib.synchronize()
    except Exception as exc:  # noqa: BLE001 - the exception is the result to compare
        out.write(f"!! {type(exc).__name__}: {exc}")
    return re.sub(r" at 0x[0-9a-f]+", " at 0x?", out.getvalue())


def same_as_torch(gw, code: str) -> str:
    torch = pytest.importorskip("torch")
    expected = _run(torch, code)
    assert _run(gw, code) == expected
    return expected


def same_as_torch_without_errors(gw, code: str) -> str:
    """same_as_torch on ``code`` (dedented), which must also run through without an exception."""
    out = same_as_torch(gw, textwrap.dedent(code))
    assert "!! " not in out, out
    return out


def same_on_the_engine_as_torch(code: str) -> str:
    """``code`` on gradwire.engine in-process, imported as torch, against torch; a snippet that does
    not even compile or names something undefined is refused (both sides would agree)."""
    from gradwire import engine
    torch = pytest.importorskip("torch")
    expected = _run(torch, code)
    assert "!! IndentationError" not in expected and "!! SyntaxError" not in expected, expected
    assert "!! NameError" not in expected, expected
    assert _run(engine, code) == expected
    return expected


def test_inplace_op_on_a_view_rewrites_the_base_history(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1., 2., 3.], requires_grad=True)
        b = x * 1
        v = b[1:]
        v.mul_(2)
        print(b, v)
        b.sum().backward()
        print(x.grad)
    """)
    assert "CopySlices" in out and "AsStridedBackward0" in out


def test_inplace_op_on_a_view_through_transpose_with_a_tensor_operand(gw):
    same_as_torch(gw, """
        x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
        w = torch.tensor(3., requires_grad=True)
        b = x.clone()
        torch.transpose(b, 0, 1)[0].mul_(w)
        print(b)
        (b * torch.tensor([[1., 2.], [3., 4.]])).sum().backward()
        print(x.grad, w.grad)
    """)


def test_inplace_op_on_a_view_makes_a_base_that_needs_no_grad_require_it(gw):
    same_as_torch(gw, """
        z = torch.zeros(3)
        w = torch.tensor([2., 3.], requires_grad=True)
        z[1:].add_(w)
        print(z, z.is_leaf, z.requires_grad)
        (z * z).sum().backward()
        print(w.grad)
    """)


def test_setitem_through_views_of_views(gw):
    same_as_torch(gw, """
        x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
        b = x.clone()
        b.view(-1)[1:3].add_(10)
        v = b.unsqueeze(0)
        v[0, 0, 0] = x[1, 1] * 10
        print(b, v)
        b.pow(2).sum().backward()
        print(x.grad)
    """)


@pytest.mark.parametrize("index", ["0", "1:", ":2", "::2", "None", ":", "...", "0:2", "[0]"])
def test_setitem_on_a_leaf_that_requires_grad(gw, index):
    same_as_torch(gw, f"""
        x = torch.tensor([1., 2.], requires_grad=True)
        x[{index}] = 5
    """)


def test_inplace_op_on_a_view_of_a_leaf_that_requires_grad(gw):
    same_as_torch(gw, """
        x = torch.tensor([1., 2., 3.], requires_grad=True)
        try:
            x[1:].mul_(2)
        except RuntimeError as e:
            print(e)
        with torch.no_grad():
            x[1:].mul_(2)
        print(x)
    """)


def test_inplace_unary_methods_and_their_nodes(gw):
    same_as_torch(gw, """
        x = torch.ones(3)
        x.add_(1); x.mul_(3); x.sub_(1); x.div_(2); x.pow_(2); x.clamp_(0, 5); x.exp_(); x.log_(); x.neg_()
        x.abs_(); x.sqrt_(); x.sigmoid_(); x.tanh_(); x.reciprocal_(); x.floor_(); x.clamp_min_(0.5)
        print(x)
        a = torch.tensor([0., 1.], requires_grad=True)
        y = a * 1
        y.exp_()
        print(y)
        y.pow_(2)
        print(y)
        y.sum().backward()
        print(a.grad)
        z = a - 0.5
        z.relu_()
        print(z)
        z.relu_().sum().backward()
        print(a.grad)
    """)


def test_inplace_unary_on_an_integer_tensor_cannot_cast(gw):
    same_as_torch(gw, "torch.tensor([1, 2]).exp_()")


def test_clamp_min_max_square_and_where_of_a_condition(gw):
    same_as_torch(gw, """
        x = torch.tensor([-2., 0.5, 3.], requires_grad=True)
        print(x.clamp_min(0), x.clamp_max(1), torch.clamp_min(x, 1), torch.square(x), x.square())
        print(x.clamp_min(torch.tensor(0.)), x.clamp_max(torch.tensor([1., 1., 1.])), x.clamp(min=0))
        x.clamp_min(0.).sum().backward()
        print(x.grad)
        print(torch.where(x > 0), torch.where(torch.tensor([[True, False], [False, True]])))
    """)


def test_as_tensor_equal_allclose_and_new_factories(gw):
    same_as_torch(gw, """
        import numpy as np
        x = torch.tensor([1., 2.])
        print(torch.as_tensor([1, 2, 3]), torch.as_tensor(np.array([1., 2.])), torch.as_tensor(x) is x,
              torch.as_tensor(x, dtype=torch.float64))
        print(torch.equal(x, torch.tensor([1., 2.])), torch.equal(x, torch.tensor([1., 3.])),
              torch.equal(x, torch.tensor([1.])), torch.allclose(x, x + 1e-9), torch.allclose(x, x + 1))
        print(x.new_zeros(2, 2), x.new_ones(3), x.new_tensor([1, 2]), x.new_full((2,), 3.),
              x.new_empty(2).shape, torch.tensor([1]).new_zeros(2))
        print(x.is_contiguous(), torch.ones(2, 3).t().is_contiguous())
    """)


def test_detach_in_place(gw):
    same_as_torch(gw, """
        x = torch.tensor([1., 2.], requires_grad=True)
        y = x * 2
        y.detach_()
        print(y.requires_grad, y.grad_fn, y.is_leaf, y)
    """)


def test_mark_dirty_returns_the_input_itself(gw):
    same_as_torch(gw, """
        class Inc(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.add_(1)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 2

        a = torch.tensor([1., 2.], requires_grad=True)
        b = a.clone()
        c = Inc.apply(b)
        print(c, c is b)
        (c * c).sum().backward()
        print(a.grad, b)
    """)


def test_more_nn_modules_and_their_reprs(gw):
    same_as_torch(gw, """
        torch.manual_seed(0)
        m = nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.Softmax(dim=1), nn.Identity(), nn.LogSoftmax(dim=-1))
        print(m)
        out = m(torch.ones(2, 2, 2))
        print(out.shape, out.exp().sum(1).tolist() == [1.0, 1.0] or torch.allclose(out.exp().sum(1), torch.ones(2)))
        print(nn.Flatten(0, 1)(torch.ones(2, 3, 4)).shape)
    """)


def test_optimizer_param_groups_have_torchs_keys(gw):
    same_as_torch(gw, """
        w = nn.Parameter(torch.ones(2))
        for opt in (torch.optim.SGD([w], lr=0.1, momentum=0.9), torch.optim.Adam([w], lr=1e-3),
                    torch.optim.AdamW([w])):
            print(list(opt.param_groups[0].keys()))
            print({k: v for k, v in opt.param_groups[0].items() if k != "params"})
            print(opt)
    """)


def test_grad_fn_next_functions_walk_the_graph(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1., 2.], requires_grad=True)
        w = torch.tensor([3., 4.], requires_grad=True)
        y = (x * w).sum()
        print(y.grad_fn.next_functions)
        print(y.grad_fn.next_functions[0][0].next_functions)
        z = (x * 2 + 1).exp()
        print(z.grad_fn.next_functions[0][0].next_functions[0][0].next_functions)
        print((x * torch.ones(2) + x.relu() - 3).grad_fn.next_functions)
        f = x.pow(2).sum(1 - 1).mean().grad_fn
        while f is not None:
            print(f.name(), f.next_functions)
            f = f.next_functions[0][0] if f.next_functions else None
    """)
    assert "AccumulateGrad" in out


def test_next_functions_of_a_model_loss(gw):
    same_as_torch(gw, """
        m = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
        loss = F.mse_loss(m(torch.ones(4, 2)), torch.zeros(4, 1))

        def walk(f, depth=0):
            if f is not None:
                print(" " * depth + f.name())
                for g, _ in f.next_functions:
                    walk(g, depth + 1)
        walk(loss.grad_fn)
    """)


@pytest.mark.parametrize("code", [
    "a = torch.tensor([5, -3, 7]); print(a // 2, a % 3, a % -2, torch.remainder(a, 4), torch.floor_divide(a, 2))",
    "print(7 // torch.tensor([2, 3]), 7 % torch.tensor([2, 3]), torch.tensor([5, 6]) // torch.tensor([2, 4]))",
    "b = torch.tensor([5.5, -3.25]); print(b // 2, b % 2, (b // 2).dtype, (torch.tensor([3]) % 2.5).dtype)",
    "print(torch.tensor([1., -2.]) // 0, torch.tensor([1., 2.]) % 0)",
    "torch.tensor([1, 2]) // 0",
    "torch.tensor([1, 2]) % torch.tensor([1, 0])",
])
def test_floor_division_and_remainder_operators(gw, code):
    same_as_torch(gw, code)


def test_remainder_gradients(gw):
    same_as_torch(gw, """
        x = torch.tensor([5.5, -3.25], requires_grad=True)
        y = x % 2
        print(y)
        y.sum().backward()
        w = torch.tensor([2., 3.], requires_grad=True)
        torch.remainder(x.detach(), w).sum().backward()
        print(x.grad, w.grad)
    """)
    x = gw.tensor([5.5, -3.25, 0.7], dtype=gw.float64, requires_grad=True)
    w = gw.tensor([2.0, 3.0, -1.3], dtype=gw.float64, requires_grad=True)
    assert gw.autograd.gradcheck(lambda a, b: gw.remainder(a, b), (x, w))


def test_reading_grad_fn_sends_nothing_until_next_functions_is_read(gw):
    x = gw.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).sum()
    gw.synchronize()
    before = gw.stats()
    assert y.grad_fn is not None and y.grad_fn.name() == "SumBackward0"
    gw.synchronize()
    assert gw.stats()["commands"] == before["commands"]  # reading grad_fn queued nothing
    node = (x * 4).sum().grad_fn  # its tensor is dropped at once: the node still reaches the server's
    assert [f.name() for f, _ in node.next_functions] == ["MulBackward0"]


def test_autograd_functional_jacobian_and_hessian(gw):
    same_as_torch(gw, """
        jacobian, hessian = torch.autograd.functional.jacobian, torch.autograd.functional.hessian
        x = torch.tensor([1., 2., 3.], dtype=torch.float64)
        print(jacobian(lambda x: x ** 2 * 3, x))
        a = torch.tensor([[1., 2.], [0.5, -1.]], dtype=torch.float64)
        b = torch.tensor([0.5, 2.], dtype=torch.float64)
        J = jacobian(lambda a, b: ((a * b).sum(), a.exp()), (a, b))
        print([[tuple(j.shape) for j in row] for row in J], J[0][0], J[1][0].sum())
        print(hessian(lambda x: (x ** 3).sum(), x))
        H = hessian(lambda a, b: (a.sum(0) * b).pow(2).sum(), (a, b))
        print([[tuple(h.shape) for h in row] for row in H], H[1][1], H[0][1])
        print(jacobian(lambda x: x.sin(), x, create_graph=True).requires_grad, jacobian(lambda x: x.sin(), x).requires_grad)
        for bad in (lambda: jacobian(lambda x: x, 3), lambda: hessian(lambda x: x * 2, x),
                    lambda: jacobian(lambda x: 3, x)):
            try:
                bad()
            except Exception as e:
                print(type(e).__name__, e)
    """)


def test_autograd_functional_vjp_jvp_vhp_hvp(gw):
    same_as_torch(gw, """
        AF = torch.autograd.functional
        x = torch.tensor([1., 2., 3.], dtype=torch.float64)
        v = torch.tensor([1., -1., 0.5], dtype=torch.float64)
        f = lambda x: x ** 2 * 3
        s = lambda x: (x ** 3).sum()
        print(AF.vjp(f, x, v), AF.jvp(f, x, v), AF.vjp(s, x))
        print(AF.vhp(s, x, v), AF.hvp(s, x, v))
        a = torch.tensor([[1., 2.], [0.5, -1.]], dtype=torch.float64)
        b = torch.tensor([0.5, 2.], dtype=torch.float64)
        g = lambda a, b: ((a * b).sum(), a.exp())
        print(AF.vjp(g, (a, b), (torch.tensor(2., dtype=torch.float64), torch.ones(2, 2, dtype=torch.float64))))
        print(AF.jvp(g, (a, b), (torch.ones(2, 2, dtype=torch.float64), b)))
        h = lambda a, b: (a.sum(0) * b).pow(2).sum()
        print(AF.hvp(h, (a, b), (a, b)))
        print(AF.vhp(h, (a, b), (a, b))[1][1].requires_grad,
              AF.vhp(h, (a, b), (a, b), create_graph=True)[1][1].requires_grad)
        for bad in (lambda: AF.vjp(f, x), lambda: AF.jvp(f, x), lambda: AF.vjp(f, x, torch.ones(2)),
                    lambda: AF.jvp(g, (a, b), (a,)), lambda: AF.vhp(f, x, v), lambda: AF.hvp(g, (a, b), (a, b)),
                    lambda: AF.vjp(g, (a, b), (torch.ones(3), a))):
            try:
                bad()
            except Exception as e:
                print(type(e).__name__, e)
    """)


_SETTING_REQUIRES_GRAD = [
    "x = torch.tensor([1, 2]); x.requires_grad = True",      # the attribute's text ...
    "x = torch.tensor([1, 2]); x.requires_grad_()",          # ... differs from the method's
    "x = torch.tensor([1., 2.], requires_grad=True); y = x * 2; y.requires_grad = False",
    "x = torch.tensor([1., 2.], requires_grad=True); y = x * 2; y.requires_grad_(False)",
    "x = torch.tensor([1., 2.], requires_grad=True); y = x * 2; y.requires_grad = True",
    "x = torch.tensor([1., 2.], requires_grad=True); y = x * 2; y.requires_grad_(True); print(y.requires_grad)",
    "x = torch.tensor([1, 2]); x.requires_grad = False; print(x.requires_grad)",
    "with torch.inference_mode(): x = torch.ones(2)\nx.requires_grad = True",
]


@pytest.mark.parametrize("code", _SETTING_REQUIRES_GRAD)
def test_setting_requires_grad_checks_as_torch(gw, code):
    same_as_torch(gw, code)


@pytest.mark.parametrize("code", _SETTING_REQUIRES_GRAD)
def test_setting_requires_grad_checks_as_torch_on_the_engine(code):
    same_on_the_engine_as_torch(code)


_STRIDES = """
        x = torch.arange(24.).reshape(2, 3, 4)
        for y in (x, x.transpose(0, 2), x.permute(2, 0, 1), x[:, 1:, ::2], x[1], x.unsqueeze(1), x.unsqueeze(-1),
                  x[:, :1, :].expand(2, 5, 4), x.narrow(2, 1, 2), x.view(6, 4), x.flip(0), x.mT,
                  x.transpose(0, 1) * 2, x.transpose(0, 1).clone(), x.transpose(0, 2).contiguous(),
                  x.split(2, dim=2)[1], x.unbind(1)[2], x[[0, 1]], torch.ones(3, 1).t(), torch.ones(2, 1, 1),
                  torch.ones(0, 3), torch.ones(3, 0, 2), torch.tensor(1.0)):
            print(y.stride(), y.stride(-1) if y.dim() else None, y.is_contiguous())
    """


def test_strides_of_views_copies_and_empty_tensors(gw):
    same_as_torch(gw, _STRIDES)


def test_strides_on_the_engine():
    same_on_the_engine_as_torch(_STRIDES)


@pytest.mark.parametrize("code", ["torch.ones(2, 3).stride(2)", "torch.ones(2, 3).stride(-3)",
                                  "torch.tensor(1.).stride(0)", "torch.tensor(1.).size(-1)",
                                  "torch.tensor(1.).size(1)", "torch.ones(2).stride(1.0)", "torch.ones(2).size(1.0)",
                                  "print(torch.ones(2, 3).size(-1), torch.ones(2, 3).stride(0))"])
def test_size_and_stride_dim_errors(gw, code):
    same_as_torch(gw, code)


def _nonleaf_grad_warning(lib) -> str:
    import warnings
    x = lib.ones(1, requires_grad=True)
    y = x * 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert y.grad is None
    (warning,) = caught
    return f"{warning.category.__name__}: {warning.message}"


def test_the_nonleaf_grad_warning_is_torchs_word_for_word(gw):
    from gradwire import engine
    torch = pytest.importorskip("torch")
    expected = _nonleaf_grad_warning(torch)
    assert _nonleaf_grad_warning(gw) == expected
    assert _nonleaf_grad_warning(engine) == expected


def test_module_forward_hooks_and_pre_hooks(gw):
    same_as_torch(gw, """
        torch.manual_seed(0)
        m = nn.Linear(2, 1); out = []
        h = m.register_forward_hook(lambda mod, i, o: out.append((type(mod).__name__, len(i), tuple(o.shape))))
        m(torch.ones(3, 2)); h.remove(); m(torch.ones(3, 2)); print(out)
        seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU(inplace=True), nn.Linear(2, 1)); print(seq)
        p = seq[0].register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
        y = seq(torch.ones(1, 2)); print(y.shape, y.grad_fn)
        p.remove()
        single = seq[0].register_forward_pre_hook(lambda mod, args: args[0] + 1)  # a non-tuple is wrapped
        print(seq[0](torch.zeros(1, 2)).shape); single.remove()
        q = seq[2].register_forward_hook(lambda mod, args, o: o * 0)
        print(seq(torch.ones(1, 2)))
        with seq[1].register_forward_hook(lambda mod, a, o: print("relu out", o.shape, o.grad_fn)):
            seq(torch.ones(1, 2))
        seq(torch.ones(1, 2))
        order = []
        m2 = nn.ReLU()
        m2.register_forward_hook(lambda *a: order.append(1))
        m2.register_forward_hook(lambda *a: order.append(2), prepend=True)
        m2(torch.ones(1)); print(order)
        k = nn.Linear(2, 2)
        k.register_forward_pre_hook(lambda mod, args, kwargs: ((args[0] + 1,), kwargs), with_kwargs=True)
        k.register_forward_hook(lambda mod, args, kwargs, o: print("kw hook", kwargs, o.shape), with_kwargs=True)
        k(torch.zeros(1, 2))
    """)


def test_relu_in_place(gw):
    same_as_torch(gw, """
        x = torch.tensor([-1.0, 2.0], requires_grad=True); y = x * 1
        r = nn.ReLU(inplace=True)(y); print(r is y, y, y.grad_fn); y.sum().backward(); print(x.grad)
        z = torch.tensor([-1.0, 3.0]); print(F.relu(z, inplace=True) is z, z, nn.ReLU(), nn.ReLU(True))
        nn.ReLU(inplace=True)(torch.tensor([-1.0], requires_grad=True))
    """)


# shapes printed as lists: the engine's .shape is a plain tuple
_SMALL_TENSOR_API = """
    a = torch.ones(3, requires_grad=True)
    e = a.expand_as(torch.ones(2, 3)); print(e.grad_fn, list(e.shape), torch.broadcast_to(a, (2, 3)).grad_fn)
    print(torch.numel(a), a.itemsize, a.nbytes, a.layout, list(torch.ones(2, 3).H.shape), torch.ones(2, 3, dtype=torch.float64).H.dtype)
    x2 = torch.ones(2, 3, requires_grad=True)
    print(x2.H.grad_fn, x2.mH.grad_fn, x2.mT.grad_fn, x2.T.grad_fn, list(torch.ones(4, 2, 3).mT.shape), torch.tensor(2.).H)
    for f in (lambda: a.H, lambda: a.mT, lambda: a.mH, lambda: torch.ones(2, 2, 2).H):
        try:
            f()
        except RuntimeError as ex:
            print(ex)
    x = torch.tensor([[3.0, 4.0], [0.0, 0.0]], requires_grad=True)
    n = F.normalize(x); print(n, n.grad_fn, n.grad_fn.next_functions[1][0], n.grad_fn.next_functions[1][0].next_functions[0][0])
    n.sum().backward(); print(x.grad)
    print(F.normalize(x, p=1, dim=0), F.normalize(torch.tensor([3.0, 4.0]), dim=0))
    print(torch.count_nonzero(x), torch.count_nonzero(x, dim=1), x.count_nonzero(), x.count_nonzero(0))
    print(torch.ones(2, dtype=torch.float64).nbytes, torch.ones(2, dtype=torch.int32).itemsize, torch.strided)
"""


def test_expand_as_broadcast_to_normalize_count_nonzero_and_transposes(gw):
    same_as_torch(gw, _SMALL_TENSOR_API)


def test_expand_as_broadcast_to_normalize_count_nonzero_and_transposes_on_the_engine():
    assert "!!" not in same_on_the_engine_as_torch(_SMALL_TENSOR_API)


def test_function_with_setup_context(gw):
    same_as_torch(gw, """
        class Scale(torch.autograd.Function):
            @staticmethod
            def forward(x, k):
                return x * k

            @staticmethod
            def setup_context(ctx, inputs, output):
                x, k = inputs
                ctx.k = k
                ctx.save_for_backward(x)

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * ctx.k + x * 0, None

        x = torch.tensor([1.0, 3.0], requires_grad=True)
        y = Scale.apply(x, 3.0); print(y, type(y.grad_fn).__name__)
        y.sum().backward(); print(x.grad)
        with torch.no_grad():
            print(Scale.apply(x, 2.0))
    """)


def test_normal_is_floating_point_and_in_place_draws(gw):
    same_as_torch(gw, """
        a = torch.normal(0.0, 1.0, size=(2,)); b = torch.normal(2.0, 0.5, (3,), dtype=torch.float64)
        print(a.dtype, a.shape, b.dtype, torch.is_floating_point(a), torch.is_floating_point(torch.tensor([1])))
        t = torch.empty(1000).normal_(3.0, 0.1); print(abs(t.mean().item() - 3.0) < 0.05)
        u = torch.empty(50).uniform_(2, 3); print(u.min().item() >= 2, u.max().item() <= 3)
        print(torch.normal(0.0, 1.0, size=(2,), requires_grad=True).is_leaf)
        for f in (lambda: torch.normal(0.0, -1.0, size=(2,)), lambda: torch.ones(2, requires_grad=True).normal_()):
            try:
                f()
            except RuntimeError as e:
                print(e)
    """)


def test_module_full_backward_hooks(gw):
    same_as_torch(gw, """
        torch.manual_seed(0)
        m = nn.Linear(2, 1); got = []
        def hook(mod, gi, go):
            got.append((type(mod).__name__, [None if g is None else tuple(g.shape) for g in gi],
                        [tuple(g.shape) for g in go]))
        h = m.register_full_backward_hook(hook)
        x = torch.ones(3, 2, requires_grad=True)
        y = m(x); print(type(y.grad_fn).__name__, [type(n).__name__ for n, _ in y.grad_fn.next_functions])
        y.sum().backward(); print(got, x.grad.shape)
        got.clear(); y = m(torch.ones(3, 2)); print(type(y.grad_fn).__name__); y.sum().backward(); print(got)
        m2 = nn.Linear(2, 1); m2.weight.data.fill_(1.0); m2.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 10,))
        x = torch.ones(1, 2, requires_grad=True); m2(x).sum().backward(); print(x.grad, m2.weight.grad)
        h.remove(); got.clear(); m(torch.ones(1, 2, requires_grad=True)).sum().backward(); print(got)
        seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)); order = []
        for i, layer in enumerate(seq):
            layer.register_full_backward_hook(
                lambda mod, gi, go, i=i: order.append((i, [None if g is None else tuple(g.shape) for g in gi])))
        seq(torch.ones(4, 2)).sum().backward(); print(order)
        with torch.no_grad():
            print(m2(torch.ones(1, 2)).grad_fn)
    """)


def test_full_backward_hook_with_no_input_grads_warns_as_torch(gw):
    import warnings
    torch = pytest.importorskip("torch")

    def caught(lib):
        m = lib.nn.Linear(2, 1)
        m.register_full_backward_hook(lambda *a: None)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            m(lib.ones(3, 2)).sum().backward()
        return [(str(x.message), x.filename, x.lineno) for x in w]

    expected = caught(torch)
    assert len(expected) == 1
    assert caught(gw) == expected  # the same text, at the same line of this file


def test_legacy_variable_and_the_top_level_anomaly_switches(gw):
    out = same_as_torch(gw, """
        V = torch.autograd.Variable
        x = torch.ones(2, requires_grad=True)
        y = x * 2
        v = V(y)
        print(v.requires_grad, v.is_leaf, v.grad_fn, torch.equal(v, y))
        v = V(y, requires_grad=True)
        print(v.requires_grad, v.is_leaf, isinstance(x, V), isinstance(3, V), type(v).__name__)
        for bad in (lambda: V(torch.tensor([1, 2]), requires_grad=True), lambda: V([1.])):
            try:
                bad()
            except Exception as e:
                print(type(e).__name__, e)
        with torch.autograd.set_detect_anomaly(True):
            print(torch.is_anomaly_enabled(), torch.is_anomaly_check_nan_enabled())
        torch.set_anomaly_enabled(True, False)
        print(torch.is_anomaly_enabled(), torch.is_anomaly_check_nan_enabled())
        torch.set_anomaly_enabled(False)
        print(torch.is_anomaly_enabled(), torch.is_anomaly_check_nan_enabled(), torch.autograd.grad_mode.no_grad is torch.no_grad)
    """)
    assert out.startswith("False True None True\nTrue True True False Tensor\n")


def test_grad_with_batched_grad_outputs(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1., 2.], requires_grad=True)
        w = torch.tensor([3., 4.], requires_grad=True)
        y = x ** 3 * w
        jx, jw = torch.autograd.grad(y, (x, w), torch.eye(2), is_grads_batched=True)
        print(jx, jw)
        u = torch.tensor(1., requires_grad=True)
        print(torch.autograd.grad(y, (x, u), torch.eye(2), is_grads_batched=True, allow_unused=True))
    """)
    assert out.startswith("tensor([[ 9.,  0.],\n        [ 0., 48.]]) tensor([[1., 0.],\n        [0., 8.]])")


@pytest.mark.parametrize("code", [
    'x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)\nb = x * 1\nv = b.t()\nb.mul_(2)\nprint(v.grad_fn, v)\nv.sum().backward()\nprint(x.grad)',
    'x = torch.tensor([1., 2., 3.], requires_grad=True)\nb = x.clone()\nv = b[:2]\nw = b[1:]\nw.mul_(x[1:])\nprint(v, v.grad_fn)\n(v * torch.tensor([1., 10.])).sum().backward()\nprint(x.grad)',
    'import copy\nm = nn.Linear(2, 2)\nm2 = copy.deepcopy(m)\nprint(m2.weight is m.weight, torch.equal(m2.weight, m.weight), type(m2.weight).__name__, m2.weight.requires_grad)\nt = torch.tensor([1., 2.], requires_grad=True)\nt2 = copy.deepcopy(t)\nprint(t2, t2.is_leaf, t2.requires_grad, t2 is t)\ntry:\n    copy.deepcopy(t * 2)\nexcept RuntimeError as e:\n    print(e)\nc = copy.copy(torch.ones(2))\nprint(c)',
    "import copy\nt = torch.tensor([1., 2.], requires_grad=True)\nc = copy.copy(t); print(c, c.requires_grad, c.is_leaf)\nt.grad = torch.ones(2)\nd = copy.deepcopy(t); print(d.grad, d.grad is t.grad)\nwith torch.no_grad():\n    d.add_(1)\nprint(t, d)\np = torch.nn.Parameter(torch.ones(2)); print(type(copy.deepcopy(p)).__name__, type(copy.copy(p)).__name__)\nm = nn.Sequential(nn.Linear(2, 2), nn.ReLU())\nm2 = copy.deepcopy(m)\nwith torch.no_grad():\n    m2[0].weight.fill_(0)\nprint(m[0].weight.abs().sum() > 0, m2[0].weight.sum(), m2)\nopt_state = copy.deepcopy({'w': torch.zeros(2), 'n': 3})\nprint(opt_state)",
])
def test_views_of_memory_written_in_place_and_copies(gw, code):
    out = same_as_torch(gw, code)
    assert "!!" not in out


def test_a_view_sees_its_bases_in_place_write_in_its_gradient(gw):
    # v = b.t() made before b.mul_(2): d(sum v)/dx is 2, not 1 (the view's node is re-derived from b's)
    x = gw.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    b = x * 1
    v = b.t()
    b.mul_(2)
    v.sum().backward()
    assert x.grad.tolist() == [[2.0, 2.0], [2.0, 2.0]]
    assert v.grad_fn.name() == "AsStridedBackward0"


@pytest.mark.parametrize("code", [
    "print(torch.autograd.functional.jacobian(lambda x: x ** 2 + x.sin(), torch.tensor([1., 2.], dtype=torch.float64), "
    "strategy='forward-mode', vectorize=True))",
    "torch.autograd.functional.jacobian(lambda x: x * 2, torch.ones(2), strategy='forward-mode')",
    "torch.autograd.functional.jacobian(lambda x: x * 2, torch.ones(2), strategy='bad')",
    "torch.autograd.functional.jacobian(lambda x: x * 2, torch.ones(2), strategy='forward-mode', vectorize=True, "
    "create_graph=True)",
    "print(torch.autograd.functional.hessian(lambda x: (x ** 3).sum(), torch.ones(2), "
    "outer_jacobian_strategy='forward-mode', vectorize=True).tolist())",
    "torch.autograd.functional.hessian(lambda x: (x ** 3).sum(), torch.ones(2), outer_jacobian_strategy='forward-mode')",
])
def test_jacobian_strategies(gw, code):
    same_as_torch(gw, code)
