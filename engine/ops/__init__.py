"""The op registry: wire name -> callable with torch's functional signature.

The server dispatches through ``OPS`` and nothing else.  Each name is
registered once, here.
"""
from __future__ import annotations

from collections.abc import Mapping

from gradwire.common.dtypes import uint8

from . import (arith, complex_ops, creation, decompositions, decompositions2, elementwise, extra_ops, extra_ops2,
               fft_ops, fused, gridctc, index, inplace, linalg, linspec, matrix, named, random_fill, reduce, scan,
               scatter, shape, sorting, special_math)
from .. import random as _random
from ..function import COMPLEX_AWARE, COMPLEX_REFUSED, HOLOMORPHIC, accumulator_of
from ..tensor import Tensor, _new_tensor

__all__ = ["OPS", "OpRegistry"]


class OpRegistry(Mapping):
    """A read-only mapping of wire op names to callables; ``register`` adds one name once."""

    def __init__(self):
        self._ops: dict = {}

    def register(self, name: str, fn=None):
        if fn is None:
            return lambda f: self.register(name, f)
        if name in self._ops:
            raise ValueError(f"op {name!r} is already registered")
        self._ops[name] = fn
        return fn

    def __getitem__(self, name):
        return self._ops[name]

    def __iter__(self):
        return iter(self._ops)

    def __len__(self):
        return len(self._ops)

    def __contains__(self, name):
        return name in self._ops

    def get(self, name, default=None):
        return self._ops.get(name, default)

    def __repr__(self):
        return f"OpRegistry({sorted(self._ops)})"


OPS = OpRegistry()


# ---- tensor methods as functions ------------------------------------------------

