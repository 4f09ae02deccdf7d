"""gradwire.autograd: grad modes, custom Functions and autograd tools, run on the server."""
from ..grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled  # noqa: F401
from . import grad_mode  # noqa: F401 - torch.autograd.grad_mode
from .grad_mode import (_force_original_view_tracking, enforce_grad_layout_policy,  # noqa: F401
                        is_multithreading_enabled, is_view_replay_enabled, set_multithreading_enabled)
from ..tensor import SavedTensor  # noqa: F401 - the class of grad_fn._raw_saved_<name>
from . import forward_ad, function, graph, profiler  # noqa: F401
from .anomaly import (detect_anomaly, is_anomaly_check_nan_enabled, is_anomaly_enabled,  # noqa: F401
                      set_detect_anomaly)
from .function import Function, _is_checkpoint_valid  # noqa: F401
from .functional import backward, grad  # noqa: F401
from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: F401
from .variable import Variable  # noqa: F401
