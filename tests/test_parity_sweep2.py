"""More client behaviour against PyTorch, from the second parity sweep: node types, the default
dtype, view rules and gradients at edge values (see test_parity_api.same_as_torch)."""
from __future__ import annotations

import pytest

from test_parity_api import same_on_the_engine_as_torch
from test_parity_ops import same_as_torch

pytestmark = pytest.mark.timeout(120)


def test_grad_fn_type_name_is_the_node_class(gw):
    out = same_as_torch(gw, """
        x = torch.ones(2, requires_grad=True)
        y = x * 2
        n = y.grad_fn
        print(type(n).__name__, repr(n))
        z = y.sum()
        print(type(z.grad_fn).__name__, type(z.grad_fn))
        leaf = y.grad_fn.next_functions[0][0]
        print(type(leaf).__name__, leaf)
        print(type((x.exp() + 1).grad_fn).__name__)
        class Twice(torch.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                return a * 2
            @staticmethod
            def backward(ctx, g):
                return g * 2
        w = Twice.apply(x)
        print(type(w.grad_fn).__name__, w.grad_fn)
    """)
    assert "MulBackward0 <MulBackward0" in out and "AccumulateGrad <AccumulateGrad" in out
    assert "TwiceBackward" in out


def test_grad_fn_nodes_stay_nodes(gw):
    from gradwire.tensor import Node
    x = gw.ones(2, requires_grad=True)
    y = x * 3
    n = y.grad_fn
    assert isinstance(n, Node) and type(n).__name__ == "MulBackward0" and isinstance(n, Node)
    m = (x * 5).grad_fn
    gw.synchronize()  # (a node whose reply has not come yet has a class of its own, whose name waits for it)
    assert type(m) is type(n)  # one class per name


def test_set_default_dtype_changes_later_float_tensors(gw):
    out = same_as_torch(gw, """
        torch.set_default_dtype(torch.float64)
        try:
            print(torch.get_default_dtype())
            a = torch.tensor([1.5, 2.0])
            print(a, a.dtype)
            print(torch.zeros(2).dtype, torch.ones(2, 2).dtype, torch.rand(2).dtype, torch.randn(2).dtype)
            print(torch.arange(0., 3.).dtype, torch.arange(3).dtype, torch.full((2,), 1.5).dtype)
            print(torch.linspace(0, 1, 3).dtype, torch.empty(2).dtype, torch.eye(2).dtype)
            lin = torch.nn.Linear(2, 3)
            print(lin.weight.dtype, lin.bias.dtype, lin(torch.ones(1, 2)).dtype)
            print(torch.tensor([1., 2.], dtype=torch.float32))
            print(torch.tensor([1, 2]) / 2, (torch.tensor([1, 2]) * 1.5).dtype, torch.tensor(3.5).dtype)
            x = torch.tensor([1., 2.], requires_grad=True)
            x.exp().sum().backward()
            print(x.grad)
            try:
                torch.set_default_dtype(torch.int64)
            except TypeError as e:
                print("TypeError", e)
            print(torch.get_default_dtype())
        finally:
            torch.set_default_dtype(torch.float32)
        print(torch.tensor([1.5]).dtype, torch.zeros(1).dtype, torch.get_default_dtype())
    """)
    assert "tensor([1.5000, 2.0000]) torch.float64" in out
    assert "only floating-point types are supported as the default type" in out


