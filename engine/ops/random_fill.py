"""Random fills and draws: uniform_, normal_, random_, exponential_, geometric_, log_normal_, cauchy_ (with
history, a node with a zero gradient, as torch's; nn.init's under no_grad record nothing); bernoulli /
bernoulli_, poisson and binomial, and multinomial.

Declares WIRE, METHODS and __all__; engine/ops/__init__.py installs them.
"""
from __future__ import annotations

from gradwire.common import dtypes as _dt
from gradwire.common import random_fills as _checks

from .. import backend
from ..function import Function
from ..random import current_generator
from ..tensor import Tensor, _new_tensor
from .extra_ops2 import NoDerivative
from .inplace import _records, check_inplace, inplace_apply


def _fill(t: Tensor, values) -> Tensor:
    if t._view_mode is not None:
        from .inplace import check_view_mode  # noqa: PLC0415
        check_view_mode(t)
    if t.requires_grad and t.is_leaf and t.grad_fn is None:
        from ..grad_mode import is_grad_enabled  # noqa: PLC0415
        if is_grad_enabled():
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    t.array[...] = values.astype(t.array.dtype, copy=False)
    t._bump_version()
    return t


def uniform_(input: Tensor, a: float = 0.0, b: float = 1.0, *, generator=None) -> Tensor:
    """Fills ``input`` with U(a, b) draws from the current (the session's) generator."""
    _checks.uniform_(input.dtype, a, b)
    rng = _rng_of(input, generator)
    return _draw(input, Uniform, lambda shape, dense: draw_uniform(rng, shape, a, b, input.dtype))


def normal_(input: Tensor, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    _checks.normal_(input.dtype, mean, std)
    rng = _rng_of(input, generator)
    return _draw(input, Normal, lambda shape, dense: draw_normal(rng, shape, mean, std, input.dtype, dense))


def draw_uniform(rng, shape, low, high, dtype):
    """U(low, high) draws for a tensor of ``dtype``, as its fill draws them (bfloat16: float draws rounded, one
    that rounds up to ``high`` becoming ``low``, as the stream does for float16)."""
    if dtype is not _dt.bfloat16:
        return rng.uniform(shape, low, high, dtype.numpy)
    drawn = rng.uniform(shape, low, high, _dt.float32.numpy)
    xp = backend.xp_of(drawn)
    out = _dt.round_to_bfloat16(xp, drawn)
    out[out == _dt.round_to_bfloat16(xp, xp.asarray([high], dtype=xp.float32))[0]] = low
    return out


def draw_normal(rng, shape, mean, std, dtype, contiguous: bool = True):
    """N(mean, std) draws for a tensor of ``dtype`` (complex: real and imaginary parts each with std / sqrt(2),
    drawn as one real fill of twice the size, as torch's; bfloat16: float draws)."""
    shape = tuple(shape)
    if dtype.is_complex:
        real = dtype.to_real()
        parts = rng.normal(shape + (2,), mean, std / 2 ** 0.5, real.numpy, contiguous).astype(real.numpy, copy=False)
        return parts.view(dtype.numpy).reshape(shape)
    if dtype is _dt.bfloat16:
        return rng.normal(shape, mean, std, _dt.float32.numpy, contiguous, reduced=True)
    return rng.normal(shape, mean, std, dtype.numpy, contiguous)


def random_(input: Tensor, low: int = 0, high=None, *, generator=None) -> Tensor:
    """Fills ``input`` with integers uniform in [low, high); ``high`` None: up to what the dtype holds
    (for floats, 2**mantissa bits inclusive, so every value is exact), like torch's ``random_``;
    ``low`` None: random_(to), 0 (its node is RandomBackward1)."""
    cls = Random if low is not None else Random1
    if high is None:
        cls = Random2
    low = low or 0
    if high is None:
        high = _RANDOM_TO.get(input.dtype.name) or 2 ** (8 * input.dtype.itemsize - input.dtype.is_signed)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    rng = _rng_of(input, generator)
    return _draw(input, cls, lambda shape, dense: rng.integers(low, high, shape))


# random_()'s bound for floats: every integer up to 2**(mantissa bits + 1) is exact; bool: 0 and 1
_RANDOM_TO = {"float16": 2 ** 11 + 1, "bfloat16": 2 ** 8 + 1, "float32": 2 ** 24 + 1, "float64": 2 ** 53 + 1,
              "bool": 2}


# ---- bernoulli ------------------------------------------------------------------------------------

class Bernoulli(Function):
    """bernoulli(p): 1 where a uniform draw falls below p (BernoulliBackward0: a zero gradient, as torch's)."""

    array_forward = True

    @staticmethod
    def forward(ctx, p, rng):
        arr = p.array
        if arr.size and not bool(((arr >= 0) & (arr <= 1)).all()):
            raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error "
                               "message be improved?  If so, please report an enhancement request to PyTorch.)")
        return _new_tensor(rng.bernoulli_tensor(arr).astype(p.dtype.numpy), p.dtype, p.device)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0, None


