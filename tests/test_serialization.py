"""gradwire.save / gradwire.load: round trips, and files that must be refused without running anything."""
from __future__ import annotations

import io
import json
import math
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

from gradwire.serialization import load, save

pytestmark = pytest.mark.timeout(60)


def _roundtrip(obj, **load_kwargs):
    buf = io.BytesIO()
    save(obj, buf)
    buf.seek(0)
    return load(buf, **load_kwargs)


def _same_tensor(a, b):
    """a and b: gradwire tensors with equal dtype, shape and bits."""
    assert a.dtype is b.dtype and a.shape == b.shape
    x, y = a.detach().numpy(), b.detach().numpy()
    assert x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes()


# ----- round trips -------------------------------------------------------------------------------------------

SPECIAL = [np.nan, -0.0, np.inf, -np.inf, 5e-324, 1 / 3]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int32", "int64", "bool"])
def test_every_dtype_with_0d_and_empty_tensors(gw, dtype):
    rng = np.random.default_rng(0)
    np_dtype = getattr(gw, dtype).numpy
    if np_dtype.kind == "f":
        matrix = rng.standard_normal((3, 4)).astype(np_dtype)
        matrix.flat[:len(SPECIAL)] = SPECIAL
    elif np_dtype.kind == "b":
        matrix = rng.random((3, 4)) > 0.5
    else:
        info = np.iinfo(np_dtype)
        matrix = rng.integers(info.min, info.max, (3, 4), dtype=np_dtype, endpoint=True)
    arrays = {"matrix": matrix, "scalar": np.array(matrix.reshape(-1)[1]),
              "empty": np.zeros((0,), np_dtype), "empty_2d": np.zeros((2, 0, 3), np_dtype)}
    saved = {k: gw.from_numpy(a) for k, a in arrays.items()}
    loaded = _roundtrip(saved)
    assert type(loaded) is dict and list(loaded) == list(arrays)
    for k, a in arrays.items():
        t = loaded[k]
        assert isinstance(t, gw.Tensor) and t.dtype is getattr(gw, dtype) and t.shape == a.shape
        assert t.numpy().tobytes() == a.tobytes()
        assert not t.requires_grad and t.is_leaf


def test_a_single_tensor_and_requires_grad(gw):
    leaf = gw.tensor([1.5, -2.0], requires_grad=True)
    t = _roundtrip(leaf)
    assert isinstance(t, gw.Tensor) and t.requires_grad and t.is_leaf
    _same_tensor(t, leaf)
    (t * t).sum().backward()  # a real leaf on the server
    assert t.grad.tolist() == [3.0, -4.0]
    # like torch: a non-leaf that requires grad loads as a leaf that requires grad
    out = _roundtrip([leaf * 2, gw.arange(3), leaf.detach()])
    assert [x.requires_grad for x in out] == [True, False, False]
    assert all(x.grad_fn is None for x in out)
    assert out[0].detach().tolist() == [3.0, -4.0]


def test_linear_state_dict_into_a_fresh_model(gw):
    gw.manual_seed(0)
    model = gw.nn.Linear(5, 3)
    sd = _roundtrip(model.state_dict())
    assert type(sd) is OrderedDict and list(sd) == ["weight", "bias"]
    fresh = gw.nn.Linear(5, 3)
    assert fresh.weight.detach().numpy().tobytes() != model.weight.detach().numpy().tobytes()
    fresh.load_state_dict(sd)
    _same_tensor(fresh.weight, model.weight)
    _same_tensor(fresh.bias, model.bias)
    x = gw.randn(4, 5)
    assert fresh(x).detach().numpy().tobytes() == model(x).detach().numpy().tobytes()


def test_sequential_state_dict_with_paths(gw, tmp_path):
    model = gw.nn.Sequential(gw.nn.Linear(4, 8), gw.nn.ReLU(), gw.nn.Linear(8, 2))
    for path in (tmp_path / "model.gw", str(tmp_path / "model_str.gw")):  # os.PathLike and str
        save(model.state_dict(), path)
        sd = load(path)
        assert list(sd) == ["0.weight", "0.bias", "2.weight", "2.bias"]
        fresh = gw.nn.Sequential(gw.nn.Linear(4, 8), gw.nn.ReLU(), gw.nn.Linear(8, 2))
        fresh.load_state_dict(sd)
        for (name, a), (_, b) in zip(model.state_dict().items(), fresh.state_dict().items()):
            _same_tensor(a, b)
    # the same object saves to the same bytes (fixed timestamps, stored entries)
    buf = io.BytesIO()
    save(model.state_dict(), buf)
    assert buf.getvalue() == (tmp_path / "model.gw").read_bytes()


