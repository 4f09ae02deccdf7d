"""One metadata rule per op: the shape and dtype of its outputs, from its inputs' metadata.

This lets ops return their handle at once, without a round trip, and raise
shape and dtype errors at the user's call site with PyTorch's text. The rules
use the same shape and promotion functions as the engine (gradwire.common).

A rule is ``rule(op, args, kwargs) -> [(shape, dtype), ...]``, one pair per
output tensor. An op with no rule (or whose rule returns None, e.g. boolean
mask indexing, whose shape depends on values) still works: the client waits
for the server's reply and takes the metadata from it.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import Callable

from gradwire.common import dtypes, memory_formats, shapes
from gradwire.common import linalg as _linalg

int64, bool_ = dtypes.int64, dtypes.bool_


def is_tensor(x) -> bool:
    return hasattr(x, "_shape")


def _operand(x):
    """An operand for result_type: (dtype, ndim) for tensors, the value for scalars."""
    return (x._dtype, len(x._shape)) if is_tensor(x) else x


def _shape(x):
    return x._shape if is_tensor(x) else ()


def _arg(args, kwargs, i, name, default=None):
    if len(args) > i:
        return args[i]
    return kwargs.get(name, default)


def _required(op, args, kwargs, i, name):
    """A required argument (``i``-th, or by ``name``): torch's TypeError when it is missing."""
    value = args[i] if len(args) > i else kwargs.get(name)
    if value is None:
        raise TypeError(f"{op}() missing 1 required positional arguments: \"{name}\"")
    return value


def _int_dim(op, dim):
    """torch's TypeError for a dim that is not an int (unsqueeze takes one dim, not a tuple)."""
    if not isinstance(dim, int) and not hasattr(dim, "__index__"):
        raise TypeError(f"{op}(): argument 'dim' (position 1) must be int, not {type(dim).__name__}")
    return dim


def _int_args(op, args, kwargs, *spec) -> None:
    """torch's TypeError for (position, name, default) arguments that are not ints, numbered as the method
    numbers them (torch.f(x, ...) counts one more)."""
    for pos, name, default in spec:
        v = _arg(args, kwargs, pos, name, default)
        if not _is_index(v):
            where = f" (position {pos})" if len(args) > pos else ""  # (a keyword argument has no position)
            raise TypeError(f"{op}(): argument '{name}'{where} must be int, not {type(v).__name__}")


def _check_number(op: str, x) -> None:
    if not is_tensor(x) and not isinstance(x, (int, float, bool, complex)):
        raise TypeError(f"{op}(): argument 'other' (position 2) must be Tensor, not {type(x).__name__}")


# ----- complex inputs torch refuses (an order, or a real function), with its texts and types -------------
# Checked inside the rules below (elementwise, reduction, clamp, sort): past the floating fast paths, so the
# common calls pay nothing for it.

_COMPLEX_REFUSALS = {
    **{op: (NotImplementedError, f'"{op}_cpu" not implemented for \'{{}}\'') for op in ("lt", "le", "gt", "ge")},
    "sign": (NotImplementedError, "Unlike NumPy, torch.sign is not intended to support complex numbers. Please use "
                                  "torch.sgn instead."),
    "maximum": (RuntimeError, "maximum not implemented for complex tensors."),
    "minimum": (RuntimeError, "minimum not implemented for complex tensors."),
    "clamp": (NotImplementedError, "clamp is not supported for complex types"),
    "relu": (NotImplementedError, "clamp is not supported for complex types"),
    "floor": (NotImplementedError, "floor is not supported for complex inputs"),
    "ceil": (NotImplementedError, "ceil is not supported for complex inputs"),
    "argmax": (RuntimeError, "argmax(): does not support complex input"),
    "argmin": (RuntimeError, "argmin(): does not support complex input"),
    "sort": (RuntimeError, " Sort does not support complex dtypes on CPU"),
    "nansum": (RuntimeError, "nansum on CPU does not support complex inputs"),
    "max": None, "min": None,  # (their texts depend on the dim)
}


def _refuse_complex(op: str, args, kwargs) -> None:
    """torch's error when ``op`` (one of _COMPLEX_REFUSALS) gets a complex tensor among its first two operands."""
    for a in args[:2]:
        if is_tensor(a) and a._dtype.is_complex:
            name = a._dtype._torch_name
            if op in ("max", "min"):  # over everything, or along a dim
                if len(args) == 1 and not kwargs:
                    raise NotImplementedError(f'"{op}_all" not implemented for \'{name}\'')
                raise RuntimeError(f"{op}(): does not support complex input")
            kind, text = _COMPLEX_REFUSALS[op]
            raise kind(text.format(name))


# ----- elementwise ---------------------------------------------------------------------

_NUMBER = (int, float)


def elementwise(*, out: str = "promote", refuse: Callable | None = None, fast: bool = True) -> Callable:
    """Broadcast the tensor arguments. out: "promote" (result_type), "float" (the
    floating result of it), "bool" (comparisons), "same" (the first input's dtype). refuse(op, args, dtype):
    raises torch's error for operands the op does not take (past the fast path, unless not ``fast``)."""
    def rule(op, args, kwargs):
        if fast and len(args) == 2 and out != "bool":
            # The hot cases first: a floating tensor with a Python number or a like tensor.
            a, b = args
            a_dtype = getattr(a, "_dtype", None)
            if a_dtype is not None and a_dtype.is_floating_point:
                if type(b) in _NUMBER:
                    return [(a._shape, a_dtype)]
                if getattr(b, "_dtype", None) is a_dtype and b._shape == a._shape:
                    return [(a._shape, a_dtype)]
        for a in args[1:]:
            _check_number(op, a)
        if op in _COMPLEX_REFUSALS:
            _refuse_complex(op, args, kwargs)
        shape = shapes.broadcast_shapes(*(_shape(a) for a in args)) if len(args) > 1 else _shape(args[0])
        if out == "bool":
            dtype = bool_
        elif out == "same":
            dtype = args[0]._dtype
        else:
            dtype = dtypes.result_type(*(_operand(a) for a in args))
            if out == "float":
                dtype = dtypes.float_result(dtype)
        if refuse is not None:
            refuse(op, args, dtype)
        return [(shape, dtype)]
    return rule


def _is_bool(x) -> bool:
    return x is True or x is False or getattr(x, "_dtype", None) is bool_


def _refuse_bool_sub(op, args, dtype) -> None:
    flags = [_is_bool(a) for a in args[:2]]
    if all(flags):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                           "`logical_xor()` operator instead.")
    if any(flags):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")


_KERNELS = {"floor_divide": "div_floor_cpu", "remainder": "remainder_cpu", "pow": "pow",
            "bitwise_left_shift": "lshift_cpu", "bitwise_right_shift": "rshift_cpu"}


def _refuse_kernel(op, args, dtype) -> None:
    """torch's NotImplementedError where no kernel takes the result dtype: bitwise ops on floats; floor
    division, remainder and pow on bools."""
    if op == "pow":
        exponent = args[1]
        if not dtype.is_floating_point and type(exponent) is int and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if not is_tensor(exponent):  # bool ** number: torch has scalar-exponent paths for it
            return
    if dtype.is_floating_point if op.startswith("bitwise") else dtype is bool_:
        raise NotImplementedError(f'"{_KERNELS.get(op, op + "_cpu")}" not implemented for \'{dtype._torch_name}\'')


_TRUE_QUOTIENT, _ROUNDED_QUOTIENT = elementwise(out="float"), elementwise()


def div(op, args, kwargs):
    """A true quotient is floating; a rounded one ('trunc', 'floor') keeps the promoted dtype."""
    if not kwargs or "rounding_mode" not in kwargs:
        return _TRUE_QUOTIENT(op, args, kwargs)
    mode = kwargs["rounding_mode"]
    if mode not in (None, "trunc", "floor"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{mode}'")
    return (_TRUE_QUOTIENT if mode is None else _ROUNDED_QUOTIENT)(op, args, {})


def atan2_hypot(op, args, kwargs):
    """Two tensors, broadcast: atan2's integers give the default float; hypot takes floats only."""
    a, b = args
    for name, pos, value in (("input", 1, a), ("other", 2, b)):
        if not is_tensor(value):
            raise TypeError(f"{op}(): argument '{name}' (position {pos}) must be Tensor, not {type(value).__name__}")
    (shape, dtype), = (_TRUE_QUOTIENT if op != "hypot" else _ROUNDED_QUOTIENT)(op, args, {})
    if op == "hypot" and not dtype.is_floating_point:
        raise NotImplementedError(f'"hypot_cpu" not implemented for \'{dtype._torch_name}\'')
    return [(shape, dtype)]


def where(op, args, kwargs):
    if len(args) == 1:
        return None  # where(condition): nonzero's indices, their count known to the server only
    cond, a, b = args
    shape = shapes.broadcast_shapes(_shape(cond), _shape(a), _shape(b))
    return [(shape, dtypes.result_type(_operand(a), _operand(b)))]


def clamp(op, args, kwargs):
    x = args[0]
    if x._dtype.is_complex:
        _refuse_complex("clamp", args, kwargs)
    lo, hi = _arg(args, kwargs, 1, "min"), _arg(args, kwargs, 2, "max")
    if lo is None and hi is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    bounds = [b for b in (lo, hi) if b is not None]
    shape = shapes.broadcast_shapes(x._shape, *(_shape(b) for b in bounds))
    dtype = dtypes.result_type(_operand(x), *(_operand(b) for b in bounds))
    for b in bounds:
        _check_fill_value(dtype, b)
    return [(shape, dtype)]


def same(op, args, kwargs):
    x = args[0]
    return [(x._shape, kwargs.get("dtype") or x._dtype)]


def fill(op, args, kwargs):
    """fill / fill_: the value a number or a 0-dim tensor, checked at the call."""
    value = args[1] if len(args) > 1 else kwargs.get("value")
    if is_tensor(value) and value._shape:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {len(value._shape)} "
                           "dimensions.")
    return same(op, args, kwargs)


def no_bool(rule):
    def checked(op, args, kwargs):
        if args[0]._dtype is bool_:
            raise RuntimeError(f"{op}(): does not support bool input")
        return rule(op, args, kwargs)
    return checked


def softmax(op, args, kwargs):
    """(log_)softmax: floating inputs, or a floating ``dtype=`` to compute in."""
    x = args[0]
    dtype = args[-1] if isinstance(args[-1], dtypes.DType) else kwargs.get("dtype") or x._dtype
    if not dtype.is_floating_point:
        dim = _arg(args, kwargs, 1, "dim")
        last = "lastdim_" if dim is not None and shapes.normalize_dim(dim, len(x._shape)) == max(len(x._shape) - 1, 0) else ""
        raise NotImplementedError(f'"{op}_{last}kernel_impl" not implemented for \'{dtype._torch_name}\'')
    return [(x._shape, dtype)]


def dims_checked(rule, pos: int, name: str):
    """``rule``, after torch's IndexError for a dim argument (an int or ints, at ``pos`` or by ``name``)
    out of range."""
    def checked(op, args, kwargs):
        dims = _arg(args, kwargs, pos, name)
        if dims is not None:
            nd = len(args[0]._shape)
            for d in dims if isinstance(dims, (tuple, list)) else (dims,):
                if isinstance(d, int):
                    shapes.normalize_dim(d, nd)
        return rule(op, args, kwargs)
    return checked


def flip(op, args, kwargs):
    _required(op, args, kwargs, 1, "dims")
    return same(op, args, kwargs)