class BernoulliFill(Function):
    """self.bernoulli_(p), p a number (BernoulliBackward2) or, overload 1, a tensor (BernoulliBackward1)."""

    op_name = "Bernoulli"
    overload = 2
    array_forward = True

    @staticmethod
    def forward(ctx, a, p, rng):
        if isinstance(p, Tensor):  # a float draw per element (torch's bernoulli_distribution<float>)
            drawn = in_memory_order(a.array, lambda shape, dense, pv: rng.bernoulli_tensor(pv),
                                    a.xp.broadcast_to(p.array, a.array.shape))
        else:  # a double draw per element
            drawn = in_memory_order(a.array, lambda shape, dense: rng.unit(shape) < p)
        return _new_tensor(drawn.astype(a.dtype.numpy), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0, None, None


class BernoulliFillTensor(BernoulliFill):
    op_name = "Bernoulli"
    overload = 1

    @staticmethod
    def backward(ctx, grad):
        return grad * 0, (grad * 0 if ctx.needs_input_grad[1] else None), None


def _check_floating(name: str, t: Tensor) -> None:
    if not t.dtype.is_floating_point:
        raise NotImplementedError(f"\"{name}\" not implemented for '{t.dtype._torch_name}'")


def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:
    """Draws 0/1 with probabilities ``input`` (or ``p`` everywhere, a number, for ``input``'s shape)."""
    rng = _rng_of(input, generator)
    if p is not None:
        return bernoulli_(_new_tensor(input.xp.empty_like(input.array), input.dtype, input.device), p,
                          generator=generator)
    _check_floating("bernoulli_tensor_cpu_p_", input)
    return Bernoulli.apply(input, rng)


def bernoulli_(input: Tensor, p=0.5, *, generator=None) -> Tensor:
    """Fills ``input`` with 0/1 draws of probability ``p`` (a number, or a tensor broadcast to input)."""
    rng = _rng_of(input, generator)
    if isinstance(p, Tensor):
        fn = BernoulliFillTensor.apply
    else:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        fn = BernoulliFill.apply
    if _records(input, (p,)):
        return inplace_apply(input, fn, p, rng)
    check_inplace(input)
    return _fill(input, fn(input, p, rng).array)


# ---- multinomial ----------------------------------------------------------------------------------

def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator=None) -> Tensor:
    """Indices drawn from the categorical distribution(s) of the rows of ``input`` (weights)."""
    nd = input.array.ndim
    if nd not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {input.dtype._torch_name}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    k = input.array.shape[-1]
    if not replacement and num_samples > k:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    xp = input.xp
    w = input.array.reshape(-1, k).astype(_dt.float64.numpy)
    if not bool((xp.isfinite(w) & (w >= 0)).all()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if not bool((w.sum(-1) > 0).all()):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rng = _rng_of(input, generator)
    if replacement and num_samples > 1:
        # torch's: per row, a double draw per sample finds its slot among the normalized cumulative weights
        cum = xp.cumsum(input.array.reshape(-1, k), -1)
        cum = cum / cum[:, -1:]
        cum[:, -1] = 1
        u = rng.unit((w.shape[0], num_samples))
        out = xp.stack([xp.searchsorted(c, x, side="left") for c, x in zip(cum, u)])
    else:  # torch's: the num_samples largest w / q, q exponential draws (q drawn in the input's dtype)
        q = rng.exponential(input.array.shape, 1.0).astype(input.array.dtype).reshape(-1, k)
        keys = input.array.reshape(-1, k) / q
        out = xp.argsort(-keys, axis=-1, kind="stable")[:, :num_samples]
    out = out.astype(_dt.int64.numpy).reshape(input.array.shape[:-1] + (num_samples,))
    return _new_tensor(out, _dt.int64, input.device)


def _rng_of(input: Tensor, generator):
    """The draws for ``input`` come from its device's generator (``generator``'s own on that device)."""
    return (generator or current_generator()).for_device(input.device).rng


# ---- fills drawn from a distribution --------------------------------------------------------------

class _Draw(Function):
    """A random fill of self, recorded when self has history (torch's <Name>Backward0): a zero gradient."""

    _abstract = True
    array_forward = True

    @staticmethod
    def forward(ctx, a, values):
        return _new_tensor(a.xp.asarray(values).astype(a.array.dtype, copy=False), a.dtype, a.device)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0, None


class Uniform(_Draw):
    pass


class Normal(_Draw):
    pass


class Random(_Draw):
    """random_(from, to) (RandomBackward0); random_(to) and random_() record overloads 1 and 2."""


class Random1(Random):
    op_name = "Random"
    overload = 1


class Random2(Random):
    op_name = "Random"
    overload = 2


class Exponential(_Draw):
    pass


class Geometric(_Draw):
    pass


class LogNormal(_Draw):
    pass


class Cauchy(_Draw):
    pass


def in_memory_order(array, make, *alongside):
    """``make(shape, dense, *alongside)``'s values for ``array``'s elements, drawn in the order they lie in
    memory (``alongside``: arrays of array's shape, such as probabilities, handed over in that order too)."""
    order = sorted(range(array.ndim), key=lambda d: -abs(array.strides[d]))  # outermost first
    dense = bool(array.flags.c_contiguous)
    if order == list(range(array.ndim)):
        return make(array.shape, dense, *alongside)
    drawn = make(tuple(array.shape[d] for d in order), dense, *(a.transpose(order) for a in alongside))
    return drawn.transpose([order.index(d) for d in range(array.ndim)])


def _draw(input: Tensor, cls, make) -> Tensor:
    """Fills ``input`` with ``make(shape, dense)``'s draws, made in the order input's elements lie in memory (as
    torch's fill kernels walk them: a transposed tensor's first draws go down its columns); ``dense``: whether
    input is contiguous (torch's normal_ takes its blocked path only then)."""
    values = in_memory_order(input.array, make)
    if _records(input, ()):
        return inplace_apply(input, cls.apply, values)
    check_inplace(input)
    return _fill(input, values)


def exponential_(input: Tensor, lambd: float = 1.0, *, generator=None) -> Tensor:
    _checks.exponential_(input.dtype, lambd)
    rng = _rng_of(input, generator)
    return _draw(input, Exponential, lambda shape, dense: rng.exponential(shape, lambd))


def geometric_(input: Tensor, p: float, *, generator=None) -> Tensor:
    """The number of Bernoulli(p) trials up to the first success (1, 2, ...)."""
    _checks.geometric_(input.dtype, p)
    rng = _rng_of(input, generator)
    return _draw(input, Geometric, lambda shape, dense: rng.geometric(shape, p))


def log_normal_(input: Tensor, mean: float = 1.0, std: float = 2.0, *, generator=None) -> Tensor:
    _checks.log_normal_(input.dtype, mean, std)
    rng = _rng_of(input, generator)
    return _draw(input, LogNormal, lambda shape, dense: rng.log_normal(shape, mean, std))


def cauchy_(input: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator=None) -> Tensor:
    _checks.cauchy_(input.dtype, median, sigma)
    rng = _rng_of(input, generator)
    return _draw(input, Cauchy, lambda shape, dense: rng.cauchy(shape, median, sigma))


# ---- torch.normal with tensor mean or std --------------------------------------------------------------

class NormalDraw(Function):
    """torch.normal(mean, std) with a tensor mean (NormalBackward1), std (2) or both (3): mean + std * N(0, 1),
    broadcast, in the dtype of mean (else std); a zero gradient for each, as torch's."""

    op_name = "Normal"
    overload = 3
    array_forward = True

    @staticmethod
    def forward(ctx, mean, std, rng):
        like = mean if isinstance(mean, Tensor) else std
        m, s = (v.array if isinstance(v, Tensor) else v for v in (mean, std))
        xp = like.xp
        ctx.shapes = [xp.shape(v) for v in (m, s)]
        shape = xp.broadcast_shapes(*ctx.shapes)
        # torch's: a standard normal fill of the output, times std, plus mean
        out = m + s * draw_normal(rng, shape, 0.0, 1.0, like.dtype)
        return _new_tensor(xp.asarray(out).astype(like.dtype.numpy), like.dtype, like.device)

    @staticmethod
    def backward(ctx, grad):
        return tuple(grad.sum_to_size(*shape) * 0 if need else None
                     for need, shape in zip(ctx.needs_input_grad[:2], ctx.shapes)) + (None,)


class NormalDrawMean(NormalDraw):
    op_name = "Normal"
    overload = 1


class NormalDrawStd(NormalDraw):
    op_name = "Normal"
    overload = 2


def normal(mean, std=1.0, *, generator=None) -> Tensor:
    """torch.normal with a tensor mean or std."""
    tensors = [v for v in (mean, std) if isinstance(v, Tensor)]
    for t in tensors:
        if not t.dtype.is_floating_point:
            raise NotImplementedError(f"\"normal_kernel_cpu\" not implemented for '{t.dtype._torch_name}'")
    if isinstance(std, Tensor):
        if std.array.size and not bool((std.array >= 0).all()):
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    from gradwire.common.shapes import broadcast_shapes  # noqa: PLC0415 - torch's error when they do not broadcast
    broadcast_shapes(*(t.array.shape for t in tensors))
    cls = NormalDraw if len(tensors) == 2 else NormalDrawMean if isinstance(mean, Tensor) else NormalDrawStd
    return cls.apply(mean, std, _rng_of(tensors[0], generator))


# ---- poisson / binomial ---------------------------------------------------------------------------

class Poisson(Function):
    """poisson(rates) (PoissonBackward0: a zero gradient, as torch's)."""

    array_forward = True

    @staticmethod
    def forward(ctx, rates, rng):
        out = rates.xp.asarray(rng.poisson(rates.array.astype(_dt.float64.numpy)))  # numpy: a 0-d draw is an int
        return _new_tensor(out.astype(rates.dtype.numpy), rates.dtype, rates.device)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0, None


def poisson(input: Tensor, generator=None) -> Tensor:
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"poisson_cpu\" not implemented for '{input.dtype._torch_name}'")
    arr = input.array
    if arr.size and not bool((arr >= 0).all()):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    return Poisson.apply(input, _rng_of(input, generator))