def test_floor_divide_records_a_node_without_a_derivative(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([3., 5.], requires_grad=True)
        y = x // 2
        print(y, y.requires_grad, y.grad_fn)
        print(2 // x, torch.floor_divide(x, torch.tensor([2., 2.])).grad_fn, (x.detach() // 2).requires_grad)
        print(torch.tensor([7, -7]) // 2, (torch.tensor([7, -7]) // 2).requires_grad)
        with torch.no_grad():
            print(x // 2)
        try:
            torch.autograd.grad((x // 2).sum(), x)
        except RuntimeError as e:
            print("RuntimeError", e)
        (x // 2).sum().backward()
    """)
    assert "grad_fn=<NotImplemented>" in out
    assert out.endswith("!! RuntimeError: derivative for aten::floor_divide is not implemented")


@pytest.mark.parametrize("make", ["b.split(1)", "b.chunk(2)", "b.unbind()", "torch.split(b, [1, 1])",
                                  "torch.unbind(b, 1)", "[v[0] for v in b.split(1)]",
                                  "[v.view(2) for v in b.unbind()]", "a.split(1)"])
def test_inplace_on_an_output_of_a_multi_view_op(gw, make):
    out = same_as_torch(gw, f"""
        a = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
        b = a * 1
        outs = {make}
        print(len(outs), outs[0].grad_fn)
        for i in (1, 0):
            try:
                outs[i].mul_(2)
                print("ok")
            except RuntimeError as e:
                print("RuntimeError", e)
        with torch.no_grad():
            outs[0].add_(1)
        print(b.detach())
    """)
    assert "is a view and is being modified inplace. This view is the output of a function that returns " in out


def test_inplace_on_a_split_output_of_a_tensor_without_grad(gw):
    same_as_torch(gw, """
        p = torch.tensor([[1., 2.], [3., 4.]])
        s = p.split(1)
        s[0].mul_(2)
        print(p)
        w = torch.tensor(2., requires_grad=True)
        try:
            s[1].mul_(w)
        except RuntimeError as e:
            print("RuntimeError", e)
        print(p)
    """)


def test_unbind(gw):
    same_as_torch(gw, """
        x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
        u = x.unbind(1)
        print(u, type(u).__name__)
        (u[0] * 2 + u[1] * 3).sum().backward()
        print(x.grad)
        x.grad = None
        u = torch.unbind(x)
        (u[1] ** 2).sum().backward()
        print(x.grad)
        print(torch.unbind(torch.arange(6).reshape(2, 3)), torch.tensor([1., 2.]).split(2), x.chunk(1))
        print(torch.ones(0, 3).unbind())
        try:
            torch.unbind(x, 2)
        except IndexError as e:
            print("IndexError", e)
        torch.unbind(torch.tensor(5.))
    """)


def test_cumprod_gradient_at_zeros(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([0., 2., 3., 0., 5.], requires_grad=True)
        torch.cumprod(x, 0).sum().backward()
        print(x.grad)
        x = torch.tensor([[1., 0., 3.], [2., 4., 0.]], requires_grad=True)
        g, = torch.autograd.grad(torch.cumprod(x, 1).sum(), x, create_graph=True)
        print(g)
        g.sum().backward()
        print(x.grad)
        x = torch.tensor([2., 0., 3.], requires_grad=True)
        print(torch.autograd.grad(torch.cumprod(x, 0), x, torch.tensor([1., 2., 3.]))[0])
        x = torch.tensor([[1., 0.], [0., 0.], [2., 3.]], requires_grad=True)
        print(torch.autograd.grad(torch.cumprod(x, 0).sum(), x)[0])
    """)
    assert "nan" not in out


def test_cumprod_gradient_at_zeros_passes_gradcheck(gw):
    x = gw.tensor([[1.5, 0.0, -0.7, 0.0], [0.3, 2.0, 0.0, 1.1]], dtype=gw.float64, requires_grad=True)
    assert gw.autograd.gradcheck(lambda a: gw.cumprod(a, 1), (x,))
    assert gw.autograd.gradgradcheck(lambda a: gw.cumprod(a, 0), (x,))


def test_size_slices_and_sums_stay_sizes(gw):
    same_as_torch(gw, """
        s = torch.ones(2, 3).shape
        print(s[1:], s + (4,), (1,) + s, s * 2, s[::-1], type(s[1:]).__name__, type(s[0]).__name__, s[-1])
    """)


def test_shape_errors(gw):
    out = same_as_torch(gw, """
        x = torch.arange(6.).reshape(2, 3)
        for f in (lambda: x.expand(2), lambda: torch.cat([]), lambda: x.reshape(4, -1)):
            try:
                f()
            except (RuntimeError, ValueError) as e:
                print(type(e).__name__, e)
    """)
    assert "size=[2]" in out and "ValueError torch.cat(): expected a non-empty list of Tensors" in out


def test_non_persistent_buffers_stay_out_of_the_state_dict(gw):
    same_as_torch(gw, """
        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.l = nn.Linear(2, 2)
                self.register_buffer("running", torch.zeros(2))
                self.register_buffer("tmp", torch.zeros(1), persistent=False)
        m = M()
        print(list(m.state_dict().keys()), [n for n, _ in m.named_buffers()])
        print(m.load_state_dict(m.state_dict()))
        m.register_buffer("tmp", torch.ones(1))
        print(list(m.state_dict().keys()))
    """)


def test_module_dict_and_parameter_list(gw):
    same_as_torch(gw, """
        md = nn.ModuleDict({"a": nn.Linear(1, 1), "b": nn.ReLU()})
        md["c"] = nn.Tanh()
        print(list(md.keys()), md["b"], len(md), "a" in md, md)
        print([n for n, _ in md.named_parameters()], list(md.state_dict().keys()))
        pl = nn.ParameterList([nn.Parameter(torch.ones(2)), nn.Parameter(torch.zeros(3, 2))])
        pl.append(nn.Parameter(torch.ones(1)))
        print(len(pl), pl[0], [p.shape for p in pl], pl)
        print([n for n, _ in pl.named_parameters()])
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.ws = nn.ParameterList([nn.Parameter(torch.full((2,), float(i))) for i in range(2)])
            def forward(self, x):
                for w in self.ws:
                    x = x * w
                return x.sum()
        n = Net()
        n(torch.ones(2)).backward()
        print(list(n.state_dict().keys()), [w.grad for w in n.ws])
    """)


def test_lr_schedulers(gw):
    same_as_torch(gw, """
        def run(make, steps=4, metrics=None):
            p = nn.Parameter(torch.tensor([1., 2.]))
            o = torch.optim.SGD([p], lr=1.0)
            s = make(o)
            for i in range(steps):
                o.step()
                if metrics:
                    s.step(metrics[i])
                else:
                    s.step()
                print(s.get_last_lr(), o.param_groups[0]["lr"])
        run(lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda e: 0.5 ** e))
        run(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.5))
        run(lambda o: torch.optim.lr_scheduler.MultiStepLR(o, milestones=[1, 3, 3], gamma=0.1))
        run(lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, patience=1, factor=0.5), 7,
            [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5])
        run(lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, mode="max", patience=0, cooldown=1,
                                                                  min_lr=0.3), 6, [1, 2, 2, 2, 2, 2])
    """)


def test_parameters_to_vector(gw):
    same_as_torch(gw, """
        m = nn.Linear(2, 2)
        v = torch.nn.utils.parameters_to_vector(m.parameters())
        print(v.shape, v.requires_grad, type(v.grad_fn).__name__)
        torch.nn.utils.vector_to_parameters(torch.arange(6.), m.parameters())
        print(m.weight, m.bias)
        print(torch.arange(4.).view_as(torch.ones(2, 2)), torch.arange(4.).reshape_as(torch.ones(4, 1)).shape)
    """)


def test_meshgrid(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1., -2.], requires_grad=True)
        a, b = torch.meshgrid(x, x * 2, indexing="ij")
        print(a, b)
        (a * b).sum().backward()
        print(x.grad)
        a, b, c = torch.meshgrid([x, torch.tensor([1., 2., 3.]), torch.tensor(4.)], indexing="xy")
        print(a.shape, b.shape, c.shape, a, b)
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (torch warns once a process: which run sees it depends on order)
            a, b = torch.meshgrid(torch.arange(2), torch.arange(3))
        print(a, b)
        for f in (lambda: torch.meshgrid(torch.ones(2), torch.ones(2).long(), indexing="ij"),
                  lambda: torch.meshgrid(torch.ones(2), indexing="foo")):
            try:
                f()
            except RuntimeError as e:
                print("RuntimeError", e)
    """)
    assert "ExpandBackward0" in out


def test_isclose(gw):
    same_as_torch(gw, """
        print(torch.isclose(torch.tensor([1, 2]), torch.tensor([1, 3])))
        print(torch.isclose(torch.tensor([1., float('inf'), float('-inf'), float('nan')]),
                            torch.tensor([1.00001, float('inf'), float('inf'), float('nan')]), rtol=0, atol=1e-5))
        print(torch.isclose(torch.tensor([1., float('nan')]), torch.tensor([1., float('nan')]), equal_nan=True))
        print(torch.tensor([True]).isclose(torch.tensor([False])))
        x = torch.tensor([1., 2.], requires_grad=True)
        print(torch.isclose(x, x * 1.0000001))
        torch.isclose(torch.tensor([1., 2]), torch.tensor([1, 3]))
    """)


def test_repeat_interleave(gw):
    same_as_torch(gw, """
        x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
        for y in (x.repeat_interleave(2), x.repeat_interleave(2, dim=1),
                  torch.repeat_interleave(x, torch.tensor([1, 2]), dim=0), x.repeat_interleave(torch.tensor([2])),
                  x.repeat_interleave(torch.tensor(2), dim=-1), x.repeat_interleave(0, dim=0)):
            print(y, y.grad_fn)
        (x.repeat_interleave(3, dim=0) * torch.arange(6.).unsqueeze(1)).sum().backward()
        print(x.grad)
        print(torch.repeat_interleave(torch.tensor([2, 0, 1])))
        print(torch.ones(2, 2).unsqueeze(1).expand(2, 3, 2).clone().view(6, 2).shape)
        torch.tensor([1., 2.]).repeat_interleave(torch.tensor([1, 2, 3]))
    """)


def test_tril_and_triu_indices(gw):
    same_as_torch(gw, """
        print(torch.tril_indices(0, 0), torch.tril_indices(3, 2, 1), torch.tril_indices(3, 3))
        print(torch.triu_indices(3, 2, -1), torch.triu_indices(2, 3, dtype=torch.int32))
    """)


def test_lerp(gw):
    same_as_torch(gw, """
        x = torch.tensor([1., -2., 3.], requires_grad=True)
        e = torch.tensor([4., 5., 6.], requires_grad=True)
        w = torch.tensor([0.1, 0.5, 2.], requires_grad=True)
        y = torch.lerp(x, e, 0.25)
        print(y)
        y.sum().backward()
        print(x.grad, e.grad)
        y = x.lerp(e, w)
        print(y)
        (y * torch.tensor([1., 2., 3.])).sum().backward()
        print(x.grad, e.grad, w.grad)
        print(torch.lerp(x, e, torch.tensor(0.5)), torch.lerp(torch.zeros(2, 1), torch.ones(3), 0.5))
        for f in (lambda: torch.lerp(torch.ones(2), torch.ones(2, dtype=torch.float64), 0.5),
                  lambda: torch.lerp(torch.ones(2), torch.ones(2), torch.ones(2, dtype=torch.float64))):
            try:
                f()
            except RuntimeError as e:
                print("RuntimeError", e)
    """)


def test_addmm(gw):
    same_as_torch(gw, """
        m = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
        a = torch.tensor([[0., 1.], [1., 1.]], requires_grad=True)
        b = torch.tensor([1., -1.], requires_grad=True)
        y = torch.addmm(b, m, a, beta=0.5, alpha=2)
        print(y)
        y.sum().backward()
        print(m.grad, a.grad, b.grad)
        print(m.addmm(m, a), torch.addmm(torch.ones(2, 1), m, a, beta=0))
        p = torch.ones(2, 2)
        p.addmm_(m.detach(), a.detach())  # (not p with itself: torch's result then depends on its BLAS)
        print(p)
        o = torch.ones(2, 2)
        for f in (lambda: torch.addmm(o, torch.ones(3), o), lambda: torch.addmm(o, o, torch.ones(3, 2)),
                  lambda: torch.addmm(torch.ones(3), o, o), lambda: torch.addmm(o, o, o.double())):
            try:
                f()
            except RuntimeError as e:
                print("RuntimeError", e)
    """)


def test_addcmul_addcdiv_and_sgn(gw):
    same_as_torch(gw, """
        x = torch.tensor([1., 2.], requires_grad=True)
        t1 = torch.tensor([3., 4.], requires_grad=True)
        t2 = torch.tensor([[2.], [5.]], requires_grad=True)
        y = torch.addcmul(x, t1, t2, value=0.5)
        print(y)
        y.sum().backward()
        print(x.grad, t1.grad, t2.grad)
        x.grad = t1.grad = t2.grad = None
        y = torch.addcdiv(x, t1, t2, value=2)
        print(y)
        y.sum().backward()
        print(x.grad, t1.grad, t2.grad)
        i = torch.ones(2, dtype=torch.long)
        print(torch.addcmul(i, i, i, value=2), torch.addcdiv(torch.ones(2), i, i).dtype)
        x.grad = None
        b = x * 1
        b.addcmul_(x, x, value=2)
        b.lerp_(torch.zeros(2), 0.5)
        b.addcdiv_(x, x + 1)
        print(b)
        b.sum().backward()
        print(x.grad)
        s = torch.tensor([-1., 0., 2.], requires_grad=True)
        print(s.sgn(), torch.sgn(s))
        (s * 1).sgn_().sum().backward()
        print(s.grad)
        torch.addcdiv(i, i, i)
    """)


def test_diff_tensor_split_movedim_narrow(gw):
    same_as_torch(gw, """
        x = torch.tensor([[1., 2., 4.], [3., 5., 9.]], requires_grad=True)
        print(torch.diff(x), torch.diff(x, dim=0), torch.diff(x, n=2), x.diff(prepend=torch.zeros(2, 1)))
        print(torch.diff(torch.tensor([True, False, False])))
        torch.diff(x).sum().backward()
        print(x.grad)
        y = torch.arange(10.).reshape(2, 5).requires_grad_()
        print(torch.tensor_split(y, 3, dim=1), y.tensor_split([1, 4], dim=1), torch.tensor_split(torch.arange(3), 5))
        print(y.tensor_split(torch.tensor([2, 8]), 1))
        z = torch.arange(24.).reshape(2, 3, 4)
        print(z.movedim(0, 2).shape, torch.movedim(z, (0, 1), (2, 0)).shape, torch.moveaxis(z, -1, 0).shape)
        print(z.narrow(2, 1, 2), z.narrow(0, -1, 1).shape, x.movedim(1, 0).grad_fn)
        torch.arange(4.).narrow(0, 3, 2)
    """)


def test_rot90(gw):
    same_as_torch(gw, """
        x = torch.arange(24.).reshape(2, 3, 4).requires_grad_()
        for k in range(-2, 6):
            y = torch.rot90(x, k, [1, 2])
            print(k, y, y.is_contiguous(), y.grad_fn)
        print(x.rot90(), x.rot90(1, (2, 0)), torch.rot90(x, -3, dims=(-1, 0)).shape)
        w = torch.tensor([[1., -2.], [3., 0.5]])
        (torch.rot90(x, 1, (2, 0)) * torch.arange(24.).reshape(4, 3, 2)).sum().backward()
        print(x.grad)
        print(torch.rot90(torch.ones(2, 3, dtype=torch.int64), 3).dtype, w.rot90(2))
        for args in [(x, 1, [0, -3]), (x, 1, [-1, 2]), (x, True, [0, 1]), (x, 1.0), (x, 1, [0, 5]), (x, 1, [0, 1, 2]),
                     (torch.ones(3), 1, [0, 0]), (torch.tensor(1.),), (x, 1, 0)]:
            try:
                torch.rot90(*args)
            except Exception as e:
                print(type(e).__name__, e)
    """)


def test_version_counter(gw):
    same_as_torch(gw, """
        x = torch.ones(3)
        print(x._version)
        x.add_(1)
        print(x._version)
        v = x[0:2]
        v.mul_(2)
        print(x._version, v._version)
        y = x.detach()
        y.zero_()
        print(x._version, y._version)
        x[0] = 5
        print(x._version)
        w = torch.nn.Parameter(torch.ones(2))
        opt = torch.optim.SGD([w], lr=0.1)
        (w * 2).sum().backward()
        opt.step()
        print(w._version, w.grad._version)
        opt.zero_grad()
        print(w._version)
        z = x * 2
        print(z._version)
        z.relu_()
        print(z._version)
        a = torch.ones(3, requires_grad=True)
        b = a * 1
        b.exp_()
        print(b._version, a._version)
        m = torch.zeros(2, 2)
        m.fill_(1)
        m.copy_(torch.ones(2, 2))
        print(m._version)
    """)


def test_post_accumulate_grad_hooks(gw):
    same_as_torch(gw, """
        p = torch.ones(3, requires_grad=True)
        seen = []
        h = p.register_post_accumulate_grad_hook(lambda t: seen.append((t is p, t.grad.tolist())))
        (p * 2).sum().backward()
        (p * 3).sum().backward()
        print(seen)
        h.remove()
        (p * 1).sum().backward()
        print(len(seen), p.grad)
        r = torch.ones(2, requires_grad=True)
        def step_in_backward(t):
            with torch.no_grad():
                t.sub_(0.1 * t.grad)
            t.grad = None
        r.register_post_accumulate_grad_hook(step_in_backward)
        (r * 2).sum().backward()
        print(r, r.grad)
        for make in (lambda: (p * 2), lambda: torch.ones(2)):
            try:
                make().register_post_accumulate_grad_hook(lambda t: None)
            except RuntimeError as e:
                print(e)
        q = torch.ones(2, requires_grad=True)
        q.register_post_accumulate_grad_hook(lambda t: 5)
        q.sum().backward()
    """)


def test_stacking_and_creation_helpers(gw):
    same_as_torch(gw, """
        print(torch.hstack([torch.ones(2), torch.zeros(1)]), torch.hstack([torch.ones(2, 1), torch.zeros(2, 2)]))
        print(torch.vstack([torch.ones(2), torch.zeros(2)]), torch.column_stack([torch.ones(2), torch.zeros(2, 2)]))
        print(torch.logspace(0, 2, 3), torch.logspace(0, 1, 4, base=2), torch.logspace(-1, 1, 3, dtype=torch.float64))
        print(torch.full_like(torch.ones(2), 7), torch.full_like(torch.ones(2), 2, dtype=torch.int64))
        print(torch.full_like(torch.ones(2, dtype=torch.int64), 2.7))
        x = torch.ones(2, 3)
        print(x.nelement(), x.allclose(x + 1e-9), x.allclose(x + 1), x.equal(x), x.equal(x * 2))
    """)


def test_one_hot_and_linalg_norm(gw):
    same_as_torch(gw, """
        print(F.one_hot(torch.tensor([0, 2])), F.one_hot(torch.tensor([[1], [0]]), 3))
        for t, n in ((torch.tensor([0., 2.]), -1), (torch.tensor([0, 3]), 3), (torch.tensor([0, -1]), 3)):
            try:
                F.one_hot(t, n)
            except RuntimeError as e:
                print(e)
        x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
        print(torch.linalg.norm(x), torch.linalg.norm(x[0]), torch.linalg.norm(x, dim=1), torch.linalg.norm(x, 'fro'))
        print(torch.linalg.norm(torch.tensor([3., 4.]), ord=1), torch.linalg.norm(x, ord=float('inf'), dim=1))
    """)


def test_matrix_norms(gw):
    same_as_torch(gw, """
        A = torch.tensor([[1., -2., 3.], [4., 5., -6.]], requires_grad=True)
        for o in (None, 'fro', 1, -1, float('inf'), float('-inf')):
            y = torch.linalg.norm(A, o)
            g, = torch.autograd.grad(y, A)
            print(o, y, y.grad_fn, g)
        B = torch.arange(24.).reshape(2, 3, 4) - 11
        print(torch.linalg.norm(B, -1, dim=(2, 0), keepdim=True), torch.linalg.matrix_norm(B, float('-inf'), dim=(0, 2)))
        print(torch.linalg.matrix_norm(B), torch.linalg.matrix_norm(B, 1, keepdim=True), torch.linalg.norm(B, 1, dim=(1, 0)))
        print(torch.linalg.norm(B, 'fro', dim=(0, -1)), torch.linalg.norm(B, dim=(0, 2)), torch.linalg.matrix_norm(A, 'fro'))
        for args, kw in [((A, 3), {}), ((A, 'foo'), {}), ((A, 'fro'), {'dim': 1}), ((B, 1), {}), ((B, 'fro'), {}),
                         ((B,), {'dim': (0, 1, 2)}), ((A, 1), {'dim': (0, 1, 2)}), ((A, 1), {'dim': (0, 0)}),
                         ((A, 1), {'dim': (0, -2)}), ((A, 1), {'dim': (0, 2)}), ((A[0], 1), {'dim': (0, 1)})]:
            try:
                torch.linalg.norm(*args, **kw)
            except (RuntimeError, IndexError) as e:
                print(type(e).__name__, e)
        for args, kw in [((A, 3), {}), ((A,), {'dim': (0,)}), ((A[0],), {}), ((A, 1), {'dim': (0, 1, 2)})]:
            try:
                torch.linalg.matrix_norm(*args, **kw)
            except RuntimeError as e:
                print(e)
    """)


def test_get_submodule_from_pretrained_and_parameter_assignment(gw):
    same_as_torch(gw, """
        m = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU()))
        print(m.get_submodule(""), m.get_submodule("1.0"), m.get_submodule("0"))
        for t in ("2", "0.weight", "1.x"):
            try:
                m.get_submodule(t)
            except AttributeError as e:
                print("AttributeError", e)
        e2 = nn.Embedding.from_pretrained(torch.tensor([[1., 2.], [3., 4.]]))
        print(e2, e2.weight.requires_grad, e2(torch.tensor([1])))
        e3 = nn.Embedding.from_pretrained(torch.tensor([[1., 2.], [3., 4.]], dtype=torch.float64), freeze=False,
                                          padding_idx=0)
        print(e3, e3.weight.requires_grad, e3.weight)
        lin = nn.Linear(2, 2)
        for v in (torch.ones(2, 2), torch.ones(2, 2, dtype=torch.int64), 3):
            try:
                lin.weight = v
            except TypeError as e:
                print(e)
    """)


def test_scalar_conversion_of_a_tensor_that_requires_grad_warns_once(gw, monkeypatch):
    import sys
    import warnings
    tensor_module = sys.modules["gradwire.tensor"]  # (gradwire.tensor is the function)
    monkeypatch.setattr(tensor_module, "_SCALAR_WARNED", [])  # (once a process, as torch: start afresh)
    x = gw.tensor([1.5], requires_grad=True)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert x.item() == 1.5 and float(x.detach()) == 1.5
        assert not w
        assert float(x) == 1.5 and int(x) == 1 and float(x) == 1.5
    assert len(w) == 1 and w[0].category is UserWarning
    assert str(w[0].message).startswith("Converting a tensor with requires_grad=True to a scalar may lead to "
                                        "unexpected behavior.\nConsider using tensor.detach() first.")


def test_trunc_fix_frac(gw):
    same_as_torch(gw, """
        x = torch.tensor([-1.5, 1.5, 2., -0.25], requires_grad=True)
        print(x.trunc(), x.frac(), torch.fix(x), torch.trunc(torch.tensor([3])), torch.frac(x))
        (x.frac() * 2 + x.trunc()).sum().backward()
        print(x.grad)
        y = x * 1
        y.frac_()
        print(y)
        y.trunc_()
        print(y)
        try:
            torch.frac(torch.tensor([3]))
        except NotImplementedError as e:
            print("NotImplementedError", e)
        torch.trunc(torch.tensor([True]))
    """)


def test_div_rounding_modes(gw):
    same_as_torch(gw, """
        a = torch.tensor([5., -5., 7.5], requires_grad=True); b = torch.tensor([2., 3., -2.], requires_grad=True)
        for m in ("floor", "trunc", None):
            y = torch.div(a, b, rounding_mode=m); print(y, y.grad_fn, y.dtype)
            (y * torch.tensor([1., 2., 3.])).sum().backward(); print(a.grad, b.grad); a.grad = None; b.grad = None
            print(a.div(2, rounding_mode=m), torch.div(torch.tensor([5, -5, 7, -7]), torch.tensor([2, 2, -2, -2]),
                                                       rounding_mode=m))
            print(torch.tensor([5, -5], dtype=torch.int32).div(2, rounding_mode=m).dtype,
                  torch.tensor([5, -5]).div(2.5, rounding_mode=m), torch.tensor([[5.], [-5.]]).div(torch.tensor([2., 3.]), rounding_mode=m))
            x = torch.tensor([5., -5.]); x.div_(2, rounding_mode=m); print(x)
            z = a * 1; z.div_(b[:2].sum(), rounding_mode=m); print(z, z.grad_fn); z.sum().backward(); print(a.grad, b.grad)
            a.grad = None; b.grad = None
        print(torch.div(a, 2).grad_fn, (a / 2).grad_fn, torch.tensor([5, -5]).div_(2, rounding_mode="floor"))
        a.div(2, rounding_mode="x")
    """)


@pytest.mark.parametrize("code", ["torch.tensor([5]).div(0, rounding_mode='floor')",
                                  "torch.tensor([5]).div(torch.tensor([0]), rounding_mode='trunc')",
                                  "print(torch.tensor([5., -5.]).div(0, rounding_mode='trunc'))",
                                  "torch.tensor([5, -5]).div_(2, rounding_mode=None)"])
def test_div_rounding_mode_errors(gw, code):
    same_as_torch(gw, code)


def test_sum_to_size_mv_and_randperm(gw):
    same_as_torch(gw, """
        a = torch.ones(2, 3, requires_grad=True)
        print(a.sum_to_size(1, 3), a.sum_to_size(1, 3).grad_fn, a.sum_to_size(3).grad_fn, a.sum_to_size(2, 3) is a,
              a.sum_to_size((1, 1)))
        b = torch.arange(24.).reshape(2, 3, 4).requires_grad_()
        r = b.sum_to_size(3, 1); print(r, r.grad_fn, r.grad_fn.next_functions[0][0]); r.sum().backward()
        print(b.grad.shape, b.sum_to_size(torch.Size([4])), b.sum_to_size([1, 3, 1]).shape)
        for f in (lambda: a.sum_to_size(4, 3), lambda: a.sum_to_size(2, 2, 3), lambda: a.sum_to_size(3, 1)):
            try:
                f()
            except RuntimeError as e:
                print(e)
        print(torch.mv(torch.ones(2, 3, requires_grad=True), torch.arange(3.)), torch.ones(2, 3).mv(torch.ones(3)))
        for f in (lambda: torch.mv(torch.ones(2, 3), torch.ones(4)), lambda: torch.mv(torch.ones(2, 3), torch.ones(3, 1)),
                  lambda: torch.mv(torch.ones(2, 3), torch.ones(3, dtype=torch.float64)),
                  lambda: torch.mv(torch.ones(2, 3), 3)):
            try:
                f()
            except (RuntimeError, TypeError) as e:
                print(type(e).__name__, e)
        print(torch.randperm(6).sort().values, torch.randperm(3, dtype=torch.float64).dtype, torch.randperm(0))
        for f in (lambda: torch.randperm(-1), lambda: torch.randperm(2.0), lambda: torch.randperm(3, requires_grad=True)):
            try:
                f()
            except (RuntimeError, TypeError) as e:
                print(type(e).__name__, e)
    """)


_RMSPROP_ADAGRAD = """
    for cls, kw in ((torch.optim.RMSprop, {}),
                    (torch.optim.RMSprop, dict(lr=0.05, momentum=0.9, centered=True, weight_decay=0.1)),
                    (torch.optim.RMSprop, dict(maximize=True, alpha=0.9)), (torch.optim.Adagrad, {}),
                    (torch.optim.Adagrad, dict(lr=0.5, lr_decay=0.1, weight_decay=0.01, initial_accumulator_value=0.3)),
                    (torch.optim.Adagrad, dict(maximize=True))):
        p = torch.tensor([1.0, -2.0, 0.5], requires_grad=True); q = torch.tensor([[0.3]], requires_grad=True)
        o = cls([p, q], **kw)
        for _ in range(4):
            o.zero_grad(); ((p ** 2).sum() + (q * 3).sum()).backward(); o.step()
        sd = o.state_dict()
        print(cls.__name__, p, q, sorted(sd["state"][0].keys()), sd["state"][0]["step"], sd["param_groups"][0])
    print(torch.optim.RMSprop([torch.ones(1, requires_grad=True)], lr=0.1, centered=True))
    print(torch.optim.Adagrad([torch.ones(1, requires_grad=True)]))
    p = torch.tensor([1.0], requires_grad=True)
    print(torch.optim.Adagrad([p]).state_dict()["state"])
    for f in (lambda: torch.optim.RMSprop([p], lr=-1), lambda: torch.optim.RMSprop([p], alpha=-1),
              lambda: torch.optim.Adagrad([p], lr_decay=-1), lambda: torch.optim.Adagrad([p], initial_accumulator_value=-1)):
        try:
            f()
        except ValueError as e:
            print(e)
"""


def test_rmsprop_and_adagrad(gw):
    same_as_torch(gw, _RMSPROP_ADAGRAD)


def test_rmsprop_and_adagrad_on_the_engine():
    assert "!!" not in same_on_the_engine_as_torch(_RMSPROP_ADAGRAD)


@pytest.mark.parametrize("name", ["log10", "exp2", "erf"])
def test_log10_exp2_erf(gw, name):
    same_as_torch(gw, f"""
        x = torch.tensor([0.25, 1.0, 2.5, -0.5], requires_grad=True)
        y = torch.{name}(x); print(y, y.grad_fn, x.{name}().dtype)
        y.sum().backward(); print(x.grad)
        print(torch.{name}(torch.tensor([1, 2, 100])), torch.{name}(torch.tensor([1.0], dtype=torch.float64)).dtype)
    """)


_HARDTANH_LOGSIGMOID_SOFTSIGN = """
    x = torch.tensor([-2., -0.5, 0.5, 2., 7.], requires_grad=True)
    for y in (F.hardtanh(x), F.relu6(x), F.hardtanh(x, -1.5, 0.25), F.logsigmoid(x), F.softsign(x)):
        print(y, y.grad_fn)
    y = F.hardtanh(x); y.sum().backward(); print(x.grad); x.grad = None
    y = F.logsigmoid(x * 3); y.sum().backward(); print(x.grad)
    print(F.hardtanh(torch.tensor([1, 5])), F.relu6(torch.tensor([1, 9])), F.logsigmoid(torch.tensor([-20., 0., 20.])))
    z = x * 1; F.relu6(z, inplace=True); print(z, z.grad_fn); F.hardtanh(z, -1, 1, True); print(z)
    for f in (lambda: F.hardtanh(torch.ones(2), 2.0, 1.0), lambda: F.logsigmoid(torch.tensor([1, 2]))):
        try:
            f()
        except (ValueError, NotImplementedError) as e:
            print(type(e).__name__, e)
"""


def test_hardtanh_relu6_logsigmoid_softsign(gw):
    same_as_torch(gw, _HARDTANH_LOGSIGMOID_SOFTSIGN + """
    print(nn.Hardtanh(), nn.ReLU6(), nn.Hardtanh(-2, 2, inplace=True), nn.ReLU6(inplace=True), nn.LogSigmoid(),
          nn.Softsign())
    print(nn.ReLU6()(x), nn.LogSigmoid()(x), nn.Softsign()(x))
    nn.Hardtanh(2.0, 1.0)
    """)


def test_hardtanh_relu6_logsigmoid_softsign_on_the_engine():
    assert "!!" not in same_on_the_engine_as_torch(_HARDTANH_LOGSIGMOID_SOFTSIGN)


_ATAN2_HYPOT = """
    a = torch.tensor([1., -2., 0.5], requires_grad=True); b = torch.tensor([2., 1., -3.], requires_grad=True)
    y = torch.atan2(a, b); print(y, y.grad_fn); y.sum().backward(); print(a.grad, b.grad)
    a.grad = None; b.grad = None
    y = torch.hypot(a, b); print(y, y.grad_fn); y.sum().backward(); print(a.grad, b.grad)
    print(torch.atan2(torch.tensor([1, 2]), torch.tensor([1, 1])), a.atan2(b).dtype, torch.arctan2(a, b).grad_fn)
    print(list(torch.atan2(torch.ones(2, 1), torch.ones(3)).shape), torch.hypot(torch.ones(2, 1, dtype=torch.float64),
                                                                                torch.ones(3)).dtype)
    for f in (lambda: torch.hypot(torch.tensor([3, 4]), torch.tensor([4, 3])), lambda: torch.atan2(a, 2.0),
              lambda: torch.hypot(a, 1.0)):
        try:
            f()
        except (TypeError, NotImplementedError) as e:
            print(type(e).__name__, e)
"""


def test_atan2_and_hypot(gw):
    same_as_torch(gw, _ATAN2_HYPOT)


def test_atan2_and_hypot_on_the_engine():
    assert "!!" not in same_on_the_engine_as_torch(_ATAN2_HYPOT)


def test_torch_special_functions(gw):
    same_as_torch(gw, """
        x = torch.tensor([[0.2, 0.7], [1.5, -0.3]], requires_grad=True)
        for y in (torch.special.expit(x), torch.special.erf(x), torch.special.expm1(x), torch.special.exp2(x),
                  torch.special.log1p(x.abs()), torch.special.logsumexp(x, 1),
                  torch.special.logsumexp(x, (0, 1), keepdim=True), torch.special.softmax(x, 0),
                  torch.special.log_softmax(x, 1), torch.special.round(x * 10),
                  torch.special.softmax(x, 1, dtype=torch.float64)):
            print(y, y.grad_fn)
            y.sum().backward(retain_graph=True)
        print(x.grad)
    """)
