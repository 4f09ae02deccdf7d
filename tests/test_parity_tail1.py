"""The tail of torch's API through the client against PyTorch: torch.<name> forms of functional ops, the
in-place forms (torch.abs_, Tensor.eq_, bitwise_and_ ...), predicates and small helpers, process settings
(see test_parity_api.same_as_torch)."""
from __future__ import annotations

import textwrap
import warnings

import pytest

from test_parity_api import same_as_torch as _same_as_torch

pytestmark = pytest.mark.timeout(120)

SETUP = """\
def t(f):
    try:
        r = f()
    except Exception as exc:
        print("!", type(exc).__name__, exc)
    else:
        print(r)
x = torch.tensor([[1.5, -2.0, 3.0], [4.0, 0.5, -6.0]])
"""


def same_as_torch(gw, code: str) -> str:
    out = _same_as_torch(gw, SETUP + textwrap.dedent(code))
    assert "!! " not in out, out
    return out


def test_functional_forms(gw):
    out = same_as_torch(gw, """
        w = torch.tensor([[[1., 0.5]], [[-1., 2.]]])
        s = x.unsqueeze(0)
        print(torch.conv1d(s, w.transpose(0, 1).reshape(2, 1, 2).repeat(1, 2, 1)[:, :2], None, 1, 1))
        print(torch.conv_transpose1d(s, torch.ones(2, 1, 2)))
        print(torch.conv2d(x.reshape(1, 1, 2, 3), torch.ones(1, 1, 2, 2)))
        print(torch.conv_transpose2d(x.reshape(1, 1, 2, 3), torch.ones(1, 1, 1, 2), stride=2))
        print(torch.max_pool1d(s, 2), torch.max_pool2d(s, 2, 1), torch.avg_pool1d(s, 2))
        print(torch.adaptive_avg_pool1d(s, 2), torch.adaptive_max_pool1d(s, 2))
        print(torch.dropout(x, 0.5, False), torch.dropout(x, 0.0, True), torch.alpha_dropout(x, 0.3, False))
        print(torch.layer_norm(x, (3,)), torch.group_norm(s, 1), torch.rms_norm(x, [3], None, 1e-6))
        print(torch.batch_norm(x, None, None, torch.zeros(3), torch.ones(3), False, 0.1, 1e-5, True))
        print(torch.instance_norm(s, None, None, None, None, True, 0.1, 1e-5, False))
        print(torch.embedding(x, torch.tensor([1, 0, 1])))
        print(torch.pixel_shuffle(torch.arange(8.).reshape(1, 4, 1, 2), 2))
        print(torch.pixel_unshuffle(torch.arange(8.).reshape(1, 1, 2, 4), 2))
        print(torch.channel_shuffle(torch.arange(8.).reshape(1, 4, 2), 2))
        t(lambda: torch.channel_shuffle(torch.arange(8.).reshape(1, 4, 2), 3))
        print(torch.cosine_similarity(x, x.flip(1)), torch.pairwise_distance(x, x.flip(1)), torch.pdist(x))
        print(torch.threshold(x, 1.0, -1.0), torch.selu(x), torch.celu(x, 0.5), torch.rrelu(x))
        print(torch.prelu(x, torch.tensor([0.25])), torch.hardshrink(x, 1.0))
        y = x.clone(); torch.threshold_(y, 1.0, 0.0); torch.selu_(y); torch.celu_(y); torch.rrelu_(y); print(y)
        p = torch.tensor([[0.2, 0.3, 0.5], [0.1, 0.6, 0.3]])
        print(torch.kl_div(x.log_softmax(1), p), torch.kl_div(x.log_softmax(1), p, 2))
        print(torch.kl_div(x.log_softmax(1), p.log(), 1, log_target=True))
        t(lambda: torch.kl_div(x, p, 0, True))
        print(torch.binary_cross_entropy_with_logits(x, p), torch.binary_cross_entropy_with_logits(x, p, None, None, 0))
        tg = torch.tensor([1., -1.])
        print(torch.margin_ranking_loss(x[:, 0], x[:, 1], tg), torch.hinge_embedding_loss(x, x.sign(), 1.0, 2))
        print(torch.cosine_embedding_loss(x, x.flip(1), tg), torch.triplet_margin_loss(x, x.flip(1), x * 2))
        print(torch.poisson_nll_loss(x, p, True, False, 1e-8, 1), torch.poisson_nll_loss(p, p, False, True, 1e-8, 2))
        print(torch.bilinear(x, x, torch.ones(2, 3, 3), torch.zeros(2)))
    """)
    assert "tensor([[ 1.5000, -1.0000,  3.0000],\n        [ 4.0000, -1.0000, -1.0000]])" in out  # threshold
    assert "tensor([[0., 1., 0.],\n         [2., 3., 3.]]" not in out


