"""grid_sample / affine_grid, ctc_loss, fractional_max_pool2d and AdaptiveLogSoftmaxWithLoss, on the client.

The kernels are the engine's (engine/ops/gridctc.py: grid_sampler, affine_grid_generator, _ctc_loss,
fractional_max_pool2d); here are torch's argument checks, with its texts, and the compositions torch builds
around them (ctc_loss's reductions, the adaptive softmax's clusters). functional.py and modules.py take the
public names from this file.
"""
from __future__ import annotations

import itertools
import warnings
from collections import namedtuple

from .._dispatch import call
from ..tensor import Tensor

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                  "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                  "grid_sample for details.")


def _sizes(t) -> list:
    return list(t.shape)


def _float_kernel(kernel: str, dtype) -> None:
    if not dtype.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_torch_name(dtype)}'")


def _torch_name(dtype) -> str:
    return dtype._torch_name


# ---- grid_sample / affine_grid -----------------------------------------------------------------------------

_MODES = {"bilinear": 0, "nearest": 1, "bicubic": 2}
_PADDINGS = {"zeros": 0, "border": 1, "reflection": 2}


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    if mode not in _MODES:
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: '{mode}'")
    if padding_mode not in _PADDINGS:
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    return grid_sampler(input, grid, _MODES[mode], _PADDINGS[padding_mode], align_corners)


def grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners):
    """torch.grid_sampler: the checks of torch's grid_sampler, then the engine's kernel."""
    nd_in, nd_grid = input.dim(), grid.dim()
    if grid.shape[-1] != nd_in - 2:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {nd_in - 2} in last dimension, but got grid "
                           f"with sizes {_sizes(grid)}")
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {_sizes(input)} and grid with sizes {_sizes(grid)}")
    if nd_in != nd_grid or nd_in not in (4, 5):
        raise RuntimeError(f"grid_sampler(): expected {4 if nd_in == 4 else 5}D input and grid with same number of "
                           f"dimensions, but got input with sizes {_sizes(input)} and grid with sizes {_sizes(grid)}")
    for i in range(2, nd_in):
        if input.shape[i] == 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial dimensions, but input has "
                               f"sizes {_sizes(input)} with dimension {i} being empty")
    if interpolation_mode == 2 and nd_in != 4:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if input.device != grid.device:
        raise RuntimeError(f"grid_sampler(): expected input and grid to be on same device, but input is on "
                           f"{input.device} and grid is on {grid.device}")
    _float_kernel("grid_sampler_2d_cpu_kernel_impl" if nd_in == 4 else "grid_sampler3d_cpu", input.dtype)
    if grid.dtype != input.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype._torch_name} but found {grid.dtype._torch_name}")
    return call("grid_sampler", input, grid, int(interpolation_mode), int(padding_mode), bool(align_corners))


def grid_sampler_2d(input, grid, interpolation_mode, padding_mode, align_corners):
    if input.dim() != 4:
        raise RuntimeError(f"grid_sampler(): expected 4D input and grid with same number of dimensions, but got "
                           f"input with sizes {_sizes(input)} and grid with sizes {_sizes(grid)}")
    return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)


def grid_sampler_3d(input, grid, interpolation_mode, padding_mode, align_corners):
    if input.dim() != 5:
        raise RuntimeError(f"grid_sampler(): expected 5D input and grid with same number of dimensions, but got "
                           f"input with sizes {_sizes(input)} and grid with sizes {_sizes(grid)}")
    return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)


def affine_grid(theta, size, align_corners=None):
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = list(size) if not isinstance(size, (list, tuple)) else size
    if len(size) == 4:
        if theta.dim() != 3 or theta.shape[-2] != 2 or theta.shape[-1] != 3:
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. Got "
                             f"{theta.shape}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.dim() != 3 or theta.shape[-2] != 3 or theta.shape[-1] != 4:
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. Got "
                             f"{theta.shape}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation "
                      "of affine_grid for details.", stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    return affine_grid_generator(theta, size, align_corners)


def affine_grid_generator(theta, size, align_corners):
    size = [int(s) for s in size]
    if theta.shape[0] != size[0]:  # torch's batched matmul says it
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{size[0]}, "
                           f"{len(size) - 1}] but got: [{theta.shape[0]}, {len(size) - 1}].")
    return call("affine_grid_generator", theta, size, bool(align_corners))


# ---- ctc_loss -------------------------------------------------------------------------------------------------

def _lengths(x) -> list:
    if isinstance(x, Tensor):
        return [int(v) for v in x.reshape(-1).tolist()]
    return [int(v) for v in x]


