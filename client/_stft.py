"""torch.stft and torch.istft, composed of differentiable ops as torch's SpectralOps are: frames of the
(center-padded) signal times the window, an FFT of each frame; the inverse FFT of each frame times the window,
overlap-added (fold) and divided by the overlap-added squared window. Checks and texts are torch's."""
from __future__ import annotations

import warnings

__all__ = ["stft", "istft"]


def _sizes(t) -> str:
    return "[" + ", ".join(str(s) for s in t.shape) + "]"


def _window_text(window) -> str:
    return "None" if window is None else f"{window.type()}{{{_sizes(window)}}}"


def _flag(v) -> str:
    return "None" if v is None else str(int(v))


def _padded_window(window, win_length: int, n_fft: int):
    """The window zero-padded on both sides to n_fft, centered (torch's: left (n_fft - win_length) // 2)."""
    if window is None or win_length == n_fft:
        return window
    from .nn.functional import pad  # noqa: PLC0415
    left = (n_fft - win_length) // 2
    return pad(window, (left, n_fft - win_length - left))


def stft(input, n_fft: int, hop_length=None, win_length=None, window=None, center: bool = True,
         pad_mode: str = "reflect", normalized: bool = False, onesided=None, return_complex=None,
         align_to_window=None):
    from . import fft, view_as_real  # noqa: PLC0415
    from .nn.functional import pad  # noqa: PLC0415
    if center and align_to_window is not None:
        raise RuntimeError("stft align_to_window should only be set when center = false")
    if return_complex is None and not (input.is_complex() or (window is not None and window.is_complex())):
        raise RuntimeError("stft requires the return_complex parameter be given for real inputs, and will further "
                           "require that return_complex=True in a future PyTorch release.")
    if center:
        signal_dim = input.dim()
        half = int(n_fft // 2)
        input = pad(input.view([1] * (3 - signal_dim) + list(input.shape)), [half, half], pad_mode)
        input = input.view(input.shape[-signal_dim:])
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    return_complex = True if return_complex is None else return_complex
    where = (f"stft({input.type()}{_sizes(input)}, n_fft={n_fft}, hop_length={hop}, win_length={win}, "
             f"window={_window_text(window)}, normalized={int(normalized)}, onesided={_flag(onesided)}, "
             f"return_complex={int(return_complex)}, align_to_window={_flag(align_to_window)}) : ")
    if window is None:
        warnings.warn("A window was not provided. A rectangular window will be applied,which is known to cause "
                      "spectral leakage. Other windows such as torch.hann_window or torch.hamming_window are "
                      "recommended to reduce spectral leakage.To suppress this warning and use a rectangular window, "
                      "explicitly set `window=torch.ones(n_fft, device=<device>)`.", UserWarning, stacklevel=2)
    if input.dim() not in (1, 2):
        raise RuntimeError(where + "expected a 1D or 2D tensor")
    if not (input.is_floating_point() or input.is_complex()):
        raise RuntimeError(where + "expected a tensor of floating point or complex values")
    length = input.shape[-1]
    if n_fft <= 0 or n_fft > length:
        raise RuntimeError(where + f"expected 0 < n_fft < {length}, but got n_fft={n_fft}")
    if hop <= 0:
        raise RuntimeError(where + f"expected hop_length > 0, but got hop_length={hop}")
    if win <= 0 or win > n_fft:
        raise RuntimeError(where + f"expected 0 < win_length <= n_fft, but got win_length={win}")
    if window is not None and (window.dim() != 1 or window.shape[0] != win):
        raise RuntimeError(where + f"expected a 1D window tensor of size equal to win_length={win}, but got window "
                                   f"with size {_sizes(window)}")
    if align_to_window and win < n_fft:
        raise NotImplementedError("gradwire: stft with align_to_window=True and win_length < n_fft is not supported")
    complex_in = input.is_complex() or (window is not None and window.is_complex())
    if onesided is None:
        onesided = not complex_in
    elif onesided and complex_in:
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    if not return_complex:
        warnings.warn("stft with return_complex=False is deprecated. In a future pytorch release, stft will return "
                      "complex tensors for all inputs, and return_complex=False will raise an error.\nNote: you can "
                      "still call torch.view_as_real on the complex output to recover the old return format.",
                      UserWarning, stacklevel=2)
    batched = input.dim() == 2
    frames = (input if batched else input.unsqueeze(0)).unfold(-1, n_fft, hop)  # (batch, frames, n_fft)
    window = _padded_window(window, win, n_fft)
    if window is not None:
        frames = frames * window
    norm = "ortho" if normalized else "backward"
    spec = fft.rfft(frames, norm=norm) if onesided else fft.fft(frames, norm=norm)
    spec.transpose_(1, 2)  # (batch, frequencies, frames), as torch's
    if not batched:
        spec.squeeze_(0)
    return spec if return_complex else view_as_real(spec)


def istft(input, n_fft: int, hop_length=None, win_length=None, window=None, center: bool = True,
          normalized: bool = False, onesided=None, length=None, return_complex: bool = False):
    from . import fft, ones  # noqa: PLC0415
    from .nn.functional import fold, pad  # noqa: PLC0415
    if not input.is_complex():
        raise RuntimeError("istft requires a complex-valued input tensor matching the output from stft with "
                           "return_complex=True.")
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    type_name = input.type().split(".")[-1].replace("Tensor", "Type")
    where = (f"istft({'CUDA' if input.is_cuda else 'CPU'}{type_name}{_sizes(input)}, n_fft={n_fft}, hop_length={hop}, win_length={win}, window={_window_text(window)}, "
             f"center={int(center)}, normalized={int(normalized)}, onesided={_flag(onesided)}, "
             f"length={length}, return_complex={int(return_complex)}) ")
    if window is None:
        warnings.warn("A window was not provided. A rectangular window will be applied.Please provide the same "
                      "window used by stft to make the inversion lossless.To suppress this warning and use a "
                      "rectangular window, explicitly set `window=torch.ones(n_fft, device=<device>)`.",
                      UserWarning, stacklevel=2)
    if input.dim() < 2:  # torch indexes the frequency dimension (-3) of the input made 2-d
        raise IndexError("Dimension out of range (expected to be in range of [-2, 1], but got -3)")
    if input.dim() > 3:
        raise RuntimeError(where + f": expected a tensor with 2 or 3 dimensions of complex values, but got "
                                   f"{input.dim()}")
    batched = input.dim() == 3
    if not batched:
        input = input.unsqueeze(0)
    n_frames, fft_size = input.shape[-1], input.shape[-2]
    expected_len = n_fft + hop * (n_frames - 1)
    if onesided is None:
        onesided = fft_size != n_fft
    if onesided and fft_size != n_fft // 2 + 1:
        raise RuntimeError(where + f": expected the frequency dimension (3rd to the last) of the input tensor to "
                                   f"match n_fft / 2 + 1 when onesided=True, but got {fft_size}")
    if not onesided and fft_size != n_fft:
        raise RuntimeError(where + f": expected the frequency dimension (3rd to the last) of the input tensor to "
                                   f"match n_fft when onesided=False, but got {fft_size}")
    if not 0 < hop <= win:
        raise RuntimeError(where + f": expected 0 < hop_length <= win_length")
    if not 0 < win <= n_fft:
        raise RuntimeError(where + f": expected 0 < win_length <= n_fft")
    if window is not None and (window.dim() != 1 or window.shape[0] != win):
        raise RuntimeError(where + ": Invalid window shape. window has to be 1D and length of `win_length`")
    if return_complex and onesided:
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    window = ones(n_fft, dtype=input.real.dtype) if window is None else _padded_window(window, win, n_fft)
    norm = "ortho" if normalized else "backward"
    frames = input.transpose(1, 2)  # (batch, frames, frequencies)
    if onesided:
        frames = fft.irfft(frames, n=n_fft, norm=norm)
    else:
        frames = fft.ifft(frames, n=n_fft, norm=norm)
        if not return_complex:
            frames = frames.real
    frames = frames * window

    def overlap_add(chunks):  # (batch, frames, n_fft) -> (batch, expected_len)
        return fold(chunks.transpose(1, 2), output_size=(1, expected_len), kernel_size=(1, n_fft),
                    stride=(1, hop)).reshape(chunks.shape[0], expected_len)
    y = overlap_add(frames)
    envelope = overlap_add((window * window).expand(1, n_frames, n_fft))
    start = n_fft // 2 if center else 0
    end = start + length if length is not None else (expected_len - n_fft // 2 if center else expected_len)
    y, envelope = y[:, start:min(end, expected_len)], envelope[:, start:min(end, expected_len)]
    if bool((envelope.abs().min() < 1e-11)):
        raise RuntimeError(where + "window overlap add min: 1\n[ CPUBoolType{} ]")
    y = y / envelope
    if not batched:
        y = y.squeeze(0)
    if end > expected_len:
        y = pad(y, (0, end - expected_len))
    return y
