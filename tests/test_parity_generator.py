"""torch.Generator through the client against PyTorch: generators are streams of their own on the server,
seeded like torch's; ``generator=`` reaches every random op, nn.init, random_split and the DataLoader's
shuffling. Values differ from torch's (numpy streams), so the snippets print what must agree: equalities,
seeds, errors, ranges."""
import pytest

from test_parity_api import same_as_torch

pytestmark = pytest.mark.timeout(120)


def test_seeds_and_their_errors(gw):
    out = same_as_torch(gw, """
        g = torch.Generator()
        print(g, g.device, g.initial_seed(), type(g).__name__)
        print(g.manual_seed(42) is g, g.initial_seed())
        for s in [2**64 - 1, -1, -2**63, 0, 7]:
            print(g.manual_seed(s).initial_seed())
        for bad in ["a", 1.5, 2**64, -2**63 - 1, True, None]:
            try:
                g.manual_seed(bad)
            except Exception as e:
                print(type(e).__name__, e)
        print(g.initial_seed())
        print(torch.manual_seed(3) is torch.default_generator, torch.initial_seed(), torch.default_generator.device)
        print(torch.manual_seed(True).initial_seed(), torch.manual_seed(2.7).initial_seed(),
              torch.manual_seed(-1).initial_seed())
        for bad in ["a", 2**64, None]:
            try:
                torch.manual_seed(bad)
            except Exception as e:
                print(type(e).__name__, e)
        s = torch.seed()
        print(type(s).__name__, s == torch.initial_seed(), 0 <= s < 2**64)
        s = g.seed()
        print(type(s).__name__, s == g.initial_seed())
        print(torch.Generator(device="cpu").device, torch.Generator(torch.device("cpu")).initial_seed())
    """)
    assert "18446744073709551615\n18446744073709551615\n9223372036854775808\n0\n7\n" in out
    assert "RuntimeError manual_seed expected a long, but got str" in out
    assert "<torch._C.Generator object at 0x?> cpu 67280421310721 Generator" in out


RANDOM_OPS = {
    "randn": "torch.randn(2, 3, generator=g)",
    "rand": "torch.rand(4, generator=g, dtype=torch.float64)",
    "randint": "torch.randint(0, 10, (5,), generator=g)",
    "randint_high": "torch.randint(10, (5,), generator=g)",
    "randperm": "torch.randperm(7, generator=g)",
    "normal": "torch.normal(2., 3., (3,), generator=g)",
    "randn_like": "torch.randn_like(torch.ones(2), generator=g)",
    "rand_like": "torch.rand_like(torch.ones(2), generator=g)",
    "normal_": "torch.empty(3).normal_(1, 2, generator=g)",
    "uniform_": "torch.empty(3).uniform_(-1, 1, generator=g)",
    "random_": "torch.empty(3).random_(generator=g)",
    "random_to": "torch.empty(3, dtype=torch.int64).random_(5, generator=g)",
    "random_from_to": "torch.empty(3).random_(2, 9, generator=g)",
    "bernoulli": "torch.bernoulli(torch.full((30,), 0.5), generator=g)",
    "bernoulli_p": "torch.bernoulli(torch.ones(30), 0.5, generator=g)",
    "Tensor.bernoulli": "torch.full((30,), 0.5).bernoulli(generator=g)",
    "bernoulli_": "torch.empty(30).bernoulli_(0.4, generator=g)",
    "bernoulli_tensor_p": "torch.empty(30).bernoulli_(torch.full((30,), 0.5), generator=g)",
    "multinomial": "torch.multinomial(torch.ones(20), 10, generator=g)",
    "multinomial_replacement": "torch.tensor([1., 2., 3., 4.]).multinomial(30, True, generator=g)",
    "init.normal_": "nn.init.normal_(torch.empty(2), generator=g)",
    "init.uniform_": "nn.init.uniform_(torch.empty(2), generator=g)",
    "init.kaiming_uniform_": "nn.init.kaiming_uniform_(torch.empty(2, 3), generator=g)",
    "init.kaiming_normal_": "nn.init.kaiming_normal_(torch.empty(2, 3), generator=g)",
    "init.xavier_uniform_": "nn.init.xavier_uniform_(torch.empty(2, 3), generator=g)",
    "init.xavier_normal_": "nn.init.xavier_normal_(torch.empty(2, 3), generator=g)",
}


