"""The Tensor API a PyTorch user meets before autograd: creation, printing, indexing, dtypes and
conversions, shape ops, with torch's values, reprs and error texts."""
from __future__ import annotations

import numpy as np
import pytest

from test_parity_api import same_as_torch

pytestmark = pytest.mark.timeout(120)


def test_operators_take_numpy_scalars_and_arrays_and_refuse_other_types(gw):
    out = same_as_torch(gw, """
        import numpy as np
        x = torch.tensor([1., 2.])
        print(x * np.float32(2), (x * np.float32(2)).dtype, np.int64(3) - x, x + np.array([1., 2.]))
        for bad in (None, "a", [1, 2]):
            try:
                x + bad
            except TypeError as e:
                print(e)
        try:
            [1, 2] + x
        except TypeError as e:
            print(e)
        try:
            x @ 2
        except TypeError as e:
            print(e)
        print(x == None, x != None)
    """)
    assert "tensor([2., 4.]) torch.float32 tensor([2., 1.]) tensor([2., 4.], dtype=torch.float64)" in out
    assert "unsupported operand type(s) for +: 'Tensor' and 'NoneType'" in out
    assert "can only concatenate list (not \"Tensor\") to list" in out
    import gradwire
    assert (gradwire.tensor([1., 2.]) * np.float32(2)).tolist() == [2., 4.]


def _errors(snippets: str) -> str:
    """A snippet that prints what each of ``snippets`` (one expression a line) gives or raises."""
    lines = [s.strip() for s in snippets.strip().splitlines()]
    return "import numpy as np\nfor s in %r:\n" % lines + """    try:
        r = eval(s)
        print(s, r.dtype, r.shape, r.tolist() if r.numel() < 10 else "")
    except Exception as e:
        print(s, type(e).__name__, e)
"""


def test_tensor_from_nested_data_infers_dtypes_and_refuses_ragged_lists(gw):
    out = same_as_torch(gw, _errors("""
        torch.tensor([1, 2])
        torch.tensor([True, 1.5])
        torch.tensor([[], []])
        torch.tensor(range(3))
        torch.tensor([np.float64(3.0), 1])
        torch.tensor([np.int16(1), np.int16(2)])
        torch.tensor([torch.tensor(1.), torch.tensor(2.)])
        torch.tensor([[1, 2], [3]])
        torch.tensor([[[1], [2]], [[1], [2, 3]]])
        torch.tensor([[1, 2], 3])
        torch.tensor([1, [2, 3]])
        torch.tensor([1.5, [2, 3]])
        torch.tensor("abc")
        torch.tensor(["a"])
        torch.tensor([1, "a"])
        torch.tensor(None)
        torch.tensor([1, None])
        torch.tensor({1: 2})
        torch.tensor(2**63)
        torch.tensor([1, 2**63])
        torch.tensor(2**63, dtype=torch.float32)
        torch.tensor([torch.tensor([1., 2.]), torch.tensor([1., 2.])])
        torch.tensor([torch.tensor([1, 2]), torch.tensor([1, 2])])
        torch.as_tensor([[1, 2], [3]])
        torch.tensor(np.array(['a']))
        torch.from_numpy(np.array([1, None]))
    """))
    assert "torch.tensor([np.float64(3.0), 1]) torch.float64 torch.Size([2]) [3.0, 1.0]" in out
    assert "torch.tensor([[1, 2], [3]]) ValueError expected sequence of length 2 at dim 1 (got 1)" in out
    assert "torch.tensor(None) RuntimeError Could not infer dtype of NoneType" in out


def test_tensor_of_a_tensor_warns_like_torch(gw):
    out = same_as_torch(gw, """
        import warnings
        x = torch.tensor([1., 2.])
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            y = torch.tensor(x)
            z = torch.as_tensor(x)
        print([(i.category.__name__, str(i.message)) for i in w], y, z is x)
    """)
    assert "rather than torch.tensor(sourceTensor)" in out and out.count("UserWarning") == 1


