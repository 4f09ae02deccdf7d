"""No op calls numpy directly: every op reaches the array module of its tensor's
device through the one lookup in engine/backend.py.

1. Statically: no module under engine/ except engine/backend.py imports numpy
   (or cupy) or names ``np.``/``numpy.`` (parsed with ``ast``, so comments and
   docstrings don't count).
2. At runtime: the backend's device -> module table is pointed at a second
   implementation (a proxy module that forwards to numpy and counts what it is
   asked for); an op suite (elementwise, reductions, matmul, shapes, backward)
   gives the same values as the plain run, and the proxy served it.
"""
from __future__ import annotations

import ast
import collections
import pathlib
import types

import numpy
import pytest

import gradwire.engine as E
from gradwire.engine import backend

pytestmark = pytest.mark.timeout(60)

ENGINE_DIR = pathlib.Path(E.__file__).resolve().parent
BACKEND = ENGINE_DIR / "backend.py"
ARRAY_MODULES = {"numpy", "cupy"}
ALIASES = {"np", "numpy", "cp", "cupy"}


# ---- 1. static -------------------------------------------------------------------

def _violations(path: pathlib.Path) -> list[str]:
    """``file:line: what`` for each direct use of numpy/cupy in one source file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    rel = path.relative_to(ENGINE_DIR.parent) if ENGINE_DIR.parent in path.parents else path
    out = []
    for node in ast.walk(tree):
        what = None
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.split(".")[0] in ARRAY_MODULES]
            if names:
                what = f"import {', '.join(names)}"
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module and node.module.split(".")[0] in ARRAY_MODULES:
                what = f"from {node.module} import ..."
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ALIASES:
            what = f"{node.value.id}.{node.attr}"
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            fn = node.func
            fname = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
            if fname in ("__import__", "import_module") and str(node.args[0].value).split(".")[0] in ARRAY_MODULES:
                what = f"{fname}({node.args[0].value!r})"
        if what is not None:
            out.append(f"{rel}:{node.lineno}: {what}")
    return out


# torch's CPU generator (mt19937 and its transformations) is host-only by definition: it lives beside backend.py
HOST_ONLY = (BACKEND.resolve(), (ENGINE_DIR / "streams.py").resolve())


def _engine_sources():
    return sorted(p for p in ENGINE_DIR.rglob("*.py") if p.resolve() not in HOST_ONLY)


def test_only_backend_imports_numpy():
    sources = _engine_sources()
    assert len(sources) > 10  # the walk found the engine's modules
    bad = [v for p in sources for v in _violations(p)]
    assert not bad, "direct numpy/cupy use outside engine/backend.py:\n" + "\n".join(bad)


def test_backend_is_where_numpy_lives():
    # the checker finds what it should: backend.py itself does import numpy
    assert any("import numpy" in v for v in _violations(BACKEND))


def test_checker_flags_imports_and_attributes_not_comments(tmp_path):
    src = tmp_path / "mod.py"
    src.write_text('"""numpy.zeros in a docstring is fine."""\n'
                   "# import numpy  -- a comment is fine\n"
                   "import numpy as np\n"
                   "from numpy.linalg import norm\n"
                   "x = np.zeros(3)\n"
                   "y = xp.zeros(3)\n"
                   "z = __import__('numpy')\n"
                   "s = 'np.ones'\n")
    found = _violations(src)
    lines = sorted(int(v.split(":")[1]) for v in found)
    assert lines == [3, 4, 5, 7], found


# ---- 2. runtime: a second array module behind the lookup --------------------------------

class CountingModule(types.ModuleType):
    """Forwards every attribute to a module (numpy), counting lookups and function calls;
    submodules (linalg, random, ...) are proxied the same way."""

    def __init__(self, target, counts=None, prefix=""):
        super().__init__(target.__name__)
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_counts", counts if counts is not None else collections.Counter())
        object.__setattr__(self, "_prefix", prefix)
        object.__setattr__(self, "_cache", {})

    def __getattr__(self, name):
        target = object.__getattribute__(self, "_target")
        counts = object.__getattribute__(self, "_counts")
        prefix = object.__getattribute__(self, "_prefix")
        cache = object.__getattribute__(self, "_cache")
        key = prefix + name
        counts[key] += 1
        if name in cache:
            return cache[name]
        value = getattr(target, name)
        if isinstance(value, types.ModuleType):
            value = CountingModule(value, counts, key + ".")
        elif isinstance(value, (types.FunctionType, types.BuiltinFunctionType)) or \
                type(value).__name__ == "_ArrayFunctionDispatcher":
            value = _counting(value, counts, key)
        elif isinstance(value, numpy.ufunc):
            value = _CountingUfunc(value, counts, key)
        cache[name] = value
        return value


def _counting(fn, counts, key):
    def call(*args, **kwargs):
        counts[key + "()"] += 1
        return fn(*args, **kwargs)
    call.__name__ = getattr(fn, "__name__", key)
    call.__wrapped__ = fn
    return call


class _CountingUfunc:
    """A ufunc stand-in: calls are counted, its attributes (reduce, outer, nin, ...) forwarded."""

    def __init__(self, ufunc, counts, key):
        self._ufunc = ufunc
        self._counts = counts
        self._key = key
        self.__name__ = ufunc.__name__

    def __call__(self, *args, **kwargs):
        self._counts[self._key + "()"] += 1
        return self._ufunc(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._ufunc, name)


def _suite():
    """Values of a representative set of ops and gradients (float64 CPU tensors)."""
    a_data = [[0.5, -1.25, 2.0], [3.0, 0.75, -0.5]]
    b_data = [[1.5, 2.0, -0.25], [0.5, -1.0, 4.0]]
    a = E.tensor(a_data, dtype=E.float64, requires_grad=True)
    b = E.tensor(b_data, dtype=E.float64, requires_grad=True)
    w = E.tensor([[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]], dtype=E.float64, requires_grad=True)
    out = {}
    out["add"] = a + b
    out["sub"] = a - 2.0 * b
    out["mul"] = a * b
    out["div"] = a / (b * b + 1.0)
    out["pow"] = a ** 2
    out["exp"] = a.exp()
    out["log"] = (b * b + 1.0).log()
    out["neg"] = -a
    out["sum_all"] = a.sum()
    out["sum_dim"] = a.sum(dim=1, keepdim=True)
    out["mean"] = b.mean(dim=0)
    out["matmul"] = a @ w
    out["mm_t"] = E.mm(a, b.t())
    out["transpose"] = a.transpose(0, 1) * 1.0
    out["reshape"] = a.reshape(3, 2) + 0.0
    out["broadcast"] = a + E.tensor([1.0, 2.0, 3.0], dtype=E.float64)
    loss = ((a @ w).exp().sum() + (a * b).pow(2).mean() + (b / (a * a + 1.0)).sum())
    loss.backward()
    out["a.grad"] = a.grad
    out["b.grad"] = b.grad
    out["w.grad"] = w.grad
    (ga,) = E.autograd.grad((a * a * b).sum(), (a,), create_graph=True)
    (gga,) = E.autograd.grad(ga.sum(), (a,))
    out["grad"] = ga
    out["gradgrad"] = gga
    return {k: backend.to_numpy(v.detach().array).copy() for k, v in out.items()}


@pytest.fixture
def counting_cpu(monkeypatch):
    """Points the backend's "cpu" entry at a counting proxy of numpy for the test."""
    table = backend._MODULES
    assert table["cpu"] is numpy  # the lookup we redirect is the one ops use
    proxy = CountingModule(numpy)
    monkeypatch.setitem(table, "cpu", proxy)
    return proxy


