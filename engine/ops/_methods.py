"""The functional forms Tensor methods call (one import point for tensor.py)."""
from .arith import add, div, exp, log, mul, neg, pow, reciprocal, rsub, sub  # noqa: F401
from .linalg import matmul, mm  # noqa: F401
from .reduce import mean, sum  # noqa: F401
from .shape import (clone, detach, expand, permute, permute_reverse, reshape, t, to_copy, to_dtype,  # noqa: F401
                    transpose, view)
from .complex_ops import conj  # noqa: F401
