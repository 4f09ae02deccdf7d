"""engine/ops/extra_ops2.py and the new random fills on the engine itself: exact values, views, errors."""
from __future__ import annotations

import numpy as np
import pytest

import gradwire.engine as E

pytestmark = pytest.mark.timeout(60)
OP = E.OPS


def test_unique_consecutive_rows_and_flat():
    x = E.tensor([[1, 2], [1, 2], [0, 0], [1, 2]])
    vals, inv, counts = OP["unique_consecutive"](x, True, True, 0)
    assert vals.tolist() == [[1, 2], [0, 0], [1, 2]] and inv.tolist() == [0, 0, 1, 2] and counts.tolist() == [2, 1, 1]
    vals, inv = OP["unique_consecutive"](x, return_inverse=True)
    assert vals.tolist() == [1, 2, 1, 2, 0, 1, 2] and inv.shape == (4, 2)
    with pytest.raises(RuntimeError, match="unique cannot be applied"):
        OP["unique_consecutive"](E.zeros(2, 0), dim=0)


def test_histogram_edges_and_density():
    h, edges = OP["histogram"](E.tensor([0.5, 1.5, 1.5, 9.0]), 2, range=(0.0, 2.0))
    assert h.tolist() == [1.0, 2.0] and edges.tolist() == [0.0, 1.0, 2.0]  # 9.0 lies outside
    h, _ = OP["histogram"](E.tensor([0.0, 1.0, 3.0], dtype=E.float64), E.tensor([0.0, 2.0, 4.0], dtype=E.float64),
                           density=True)
    assert h.tolist() == [2 / 6, 1 / 6]
    with pytest.raises(NotImplementedError, match="histogramdd"):
        OP["histogram"](E.tensor([1, 2]), 2)


def test_vander_gradient_and_double_backward():
    x = E.tensor([2.0, -1.0], dtype=E.float64, requires_grad=True)
    v = OP["vander"](x, 3)  # [x^2, x, 1]
    assert v.tolist() == [[4.0, 2.0, 1.0], [1.0, -1.0, 1.0]] and v.grad_fn.name() == "FlipBackward0"
    (g,) = E.autograd.grad(v.sum(), x, create_graph=True)
    assert g.tolist() == [5.0, -1.0]  # 2x + 1
    (gg,) = E.autograd.grad(g.sum(), x)
    assert gg.tolist() == [2.0, 2.0]


def test_as_strided_is_a_view_of_the_storage():
    base = E.arange(8.0)
    v = OP["as_strided"](base[2:], (2, 2), (3, 1))  # offset: base[2:]'s own (2)
    assert v.tolist() == [[2.0, 3.0], [5.0, 6.0]] and v.storage_offset() == 2 and v.stride() == (3, 1)
    v.mul_(10)
    assert base.tolist() == [0.0, 1.0, 20.0, 30.0, 4.0, 50.0, 60.0, 7.0] and base._version == v._version
    with pytest.raises(RuntimeError, match="out of bounds for storage of size 32"):
        OP["as_strided"](base, (3,), (4,), 0)


def test_as_strided_overlapping_gradient_sums():
    x = E.arange(4.0, dtype=E.float64, requires_grad=True)
    y = OP["as_strided"](x, (3, 2), (1, 1))  # windows [0,1], [1,2], [2,3]
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 2.0, 2.0, 1.0]


@pytest.mark.filterwarnings("ignore:index_reduce")
def test_index_reduce_mean_integers_floor():
    out = OP["index_reduce"](E.tensor([10, 1]), 0, E.tensor([0, 0]), E.tensor([1, 2]), "mean")
    assert out.tolist() == [4, 1]  # (10 + 1 + 2) // 3
    with pytest.raises(IndexError, match="index out of range in self"):
        OP["index_reduce"](E.ones(2), 0, E.tensor([2]), E.ones(1), "amax")


def test_graph_task_outside_backward():
    assert OP["autograd.graph_task"](E.ones(1, requires_grad=True)) == [-1, 0]


def test_interpolate_matrices():
    x = E.arange(6.0, dtype=E.float64).reshape(1, 1, 2, 3)
    same = OP["interpolate"](x, [2, 3], None, "bicubic", False)
    assert same.tolist() == x.tolist()  # the cubic weights at the sample points are (0, 1, 0, 0)
    v = E.arange(8.0, dtype=E.float64).reshape(1, 1, 2, 2, 2)
    out = OP["interpolate"](v, [4, 4, 4], [2.0, 2.0, 2.0], "nearest-exact", False)
    assert np.array_equal(out.numpy()[0, 0, ::2, ::2, ::2], v.numpy()[0, 0])
    area = OP["interpolate"](v, [1, 1, 2], None, "area", False)
    assert area.flatten().tolist() == [3.0, 4.0] and area.grad_fn is None


@pytest.mark.parametrize("op, args", [("exponential_", (3.0,)), ("geometric_", (0.4,)), ("log_normal_", ()),
                                      ("cauchy_", ())])
def test_fills_record_a_zero_gradient(op, args):
    x = E.ones(4, requires_grad=True)
    y = getattr(x * 2, op)(*args)
    assert y.grad_fn.name() == op.title().replace("_", "") + "Backward0"
    y.sum().backward()
    assert x.grad.tolist() == [0.0] * 4
