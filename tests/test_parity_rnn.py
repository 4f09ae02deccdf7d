"""nn.RNN, nn.GRU and the cells (RNNCell, GRUCell, LSTMCell) against torch, through the client (embedded and
remote server): values, gradients, shapes, grad_fn names, reprs, parameters and torch's argument errors; and
their gradients against finite differences."""
from __future__ import annotations

import textwrap

import pytest

from test_parity_api import same_as_torch

pytestmark = pytest.mark.timeout(120)

# Deterministic weights (the random streams of torch and gradwire differ) and an input that needs grad.
SETUP = """
    def fill(m):
        with torch.no_grad():
            for i, w in enumerate(m.parameters()):
                w.copy_(torch.linspace(-0.5, 0.5, w.numel(), dtype=torch.float64).reshape(w.shape) * (1 + 0.1 * i))
        return m
    def r(t):
        return round(t.sum().item(), 8)
    x = torch.linspace(-1, 1, 30, dtype=torch.float64).reshape(5, 2, 3).requires_grad_()
"""


def _with_setup(body: str) -> str:
    return textwrap.dedent(SETUP) + textwrap.dedent(body)


@pytest.mark.parametrize("make", [
    "nn.RNN(3, 4)",
    "nn.RNN(3, 4, 2, 'relu')",
    "nn.RNN(3, 4, nonlinearity='relu', bias=False, bidirectional=True, num_layers=2)",
    "nn.GRU(3, 4)",
    "nn.GRU(3, 4, num_layers=2, bidirectional=True)",
    "nn.GRU(3, 4, bias=False, num_layers=3)",
])
def test_rnn_and_gru_match_torch(gw, make):
    out = same_as_torch(gw, _with_setup(f"""
        m = fill({make}).double()
        print(m, [n for n, _ in m.named_parameters()], [tuple(p.shape) for p in m.parameters()])
        h0 = torch.linspace(0.3, -0.3, m.num_layers * (2 if m.bidirectional else 1) * 8,
                            dtype=torch.float64).reshape(-1, 2, 4)
        for hx in (None, h0):
            o, h = m(x, hx)
            print(tuple(o.shape), tuple(h.shape), o.grad_fn.name(), h.grad_fn.name(), r(o), r(h))
            x.grad = None
            (o.pow(2).sum() + h.sum()).backward()
            print(r(x.grad), [r(p.grad) for p in m.parameters()])
            m.zero_grad()
        o, h = m(x[:, 1], h0[:, 1])  # unbatched
        print(tuple(o.shape), tuple(h.shape), o.grad_fn.name(), r(o), r(h))
    """))
    assert "StackBackward0" in out


def test_batch_first_layout(gw):
    # the values of batch_first are the time-major ones transposed in place (TransposeBackward1)
    out = same_as_torch(gw, _with_setup("""
        m = fill(nn.GRU(3, 4, batch_first=True, bidirectional=True)).double()
        o, h = m(x)
        print(tuple(o.shape), tuple(h.shape), r(o), r(h), o.is_contiguous(), o.grad_fn, o._version)
        o.sum().backward()
        print(r(x.grad), r(m.weight_hh_l0_reverse.grad))
        t = fill(nn.GRU(3, 4, bidirectional=True)).double()
        o2, h2 = t(x.transpose(0, 1))
        print(torch.allclose(o2.transpose(0, 1), o), torch.allclose(h2, h))
    """))
    assert out.rstrip().endswith("True True")


@pytest.mark.parametrize("make", ["nn.RNNCell(3, 4)", "nn.RNNCell(3, 4, bias=False, nonlinearity='relu')",
                                  "nn.GRUCell(3, 4)", "nn.LSTMCell(3, 4)", "nn.LSTMCell(3, 4, bias=False)"])
