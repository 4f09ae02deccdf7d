"""Grad modes for the engine: the one implementation in gradwire.common.grad_mode."""
from gradwire.common.grad_mode import (_state, enable_grad, inference_mode, is_grad_enabled,  # noqa: F401
                                       is_inference_mode_enabled, no_grad, set_grad_enabled)

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
           "is_inference_mode_enabled"]