def _backward(input, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    input.backward(gradient, retain_graph, create_graph, inputs)


def _requires_grad_(input, requires_grad=True):
    return input.requires_grad_(requires_grad)


def _retain_grad(input):
    input.retain_grad()
    return input


def _grad_of(input):
    """The ``.grad`` of a tensor (None when there is none)."""
    return input.grad


def _grad_is(input, grad) -> bool:
    """Whether ``input.grad`` is still the tensor ``grad`` (accumulated into in place): the client then keeps
    its .grad object, as torch keeps the same Tensor."""
    return input.grad is grad


def _set_grad(input, grad):
    input.grad = grad
    return input


def _zero_grads(params, set_to_none=True):
    """Module.zero_grad: every parameter's grad to None (or zeros), one command for all."""
    for p in params:
        if p.grad is not None:
            if set_to_none:
                p.grad = None
            else:
                p.grad.zero_()


def _set_data(input, value):
    """``param.data = value``: the tensor keeps its identity (optimizers, hooks) and takes new values."""
    input.array = value.array
    input.dtype = value.dtype
    input.device = value.device
    input._bump_version()
    return input


def _detach_(input):
    return input.detach_()


def _grad_fn(input):
    """A tensor's node, as a server-side object (the client's ``grad_fn.next_functions`` walks from it)."""
    return input.grad_fn


def _node_next_functions(node):
    """``node.next_functions`` as torch lists them, as values: [[name or "", output_nr, edge index], ...]
    (the engine's edges of non-tensor arguments that torch's node lacks left out)."""
    edges = node.next_functions
    return [[_torch_node_name(edges[i][0]), edges[i][1], i] for i in node._shown_positions()]


def _torch_node_name(fn) -> str:
    if fn is None:
        return ""
    name = fn.name()
    return "torch::autograd::AccumulateGrad" if name == "AccumulateGrad" else name


def _node_saved_value(node, attr):
    """``node._saved_<name>`` for the client: [kind, value], kind "tensor" (fetch it with node.saved), "value"
    or "missing" (the client raises torch's AttributeError)."""
    from ..autograd.saved import saved_attribute  # noqa: PLC0415
    try:
        v = saved_attribute(node, attr)
    except AttributeError:
        return ["missing", None]
    return ["tensor", None] if isinstance(v, Tensor) else ["value", v]


def _node_saved_check(node):
    """Raises torch's error where ``node.saved_tensors`` would: freed by a backward, or modified in place."""
    node.saved_tensors  # noqa: B018


def _node_saved(node, attr):
    """The saved tensor ``node._saved_<name>``, bound to a handle."""
    from ..autograd.saved import saved_attribute  # noqa: PLC0415
    return saved_attribute(node, attr)


def _node_next(node, i):
    """The node of ``node.next_functions[i]``, as a server-side object."""
    return node.next_functions[i][0]


def _module_to(tensors, device=None, dtype=None, memory_format=None):
    """Module.to: each tensor (parameters, buffers) and its .grad take ``device`` and, when floating,
    ``dtype``, keeping their identity (optimizers built before keep working); with a channels-last
    ``memory_format``, those of its rank take that layout, as torch's. One command for all."""
    from .shape import contiguous, to_copy  # noqa: PLC0415
    from ..grad_mode import no_grad  # noqa: PLC0415
    rank = {"channels_last": 4, "channels_last_3d": 5}.get(memory_format)
    with no_grad():
        for t in tensors:
            for x in (t, t.grad):
                if x is None:
                    continue
                new = to_copy(x.detach(), dtype if x.dtype.is_floating_point else None, device)
                if rank is not None and new.array.ndim == rank:
                    new = contiguous(new, memory_format)
                if new.array is not x.array:
                    _set_data(x, new)


def _item(input):
    return input.item()


def _values(input):
    """The tensor's array, for reads (repr, numpy, tolist); the client checks requires_grad itself."""
    return input.numpy(force=True)


def _tolist(input):
    return input.tolist()


def _storage_alias(input, dtype=None):
    """A 1-d tensor over all of the memory that holds ``input`` (the array owning it), read as ``dtype``
    (bytes when None): what the client's ``untyped_storage()`` and ``storage()`` stand on, so that their
    reads see later in-place writes and their writes reach every tensor sharing the memory, as in torch."""
    root = special_math.storage_root(input.array)
    if not hasattr(root, "flags"):
        root = input.array
    if root.flags.c_contiguous:
        flat = root.reshape(-1)
    elif root.flags.f_contiguous:
        flat = root.T.reshape(-1)   # (the memory in its own order)
    else:   # an owner with gaps: its elements, copied (no memory to share)
        flat = root.copy().reshape(-1)
    dtype = dtype or uint8
    return _new_tensor(flat.view(uint8.numpy).view(dtype.numpy), dtype, input.device)


def _view_dtype(input, dtype):
    """Tensor.view(dtype): the same memory read as ``dtype`` (the last dim rescaled when the element sizes
    differ); never differentiable, as in torch. The client checks torch's conditions first."""
    from ._util import share_version  # noqa: PLC0415
    arr = input.array
    if dtype.itemsize != input.dtype.itemsize and arr.ndim and arr.strides[-1] != arr.itemsize:
        raise RuntimeError(f"self.stride(-1) must be 1 to view {input.dtype._torch_name} as {dtype._torch_name} "
                           f"(different element sizes), but got {arr.strides[-1] // arr.itemsize}")
    if input.dtype.rounds or dtype.rounds:  # bfloat16's bits are the top half of its float32 array's
        xp = input.xp
        bits = (xp.ascontiguousarray(arr).view(xp.uint32) >> 16).astype(xp.uint16) if input.dtype.rounds \
            else xp.ascontiguousarray(arr)
        if dtype.rounds:
            bits = (bits.view(xp.uint16).astype(xp.uint32) << 16).view(xp.float32)
        return _new_tensor(bits.view(dtype.numpy), dtype, input.device)  # (a copy: not the same memory)
    return share_version(input, _new_tensor(arr.view(dtype.numpy), dtype, input.device))


def _data_ptr(input) -> int:
    """Tensor.data_ptr(): the address of the first element in the server's memory (0 when it has none)."""
    return special_math._data_ptr(input.array) if input.array.size else 0


def _autograd_grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
                   allow_unused=None, materialize_grads=False):
    from ..autograd import grad  # noqa: PLC0415
    return grad(outputs, inputs, grad_outputs, retain_graph=retain_graph, create_graph=create_graph,
                allow_unused=allow_unused, materialize_grads=materialize_grads)


