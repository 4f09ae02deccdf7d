"""Every op on cuda against cpu: forward values and input gradients, the same inputs on both
devices (float64 to 1e-10 relative, float32 to 1e-5). Runs only with CuPy and an NVIDIA GPU.

``test_the_table_covers_every_op`` runs everywhere: it keeps the table in step with the
engine's op registry, so a new op cannot go untested on cuda.
"""
from __future__ import annotations

import numpy as np
import pytest

import gradwire.engine as E
from gradwire.engine.nn.lstm import lstm

from gpu_check import needs_gpu

pytestmark = pytest.mark.timeout(300)

OP = E.OPS
TOL = {"float64": dict(rtol=1e-10, atol=1e-12), "float32": dict(rtol=1e-5, atol=1e-6)}

# Input kinds: f float (any sign), p positive float, u in (-0.9, 0.9), i<N> int64 in [0, N), b bool.
# A case: (name, fn, input specs); fn takes the tensors in order; "op:variant" names a second case of an op.
CASES = []


def case(name, fn, *specs):
    CASES.append((name, fn, specs))


for _n in ["abs", "neg", "exp", "exp2", "expm1", "sin", "cos", "tanh", "sigmoid", "relu", "erf", "gelu", "silu", "softplus",
           "sign", "floor", "ceil", "round", "absolute"]:
    case(_n, lambda x, _n=_n: OP[_n](x), ("f", (3, 4)))
for _n in ["log", "log1p", "log2", "log10", "sqrt", "rsqrt", "reciprocal"]:
    case(_n, lambda x, _n=_n: OP[_n](x), ("p", (3, 4)))
case("tan", lambda x: OP["tan"](x), ("u", (3, 4)))
case("clamp", lambda x: OP["clamp"](x, -0.5, 0.5), ("f", (3, 4)))
case("clip", lambda x: OP["clip"](x, -0.5, 0.5), ("f", (3, 4)))
case("clamp_min", lambda x: OP["clamp_min"](x, 0.1), ("f", (3, 4)))
case("clamp_max", lambda x: OP["clamp_max"](x, 0.1), ("f", (3, 4)))
for _n in ["add", "sub", "rsub", "mul", "maximum", "minimum"]:
    case(_n, lambda a, b, _n=_n: OP[_n](a, b), ("f", (3, 1)), ("f", (1, 4)))
for _n in ["div", "true_divide"]:
    case(_n, lambda a, b, _n=_n: OP[_n](a, b), ("f", (3, 4)), ("p", (4,)))
for _mode in ["trunc", "floor", None]:
    case(f"div:{_mode}", lambda a, b, _mode=_mode: OP["div"](a * 4, b, rounding_mode=_mode), ("f", (3, 4)), ("p", (4,)))
case("pow", lambda a, b: OP["pow"](a, b), ("p", (3, 4)), ("f", (3, 4)))
case("mv", lambda a, b: OP["mv"](a, b), ("f", (3, 4)), ("f", (4,)))
for _n in ["atan2", "arctan2", "hypot"]:
    case(_n, lambda a, b, _n=_n: OP[_n](a, b), ("f", (3, 4)), ("p", (4,)))
case("where", lambda c, a, b: OP["where"](c, a, b), ("b", (3, 4)), ("f", (3, 4)), ("f", (4,)))
for _n in ["sum", "mean", "prod", "amax", "amin", "logsumexp", "var", "std", "cumsum"]:
    case(_n, lambda x, _n=_n: OP[_n](x, 1), ("f", (3, 4)))
case("sum:all", lambda x: OP["sum"](x), ("f", (3, 4)))
case("max", lambda x: OP["max"](x, 1), ("f", (3, 4)))
case("min", lambda x: OP["min"](x, 0), ("f", (3, 4)))
case("norm", lambda x: OP["norm"](x), ("f", (3, 4)))
case("linalg.vector_norm", lambda x: OP["linalg.vector_norm"](x, 3), ("f", (3, 4)))
for _n in ["argmax", "argmin", "all", "any"]:
    case(_n, lambda x, _n=_n: OP[_n](x, 1), ("f", (3, 4)))
for _n in ["eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal", "not_equal"]:
    case(_n, lambda a, b, _n=_n: OP[_n](a, b), ("f", (3, 4)), ("f", (4,)))
for _n in ["logical_and", "logical_or", "logical_xor"]:
    case(_n, lambda a, b, _n=_n: OP[_n](a, b), ("b", (3, 4)), ("b", (3, 4)))
case("logical_not", lambda a: OP["logical_not"](a), ("b", (3, 4)))
for _n in ["isnan", "isinf", "isfinite"]:
    case(_n, lambda x, _n=_n: OP[_n](OP["log"](x)), ("f", (3, 4)))
for _n in ["bitwise_and", "bitwise_or", "bitwise_xor"]:
    case(_n, lambda a, b, _n=_n: OP[_n](a, b), ("i7", (3, 4)), ("i7", (3, 4)))
case("bitwise_not", lambda a: OP["bitwise_not"](a), ("i7", (3, 4)))
for _n in ["bitwise_left_shift", "bitwise_right_shift"]:
    case(_n, lambda a, _n=_n: OP[_n](a, 3), ("i7", (3, 4)))
