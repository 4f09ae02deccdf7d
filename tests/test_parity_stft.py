"""torch.stft / torch.istft (and the Tensor methods): frames, windows, padding, one-sided and normalized
spectra, the inverse with its length and window envelope, gradients, and torch's checks and texts."""
from __future__ import annotations

import numpy as np
import pytest

from tests.test_parity_api import same_as_torch_without_errors

pytestmark = pytest.mark.timeout(120)

CASES = [  # (signal shape, n_fft, stft keyword arguments, window (name, length) or None)
    ((40,), 16, {"hop_length": 4}, ("hann", 16)),
    ((3, 50), 8, {"normalized": True, "onesided": False}, ("hamming", 8)),
    ((3, 50), 8, {"win_length": 6, "pad_mode": "constant"}, ("hann", 6)),
    ((33,), 8, {"center": False}, None),
    ((2, 21), 6, {"hop_length": 3}, ("ones", 6)),
]


def _window(lib, spec, dtype):
    if spec is None:
        return None
    name, n = spec
    return lib.ones(n, dtype=dtype) if name == "ones" else getattr(lib, f"{name}_window")(n, dtype=dtype)


@pytest.mark.parametrize("shape,n_fft,kwargs,window", CASES)
def test_spectra_and_inverses_equal_torchs(gw, shape, n_fft, kwargs, window):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal(shape)
    outs = []
    for lib in (torch, gw):
        w = _window(lib, window, lib.float64)
        s = lib.stft(lib.tensor(x), n_fft, window=w, return_complex=True, **kwargs)
        back_kw = {k: v for k, v in kwargs.items() if k not in ("pad_mode",)}
        inv = lib.istft(s, n_fft, window=w, length=shape[-1], **back_kw) if window is not None else None
        outs.append((s.shape, s.dtype.is_complex, np.asarray(s.tolist()),
                     None if inv is None else np.asarray(inv.tolist())))
    (ts, tc, tv, ti), (gs, gc, gv, gi) = outs
    assert tuple(ts) == tuple(gs) and tc and gc
    np.testing.assert_allclose(gv, tv, rtol=1e-10, atol=1e-10)
    if ti is not None:
        np.testing.assert_allclose(gi, ti, rtol=1e-10, atol=1e-10)
        if not kwargs.get("normalized") and kwargs.get("center", True):
            np.testing.assert_allclose(gi, x, atol=1e-10)  # the inverse gives the signal back


def test_gradients_and_reprs(gw):
    out = same_as_torch_without_errors(gw, """
        torch.manual_seed(0)
        x = torch.randn(40)
        w = torch.hann_window(16)
        s = torch.stft(x, 16, hop_length=4, window=w, return_complex=True)
        print(s.shape, s.stride(), s[3, 1:4], s.abs().sum())
        print(torch.istft(s, 16, hop_length=4, window=w, length=40)[:6], x[:6])
        print(torch.stft(x, 16, return_complex=False, window=w)[2, 1], x.stft(16, window=w, return_complex=True).shape)
        xd = torch.randn(20, dtype=torch.float64, requires_grad=True)
        wd = torch.hann_window(8, dtype=torch.float64)
        s = torch.stft(xd, 8, window=wd, return_complex=True)
        print(s.grad_fn, torch.autograd.gradcheck(lambda v: torch.stft(v, 8, window=wd, return_complex=True).abs(), (xd,)))
        print(torch.stft(xd.view(2, 10), 4, return_complex=True, window=torch.ones(4, dtype=torch.float64)).grad_fn)
    """)
    assert "torch.Size([9, 11]) (1, 9)" in out and "True\n<TransposeBackward1" in out


