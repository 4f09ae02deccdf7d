"""Hooks on the engine's graph nodes (register_hook / register_prehook), with torch's order and errors,
and torch's saved-variable attributes (_saved_self ...)."""
from __future__ import annotations

import pytest

import gradwire.engine as ge

from test_parity_api import same_on_the_engine_as_torch
from test_parity_graph import ERRORS, GRAD_INPUTS, ORDER, SAVED

pytestmark = pytest.mark.timeout(60)

@pytest.mark.parametrize("code", [ORDER, ERRORS, GRAD_INPUTS, SAVED],
                         ids=["order", "errors", "grad_inputs", "saved"])
def test_node_hooks_as_torch(code):
    same_on_the_engine_as_torch(code)


def test_node_hook_values():
    x = ge.tensor([1., 2.], requires_grad=True)
    y = x * 3
    seen = []
    y.grad_fn.register_prehook(lambda go: (go[0] * 2,))
    y.grad_fn.register_hook(lambda gi, go: seen.append((gi[0].tolist(), gi[1], go[0].tolist())) or (gi[0] + 1, None))
    y.sum().backward()
    assert seen == [([6.0, 6.0], None, [2.0, 2.0])]
    assert x.grad.tolist() == [7.0, 7.0]
