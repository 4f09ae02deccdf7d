"""gradwire.save / gradwire.load: checkpoints in a safe format (no pickle).

A checkpoint is a zip archive (stdlib ``zipfile``, entries stored
uncompressed, fixed timestamps, so equal inputs give equal bytes)::

    gradwire.json      the manifest: UTF-8 JSON, the first entry
    tensors/0.bin      tensor 0's values: raw little-endian, row-major bytes
    tensors/1.bin      ...

The manifest::

    {"format": "gradwire-checkpoint", "version": 1,
     "tensors": [{"dtype": "float32", "shape": [4, 3], "requires_grad": false}, ...],
     "root": NODE}

where NODE is one of::

    {"type": "tensor", "index": i}                 tensors[i]; its bytes are tensors/<i>.bin
    {"type": "none"}
    {"type": "bool",  "value": true}
    {"type": "int",   "value": 3}
    {"type": "float", "value": 0.5}                or "nan", "inf", "-inf" (JSON has none of them)
    {"type": "str",   "value": "weight"}
    {"type": "list" | "tuple", "items": [NODE, ...]}
    {"type": "dict" | "OrderedDict", "items": [[KEY, NODE], ...]}   KEY: a none/bool/int/float/str NODE
    {"type": "size", "items": [3, 4]}              a torch.Size
    {"type": "dtype", "value": "float32"}          a dtype (one of those below)
    {"type": "device", "value": "cuda:0"}

A tensor's entry may say "parameter": true: it loads as an nn.Parameter.

dtype is one of float16, float32, float64, uint8, int8, int16, int32, int64, bool (bool: one byte,
0 or 1). A tensor that appears twice in the saved object is stored once and
loads as one tensor. Reading a checkpoint parses JSON and copies bytes into
arrays of a known dtype, nothing else: a file cannot make ``load`` run code,
and anything outside the grammar above is rejected with a RuntimeError.
"""
from __future__ import annotations

import json
import math
import os
import zipfile
import zlib
from collections import OrderedDict

import numpy as np

from gradwire.common import dtypes

from ._creation import tensor as _new_tensor
from gradwire.common.devices import CUDA_UNAVAILABLE, device_str

from gradwire.common.shapes import Size

from .tensor import Tensor, device


def _parameter_class():
    from .nn.parameter import Parameter  # noqa: PLC0415 - nn imports this module's package
    return Parameter

__all__ = ["save", "load"]

FORMAT = "gradwire-checkpoint"
VERSION = 1
MANIFEST = "gradwire.json"
MAX_MANIFEST_BYTES = 64 << 20
_DATE = (1980, 1, 1, 0, 0, 0)  # zip's epoch: checkpoints do not depend on when they were written
_SCALARS = {type(None): "none", bool: "bool", int: "int", float: "float", str: "str"}
_CONTAINERS = {list: "list", tuple: "tuple", dict: "dict", OrderedDict: "OrderedDict"}


def _data_name(index: int) -> str:
    return f"tensors/{index}.bin"


# ----- save ---------------------------------------------------------------------------------------


def _encode(obj, tensors: list, memo: dict):
    """The manifest node of ``obj``; appends the tensors it meets to ``tensors``."""
    if isinstance(obj, Tensor):
        index = memo.get(id(obj))
        if index is None:
            index = memo[id(obj)] = len(tensors)
            tensors.append(obj)
        return {"type": "tensor", "index": index}
    kind = _SCALARS.get(type(obj))
    if kind == "none":
        return {"type": kind}
    if kind == "float" and not math.isfinite(obj):
        return {"type": kind, "value": repr(obj)}  # 'nan', 'inf', '-inf'
    if kind is not None:
        return {"type": kind, "value": obj}
    if isinstance(obj, Size):
        return {"type": "size", "items": [int(n) for n in obj]}
    if isinstance(obj, dtypes.DType):
        return {"type": "dtype", "value": obj.name}
    if isinstance(obj, device):
        return {"type": "device", "value": str(obj)}
    kind = _CONTAINERS.get(type(obj))
    if kind in ("list", "tuple"):
        return {"type": kind, "items": [_encode(v, tensors, memo) for v in obj]}
    if kind is not None:
        items = []
        for k, v in obj.items():
            if type(k) not in _SCALARS:
                raise TypeError(f"gradwire.save: dict keys must be str, int, float, bool or None, not "
                                f"{type(k).__name__}")
            items.append([_encode(k, tensors, memo), _encode(v, tensors, memo)])
        return {"type": kind, "items": items}
    raise TypeError(f"gradwire.save: cannot save an object of type {type(obj).__name__}; a checkpoint holds "
                    "tensors, and dicts, lists and tuples of tensors, str, int, float, bool and None")