def test_functional_forms_record_torchs_nodes(gw):
    out = same_as_torch(gw, """
        a = x.clone().requires_grad_()
        for y in (torch.conv1d(a.unsqueeze(0), torch.ones(1, 2, 2)), torch.layer_norm(a, [3]),
                  torch.embedding(a, torch.tensor([1])), torch.selu(a), torch.hardshrink(a),
                  torch.max_pool1d(a.unsqueeze(0), 2), torch.bilinear(a, a, torch.ones(1, 3, 3))):
            print(y.grad_fn.name())
        print(torch.dropout(a, 0.0, True) is a, torch.dropout(a, 0.5, False) is a)
        (torch.layer_norm(a, [3]) * torch.tensor([1., 2., 4.])).sum().backward()
        print((a.grad * 1e4).round())
    """)
    assert "ConvolutionBackward0" in out and "NativeLayerNormBackward0" in out


def test_inplace_top_level_forms(gw):
    out = same_as_torch(gw, """
        for name in ("abs_", "exp_", "relu_", "sigmoid_", "tanh_", "neg_", "floor_", "round_", "trunc_", "frac_",
                     "exp2_", "tan_", "erf_", "fix_", "square_", "zero_", "sin_", "expm1_", "sinc_", "negative_"):
            y = x.clone()
            r = getattr(torch, name)(y)
            print(name, r is y, y)
        y = x.abs(); torch.log2_(y); torch.log10_(y); torch.sqrt_(y); print(y)
        y = x.clone(); print(torch.fill_(y, 2.5), torch.clamp_(y, max=1.0), torch.clamp_min_(y, 2.0))
        print(torch.fill(x, 7.0), x)
        t(lambda: torch.abs_(3))
        t(lambda: torch.exp_([1.0]))
        a = x.clone().requires_grad_()
        b = a * 1
        torch.sigmoid_(b)
        print(b.grad_fn.name())
        b.sum().backward()
        print(a.grad)
    """)
    assert "abs_ True tensor([[1.5000, 2.0000, 3.0000],\n        [4.0000, 0.5000, 6.0000]])" in out
    assert "zero_ True tensor([[0., 0., 0.],\n        [0., 0., 0.]])" in out
    assert "! TypeError abs_(): argument 'input' (position 1) must be Tensor, not int" in out


def test_inplace_comparisons_logical_and_math(gw):
    out = same_as_torch(gw, """
        o = torch.tensor([1.5, 0.5, 3.0])
        for name in ("eq_", "ne_", "lt_", "le_", "gt_", "ge_", "greater_", "greater_equal_", "less_", "less_equal_",
                     "not_equal_", "logical_and_", "logical_or_", "logical_xor_", "hypot_",
                     "floor_divide_", "atan2_", "arctan2_", "nextafter_"):
            y = x.clone()
            r = getattr(y, name)(o)
            print(name, r is y, y)
        y = x.clone(); y.eq_(3.0); print(y)
        y = x.clone(); y.remainder_(torch.tensor([1.25, 0.75, 4.0])); print(y)
        y = x.clone(); y.logical_not_(); print(y)
        y = x.clone(); y.cumsum_(1); print(y); y.cumprod_(0); print(y); y.cumsum_(dim=0); print(y)
        y = x.clone(); y.tril_(); print(y); y = x.clone(); y.triu_(1); print(y)
        y = x.clone(); y.log2_(); print(y); y = x.abs(); y.log10_(); y.erf_(); y.exp2_(); y.tan_(); y.fix_(); print(y)
        i = torch.tensor([5, 3, -2])
        j = torch.tensor([1, 6, 7])
        print(i.bitwise_and(j), i.bitwise_or(j), i.bitwise_xor(j), i.bitwise_not())
        print(torch.bitwise_and(i, j), torch.bitwise_or(i, 2), torch.bitwise_xor(i, j), torch.bitwise_not(i))
        k = i.clone(); k.bitwise_and_(j); k.bitwise_or_(8); k.bitwise_xor_(j); k.bitwise_not_(); print(k)
        m = torch.tensor([True, False, True]); m.bitwise_not_(); print(m, m.bitwise_and(torch.tensor(True)))
        k = i.clone(); k.eq_(3); print(k)
        t(lambda: x.clone().bitwise_and_(o).tolist())
        t(lambda: torch.tensor([1, 2]).lt_(torch.tensor([1, 2, 3])).tolist())
        t(lambda: torch.tensor([1, 2]).eq_(torch.ones(2, 2)).tolist())
        t(lambda: torch.ones(2).unsqueeze(0).eq_(torch.ones(3, 1)).tolist())
        a = torch.tensor([1., 2.], requires_grad=True)
        b = a.clone(); b.greater_(1.5); c = a * 1; c.logical_not_()
        print(b.detach(), c.grad_fn.name())  # (torch names b's node GtBackward0; gradwire copies the result in)
        (b * 3 + c).sum().backward()
        print(a.grad)
    """)
    assert "tensor([0., 1.]) MulBackward0\ntensor([1., 1.])" in out
    assert "eq_ True tensor([[1., 0., 1.],\n        [0., 1., 0.]])" in out
    assert "tensor([1, 2, 6]) tensor([ 5,  7, -1]) tensor([ 4,  5, -7]) tensor([-6, -4,  1])" in out


