"""Tensor API sweep against PyTorch (see test_parity_api.same_as_torch): writes into expanded tensors,
Python types as dtypes, argument errors of creation/reduction/shape functions."""
from __future__ import annotations

import pytest

from tests.test_parity_api import same_as_torch, same_as_torch_without_errors  # noqa: F401

pytestmark = pytest.mark.timeout(120)

TRY = """
def t(f):
    try:
        r = f()
        print("ok", r)
    except Exception as exc:
        print("EXC", type(exc).__name__, str(exc).splitlines()[0][:80])
"""


def test_writes_into_an_expanded_tensor(gw):
    out = same_as_torch(gw, TRY + """
a = torch.arange(3.)
b = a.expand(2, 3)
t(lambda: b.fill_(7).tolist())
t(lambda: a.tolist())
t(lambda: b.zero_().tolist())
t(lambda: b.add_(1).tolist())
t(lambda: b.mul_(2).tolist())
t(lambda: b.copy_(torch.ones(2, 3)).tolist())
t(lambda: b.fill_(torch.tensor(3.)).tolist())
t(lambda: b.clamp_(min=1).tolist())
t(lambda: b.exp_().tolist())
t(lambda: b.uniform_().tolist())
t(lambda: torch.nn.functional.relu(b, inplace=True).tolist())
t(lambda: b.copy_(b).tolist())
t(lambda: b.t().fill_(4).tolist())
t(lambda: b[1].fill_(5).tolist())
t(lambda: a.tolist())
t(lambda: b.masked_fill_(torch.tensor([True, False, True]), 2.).tolist())
t(lambda: b.index_fill_(1, torch.tensor([1]), 9.).tolist())
t(lambda: b.fill_diagonal_(3).tolist())
t(lambda: a.tolist())
t(lambda: torch.broadcast_to(a, (2, 3)).zero_().tolist())
t(lambda: torch.as_strided(a, (2, 3), (0, 1)).add_(1).tolist())
t(lambda: b.contiguous().add_(1).tolist())
""")
    assert out.splitlines()[1] == "ok [7.0, 7.0, 7.0]"
    assert "ok [[2.0, 9.0, 2.0], [2.0, 9.0, 2.0]]\nok [[3.0, 3.0, 2.0], [3.0, 3.0, 2.0]]" in out
    assert out.count("EXC RuntimeError unsupported operation: more than one element of the written-to tensor") == 9


def test_setitem_into_an_expanded_tensor(gw):
    out = same_as_torch(gw, TRY + """
def put(key, value):
    a = torch.zeros(3)
    b = a.expand(2, 3)
    def f():
        b[key] = value
        return a.tolist()
    t(f)
put(0, 5.)
put((0, 1), 5.)
put(0, torch.ones(3))
put(slice(None), 5.)
put(Ellipsis, torch.tensor(2.))
put((slice(None), 0), 3.)
put(torch.tensor([0]), 3.)
put((slice(None), torch.tensor([1])), 3.)
put(torch.tensor([True, False]), 4.)
a = torch.zeros(3); b = a.expand(2, 3); b.index_put_((torch.tensor([1]),), torch.tensor(2.)); print(a)
""")
    assert out.splitlines()[:3] == ["ok [5.0, 5.0, 5.0]", "ok [0.0, 5.0, 0.0]", "ok [1.0, 1.0, 1.0]"]
    assert "ok [0.0, 3.0, 0.0]" in out and out.count("EXC RuntimeError unsupported operation") == 3


def test_backward_through_a_write_into_an_expanded_view(gw):
    out = same_as_torch(gw, TRY + """
x = torch.zeros(3, requires_grad=True)
y = x * 1
b = y.expand(2, 3)
b.masked_fill_(torch.tensor([True, False, True]), 2.)
print(b.grad_fn, y.grad_fn, y)
t(lambda: (y.sum().backward(), x.grad.tolist()))
x = torch.zeros(3, requires_grad=True)
y = x * 1
t(lambda: y.expand(2, 3).add_(1).tolist())
z = y.expand(2, 3) * torch.tensor([[1.], [2.]])
z.sum().backward()
print(x.grad)
""")
    assert "tensor([2., 0., 2.], grad_fn=<CopySlices>)" in out
    assert out.count("EXC RuntimeError unsupported operation") == 2 and "tensor([3., 3., 3.])" in out


