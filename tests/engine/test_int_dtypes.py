"""uint8, int8 and int16 in the engine: promotion, scalar wrapping and fill-value checks
(common/dtypes.py), and the engine's ops on them, by value and against torch."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

import gradwire.engine as E
from gradwire.common import dtypes as D

from test_parity_api import same_on_the_engine_as_torch
from test_parity_dtypes import MATRIX, SETUP

pytestmark = [pytest.mark.timeout(60), pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")]

ALL = [D.uint8, D.int8, D.int16, D.int32, D.int64, D.bool_, D.float16, D.float32, D.float64]


def test_dtype_objects():
    assert (repr(D.uint8), repr(D.int8), repr(D.int16)) == ("torch.uint8", "torch.int8", "torch.int16")
    assert (D.uint8.is_signed, D.int8.is_signed, D.int16.is_signed, D.bool_.is_signed) == (False, True, True, False)
    assert (D.uint8.itemsize, D.int16.itemsize) == (1, 2)
    assert D.from_name("short") is D.int16 and E.short is E.int16 and E.uint8 is D.uint8
    assert [D.from_numpy(np.dtype(n)) for n in ("uint8", "int8", "int16")] == [D.uint8, D.int8, D.int16]
    assert (D.uint8._torch_name, D.int8._torch_name, D.int16._torch_name) == ("Byte", "Char", "Short")


def test_promote_types():
    p = D.promote_types
    assert p(D.uint8, D.int8) is D.int16 and p(D.int8, D.uint8) is D.int16
    assert p(D.uint8, D.int16) is D.int16 and p(D.uint8, D.int32) is D.int32 and p(D.int8, D.int16) is D.int16
    assert p(D.bool_, D.uint8) is D.uint8 and p(D.uint8, D.float16) is D.float16 and p(D.int16, D.int64) is D.int64
    # 0-dim tensors and numbers only change the result across categories
    assert D.result_type((D.uint8, 1), (D.int64, 0)) is D.uint8
    assert D.result_type((D.uint8, 0), (D.int8, 1)) is D.int8
    assert D.result_type((D.int8, 1), 1000) is D.int8 and D.result_type((D.int8, 1), 1.5) is D.float32


def test_promote_types_against_torch():
    torch = pytest.importorskip("torch")
    for a, b in itertools.product(ALL, repeat=2):
        expected = torch.promote_types(getattr(torch, a.name), getattr(torch, b.name))
        assert D.promote_types(a, b).name == str(expected)[6:], (a, b)
        assert D.can_cast(a, b) == torch.can_cast(getattr(torch, a.name), getattr(torch, b.name)), (a, b)


def test_wrap_int():
    assert [D.wrap_int(D.uint8, v) for v in (300, -1, 256, 255, -255)] == [44, 255, 0, 255, 1]
    assert [D.wrap_int(D.int8, v) for v in (128, -129, 200, 127)] == [-128, 127, -56, 127]
    assert [D.wrap_int(D.int16, v) for v in (40000, -40000, 2 ** 40)] == [-25536, 25536, 0]


def test_checked_scalar():
    assert D.checked_scalar(D.uint8, -1) == 255 and D.checked_scalar(D.uint8, -255) == 1
    assert D.checked_scalar(D.int8, 1.5) == 1.5 and D.checked_scalar(D.float32, 1e30) == 1e30
    for dtype, value, c_name in ((D.uint8, 256, "uint8_t"), (D.uint8, -256, "uint8_t"), (D.uint8, -0.5, "uint8_t"),
                                 (D.int8, 128, "int8_t"), (D.int16, float("nan"), "int16_t"),
                                 (D.int32, 2 ** 40, "int"), (D.int64, 2 ** 63, "int64_t")):
        with pytest.raises(RuntimeError, match=f"^value cannot be converted to type {c_name} without overflow$"):
            D.checked_scalar(dtype, value)
    with pytest.raises(RuntimeError, match="^value cannot be converted to type uint8 without overflow$"):
        D.check_fits(np.array([1, 256]), D.uint8)
    D.check_fits(np.array([-255, 255]), D.uint8)
    with pytest.raises(RuntimeError, match="type int8 without"):
        D.check_fits(np.array([1.0, 127.5]), D.int8)


def test_engine_ops_wrap():
    a = E.tensor([200, 3], dtype=E.uint8)
    b = E.tensor([-100, 7], dtype=E.int8)
    assert (a + 100).tolist() == [44, 103] and (a + 100).dtype is E.uint8
    assert (a * 300).tolist() == [96, 132] and (a - 300).tolist() == [156, 215]
    assert (a + b).dtype is E.int16 and (a + b).tolist() == [100, 10]
    assert (b * b).tolist() == [16, 49] and (-E.tensor([-128], dtype=E.int8)).tolist() == [-128]
    assert b.div(3, rounding_mode="floor").tolist() == [-34, 2] and b.div(3, rounding_mode="trunc").tolist() == [-33, 2]
    assert a.sum().dtype is E.int64 and a.sum().item() == 203 and a.sum(dtype=E.uint8).item() == 203
    assert a.all().dtype is E.uint8 and b.any().dtype is E.bool_
    assert (~a).tolist() == [55, 252] and (a & 15).tolist() == [8, 3]
    assert (a << 1).tolist() == [144, 6] and (b >> 9).tolist() == [-1, 0] and (1 << a).tolist() == [0, 8]
    assert E.tensor([-1.5, 300.7, -300.7]).to(E.uint8).tolist() == [255, 44, 212]
    assert E.tensor([-1.5, 40000.7]).to(E.int16).tolist() == [-1, -25536]
    assert E.full((2,), -1, dtype=E.uint8).tolist() == [255, 255]
    assert E.arange(0.0, 3, 0.5, dtype=E.int8).tolist() == [0] * 6
    with pytest.raises(RuntimeError, match="^mean\\(\\): could not infer output dtype"):
        a.mean()
    with pytest.raises(RuntimeError, match="^value cannot be converted to type uint8_t without overflow$"):
        a.masked_fill(a > 5, 300)
    with pytest.raises(RuntimeError, match="^value cannot be converted to type uint8 without overflow$"):
        E.tensor([300], dtype=E.uint8)
    with pytest.raises(RuntimeError, match="^only Tensors of floating point dtype can require gradients$"):
        a.requires_grad_()


def test_uint8_mask_and_small_int_indices():
    x = E.tensor([10., 20., 30.])
    with pytest.warns(UserWarning, match="^indexing with dtype torch.uint8 is now deprecated"):
        assert x[E.tensor([1, 0, 1], dtype=E.uint8)].tolist() == [10.0, 30.0]
    with pytest.raises(IndexError, match="^tensors used as indices must be long, int, byte or bool tensors$"):
        x[E.tensor([1], dtype=E.int16)]
    assert x[E.tensor(1, dtype=E.int8)].item() == 20.0


@pytest.mark.parametrize("ops", [
    "lambda x, y: x + y, lambda x, y: x * y, lambda x, y: x / y, lambda x, y: torch.div(x, y, rounding_mode='floor')",
    "lambda x, y: x < y, lambda x, y: x & y, lambda x, y: x ** y, lambda x, y: torch.where(y > 0, x, y), "
    "lambda x, y: x - y",
])
def test_binary_result_dtypes_on_the_engine(ops):
    out = same_on_the_engine_as_torch(SETUP + MATRIX + f"""
