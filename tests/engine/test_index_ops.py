"""Indexing: __getitem__ (basic and advanced), __setitem__, index_select, gather, scatter_add, masked_fill,
and the wire form of indices. gradcheck, values, node chains, versions and torch's errors."""
import warnings

import numpy as np
import pytest

import gradwire.engine as E
from gradwire.engine.autograd import gradcheck, gradgradcheck
from gradwire.engine.ops import OPS
from gradwire.engine.ops.index import decode_index, encode_index

pytestmark = pytest.mark.timeout(60)

GEN = E.Generator(seed=5)


def rnd(*shape):
    return E.randn(*shape, dtype=E.float64, generator=GEN).detach().requires_grad_()


def arr(t):
    return t.detach().numpy()


def chain(t):
    out = []
    f = t.grad_fn
    while f is not None and f.name() != "AccumulateGrad":
        out.append(f.name())
        f = f.next_functions[0][0]
    return out


# index -> (shape for a (2, 3, 4) input, node chain from the output back, as torch records it)
L = E.tensor
INDICES = [
    (lambda: 0, (3, 4), ["SelectBackward0"]),
    (lambda: -1, (3, 4), ["SelectBackward0"]),
    (lambda: slice(None), (2, 3, 4), ["SliceBackward0"]),
    (lambda: (slice(None), slice(None)), (2, 3, 4), ["AliasBackward0"]),
    (lambda: Ellipsis, (2, 3, 4), ["AliasBackward0"]),
    (lambda: (0, 1), (4,), ["SelectBackward0", "SelectBackward0"]),
    (lambda: (0, slice(1, None)), (2, 4), ["SliceBackward0", "SelectBackward0"]),
    (lambda: (slice(None), slice(None, None, 2)), (2, 2, 4), ["SliceBackward0"]),
    (lambda: (Ellipsis, 1), (2, 3), ["SelectBackward0"]),
    (lambda: (0, Ellipsis, 1), (3,), ["SelectBackward0", "SelectBackward0"]),
    (lambda: None, (1, 2, 3, 4), ["UnsqueezeBackward0"]),
    (lambda: (None, 0), (1, 3, 4), ["SelectBackward0", "UnsqueezeBackward0"]),
    (lambda: (1, None), (1, 3, 4), ["UnsqueezeBackward0", "SelectBackward0"]),
    (lambda: (slice(None), None, slice(1, 3)), (2, 1, 2, 4), ["SliceBackward0", "UnsqueezeBackward0"]),
    (lambda: [1, 0, 1], (3, 3, 4), ["IndexBackward0"]),
    (lambda: L([[0, 1], [1, 1]]), (2, 2, 3, 4), ["IndexBackward0"]),
    (lambda: (slice(None), [0, 2]), (2, 2, 4), ["IndexBackward0"]),
    (lambda: (slice(None), [0, 2], [1, 3]), (2, 2), ["IndexBackward0"]),
    (lambda: ([0, 1], slice(None), [1, 3]), (2, 3), ["IndexBackward0"]),
    (lambda: (0, slice(None), [1, 3]), (3, 2), ["IndexBackward0", "SelectBackward0"]),
    (lambda: (L([True, False]),), (1, 3, 4), ["IndexBackward0"]),
    (lambda: L([[True, False, True], [False, False, True]]), (3, 4), ["IndexBackward0"]),
    (lambda: (slice(1, None), L([True, False, True])), (1, 2, 4), ["IndexBackward0", "SliceBackward0"]),
    (lambda: L(1), (3, 4), ["SelectBackward0"]),
    (lambda: True, (1, 2, 3, 4), ["IndexBackward0", "UnsqueezeBackward0"]),
    (lambda: (Ellipsis, None), (2, 3, 4, 1), ["UnsqueezeBackward0"]),
    (lambda: (slice(None), [2, 2, 0]), (2, 3, 4), ["IndexBackward0"]),  # repeated indices: gradients add up
]


@pytest.mark.parametrize("k", range(len(INDICES)))
def test_getitem_gradcheck_shape_and_chain(k):
    make, shape, names = INDICES[k]
    x = rnd(2, 3, 4)
    idx = make()
    out = x[idx]
    if shape is not None:
        assert out.shape == shape
        assert chain(out) == names
    assert gradcheck(lambda a: a[idx], (x,))