def test_python_types_as_dtypes(gw):
    out = same_as_torch(gw, TRY + """
print(torch.zeros(2, dtype=float), torch.ones(2, dtype=int), torch.empty(2, dtype=bool).dtype)
print(torch.full((2,), 1, dtype=float), torch.arange(3, dtype=float), torch.linspace(0, 1, 3, dtype=float).dtype)
print(torch.tensor([1, 2], dtype=float), torch.as_tensor([1.5], dtype=int), torch.eye(2, dtype=int).dtype)
x = torch.tensor([1, 2])
print(x.to(float).dtype, x.to(dtype=float).dtype, x.to('cpu', float).dtype, x.to(bool))
t(lambda: x.type(float))
print(x.sum(dtype=float), x.new_zeros(2, dtype=float).dtype, torch.zeros_like(x, dtype=float).dtype)
print(torch.nn.functional.softmax(x.float(), 0, dtype=float), torch.randn(2, dtype=float).dtype)
t(lambda: torch.zeros(2, dtype=str))
t(lambda: torch.zeros(2, dtype="float"))
""")
    assert "tensor([0., 0.], dtype=torch.float64) tensor([1, 1]) torch.bool" in out
    assert "torch.float64 torch.float64 torch.float64 tensor([True, True])" in out
    assert "EXC TypeError zeros(): argument 'dtype' must be torch.dtype, not type" in out
    assert "EXC TypeError zeros(): argument 'dtype' must be torch.dtype, not str" in out


def test_missing_or_wrong_dim_and_steps_errors(gw):
    out = same_as_torch(gw, TRY + """
def full(f):
    try:
        f()
    except TypeError as exc:
        print(str(exc))
x = torch.tensor([1., 2.])
t(lambda: x.cumsum())
t(lambda: torch.cumsum(x))
t(lambda: x.cumprod())
t(lambda: x.logcumsumexp())
t(lambda: x.cummax())
t(lambda: torch.cummin(x))
t(lambda: torch.ones(2, 3).unsqueeze((0, 1)))
full(lambda: torch.linspace(0, 1))
full(lambda: torch.logspace(0, 1.5))
full(lambda: torch.linspace(torch.tensor(0.), 1))
print(torch.logspace(0, 2, 3, dtype=float), x.cumsum(dim=0), x.cummax(dim=0).indices, x.cumprod(0, dtype=torch.float64))
""")
    assert 'EXC TypeError cumsum() missing 1 required positional arguments: "dim"' in out
    assert 'EXC TypeError cummax() missing 1 required positional arguments: "dim"' in out
    assert "EXC TypeError unsqueeze(): argument 'dim' (position 1) must be int, not tuple" in out
    assert "linspace() received an invalid combination of arguments - got (Tensor, int), but expected one of:" in out
    assert " * (Number start, Number end, int steps, float base = 10.0, *, Tensor out = None" in out


def test_arange_int64_truncates_float_arguments(gw):
    out = same_as_torch(gw, TRY + """
for a in [(0, 5, 1.5), (0, 10, 2.5), (1.7,), (0.5, 3.7), (-2.7, 0.9, 1), (0, -5, -1.5), (5.9, 0, -1), (0.5, 0, -1)]:
    print(a, torch.arange(*a, dtype=torch.int64).tolist(), torch.arange(*a, dtype=torch.int32).tolist())
t(lambda: torch.arange(0, 1, 0.3, dtype=torch.int64).tolist())
t(lambda: torch.arange(0, 5, 0.0, dtype=torch.int64).tolist())
t(lambda: torch.arange(0, 5, -0.5, dtype=torch.int64).tolist())
print(torch.arange(0, 5, torch.tensor(1.5), dtype=torch.int64))
""")
    assert "(0, 5, 1.5) [0, 1, 2, 3, 4] [0, 1, 2, 3]" in out
    assert "(1.7,) [0] [0, 1]" in out
    assert "EXC ValueError step must be nonzero\nEXC RuntimeError step must be nonzero" in out


