"""Seeds of random generators, as torch takes them (shared by the client, which checks them at the
call site, and the engine, which keeps them)."""
from __future__ import annotations

__all__ = ["DEFAULT_SEED", "check_seed", "to_wire", "from_wire"]

DEFAULT_SEED = 67280421310721  # torch's initial seed of a generator nobody seeded
_U64 = 0xFFFFFFFFFFFFFFFF


def check_seed(seed) -> int:
    """``seed`` as torch's Generator.manual_seed takes it (an int of 64 bits, signed or not), folded to
    the unsigned 64-bit value torch keeps (-1 -> 2**64 - 1); torch's errors otherwise."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
    if not -2**63 <= seed <= _U64:
        raise ValueError("Overflow when unpacking long long")
    return seed & _U64


def to_wire(seed: int) -> int:
    """A seed of 64 unsigned bits as the signed 64-bit int the wire carries (check_seed folds it back)."""
    return seed - 2**64 if seed > _U64 >> 1 else seed


def from_wire(seed: int) -> int:
    return seed & _U64