def test_getitem_gradcheck_non_contiguous_and_double_backward():
    x = rnd(4, 3).t()
    assert not x.is_contiguous()
    for idx in (0, (slice(None), slice(1, None, 2)), ([0, 2, 2],), (x.detach() > 0,), (1, [0, 3])):
        assert gradcheck(lambda a: a[idx], (x,))
    y = rnd(3, 4)
    assert gradgradcheck(lambda a: a[1:, [0, 0, 3]], (y,))
    assert gradgradcheck(lambda a: a[0, None] * a[1], (y,))


def test_getitem_values_and_views():
    x = E.tensor([[1, 2, 3], [4, 5, 6]])
    assert x[1].tolist() == [4, 5, 6] and x[1, 2].item() == 6 and x[-1, -1].item() == 6
    assert x[:, 1].tolist() == [2, 5] and x[:, ::2].tolist() == [[1, 3], [4, 6]]
    assert x[[1, 0]].tolist() == [[4, 5, 6], [1, 2, 3]]
    assert x[[0, 1], [2, 0]].tolist() == [3, 4]
    assert x[x > 2].tolist() == [3, 4, 5, 6] if hasattr(E.Tensor, "__gt__") else True
    assert x[E.tensor([[True, False, True], [False, True, False]])].tolist() == [1, 3, 5]
    assert x[None].shape == (1, 2, 3) and x[..., None].shape == (2, 3, 1)
    assert x[[]].shape == (0, 3) and x[0:0].shape == (0, 3) and x[False].shape == (0, 2, 3)
    assert x[1:100].shape == (1, 3)
    s = E.tensor(5.0)
    assert s[None].shape == (1,) and s[...].shape == ()
    v = x[0]
    assert np.shares_memory(v.array, x.array) and v._version == x._version
    assert not np.shares_memory(x[[0]].array, x.array)
    assert type(x[0, 0].array) is np.ndarray  # a 0-d array, never a numpy scalar


def test_getitem_no_grad_same_result():
    x = rnd(2, 3, 4)
    idx = (0, slice(None), [1, 3])
    with E.no_grad():
        a = x[idx]
    assert a.grad_fn is None and arr(a).tolist() == arr(x[idx]).tolist()


def test_list_of_sequences_is_a_tuple_index():
    x = E.tensor([[1, 2, 3], [4, 5, 6]])
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        r = x[[[0, 1], [1, 2]]]
    assert r.tolist() == [2, 6]
    assert any("non-tuple sequence for multidimensional indexing" in str(m.message) for m in w)


INDEX_ERRORS = [
    (lambda x: x[5], IndexError, "index 5 is out of bounds for dimension 0 with size 3"),
    (lambda x: x[:, -5], IndexError, "index -5 is out of bounds for dimension 1 with size 4"),
    (lambda x: x[0, 0, 0], IndexError, "too many indices for tensor of dimension 2"),
    (lambda x: x[[5]], IndexError, "index 5 is out of bounds for dimension 0 with size 3"),
    (lambda x: x[[0, 3]], IndexError, "index 3 is out of bounds for dimension 0 with size 3"),
    (lambda x: x[E.ones(3, 5, dtype=E.bool_)], IndexError,
     "The shape of the mask [3, 5] at index 1 does not match the shape of the indexed tensor [3, 4] at index 1"),
    (lambda x: x[E.tensor([True, False])], IndexError,
     "The shape of the mask [2] at index 0 does not match the shape of the indexed tensor [3, 4] at index 0"),
    (lambda x: x[1.0], IndexError,
     "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got float)"),
    (lambda x: x[E.tensor([0.0])], IndexError, "tensors used as indices must be long, int, byte or bool tensors"),
    (lambda x: x[::0], ValueError, "slice step cannot be zero"),
    (lambda x: x[::-1], ValueError, "step must be greater than zero"),
    (lambda x: E.tensor(5.0)[0], IndexError,
     "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to convert a "
     "0-dim tensor to a number"),
]


@pytest.mark.parametrize("fn,exc,text", INDEX_ERRORS)
def test_getitem_errors(fn, exc, text):
    with pytest.raises(exc) as info:
        fn(E.randn(3, 4))
    assert str(info.value) == text


