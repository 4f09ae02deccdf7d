"""torch.version: the versions code reads to decide what it can use. gradwire mirrors torch 2.13's API (the
version ``__version__`` gives, as torch's does); the client is built without CUDA or ROCm (a CUDA server's
devices are reached through the session, not linked in)."""
from __future__ import annotations

__all__ = ["__version__", "cuda", "hip", "debug", "git_version"]

__version__ = "2.13.0"
cuda = None
hip = None
debug = False
git_version = "unknown"
