"""Indexing and gathering: __getitem__/__setitem__, index_select, gather, scatter_add, masked_fill.

Declares WIRE (wire op name -> callable), METHODS (Tensor method name ->
callable) and __all__ (exported by gradwire.engine); engine/ops/__init__.py
installs them.
"""
from __future__ import annotations

WIRE: dict = {}
METHODS: dict = {}
__all__: list = []
