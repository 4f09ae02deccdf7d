"""torch.compiler, torch.version, torch.GradScaler and torch.nn.DataParallel (no CUDA devices: it runs its
module as it is) as torch gives them."""
from __future__ import annotations

import pytest

from tests.test_parity_api import same_as_torch_without_errors

pytestmark = pytest.mark.timeout(120)


def test_data_parallel_without_cuda_devices(gw):
    out = same_as_torch_without_errors(gw, """
        torch.manual_seed(0)
        m = torch.nn.DataParallel(torch.nn.Linear(2, 1))
        print(repr(m), list(m.state_dict()), m.device_ids, m.module.__class__.__name__)
        print(m(torch.ones(3, 2)))
        for bad in (lambda: torch.nn.parallel.data_parallel(m.module, torch.ones(1, 2)), lambda: m.in_features,
                    lambda: torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(2, 1))):
            try:
                bad()
            except Exception as e:
                print(type(e).__name__, e)
        opt = torch.optim.SGD(m.parameters(), lr=0.1)
        m(torch.ones(3, 2)).sum().backward(); opt.step(); print(m.module.bias)
    """)
    assert "['module.weight', 'module.bias'] [] Linear" in out
    assert "RuntimeError device type could not be determined" in out
    assert "tensor([-0.8820], requires_grad=True)" in out


@pytest.fixture
def torch_validation_restored():
    """torch.compile of a module loads torch._dynamo, which turns torch's distribution validation off for the
    whole process: put it back for the tests that run after this one."""
    yield
    torch = pytest.importorskip("torch")
    torch.distributions.Distribution.set_default_validate_args(True)


def test_compiler_version_and_grad_scaler(gw, torch_validation_restored):
    out = same_as_torch_without_errors(gw, """
        print(torch.compiler.is_compiling(), torch.compiler.is_dynamo_compiling(), torch.compiler.disable(len) is len)
        @torch.compiler.disable
        def f(x):
            return x + 1
        @torch.compiler.disable(recursive=False)
        def g(x):
            return x * 2
        print(f(1), g(2), f.__name__, torch.GradScaler is torch.amp.GradScaler)
        print(torch.version.cuda, torch.version.hip, torch.version.debug, torch.version.__version__.split(".")[0])
        with torch.compiler.set_stance("force_eager"):
            print(torch.compiler.compile(torch.nn.Linear(1, 1)).__class__.__name__)
    """)
    assert out == "False False False\n2 4 f True\nNone None False 2\nOptimizedModule\n"


def test_cuda_queries_without_devices(gw):
    out = same_as_torch_without_errors(gw, """
        import warnings
        warnings.simplefilter("ignore")
        names = ['empty_cache', 'get_device_name', 'is_initialized', 'init', 'get_rng_state', 'get_rng_state_all',
                 'set_rng_state', 'set_rng_state_all', 'initial_seed', 'seed', 'seed_all', 'is_bf16_supported',
                 'memory_reserved', 'max_memory_allocated', 'max_memory_reserved', 'memory_stats', 'get_arch_list',
                 'is_tf32_supported', 'current_stream', 'default_stream', 'memory_cached', 'memory_allocated']
        for n in names:
            f = getattr(torch.cuda, n)
            try:
                r = f(torch.zeros(16, dtype=torch.uint8)) if n == 'set_rng_state' else f([]) if n == 'set_rng_state_all' else f()
                print(n, "->", r)
            except Exception as e:
                print(n, "!", type(e).__name__, e)
        for c in (torch.cuda.Stream, torch.cuda.Event):
            try:
                c()
            except Exception as e:
                print("!", type(e).__name__, e)
    """)
    assert "get_device_name ! AssertionError Torch not compiled with CUDA enabled" in out
    assert "empty_cache -> None" in out and "memory_allocated -> 0" in out
