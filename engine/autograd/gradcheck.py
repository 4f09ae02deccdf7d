"""gradcheck / gradgradcheck: analytical (backward) against numerical (central differences) Jacobians.

Slow mode builds both Jacobians column by column (one backward per output
element, two forward calls per input element). Fast mode (``fast_mode=True``,
torch's https://github.com/pytorch/pytorch/issues/53876) compares one scalar
per (output, input) pair instead: ``v^T J u`` for random unit vectors ``u``
(input space) and ``v`` (output space) -- numerically by one central
difference along ``u``, analytically by one vector-Jacobian product with
``v``; on a mismatch it recomputes the slow Jacobians for the message.
Complex tensors count as pairs of reals (see _as_reals), in slow mode.
"""
from __future__ import annotations

import threading
import warnings

from gradwire.common import dtypes as _dt
from gradwire.common.shapes import Size

from ..grad_mode import enable_grad
from ..ops.creation import randn_like, zeros_like
from ..random import Generator
from ..tensor import Tensor, _new_tensor
from .engine import grad as _grad
from .engine import run_backward

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck when the analytical and numerical gradients disagree."""


_FAST_NOTE = ("\n\nThe above quantities relating the numerical and analytical jacobians are computed \n"
              "in fast mode. See: https://github.com/pytorch/pytorch/issues/53876 for more background \n"
              "about fast mode. Below, we recompute numerical and analytical jacobians in slow mode:\n\n")

_NOT_REENTRANT = (
    "Backward is not reentrant, i.e., running backward with same input and grad_output multiple times gives "
    "different values, although analytical gradient matches numerical gradient.The tolerance for nondeterminism "
    "was {tol}.\n\nNOTE: If your op relies on non-deterministic operations i.e., it is listed here:\n"
    "https://pytorch.org/docs/stable/generated/torch.use_deterministic_algorithms.html\n"
    "this failure might be expected.\n\n"
    "If you are adding a new operator, please file an issue and then use one of the\n"
    "workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck.\n"
    "If the test\n"
    "- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck\n"
    "  with `nondet_tol=<tol>` as a keyword argument.\n"
    "- is OpInfo-based (e.g., in test_ops_gradients.py), then modify the OpInfo for the test\n"
    "  to have `gradcheck_nondet_tol=<tol>`.\n"
    "- is a Module test (e.g., in common_nn.py), then modify the corresponding\n"
    "  module_test entry to have `gradcheck_nondet_tol=<tol>`\n"
)


def _as_tuple(x):
    if isinstance(x, (tuple, list)):
        return tuple(x)
    return (x,)


def _fail(msg: str, raise_exception: bool) -> bool:
    if raise_exception:
        raise GradcheckError(msg)
    return False


def _jacobian_tensor(xp, array, dtype):
    """A Jacobian as torch shows it: in the dtype of the tensor it was taken over (output for the numerical,
    input for the analytical one)."""
    return _new_tensor(array.astype(dtype.numpy), dtype, "cpu" if xp.__name__ == "numpy" else "cuda")


# Complex tensors are checked as pairs of reals (torch's convention): a complex element is two rows (real,
# imaginary part) of a Jacobian, or two columns. backward with grad_output 1 at an output gives the input
# gradient dRe(out)/dx + i dRe(out)/dy, and with 1j the one of Im(out): the two columns of that output.

def _as_reals(xp, arr):
    """A float64 copy of ``arr``, each complex element as its (real, imaginary) pair."""
    if xp.iscomplexobj(arr):
        return xp.stack([arr.real, arr.imag], -1).astype(xp.float64)
    return arr.astype(xp.float64)


def _parts(t: Tensor) -> tuple:
    """The unit perturbations of one element of ``t``: 1, and 1j for a complex ``t``."""
    return (1, 1j) if t.dtype.is_complex else (1,)


def _float_outputs(func, inputs):
    return [_as_reals(o.xp, o.array) for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor)]


def _check_same_shapes(minus, plus, idx, eps) -> None:
    """torch's check that a perturbation leaves the outputs' shapes (``minus``, ``plus``) alone (masked_select's
    may not)."""
    for a, b in zip(minus, plus):
        if a != b:
            where = tuple(int(k) for k in idx)
            raise AssertionError(f"Expected `func` to return outputs with the same shape when inputs are perturbed "
                                 f"on index {where} by {eps}, but got: shapes {Size(a)} and {Size(b)}.")


# ---- slow mode ------------------------------------------------------------------------

class _Progress(threading.local):
    """Who to tell how far the numerical Jacobian has come: ``report(done, total)`` or None."""

    report = None


progress = _Progress()


def _numerical(func, inputs, diff_idx, out_idx, eps):
    """{(j, i): (n_in, n_out) float64 array} by central differences, perturbing inputs in place."""
    jac = {}
    report = progress.report
    total = sum(inputs[i].array.size * len(_parts(inputs[i])) for i in diff_idx)
    done = 0
    # grad mode stays as it is: gradgradcheck's function needs it to build first-order graphs
    for i in diff_idx:
        t = inputs[i]
        xp = t.xp
        arr = t.array
        n_in = arr.size
        cols = {}
        for k in range(n_in):
            idx = xp.unravel_index(k, arr.shape) if arr.ndim else ()
            orig = arr[idx].copy()
            for part in _parts(t):
                # outputs may be views of the input: they are copied (astype) before the next perturbation
                arr[idx] = orig - eps * part
                minus = [o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor)]
                minus = [o.array.shape for o in minus], [_as_reals(o.xp, o.array) for o in minus]
                arr[idx] = orig + eps * part
                plus = [o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor)]
                _check_same_shapes(minus[0], [o.array.shape for o in plus], idx, eps)
                minus, plus = minus[1], [_as_reals(o.xp, o.array) for o in plus]
                arr[idx] = orig
                for j in out_idx:
                    d = (plus[j] - minus[j]) / (2 * eps)
                    cols.setdefault(j, []).append(d.reshape(-1))
                done += 1
                if report is not None:
                    report(done, total)
        for j in out_idx:
            if n_in:
                jac[(j, i)] = xp.stack(cols[j])
            else:
                out_n = _float_outputs(func, inputs)[j].size
                jac[(j, i)] = xp.zeros((0, out_n), dtype=xp.float64)
    return jac


def _analytical(outputs, inputs, diff_idx, out_idx):
    jac = {}
    diff_inputs = [inputs[i] for i in diff_idx]
    for j in out_idx:
        out = outputs[j]
        xp = out.xp
        parts = _parts(out)
        n_out = out.array.size * len(parts)
        for i in diff_idx:
            jac[(j, i)] = xp.zeros((inputs[i].array.size * len(_parts(inputs[i])), n_out), dtype=xp.float64)
        if not out._requires_grad:
            continue
        for m in range(n_out):
            g = zeros_like(out)
            # (g has out's layout: no flat view of it)
            g.array[xp.unravel_index(m // len(parts), g.array.shape)] = parts[m % len(parts)]
            grads = run_backward((out,), (g,), retain_graph=True, create_graph=False, inputs=diff_inputs,
                                 accumulate=False)
            for i, gi in zip(diff_idx, grads):
                if gi is not None:
                    jac[(j, i)][:, m] = _as_reals(xp, gi.array).reshape(-1)
    return jac


def _max_diff(xp, a, b) -> float:
    if a.size == 0:
        return 0.0
    return float(xp.abs(a - b).max())


def _check_reentrant(xp, first, second, nondet_tol, raise_exception) -> bool:
    for key, a in first.items():
        b = second[key]
        if a.size and _max_diff(xp, a, b) > nondet_tol:
            return _fail(_NOT_REENTRANT.format(tol=nondet_tol), raise_exception)
    return True


def _slow(func, inputs, outputs, diff_idx, out_idx, eps, atol, rtol, nondet_tol, raise_exception) -> bool:
    analytical = _analytical(outputs, inputs, diff_idx, out_idx)
    xp = inputs[diff_idx[0]].xp
    if not _check_reentrant(xp, analytical, _analytical(outputs, inputs, diff_idx, out_idx), nondet_tol,
                            raise_exception):
        return False
    numerical = _numerical(func, inputs, diff_idx, out_idx, eps)
    for j in out_idx:
        for i in diff_idx:
            a = analytical[(j, i)]
            n = numerical[(j, i)]
            if a.shape != n.shape or not bool(xp.allclose(a, n, rtol=rtol, atol=atol)):
                msg = (f"Jacobian mismatch for output {j} with respect to input {i},\n"
                       f"numerical:{_jacobian_tensor(xp, n, outputs[j].dtype)!r}\n"
                       f"analytical:{_jacobian_tensor(xp, a, inputs[i].dtype)!r}\n")
                return _fail(msg, raise_exception)
    return True


# ---- fast mode ------------------------------------------------------------------------

def _unit_vector(like: Tensor, gen) -> object:
    """A random float64 unit vector (flat) in ``like``'s space."""
    v = randn_like(like, dtype=_dt.float64, generator=gen).array.reshape(-1)
    xp = like.xp
    norm = float(xp.sqrt((v * v).sum())) if v.size else 0.0
    return v / norm if norm > 0 else v


