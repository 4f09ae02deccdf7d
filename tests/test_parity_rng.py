"""A seed gives torch's numbers: the CPU generator is torch's mt19937 with its kernels' transformations
(engine/streams.py), so seeded draws, module initializations, samplers, dropout masks and distribution samples
equal a seeded torch process's, and get_rng_state is torch's 5056-byte state."""
from __future__ import annotations

import pytest

from tests.test_parity_api import same_as_torch, same_as_torch_without_errors

pytestmark = pytest.mark.timeout(120)


def test_seeded_creation_draws(gw):
    out = same_as_torch_without_errors(gw, """
        torch.manual_seed(0)
        print(torch.rand(3), torch.randn(2, 2))
        torch.manual_seed(0)
        print(torch.randn(5, dtype=torch.float64), torch.randn(1))
        torch.manual_seed(0)
        x = torch.randn(37)                       # blocks of 16 and the redrawn last 16
        print(x[:3], x[-3:], torch.randn(33, dtype=torch.float64)[-2:])
        torch.manual_seed(1)
        print(torch.randint(0, 100, (5,)), torch.randperm(12), torch.rand(3, dtype=torch.float16),
              torch.rand(3, dtype=torch.bfloat16), torch.randint(0, 2**40, (2,)), torch.randint(-5, 5, (4,), dtype=torch.int8))
        print(torch.empty(3, dtype=torch.int32).random_(), torch.empty(3).random_(10), torch.empty(4, dtype=torch.bool).random_(),
              torch.empty(2, dtype=torch.int64).random_())
        print(torch.empty(4).uniform_(-0.5, 0.7), torch.empty(3, 5).normal_(2, 3)[0], torch.randn(2, dtype=torch.cfloat))
        # float16 and bfloat16 draw their blocks of 16 as they go
        print(torch.randn(17, dtype=torch.float16)[:3], torch.randn(40, dtype=torch.bfloat16)[-3:],
              torch.empty(33, dtype=torch.float16).normal_(2, 3)[-3:], torch.empty(64).normal_(-1.5, 0.3)[-2:])
        print(torch.rand(3, generator=torch.Generator()))   # an unseeded generator: torch's default seed
        g = torch.Generator().manual_seed(42)
        print(torch.randn(3, generator=g), torch.randperm(5, generator=g))
    """)
    assert "tensor([0.4963, 0.7682, 0.0885]) tensor([[0.3643, 0.1344],\n        [0.1642, 0.3058]])" in out
    assert "tensor([ 1.5410, -0.2934, -2.1788,  0.5684, -1.0845], dtype=torch.float64) tensor([-1.3986])" in out
    assert "tensor([-1.1258, -1.1524, -0.2506])" in out
    assert "tensor([0.3367, 0.1288, 0.2345]) tensor([0, 2, 3, 1, 4])" in out


def test_module_initializations(gw):
    out = same_as_torch_without_errors(gw, """
        torch.manual_seed(0)
        m = torch.nn.Linear(2, 2)
        print(m.weight, m.bias)
        print(torch.nn.Conv2d(2, 3, 3).bias, torch.nn.Embedding(5, 3).weight[0])
        x = torch.empty(3, 5)
        torch.nn.init.xavier_normal_(x); print(x[0])
        torch.nn.init.trunc_normal_(x); print(x[0])
        torch.nn.init.trunc_normal_(x, a=0.5, b=0.8); print(x[0])                 # the uniform-and-accept branch
        torch.nn.init.trunc_normal_(x, mean=1., std=0.1, a=0.5, b=0.8); print(x[0])
        torch.nn.init.kaiming_normal_(x); print(x[0])
        torch.nn.init.orthogonal_(x); print(x[0])
    """)
    assert "tensor([[-0.0053,  0.3793],\n        [-0.5820, -0.5204]], requires_grad=True)" in out
    assert "tensor([-0.2723,  0.1896], requires_grad=True)" in out