def test_creation_sizes_are_read_like_torch(gw):
    out = same_as_torch(gw, _errors("""
        torch.zeros(-1)
        torch.zeros((2, -1))
        torch.ones(2, -1)
        torch.zeros(2, dtype=torch.int64).new_zeros(-1)
        torch.ones(2, True)
        torch.zeros((True,))
        torch.zeros([2, None])
        torch.empty(2, 'a')
        torch.zeros(np.float64(2))
        torch.zeros(2.5)
        torch.zeros(np.int64(3))
        torch.zeros(torch.tensor(3))
        torch.zeros(torch.tensor(2.))
        torch.zeros([torch.tensor(2.)])
        torch.zeros(size=(2, 3))
        torch.randn(size=[2]).zero_()
        torch.zeros(2, 3, size=(2,))
        torch.full(2, 1.)
        torch.full((2, 2.5), 1)
        torch.randint(0, 5)
        torch.randint(3, 4, [2])
        torch.zeros((2, 3), (4,))
        torch.ones([2], 3)
    """))
    assert "torch.zeros(-1) RuntimeError zeros: Dimension size must be non-negative." in out
    assert "torch.zeros(size=(2, 3)) torch.float32 torch.Size([2, 3])" in out


def test_python_conversions_iteration_and_membership(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
        for row in x:
            print(row)
        print(list(torch.tensor([1, 2])), 2. in x, 7 in x, torch.tensor([3., 9.]) in x)
        for bad in ("int(torch.ones(2))", "float(torch.tensor([]))", "complex(torch.ones(2))",
                    "bool(torch.ones(2))", "bool(torch.ones(0))", "iter(torch.tensor(1.))", "'a' in torch.ones(2)",
                    "~torch.tensor(1.5)", "int(torch.tensor([[-2.7]]))", "complex(torch.tensor(2.))", "~torch.tensor([1, 2])"):
            try:
                print(eval(bad))
            except Exception as e:
                print(bad, type(e).__name__, e)
    """)
    assert "grad_fn=<UnbindBackward0>" in out and "[tensor(1), tensor(2)] True False True" in out
    assert "int(torch.ones(2)) ValueError only one element tensors can be converted to Python scalars" in out
    assert "bool(torch.ones(0)) RuntimeError Boolean value of Tensor with no values is ambiguous" in out


def test_legacy_constructors_and_type_names(gw):
    out = same_as_torch(gw, """
        print(torch.Tensor([1, 2]), torch.Tensor(2, 3).shape, torch.Tensor(), torch.Tensor(torch.Size([2])).shape,
              torch.Tensor((2, 3)), torch.Tensor(torch.tensor([1, 2])))
        print(torch.FloatTensor([1, 2]), torch.LongTensor([1.7]), torch.DoubleTensor(2).shape, torch.BoolTensor([1, 0]),
              torch.ByteTensor([1]), torch.IntTensor([2]).dtype, torch.HalfTensor([1]))
        print(isinstance(torch.ones(2), torch.FloatTensor), isinstance(torch.ones(2), torch.LongTensor),
              torch.LongTensor, torch.FloatTensor.dtype)
        x = torch.tensor([1.5])
        print(x.type(), x.long().type(), x.type(torch.DoubleTensor), x.type('torch.IntTensor'), x.type(torch.int64))
        print(type(x), type(x.shape), type(torch.float32), type(x.max(0)), torch.finfo(torch.float32).resolution,
              torch.finfo(torch.float16))
        print(torch.ones(2, 3).adjoint().shape, torch.ones(2, 3, 4).adjoint().shape)
        for bad in ("torch.Tensor(2.5)", "torch.FloatTensor('a')", "torch.FloatTensor(torch.tensor([1, 2]))",
                    "x.type('float')", "torch.ones(3).adjoint()"):
            try:
                print(eval(bad))
            except Exception as e:
                print(type(e).__name__, e)
    """)
    assert "<class 'torch.Tensor'> <class 'torch.Size'> <class 'torch.dtype'> <class 'torch.return_types.max'> 1e-06" in out
    assert "torch.FloatTensor torch.LongTensor tensor([1.5000], dtype=torch.float64) tensor([1], dtype=torch.int32)" in out


@pytest.mark.parametrize("code", [
    "x = torch.zeros(2, 3)\nx[0] = torch.ones(2)",
    "x = torch.zeros(2, 3)\nx[[0, 1]] = torch.ones(3, 3)",
    "x = torch.zeros(2, 3)\nx[[0, 1], [0, 1]] = torch.ones(3)",
    "x = torch.zeros(2, 3)\nx[x > 5] = torch.ones(2)",
    "x = torch.arange(6.).reshape(2, 3)\nprint(x.index_select(1, torch.tensor([0, 3])))",
    "x = torch.arange(6.).reshape(2, 3)\nprint(x.index_select(0, torch.tensor([0, 3])))",
])
def test_indexing_errors(gw, code):
    out = same_as_torch(gw, code)
    assert out.startswith("!! ")


def test_index_errors_name_torchs_dimension_and_0_dim_cases(gw):
    out = same_as_torch(gw, """
        y = torch.arange(24).view(2, 3, 4)
        for s in ['y[:, [0, 1], [0, 5]]', 'y[:, [0, 5], :]', 'y[1, :, [5]]', 'y[:, torch.tensor(5)]', 'y[:, ::0]',
                  'y[::-1]', 'torch.tensor(1.)[0]', 'torch.tensor(1.)[:]', 'torch.tensor(1.)[None, 0]']:
            try:
                print(s, eval(s))
            except Exception as e:
                print(s, type(e).__name__, e)
    """)
    assert "y[:, [0, 5], :] IndexError index 5 is out of bounds for dimension 0 with size 3" in out
    assert "y[:, ::0] ValueError slice step cannot be zero" in out


def test_setitem_drops_leading_ones_of_the_value_and_passes_gradients(gw):
    out = same_as_torch(gw, """
        x = torch.zeros(2, 3)
        x[0] = torch.ones(1, 3)
        x[[0, 1]] = torch.ones(1, 1, 3) * 2
        x[x >= 2] = torch.ones(1, 6) * 4
        x[[0, 1], [0, 1]] = torch.ones(1, 1) * 5
        print(x)
        w = torch.tensor([[1., 2., 3.]], requires_grad=True)
        a = torch.tensor([1., -2., 3., -4.], requires_grad=True)
        y = torch.zeros(2, 3)
        y[1] = w * 2
        b = a * 1
        b[b < 0] = torch.tensor([[10., 20.]]) * a[:2]
        (y.sum() + (b * torch.arange(4.)).sum()).backward()
        print(y, b, w.grad, a.grad)
    """)
    assert "tensor([[5., 4., 4.],\n        [4., 5., 4.]])" in out
    assert "tensor([[2., 2., 2.]])" in out  # w.grad


def test_contiguous_of_a_leaf_is_the_leaf_and_tile_takes_varargs(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([[1., 2., 3.], [4., 5., 6.]], requires_grad=True)
        c = x.contiguous()
        t = x.t().contiguous()
        print(c.grad_fn, c.is_leaf, c.requires_grad, type(t.grad_fn).__name__, t.is_leaf)
        (t * torch.tensor([[1.], [2.], [3.]])).sum().backward()
        print(x.grad, x.tile(2).shape, x.tile(2, 1, 1).shape, torch.tile(x, (2,)).shape)
        for bad in ("torch.finfo('float32')", "torch.iinfo(3)", "torch.finfo(None)"):
            try:
                eval(bad)
            except TypeError as e:
                print(e)
        print(torch.finfo().eps, torch.finfo(type=torch.float16).resolution)
    """)
    assert "None True True CloneBackward0 False" in out
    assert "tensor([[1., 2., 3.],\n        [1., 2., 3.]])" in out


