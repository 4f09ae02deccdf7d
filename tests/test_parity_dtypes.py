"""The small integer dtypes (uint8, int8, int16) through the client against PyTorch: dtype objects,
creation, printing, promotion, wrapping arithmetic, fill-value overflow errors, reductions, uint8
masks, conversions, the wire and checkpoints (see test_parity_api.same_as_torch)."""
from __future__ import annotations

import io
import textwrap

import numpy as np
import pytest

from test_parity_api import same_as_torch as _same_as_torch

pytestmark = pytest.mark.timeout(120)

SETUP = """\
a = torch.tensor([200, 3], dtype=torch.uint8)
b = torch.tensor([-100, 7], dtype=torch.int8)
c = torch.tensor([-1000, 7], dtype=torch.int16)
"""


def same_as_torch(gw, code: str) -> str:
    out = _same_as_torch(gw, SETUP + textwrap.dedent(code))
    assert "!! IndentationError" not in out and "!! SyntaxError" not in out and "!! NameError" not in out, out
    return out


# ---- dtype objects -----------------------------------------------------------------------------

def test_dtype_objects(gw):
    out = same_as_torch(gw, """
        print(torch.uint8, torch.int8, torch.int16, torch.short, torch.short is torch.int16)
        for d in (torch.uint8, torch.int8, torch.int16):
            print(repr(d), d.is_signed, d.is_floating_point, d.itemsize, torch.iinfo(d), torch.iinfo(d).bits)
        print(a.dtype, b.dtype, c.dtype, a.element_size(), c.element_size(), a.type(), b.type(), c.type())
        print(hasattr(torch, 'byte'), hasattr(torch, 'char'))
    """)
    assert "iinfo(min=0, max=255, dtype=uint8)" in out and "torch.ByteTensor torch.CharTensor torch.ShortTensor" in out


def test_promote_types_and_result_type_over_all_dtypes(gw):
    same_as_torch(gw, """
        ds = [torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.bool, torch.float16,
              torch.float32, torch.float64]
        for x in ds:
            print([str(torch.promote_types(x, y))[6:] for y in ds], [torch.can_cast(x, y) for y in ds])
        print(torch.result_type(a, b), torch.result_type(a, 1000), torch.result_type(a, -1), torch.result_type(c, 2.5),
              torch.result_type(torch.tensor(1, dtype=torch.int16), a), torch.result_type(a, torch.tensor(1.)))
    """)
    assert gw.promote_types(gw.uint8, gw.int8) is gw.int16
    assert gw.promote_types(gw.bool, gw.uint8) is gw.uint8


# ---- creation and printing ---------------------------------------------------------------------

