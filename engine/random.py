"""Random generators: a module default, per-thread override for server sessions.

``use_generator(gen)`` makes ``gen`` the current generator of this thread, so
each server session draws from (and seeds) its own state.  Other ``Generator``s
(torch.Generator) are streams of their own; the ``generator.*`` ops (WIRE) let a
session create and drive them, ``None`` standing for the session's own.
"""
from __future__ import annotations

import contextlib
import threading

from gradwire.common import dtypes as _dt
from gradwire.common.rng import DEFAULT_SEED, check_seed, to_wire

from . import backend
from .streams import new_stream

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed", "use_generator",
           "current_generator", "get_rng_state", "set_rng_state"]

class Generator:
    """A random number generator of one device: torch's mt19937 streams on CPU (streams.TorchCPUStream)."""

    def __init__(self, device: str = "cpu", seed: int | None = None):
        self.device = backend.normalize_device(device)
        self._stream = new_stream(DEFAULT_SEED if seed is None else check_seed(int(seed)), self.device)
        self._devices: dict = {}   # a CPU generator's companions on CUDA devices (seeded with it)

    def manual_seed(self, seed) -> "Generator":
        seed = check_seed(seed)
        self._stream = new_stream(seed, self.device)
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
            gen = self._devices[device] = Generator(device, self.initial_seed())
        return gen

    def seed(self) -> int:
        """Re-seeds from fresh entropy and returns the new seed."""
        s = int(backend.new_rng(None, "cpu").integers(0, 2**63 - 1))
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._stream.initial_seed()

    def _snapshot(self):
        """The stream's state as it keeps it (for putting it back with ``_restore``)."""
        return self._stream.snapshot()

    def _restore(self, state) -> None:
        self._stream.restore(state)

    def get_state(self):
        """The generator's state as a uint8 tensor (torch's ByteTensor), for ``set_state``."""
        from .tensor import _new_tensor  # noqa: PLC0415
        raw = self._stream.state_bytes()
        return _new_tensor(backend.asarray(list(raw), _dt.uint8.numpy, "cpu"), _dt.uint8)

    def set_state(self, new_state) -> "Generator":
        """Puts back a state from ``get_state`` (torch's errors for anything else)."""
        from .tensor import Tensor  # noqa: PLC0415
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        if new_state.dtype is not _dt.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        raw = backend.to_numpy(new_state.array).reshape(-1).tobytes()
        size = self._stream.STATE_BYTES
        if len(raw) != size:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {size} but found the input RNG state "
                               f"size to be {len(raw)}")
        self._stream.load_state_bytes(raw)
        return self

    @property
    def rng(self):
        """The stream the random ops draw from."""
        return self._stream

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
    """Seeds the current generator (the session's inside ``use_generator``) and returns it (torch.manual_seed:
    any int-convertible seed)."""
    return current_generator().manual_seed(int(seed))


def seed() -> int:
    return current_generator().seed()


def initial_seed() -> int:
    return current_generator().initial_seed()


def get_rng_state():
    return current_generator().get_state()


def set_rng_state(new_state) -> None:
    current_generator().set_state(new_state)


# ---- ops on generators, for a session: ``gen`` None is the session's (current) generator ----------

def _of(gen) -> Generator:
    if gen is None:
        return current_generator()
    if not isinstance(gen, Generator):
        raise TypeError(f"expected a torch.Generator, but got {type(gen).__name__}")
    return gen


def _manual_seed(gen, seed) -> None:
    _of(gen).manual_seed(seed)


def _set_state(gen, new_state) -> None:
    _of(gen).set_state(new_state)


WIRE = {
    "generator.new": Generator,  # (device)
    "generator.manual_seed": _manual_seed,
    "generator.seed": lambda gen: to_wire(_of(gen).seed()),  # (the wire's ints are signed 64-bit)
    "generator.initial_seed": lambda gen: to_wire(_of(gen).initial_seed()),
    "generator.get_state": lambda gen: _of(gen).get_state(),
    "generator.set_state": _set_state,
}