# ---- __setitem__ ----------------------------------------------------------------------------

def test_setitem_values_and_version():
    y = E.zeros(3, 4)
    v0 = y._version
    y[0] = 1.0
    y[:, 1] = E.tensor([7.0, 8.0, 9.0])
    y[[2, 2], 3] = E.tensor([5.0, 6.0])
    y[y < 0] = 2.0 if hasattr(E.Tensor, "__lt__") else 0.0
    y[1:, 0] = E.tensor([[3.0, 4.0]]).reshape(2)
    assert y.tolist() == [[1.0, 7.0, 1.0, 1.0], [3.0, 8.0, 0.0, 0.0], [4.0, 9.0, 0.0, 6.0]]
    assert y._version > v0
    i = E.zeros(2, dtype=E.int64)
    i[0] = 3.7  # cast to the tensor's dtype
    assert i.tolist() == [3, 0]
    v = y[0]
    v[1] = 42.0  # a write through a view reaches the base
    assert y[0, 1].item() == 42.0 and y._version == v._version


def test_setitem_autograd():
    a = rnd(4)
    b = a * 2
    v = rnd(2)
    b[1:3] = v
    assert b.grad_fn.name() == "torch::autograd::CopySlices" and b._version == 1
    gradient = E.tensor([1.0, 2.0, 3.0, 4.0], dtype=E.float64)
    b.backward(gradient)
    assert a.grad.tolist() == [2.0, 0.0, 0.0, 8.0]
    assert v.grad.tolist() == [2.0, 3.0]
    c = a * 1
    c[[0, 0]] = 5.0
    assert c.grad_fn.name() == "IndexPutBackward0"
    d = a * 1
    d[...] = 5.0
    assert d.grad_fn.name() == "FillBackward3"
    assert gradcheck(lambda x, y: _setitem_fn(x, y), (rnd(3, 4), rnd(3)))


def _setitem_fn(x, y):
    z = x * 1
    z[:, 2] = y
    z[0, [0, 1]] = y[:2] * 3
    return z


def test_setitem_errors():
    a = rnd(3)
    with pytest.raises(RuntimeError) as info:
        a[0] = 1.0
    assert str(info.value) == "a view of a leaf Variable that requires grad is being used in an in-place operation."
    with pytest.raises(RuntimeError) as info:
        a[[0]] = 1.0
    assert str(info.value) == "a leaf Variable that requires grad is being used in an in-place operation."
    y = E.zeros(3, 4)
    with pytest.raises(RuntimeError) as info:
        y[0] = E.ones(5)
    assert str(info.value) == ("The expanded size of the tensor (4) must match the existing size (5) at non-singleton "
                               "dimension 0.  Target sizes: [4].  Tensor sizes: [5]")
    with pytest.raises(TypeError) as info:
        y[0] = "a"
    assert str(info.value) == "can't assign a str to a torch.FloatTensor"
    with E.no_grad():
        a[0] = 1.0  # allowed without grad mode
    assert a[0].item() == 1.0


def test_setitem_saved_tensor_modified_error():
    a = rnd(3)
    b = a * 1
    c = b * b  # saves b
    b[0] = 0.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.sum().backward()


# ---- wire form --------------------------------------------------------------------------------

def test_wire_encoding_roundtrip_and_ops():
    idx = (0, slice(1, None, 2), None, Ellipsis, [0, 1])
    enc = encode_index(idx)
    assert enc == (0, ("slice", 1, None, 2), None, "...", [0, 1])
    assert decode_index(enc) == idx
    x = rnd(3, 4)
    r = OPS["getitem"](x, (("slice", None, None, None), ("slice", 1, 3, None)))
    assert r.grad_fn.name() == "SliceBackward0" and r.shape == (3, 2)
    assert OPS["getitem"](x, ("...", 0)).shape == (3,)
    y = E.zeros(2, 3)
    out = OPS["setitem"](y, (0, ("slice", None, None, 2)), 1.0)
    assert out is y and y.tolist() == [[1.0, 0.0, 1.0], [0.0, 0.0, 0.0]]
    with pytest.raises(IndexError):
        OPS["getitem"](x, "a")