def _autograd_backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    from ..autograd import backward  # noqa: PLC0415
    backward(tensors, grad_tensors, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)


def _autograd_increment_version(tensor):
    from ..autograd.engine import increment_version  # noqa: PLC0415
    increment_version(tensor)


def _to(input, *args, **kwargs):
    return input.to(*args, **kwargs)


_TABLE = {
    # arithmetic
    "add": arith.add, "sub": arith.sub, "rsub": arith.rsub, "mul": arith.mul, "div": arith.div,
    "true_divide": arith.div, "neg": arith.neg, "pow": arith.pow, "exp": arith.exp, "log": arith.log,
    "reciprocal": arith.reciprocal, "remainder": arith.remainder, "floor_divide": arith.floor_divide,
    # reductions, linear algebra
    "sum": reduce.sum, "mean": reduce.mean, "matmul": linalg.matmul, "mm": linalg.mm,
    # shapes and copies
    "reshape": shape.reshape, "view": shape.view, "expand": shape.expand, "t": shape.t,
    "transpose": shape.transpose, "permute": shape.permute, "clone": shape.clone, "detach": shape.detach,
    "to": _to,
    # creation and randomness
    "tensor": creation.tensor, "from_numpy": creation.from_numpy, "zeros": creation.zeros,
    "ones": creation.ones, "full": creation.full, "zeros_like": creation.zeros_like,
    "ones_like": creation.ones_like, "full_like": creation.full_like, "randn": creation.randn,
    "randn_like": creation.randn_like, "manual_seed": _random.manual_seed,
    # tensor methods / autograd
    "zero_": inplace.zero_, "backward": _backward, "requires_grad_": _requires_grad_,
    "retain_grad": _retain_grad, "detach_": _detach_, "grad_fn": _grad_fn,
    "node.next_functions": _node_next_functions, "node.next": _node_next, "node.accumulator": accumulator_of,
    "node.saved_value": _node_saved_value, "node.saved": _node_saved,
    "node.saved_check": _node_saved_check, "grad_of": _grad_of, "grad_is": _grad_is,
    "zero_grads": _zero_grads, "set_data": _set_data, "module_to": _module_to, "set_grad": _set_grad,
    "item": _item, "tolist": _tolist,
    "numpy": _values, "storage_alias": _storage_alias, "data_ptr": _data_ptr, "view_dtype": _view_dtype,
    "autograd.grad": _autograd_grad, "autograd.backward": _autograd_backward,
    "autograd.increment_version": _autograd_increment_version,
}
for _name, _fn in _TABLE.items():
    OPS.register(_name, _fn)
del _name, _fn

# Op modules that carry their own tables (so each can grow without touching
# this file or tensor.py):
#   WIRE    wire name -> callable, registered in OPS
#   METHODS Tensor method name -> callable(self, ...), installed on Tensor
#   __all__ names exported by the gradwire.engine namespace
EXTENSION_MODULES = [elementwise, index, inplace, random_fill, sorting, scatter, matrix, scan, fused, decompositions,
                     decompositions2, special_math, _random, extra_ops, extra_ops2, named, linspec, gridctc, complex_ops,
                     fft_ops]


def install(module) -> None:
    """Registers a module's WIRE ops and installs its METHODS on Tensor (once)."""
    for name, fn in getattr(module, "WIRE", {}).items():
        OPS.register(name, fn)
    for name, fn in getattr(module, "METHODS", {}).items():
        if name in Tensor.__dict__:
            raise ValueError(f"Tensor.{name} is already defined; {module.__name__} cannot define it again")
        setattr(Tensor, name, fn)


for _module in EXTENSION_MODULES:
    install(_module)
del _module

