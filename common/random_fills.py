"""torch's argument checks of the random in-place fills (uniform_, normal_, exponential_, geometric_,
log_normal_, cauchy_), shared by the client (errors at the call line: in-place ops do not wait for the
server) and the engine. Each check takes the tensor's dtype and the fill's parameters."""
from __future__ import annotations

from . import dtypes as _dt


def _continuous(name: str, dtype, c_name: bool = False) -> None:
    if not dtype.is_floating_point:
        shown = _dt.CPP_NAMES[dtype.name] if c_name else dtype._torch_name
        raise RuntimeError(f"{name} distribution is a continuous probability distribution. dtype must be a floating "
                           f"point but you specified {shown}")


def _kernel(kernel: str, dtype, ok: bool) -> None:
    if not ok:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{dtype._torch_name}'")


def uniform_(dtype, low, high) -> None:
    if low > high:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={low:g} > to={high:g}")
    _kernel("check_uniform_bounds", dtype, dtype.is_floating_point)


def normal_(dtype, mean, std) -> None:
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    _kernel("normal_kernel_cpu", dtype, dtype.is_floating_point)


def exponential_(dtype, lambd) -> None:
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
    _continuous("Exponential", dtype)


def geometric_(dtype, p) -> None:
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p:g}")
    _kernel("geometric_cpu", dtype, dtype is not _dt.bool_)


def log_normal_(dtype, mean, std) -> None:
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std:g}")
    _kernel("log_normal_cpu", dtype, dtype.is_floating_point)


def cauchy_(dtype, median, sigma) -> None:
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma:g}")
    _continuous("Cauchy", dtype, c_name=True)


CHECKS = {"uniform_": uniform_, "normal_": normal_, "exponential_": exponential_, "geometric_": geometric_,
          "log_normal_": log_normal_, "cauchy_": cauchy_}