case("reshape", lambda x: OP["reshape"](x, (4, 3)), ("f", (3, 4)))
case("view", lambda x: OP["view"](x, 2, 6), ("f", (3, 4)))
case("expand", lambda x: OP["expand"](x, 2, 3, 4), ("f", (3, 1)))
case("t", lambda x: OP["t"](x), ("f", (3, 4)))
case("transpose", lambda x: OP["transpose"](x, 0, 2), ("f", (2, 3, 4)))
case("permute", lambda x: OP["permute"](x, 2, 0, 1), ("f", (2, 3, 4)))
case("flatten", lambda x: OP["flatten"](x, 1), ("f", (2, 3, 4)))
case("squeeze", lambda x: OP["squeeze"](x, 1), ("f", (3, 1, 4)))
case("unsqueeze", lambda x: OP["unsqueeze"](x, -1), ("f", (3, 4)))
case("repeat", lambda x: OP["repeat"](x, 2, 1, 3), ("f", (3, 4)))
case("cat", lambda a, b: OP["cat"]([a, b], 1), ("f", (3, 4)), ("f", (3, 2)))
case("concat", lambda a, b: OP["concat"]([a, b]), ("f", (3, 4)), ("f", (1, 4)))
case("concatenate", lambda a, b: OP["concatenate"]([a, b]), ("f", (3, 4)), ("f", (1, 4)))
case("stack", lambda a, b: OP["stack"]([a, b], 1), ("f", (3, 4)), ("f", (3, 4)))
case("split", lambda x: OP["split"](x, 2, 1), ("f", (3, 5)))
case("split:first", lambda x: OP["split"](x, 2, 1)[0], ("f", (3, 5)))  # the other parts' gradients are zeros
case("unbind", lambda x: OP["unbind"](x, 1), ("f", (3, 4)))
case("unbind:second", lambda x: OP["unbind"](x, 0)[1], ("f", (3, 4)))  # the other parts' gradients are zeros
case("chunk", lambda x: OP["chunk"](x, 3, 0), ("f", (7, 2)))
case("flip", lambda x: OP["flip"](x, (0, 1)), ("f", (3, 4)))
case("rot90", lambda x: OP["rot90"](x, 1, (2, 0)), ("f", (2, 3, 4)))
case("tril", lambda x: OP["tril"](x, -1), ("f", (4, 4)))
case("triu", lambda x: OP["triu"](x, 1), ("f", (4, 4)))
case("narrow", lambda x: OP["narrow"](x, 1, 1, 2), ("f", (3, 4)))
case("select", lambda x: OP["select"](x, 0, 2), ("f", (3, 4)))
case("contiguous", lambda x: OP["contiguous"](OP["t"](x)), ("f", (3, 4)))
case("clone", lambda x: OP["clone"](x), ("f", (3, 4)))
case("detach", lambda x: OP["detach"](x) * 1.0, ("f", (3, 4)))
case("to", lambda x: OP["to"](x, E.float16).float(), ("f", (3, 4)))
case("getitem", lambda x, i: OP["getitem"](x, (i, slice(1, None))), ("f", (5, 4)), ("i5", (6,)))
case("getitem:mask", lambda x, m: OP["getitem"](x, m), ("f", (3, 4)), ("b", (3, 4)))
case("index_select", lambda x, i: OP["index_select"](x, 0, i), ("f", (5, 4)), ("i5", (7,)))
case("gather", lambda x, i: OP["gather"](x, 1, i), ("f", (3, 4)), ("i4", (3, 6)))
case("scatter_add", lambda x, i, s: OP["scatter_add"](x, 1, i, s), ("f", (3, 4)), ("i4", (3, 6)), ("f", (3, 6)))
case("masked_fill", lambda x, m: OP["masked_fill"](x, m, 0.25), ("f", (3, 4)), ("b", (3, 4)))
case("silu_", lambda x: OP["silu_"](x * 1.0), ("f", (3, 4)))
case("masked_fill_", lambda x, m: OP["masked_fill_"](x * 1.0, m, 0.25), ("f", (3, 4)), ("b", (3, 4)))
case("scatter_add_", lambda x, i, s: OP["scatter_add_"](x * 1.0, 1, i, s), ("f", (3, 4)), ("i4", (3, 6)), ("f", (3, 6)))
case("matmul", lambda a, b: OP["matmul"](a, b), ("f", (2, 3, 4)), ("f", (4, 5)))
case("mm", lambda a, b: OP["mm"](a, b), ("f", (3, 4)), ("f", (4, 5)))
case("bmm", lambda a, b: OP["bmm"](a, b), ("f", (2, 3, 4)), ("f", (2, 4, 5)))
case("dot", lambda a, b: OP["dot"](a, b), ("f", (6,)), ("f", (6,)))
case("outer", lambda a, b: OP["outer"](a, b), ("f", (3,)), ("f", (4,)))
case("ger", lambda a, b: OP["ger"](a, b), ("f", (3,)), ("f", (4,)))
case("linear", lambda x, w, b: OP["linear"](x, w, b), ("f", (5, 4)), ("f", (3, 4)), ("f", (3,)))
case("softmax", lambda x: OP["softmax"](x, 1), ("f", (3, 4)))
case("log_softmax", lambda x: OP["log_softmax"](x, 1), ("f", (3, 4)))
case("layer_norm", lambda x, w, b: OP["layer_norm"](x, (4,), w, b), ("f", (3, 4)), ("f", (4,)), ("f", (4,)))
case("embedding", lambda i, w: OP["embedding"](i, w), ("i6", (2, 5)), ("f", (6, 3)))
case("mse_loss", lambda x, t: OP["mse_loss"](x, t), ("f", (3, 4)), ("f", (3, 4)))
case("l1_loss", lambda x, t: OP["l1_loss"](x, t), ("f", (3, 4)), ("f", (3, 4)))
case("cross_entropy", lambda x, t: OP["cross_entropy"](x, t), ("f", (5, 4)), ("i4", (5,)))
case("nll_loss", lambda x, t: OP["nll_loss"](OP["log_softmax"](x, 1), t), ("f", (5, 4)), ("i4", (5,)))
case("binary_cross_entropy_with_logits", lambda x, t: OP["binary_cross_entropy_with_logits"](x, t),
     ("f", (3, 4)), ("u", (3, 4)))
case("dropout", lambda x: OP["dropout"](x, 0.5, False), ("f", (3, 4)))
case("lstm", lambda x, a, b, c, d: lstm(x, [a, b, c, d], num_layers=1), ("f", (5, 2, 3)), ("f", (16, 3)),
     ("f", (16, 4)), ("f", (16,)), ("f", (16,)))


def _inplace(name, *args):
    def fn(x, *rest):
        y = x * 1.0  # a non-leaf to update in place
        OP[name](y, *rest, *args)
        return y
    return fn


for _n in ["add_", "sub_", "mul_", "div_"]:
    case(_n, _inplace(_n), ("f", (3, 4)), ("p", (4,)))
case("clamp_", _inplace("clamp_", -0.3, 0.3), ("f", (3, 4)))
case("fill_", _inplace("fill_", 2.5), ("f", (3, 4)))
case("zero_", _inplace("zero_"), ("f", (3, 4)))
case("copy_", _inplace("copy_"), ("f", (3, 4)), ("f", (4,)))
case("setitem", lambda x, v: _setitem(x, v), ("f", (3, 4)), ("f", (4,)))
for _n in ["abs_", "neg_", "exp_", "expm1_", "sin_", "cos_", "tanh_", "sigmoid_", "relu_", "sign_", "floor_",
           "ceil_", "round_"]:
    case(_n, _inplace(_n), ("f", (3, 4)))
for _n in ["log_", "log1p_", "sqrt_", "rsqrt_", "reciprocal_"]:
    case(_n, _inplace(_n), ("p", (3, 4)))
case("pow_", _inplace("pow_", 2.0), ("f", (3, 4)))
# in-place views: new shape and strides of the same memory
case("transpose_", _inplace("transpose_", 0, 2), ("f", (2, 3, 4)))
case("t_", _inplace("t_"), ("f", (3, 4)))
case("squeeze_", _inplace("squeeze_"), ("f", (3, 1, 4)))
case("squeeze_:dim", _inplace("squeeze_", 1), ("f", (3, 1, 4)))
case("unsqueeze_", _inplace("unsqueeze_", 1), ("f", (3, 4)))
case("clamp_min_", _inplace("clamp_min_", 0.1), ("f", (3, 4)))
case("clamp_max_", _inplace("clamp_max_", 0.1), ("f", (3, 4)))
# fused arithmetic (ops/fused.py) and sgn
case("sgn", lambda x: OP["sgn"](x), ("f", (3, 4)))
case("trunc", lambda x: OP["trunc"](x), ("f", (3, 4)))
case("fix", lambda x: OP["fix"](x), ("f", (3, 4)))
case("frac", lambda x: OP["frac"](x * 3), ("f", (3, 4)))
case("trunc_", _inplace("trunc_"), ("f", (3, 4)))
case("frac_", _inplace("frac_"), ("f", (3, 4)))
case("sgn_", _inplace("sgn_"), ("f", (3, 4)))
case("lerp", lambda a, b: OP["lerp"](a, b, 0.3), ("f", (3, 4)), ("f", (4,)))
case("lerp:tensor_weight", lambda a, b, w: OP["lerp"](a, b, w), ("f", (3, 4)), ("f", (3, 4)), ("u", (3, 1)))
# special math (ops/special_math.py) and the hyperbolic / inverse trigonometric functions
for _n in ["sinh", "cosh", "atan", "asinh", "arctan", "arcsinh", "i0", "special_i1", "sinc", "deg2rad", "rad2deg",
           "nan_to_num", "square"]:
    case(_n, lambda x, _n=_n: OP[_n](x), ("f", (3, 4)))
for _n in ["asin", "acos", "atanh", "arcsin", "arccos", "arctanh", "erfinv"]:
    case(_n, lambda x, _n=_n: OP[_n](x), ("u", (3, 4)))
for _n in ["acosh", "arccosh"]:
    case(_n, lambda x, _n=_n: OP[_n](x + 1.0), ("p", (3, 4)))
for _n in ["lgamma", "digamma"]:
    case(_n, lambda x, _n=_n: OP[_n](x), ("p", (3, 4)))
case("lgamma:negative", lambda x: OP["lgamma"](x - 3.0), ("u", (3, 4)))
case("polygamma", lambda x: OP["polygamma"](1, x), ("p", (3, 4)))
case("polygamma:3", lambda x: OP["polygamma"](3, x - 2.0), ("u", (3, 4)))
case("logit", lambda x: OP["logit"](x * 0.5 + 0.5), ("u", (3, 4)))
case("logit:eps", lambda x: OP["logit"](x * 0.6 + 0.5, 0.1), ("u", (3, 4)))
case("xlogy", lambda a, b: OP["xlogy"](a, b), ("f", (3, 4)), ("p", (4,)))
case("xlogy:scalar", lambda a: OP["xlogy"](2.0, a) + OP["xlogy"](a, 3.0), ("p", (3, 4)))
for _n in ["logaddexp", "logaddexp2", "copysign"]:
    case(_n, lambda a, b, _n=_n: OP[_n](a, b), ("f", (3, 1)), ("f", (1, 4)))
