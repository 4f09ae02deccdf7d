"""torch.jit without a compiler: script/trace give back objects that run the user's Python, shaped like
torch's (client/jit.py)."""
from __future__ import annotations

import pytest

from test_parity_api import same_as_torch_without_errors as same_as_torch

pytestmark = pytest.mark.timeout(120)


def test_scripted_and_traced_modules_share_parameters(gw):
    out = same_as_torch(gw, """
        torch.manual_seed(0)
        m = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())
        with torch.no_grad():
            m[0].weight.copy_(torch.tensor([[1., -1.], [0.5, 2.], [-3., 1.]]))
            m[0].bias.zero_()
        sm = torch.jit.script(m)
        print(sm)
        print(type(sm).__name__, isinstance(sm, torch.jit.ScriptModule), isinstance(sm, torch.nn.Module))
        print([n for n, _ in sm.named_parameters()])
        y = sm(torch.tensor([[1., 2.]]))
        print(y.detach())   # (torch's grad_fn here depends on how often its executor ran the graph)
        y.sum().backward()
        print(m[0].weight.grad)
        print(sm.training, sm.eval().training, m.training)
        tm = torch.jit.trace(m, torch.ones(1, 2))
        print(tm)
        print(type(tm).__name__, isinstance(tm, torch.jit.TracedModule), tm(torch.tensor([[1., 2.]])).detach())
        print(torch.jit.script(torch.nn.ReLU()))
        print(list(sm.state_dict().keys()))
        try:
            torch.jit.freeze(torch.jit.script(torch.nn.Linear(2, 2)))
        except RuntimeError as e:
            print("RuntimeError", e)
        print(type(torch.jit.freeze(torch.jit.script(torch.nn.Linear(2, 2)).eval())).__name__)
        try:
            torch.jit.trace(torch.nn.Linear(2, 1), torch.ones(1, 3))
        except RuntimeError as e:
            print("RuntimeError", e)
        print(torch.jit.is_scripting(), torch.jit.is_tracing(), torch.jit.annotate(int, 3), torch.jit.Attribute(3, int))
        fut = torch.jit.fork(lambda x: x + 1, torch.ones(1))
        print(torch.jit.wait(fut), fut.done())
    """)
    assert "tensor([[0.0000, 4.5000, 0.0000]])" in out
    assert "tensor([[0., 0.],\n        [1., 2.],\n        [0., 0.]])" in out   # relu passes row 1 alone


def test_scripted_function_runs_the_function(gw):
    def f(x, y: float = 2.0):
        return x * y + 1

    sf = gw.jit.script(f)
    assert isinstance(sf, gw.jit.ScriptFunction)
    assert sf(gw.ones(2)).tolist() == [3.0, 3.0]
    tf = gw.jit.trace(f, (gw.ones(2),))
    assert tf(gw.full((2,), 2.0), 0.5).tolist() == [2.0, 2.0]

    @gw.jit.ignore
    def g(x):
        return x

    @gw.jit.unused
    def h(x):
        return x

    assert g(1) == 1 and h(2) == 2
    assert gw.jit.isinstance([1, 2], list[int]) and not gw.jit.isinstance(1, list[int])
    with pytest.raises(NotImplementedError, match="state_dict"):
        gw.jit.save(sf, "x.pt")