def test_fills_and_samplers(gw):
    out = same_as_torch_without_errors(gw, """
        torch.manual_seed(3)
        print(torch.nn.functional.dropout(torch.ones(12), 0.4))
        print(torch.empty(6).exponential_(), torch.empty(6).geometric_(0.2), torch.empty(6).cauchy_(),
              torch.empty(6).log_normal_())
        print(torch.multinomial(torch.tensor([0.1, 0.2, 0.7]), 5, replacement=True),
              torch.multinomial(torch.tensor([[0.1, 0.2, 0.3, 0.4]]), 3))
        print(torch.poisson(torch.tensor([1.0, 5.0, 20.0, 100.])), torch.normal(torch.zeros(3), torch.ones(3) * 2),
              torch.normal(2.0, 3.0, (3,)))
        print(torch.bernoulli(torch.full((8,), 0.5)), torch.empty(8).bernoulli_(0.3),
              torch.binomial(torch.tensor([5., 50., 500.]), torch.tensor([0.5, 0.2, 0.7])))
        print(torch.nn.functional.gumbel_softmax(torch.zeros(4)), torch.nn.functional.rrelu(-torch.ones(4), training=True))
        print(torch.nn.functional.dropout2d(torch.ones(1, 4, 2, 2), 0.5).flatten(),
              torch.nn.functional.alpha_dropout(torch.ones(5), 0.5, True))
        lstm = torch.nn.LSTM(2, 3, num_layers=2, dropout=0.5)   # dropout between the layers while training
        print(lstm(torch.ones(2, 3, 2))[0][1])
    """)
    assert "tensor([1.6667, 1.6667, 0.0000, 1.6667, 0.0000, 0.0000, 1.6667, 1.6667, 1.6667,\n        0.0000, 1.6667, 1.6667])" in out
    assert "tensor([1, 2, 2, 2, 2]) tensor([[3, 1, 2]])" in out


def test_data_loading_orders(gw):
    out = same_as_torch_without_errors(gw, """
        torch.manual_seed(0)
        ds = torch.utils.data.TensorDataset(torch.arange(10.))
        for _ in range(2):
            print([b[0].tolist() for b in torch.utils.data.DataLoader(ds, batch_size=4, shuffle=True)])
        print([list(s) for s in torch.utils.data.random_split(range(10), [0.3, 0.7])])
        print(list(torch.utils.data.RandomSampler(range(5), replacement=True, num_samples=40)))
        g = torch.Generator().manual_seed(3)
        print([b[0].tolist() for b in torch.utils.data.DataLoader(ds, batch_size=4, shuffle=True, generator=g)])
        print(list(torch.utils.data.SubsetRandomSampler([5, 6, 7, 8])),
              list(torch.utils.data.WeightedRandomSampler([0.1, 0.9, 0.4], 5)))
    """)
    assert out.startswith("[[6.0, 7.0, 1.0, 4.0], [2.0, 0.0, 9.0, 8.0], [3.0, 5.0]]\n")


def test_distribution_samples(gw):
    out = same_as_torch_without_errors(gw, """
        torch.manual_seed(0)
        D = torch.distributions
        d = D.Normal(torch.tensor([0., 1.]), torch.tensor([1., 2.]))
        print(d.sample(), d.rsample((2,)), D.Categorical(torch.tensor([0.2, 0.3, 0.5])).sample((6,)))
        print(D.Bernoulli(torch.tensor([0.2, 0.8])).sample((3,)), D.Uniform(0., 2.).sample((3,)),
              D.Exponential(torch.tensor([1.0])).sample((3,)), D.MultivariateNormal(torch.zeros(2), torch.eye(2)).sample())
        print(D.Poisson(torch.tensor([4.0, 30.])).sample((3,)), D.Laplace(0., 1.).sample((3,)), D.Gumbel(0., 1.).sample((2,)),
              D.Cauchy(0., 1.).sample((2,)), D.Geometric(torch.tensor([0.3])).sample((3,)), D.LogNormal(0., 1.).sample((2,)))
        print(D.Gamma(torch.tensor([2.0, 0.3]), torch.tensor([1.0, 2.])).sample((3,)), D.Beta(torch.tensor([2.0]), torch.tensor([1.0])).sample((3,)),
              D.Dirichlet(torch.tensor([2.0, 1., 0.5])).sample((2,)), D.Chi2(torch.tensor([3.0])).sample((2,)),
              D.StudentT(torch.tensor([3.0])).sample((2,)))
        print(D.Binomial(10, torch.tensor([0.3, 0.9])).sample((3,)), D.Binomial(100, torch.tensor([0.3, 0.9])).sample((2,)),
              D.NegativeBinomial(3., 0.4).sample((3,)), D.VonMises(0., 1.).sample((3,)), D.OneHotCategorical(torch.tensor([0.2, 0.8])).sample((2,)))
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch 2.13's Wishart flags the samples that pass its check, and redraws
            print(D.Wishart(torch.tensor(3.), torch.eye(2)).sample(), D.LKJCholesky(3, 0.5).sample())
        print(D.LowRankMultivariateNormal(torch.zeros(2), torch.ones(2, 1), torch.ones(2)).sample((2,)),
              D.FisherSnedecor(torch.tensor(3.), torch.tensor(4.)).sample((2,)), D.Kumaraswamy(torch.tensor(2.), torch.tensor(3.)).rsample((2,)),
              D.MixtureSameFamily(D.Categorical(torch.tensor([0.3, 0.7])), D.Normal(torch.tensor([0., 5.]), torch.tensor([1., 1.]))).sample((3,)),
              D.Multinomial(10, torch.tensor([0.2, 0.3, 0.5])).sample((2,)), D.Dirichlet(torch.tensor([0.5, 0.5])).rsample((2,)))
    """)
    assert "tensor([1.5410, 0.4131])" in out


