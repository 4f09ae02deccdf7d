"""Training parity with PyTorch, step for step.

Starting from the same float64 weights and data, gradwire and PyTorch train

* a 2-layer MLP classifier on a generated two-spirals data set
  (SGD with momentum, then Adam on the same model), and
* a character-level LSTM on tests/data/tiny_corpus.txt
  (Adam, with clip_grad_norm_ before every step),

and must report the same loss at every step to 1e-6 relative (the gradient
norm that clip_grad_norm_ returns, too). The MLP must also reach >= 95% train
accuracy, computed from gradwire's logits.

Both run against the embedded default server and a real `gradwire-server`
process (the `gw` fixture). This is the parity test that runs where PyTorch
is installed; gradwire itself never imports torch.
"""
from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import SYNC_MODE

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.timeout(300)

RTOL = 1e-6
DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True, scope="module")
def _torch_one_thread():
    """PyTorch's intra-op threads only contend with the gradwire server on a 2-core machine: the reference
    runs take seconds instead of a fraction of one."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# ----- helpers ---------------------------------------------------------------------------------------------

def copy_weights(gw, gw_model, torch_model) -> None:
    """Loads the PyTorch model's current (float64) weights into the gradwire model."""
    state = {k: gw.tensor(v.detach().numpy()) for k, v in torch_model.state_dict().items()}
    result = gw_model.load_state_dict(state)
    assert not result.missing_keys and not result.unexpected_keys, result
    for name, p in gw_model.named_parameters():
        assert p.dtype == gw.float64, (name, p.dtype)
        assert p.requires_grad and p.is_leaf, name


def first_divergence(ours, theirs, rtol=RTOL):
    """Index of the first step where the two sequences differ by more than rtol (relative), else None."""
    assert len(ours) == len(theirs)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if not math.isfinite(a) or abs(a - b) > rtol * max(abs(b), 1e-300):
            return i
    return None


def max_rel(ours, theirs) -> float:
    return max(abs(a - b) / max(abs(b), 1e-300) for a, b in zip(ours, theirs))


def assert_parity(what: str, ours, theirs, labels=None, rtol=RTOL) -> None:
    i = first_divergence(ours, theirs, rtol)
    if i is None:
        return

    def label(j):
        return f" ({labels[j]})" if labels else ""

    rows = "\n".join(f"  step {j:4d}{label(j)}: gradwire={ours[j]!r:24} torch={theirs[j]!r:24} "
                     f"rel={abs(ours[j] - theirs[j]) / max(abs(theirs[j]), 1e-300):.3e}"
                     for j in range(max(0, i - 2), min(len(ours), i + 3)))
    pytest.fail(f"{what} diverges from PyTorch first at step {i}{label(i)}, rtol={rtol}:\n{rows}", pytrace=False)


# ----- two spirals + MLP (SGD with momentum, then Adam) -----------------------------------------------------

N_PER_CLASS = 200
HIDDEN = 64
SGD_STEPS, SGD_LR, SGD_MOMENTUM = 150, 0.2, 0.9
ADAM_STEPS, ADAM_LR = 250, 0.02


def two_spirals(n_per_class: int = N_PER_CLASS, seed: int = 0):
    """Two interleaved spirals (1.5 turns each) with a little noise; float64 inputs, int64 labels."""
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for c in range(2):
        t = np.sqrt(rng.uniform(0.0, 1.0, n_per_class)) * 3 * np.pi
        r = t / (3 * np.pi)
        angle = t + c * np.pi
        pts = np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1) + rng.normal(0.0, 0.02, (n_per_class, 2))
        xs.append(pts)
        ys.append(np.full(n_per_class, c))
    return np.concatenate(xs).astype(np.float64), np.concatenate(ys).astype(np.int64)


def mlp(lib):
    """The same architecture in torch and gradwire: the code is written once, against either library."""
    nn = lib.nn
    return nn.Sequential(nn.Linear(2, HIDDEN, dtype=lib.float64), nn.Tanh(), nn.Linear(HIDDEN, 2, dtype=lib.float64))