def view_dtype(op, args, kwargs):
    """Tensor.view(dtype): the last dim rescaled by the element sizes, with torch's errors."""
    x, dtype = args
    shape = tuple(x._shape)
    old = x._dtype
    if old.itemsize != dtype.itemsize:
        what = f"to view {old._torch_name} as {dtype._torch_name} (different element sizes)"
        if not shape:
            raise RuntimeError(f"self.dim() cannot be 0 {what}")
        if getattr(x, "_strided", False):   # its last stride, which must be 1, is the server's to check
            return None
        if dtype.itemsize > old.itemsize and shape[-1] % (dtype.itemsize // old.itemsize):
            raise RuntimeError(f"self.size(-1) must be divisible by {dtype.itemsize // old.itemsize} {what}, but got "
                               f"{shape[-1]}")
        shape = shape[:-1] + (shape[-1] * old.itemsize // dtype.itemsize,)
    return [(shape, dtype)]


def _check_layout(x, layout) -> None:
    """torch's error for a channels-last format of another rank than x's."""
    if layout is not None:
        memory_formats.dims_in_memory_order(memory_formats.name_of(layout), len(x._shape))


def clone(op, args, kwargs):
    _check_layout(args[0], kwargs.get("memory_format") if kwargs else None)
    return [(args[0]._shape, args[0]._dtype)]


def contiguous(op, args, kwargs):
    """A leaf that requires grad is its own contiguous() when it is contiguous (no node then), which only the
    server knows: ask it. A channels-last format of another rank raises torch's error here."""
    x = args[0]
    _check_layout(x, kwargs.get("memory_format") if kwargs else (args[1] if len(args) > 1 else None))
    return None if x._requires_grad and x._grad_fn is None else [(x._shape, x._dtype)]


def glu(op, args, kwargs):
    """Half of ``dim`` (the engine checks that it is even)."""
    x = args[0]
    shape = list(x._shape)
    if shape:
        d = shapes.normalize_dim(_arg(args, kwargs, 1, "dim", -1), len(shape))
        shape[d] //= 2
    return [(tuple(shape), x._dtype)]


def rot90(op, args, kwargs):
    x = args[0]
    k, d0, d1 = shapes.rot90_args(_arg(args, kwargs, 1, "k", 1), _arg(args, kwargs, 2, "dims", (0, 1)), len(x._shape))
    return [(shapes.rot90_shape(x._shape, k, d0, d1), x._dtype)]


def to(op, args, kwargs):
    x = args[0]
    dtype = _arg(args, kwargs, 1, "dtype")
    return [(x._shape, dtype if isinstance(dtype, dtypes.DType) else x._dtype)]


# ----- reductions ------------------------------------------------------------------------

def reduction(*, out: str = "sum", dim_required: bool = False, indices: bool = False) -> Callable:
    """out: "sum" (ints widen to int64), "float" (needs a floating input), "to_float" (ints give the
    default float), "same",
    "long" (argmax), "bool" (all/any). indices: with a dim, (values, indices)."""
    def rule(op, args, kwargs):
        x = args[0]
        if x._dtype.is_complex and op in _COMPLEX_REFUSALS:
            _refuse_complex(op, args, kwargs)
        dim = _arg(args, kwargs, 1, "dim")
        keepdim = _arg(args, kwargs, 2, "keepdim", False)
        if dim_required and dim is None:
            raise TypeError(f"{op}() missing 1 required positional arguments: \"dim\"")
        dims = shapes.normalize_dims(dim, len(x._shape))
        shape = shapes.reduced_shape(x._shape, dims, keepdim)
        dtype = kwargs.get("dtype")
        if dtype is None:
            if out == "sum":
                dtype = x._dtype if x._dtype.is_floating_point or x._dtype.is_complex else int64
            elif out == "float":
                if not (x._dtype.is_floating_point or x._dtype.is_complex):
                    raise RuntimeError(
                        f"{op}(): could not infer output dtype. Input dtype must be either a floating point or "
                        f"complex dtype. Got: {x._dtype._torch_name}")
                dtype = x._dtype
            elif out == "to_float":
                dtype = dtypes.float_result(x._dtype)
            elif out == "long":
                dtype = int64
            elif out == "bool":
                dtype = dtypes.all_any_result(x._dtype)
            else:
                dtype = x._dtype
        if indices and dim is not None:
            return [(shape, dtype), (shape, int64)]
        return [(shape, dtype)]
    return rule


def var_std(op, args, kwargs):
    x = args[0]
    dim = _arg(args, kwargs, 1, "dim")
    unbiased = args[2] if len(args) > 2 else kwargs.get("unbiased")
    if isinstance(dim, bool):  # var(input, unbiased)
        dim, unbiased = None, dim
    keepdim = args[3] if len(args) > 3 else kwargs.get("keepdim", False)  # var(input, dim, unbiased, keepdim)
    if not (x._dtype.is_floating_point or x._dtype.is_complex):
        raise RuntimeError(f"std and var only support floating point and complex dtypes")
    dims = shapes.normalize_dims(dim, len(x._shape))
    correction = kwargs.get("correction")
    correction = (0 if unbiased is False else 1) if correction is None else correction
    if shapes.numel(x._shape[d] for d in dims) - correction <= 0:  # torch warns; the result is nan or inf
        warnings.warn(f"{op}(): degrees of freedom is <= 0. Correction should be strictly less than the reduction "
                      "factor (input numel divided by output numel). (Triggered internally at "
                      "/__w/pytorch/pytorch/aten/src/ATen/native/ReduceOps.cpp:1861.)", UserWarning, stacklevel=4)
    return [(shapes.reduced_shape(x._shape, dims, keepdim), x._dtype.to_real())]  # complex: a real spread


def norm(op, args, kwargs):
    x = args[0]
    if not (x._dtype.is_floating_point or x._dtype.is_complex) and kwargs.get("dtype") is None:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                           f"{x._dtype._torch_name}")
    dim = _arg(args, kwargs, 2, "dim")
    keepdim = _arg(args, kwargs, 3, "keepdim", False)
    dims = shapes.normalize_dims(dim, len(x._shape))
    return [(shapes.reduced_shape(x._shape, dims, keepdim), dtypes.float_result(x._dtype).to_real())]


def cumsum(op, args, kwargs):
    x = args[0]
    shapes.normalize_dim(_required(op, args, kwargs, 1, "dim"), len(x._shape))
    dtype = kwargs.get("dtype") or (x._dtype if x._dtype.is_floating_point or x._dtype.is_complex else int64)
    return [(x._shape, dtype)]


# ----- sorting ----------------------------------------------------------------------------

def _dim_of(x, dim):
    return shapes.normalize_dim(dim, len(x._shape))


def sort(op, args, kwargs):
    x = args[0]
    if x._dtype.is_complex and op == "sort":
        _refuse_complex(op, args, kwargs)
    dim = _arg(args, kwargs, 1, "dim", -1)
    if op == "msort":
        dim = 0
    _dim_of(x, dim)
    if op in ("argsort",):
        return [(x._shape, int64)]
    if op == "msort":
        return [(x._shape, x._dtype)]
    return [(x._shape, x._dtype), (x._shape, int64)]


def topk(op, args, kwargs):
    x = args[0]
    if x._dtype is bool_:
        raise RuntimeError(f"topk does not support bool dtypes on {'CPU' if x._device == 'cpu' else 'CUDA'}")
    k = _arg(args, kwargs, 1, "k")
    d = _dim_of(x, _arg(args, kwargs, 2, "dim", -1))
    n = x._shape[d] if x._shape else 1
    if k < 0 or k > n:
        raise RuntimeError("selected index k out of range")
    shape = x._shape[:d] + (k,) + x._shape[d + 1:] if x._shape else ()
    return [(shape, x._dtype), (shape, int64)]


def kthvalue(op, args, kwargs):
    x = args[0]
    k = _arg(args, kwargs, 1, "k")
    d = _dim_of(x, _arg(args, kwargs, 2, "dim", -1))
    n = x._shape[d] if x._shape else 1
    if k < 1 or k > n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    shape = shapes.reduced_shape(x._shape, (d,) if x._shape else (), _arg(args, kwargs, 3, "keepdim", False))
    return [(shape, x._dtype), (shape, int64)]


def mode(op, args, kwargs):
    x = args[0]
    d = _dim_of(x, _arg(args, kwargs, 1, "dim", -1))
    if x._shape and x._shape[d] == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    shape = shapes.reduced_shape(x._shape, (d,) if x._shape else (), _arg(args, kwargs, 2, "keepdim", False))
    return [(shape, x._dtype), (shape, int64)]


def median(op, args, kwargs):
    x = args[0]
    dim = _arg(args, kwargs, 1, "dim")
    if dim is None:
        return [((), x._dtype)]
    d = _dim_of(x, dim)
    if x._shape and x._shape[d] == 0:
        raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size.")
    shape = shapes.reduced_shape(x._shape, (d,) if x._shape else (), _arg(args, kwargs, 2, "keepdim", False))
    return [(shape, x._dtype), (shape, int64)]


def cum_extreme(op, args, kwargs):
    x = args[0]
    _dim_of(x, _required(op, args, kwargs, 1, "dim"))
    return [(x._shape, x._dtype), (x._shape, int64)]


# ----- shapes ------------------------------------------------------------------------------

def _sizes(args, start=1, op=None, name="size"):
    """The sizes given one by one or as one sequence; with ``op``, torch's TypeErrors for what is not ints
    (``name``: the argument's name in them)."""
    rest = args[start:]
    if op == "view" and (len(rest) == 1 and not isinstance(rest[0], (tuple, list)) and not _is_index(rest[0])
                         or len(rest) > 1 and isinstance(rest[0], (tuple, list))):
        got = ", ".join(type(v).__name__ for v in rest)
        why = "" if len(rest) > 1 else f"      didn't match because some of the arguments have invalid types: (!{got}!)\n"
        raise TypeError(f"view() received an invalid combination of arguments - got ({got}), but expected one of:\n"
                        f" * (torch.dtype dtype)\n{why} * (tuple of ints size)\n{why}")
    if len(rest) == 1 and isinstance(rest[0], (tuple, list)):
        rest = tuple(rest[0])
    elif op is not None and len(rest) == 1 and not _is_index(rest[0]):
        raise TypeError(f"{op}(): argument '{name}' (position 1) must be tuple of ints, not {type(rest[0]).__name__}")
    if op is not None:
        for i, v in enumerate(rest):
            if not _is_index(v):
                raise TypeError(f"{op}(): argument '{name}' failed to unpack the object at pos {i + 1} with error "
                                f"\"type must be tuple of ints,but got {type(v).__name__}\"")
        if not all(type(v) is int for v in rest):
            rest = [v.__index__() for v in rest]  # (an integer 0-d tensor: its value)
    return tuple(rest)


def _is_index(v) -> bool:
    """An int as torch reads a size: a Python or NumPy integer, or an integer 0-d tensor (not a bool)."""
    if type(v) is int:
        return True
    if isinstance(v, bool) or not hasattr(v, "__index__"):
        return False
    if is_tensor(v):
        return not v._shape and not v._dtype.is_floating_point and v._dtype is not bool_
    return True


def reshape(op, args, kwargs):
    x = args[0]
    sizes = _sizes(args, 1, op, "size" if op == "view" else "shape") if len(args) > 1 else kwargs.get("shape", ())
    return [(shapes.infer_view_shape(sizes, shapes.numel(x._shape)), x._dtype)]


def view(op, args, kwargs):
    """A view of a tensor that may not be contiguous (the client marks those of transpose, permute, expand
    ...) is checked by the server before the call returns: torch raises at once when strides forbid it."""
    return None if getattr(args[0], "_strided", False) else reshape(op, args, kwargs)


def flatten(op, args, kwargs):
    x = args[0]
    _int_args(op, args, kwargs, (1, "start_dim", 0), (2, "end_dim", -1))
    nd = len(x._shape)
    if nd == 0:
        return [((1,), x._dtype)]
    start = shapes.normalize_dim(_arg(args, kwargs, 1, "start_dim", 0), nd)
    end = shapes.normalize_dim(_arg(args, kwargs, 2, "end_dim", -1), nd)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    s = x._shape
    return [(s[:start] + (shapes.numel(s[start:end + 1]),) + s[end + 1:], x._dtype)]


def transpose(op, args, kwargs):
    x = args[0]
    _int_args(op, args, kwargs, (1, "dim0", None), (2, "dim1", None))
    nd = len(x._shape)
    d0 = shapes.normalize_dim(_arg(args, kwargs, 1, "dim0"), nd)
    d1 = shapes.normalize_dim(_arg(args, kwargs, 2, "dim1"), nd)
    s = list(x._shape)
    if s:
        s[d0], s[d1] = s[d1], s[d0]
    return [(tuple(s), x._dtype)]


def t(op, args, kwargs):
    x = args[0]
    if len(x._shape) > 2:
        raise RuntimeError(f"{op}() expects a tensor with <= 2 dimensions, but self is {len(x._shape)}D")
    return [(x._shape[::-1], x._dtype)]


def permute(op, args, kwargs):
    x = args[0]
    dims = _sizes(args, 1, op, "dims") if len(args) > 1 else tuple(kwargs.get("dims", ()))
    nd = len(x._shape)
    if len(dims) != nd:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the length of the "
            f"desired ordering of dimensions i.e. input.dim() = {nd} is not equal to len(dims) = {len(dims)}")
    dims = [shapes.normalize_dim(d, nd) for d in dims]
    if len(set(dims)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return [(tuple(x._shape[d] for d in dims), x._dtype)]


def squeeze(op, args, kwargs):
    x = args[0]
    dim = _arg(args, kwargs, 1, "dim")
    nd = len(x._shape)
    if dim is None:
        return [(tuple(s for s in x._shape if s != 1), x._dtype)]
    dims = set(shapes.normalize_dims(dim, nd)) if isinstance(dim, (tuple, list)) else {shapes.normalize_dim(dim, nd)}
    return [(tuple(s for i, s in enumerate(x._shape) if not (i in dims and s == 1)), x._dtype)]


def unsqueeze(op, args, kwargs):
    x = args[0]
    d = shapes.normalize_dim(_int_dim(op, _required(op, args, kwargs, 1, "dim")), len(x._shape) + 1)
    return [(x._shape[:d] + (1,) + x._shape[d:], x._dtype)]


def expand(op, args, kwargs):
    x = args[0]
    if len(args) > 2 and not _is_index(args[1]):  # torch then reads it as expand(size) with extra arguments
        raise TypeError(f"expand() takes 1 positional argument but {len(args) - 1} were given")
    sizes = _sizes(args, 1, op) if len(args) > 1 else tuple(kwargs.get("size", ()))
    kind = "CPUBoolType" if x._dtype is dtypes.bool_ else f"torch.{x._dtype._torch_name}Tensor"
    return [(shapes.expanded_shape(x._shape, sizes, kind), x._dtype)]


def repeat(op, args, kwargs):
    x = args[0]
    reps = _sizes(args, 1, op, "repeats")
    if len(reps) < len(x._shape):
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    s = (1,) * (len(reps) - len(x._shape)) + tuple(x._shape)
    return [(tuple(a * b for a, b in zip(s, reps)), x._dtype)]


def _tensor_list(op: str, tensors) -> list:
    if is_tensor(tensors):
        raise TypeError(f"{op}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    tensors = list(tensors)
    for i, t_ in enumerate(tensors):
        if not is_tensor(t_):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t_).__name__}")
    return tensors


