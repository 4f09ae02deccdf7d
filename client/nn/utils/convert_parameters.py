"""torch.nn.utils.convert_parameters: parameters to one vector and back."""
from __future__ import annotations

from ...tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters) -> Tensor:
    """The parameters, flattened and concatenated (differentiable: CatBackward0)."""
    from ... import cat  # noqa: PLC0415
    return cat([p.view(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters) -> None:
    """Copies slices of ``vec`` into the parameters' data, in order."""
    if not isinstance(vec, Tensor):
        from ... import typename  # noqa: PLC0415
        raise TypeError(f"expected torch.Tensor, but got: {typename(vec)}")
    offset = 0
    for p in parameters:
        n = p.numel()
        p.data = vec[offset:offset + n].view_as(p).data
        offset += n