def test_rng_state_is_torchs(gw):
    out = same_as_torch_without_errors(gw, """
        torch.manual_seed(5)
        s = torch.get_rng_state()
        print(s.shape, s[:24].tolist(), s[-16:].tolist())
        torch.randn(3)                    # an odd count of small-draw normals leaves one cached
        s = torch.get_rng_state()
        print(s[:24].tolist(), s[5024:].tolist(), int(s.sum()))
        a = torch.randn(3)
        torch.set_rng_state(s)
        print(torch.equal(torch.randn(3), a))
        g = torch.Generator().manual_seed(9)
        g.set_state(s)
        print(torch.equal(torch.randn(3, generator=g), a), g.initial_seed())
    """)
    assert out.startswith("torch.Size([5056]) [5, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]")
    assert "True\nTrue 5\n" in out


def test_rng_state_bytes_load_into_torch(gw):
    """A state taken from gradwire is a state torch takes, and the draws continue the same."""
    torch = pytest.importorskip("torch")
    gw.manual_seed(11)
    gw.randn(7)
    state = gw.get_rng_state().tolist()
    ours = gw.rand(4).tolist()
    torch.set_rng_state(torch.tensor(state, dtype=torch.uint8))
    assert torch.rand(4).tolist() == ours
    same_as_torch(gw, "print(1)")  # the session still serves


def test_fills_of_strided_tensors_draw_in_memory_order(gw):
    out = same_as_torch_without_errors(gw, """
        torch.manual_seed(0)
        x = torch.empty(4, 5).t()
        print(x.uniform_()[0])
        print(x.normal_()[:, 0])             # not contiguous: one double-precision normal per element
        x.bernoulli_(torch.full((4,), 0.5)); print(x[1])
        print(x.exponential_()[2], x.random_(5)[3])
        y = torch.empty(4, 6)[:, ::2]
        print(y.normal_()[0], y.bernoulli_(0.5)[1])
        print(torch.empty(2, 3, 4).permute(2, 0, 1).uniform_()[0])
    """)
    assert out.startswith("tensor([0.4963, 0.6341, 0.3489, 0.5185])\n")


def test_vmap_randomness_modes(gw):
    out = same_as_torch_without_errors(gw, """
        for f in (lambda x: torch.randn(2), lambda x: x + torch.rand(1), lambda x: torch.nn.functional.dropout(x, 0.5),
                  lambda x: x.bernoulli(), lambda x: torch.empty(2).normal_()):
            try:
                torch.func.vmap(f)(torch.ones(3))
                print("no error")
            except RuntimeError as e:
                print(e)
        print(torch.func.vmap(lambda x: torch.nn.functional.dropout(x, 0.5, training=False))(torch.ones(3)))
        torch.manual_seed(0)
        print(torch.func.vmap(lambda x: x + torch.randn(2), randomness="same")(torch.zeros(3, 2)))
        torch.manual_seed(0)
        print(torch.func.vmap(lambda x: x + torch.randn(2), randomness="different")(torch.zeros(3, 2)), torch.randn(2))
    """)
    assert out.startswith("vmap: called random operation while in randomness error mode.")
    assert "no error" not in out