@pytest.mark.parametrize("name", list(RANDOM_OPS))
def test_each_random_op_draws_from_the_generator_given(gw, name):
    out = same_as_torch(gw, f"""
        def draw(g):
            return {RANDOM_OPS[name]}
        a, b = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
        torch.manual_seed(1)
        first = draw(a)
        plain = draw(None)       # the default generator: leaves a and b alone
        other = draw(torch.Generator().manual_seed(6))
        second = draw(b)
        print(torch.equal(first, second), torch.equal(first, other), first.dtype, first.shape)
        torch.manual_seed(1)
        print(torch.equal(draw(torch.default_generator), plain), torch.equal(draw(a), first))
    """)
    assert out.splitlines()[0].startswith("True False") and out.splitlines()[1] == "True False"


def test_generators_are_independent_streams(gw):
    out = same_as_torch(gw, """
        g1 = torch.Generator().manual_seed(7)
        g2 = torch.Generator().manual_seed(7)
        a = torch.randn(4, generator=g1)
        torch.manual_seed(7)
        c = torch.randn(4)
        torch.randn(100)                       # the default stream moves on; g2 does not
        b = torch.randn(4, generator=g2)
        print(torch.equal(a, b), torch.equal(a, c))
        print(torch.equal(torch.randn(4, generator=g1), torch.randn(4, generator=g2)))
        fresh = torch.randn(3, generator=torch.Generator())
        print(torch.equal(fresh, torch.randn(3, generator=torch.Generator().manual_seed(67280421310721))))
    """)
    assert out == "True True\nTrue\nTrue\n"


def test_states_round_trip(gw):
    out = same_as_torch(gw, """
        g = torch.Generator().manual_seed(11)
        s = g.get_state()
        print(s.dtype, s.dim(), s.device)
        a = torch.rand(5, generator=g)
        g.manual_seed(12)
        print(g.set_state(s) is g, g.initial_seed(), torch.equal(torch.rand(5, generator=g), a))
        torch.manual_seed(4)
        state = torch.get_rng_state()
        x = torch.randn(6)
        torch.set_rng_state(state)
        print(torch.equal(torch.randn(6), x), torch.initial_seed())
        with torch.random.fork_rng():
            y = torch.randn(6)
        print(torch.equal(torch.randn(6), y))
        for bad in [torch.zeros(3), 5, torch.zeros(3, dtype=torch.int64)]:
            try:
                g.set_state(bad)
            except Exception as e:
                print(type(e).__name__, e)
    """)
    assert "torch.uint8 1 cpu\nTrue 11 True\nTrue 4\nTrue\n" in out
    assert "TypeError RNG state must be a torch.ByteTensor" in out


def test_a_state_of_the_wrong_size_is_refused(gw):
    torch = gw
    with pytest.raises(RuntimeError, match="^Expected a CPUGeneratorImplState of size 5056 but found the input RNG "
                                           "state size to be 3\n"):
        torch.Generator().set_state(torch.zeros(3, dtype=torch.uint8))


def test_data_loading_shuffles_with_the_generator(gw):
    out = same_as_torch(gw, """
        data = torch.utils.data
        ds = data.TensorDataset(torch.arange(12.))
        def order(g):
            return torch.cat([b for b, in data.DataLoader(ds, batch_size=5, shuffle=True, generator=g)]).tolist()
        a = order(torch.Generator().manual_seed(3))
        torch.randn(10)
        b = order(torch.Generator().manual_seed(3))
        print(a == b, sorted(a) == list(range(12)), a == order(torch.Generator().manual_seed(4)))
        g = torch.Generator().manual_seed(3)
        print(order(g) == a, order(g) == a)  # the generator moves on: the next epoch differs
        parts = [p.indices for p in data.random_split(range(10), [4, 6], generator=torch.Generator().manual_seed(1))]
        again = [p.indices for p in data.random_split(range(10), [4, 6], generator=torch.Generator().manual_seed(1))]
        print(parts == again, sorted(parts[0] + parts[1]) == list(range(10)))
        s = list(data.RandomSampler(range(8), generator=torch.Generator().manual_seed(2)))
        print(s == list(data.RandomSampler(range(8), generator=torch.Generator().manual_seed(2))), sorted(s))
        def with_replacement():
            g = torch.Generator().manual_seed(2)
            return list(data.RandomSampler(range(5), replacement=True, num_samples=20, generator=g))
        r = with_replacement()
        print(r == with_replacement(), set(r) <= set(range(5)))
        s = list(data.SubsetRandomSampler([3, 5, 7, 9], generator=torch.Generator().manual_seed(2)))
        print(s == list(data.SubsetRandomSampler([3, 5, 7, 9], generator=torch.Generator().manual_seed(2))), sorted(s))
        torch.manual_seed(9)
        d1 = [p.indices for p in data.random_split(range(6), [3, 3])]
        torch.manual_seed(9)
        print(d1 == [p.indices for p in data.random_split(range(6), [3, 3], generator=torch.default_generator)])
    """)
    assert out.splitlines()[:2] == ["True True False", "True False"]


