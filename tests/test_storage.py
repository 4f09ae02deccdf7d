"""Storages: Tensor.untyped_storage() / storage() stand on the server's memory, as torch's do
(shared by views and detach, seeing later in-place writes, writing through), and data_ptr() is
the server's address (see client/storage.py)."""
from __future__ import annotations

import textwrap
import warnings

import pytest

from test_parity_api import same_as_torch as _same_as_torch

pytestmark = pytest.mark.timeout(120)


def same_as_torch(gw, code: str) -> str:
    code = "import warnings\nwarnings.simplefilter('ignore')\n" + textwrap.dedent(code)
    out = _same_as_torch(gw, code)
    assert "!! " not in out, out
    return out


def test_storages_are_shared_by_views_and_see_writes(gw):
    out = same_as_torch(gw, """
        x = torch.arange(6.).reshape(2, 3)
        s = x.untyped_storage()
        print(s.data_ptr() == x.t().untyped_storage().data_ptr(), s.data_ptr() == x.data_ptr())
        print(s.nbytes(), len(s), s.size(), s.element_size(), x[1].untyped_storage().nbytes())
        print(x[1].data_ptr() - x.data_ptr(), x[:, 2].data_ptr() - x.data_ptr())
        print(x.detach().data_ptr() == x.data_ptr(), x.view(-1).data_ptr() == x.data_ptr())
        print(x.clone().untyped_storage().data_ptr() == s.data_ptr())
        x.add_(1)
        print(s.tolist()[:8], s[7], s[-1])
        print(s[4:8])
        print(torch.arange(4).expand(2, 4).untyped_storage().nbytes(), torch.empty(0).data_ptr())
        print(s.device, s.is_cuda, torch.is_storage(s), torch.is_storage(x))
    """)
    assert "[0, 0, 128, 63, 0, 0, 0, 64] 64 64" in out        # 1.0 and 2.0 as little-endian float32
    assert out.splitlines()[2] == "12 8"


def test_typed_storage_reads_and_writes_through(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([[1., 2., 3.], [4., 5., 6.]])
        ts = x[1].storage()
        print(ts.dtype, ts.size(), len(ts), ts.nbytes(), ts.element_size(), ts[1], ts[-1], ts.tolist())
        print(ts)
        ts[0] = 100.0
        ts[1:3] = 7
        print(x)
        try:
            ts[1:3]
        except RuntimeError as e:
            print("RuntimeError", e)
        print(x.storage_type(), x.long().storage_type(), isinstance(ts, torch.FloatStorage),
              isinstance(ts, torch.DoubleStorage))
        print(torch.tensor([True, False]).storage())
        try:
            ts[6]
        except IndexError as e:
            print("IndexError", e)
        print(x.is_set_to(x), x.is_set_to(x.view(2, 3)), x.is_set_to(x.t()), x[1].is_set_to(x))
        y = torch.ones(3, requires_grad=True)
        print(y.untyped_storage().nbytes(), y.storage().tolist())
    """)
    assert "tensor([[100.,   7.,   7.],\n        [  4.,   5.,   6.]])" in out
    assert "True True False False" in out


def test_new_storages(gw):
    same_as_torch(gw, """
        u = torch.UntypedStorage(4)
        print(u.nbytes(), type(u).__name__)
        f = torch.FloatStorage([1.5, 2.5])
        print(f.dtype, f.tolist(), type(f).__name__, isinstance(f, torch.FloatStorage))
        c = f.clone()
        c[0] = 9
        print(f.tolist(), c.tolist(), f.untyped().nbytes())
    """)


def test_typed_storage_warns_once(gw):
    from gradwire import storage
    storage._warned = False
    x = gw.zeros(2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        x.storage()
        x.storage()
    assert [str(w.message) for w in caught] == [storage._TYPED_STORAGE_WARNING]
    assert caught[0].filename == __file__


def test_pin_memory_without_an_accelerator(gw):
    with pytest.raises(RuntimeError, match="^Cannot access accelerator device when none is available.$"):
        gw.ones(2).pin_memory()
    assert gw.ones(2).is_pinned() is False


def test_view_as_another_dtype(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1., 2.], requires_grad=True)
        for d in [torch.int32, torch.float32, torch.float16, torch.float64, torch.uint8]:
            y = x.view(d)
            print(d, y.shape, y.dtype, y.requires_grad, y.grad_fn, y.stride())
        for e in ["torch.ones(3).view(torch.float16).shape", "torch.ones(3).view(torch.float64)",
                  "torch.tensor(1.).view(torch.float16)", "torch.ones(2, 4)[:, ::2].view(torch.float16)",
                  "torch.ones(4).view(torch.int16).view(torch.float32)", "torch.tensor(1.).view(torch.int32)",
                  "torch.ones(2, 2).t().view(torch.int32).stride()", "torch.tensor([1.5, -2.]).view(torch.int32)"]:
            try:
                print(e, "->", eval(e))
            except RuntimeError as ex:
                print(e, "RuntimeError", ex)
        a = torch.zeros(2)
        b = a.view(torch.int32)
        b.fill_(1065353216)
        print(a, a._version, b._version)
    """)
    assert "tensor(1065353216, dtype=torch.int32)" in out and "tensor([1., 1.]) 1 1" in out
    assert "self.size(-1) must be divisible by 2 to view Float as Double (different element sizes), but got 3" in out
