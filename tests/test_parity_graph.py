"""torch.autograd.graph against PyTorch, through the client (embedded and remote server): hooks on
grad_fn nodes, saved-tensor hooks, saved attributes."""
from __future__ import annotations

import pytest

from test_parity_api import same_as_torch

pytestmark = pytest.mark.timeout(120)

# snippets run on the engine in-process too (tests/engine/test_graph_hooks.py)
ORDER = """
x = torch.tensor([0., 0.], requires_grad=True)
y = x * 3
z = y.exp()
order = []
y.register_hook(lambda g: order.append(("tensor_hook_y", g)) or g * 10)
y.retain_grad()
z.grad_fn.register_prehook(lambda go: order.append(("pre_z", go)))
z.grad_fn.register_hook(lambda gi, go: order.append(("post_z", gi, go)))
y.grad_fn.register_prehook(lambda go: order.append(("pre_y", go)) or (go[0] + 1,))
y.grad_fn.register_hook(lambda gi, go: order.append(("post_y", gi, go)) or (gi[0] * 0 + 7, None))
y.grad_fn.register_hook(lambda gi, go: order.append(("post_y2", gi, go)))
acc = y.grad_fn.next_functions[0][0]
acc.register_prehook(lambda go: order.append(("pre_acc", go)) or (go[0] * 2,))
acc.register_hook(lambda gi, go: order.append(("post_acc", gi, go)))
x.register_hook(lambda g: order.append(("x_hook", g)))
x.register_post_accumulate_grad_hook(lambda t: order.append(("x_post_acc", t.grad)))
z.sum().backward()
for o in order: print(o)
print(y.grad, x.grad)
"""

ERRORS = """
x = torch.tensor([1., 2.], requires_grad=True)
def tr(f):
    try: f()
    except Exception as e: print(type(e).__name__, e)
class C:
    def __call__(self, gi, go): return (1, 2, 3)
def h(gi, go): return (gi[0],)
for post in [lambda gi, go: (gi[0], gi[0]), lambda gi, go: 5, lambda gi, go: [gi[0]], lambda gi, go: (5, None),
             lambda gi, go: (torch.ones(3), None), lambda gi, go: (gi[0].double(), None), C(), h,
             lambda gi, go: (None, None)]:
    def a():
        w = x * 2; w.grad_fn.register_hook(post); w.sum().backward(); print(x.grad)
    tr(a)
for pre in [lambda go: (go[0], go[0]), lambda go: 3, lambda go: (5,), lambda go: (torch.ones(3),),
            lambda go: (go[0].double(),), lambda go: (None,), lambda go: (go[0] * 2,)]:
    def a():
        x.grad = None
        w = x * 2; w.grad_fn.register_prehook(pre); w.sum().backward(); print(x.grad)
    tr(a)
def a():
    w = x.exp(); acc = w.grad_fn.next_functions[0][0]; acc.register_hook(lambda gi, go: (go[0],)); w.sum().backward()
tr(a)
"""

GRAD_INPUTS = """
x = torch.tensor([1., 2.], requires_grad=True)
a_ = torch.tensor(2., requires_grad=True)
c = torch.tensor([1., 2.])
for w in [x.pow(a_), x.pow(2), x + 1, c * x, x * 3, x.sum(), torch.mm(x.view(1, 2), x.view(2, 1))]:
    w.grad_fn.register_hook(lambda gi, go: print(len(gi), len(go), [g is None for g in gi], go))
    w.sum().backward()
w = x.exp()
h = w.grad_fn.register_hook(lambda gi, go: print("removed"))
h.remove()
w.grad_fn.register_prehook(lambda go: None)
w.sum().backward()
print(x.grad)
"""