def _fast(func, inputs, outputs, diff_idx, out_idx, eps, atol, rtol, nondet_tol, raise_exception) -> bool:
    gen = Generator(seed=0)
    xp = inputs[diff_idx[0]].xp
    us = {i: _unit_vector(inputs[i], gen) for i in diff_idx}
    vs = {j: _unit_vector(outputs[j], gen) for j in out_idx}
    diff_inputs = [inputs[i] for i in diff_idx]

    # analytical: u_i . (J_ji^T v_j), one backward per output (twice, for the reentrancy check)
    def vjps():
        res = {}
        for j in out_idx:
            out = outputs[j]
            for i in diff_idx:
                res[(j, i)] = xp.zeros((1,), dtype=xp.float64)
            if not out._requires_grad:
                continue
            g = _new_tensor(vs[j].reshape(out.array.shape).astype(out.dtype.numpy), out.dtype, out.device)
            grads = run_backward((out,), (g,), retain_graph=True, create_graph=False, inputs=diff_inputs,
                                 accumulate=False)
            for i, gi in zip(diff_idx, grads):
                if gi is not None:
                    res[(j, i)] = xp.asarray([float((gi.array.reshape(-1).astype(xp.float64) * us[i]).sum())])
        return res

    analytical = vjps()
    if not _check_reentrant(xp, analytical, vjps(), nondet_tol, raise_exception):
        return False

    # numerical: v_j . (J_ji u_i), one central difference along u_i per input
    numerical = {}
    for i in diff_idx:
        t = inputs[i]
        arr = t.array
        orig = arr.copy()
        du = us[i].reshape(arr.shape).astype(arr.dtype)
        arr[...] = orig - eps * du
        minus = _float_outputs(func, inputs)
        arr[...] = orig + eps * du
        plus = _float_outputs(func, inputs)
        arr[...] = orig
        for j in out_idx:
            d = ((plus[j] - minus[j]) / (2 * eps)).reshape(-1)
            numerical[(j, i)] = xp.asarray([float((d * vs[j]).sum())])

    for j in out_idx:
        for i in diff_idx:
            a = analytical[(j, i)]
            n = numerical[(j, i)]
            if not bool(xp.allclose(a, n, rtol=rtol, atol=atol)):
                slow_a = _analytical(outputs, inputs, [i], [j])[(j, i)]
                slow_n = _numerical(func, inputs, [i], [j], eps)[(j, i)]
                msg = (f"Jacobian mismatch for output {j} with respect to input {i},\n"
                       f"numerical:{float(n[0])!r}\nanalytical:{float(a[0])!r}" + _FAST_NOTE +
                       f"Numerical:\n {_jacobian_tensor(xp, slow_n, outputs[j].dtype)!r}\n"
                       f"Analytical:\n{_jacobian_tensor(xp, slow_a, inputs[i].dtype)!r}\n\n"
                       f"The max per-element difference (slow mode) is: {_max_diff(xp, slow_a, slow_n)!r}.\n")
                return _fail(msg, raise_exception)
    return True


