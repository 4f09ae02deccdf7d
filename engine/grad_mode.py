"""Grad mode for the engine: the one implementation in gradwire.common.grad_mode."""
from gradwire.common.grad_mode import (_state, enable_grad, is_grad_enabled, no_grad,  # noqa: F401
                                       set_grad_enabled)

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled"]