# The Functions whose one formula also gives complex gradients, between conjugations (function.HOLOMORPHIC):
# holomorphic ops, and the real-linear ones (sums, views, copies).
HOLOMORPHIC.update({
    arith.Add, arith.Sub, arith.Rsub, arith.RsubScalar, arith.Mul, arith.Div, arith.Neg, arith.Pow, arith.PowTensor,
    arith.PowScalarBase, arith.Exp, arith.Log, arith.Reciprocal, elementwise.Sqrt, elementwise.Rsqrt,
    elementwise.Expm1, elementwise.Log1P, elementwise.Log2, elementwise.Log10, elementwise.Exp2, elementwise.Sin,
    elementwise.Cos, elementwise.Tan, elementwise.Sinh, elementwise.Cosh, elementwise.Tanh, elementwise.Asin,
    elementwise.Acos, elementwise.Atan, elementwise.Asinh, elementwise.Acosh, elementwise.Atanh, elementwise.Sigmoid, linalg.Matmul, linalg.Dot, linalg.Vdot, linalg.Mv, linalg.Mm, linalg.Bmm, reduce.Sum,
    reduce.SumDim, reduce.Mean, reduce.MeanDim, reduce.Cumsum, reduce.Logsumexp, reduce.Prod, reduce.ProdDim, scan.Cumprod, shape.View, shape.Expand, shape.T, shape.Transpose, shape.Permute,
    shape.Clone, shape.ToCopy, shape.Squeeze, shape.SqueezeDim, shape.SqueezeDims, shape.Unsqueeze, shape.Cat,
    shape.Stack, shape.Flip, shape.Select, shape.Slice, shape.Alias, index.Index,
    # linear: views, copies and index ops (a mask or an index is no input of the derivative)
    shape.UnsafeView, shape.Contiguous, shape.IndexUnsqueeze, shape.SqueezeInplace, shape.SqueezeDimInplace,
    shape.SqueezeDimsInplace, shape.TransposeInplace, shape.Repeat, shape.Rot90, shape.Split, shape.SplitWithSizes,
    shape.Unbind, shape.Tril, shape.Triu, scan.Roll, matrix.Diagonal, matrix.DiagonalCopy, matrix.DiagEmbed,
    matrix.Trace, named.BlockDiag, special_math.Unfold, elementwise.Where, index.Gather, index.IndexSelect,
    index.IndexAdd, index.IndexPut, index.IndexPutAccumulate, index.SetitemIndexPut, index.MaskedFill,
    index.MaskedFillTensor, index.ScatterAdd, scatter.Scatter, scatter.ScatterValue, scatter.IndexAddOp,
    scatter.IndexFill, scatter.IndexFillTensor, scatter.MaskedSelect, scatter.Take, extra_ops.IndexCopy,
    extra_ops.MaskedScatter, extra_ops.Put, named.AddScalar, named.MulScalar, named.DivScalar,
    special_math._AddScalar, special_math._MulScalar,
    # holomorphic: products and their sums, inverses, determinants
    linalg.MatmulVecMat, linalg.MatmulMatBatched, linalg.MatmulBatched, fused.Addmm, fused.Addmv, fused.Addr,
    fused.Baddbmm, fused.Addbmm, fused.Addcmul, matrix.LinalgCross, decompositions.LinalgInvEx,
    decompositions.LinalgSolveEx, decompositions.LinalgDet,
})
# var and std: torch's formulas (2 / dof * grad * (x - mean), over 2 std) are its complex gradients as they are;
# sgn and slogdet follow torch's complex formulas
COMPLEX_AWARE.update({elementwise.Abs, elementwise.Sgn, extra_ops.Angle, decompositions.LinalgSlogdet, reduce.Var,
                      reduce.Std, reduce.VarMean, reduce.StdMean})
# more linear maps (scatters, writes through views and their nodes) and holomorphic ops, each checked against
# torch's gradient and by gradcheck on complex128 (tests/test_parity_complex_autograd.py)
HOLOMORPHIC.update({
    extra_ops.DiagonalScatter, fused.Addcdiv, decompositions2.LinalgMatrixExp, inplace.CopySlices, inplace.AsStrided,
    extra_ops2.AsStridedView, index.IndexPutValue, index.SetitemFill, index.SetitemCopy, shape.TInplace,
    shape.UnsqueezeInplace,
})
COMPLEX_REFUSED.update({extra_ops.SelectScatter: "select_scatter", extra_ops.SliceScatter: "slice_scatter"})