# ---- index_select, gather, scatter_add, masked_fill -------------------------------------------

def test_gathering_gradcheck():
    x = rnd(3, 4)
    idx = E.tensor([2, 0, 2])
    assert gradcheck(lambda a: a.index_select(0, idx), (x,))
    assert gradcheck(lambda a: E.index_select(a, 1, idx), (x,))
    assert gradgradcheck(lambda a: a.index_select(1, idx), (x,))
    g = E.tensor([[0, 0], [1, 3], [2, 2]])
    assert gradcheck(lambda a: a.gather(1, g), (x,))
    assert gradcheck(lambda a: a.gather(0, E.tensor([[2, 0, 1, 1], [0, 0, 0, 0]])), (x,))
    assert gradgradcheck(lambda a: a.gather(1, g), (x,))
    src = rnd(3, 2)
    assert gradcheck(lambda a, s: a.scatter_add(1, g, s), (x, src))
    big = rnd(4, 5)
    assert gradcheck(lambda a, s: E.scatter_add(a, 1, g, s), (x, big))
    assert gradgradcheck(lambda a, s: a.scatter_add(1, g, s), (x, src))
    mask = E.tensor([[True, False, False, True], [False] * 4, [True] * 4])
    assert gradcheck(lambda a: a.masked_fill(mask, 2.5), (x,))
    val = E.tensor(1.5, dtype=E.float64, requires_grad=True)
    assert gradcheck(lambda a, v: a.masked_fill(mask, v), (x, val))
    assert gradcheck(lambda a: a.masked_fill(E.tensor([True, False, False, True]), -1.0), (rnd(4).unsqueeze(0),))
    t = rnd(4, 3).t()
    assert gradcheck(lambda a: a.gather(1, g) * a.index_select(0, idx)[:, :2], (t,))


def test_gathering_values_and_names():
    x = E.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.index_select(1, E.tensor([2, 0])).tolist() == [[3.0, 1.0], [6.0, 4.0]]
    assert x.index_select(0, E.tensor(1)).tolist() == [[4.0, 5.0, 6.0]]
    assert x.gather(1, E.tensor([[2, 2], [0, 1]])).tolist() == [[3.0, 3.0], [4.0, 5.0]]
    z = E.zeros(2, 3).scatter_add(1, E.tensor([[0, 0], [2, 1]]), E.ones(2, 2))
    assert z.tolist() == [[2.0, 0.0, 0.0], [0.0, 1.0, 1.0]]
    m = x.masked_fill(E.tensor([True, False, True]), 0.0)
    assert m.tolist() == [[0.0, 2.0, 0.0], [0.0, 5.0, 0.0]]
    assert E.tensor([1, 2, 3]).masked_fill(E.tensor([True, False, True]), 1.5).tolist() == [1, 2, 1]
    assert x[0].masked_fill(E.ones(2, 3, dtype=E.bool_), 1.0).shape == (2, 3)
    r = rnd(2, 3)
    names = {
        "IndexSelectBackward0": r.index_select(0, E.tensor([0])),
        "GatherBackward0": r.gather(1, E.tensor([[0], [1]])),
        "ScatterAddBackward0": r.scatter_add(1, E.tensor([[0], [1]]), r[:, :1]),
        "MaskedFillBackward0": r.masked_fill(E.tensor([True, False, True]), 0.0),
        "MaskedFillBackward1": r.masked_fill(E.tensor([True, False, True]), E.tensor(1.0, dtype=E.float64)),
    }
    for name, t in names.items():
        assert t.grad_fn.name() == name


