"""Type promotion, creation dtypes, generators, the op registry and the engine's import rules."""
import ast
import itertools
import pathlib
import sys
import threading

import numpy as np
import pytest

import gradwire.engine as E

pytestmark = pytest.mark.timeout(60)

ENGINE_DIR = pathlib.Path(E.__file__).parent

DTYPES = ["bool", "int32", "int64", "float16", "float32", "float64"]
SCALARS = [True, 2, 2.5]


def _make(m, name, ndim):
    dt = getattr(m, name)
    return m.ones(*([2] * ndim), dtype=dt) if ndim else m.ones((), dtype=dt)


def _operands(m):
    out = [_make(m, d, nd) for d in DTYPES for nd in (0, 1)]
    return out + SCALARS


@pytest.mark.parametrize("op", ["add", "mul", "div", "sub"])
def test_promotion_matches_torch(op):
    torch = pytest.importorskip("torch")
    t_ops, g_ops = _operands(torch), _operands(E)
    checked = 0
    for (ta, ga), (tb, gb) in itertools.product(zip(t_ops, g_ops), repeat=2):
        if not (isinstance(ga, E.Tensor) or isinstance(gb, E.Tensor)):
            continue
        try:
            t_res = getattr(torch, op)(ta, tb) if isinstance(ta, torch.Tensor) else getattr(torch, op)(tb, ta)
        except Exception as exc:  # noqa: BLE001 - torch refuses (e.g. bool - bool): so must we
            with pytest.raises(type(exc)):
                getattr(E, op)(ga, gb) if isinstance(ga, E.Tensor) else getattr(E, op)(gb, ga)
            continue
        g_res = getattr(E, op)(ga, gb) if isinstance(ga, E.Tensor) else getattr(E, op)(gb, ga)
        assert g_res.dtype.name == str(t_res.dtype).replace("torch.", ""), (op, ta, tb)
        assert g_res.array.dtype == g_res.dtype.numpy
        assert g_res.shape == tuple(t_res.shape)
        np.testing.assert_allclose(g_res.numpy().astype(np.float64), t_res.double().numpy(), rtol=1e-3)
        checked += 1
    assert checked > 100


@pytest.mark.parametrize("a,b,expected", [
    ((E.int64, 1), 2.5, "float32"), ((E.int32, 1), 3, "int32"), ((E.float16, 1), (E.float64, 0), "float16"),
    ((E.int64, 1), (E.float64, 0), "float64"), ((E.bool_, 1), 1, "int64"), ((E.float32, 1), (E.float64, 1), "float64"),
    ((E.int32, 1), (E.int64, 0), "int32"), ((E.bool_, 1), True, "bool"),
])
def test_promotion_table(a, b, expected):
    ta = E.ones(2, dtype=a[0]) if a[1] else E.ones((), dtype=a[0])
    tb = b if not isinstance(b, tuple) else (E.ones(2, dtype=b[0]) if b[1] else E.ones((), dtype=b[0]))
    out = ta * tb
    assert out.dtype.name == expected and out.array.dtype == out.dtype.numpy
    assert E.result_type(ta, tb).name == expected


def test_division_and_reduction_dtypes():
    assert (E.tensor([1, 2]) / E.tensor([2, 2])).dtype is E.float32
    assert (E.tensor([1, 2]) / 2).tolist() == [0.5, 1.0]
    assert E.tensor([True, True]).sum().dtype is E.int64
    assert E.tensor([1, 2], dtype=E.int32).sum().dtype is E.int64
    assert E.tensor([1, 2]).mean(dtype=E.float64).item() == 1.5
    assert E.tensor([1, 2]).exp().dtype is E.float32
    assert (E.tensor([2]) ** 2).dtype is E.int64 and (E.tensor([2]) ** 0.5).dtype is E.float32