def train_mlp(lib, model, x, y, round_trips=None):
    """Full-batch training; returns the loss of every step (read with loss.item() each step, as a user does)."""
    loss_fn = lib.nn.CrossEntropyLoss()
    losses = []
    opt = lib.optim.SGD(model.parameters(), lr=SGD_LR, momentum=SGD_MOMENTUM)
    for step in range(SGD_STEPS + ADAM_STEPS):
        if step == SGD_STEPS:
            opt = lib.optim.Adam(model.parameters(), lr=ADAM_LR)
        before = round_trips() if round_trips else 0
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if round_trips:
            round_trips.per_step.append(round_trips() - before)
    return losses


class RoundTrips:
    """gradwire.stats()['round_trips'], plus the per-step counts a training loop records."""

    def __init__(self, gw):
        self.gw = gw
        self.per_step: list[int] = []

    def __call__(self) -> int:
        return self.gw.stats()["round_trips"]


def test_mlp_two_spirals_sgd_momentum_then_adam(gw, mode, record_property):
    X, Y = two_spirals()

    torch.manual_seed(0)
    t_model = mlp(torch)
    g_model = mlp(gw)
    copy_weights(gw, g_model, t_model)  # same starting point

    t0 = time.perf_counter()
    t_losses = train_mlp(torch, t_model, torch.from_numpy(X), torch.from_numpy(Y))
    t_torch = time.perf_counter() - t0

    x, y = gw.tensor(X), gw.tensor(Y)
    assert x.dtype == gw.float64 and y.dtype == gw.int64

    rt = RoundTrips(gw)
    t0 = time.perf_counter()
    g_losses = train_mlp(gw, g_model, x, y, round_trips=rt)
    t_gw = time.perf_counter() - t0

    labels = [f"SGD {i}" if i < SGD_STEPS else f"Adam {i - SGD_STEPS}" for i in range(SGD_STEPS + ADAM_STEPS)]
    assert_parity("MLP loss", g_losses, t_losses, labels)

    # The final weights agree too.
    t_state = t_model.state_dict()
    for name, p in g_model.named_parameters():
        np.testing.assert_allclose(p.detach().numpy(), t_state[name].numpy(), rtol=1e-6, atol=1e-9, err_msg=name)

    with gw.no_grad():
        accuracy = (g_model(x).argmax(dim=1) == y).double().mean().item()
    with torch.no_grad():
        t_accuracy = (t_model(torch.from_numpy(X)).argmax(dim=1) == torch.from_numpy(Y)).double().mean().item()
    assert abs(accuracy - t_accuracy) <= 1 / len(Y), (accuracy, t_accuracy)
    assert accuracy >= 0.95, f"train accuracy {accuracy:.4f} after {SGD_STEPS} SGD + {ADAM_STEPS} Adam steps"

    steps = len(rt.per_step)
    record_property("round_trips_per_step", sorted(set(rt.per_step)))
    print(f"\n[{mode}] MLP: {steps} steps, gradwire {t_gw:.2f}s ({1e3 * t_gw / steps:.2f} ms/step), torch {t_torch:.2f}s;"
          f" final loss {g_losses[-1]:.6f} (max rel diff {max_rel(g_losses, t_losses):.1e}), accuracy {accuracy:.4f};"
          f" round trips per step: "
          f"min {min(rt.per_step)} max {max(rt.per_step)} mean {sum(rt.per_step) / steps:.3f}")
    # One blocking round trip per training step (DESIGN.md, "Performance"): the loss.item() at its end,
    # also at the step that creates the Adam optimizer.
    assert max(rt.per_step) == 1 or (SYNC_MODE and min(rt.per_step) > 1), rt.per_step


# ----- character-level LSTM (Adam with clip_grad_norm_) -----------------------------------------------------

EMBED, LSTM_HIDDEN, LSTM_LAYERS = 16, 32, 2
SEQ_LEN, BATCH = 20, 8
LSTM_STEPS, LSTM_LR = 40, 1e-2
MAX_NORM = 0.3  # this model's gradient norms lie around 0.2-0.5: about half of the steps clip


def corpus():
    text = (DATA / "tiny_corpus.txt").read_text(encoding="utf-8")
    chars = sorted(set(text))
    index = {ch: i for i, ch in enumerate(chars)}
    return np.array([index[ch] for ch in text], dtype=np.int64), len(chars)