def test_nested_structures_keep_key_and_container_types(gw):
    w, m = gw.randn(3), gw.zeros(3)
    optimizer_like = {
        "state": {0: {"step": gw.tensor(7.0), "exp_avg": m}, 1: {}},
        "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False, "foreach": None,
                          "name": "decoder", "params": [0, 1]}],
        "extras": [math.nan, math.inf, -math.inf, -0.0, 2 ** 80, "", "ünïcode", (), [], OrderedDict()],
        "keys": {None: 1, True: 2, 2.5: 3, -4: w, "w": w},
    }
    out = _roundtrip(optimizer_like)
    assert list(out) == list(optimizer_like)
    assert list(out["state"]) == [0, 1] and all(type(k) is int for k in out["state"])
    assert out["state"][0]["step"].item() == 7.0 and out["state"][1] == {}
    _same_tensor(out["state"][0]["exp_avg"], m)
    assert out["param_groups"] == optimizer_like["param_groups"]
    assert type(out["param_groups"][0]["betas"]) is tuple and type(out["param_groups"][0]["params"]) is list
    extras = out["extras"]
    assert math.isnan(extras[0]) and extras[1:3] == [math.inf, -math.inf]
    assert math.copysign(1.0, extras[3]) == -1.0 and extras[4] == 2 ** 80 and type(extras[4]) is int
    assert extras[5:] == ["", "ünïcode", (), [], OrderedDict()] and type(extras[9]) is OrderedDict
    keys = out["keys"]
    assert list(keys) == [None, True, 2.5, -4, "w"] and type(list(keys)[1]) is bool
    assert keys[-4] is keys["w"]  # one tensor saved twice loads as one tensor
    _same_tensor(keys["w"], w)


def test_a_real_optimizer_state_dict(gw):
    model = gw.nn.Linear(3, 2)
    opt = gw.optim.SGD(model.parameters(), lr=0.1)
    model(gw.randn(4, 3)).sum().backward()
    opt.step()
    sd = _roundtrip(opt.state_dict())
    assert sd == opt.state_dict()
    gw.optim.SGD(model.parameters(), lr=0.5).load_state_dict(sd)


def test_shared_tensor_is_stored_once(gw):
    t = gw.ones(4)
    buf = io.BytesIO()
    save({"a": t, "b": [t, t]}, buf)
    assert sorted(zipfile.ZipFile(buf).namelist()) == ["gradwire.json", "tensors/0.bin"]
    buf.seek(0)
    out = load(buf)
    assert out["a"] is out["b"][0] is out["b"][1]


def test_large_tensor_is_chunked_both_ways(gw):
    array = np.random.default_rng(1).standard_normal(3 << 20).astype(np.float32).reshape(3, 1 << 20)  # 12 MiB
    t = _roundtrip(gw.from_numpy(array))
    assert t.shape == (3, 1 << 20) and t.numpy().tobytes() == array.tobytes()
    assert (t.sum(1) - gw.from_numpy(array).sum(1)).abs().max().item() == 0.0  # a real server tensor


def test_format_on_disk(gw):
    buf = io.BytesIO()
    save({"x": gw.tensor([[1, 2]], dtype=gw.int32)}, buf)
    with zipfile.ZipFile(buf) as zf:
        assert zf.namelist() == ["gradwire.json", "tensors/0.bin"]
        assert all(i.compress_type == zipfile.ZIP_STORED for i in zf.infolist())
        manifest = json.loads(zf.read("gradwire.json"))
        assert zf.read("tensors/0.bin") == b"\x01\x00\x00\x00\x02\x00\x00\x00"  # little-endian int32
    assert manifest == {"format": "gradwire-checkpoint", "version": 1,
                        "tensors": [{"dtype": "int32", "shape": [1, 2], "requires_grad": False}],
                        "root": {"type": "dict", "items": [[{"type": "str", "value": "x"},
                                                            {"type": "tensor", "index": 0}]]}}


def test_map_location_and_weights_only(gw):
    t = gw.arange(3)
    for loc in ("cpu", gw.device("cpu"), {"cuda:0": "cpu"}):
        assert _roundtrip(t, map_location=loc).tolist() == [0, 1, 2]
    assert _roundtrip(t, weights_only=False).tolist() == [0, 1, 2]  # always safe, so always allowed
    with pytest.raises(RuntimeError, match=r"CUDA is not available on this gradwire server: install gradwire\[cuda\]"):
        _roundtrip(t, map_location="cuda:0")


def test_unsavable_objects_raise_and_leave_the_file_alone(gw, tmp_path):
    path = tmp_path / "keep.gw"
    save({"w": gw.ones(2)}, path)
    before = path.read_bytes()
    for bad in ({"w": gw.ones(2), "f": object()}, {(1, 2): 3}, {"a": np.ones(2)}, {"s": {1, 2}}):
        with pytest.raises(TypeError, match="gradwire.save"):
            save(bad, path)
        assert path.read_bytes() == before


# ----- files that load must refuse --------------------------------------------------------------------------

