"""torch.nn.functional kernels: linear, activations, softmax family, losses, dropout, layer_norm, embedding.

Declares WIRE (wire op name -> callable), METHODS (Tensor method name ->
callable) and __all__ (the F namespace); engine/__init__.py installs them.
"""
from __future__ import annotations

WIRE: dict = {}
METHODS: dict = {}
__all__: list = []
