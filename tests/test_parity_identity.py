"""The graph gives back the client's own leaf objects, as torch gives back the same Python objects:
``grad_fn._saved_self is x`` and ``AccumulateGrad.variable is x`` (embedded and remote server)."""
from __future__ import annotations

import pytest

from test_parity_api import same_as_torch

pytestmark = pytest.mark.timeout(60)

SNIPPETS = [
    'x = torch.randn(5, requires_grad=True)\ny = x.pow(2)\nprint(x.equal(y.grad_fn._saved_self))\nprint(x is y.grad_fn._saved_self)\ny = x.exp()\nprint(y.equal(y.grad_fn._saved_result))\nprint(y is y.grad_fn._saved_result)\n',
    'x = torch.ones(5, requires_grad=True)\ny = x * 2\nprint(y.is_leaf, x.is_leaf, y.grad_fn.next_functions[0][0].variable is x)\ntry: y.grad_fn.variable\nexcept AttributeError as e: print(e)\nw = torch.nn.Linear(2, 2)\nout = w(torch.ones(1, 2)).sum()\nprint([type(f).__name__ for f, _ in out.grad_fn.next_functions])\nacc = out.grad_fn.next_functions[0][0].next_functions[0][0]\nprint(acc.variable is w.bias)\n',
    'a = torch.tensor([1., 2.]).requires_grad_()\nb = a * a\nprint(b.grad_fn._saved_self is a, b.grad_fn._saved_other is a)\n',
]


@pytest.mark.parametrize("code", SNIPPETS, ids=[f"snippet{i}" for i in range(len(SNIPPETS))])
def test_as_torch(gw, code):
    same_as_torch(gw, code)


def test_saved_leaf_and_variable_are_the_same_objects(gw):
    x = gw.tensor([1.0, 2.0], requires_grad=True)
    y = x.pow(2)
    assert y.grad_fn._saved_self is x
    assert y.grad_fn.next_functions[0][0].variable is x
    z = x.exp()
    saved = z.grad_fn._saved_result
    assert saved is not z and saved.tolist() == z.tolist()