# ---- entry points -----------------------------------------------------------------------

def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
              check_grad_dtypes: bool = False, check_batched_grad: bool = False,
              check_batched_forward_grad: bool = False, check_forward_ad: bool = False,
              check_backward_ad: bool = True, fast_mode: bool = False, masked=None) -> bool:
    """Checks the gradients computed by backward against finite differences, like torch.autograd.gradcheck.

    Returns True, or raises GradcheckError (False with ``raise_exception=False``) showing both Jacobians.
    ``nondet_tol``: how much two backward runs with the same inputs may differ.
    ``check_undefined_grad``, ``check_batched_grad`` and the forward-AD flags are accepted and not checked.
    """
    inputs = _as_tuple(inputs)
    diff_idx = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t._requires_grad]
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of them "
                         "have requires_grad=True.")
    for i in diff_idx:
        if inputs[i].dtype not in (_dt.float64, _dt.complex128):
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point or complex. "
                          "This check will likely fail if all the inputs are not of double precision floating "
                          "point or complex. ", UserWarning, stacklevel=2)
    outputs = _as_tuple(func(*inputs))
    for o in outputs:
        if not isinstance(o, Tensor):  # torch reads requires_grad of each
            raise AttributeError(f"'{type(o).__name__}' object has no attribute 'requires_grad'")
    for name, tol in (("atol", atol), ("rtol", rtol)):
        if tol < 0:
            raise RuntimeError(f"{name} must be greater than or equal to zero, but got {tol:g}")
    out_idx = [j for j, o in enumerate(outputs) if o.dtype.is_floating_point or o.dtype.is_complex]
    if not out_idx:
        return True
    if not any(outputs[j]._requires_grad for j in out_idx):
        # nothing to differentiate: then the function must not change with its inputs either
        numerical = _numerical(func, inputs, diff_idx, out_idx, eps)
        if any(bool((n != 0).any()) for n in numerical.values()):
            return _fail("Numerical gradient for function expected to be zero", raise_exception)
        return True
    complex_ = any(t.dtype.is_complex for t in (*(inputs[i] for i in diff_idx), *(outputs[j] for j in out_idx)))
    check = _fast if fast_mode and not complex_ else _slow  # fast mode's vectors are real: complex ones go slow
    if not check(func, inputs, outputs, diff_idx, out_idx, eps, atol, rtol, nondet_tol, raise_exception):
        return False
    if check_backward_ad:
        return _check_zero_grad_outputs(inputs, outputs, diff_idx, raise_exception)
    return True


