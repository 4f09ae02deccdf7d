"""gradwire.utils: torch.utils' data loading (gradwire.utils.data)."""
from . import data  # noqa: F401