case("fmod", lambda a, b: OP["fmod"](a * 4, b), ("f", (3, 4)), ("p", (4,)))
case("fmod:scalar", lambda a: OP["fmod"](a * 4, 1.5), ("f", (3, 4)))
case("float_power", lambda a, b: OP["float_power"](a, b), ("p", (3, 4)), ("f", (4,)))
case("heaviside", lambda a, b: OP["heaviside"](a.detach(), b.detach()), ("f", (3, 4)), ("f", (4,)))
for _n in ["nansum", "nanmean", "var_mean", "std_mean"]:
    case(_n, lambda x, _n=_n: OP[_n](x, 1), ("f", (3, 4)))
case("logdet", lambda a: OP["logdet"](a @ a.mT + E.eye(3, dtype=a.dtype, device=a.device)), ("f", (2, 3, 3)))
case("cdist", lambda a, b: OP["cdist"](a, b), ("f", (3, 4)), ("f", (5, 4)))
case("cdist:mm", lambda a, b: OP["cdist"](a, b, compute_mode="use_mm_for_euclid_dist"), ("f", (2, 3, 4)), ("f", (5, 4)))
case("cdist:p1", lambda a, b: OP["cdist"](a, b, 1.0), ("f", (2, 3, 4)), ("f", (5, 4)))
case("unfold", lambda x: OP["unfold"](x, 1, 3, 2) * 1.0, ("f", (3, 8)))
for _n in ["sinh_", "cosh_", "atan_", "asinh_", "arctan_", "arcsinh_", "i0_", "sinc_", "deg2rad_", "rad2deg_",
           "nan_to_num_", "square_"]:
    case(_n, _inplace(_n), ("f", (3, 4)))
for _n in ["asin_", "acos_", "atanh_", "arcsin_", "arccos_", "arctanh_", "erfinv_"]:
    case(_n, _inplace(_n), ("u", (3, 4)))
for _n in ["acosh_", "arccosh_", "lgamma_", "digamma_"]:
    case(_n, lambda x, _n=_n: _inplace(_n)(x + 1.0), ("p", (3, 4)))
case("polygamma_", _inplace("polygamma_", 2), ("p", (3, 4)))
case("logit_", lambda x: _inplace("logit_")(x * 0.5 + 0.5), ("u", (3, 4)))
case("xlogy_", _inplace("xlogy_"), ("f", (3, 4)), ("p", (4,)))
case("fmod_", _inplace("fmod_", 0.7), ("f", (3, 4)))
case("copysign_", _inplace("copysign_"), ("f", (3, 4)), ("f", (4,)))
case("heaviside_", lambda x, v: _inplace("heaviside_")(x.detach(), v.detach()), ("f", (3, 4)), ("f", (4,)))
for _n in ["erfc", "special_erfcx", "negative", "isposinf", "isneginf", "signbit", "positive"]:
    case(_n, lambda x, _n=_n: OP[_n](x * 3), ("f", (3, 4)))
case("mvlgamma", lambda x: OP["mvlgamma"](x + 1.0, 3), ("p", (3, 4)))
for _n in ["ldexp", "fmax", "fmin", "multiply", "subtract", "divide"]:
    case(_n, lambda a, b, _n=_n: OP[_n](a, b), ("f", (3, 4)), ("p", (4,)))
for _n in ["erfc_", "negative_"]:
    case(_n, _inplace(_n), ("f", (3, 4)))
for _n in ["ldexp_", "multiply_", "subtract_", "divide_"]:
    case(_n, _inplace(_n), ("f", (3, 4)), ("p", (4,)))
for _n in ["special_i0e", "special_i1e"]:
    case(_n, lambda x, _n=_n: OP[_n](x * 3), ("f", (3, 4)))
case("special_entr", lambda x: OP["special_entr"](x), ("p", (3, 4)))
case("special_xlog1py", lambda a, b: OP["special_xlog1py"](a, b), ("f", (3, 4)), ("p", (4,)))
case("float_power_", lambda x, e: _inplace("float_power_")(x.double(), e), ("p", (3, 4)), ("f", (4,)))
# in-place forms added with the tail of torch's API (ops/inplace.py UNARY_INPLACE)
for _n in ["eq_", "ne_", "lt_", "le_", "gt_", "ge_", "logical_and_", "logical_or_", "logical_xor_", "hypot_",
           "remainder_", "floor_divide_", "atan2_", "nextafter_"]:
    case(_n, lambda x, y, _n=_n: _inplace(_n)(x.detach(), y.detach()), ("f", (3, 4)), ("p", (4,)))
for _n in ["logical_not_", "erf_", "exp2_", "tan_", "fix_", "tril_", "triu_"]:
    case(_n, lambda x, _n=_n: _inplace(_n)(x.detach()), ("f", (3, 4)))
for _n in ["log2_", "log10_"]:
    case(_n, _inplace(_n), ("p", (3, 4)))
for _n in ["cumsum_", "cumprod_"]:
    case(_n, _inplace(_n, 1), ("f", (3, 4)))


def _int_inplace(name):
    def fn(x, *rest):
        y = (x.detach() * 8).to(E.int64)
        OP[name](y, *((r.detach() * 8).to(E.int64) for r in rest))
        return y * 1.0
    return fn


for _n in ["bitwise_and_", "bitwise_or_", "bitwise_xor_", "bitwise_left_shift_", "bitwise_right_shift_"]:
    case(_n, _int_inplace(_n), ("f", (3, 4)), ("p", (4,)))
case("bitwise_not_", _int_inplace("bitwise_not_"), ("f", (3, 4)))
for _n in ["special_ndtr", "special_log_ndtr"]:
    case(_n, lambda x, _n=_n: OP[_n](x * 4), ("f", (3, 4)))
case("nextafter", lambda a, b: OP["nextafter"](a, b), ("f", (3, 4)), ("f", (4,)))
case("logcumsumexp", lambda x: OP["logcumsumexp"](x * 3, 1), ("f", (3, 4)))
case("mvlgamma_", lambda x: _inplace("mvlgamma_", 2)(x + 1.0), ("p", (3, 4)))
case("lerp_", _inplace("lerp_", 0.7), ("f", (3, 4)), ("f", (4,)))
case("addmm", lambda b, m1, m2: OP["addmm"](b, m1, m2, beta=0.5, alpha=2.0), ("f", (4,)), ("f", (3, 5)), ("f", (5, 4)))
case("addmm_", lambda b, m1, m2: OP["addmm_"](b * 1.0, m1, m2, alpha=0.5), ("f", (3, 4)), ("f", (3, 2)), ("f", (2, 4)))
case("addmv", lambda b, m, v: OP["addmv"](b, m, v, beta=0.5, alpha=2.0), ("f", (3,)), ("f", (3, 4)), ("f", (4,)))
case("addmv_", lambda b, m, v: OP["addmv_"](b * 1.0, m, v), ("f", (3,)), ("f", (3, 4)), ("f", (4,)))
case("addr", lambda b, u, v: OP["addr"](b, u, v, alpha=2.0), ("f", (3, 4)), ("f", (3,)), ("f", (4,)))
case("addr_", lambda b, u, v: OP["addr_"](b * 1.0, u, v), ("f", (3, 4)), ("f", (3,)), ("f", (4,)))
case("baddbmm", lambda b, x, y: OP["baddbmm"](b, x, y, beta=0.5), ("f", (2, 3, 5)), ("f", (2, 3, 4)), ("f", (2, 4, 5)))
case("baddbmm_", lambda b, x, y: OP["baddbmm_"](b * 1.0, x, y), ("f", (2, 3, 5)), ("f", (2, 3, 4)), ("f", (2, 4, 5)))
case("addbmm", lambda b, x, y: OP["addbmm"](b, x, y, alpha=0.5), ("f", (3, 5)), ("f", (2, 3, 4)), ("f", (2, 4, 5)))
case("addbmm_", lambda b, x, y: OP["addbmm_"](b * 1.0, x, y), ("f", (3, 5)), ("f", (2, 3, 4)), ("f", (2, 4, 5)))
case("vdot", lambda a, b: OP["vdot"](a, b), ("f", (5,)), ("f", (5,)))
case("addcmul", lambda a, b, c: OP["addcmul"](a, b, c, value=0.5), ("f", (3, 4)), ("f", (4,)), ("f", (3, 1)))
case("addcmul_", _inplace("addcmul_"), ("f", (3, 4)), ("f", (4,)), ("f", (3, 4)))
case("addcdiv", lambda a, b, c: OP["addcdiv"](a, b, c, value=2.0), ("f", (3, 4)), ("f", (3, 4)), ("p", (4,)))
case("addcdiv_", _inplace("addcdiv_"), ("f", (3, 4)), ("f", (4,)), ("p", (3, 4)))
# sorting, scans, scatter/index, matrix ops and the newer nn kernels
for _n in ["sort", "argsort", "msort"]:
    case(_n, lambda x, _n=_n: OP[_n](x) if _n == "msort" else OP[_n](x, 1), ("f", (3, 5)))
