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

# c10's C++ type names of the dtypes, which some of torch's messages print.
C_TYPE_NAMES = {"float16": "c10::Half", "float32": "float", "float64": "double", "int32": "int",
                "int64": "long int", "bool": "bool"}

# How each op refuses float16, on CPU: some check for low precision, others have no kernel for it.
_HALF = {
    "linalg.inv": "low",
    "linalg.slogdet": "low",
    "linalg.det": "lu_cpu",
    "linalg.solve": "lu_cpu",
    "linalg.svd": "linalg_svd_cpu",
    "linalg.eigh": "linalg_eigh_cpu",
    "linalg.cholesky": "cholesky_cpu",
    "linalg.qr": "geqrf_cpu",
    "cholesky_solve": "cholesky_solve_cpu",
}


def check_floating(op: str, dtype) -> None:
    if not (dtype.is_floating_point or dtype.is_complex):
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


def eigh_shapes(shape: tuple, dtype, uplo: str = "L") -> tuple:
    """eigh / eigvalsh: (eigenvalues' shape, eigenvectors' shape). torch has no integer or half kernel."""
    shape = tuple(shape)
    check_square("linalg.eigh", shape)
    if uplo not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {uplo}")
    if not (dtype.is_floating_point or dtype.is_complex) or dtype.name in ("float16", "bfloat16"):
        raise NotImplementedError(f"\"linalg_eigh_cpu\" not implemented for '{dtype._torch_name}'")
    return shape[:-1], shape


QR_MODES = ("reduced", "complete", "r")


def qr_shapes(shape: tuple, dtype, mode: str) -> tuple:
    """linalg.qr: (Q's shape, R's shape); Q is empty for mode 'r'."""
    shape = tuple(shape)
    check_matrix("linalg.qr", shape)
    check_floating("linalg.qr", dtype)
    if mode not in QR_MODES:
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           "or 'complete'")
    check_half("linalg.qr", dtype)
    batch, (m, n) = shape[:-2], shape[-2:]
    k = m if mode == "complete" else min(m, n)
    return ((0,) if mode == "r" else batch + (m, k)), batch + (k, n)


def svd_shapes(shape: tuple, dtype, full_matrices: bool) -> tuple:
    """linalg.svd: the shapes of U, S and Vh."""
    s = svdvals_shape(shape, dtype)
    batch, (m, n) = tuple(shape[:-2]), tuple(shape[-2:])
    k = s[-1]
    return (batch + (m, m if full_matrices else k)), s, (batch + (n if full_matrices else k, n))


def pinv_check(shape: tuple, dtype, hermitian: bool) -> None:
    shape = tuple(shape)
    if len(shape) < 2 or dtype.name not in ("float32", "float64", "complex64", "complex128"):
        dims = ", ".join(map(str, shape))
        raise RuntimeError(f"linalg.pinv({dtype._torch_name}{{[{dims}]}}): expected a tensor with 2 or more "
                           "dimensions of float, double, cfloat or cdouble types")
    if hermitian:
        check_square("linalg.eigh", shape)


