"""Creation ops: shapes, dtype inference, values, seeding, requires_grad/device handling and torch's errors."""
import pytest

import gradwire.engine as E

pytestmark = pytest.mark.timeout(60)


def _raises(exc, text, fn):
    with pytest.raises(exc) as info:
        fn()
    assert str(info.value) == text


def test_filled_and_like():
    assert E.zeros(2, 3).tolist() == [[0.0] * 3] * 2 and E.ones((2,)).dtype is E.float32
    assert E.empty([2, 2]).shape == (2, 2) and E.zeros(()).shape == ()
    assert E.full((2,), 3).dtype is E.int64 and E.full((2,), True).dtype is E.bool_
    assert E.full((2,), 3.0).tolist() == [3.0, 3.0] and E.full((2,), 1.5, dtype=E.int64).tolist() == [1, 1]
    x = E.ones(2, dtype=E.int32)
    assert E.empty_like(x).dtype is E.int32 and E.full_like(x, 2.7).tolist() == [2, 2]
    assert E.zeros_like(E.ones(2), dtype=E.int64).dtype is E.int64
    t = E.ones_like(E.ones(2), requires_grad=True)
    assert t.requires_grad and t.is_leaf
    assert E.zeros(2, device="cpu").device == "cpu" and E.zeros(2, device=None).device == "cpu"


def test_arange_values_and_dtypes():
    assert E.arange(5).tolist() == [0, 1, 2, 3, 4] and E.arange(5).dtype is E.int64
    assert E.arange(1, 4).tolist() == [1, 2, 3] and E.arange(5, 0, -1).tolist() == [5, 4, 3, 2, 1]
    r = E.arange(0, 1, 0.1)
    assert r.dtype is E.float32 and r.shape == (10,)
    assert E.arange(0, 1, 0.1, dtype=E.float64).tolist()[3] == 0.30000000000000004
    assert E.arange(1.5).tolist() == [0.0, 1.0] and E.arange(0.5, 3, dtype=E.int64).tolist() == [0, 1, 2]
    assert E.arange(0, 1, 0.3).shape == (4,) and E.arange(0).shape == (0,)
    assert E.arange(0, 2**62, 2**60).tolist()[-1] == 3 * 2**60
    assert E.arange(3.0, requires_grad=True).requires_grad
    assert E.arange(E.tensor(3)).tolist() == [0, 1, 2]


def test_linspace_eye():
    assert E.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert E.linspace(0, 10, 5, dtype=E.int64).tolist() == [0, 2, 5, 7, 10]
    assert E.linspace(-5, 5, 4, dtype=E.int32).tolist() == [-5, -1, 1, 5]
    assert E.linspace(0, 1, 1).tolist() == [0.0] and E.linspace(0, 1, 0).shape == (0,)
    assert E.linspace(3, 1, 4).tolist() == pytest.approx([3.0, 2.3333333, 1.6666667, 1.0], rel=1e-6)
    assert E.eye(2, 3).tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]] and E.eye(3, 0).shape == (3, 0)
    assert E.eye(2, dtype=E.bool_).tolist() == [[True, False], [False, True]]


def test_random_ops_seeded_and_ranges():
    E.manual_seed(7)
    a = (E.rand(100), E.randn(3), E.randint(0, 10, (50,)), E.randint(5, (4,)))
    E.manual_seed(7)
    b = (E.rand(100), E.randn(3), E.randint(0, 10, (50,)), E.randint(5, (4,)))
    for x, y in zip(a, b):
        assert x.tolist() == y.tolist()
    u = a[0].numpy()
    assert a[0].dtype is E.float32 and (u >= 0).all() and (u < 1).all() and u.std() > 0.1
    ri = a[2].numpy()
    assert a[2].dtype is E.int64 and ri.min() >= 0 and ri.max() < 10 and len(set(ri.tolist())) > 3
    assert E.randint(-3, 0, (20,)).numpy().max() < 0
    assert E.randint(0, 5, (2,), dtype=E.float32).dtype is E.float32
    assert E.randint(3, (2,), dtype=E.float32, requires_grad=True).requires_grad
    x = E.ones(2, 3, dtype=E.float64)
    assert E.rand_like(x).dtype is E.float64 and E.randn_like(x).shape == (2, 3)
    r = E.randint_like(E.ones(2, dtype=E.int32), 3, 5)
    assert r.dtype is E.int32 and set(r.tolist()) <= {3, 4}
    assert E.randint_like(E.ones(4), 5).dtype is E.float32
    assert E.rand(3, dtype=E.float16).dtype is E.float16


def test_wire_registry_and_namespace():
    for name in ("arange", "linspace", "eye", "rand", "randint", "empty", "empty_like", "rand_like", "randint_like",
                 "sigmoid", "clamp", "eq", "logical_and", "where", "relu", "gelu", "maximum"):
        assert name in E.OPS and callable(getattr(E, name))
    assert E.OPS["arange"](3).tolist() == [0, 1, 2]


