"""gradwire.engine.nn: the nn kernels (functional ops, the fused LSTM) the client's Modules run on."""
from . import functional  # noqa: F401
from . import extra_functional  # noqa: F401
from . import conv  # noqa: F401
