"""torch.nn.utils.rnn: padding and packing variable-length sequences for the RNN modules.

A PackedSequence holds the steps of a batch of sequences sorted by decreasing length, time step
after time step (``data``), with the number of sequences still running at each step
(``batch_sizes``, known on the client). The RNN modules run packed input step by step on those rows.
"""
from __future__ import annotations

from typing import NamedTuple

from ... import _dispatch
from ...tensor import Tensor


class _PackedSequenceFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedSequenceFields):
    """(data, batch_sizes, sorted_indices, unsorted_indices), made by pack_padded_sequence / pack_sequence."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # PackedSequence((data, batch_sizes)), as torch allows
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def _with_data(self, data):
        return self if data is self.data else type(self)(data, self.batch_sizes, self.sorted_indices,
                                                         self.unsorted_indices)

    def to(self, *args, **kwargs):
        return self._with_data(self.data.to(*args, **kwargs))

    def cpu(self):
        return self._with_data(self.data.cpu())

    def double(self):
        return self._with_data(self.data.double())

    def float(self):
        return self._with_data(self.data.float())

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        return False


def invert_permutation(permutation):
    if permutation is None:
        return None
    from ... import empty_like  # noqa: PLC0415
    out = empty_like(permutation)
    return out.scatter_(0, permutation, _arange_like(permutation))


def _arange_like(t):
    from ... import arange  # noqa: PLC0415
    return arange(t.numel(), dtype=t.dtype)


def _int_list(values) -> list[int]:
    return [int(v) for v in (values.tolist() if isinstance(values, Tensor) else values)]


def _batch_sizes(lengths: list[int]) -> list[int]:
    """How many of the (decreasingly sorted) sequences are still running at each time step."""
    return [sum(1 for n in lengths if n > t) for t in range(lengths[0])] if lengths else []


def pack_padded_sequence(input, lengths, batch_first: bool = False, enforce_sorted: bool = True) -> PackedSequence:
    from ... import sort, tensor  # noqa: PLC0415
    lengths = _int_list(lengths)
    sorted_indices = None
    if not enforce_sorted:
        values, sorted_indices = sort(tensor(lengths), descending=True)
        lengths = values.tolist()
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    # torch's kernel's checks, in its order
    steps, batch = input.shape[:2][::-1] if batch_first else input.shape[:2]
    if len(lengths) != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {len(lengths)} "
                           f"(batch_size={batch})")
    if lengths and lengths[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' that "
                           "is <= 0")
    if any(a < b for a, b in zip(lengths, lengths[1:])):
        raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You "
                           "can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                           "sidestep this requirement if you do not need ONNX exportability.")
    if lengths and lengths[0] > steps:
        raise RuntimeError(f"Expected sequence length to be at most {steps}, but got {lengths[0]}")
    data = _dispatch.call("_pack_padded_sequence", input, lengths, batch_first)  # one node, as torch's
    return PackedSequence(data, tensor(_batch_sizes(lengths)), sorted_indices, None)


def pad_packed_sequence(sequence, batch_first: bool = False, padding_value: float = 0.0, total_length=None):
    from ... import tensor  # noqa: PLC0415
    sizes = _int_list(sequence.batch_sizes)
    steps = len(sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, but "
                             f"got total_length={total_length} and max sequence length being {steps}")
        steps = total_length
    data = sequence.data
    batch = sizes[0]
    rest = tuple(data.shape[1:])
    # torch's kernel: padding, then each run of steps with the same batch size copied in (CopySlices)
    padded = data.new_full((steps, batch, *rest), padding_value)
    offset, start, running = 0, 0, batch
    for t in range(len(sizes) + 1):
        n = sizes[t] if t < len(sizes) else 0
        if n != running:
            count = running * (t - start)
            padded[start:t, :running].copy_(data[offset:offset + count].view(t - start, running, *rest))
            offset, start = offset + count, t
        running = n
    if batch_first:
        padded = padded.transpose(0, 1)
    lengths = tensor([sum(1 for n in sizes if n > b) for b in range(batch)])
    if sequence.unsorted_indices is not None:
        return (padded.index_select(0 if batch_first else 1, sequence.unsorted_indices),
                lengths[sequence.unsorted_indices])
    return padded, lengths


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0, padding_side: str = "right"):
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    sequences = list(sequences.unbind(0)) if isinstance(sequences, Tensor) else list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    longest = max(s.shape[0] for s in sequences)
    first = sequences[0]
    size = (len(sequences), longest) if batch_first else (longest, len(sequences))
    out = first.new_full((*size, *first.shape[1:]), padding_value)
    for i, seq in enumerate(sequences):  # torch's kernel: each sequence copied into its place (CopySlices)
        n = seq.shape[0]
        start = 0 if padding_side == "right" else longest - n
        (out.select(0, i).narrow(0, start, n) if batch_first else out.narrow(0, start, n).select(1, i)).copy_(seq)
    return out


def unpad_sequence(padded_sequences, lengths, batch_first: bool = False) -> list:
    from ... import arange  # noqa: PLC0415
    if not batch_first:
        padded_sequences.transpose_(0, 1)  # in place, as torch
    steps = arange(padded_sequences.shape[1])
    return [seq[steps < n] for seq, n in zip(padded_sequences, _int_list(lengths))]  # IndexBackward0, as torch


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    return pack_padded_sequence(pad_sequence(sequences), [s.shape[0] for s in sequences],
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences) -> list:
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
