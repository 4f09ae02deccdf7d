"""gradwire: PyTorch-style autograd as a gRPC service.

``import gradwire as torch``: tensors are handles to a server's tensors, and
autograd runs there. Connect with ``GRADWIRE_ADDRESS=host:port`` (plus
``GRADWIRE_TOKEN`` when the server requires an API key) or
``gradwire.connect(address, token)``; with neither, an embedded server starts
in this process on first use.
"""
from gradwire.common.dtypes import bool_ as bool  # noqa: A001 - torch.bool
from gradwire.common.dtypes import float16, float32, float64, int32, int64
from gradwire.common.formatting import get_printoptions, set_printoptions
from gradwire.common.shapes import Size

from ._creation import from_numpy, manual_seed, ones, ones_like, randn, tensor, zeros, zeros_like
from ._dispatch import call as _call
from ._dispatch import connect, disconnect, set_sync, stats, synchronize
from .errors import GradwireError
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .tensor import Node, Tensor, device

__version__ = "0.1.0"

float = float32  # noqa: A001 - torch.float
double = float64
half = float16
long = int64
int = int32  # noqa: A001 - torch.int


def _op(name):
    def fn(*args, **kwargs):
        return _call(name, *args, **kwargs)
    fn.__name__ = name
    return fn


add = _op("add")
sub = _op("sub")
mul = _op("mul")
div = _op("div")
neg = _op("neg")
pow = _op("pow")  # noqa: A001 - torch.pow
exp = _op("exp")
log = _op("log")
sum = _op("sum")  # noqa: A001 - torch.sum
mean = _op("mean")
matmul = _op("matmul")
