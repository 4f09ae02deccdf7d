"""torch.nn.utils: gradient clipping, parameter vectors, conv/linear + batch-norm fusion, and the submodules."""
from . import clip_grad, convert_parameters, fusion, init, stateless  # noqa: F401
from .clip_grad import (clip_grad_norm, clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_,  # noqa: F401
                        get_total_norm)
from .convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401
from .fusion import fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval, fuse_linear_bn_weights  # noqa: F401
from .init import skip_init  # noqa: F401
from . import rnn  # noqa: E402,F401 - torch.nn.utils.rnn
from . import parametrizations, parametrize  # noqa: E402,F401 - torch.nn.utils.parametrize(-ations)
from .weight_norm import remove_spectral_norm, remove_weight_norm, spectral_norm, weight_norm  # noqa: E402,F401
from . import prune  # noqa: E402,F401 - torch.nn.utils.prune
