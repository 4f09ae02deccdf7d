"""gradwire.autograd: grad modes, custom Functions and autograd tools, run on the server."""
from ..grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled  # noqa: F401
from . import function  # noqa: F401
from .function import Function  # noqa: F401