LSTSQ_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq_shapes(a_shape: tuple, b_shape: tuple, a_dtype, b_dtype, driver) -> tuple:
    """linalg.lstsq's checks in torch's order. Returns (vector_case, batch shape, driver)."""
    op = "torch.linalg.lstsq"
    a_shape, b_shape = tuple(a_shape), tuple(b_shape)
    if a_dtype is not b_dtype:
        raise RuntimeError(f"{op}: Expected input and other to have the same dtype, but got input's dtype "
                           f"{a_dtype._torch_name} and other's dtype {b_dtype._torch_name}")
    if len(a_shape) < 2:
        raise RuntimeError(f"{op}: input must have at least 2 dimensions.")
    if not 0 <= len(a_shape) - len(b_shape) <= 1:
        raise RuntimeError(f"{op}: input.dim() must be greater or equal to other.dim() and (input.dim() - other.dim()) "
                           "<= 1")
    vector = solve_is_vector_rhs(a_shape, b_shape)
    if vector:
        if a_shape[-2] != b_shape[-1]:
            raise RuntimeError(f"{op}: input.size(-2) should match other.size(-1)")
    elif a_shape[-2] != b_shape[-2]:
        raise RuntimeError(f"{op}: input.size(-2) should match other.size(-2)")
    if a_dtype.name not in ("float32", "float64", "complex64", "complex128"):
        raise RuntimeError("This function doesn't handle types other than float and double")
    if driver is None:
        driver = "gelsy"
    elif driver not in LSTSQ_DRIVERS:
        raise RuntimeError(f"{op}: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    # torch takes B's batch dims as all but its last one whenever B has one dim fewer than A (a B that is not
    # a batch of vectors then is one matrix, broadcast over them)
    fewer = len(b_shape) == len(a_shape) - 1
    batch = shapes.broadcast_shapes(a_shape[:-2], b_shape[:-1] if fewer else b_shape[:-2])
    return vector, batch, driver


def lstsq_result_shapes(a_shape: tuple, b_shape: tuple, a_dtype, b_dtype, driver):
    """The shapes of (solution, residuals, rank, singular_values), or None where the residuals' depend on the
    ranks (values)."""
    vector, batch, driver = lstsq_shapes(a_shape, b_shape, a_dtype, b_dtype, driver)
    m, n = a_shape[-2:]
    if driver != "gelsy" and m > n:
        return None
    sol = batch + ((n,) if vector else (n, b_shape[-1]))
    rank = (0,) if driver == "gels" else batch
    sv = batch + (min(m, n),) if driver in ("gelsd", "gelss") else (0,)
    return sol, (0,), rank, sv


def matrix_exp_check(shape: tuple, dtype) -> None:
    check_square("linalg.matrix_exp", tuple(shape))
    check_floating("linalg.matrix_exp", dtype)


def cholesky_solve_shape(b_shape: tuple, u_shape: tuple, b_dtype, u_dtype) -> tuple:
    """torch.cholesky_solve(B, L): checks in torch's order; returns the result's shape (batch dims
    broadcast)."""
    b_shape, u_shape = tuple(b_shape), tuple(u_shape)
    for name, sh in (("b", b_shape), ("u", u_shape)):
        if len(sh) < 2:
            raise RuntimeError(f"{name} should have at least 2 dimensions, but has {len(sh)} dimensions instead")
    if b_dtype is not u_dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type {b_dtype._torch_name} and A "
                           f"of type {u_dtype._torch_name} instead.")
    if u_shape[-1] != u_shape[-2]:
        raise RuntimeError(f"A must be batches of square matrices, but they are {u_shape[-2]} by {u_shape[-1]} "
                           "matrices")
    if u_shape[-1] != b_shape[-2]:
        raise RuntimeError(f"Incompatible matrix sizes for cholesky_solve: each A matrix is {u_shape[-2]} by "
                           f"{u_shape[-1]} but each b matrix is {b_shape[-2]} by {b_shape[-1]}")
    if not (b_dtype.is_floating_point or b_dtype.is_complex) or b_dtype.name in ("float16", "bfloat16"):
        raise NotImplementedError(f"\"cholesky_solve_cpu\" not implemented for '{b_dtype._torch_name}'")
    return shapes.broadcast_shapes(b_shape[:-2], u_shape[:-2]) + b_shape[-2:]


def matrix_power_check(shape: tuple, dtype, n) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"linalg_matrix_power(): argument 'n' (position 2) must be int, not {type(n).__name__}")
    shape = tuple(shape)
    check_matrix("linalg.matrix_power", shape)
    check_square("linalg.matrix_power", shape)
    if n < 0:
        square_op_shape("linalg.inv", shape, dtype)


def householder_product_check(shape: tuple, tau_shape: tuple, dtype, tau_dtype) -> None:
    op = "torch.linalg.householder_product"
    shape, tau_shape = tuple(shape), tuple(tau_shape)
    if len(shape) < 2:
        raise RuntimeError(f"{op}: input must have at least 2 dimensions.")
    if shape[-2] < shape[-1]:
        raise RuntimeError(f"{op}: input.shape[-2] must be greater than or equal to input.shape[-1]")
    if tau_shape and shape[-1] < tau_shape[-1]:
        raise RuntimeError(f"{op}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    if len(shape) - len(tau_shape) != 1:
        raise RuntimeError(f"{op}: Expected tau to have one dimension less than input, but got tau.ndim equal to "
                           f"{len(tau_shape)} and input.ndim is equal to {len(shape)}")
    if tau_shape[:-1] != shape[:-2]:
        raise RuntimeError(f"{op}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got "
                           f"{list(tau_shape[:-1])}")
    if tau_dtype is not dtype:
        raise RuntimeError(f"{op}: tau dtype {tau_dtype._torch_name} does not match input dtype {dtype._torch_name}")
    if not (dtype.is_floating_point or dtype.is_complex) or dtype.name in ("float16", "bfloat16"):
        raise NotImplementedError(f"\"orgqr_cpu\" not implemented for '{dtype._torch_name}'")