def _ctc_type_error(args) -> TypeError:
    """torch's argument parser's error: neither overload (int sequences, or Tensors, for the lengths) matches."""
    def kind(a):
        if isinstance(a, Tensor):
            return "Tensor"
        if isinstance(a, list):
            return f"list of [{', '.join(type(v).__name__ for v in a)}]"
        if isinstance(a, tuple):
            return f"tuple of ({', '.join(type(v).__name__ for v in a)})"
        return type(a).__name__

    def marked(tensor_positions):
        return ", ".join(kind(a) if i < tensor_positions and isinstance(a, Tensor) else f"!{kind(a)}!"
                         for i, a in enumerate(args))
    head = ("Tensor log_probs, Tensor targets, {0} input_lengths, {0} target_lengths, int blank = 0, int reduction = "
            "at::Reduction::Mean, bool zero_infinity = False")
    why = "      didn't match because some of the arguments have invalid types: "
    return TypeError(f"ctc_loss() received an invalid combination of arguments - got ({', '.join('Tensor' if isinstance(a, Tensor) else type(a).__name__ for a in args)}), "
                     f"but expected one of:\n * ({head.format('tuple of ints')})\n{why}({marked(2)})\n"
                     f" * ({head.format('Tensor')})\n{why}({marked(4)})\n")


def _ctc_check_args(log_probs, targets, input_lengths, target_lengths, blank):
    il_t, tl_t = isinstance(input_lengths, Tensor), isinstance(target_lengths, Tensor)
    ints = lambda s: isinstance(s, (list, tuple)) and all(isinstance(v, int) and not isinstance(v, bool) for v in s)
    ok = (il_t and tl_t) or (ints(input_lengths) and ints(target_lengths))
    if not ok or isinstance(blank, bool) or not isinstance(blank, int):
        raise _ctc_type_error((log_probs, targets, input_lengths, target_lengths, blank, 1, False))


def _ctc_nll(log_probs, targets, input_lengths, target_lengths, blank, zero_infinity):
    """The (N,) losses (CtcLossBackward0) and the target lengths, after torch's checks; unbatched (T, C)
    log_probs go through a batch of one."""
    _ctc_check_args(log_probs, targets, input_lengths, target_lengths, blank)
    if log_probs.dtype.is_floating_point and log_probs.dtype.itemsize < 4 or not log_probs.dtype.is_floating_point:
        raise NotImplementedError(f"\"ctc_loss_cpu\" not implemented for '{_torch_name(log_probs.dtype)}'")
    if log_probs.numel() == 0:
        raise RuntimeError("log_probs tensor must not be empty")
    il, tl = _lengths(input_lengths), _lengths(target_lengths)
    unbatched = log_probs.dim() == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    tg = targets.unsqueeze(0) if unbatched and targets.dim() == 1 else targets
    T, N, C = lp.shape
    if not 0 <= blank < C:
        raise RuntimeError("blank must be in label range")
    if len(il) != N:
        raise RuntimeError("input_lengths must be of size batch_size")
    if len(tl) != N:
        raise RuntimeError("target_lengths must be of size batch_size")
    where = " (while checking arguments for ctc_loss_allocate_outputs)"
    if tg.dim() == 1:
        if tg.shape[0] != sum(tl):
            raise RuntimeError(f"Expected tensor to have size {sum(tl)} at dimension 0, but got size {tg.shape[0]} "
                               f"for argument #2 'targets'{where}")
    elif max(tl, default=0) > tg.shape[1]:
        raise RuntimeError(f"Expected tensor to have size at least {max(tl)} at dimension 1, but got size "
                           f"{tg.shape[1]} for argument #2 'targets'{where}")
    for name, values in (("input_lengths", il), ("target_lengths", tl)):
        for v in values:
            if v < 0:
                raise RuntimeError(f"Expected {name} to have value at least 0, but got value {v}{where}")
    for v in il:
        if v > T:
            raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value {v}{where}")
    return call("_ctc_loss", lp, tg, il, tl, int(blank), bool(zero_infinity)), tl, unbatched


def _ctc_reduce(res, tl, reduction, zero_infinity, unbatched):
    from .. import tensor as _tensor, where, zeros  # noqa: PLC0415
    if zero_infinity:
        res = where(res == float("inf"), zeros((), dtype=res.dtype, device=res.device), res)
    if reduction == "mean":
        lengths = _tensor(tl, device=res.device).clamp_min(1).to(res.dtype)
        return (res / lengths).mean()
    if reduction == "sum":
        return res.sum()
    return res.squeeze(0) if unbatched else res


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    res, tl, unbatched = _ctc_nll(log_probs, targets, input_lengths, target_lengths, blank, zero_infinity)
    return _ctc_reduce(res, tl, reduction, zero_infinity, unbatched)


def torch_ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=0, zero_infinity=False):
    """torch.ctc_loss: reduction an int (at::Reduction; torch's binding defaults it to 0, none)."""
    return ctc_loss(log_probs, targets, input_lengths, target_lengths, blank,
                    ("none", "mean", "sum")[reduction] if isinstance(reduction, int) else reduction, zero_infinity)