def test_random_fills_and_their_errors(gw):
    out = same_as_torch(gw, """
        x = torch.empty(300).random_(0, 3)
        print(sorted(set(x.tolist())))
        x = torch.empty(300, dtype=torch.int64).random_(-2, 2)
        print(sorted(set(x.tolist())), x.dtype)
        x = torch.empty(300).random_()
        print(bool(x.min() >= 0), bool(x.max() <= 2**24), bool((x == x.round()).all()))
        x = torch.zeros(100, dtype=torch.bool).random_()
        print(sorted(set(x.tolist())))
        x = torch.zeros(50, dtype=torch.int64).random_(to=4)
        print(sorted(set(x.tolist())))
        for f in [lambda: torch.empty(3).random_(3, 3), lambda: torch.randn(3, generator=None).shape,
                  lambda: torch.zeros(3, generator=torch.Generator()),
                  lambda: torch.zeros_like(torch.ones(2), generator=torch.Generator())]:
            try:
                print(f())
            except Exception as e:
                print(type(e).__name__, e)
    """)
    assert out.startswith("[0.0, 1.0, 2.0]\n[-2, -1, 0, 1] torch.int64\nTrue True True\n[False, True]\n[0, 1, 2, 3]\n")


def test_bernoulli_and_multinomial(gw):
    out = same_as_torch(gw, """
        x = torch.full((3,), 0.5, requires_grad=True)
        b = torch.bernoulli(x)
        print(b.grad_fn, b.requires_grad, b.dtype, x.bernoulli().grad_fn)
        b.sum().backward()
        print(x.grad)
        y = x * 1
        y.bernoulli_(0.5)
        print(y.grad_fn)
        y = x * 1
        y.bernoulli_(x)
        print(y.grad_fn)
        print(torch.bernoulli(torch.tensor([0., 1., 1., 0.])), torch.ones(3).bernoulli_(1.),
              torch.ones(3, dtype=torch.int64).bernoulli_(0.), torch.bernoulli(torch.ones(4), 0.3).requires_grad)
        w = torch.tensor([1., 2., 3., 4.])
        m = torch.multinomial(w, 4)
        print(m.dtype, sorted(m.tolist()), torch.multinomial(torch.ones(2, 4), 3).shape, w.multinomial(1).shape)
        print(torch.multinomial(torch.tensor([1., 0., 0.]), 2), torch.multinomial(torch.tensor([0., 0., 5.]), 3, True))
        for f in [lambda: torch.bernoulli(torch.tensor([1, 0])), lambda: torch.ones(3).bernoulli_(1.5),
                  lambda: torch.multinomial(w, 5), lambda: torch.multinomial(torch.tensor([1., -1.]), 1),
                  lambda: torch.multinomial(torch.tensor([0., 0.]), 1),
                  lambda: torch.multinomial(torch.ones(2, 2, 2), 1),
                  lambda: torch.multinomial(torch.tensor([1, 2]), 1), lambda: torch.multinomial(w, 0),
                  lambda: torch.multinomial(torch.tensor([1., float('inf')]), 1)]:
            try:
                f().tolist()
            except Exception as e:
                print(type(e).__name__, e)
    """)
    assert "tensor([0., 1., 1., 0.]) tensor([1., 1., 1.]) tensor([0, 0, 0]) False" in out
    assert "torch.int64 [0, 1, 2, 3]" in out and "tensor([0, 1]) tensor([2, 2, 2])" in out


def test_multinomial_follows_the_weights(gw):
    torch = gw
    counts = torch.multinomial(torch.tensor([1., 2., 3., 4.]), 20000, True, generator=torch.Generator().manual_seed(0))
    freq = torch.bincount(counts, minlength=4).tolist()
    assert all(abs(f / 20000 - w / 10) < 0.02 for f, w in zip(freq, [1, 2, 3, 4])), freq