def test_cells_match_torch(gw, make):
    out = same_as_torch(gw, _with_setup(f"""
        c = fill({make}).double()
        print(c, [n for n, _ in c.named_parameters()])
        inp = x[0]
        hx = torch.linspace(-0.2, 0.4, 8, dtype=torch.float64).reshape(2, 4)
        state = (hx, hx * 2) if isinstance(c, nn.LSTMCell) else hx
        for s in (None, state):
            out = c(inp, s)
            first = out[0] if isinstance(out, tuple) else out
            print(tuple(first.shape), first.grad_fn.name(), r(first))
            x.grad = None
            first.pow(2).sum().backward()
            print(r(x.grad), [r(p.grad) for p in c.parameters()])
            c.zero_grad()
        out = c(inp[1])  # unbatched
        first = out[0] if isinstance(out, tuple) else out
        print(tuple(first.shape), first.grad_fn.name(), r(first))
    """))
    assert "(2, 4)" in out and "(4,)" in out


def test_a_cell_unrolled_by_hand_equals_the_layer(gw):
    out = same_as_torch(gw, _with_setup("""
        m = fill(nn.GRU(3, 4)).double()
        c = nn.GRUCell(3, 4).double()
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(c, name).copy_(getattr(m, name + "_l0"))
        h = torch.zeros(2, 4, dtype=torch.float64)
        steps = []
        for t in range(5):
            h = c(x[t], h)
            steps.append(h)
        o, hn = m(x)
        print(torch.allclose(torch.stack(steps), o), torch.allclose(h, hn[0]))
    """))
    assert out.strip() == "True True"


@pytest.mark.parametrize("code", [
    "nn.RNN(3, 4)(torch.randn(5, 2, 4))",
    "nn.RNN(3, 4)(torch.randn(2, 5, 2, 3))",
    "nn.GRU(3, 4)(torch.randn(4, 5, 2, 3))",
    "nn.GRU(3, 4)(torch.randn(5, 2, 3), torch.randn(1, 3, 4))",
    "nn.RNN(3, 4)(torch.randn(5, 2, 3), torch.randn(1, 2, 4, 1))",
    "nn.GRU(3, 4)(torch.randn(5, 3), torch.randn(1, 1, 4))",
    "nn.RNN(3, 4)(torch.randn(5, 2, 3).double())",
    "nn.RNN(3, 4)(torch.randn(0, 2, 3))",
    "nn.RNN(3, 4, nonlinearity='sigmoid')",
    "nn.GRU(3, 4, proj_size=2)",
    "nn.RNN(3, 4, dropout=1.5)",
    "nn.RNN(3, 0)",
    "nn.GRU(3, 4, num_layers=0)",
    "nn.RNN(3, 4, bias=1)",
    "nn.RNNCell(3, 4)(torch.randn(2, 5))",
    "nn.RNNCell(3, 4)(torch.randn(2, 3), torch.randn(3, 4))",
    "nn.RNNCell(3, 4)(torch.randn(2, 3), torch.randn(2, 5))",
    "nn.RNNCell(3, 4)(torch.randn(2, 2, 3))",
    "nn.RNNCell(3, 4)(torch.randn(2, 3), torch.randn(2, 2, 4))",
    "nn.RNNCell(3, 4)(torch.randn(3), torch.randn(1, 4))",
    "nn.RNNCell(3, 4, nonlinearity='gelu')(torch.randn(2, 3))",
    "nn.GRUCell(3, 4)(torch.randn(2, 5))",
    "nn.LSTMCell(3, 4)(torch.randn(2, 3), (torch.randn(2, 4), torch.randn(3, 4)))",
    "nn.LSTMCell(3, 4)(torch.randn(2, 3), (torch.randn(2, 5), torch.randn(2, 4)))",
    "nn.LSTMCell(3, 4)(torch.randn(2, 3), (torch.randn(2, 2, 4), torch.randn(2, 4)))",
])
def test_argument_errors_match_torch(gw, code):
    out = same_as_torch(gw, code)
    assert out.startswith("!! ")


def test_dropout_warning_and_modes(gw):
    out = same_as_torch(gw, """
        import warnings
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m = nn.GRU(3, 4, dropout=0.5)
        print([str(w.message) for w in caught])
        m = nn.RNN(3, 4, num_layers=3, dropout=0.5).double()
        x = torch.randn(5, 2, 3, dtype=torch.float64)
        m.eval()
        a, _ = m(x)
        b, _ = m(x)
        print(torch.equal(a, b), isinstance(m, nn.RNNBase), isinstance(nn.GRUCell(1, 1), nn.RNNCellBase))
        print(len(m.all_weights), [tuple(w.shape) for w in m.all_weights[1]])
        m.flatten_parameters()
    """)
    assert "num_layers greater than 1" in out and "True True True" in out


