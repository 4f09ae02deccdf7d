"""Views made under no_grad / inference_mode of tensors that require grad, against torch, through the client
(embedded and remote server): their requires_grad / is_leaf / grad_fn, the in-place errors (raised at the
user's line), backward through them, and in-place writes inside no_grad."""
from __future__ import annotations

import pytest

from test_parity_api import same_as_torch

pytestmark = pytest.mark.timeout(120)

NO_GRAD_TEXT = "A view was created in no_grad mode and is being modified inplace with grad mode enabled."


def _attrs_code(make: str) -> str:
    return f"""
        x = torch.tensor([[0., 1., 2.], [3., 4., 5.]], requires_grad=True)
        with torch.no_grad():
            out = {make}
        outs = out if isinstance(out, tuple) else (out,)
        for v in outs:
            print(tuple(v.shape), v.requires_grad, v.is_leaf, v.grad_fn is None, v._base is x, v._is_view())
        print(torch.is_grad_enabled(), x.requires_grad, x.is_leaf)
    """


@pytest.mark.parametrize("make", [
    "x[0]", "x[:, 1:]", "x[None, ..., 0]", "x[0, ::2]", "x.view(6)", "x.view(-1, 2)", "x.view_as(x)",
    "x.reshape(3, 2)", "x.flatten()", "x.t()", "x.T", "x.mT", "x.transpose(0, 1)", "torch.transpose(x, 0, 1)",
    "x.permute(1, 0)", "x.movedim(0, 1)", "x.unsqueeze(0)", "torch.unsqueeze(x, 2)", "x.unsqueeze(0).squeeze(0)",
    "x.expand(4, 2, 3)", "x.narrow(1, 1, 2)", "torch.narrow(x, 0, 1, 1)",
    "x.split(1)", "x.split([1, 2], 1)", "x.chunk(2, 1)", "x.unbind()", "torch.unbind(x, 1)", "x.tensor_split(2, 1)",
    "x[1:][0]",
])
def test_a_view_made_in_no_grad_requires_grad_and_is_a_leaf(gw, make):
    out = same_as_torch(gw, _attrs_code(make))
    assert " True True True True True" in out


@pytest.mark.parametrize("make", [
    "x * 2", "x.clone()", "x.detach()", "x[[0, 1]]", "x[x > 2]", "x.sum(0)", "x.exp()", "x.to(torch.float64)",
    "torch.cat([x, x])", "x.flip(0)", "x.repeat(2, 1)", "x.index_select(0, torch.tensor([1]))",
])
def test_other_ops_under_no_grad_do_not_require_grad(gw, make):
    out = same_as_torch(gw, _attrs_code(make))
    assert ") False True True False False" in out


@pytest.mark.parametrize("write", [
    "v.mul_(2)", "v.add_(1)", "v.sub_(1, alpha=2)", "v.div_(2)", "v += 1", "v *= 3", "v.zero_()", "v.fill_(1.)",
    "v.fill_(torch.tensor(2.))", "v.copy_(torch.zeros(2))", "v.copy_(torch.zeros(2, requires_grad=True))",
    "v.exp_()", "v.clamp_(min=0.)", "v.mul_(torch.ones(2, requires_grad=True))", "v.masked_fill_(v > 0, 0.)",
    "v.relu_()", "v.lerp_(torch.zeros(2), 0.5)",
    "v[0] = 5.", "v[1:] = 5.", "v[:1] = 5.", "v[:] = 5.", "v[...] = 5.", "v[None] = 5.", "v[None, 0] = 5.",
    "v[..., 0] = 5.", "v[[0]] = 5.", "v[torch.tensor([True, False])] = 5.", "v[:] = torch.zeros(2)",
    "v[0] = torch.tensor(3., requires_grad=True)",
])
def test_writing_a_no_grad_view_in_place_with_grad_on_is_an_error(gw, write):
    out = same_as_torch(gw, f"""
        x = torch.tensor([1., 2., 3.], requires_grad=True)
        with torch.no_grad():
            v = x[:2]
        try:
            {write}
        except RuntimeError as e:
            print("RuntimeError:", e)
        print(x, x._version, v.requires_grad, v.is_leaf, v.grad_fn)
    """)
    assert "created in no_grad mode" in out


@pytest.mark.parametrize("make", ["x[1:]", "x.view(3)", "x.unsqueeze(0)", "x.split(2)[1]", "x.unbind()[0]",
                                  "x.chunk(3)[2]", "x.expand(2, 3)", "x.t()"])