def test_copies_between_overlapping_memory(gw):
    out = same_as_torch(gw, TRY + """
def put(key, value_of):
    b = torch.arange(4.)
    def f():
        b[key] = value_of(b)
        return b.tolist()
    t(f)
put(slice(1, None), lambda b: b[:-1])
put(slice(None, -1), lambda b: b[1:])
put(slice(None), lambda b: b)
put(slice(1, 3), lambda b: b[1:3])
put(0, lambda b: b[1])
put(slice(None, None, 2), lambda b: b[1::2])
put([1, 2, 3], lambda b: b[:-1])
put(torch.tensor([0, 1]), lambda b: b[2:])
put(torch.tensor([0, 1]), lambda b: b[2:].clone())
b = torch.arange(4.)
t(lambda: b[1:].copy_(b[:-1]).tolist())
t(lambda: b.copy_(b).tolist())
c = torch.arange(4.).reshape(2, 2)
t(lambda: c.copy_(c.t()).tolist())
x = torch.arange(4., requires_grad=True)
y = x * 1
t(lambda: y[1:].copy_(y[:-1]).tolist())
""")
    msg = "EXC RuntimeError unsupported operation: some elements of the input tensor and the written-to tens\n"
    assert out.count(msg) == 7
    assert "ok [2.0, 3.0, 2.0, 3.0]" in out and "ok [1.0, 1.0, 3.0, 3.0]" in out


def test_histc_of_integers_is_not_implemented(gw):
    out = same_as_torch(gw, TRY + """
for dt in (torch.int64, torch.int32, torch.uint8, torch.bool, torch.float64):
    t(lambda: torch.histc(torch.tensor([1, 2]).to(dt), bins=4).tolist())
""")
    assert """EXC NotImplementedError "histogram_cpu" not implemented for 'Long'""" in out
    assert "ok [1.0, 0.0, 0.0, 1.0]" in out


def test_creation_argument_forms_and_errors(gw):
    out = same_as_torch(gw, TRY + """
print(torch.tensor(range(3)), torch.tensor([range(2), range(2)]), torch.tensor(((1, 2), (3., 4))))
print(torch.arange(end=3), torch.arange(start=1, end=3), torch.randint(5, size=(2,)).shape, torch.randint(5, size=(2,)).dtype)
print(torch.tril_indices(3, 3, dtype=torch.int32), torch.triu_indices(2, 3, 1))
t(lambda: torch.zeros())
t(lambda: torch.ones(dtype=torch.int64))
t(lambda: torch.ones(2).new_zeros())
t(lambda: torch.zeros_like([1, 2]))
t(lambda: torch.ones_like(torch.ones(2), shape=3))
t(lambda: torch.full((2,), [1, 2]))
t(lambda: torch.full((2,)))
t(lambda: torch.tril_indices(-1, 3))
t(lambda: torch.triu_indices(2, -3))
t(lambda: torch.tril_indices(3, 3, dtype=torch.float32))
t(lambda: torch.arange(3, dtype=torch.bool).tolist())
print(torch.zeros(2, dtype=float, requires_grad=True))
""")
    assert "tensor([0, 1, 2]) tensor([[0, 1],\n        [0, 1]])" in out
    assert 'EXC TypeError zeros() missing 1 required positional arguments: "size"' in out
    assert "EXC TypeError zeros_like(): argument 'input' (position 1) must be Tensor, not list" in out
    assert "EXC TypeError ones_like() got an unexpected keyword argument 'shape'" in out
    assert "EXC RuntimeError row must be non-negative, got-1" in out
    assert """EXC NotImplementedError "arange_cpu" not implemented for 'Bool'""" in out


