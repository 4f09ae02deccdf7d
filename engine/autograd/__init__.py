"""gradwire.engine.autograd: Function, backward, grad, gradcheck, gradgradcheck, grad modes, anomaly mode."""
from ..function import Function, Node
from ..grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
                         set_grad_enabled)
from . import checkpoint, function
from .anomaly import detect_anomaly, is_anomaly_check_nan_enabled, is_anomaly_enabled, set_detect_anomaly
from .engine import backward, grad
from .function import once_differentiable
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from . import profiler
from .profiler import record_function

__all__ = ["Function", "Node", "backward", "grad", "gradcheck", "gradgradcheck", "GradcheckError",
           "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
           "is_inference_mode_enabled", "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled", "once_differentiable", "function", "profiler", "record_function"]

# names the gradwire.engine namespace should export (torch.no_grad, torch.inference_mode, ...)
ENGINE_EXPORTS = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
                  "is_inference_mode_enabled", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]