def test_second_array_module_serves_every_op(counting_cpu):
    plain = _suite_without_proxy()
    counts = object.__getattribute__(counting_cpu, "_counts")
    counts.clear()
    redirected = _suite()
    assert backend.array_module("cpu") is counting_cpu
    assert set(redirected) == set(plain)
    for k in plain:
        numpy.testing.assert_array_equal(redirected[k], plain[k], err_msg=k)
    assert sum(counts.values()) > 0, "the ops never asked the backend's array module for anything"
    # array math of each family went through the proxy
    called = {k[:-2] for k in counts if k.endswith("()")}
    for name in ("add", "multiply", "power", "exp", "log", "sum", "matmul"):
        assert name in called, (name, sorted(called))


def _suite_without_proxy():
    real = backend._MODULES["cpu"]
    backend._MODULES["cpu"] = numpy
    try:
        return _suite()
    finally:
        backend._MODULES["cpu"] = real


def test_tensor_xp_is_the_lookup(counting_cpu):
    t = E.tensor([1.0, 2.0])
    assert t.xp is counting_cpu
    assert backend.xp_of(t) is counting_cpu


def test_proxy_is_a_faithful_stand_in():
    counts = collections.Counter()
    proxy = CountingModule(numpy, counts)
    x = proxy.arange(6).reshape(2, 3)
    plain = numpy.arange(6).reshape(2, 3)
    numpy.testing.assert_array_equal(proxy.matmul(x, x.T), plain @ plain.T)
    assert proxy.add.reduce([1, 2, 3]) == 6  # ufunc attributes still work
    assert isinstance(x, proxy.ndarray)
    assert proxy.linalg.norm(proxy.asarray([3.0, 4.0])) == 5.0
    assert counts["arange()"] == 1 and counts["matmul()"] == 1 and counts["linalg.norm()"] == 1
