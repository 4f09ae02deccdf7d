"""gradcheck and gradgradcheck, run on the server.

The client runs the function once while the server records its commands
into a program; the server then evaluates the numerical and analytical
Jacobians by replaying it, with no round trip per perturbation. A function
that cannot be replayed (it reads values, or calls a custom Function) is
called back on the client for each evaluation instead: same results, slower.
"""
from __future__ import annotations

from .. import _dispatch
from ..errors import register_error_type
from ..tensor import Tensor


class GradcheckError(RuntimeError):
    """The gradients computed by backward differ from the finite differences."""


register_error_type(GradcheckError)


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _check_outputs(outs) -> None:
    """torch reads ``requires_grad`` of every output: anything but a tensor fails there."""
    for o in outs:
        if not isinstance(o, Tensor):
            raise AttributeError(f"'{type(o).__name__}' object has no attribute 'requires_grad'")


def _recorded(func, inputs):
    """(connection, program handle, callback id) for ``func`` recorded on ``inputs``."""
    tensors = [t for t in inputs if isinstance(t, Tensor)]
    if not tensors:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of them have "
                         "requires_grad=True.")
    conn = tensors[0]._conn
    conn.submit("program.begin", ([t._id if isinstance(t, Tensor) else 0 for t in inputs],),
                handle_of=_dispatch._handle_of)
    outs = _as_tuple(func(*inputs))
    program = _dispatch.new_object("program.end", [o._id if isinstance(o, Tensor) else 0 for o in outs])
    _check_outputs(outs)
    return conn, program, conn.register_function(lambda *xs: func(*xs))


def _run(op, func, inputs, extra_args, kwargs):
    inputs = _as_tuple(inputs)
    conn, program, function_id = _recorded(func, inputs)
    try:
        return conn.submit(op, (program, function_id, list(inputs), *extra_args), kwargs, want_value=True,
                           handle_of=_dispatch._handle_of).value
    finally:
        conn.unregister_function(function_id)


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0, check_undefined_grad: bool = True,
              check_grad_dtypes: bool = False, check_batched_grad: bool = False,
              check_batched_forward_grad: bool = False, check_forward_ad: bool = False,
              check_backward_ad: bool = True, fast_mode: bool = False, masked=None) -> bool:
    """torch.autograd.gradcheck, evaluated on the server."""
    return _run("autograd.gradcheck_program", func, inputs, (),
                dict(eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception, nondet_tol=nondet_tol,
                     fast_mode=fast_mode))


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  gen_non_contig_grad_outputs: bool = False, raise_exception: bool = True, nondet_tol: float = 0.0,
                  check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, check_fwd_over_rev: bool = False,
                  check_rev_over_rev: bool = True, fast_mode: bool = False, masked=None) -> bool:
    """torch.autograd.gradgradcheck, evaluated on the server."""
    return _run("autograd.gradgradcheck_program", func, inputs, (grad_outputs,),
                dict(eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception, nondet_tol=nondet_tol,
                     fast_mode=fast_mode))
