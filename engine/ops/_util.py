"""Shared helpers of the op modules: operand metadata, casting, wrapping results."""
from __future__ import annotations

import weakref as _weakref

from gradwire.common import dtypes as _dt

from gradwire.common.views import created_mode

from .. import backend
from ..grad_mode import _state as _grad_state
from ..tensor import Tensor, _new_tensor, _owned_grad

_PY_SCALARS = (bool, int, float, complex)


def scalar_value(x):
    """A Python scalar from a Python or numpy scalar; TypeError otherwise."""
    if isinstance(x, _PY_SCALARS):
        return x
    item = getattr(x, "item", None)
    if item is not None and getattr(x, "shape", None) == ():
        return item()
    raise TypeError(f"expected Tensor or Number as argument, but got {type(x).__name__}")


def operand_meta(x):
    """What ``result_type`` takes for an operand: (dtype, ndim) or the Python scalar."""
    if type(x) is Tensor:
        return (x.dtype, x.array.ndim)
    return x


def wrap(xp, r, dtype, device):
    """A Tensor of dtype from an op result (which numpy may return as a scalar for 0-d)."""
    npdt = dtype.numpy
    if type(r) is not xp.ndarray:
        r = xp.asarray(r, dtype=npdt)
    elif r.dtype is not npdt and r.dtype != npdt:  # ``is`` first: numpy's builtin dtypes are singletons
        r = r.astype(npdt)
    return _new_tensor(r, dtype, device)


def cast(arr, npdt, copy: bool = True):
    """``arr.astype(npdt)`` with torch's float -> small integer conversion (truncate to int64, then wrap
    modulo 2**bits: -1.5 -> uint8 255), which numpy leaves undefined."""
    if npdt.kind in "iu" and npdt.itemsize < 4 and arr.dtype.kind == "f":
        arr = arr.astype(_dt.int64.numpy)
    return arr.astype(npdt, copy=copy)


def wrap_grad(xp, r, dtype, device):
    """``wrap`` for a gradient computed on arrays into new memory: the tensor owns it (see _owned_grad)."""
    t = wrap(xp, r, dtype, device)
    t._owned = True
    return t


def pass_grad(grad: Tensor, array) -> Tensor:
    """A gradient on ``array``, a view of ``grad``'s: it owns the memory when ``grad`` did (and gives it up)."""
    if grad._owned:
        del grad.__dict__["_owned"]
        return _owned_grad(array, grad.dtype, grad.device)
    return _new_tensor(array, grad.dtype, grad.device)


def same_device(*tensors) -> None:
    """torch's error when an op's tensor inputs (None and non-tensors skipped) are on two devices."""
    first = None
    for t in tensors:
        if type(t) is Tensor:
            if first is None:
                first = t.device
            elif t.device != first:
                raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two "
                                   f"devices, {first} and {t.device}!")


def _cpu_scalar_to_device(a, b):
    """Like torch, a 0-d CPU tensor may meet a tensor of another device (it is a scalar there);
    any other pair on two devices is an error. (A 0-d CPU operand that requires grad is refused:
    its gradient would have to come back across devices.)"""
    for x, y in ((a, b), (b, a)):
        if x.device == "cpu" and x.array.ndim == 0 and not x._requires_grad:
            moved = _new_tensor(backend.transfer(x.array, "cpu", y.device), x.dtype, y.device)
            return (moved, b) if x is a else (a, moved)
    raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two "
                       f"devices, {a.device} and {b.device}!")