def _entry(name: str, size: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_DATE)
    info.compress_type = zipfile.ZIP_STORED
    info.file_size = size  # lets zipfile pick zip64 for entries over 2 GiB
    return info


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False) -> None:
    """Save ``obj`` (a tensor, or a state dict and the like) to ``f``: a path or a binary file object.

    Reads each tensor's values from the server (one sync point per tensor). torch's pickle options
    are accepted and have no effect: nothing is pickled.
    """
    tensors: list[Tensor] = []
    root = _encode(obj, tensors, {})  # before opening f: an unsavable object leaves the file alone
    manifest = {"format": FORMAT, "version": VERSION,
                "tensors": [_spec(t) for t in tensors],
                "root": root}
    text = json.dumps(manifest, allow_nan=False).encode()
    if isinstance(f, (str, os.PathLike)):
        f = os.fspath(f)
    with zipfile.ZipFile(f, "w") as zf:
        with zf.open(_entry(MANIFEST, len(text)), "w") as out:
            out.write(text)
        for i, t in enumerate(tensors):
            array = t.detach().numpy(force=True)
            array = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).reshape(-1).view(np.uint8)
            with zf.open(_entry(_data_name(i), array.nbytes), "w") as out:
                out.write(array)


def _spec(t: Tensor) -> dict:
    spec = {"dtype": t.dtype.name, "shape": list(t.shape), "requires_grad": t.requires_grad}
    if isinstance(t, _parameter_class()):
        spec["parameter"] = True
    if t._device != "cpu":  # where load puts it back (unless map_location says otherwise)
        spec["device"] = t._device
    return spec


# ----- load ---------------------------------------------------------------------------------------


class _Invalid(Exception):
    """A checkpoint that breaks the format; load turns it into a RuntimeError naming the file."""


def _check(ok: bool, what: str) -> None:
    if not ok:
        raise _Invalid(what)


def _is_int(v) -> bool:
    return type(v) is int


class _Reader:
    def __init__(self, zf: zipfile.ZipFile, manifest: dict, map_location=None):
        self.map_location = map_location
        self.zf = zf
        _check(isinstance(manifest, dict) and manifest.get("format") == FORMAT, "the manifest is not a "
               "gradwire manifest")
        version = manifest.get("version")
        _check(_is_int(version), "the manifest has no format version")
        if version > VERSION:
            raise _Invalid(f"it has format version {version}; this gradwire reads version {VERSION} and older, "
                           "upgrade gradwire to load it")
        specs = manifest.get("tensors")
        _check(isinstance(specs, list), "the manifest's 'tensors' is not a list")
        self.specs = specs
        self.loaded: dict[int, Tensor] = {}
        self.root = manifest.get("root")

    def tensor(self, index) -> Tensor:
        _check(_is_int(index) and 0 <= index < len(self.specs), f"tensor index {index!r} is out of range")
        if index in self.loaded:
            return self.loaded[index]
        spec = self.specs[index]
        _check(isinstance(spec, dict), f"tensor {index}'s entry is not an object")
        dtype = dtypes.DTYPES.get(spec.get("dtype")) if isinstance(spec.get("dtype"), str) else None
        _check(dtype is not None, f"tensor {index} has an unknown dtype {spec.get('dtype')!r}")
        shape = spec.get("shape")
        _check(isinstance(shape, list) and all(_is_int(s) and s >= 0 for s in shape),
               f"tensor {index} has an invalid shape {shape!r}")
        requires_grad = spec.get("requires_grad", False)
        _check(type(requires_grad) is bool and (dtype.is_floating_point or not requires_grad),
               f"tensor {index} has an invalid requires_grad {requires_grad!r}")
        name = _data_name(index)
        nbytes = math.prod(shape) * dtype.numpy.itemsize
        try:
            info = self.zf.getinfo(name)
        except KeyError:
            raise _Invalid(f"the entry {name} is missing") from None
        _check(info.file_size == nbytes, f"{name} holds {info.file_size} bytes; dtype {dtype.name} and shape "
               f"{shape} need {nbytes}")
        data = self.zf.read(info)
        _check(len(data) == nbytes, f"{name} is truncated")
        if dtype is dtypes.bool_:
            array = np.frombuffer(data, np.uint8) != 0  # any nonzero byte is True, as numpy's bool is 0/1
        else:
            array = np.frombuffer(data, dtype.numpy.newbyteorder("<")).astype(dtype.numpy, copy=False)
        saved = spec.get("device", "cpu")
        try:
            saved = device_str(saved)
        except (RuntimeError, TypeError):
            raise _Invalid(f"tensor {index} has an invalid device {saved!r:.40}") from None
        t = _new_tensor(array.reshape(shape), dtype=dtype, requires_grad=requires_grad,
                        device=_target_device(self.map_location, saved))
        parameter = spec.get("parameter", False)
        _check(type(parameter) is bool, f"tensor {index} has an invalid parameter flag {parameter!r}")
        if parameter:
            t = _parameter_class()(t, requires_grad=requires_grad)
        self.loaded[index] = t
        return t

    def node(self, node, key: bool = False):
        _check(isinstance(node, dict), f"expected an object in the manifest, found {node!r:.80}")
        kind = node.get("type")
        value = node.get("value")
        if kind == "none":
            return None
        if kind == "bool" and type(value) is bool:
            return value
        if kind == "int" and _is_int(value):
            return value
        if kind == "float" and (type(value) in (int, float) or value in ("nan", "inf", "-inf")):
            return float(value)
        if kind == "str" and isinstance(value, str):
            return value
        if kind == "dtype" and isinstance(value, str) and value in dtypes.DTYPES:
            return dtypes.DTYPES[value]
        if kind == "device" and isinstance(value, str):
            try:
                return device(value)
            except (RuntimeError, TypeError, ValueError):
                raise _Invalid(f"invalid device {value!r:.40}") from None
        _check(not key, f"dict keys must be none, bool, int, float or str nodes, found {kind!r:.80}")
        items = node.get("items")
        if kind == "size" and isinstance(items, list) and all(_is_int(n) and n >= 0 for n in items):
            return Size(items)
        if kind in ("list", "tuple") and isinstance(items, list):
            values = [self.node(v) for v in items]
            return values if kind == "list" else tuple(values)
        if kind in ("dict", "OrderedDict") and isinstance(items, list):
            _check(all(isinstance(kv, list) and len(kv) == 2 for kv in items), f"{kind} items must be pairs")
            out = {} if kind == "dict" else OrderedDict()
            for k, v in items:
                out[self.node(k, key=True)] = self.node(v)
            return out
        if kind == "tensor":
            return self.tensor(node.get("index"))
        raise _Invalid(f"unexpected node {node!r:.120}")