def test_writes_inside_no_grad_reach_the_base(gw, make):
    same_as_torch(gw, f"""
        x = torch.tensor([1., 2., 3.], requires_grad=True)
        with torch.no_grad():
            v = {make}
            if v.dim() < 2:
                v.mul_(3)
                v.add_(1)
            if v.dim() == 1:
                v[0] = 10.
            print(v, v.requires_grad)
        print(x, x.is_leaf, x.grad_fn, x._version, v._version)
        with torch.no_grad():
            print(v.requires_grad, (v * 2).requires_grad)
    """)


def test_multi_output_views_made_in_no_grad_and_views_of_them(gw):
    out = same_as_torch(gw, """
        def attempt(label, f):
            try:
                f()
                print(label, "ok")
            except RuntimeError as e:
                print(label, e)

        x = torch.tensor([1., 2., 3., 4.], requires_grad=True)
        with torch.no_grad():
            a, b = x.split(2)
            u = x.unbind()
            c = x.chunk(2)[1]
            v = x[:3]
        attempt("split", lambda: a.mul_(2))
        attempt("unbind", lambda: u[3].add_(1))
        attempt("chunk", lambda: c.zero_())
        attempt("view of a split output", lambda: a[:1].mul_(2))
        s = v.split(1)                    # made with grad on, of a view made in no_grad
        print(s[0].requires_grad, s[0].grad_fn)
        attempt("split of a no_grad view", lambda: s[0].mul_(2))
        attempt("view of that", lambda: s[1][0:1].mul_(2))
        g = x.split(2)[0]                 # a split output made with grad on ...
        with torch.no_grad():
            gv = g[:1]                    # ... viewed in no_grad
        print(gv.requires_grad, gv.is_leaf)
        attempt("no_grad view of a split output", lambda: gv.mul_(2))
        vv = v[:2]                        # grad on, of a view made in no_grad
        print(vv.requires_grad, vv.is_leaf, vv.grad_fn, vv._base is x)
        attempt("view of a view", lambda: vv.mul_(2))
        attempt("setitem on it", lambda: vv.__setitem__(0, 1.))
        with torch.no_grad():
            vv2 = v[1:]
        print(vv2.requires_grad, vv2.is_leaf, vv2._base is x)
        attempt("no_grad view of it", lambda: vv2.mul_(2))
        print(x)
    """)
    assert "This view is the output of a function that returns multiple views" in out
    assert "Output 0 of Slice is a view of a view which was created in no_grad mode" in out


def test_a_no_grad_view_of_a_non_leaf(gw):
    same_as_torch(gw, """
        x = torch.tensor([1., 2., 3.], requires_grad=True)
        y = x * 1
        with torch.no_grad():
            w = y[:2]
            a, b = y.split([1, 2])
        print(w.requires_grad, w.is_leaf, w.grad_fn, w._base is y, a.requires_grad, a.is_leaf)
        for f in (lambda: w.mul_(2), lambda: a.mul_(2), lambda: w.copy_(x[1:])):
            try:
                f()
            except RuntimeError as e:
                print(e)
        with torch.no_grad():
            w.mul_(2)
        print(y, y.grad_fn, y._version)
        (y * 3).sum().backward()
        print(x.grad)
    """)


def test_backward_through_a_no_grad_view_reaches_nothing(gw):
    same_as_torch(gw, """
        x = torch.tensor([1., 2., 3.], requires_grad=True)
        with torch.no_grad():
            v = x[:2]
        y = v * 2
        print(y.requires_grad, y.is_leaf, y.grad_fn, y.grad_fn.next_functions)
        y.sum().backward()
        print(v.grad, x.grad)
        w = v + x[1:]
        w.sum().backward()
        print(v.grad, x.grad)
        v.sum().backward()
        print(v.grad, x.grad)
        v.retain_grad()
        v.requires_grad_(False)
        print(v.requires_grad, v.is_leaf)
        for f in (lambda: v.backward(torch.ones(2)),
                  lambda: torch.autograd.backward([x[2:].sum(), v], [None, torch.ones(2)]),
                  lambda: torch.autograd.grad((v * 2).sum(), v)):
            try:
                f()
            except RuntimeError as e:
                print(e)
        print(x.grad, torch.autograd.grad((v * 2).sum(), v, allow_unused=True))
    """)


def test_using_a_no_grad_view_with_grad_on_after_its_memory_changed(gw):
    out = same_as_torch(gw, """
        sync = getattr(torch, "synchronize", lambda: None)
        x = torch.tensor([1., 2., 3.], requires_grad=True)
        with torch.no_grad():
            v = x[:2]
            v.mul_(3)
            print((v * 2).requires_grad)
        print(x, v.requires_grad)
        try:
            y = v * 2
            sync()
        except RuntimeError as e:
            print(e)
    """)
    assert "its base or another view of its base has been modified inplace" in out


