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


__all__ = ["expit", "erf", "expm1", "exp2", "log1p", "logsumexp", "softmax", "log_softmax", "round"]
