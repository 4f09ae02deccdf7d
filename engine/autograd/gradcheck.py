"""gradcheck / gradgradcheck: analytical (backward) against numerical (central differences) Jacobians."""
from __future__ import annotations

import warnings

from gradwire.common import dtypes as _dt

from ..grad_mode import enable_grad
from ..ops.creation import randn_like, zeros_like
from ..random import Generator
from ..tensor import Tensor, _new_tensor
from .engine import grad as _grad
from .engine import run_backward

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck when the analytical and numerical gradients disagree."""


def _as_tuple(x):
    if isinstance(x, (tuple, list)):
        return tuple(x)
    return (x,)


def _fail(msg: str, raise_exception: bool) -> bool:
    if raise_exception:
        raise GradcheckError(msg)
    return False


def _jacobian_tensor(xp, array):
    return _new_tensor(array, _dt.float64, "cpu" if xp.__name__ == "numpy" else "cuda")


def _numerical(func, inputs, diff_idx, out_idx, eps):
    """{(j, i): (n_in, n_out) float64 array} by central differences, perturbing inputs in place."""
    jac = {}
    # grad mode stays as it is: gradgradcheck's function needs it to build first-order graphs
    if True:
        for i in diff_idx:
            t = inputs[i]
            xp = t.xp
            arr = t.array
            n_in = arr.size
            cols = {}
            for k in range(n_in):
                idx = xp.unravel_index(k, arr.shape) if arr.ndim else ()
                orig = arr[idx].copy()
                # outputs may be views of the input: copy them before the next perturbation
                arr[idx] = orig - eps
                minus = [o.array.astype(xp.float64) for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor)]
                arr[idx] = orig + eps
                plus = [o.array.astype(xp.float64) for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor)]
                arr[idx] = orig
                for j in out_idx:
                    d = (plus[j] - minus[j]) / (2 * eps)
                    cols.setdefault(j, []).append(d.reshape(-1))
            for j in out_idx:
                out_n = cols[j][0].size if cols.get(j) else 0
                jac[(j, i)] = xp.stack(cols[j]) if n_in else xp.zeros((0, out_n), dtype=xp.float64)
    return jac


def _analytical(outputs, inputs, diff_idx, out_idx):
    jac = {}
    diff_inputs = [inputs[i] for i in diff_idx]
    for j in out_idx:
        out = outputs[j]
        xp = out.xp
        n_out = out.array.size
        for i in diff_idx:
            jac[(j, i)] = xp.zeros((inputs[i].array.size, n_out), dtype=xp.float64)
        if not out._requires_grad:
            continue
        for m in range(n_out):
            g = zeros_like(out)
            g.array.reshape(-1)[m] = 1
            grads = run_backward((out,), (g,), retain_graph=True, create_graph=False, inputs=diff_inputs,
                                 accumulate=False)
            for i, gi in zip(diff_idx, grads):
                if gi is not None:
                    jac[(j, i)][:, m] = gi.array.reshape(-1).astype(xp.float64)
    return jac


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
              check_grad_dtypes: bool = False, check_batched_grad: bool = False, fast_mode: bool = False,
              masked=None) -> bool:
    """Checks the gradients computed by backward against finite differences, like torch.autograd.gradcheck."""
    inputs = _as_tuple(inputs)
    diff_idx = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t._requires_grad]
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of the them "
                         "have requires_grad=True.")
    for i in diff_idx:
        if inputs[i].dtype is not _dt.float64:
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating point or complex. "
                          "This check will likely fail if all the inputs are not of double precision floating "
                          "point or complex. ", UserWarning, stacklevel=2)
    outputs = _as_tuple(func(*inputs))
    outputs = tuple(o for o in outputs if isinstance(o, Tensor))
    out_idx = [j for j, o in enumerate(outputs) if o.dtype.is_floating_point]
    analytical = _analytical(outputs, inputs, diff_idx, out_idx)
    numerical = _numerical(func, inputs, diff_idx, out_idx, eps)
    for j in out_idx:
        for i in diff_idx:
            a = analytical[(j, i)]
            n = numerical[(j, i)]
            xp = inputs[i].xp
            if a.shape != n.shape or not bool(xp.allclose(a, n, rtol=rtol, atol=atol)):
                msg = (f"Jacobian mismatch for output {j} with respect to input {i},\n"
                       f"numerical:{_jacobian_tensor(xp, n)!r}\nanalytical:{_jacobian_tensor(xp, a)!r}\n")
                return _fail(msg, raise_exception)
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  gen_non_contig_grad_outputs: bool = False, raise_exception: bool = True, nondet_tol: float = 0.0,
                  check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, fast_mode: bool = False, masked=None) -> bool:
    """Checks second-order gradients: gradcheck of (inputs, grad_outputs) -> first-order gradients."""
    inputs = _as_tuple(inputs)
    n_in = len(inputs)
    if grad_outputs is None:
        outputs = _as_tuple(func(*inputs))
        gen = Generator(seed=0)
        grad_outputs = tuple(randn_like(o, dtype=o.dtype, requires_grad=True, generator=gen)
                             for o in outputs if isinstance(o, Tensor) and o.dtype.is_floating_point
                             and o._requires_grad)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n_go = len(grad_outputs)

    @enable_grad()
    def first_order(*args):
        inp = args[:n_in]
        gos = args[n_in:]
        outs = [o for o in _as_tuple(func(*inp))
                if isinstance(o, Tensor) and o.dtype.is_floating_point and o._requires_grad]
        diff_in = [x for x in inp if isinstance(x, Tensor) and x._requires_grad]
        if not outs:
            return ()
        grads = _grad(tuple(outs), tuple(diff_in), tuple(gos[:len(outs)]), create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    assert n_go >= 0
    return gradcheck(first_order, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
