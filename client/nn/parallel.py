"""torch.nn.parallel: DataParallel runs its module as it is on a machine without CUDA devices (torch's
``device_ids`` is then empty); with the server's CUDA devices it runs it on the first one (gradwire does not
split a batch across devices), moving the inputs there and the output to ``output_device``.
DistributedDataParallel needs a process group, which gradwire has none of (torch.distributed)."""
from __future__ import annotations

from .modules import Module

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]


def _cuda_ids(device_ids):
    from .. import cuda  # noqa: PLC0415
    if not cuda.is_available():
        return []
    ids = list(range(cuda.device_count())) if device_ids is None else list(device_ids)
    return [d.index if hasattr(d, "index") else int(d) for d in ids]


def _to(value, device):
    from ..tensor import Tensor  # noqa: PLC0415
    if isinstance(value, Tensor):
        return value.to(device)
    if isinstance(value, (list, tuple)):
        return type(value)(_to(v, device) for v in value)
    if isinstance(value, dict):
        return {k: _to(v, device) for k, v in value.items()}
    return value


class DataParallel(Module):
    """torch.nn.DataParallel: holds the module as ``module`` (state_dict keys gain the ``module.`` prefix)."""

    def __init__(self, module, device_ids=None, output_device=None, dim: int = 0):
        super().__init__()
        self.module = module
        self.device_ids = _cuda_ids(device_ids)
        if not self.device_ids:
            return
        self.dim = dim
        self.output_device = self.device_ids[0] if output_device is None else (
            output_device.index if hasattr(output_device, "index") else int(output_device))
        self.src_device_obj = f"cuda:{self.device_ids[0]}"

    def forward(self, *inputs, **kwargs):
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        for t in (*self.module.parameters(), *self.module.buffers()):
            if str(t.device) != self.src_device_obj:
                raise RuntimeError(f"module must have its parameters and buffers on device {self.src_device_obj} "
                                   f"(device_ids[0]) but found one of them on device: {t.device}")
        out = self.module(*_to(inputs, self.src_device_obj), **_to(kwargs, self.src_device_obj))
        return _to(out, f"cuda:{self.output_device}")


def data_parallel(module, inputs, device_ids=None, output_device=None, dim: int = 0, module_kwargs=None):
    if not _cuda_ids(None):
        raise RuntimeError("device type could not be determined")
    if not isinstance(inputs, tuple):
        inputs = (inputs,)
    return DataParallel(module, device_ids, output_device, dim)(*inputs, **(module_kwargs or {}))


class DistributedDataParallel(Module):
    def __init__(self, module, *args, **kwargs):
        super().__init__()
        raise ValueError("Default process group has not been initialized, please make sure to call "
                         "init_process_group.")