def test_shape_and_index_argument_errors(gw):
    out = same_as_torch(gw, TRY + """
x = torch.arange(24).reshape(2, 3, 4)
t(lambda: torch.stack([torch.ones(2), 1]))
t(lambda: torch.cat([torch.ones(2), None]))
t(lambda: torch.hstack([torch.ones(1), 2]))
t(lambda: torch.vstack([torch.ones(1), 2]))
t(lambda: torch.dstack([torch.ones(1), 2]))
t(lambda: torch.column_stack([torch.ones(1), 2]))
t(lambda: torch.ones(2, 1).squeeze([1, -1]))
t(lambda: torch.ones(2, 3, 4).movedim((0, -3), (1, 2)))
t(lambda: torch.ones(2, 3, 4).movedim((0, 1), (-1, 2)))
t(lambda: x[[0, 1], :, [0, 1, 2]])
t(lambda: x[[[0], [1]], [0, 1, 2], [0, 1]])
try:
    x[[[0], [1]], [0, 1, 2], [0, 1]]
except IndexError as exc:
    print(exc)
t(lambda: x[torch.tensor([True, False]), [0, 1]])
t(lambda: x[[[0], [1]], [0, 1, 2]].shape)
def put():
    a = torch.zeros(3, 4)
    a[[0, 1], [0, 1, 2]] = 1.
    return a.tolist()
t(put)
""")
    assert "EXC TypeError expected Tensor as element 1 in argument 0, but got NoneType" in out
    assert "EXC RuntimeError dim 1 appears multiple times in the list of dims" in out
    assert "EXC RuntimeError movedim: repeated dim in `source` ([0, -3])" in out
    assert out.count("EXC IndexError shape mismatch: indexing tensors could not be broadcast together") == 3
    assert "\nshape mismatch: indexing tensors could not be broadcast together with shapes [2, 1], [3], [2]\n" in out
    assert "ok torch.Size([2, 3, 4])" in out


def test_clamp_in_place_with_tensor_bounds(gw):
    out = same_as_torch_without_errors(gw, """
        b = torch.tensor([4, 9]); b.clamp_(min=torch.tensor(6)); print(b)
        b = torch.tensor([4., 9.]); b.clamp_(torch.tensor([5., 0.]), torch.tensor([6., 7.])); print(b)
        b = torch.tensor([4., 9.]); b.clamp_max_(torch.tensor(5.)); b.clamp_min_(torch.tensor([6., 1.])); print(b)
        x = torch.tensor([4., 9.], requires_grad=True); y = x * 1
        y.clamp_(min=torch.tensor([5., 0.]), max=torch.tensor([7., 10.]))
        print(y); y.sum().backward(); print(x.grad)
    """)
    assert "tensor([6, 9])\ntensor([5., 7.])\ntensor([6., 5.])" in out
    assert "tensor([5., 9.], grad_fn=<ClampBackward0>)\ntensor([0., 1.])" in out


def test_scatter_with_reduce_and_scatter_reduce_backward(gw):
    out = same_as_torch(gw, TRY + """
a = torch.zeros(2, 3)
print(a.scatter(1, torch.tensor([[0, 1]]), 2., reduce='add'))
print(a.scatter(1, torch.tensor([[0, 0]]), torch.tensor([[2., 3.]]), reduce='add'))
print(torch.ones(2, 3).scatter(1, torch.tensor([[0, 0]]), 3., reduce='multiply'))
print(torch.ones(2, 3, dtype=torch.int64).scatter_(1, torch.tensor([[0, 0]]), 3, reduce='add'))
t(lambda: a.scatter(1, torch.tensor([[0, 0]]), 3., reduce='mean').tolist())
x = torch.zeros(2, 3, requires_grad=True)
s = torch.tensor([[1., 2.]], requires_grad=True)
y = x.scatter_reduce(1, torch.tensor([[0, 0]]), s, 'amax')
print(y.grad_fn)
y.sum().backward()
print(x.grad, s.grad)
""")
    assert "tensor([[2., 2., 0.],\n        [0., 0., 0.]])\ntensor([[5., 0., 0.]," in out
    assert "tensor([[9., 1., 1.]," in out and "tensor([[7, 1, 1]," in out
    assert "EXC RuntimeError reduce argument must be either add or multiply." in out
    assert "tensor([[0., 1., 1.],\n        [1., 1., 1.]]) tensor([[0., 1.]])" in out


def test_unique_of_nans_topk_of_bool_histc_bins(gw):
    out = same_as_torch(gw, TRY + """
nan = float("nan")
print(torch.tensor([nan, 1., nan, 1.]).unique(return_counts=True))
print(torch.tensor([[nan, 1.], [nan, 1.]]).unique(return_inverse=True))
print(torch.tensor([nan, 1., nan]).unique(sorted=False, return_inverse=True))
t(lambda: torch.tensor([True, False]).topk(1))
t(lambda: torch.tensor([1.]).histc(bins=0))
""")
    assert "(tensor([1., nan, nan]), tensor([2, 1, 1]))" in out
    assert "EXC RuntimeError topk does not support bool dtypes on CPU" in out
    assert "EXC RuntimeError torch.histogram(): bins must be > 0, but got 0 for dimension 0" in out


