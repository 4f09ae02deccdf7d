"""Large tensors round-trip through Upload/Download bit-exactly."""
from __future__ import annotations

import numpy as np
import pytest

import gradwire

pytestmark = pytest.mark.timeout(300)


def _roundtrip(gw, array):
    t = gw.from_numpy(array)
    assert t.shape == array.shape and t.dtype.numpy == array.dtype
    back = t.numpy()
    assert back.dtype == array.dtype and back.shape == array.shape
    assert back.tobytes() == array.tobytes()
    return t


def test_64_mib_roundtrip(gw):
    rng = np.random.default_rng(0)
    array = rng.standard_normal(8 << 20)  # float64: 64 MiB
    array[:4] = [np.nan, -0.0, np.inf, -np.inf]
    t = _roundtrip(gw, array)
    # and it is a real tensor on the server: ops run on it
    assert (t * 1).dtype is gw.float64


def test_1_gib_float32_roundtrip(server):
    gradwire.disconnect()
    gradwire.connect(server.address)
    try:
        array = np.arange(1 << 28, dtype=np.uint32).view(np.float32)  # every bit pattern position differs
        _roundtrip(gradwire, array)
    finally:
        gradwire.disconnect()


def test_chunked_result_of_an_op_downloads(gw):
    x = gw.ones(1 << 20, dtype=gw.float64)  # 8 MiB result: more than one inline payload
    y = (x * 3).detach()
    values = y.numpy()
    assert values.shape == (1 << 20,) and np.all(values == 3.0)