SHAPE_ERRORS = [
    "x.t().view(-1)", "x.permute(1, 0).view(6)", "x[:, 1:].view(-1)", "x.expand(2, 2, 3).view(12)",
    "x.view(-2, 3)", "torch.zeros(0, 3).reshape(0, -1)", "x.unflatten(1, (2, 2))", "x.expand(-1, 2, 3)",
    "x.expand_as(torch.zeros(3, 2))", "x.select(1, 3)", "x.chunk(0)", "x.split(0)", "x.split(-1)", "x.flip(2)",
    "x.roll(1, 2)", "x.softmax(3)", "torch.zeros(3) @ torch.zeros(2, 3)", "torch.zeros(2, 3, 4) @ torch.zeros(3)",
    "torch.bmm(torch.zeros(2, 2, 3), torch.zeros(3, 3, 2))", "torch.outer(torch.zeros(3), x)", "torch.cat(x)",
    "torch.stack(x)", "torch.where(x > 0, x, torch.zeros(3, 2))", "x.masked_fill(torch.zeros(3, 3) > 0, 1)",
    "torch.broadcast_tensors(x, x, torch.zeros(4))", "torch.broadcast_shapes((2, 3, 4), (5, 1, 4))",
]


@pytest.mark.parametrize("expr", SHAPE_ERRORS)
def test_shape_errors_raise_at_the_call_with_torchs_text(gw, expr):
    # printing only metadata: an error found late (at the next sync) would show up after the print
    out = same_as_torch(gw, f"x = torch.arange(6.).reshape(2, 3)\nr = {expr}\nprint(r.shape)")
    assert out.startswith("!! ")