SAVED = """
x = torch.tensor([1., 2.], requires_grad=True)
w = torch.tensor([3., 4.], requires_grad=True)
c = torch.tensor([5., 6.])
m = torch.ones(2, 3, requires_grad=True)
def show(y, names):
    for n in names:
        try: v = getattr(y.grad_fn, n); print(n, repr(v), type(v).__name__)
        except Exception as e: print(n, "!!", type(e).__name__, e)
show(x * 3, ["_saved_self", "_saved_other"])
show(x * c, ["_saved_self", "_saved_other"])
show(x * w, ["_saved_self", "_saved_other"])
show(x / 2, ["_saved_self", "_saved_other"])
show(c / x, ["_saved_self", "_saved_other"])
show(x.pow(2), ["_saved_self", "_saved_exponent"])
show(x.pow(2.5), ["_saved_exponent"])
show(x ** w, ["_saved_self", "_saved_exponent", "_saved_result"])
show(2 ** x, ["_saved_self", "_saved_exponent", "_saved_result"])
for y in [x.exp(), x.sin(), x.cos(), x.tanh(), x.sigmoid(), x.log(), x.relu(), x.sqrt()]:
    show(y, ["_saved_self", "_saved_result"])
show(m.sum(1), ["_saved_dim", "_saved_keepdim", "_saved_self_sym_sizes"])
show(m.sum((0, 1), keepdim=True), ["_saved_dim", "_saved_keepdim", "_saved_self_sym_sizes"])
show(m.sum(), ["_saved_self_sym_sizes"])
show(m.mean(), ["_saved_self_sym_sizes", "_saved_self_sym_numel"])
show(m.mean(1), ["_saved_dim", "_saved_keepdim", "_saved_self_sym_numel"])
show(m.mm(m.t()), ["_saved_self", "_saved_mat2", "_saved_self_sym_sizes", "_saved_mat2_sym_sizes"])
show(x + w, ["_saved_alpha", "_saved_self", "_saved_foo"])
show(torch.sub(x, w, alpha=2), ["_saved_alpha"])
y = x.exp(); y.sum().backward(); show(y, ["_saved_result"])
y = x.pow(2); y.sum().backward(); show(y, ["_saved_self", "_saved_exponent"])
y = x.pow(2); y.sum().backward(retain_graph=True); show(y, ["_saved_self"])
"""

SAVED_HOOKS = """
x = torch.tensor([1., 2.], requires_grad=True)
w = torch.tensor([3., 4.], requires_grad=True)
c = torch.tensor([5., 6.])
print(isinstance((x * 2).grad_fn, torch.autograd.graph.Node), torch.autograd.graph.Node)
def pack(t):
    print("  pack", t.shape, t.requires_grad, t.grad_fn)
    return ("box", t * 2)
for f in [lambda: x * 3, lambda: x * w, lambda: c / x, lambda: x.pow(2), lambda: x ** w, lambda: x.exp()]:
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda p: print("  unpack", p[0]) or p[1]):
        y = f()
        print("op done")
    y.sum().backward()
    print(x.grad); x.grad = None
with torch.autograd.graph.save_on_cpu():
    y = x.pow(2)
print(y.grad_fn._saved_self)
y.sum().backward(); print(x.grad)
try:
    with torch.autograd.graph.saved_tensors_hooks(lambda t: 5, lambda t: 3):
        y = x.pow(2)
    y.sum().backward()
except Exception as e: print(type(e).__name__, e)
try:
    with torch.autograd.graph.disable_saved_tensors_hooks("no hooks here"):
        with torch.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
            pass
except Exception as e: print(type(e).__name__, e)
"""


@pytest.mark.parametrize("code", [ORDER, ERRORS, GRAD_INPUTS, SAVED, SAVED_HOOKS],
                         ids=["order", "errors", "grad_inputs", "saved", "saved_hooks"])
def test_graph_as_torch(gw, code):
    same_as_torch(gw, code)


def test_node_hooks_on_custom_function_nodes_and_handles(gw):
    same_as_torch(gw, """
        class Scale(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2
            @staticmethod
            def backward(ctx, g):
                return g * 2
        x = torch.tensor([1., 2.], requires_grad=True)
        y = Scale.apply(x)
        h = y.grad_fn.register_hook(lambda gi, go: print("post", gi, go) or (gi[0] + 1,))
        print(h)
        y.grad_fn.register_prehook(lambda go: print("pre", go))
        with y.grad_fn.register_prehook(lambda go: print("removed")):
            pass
        y.sum().backward()
        print(x.grad, y.grad_fn.metadata)
        y.grad_fn.metadata["k"] = 1
        print(y.grad_fn.metadata)
    """)


def test_node_hook_replaces_the_gradient(gw):
    x = gw.tensor([1., 2.], requires_grad=True)
    y = x * 3
    seen = []
    y.grad_fn.register_prehook(lambda go: (go[0] * 2,))
    y.grad_fn.register_hook(lambda gi, go: seen.append((gi[0].tolist(), gi[1], go[0].tolist())) or (gi[0] + 1, None))
    y.sum().backward()
    assert seen == [([6.0, 6.0], None, [2.0, 2.0])]
    assert x.grad.tolist() == [7.0, 7.0]


def test_saved_tensors_hooks_values(gw):
    x = gw.tensor([1., 2.], requires_grad=True)
    packed = []
    with gw.autograd.graph.saved_tensors_hooks(lambda t: packed.append(t.tolist()) or len(packed) - 1,
                                               lambda i: gw.tensor(packed[i]) * 10):
        y = x.pow(2)
        assert packed == [[1.0, 2.0]]  # packed at the op's line
    assert y.grad_fn._saved_self.tolist() == [10.0, 20.0]
    y.sum().backward()
    assert x.grad.tolist() == [20.0, 40.0]  # backward used the unpacked tensor: 2 * 10x