def _check_map_location(map_location) -> None:
    """A location is a device (str or gradwire.device) or a dict of them; CUDA ones need a server with a GPU."""
    if map_location is None:
        return
    if isinstance(map_location, dict):
        for target in map_location.values():
            _check_map_location(target)
        return
    if not isinstance(map_location, (str, device)):
        raise TypeError(f"gradwire.load: map_location must be None, a str, a gradwire.device or a dict, not "
                        f"{type(map_location).__name__}")
    if device(map_location).type != "cpu":
        from . import cuda  # noqa: PLC0415
        if not cuda.is_available():
            raise RuntimeError(CUDA_UNAVAILABLE)


def _target_device(map_location, saved: str) -> str:
    """Where a tensor saved on ``saved`` goes: map_location's answer, else back where it was."""
    if isinstance(map_location, dict):
        target = map_location.get(saved, saved)
    else:
        target = saved if map_location is None else map_location
    return device_str(target)


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None, **pickle_load_args):
    """Load what ``save`` wrote: tensors are uploaded to the current session.

    ``weights_only`` is accepted for torch compatibility; the format holds no
    code, so loading is always as safe as torch's ``weights_only=True``.
    """
    _check_map_location(map_location)
    if isinstance(f, (str, os.PathLike)):
        f = os.fspath(f)
        name = repr(f)
    else:
        name = repr(f.name) if isinstance(getattr(f, "name", None), str) else "the file"
    try:
        with zipfile.ZipFile(f, "r") as zf:
            try:
                info = zf.getinfo(MANIFEST)
            except KeyError:
                raise _Invalid(f"it is a zip archive without {MANIFEST} (files written by torch.save hold pickled "
                               "objects, which gradwire never loads)") from None
            _check(info.file_size <= MAX_MANIFEST_BYTES, f"its manifest is over {MAX_MANIFEST_BYTES} bytes")
            try:
                manifest = json.loads(zf.read(info))
            except (ValueError, RecursionError) as exc:  # bad JSON, bad UTF-8, absurd nesting
                raise _Invalid(f"its manifest is not valid JSON ({exc})") from None
            reader = _Reader(zf, manifest, map_location)
            return reader.node(reader.root)
    except _Invalid as exc:
        raise RuntimeError(f"gradwire.load: {name} is not a valid gradwire checkpoint: {exc}") from None
    except RecursionError:
        raise RuntimeError(f"gradwire.load: {name} is not a valid gradwire checkpoint: it nests too deeply") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise RuntimeError(f"gradwire.load: {name} is not a gradwire checkpoint: failed reading zip archive "
                           f"({exc})") from None
