"""torch.backends: the switches training scripts set (cudnn.benchmark, cuda.matmul.allow_tf32 ...).

The client keeps them, as torch keeps them per process; gradwire's engine has no cuDNN or MPS, so they
change nothing on the server. ``is_available()`` answers as torch's CPU build does, and
``cuda.is_built()`` as gradwire.cuda.is_available() (the server's devices)."""
from __future__ import annotations

import sys
import types

__all__ = ["cudnn", "cuda", "mps", "mkl", "mkldnn", "openmp", "opt_einsum"]


def _module(name: str, doc: str, **attributes) -> types.ModuleType:
    """A submodule that ``import torch.backends.<name>`` also finds."""
    module = types.ModuleType(f"{__name__}.{name}", doc)
    module.__dict__.update(attributes)
    sys.modules[module.__name__] = module
    return module


def _server_has_cuda() -> bool:
    from . import cuda as _cuda  # noqa: PLC0415 - gradwire.cuda asks the server
    return _cuda.is_available()


def _false() -> bool:
    return False


def _true() -> bool:
    return True


def _no_version():
    return None


cudnn = _module("cudnn", "cuDNN switches (no effect: the engine has no cuDNN).", enabled=True, benchmark=False,
                deterministic=False, allow_tf32=True, benchmark_limit=None, is_available=_false, version=_no_version)
class _Matmul:
    """torch.backends.cuda.matmul: ``allow_tf32`` is torch.get/set_float32_matmul_precision seen as a switch."""

    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True

    @property
    def allow_tf32(self) -> bool:
        from . import get_float32_matmul_precision  # noqa: PLC0415
        return get_float32_matmul_precision() != "highest"

    @allow_tf32.setter
    def allow_tf32(self, value: bool) -> None:
        from . import set_float32_matmul_precision  # noqa: PLC0415
        set_float32_matmul_precision("high" if value else "highest")


cuda = _module("cuda", "CUDA matmul switches.", is_built=_server_has_cuda, matmul=_Matmul())
mps = _module("mps", "Apple MPS: never available to a gradwire session.", is_available=_false, is_built=_false)
mkl = _module("mkl", "MKL.", is_available=_true)
mkldnn = _module("mkldnn", "oneDNN.", enabled=True, is_available=_true)
openmp = _module("openmp", "OpenMP.", is_available=_true)
opt_einsum = _module("opt_einsum", "opt_einsum.", enabled=True, strategy=None, is_available=_false)
