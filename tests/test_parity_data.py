"""torch.utils.data (datasets, samplers, collation, DataLoader) and Module.get_parameter/get_buffer against
torch, through the client (embedded and remote server)."""
from __future__ import annotations

import pytest

from test_parity_api import same_as_torch

pytestmark = pytest.mark.timeout(120)

SETUP = """
    data = torch.utils.data
    x = torch.arange(10.).reshape(5, 2)
    y = torch.arange(5)
    ds = data.TensorDataset(x, y)
"""


@pytest.mark.parametrize("code", [
    "print(ds[1], len(ds), ds.tensors[0].shape, ds[1:3])",
    "dl = data.DataLoader(ds, batch_size=2); print(len(dl), list(dl), dl.batch_size, dl.drop_last)",
    "print(list(data.DataLoader(ds, batch_size=2, drop_last=True)), len(data.DataLoader(ds, batch_size=2, drop_last=True)))",
    "print(next(iter(data.DataLoader(ds, batch_size=None))), data.DataLoader(ds, batch_size=None).batch_size)",
    "print(list(data.DataLoader(ds, batch_size=3, sampler=[4, 0, 2, 1])))",
    "print(list(data.DataLoader(ds, batch_sampler=[[0, 4], [1]])))",
    "print(list(data.DataLoader(ds, batch_size=2, collate_fn=lambda b: len(b))))",
    "print(data.default_collate([(1, 2.0, 'a', {'k': torch.ones(2)}), (3, 4.0, 'b', {'k': torch.zeros(2)})]))",
    "print(data.default_collate([[1, 2], [3, 4]]), data.default_collate([True, False]))",
    "import numpy as np; print(data.default_collate([np.ones(2), np.zeros(2)]), data.default_convert(np.ones(2)))",
    "a, b = data.random_split(ds, [3, 2]); print(type(a).__name__, len(a), len(b), sorted(a.indices + b.indices))",
    "a, b = data.random_split(ds, [0.6, 0.4]); print(len(a), len(b))",
    "c = data.ConcatDataset([ds, ds]); print(len(c), c[7], c[-1], c.cumulative_sizes, len(ds + ds))",
    "print(data.Subset(ds, [0, 2])[1], len(data.Subset(ds, [0, 2])))",
    "print(list(data.BatchSampler(data.SequentialSampler(range(5)), 2, False)), len(data.BatchSampler(range(5), 2, True)))",
    "print(sorted(data.RandomSampler(range(6))), len(data.RandomSampler(range(6), num_samples=4)))",
    "print(sorted(data.SubsetRandomSampler([3, 5, 7])), sorted(torch.cat([b for _, b in data.DataLoader(ds, 2, shuffle=True)]).tolist()))",
    "data.TensorDataset(x, torch.arange(4))",
    "data.random_split(ds, [3, 3])",
    "data.DataLoader(ds, batch_size=2, shuffle=True, sampler=range(5))",
    "data.DataLoader(ds, batch_size=2, batch_sampler=[[0]])",
    "data.DataLoader(ds, batch_size=None, drop_last=True)",
    "data.DataLoader(ds, num_workers=-1)",
    "data.BatchSampler(range(3), 0, False)",
    "data.RandomSampler(range(3), num_samples=0)",
    "data.default_collate([[1, 2], [3]])",
])
def test_data_loading_matches_torch(gw, code):
    same_as_torch(gw, SETUP + "    " + code)


def test_custom_and_iterable_datasets(gw):
    out = same_as_torch(gw, """
        data = torch.utils.data
        class D(data.Dataset):
            def __len__(self):
                return 3
            def __getitem__(self, i):
                return {"a": torch.tensor([i, i]), "b": i, "c": float(i) / 2}
        print(list(data.DataLoader(D(), batch_size=2)))
        class It(data.IterableDataset):
            def __iter__(self):
                return iter(range(7))
        print(list(data.DataLoader(It(), batch_size=3)), list(data.DataLoader(It(), batch_size=3, drop_last=True)))
        print(list(data.DataLoader(It(), batch_size=None))[:2])
        try:
            data.DataLoader(It(), shuffle=True)
        except ValueError as e:
            print(e)
    """)
    assert "'b': tensor([0, 1])" in out


def test_a_training_loop_over_a_data_loader(gw):
    # no torch needed: SGD over shuffled batches of noiseless data reaches the exact weights
    torch = gw
    torch.manual_seed(0)
    t = torch.linspace(-1, 1, 32)
    x = torch.stack([t, torch.cos(3 * t)], 1)
    y = x @ torch.tensor([[2.0], [-3.0]]) + 0.5
    model = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=8, shuffle=True)
    assert len(loader) == 4
    for _ in range(60):
        for xb, yb in loader:
            assert tuple(xb.shape) == (8, 2)
            opt.zero_grad()
            torch.nn.functional.mse_loss(model(xb), yb).backward()
            opt.step()
    assert model.weight.detach().tolist() == [[pytest.approx(2.0, abs=1e-3), pytest.approx(-3.0, abs=1e-3)]]
    assert model.bias.item() == pytest.approx(0.5, abs=1e-3)


@pytest.mark.parametrize("code", [
    "print(m.get_parameter('0.weight').shape, m.get_buffer('b'), m.get_submodule('0') is m[0])",
    "m.get_parameter('0.nope')",
    "m.get_parameter('1.weight')",
    "m.get_buffer('0.weight')",
    "m.get_parameter('b')",
    "m.get_submodule('0.weight')",
])
def test_module_get_parameter_and_get_buffer(gw, code):
    same_as_torch(gw, f"""
m = nn.Sequential(nn.Linear(2, 2))
m.register_buffer('b', torch.zeros(1))
{code}
""")


def test_submodule_paths(gw):
    out = same_as_torch(gw, """
        print(torch.utils.data.dataloader.default_collate([{"a": torch.tensor(1.), "b": [1, 2]},
                                                           {"a": torch.tensor(2.), "b": [3, 4]}]))
        print(torch.utils.data.dataset.TensorDataset(torch.arange(3))[1])
        print(list(torch.utils.data.sampler.BatchSampler(range(5), 2, False)))
        print(torch.utils.data.dataloader.DataLoader is torch.utils.data.DataLoader)
    """)
    assert "{'a': tensor([1., 2.]), 'b': [tensor([1, 3]), tensor([2, 4])]}" in out
    from gradwire.utils.data.dataset import Dataset   # the submodules are importable by name too
    assert Dataset is gw.utils.data.Dataset


def test_worker_options_without_workers(gw):
    out = same_as_torch(gw, """
        ds = torch.utils.data.TensorDataset(torch.arange(10.))
        for kwargs in ({"persistent_workers": True}, {"prefetch_factor": 2}):
            try:
                torch.utils.data.DataLoader(ds, batch_size=3, num_workers=0, **kwargs)
            except ValueError as e:
                print("ValueError", e)
    """)
    assert "ValueError persistent_workers option needs num_workers > 0" in out
    # With workers asked for, gradwire's loader runs in this process (torch's would fork, which a process
    # holding gRPC's threads must not do in a test): the batches are the same.
    ds = gw.utils.data.TensorDataset(gw.arange(10.))
    loader = gw.utils.data.DataLoader(ds, batch_size=4, num_workers=2, persistent_workers=True, prefetch_factor=3)
    assert [b[0].tolist() for b in loader] == [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0]]