class _Exploit:
    """Unpickling this creates the marker file: proof that code ran."""

    marker = None

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_pickles_are_refused_without_running(gw, tmp_path):
    marker = tmp_path / "pwned"
    _Exploit.marker = marker
    payload = pickle.dumps({"weight": _Exploit()})
    assert not marker.exists()
    torch_style = io.BytesIO()  # torch.save's layout: a zip with a pickle inside
    with zipfile.ZipFile(torch_style, "w") as zf:
        zf.writestr("archive/data.pkl", payload)
        zf.writestr("archive/version", "3\n")
    with pytest.raises(RuntimeError, match="is not a gradwire checkpoint: failed reading zip archive"):
        load(io.BytesIO(payload))
    with pytest.raises(RuntimeError, match="not a valid gradwire checkpoint: .*without gradwire.json"):
        load(io.BytesIO(torch_style.getvalue()))
    (tmp_path / "legacy.pt").write_bytes(payload)
    with pytest.raises(RuntimeError, match="legacy.pt.*not a gradwire checkpoint"):
        load(tmp_path / "legacy.pt")
    assert not marker.exists()
    pickle.loads(payload)  # the payload is live: unpickling it does run code
    assert marker.exists()


def _checkpoint(manifest, entries=None):
    """A zip with ``manifest`` (JSON-encoded unless str/bytes) and ``entries``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("gradwire.json", manifest if isinstance(manifest, (str, bytes)) else json.dumps(manifest))
        for name, data in (entries or {}).items():
            zf.writestr(name, data)
    buf.seek(0)
    return buf


def _manifest(root, tensors=(), version=1):
    return {"format": "gradwire-checkpoint", "version": version, "tensors": list(tensors), "root": root}


F32 = {"dtype": "float32", "shape": [2], "requires_grad": False}
T0 = {"type": "tensor", "index": 0}
EIGHT_BYTES = {"tensors/0.bin": b"\0" * 8}
def _nested(depth):
    return json.dumps(_manifest(None)).replace("null", '{"type": "list", "items": [' * depth + "]}" * depth)

MALICIOUS = {
    "object node": (_manifest({"type": "object", "module": "os", "name": "system", "args": ["touch pwned"]}), {}),
    "pickle node": (_manifest({"type": "pickle", "value": "gASVAAAAAAAAAAAu"}), {}),
    "tensor index out of range": (_manifest(T0), {}),
    "negative tensor index": (_manifest({"type": "tensor", "index": -1}, [F32]), EIGHT_BYTES),
    "object dtype": (_manifest(T0, [dict(F32, dtype="object")]), EIGHT_BYTES),
    "numpy dtype string": (_manifest(T0, [dict(F32, dtype="<f4")]), EIGHT_BYTES),
    "negative shape": (_manifest(T0, [dict(F32, shape=[-2])]), EIGHT_BYTES),
    "size mismatch": (_manifest(T0, [dict(F32, shape=[3])]), EIGHT_BYTES),
    "missing tensor entry": (_manifest(T0, [F32]), {}),
    "int requires grad": (_manifest(T0, [dict(F32, dtype="int32", requires_grad=True)]), EIGHT_BYTES),
    "unhashable dict key": (_manifest({"type": "dict", "items": [[{"type": "list", "items": []},
                                                                   {"type": "none"}]]}), {}),
    "bool posing as int": (_manifest({"type": "int", "value": True}), {}),
    "dict items not pairs": (_manifest({"type": "dict", "items": [[{"type": "none"}]]}), {}),
    "manifest not an object": ([1, 2], {}),
    "foreign manifest": ({"format": "safetensors", "version": 1}, {}),
    "newer version": (_manifest({"type": "none"}, version=2), {}),
    "absurd nesting": (_nested(100_000), {}),
}


@pytest.mark.parametrize("case", list(MALICIOUS))
def test_bad_manifests_are_refused(gw, case):
    manifest, entries = MALICIOUS[case]
    with pytest.raises(RuntimeError, match="not a valid gradwire checkpoint"):
        load(_checkpoint(manifest, entries))


def test_broken_files_are_refused(gw):
    with pytest.raises(RuntimeError, match="not a valid gradwire checkpoint: its manifest is not valid JSON"):
        load(_checkpoint(b"{\"format\": \xff"))
    good = io.BytesIO()
    save({"w": gw.ones(64)}, good)
    data = good.getvalue()
    for broken in (b"", b"garbage", data[:len(data) // 2]):
        with pytest.raises(RuntimeError, match="not a gradwire checkpoint"):
            load(io.BytesIO(broken))
    at = data.index(b"\0\0\x80\x3f")  # flip a bit of the tensor's bytes: the CRC check catches it
    corrupt = data[:at] + b"\0\0\x80\x3e" + data[at + 4:]
    with pytest.raises(RuntimeError, match="not a gradwire checkpoint: .*Bad CRC-32"):
        load(io.BytesIO(corrupt))
