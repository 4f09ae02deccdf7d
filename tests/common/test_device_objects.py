"""gradwire.device and Tensor.to's argument forms, against torch.device where torch is installed
(its CPU build constructs cuda devices too)."""
from __future__ import annotations

import pytest

from gradwire.common import dtypes as D
from gradwire.common.devices import device, device_str, parse_to

pytestmark = pytest.mark.timeout(30)

CASES = [("cpu",), ("cuda",), ("cuda:0",), ("cuda:1",), ("cuda", 0), ("cuda", 3), ("cpu", 0), (0,), (2,)]
EXPECTED = {
    ("cpu",): ("device(type='cpu')", "cpu", "cpu", None),
    ("cuda",): ("device(type='cuda')", "cuda", "cuda", None),
    ("cuda:0",): ("device(type='cuda', index=0)", "cuda:0", "cuda", 0),
    ("cuda:1",): ("device(type='cuda', index=1)", "cuda:1", "cuda", 1),
    ("cuda", 0): ("device(type='cuda', index=0)", "cuda:0", "cuda", 0),
    ("cuda", 3): ("device(type='cuda', index=3)", "cuda:3", "cuda", 3),
    ("cpu", 0): ("device(type='cpu', index=0)", "cpu:0", "cpu", 0),
    (0,): ("device(type='cuda', index=0)", "cuda:0", "cuda", 0),
    (2,): ("device(type='cuda', index=2)", "cuda:2", "cuda", 2),
}


@pytest.mark.parametrize("args", CASES)
def test_device_repr_str_type_index(args):
    d = device(*args)
    assert (repr(d), str(d), d.type, d.index) == EXPECTED[args]
    assert d == str(d) and d == device(str(d)) and hash(d) == hash(device(str(d)))
    assert device(d) == d


@pytest.mark.parametrize("args", [c for c in CASES if isinstance(c[0], str)])  # device(0) needs torch to see a GPU
def test_device_matches_torch(args):
    torch = pytest.importorskip("torch")
    t = torch.device(*args)
    d = device(*args)
    assert (repr(d), str(d), d.type, d.index) == (repr(t), str(t), t.type, t.index)


def test_device_equality():
    assert device("cuda:0") != device("cuda") and device("cuda:0") != "cpu" and device("cpu") == "cpu"
    assert device("cuda:1") != "not a device"


@pytest.mark.parametrize("bad, exc, text", [
    ("gpu", RuntimeError, ("Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, maia, xla, lazy, vulkan, "
                             "mps, meta, hpu, mtia, privateuseone device type at start of device string: gpu")),
    ("cuda:1", RuntimeError, "type (string) must not include an index because index was passed explicitly: cuda:1"),
    ("cuda:-1", RuntimeError, "Invalid device string: 'cuda:-1'"),
    ("cuda:x", RuntimeError, "Invalid device string: 'cuda:x'"),
    ("", RuntimeError, "Device string must not be empty"),
])
def test_device_errors(bad, exc, text):
    args = (bad, 1) if "explicitly" in text else (bad,)
    with pytest.raises(exc) as info:
        device(*args)
    assert str(info.value) == text


def test_device_str_gives_a_tensors_device():
    assert [device_str(x) for x in ("cpu", "cuda", "cuda:2", device("cuda"), device("cuda", 1), 0)] == [
        "cpu", "cuda:0", "cuda:2", "cuda:0", "cuda:1", "cuda:0"]


def _attrs(x):
    return ("cuda:1", D.float64) if x == "TENSOR" else None


@pytest.mark.parametrize("args, kwargs, expected", [
    ((D.float64,), {}, (None, D.float64, False)),
    (("cuda",), {}, ("cuda:0", None, False)),
    (("cuda:1", D.float16), {}, ("cuda:1", D.float16, False)),
    ((device("cpu"),), {"dtype": D.int64}, ("cpu", D.int64, False)),
    ((), {"device": "cuda", "dtype": D.float32, "copy": True}, ("cuda:0", D.float32, True)),
    (("TENSOR",), {}, ("cuda:1", D.float64, False)),
    ((D.float32, False, True), {}, (None, D.float32, True)),
    (("cpu", D.float32, False, True), {}, ("cpu", D.float32, True)),
    ((None, D.float32), {}, (None, D.float32, False)),
])
def test_parse_to_reads_the_three_forms(args, kwargs, expected):
    assert parse_to(args, kwargs, _attrs) == expected


def test_parse_to_rejects_garbage():
    with pytest.raises(TypeError, match="to\\(\\) received an invalid combination of arguments"):
        parse_to((1.5,), {}, _attrs)
    with pytest.raises(TypeError, match="unexpected keyword 'colour'"):
        parse_to((), {"colour": "red"}, _attrs)