def test_tensor_predicates_and_helpers(gw):
    out = same_as_torch(gw, """
        i = torch.tensor([1, 2])
        for v in (x, i, torch.tensor([True]), torch.tensor([1], dtype=torch.uint8), torch.tensor([1], dtype=torch.int8)):
            print(v.is_signed(), torch.is_signed(v), v.is_complex(), torch.is_complex(v), v.is_cpu)
        print(x.is_conj(), x.is_neg(), x.resolve_conj() is x, x.resolve_neg() is x, x.conj() is x,
              torch.conj(x) is x, x.conj_physical(), torch.is_conj(x), torch.is_neg(x))
        print(x.real is x, torch.real(x) is x)
        t(lambda: x.imag)
        t(lambda: torch.imag(x))
        print(x.data_ptr() == x.view(6).data_ptr(), x[1].data_ptr() - x.data_ptr(), x.data_ptr() % 4)
        a = torch.tensor([1., 2., 3., 4.], requires_grad=True)
        u, v = (a * 1).split(2)
        print(a.output_nr, u.output_nr, v.output_nr, (a * 2).output_nr)
        print(x.new(2, 3).shape, x.new(torch.Size([4])).shape, x.new([1, 2]), x.new((3, 4)), i.new([7]))
        print(x.new().shape, x.new(x), x.new(x) is x, x.new(x).data_ptr() == x.data_ptr())
        t(lambda: x.new(i))
        print(x.where(x > 1, 0.0), x.where(x > 1, -x))
        print(x.split_with_sizes([1, 2], 1), x.unsafe_chunk(2), x.unsafe_split(1, 1))
        print(torch.split_with_sizes(x, [1, 1]), torch.unsafe_chunk(x, 3, 1))
        print(x.broadcast_to(2, 2, 3).shape, x[0].broadcast_to((2, 3)))
        print(x[0].ger(x[1]), torch.ger(x[0], x[1]))
        print(torch.is_inference(x), torch.is_same_size(x, x * 2), torch.is_same_size(x, x[0]))
        with torch.inference_mode():
            print(torch.is_inference(torch.ones(1)))
    """)
    assert "True True False False True\nTrue True False False True\nFalse False False False True" in out
    assert "! RuntimeError imag is not implemented for tensors with non-complex dtypes." in out
    assert "True 12 0" in out
    assert "0 0 1 0" in out


def test_creation_and_shape_helpers(gw):
    out = same_as_torch(gw, """
        print(torch.broadcast_shapes(2, (3, 1)), torch.broadcast_shapes((1, 3), (2, 1), (3,)), torch.broadcast_shapes())
        t(lambda: torch.broadcast_shapes((2, 3), (4,)))
        a, b = torch.broadcast_tensors(x, torch.tensor([1., 2., 3.]))
        print(a is x, b, torch.broadcast_tensors(torch.tensor(1), torch.tensor([[2], [3]])))
        t(lambda: torch.broadcast_tensors(x, torch.ones(4)))
        print(torch.scalar_tensor(3), torch.scalar_tensor(2.5, dtype=torch.float64), torch.scalar_tensor(True))
        print(torch.range(0, 1, 0.25), torch.range(0, 3), torch.range(1, 4, dtype=torch.int64), torch.range(3, 0, -1))
        print(torch.typename(x), torch.typename(torch.tensor([1])), torch.typename(3), torch.typename(len),
              torch.typename(x.double()))
        print(torch.unravel_index(torch.tensor([4, 7, 0]), (2, 4)), torch.unravel_index(torch.tensor(5), (2, 3)))
        print(torch.unravel_index(torch.tensor([[1, 23]]), (2, 3, 4)), torch.unravel_index(torch.tensor([3]), 5))
        t(lambda: torch.unravel_index(torch.tensor([1.5]), (2, 3)))
        print(torch.block_diag(torch.ones(2, 2), torch.tensor(3), torch.tensor([4, 5])))
        print(torch.block_diag(torch.tensor([[1, 2]]), torch.tensor([[3], [4]])), torch.block_diag(x))
        print(torch.block_diag(torch.ones(1, 2), torch.ones(2, 0), torch.ones(1, 1)))
        t(lambda: torch.block_diag(torch.ones(1, 1, 1)))
        a = torch.tensor([[1., 2.]], requires_grad=True)
        b = torch.tensor(3., requires_grad=True)
        (torch.block_diag(a, b) * torch.tensor([[1., 2., 3.], [4., 5., 6.]])).sum().backward()
        print(a.grad, b.grad)
    """)
    assert "torch.Size([3, 2]) torch.Size([2, 3]) torch.Size([])" in out
    assert "tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000]) tensor([0., 1., 2., 3.]) tensor([1, 2, 3, 4])" in out
    assert "tensor([[1., 2.]]) tensor(6.)" in out


