"""gradwire.engine.autograd: Function, backward, grad, gradcheck, gradgradcheck."""
from ..function import Function, Node
from ..grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .engine import backward, grad
from .gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["Function", "Node", "backward", "grad", "gradcheck", "gradgradcheck", "GradcheckError",
           "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled"]