def test_allclose_argument_checks(gw):
    out = same_as_torch(gw, TRY + """
t(lambda: torch.tensor([1, 2]).allclose(torch.tensor([1., 2.])))
t(lambda: torch.allclose(torch.tensor([1., 2.]), torch.tensor([1., 2.], dtype=torch.float64)))
t(lambda: torch.allclose(torch.tensor([1.]), 1.))
t(lambda: torch.allclose(torch.ones(2), torch.ones(3)))
t(lambda: torch.allclose(torch.ones(2), torch.ones(2, 2)))
t(lambda: torch.tensor([1, 2]).allclose(torch.tensor([1, 3])))
""")
    assert "EXC RuntimeError Long did not match Float\nEXC RuntimeError Float did not match Double" in out
    assert "EXC TypeError allclose(): argument 'other' (position 2) must be Tensor, not float" in out
    assert "EXC RuntimeError The size of tensor a (2) must match the size of tensor b (3) at non-singleton di" in out
    assert out.endswith("ok True\nok False\n")


def test_shape_method_arguments(gw):
    out = same_as_torch(gw, """
a = torch.arange(6.)
for c in ['a.view(None)', 'a.view((2, 3), 1)', 'a.view(2, 3.0)', 'a.reshape(2, 3.0)', 'a.reshape(None)',
          'a.reshape(torch.tensor([2, 3]))', 'a.expand(2.0, 6)', 'a.expand(None)', 'a.repeat(2.0)', 'a.permute(0.0)',
          'a.expand(size=(2, 6)).shape', 'a.view(size=(3, 2)).shape', 'a.reshape(shape=(3, 2)).shape',
          'a.permute(dims=(0,)).shape', 'a.view(dtype=torch.int32).shape', 'a.expand(2, torch.tensor(6)).shape',
          'a.view(2, torch.tensor(3)).shape', 'a.repeat(torch.Size([2])).shape', 'a.view(shape=(6,))',
          'a.reshape(size=(6,))', 'a.permute(dim=(0,))', 'a.expand(shape=(6,))', 'a.reshape(6, shape=(6,))']:
    try:
        print(c, eval(c))
    except Exception as e:
        print(c, type(e).__name__, repr(str(e)))
""")
    assert 'a.view(None) TypeError "view() received an invalid combination of arguments - got (NoneType), but' in out
    assert "a.reshape(2, 3.0) TypeError 'reshape(): argument \\'shape\\' failed to unpack the object at pos 2" in out
    assert "a.expand(2, torch.tensor(6)).shape torch.Size([2, 6])" in out
    assert "a.view(size=(3, 2)).shape torch.Size([3, 2])" in out


def test_fill_values_that_overflow_raise_at_the_call(gw):
    out = same_as_torch(gw, TRY + """
u = torch.tensor([1, 2], dtype=torch.uint8)
t(lambda: u.fill_(300))
t(lambda: torch.full((1,), 300, dtype=torch.uint8))
t(lambda: u.masked_fill(torch.tensor([True, False]), 256))
t(lambda: u.masked_fill_(torch.tensor([True, False]), -300))
t(lambda: u.clamp(-1, 300))
t(lambda: u.index_fill_(0, torch.tensor([0]), 1000))
print(u.fill_(-1), torch.full((1,), 255, dtype=torch.uint8), torch.tensor([1], dtype=torch.int8).masked_fill(torch.tensor([True]), -128))
""")
    assert out.count("EXC RuntimeError value cannot be converted to type uint8_t without overflow") == 6
    assert "tensor([255, 255], dtype=torch.uint8)" in out


def test_index_put_accumulate_records_index_put_backward(gw):
    out = same_as_torch(gw, TRY + """
a = torch.zeros(2, 3)
a.index_put_((torch.tensor([0, 0]), torch.tensor([1, 1])), torch.tensor(2.), accumulate=True)
a.index_put_((torch.tensor([1, 1]),), torch.tensor([1., 2., 3.]), accumulate=True)
print(a)
x = torch.zeros(3, requires_grad=True)
v = torch.tensor([1., 2.], requires_grad=True)
y = x.clone().index_put_((torch.tensor([0, 0]),), v, accumulate=True)
print(y, y.grad_fn)
(y * torch.tensor([1., 2., 3.])).sum().backward()
print(x.grad, v.grad)
t(lambda: torch.zeros(3).index_put_((torch.tensor([0, 5]),), torch.tensor([1., 2.]), accumulate=True).tolist())
""")
    assert "tensor([[0., 4., 0.],\n        [2., 4., 6.]])" in out
    assert "tensor([3., 0., 0.], grad_fn=<IndexPutBackward0>) <IndexPutBackward0 object" in out
    assert "tensor([1., 2., 3.]) tensor([1., 1.])" in out