def binary_prep(a, b, floating: bool = False, scalar_as_given: bool = False):
    """Casts both operands to the promoted dtype: (a_val, b_val, dtype, xp, device). ``scalar_as_given``: a
    bfloat16 result keeps ``b`` unrounded when it is a number or 0-dim (torch's mul and div take a scalar
    second operand's original value; other ops cast every operand to bfloat16 first)."""
    ta = type(a) is Tensor
    tb = type(b) is Tensor
    # a Python float is already what scalar_value returns (the common ``x * 0.5``)
    if not ta and type(a) is not float:
        a = scalar_value(a)
    if not tb and type(b) is not float:
        b = scalar_value(b)
    if ta and tb:
        if a.device != b.device:
            a, b = _cpu_scalar_to_device(a, b)
        da, db = a.dtype, b.dtype
        if da is db:
            dtype = da
        else:
            dtype = _dt.result_type((da, a.array.ndim), (db, b.array.ndim))
        t = a
    elif ta:
        dtype = a.dtype
        if type(b) is not float or not dtype.is_floating_point:  # a float keeps a floating tensor's dtype
            dtype = _dt.result_type((dtype, a.array.ndim), b)
        t = a
    elif tb:
        dtype = _dt.result_type(a, (b.dtype, b.array.ndim))
        t = b
    else:
        raise TypeError("expected at least one Tensor operand")
    if floating and not dtype.is_floating_point and not dtype.is_complex:
        dtype = _dt.default_float()
    npdt = dtype.numpy
    if ta:
        av = a.array
        if av.dtype is not npdt and av.dtype != npdt:
            av = av.astype(npdt)
    else:
        try:
            av = npdt.type(a)
        except OverflowError:  # an int beyond a small integer type wraps, as in torch's kernels
            av = npdt.type(_dt.wrap_int(dtype, int(a)))
    if tb:
        bv = b.array
        if bv.dtype is not npdt and bv.dtype != npdt:
            bv = bv.astype(npdt)
    else:
        try:
            bv = npdt.type(b)
        except OverflowError:
            bv = npdt.type(_dt.wrap_int(dtype, int(b)))
    if dtype.rounds:  # bfloat16: torch casts the operands to it first (a Python 1.1 is 1.1016)
        xp = backend.xp_of(t)
        if not (ta and a.dtype is dtype):
            av = _dt.round_to_bfloat16(xp, av)
        if not (tb and b.dtype is dtype) and not (scalar_as_given and (not tb or b.array.ndim == 0)):
            bv = _dt.round_to_bfloat16(xp, bv)
    return av, bv, dtype, backend.xp_of(t), t.device


def unary_prep(a, floating: bool = False):
    if type(a) is not Tensor:
        raise TypeError(f"expected Tensor as argument, but got {type(a).__name__}")
    dtype = a.dtype
    av = a.array
    if floating and not dtype.is_floating_point and not dtype.is_complex:
        dtype = _dt.default_float()
        av = av.astype(dtype.numpy)
    return av, dtype, a.xp, a.device


def share_version(src: Tensor, dst: Tensor) -> Tensor:
    """Makes ``dst`` (a view of ``src``'s array) share its version counter, like torch views."""
    vc = src._vc
    if vc is None:
        vc = src._vc = [0]
    dst._vc = vc
    # the view's base, as torch's ``_base``: in-place ops on the view rewrite the base's history
    d = dst.__dict__
    if "_base_of_view" not in d:
        base = src._base_of_view
        d["_base_of_view"] = src if base is None else base
    if not _grad_state.enabled:
        _made_without_grad(src, d)
    else:
        if src._requires_grad:  # an in-place write into its memory re-derives its node (inplace.refresh_views)
            base_d = d["_base_of_view"].__dict__
            views = base_d.get("_views")
            if views is None:
                views = base_d["_views"] = _weakref.WeakSet()
            views.add(dst)
        if src._multi_view:
            d["_multi_view"] = True
        mode = src._view_mode
        if mode is not None:  # a view (made with grad on) of a view made in no_grad mode: as that view
            d["_view_mode"] = mode
            d["_view_version"] = vc[0]
    return dst


def _made_without_grad(src: Tensor, d: dict) -> None:
    """A view made in no_grad (or inference) mode: torch's requires_grad (its base's), is_leaf (True) and
    creation mode, which forbids writing into it in place with grad mode on."""
    base = d["_base_of_view"]
    d["_view_mode"] = created_mode(_grad_state.inference, src._view_mode)
    d["_view_version"] = src._vc[0]
    if base._requires_grad and d["dtype"].is_floating_point:
        d["_requires_grad"] = True
    if d.get("_inference") and not src._inference:
        d["_inference"] = False  # a view of a normal tensor made in inference mode is a normal tensor