# ---- fractional_max_pool2d --------------------------------------------------------------------------------------

def _pair(x):
    return tuple(x) if isinstance(x, (list, tuple)) else (x, x)


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                                       _random_samples=None):
    if output_size is None and output_ratio is None:
        raise ValueError("fractional_max_pool2d requires specifying either an output_size or an output_ratio")
    if output_size is None:
        if len(output_ratio) > 2:  # a float has no len(): torch's TypeError
            raise ValueError("fractional_max_pool2d requires output_ratio to either be a single Int or tuple of Ints.")
        ratio = _pair(output_ratio)
        output_size = [int(input.shape[-2] * ratio[0]), int(input.shape[-1] * ratio[1])]
    if _random_samples is None:
        from .. import rand  # noqa: PLC0415
        n = 1 if input.dim() == 3 else input.shape[0]
        _random_samples = rand(n, input.shape[-3], 2, dtype=input.dtype, device=input.device)
    return _fractional_max_pool2d_kernel(input, kernel_size, output_size, _random_samples)


def _fractional_max_pool2d_kernel(input, kernel_size, output_size, samples):
    kernel, out = _pair(kernel_size), _pair(output_size)
    if len(kernel) != 2:
        raise RuntimeError("fractional_max_pool2d: kernel_size must either be a single Int or tuple of Ints")
    if len(out) != 2:
        raise RuntimeError("fractional_max_pool2d: output_size must either be a single Int or tuple of Ints")
    if samples.dtype != input.dtype:
        raise RuntimeError("Expect _random_samples to have the same dtype as input")
    if input.dim() not in (3, 4):
        raise RuntimeError(f"fractional_max_pool2d(): Expected 3D or 4D tensor, but got: {_sizes(input)}")
    for i in range(1, input.dim()):
        if input.shape[i] == 0:
            raise RuntimeError(f"fractional_max_pool2d(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but got{_sizes(input)} with dimension {i} being empty.")
    if samples.dim() != 3 or samples.shape[2] != 2:
        raise RuntimeError(f"Expect _random_samples.size(2) equals to 2; got {samples.shape[-1]}.")
    if samples.shape[1] != input.shape[-3]:
        raise RuntimeError("Expect _random_samples.size(1) equals to input channel size.")
    n = 1 if input.dim() == 3 else input.shape[0]
    if samples.shape[0] < n:
        raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
    h, w = input.shape[-2:]
    if out[0] + kernel[0] - 1 > h:
        raise RuntimeError(f"fractional_max_pool2d(): pool height {kernel[0]} too large relative to input height {h}")
    if out[1] + kernel[1] - 1 > w:
        raise RuntimeError(f"fractional_max_pool2d(): pool width {kernel[1]} too large relative to input width {w}")
    if samples.shape[0] > n:
        samples = samples[:n]
    return call("fractional_max_pool2d", input, tuple(int(k) for k in kernel), tuple(int(o) for o in out), samples)


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    out, idx = fractional_max_pool2d_with_indices(input, kernel_size, output_size, output_ratio, return_indices,
                                                  _random_samples)
    return (out, idx) if return_indices else out


# ---- Modules -------------------------------------------------------------------------------------------------------