def test_gru_and_rnn_gradients_match_finite_differences(gw):
    # no torch needed: the gradients of every input and parameter, first and second order
    nn = gw.nn
    gw.manual_seed(0)
    gru = nn.GRU(2, 3, num_layers=2, bidirectional=True).double()
    cell = nn.LSTMCell(2, 3).double()
    x = gw.randn(4, 2, 2, dtype=gw.float64, requires_grad=True)
    h = gw.randn(4, 2, 3, dtype=gw.float64, requires_grad=True)
    assert gw.autograd.gradcheck(lambda x, h: gru(x, h)[0], (x, h))
    assert gw.autograd.gradgradcheck(lambda x, h: gru(x, h)[1], (x, h))
    c0 = gw.randn(2, 3, dtype=gw.float64, requires_grad=True)
    assert gw.autograd.gradcheck(lambda x, h, c: cell(x, (h, c)), (x[0], h[0], c0))
    rnn = nn.RNN(2, 3, nonlinearity="relu").double()
    assert gw.autograd.gradcheck(lambda x: rnn(x)[0], (x,))


def test_a_one_step_rnn_has_the_exact_value(gw):
    # h1 = tanh(W_ih x + b_ih + W_hh h0 + b_hh), with every weight 0.5 and every bias 0.25
    nn = gw.nn
    m = nn.RNN(2, 1).double()
    with gw.no_grad():
        for p in m.parameters():
            p.fill_(0.5 if p.dim() == 2 else 0.25)
    out, h = m(gw.tensor([[[1.0, 2.0]]], dtype=gw.float64), gw.tensor([[[0.5]]], dtype=gw.float64))
    import math
    assert out.item() == pytest.approx(math.tanh(0.5 * 3 + 0.25 * 2 + 0.5 * 0.5), abs=1e-12)
    assert h.item() == out.item()


PACKED = """
    from_utils = torch.nn.utils.rnn
    x = torch.linspace(-1, 1, 24, dtype=torch.float64).reshape(4, 3, 2).requires_grad_()
    m = fill({make}).double()
    for lengths, in_order in (([4, 2, 1], True), ([1, 4, 2], False), ([4, 4, 4], True)):
        xin = x.transpose(0, 1) if m.batch_first else x
        p = from_utils.pack_padded_sequence(xin, lengths, batch_first=m.batch_first, enforce_sorted=in_order)
        out, h = m(p)
        hs = h if isinstance(h, tuple) else (h,)
        print(type(out).__name__, tuple(out.data.shape), out.batch_sizes.tolist(), [tuple(t.shape) for t in hs],
              r(out.data), [r(t) for t in hs], out.data.grad_fn.name())
        x.grad = None
        (out.data.pow(2).sum() + sum(t.sum() for t in hs)).backward()
        print(r(x.grad), [r(w.grad) for w in m.parameters()])
        m.zero_grad()
        padded, lens = from_utils.pad_packed_sequence(out, batch_first=m.batch_first)
        print(tuple(padded.shape), lens.tolist(), r(padded))
"""


@pytest.mark.parametrize("make", ["nn.GRU(2, 3)", "nn.RNN(2, 3, num_layers=2, bidirectional=True)", "nn.LSTM(2, 3)",
                                  "nn.LSTM(2, 3, num_layers=2, bidirectional=True, batch_first=True)"])
def test_packed_sequences_through_the_rnn_modules(gw, make):
    out = same_as_torch(gw, _with_setup(PACKED.format(make=make)))
    assert "PackedSequence (7, " in out