@pytest.mark.parametrize("code", [
    "print(a, b, c, torch.tensor(3, dtype=torch.uint8), torch.tensor([], dtype=torch.uint8))",
    "print(torch.tensor([[0, 255], [17, 3]], dtype=torch.uint8), torch.tensor([[-128, 127], [1, 3]], dtype=torch.int8))",
    "print(torch.tensor([[-32768, 32767], [17, 3]], dtype=torch.int16), torch.zeros(2, 0, dtype=torch.int16))",
    "print(torch.arange(2000, dtype=torch.int16))",
    "print(torch.zeros(2, dtype=torch.int8), torch.ones(2, 2, dtype=torch.int16), torch.empty(2, dtype=torch.uint8).shape)",
    "print(torch.arange(5, dtype=torch.uint8), torch.arange(250, 260, dtype=torch.uint8))",
    "print(torch.arange(0., 3, 0.5, dtype=torch.int8), torch.arange(-2.5, 3, 1.5, dtype=torch.int16))",
    "print(torch.linspace(0, 10, 5, dtype=torch.uint8), torch.eye(2, dtype=torch.int8))",
    "print(torch.full((2,), -1, dtype=torch.uint8), torch.full((2,), -255, dtype=torch.uint8), "
    "torch.full((2,), 1.5, dtype=torch.int8), torch.full((2,), True, dtype=torch.uint8))",
    "print(torch.zeros_like(a, dtype=torch.int8), torch.ones_like(b), torch.full_like(c, 7), torch.full_like(a, -3))",
    "print(a.new_zeros(2), a.new_ones(2), a.new_full((2,), -1), a.new_tensor([1, 2]), b.new_tensor([1.5]).dtype)",
    "print(torch.tensor([-1], dtype=torch.uint8), torch.tensor([-255], dtype=torch.uint8), "
    "torch.tensor([True, 2], dtype=torch.uint8), torch.tensor([1, 2.5], dtype=torch.int16))",
    "print(torch.tensor(np.array([300, -1]), dtype=torch.uint8), torch.tensor(np.array([1.5, -1.5]), dtype=torch.uint8))",
    # elements keep their types: tensors and numpy scalars, promoted together
    "print(torch.tensor([torch.tensor(1, dtype=torch.uint8), torch.tensor(1, dtype=torch.int8)]), "
    "torch.tensor([a[0], a[1]]), torch.tensor([np.int16(1), np.int16(2)]), torch.tensor([np.uint8(1), True]), "
    "torch.tensor([c[0], 2.5]).dtype, torch.tensor([a[0], 2]).dtype, torch.tensor([[b[0]], [c[1]]]))",
    "print(torch.randint(0, 10, (3,), dtype=torch.uint8).dtype, torch.randint(-128, 128, (3,), dtype=torch.int8).dtype, "
    "torch.randperm(256, dtype=torch.uint8).max(), torch.randperm(5, dtype=torch.int8).sort()[0])",
    # overflow: torch.tensor names the dtype, ops the C type; an unsigned type takes ints down to -max
    "print(torch.tensor([300], dtype=torch.uint8))",
    "print(torch.tensor([-256], dtype=torch.uint8))",
    "print(torch.tensor([1.7, -1.7], dtype=torch.uint8))",
    "print(torch.tensor([1000.], dtype=torch.int8))",
    "print(torch.tensor([40000], dtype=torch.int16))",
    "print(torch.full((2,), 300, dtype=torch.uint8))",
    "print(torch.full((2,), -256, dtype=torch.uint8))",
    "print(torch.full((2,), 128, dtype=torch.int8))",
    "print(torch.full((2,), -1.5, dtype=torch.uint8))",
    "print(torch.full((1,), float('nan'), dtype=torch.int16))",
    "print(torch.full_like(a, 300))",
    "print(torch.randint(-5, 5, (3,), dtype=torch.uint8))",
    "print(torch.randint(0, 200, (3,), dtype=torch.int8))",
    "print(torch.randperm(257, dtype=torch.uint8))",
    "print(torch.zeros(2, dtype=torch.uint8, requires_grad=True))",
    "print(torch.tensor([1, 2], dtype=torch.int8, requires_grad=True))",
    "print(torch.tensor([1, 2], dtype=torch.uint8).requires_grad_())",
    "x = torch.tensor([3, 1], dtype=torch.int16); x.requires_grad = True",
])
def test_creation(gw, code):
    same_as_torch(gw, "import numpy as np\n" + code)


def test_creation_values(gw):
    assert gw.full((2,), -1, dtype=gw.uint8).tolist() == [255, 255]
    assert gw.arange(250, 260, dtype=gw.uint8).tolist() == [250, 251, 252, 253, 254, 255, 0, 1, 2, 3]
    assert gw.tensor([-128, 127], dtype=gw.int8).numpy().dtype == np.int8
    with pytest.raises(RuntimeError, match="^value cannot be converted to type uint8 without overflow$"):
        gw.tensor([256], dtype=gw.uint8)
    with pytest.raises(RuntimeError, match="^value cannot be converted to type int8_t without overflow"):
        gw.full((1,), 128, dtype=gw.int8).tolist()


# ---- arithmetic: wrap modulo 2**bits, scalars wrap too -------------------------------------------