case("topk", lambda x: OP["topk"](x, 2, 1), ("f", (3, 5)))
case("kthvalue", lambda x: OP["kthvalue"](x, 2, 1), ("f", (3, 5)))
case("median", lambda x: OP["median"](x, 1), ("f", (3, 5)))
case("median:all", lambda x: OP["median"](x), ("f", (3, 5)))
case("mode", lambda i: OP["mode"](i, 1), ("i5", (3, 12)))
for _n in ["cumprod", "cummax", "cummin"]:
    case(_n, lambda x, _n=_n: OP[_n](x, 1), ("p", (3, 4)))
case("roll", lambda x: OP["roll"](x, (1, -2), (0, 1)), ("f", (3, 4)))
case("unique", lambda i: OP["unique"](i, return_inverse=True, return_counts=True), ("i5", (12,)))
case("bincount", lambda i: OP["bincount"](i, minlength=7), ("i5", (12,)))

# complex tensors (engine/ops/complex_ops.py), compared by their real parts (no autograd: inputs detached)
def _z(a, b):
    return OP["complex"](a.detach(), b.detach())


case("complex", lambda a, b: OP["view_as_real"](_z(a, b)), ("f", (3, 4)), ("f", (3, 4)))
case("polar", lambda a, b: OP["real"](OP["polar"](a.detach(), b.detach())), ("p", (3, 4)), ("f", (3, 4)))
case("view_as_complex", lambda x: OP["abs"](OP["view_as_complex"](x.detach())), ("f", (3, 2)))
case("view_as_real", lambda a, b: OP["view_as_real"](_z(a, b)), ("f", (4,)), ("f", (4,)))
case("real", lambda a, b: OP["real"](OP["mul"](_z(a, b), _z(b, a))), ("f", (3, 4)), ("f", (3, 4)))
case("imag", lambda a, b: OP["imag"](OP["mul"](_z(a, b), _z(b, a))), ("f", (3, 4)), ("f", (3, 4)))
for _n in ["conj", "conj_physical", "resolve_conj"]:
    case(_n, lambda a, b, _n=_n: OP["imag"](OP[_n](_z(a, b))), ("f", (3, 4)), ("f", (3, 4)))
case("isreal", lambda a: OP["isreal"](_z(a, OP["relu"](a.detach()))), ("f", (3, 4)))
case("linalg.eig", lambda a: OP["abs"](OP["linalg.eig"](OP["add"](a.detach(), a.detach().mT))[0]), ("f", (3, 3)))
case("linalg.eigvals", lambda a: OP["abs"](OP["linalg.eigvals"](a.detach())), ("f", (3, 3)))

# the tail (engine/ops/extra_ops.py)
case("isin", lambda i, j: OP["isin"](i, j), ("i5", (3, 4)), ("i5", (3,)))
case("nanmedian", lambda x: OP["nanmedian"](x, 1), ("f", (3, 5)))
case("nanmedian:all", lambda x: OP["nanmedian"](x), ("f", (3, 5)))
case("quantile", lambda x: OP["quantile"](x, 0.3, 1), ("f", (3, 5)))
case("nanquantile", lambda x: OP["nanquantile"](x, 0.6, interpolation="nearest"), ("f", (3, 5)))
for _r in ("sum", "prod", "mean", "amax", "amin"):
    case(f"scatter_reduce:{_r}", lambda x, i, s, _r=_r: OP["scatter_reduce"](x, 0, i, s, _r), ("f", (3, 4)), ("i3", (2, 4)),
         ("f", (2, 4)))
case("scatter_reduce_", lambda x, i, s: OP["scatter_reduce_"](x * 1, 0, i, s, "amax", include_self=False), ("f", (3, 4)),
     ("i3", (2, 4)), ("f", (2, 4)))
case("index_copy", lambda x, s: OP["index_copy"](x, 1, E.tensor([3, 0], device=x.device), s), ("f", (3, 4)), ("f", (3, 2)))
case("index_copy_", lambda x, s: OP["index_copy_"](x * 1, 0, E.tensor([1], device=x.device), s), ("f", (3, 4)),
     ("f", (1, 4)))
case("masked_scatter", lambda x, b, s: OP["masked_scatter"](x, b, s), ("f", (3, 4)), ("b", (3, 4)), ("f", (12,)))
case("masked_scatter_", lambda x, b, s: OP["masked_scatter_"](x * 1, b, s), ("f", (3, 4)), ("b", (4,)), ("f", (12,)))
case("put", lambda x, s: OP["put"](x, E.tensor([0, -1, 5], device=x.device), s, accumulate=True), ("f", (3, 4)),
     ("f", (3,)))
case("put_", lambda x, s: OP["put_"](x * 1, E.tensor([0, -1, 5], device=x.device), s), ("f", (3, 4)), ("f", (3,)))
case("select_scatter", lambda x, s: OP["select_scatter"](x, s, 1, -1), ("f", (3, 4)), ("f", (3,)))
case("slice_scatter", lambda x, s: OP["slice_scatter"](x, s, 1, 0, 4, 2), ("f", (3, 4)), ("f", (3, 2)))
case("diagonal_scatter", lambda x, s: OP["diagonal_scatter"](x, s, -1, 2, 0), ("f", (2, 3, 4)), ("f", (3, 2)))
case("renorm", lambda x: OP["renorm"](x, 2, 0, 1.0), ("f", (3, 4)))
case("renorm_", lambda x: OP["renorm_"](x * 1, 3, 1, 1.0), ("f", (3, 4)))
case("fill_diagonal_", lambda x: OP["fill_diagonal_"](x * 1, 2.0, wrap=True), ("f", (7, 3)))
for _n in ("gcd", "lcm", "gcd_", "lcm_"):
    case(_n, lambda i, j, _n=_n: OP[_n](i * 1 if _n.endswith("_") else i, j), ("i12", (3, 4)), ("i5", (4,)))
case("frexp", lambda x: OP["frexp"](x * 3), ("f", (3, 4)))
case("angle", lambda x: OP["angle"](x), ("f", (3, 4)))

# more of the tail (engine/ops/extra_ops2.py)
case("unique_consecutive", lambda i: OP["unique_consecutive"](i, True, True), ("i3", (12,)))
case("histogram", lambda x: OP["histogram"](x.detach(), 5, weight=x.detach().abs()), ("f", (12,)))  # no derivative
case("vander", lambda x: OP["vander"](x, 4), ("f", (5,)))
case("as_strided", lambda x: OP["as_strided"](x, (2, 3), (1, 2), 1), ("f", (3, 4)))
case("as_strided_", lambda x: OP["as_strided_"](x * 1, (2, 2), (1, 3), 2), ("f", (3, 4)))
for _r in ("prod", "mean", "amax", "amin"):
    case(f"index_reduce:{_r}", lambda x, s, _r=_r: OP["index_reduce"](x, 0, E.tensor([2, 0], device=x.device), s, _r),
         ("f", (3, 4)), ("f", (2, 4)))
for _m, _shape, _size in (("bicubic", (1, 2, 3, 4), [5, 3]), ("trilinear", (1, 1, 2, 3, 2), [3, 2, 5]),
                          ("nearest", (1, 1, 2, 3, 2), [3, 2, 5]), ("nearest-exact", (1, 1, 2, 3, 2), [3, 2, 5]),
                          ("area", (1, 1, 4, 3, 2), [3, 2, 1])):
    case(f"interpolate:{_m}", lambda x, _m=_m, _size=_size: OP["interpolate"](x, _size, None, _m, _m == "bicubic"),
         ("f", _shape))
