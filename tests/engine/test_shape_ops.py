"""Shape ops: reshape/view, flatten, transpose/t/permute, squeeze/unsqueeze, expand, repeat, cat/stack,
split/chunk, flip, tril/triu, contiguous. gradcheck, values, views, node names and torch's errors."""
import numpy as np
import pytest

import gradwire.engine as E
from gradwire.engine.autograd import gradcheck, gradgradcheck

pytestmark = pytest.mark.timeout(60)

GEN = E.Generator(seed=11)


def rnd(*shape):
    return E.randn(*shape, dtype=E.float64, generator=GEN).detach().requires_grad_()


def nc(*shape):
    base = E.randn(*reversed(shape), dtype=E.float64, generator=GEN)
    t = base.permute(*reversed(range(len(shape)))).detach().requires_grad_()
    assert not t.is_contiguous()
    return t


def arr(t):
    return t.detach().numpy()


OPS = {
    "reshape": lambda a: a.reshape(4, -1),
    "view": lambda a: a.view(2, 12),
    "flatten": lambda a: a.flatten(),
    "flatten1": lambda a: a.flatten(1),
    "flatten01": lambda a: E.flatten(a, 0, 1),
    "transpose": lambda a: a.transpose(0, 2),
    "permute": lambda a: a.permute(2, 0, 1),
    "squeeze": lambda a: a.unsqueeze(1).squeeze(),
    "squeeze_dim": lambda a: a.unsqueeze(0).squeeze(0),
    "squeeze_dims": lambda a: a.unsqueeze(3).unsqueeze(0).squeeze((0, 4)),
    "unsqueeze": lambda a: a.unsqueeze(-1),
    "expand": lambda a: a.unsqueeze(0).expand(3, 2, 3, 4),
    "repeat": lambda a: a.repeat(2, 1, 3),
    "repeat_lead": lambda a: a.repeat(2, 1, 1, 2),
    "cat0": lambda a: E.cat([a, a * 2], 0),
    "cat2": lambda a: E.cat([a, a[:, :, :2]], -1),
    "stack": lambda a: E.stack([a, a * 3], 1),
    "split": lambda a: a.split(2, 2)[1],
    "split_sizes": lambda a: E.split(a, [1, 2], 1)[1] * 2,
    "split_all": lambda a: E.cat(a.split([1, 3], 2), 2),
    "chunk": lambda a: a.chunk(3, 2)[0],
    "flip": lambda a: a.flip(0, 2),
    "tril": lambda a: a.tril(),
    "triu": lambda a: a.triu(1),
    "tril_neg": lambda a: E.tril(a, -1),
    "contiguous": lambda a: a.transpose(0, 1).contiguous(),
    "narrow": lambda a: a.narrow(1, 1, 2),
    "select": lambda a: a.select(2, -1),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_gradcheck(name):
    assert gradcheck(OPS[name], (rnd(2, 3, 4),))


@pytest.mark.parametrize("name", sorted(set(OPS) - {"view"}))
def test_gradcheck_non_contiguous(name):
    x = nc(2, 3, 4)
    assert gradcheck(OPS[name], (x,))
    y = E.tensor(np.ascontiguousarray(arr(x)))
    np.testing.assert_array_equal(arr(OPS[name](x)), arr(OPS[name](y)))


@pytest.mark.parametrize("name", ["repeat", "cat0", "stack", "split_sizes", "flip", "tril", "chunk"])
def test_gradgradcheck(name):
    assert gradgradcheck(OPS[name], (rnd(2, 3, 4),))


def test_cat_stack_gradients_to_each_input():
    a, b = rnd(2, 3), rnd(4, 3)
    assert gradcheck(lambda x, y: E.cat([x, y]), (a, b))
    c = rnd(2, 3)
    assert gradcheck(lambda x, y: E.stack([x, y], -1), (a, c))
    # legacy: a 1-D empty tensor is skipped by cat
    e = E.zeros(0, dtype=E.float64)
    assert E.cat([a, e]).shape == (2, 3)


def test_values():
    x = E.tensor([[1, 2, 3], [4, 5, 6]])
    assert x.flatten().tolist() == [1, 2, 3, 4, 5, 6]
    assert x.unsqueeze(1).shape == (2, 1, 3) and x.unsqueeze(-1).shape == (2, 3, 1)
    assert E.zeros(1, 2, 1).squeeze().shape == (2,) and E.zeros(1, 2, 1).squeeze(-1).shape == (1, 2)
    assert E.zeros(1, 2, 1).squeeze(1).shape == (1, 2, 1) and E.zeros(1, 2, 1).squeeze((0, 2)).shape == (2,)
    assert x.repeat(2, 1).tolist() == [[1, 2, 3], [4, 5, 6], [1, 2, 3], [4, 5, 6]]
    assert x.repeat(1, 1, 2).shape == (1, 2, 6)
    assert E.cat([x, x], 1).tolist() == [[1, 2, 3, 1, 2, 3], [4, 5, 6, 4, 5, 6]]
    assert E.stack([x, x]).shape == (2, 2, 3) and E.stack([x, x], 2).shape == (2, 3, 2)
    assert [p.tolist() for p in x.split(2, 1)] == [[[1, 2], [4, 5]], [[3], [6]]]
    assert [p.shape for p in x.split([1, 2], 1)] == [(2, 1), (2, 2)]
    assert len(E.arange(5).chunk(4)) == 3 if hasattr(E, "arange") else True
    assert [p.shape for p in x.chunk(2, 1)] == [(2, 2), (2, 1)]
    assert x.flip(1).tolist() == [[3, 2, 1], [6, 5, 4]] and x.flip(0, 1).tolist() == [[6, 5, 4], [3, 2, 1]]
    assert x.tril().tolist() == [[1, 0, 0], [4, 5, 0]] and x.triu(1).tolist() == [[0, 2, 3], [0, 0, 6]]
    assert x.tril(diagonal=-1).tolist() == [[0, 0, 0], [4, 0, 0]]
    assert x.permute(1, 0).tolist() == [[1, 4], [2, 5], [3, 6]]
    assert E.cat([x, x.double()]).dtype is E.float64  # promotion


def test_views_share_memory_and_version():
    x = E.zeros(2, 3)
    for v in (x.view(6), x.reshape(3, 2), x.flatten(), x.t(), x.unsqueeze(0), x.squeeze(), x.split(1)[0],
              x.select(0, 1), x.narrow(1, 0, 2), x.permute(1, 0)):
        assert np.shares_memory(v.array, x.array)
        assert v._version == x._version
    for c in (x.flip(0), x.repeat(1, 1), E.cat([x, x]), E.stack([x]), x.tril()):
        assert not np.shares_memory(c.array, x.array)


def test_contiguity():
    x = E.randn(3, 4)
    assert x.is_contiguous() and not x.t().is_contiguous()
    assert x.contiguous() is x
    c = x.t().contiguous()
    assert c.is_contiguous() and c.tolist() == x.t().tolist()
    assert not E.randn(3, 1).expand(3, 4).is_contiguous()
    y = rnd(3, 4)
    assert y.t().contiguous().grad_fn.name() == "CloneBackward0"


def test_node_names():
    x = rnd(2, 3, 4)
    v = rnd(4)
    cases = {
        "ViewBackward0": [x.flatten(), x.flatten(1), x.reshape(6, 4), x.view(-1)],
        "UnsafeViewBackward0": [x.transpose(0, 2).reshape(-1)],
        "PermuteBackward0": [x.permute(2, 0, 1)],
        "SqueezeBackward0": [x.squeeze()], "SqueezeBackward1": [x.squeeze(0)], "SqueezeBackward2": [x.squeeze((0,))],
        "UnsqueezeBackward0": [x.unsqueeze(1)], "RepeatBackward0": [x.repeat(1, 1, 2)],
        "CatBackward0": [E.cat([x, x]), E.concat([x, x])], "StackBackward0": [E.stack([x, x])],
        "SplitBackward0": [x.split(2, 2)[0], x.chunk(2, 2)[1]], "SplitWithSizesBackward0": [x.split([1, 2], 1)[0]],
        "FlipBackward0": [x.flip(0)], "TrilBackward0": [x.tril()], "TriuBackward0": [x.triu()],
        "TransposeBackward0": [x.transpose(0, 1)], "TBackward0": [x[0].t()], "ExpandBackward0": [x.expand(2, 2, 3, 4)],
    }
    for name, ts in cases.items():
        for t in ts:
            assert t.grad_fn.name() == name, (name, t.grad_fn.name())
    assert v.flatten() is v  # torch returns the input itself


ERRORS = [
    (lambda: E.randn(3, 4).t().view(12), RuntimeError,
     "view size is not compatible with input tensor's size and stride (at least one dimension spans across two "
     "contiguous subspaces). Use .reshape(...) instead."),
    (lambda: E.randn(3, 4).view(-1, 5), RuntimeError, "shape '[-1, 5]' is invalid for input of size 12"),
    (lambda: E.cat([E.randn(3, 4), E.randn(3, 5)]), RuntimeError,
     "Sizes of tensors must match except in dimension 0. Expected size 4 but got size 5 for tensor number 1 in the "
     "list."),
    (lambda: E.cat([]), ValueError, "torch.cat(): expected a non-empty list of Tensors"),
    (lambda: E.cat([E.randn(3, 4), E.randn(3)]), RuntimeError,
     "Tensors must have same number of dimensions: got 2 and 1"),
    (lambda: E.cat([E.randn(3, 4)] * 2, dim=2), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    (lambda: E.stack([E.randn(3, 4), E.randn(3, 5)]), RuntimeError,
     "stack expects each tensor to be equal size, but got [3, 4] at entry 0 and [3, 5] at entry 1"),
    (lambda: E.stack([]), RuntimeError, "stack expects a non-empty TensorList"),
    (lambda: E.stack([E.randn(3, 4)] * 2, 3), IndexError,
     "Dimension out of range (expected to be in range of [-3, 2], but got 3)"),
    (lambda: E.randn(3, 4).split(0), RuntimeError,
     "split_size can only be 0 if dimension size is 0, but got dimension size of 3"),
    (lambda: E.randn(3, 4).split([1, 1]), RuntimeError,
     "split_with_sizes expects split_sizes to sum exactly to 3 (input tensor's size at dimension 0), but got "
     "split_sizes=[1, 1]"),
    (lambda: E.randn(3, 4).chunk(0), RuntimeError, "chunk expects `chunks` to be greater than 0, got: 0"),
    (lambda: E.randn(3, 4).flip(0, 0), RuntimeError, "dim 0 appears multiple times in the list of dims"),
    (lambda: E.randn(3).tril(), RuntimeError, "tril: input tensor must have at least 2 dimensions"),
    (lambda: E.randn(3).triu(), RuntimeError, "triu: input tensor must have at least 2 dimensions"),
    (lambda: E.randn(3, 4).repeat(2), RuntimeError,
     "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"),
    (lambda: E.randn(3, 4).repeat(2, -1), RuntimeError, "Trying to create tensor with negative dimension -4: [6, -4]"),
    (lambda: E.randn(3, 4).squeeze(5), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 5)"),
    (lambda: E.randn(3, 4).unsqueeze(3), IndexError,
     "Dimension out of range (expected to be in range of [-3, 2], but got 3)"),
    (lambda: E.randn(3, 4).flatten(1, 0), RuntimeError,
     "flatten() has invalid args: start_dim cannot come after end_dim"),
    (lambda: E.randn(3, 4).permute(0, 0), RuntimeError, "permute(): duplicate dims are not allowed."),
    (lambda: E.randn(3, 4).permute(0), RuntimeError,
     "permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired "
     "ordering of dimensions i.e. input.dim() = 2 is not equal to len(dims) = 1"),
]


@pytest.mark.parametrize("fn,exc,text", ERRORS)
def test_errors(fn, exc, text):
    with pytest.raises(exc) as info:
        fn()
    assert str(info.value) == text


@pytest.mark.parametrize("name", sorted(OPS))
def test_against_torch(name):
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(2).standard_normal((2, 3, 4))
    tx = torch.tensor(data, requires_grad=True)
    gx = E.tensor(data, requires_grad=True)
    env = {"E": torch}
    fn = OPS[name]
    # the same lambda runs on torch: E.* inside it resolves to torch through a rebound global
    tfn = type(fn)(fn.__code__, {**fn.__globals__, **env})
    rt, rg = tfn(tx), fn(gx)
    np.testing.assert_array_equal(arr(rg), rt.detach().numpy())
    assert rg.grad_fn.name() == rt.grad_fn.name()
    w = np.random.default_rng(3).standard_normal(tuple(rt.shape))
    rt.backward(torch.tensor(w))
    rg.backward(E.tensor(w))
    np.testing.assert_allclose(arr(gx.grad), tx.grad.numpy(), rtol=1e-12)
