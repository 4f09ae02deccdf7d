"""The fused multi-layer LSTM: one Function per layer stack, forward and backward over whole sequences.

Declares WIRE (wire op name -> callable); engine/__init__.py installs it.
"""
from __future__ import annotations

WIRE: dict = {}
METHODS: dict = {}
__all__: list = []
