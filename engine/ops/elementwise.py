"""Elementwise ops beyond arith.py: unary math, activations, comparisons, logical ops, clamp, where.

Declares WIRE (wire op name -> callable), METHODS (Tensor method name ->
callable) and __all__ (exported by gradwire.engine); engine/ops/__init__.py
installs them.
"""
from __future__ import annotations

WIRE: dict = {}
METHODS: dict = {}
__all__: list = []