def test_where_flip_roll_take_along_dim_repeat_interleave_arguments(gw):
    out = same_as_torch(gw, TRY + """
def full(f):
    try:
        f()
    except TypeError as exc:
        print(str(exc))
print(torch.where(torch.tensor(5)), torch.where(torch.tensor(0)), torch.arange(3).flip(dims=(0,)), torch.roll(torch.arange(4), shifts=2, dims=0))
full(lambda: torch.where(torch.tensor([True]), torch.tensor([1.])))
full(lambda: torch.tensor([1.]).where(torch.tensor([True])))
t(lambda: torch.flip(torch.tensor([1])))
t(lambda: torch.tensor([1]).roll())
t(lambda: torch.take_along_dim(torch.tensor([[1, 2]]), torch.tensor([[1]], dtype=torch.int32), dim=1))
t(lambda: torch.take_along_dim(torch.tensor([[1, 2]]), torch.tensor([1]), dim=1))
t(lambda: torch.tensor([1, 2]).repeat_interleave(-1))
t(lambda: torch.repeat_interleave(torch.tensor([1, 2]), torch.tensor([1, -1])))
""")
    assert "(tensor([0]),) (tensor([], dtype=torch.int64),) tensor([2, 1, 0]) tensor([2, 3, 0, 1])" in out
    assert "got (Tensor, Tensor), but expected one of:\n * (Tensor condition)\n" in out
    assert 'EXC TypeError flip() missing 1 required positional arguments: "dims"' in out
    assert "EXC RuntimeError torch.take_along_dim(): dtype of indices should be Long but got Int" in out
    assert "EXC RuntimeError Repeats must be non-negative\nEXC RuntimeError repeats can not be negative" in out


def test_device_string_errors(gw):
    out = same_as_torch(gw, TRY + """
for text in ("gpu", "cuda:x", "cuda:-1", "", "CUDA"):
    t(lambda: torch.device(text))
t(lambda: torch.zeros(2, device="gpu"))
t(lambda: torch.tensor([1.]).to("cuda:x"))
""")
    assert "EXC RuntimeError Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpg\n" in out
    assert "EXC RuntimeError Invalid device string: 'cuda:x'\nEXC RuntimeError Invalid device string: 'cuda:-1'" in out
    assert "EXC RuntimeError Device string must not be empty" in out


def test_int_arguments_that_are_floats_raise_at_the_call(gw):
    out = same_as_torch(gw, TRY + """
a = torch.ones(2, 3)
t(lambda: a.tril(1.5))
t(lambda: a.triu(diagonal=0.5))
t(lambda: a.flatten(0.0))
t(lambda: a.flatten(0, 1.0))
t(lambda: a.transpose(0., 1))
t(lambda: a.diagonal(0.))
print(a.tril(torch.tensor(1)).shape, a.transpose(-1, 0).shape, a.diagonal(dim1=1, dim2=0).shape)
""")
    assert "EXC TypeError tril(): argument 'diagonal' (position 1) must be int, not float" in out
    assert "EXC TypeError flatten(): argument 'end_dim' (position 2) must be int, not float" in out
    assert "EXC TypeError transpose(): argument 'dim0' (position 1) must be int, not float" in out


def test_unique_along_a_dim_of_an_empty_tensor(gw):
    out = same_as_torch(gw, TRY + """
for shape, d in [((0, 2), 0), ((0, 2), 1), ((2, 0), 0), ((2, 0), 1), ((2, 0, 3), 1)]:
    t(lambda: [r.shape for r in torch.zeros(shape).unique(dim=d, return_inverse=True, return_counts=True)])
""")
    assert out.count("EXC RuntimeError There are 0 sized dimensions, and they aren't selected, so unique cannot") == 2
    assert "ok [torch.Size([0, 2]), torch.Size([0]), torch.Size([0])]" in out