def cat(op, args, kwargs):
    tensors = _tensor_list(op, args[0])
    dim = _arg(args, kwargs, 1, "dim", 0)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    ref = next((t for t in tensors if t._shape != (0,)), tensors[0])
    nd = len(ref._shape)
    if nd == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = shapes.normalize_dim(dim, nd)
    total = 0
    for i, t_ in enumerate(tensors):
        if t_._shape == (0,) and nd != 1:
            continue
        if len(t_._shape) != nd:
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {nd} and {len(t_._shape)}")
        for j in range(nd):
            if j != d and t_._shape[j] != ref._shape[j]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size {ref._shape[j]} but got "
                    f"size {t_._shape[j]} for tensor number {i} in the list.")
        total += t_._shape[d]
    dtype = dtypes.result_type(*(_operand(t_) for t_ in tensors))
    return [(ref._shape[:d] + (total,) + ref._shape[d + 1:], dtype)]


def stack(op, args, kwargs):
    tensors = _tensor_list(op, args[0])
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    ref = tensors[0]._shape
    for i, t_ in enumerate(tensors):
        if t_._shape != ref:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(ref)} at entry 0 and "
                f"{list(t_._shape)} at entry {i}")
    d = shapes.normalize_dim(_arg(args, kwargs, 1, "dim", 0), len(ref) + 1)
    dtype = dtypes.result_type(*(_operand(t_) for t_ in tensors))
    return [(ref[:d] + (len(tensors),) + ref[d:], dtype)]


def split(op, args, kwargs):
    x = args[0]
    size = _arg(args, kwargs, 1, "split_size_or_sections")
    d = shapes.normalize_dim(_arg(args, kwargs, 2, "dim", 0), len(x._shape))
    n = x._shape[d]
    if isinstance(size, int) and size <= 0:
        if size < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
        if n:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
    if isinstance(size, int):
        sizes = [min(size, n - i) for i in range(0, n, size)] if n else [0]
    else:
        sizes = list(size)
        if sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at dimension "
                f"{d}), but got split_sizes={sizes}")
    return [(x._shape[:d] + (s,) + x._shape[d + 1:], x._dtype) for s in sizes]


def chunk(op, args, kwargs):
    x = args[0]
    chunks = _arg(args, kwargs, 1, "chunks")
    if isinstance(chunks, int) and chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = shapes.normalize_dim(_arg(args, kwargs, 2, "dim", 0), len(x._shape))
    n = x._shape[d]
    size = -(-n // chunks) if n else 0
    return split(op, (x, max(size, 1), d), {}) if n else [(x._shape, x._dtype)]


# The rules below answer None where the server will refuse the op: the call then waits for the server's
# error, which surfaces at once, as torch's does.

def addmm(op, args, kwargs):
    input, mat1, mat2 = args[0], _arg(args, kwargs, 1, "mat1"), _arg(args, kwargs, 2, "mat2")
    if not all(is_tensor(t) for t in (input, mat1, mat2)) or len(mat1._shape) != 2 or len(mat2._shape) != 2:
        return None
    out = (mat1._shape[0], mat2._shape[1])
    if (mat1._shape[1] != mat2._shape[0] or not (input._dtype is mat1._dtype and mat1._dtype is mat2._dtype)
            or len(input._shape) > 2 or any(s not in (1, o) for s, o in zip(input._shape[::-1], out[::-1]))):
        return None
    return [(out, mat1._dtype)]


def add_product(op, args, kwargs):
    """addmv, addr, baddbmm, addbmm: the product's shape; anything unusual waits for the server's checks."""
    input, a, b = args[0], args[1] if len(args) > 1 else None, args[2] if len(args) > 2 else None
    if not all(is_tensor(t) for t in (input, a, b)) or not (input._dtype is a._dtype is b._dtype):
        return None
    sa, sb = a._shape, b._shape
    if op == "addmv" and len(sa) == 2 and len(sb) == 1 and sa[1] == sb[0]:
        out = (sa[0],)
    elif op == "addr" and len(sa) == 1 and len(sb) == 1:
        out = (sa[0], sb[0])
    elif op in ("baddbmm", "addbmm") and len(sa) == 3 and len(sb) == 3 and sa[0] == sb[0] and sa[2] == sb[1]:
        out = (sa[0], sa[1], sb[2]) if op == "baddbmm" else (sa[1], sb[2])
    else:
        return None
    if len(input._shape) > len(out) or any(s not in (1, o) for s, o in zip(input._shape[::-1], out[::-1])):
        return None
    if op == "addmv" and input._shape not in ((), (1,), out):
        return None
    return [(out, a._dtype)]


def vdot(op, args, kwargs):
    a, b = args
    if not is_tensor(b) or len(a._shape) != 1 or a._shape != b._shape or a._dtype is not b._dtype:
        return None
    return [((), a._dtype)]


def lerp(op, args, kwargs):
    input, end, weight = args[0], _arg(args, kwargs, 1, "end"), _arg(args, kwargs, 2, "weight")
    if not is_tensor(input) or not is_tensor(end) or end._dtype is not input._dtype:
        return None
    if is_tensor(weight):
        if weight._dtype is not input._dtype:
            return None
        return elementwise(out="same")(op, (input, end, weight), {})
    return elementwise(out="same")(op, (input, end), {})


def addcmul(op, args, kwargs):
    if len(args) < 3 or not all(is_tensor(t) for t in args[:3]):
        return None
    if op.startswith("addcdiv") and not (args[1]._dtype.is_floating_point or args[2]._dtype.is_floating_point):
        return None
    return elementwise()(op, args[:3], {})


def trunc(op, args, kwargs):
    return None if args[0]._dtype is bool_ else same(op, args, kwargs)  # None: the server's NotImplementedError


def frac(op, args, kwargs):
    return same(op, args, kwargs) if args[0]._dtype.is_floating_point else None


def unbind(op, args, kwargs):
    x = args[0]
    if not x._shape:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = shapes.normalize_dim(_arg(args, kwargs, 1, "dim", 0), len(x._shape))
    part = x._shape[:d] + x._shape[d + 1:]
    return [(part, x._dtype)] * x._shape[d]


def index_select(op, args, kwargs):
    x, dim, index = args[0], _arg(args, kwargs, 1, "dim"), _arg(args, kwargs, 2, "index")
    d = shapes.normalize_dim(dim, len(x._shape))
    return [(x._shape[:d] + (shapes.numel(index._shape),) + x._shape[d + 1:], x._dtype)]


def gather(op, args, kwargs):
    return [(_arg(args, kwargs, 2, "index")._shape, args[0]._dtype)]


def take(op, args, kwargs):
    return [(_arg(args, kwargs, 1, "index")._shape, args[0]._dtype)]


def masked_fill(op, args, kwargs):
    x, mask = args[0], _arg(args, kwargs, 1, "mask")
    shapes.broadcast_shapes(mask._shape, x._shape)  # (torch names the mask tensor a)
    _check_fill_value(x._dtype, _arg(args, kwargs, 2, "value"))
    return [(x._shape, x._dtype)]


def getitem(op, args, kwargs):
    """Basic indexing (ints, slices, None, Ellipsis); None (ask the server) for advanced indexing."""
    x, index = args
    index = index if isinstance(index, tuple) else (index,)
    if any(is_tensor(i) or isinstance(i, (list, bool)) for i in index):
        return None
    n_real = sum(1 for i in index if i is not None and i is not Ellipsis)
    if n_real > len(x._shape):
        if not x._shape and len(index) == 1:
            raise IndexError("slice() cannot be applied to a 0-dim tensor." if isinstance(index[0], slice) else
                             "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` "
                             "in C++ to convert a 0-dim tensor to a number")
        raise IndexError(f"too many indices for tensor of dimension {len(x._shape)}")
    if index.count(Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    out = []
    dim = 0
    for pos, i in enumerate(index):  # (torch's errors name the dim by the item's place in the index)
        if i is None:
            out.append(1)
            continue
        if i is Ellipsis:
            span = len(x._shape) - n_real
            out.extend(x._shape[dim:dim + span])
            dim += span
            continue
        size = x._shape[dim]
        if isinstance(i, slice):
            if i.step is not None and i.step <= 0:
                raise ValueError("slice step cannot be zero" if i.step == 0 else "step must be greater than zero")
            out.append(len(range(*i.indices(size))))
        else:
            i = int(i)
            if not -size <= i < size:
                raise IndexError(f"index {i} is out of bounds for dimension {pos} with size {size}")
        dim += 1
    out.extend(x._shape[dim:])
    return [(tuple(out), x._dtype)]


def tril(op, args, kwargs):
    x = args[0]
    _int_args(op, args, kwargs, (1, "diagonal", 0))
    if len(x._shape) < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions")
    return [(x._shape, x._dtype)]


# ----- matrix structure ------------------------------------------------------------------

def _diag_len(n1, n2, offset):
    return max(min(n1, n2 - offset), 0) if offset >= 0 else max(min(n1 + offset, n2), 0)


def diagonal(op, args, kwargs):
    x = args[0]
    _int_args(op, args, kwargs, (1, "offset", 0))
    nd = len(x._shape)
    offset = _arg(args, kwargs, 1, "offset", 0)
    d1 = shapes.normalize_dim(_arg(args, kwargs, 2, "dim1", 0), nd)
    d2 = shapes.normalize_dim(_arg(args, kwargs, 3, "dim2", 1), nd)
    if d1 == d2:
        return None  # the server raises torch's error
    rest = tuple(s for i, s in enumerate(x._shape) if i not in (d1, d2))
    return [(rest + (_diag_len(x._shape[d1], x._shape[d2], offset),), x._dtype)]


def diag(op, args, kwargs):
    x = args[0]
    offset = _arg(args, kwargs, 1, "diagonal", 0)
    if len(x._shape) == 1:
        n = x._shape[0] + abs(offset)
        return [((n, n), x._dtype)]
    if len(x._shape) == 2:
        return [((_diag_len(x._shape[0], x._shape[1], offset),), x._dtype)]
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {len(x._shape)}D")


def diag_embed(op, args, kwargs):
    x = args[0]
    offset = _arg(args, kwargs, 1, "offset", 0)
    nd = len(x._shape) + 1
    d1 = shapes.normalize_dim(_arg(args, kwargs, 2, "dim1", -2), nd)
    d2 = shapes.normalize_dim(_arg(args, kwargs, 3, "dim2", -1), nd)
    if d1 == d2:
        return None
    n = x._shape[-1] + abs(offset)
    rest = iter(x._shape[:-1])
    return [(tuple(n if i in (d1, d2) else next(rest) for i in range(nd)), x._dtype)]


def trace(op, args, kwargs):
    x = args[0]
    if len(x._shape) != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {len(x._shape)}")
    return [((), x._dtype if x._dtype.is_floating_point or x._dtype.is_complex else int64)]


def cross(op, args, kwargs):
    a, b = args[0], _arg(args, kwargs, 1, "other")
    if not is_tensor(b) or len(a._shape) != len(b._shape):
        return None
    shape = shapes.broadcast_shapes(a._shape, b._shape)
    dim = _arg(args, kwargs, 2, "dim", -1 if op == "linalg.cross" else None)
    if dim is None:
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            return None
    d = shapes.normalize_dim(dim, len(shape))
    if a._shape[d] != 3 or b._shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {a._shape[d]} and "
                           f"{b._shape[d]}")
    return [(shape, dtypes.result_type(_operand(a), _operand(b)))]


def kron(op, args, kwargs):
    a, b = args[0], args[1]
    nd = max(len(a._shape), len(b._shape))
    sa = (1,) * (nd - len(a._shape)) + tuple(a._shape)
    sb = (1,) * (nd - len(b._shape)) + tuple(b._shape)
    return [(tuple(x * y for x, y in zip(sa, sb)), dtypes.result_type(_operand(a), _operand(b)))]


def einsum(op, args, kwargs):
    from gradwire.common.einsum import einsum_shape  # noqa: PLC0415
    operands = args[1:]
    if not all(is_tensor(o) for o in operands):
        return None
    shape = einsum_shape(args[0], [o._shape for o in operands])
    return [(shape, dtypes.result_type(*(_operand(o) for o in operands)))]


# ----- linear algebra --------------------------------------------------------------------

def matmul(op, args, kwargs):
    a, b = args
    if not is_tensor(b):
        raise TypeError(f"matmul(): argument 'other' (position 2) must be Tensor, not {type(b).__name__}")
    if op == "mm" and (len(a._shape) != 2 or len(b._shape) != 2):
        raise RuntimeError("self must be a matrix" if len(a._shape) != 2 else "mat2 must be a matrix")
    if op == "bmm":
        if len(a._shape) != 3 or len(b._shape) != 3:
            raise RuntimeError(f"batch1 must be a 3D tensor" if len(a._shape) != 3 else "batch2 must be a 3D tensor")
        if b._shape[:2] != (a._shape[0], a._shape[2]):  # bmm does not broadcast its batch dim
            raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                               f"[{a._shape[0]}, {a._shape[2]}] but got: [{b._shape[0]}, {b._shape[1]}].")
    if op == "dot" and (len(a._shape) != 1 or len(b._shape) != 1):
        raise RuntimeError(f"1D tensors expected, but got {len(a._shape)}D and {len(b._shape)}D tensors")
    if a._dtype is not b._dtype:
        raise RuntimeError(dtypes.matmul_dtype_message(a._dtype, len(a._shape), b._dtype, len(b._shape)))
    return [(shapes.matmul_shape(a._shape, b._shape), a._dtype)]


