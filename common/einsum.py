"""einsum equations: parsed once for the engine (which computes) and the client (which infers shapes)."""
from __future__ import annotations


def parse_einsum(equation: str, shapes):
    """(subscripts per operand, output subscripts, size per subscript), with torch's errors.

    An ellipsis becomes placeholder subscripts (characters past U+00FF), right-aligned."""
    eq = equation.replace(" ", "")
    if "->" in eq:
        lhs, rhs = eq.split("->", 1)
    else:
        lhs, rhs = eq, None
    terms = lhs.split(",")
    if len(terms) > len(shapes):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    # ellipsis: right-aligned dims named by placeholder characters (not letters)
    n_ell = 0
    for term, shape in zip(terms, shapes):
        if "..." in term:
            n_ell = max(n_ell, len(shape) - (len(term) - 3))
    ell = "".join(chr(0x100 + i) for i in range(n_ell))
    subs = []
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        nd = len(shape)
        if "..." in term:
            k = nd - (len(term) - 3)
            term = term.replace("...", ell[n_ell - k:] if k else "")
        for ch in term:
            if not (ch.isalpha() or ord(ch) >= 0x100):
                raise RuntimeError(f"einsum(): invalid subscript given at index {lhs.index(ch)} in the equation "
                                   f"string, subscripts must be in [a-zA-Z]")
        if len(term) != nd:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(term)}) does not match "
                               f"the number of dimensions ({nd}) for operand {i} and no ellipsis was given")
        subs.append(term)
    if rhs is None:
        counts = {}
        for term in subs:
            for ch in term:
                counts[ch] = counts.get(ch, 0) + 1
        rhs = ell + "".join(sorted(ch for ch, c in counts.items() if c == 1 and ord(ch) < 0x100))
    else:
        rhs = rhs.replace("...", ell)
        for ch in rhs:
            if not any(ch in term for term in subs):
                raise RuntimeError(f"einsum(): output subscript {ch} does not appear in the equation for any input "
                                   f"operand")
            if rhs.count(ch) > 1:
                raise RuntimeError(f"einsum(): output subscript {ch} appears more than once in the output")
    sizes = {}
    for i, (term, shape) in enumerate(zip(subs, shapes)):
        for ch, s in zip(term, shape):
            seen = sizes.get(ch)
            if seen is None or seen == 1:
                sizes[ch] = s
            elif s != seen and s != 1:
                name = ch if ord(ch) < 0x100 else "..."
                raise RuntimeError(f"einsum(): subscript {name} has size {s} for operand {i} which does not "
                                   f"broadcast with previously seen size {seen}")
    return subs, rhs, sizes


def einsum_shape(equation: str, shapes) -> tuple:
    """The output shape of ``einsum(equation, *operands)`` for operands of ``shapes``."""
    _subs, out, sizes = parse_einsum(equation, shapes)
    return tuple(sizes[ch] for ch in out)