@pytest.mark.parametrize("code", [
    "print(a + 100, a - 300, a * 2, a * 300, a + (-1), -a, a.neg(), b.neg(), abs(b))",
    "print(torch.tensor([-128], dtype=torch.int8).abs(), -torch.tensor([-128], dtype=torch.int8))",
    "print(torch.tensor([250], dtype=torch.uint8) + torch.tensor([10], dtype=torch.uint8), "
    "torch.tensor([120], dtype=torch.int8) + torch.tensor([10], dtype=torch.int8), torch.tensor([32767], dtype=torch.int16) + 1)",
    "print(torch.tensor([0], dtype=torch.uint8) - 1, torch.tensor([-128], dtype=torch.int8) - 1, "
    "torch.tensor([16], dtype=torch.uint8) * torch.tensor([16], dtype=torch.uint8), c * 100)",
    "print(a + b, a * c, b - c, a + 1.5, c + torch.tensor(1.5, dtype=torch.float64), c * torch.tensor([2], dtype=torch.int32))",
    "print(torch.tensor(5, dtype=torch.uint8) + torch.tensor([1], dtype=torch.int8), "
    "torch.tensor([5], dtype=torch.uint8) + torch.tensor(1, dtype=torch.int8), "
    "torch.tensor([1], dtype=torch.int8) + torch.tensor(1000), torch.tensor([1], dtype=torch.int8) + torch.tensor(1000.))",
    "print(a + True, torch.tensor([True]) + a, a * False)",
    "print(a.add(5, alpha=3), a.sub(b, alpha=2), a.add(5, alpha=-1))",
    "print(a.add(5, alpha=300))",
    "print(a.add(5, alpha=1.5))",
    "print(a / 2, a / 0, b / -3, a / torch.tensor([2, 3], dtype=torch.uint8))",
    "print(a // 3, a // 300, b // 3, b // -3, torch.tensor(-128, dtype=torch.int8) // -1)",
    "print(a % 7, a % 300, torch.remainder(a, -3), b % 3, b % -3, c % 7)",
    "print(a.div(3, rounding_mode='floor'), b.div(-3, rounding_mode='trunc'), c.div(7, rounding_mode='floor'))",
    "print(a // 0)",
    "print(b % 0)",
    "print(c.floor_divide(torch.tensor([0, 1], dtype=torch.int16)))",
    "print(a ** 2, b ** 2, b ** 2., torch.pow(2, b), torch.pow(2, a), a.pow(a), a.square())",
    "print(b ** -1)",
    "print(torch.tensor([2], dtype=torch.uint8) ** 300)",
    "print(a.exp(), a.sqrt(), b.sigmoid(), c.reciprocal(), a.log(), b.tanh())",
    "print(b.sign(), a.sign(), a.floor(), b.round(), c.trunc(), a.ceil(), b.abs())",
    "print(a.frac())",
    "print(a.lerp(a, 0.5))",
    "x = torch.tensor([250, 3], dtype=torch.uint8); x += 10; print(x); x -= 20; print(x); x *= 3; print(x); x //= 2; print(x)",
    "x = torch.tensor([250, 3], dtype=torch.uint8); x /= 2",
    "x = b.clone(); x.add_(2.5)",
    "x = b.clone(); x.add_(torch.tensor([100, 1], dtype=torch.int8)); print(x); x.add_(torch.tensor([100, 1], dtype=torch.int16)); print(x)",
    "x = a.clone(); x.mul_(300); x.add_(-1); print(x)",
])
def test_arithmetic(gw, code):
    same_as_torch(gw, code)


