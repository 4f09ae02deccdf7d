"""torch.fft on the server (values; autograd through the complex results is not built)."""
from __future__ import annotations

import pytest

from tests.test_parity_api import same_as_torch, same_as_torch_without_errors

pytestmark = pytest.mark.timeout(120)


def test_transforms_frequencies_and_shifts(gw):
    out = same_as_torch_without_errors(gw, """
        x = torch.arange(8.)
        print(torch.fft.fft(x), torch.fft.rfft(x), torch.fft.ifft(torch.fft.fft(x)), torch.fft.irfft(torch.fft.rfft(x)))
        print(torch.fft.fft(torch.arange(4)).dtype, torch.fft.fft(x, n=4), torch.fft.fft(x, norm="ortho"))
        print(torch.fft.fftfreq(5), torch.fft.rfftfreq(6, d=0.5), torch.fft.fftshift(torch.arange(5)),
              torch.fft.ifftshift(torch.fft.fftshift(torch.arange(6))), torch.fft.fftfreq(4, dtype=torch.float64))
        y = torch.arange(12.).reshape(3, 4)
        print(torch.fft.fft2(y), torch.fft.rfft2(y), torch.fft.fftn(y, dim=0), torch.fft.irfftn(torch.fft.rfftn(y)))
        print(torch.fft.ifft2(torch.fft.fft2(y)).real, torch.fft.fftshift(y, dim=1))
        z = torch.arange(8., dtype=torch.float64)
        print(torch.fft.fft(z).dtype, torch.fft.rfft(z).dtype)
    """)
    assert "tensor([ 6.+0.j, -2.+2.j, -2.+0.j, -2.-2.j])" in out
    assert "tensor([3, 4, 0, 1, 2]) tensor([0, 1, 2, 3, 4, 5])" in out
    assert "torch.complex128 torch.complex128" in out


def test_bad_norm(gw):
    out = same_as_torch(gw, """
        torch.fft.fft(torch.arange(8.), norm="bad")
    """)
    assert out == '!! RuntimeError: Invalid normalization mode: "bad"'


def test_gradients_of_the_transforms(gw):
    out = same_as_torch_without_errors(gw, """
        x = torch.tensor([1., -2., 0.5, 3.], requires_grad=True)
        y = torch.fft.fft(x)
        (y * torch.tensor([1 + 1j, 2, -1j, 0.5])).real.sum().backward()
        print(y, x.grad)
        x.grad = None
        for norm in (None, "forward", "ortho"):
            y = torch.fft.ifft(x, norm=norm)
            y.abs().sum().backward()
            print(y.grad_fn, x.grad)
            x.grad = None
        r = torch.tensor([1., -2., 0.5, 3., 1.5], requires_grad=True)
        torch.fft.rfft(r, norm="ortho").abs().sum().backward()
        z = torch.tensor([1 + 1j, -2, 0.5j], requires_grad=True)
        torch.fft.ifft(z).abs().sum().backward()
        m = torch.arange(12., requires_grad=True)
        torch.fft.rfftn(m.reshape(3, 4)).real.sum().backward()
        print(r.grad, z.grad, m.grad)
        print(torch.autograd.gradcheck(lambda t: torch.fft.rfft(t).abs(), (x.double().detach().requires_grad_(),)))
    """)
    assert "grad_fn=<FftR2CBackward0>) tensor([ 3.5000,  1.0000, -1.5000,  1.0000])" in out
    assert "<ConjBackward0 object at 0x?>" in out and out.endswith("True\n")
    with pytest.raises(NotImplementedError, match="derivative of fft.irfft"):  # resized: not built
        gw.fft.irfft(gw.tensor([1. + 0j, 2.], requires_grad=True), n=5)
    with pytest.raises(NotImplementedError, match="derivative of fft.hfft"):
        gw.fft.hfft(gw.tensor([1. + 0j, 2.], requires_grad=True))
