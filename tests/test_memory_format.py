"""torch.memory_format: channels-last layouts on the server's arrays, seen through stride() and
is_contiguous(memory_format=...), as in torch (common/memory_formats.py)."""
from __future__ import annotations

import pytest

from test_parity_api import same_as_torch_without_errors as same_as_torch

pytestmark = pytest.mark.timeout(120)


def test_channels_last_layouts(gw):
    out = same_as_torch(gw, """
        x = torch.arange(24.).reshape(1, 2, 3, 4)
        c = x.contiguous(memory_format=torch.channels_last)
        print(c.stride(), c.is_contiguous(), c.is_contiguous(memory_format=torch.channels_last),
              x.is_contiguous(memory_format=torch.channels_last))
        print(torch.channels_last, torch.contiguous_format, torch.preserve_format, torch.channels_last_3d,
              isinstance(torch.channels_last, torch.memory_format))
        print(c.to(memory_format=torch.contiguous_format).stride(), x.to(memory_format=torch.channels_last).stride())
        print((c + 1).stride(), c.clone().stride(), c.clone(memory_format=torch.contiguous_format).stride())
        print(torch.empty_like(c).stride(), torch.zeros_like(c, memory_format=torch.contiguous_format).stride(),
              torch.ones_like(x, memory_format=torch.channels_last).stride())
        print(torch.empty(1, 2, 3, 4, memory_format=torch.channels_last).stride())
        e = torch.empty(1, 2, 3, 4, memory_format=torch.channels_last, requires_grad=True)
        print(e.is_leaf, e.requires_grad, e.stride())
        print(c.permute(0, 2, 3, 1).is_contiguous(), c[:, 0].stride(), c.tolist() == x.tolist())
        print(torch.ones(2, 2, 2, 2, 2).contiguous(memory_format=torch.channels_last_3d).stride())
        print(c)
        a = torch.ones(1, 2, 2, 2, requires_grad=True)
        b = a.contiguous(memory_format=torch.channels_last)
        print(type(b.grad_fn).__name__, b.is_leaf)
        (b * torch.arange(8.).reshape(1, 2, 2, 2)).sum().backward()
        print(a.grad)
        conv = torch.nn.Conv2d(2, 3, 2).to(memory_format=torch.channels_last)
        print(conv.weight.stride(), conv.weight.is_contiguous(memory_format=torch.channels_last), conv(c).shape)
        for f in [lambda: torch.ones(2, 3).contiguous(memory_format=torch.channels_last),
                  lambda: torch.ones(2, 3).clone(memory_format=torch.channels_last_3d),
                  lambda: torch.ones(2, 3).is_contiguous(memory_format=torch.channels_last)]:
            try:
                print(f())
            except RuntimeError as e:
                print("RuntimeError", e)
    """)
    assert out.splitlines()[0] == "(24, 1, 8, 2) False True False"
    assert "RuntimeError required rank 4 tensor to use channels_last format" in out
    assert "RuntimeError required rank 5 tensor to use channels_last_3d format" in out


def test_layout_errors_raise_at_the_call(gw):
    with pytest.raises(RuntimeError, match="^required rank 4 tensor to use channels_last format$"):
        gw.ones(2, 3).contiguous(memory_format=gw.channels_last)
    assert gw.ones(1, 3, 2, 2).contiguous(memory_format=gw.channels_last).stride() == (12, 1, 6, 3)
