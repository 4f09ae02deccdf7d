"""torch.linalg's argument checks and result shapes, shared by the engine and the client.

The client runs them on metadata so a wrong shape or dtype raises at the call
site, with torch's text, before anything is sent; the engine runs the same
functions so it keeps torch's behaviour when used directly.
"""
from __future__ import annotations

from . import shapes


class _LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError (torch._C._LinAlgError): a value-dependent failure of a linear
    algebra function, such as inverting a singular matrix. A RuntimeError, as in torch."""


LinAlgError = _LinAlgError

# How each op refuses float16, on CPU: some check for low precision, others have no kernel for it.
_HALF = {
    "linalg.inv": "low",
    "linalg.slogdet": "low",
    "linalg.det": "lu_cpu",
    "linalg.solve": "lu_cpu",
    "linalg.svd": "linalg_svd_cpu",
}


def check_floating(op: str, dtype) -> None:
    if not dtype.is_floating_point:
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got {dtype._torch_name}")


def check_half(op: str, dtype) -> None:
    if dtype.name != "float16":
        return
    kind = _HALF[op]
    if kind == "low":
        raise RuntimeError(f"{op}: Low precision dtypes not supported. Got {dtype._torch_name}")
    raise NotImplementedError(f"\"{kind}\" not implemented for '{dtype._torch_name}'")


def check_matrix(op: str, shape: tuple, name: str = "A") -> None:
    if len(shape) < 2:
        raise RuntimeError(f"{op}: The input tensor {name} must have at least 2 dimensions.")


def check_square(op: str, shape: tuple) -> None:
    check_matrix(op, shape)
    if shape[-1] != shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are {shape[-2]} by {shape[-1]} "
                           "matrices")


def square_op_shape(op: str, shape: tuple, dtype) -> tuple:
    """inv, det, slogdet: checks of a batch of square matrices; returns the batch shape."""
    shape = tuple(shape)
    check_square(op, shape)
    check_floating(op, dtype)
    check_half(op, dtype)
    return shape[:-2]


def svdvals_shape(shape: tuple, dtype) -> tuple:
    shape = tuple(shape)
    check_matrix("linalg.svd", shape)
    check_floating("linalg.svd", dtype)
    check_half("linalg.svd", dtype)
    return shape[:-2] + (min(shape[-2], shape[-1]),)


def solve_is_vector_rhs(a_shape: tuple, b_shape: tuple) -> bool:
    """torch's rule: B is a (batch of) vector(s) when it is 1-D or has exactly A's shape minus its last dim."""
    return len(b_shape) == 1 or (len(a_shape) - 1 == len(b_shape) and tuple(b_shape) == tuple(a_shape[:-1]))


def solve_shapes(a_shape: tuple, b_shape: tuple, a_dtype, b_dtype, left: bool = True):
    """linalg.solve's checks in torch's order. Returns (vector_case, batch shape, result shape)."""
    op = "linalg.solve"
    a_shape, b_shape = tuple(a_shape), tuple(b_shape)
    check_floating(op, a_dtype)
    if a_dtype is not b_dtype:
        raise RuntimeError(f"{op}: Expected A and B to have the same dtype, but found A of type "
                           f"{a_dtype._torch_name} and B of type {b_dtype._torch_name} instead")
    vector = solve_is_vector_rhs(a_shape, b_shape)
    b_mat = b_shape + (1,) if vector else b_shape
    check_square(op, a_shape)
    check_matrix(op, b_mat, "B")
    if (a_shape[-2] != b_mat[-2]) if left else (a_shape[-1] != b_mat[-1]):
        raise RuntimeError(f"{op}: Incompatible shapes of A and B for the equation {'AX = B' if left else 'XA = B'} "
                           f"({a_shape[-2]}x{a_shape[-1]} and {b_mat[-2]}x{b_mat[-1]})")
    batch = shapes.broadcast_shapes(b_mat[:-2], a_shape[:-2])
    if not left and vector:
        raise RuntimeError(f"{op}: Vector broadcasting of the left hand side is not supported for left=False. "
                           "In this case linalg.solve is equivalent to B / A.squeeze(-1)")
    check_half(op, a_dtype)
    out = batch + (b_mat[-2],) if vector else batch + b_mat[-2:]
    return vector, batch, out


def batch_prefix(ndim: int, index: int) -> str:
    """torch's '(Batch element i): ' before an error about one matrix of a batch."""
    return f"(Batch element {index}): " if ndim > 2 else ""
