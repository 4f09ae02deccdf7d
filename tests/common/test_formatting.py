"""gradwire.common.formatting: tensor reprs character for character as PyTorch's.

The hard-coded expectations run everywhere; where torch is importable every
case (and a seeded random sweep) is also compared with torch's own repr.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from gradwire.common import dtypes as D
from gradwire.common import formatting as F

pytestmark = pytest.mark.timeout(60)

NAN, INF = math.nan, math.inf
ALL_DTYPES = [D.float16, D.float32, D.float64, D.int32, D.int64, D.bool_]


@pytest.fixture(autouse=True)
def _default_options():
    F.set_printoptions(profile="default")
    yield
    F.set_printoptions(profile="default")


def _torch():
    return pytest.importorskip("torch")


def _torch_tensor(torch, arr: np.ndarray, dtype: D.DType, requires_grad=False):
    t = torch.from_numpy(np.array(arr, dtype=dtype.numpy, copy=True))
    assert str(t.dtype) == repr(dtype)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _torch_repr(arr, dtype, requires_grad=False, printoptions=None):
    torch = _torch()
    t = _torch_tensor(torch, arr, dtype, requires_grad)
    if printoptions:
        with torch._tensor_str.printoptions(**printoptions):
            return repr(t)
    return repr(t)


def _ours(arr, dtype, **kw):
    return F.tensor_repr(np.asarray(arr, dtype=dtype.numpy), dtype, **kw)


# ---------------------------------------------------------------------------
# Exact expected strings (checked without torch; checked against torch too).

EXPECTED = [
    # (values, dtype, kwargs, expected repr)
    ([4.0], D.float32, {}, "tensor([4.])"),
    (7.0, D.float32, {}, "tensor(7.)"),
    (3, D.int64, {}, "tensor(3)"),
    (True, D.bool_, {}, "tensor(True)"),
    (2.5, D.float64, {}, "tensor(2.5000, dtype=torch.float64)"),
    ([[2.0, 4.0], [6.0, 8.0]], D.float32, {}, "tensor([[2., 4.],\n        [6., 8.]])"),
    ([1.0, 2.0], D.float32, {"requires_grad": True}, "tensor([1., 2.], requires_grad=True)"),
    ([1, 2], D.int32, {}, "tensor([1, 2], dtype=torch.int32)"),
    ([True, False], D.bool_, {}, "tensor([ True, False])"),
    ([1e-5, 1.0], D.float32, {}, "tensor([1.0000e-05, 1.0000e+00])"),
    ([123456789.0], D.float32, {}, "tensor([1.2346e+08])"),
    ([NAN, INF, -INF, 1.5], D.float32, {}, "tensor([   nan,    inf,   -inf, 1.5000])"),
    ([-0.0, 1.0], D.float32, {}, "tensor([-0., 1.])"),
    ([-3, 10, 200], D.int64, {}, "tensor([ -3,  10, 200])"),
    ([0.1, 1000.5], D.float16, {}, "tensor([9.9976e-02, 1.0005e+03], dtype=torch.float16)"),
    ([1.5, 2.25], D.float64, {}, "tensor([1.5000, 2.2500], dtype=torch.float64)"),
    ([1e10, 1.0], D.float64, {}, "tensor([1.0000e+10, 1.0000e+00], dtype=torch.float64)"),
    (np.zeros(0), D.float32, {}, "tensor([])"),
    (np.zeros((0, 3)), D.float32, {}, "tensor([], size=(0, 3))"),
    (np.zeros((2, 0)), D.int64, {}, "tensor([], size=(2, 0), dtype=torch.int64)"),
    (np.zeros(0), D.bool_, {}, "tensor([], dtype=torch.bool)"),
    (np.arange(1001.0), D.float32, {},
     "tensor([   0.,    1.,    2.,  ...,  998.,  999., 1000.])"),
    (np.arange(24.0).reshape(2, 3, 4), D.float32, {},
     "tensor([[[ 0.,  1.,  2.,  3.],\n"
     "         [ 4.,  5.,  6.,  7.],\n"
     "         [ 8.,  9., 10., 11.]],\n"
     "\n"
     "        [[12., 13., 14., 15.],\n"
     "         [16., 17., 18., 19.],\n"
     "         [20., 21., 22., 23.]]])"),
    (np.arange(12).reshape(3, 2, 2), D.int64, {},
     "tensor([[[ 0,  1],\n         [ 2,  3]],\n\n        [[ 4,  5],\n         [ 6,  7]],\n\n"
     "        [[ 8,  9],\n         [10, 11]]])"),
    (np.arange(30.0).reshape(3, 10) * 1.5 + 100000.25, D.float32, {},
     "tensor([[100000.2500, 100001.7500, 100003.2500, 100004.7500, 100006.2500,\n"
     "         100007.7500, 100009.2500, 100010.7500, 100012.2500, 100013.7500],\n"
     "        [100015.2500, 100016.7500, 100018.2500, 100019.7500, 100021.2500,\n"
     "         100022.7500, 100024.2500, 100025.7500, 100027.2500, 100028.7500],\n"
     "        [100030.2500, 100031.7500, 100033.2500, 100034.7500, 100036.2500,\n"
     "         100037.7500, 100039.2500, 100040.7500, 100042.2500, 100043.7500]])"),
    (np.arange(2000).reshape(1000, 2), D.int64, {},
     "tensor([[   0,    1],\n        [   2,    3],\n        [   4,    5],\n        ...,\n"
     "        [1994, 1995],\n        [1996, 1997],\n        [1998, 1999]])"),
    # suffixes wrap onto a new line, indented under the opening bracket
    (np.arange(7.0) / 3, D.float64, {},
     "tensor([0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667, 2.0000],\n"
     "       dtype=torch.float64)"),
    ([[1e-8, 1.0], [2.0, 3.0]], D.float32, {"requires_grad": True},
     "tensor([[1.0000e-08, 1.0000e+00],\n        [2.0000e+00, 3.0000e+00]], requires_grad=True)"),
]

# Cases torch cannot build here (grad_fn needs a real op, device a GPU).
EXPECTED_NO_TORCH = [
    ([4.0], D.float32, {"grad_fn_name": "PowBackward0"}, "tensor([4.], grad_fn=<PowBackward0>)"),
    ([4.0], D.float32, {"grad_fn_name": "PowBackward0", "requires_grad": True},
     "tensor([4.], grad_fn=<PowBackward0>)"),
    (np.arange(5.0) / 3, D.float64, {"grad_fn_name": "DivBackward0"},
     "tensor([0.0000, 0.3333, 0.6667, 1.0000, 1.3333], dtype=torch.float64,\n"
     "       grad_fn=<DivBackward0>)"),
    ([1.0, 2.0], D.float32, {"device": "cuda:0"}, "tensor([1., 2.], device='cuda:0')"),
    ([1.0, 2.0], D.float32, {"device": "cuda", "grad_fn_name": "AddBackward0"},
     "tensor([1., 2.], device='cuda:0', grad_fn=<AddBackward0>)"),
    ([1, 2], D.int32, {"device": "cuda:1", "requires_grad": False},
     "tensor([1, 2], device='cuda:1', dtype=torch.int32)"),
    (np.zeros((0, 3)), D.float64, {"device": "cuda:0", "requires_grad": True},
     "tensor([], device='cuda:0', size=(0, 3), dtype=torch.float64,\n       requires_grad=True)"),
    ([1.0, 2.0], D.float32, {"prefix": "Parameter("}, "Parameter([1., 2.])"),
]


def _case_id(case):
    return repr(case[3])[:40]


@pytest.mark.parametrize("case", EXPECTED + EXPECTED_NO_TORCH, ids=_case_id)
def test_expected_strings(case):
    values, dtype, kwargs, expected = case
    assert _ours(values, dtype, **kwargs) == expected


@pytest.mark.parametrize("case", EXPECTED, ids=_case_id)
def test_expected_strings_are_torchs(case):
    values, dtype, kwargs, expected = case
    assert _torch_repr(np.asarray(values), dtype, kwargs.get("requires_grad", False)) == expected


# ---------------------------------------------------------------------------
# A table of cases compared against torch.

_rng = np.random.default_rng(1234)


def _normal(*shape, scale=1.0):
    return _rng.standard_normal(shape) * scale


TORCH_CASES = {
    "scalar_f16": (np.array(1.5), D.float16),
    "scalar_f32_int": (np.array(7.0), D.float32),
    "scalar_f32": (np.array(-0.123456), D.float32),
    "scalar_f64": (np.array(3.0), D.float64),
    "scalar_i32": (np.array(-5), D.int32),
    "scalar_i64": (np.array(3), D.int64),
    "scalar_bool": (np.array(False), D.bool_),
    "scalar_nan": (np.array(NAN), D.float32),
    "scalar_tiny": (np.array(1e-5), D.float32),
    "scalar_neg_zero": (np.array(-0.0), D.float32),
    "one": (np.array([4.0]), D.float32),
    "matrix": (np.array([[2.0, 4.0], [6.0, 8.0]]), D.float32),
    "n3": (_normal(3), D.float32),
    "n2x3": (_normal(2, 3), D.float32),
    "n2x3x4": (_normal(2, 3, 4), D.float32),
    "n4x1x2": (_normal(4, 1, 2), D.float32),
    "n2x2x2x2": (_normal(2, 2, 2, 2), D.float32),
    "n1000": (_normal(1000), D.float32),
    "n1001": (_normal(1001), D.float32),
    "n40x40": (_normal(40, 40), D.float32),
    "n3x100": (_normal(3, 100), D.float32),
    "n12x12x12": (_normal(12, 12, 12), D.float32),
    "n8x3x3x8x8": (_normal(8, 3, 3, 8, 8), D.float32),
    "n2x100x3": (_normal(2, 100, 3), D.float64),
    "mixed_magnitudes": (np.array([1e-3, 1.0, 5e3]), D.float32),
    "ratio_just_1000": (np.array([1.0, 1000.0]), D.float32),
    "ratio_over_1000": (np.array([1.0, 1000.5]), D.float32),
    "tiny": (np.array([1e-5]), D.float32),
    "big": (np.array([123456789.0]), D.float32),
    "big_f64": (np.array([123456789.0, 1.5]), D.float64),
    "exactly_1e8": (np.array([1e8, 2e7]), D.float32),
    "sci_random": (_normal(4, 5) * 10.0 ** _rng.integers(-10, 10, (4, 5)), D.float32),
    "sci_negative_exp3": (np.array([1e-300, 1.0]), D.float64),
    "large_ints_as_float": (np.array([1e7, -3.0, 12.0]), D.float32),
    "nan_inf_mix": (np.array([NAN, 1.25, INF, -INF, 0.0]), D.float32),
    "nan_inf_ints": (np.array([NAN, 2.0, -INF]), D.float32),
    "nan_inf_sci": (np.array([NAN, 1e-7, INF]), D.float32),
    "all_nan": (np.array([NAN, NAN]), D.float32),
    "all_zero": (np.zeros((2, 3)), D.float32),
    "neg_zero": (np.array([-0.0, 0.0, 1.0]), D.float32),
    "neg_zero_frac": (np.array([-0.0, 0.5]), D.float32),
    "rounds_to_neg_zero": (np.array([-0.00001, 0.5, 1.0]), D.float64),
    "ints_neg": (np.array([-3, 0, 10, -200]), D.int64),
    "ints_wide": (np.array([[-(2 ** 62), 1], [2, 3]]), D.int64),
    "ints_i32": (np.arange(-5, 5).reshape(2, 5), D.int32),
    "ints_long_row": (np.arange(100) * 37, D.int64),
    "ints_1001": (np.arange(1001), D.int32),
    "bool": (np.array([True, False]), D.bool_),
    "bool_all_true": (np.array([True, True]), D.bool_),
    "bool_2d": (np.array([[True, False, True], [False, False, True]]), D.bool_),
    "bool_big": (_rng.random(2000) < 0.5, D.bool_),
    "f16": (_normal(5), D.float16),
    "f16_2d": (_normal(3, 4), D.float16),
    "f16_big": (np.array([60000.0, 0.001]), D.float16),
    "f16_ints": (np.array([1.0, 2.0, 2048.0]), D.float16),
    "f64": (_normal(3), D.float64),
    "f64_long_row": (_normal(30), D.float64),
    "empty": (np.zeros(0), D.float32),
    "empty_0x3": (np.zeros((0, 3)), D.float32),
    "empty_2x0": (np.zeros((2, 0)), D.float32),
    "empty_2x0x3_i32": (np.zeros((2, 0, 3)), D.int32),
    "empty_i64": (np.zeros(0), D.int64),
    "empty_bool": (np.zeros((0, 1)), D.bool_),
    "empty_f64": (np.zeros(0), D.float64),
}


@pytest.mark.parametrize("name, requires_grad", [
    (name, rg) for name in sorted(TORCH_CASES) for rg in (False, True)
    if not rg or TORCH_CASES[name][1].is_floating_point])   # only floats require grad
def test_matches_torch(name, requires_grad):
    arr, dtype = TORCH_CASES[name]
    expected = _torch_repr(arr, dtype, requires_grad)
    assert _ours(arr, dtype, requires_grad=requires_grad) == expected


@pytest.mark.parametrize("dtype", [D.float16, D.float32, D.float64])
@pytest.mark.parametrize("shape", [(), (1,), (7,), (2, 3), (30,)])
def test_grad_fn_matches_torch(dtype, shape):
    torch = _torch()
    x = _torch_tensor(torch, _rng.standard_normal(shape) * 3, dtype, requires_grad=True)
    for y in (x ** 2, x * 2 + 1, x.exp(), x.sum(), x.unsqueeze(0)):
        values = y.detach().numpy()
        name = type(y.grad_fn).__name__
        assert _ours(values, dtype, grad_fn_name=name) == repr(y)


def test_shape_repr_matches_torch():
    for shape in [(), (0,), (3,), (2, 3), (1, 0, 4)]:
        expected = "torch.Size([" + ", ".join(map(str, shape)) + "])"
        assert F.shape_repr(shape) == expected
        assert F.shape_repr(list(np.array(shape, dtype=np.int64))) == expected
    torch = _torch()
    for shape in [(), (0,), (3,), (2, 3), (1, 0, 4)]:
        assert F.shape_repr(shape) == repr(torch.Size(shape))


# ---------------------------------------------------------------------------
# Print options.

def test_printoptions_defaults_and_profiles():
    assert F.get_printoptions() == {
        "precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
    F.set_printoptions(precision=2)
    assert F.get_printoptions()["precision"] == 2
    assert _ours([1.12345], D.float32) == "tensor([1.12])"
    F.set_printoptions(threshold=5)
    assert F.get_printoptions()["precision"] == 2       # kept
    assert _ours(np.arange(10), D.int64) == "tensor([0, 1, 2,  ..., 7, 8, 9])"
    F.set_printoptions(profile="default")
    assert _ours([1.12345], D.float32) == "tensor([1.1235])"
    assert _ours(np.arange(10), D.int64) == "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])"
    F.set_printoptions(profile="full")
    assert F.get_printoptions()["threshold"] == math.inf
    assert "..." not in _ours(np.arange(2000), D.int64)
    F.set_printoptions(profile="short")
    assert F.get_printoptions() == {
        "precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80, "sci_mode": None}
    F.set_printoptions(sci_mode=True)
    assert _ours([1.0, 2.0], D.float32) == "tensor([1.00e+00, 2.00e+00])"
    # like torch, leaving sci_mode out resets it to automatic
    F.set_printoptions(precision=4)
    assert F.get_printoptions()["sci_mode"] is None
    assert _ours([1.0, 2.0], D.float32) == "tensor([1., 2.])"


def test_printoptions_context_manager_restores():
    with F.printoptions(precision=1, sci_mode=False):
        assert _ours([1e-5, 1.25], D.float32) == "tensor([0.0, 1.2])"
    assert F.get_printoptions()["precision"] == 4
    assert F.get_printoptions()["sci_mode"] is None


def test_per_call_printoptions_do_not_leak():
    assert _ours([1.12345], D.float32, printoptions={"precision": 2}) == "tensor([1.12])"
    assert _ours([1.12345], D.float32) == "tensor([1.1235])"
    assert F.get_printoptions()["precision"] == 4
    assert (_ours(np.arange(10), D.int64, printoptions={"edgeitems": 0, "threshold": 3})
            == "tensor([...], size=(10,))")


OPTION_SETS = [
    {"precision": 2},
    {"precision": 0},
    {"precision": 8},
    {"threshold": 5},
    {"threshold": 5, "edgeitems": 1},
    {"threshold": 0, "edgeitems": 0},
    {"edgeitems": 0},
    {"linewidth": 40},
    {"linewidth": 10},
    {"linewidth": 200},
    {"sci_mode": True},
    {"sci_mode": False},
    {"profile": "short"},
    {"profile": "full"},
    {"profile": "short", "precision": 6, "sci_mode": True},
]


@pytest.mark.parametrize("opts", OPTION_SETS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
@pytest.mark.parametrize("name", ["n3", "n2x3x4", "n40x40", "n3x100", "n1001", "mixed_magnitudes",
                                  "nan_inf_mix", "ints_long_row", "bool_2d", "f64_long_row",
                                  "scalar_f32", "empty_0x3"])
def test_printoptions_match_torch(opts, name):
    arr, dtype = TORCH_CASES[name]
    rg = dtype.is_floating_point
    expected = _torch_repr(arr, dtype, rg, printoptions=opts)
    assert _ours(arr, dtype, requires_grad=rg, printoptions=opts) == expected
    with F.printoptions(**opts):
        assert _ours(arr, dtype, requires_grad=rg) == expected


# ---------------------------------------------------------------------------
# Seeded random sweep against torch: shapes, magnitudes, specials, options.

def _random_values(rng, shape, dtype):
    if dtype is D.bool_:
        return rng.random(shape) < 0.5
    if not dtype.is_floating_point:
        hi = 10 ** int(rng.integers(1, 9))
        return rng.integers(-hi, hi, shape)
    kind = int(rng.integers(6))
    if kind == 0:
        a = rng.standard_normal(shape)
    elif kind == 1:
        a = rng.standard_normal(shape) * 10.0 ** rng.integers(-12, 12, shape)
    elif kind == 2:
        a = rng.integers(-1000, 1000, shape).astype(float)
    elif kind == 3:
        a = rng.standard_normal(shape) * 10.0 ** int(rng.integers(-8, 9))
    elif kind == 4:
        a = rng.integers(-3, 3, shape) * 0.5
    else:
        a = rng.standard_normal(shape)
        m = rng.random(shape)
        a[m < 0.1] = NAN
        a[(m >= 0.1) & (m < 0.2)] = INF
        a[(m >= 0.2) & (m < 0.3)] = -INF
        a[(m >= 0.3) & (m < 0.4)] = -0.0
    if dtype is D.float16:
        a = np.clip(a, -60000, 60000)
    return a


def test_random_sweep_matches_torch():
    _torch()
    rng = np.random.default_rng(20240601)
    option_values = [("precision", [0, 2, 6]), ("threshold", [0, 5, 100]), ("edgeitems", [0, 1, 2]),
                     ("linewidth", [10, 40, 120]), ("sci_mode", [True, False]),
                     ("profile", ["short", "full"])]
    mismatches = []
    for _ in range(600):
        ndim = int(rng.integers(0, 5))
        shape = tuple(int(s) for s in rng.integers(0, 7 if ndim > 1 else 30, ndim))
        dtype = ALL_DTYPES[int(rng.integers(len(ALL_DTYPES)))]
        arr = np.asarray(_random_values(rng, shape, dtype)).astype(dtype.numpy)
        opts = None
        if rng.random() < 0.3:
            opts = {k: vals[int(rng.integers(len(vals)))] for k, vals in option_values
                    if rng.random() < 0.3}
        rg = dtype.is_floating_point and bool(rng.random() < 0.5)
        expected = _torch_repr(arr, dtype, rg, printoptions=opts)
        got = F.tensor_repr(arr, dtype, requires_grad=rg, printoptions=opts)
        if got != expected:
            mismatches.append((dtype, shape, opts, expected, got))
    assert not mismatches, mismatches[:3]


def test_values_are_read_as_dtype():
    # float64 input printed as float32 shows float32's rounding, as torch would
    assert F.tensor_repr(np.array([0.1, 16777217.0]), D.float32) == "tensor([1.0000e-01, 1.6777e+07])"
    assert F.tensor_repr([1, 2], D.float32) == "tensor([1., 2.])"


def test_large_tensor_is_fast():
    arr = np.random.default_rng(0).standard_normal((1000, 1000)).astype(np.float32)
    text = F.tensor_repr(arr, D.float32)
    assert text.count("\n") == 6 and "..." in text