case("index_reduce_", lambda x, s: OP["index_reduce_"](x * 1, 1, E.tensor([1], device=x.device), s, "amax"),
     ("f", (3, 4)), ("f", (3, 1)))


def _permutation(r):
    """Distinct scatter indices along dim 1 (duplicates would make the result order-dependent)."""
    return OP["argsort"](r.detach(), 1)


case("scatter", lambda x, s, r: OP["scatter"](x, 1, _permutation(r), s), ("f", (3, 4)), ("f", (3, 4)), ("f", (3, 4)))
case("scatter:value", lambda x, r: OP["scatter"](x, 1, _permutation(r), value=1.5), ("f", (3, 4)), ("f", (3, 4)))
case("scatter_", lambda x, s, r: OP["scatter_"](x * 1.0, 1, _permutation(r), s), ("f", (3, 4)), ("f", (3, 4)),
     ("f", (3, 4)))
case("index_add", lambda x, i, s: OP["index_add"](x, 0, i, s, alpha=0.5), ("f", (5, 4)), ("i5", (3,)), ("f", (3, 4)))
case("index_add_", lambda x, i, s: OP["index_add_"](x * 1.0, 0, i, s), ("f", (5, 4)), ("i5", (3,)), ("f", (3, 4)))
case("index_fill", lambda x, i: OP["index_fill"](x, 1, i, -1.0), ("f", (3, 5)), ("i5", (2,)))
case("index_fill_", lambda x, i: OP["index_fill_"](x * 1.0, 1, i, -1.0), ("f", (3, 5)), ("i5", (2,)))
case("take", lambda x, i: OP["take"](x, i), ("f", (3, 4)), ("i12", (5,)))
case("masked_select", lambda x, m: OP["masked_select"](x, m), ("f", (3, 4)), ("b", (3, 4)))
for _n in ["nonzero", "argwhere"]:
    case(_n, lambda m, _n=_n: OP[_n](m), ("b", (3, 4)))
case("diag", lambda x: OP["diag"](x, 1), ("f", (4,)))
case("diag:matrix", lambda x: OP["diag"](x, -1), ("f", (4, 4)))
case("diagonal", lambda x: OP["diagonal"](x, 0, 1, 2), ("f", (2, 3, 3)))
case("diag_embed", lambda x: OP["diag_embed"](x), ("f", (2, 3)))
case("trace", lambda x: OP["trace"](x), ("f", (4, 4)))
for _n in ["cross", "linalg.cross"]:
    case(_n, lambda a, b, _n=_n: OP[_n](a, b), ("f", (4, 3)), ("f", (4, 3)))
case("kron", lambda a, b: OP["kron"](a, b), ("f", (2, 3)), ("f", (3, 2)))
case("einsum", lambda a, b: OP["einsum"]("bij,bjk->bik", a, b), ("f", (2, 3, 4)), ("f", (2, 4, 5)))
case("einsum:trace", lambda a: OP["einsum"]("ii", a), ("f", (4, 4)))


def _well(a):
    """a + 4 I: a well-conditioned square (batch of) matrix, on a's device."""
    return a + E.eye(a.shape[-1], dtype=a.dtype, device=a.device) * 4


case("linalg.inv", lambda a: OP["linalg.inv"](_well(a)), ("f", (2, 4, 4)))
case("linalg.det", lambda a: OP["linalg.det"](_well(a)), ("f", (2, 4, 4)))
case("linalg.det:unbatched", lambda a: OP["linalg.det"](a), ("f", (3, 3)))
case("linalg.slogdet", lambda a: OP["linalg.slogdet"](a), ("f", (2, 4, 4)))
case("linalg.solve", lambda a, b: OP["linalg.solve"](_well(a), b), ("f", (2, 1, 4, 4)), ("f", (3, 4, 2)))
case("linalg.solve:vector", lambda a, b: OP["linalg.solve"](_well(a), b), ("f", (4, 4)), ("f", (4,)))
case("linalg.solve:right", lambda a, b: OP["linalg.solve"](_well(a), b, left=False), ("f", (2, 4, 4)), ("f", (2, 3, 4)))
case("linalg.svdvals", lambda a: OP["linalg.svdvals"](a), ("f", (2, 5, 3)))
case("linalg.svdvals:wide", lambda a: OP["linalg.svdvals"](a), ("f", (3, 4)))


def _sym(a):
    return a + a.mT


def _spd(a):
    """a a^T + 3 I: symmetric positive definite."""
    return OP["matmul"](a, a.mT) + E.eye(a.shape[-1], dtype=a.dtype, device=a.device) * 3


def _sign_fixed_qr(q, r):
    """Q and R with R's diagonal made positive: the same on any LAPACK."""
    d = r.diagonal(0, -2, -1).sign()
    return q * d.unsqueeze(-2), r * d.unsqueeze(-1)


# eigen- and singular vectors only through sign-free quantities (cuSOLVER and LAPACK choose signs differently)
case("linalg.eigh", lambda a: (lambda w, v: (w, OP["matmul"](v * w.unsqueeze(-2) ** 2, v.mT)))(
    *OP["linalg.eigh"](_sym(a))), ("f", (2, 4, 4)))
case("linalg.eigh:upper", lambda a: OP["linalg.eigh"](_sym(a), UPLO="U")[0], ("f", (3, 3)))
case("linalg.eigvalsh", lambda a: OP["linalg.eigvalsh"](_sym(a)), ("f", (2, 4, 4)))
case("linalg.cholesky", lambda a: OP["linalg.cholesky"](_spd(a)), ("f", (2, 4, 4)))
case("linalg.cholesky:upper", lambda a: OP["linalg.cholesky"](_spd(a), upper=True), ("f", (3, 3)))
case("linalg.cholesky_ex", lambda a: OP["linalg.cholesky_ex"](_spd(a)), ("f", (2, 3, 3)))
case("linalg.qr", lambda a: _sign_fixed_qr(*OP["linalg.qr"](a)), ("f", (2, 5, 3)))
case("linalg.qr:wide", lambda a: _sign_fixed_qr(*OP["linalg.qr"](a)), ("f", (3, 5)))
case("linalg.svd", lambda a: (lambda u, s, vh: (s, OP["matmul"](u, vh)))(*OP["linalg.svd"](a, False)), ("f", (2, 5, 3)))
case("linalg.svd:full", lambda a: (lambda u, s, vh: (s, OP["matmul"](u[..., :3], vh)))(*OP["linalg.svd"](a)),
     ("f", (5, 3)))
case("linalg.pinv", lambda a: OP["linalg.pinv"](a), ("f", (2, 5, 3)))
case("linalg.pinv:hermitian", lambda a: OP["linalg.pinv"](_spd(a), hermitian=True), ("f", (3, 3)))
case("linalg.lstsq", lambda a, b: OP["linalg.lstsq"](a, b), ("f", (2, 5, 3)), ("f", (2, 5, 2)))
case("linalg.lstsq:gelsd", lambda a, b: OP["linalg.lstsq"](a, b, driver="gelsd"), ("f", (5, 3)), ("f", (5,)))
case("matrix_exp", lambda a: OP["matrix_exp"](a), ("f", (2, 4, 4)))
for _n in [0, 1, 3, -2]:
    case(f"matrix_power:{_n}", lambda a, _n=_n: OP["matrix_power"](_well(a), _n), ("f", (2, 3, 3)))
case("cholesky_solve", lambda b, a: OP["cholesky_solve"](b, OP["linalg.cholesky"](_spd(a))), ("f", (2, 4, 2)),
     ("f", (4, 4)))
case("cholesky_solve:upper", lambda b, a: OP["cholesky_solve"](b, OP["linalg.cholesky"](_spd(a), upper=True), True),
     ("f", (3, 1)), ("f", (3, 3)))
case("linalg.inv_ex", lambda a: OP["linalg.inv_ex"](_well(a)), ("f", (2, 4, 4)))
case("linalg.householder_product", lambda a, tau: OP["linalg.householder_product"](a, tau), ("f", (2, 4, 3)),
     ("f", (2, 2)))
