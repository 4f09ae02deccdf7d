"""gradwire.utils: torch.utils' data loading (gradwire.utils.data) and activation checkpointing
(gradwire.utils.checkpoint)."""
from . import checkpoint, data  # noqa: F401
