"""In-place operators (x //= 2 writes into x, as in torch), in-place dtype and shape errors raised at the call,
torch.cond / torch.while_loop, and the last Tensor tails (see test_parity_api.same_as_torch)."""
from __future__ import annotations

import textwrap

import pytest

from test_parity_api import same_as_torch as _same_as_torch

pytestmark = pytest.mark.timeout(120)

SETUP = """\
import warnings
def t(f):
    try:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            r = f()
    except Exception as exc:
        print("!", type(exc).__name__, exc)
    else:
        print(r, [str(m.message) for m in w])
"""


def same_as_torch(gw, code: str) -> str:
    out = _same_as_torch(gw, SETUP + textwrap.dedent(code))
    assert "!! " not in out, out
    return out


def test_inplace_operators_write_into_the_tensor(gw):
    out = same_as_torch(gw, """
        for expr in ["x //= 2", "x %= 4", "x &= 3", "x |= 8", "x ^= 1", "x <<= 1", "x >>= 1", "x **= 2"]:
            x = torch.tensor([5, 6])
            y = x
            exec(expr)
            print(expr, y, x is y)
        x = torch.tensor([5., 6.])
        y = x
        x **= 2
        x //= 4
        print(y)
        a = torch.tensor([1., 2.], requires_grad=True)
        b = a * 1
        b **= 3
        b.sum().backward()
        print(b, a.grad)
        t(lambda: torch.tensor([16, 6]).bitwise_right_shift_(torch.tensor([2, 1])))
        t(lambda: torch.tensor([5, 6], dtype=torch.uint8).bitwise_left_shift_(2))
    """)
    assert "x //= 2 tensor([2, 3]) True" in out and "x <<= 1 tensor([10, 12]) True" in out
    assert "tensor([1., 8.], grad_fn=<PowBackward0>) tensor([ 3., 12.])" in out


def test_inplace_errors(gw):
    out = same_as_torch(gw, """
        t(lambda: torch.tensor([1]).add_(1.5))
        t(lambda: torch.zeros(3).add_(torch.ones(2, 3)))
        t(lambda: torch.zeros(2, 3).add_(torch.ones(3)).sum())
        t(lambda: torch.tensor([1, 2]).div_(2))
        t(lambda: torch.tensor([1, 2]).div_(2, rounding_mode='floor'))
        t(lambda: torch.tensor([1, 2]).mul_(torch.tensor([1.5, 2])))
        t(lambda: torch.tensor([True, False]).add_(True))
        t(lambda: torch.zeros(1, 3).eq_(torch.zeros(2, 3)))
        t(lambda: torch.tensor([1, 2]).pow_(-1))
        t(lambda: torch.tensor([1., 2.]) << 1)
        t(lambda: torch.tensor([1., 2.]).bitwise_and_(1))
        t(lambda: torch.tensor([1., 2.]).bitwise_not_())
        t(lambda: torch.tensor([3]) >> torch.tensor([1.]))
        x = torch.tensor([1., 2.])
        try:
            x <<= 1
        except NotImplementedError as e:
            print("NotImplementedError", e)
        t(lambda: torch.ones(2, requires_grad=True).add_(torch.ones(3)))
    """)
    assert "! RuntimeError result type Float can't be cast to the desired output type Long" in out
    assert "! RuntimeError output with shape [3] doesn't match the broadcast shape [2, 3]" in out
    assert "NotImplementedError \"lshift_cpu\" not implemented for 'Float'" in out


def test_inplace_errors_raise_at_the_call(gw):
    """Not at the next sync: the line that issued the op raises, as in torch."""
    x = gw.tensor([1, 2])
    with pytest.raises(RuntimeError, match="^result type Float can't be cast to the desired output type Long$"):
        x.add_(1.5)
    with pytest.raises(NotImplementedError):
        gw.ones(2).bitwise_xor_(1)
    assert x.tolist() == [1, 2]   # nothing reached the server


def test_cond_and_while_loop(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([5, 6])
        print(torch.cond(torch.tensor(True), lambda a: a + 1, lambda a: a - 1, (x,)))
        print(torch.cond(False, lambda a: a + 1, lambda a: a - 1, [x]))
        print(torch.cond(x.sum() > 10, lambda a, b: a * b, lambda a, b: a - b, (x, x)))
        print(torch.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * 2), (torch.tensor(0), x)))
    """)
    assert "(tensor(3), tensor([40, 48]))" in out


def test_tensor_tails(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1, 2, 3])
        t(lambda: x.const_data_ptr() == x.data_ptr())
        t(lambda: x.volatile)
        t(lambda: x.resize(3, 1))
        t(lambda: x.resize_as(x))
        t(lambda: x.resize(2))
        t(lambda: x.reinforce(1))
        t(lambda: x.grad_dtype)
        t(lambda: x.module_load(torch.tensor([5, 6, 7]), assign=True))
        y = torch.zeros(3, dtype=torch.long)
        t(lambda: (y.module_load(torch.tensor([5, 6, 7])), y))
    """)
    assert "False ['volatile was removed (Variable.volatile is always False)']" in out
    assert "(tensor([5, 6, 7]), tensor([5, 6, 7])) []" in out