class Binomial(NoDerivative):
    node_name = "NotImplemented"  # each class names its node
    aten = "binomial"
    array_forward = True

    @staticmethod
    def forward(ctx, count, prob, rng):
        xp = count.xp
        n, p = xp.broadcast_arrays(count.array, prob.array)
        n = xp.floor(xp.maximum(xp.nan_to_num(n.astype(xp.float64)), 0)).astype(xp.int64)
        out = xp.asarray(rng.binomial(n, xp.clip(p.astype(xp.float64), 0, 1)))
        return _new_tensor(out.astype(count.dtype.numpy), count.dtype, count.device)


def binomial(count: Tensor, prob: Tensor, generator=None) -> Tensor:
    """Draws of Binomial(count, prob) (count and prob broadcast; torch's node has no derivative)."""
    if not count.dtype.is_floating_point:
        raise ValueError(f"binomial only supports floating-point dtypes for count, got: {count.dtype._torch_name}")
    if prob.dtype is not count.dtype:
        raise RuntimeError(f"Found dtype {prob.dtype._torch_name} but expected {count.dtype._torch_name}")
    return Binomial.apply(count, prob, _rng_of(count, generator))


class StandardGammaDraw(NoDerivative):
    """Gamma(alpha, 1) draws of alpha's shape and dtype, without a gradient (the client's Gamma, Dirichlet and
    Beta add the implicit reparameterization gradient)."""

    node_name = "NotImplemented"
    aten = "_standard_gamma"
    array_forward = True

    @staticmethod
    def forward(ctx, alpha, rng):
        out = alpha.xp.asarray(rng.gamma(alpha.array.astype(_dt.float64.numpy)))
        out = out.astype(alpha.dtype.numpy)
        tiny = alpha.xp.finfo(out.dtype).tiny  # torch's: never below the dtype's smallest normal number
        return _new_tensor(alpha.xp.maximum(out, tiny), alpha.dtype, alpha.device)


def standard_gamma_draw(alpha: Tensor, generator=None) -> Tensor:
    if not alpha.dtype.is_floating_point:
        raise NotImplementedError(f"\"gamma_cpu\" not implemented for '{alpha.dtype._torch_name}'")
    return StandardGammaDraw.apply(alpha, _rng_of(alpha, generator))


_FILLS = {"exponential_": exponential_, "geometric_": geometric_, "log_normal_": log_normal_, "cauchy_": cauchy_}
WIRE = {"uniform_": uniform_, "normal_": normal_, "random_": random_, "bernoulli": bernoulli,
        "bernoulli_": bernoulli_, "multinomial": multinomial, **_FILLS, "poisson": poisson, "binomial": binomial,
        "standard_gamma_draw": standard_gamma_draw,
        "normal": normal}
METHODS = {"uniform_": uniform_, "normal_": normal_, "random_": random_, "bernoulli": bernoulli,
           "bernoulli_": bernoulli_, "multinomial": multinomial, **_FILLS}
__all__ = ["bernoulli", "multinomial", "poisson", "binomial"]