def multi_view(outs: tuple) -> tuple:
    """Marks the outputs of a function returning several views (split, unbind) as torch does with grad
    mode on: writing into one in place, with grad, is an error."""
    from gradwire.common.grad_mode import _state  # noqa: PLC0415
    if _state.enabled:
        for o in outs:
            o.__dict__["_multi_view"] = True
    return outs


def parse_shape(args) -> tuple:
    """``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` all mean the shape (2, 3)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    out = []
    for s in args:
        if type(s) is Tensor:
            s = s.item()
        if not isinstance(s, int) or isinstance(s, bool):
            try:
                s = s.__index__()
            except AttributeError:
                raise TypeError(f"expected a sequence of integers, but got an element of type "
                                f"{type(s).__name__}") from None
        out.append(s)
    return tuple(out)


# ---- argument checks with torch's texts -------------------------------------------

def check_tensor_arg(op: str, x, name: str = "input", pos: int = 1) -> None:
    """torch's TypeError when a Tensor argument is something else."""
    if type(x) is not Tensor:
        raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not {type(x).__name__}")


def not_implemented(kernel: str, dtype) -> NotImplementedError:
    """torch's error for a kernel without a dtype: '"abs_cpu" not implemented for 'Bool''."""
    return NotImplementedError(f"\"{kernel}\" not implemented for '{dtype._torch_name}'")


# ---- erf on arrays (numpy has none): Chebyshev fits of math.erf, made at import ----

def _cheb_fit(f, a: float, b: float, n: int = 32, tol: float = 2e-16) -> tuple:
    """Chebyshev interpolation coefficients of ``f`` on [a, b], trailing ones below ``tol`` dropped."""
    import math  # noqa: PLC0415
    two_n = 2 * n
    vals = [f(0.5 * (b - a) * math.cos(math.pi * (2 * k + 1) / two_n) + 0.5 * (b + a)) for k in range(n)]
    coef = []
    for j in range(n):
        # reduce the angle exactly (integer arithmetic) so high orders keep full precision
        s = math.fsum(vals[k] * math.cos(math.pi * ((j * (2 * k + 1)) % (2 * two_n)) / two_n) for k in range(n))
        coef.append(2.0 * s / n)
    coef[0] *= 0.5
    while len(coef) > 1 and abs(coef[-1]) < tol:
        coef.pop()
    return tuple(coef)


def _erf_pieces(tol: float) -> tuple:
    import math  # noqa: PLC0415

    def erf_over_x(x):
        return math.erf(x) / x if x != 0 else 2.0 / math.sqrt(math.pi)

    # [0, 1): erf(x) / x (keeps relative accuracy near 0); [k, k+1), k = 1..5: erf itself; >= 6: 1
    return (_cheb_fit(erf_over_x, 0.0, 1.0, tol=tol),) + tuple(
        _cheb_fit(math.erf, float(k), float(k + 1), tol=tol) for k in range(1, 6))


_ERF64 = _erf_pieces(2e-16)
_ERF32 = _erf_pieces(1e-9)


def _clenshaw(coef, t):
    t2 = t * 2.0
    b1 = b2 = 0.0
    for c in coef[:0:-1]:
        b1, b2 = t2 * b1 - b2 + c, b1
    return t * b1 - b2 + coef[0]


def erf_array(xp, x):
    """erf of a floating array (float64 accuracy: a few ulps), in the array's dtype."""
    dtype = x.dtype
    pieces = _ERF64 if dtype.itemsize >= 8 else _ERF32
    a = xp.abs(x.astype(xp.float64) if dtype.itemsize < 8 else x)
    nan = xp.isnan(a)
    has_nan = bool(nan.any())
    if has_nan:
        a = xp.where(nan, 0.0, a)
    out = xp.ones_like(a)
    idx = xp.floor(xp.minimum(a, 6.0))
    t = (a - idx) * 2.0 - 1.0
    for k, coef in enumerate(pieces):
        sel = idx == k
        if not sel.any():
            continue
        v = _clenshaw(coef, t[sel])
        if k == 0:
            v = v * a[sel]
        out[sel] = v
    out = xp.copysign(out, x)
    if has_nan:
        out[nan] = xp.nan
    return out.astype(dtype, copy=False)