def test_views_that_strides_allow_and_their_values(gw):
    out = same_as_torch(gw, """
        x = torch.arange(6.).reshape(2, 3)
        print(x.t().view(3, 2), x[1:].view(3), x[0].view(3, 1).shape, x.t().contiguous().view(-1),
              x.t().reshape(-1), x[:, 0].view(2), x.unsqueeze(0).view(6))
    """)
    assert "tensor([0., 3., 1., 4., 2., 5.])" in out


def test_deprecation_and_degrees_of_freedom_warnings(gw):
    out = same_as_torch(gw, """
        import warnings
        x = torch.ones(2, 3)
        calls = [lambda: x.T.shape, lambda: x.new_tensor(torch.ones(2)), lambda: torch.ones(1).var(), lambda: x.std(0, correction=2),
                 lambda: x.std(1, correction=2), lambda: torch.std_mean(torch.ones(1)), lambda: x.std(0, True).shape,
                 lambda: torch.ones(2, 1).std(1, True, True), lambda: torch.ones(1).std(False),
                 lambda: torch.arange(4).reshape(2, 2)[[[0, 1]]]]
        for f in calls:
            with warnings.catch_warnings(record=True) as ws:
                warnings.simplefilter("always")
                r = f()
            print(r, [(w.category.__name__, str(w.message)) for w in ws])
    """)
    assert "rather than tensor.new_tensor(sourceTensor)" in out and "var(): degrees of freedom is <= 0" in out
    assert "torch.Size([3]) []" in out  # std(0, True): unbiased, not keepdim


def test_set_default_tensor_type(gw):
    import gradwire
    try:
        gradwire.set_default_tensor_type(gradwire.DoubleTensor)
        assert gradwire.tensor([1.5]).dtype is gradwire.float64 and gradwire.get_default_dtype() is gradwire.float64
        gradwire.set_default_tensor_type("torch.FloatTensor")
        assert gradwire.tensor([1.5]).dtype is gradwire.float32
        with pytest.raises(TypeError, match="only floating-point types are supported as the default type"):
            gradwire.set_default_tensor_type(gradwire.LongTensor)
    finally:
        gradwire.set_default_dtype(gradwire.float32)


def test_transpose_of_other_than_a_matrix_warns_once(gw):
    import sys
    import warnings
    module = sys.modules["gradwire.tensor"]
    for message in list(module._WARNED_ONCE):
        if "x.T" in message or "Tensor.T" in message:
            module._WARNED_ONCE.discard(message)
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        assert gw.ones(2, 3, 4).T.shape == (4, 3, 2) and gw.ones(2, 3, 4).T.shape == (4, 3, 2)
        assert gw.ones(()).T.shape == ()
    assert [str(w.message)[:25] for w in ws] == ["The use of `x.T` on tenso", "Tensor.T is deprecated on"]


@pytest.mark.parametrize("expr", ["x.softmax(0)", "x.softmax(1)", "x.log_softmax(1)", "x.bool().softmax(0)",
                                  "x.norm()", "x.bool().argmax()", "x.bool().argmin(0)"])
def test_integer_inputs_refused_at_the_call(gw, expr):
    out = same_as_torch(gw, f"x = torch.arange(6).reshape(2, 3)\nr = {expr}\nprint(r.shape)")
    assert out.startswith("!! ")