def test_bidirectional_lstm_matches_torch(gw):
    same_as_torch(gw, _with_setup("""
        m = fill(nn.LSTM(3, 4, num_layers=2, bidirectional=True)).double()
        h0 = torch.linspace(-0.3, 0.3, 32, dtype=torch.float64).reshape(4, 2, 4)
        o, (h, c) = m(x, (h0, h0 * 2))
        print(m, tuple(o.shape), tuple(h.shape), o.grad_fn.name(), r(o), r(h), r(c))
        (o.sum() + c.sum()).backward()
        print(r(x.grad), [r(p.grad) for p in m.parameters()])
        o, (h, c) = m(x[:, 0])
        print(tuple(o.shape), tuple(h.shape), r(o))
    """))


@pytest.mark.parametrize("code", [
    # (torch names pack_padded_sequence's node PackPaddedSequenceBackward0; gradwire's is a cat: CatBackward0)
    "p = U.pack_padded_sequence(seq.detach(), [2, 1, 3], batch_first=True, enforce_sorted=False); print(p)\n"
    "print(U.pad_packed_sequence(p, batch_first=True), U.pad_packed_sequence(p, total_length=4)[0].shape)",
    "print(U.pad_sequence([torch.ones(2), torch.ones(3) * 2]), U.pad_sequence([torch.ones(2, 1), torch.ones(1, 1)], "
    "batch_first=True, padding_value=-1, padding_side='left'))",
    "p = U.pack_sequence([torch.tensor([1, 2, 3]), torch.tensor([4, 5]), torch.tensor([6])]); print(p, U.unpack_sequence(p))",
    "print(U.pack_sequence([torch.tensor([1]), torch.tensor([4, 5])], enforce_sorted=False))",
    "print(U.unpad_sequence(U.pad_sequence([torch.ones(2), torch.ones(3)]), torch.tensor([2, 3])))",
    "p = U.pack_padded_sequence(seq, [3, 1, 2], batch_first=True, enforce_sorted=False); print(p.to(torch.float64).data.dtype, p.is_cuda)",
    "U.pack_padded_sequence(seq, [2, 1, 3], batch_first=True)",
    "U.pack_padded_sequence(seq, [2, 0, 3], batch_first=True, enforce_sorted=False)",
    "U.pad_packed_sequence(U.pack_sequence([torch.ones(3)]), total_length=2)",
    "nn.GRU(3, 4)(U.pack_sequence([torch.ones(2, 3)]), torch.zeros(1, 2, 4))",
])
def test_padding_and_packing_match_torch(gw, code):
    same_as_torch(gw, "U = torch.nn.utils.rnn\nseq = torch.tensor([[1., 2, 0], [3, 0, 0], [4, 5, 6]], requires_grad=True)\n"
                  + code)


def test_lstm_with_projections(gw):
    """proj_size: h (and each next layer's input) is W_hr's projection of o * tanh(c); the parameters, their
    initialization order, the states' checks and packed inputs as torch's."""
    from tests.test_parity_api import same_as_torch_without_errors  # noqa: PLC0415
    out = same_as_torch_without_errors(gw, """
        torch.manual_seed(0)
        m = torch.nn.LSTM(3, 5, num_layers=2, proj_size=2)
        print(m, [(n, tuple(p.shape)) for n, p in m.named_parameters()])
        out, (h, c) = m(torch.randn(4, 2, 3))
        print(out, h, c)
        out.sum().backward()
        print(m.weight_hr_l0.grad, m.weight_ih_l1.grad.sum())
        m = torch.nn.LSTM(3, 4, proj_size=2, bidirectional=True, batch_first=True)
        x = torch.randn(2, 5, 3)
        out, (h, c) = m(x, (torch.zeros(2, 2, 2), torch.zeros(2, 2, 4)))
        print(out.shape, h.shape, c.shape, out.sum())
        try:
            m(x, (torch.zeros(2, 2, 4), torch.zeros(2, 2, 4)))
        except RuntimeError as e:
            print(e)
        o, (h, c) = m(torch.nn.utils.rnn.pack_padded_sequence(x, [5, 3], batch_first=True))
        print(o.data.shape, h, m(x[0])[0].shape)
    """)
    assert "LSTM(3, 5, proj_size=2, num_layers=2)" in out and "('weight_hr_l0', (2, 5))" in out
    assert "Expected hidden[0] size (2, 2, 2), got [2, 2, 4]" in out