GATHER_ERRORS = [
    (lambda x: x.index_select(0, E.tensor([5])), IndexError, "index out of range in self"),
    (lambda x: x.index_select(0, E.tensor([0.0])), RuntimeError,
     "index_select(): Expected dtype int32 or int64 for index"),
    (lambda x: x.index_select(0, E.tensor([[0]])), IndexError, "index_select(): Index is supposed to be a vector"),
    (lambda x: x.gather(1, E.tensor([[5]])), RuntimeError, "index 5 is out of bounds for dimension 1 with size 4"),
    (lambda x: x.gather(1, E.tensor([0])), RuntimeError,
     "Index tensor must have the same number of dimensions as input tensor"),
    (lambda x: x.gather(1, E.tensor([[0.0]])), RuntimeError, "gather(): Expected dtype int32/int64 for index"),
    (lambda x: x.gather(0, E.zeros(3, 5, dtype=E.int64)), RuntimeError,
     "Size does not match at dimension 1 expected index [3, 5] to be no larger than self [3, 4] apart from "
     "dimension 0"),
    (lambda x: x.scatter_add(1, E.tensor([[5]]), x), RuntimeError,
     "index 5 is out of bounds for dimension 1 with size 4"),
    (lambda x: x.scatter_add(0, E.zeros(3, 4, dtype=E.int64), E.randn(2, 4)), RuntimeError,
     "Expected index [3, 4] to be no larger than self [3, 4] apart from dimension 0 and to be no larger size than "
     "src [2, 4]"),
    (lambda x: x.scatter_add(0, E.zeros(3, 4, dtype=E.int64), x.double()), RuntimeError,
     "scatter(): Expected self.dtype to be equal to src.dtype"),
    (lambda x: x.masked_fill(E.ones(3, 4), 1.0), RuntimeError,
     "masked_fill_ only supports boolean masks, but got mask with dtype float"),
    (lambda x: x.masked_fill(E.ones(3, 4, dtype=E.int64), 1.0), RuntimeError,
     "masked_fill_ only supports boolean masks, but got mask with dtype long int"),
    (lambda x: x.masked_fill(E.ones(4, 3, dtype=E.bool_), 1.0), RuntimeError,
     "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"),
    (lambda x: x.masked_fill(E.ones(3, 4, dtype=E.bool_), E.ones(2)), RuntimeError,
     "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 dimension(s)."),
]


@pytest.mark.parametrize("fn,exc,text", GATHER_ERRORS)
def test_gathering_errors(fn, exc, text):
    with pytest.raises(exc) as info:
        fn(E.randn(3, 4))
    assert str(info.value) == text


# ---- against torch ------------------------------------------------------------------------------

@pytest.mark.parametrize("k", range(len(INDICES)))
def test_getitem_against_torch(k):
    torch = pytest.importorskip("torch")
    make = INDICES[k][0]
    data = np.random.default_rng(k).standard_normal((2, 3, 4))
    tx, gx = torch.tensor(data, requires_grad=True), E.tensor(data, requires_grad=True)
    gidx = make()

    def to_torch(i):
        if isinstance(i, E.Tensor):
            return torch.tensor(i.numpy())
        if isinstance(i, tuple):
            return tuple(to_torch(j) for j in i)
        return i

    rt, rg = tx[to_torch(gidx)], gx[gidx]
    np.testing.assert_array_equal(arr(rg), rt.detach().numpy())
    assert chain(rg) == chain_torch(rt)
    w = np.random.default_rng(9).standard_normal(tuple(rt.shape))
    rt.backward(torch.tensor(w))
    rg.backward(E.tensor(w))
    np.testing.assert_allclose(arr(gx.grad), tx.grad.numpy(), rtol=1e-12)


def chain_torch(t):
    out = []
    f = t.grad_fn
    while f is not None and type(f).__name__ != "AccumulateGrad":
        out.append(type(f).__name__)
        f = f.next_functions[0][0]
    return out


def test_setitem_against_torch():
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(1).standard_normal((3, 4))
    vals = np.random.default_rng(2).standard_normal(3)
    results = []
    for lib, mk in ((torch, torch.tensor), (E, E.tensor)):
        a = mk(data, requires_grad=True)
        v = mk(vals, requires_grad=True)
        b = a * 2
        b[:, 1] = v
        b[[0, 2], [3, 3]] = v[:2] * v[2]
        b[1] = 0.5
        (b * b).sum().backward()
        results.append((b.detach().numpy().copy(), a.grad.numpy().copy(), v.grad.numpy().copy(), b.grad_fn.name()))
    (tb, ta, tv, tn), (gb, ga, gv, gn) = results
    np.testing.assert_allclose(gb, tb)
    np.testing.assert_allclose(ga, ta)
    np.testing.assert_allclose(gv, tv)
    assert gn == tn
