"""torch.nn.utils.prune: masks drawn as torch draws them (a seed prunes the same entries), the _orig parameter
and _mask buffer, the forward pre-hook, iterative pruning (PruningContainer), global pruning, remove, and torch's
checks; and module hooks kept in torch's tables (a forward hook's entry is the hook itself)."""
from __future__ import annotations

import pytest

from tests.test_parity_api import same_as_torch_without_errors

pytestmark = pytest.mark.timeout(120)


def _torch_prune():
    pytest.importorskip("torch")
    import torch.nn.utils.prune  # noqa: F401,PLC0415 - torch's submodule, imported as a user's script would


def test_unstructured_iterative_and_remove(gw):
    _torch_prune()
    out = same_as_torch_without_errors(gw, """
        torch.manual_seed(0)
        P = torch.nn.utils.prune
        m = torch.nn.Linear(4, 3)
        P.random_unstructured(m, "weight", amount=0.5)
        print(m.weight_mask, m.weight)
        print(list(dict(m.named_parameters())), list(dict(m.named_buffers())),
              [type(h).__name__ for h in m._forward_pre_hooks.values()], P.is_pruned(m))
        P.l1_unstructured(m, "bias", amount=1)
        print(m.bias_mask, m.bias)
        P.l1_unstructured(m, "weight", amount=2)          # again: a PruningContainer of both
        print(m.weight_mask, [type(h).__name__ for h in m._forward_pre_hooks.values()])
        out = m(torch.ones(2, 4)); out.sum().backward(); print(out, m.weight_orig.grad)
        P.remove(m, "weight")
        print(list(dict(m.named_parameters())), m.weight, type(m.weight).__name__)
        try:
            P.remove(m, "weight")
        except ValueError as e:
            print(e)
    """)
    assert "['bias', 'weight_orig'] ['weight_mask'] ['RandomUnstructured'] True" in out
    assert "['L1Unstructured', 'PruningContainer']" in out
    assert "has to be pruned before pruning can be removed" in out


def test_structured_custom_global_and_checks(gw):
    _torch_prune()
    out = same_as_torch_without_errors(gw, """
        torch.manual_seed(0)
        P = torch.nn.utils.prune
        conv = torch.nn.Conv2d(2, 4, 3)
        P.ln_structured(conv, "weight", amount=0.5, n=2, dim=0)
        print(conv.weight_mask.sum(dim=(1, 2, 3)))
        P.random_structured(conv, "weight", amount=1, dim=1)
        print(conv.weight_mask.sum(dim=(0, 2, 3)), conv.weight_mask.sum(dim=(1, 2, 3)))
        lin = torch.nn.Linear(3, 2)
        P.custom_from_mask(lin, "bias", torch.tensor([0, 1]))
        print(lin.bias)
        a, b = torch.nn.Linear(4, 3), torch.nn.Linear(3, 2)
        P.global_unstructured([(a, "weight"), (b, "weight")], pruning_method=P.L1Unstructured, amount=0.4)
        print(int(a.weight_mask.sum()) + int(b.weight_mask.sum()), a.weight_mask)
        for bad in (lambda: P.random_unstructured(torch.nn.Linear(2, 2), "weight", amount=1.5),
                    lambda: P.random_unstructured(torch.nn.Linear(2, 2), "weight", amount=10),
                    lambda: P.random_unstructured(torch.nn.Linear(2, 2), "weight", amount="x"),
                    lambda: P.random_structured(torch.nn.Linear(2, 2), "bias", amount=1, dim=0)):
            try:
                bad()
            except Exception as e:
                print(type(e).__name__, e)
        print(P.identity(torch.nn.Linear(2, 2), "weight").weight_mask)
        print(P.L1Unstructured(amount=0.5).prune(torch.tensor([1., -3., 2., 0.5])))
    """)
    assert "tensor([ 0., 18., 18.,  0.])" in out
    assert "ValueError amount=10 should be smaller than the number of parameters to prune=4" in out
    assert "tensor([ 0., -3.,  2.,  0.])" in out


def test_forward_hook_tables_are_torchs(gw):
    out = same_as_torch_without_errors(gw, """
        m = torch.nn.Linear(2, 2)
        f = lambda mod, args, kwargs: None
        g = lambda mod, args, kwargs, out: None
        h1 = m.register_forward_pre_hook(f, with_kwargs=True)
        h2 = m.register_forward_hook(g, with_kwargs=True, always_call=True)
        print(list(m._forward_pre_hooks.values()) == [f], list(m._forward_hooks.values()) == [g])
        print(list(m._forward_pre_hooks_with_kwargs.values()), list(m._forward_hooks_with_kwargs.values()),
              list(m._forward_hooks_always_called.values()))
        m(torch.ones(2))
        h1.remove(); h2.remove()
        print(len(m._forward_pre_hooks), len(m._forward_pre_hooks_with_kwargs), len(m._forward_hooks),
              len(m._forward_hooks_with_kwargs), len(m._forward_hooks_always_called))
    """)
    assert out == "True True\n[True] [True] [True]\n0 0 0 0 0\n"