for f in ({ops}):
    for x in ds[:3]:
        for y in ds:
            show(lambda: f(mk(x), mk(y))); show(lambda: f(mk(x), mk(y, True))); show(lambda: f(mk(x, True), mk(y)))
            show(lambda: f(mk(y), mk(x))); show(lambda: f(mk(x), 300)); show(lambda: f(mk(x), -2.5))
            print(f(mk(x), mk(y)) if x is not torch.bool and y is not torch.bool else "")
""")
    assert "dtype=torch.int16" in out


@pytest.mark.parametrize("code", [
    "print(a + 100, a * 300, a.div(300, rounding_mode='floor'), a < 300, a == 456, a > -1, b.div(-3, rounding_mode='trunc'))",
    "print(a.clamp(-5, 100), a.clamp(0, 300))",
    "print(torch.full((2,), -255, dtype=torch.uint8), torch.randint(0, 256, (3,), dtype=torch.uint8).dtype)",
    "print(torch.randint(0, 200, (3,), dtype=torch.int8))",
    "print(torch.tensor([1.7, -1.7], dtype=torch.uint8))",
    "print(a.prod(), b.cumsum(0), c.cumprod(0), a.max(0), b.sort(), c.topk(1))",
    "print(a @ a, torch.mm(b.view(1, 2), b.view(2, 1)), a @ b)",
    "x = torch.zeros(3); x[torch.tensor([1, 0, 1], dtype=torch.uint8)] = 5",
    "print(F.nll_loss(torch.zeros(2, 3), torch.tensor([1, 0], dtype=torch.uint8)))",
    "print(a << 1, b >> 1, c << 3, a << 9, b >> 9, b >> -1, 1 << a, 300 >> a, a << torch.tensor([1, 2]), "
    "torch.bitwise_right_shift(b, 2), torch.tensor([1]) << 63)",
    "print(torch.tensor([1.5]) << 1)",
    "print(torch.tensor([a[0], b[1]]), torch.tensor([[a[0]], [2]]), torch.tensor([c[0], 2.5]), torch.tensor([a[1], True]))",
])
def test_engine_snippets_against_torch(code):
    same_on_the_engine_as_torch(SETUP + code)
