"""torch.special: the functions gradwire has, each the op of the same math (so the nodes are torch's)."""
from __future__ import annotations

from ._dispatch import call


def expit(input):
    return call("sigmoid", input)


def erf(input):
    return call("erf", input)


def expm1(input):
    return call("expm1", input)


def exp2(input):
    return call("exp2", input)


def log1p(input):
    return call("log1p", input)


def logsumexp(input, dim, keepdim=False):
    return call("logsumexp", input, dim, keepdim)


def softmax(input, dim, *, dtype=None):
    return input.softmax(dim, dtype=dtype) if dtype is not None else input.softmax(dim)


def log_softmax(input, dim, *, dtype=None):
    return input.log_softmax(dim, dtype=dtype) if dtype is not None else input.log_softmax(dim)


def round(input, *, decimals=0):  # noqa: A001 - torch's name
    return input.round(decimals=decimals)  # always the decimals overload, as torch's: RoundBackward1


def _same_op(name: str, op: str):
    def fn(*args, **kwargs):
        return call(op, *args, **kwargs)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"torch.special.{name}: torch.{op}'s op (its node)."
    return fn


# torch.special functions that are a top-level op (the same node: special.gammaln records LgammaBackward0)
_ALIASES = {"gammaln": "lgamma", "digamma": "digamma", "psi": "digamma", "polygamma": "polygamma",
            "erfinv": "erfinv", "logit": "logit", "sinc": "sinc", "xlogy": "xlogy", "i0": "i0", "i1": "special_i1",
            "erfc": "erfc", "erfcx": "special_erfcx", "multigammaln": "mvlgamma", "xlog1py": "special_xlog1py",
            "entr": "special_entr", "i0e": "special_i0e", "i1e": "special_i1e", "ndtr": "special_ndtr",
            "log_ndtr": "special_log_ndtr"}
globals().update({name: _same_op(name, op) for name, op in _ALIASES.items()})

__all__ = ["expit", "erf", "expm1", "exp2", "log1p", "logsumexp", "softmax", "log_softmax", "round", *_ALIASES]