for _n in ["leaky_relu", "elu", "hardtanh"]:
    case(_n, lambda x, _n=_n: OP[_n](x), ("f", (3, 4)))
    case(_n + "_", lambda x, _n=_n: OP[_n + "_"](x * 1.0), ("f", (3, 4)))
case("logsigmoid", lambda x: OP["logsigmoid"](x), ("f", (3, 4)))
for _n, _args in [("mish", ()), ("hardswish", ()), ("hardsigmoid", ()), ("selu", ()), ("celu", (0.7,)),
                  ("threshold", (0.1, -2.0)), ("rrelu_eval", (0.2,))]:
    case(_n, lambda x, _n=_n, _args=_args: OP[_n](x * 3.0, *_args), ("f", (3, 4)))
    case(_n + "_", lambda x, _n=_n, _args=_args: OP[_n + "_"](x * 3.0, *_args), ("f", (3, 4)))
case("hardshrink", lambda x: OP["hardshrink"](x, 0.3), ("f", (3, 4)))
case("softshrink", lambda x: OP["softshrink"](x, 0.3), ("f", (3, 4)))
case("glu", lambda x: OP["glu"](x, 1), ("f", (3, 4)))
case("prelu", lambda x, w: OP["prelu"](x, w), ("f", (2, 3, 4)), ("f", (3,)))
case("prelu:one_weight", lambda x, w: OP["prelu"](x, w), ("f", (3, 4)), ("f", (1,)))
case("group_norm", lambda x, w, b: OP["group_norm"](x, 2, w, b), ("f", (2, 4, 3, 2)), ("f", (4,)), ("f", (4,)))
case("group_norm:plain", lambda x: OP["group_norm"](x, 1, eps=0.1), ("f", (3, 2, 5)))
# no gradient for the target or the weight (torch refuses them requiring one)
case("soft_margin_loss", lambda x, t: OP["soft_margin_loss"](x, OP["sign"](t).detach()), ("f", (3, 4)), ("f", (3, 4)))
case("multi_margin_loss", lambda x, y, w: OP["multi_margin_loss"](x, y, 2, 0.7, OP["abs"](w).detach(), "sum"),
     ("f", (3, 4)), ("i4", (3,)), ("f", (4,)))
case("multi_margin_loss:none", lambda x, y: OP["multi_margin_loss"](x, y, 1, 1.0, None, "none"), ("f", (3, 4)),
     ("i4", (3,)))
case("binary_cross_entropy", lambda x, t: OP["binary_cross_entropy"](OP["sigmoid"](x), OP["sigmoid"](t).detach()),
     ("f", (3, 4)), ("f", (3, 4)))
for _n in ["smooth_l1_loss", "huber_loss"]:
    case(_n, lambda a, b, _n=_n: OP[_n](a, b), ("f", (3, 4)), ("f", (3, 4)))
case("kl_div", lambda x, t: OP["kl_div"](OP["log_softmax"](x, 1), OP["softmax"](t, 1).detach(), reduction="batchmean"),
     ("f", (3, 4)), ("f", (3, 4)))
case("conv2d", lambda x, w, b: OP["conv2d"](x, w, b, stride=(2, 1), padding=1, dilation=(1, 2), groups=2),
     ("f", (2, 4, 6, 7)), ("f", (6, 2, 3, 2)), ("f", (6,)))
case("conv2d:same_unbatched", lambda x, w: OP["conv2d"](x, w, padding="same"), ("f", (3, 5, 5)), ("f", (4, 3, 2, 3)))
case("conv1d", lambda x, w, b: OP["conv1d"](x, w, b, stride=2, padding=1), ("f", (2, 3, 9)), ("f", (4, 3, 3)), ("f", (4,)))
case("pad", lambda x: OP["pad"](x, (1, 2, -1, 1), value=0.5), ("f", (3, 4)))
case("pad:reflect", lambda x: OP["pad"](x, (1, 2, 2, 0), mode="reflect"), ("f", (1, 2, 3, 4)))
case("pad:circular", lambda x: OP["pad"](x, (1, 2, 3, 0), mode="circular"), ("f", (1, 2, 3, 4)))
case("max_pool2d", lambda x: OP["max_pool2d"](x, 3, 2, 1), ("f", (2, 3, 7, 6)))
case("avg_pool2d", lambda x: OP["avg_pool2d"](x, 3, 2, 1, count_include_pad=False), ("f", (2, 3, 7, 6)))
case("max_pool2d:ceil_indices", lambda x: OP["max_pool2d"](x, 2, ceil_mode=True, return_indices=True)[0] * 1,
     ("f", (2, 3, 7, 6)))
case("avg_pool2d:ceil", lambda x: OP["avg_pool2d"](x, 3, 2, 1, ceil_mode=True), ("f", (2, 3, 7, 6)))
case("batch_norm", lambda x, w, b: OP["batch_norm"](x, None, None, w, b, training=True), ("f", (4, 3, 5)), ("f", (3,)),
     ("f", (3,)))
case("adaptive_avg_pool2d", lambda x: OP["adaptive_avg_pool2d"](x, (3, 4)), ("f", (2, 3, 7, 6)))
case("remainder", lambda a, b: OP["remainder"](a, b), ("f", (3, 4)), ("p", (4,)))
# values only: torch records floor_divide with a node whose backward raises (no derivative)
case("floor_divide", lambda a, b: OP["floor_divide"](a, b).detach(), ("f", (3, 4)), ("p", (4,)))

# ops torch records as one node of their own (engine/ops/named.py)
case("pixel_shuffle", lambda x: OP["pixel_shuffle"](x, 2), ("f", (2, 8, 3, 2)))
case("pixel_unshuffle", lambda x: OP["pixel_unshuffle"](x, 2), ("f", (2, 2, 4, 6)))
case("channel_shuffle", lambda x: OP["channel_shuffle"](x, 3), ("f", (2, 6, 3)))
case("im2col", lambda x: OP["im2col"](x, (2, 3), (1, 2), (1, 1), (2, 1)), ("f", (2, 3, 5, 6)))
case("col2im", lambda x: OP["col2im"](x, (4, 5), (2, 2), (1, 1), (0, 1), (1, 2)), ("f", (2, 12, 9)))
case("_pack_padded_sequence", lambda x: OP["_pack_padded_sequence"](x, [4, 2, 1], True), ("f", (3, 4, 2)))
case("adaptive_max_pool2d", lambda x: OP["adaptive_max_pool2d"](x, (3, 2))[0] * 1, ("f", (2, 3, 7, 5)))
# the 3-d convolution and pooling family, and max_unpool (engine/nn/conv.py, engine/ops/named.py)
case("conv3d", lambda x, w, b: OP["conv3d"](x, w, b, stride=(2, 1, 1), padding=1, dilation=(1, 1, 2), groups=2),
     ("f", (2, 4, 4, 5, 6)), ("f", (6, 2, 2, 3, 2)), ("f", (6,)))
case("max_pool3d", lambda x: OP["max_pool3d"](x, 3, 2, 1, ceil_mode=True, return_indices=True)[0] * 1,
     ("f", (2, 3, 5, 4, 6)))
case("avg_pool3d", lambda x: OP["avg_pool3d"](x, 3, 2, 1, count_include_pad=False), ("f", (2, 3, 5, 4, 6)))
case("adaptive_avg_pool3d", lambda x: OP["adaptive_avg_pool3d"](x, (2, 3, 4)), ("f", (3, 5, 4, 6)))
case("adaptive_max_pool3d", lambda x: OP["adaptive_max_pool3d"](x, (2, 3, 4))[0] * 1, ("f", (2, 3, 5, 4, 6)))
case("max_unpool2d", lambda x: OP["max_unpool2d"](*OP["max_pool2d"](x, 2, return_indices=True), (4, 6)),
     ("f", (2, 3, 4, 6)))
case("max_unpool3d", lambda x: OP["max_unpool3d"](*OP["max_pool3d"](x, 2, return_indices=True), (4, 5, 6)),
     ("f", (2, 3, 4, 5, 6)))