def test_creation_errors():
    ne = "Only Tensors of floating point and complex dtype can require gradients"
    _raises(RuntimeError, "zeros: Dimension size must be non-negative.", lambda: E.zeros(2, -3))
    _raises(RuntimeError, "Trying to create tensor with negative dimension -1: [2, -1]", lambda: E.ones(2, -1))
    _raises(RuntimeError, "Trying to create tensor with negative dimension -2: [-2]", lambda: E.empty(-2))
    _raises(RuntimeError, "Trying to create tensor with negative dimension -1: [-1]", lambda: E.rand(-1))
    _raises(RuntimeError, "Trying to create tensor with negative dimension -1: [2, -1]", lambda: E.randn(2, -1))
    _raises(RuntimeError, "Trying to create tensor with negative dimension -1: [-1]", lambda: E.randint(3, (-1,)))
    _raises(RuntimeError, ne, lambda: E.zeros(2, dtype=E.int64, requires_grad=True))
    _raises(RuntimeError, ne, lambda: E.arange(3, requires_grad=True))
    _raises(RuntimeError, ne, lambda: E.randint(5, (2,), requires_grad=True))
    _raises(RuntimeError, ne, lambda: E.zeros_like(E.ones(2, dtype=E.int64), requires_grad=True))
    _raises(RuntimeError, "step must be nonzero", lambda: E.arange(0, 5, 0))
    _raises(RuntimeError, "upper bound and lower bound inconsistent with step sign", lambda: E.arange(5, 0, 1))
    _raises(RuntimeError, "upper bound and lower bound inconsistent with step sign", lambda: E.arange(-1))
    _raises(RuntimeError, "unsupported range: 0 -> nan", lambda: E.arange(float("nan")))
    _raises(RuntimeError, "unsupported range: 0 -> inf", lambda: E.arange(float("inf")))
    _raises(RuntimeError, "number of steps must be non-negative", lambda: E.linspace(0, 1, -1))
    _raises(NotImplementedError, "\"linspace_cpu\" not implemented for 'Bool'", lambda: E.linspace(0, 1, 3,
                                                                                                   dtype=E.bool_))
    _raises(RuntimeError, "n must be greater or equal to 0, got -1", lambda: E.eye(-1))
    _raises(RuntimeError, "m must be greater or equal to 0, got -1", lambda: E.eye(2, -1))
    _raises(TypeError, "eye(): argument 'n' (position 1) must be int, not float", lambda: E.eye(2.5))
    _raises(NotImplementedError, "\"check_uniform_bounds\" not implemented for 'Long'",
            lambda: E.rand(2, dtype=E.int64))
    _raises(NotImplementedError, "\"check_uniform_bounds\" not implemented for 'Long'",
            lambda: E.rand_like(E.ones(2, dtype=E.int64)))
    _raises(RuntimeError, "random_ expects 'from' to be less than 'to', but got from=5 >= to=5",
            lambda: E.randint(5, 5, (2,)))
    _raises(RuntimeError, "to - 1 is out of bounds for bool", lambda: E.randint(5, (2,), dtype=E.bool_))
    _raises(TypeError, "randint(): argument 'high' (position 1) must be int, not float", lambda: E.randint(2.5, (2,)))
    _raises(TypeError, "zeros(): argument 'size' (position 1) must be tuple of ints, not float", lambda: E.zeros(2.5))
    _raises(TypeError, "zeros(): argument 'size' failed to unpack the object at pos 2 with error \"type must be "
            "tuple of ints,but got float\"", lambda: E.zeros((2, 2.5)))
    _raises(TypeError, "full(): argument 'size' (position 1) must be tuple of ints, not int", lambda: E.full(2, 1.0))
    _raises(RuntimeError, "Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, maia, xla, "
            "lazy, vulkan, mps, meta, hpu, mtia, privateuseone device type at start of device string: foo",
            lambda: E.zeros(2, device="foo"))


def test_against_torch():
    torch = pytest.importorskip("torch")
    cases = [
        lambda m: m.arange(0, 1, 0.1), lambda m: m.arange(-2.5, 3.7, 0.7), lambda m: m.arange(10.0, dtype=m.float16),
        lambda m: m.arange(7, -3, -2), lambda m: m.linspace(0.1, 0.7, 7), lambda m: m.linspace(-3, 11, 9),
        lambda m: m.linspace(0, 10, 7, dtype=m.int64), lambda m: m.linspace(0.0, 1.0, 4, dtype=m.float64),
        lambda m: m.eye(3, 4, dtype=m.int32), lambda m: m.full((2, 2), 7), lambda m: m.full((2,), -1.25),
    ]
    for fn in cases:
        ours, ref = fn(E), fn(torch)
        assert ours.dtype.name == str(ref.dtype).replace("torch.", "")
        assert ours.tolist() == ref.tolist()