def test_range_warns(gw):
    torch = gw
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = torch.range(1, 2, 0.5)
    assert [float(v) for v in r.tolist()] == [1.0, 1.5, 2.0]
    assert any("torch.range is deprecated" in str(w.message) for w in caught)
    assert torch.range.__name__ == "range"


def test_process_settings(gw):
    out = same_as_torch(gw, """
        print(torch.get_default_device()); torch.set_default_device("cpu"); print(torch.get_default_device())
        torch.set_default_device(None)
        n = torch.get_num_threads(); torch.set_num_threads(1); print(torch.get_num_threads())
        t(lambda: torch.set_num_threads(0)); torch.set_num_threads(n)
        print(torch.get_num_interop_threads() >= 1)
        print(torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled(),
              torch.get_deterministic_debug_mode())
        torch.use_deterministic_algorithms(True)
        print(torch.are_deterministic_algorithms_enabled(), torch.get_deterministic_debug_mode())
        torch.use_deterministic_algorithms(True, warn_only=True)
        print(torch.is_deterministic_algorithms_warn_only_enabled(), torch.get_deterministic_debug_mode())
        torch.set_deterministic_debug_mode("error"); print(torch.get_deterministic_debug_mode())
        t(lambda: torch.set_deterministic_debug_mode("x"))
        t(lambda: torch.set_deterministic_debug_mode(5))
        torch.set_deterministic_debug_mode(0); print(torch.are_deterministic_algorithms_enabled())
        print(torch.get_float32_matmul_precision()); torch.set_float32_matmul_precision("high")
        print(torch.get_float32_matmul_precision()); torch.set_float32_matmul_precision("highest")
        print(torch.is_warn_always_enabled()); torch.set_warn_always(True); print(torch.is_warn_always_enabled())
        torch.set_warn_always(False)

        @torch.compile(backend="eager")
        def f(v):
            return v * 2

        @torch.compile
        def g(v):
            return v + 1
        print(f(x), g(x), f.__name__, g.__name__)
        print(torch.manual_seed(0) is not None)
    """)
    assert "cpu\ncpu\n1\n! RuntimeError set_num_threads expects a positive integer" in out
    assert "! RuntimeError invalid value of debug_mode, expected 0, 1, or 2, but got 5" in out


def test_compile_wraps_a_module_and_returns_a_function(gw):
    torch = gw
    m = torch.nn.Linear(2, 2)
    assert torch.compile(m, disable=True) is m
    assert torch.compile(backend="eager")(len) is len
    out = same_as_torch(gw, """
        torch.manual_seed(0)
        lin = torch.nn.Linear(2, 2)
        t(lambda: torch.compile(lin, mode="max-autotune", options={}))
        m = torch.compile(lin, mode="reduce-overhead", fullgraph=True, dynamic=False)
        print(m, type(m).__name__, list(m.state_dict()), m.weight is lin.weight, m._orig_mod is lin, m.in_features)
        m.eval(); m.bar = 1
        print(lin.training, lin.bar, [n for n, _ in m.named_parameters()], m(torch.ones(2)).detach())
        del m.bar
        print(hasattr(lin, "bar"), len(torch.compile(torch.nn.Sequential(lin, lin))))
        try:
            len(m)
        except TypeError as e:
            print(e)
    """)
    assert "OptimizedModule(\n  (_orig_mod): Linear(in_features=2, out_features=2, bias=True)\n) OptimizedModule " \
           "['_orig_mod.weight', '_orig_mod.bias'] True True 2" in out
    assert "Linear does not support len()" in out


def test_alpha_dropout_in_training(gw):
    torch = gw
    p, alpha = 0.5, 1.7580993408473766  # ATen: kept a + alpha*a*p, dropped alpha*a*(p-1), as torch gives
    a = (((alpha ** 2) * p + 1) * (1 - p)) ** -0.5
    out = torch.alpha_dropout(torch.ones(8, 8), p, True).flatten().tolist()
    kept, dropped = a + alpha * a * p, alpha * a * (p - 1)
    assert all(abs(v - kept) < 1e-5 or abs(v - dropped) < 1e-5 for v in out)
    assert any(abs(v - dropped) < 1e-5 for v in out) and any(abs(v - kept) < 1e-5 for v in out)
    with pytest.raises(RuntimeError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        torch.alpha_dropout(torch.ones(2), 1.5, True)