for _mode, _shape in [("nearest", (2, 3, 4, 5)), ("nearest-exact", (2, 3, 5)), ("linear", (2, 3, 5)),
                      ("bilinear", (2, 3, 4, 5)), ("bicubic", (2, 3, 4, 5)), ("trilinear", (1, 2, 3, 4, 5))]:
    case(f"upsample:{_mode}", lambda x, _mode=_mode, _n=len(_shape) - 2: OP["upsample"](
        x, [7, 3, 9][:_n], None, _mode, False if "linear" in _mode or "cubic" in _mode else None), ("f", _shape))
case("aminmax", lambda x: OP["aminmax"](x, dim=1), ("f", (3, 4)))
case("dist", lambda a, b: OP["dist"](a, b, 3), ("f", (3, 4)), ("f", (4,)))
case("pdist", lambda x: OP["pdist"](x, 2), ("f", (5, 3)))
case("_norm_dim", lambda x: OP["_norm_dim"](x, 3, 1), ("f", (3, 4)))
for _n in ["_mul_scalar", "_div_scalar", "_add_scalar"]:
    case(_n, lambda x, _n=_n: OP[_n](x, 1.5), ("f", (3, 4)))
case("block_diag", lambda a, b, c: OP["block_diag"](a, b, c), ("f", (2, 3)), ("f", (4,)), ("f", ()))
case("fill", lambda x, v: OP["fill"](x, v), ("f", (3, 4)), ("f", ()))
for _m in (0, 1, 2):
    for _p in (0, 1, 2):
        case(f"grid_sampler:{_m}{_p}", lambda x, g, _m=_m, _p=_p: OP["grid_sampler"](x, g * 1.2, _m, _p, _p == 1),
             ("f", (2, 3, 4, 5)), ("u", (2, 3, 2, 2)))
case("grid_sampler:3d", lambda x, g: OP["grid_sampler"](x, g * 1.2, 0, 2, False), ("f", (1, 2, 3, 4, 2)),
     ("u", (1, 2, 2, 1, 3)))
case("affine_grid_generator", lambda t: OP["affine_grid_generator"](t, (2, 1, 3, 4), False), ("f", (2, 2, 3)))
case("_ctc_loss", lambda x: OP["_ctc_loss"](OP["log_softmax"](x, 2), E.tensor([[1, 2, 2], [3, 1, 0]]), [6, 4],
                                            [3, 2], 0, False), ("f", (6, 2, 5)))
case("fractional_max_pool2d", lambda x: OP["fractional_max_pool2d"](
    x, (2, 2), (3, 2), x.detach()[:, :, 0, :2] * 0 + 0.4)[0] * 1, ("f", (2, 3, 5, 4)))

# the LU / LDL families, the *_copy view ops, torch.special's tail (engine/ops/linspec.py)
case("linalg.lu_factor_ex", lambda a: OP["linalg.lu_factor_ex"](a), ("f", (2, 4, 4)))
case("linalg.lu_factor", lambda a: OP["linalg.lu_factor"](_well(a)), ("f", (3, 3)))
case("linalg.lu", lambda a: OP["linalg.lu"](a), ("f", (2, 3, 5)))
case("linalg.lu:tall", lambda a: OP["linalg.lu"](a), ("f", (5, 3)))
case("lu_unpack", lambda a: OP["lu_unpack"](*OP["linalg.lu_factor"](_well(a))), ("f", (2, 3, 3)))
case("linalg.lu_solve", lambda a, b: OP["linalg.lu_solve"](*OP["linalg.lu_factor"](_well(a)), b), ("f", (2, 3, 3)),
     ("f", (3, 2)))
case("linalg.lu_solve:adjoint_right", lambda a, b: OP["linalg.lu_solve"](*OP["linalg.lu_factor"](_well(a)), b,
                                                                         left=False, adjoint=True),
     ("f", (3, 3)), ("f", (2, 3)))
case("linalg.ldl_factor_ex", lambda a: OP["linalg.ldl_factor_ex"]((a + a.mT).detach()), ("f", (2, 4, 4)))
case("linalg.ldl_factor", lambda a: OP["linalg.ldl_factor"](_spd(a).detach()), ("f", (3, 3)))
case("linalg.ldl_solve", lambda a, b: OP["linalg.ldl_solve"](*OP["linalg.ldl_factor"]((a + a.mT).detach()),
                                                             b.detach()), ("f", (4, 4)), ("f", (4, 2)))
for _n, _args in [("view_copy", ((4, 3),)), ("permute_copy", ((1, 0),)), ("t_copy", ()), ("transpose_copy", (0, 1)),
                  ("unsqueeze_copy", (1,)), ("squeeze_copy", ()), ("select_copy", (1, 2)), ("slice_copy", (1, 1, 3)),
                  ("diagonal_copy", (1,)), ("expand_copy", ((2, 3, 4),)), ("alias_copy", ()), ("unbind_copy", (1,)),
                  ("split_copy", (2, 1)), ("split_with_sizes_copy", ([1, 3], 1)), ("unfold_copy", (1, 2, 1)),
                  ("as_strided_copy", ((2, 2), (1, 2), 1))]:
    case(_n, lambda x, _n=_n, _args=_args: OP[_n](x, *_args), ("f", (3, 4)))
case("detach_copy", lambda x: OP["detach_copy"](x.detach()), ("f", (3, 4)))  # its node has no derivative
case("as_strided_scatter", lambda x, s: OP["as_strided_scatter"](x, s, (2, 2), (1, 3), 1), ("f", (3, 4)),
     ("f", (2, 2)))
case("_norm_all", lambda x: OP["_norm_all"](x, 3), ("f", (3, 4)))
case("geqrf", lambda x: OP["geqrf"](x.detach()), ("f", (2, 5, 3)))
case("ormqr", lambda x, t, c: OP["ormqr"](x, t, c, True, True), ("f", (4, 3)), ("f", (3,)), ("f", (4, 2)))
for _n in ["special_bessel_j0", "special_bessel_j1", "special_bessel_y0", "special_bessel_y1",
           "special_modified_bessel_i0", "special_modified_bessel_i1", "special_modified_bessel_k0",
           "special_modified_bessel_k1", "special_scaled_modified_bessel_k0", "special_scaled_modified_bessel_k1",
           "special_spherical_bessel_j0"]:
    case(_n, lambda x, _n=_n: OP[_n](x * 10), ("p", (3, 4)))
case("special_airy_ai", lambda x: OP["special_airy_ai"](x * 6), ("f", (3, 4)))
for _n in ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
           "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
           "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
           "laguerre_polynomial_l", "legendre_polynomial_p"]:
    case("special_" + _n, lambda x, n, _n=_n: OP["special_" + _n](x, n), ("u", (3, 4)), ("i12", (4,)))
case("special_ndtri", lambda x: OP["special_ndtri"](x * 0.5 + 0.5), ("u", (3, 4)))
case("special_zeta", lambda s, q: OP["special_zeta"](s.detach() + 1.5, q), ("p", (3, 4)), ("p", (4,)))
for _n in ["igamma", "igammac", "special_gammainc", "special_gammaincc"]:
    case(_n, lambda a, x, _n=_n: OP[_n](a.detach(), x), ("p", (3, 4)), ("p", (4,)))
for _n in ["igamma", "igammac"]:
    case(_n + "_", lambda a, x, _n=_n: OP[_n + "_"](a.detach() * 1, x.detach()), ("p", (3, 4)), ("p", (4,)))


def _setitem(x, v):
    y = x * 1.0
    OP["setitem"](y, 1, v)
    return y