def char_batches(encoded: np.ndarray, steps: int, seed: int = 0):
    """(inputs, targets) pairs of shape (BATCH, SEQ_LEN), targets shifted by one character."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(steps):
        starts = rng.integers(0, len(encoded) - SEQ_LEN - 1, BATCH)
        xb = np.stack([encoded[s:s + SEQ_LEN] for s in starts])
        yb = np.stack([encoded[s + 1:s + SEQ_LEN + 1] for s in starts])
        out.append((xb, yb))
    return out


def char_lstm(lib, vocab: int):
    nn = lib.nn

    class CharLSTM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(vocab, EMBED, dtype=lib.float64)
            self.lstm = nn.LSTM(EMBED, LSTM_HIDDEN, num_layers=LSTM_LAYERS, batch_first=True, dtype=lib.float64)
            self.head = nn.Linear(LSTM_HIDDEN, vocab, dtype=lib.float64)

        def forward(self, idx):
            out, _ = self.lstm(self.embed(idx))
            return self.head(out).reshape(-1, vocab)

    return CharLSTM()


def train_char_lstm(lib, model, batches, round_trips=None):
    """Returns (losses, total norms); losses read with loss.item() each step, the norms kept and read at the end."""
    loss_fn = lib.nn.CrossEntropyLoss()
    opt = lib.optim.Adam(model.parameters(), lr=LSTM_LR)
    losses, norms = [], []
    for xb, yb in batches:
        before = round_trips() if round_trips else 0
        opt.zero_grad()
        logits = model(xb)
        loss = loss_fn(logits, yb.reshape(-1))
        loss.backward()
        norms.append(lib.nn.utils.clip_grad_norm_(model.parameters(), max_norm=MAX_NORM))
        opt.step()
        losses.append(loss.item())
        if round_trips:
            round_trips.per_step.append(round_trips() - before)
    return losses, lib.stack(norms).tolist()


def test_char_lstm_adam_clip_grad_norm(gw, mode, record_property):
    encoded, vocab = corpus()
    batches = char_batches(encoded, LSTM_STEPS)

    torch.manual_seed(0)
    t_model = char_lstm(torch, vocab)
    g_model = char_lstm(gw, vocab)
    copy_weights(gw, g_model, t_model)  # same starting point

    t0 = time.perf_counter()
    t_losses, t_norms = train_char_lstm(torch, t_model, [(torch.from_numpy(a), torch.from_numpy(b))
                                                         for a, b in batches])
    t_torch = time.perf_counter() - t0

    g_batches = [(gw.tensor(a), gw.tensor(b)) for a, b in batches]
    rt = RoundTrips(gw)
    t0 = time.perf_counter()
    g_losses, g_norms = train_char_lstm(gw, g_model, g_batches, round_trips=rt)
    t_gw = time.perf_counter() - t0

    # Sanity: the reference run clips at some steps and not at others, and it learns.
    assert any(n > MAX_NORM for n in t_norms) and any(n < MAX_NORM for n in t_norms), t_norms
    assert t_losses[-1] < t_losses[0] - 0.5, (t_losses[0], t_losses[-1])

    assert_parity("char-LSTM loss", g_losses, t_losses)
    assert_parity("char-LSTM clip_grad_norm_ total norm", g_norms, t_norms)

    t_state = t_model.state_dict()
    for name, p in g_model.named_parameters():
        np.testing.assert_allclose(p.detach().numpy(), t_state[name].numpy(), rtol=1e-6, atol=1e-9, err_msg=name)

    steps = len(rt.per_step)
    record_property("round_trips_per_step", sorted(set(rt.per_step)))
    print(f"\n[{mode}] char-LSTM (vocab {vocab}): {steps} steps, gradwire {t_gw:.2f}s "
          f"({1e3 * t_gw / steps:.1f} ms/step), torch {t_torch:.2f}s; loss {g_losses[0]:.4f} -> {g_losses[-1]:.4f} "
          f"(max rel diff {max_rel(g_losses, t_losses):.1e}, norms {max_rel(g_norms, t_norms):.1e}); "
          f"round trips per step: min {min(rt.per_step)} max {max(rt.per_step)} "
          f"mean {sum(rt.per_step) / steps:.3f}")
    # one blocking round trip per training step (one per op under GRADWIRE_SYNC=1)
    assert max(rt.per_step) == 1 or (SYNC_MODE and min(rt.per_step) > 1), rt.per_step