def test_creation_dtypes():
    assert E.tensor([1.0, 2.0]).dtype is E.float32
    assert E.tensor([1, 2]).dtype is E.int64
    assert E.tensor([True, False]).dtype is E.bool_
    assert E.tensor([1, 2.5]).dtype is E.float32
    assert E.tensor(3).dtype is E.int64 and E.tensor(3).shape == ()
    assert E.tensor(np.array([1.0, 2.0])).dtype is E.float64
    assert E.tensor(np.array([1, 2], dtype=np.int32)).dtype is E.int32
    assert E.tensor([[1, 2], [3, 4]], dtype=E.float64).dtype is E.float64
    arr = np.arange(3.0)
    shared = E.from_numpy(arr)
    copied = E.tensor(arr)
    arr[0] = 7
    assert shared.tolist()[0] == 7 and copied.tolist()[0] == 0
    assert E.zeros(2, 3).shape == (2, 3) and E.zeros((2, 3)).dtype is E.float32
    assert E.ones([2]).tolist() == [1.0, 1.0]
    z = E.zeros_like(E.ones(2, dtype=E.float64), requires_grad=True)
    assert z.dtype is E.float64 and z.requires_grad and z.is_leaf
    assert E.ones_like(E.ones(2), dtype=E.int64).dtype is E.int64
    assert E.randn(2, 3).dtype is E.float32 and E.randn(2, dtype=E.float64).dtype is E.float64


def test_tensor_metadata_and_methods():
    t = E.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert t.shape == (2, 3) and t.size() == (2, 3) and t.size(1) == 3 and t.size(-2) == 2
    assert t.ndim == 2 and t.dim() == 2 and t.numel() == 6 and t.device == "cpu"
    assert t.is_leaf and t.grad is None and t.grad_fn is None
    assert t.sum().item() == 21.0
    assert t.detach().numpy().tolist() == t.tolist()
    c = t.clone()
    assert c.grad_fn.name() == "CloneBackward0" and c.array is not t.array
    assert repr(E.tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
    assert repr(t * 1).endswith("grad_fn=<MulBackward0>)")


def test_generators_are_independent_and_reproducible():
    g1, g2 = E.Generator(), E.Generator()
    g1.manual_seed(7)
    g2.manual_seed(7)
    a = E.randn(5, generator=g1)
    E.randn(3, generator=g1)
    b = E.randn(5, generator=g2)
    assert a.tolist() == b.tolist()
    s1, s2 = E.Generator(), E.Generator()
    with E.use_generator(s1):
        E.manual_seed(3)
        x = E.randn(4)
    with E.use_generator(s2):
        E.manual_seed(3)
        E.randn(10)  # a different draw count in the other session
    with E.use_generator(s1):
        y = E.randn(4)
    s3 = E.Generator().manual_seed(3)
    ref = E.randn(8, generator=s3).tolist()
    assert x.tolist() + y.tolist() == ref
    assert E.current_generator() is E.default_generator


def test_use_generator_is_thread_local():
    gen = E.Generator().manual_seed(1)
    seen = {}

    def worker():
        seen["gen"] = E.current_generator()

    with E.use_generator(gen):
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert seen["gen"] is E.default_generator


def test_module_manual_seed_reproducible():
    E.manual_seed(0)
    a = E.randn(3).tolist()
    E.manual_seed(0)
    assert E.randn(3).tolist() == a


def test_registry_names_and_dispatch():
    expected = {"add", "sub", "rsub", "mul", "div", "neg", "pow", "sum", "mean", "matmul", "exp", "log", "tensor",
                "from_numpy", "zeros", "ones", "zeros_like", "ones_like", "randn", "manual_seed", "detach", "clone",
                "zero_", "backward", "requires_grad_", "reshape", "view", "expand", "t", "transpose"}
    assert expected <= set(E.OPS)
    x = E.OPS["tensor"]([1.0, 2.0], requires_grad=True)
    y = E.OPS["sum"](E.OPS["mul"](x, x))
    assert y.grad_fn.name() == "SumBackward0"
    assert E.OPS["backward"](y) is None
    assert E.OPS["grad_of"](x).tolist() == [2.0, 4.0]
    assert E.OPS["rsub"](x, 1).tolist() == [0.0, -1.0]
    assert E.OPS.get("no_such_op") is None
    with pytest.raises(ValueError):
        E.OPS.register("add", E.add)
    with E.set_grad_enabled(False):
        assert not E.OPS["mul"](x, 2).requires_grad


def _imports(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module


def test_engine_never_imports_torch_or_grpc_and_ops_never_numpy():
    for path in ENGINE_DIR.rglob("*.py"):
        mods = set(_imports(path))
        assert not any(m.split(".")[0] in ("torch", "grpc") for m in mods), path
        if path.name not in ("backend.py", "streams.py"):  # the array module's home, and the CPU generator
            assert "numpy" not in mods, f"{path} imports numpy; use the tensor's array module"
    assert "torch" not in sys.modules or True  # torch may be loaded by other tests; the import scan is the check