# Ops that are not array math on tensors of one device, covered elsewhere: creation (below),
# autograd and session plumbing, randomness (streams differ between devices by design).
NOT_IN_TABLE = {
    "arange", "empty", "empty_like", "eye", "from_numpy", "full", "full_like", "linspace", "ones", "ones_like",
    "rand", "rand_like", "randint", "randint_like", "randn", "randn_like", "tensor", "zeros", "zeros_like",
    "randperm", "manual_seed", "normal_", "uniform_", "random_", "bernoulli", "bernoulli_", "multinomial",
    "exponential_", "geometric_", "log_normal_", "cauchy_", "poisson", "binomial", "normal", "standard_gamma_draw",
    "autograd.backward", "autograd.grad", "backward", "grad_of", "grad_is", "item",
    "numpy", "tolist", "requires_grad_", "retain_grad", "detach_", "grad_fn", "set_data", "set_grad", "zero_grads", "module_to",
    "is_contiguous", "version", "stride", "clip_grad_norm_", "clip_grad_value_", "optim.Adam", "optim.AdamW", "optim.SGD",
    "optim.RMSprop", "optim.Adagrad", "optim.Adamax", "optim.NAdam", "optim.RAdam", "optim.Adadelta", "optim.Rprop",
    "optim.ASGD", "optim.LBFGS", "optim.closure_step", "optim.Adafactor", "optim.Muon",
    "optim.load_state_dict", "optim.state_dict", "optim.state_tensors", "optim.step", "optim.zero_grad",
    "optim.add_param_group", "storage_offset", "storage_alias", "data_ptr", "view_dtype", "autograd.graph_task",
    "window",
    # the server's own ops (server/callbacks.py, session_ops.py): client callbacks and session settings
    "function_apply", "register_hook", "register_post_accumulate_grad_hook", "remove_hook", "set_default_dtype",
}


def test_the_table_covers_every_op():
    import gradwire.server.commands  # noqa: F401,PLC0415 - the server's ops too, whatever ran before this test
    engine_ops = {n for n in OP._ops if "." not in n or n.startswith(("linalg.", "optim."))}
    engine_ops -= {n for n in engine_ops if n.startswith(("profiler.", "program.", "cuda."))}
    covered = {name.split(":")[0] for name, _, _ in CASES} | NOT_IN_TABLE
    assert engine_ops - covered == set()


def _inputs(specs, dtype, rng):
    out = []
    for kind, shape in specs:
        if kind == "f":
            a = rng.standard_normal(shape)
        elif kind == "p":
            a = rng.uniform(0.5, 2.0, shape)
        elif kind == "u":
            a = rng.uniform(-0.9, 0.9, shape)
        elif kind == "b":
            out.append(E.tensor(rng.random(shape) < 0.5))
            continue
        else:  # i<N>
            out.append(E.tensor(rng.integers(0, int(kind[1:]), shape)))
            continue
        out.append(E.tensor(a.astype(dtype.numpy), requires_grad=True))
    return out


def _outputs(out):
    return [t for t in (out if isinstance(out, (tuple, list)) else (out,)) if isinstance(t, E.Tensor)]


@needs_gpu
@pytest.mark.parametrize("dtype", [E.float64, E.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name, fn, specs", CASES, ids=[c[0] for c in CASES])
def test_forward_and_gradient_match_cpu(name, fn, specs, dtype):
    rng = np.random.default_rng(7)
    cpu_in = _inputs(specs, dtype, rng)
    gpu_in = [t.detach().cuda().requires_grad_(t.requires_grad) for t in cpu_in]
    cpu_out, gpu_out = _outputs(fn(*cpu_in)), _outputs(fn(*gpu_in))
    assert len(cpu_out) == len(gpu_out)
    tol = TOL[dtype.name]
    for c, g in zip(cpu_out, gpu_out):
        assert g.device == "cuda:0" and g.dtype is c.dtype and tuple(g.shape) == tuple(c.shape), name
        np.testing.assert_allclose(g.detach().cpu().numpy(), c.detach().numpy(), **tol, err_msg=name)
    pairs = [(c, g) for c, g in zip(cpu_out, gpu_out) if c.requires_grad]
    if not pairs:
        return
    # one backward through every differentiable output, with the same cotangents on both devices
    weights = [E.tensor(rng.standard_normal(tuple(c.shape)).astype(c.dtype.numpy)) for c, _ in pairs]
    sum(((c * w).sum() for (c, _), w in zip(pairs, weights)), E.zeros((), dtype=pairs[0][0].dtype)).backward()
    sum(((g * w.cuda()).sum() for (_, g), w in zip(pairs, weights)),
        E.zeros((), dtype=pairs[0][1].dtype, device="cuda")).backward()
    for c, g in zip(cpu_in, gpu_in):
        if c.requires_grad:
            assert (c.grad is None) == (g.grad is None), name
            if c.grad is not None:
                assert g.grad.device == "cuda:0"
                np.testing.assert_allclose(g.grad.cpu().numpy(), c.grad.numpy(), **tol, err_msg=name)


@needs_gpu
@pytest.mark.parametrize("make", [
    lambda d: E.zeros(2, 3, device=d), lambda d: E.ones(4, device=d, dtype=E.float64),
    lambda d: E.full((2,), 3.5, device=d), lambda d: E.arange(1, 10, 2, device=d),
    lambda d: E.linspace(-1, 1, 7, device=d), lambda d: E.eye(3, 4, device=d),
    lambda d: E.tensor([[1, 2], [3, 4]], device=d), lambda d: E.zeros_like(E.ones(3, device=d)),
    lambda d: E.full_like(E.ones(3, device=d), 2.0),
])
def test_creation_matches_cpu(make):
    c, g = make("cpu"), make("cuda")
    assert g.device == "cuda:0" and g.dtype is c.dtype
    np.testing.assert_array_equal(g.cpu().numpy(), c.numpy())


@needs_gpu
def test_random_draws_stay_on_the_device_and_follow_the_seed():
    E.manual_seed(3)
    a = [E.randn(1000, device="cuda"), E.rand(1000, device="cuda"), E.randint(0, 10, (1000,), device="cuda")]
    E.manual_seed(3)
    b = [E.randn(1000, device="cuda"), E.rand(1000, device="cuda"), E.randint(0, 10, (1000,), device="cuda")]
    for x, y in zip(a, b):
        assert x.device == "cuda:0" and x.tolist() == y.tolist()
    n = a[0].cpu().numpy()
    assert abs(n.mean()) < 0.2 and 0.8 < n.std() < 1.2
    u = a[1].cpu().numpy()
    assert 0.0 <= u.min() and u.max() < 1.0
    t = E.empty(500, device="cuda").normal_(2.0, 0.5)
    assert t.device == "cuda:0" and abs(t.mean().item() - 2.0) < 0.2


@needs_gpu
@pytest.mark.parametrize("dtype", [E.float64, E.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("opt", ["SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "Adadelta", "Rprop", "ASGD"])
def test_optimizer_kernels_match_cpu(opt, dtype):
    rng = np.random.default_rng(11)
    start = [rng.standard_normal(s).astype(dtype.numpy) for s in ((8, 5), (5,))]
    grads = [[rng.standard_normal(a.shape).astype(dtype.numpy) for a in start] for _ in range(3)]
    kwargs = {"SGD": dict(lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True),
              "Adam": dict(lr=0.01, amsgrad=True), "AdamW": dict(lr=0.01, weight_decay=0.1)}.get(opt, dict(lr=0.01))
    results = {}
    for device in ("cpu", "cuda"):
        params = [E.tensor(a, device=device, requires_grad=True) for a in start]
        o = getattr(E.optim, opt)(params, **kwargs)
        for step in grads:
            for p, g in zip(params, step):
                p.grad = E.tensor(g, device=device)
            o.step()
        results[device] = [p.detach().cpu().numpy() for p in params]
        assert all(p.device == device.replace("cuda", "cuda:0") for p in params)
    for c, g in zip(results["cpu"], results["cuda"]):
        np.testing.assert_allclose(g, c, **TOL[dtype.name])


@needs_gpu
def test_clip_grad_on_cuda_matches_cpu():
    from gradwire.engine.optim import clip_grad_norm_, clip_grad_value_

    rng = np.random.default_rng(5)
    grads = [rng.standard_normal((4, 3)), rng.standard_normal(3)]
    out = {}
    for device in ("cpu", "cuda"):
        ps = [E.zeros(g.shape, dtype=E.float64, device=device, requires_grad=True) for g in grads]
        for p, g in zip(ps, grads):
            p.grad = E.tensor(g, device=device)
        total = clip_grad_norm_(ps, 0.5)
        clip_grad_value_(ps, 0.1)
        assert total.device == ps[0].device
        out[device] = (total.item(), [p.grad.cpu().numpy() for p in ps])
    assert out["cuda"][0] == pytest.approx(out["cpu"][0], rel=1e-10)
    for g, c in zip(out["cuda"][1], out["cpu"][1]):
        np.testing.assert_allclose(g, c, rtol=1e-10)