def _check_zero_grad_outputs(inputs, outputs, diff_idx, raise_exception) -> bool:
    """torch's last check: with all-zero grad_outputs, backward must give all-zero gradients of the inputs'
    dtype and size (a backward that ignores its grad_output fails here)."""
    diff_outputs = [o for o in outputs if o._requires_grad]
    diff_inputs = [inputs[i] for i in diff_idx]
    with enable_grad():
        grads = _grad(diff_outputs, diff_inputs, [zeros_like(o) for o in diff_outputs], retain_graph=True,
                      allow_unused=True)
    for g, x in zip(grads, diff_inputs):
        if g is None:
            continue
        if bool((g.array != 0).any()):
            return _fail("backward not multiplied by grad_output", raise_exception)
        if g.dtype is not x.dtype:
            return _fail("grad is incorrect type", raise_exception)
        if g.device != x.device:
            return _fail("grad is incorrect device", raise_exception)
        if g.array.shape != x.array.shape:
            return _fail("grad is incorrect size", raise_exception)
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  gen_non_contig_grad_outputs: bool = False, raise_exception: bool = True, nondet_tol: float = 0.0,
                  check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, check_fwd_over_rev: bool = False,
                  check_rev_over_rev: bool = True, fast_mode: bool = False, masked=None) -> bool:
    """Checks second-order gradients: gradcheck of (inputs, grad_outputs) -> first-order gradients."""
    inputs = _as_tuple(inputs)
    n_in = len(inputs)
    if grad_outputs is None:
        outputs = _as_tuple(func(*inputs))
        gen = Generator(seed=0)
        grad_outputs = tuple(randn_like(o, dtype=o.dtype, requires_grad=True, generator=gen)
                             for o in outputs if isinstance(o, Tensor) and _differentiable_dtype(o)
                             and o._requires_grad)
        if gen_non_contig_grad_outputs:
            grad_outputs = tuple(_non_contiguous(g) for g in grad_outputs)
    else:
        grad_outputs = _as_tuple(grad_outputs)

    @enable_grad()
    def first_order(*args):
        inp = args[:n_in]
        gos = args[n_in:]
        outs = [o for o in _as_tuple(func(*inp))
                if isinstance(o, Tensor) and _differentiable_dtype(o) and o._requires_grad]
        diff_in = [x for x in inp if isinstance(x, Tensor) and x._requires_grad]
        if not outs:
            return ()
        grads = _grad(tuple(outs), tuple(diff_in), tuple(gos[:len(outs)]), create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_order, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol, fast_mode=fast_mode)


def _differentiable_dtype(t: Tensor) -> bool:
    return t.dtype.is_floating_point or t.dtype.is_complex


def _non_contiguous(t: Tensor) -> Tensor:
    """The same values in a non-contiguous array (every other element of a twice-as-large buffer)."""
    xp = t.xp
    arr = t.array
    big = xp.zeros(arr.shape + (2,), dtype=arr.dtype)
    big[..., 0] = arr
    out = _new_tensor(big[..., 0], t.dtype, t.device)
    out._requires_grad = t._requires_grad
    return out
