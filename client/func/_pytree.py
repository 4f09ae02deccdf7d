"""A small pytree, enough for torch.func: tuples, lists, dicts (OrderedDict too) and namedtuples are nodes,
everything else (None included) is a leaf. TreeSpec prints as torch.utils._pytree's does, since the
transforms' error texts show it."""
from __future__ import annotations

from collections import OrderedDict


class TreeSpec:
    __slots__ = ("kind", "context", "children")

    def __init__(self, kind, context, children):
        self.kind, self.context, self.children = kind, context, tuple(children)

    @property
    def is_leaf(self) -> bool:
        return self.kind is None

    @property
    def num_leaves(self) -> int:
        return 1 if self.is_leaf else sum(c.num_leaves for c in self.children)

    def __eq__(self, other):
        return (isinstance(other, TreeSpec) and self.kind is other.kind and self.context == other.context
                and self.children == other.children)

    def __hash__(self):
        return hash((self.kind, len(self.children)))

    def __repr__(self, indent: int = 0) -> str:
        if self.is_leaf:
            return "*"
        name = "namedtuple" if self.kind is _NAMEDTUPLE else self.kind.__name__
        inner = ""
        if self.children:
            indent += 2
            inner = (",\n" + " " * indent).join(c.__repr__(indent) for c in self.children)
        return f"TreeSpec({name}, {self.context}, [{inner}])"


_NAMEDTUPLE = type("namedtuple", (), {})  # marker kind: the context is the namedtuple class
LEAF = TreeSpec(None, None, ())


def _node(x):
    """(kind, context, children) of a node, or None for a leaf."""
    t = type(x)
    if t is tuple or t is list:
        return t, None, x
    if t is dict or t is OrderedDict:
        return t, list(x), list(x.values())
    if isinstance(x, tuple) and hasattr(t, "_fields"):
        return _NAMEDTUPLE, t, tuple(x)
    return None


def tree_flatten(tree) -> tuple[list, TreeSpec]:
    leaves: list = []

    def walk(x):
        node = _node(x)
        if node is None:
            leaves.append(x)
            return LEAF
        kind, context, children = node
        return TreeSpec(kind, context, [walk(c) for c in children])

    return leaves, walk(tree)


def tree_unflatten(leaves, spec: TreeSpec):
    it = iter(leaves)

    def build(s):
        if s.is_leaf:
            return next(it)
        children = [build(c) for c in s.children]
        if s.kind is _NAMEDTUPLE:
            return s.context(*children)
        if s.kind is dict or s.kind is OrderedDict:
            return s.kind(zip(s.context, children))
        return s.kind(children)

    return build(spec)


def tree_map(fn, tree):
    leaves, spec = tree_flatten(tree)
    return tree_unflatten([fn(x) for x in leaves], spec)


def broadcast_to_and_flatten(prefix, spec: TreeSpec):
    """The leaves of ``prefix`` repeated over the subtrees of ``spec`` they stand for (vmap's in_dims and
    out_dims), or None where ``prefix`` is not a prefix of ``spec``."""
    out: list = []

    def walk(p, s) -> bool:
        node = _node(p)
        if node is None:
            out.extend([p] * s.num_leaves)
            return True
        kind, context, children = node
        if s.kind is not kind or s.context != context or len(s.children) != len(children):
            return False
        return all(walk(c, cs) for c, cs in zip(children, s.children))

    return out if walk(prefix, spec) else None


class _Star(str):
    def __repr__(self):
        return "*"


def treespec_pprint(spec: TreeSpec) -> str:
    return repr(tree_unflatten([_Star()] * spec.num_leaves, spec))
