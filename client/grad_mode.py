"""Grad modes on the client: thread-local, sent with every command they govern."""
from gradwire.common.grad_mode import (enable_grad, inference_mode, is_grad_enabled,  # noqa: F401
                                       is_inference_mode_enabled, no_grad, set_grad_enabled)