def test_views_of_tensors_that_need_no_grad(gw):
    same_as_torch(gw, """
        z = torch.tensor([1., 2., 3.])
        with torch.no_grad():
            zv = z[:2]
        print(zv.requires_grad, zv.is_leaf)
        zv.mul_(2)                                    # nothing is recorded: fine
        print(z)
        o = torch.ones(2, requires_grad=True)
        for f in (lambda: zv.mul_(o), lambda: zv.copy_(o), lambda: zv.__setitem__(0, o[0])):
            try:
                f()
            except RuntimeError as e:
                print(e)
        print(z)
    """)


def test_views_made_in_inference_mode(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1., 2., 3.], requires_grad=True)
        with torch.inference_mode():
            iv = x[:2]
            a, b = x.split(2)
        print(iv.requires_grad, iv.is_leaf, iv.grad_fn, iv.is_inference(), a.requires_grad, a.is_inference())
        for f in (lambda: iv.mul_(2), lambda: a.add_(1), lambda: iv[:1].mul_(2), lambda: iv.__setitem__(0, 1.)):
            try:
                f()
            except RuntimeError as e:
                print(e)
        with torch.inference_mode():
            iv.mul_(2)
        with torch.no_grad():
            a.add_(1)
        print(x)
    """)
    assert "created in inference mode and is being modified inplace in normal mode" in out


def test_detach_is_no_view_for_autograd(gw):
    same_as_torch(gw, """
        x = torch.tensor([1., 2., 3.], requires_grad=True)
        with torch.no_grad():
            d = x.detach()
            dv = x.detach()[:2]
        print(d.requires_grad, d.is_leaf, d._base, dv.requires_grad, dv.is_leaf)
        d.mul_(2)
        dv.add_(1)
        print(x, d)
    """)


def test_no_grad_views_in_a_training_step(gw):
    same_as_torch(gw, """
        torch.manual_seed(0)
        w = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
        inp = torch.tensor([[1., -1.], [2., 0.5]])
        for _ in range(2):
            loss = (inp @ w).pow(2).sum()
            loss.backward()
            with torch.no_grad():
                row = w[0]                 # a view, in place: the usual manual update
                row.sub_(0.01 * w.grad[0])
                w[1] -= 0.01 * w.grad[1]
            w.grad = None
        print(w, w.is_leaf, w.requires_grad)
    """)


def test_reshape_and_flatten_in_no_grad_are_views_only_where_the_memory_allows(gw):
    same_as_torch(gw, """
        x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
        with torch.no_grad():
            made = {"t().reshape": x.t().reshape(-1), "t().flatten": x.t().flatten(),
                    "torch.reshape(t)": torch.reshape(x.t(), (4,)), "torch.flatten(t)": torch.flatten(x.t()),
                    "reshape": x.reshape(-1), "[:, :1].reshape": x[:, :1].reshape(-1),
                    "[:1].reshape": x[:1].reshape(-1), "[1:].flatten": x[1:].flatten(), "view_as": x.view_as(x),
                    "t().reshape_as": x.t().reshape_as(x), "[0].flatten": x[0].flatten(),
                    "flatten(0, 0)": x.flatten(0, 0), "flatten(-1, 1)": x.flatten(-1, 1)}
        for name, r in made.items():
            print(name, r.requires_grad, r.is_leaf, r._base is x, r._is_view())
        for name in ("t().reshape", "t().flatten", "t().reshape_as"):
            made[name].mul_(2)                       # copies: no view, nothing recorded
        print(x, [made[n] for n in ("t().reshape", "t().flatten")])
        try:
            made["[1:].flatten"].mul_(2)
        except RuntimeError as e:
            print(e)
    """)


def test_flatten_with_nothing_to_flatten_returns_the_input(gw):
    same_as_torch(gw, """
        x = torch.tensor([1., 2., 3.], requires_grad=True)
        for grad in (True, False):
            with torch.set_grad_enabled(grad):
                f, g, s = x.flatten(), torch.flatten(x, 0, -1), torch.tensor(2., requires_grad=True).flatten()
            print(f is x, g is x, f.requires_grad, f.is_leaf, f.grad_fn, f._base, s.shape, s.grad_fn)
        try:
            x.flatten().mul_(2)
        except RuntimeError as e:
            print(e)
        y = x * 2
        print(y.flatten() is y, y.flatten().grad_fn)
    """)
