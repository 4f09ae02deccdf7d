"""Random generators: a module default, per-thread override for server sessions.

``use_generator(gen)`` makes ``gen`` the current generator of this thread, so
each server session draws from (and seeds) its own state.
"""
from __future__ import annotations

import contextlib
import threading

from . import backend

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed", "use_generator",
           "current_generator"]

_DEFAULT_SEED = 67280421310721  # torch's default initial seed


class Generator:
    """A random number generator of one device (numpy.random.Generator on CPU)."""

    def __init__(self, device: str = "cpu", seed: int | None = None):
        self.device = backend.normalize_device(device)
        self._seed = _DEFAULT_SEED if seed is None else int(seed)
        self._rng = backend.new_rng(self._seed & 0xFFFFFFFFFFFFFFFF, self.device)
        self._devices: dict = {}   # a CPU generator's companions on CUDA devices (seeded with it)

    def manual_seed(self, seed) -> "Generator":
        seed = int(seed)
        self._seed = seed
        # numpy seeds must be non-negative; fold negatives like a 64-bit reinterpretation
        self._rng = backend.new_rng(seed & 0xFFFFFFFFFFFFFFFF, self.device)
        for gen in self._devices.values():  # torch.manual_seed seeds every device
            gen.manual_seed(seed)
        return self

    def for_device(self, device: str) -> "Generator":
        """The generator random ops on ``device`` draw from: this one on its own device; on a CUDA
        device, a companion generator (cupy.random) made on first use with this one's seed, and
        re-seeded with it, so draws never leave the device."""
        if device == self.device:
            return self
        gen = self._devices.get(device)
        if gen is None:
            gen = self._devices[device] = Generator(device, self._seed)
        return gen

    def seed(self) -> int:
        """Re-seeds from fresh entropy and returns the new seed."""
        s = int(backend.new_rng(None, "cpu").integers(0, 2**63 - 1))
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> dict:
        return dict(self._rng.bit_generator.state)

    def set_state(self, state: dict) -> "Generator":
        self._rng.bit_generator.state = state
        return self

    @property
    def rng(self):
        return self._rng

    def __repr__(self) -> str:
        return f"<torch._C.Generator object at {hex(id(self))}>"


default_generator = Generator()


class _Current(threading.local):
    generator = None


_current = _Current()


def current_generator(device: str = "cpu") -> Generator:
    """The generator random ops of this thread draw from (the session's inside ``use_generator``),
    for tensors of ``device``."""
    g = _current.generator
    g = default_generator if g is None else g
    return g if device == "cpu" else g.for_device(device)


@contextlib.contextmanager
def use_generator(gen: Generator):
    """Within the block, random ops of this thread draw from ``gen``."""
    prev = _current.generator
    _current.generator = gen
    try:
        yield gen
    finally:
        _current.generator = prev


def manual_seed(seed) -> Generator:
    """Seeds the current generator (the session's inside ``use_generator``) and returns it."""
    return current_generator().manual_seed(seed)


def seed() -> int:
    return current_generator().seed()


def initial_seed() -> int:
    return current_generator().initial_seed()