def make_modules(modules):
    """The Module classes of this file, built on the given modules namespace (its Module, _Loss ...)."""
    Module, Linear, Sequential, ModuleList = modules.Module, modules.Linear, modules.Sequential, modules.ModuleList

    class CTCLoss(modules._Loss):
        def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False):
            super().__init__(reduction)
            self.blank = blank
            self.zero_infinity = zero_infinity

        def forward(self, log_probs, targets, input_lengths, target_lengths):
            return ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction,
                            self.zero_infinity)

    class FractionalMaxPool2d(Module):
        def __init__(self, kernel_size, output_size=None, output_ratio=None, return_indices: bool = False,
                     _random_samples=None):
            super().__init__()
            self.kernel_size = _pair(kernel_size)
            self.return_indices = return_indices
            self.register_buffer("_random_samples", _random_samples)
            self.output_size = _pair(output_size) if output_size is not None else None
            self.output_ratio = _pair(output_ratio) if output_ratio is not None else None
            if output_size is None and output_ratio is None:
                raise ValueError("FractionalMaxPool2d requires specifying either an output size, or a pooling ratio")
            if output_size is not None and output_ratio is not None:
                raise ValueError("only one of output_size and output_ratio may be specified")
            if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
                raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")

        def forward(self, input):
            return fractional_max_pool2d(input, self.kernel_size, self.output_size, self.output_ratio,
                                         self.return_indices, _random_samples=self._random_samples)

    class AdaptiveLogSoftmaxWithLoss(Module):
        def __init__(self, in_features: int, n_classes: int, cutoffs, div_value: float = 4.0, head_bias: bool = False,
                     device=None, dtype=None):
            super().__init__()
            cutoffs = list(cutoffs)
            if not cutoffs:
                raise ValueError("cutoffs should be a sequence of length larger than 0")
            if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                    or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
                raise ValueError("cutoffs should be a sequence of unique, positive integers sorted in an increasing "
                                 "order, where each value is between 1 and n_classes-1")
            factory = {"device": device, "dtype": dtype}
            self.in_features, self.n_classes = in_features, n_classes
            self.cutoffs = cutoffs + [n_classes]
            self.div_value, self.head_bias = div_value, head_bias
            self.shortlist_size = self.cutoffs[0]
            self.n_clusters = len(self.cutoffs) - 1
            self.head_size = self.shortlist_size + self.n_clusters
            self.head = Linear(in_features, self.head_size, bias=head_bias, **factory)
            self.tail = ModuleList()
            for i in range(self.n_clusters):
                hidden = int(in_features // (div_value ** (i + 1)))  # each cluster projects to a smaller width
                self.tail.append(Sequential(Linear(in_features, hidden, bias=False, **factory),
                                            Linear(hidden, self.cutoffs[i + 1] - self.cutoffs[i], bias=False,
                                                   **factory)))

        def reset_parameters(self) -> None:
            self.head.reset_parameters()
            for i2h, h2o in self.tail:
                i2h.reset_parameters()
                h2o.reset_parameters()

        def forward(self, input_, target_):
            from . import functional as F  # noqa: PLC0415
            tdim = target_.dim()
            if tdim == 1:
                if input_.size(0) != target_.size(0):
                    raise RuntimeError("Input and target should have the same size in the batch dimension.")
                if input_.dim() != 2:
                    raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with size "
                                       f"{input_.size()}")
            elif tdim == 0:
                if input_.dim() != 1:
                    raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with size "
                                       f"{input_.size()}")
            else:
                raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
            batched = tdim > 0
            input = input_ if batched else input_.unsqueeze(0)
            target = target_ if batched else target_.unsqueeze(0)
            rows_used = 0
            n = target.size(0)
            output = input.new_zeros(n)
            head_index = target.new_empty(n)  # per row: its class (shortlist) or its cluster's head column
            bounds = [0] + self.cutoffs
            for i, (low, high) in enumerate(itertools.pairwise(bounds)):
                mask = (target >= low) & (target < high)
                rows = mask.nonzero().squeeze()
                if rows.numel() == 0:
                    continue
                if i == 0:
                    head_index.index_copy_(0, rows, target[mask])
                else:
                    local = target[mask] - low
                    cluster_out = self.tail[i - 1](input.index_select(0, rows))
                    head_index.index_fill_(0, rows, self.shortlist_size + i - 1)
                    picked = F.log_softmax(cluster_out, dim=1).gather(1, local.unsqueeze(1))
                    output.index_copy_(0, rows, picked.squeeze(1))
                rows_used += rows.numel()
            if rows_used != n:
                raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                                   f"[{target.min().item()}, {target.max().item()}] were found. ")
            head_logprob = F.log_softmax(self.head(input), dim=1)
            output += head_logprob.gather(1, head_index.unsqueeze(1)).squeeze()
            loss = (-output).mean()
            if not batched:
                output = output.squeeze(0)
            return _ASMoutput(output, loss)

        def _get_full_log_prob(self, input, head_output):
            from . import functional as F  # noqa: PLC0415
            out = input.new_empty((head_output.size(0), self.n_classes))
            head_logprob = F.log_softmax(head_output, dim=1)
            out[:, :self.shortlist_size] = head_logprob[:, :self.shortlist_size]
            for i, (start, stop) in enumerate(itertools.pairwise(self.cutoffs)):
                cluster_logprob = F.log_softmax(self.tail[i](input), dim=1)
                out[:, start:stop] = cluster_logprob + head_logprob[:, self.shortlist_size + i].unsqueeze(1)
            return out

        def log_prob(self, input):
            return self._get_full_log_prob(input, self.head(input))

        def predict(self, input):
            from .. import argmax  # noqa: PLC0415
            head_output = self.head(input)
            output = argmax(head_output, dim=1)
            outside = output >= self.shortlist_size
            if not outside.any():
                return output
            if outside.all():
                return argmax(self._get_full_log_prob(input, head_output), dim=1)
            output[outside] = argmax(self._get_full_log_prob(input[outside], head_output[outside]), dim=1)
            return output

    for cls in (CTCLoss, FractionalMaxPool2d, AdaptiveLogSoftmaxWithLoss):
        cls.__module__ = modules.__name__
    return CTCLoss, FractionalMaxPool2d, AdaptiveLogSoftmaxWithLoss


_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


torch_ctc_loss.__name__ = torch_ctc_loss.__qualname__ = "ctc_loss"