def test_softmax_takes_its_dtype_positionally(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([[0., 1., 2.], [1., 1., 1.]])
        print(torch.softmax(x.long(), 1, torch.float64), x.softmax(1, torch.float64).dtype,
              x.long().log_softmax(-1, dtype=torch.float32), x.softmax(0).dtype)
    """)
    assert "tensor([[0.0900, 0.2447, 0.6652],\n        [0.3333, 0.3333, 0.3333]], dtype=torch.float64)" in out


def test_operator_dtypes_and_refusals_over_a_grid_of_operands(gw):
    out = same_as_torch(gw, """
        i = torch.tensor([1, 2]); f = torch.tensor([1., 2.]); b = torch.tensor([True, True]); u8 = i.byte()
        for op in ['__truediv__', '__floordiv__', '__mod__', '__pow__', '__sub__', '__and__', '__xor__', '__rpow__',
                   '__rsub__', '__rfloordiv__', '__rtruediv__', '__rmod__']:
            for a in (i, f, b, u8):
                row = []
                for c in (i, f, b, u8, 2, 2.5, True, -3):
                    try:
                        r = getattr(a, op)(c)
                        row.append(str(r.dtype)[6:] if r is not NotImplemented else 'NI')
                    except Exception as e:
                        row.append(f"{type(e).__name__}: {e}")
                print(op, a.dtype, row)
    """)
    assert "Subtraction, the `-` operator, with two bool tensors is not supported" in out
    assert '"bitwise_and_cpu" not implemented for' in out
    assert "__rfloordiv__ torch.int64 ['int64', 'float32', 'int64', 'int64', 'int64', 'float32', 'int64', 'int64']" in out


def test_reflected_floor_division_and_remainder_values(gw):
    same_as_torch(gw, """
        x = torch.tensor([2, -3], dtype=torch.uint8)
        print(7 // x, 7 % x, 7.5 // torch.tensor([2, 4]), -7 % torch.tensor([3., -2.]), 2 ** torch.tensor([1, 3]))
    """)
    import gradwire
    assert (7 // gradwire.tensor([2, 3])).tolist() == [3, 2] and (7.5 // gradwire.tensor([2, 4])).dtype is gradwire.float32


def test_dtype_functions_refuse_what_is_not_a_dtype(gw):
    out = same_as_torch(gw, """
        for s in ['torch.promote_types(torch.float32, 1)', 'torch.promote_types(1, torch.float32)',
                  'torch.can_cast(1, torch.float32)', 'torch.can_cast(torch.float32, "a")',
                  'torch.can_cast(torch.int64, torch.float16)', 'torch.promote_types(torch.uint8, torch.int8)',
                  'torch.finfo(1)']:
            try:
                print(s, eval(s))
            except TypeError as e:
                print(s, e)
    """)
    assert "torch.promote_types(torch.uint8, torch.int8) torch.int16" in out


def test_randint_like(gw):
    same_as_torch(gw, """
        x = torch.zeros(2, 3)
        r = torch.randint_like(x, 2, 5)
        print(r.dtype, r.shape, bool((r >= 2).all() and (r < 5).all()), torch.randint_like(x.long(), 3).dtype,
              torch.randint_like(x, 5, dtype=torch.int64).dtype, bool((r == r.floor()).all()))
    """)


def test_numpy_ranges_and_tuples_as_indices(gw):
    out = same_as_torch(gw, """
        import numpy as np
        x = torch.arange(12.).reshape(3, 4)
        print(x[np.array([0, 2])], x[np.int64(1)], x[:, np.array([True, False, True, False])], x[range(2)],
              x[(0, 1),], x[np.array(1)])
        x[np.array([0, 1])] = 0
        x[1, np.int64(2)] = 7
        print(x)
        for s in ['x[None, 5]', 'x[0, None, 9]', 'x[..., 9]', 'x[None, ..., 9]']:
            try:
                x_ = eval(s)
            except IndexError as e:
                print(e)
    """)
    assert "index 9 is out of bounds for dimension 2 with size 4" in out
    assert "tensor([[ 0.,  1.,  2.,  3.],\n        [ 8.,  9., 10., 11.]])" in out


def test_grad_assignment_checks(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1., 2.], requires_grad=True)
        for g in ['torch.tensor([1., 1., 1.])', 'torch.tensor([1, 1])', '[1., 1.]', 'torch.ones(2, 1)',
                  'torch.tensor([3., 4.])', 'None']:
            try:
                x.grad = eval(g)
                print(g, 'ok', x.grad)
            except Exception as e:
                print(g, type(e).__name__, e)
    """)
    assert "attempting to assign a gradient of size '[3]' to a tensor of size '[2]'" in out
    assert "torch.tensor([3., 4.]) ok tensor([3., 4.])" in out


def test_layout_and_backend_predicates(gw):
    out = same_as_torch(gw, """
        t = torch.ones(2)
        print([getattr(t, n) for n in ("is_sparse", "is_quantized", "is_meta", "is_mkldnn", "is_mps", "is_nested",
                                       "is_xpu", "is_sparse_csr", "is_cpu", "is_cuda")],
              t.is_pinned(), t.is_shared(), t.share_memory_() is t)
    """)
    assert out == "[False, False, False, False, False, False, False, False, True, False] False False True\n"


def test_module_level_tensor_api_names(gw):
    out = same_as_torch(gw, """
        x = torch.arange(6.).reshape(2, 3)
        print(isinstance(x.dtype, torch.dtype), torch.dtype, torch.adjoint(x), torch.concatenate([x, x], axis=1).shape,
              torch.empty_strided((2, 3), (3, 1)).shape)
        try:
            torch.empty_strided((2, 3), (3,))
        except RuntimeError as e:
            print(e)
    """)
    assert "True <class 'torch.dtype'> tensor([[0., 3.]," in out
