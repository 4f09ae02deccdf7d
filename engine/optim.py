"""Optimizer kernels: in-place updates of lists of tensors, no graph (SGD, Adam/AdamW, grad clipping).

Declares WIRE (wire op name -> callable); engine/__init__.py installs it.
"""
from __future__ import annotations

WIRE: dict = {}
METHODS: dict = {}
__all__: list = []
