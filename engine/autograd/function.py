"""``gradwire.engine.autograd.function``: where torch users look for Function."""
from ..function import Function, Node  # noqa: F401