def test_torchs_checks(gw):
    out = same_as_torch_without_errors(gw, """
        x = torch.arange(16.)
        def t(f):
            try:
                r = f()
                print(r.shape, r.dtype)
            except Exception as e:
                print("!", type(e).__name__, e)
        t(lambda: torch.stft(x, 8))
        t(lambda: torch.stft(x, 32, return_complex=True))
        t(lambda: torch.stft(x, 32, center=False, return_complex=True))
        t(lambda: torch.stft(x, 8, hop_length=0, return_complex=True))
        t(lambda: torch.stft(x, 8, win_length=9, return_complex=True))
        t(lambda: torch.stft(x, 8, window=torch.ones(5), return_complex=True))
        t(lambda: torch.stft(x, 0, return_complex=True))
        t(lambda: torch.stft(x.view(2, 2, 4), 4, return_complex=True))
        t(lambda: torch.stft(x + 1j, 8, return_complex=True))
        t(lambda: torch.stft(x + 1j, 8, onesided=True, return_complex=True))
        t(lambda: torch.stft(x.int(), 8, return_complex=True))
        t(lambda: torch.stft(x, 8, window=torch.ones(8, dtype=torch.float64), return_complex=True))
        t(lambda: torch.stft(x, 8, align_to_window=True, return_complex=True))
        s = torch.stft(x, 8, window=torch.hann_window(8), return_complex=True)
        t(lambda: torch.istft(s, 8, window=torch.hann_window(8), center=False))
        t(lambda: torch.istft(torch.view_as_real(s), 8, window=torch.hann_window(8)))
        t(lambda: torch.istft(s, 8, window=torch.hann_window(8), return_complex=True))
        t(lambda: torch.istft(s, 8, window=torch.hann_window(8), onesided=False))
        t(lambda: torch.istft(s[:3], 8, window=torch.ones(8)))
        t(lambda: torch.istft(s[0], 8, window=torch.ones(8)))
        t(lambda: torch.istft(s, 8, hop_length=3, window=torch.ones(8)))
        t(lambda: torch.istft(s, 8, window=torch.hann_window(8), length=20))
        s3 = torch.stft(x + 0j, 8, window=torch.hann_window(8), return_complex=True)
        t(lambda: torch.istft(s3, 8, window=torch.hann_window(8), return_complex=True))
    """)
    assert "! RuntimeError stft(torch.FloatTensor[24], n_fft=8, hop_length=2, win_length=9, window=None, normalized=0, " \
           "onesided=None, return_complex=1, align_to_window=None) : expected 0 < win_length <= n_fft, but got " \
           "win_length=9" in out
    assert "window overlap add min: 1\n[ CPUBoolType{} ]" in out


def test_inverse_real_fft_gradients(gw):
    out = same_as_torch_without_errors(gw, """
        torch.manual_seed(0)
        X = torch.randn(5, dtype=torch.cdouble, requires_grad=True)
        y = torch.fft.irfft(X)
        print(y.grad_fn)
        (y * torch.arange(8.)).sum().backward()
        print(X.grad)
        for norm in ("forward", "ortho", "backward"):
            X.grad = None
            (torch.fft.irfft(X, norm=norm) ** 2).sum().backward(); print(norm, X.grad)
        odd = torch.randn(4, dtype=torch.cdouble, requires_grad=True)
        (torch.fft.irfft(odd, n=6) * torch.arange(6.)).sum().backward(); print(odd.grad)
        r = torch.randn(5, dtype=torch.double, requires_grad=True)
        (torch.fft.irfft(r) * torch.arange(8.)).sum().backward(); print(r.grad)
        M = torch.randn(3, 4, dtype=torch.cdouble, requires_grad=True)
        (torch.fft.irfftn(M) * torch.arange(18.).view(3, 6)).sum().backward(); print(M.grad)
        M.grad = None
        (torch.fft.irfft2(M) ** 2).sum().backward(); print(M.grad)
        print(torch.autograd.gradcheck(lambda z: torch.fft.irfft(z), (X,)))
        x = torch.randn(40, dtype=torch.float64, requires_grad=True)
        w = torch.hann_window(16, dtype=torch.float64)
        roundtrip = lambda v: torch.istft(torch.stft(v, 16, hop_length=4, window=w, return_complex=True), 16,
                                          hop_length=4, window=w, length=40)
        print(roundtrip(x).grad_fn, torch.autograd.gradcheck(roundtrip, (x,)))
    """)
    assert "<FftC2RBackward0 object at 0x?>" in out and out.count("True") == 2