def mv(op, args, kwargs):
    mat, vec = args
    if not is_tensor(vec):
        raise TypeError(f"mv(): argument 'vec' (position 2) must be Tensor, not {type(vec).__name__}")
    shape = shapes.mv_shape(mat._shape, vec._shape)
    if mat._dtype is not vec._dtype:
        raise RuntimeError(shapes.mv_dtypes_message(mat._dtype._torch_name, vec._dtype._torch_name))
    return [(shape, mat._dtype)]


def outer(op, args, kwargs):
    a, b = args
    for name, x in (("self", a), ("vec2", b)):
        if len(x._shape) != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {len(x._shape)}-D")
    return [((shapes.numel(a._shape), shapes.numel(b._shape)), dtypes.result_type(_operand(a), _operand(b)))]


# ----- creation --------------------------------------------------------------------------

def literal(op, args, kwargs):
    return [(args[0].shape, kwargs["dtype"])]


def creation(op, args, kwargs):
    return [(tuple(args[0]), kwargs.get("dtype") or dtypes.default_float())]


def full(op, args, kwargs):
    value = args[1]
    dtype = kwargs.get("dtype") or dtypes.scalar_dtype(value)
    _check_fill_value(dtype, value)
    return [(tuple(args[0]), dtype)]


def like(op, args, kwargs):
    x = args[0]
    return [(x._shape, kwargs.get("dtype") or x._dtype)]


def randint(op, args, kwargs):
    return [(tuple(args[2]), kwargs.get("dtype") or int64)]


def multinomial(op, args, kwargs):
    x = args[0]
    n = _arg(args, kwargs, 1, "num_samples")
    if len(x._shape) not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not x._dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {x._dtype._torch_name}")
    return [(x._shape[:-1] + (n,), int64)]


def randperm(op, args, kwargs):
    n = args[0]
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"randperm(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    dtype = kwargs.get("dtype") or int64
    if kwargs.get("requires_grad") and not dtype.is_floating_point:
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    return [((n,), dtype)]


def eye(op, args, kwargs):
    n = args[0]
    m = args[1] if len(args) > 1 and args[1] is not None else n
    return [((n, m), kwargs.get("dtype") or dtypes.default_float())]


# ----- nn ----------------------------------------------------------------------------------

def linear(op, args, kwargs):
    x, w = args[0], args[1]
    bias = _arg(args, kwargs, 2, "bias")
    if x._shape[-1:] != w._shape[-1:]:
        lead = shapes.numel(x._shape[:-1]) if len(x._shape) > 1 else 1
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({lead}x{x._shape[-1] if x._shape else 1} and "
            f"{w._shape[-1]}x{w._shape[0]})")
    shape = x._shape[:-1] + w._shape[:-1]
    if bias is not None:
        shape = shapes.broadcast_shapes(shape, bias._shape)
    return [(shape, x._dtype)]


def _ntuple(v, n):
    if isinstance(v, (tuple, list)):
        return tuple(v) if len(v) == n else None
    return (v,) * n


