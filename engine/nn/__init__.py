"""gradwire.engine.nn: the nn kernels (functional ops, the fused LSTM) the client's Modules run on."""
from . import functional  # noqa: F401
from . import extra_functional  # noqa: F401
from . import conv  # noqa: F401

# One F namespace, as torch's: the kernels of extra_functional and conv are functional's too.
for _module in (extra_functional, conv):
    for _name in _module.__all__:
        setattr(functional, _name, getattr(_module, _name))
del _module, _name