def test_arithmetic_values():
    import gradwire as gw
    a = gw.tensor([200, 3], dtype=gw.uint8)
    assert (a + 100).tolist() == [44, 103]
    assert (a * 300).tolist() == [96, 132]          # 300 wraps to 44
    assert (a - 300).tolist() == [156, 215]
    assert (gw.tensor([-100, 7], dtype=gw.int8) // 3).tolist() == [-34, 2]
    assert (a / 2).dtype is gw.float32


# ---- comparisons, bitwise, clamp, where, fills --------------------------------------------------

@pytest.mark.parametrize("code", [
    "print(a < 300, a == 456, a > -1, a.ne(3.5), b < 1.5, a == b, a < c, a > torch.tensor([0.5, 2.5]))",
    "print(~a, ~b, ~c, a & 15, a | 256, a & 511, a ^ b, b | c, a & True, b ^ -1)",
    "print(a.clamp(-5, 100), a.clamp(min=1.5), b.clamp(max=0), c.clamp(-100, 100), a.clip(1, 2))",
    "print(a.clamp(0, 300))",
    "print(a.clamp(-256, 1))",
    "print(a.clone().clamp_(max=2), b.clone().clamp_(-100, 2))",
    "print(b.clone().clamp_(-200, 2))",
    "print(a.clone().clamp_(0.5, 2))",
    "print(torch.where(a > 5, a, -1), torch.where(a > 5, a, b), torch.where(a > 5, a, 1.5), torch.where(a > 5, 1, 0).dtype)",
    "print(torch.where(a > 5, a, 300))",
    "print(a.masked_fill(a > 5, -1), a.masked_fill(a > 5, 1.5), b.masked_fill(b < 0, torch.tensor(5)))",
    "print(a.masked_fill(a > 5, 300))",
    "print(a.masked_fill(a > 5, torch.tensor(300)))",
    "print(a.clone().fill_(-1), torch.zeros(2, dtype=torch.uint8).fill_(torch.tensor(300)))",
    "print(a.clone().fill_(300))",
    "print(torch.index_fill(a, 0, torch.tensor([0]), -1), b.scatter(0, torch.tensor([1]), -128))",
    "print(torch.index_fill(a, 0, torch.tensor([0]), 300))",
    "print(a.scatter(0, torch.tensor([0]), 300))",
    "x = torch.zeros(2, dtype=torch.uint8); x[0] = -1; print(x)",
    "x = torch.zeros(2, dtype=torch.uint8); x[0] = 300",
    "x = torch.zeros(3, dtype=torch.int16); x[1:] = torch.tensor([1.5, -2.5]); print(x)",
    "print(a.maximum(b), a.minimum(c), torch.max(a, b), a.logical_not(), a.isnan(), a.isfinite())",
    # shifts: by a negative amount or the width or more, 0 (or -1 for a negative number shifted right)
    "print(a << 1, b >> 1, c << 3, c >> 2, a << 9, a >> 9, b << 9, b >> 9, a << -1, b >> -1, b << -1)",
    "print(a << torch.tensor([1, 2]), 1 << a, 2 << b, 300 >> a, a << torch.tensor(2), b >> torch.tensor([[1], [2]]))",
    "print(torch.tensor([1, 2]) << 63, torch.tensor([1, 2]) << 64, torch.tensor([-8]) >> 70, torch.tensor([True]) << 1)",
    "print(a.bitwise_left_shift(1), a.bitwise_right_shift(torch.tensor([1, 0], dtype=torch.uint8)), b.bitwise_left_shift(b))",
    "x = a.clone(); x <<= 1; print(x); x >>= 1; print(x)",
    "print(a << 1.5)",
    "print(torch.tensor([1.5]) >> 1)",
    "print(torch.tensor([True]) << torch.tensor([True]))",
    "print(a << 'x')",
])
def test_compare_bitwise_fill(gw, code):
    same_as_torch(gw, code)


# ---- reductions ---------------------------------------------------------------------------------

@pytest.mark.parametrize("code", [
    "print(a.sum(), a.sum().dtype, b.sum(0), c.prod(), a.prod(), a.cumsum(0), b.cumprod(0), a.sum(dtype=torch.uint8))",
    "print(torch.ones(2, 3, dtype=torch.uint8).sum(1), torch.ones(2, 2, dtype=torch.int8).sum(dim=0, keepdim=True))",
    "print(a.max(), a.min(), b.argmax(), c.argmin(), a.amax(), b.amin(), a.max(0), c.min(0))",
    "print(a.all(), a.any(), a.all().dtype, torch.tensor([0, 2], dtype=torch.uint8).all(0, keepdim=True), b.all(), c.any())",
    "print(a.sort(), b.sort(descending=True), c.argsort(), a.topk(1), torch.tensor([3, 1, 3], dtype=torch.uint8).unique())",
    "print(a.float().mean(), a.mean(dtype=torch.float32))",
    "print(a.mean())",
    "print(b.std())",
    "print(c.var())",
    "print(a.norm())",
    "print(a @ a, torch.mm(a.view(1, 2), a.view(2, 1)), a.dot(a), torch.tensor([[100, -2], [3, 4]], dtype=torch.int8) @ "
    "torch.tensor([[2, 0], [3, 4]], dtype=torch.int8))",
    "print(a @ b)",
    "print(a.view(1, 2) @ torch.ones(2, 2))",
    "print(torch.ones(2, 2, dtype=torch.uint8) @ b)",
])
def test_reductions(gw, code):
    same_as_torch(gw, code)


# ---- indexing: uint8 masks (deprecated), int8/int16 indices refused -------------------------------

@pytest.mark.parametrize("code", [
    "print(b[torch.tensor([1, 0], dtype=torch.uint8)], b[torch.tensor([1, 1], dtype=torch.uint8)], "
    "b[torch.tensor([2, 0], dtype=torch.uint8)])",
    "x = torch.arange(6.).view(2, 3); print(x[:, torch.tensor([1, 0, 1], dtype=torch.uint8)], "
    "x[torch.tensor([[1, 0, 1], [0, 0, 1]], dtype=torch.uint8)])",
    "x = torch.arange(6.).view(2, 3); print(x[torch.tensor(1, dtype=torch.uint8)], x[torch.tensor(0, dtype=torch.uint8)], "
    "x[torch.tensor(1, dtype=torch.int8)])",
    "print(b[torch.tensor([1, 0], dtype=torch.int8)])",
    "print(b[torch.tensor([1, 0], dtype=torch.int16)])",
    "print(torch.tensor([1., 2.])[torch.tensor([1, 0, 1], dtype=torch.uint8)])",
    "print(a[a > 5], a[0], a[0].item(), type(b[0].item()), c[[1, 0]], c[torch.tensor([1])])",
    "x = torch.zeros(3); x[torch.tensor([1, 0, 1], dtype=torch.uint8)] = torch.tensor([5., 6.]); print(x)",
    "x = torch.zeros(3); x[torch.tensor([1, 0, 1], dtype=torch.uint8)] = 5",
    "x = torch.zeros(2, 3); x[:, torch.tensor([1, 0, 1], dtype=torch.uint8)] = torch.tensor(5.)",
    "x = torch.zeros(3); x[torch.tensor(1, dtype=torch.uint8)] = 3; print(x)",
    "print(torch.where(torch.tensor([1, 0], dtype=torch.uint8), torch.tensor([1., 2.]), 0.))",
    "print(torch.arange(3.).masked_fill(torch.tensor([1, 0, 1], dtype=torch.uint8), 0))",
    "print(torch.tensor([1., 2.]).index_select(0, torch.tensor([1], dtype=torch.uint8)))",
])
def test_indexing(gw, code):
    same_as_torch(gw, f"""
import warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    try:
        exec({code!r})
        getattr(torch, "synchronize", lambda: None)()
    except Exception as e:
        print("!!", type(e).__name__, e)
print([str(w.message)[:60] for w in caught if "where received" not in str(w.message)])  # that one: once per process
""")


def test_uint8_mask_selects_and_warns(gw):
    x = gw.tensor([10., 20., 30.])
    with pytest.warns(UserWarning, match="indexing with dtype torch.uint8 is now deprecated"):
        assert x[gw.tensor([1, 0, 1], dtype=gw.uint8)].tolist() == [10.0, 30.0]


# ---- conversions, numpy, autograd across dtypes ------------------------------------------------------

@pytest.mark.parametrize("code", [
    "print(a.byte(), a.char(), a.short(), c.char(), c.byte(), b.short(), torch.tensor([True, False]).byte())",
    "print(a.to(torch.int8), a.to(torch.float16), b.to(torch.uint8), c.to(torch.int8), a.to(dtype=torch.int16), b.to(a))",
    "print(a.float(), a.double(), a.half(), a.long(), a.int(), a.bool(), a.type(torch.int16), a.type(torch.float32))",
    "print(torch.tensor([-1.5, 300.7, -300.7]).to(torch.uint8), torch.tensor([-1.5, 200.7, -300.7]).char(), "
    "torch.tensor([-1.5, 40000.7, -40000.7]).short(), torch.tensor([1e10]).byte(), torch.tensor([2.5], dtype=torch.float16).byte())",
    "print(torch.tensor([100000, -1]).to(torch.int16), torch.tensor([100000, -1], dtype=torch.int32).to(torch.uint8))",
    "print(a.tolist(), b.tolist(), c.tolist(), torch.tensor(5, dtype=torch.int16).tolist(), a.numpy(), b.numpy().dtype, "
    "c.numpy().dtype)",
    "print(int(torch.tensor(5, dtype=torch.uint8)), float(torch.tensor(-5, dtype=torch.int8)), "
    "bool(torch.tensor(0, dtype=torch.int16)), a[1].item() + 255)",
    "print(torch.from_numpy(np.array([1, 255], dtype='uint8')), torch.from_numpy(np.array([1, -5], dtype='int8')), "
    "torch.from_numpy(np.array([1, -5], dtype='int16')), torch.tensor(np.array([1, 255], dtype='uint8')))",
    "x = torch.tensor([1.5, 2.5], requires_grad=True); y = (x * 2).to(torch.uint8); print(y, y.requires_grad, y.grad_fn)",
    "x = torch.tensor([1., 2.5], requires_grad=True); y = x * torch.tensor([2, 3], dtype=torch.uint8); print(y); "
    "y.sum().backward(); print(x.grad)",
    "x = torch.tensor([1., 2.5], requires_grad=True); y = x.byte().float() * x + b; y.sum().backward(); print(y, x.grad)",
    "x = torch.tensor([1, 2], dtype=torch.uint8).float().requires_grad_(); (x * x).sum().backward(); print(x.grad)",
    "print(torch.cat([a, b]), torch.stack([a, c]), torch.cat([a, torch.tensor([1.5])]), a.repeat(2), a.flip(0))",
    "print(torch.tensor([[1, 2]], dtype=torch.int8).expand(3, 2), c.unbind(0), c.split(1), a.view(2, 1).t())",
    "print(F.one_hot(torch.tensor([1, 0], dtype=torch.uint8), 3))",
    "print(F.nll_loss(torch.zeros(2, 3), torch.tensor([1, 0], dtype=torch.uint8)), "
    "F.cross_entropy(torch.eye(3)[:2], torch.tensor([1, 0], dtype=torch.uint8)))",
    "print(F.cross_entropy(torch.zeros(2, 3), torch.tensor([1, 0], dtype=torch.int16)))",
    "print(F.cross_entropy(torch.zeros(2, 3, 2), torch.tensor([[1, 0], [1, 1]], dtype=torch.uint8)))",
    # an image batch fed to a float layer without .float()
    "print(nn.Linear(2, 2)(torch.tensor([[1, 0]], dtype=torch.uint8)))",
    "print(nn.Linear(2, 2)(torch.ones(3, 1, 2, dtype=torch.int8)))",
    "print(nn.Linear(2, 2, bias=False)(torch.tensor([[1, 0]], dtype=torch.int16)))",
    "print(torch.addmm(torch.zeros(1, 1), torch.tensor([[1, 0]], dtype=torch.uint8), torch.ones(2, 1)))",
    "print(torch.addmm(torch.zeros(1, 1), torch.ones(1, 2, dtype=torch.uint8), torch.ones(2, 1, dtype=torch.uint8)))",
    "print(F.linear(torch.tensor([[1, 0]], dtype=torch.uint8), torch.tensor([[1, 0]], dtype=torch.uint8), "
    "torch.tensor([1], dtype=torch.uint8)))",
    "print(torch.logsumexp(a, 0), b.logsumexp(0, keepdim=True), torch.logsumexp(c.view(1, 2), 1))",
])
def test_conversions(gw, code):
    same_as_torch(gw, "import numpy as np\n" + code)


def test_from_numpy_keeps_the_small_types():
    import gradwire as gw
    for np_dtype, dtype in ((np.uint8, gw.uint8), (np.int8, gw.int8), (np.int16, gw.int16)):
        t = gw.from_numpy(np.array([1, 2, 100], dtype=np_dtype))
        assert t.dtype is dtype and t.numpy().dtype == np_dtype and t.tolist() == [1, 2, 100]


# ---- the wire: large uploads/downloads, checkpoints ----------------------------------------------------

def test_large_tensors_travel_in_their_own_type(gw):
    big = (np.arange(3_000_000) % 251).astype(np.uint8)          # > INLINE_MAX_BYTES: the Upload RPC
    t = gw.from_numpy(big)
    assert t.dtype is gw.uint8 and t.sum().item() == int(big.sum(dtype=np.int64))
    back = (t + 10).numpy()
    assert back.dtype == np.uint8 and np.array_equal(back, big + np.uint8(10))
    s = gw.tensor(np.arange(-700_000, 700_000).astype(np.int16))  # 2.8 MB: uploaded
    assert s.dtype is gw.int16 and s.max().item() == 32767 and np.array_equal(s.numpy(), np.arange(-700_000, 700_000).astype(np.int16))
    assert (s.char().numpy() == np.arange(-700_000, 700_000).astype(np.int8)).all()


def test_save_and_load_keep_the_dtypes(gw):
    buf = io.BytesIO()
    state = {"a": gw.tensor([200, 3], dtype=gw.uint8), "b": gw.tensor([-100, 7], dtype=gw.int8),
             "c": gw.tensor([[-1000], [7]], dtype=gw.int16)}
    gw.save(state, buf)
    buf.seek(0)
    loaded = gw.load(buf)
    for k, v in state.items():
        assert loaded[k].dtype is v.dtype and loaded[k].tolist() == v.tolist()
    same_as_torch(gw, """
        import io
        buf = io.BytesIO(); torch.save({'a': a, 'b': b, 'c': c}, buf); buf.seek(0)
        d = torch.load(buf); print(d, d['a'].dtype, d['c'].dtype)
    """)


# ---- the client's predicted dtypes against torch, many ops × dtypes -------------------------------------

MATRIX = """
ds = [torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.bool, torch.float16, torch.float32,
      torch.float64]
def mk(d, zero=False):
    if d is torch.bool:
        return torch.tensor(True if zero else [True, False])
    return torch.tensor(2 if zero else [3, 1], dtype=d)
sync = getattr(torch, "synchronize", lambda: None)
def show(f):
    try:
        r = f()
        sync()
        # r.dtype: the client's prediction; numpy() of a small tensor: the array the server holds
        d, held = str(r.dtype)[6:], r.detach().numpy().dtype.name
        print(d if d == held else f"{d}/held:{held}", end=" ")
    except Exception as e:
        print("!!" + type(e).__name__, end=" ")
"""


@pytest.mark.parametrize("ops", [
    "lambda x, y: x + y, lambda x, y: x * y, lambda x, y: x / y, lambda x, y: torch.maximum(x, y)",
    "lambda x, y: x // y, lambda x, y: x % y, lambda x, y: x < y, lambda x, y: x & y, lambda x, y: x ** y",
    "lambda x, y: torch.where(y > 0, x, y), lambda x, y: torch.cat([x, y.expand(2)]), lambda x, y: x - y",
])
def test_binary_result_dtypes(gw, ops):
    out = same_as_torch(gw, MATRIX + f"""
for f in ({ops}):
    for x in ds[:3]:
        for y in ds:
            show(lambda: f(mk(x), mk(y))); show(lambda: f(mk(x), mk(y, True))); show(lambda: f(mk(x, True), mk(y)))
            show(lambda: f(mk(x), 300))
        show(lambda: f(mk(x), -2.5))
        print()
""")
    assert "uint8" in out and "int16" in out


def test_unary_and_reduction_result_dtypes(gw):
    same_as_torch(gw, MATRIX + """
fs = [torch.neg, torch.abs, torch.sign, torch.exp, torch.sqrt, torch.sum, torch.prod, lambda x: torch.cumsum(x, 0),
      torch.mean, torch.amax, torch.argmax, torch.all, torch.any, torch.clone, torch.floor, torch.round,
      torch.reciprocal, torch.sigmoid, torch.logical_not, torch.isnan, torch.trunc, torch.relu, torch.std,
      lambda x: torch.softmax(x, 0), lambda x: x.sum(0), lambda x: x.sum(dtype=torch.int16), lambda x: x.max(0)[0],
      lambda x: x.min(0)[1], lambda x: x.sort()[0], lambda x: x.topk(1)[0], lambda x: x.byte(), lambda x: x.char(),
      lambda x: x.short(), lambda x: x.view(2, 1), lambda x: x.expand(2, 2), lambda x: x.flip(0),
      lambda x: x.clamp(0, 2), lambda x: x.clamp(min=0.5), lambda x: x.new_zeros(2), lambda x: x.new_tensor([1, 2]),
      lambda x: x.index_select(0, torch.tensor([1])), lambda x: x[0], lambda x: x[torch.tensor([True, False])],
      lambda x: x.masked_fill(torch.tensor([True, False]), 1), lambda x: torch.zeros_like(x),
      lambda x: torch.full_like(x, 1), lambda x: x.dot(x), lambda x: torch.outer(x, x), lambda x: torch.logsumexp(x, 0)]
for x in ds[:5] + ds[6:]:   # (bool has its own gaps: argmax, topk, dot)
    for f in fs:
        show(lambda: f(mk(x)))
    print()
for d in ds[:3]:
    show(lambda: torch.zeros(2, dtype=d)); show(lambda: torch.ones(2, dtype=d)); show(lambda: torch.arange(3, dtype=d))
    show(lambda: torch.full((2,), 1, dtype=d)); show(lambda: torch.randint(0, 5, (2,), dtype=d))
    show(lambda: torch.eye(2, dtype=d)); show(lambda: torch.randperm(3, dtype=d)); show(lambda: torch.rand(2, dtype=d))
    show(lambda: torch.randn(2, dtype=d)); show(lambda: torch.linspace(0, 5, 3, dtype=d))
""")


def test_regression_losses_compute_in_the_promoted_type(gw):
    """An integer image against a float target: the loss is float (and a sum of integers int64)."""
    out = same_as_torch(gw, MATRIX + """
for x in ds[:5]:
    for y in (torch.uint8, torch.int16, torch.float16, torch.float32, torch.float64):
        for f in (F.mse_loss, F.l1_loss):
            for red in ("mean", "none", "sum"):
                show(lambda: f(torch.tensor([1, 2], dtype=x), torch.tensor([1, 3], dtype=y), reduction=red))
    print()
print(F.mse_loss(a, torch.tensor([190., 0.])), F.l1_loss(c, torch.tensor([0, 0], dtype=torch.int8), reduction='sum'))
""")
    assert "tensor(54.5000) tensor(1007)" in out