def conv(op, args, kwargs):
    """conv1d/2d/3d's output; None (the server's check and error text) for anything unusual."""
    nd = int(op[4])
    x, w = args[0], args[1]
    stride, padding = _arg(args, kwargs, 3, "stride", 1), _arg(args, kwargs, 4, "padding", 0)
    dilation, groups = _arg(args, kwargs, 5, "dilation", 1), _arg(args, kwargs, 6, "groups", 1)
    if len(x._shape) not in (nd + 1, nd + 2) or len(w._shape) != nd + 2 or x._dtype is not w._dtype:
        return None
    unbatched = len(x._shape) == nd + 1
    c = x._shape[0] if unbatched else x._shape[1]
    s, d = _ntuple(stride, nd), _ntuple(dilation, nd)
    if s is None or d is None or groups < 1 or w._shape[0] % groups or c != w._shape[1] * groups:
        return None
    bias = _arg(args, kwargs, 2, "bias")
    if bias is not None and bias._shape != w._shape[:1] or not x._dtype.is_floating_point:
        return None
    k = w._shape[2:]
    lead = () if unbatched else x._shape[:1]
    if padding == "same" and all(v == 1 for v in s):
        return [(lead + (w._shape[0],) + x._shape[-nd:], x._dtype)]
    p = (0,) * nd if padding == "valid" else None if isinstance(padding, str) else _ntuple(padding, nd)
    if p is None:
        return None
    out = tuple((n + 2 * q - dd * (kk - 1) - 1) // ss + 1 for n, q, dd, kk, ss in zip(x._shape[-nd:], p, d, k, s))
    if any(o < 1 for o in out):
        return None
    return [(lead + (w._shape[0],) + out, x._dtype)]


def pool(op, args, kwargs):
    """max_pool2d/3d and avg_pool2d/3d's output; None (the server's check and error text) for anything unusual."""
    nd = int(op[-2])
    x = args[0]
    k = _ntuple(_arg(args, kwargs, 1, "kernel_size"), nd)
    stride = kwargs.get("stride")
    s = k if stride is None or stride == () or stride == [] else _ntuple(stride, nd)
    p, d = _ntuple(kwargs.get("padding", 0), nd), _ntuple(kwargs.get("dilation", 1), nd)
    if (len(x._shape) not in (nd + 1, nd + 2) or None in (k, s, p, d) or 0 in x._shape[-nd - 1:]
            or not x._dtype.is_floating_point or kwargs.get("divisor_override") == 0 or min(p) < 0
            or any(v <= 0 for v in k + s + d) or any(pp > (dd * (kk - 1) + 1) // 2 for pp, kk, dd in zip(p, k, d))
            or op == "avg_pool3d" and (any(n < kk for n, kk in zip(x._shape[-3:], k))
                                       or x._dtype not in (dtypes.float32, dtypes.float64))):
        return None
    ceil_mode = bool(kwargs.get("ceil_mode"))
    out = tuple(shapes.pool_out_len(n, kk, ss, pp, dd, ceil_mode)
                for n, kk, ss, pp, dd in zip(x._shape[-nd:], k, s, p, d))
    if min(out) < 1:
        return None
    shape = x._shape[:-nd] + out
    return [(shape, x._dtype), (shape, dtypes.int64)] if kwargs.get("return_indices") else [(shape, x._dtype)]


def adaptive_pool(op, args, kwargs):
    nd = int(op[-2])
    x, out = args[0], _ntuple(_arg(args, kwargs, 1, "output_size"), nd)
    if len(x._shape) not in (nd + 1, nd + 2) or not all(x._shape[1:]) or out is None:
        return None
    out = tuple(n if o is None else o for n, o in zip(x._shape[-nd:], out))
    return [(x._shape[:-nd] + out, x._dtype)]


def batch_norm(op, args, kwargs):
    x = args[0]
    if len(x._shape) < 2 or not x._dtype.is_floating_point:
        return None
    c = x._shape[1]
    stats = [kwargs.get(n) for n in ("running_mean", "running_var", "weight", "bias")]
    if any(t is not None and shapes.numel(t._shape) != c for t in stats):
        return None
    training = kwargs.get("training")
    if training and shapes.numel(x._shape) // max(c, 1) <= 1 or not training and any(t is None for t in stats[:2]):
        return None
    return [(x._shape, x._dtype)]


def pad(op, args, kwargs):
    x, p = args[0], _arg(args, kwargs, 1, "pad")
    if len(p) % 2 or len(p) // 2 > len(x._shape):
        return None
    mode = _arg(args, kwargs, 2, "mode", "constant")
    if mode != "constant":
        return [(shapes.padded_shape(x._shape, p, mode), x._dtype)]
    shape = list(x._shape)
    for i in range(len(p) // 2):
        shape[-1 - i] += p[2 * i] + p[2 * i + 1]
    return None if min(shape, default=0) < 0 else [(tuple(shape), x._dtype)]


def loss(op, args, kwargs):
    x = args[0]
    reduction = kwargs.get("reduction", "mean")
    # the regression losses compute in the inputs' promoted type (a uint8 image against a float target)
    dtype = dtypes.promote_types(x._dtype, args[1]._dtype) if op in ("mse_loss", "l1_loss") else x._dtype
    if reduction == "none":
        if op in ("cross_entropy", "nll_loss"):
            return [((x._shape[:1] + x._shape[2:]) if len(x._shape) > 1 else (), dtype)]
        return [(shapes.broadcast_shapes(x._shape, args[1]._shape), dtype)]
    if op in ("mse_loss", "l1_loss", "binary_cross_entropy_with_logits") and x._shape != args[1]._shape:
        shapes.broadcast_shapes(x._shape, args[1]._shape)
    if reduction == "sum" and not dtype.is_floating_point:
        dtype = int64   # a sum of integers
    return [((), dtype)]


def bce(op, args, kwargs):
    x, t = args[0], args[1]
    if x._shape != t._shape:
        raise ValueError(f"Using a target size ({shapes.Size(t._shape)!r}) that is different to the input size "
                         f"({shapes.Size(x._shape)!r}) is deprecated. Please ensure they have the same size.")
    if x._dtype is not t._dtype:
        raise RuntimeError(f"Found dtype {t._dtype._torch_name} but expected {x._dtype._torch_name}")
    return [(x._shape if kwargs.get("reduction", "mean") == "none" else (), x._dtype)]


def kl_div(op, args, kwargs):
    x, t = args[0], args[1]
    shape = shapes.broadcast_shapes(x._shape, t._shape)
    dtype = dtypes.result_type(_operand(x), _operand(t))
    return [(shape if kwargs.get("reduction", "mean") == "none" else (), dtype)]


def embedding(op, args, kwargs):
    idx, weight = args[0], args[1]
    return [(idx._shape + weight._shape[1:], weight._dtype)]


def lstm(op, args, kwargs):
    x, params = args[0], args[1]
    num_layers = kwargs["num_layers"]
    batch_first = kwargs.get("batch_first", False)
    hidden = params[1]._shape[1]
    if len(x._shape) == 2:
        return [(x._shape[:1] + (hidden,), x._dtype), ((num_layers, hidden), x._dtype),
                ((num_layers, hidden), x._dtype)]
    seq, batch = (x._shape[1], x._shape[0]) if batch_first else (x._shape[0], x._shape[1])
    out = (batch, seq, hidden) if batch_first else (seq, batch, hidden)
    return [(out, x._dtype), ((num_layers, batch, hidden), x._dtype), ((num_layers, batch, hidden), x._dtype)]


def linalg_square(op, args, kwargs):
    """inv, det, slogdet of a batch of square matrices (torch's checks, from gradwire.common.linalg)."""
    x = _arg(args, kwargs, 0, "A")
    if not is_tensor(x):
        return None
    batch = _linalg.square_op_shape(op, x._shape, x._dtype)
    if op == "linalg.inv":
        return [(x._shape, x._dtype)]
    if op == "linalg.slogdet":  # (sign, logabsdet): the log of |det| is real
        return [(batch, x._dtype), (batch, x._dtype.to_real())]
    return [(batch, x._dtype)]


def linalg_solve(op, args, kwargs):
    a, b = _arg(args, kwargs, 0, "A"), _arg(args, kwargs, 1, "B")
    if not is_tensor(a) or not is_tensor(b):
        return None
    _, _, out = _linalg.solve_shapes(a._shape, b._shape, a._dtype, b._dtype, kwargs.get("left", True))
    return [(out, a._dtype)]


def linalg_svdvals(op, args, kwargs):
    x = _arg(args, kwargs, 0, "A")
    if not is_tensor(x):
        return None
    return [(_linalg.svdvals_shape(x._shape, x._dtype), x._dtype.to_real())]


def linalg_eigh(op, args, kwargs):
    x = _arg(args, kwargs, 0, "A")
    if not is_tensor(x):
        return None
    w, v = _linalg.eigh_shapes(x._shape, x._dtype, _arg(args, kwargs, 1, "UPLO", "L"))
    real = x._dtype.to_real()  # a Hermitian matrix's eigenvalues are real
    return [(w, real)] if op == "linalg.eigvalsh" else [(w, real), (v, x._dtype)]


def linalg_cholesky(op, args, kwargs):
    """cholesky: L; cholesky_ex and inv_ex: (L or the inverse, info)."""
    x = _arg(args, kwargs, 0, "A")
    if not is_tensor(x):
        return None
    batch = _linalg.square_op_shape("linalg.inv" if op == "linalg.inv_ex" else "linalg.cholesky", x._shape,
                                    x._dtype)
    if op == "linalg.cholesky":
        return [(x._shape, x._dtype)]
    return [(x._shape, x._dtype), (batch, dtypes.int32)]


def linalg_qr(op, args, kwargs):
    x = _arg(args, kwargs, 0, "A")
    if not is_tensor(x):
        return None
    q, r = _linalg.qr_shapes(x._shape, x._dtype, _arg(args, kwargs, 1, "mode", "reduced"))
    return [(q, x._dtype), (r, x._dtype)]


def linalg_svd(op, args, kwargs):
    x = _arg(args, kwargs, 0, "A")
    if not is_tensor(x):
        return None
    full = _arg(args, kwargs, 1, "full_matrices", True)
    u, s, vh = _linalg.svd_shapes(x._shape, x._dtype, full)
    return [(u, x._dtype), (s, x._dtype.to_real()), (vh, x._dtype)]


def linalg_pinv(op, args, kwargs):
    x = _arg(args, kwargs, 0, "A")
    if not is_tensor(x):
        return None
    _linalg.pinv_check(x._shape, x._dtype, kwargs.get("hermitian", False))
    return [(x._shape[:-2] + (x._shape[-1], x._shape[-2]), x._dtype)]


def linalg_lstsq(op, args, kwargs):
    """The checks only: the residuals' shape and the outputs that need no gradient come from the server."""
    a, b = _arg(args, kwargs, 0, "A"), _arg(args, kwargs, 1, "B")
    if is_tensor(a) and is_tensor(b):
        _linalg.lstsq_shapes(a._shape, b._shape, a._dtype, b._dtype, kwargs.get("driver"))
    return None


def matrix_exp_power(op, args, kwargs):
    x = _arg(args, kwargs, 0, "A")
    if not is_tensor(x):
        return None
    if op == "matrix_exp":
        _linalg.matrix_exp_check(x._shape, x._dtype)
    else:
        _linalg.matrix_power_check(x._shape, x._dtype, _arg(args, kwargs, 1, "n"))
    return [(x._shape, x._dtype)]


def _matrix_power_node(args, kwargs):
    n = _arg(args, kwargs, 1, "n")
    return {0: "torch::autograd::CopyBackwards", 1: "CloneBackward0", -1: "LinalgInvExBackward0"}.get(
        n, "MmBackward0" if _ndim(args[0]) == 2 else "UnsafeViewBackward0")


def householder_product(op, args, kwargs):
    a, tau = _arg(args, kwargs, 0, "input"), _arg(args, kwargs, 1, "tau")
    if not is_tensor(a) or not is_tensor(tau):
        return None
    _linalg.householder_product_check(a._shape, tau._shape, a._dtype, tau._dtype)
    return [(a._shape, a._dtype)]


def cholesky_solve(op, args, kwargs):
    b, u = _arg(args, kwargs, 0, "input"), _arg(args, kwargs, 1, "input2")
    if not is_tensor(b) or not is_tensor(u):
        return None
    return [(_linalg.cholesky_solve_shape(b._shape, u._shape, b._dtype, u._dtype), b._dtype)]


# ----- grad_fn names known at once ----------------------------------------------------------
# For many ops torch names the node by the op alone, or by the kinds of its arguments (a Python
# number or a tensor, a dim given or not, the operands' ranks). Where it depends on more (memory
# layout, dtypes, options), the rule gives None and the name arrives with the command's reply. The
# server's name always comes back and replaces the prediction (see Connection._receive_one).

def _ndim(x):
    shape = getattr(x, "_shape", None)
    return None if shape is None else len(shape)


def _div_node(args, kwargs):
    return "DivBackward2" if kwargs and "rounding_mode" in kwargs else "DivBackward0"


def _pow_node(args, kwargs):
    if len(args) == 2 and _ndim(args[0]) is not None:
        return "PowBackward0" if _ndim(args[1]) is None else "PowBackward1"
    return None


def _reduction_node(kind: str):
    def rule(args, kwargs):  # with a dim: the dim overload (1); dtype= and others: unknown
        if kwargs and set(kwargs) - {"dim", "keepdim"}:
            return None
        dim = args[1] if len(args) > 1 else (kwargs or {}).get("dim")
        return f"{kind}Backward{0 if dim is None else 1}"
    return rule


# ----- special math: rules that return None where torch raises, so the server's check (and text) decides ----

_NUMBERS = (int, float, bool)


def float_first(op, args, kwargs):
    """Unary floating ops (lgamma, sinh, ...); extra arguments (logit's eps) do not change the result."""
    x = args[0] if args else None
    return [(x._shape, dtypes.float_result(x._dtype))] if is_tensor(x) else None


def same_first(op, args, kwargs):
    x = args[0] if args else None
    return [(x._shape, x._dtype)] if is_tensor(x) else None


def logcumsumexp(op, args, kwargs):
    x, dim = args[0], _required(op, args, kwargs, 1, "dim")
    if not is_tensor(x) or type(dim) is not int or not x._dtype.is_floating_point:
        return None
    if not -max(len(x._shape), 1) <= dim < max(len(x._shape), 1):
        return None
    return [(x._shape, x._dtype)]


def bool_first(op, args, kwargs):
    x = args[0] if args else None
    return [(x._shape, bool_)] if is_tensor(x) else None


def polygamma(op, args, kwargs):
    n, x = (args + (None, None))[:2]
    if type(n) is not int or n < 0 or not is_tensor(x):
        return None
    return [(x._shape, dtypes.float_result(x._dtype))]


def tensor_or_number(*, out: str = "promote", first_tensor: bool = False, both_tensors: bool = False):
    """Two operands, a tensor and a tensor or number (xlogy, fmod, copysign, float_power, logaddexp, ...).
    out: as elementwise's, or "float64" (float_power) or "floating" (a floating promotion, else the server's
    NotImplementedError)."""
    inner = elementwise(out="promote" if out in ("float64", "floating") else out)

    def rule(op, args, kwargs):
        if len(args) != 2:
            return None
        a, b = args
        ta, tb = is_tensor(a), is_tensor(b)
        if not (ta or tb) or (first_tensor and not ta) or (both_tensors and not (ta and tb)):
            return None
        if not (ta or isinstance(a, _NUMBERS)) or not (tb or isinstance(b, _NUMBERS)):
            return None
        (shape, dtype), = inner(op, args, {})
        if out == "float64":
            dtype = dtypes.float64
        elif out == "floating" and not dtype.is_floating_point:
            return None
        return [(shape, dtype)]
    return rule


def heaviside(op, args, kwargs):
    a, b = args
    if not (is_tensor(a) and is_tensor(b)) or a._dtype is not b._dtype:
        return None
    return [(shapes.broadcast_shapes(a._shape, b._shape), a._dtype)]


def nanmean(op, args, kwargs):
    if not is_tensor(args[0]) or not args[0]._dtype.is_floating_point:
        return None
    return reduction(out="same")(op, args, kwargs)


def var_std_mean(op, args, kwargs):
    x = args[0]
    if not is_tensor(x) or not (x._dtype.is_floating_point or x._dtype.is_complex):
        return None
    (shape, spread), = var_std(op, args, kwargs)
    return [(shape, spread), (shape, x._dtype)]  # the mean keeps a complex input's dtype


def logdet(op, args, kwargs):
    x = args[0]
    if not is_tensor(x) or len(x._shape) < 2 or x._shape[-1] != x._shape[-2] or not x._dtype.is_floating_point:
        return None
    return [(x._shape[:-2], x._dtype)]


def cdist(op, args, kwargs):
    x1, x2 = args[0], _arg(args, kwargs, 1, "x2")
    p = _arg(args, kwargs, 2, "p", 2.0)
    if not (is_tensor(x1) and is_tensor(x2)) or len(x1._shape) < 2 or len(x2._shape) < 2:
        return None
    if x1._shape[-1] != x2._shape[-1] or not isinstance(p, _NUMBERS) or p < 0:
        return None
    if not (x1._dtype.is_floating_point and x1._dtype is x2._dtype):
        return None
    batch = shapes.broadcast_shapes(x1._shape[:-2], x2._shape[:-2])
    return [(tuple(batch) + (x1._shape[-2], x2._shape[-2]), x1._dtype)]


def unfold(op, args, kwargs):
    x, dim, size, step = (args + (None,) * 4)[:4]
    shape = x._shape
    nd = max(len(shape), 1)
    if not all(type(v) is int for v in (dim, size, step)) or not -nd <= dim < nd or step <= 0 or size < 0:
        return None
    dim %= nd
    length = shape[dim] if shape else 1
    if size > length:
        return None
    if not shape:
        return [((size,), x._dtype)]
    return [(shape[:dim] + ((length - size) // step + 1,) + shape[dim + 1:] + (size,), x._dtype)]


def _cdist_node(args, kwargs):
    """torch computes p=2 distances by a matrix product (then a view) for more than 25 rows, or on request."""
    kwargs = kwargs or {}
    p = _arg(args, kwargs, 2, "p", 2.0)
    mode = _arg(args, kwargs, 3, "compute_mode")
    if p == 2 and mode != "donot_use_mm_for_euclid_dist" and (
            mode == "use_mm_for_euclid_dist" or args[0]._shape[-2] > 25 or _arg(args, kwargs, 1, "x2")._shape[-2] > 25):
        return "ViewBackward0"
    return "CdistBackward0"


def _kind_node(prefix: str, by_kind: tuple):
    """A node named by which operands are tensors: by_kind = (both, number first, number second)."""
    def node(args, kwargs):
        ta, tb = is_tensor(args[0]), is_tensor(args[1]) if len(args) > 1 else False
        return f"{prefix}{by_kind[0 if ta and tb else (1 if tb else 2)]}"
    return node


_TRIG_NODES = {"sinh": "Sinh", "cosh": "Cosh", "asin": "Asin", "acos": "Acos", "atan": "Atan", "asinh": "Asinh",
               "acosh": "Acosh", "atanh": "Atanh", "arcsin": "Asin", "arccos": "Acos", "arctan": "Atan",
               "arcsinh": "Asinh", "arccosh": "Acosh", "arctanh": "Atanh"}
_SPECIAL_NODES = {
    **{op: f"{name}Backward0" for op, name in _TRIG_NODES.items()},
    "lgamma": "LgammaBackward0", "digamma": "DigammaBackward0", "polygamma": "PolygammaBackward0",
    "erfinv": "ErfinvBackward0", "i0": "I0Backward0", "special_i1": "SpecialI1Backward0", "sinc": "SincBackward0",
    "deg2rad": "Deg2RadBackward0", "rad2deg": "Rad2DegBackward0", "logit": "LogitBackward0",
    "nan_to_num": "NanToNumBackward0", "logaddexp": "LogaddexpBackward0", "logaddexp2": "Logaddexp2Backward0",
    "nansum": "NansumBackward0", "nanmean": "DivBackward0", "logdet": "WhereBackward0", "cdist": _cdist_node,
    "unfold": "UnfoldBackward0", "xlogy": _kind_node("XlogyBackward", (0, 1, 2)), "erfc": "ErfcBackward0",
    "special_erfcx": "SpecialErfcxBackward0", "mvlgamma": "MvlgammaBackward0", "ldexp": "LdexpBackward0",
    "fmax": "FmaxBackward0", "fmin": "FminBackward0", "nextafter": "NextafterBackward0", "special_entr": "SpecialEntrBackward0",
    "special_i0e": "SpecialI0EBackward0", "logcumsumexp": "LogcumsumexpBackward0",
    "special_ndtr": "MulBackward1", "special_log_ndtr": "SpecialLogNdtrBackward0", "special_i1e": "SpecialI1EBackward0",
    "special_xlog1py": _kind_node("SpecialXlog1PyBackward", (0, 1, 2)),
    "fmod": _kind_node("FmodBackward", (1, None, 0)), "copysign": _kind_node("CopysignBackward", (0, None, 1)),
    "float_power": _kind_node("PowBackward", (1, 2, 0)),
}
SPECIAL_INPLACE = ("sinh_", "cosh_", "asin_", "acos_", "atan_", "asinh_", "acosh_", "atanh_", "arcsin_", "arccos_",
                   "arctan_", "arcsinh_", "arccosh_", "arctanh_", "lgamma_", "digamma_", "polygamma_", "erfinv_", "i0_",
                   "sinc_", "deg2rad_", "rad2deg_", "logit_", "nan_to_num_", "xlogy_", "fmod_", "copysign_",
                   "heaviside_", "square_", "erfc_", "ldexp_", "mvlgamma_", "float_power_")


_MATMUL_NODES = {(2, 2): "MmBackward0", (2, 1): "MvBackward0", (1, 1): "DotBackward0"}


def _matmul_node(args, kwargs):
    return _MATMUL_NODES.get((_ndim(args[0]), _ndim(args[1])))


def _linear_node(args, kwargs):
    if _ndim(args[0]) != 2:
        return None
    bias = args[2] if len(args) > 2 else (kwargs or {}).get("bias")
    return "AddmmBackward0" if bias is not None else "MmBackward0"


def _softmax_node(name: str):
    return lambda args, kwargs: None if kwargs and kwargs.get("dtype") is not None else name


def _cross_entropy_node(args, kwargs):
    target_dtype = getattr(args[1], "_dtype", None) if len(args) > 1 else None
    if target_dtype is None or target_dtype.is_floating_point or (kwargs and kwargs.get("label_smoothing")):
        return None  # class probabilities, label smoothing: other nodes
    return "NllLossBackward0"


_NODES = {
    "add": "AddBackward0", "sub": "SubBackward0", "mul": "MulBackward0", "neg": "NegBackward0",
    "exp": "ExpBackward0", "log": "LogBackward0", "sigmoid": "SigmoidBackward0", "tanh": "TanhBackward0",
    "relu": "ReluBackward0", "sqrt": "SqrtBackward0", "sin": "SinBackward0", "cos": "CosBackward0",
    "abs": "AbsBackward0", "mm": "MmBackward0", "view": "ViewBackward0", "t": "TBackward0",
    "transpose": "TransposeBackward0", "permute": "PermuteBackward0", "unsqueeze": "UnsqueezeBackward0",
    "clone": "CloneBackward0", "mse_loss": "MseLossBackward0",
    "div": _div_node, "pow": _pow_node, "sum": _reduction_node("Sum"), "mean": _reduction_node("Mean"),
    "matmul": _matmul_node, "linear": _linear_node, "softmax": _softmax_node("SoftmaxBackward0"),
    "log_softmax": _softmax_node("LogSoftmaxBackward0"), "cross_entropy": _cross_entropy_node,
}


def _squeeze_inplace_node(args, kwargs) -> str:
    dim = _arg(args, kwargs, 1, "dim")
    return f"SqueezeBackward{3 if dim is None else 5 if isinstance(dim, (tuple, list)) else 4}"


@dataclass(frozen=True)
class OpInfo:
    infer: Callable | None
    differentiable: bool = True
    inplace: bool = False
    node: str | Callable | None = None  # torch's name of the node it records, or a rule (args, kwargs) -> it
    view: bool = False  # in place, a view op (transpose_ ...): infer gives the input's new shape
    one_node: bool = True  # several outputs: they share one node, as one torch op's do (lstm's do not)
    checked: bool = False  # in place and elementwise: check_inplace raises torch's errors at the call

    def node_name(self, args, kwargs) -> str | None:
        node = self.node
        return node if node is None or type(node) is str else node(args, kwargs)


def _table(rule, names, **flags):
    return {name: OpInfo(rule, **flags) for name in names}


OPS: dict[str, OpInfo] = {
    **_table(elementwise(refuse=_refuse_bool_sub), ["sub", "rsub"]),
    "pow": OpInfo(elementwise(refuse=_refuse_kernel)),
    **_table(elementwise(), ["add", "mul", "maximum", "minimum", "neg", "abs", "floor", "clamp_min", "clamp_max",
                             "ceil", "round", "relu", "sign"]),
    **_table(elementwise(out="float"), [
        "exp", "expm1", "log", "log1p", "log2", "log10", "exp2", "erf", "sqrt", "rsqrt", "sin", "cos", "tan", "tanh",
        "sigmoid",
        "gelu", "silu", "softplus", "reciprocal"]),
    **_table(elementwise(out="bool"), ["eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or",
                                       "logical_xor", "logical_not", "isnan", "isinf", "isfinite"],
             differentiable=False),
    "div": OpInfo(div),
    **_table(atan2_hypot, ["atan2", "arctan2", "hypot"]),
    "remainder": OpInfo(elementwise(refuse=_refuse_kernel)),
    "floor_divide": OpInfo(elementwise(refuse=_refuse_kernel)),
    **_table(elementwise(refuse=_refuse_kernel, fast=False), ["bitwise_and", "bitwise_or", "bitwise_xor"],
             differentiable=False),
    **_table(elementwise(refuse=_refuse_kernel, fast=False), ["bitwise_not", "bitwise_left_shift",
                                                              "bitwise_right_shift"], differentiable=False),
    "where": OpInfo(where),
    "clamp": OpInfo(clamp),
    "clip": OpInfo(clamp),
    "sum": OpInfo(reduction()),
    "prod": OpInfo(reduction()),
    "mean": OpInfo(reduction(out="float")),
    "amax": OpInfo(reduction(out="same")),
    "amin": OpInfo(reduction(out="same")),
    "max": OpInfo(reduction(out="same", indices=True)),
    "min": OpInfo(reduction(out="same", indices=True)),
    "argmax": OpInfo(no_bool(reduction(out="long")), differentiable=False),
    "argmin": OpInfo(no_bool(reduction(out="long")), differentiable=False),
    "all": OpInfo(reduction(out="bool"), differentiable=False),
    "any": OpInfo(reduction(out="bool"), differentiable=False),
    "logsumexp": OpInfo(reduction(out="to_float", dim_required=True)),
    "var": OpInfo(var_std),
    "std": OpInfo(var_std),
    "norm": OpInfo(norm),
    "cumsum": OpInfo(cumsum),
    "cumprod": OpInfo(cumsum),
    "cummax": OpInfo(cum_extreme),
    "cummin": OpInfo(cum_extreme),
    "roll": OpInfo(dims_checked(same, 2, "dims")),
    "unique": OpInfo(None),
    "bincount": OpInfo(None, differentiable=False),
    "sort": OpInfo(sort),
    "msort": OpInfo(sort),
    "argsort": OpInfo(sort, differentiable=False),
    "topk": OpInfo(topk),
    "kthvalue": OpInfo(kthvalue),
    "median": OpInfo(median),
    "mode": OpInfo(mode),
    "reshape": OpInfo(reshape),
    "view": OpInfo(view),
    "flatten": OpInfo(flatten),
    "transpose": OpInfo(transpose),
    "t": OpInfo(t),
    "permute": OpInfo(permute),
    "squeeze": OpInfo(squeeze),
    "unsqueeze": OpInfo(unsqueeze),
    "expand": OpInfo(expand),
    "repeat": OpInfo(repeat),
    "cat": OpInfo(cat),
    "stack": OpInfo(stack),
    "split": OpInfo(split),
    "chunk": OpInfo(chunk),
    "unbind": OpInfo(unbind),
    "flip": OpInfo(dims_checked(flip, 1, "dims")),
    "rot90": OpInfo(rot90),
    "tril": OpInfo(tril),
    "triu": OpInfo(tril),
    "getitem": OpInfo(getitem),
    "index_select": OpInfo(index_select),
    "gather": OpInfo(gather),
    "scatter_add": OpInfo(same),
    "masked_fill": OpInfo(masked_fill),
    **_table(same, ["scatter", "index_add", "index_fill"]),
    "take": OpInfo(take),
    "masked_select": OpInfo(None),
    **_table(None, ["nonzero", "argwhere"], differentiable=False),
    "contiguous": OpInfo(contiguous),
    "matmul": OpInfo(matmul),
    "mm": OpInfo(matmul),
    "mv": OpInfo(mv),
    "bmm": OpInfo(matmul),
    "dot": OpInfo(matmul),
    "outer": OpInfo(outer),
    "diagonal": OpInfo(diagonal),
    "diag": OpInfo(diag),
    "diag_embed": OpInfo(diag_embed),
    "trace": OpInfo(trace),
    "cross": OpInfo(cross),
    "linalg.cross": OpInfo(cross),
    **_table(linalg_square, ["linalg.inv", "linalg.det", "linalg.slogdet"]),
    "linalg.solve": OpInfo(linalg_solve),
    "linalg.svdvals": OpInfo(linalg_svdvals),
    "linalg.eigh": OpInfo(linalg_eigh),
    "linalg.eigvalsh": OpInfo(linalg_eigh, node="LinalgEighBackward0"),
    "linalg.cholesky": OpInfo(linalg_cholesky, node="LinalgCholeskyExBackward0"),
    **_table(linalg_cholesky, ["linalg.cholesky_ex", "linalg.inv_ex"]),
    "linalg.qr": OpInfo(linalg_qr),
    "linalg.svd": OpInfo(linalg_svd),
    "linalg.pinv": OpInfo(linalg_pinv, node="LinalgPinvBackward0"),
    "linalg.lstsq": OpInfo(linalg_lstsq),
    "matrix_exp": OpInfo(matrix_exp_power, node="LinalgMatrixExpBackward0"),
    "matrix_power": OpInfo(matrix_exp_power, node=_matrix_power_node),
    "cholesky_solve": OpInfo(cholesky_solve, node="CholeskySolveBackward0"),
    "linalg.householder_product": OpInfo(householder_product, node="LinalgHouseholderProductBackward0"),
    "kron": OpInfo(kron),
    "einsum": OpInfo(einsum),
    "clone": OpInfo(clone),
    "view_dtype": OpInfo(view_dtype, differentiable=False),
    "detach": OpInfo(same, differentiable=False),
    "to": OpInfo(to),
    # creation: leaves (requires_grad= makes them leaves that require grad)
    "tensor": OpInfo(literal, differentiable=False),
    **_table(creation, ["zeros", "ones", "randn", "rand", "empty"], differentiable=False),
    "full": OpInfo(full, differentiable=False),
    "randint": OpInfo(randint, differentiable=False),
    "randperm": OpInfo(randperm, differentiable=False),
    "multinomial": OpInfo(multinomial, differentiable=False),
    "bernoulli": OpInfo(same, node="BernoulliBackward0"),
    "eye": OpInfo(eye, differentiable=False),
    "arange": OpInfo(None, differentiable=False),
    "linspace": OpInfo(None, differentiable=False),
    **_table(like, ["zeros_like", "ones_like", "randn_like", "rand_like", "empty_like", "full_like"],
             differentiable=False),
    # nn.functional
    "linear": OpInfo(linear),
    **_table(dims_checked(softmax, 1, "dim"), ["softmax", "log_softmax"]),
    **_table(same, ["dropout", "layer_norm"]),
    **_table(loss, ["mse_loss", "l1_loss", "cross_entropy", "nll_loss", "binary_cross_entropy_with_logits"]),
    "embedding": OpInfo(embedding),
    **_table(conv, ["conv1d", "conv2d", "conv3d"]),
    "pad": OpInfo(pad),
    **_table(pool, ["max_pool2d", "avg_pool2d", "max_pool3d", "avg_pool3d"]),
    **_table(adaptive_pool, ["adaptive_avg_pool2d", "adaptive_avg_pool3d"]),
    "batch_norm": OpInfo(batch_norm),
    **_table(elementwise(out="same"), ["leaky_relu", "elu", "hardtanh", "logsigmoid", "mish", "hardswish",
                                       "hardsigmoid", "selu", "celu", "threshold", "hardshrink", "softshrink",
                                       "rrelu_eval"]),
    "prelu": OpInfo(same),
    "soft_margin_loss": OpInfo(loss),
    "group_norm": OpInfo(same),
    "multi_margin_loss": OpInfo(lambda op, args, kwargs: [(args[0]._shape[:1] if args[5] == "none" else (),
                                                           args[0]._dtype)]),
    "glu": OpInfo(glu),
    "binary_cross_entropy": OpInfo(bce),
    **_table(loss, ["smooth_l1_loss", "huber_loss"]),
    "kl_div": OpInfo(kl_div),
    "lstm": OpInfo(lstm, one_node=False),
    "clip_grad_norm_": OpInfo(lambda op, args, kwargs: [((), args[0][0]._dtype)], differentiable=False),
    "lerp": OpInfo(lerp),
    "addcmul": OpInfo(addcmul),
    "addcdiv": OpInfo(addcmul),
    "addmm": OpInfo(addmm),
    **{op: OpInfo(add_product, node=f"{op[0].upper()}{op[1:]}Backward0") for op in ("addmv", "addr", "baddbmm", "addbmm")},
    "vdot": OpInfo(vdot, node="VdotBackward0"),
    "sgn": OpInfo(same),
    "trunc": OpInfo(trunc),
    "fix": OpInfo(trunc),
    "frac": OpInfo(frac),
    # in place: the output is the input, whose metadata stays
    **_table(same, ["lerp_", "addmm_", "addmv_", "addr_", "baddbmm_", "addbmm_", "addcmul_", "addcdiv_", "sgn_", "trunc_", "frac_"], inplace=True),
    **_table(same, ["uniform_", "normal_", "random_", "bernoulli_"], inplace=True),
    **_table(same, ["zero_", "fill_", "add_", "sub_", "mul_", "div_", "copy_", "clamp_", "masked_fill_", "scatter_add_",
                    "setitem", "exp_", "log_", "neg_", "abs_", "sqrt_", "rsqrt_", "sigmoid_", "tanh_", "sin_", "cos_",
                    "floor_", "ceil_", "round_", "reciprocal_", "pow_", "clamp_min_", "clamp_max_", "sign_", "expm1_",
                    "log1p_", "relu_", "silu_", "leaky_relu_", "elu_", "hardtanh_", "scatter_", "index_add_", "index_fill_",
                    "mish_", "hardswish_", "hardsigmoid_", "selu_", "celu_", "threshold_", "rrelu_eval_"],
             inplace=True),
    # special math (see the rules above)
    **_table(float_first, [*_TRIG_NODES, "lgamma", "digamma", "erfinv", "i0", "special_i1", "sinc", "deg2rad",
                           "rad2deg", "logit", "erfc", "special_erfcx", "mvlgamma", "special_entr", "special_i0e",
                           "special_i1e", "special_ndtr", "special_log_ndtr"]),
    "special_xlog1py": OpInfo(tensor_or_number(out="float")),
    "logcumsumexp": OpInfo(logcumsumexp),
    "ldexp": OpInfo(tensor_or_number(out="float", both_tensors=True)),
    **_table(tensor_or_number(both_tensors=True), ["fmax", "fmin"]),
    "nextafter": OpInfo(tensor_or_number(out="floating", both_tensors=True)),
    **_table(bool_first, ["isposinf", "isneginf", "signbit"], differentiable=False),
    "polygamma": OpInfo(polygamma),
    "nan_to_num": OpInfo(same_first),
    "xlogy": OpInfo(tensor_or_number(out="float")),
    **_table(tensor_or_number(out="floating", both_tensors=True), ["logaddexp", "logaddexp2"]),
    "fmod": OpInfo(tensor_or_number(first_tensor=True)),
    "copysign": OpInfo(tensor_or_number(out="float", first_tensor=True)),
    "float_power": OpInfo(tensor_or_number(out="float64")),
    "heaviside": OpInfo(heaviside),
    "nansum": OpInfo(reduction()),
    "nanmean": OpInfo(nanmean),
    **_table(var_std_mean, ["var_mean", "std_mean"]),
    "logdet": OpInfo(logdet),
    "cdist": OpInfo(cdist),
    "unfold": OpInfo(unfold),
    **_table(same, SPECIAL_INPLACE, inplace=True),
    # in-place views: the input takes a new shape (torch records overloads of their own)
    "transpose_": OpInfo(transpose, inplace=True, view=True, node="TransposeBackward1"),
    "t_": OpInfo(t, inplace=True, view=True, node="TBackward1"),
    "unsqueeze_": OpInfo(unsqueeze, inplace=True, view=True, node="UnsqueezeBackward1"),
    "squeeze_": OpInfo(squeeze, inplace=True, view=True, node=_squeeze_inplace_node),
}
for _op, _node in {**_NODES, **_SPECIAL_NODES}.items():
    OPS[_op] = replace(OPS[_op], node=_node)
del _op, _node

# In-place forms that are the op written into self (engine/ops/inplace.py UNARY_INPLACE): self keeps its shape
# and dtype (a comparison writes 0/1 in self's dtype).
TAIL_INPLACE = ("eq_", "ne_", "lt_", "le_", "gt_", "ge_", "logical_and_", "logical_or_", "logical_xor_",
                "logical_not_", "bitwise_and_", "bitwise_or_", "bitwise_xor_", "bitwise_not_", "cumsum_", "cumprod_",
                "tril_", "triu_", "log2_", "log10_", "erf_", "exp2_", "tan_", "hypot_", "remainder_",
                "floor_divide_", "atan2_", "nextafter_", "fix_", "bitwise_left_shift_", "bitwise_right_shift_")


# in-place fills whose number must fit self's dtype (torch's overflow error at the call): the value's position
FILL_VALUE_AT = {"fill_": 1, "masked_fill_": 2, "index_fill_": 3}


def _check_fill_value(dtype, value) -> None:
    if isinstance(value, (int, float)):
        dtypes.checked_scalar(dtype, value)


def check_inplace(op, args, kwargs) -> None:
    """torch's checks of an elementwise op written into self, at the call: the out-of-place op's rule (and its
    refusals), then its result must fit self, in shape and in dtype (a fill: its number must fit)."""
    self = args[0]
    pos = FILL_VALUE_AT.get(op)
    if pos is not None:
        _check_fill_value(self._dtype, _arg(args, kwargs, pos, "value"))
        if op[:-1] not in OPS:
            return
    try:
        out = OPS[op[:-1]].infer(op[:-1], args, kwargs)
    except NotImplementedError:  # no kernel for the promoted dtype: torch checks the cast into self first
        promoted = dtypes.result_type(*(_operand(a) for a in args[:2]))
        if not dtypes.can_cast(promoted, self._dtype):
            raise RuntimeError(f"result type {promoted._torch_name} can't be cast to the desired output type "
                               f"{self._dtype._torch_name}") from None
        raise
    if out is None:  # the rule leaves this case to the server, which checks it there
        return
    (shape, dtype), = out
    if tuple(shape) != tuple(self._shape):
        raise RuntimeError(f"output with shape {list(self._shape)} doesn't match the broadcast shape {list(shape)}")
    if not dtypes.can_cast(dtype, self._dtype):
        raise RuntimeError(f"result type {dtype._torch_name} can't be cast to the desired output type "
                           f"{self._dtype._torch_name}")


OPS.update(_table(lambda op, args, kwargs: [(args[0]._shape, args[0]._dtype)], TAIL_INPLACE, inplace=True))
OPS["fill_"] = replace(OPS["fill_"], checked=True)  # fill's rule first: the value's dimensions

# The elementwise ops written into self whose out-of-place rules check_inplace runs first.
for _op in ("add_", "sub_", "mul_", "div_", "true_divide_", "pow_", "remainder_", "floor_divide_", "fmod_", "atan2_",
            "hypot_", "copysign_", "xlogy_", "bitwise_and_", "bitwise_or_", "bitwise_xor_",
            "bitwise_not_", "bitwise_left_shift_", "bitwise_right_shift_", "logical_and_", "logical_or_",
            "logical_xor_", "eq_", "ne_", "lt_", "le_", "gt_", "ge_", "nextafter_", "heaviside_", "ldexp_"):
    if _op in OPS and _op[:-1] in OPS:
        OPS[_op] = replace(OPS[_op], checked=True)
del _op
for _op in FILL_VALUE_AT:
    OPS[_op] = replace(OPS[_op], checked=True)
del _op


# ---- the tail of torch's ops (engine/ops/extra_ops.py) ------------------------------------------
# Where an argument is wrong these rules return None: the client then waits for the server, which
# raises torch's error at the call site (its texts live in the engine only).

def isin_rule(op, args, kwargs):
    elements, test = args[0], _arg(args, kwargs, 1, "test_elements")
    if not (is_tensor(elements) or is_tensor(test)):
        return None
    return [(elements._shape if is_tensor(elements) else (), bool_)]


def quantile_rule(op, args, kwargs):
    x, q = args[0], _arg(args, kwargs, 1, "q")
    dim, keepdim = _arg(args, kwargs, 2, "dim"), _arg(args, kwargs, 3, "keepdim", False)
    ok = (not is_tensor(q) and isinstance(q, (int, float)) and 0 <= q <= 1
          and x._dtype in (dtypes.float32, dtypes.float64) and shapes.numel(x._shape) > 0
          and kwargs.get("interpolation", "linear") in ("linear", "lower", "higher", "midpoint", "nearest"))
    if not ok:
        return None
    if dim is None:
        return [((1,) * len(x._shape) if keepdim else (), x._dtype)]
    d = _dim_of(x, dim)
    shape = shapes.reduced_shape(x._shape, (d,) if x._shape else (), keepdim)
    return [(shape, x._dtype)]


OPS.update({
    "isin": OpInfo(isin_rule, differentiable=False),
    "nanmedian": OpInfo(median, node=lambda args, kwargs: "NanmedianBackward0" if _arg(args, kwargs, 1, "dim")
                        is None else "NanmedianBackward1"),
    **_table(quantile_rule, ["quantile", "nanquantile"], node="SqueezeBackward4"),
})


def scatter_reduce_rule(op, args, kwargs):
    x, src, reduce = args[0], _arg(args, kwargs, 3, "src"), _arg(args, kwargs, 4, "reduce")
    if not is_tensor(src) or src._dtype is not x._dtype or reduce not in ("sum", "prod", "mean", "amax", "amin"):
        return None
    return [(x._shape, x._dtype)]


OPS.update({
    "scatter_reduce": OpInfo(scatter_reduce_rule, node="ScatterReduceBackward0"),
    "scatter_reduce_": OpInfo(scatter_reduce_rule, inplace=True, node="ScatterReduceBackward0"),
})


def _writes_source(index_pos: int, index_dtype, src_pos: int):
    """index_copy/masked_scatter/put: self's shape and dtype, once the index (or mask) and the source
    have the dtypes the op takes."""
    def rule(op, args, kwargs):
        x, index, src = args[0], _arg(args, kwargs, index_pos, ""), _arg(args, kwargs, src_pos, "source")
        if not (is_tensor(index) and is_tensor(src)) or index._dtype is not index_dtype or src._dtype is not x._dtype:
            return None
        return [(x._shape, x._dtype)]
    return rule


for _op, (_rule, _node) in {
        "index_copy": (_writes_source(2, int64, 3), "IndexCopyBackward0"),
        "masked_scatter": (_writes_source(1, bool_, 2), "MaskedScatterBackward0"),
        "put": (_writes_source(1, int64, 2), "PutBackward0")}.items():
    OPS[_op] = OpInfo(_rule, node=_node)
    OPS[_op + "_"] = OpInfo(_rule, inplace=True, node=_node)
del _op, _rule, _node


OPS.update({
    **{name: OpInfo(same, node=name.title().replace("_", "") + "Backward0")
       for name in ("select_scatter", "slice_scatter", "diagonal_scatter")},
    "renorm": OpInfo(same, node="RenormBackward0"),
    "renorm_": OpInfo(same, inplace=True, node="RenormBackward0"),
    "fill_diagonal_": OpInfo(same, inplace=True),
})


def frexp_rule(op, args, kwargs):
    x = args[0]
    return [(x._shape, x._dtype), (x._shape, dtypes.int32)] if x._dtype.is_floating_point else None


def _integer_elementwise(op, args, kwargs):
    """gcd/lcm: broadcast and promote, integers only (else the server raises torch's error)."""
    out = elementwise()(op, args, kwargs)
    return out if out and out[0][1].numpy.kind in "iu" else None


OPS.update({
    **_table(_integer_elementwise, ["gcd", "lcm"], differentiable=False),
    **_table(_integer_elementwise, ["gcd_", "lcm_"], differentiable=False, inplace=True),
    "frexp": OpInfo(frexp_rule, node="FrexpBackward0"),
    "angle": OpInfo(elementwise(out="float"), node="AngleBackward0"),
})


# ---- ops torch records as one node of their own (engine/ops/named.py) ----------------------------------

def _lead_rule(shape_of):
    """An op of one tensor whose output shape is ``shape_of(x, *rest)``, in x's dtype."""
    def rule(op, args, kwargs):
        x = args[0]
        return [(tuple(shape_of(x._shape, *args[1:])), x._dtype)]
    return rule


def _shuffled(shape, r):
    *lead, c, h, w = shape
    return (*lead, c // (r * r), h * r, w * r)


def _unshuffled(shape, r):
    *lead, c, h, w = shape
    return (*lead, c * r * r, h // r, w // r)


def _columns(shape, kernel, dilation, padding, stride):
    *lead, c, h, w = shape
    blocks = [(n + 2 * p - (d * (k - 1) + 1)) // s + 1 for n, k, d, p, s in zip((h, w), kernel, dilation, padding,
                                                                                 stride)]
    return (*lead, c * kernel[0] * kernel[1], blocks[0] * blocks[1])


def _image(shape, size, kernel, *_):
    *lead, ck, _l = shape
    return (*lead, ck // (kernel[0] * kernel[1]), *size)


_UPSAMPLE = {"nearest": "UpsampleNearest", "nearest-exact": "UpsampleNearestExact", "linear": "UpsampleLinear",
             "bilinear": "UpsampleBilinear", "bicubic": "UpsampleBicubic", "trilinear": "UpsampleTrilinear"}


def aminmax_rule(op, args, kwargs):
    x = args[0]
    dim, keepdim = kwargs.get("dim"), kwargs.get("keepdim", False)
    if shapes.numel(x._shape) == 0:
        return None  # the server's error
    dims = shapes.normalize_dims(dim, len(x._shape)) if dim is not None else tuple(range(len(x._shape)))
    shape = shapes.reduced_shape(x._shape, dims, keepdim)
    return [(shape, x._dtype)] * 2


def dist_rule(op, args, kwargs):
    a, b = args[0], args[1]
    if not (is_tensor(a) and is_tensor(b)):
        return None
    dtype = dtypes.promote_types(a._dtype, b._dtype)
    if not dtype.is_floating_point:
        return None
    shapes.broadcast_shapes(a._shape, b._shape)
    return [((), dtype)]


def block_diag_rule(op, args, kwargs):
    if not all(is_tensor(t) for t in args):
        return None
    mats = [t._shape if len(t._shape) == 2 else (1, shapes.numel(t._shape)) for t in args]
    dtype = args[0]._dtype
    for t in args[1:]:
        dtype = dtypes.promote_types(dtype, t._dtype)
    return [((sum(m[0] for m in mats), sum(m[1] for m in mats)), dtype)]


def norm_dim_rule(op, args, kwargs):
    x, dim, keepdim = args[0], args[2], args[3] if len(args) > 3 else False
    dims = shapes.normalize_dims(dim, len(x._shape))
    return [(shapes.reduced_shape(x._shape, dims, keepdim), x._dtype)]


def _scalar_overload(name):
    return OpInfo(elementwise(), node=f"{name}Backward1")


OPS.update({
    "pixel_shuffle": OpInfo(_lead_rule(_shuffled), node="PixelShuffleBackward0"),
    "pixel_unshuffle": OpInfo(_lead_rule(_unshuffled), node="PixelUnshuffleBackward0"),
    "channel_shuffle": OpInfo(same, node="ChannelShuffleBackward0"),
    "im2col": OpInfo(_lead_rule(_columns), node="Im2ColBackward0"),
    "col2im": OpInfo(_lead_rule(_image), node="Col2ImBackward0"),
    "_pack_padded_sequence": OpInfo(_lead_rule(lambda shape, lengths, batch_first: (sum(lengths), *shape[2:])),
                                    node="PackPaddedSequenceBackward0"),
    "adaptive_max_pool2d": OpInfo(lambda op, args, kwargs: [(args[0]._shape[:-2] + tuple(args[1]), args[0]._dtype),
                                                            (args[0]._shape[:-2] + tuple(args[1]), int64)],
                                  node="AdaptiveMaxPool2DBackward0"),
    **{f"max_unpool{nd}d": OpInfo(lambda op, args, kwargs, nd=nd: [(args[0]._shape[:-nd] + tuple(args[2]),
                                                                    args[0]._dtype)],
                                  node=f"MaxUnpool{nd}DBackward0") for nd in (2, 3)},
    "adaptive_max_pool3d": OpInfo(lambda op, args, kwargs: [(args[0]._shape[:-3] + tuple(args[1]), args[0]._dtype),
                                                            (args[0]._shape[:-3] + tuple(args[1]), int64)],
                                  node="AdaptiveMaxPool3DBackward0"),
    "upsample": OpInfo(_lead_rule(lambda shape, size, *_: (*shape[:2], *size)),
                       node=lambda args, kwargs: f"{_UPSAMPLE[args[3]]}{len(args[1])}DBackward0"),
    "aminmax": OpInfo(aminmax_rule, node="AminmaxBackward0"),
    "dist": OpInfo(dist_rule, node="DistBackward0"),
    "pdist": OpInfo(_lead_rule(lambda shape, p: (shape[0] * (shape[0] - 1) // 2,)), node="PdistBackward0"),
    "_norm_dim": OpInfo(norm_dim_rule, node="NormBackward1"),
    "_mul_scalar": _scalar_overload("Mul"),
    "_div_scalar": _scalar_overload("Div"),
    "_add_scalar": _scalar_overload("Add"),
    "block_diag": OpInfo(block_diag_rule, node="BlockDiagBackward0"),
    "fill": OpInfo(fill, node=lambda args, kwargs: "FillBackward1" if is_tensor(args[1]) else "FillBackward0"),
})
for _op in ("eq_", "ne_", "lt_", "le_", "gt_", "ge_"):  # recorded: torch's node is the comparison's
    OPS[_op] = replace(OPS[_op], node=lambda args, kwargs, _name=_op[:2].title(): (
        f"{_name}Backward{int(is_tensor(args[1]))}"))
del _op
# ---- more of torch's tail (engine/ops/extra_ops2.py) ----------------------------------------------

def vander_rule(op, args, kwargs):
    x, n = args[0], _arg(args, kwargs, 1, "N")
    n = x._shape[0] if n is None and len(x._shape) == 1 else n
    if len(x._shape) != 1 or not isinstance(n, int) or isinstance(n, bool) or n < 2:
        return None  # an error, or a result without history: the server's metadata
    return [((x._shape[0], n), x._dtype if x._dtype.is_floating_point or x._dtype.is_complex else int64)]


def as_strided_rule(op, args, kwargs):
    x, size, stride = args[0], _arg(args, kwargs, 1, "size"), _arg(args, kwargs, 2, "stride")
    try:
        size, stride = tuple(size), tuple(stride)
    except TypeError:
        return None
    if len(size) != len(stride) or any(not isinstance(s, int) or s < 0 for s in size + stride):
        return None
    return [(size, x._dtype)]


def _index_reduce_rule(op, args, kwargs):
    x, index, src = args[0], _arg(args, kwargs, 2, "index"), _arg(args, kwargs, 3, "source")
    reduce = _arg(args, kwargs, 4, "reduce")
    ok = is_tensor(index) and is_tensor(src) and src._dtype is x._dtype and reduce in ("prod", "mean", "amax", "amin")
    return [(x._shape, x._dtype)] if ok else None


OPS.update({
    "unique_consecutive": OpInfo(None),
    "histogram": OpInfo(None),
    "vander": OpInfo(vander_rule, node=lambda args, kwargs: "torch::autograd::CopySlices" if _arg(
        args, kwargs, 2, "increasing") else "FlipBackward0"),
    "as_strided": OpInfo(as_strided_rule, node="AsStridedBackward0"),
    "index_reduce": OpInfo(_index_reduce_rule, node="IndexReduceBackward0"),
    "index_reduce_": OpInfo(_index_reduce_rule, inplace=True, node="IndexReduceBackward0"),
})



# ---- random fills and draws (engine/ops/random_fill.py): with history, a node with a zero gradient ----------
def _random_node(args, kwargs):
    """random_(from, to) records RandomBackward0, random_(to) 1 (from None), random_() 2 (to None)."""
    low, high = _arg(args, kwargs, 1, "from"), _arg(args, kwargs, 2, "to")
    return f"RandomBackward{2 if high is None else 1 if low is None else 0}"


def _poisson_rule(op, args, kwargs):
    x = args[0]
    return [(x._shape, x._dtype)] if x._dtype.is_floating_point else None


def _binomial_rule(op, args, kwargs):
    count, prob = args[0], _arg(args, kwargs, 1, "prob")
    if not (is_tensor(prob) and count._dtype.is_floating_point and prob._dtype is count._dtype):
        return None
    return [(shapes.broadcast_shapes(count._shape, prob._shape), count._dtype)]


OPS.update({
    **{op: OpInfo(same, inplace=True, node=node) for op, node in (
        ("uniform_", "UniformBackward0"), ("normal_", "NormalBackward0"), ("exponential_", "ExponentialBackward0"),
        ("geometric_", "GeometricBackward0"), ("log_normal_", "LogNormalBackward0"), ("cauchy_", "CauchyBackward0"))},
    "random_": OpInfo(same, inplace=True, node=_random_node),
    "poisson": OpInfo(_poisson_rule, node="PoissonBackward0"),
    "binomial": OpInfo(_binomial_rule, node="torch::autograd::NotImplemented"),
    "standard_gamma_draw": OpInfo(_poisson_rule, differentiable=False),
})



def _interpolate_node(args, kwargs):
    x, size, mode = args[0], args[1], args[3]
    if mode == "area" and all(n == 1 for n in size):
        return "MeanBackward1"
    return {"bicubic": "UpsampleBicubic2DBackward0", "trilinear": "UpsampleTrilinear3DBackward0",
            "nearest": "UpsampleNearest3DBackward0", "nearest-exact": "UpsampleNearestExact3DBackward0",
            "area": "AdaptiveAvgPool3DBackward0"}[mode]


OPS["interpolate"] = OpInfo(lambda op, args, kwargs: [(tuple(args[0]._shape[:2]) + tuple(args[1]), args[0]._dtype)],
                            node=_interpolate_node)


def _window_rule(op, args, kwargs):
    n, dtype = args[1], kwargs.get("dtype") or dtypes.default_float()
    ok = isinstance(n, int) and n >= 0 and dtype.is_floating_point
    return [((n,), dtype)] if ok else None


OPS["window"] = OpInfo(_window_rule, differentiable=False)



def _normal_rule(op, args, kwargs):
    mean, std = args[0], _arg(args, kwargs, 1, "std", 1.0)
    like = mean if is_tensor(mean) else std
    if not all(v._dtype.is_floating_point for v in (mean, std) if is_tensor(v)) or is_tensor(std) or std < 0:
        return None  # errors, and a tensor std (its values are checked): the server's metadata
    return [(shapes.broadcast_shapes(_shape(mean), _shape(std)), like._dtype)]


OPS["normal"] = OpInfo(_normal_rule, node=lambda args, kwargs: "NormalBackward1")

OPS["as_strided_"] = OpInfo(as_strided_rule, inplace=True, view=True, node="AsStridedBackward1")


# ---- grid_sampler, affine_grid_generator, _ctc_loss, fractional_max_pool2d (engine/ops/gridctc.py; the client
# checks their arguments first) ----------------------------------------------------------------------------------
def _grid_sampler_rule(op, args, kwargs):
    x, grid = args[0], args[1]
    return [((x._shape[0], x._shape[1], *grid._shape[1:-1]), x._dtype)]


def _fractional_rule(op, args, kwargs):
    shape = (*args[0]._shape[:-2], *args[2])
    return [(shape, args[0]._dtype), (shape, int64)]


OPS.update({
    "grid_sampler": OpInfo(_grid_sampler_rule, node=lambda args, kwargs: (
        f"GridSampler{len(args[0]._shape) - 2}DBackward0")),
    "affine_grid_generator": OpInfo(lambda op, args, kwargs: [(
        (args[1][0], *args[1][2:], len(args[1]) - 2), args[0]._dtype)], node="AffineGridGeneratorBackward0"),
    "_ctc_loss": OpInfo(lambda op, args, kwargs: [((args[0]._shape[1],), args[0]._dtype)], node="CtcLossBackward0"),
    "fractional_max_pool2d": OpInfo(_fractional_rule, node="FractionalMaxPool2DBackward0"),
})


# ----- complex tensors (engine/ops/complex_ops.py) ---------------------------------------------------------

def _real_valued(rule):
    """``rule`` with a complex result made real (abs, angle: |z| and arg z are real)."""
    def real_valued(op, args, kwargs):
        out = rule(op, args, kwargs)
        return out if out is None else [(shape, dtype.to_real()) for shape, dtype in out]
    return real_valued


def _complex_parts(op, args, kwargs):
    a, b = args[0], args[1]
    if not (is_tensor(a) and is_tensor(b)) or a._dtype is not b._dtype or not a._dtype.is_floating_point:
        return None  # the server's checks and texts
    return [(tuple(shapes.broadcast_shapes(a._shape, b._shape)), a._dtype.to_complex())]


def _view_as_real(op, args, kwargs):
    x = args[0]
    return [(tuple(x._shape) + (2,), x._dtype.to_real())] if x._dtype.is_complex else None


def _view_as_complex(op, args, kwargs):
    x = args[0]
    ok = x._dtype in (dtypes.float32, dtypes.float64) and x._shape and x._shape[-1] == 2
    return [(tuple(x._shape[:-1]), x._dtype.to_complex())] if ok else None


OPS["abs"] = replace(OPS["abs"], infer=_real_valued(OPS["abs"].infer))
OPS["angle"] = replace(OPS["angle"], infer=_real_valued(OPS["angle"].infer))
OPS.update({
    "real": OpInfo(lambda op, args, kwargs: [(args[0]._shape, args[0]._dtype.to_real())], node="SelectBackward0"),
    "imag": OpInfo(lambda op, args, kwargs: [(args[0]._shape, args[0]._dtype.to_real())]
                   if args[0]._dtype.is_complex else None, node="SelectBackward0"),
    "conj": OpInfo(same, node="ConjBackward0"),
    "view_as_real": OpInfo(_view_as_real, node="ViewAsRealBackward0"),
    "view_as_complex": OpInfo(_view_as_complex, node="ViewAsComplexBackward0"),
    "complex": OpInfo(_complex_parts, node="ComplexBackward0"),
    "polar": OpInfo(_complex_parts, node="PolarBackward0"),
    "isreal": OpInfo(lambda op, args, kwargs: [(args[0]._shape, dtypes.bool_)], differentiable=False),
})
