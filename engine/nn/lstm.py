"""The fused multi-layer LSTM: one Function per layer stack, forward and backward over whole sequences.

Functional entry (wire name ``"lstm"``)::

    lstm(input, params, hx=None, *, num_layers=None, bias=True, batch_first=False,
         dropout=0.0, training=False, bidirectional=False, proj_size=0) -> (output, h_n, c_n)

- ``input``: (L, N, H_in), or (N, L, H_in) with ``batch_first``, or unbatched (L, H_in).
- ``params``: the flat list in torch's ``_flat_weights`` order
  ``[w_ih_l0, w_hh_l0, b_ih_l0, b_hh_l0, w_ih_l1, ...]`` (without the biases when
  ``bias=False``); gates stacked i, f, g, o as in ``torch.nn.LSTM``:
  ``weight_ih_l{k}`` (4*hidden, H_in or hidden), ``weight_hh_l{k}`` (4*hidden, hidden),
  ``bias_ih_l{k}``/``bias_hh_l{k}`` (4*hidden,).  ``num_layers`` defaults to what
  ``params`` holds.
- ``hx``: ``(h0, c0)`` of shape (num_layers, N, hidden) ((num_layers, hidden) unbatched),
  or None for zeros.
- Returns a flat tuple of three tensors like ``torch._VF.lstm``: ``output`` (L, N, hidden)
  (batch_first / unbatched layouts as the input), ``h_n`` and ``c_n`` (num_layers, N, hidden).
  ``torch.nn.LSTM`` returns ``(output, (h_n, c_n))``: the client regroups.
- ``dropout`` (between layers, when ``training``) draws its masks from
  ``engine.random.current_generator()``.  ``bidirectional`` and ``proj_size`` raise
  NotImplementedError.

Input checks mirror ``torch.nn.LSTM.forward`` in order and text (2D/3D input, hx dims,
dtype, input_size, hidden sizes, empty sequence).

The work is one ``Function`` (node ``LstmBackward0``) computing on arrays: per layer the
input projection of the whole sequence is one matmul, then one matmul per time step for
the hidden part; backward is full BPTT on arrays.  Internally the gates are kept in the
order (o, i, f, g) so that the three sigmoids are one contiguous block (computed with one
``tanh``: sigmoid(x) = (1 + tanh(x/2)) / 2) and in backward the three gates driven by the
cell gradient are one contiguous block.  Backward is differentiable once: a double
backward through it raises a RuntimeError (never a silently wrong gradient).

Declares WIRE (wire op name -> callable); engine/__init__.py installs it.
"""
from __future__ import annotations

from gradwire.common import dtypes as _dt

from ..function import Function
from ..grad_mode import _state as _grad_state
from ..ops._util import same_device
from ..random import current_generator
from ..tensor import Tensor, _new_tensor

__all__ = ["lstm"]

_SCALAR_NAME = {"float16": "Half", "float32": "Float", "float64": "Double", "bfloat16": "BFloat16"}

TWICE_MESSAGE = ("the derivative for 'LstmBackward0' is not implemented: the fused LSTM's backward is "
                 "differentiable once only (double backward through lstm is not supported)")


def _to_internal(xp, w, hidden: int):
    """Rows (i, f, g, o) -> (o, i, f, g) along axis 0."""
    return xp.concatenate((w[3 * hidden:], w[:3 * hidden]))


def _to_torch(xp, g, hidden: int):
    """Rows (o, i, f, g) -> (i, f, g, o) along axis 0."""
    return xp.concatenate((g[hidden:], g[:hidden]))


class OnceDifferentiable(Function):
    """Passes the LSTM's input gradients through; its backward (a double backward) raises."""

    node_name = "torch::autograd::Error"  # torch's error node (as once_differentiable records)
    array_forward = True

    @staticmethod
    def forward(ctx, *args, n):
        return tuple(args[:n])

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError(TWICE_MESSAGE)


class Lstm(Function):
    """The whole LSTM stack over the whole sequence: node ``LstmBackward0``.

    apply(input, h0, c0, *params, ...): h0/c0 may be None (zeros).

    Internal layout: time-major with the batch last, (L, features, N), so that a gate
    block of one step (``act[t, H:2H]``) is contiguous rows; ``h``/``c`` of a step are (H, N).
    """

    array_forward = True

    @staticmethod
    def forward(ctx, input, h0, c0, *params, num_layers, has_biases, batch_first, unbatched, dropout):
        same_device(input, h0, c0, *params)
        xp = input.xp
        dtype = input.dtype
        npdt = dtype.numpy
        x = input.array
        if unbatched:
            x = x[:, None, :]
        elif batch_first:
            x = x.transpose(1, 0, 2)
        L, N, _ = x.shape                               # x: (L, N, D), the user's values
        per = 4 if has_biases else 2
        H = params[1].array.shape[1]
        H3 = 3 * H
        h0a = h0.array if h0 is not None else None
        c0a = c0.array if c0 is not None else None
        if unbatched:
            h0a = h0a[:, None, :] if h0a is not None else None
            c0a = c0a[:, None, :] if c0a is not None else None
        # sigmoid gates (o, i, f) are pre-scaled by 1/2: one tanh gives all four activations
        scale = xp.ones((4 * H, 1), dtype=npdt)
        scale[:H3] = 0.5
        half = npdt.type(0.5)
        tanh = xp.tanh
        mul = xp.multiply
        matmul = xp.matmul
        saved = []
        masks = []
        h_n = xp.empty((num_layers, N, H), dtype=npdt)
        c_n = xp.empty((num_layers, N, H), dtype=npdt)
        xin = None                                      # layer input in (L, D, N) for layers >= 1
        for k in range(num_layers):
            w_ih = _to_internal(xp, params[per * k].array, H) * scale
            w_hh = _to_internal(xp, params[per * k + 1].array, H) * scale
            if k == 0:
                d_in = x.shape[2]
                proj = (x.reshape(L * N, d_in) @ w_ih.T).reshape(L, N, 4 * H)
                act = xp.ascontiguousarray(proj.transpose(0, 2, 1))        # (L, 4H, N)
            else:
                act = matmul(w_ih, xin)                                     # (L, 4H, N)
            if has_biases:
                b = _to_internal(xp, params[per * k + 2].array + params[per * k + 3].array, H)
                act += (b * scale[:, 0])[:, None]
            hs = xp.empty((L + 1, H, N), dtype=npdt)
            cs = xp.empty((L + 1, H, N), dtype=npdt)
            tcs = xp.empty((L, H, N), dtype=npdt)
            if h0a is not None:
                hs[0] = h0a[k].T
            else:
                hs[0] = 0
            if c0a is not None:
                cs[0] = c0a[k].T
            else:
                cs[0] = 0
            buf = xp.empty((4 * H, N), dtype=npdt)
            ig = xp.empty((H, N), dtype=npdt)
            for t in range(L):
                a = act[t]
                matmul(w_hh, hs[t], out=buf)
                a += buf
                tanh(a, out=a)
                s = a[:H3]
                s *= half
                s += half
                c = cs[t + 1]
                mul(a[2 * H:H3], cs[t], out=c)                 # f * c_prev
                mul(a[H:2 * H], a[H3:], out=ig)                # i * g
                c += ig
                tc = tcs[t]
                tanh(c, out=tc)
                mul(a[:H], tc, out=hs[t + 1])                  # h = o * tanh(c)
            h_n[k] = hs[L].T
            c_n[k] = cs[L].T
            saved.extend((act, cs, tcs, hs))
            xin = hs[1:]
            if dropout > 0 and k < num_layers - 1:
                if dropout >= 1:
                    mask = xp.zeros((L, H, N), dtype=npdt)
                else:
                    # torch's dropout of the (L, N, H) output: its draws in that order
                    keep = current_generator(input.device).rng.unit((L, N, H)) < (1 - dropout)
                    mask = xp.ascontiguousarray(xp.asarray(keep).transpose(0, 2, 1)).astype(npdt)
                    mask /= npdt.type(1 - dropout)
                masks.append(mask)
                xin = xin * mask
        if unbatched:
            out = xp.ascontiguousarray(xin[:, :, 0])
            h_n = h_n[:, 0, :]
            c_n = c_n[:, 0, :]
        elif batch_first:
            out = xp.ascontiguousarray(xin.transpose(2, 0, 1))
        else:
            out = xp.ascontiguousarray(xin.transpose(0, 2, 1))
        device = input.device
        if True in ctx.needs_input_grad:
            wrapped = [_new_tensor(a, dtype, device) for a in saved + masks]
            ctx.save_for_backward(input, h0, c0, *params, *wrapped)
            ctx.cfg = (num_layers, has_biases, batch_first, unbatched, len(masks) > 0, H)
        return (_new_tensor(out, dtype, device), _new_tensor(h_n, dtype, device),
                _new_tensor(c_n, dtype, device))

    @staticmethod
    def backward(ctx, d_out, d_hn, d_cn):
        num_layers, has_biases, batch_first, unbatched, has_masks, H = ctx.cfg
        saved = ctx.saved_tensors
        needs = ctx.needs_input_grad
        per = 4 if has_biases else 2
        n_par = per * num_layers
        input, h0, c0 = saved[:3]
        params = saved[3:3 + n_par]
        internal = [t.array for t in saved[3 + n_par:]]
        layers = [internal[4 * k:4 * k + 4] for k in range(num_layers)]
        masks = internal[4 * num_layers:]
        xp = input.xp
        dtype = input.dtype
        npdt = dtype.numpy
        device = input.device
        L, N = layers[0][0].shape[0], layers[0][0].shape[2]
        H3 = 3 * H
        mul = xp.multiply
        matmul = xp.matmul
        tensordot = xp.tensordot

        def state(g, k):  # gradient of h_n / c_n, layer k, as an (H, N) array of our own
            a = g.array[k]
            a = a[:, None] if unbatched else a.T
            return a.astype(npdt, copy=True)

        dy = None                                       # gradient of the layer's output, (L, H, N)
        if d_out is not None:
            dy = d_out.array
            if unbatched:
                dy = dy[:, :, None]
            elif batch_first:
                dy = dy.transpose(1, 2, 0)
            else:
                dy = dy.transpose(0, 2, 1)
            dy = xp.ascontiguousarray(dy, dtype=npdt)

        need_x, need_h0, need_c0 = needs[0], needs[1], needs[2]
        if need_x or need_h0 or need_c0:
            lowest = 0
        else:
            lowest = num_layers
            for k in range(num_layers):
                if True in needs[3 + per * k:3 + per * (k + 1)]:
                    lowest = k
                    break
        grads_par = [None] * n_par
        dh0 = xp.zeros((num_layers, N, H), dtype=npdt) if need_h0 else None
        dc0 = xp.zeros((num_layers, N, H), dtype=npdt) if need_c0 else None
        gx = None
        for k in range(num_layers - 1, lowest - 1, -1):
            act, cs, tcs, hs = layers[k]
            w_ih = _to_internal(xp, params[per * k].array, H)
            w_hh_t = xp.ascontiguousarray(_to_internal(xp, params[per * k + 1].array, H).T)   # (H, 4H)
            o = act[:, :H]
            i = act[:, H:2 * H]
            f = act[:, 2 * H:H3]
            g = act[:, H3:]
            # factors turning (dh, dc) into the pre-activation gradients, in (o, i, f, g) order
            kf = xp.empty_like(act)
            mul(tcs, o * (1 - o), out=kf[:, :H])
            mul(g, i * (1 - i), out=kf[:, H:2 * H])
            mul(cs[:-1], f * (1 - f), out=kf[:, 2 * H:H3])
            mul(i, 1 - g * g, out=kf[:, H3:])
            kc = o * (1 - tcs * tcs)
            kf4 = kf.reshape(L, 4, H, N)
            dact = xp.empty_like(act)
            dact4 = dact.reshape(L, 4, H, N)
            dh = state(d_hn, k) if d_hn is not None else xp.zeros((H, N), dtype=npdt)
            dc = state(d_cn, k) if d_cn is not None else xp.zeros((H, N), dtype=npdt)
            tmp = xp.empty((H, N), dtype=npdt)
            for t in range(L - 1, -1, -1):
                if dy is not None:
                    dh += dy[t]
                mul(dh, kc[t], out=tmp)
                dc += tmp
                mul(dh, kf[t, :H], out=dact[t, :H])
                mul(dc, kf4[t, 1:], out=dact4[t, 1:])
                dh = matmul(w_hh_t, dact[t])
                dc *= f[t]
            if need_h0:
                dh0[k] = dh.T
            if need_c0:
                dc0[k] = dc.T
            base = per * k
            if needs[3 + base]:
                if k == 0:
                    xin = input.array
                    if unbatched:
                        xin = xin[:, None, :]
                    elif batch_first:
                        xin = xin.transpose(1, 0, 2)
                    gw = tensordot(dact, xin.astype(npdt, copy=False), axes=([0, 2], [0, 1]))
                else:
                    xin = layers[k - 1][3][1:]
                    if has_masks:
                        xin = xin * masks[k - 1]
                    gw = tensordot(dact, xin, axes=([0, 2], [0, 2]))
                grads_par[base] = _to_torch(xp, gw, H)
            if needs[3 + base + 1]:
                gw = tensordot(dact, hs[:-1], axes=([0, 2], [0, 2]))
                grads_par[base + 1] = _to_torch(xp, gw, H)
            if has_biases and (needs[3 + base + 2] or needs[3 + base + 3]):
                gb = _to_torch(xp, dact.sum(axis=(0, 2)), H)
                if needs[3 + base + 2]:
                    grads_par[base + 2] = gb
                if needs[3 + base + 3]:
                    grads_par[base + 3] = gb.copy()
            if k > lowest:
                dy = matmul(w_ih.T, dact)                                  # (L, H, N)
                if has_masks:
                    dy *= masks[k - 1]
            elif k == 0 and need_x:
                dx = tensordot(dact, w_ih, axes=([1], [0]))                # (L, N, D)
                if unbatched:
                    dx = dx[:, 0, :]
                elif batch_first:
                    dx = xp.ascontiguousarray(dx.transpose(1, 0, 2))
                gx = _new_tensor(dx, dtype, device)

        def wrap(a):
            return _new_tensor(a, dtype, device)

        gh0 = wrap(dh0[:, 0, :] if unbatched else dh0) if need_h0 else None
        gc0 = wrap(dc0[:, 0, :] if unbatched else dc0) if need_c0 else None
        result = [gx, gh0, gc0] + [wrap(a) if a is not None else None for a in grads_par]
        if _grad_state.enabled:
            anchors = [t for t in (d_out, d_hn, d_cn) if t is not None and t._requires_grad]
            anchors += [t for t in saved[:3 + n_par] if t is not None and t._requires_grad]
            if anchors:
                n = len(result)
                result = list(OnceDifferentiable.apply(*result, *anchors, n=n))
        return tuple(result)


class MkldnnRnnLayer(Function):
    """One layer of the LSTM, time-major, as torch's CPU float32 kernel records it: node
    ``MkldnnRnnLayerBackward0`` with torch's edges (input, w_ih, w_hh, b_ih, b_hh, hx, cx) and outputs
    (output, hy, cy); the work is ``Lstm``'s, over one layer."""

    array_forward = True
    shown_edges = 7

    @staticmethod
    def forward(ctx, input, w_ih, w_hh, b_ih, b_hh, hx, cx):
        params = (w_ih, w_hh) if b_ih is None else (w_ih, w_hh, b_ih, b_hh)
        h0, c0 = (None if h is None else _new_tensor(h.array[None], h.dtype, h.device) for h in (hx, cx))
        ctx.has_biases = b_ih is not None
        out, h_n, c_n = Lstm.forward(ctx, input, h0, c0, *params, num_layers=1, has_biases=ctx.has_biases,
                                     batch_first=False, unbatched=False, dropout=0.0)
        return out, _new_tensor(h_n.array[0], h_n.dtype, h_n.device), _new_tensor(c_n.array[0], c_n.dtype,
                                                                                   c_n.device)

    @staticmethod
    def backward(ctx, d_out, d_hy, d_cy):
        edges = ctx.needs_input_grad
        nx, nwi, nwh, nbi, nbh, nh, nc = edges
        # Lstm's backward reads its own argument order: (input, h0, c0, *params)
        ctx.needs_input_grad = (nx, nh, nc, nwi, nwh) + ((nbi, nbh) if ctx.has_biases else ())
        try:
            gx, gh, gc, *gp = Lstm.backward(ctx, d_out, *(None if g is None else g.reshape(1, *g.shape)
                                                          for g in (d_hy, d_cy)))
        finally:
            ctx.needs_input_grad = edges
        gh, gc = (None if g is None else g.reshape(*g.shape[1:]) for g in (gh, gc))
        gp = gp + [None, None] if not ctx.has_biases else gp
        return (gx, *gp, gh, gc)


def _check_args(input, hx, params, num_layers, bias, batch_first):
    """torch.nn.LSTM.forward's checks, in its order and with its texts; returns (h0, c0, num_layers, unbatched)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"lstm(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    params = list(params)
    per = 4 if bias else 2
    if num_layers is None:
        num_layers = len(params) // per
    if len(params) != per * num_layers or num_layers < 1:
        raise RuntimeError("got an incorrect number of RNN parameters")
    for j, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"lstm(): argument 'params' must be tuple of Tensors, but found element of type "
                            f"{type(p).__name__} at pos {j}")
    ndim = input.array.ndim
    if ndim not in (2, 3):
        raise ValueError(f"LSTM: Expected input to be 2D or 3D, got {ndim}D instead")
    unbatched = ndim == 2
    h0 = c0 = None
    if hx is not None:
        if isinstance(hx, Tensor) or len(hx) != 2:
            raise TypeError("lstm(): argument 'hx' must be a tuple (h_0, c_0) of two Tensors")
        h0, c0 = hx
        hd, cd = h0.array.ndim, c0.array.ndim
        if not unbatched and (hd != 3 or cd != 3):
            raise RuntimeError("For batched 3-D input, hx and cx should also be 3-D but got "
                               f"({hd}-D, {cd}-D) tensors")
        if unbatched and (hd != 2 or cd != 2):
            raise RuntimeError("For unbatched 2-D input, hx and cx should also be 2-D but got "
                               f"({hd}-D, {cd}-D) tensors")
    w0 = params[0]
    if input.dtype is not w0.dtype:
        raise ValueError(f"RNN input dtype ({input.dtype!r}) does not match weight dtype ({w0.dtype!r}). "
                         f"Convert input: input.to({w0.dtype!r}), or convert model: model.to({input.dtype!r})")
    input_size = w0.array.shape[1] if w0.array.ndim == 2 else -1
    hidden = params[1].array.shape[1] if params[1].array.ndim == 2 else -1
    if input.array.shape[-1] != input_size:
        raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {input_size}, "
                           f"got {input.array.shape[-1]}")
    shape = input.array.shape
    batch = 1 if unbatched else (shape[0] if batch_first else shape[1])
    expected = (num_layers, batch, hidden)
    for j, h in ((0, h0), (1, c0)):
        if h is None:
            continue
        got = h.array.shape
        if unbatched:
            got = (got[0], 1, got[1])
        if got != expected:
            raise RuntimeError(f"Expected hidden[{j}] size {expected}, got {list(got)}")
    # the weights themselves (torch's kernel fails inside a matmul; say what is wrong instead)
    for k in range(num_layers):
        d_in = input_size if k == 0 else hidden
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        shapes = ((4 * hidden, d_in), (4 * hidden, hidden), (4 * hidden,), (4 * hidden,))
        for j in range(per):
            p = params[per * k + j]
            if p.array.shape != shapes[j]:
                raise RuntimeError(f"lstm: {names[j]}_l{k} must have shape {list(shapes[j])}, "
                                   f"got {list(p.array.shape)}")
            if p.dtype is not w0.dtype:
                raise RuntimeError(f"lstm: all parameters must have the same dtype, but {names[j]}_l{k} is "
                                   f"{p.dtype!r} and weight_ih_l0 is {w0.dtype!r}")
    if h0 is not None and h0.dtype is not input.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                           f"{_SCALAR_NAME.get(h0.dtype.name, h0.dtype.name)} and "
                           f"{_SCALAR_NAME.get(input.dtype.name, input.dtype.name)}")
    if c0 is not None and c0.dtype is not input.dtype:
        c0 = c0.to(input.dtype)
    if shape[0 if (unbatched or not batch_first) else 1] == 0:
        raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"lstm: expected a floating point input, got {input.dtype!r}")
    return params, h0, c0, num_layers, unbatched


def lstm(input, params, hx=None, *, num_layers=None, bias=True, batch_first=False, dropout=0.0,
         training=False, bidirectional=False, proj_size=0):
    """The fused LSTM; returns ``(output, h_n, c_n)`` (see the module docstring)."""
    if bidirectional:
        raise NotImplementedError("lstm: bidirectional=True is not supported by gradwire's fused LSTM "
                                  "(only one direction)")
    if proj_size:
        raise NotImplementedError("lstm: proj_size > 0 is not supported by gradwire's fused LSTM")
    dropout = float(dropout)
    if not 0.0 <= dropout <= 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout}")
    params, h0, c0, num_layers, unbatched = _check_args(input, hx, params, num_layers, bool(bias), batch_first)
    p = dropout if training else 0.0
    if input.dtype is not _dt.float32:  # torch's oneDNN layers are float32's; other dtypes run fused here
        return Lstm.apply(input, h0, c0, *params, num_layers=num_layers, has_biases=bool(bias),
                          batch_first=bool(batch_first), unbatched=unbatched, dropout=p)
    return _by_layers(input, params, h0, c0, num_layers, bool(bias), bool(batch_first), unbatched, p)


def _by_layers(x, params, h0, c0, num_layers, bias, batch_first, unbatched, p):
    """torch's CPU float32 LSTM graph: time-major input (the batch_first transpose, the unbatched unsqueeze),
    one MkldnnRnnLayer per layer (dropout between them), h_n and c_n stacked from the layers' states."""
    from ..ops.shape import select, squeeze, stack, transpose, unsqueeze  # noqa: PLC0415
    from .functional import dropout  # noqa: PLC0415
    if unbatched:
        x = unsqueeze(x, 1)
        h0, c0 = (None if h is None else unsqueeze(h, 1) for h in (h0, c0))
    elif batch_first:
        x = transpose(x, 0, 1)
    per = 4 if bias else 2
    hs, cs = [], []
    for k in range(num_layers):
        w = list(params[per * k:per * (k + 1)]) + ([] if bias else [None, None])
        hk, ck = (None if h is None else select(h, 0, k) for h in (h0, c0))
        x, hy, cy = MkldnnRnnLayer.apply(x, *w, hk, ck)
        hs.append(hy)
        cs.append(cy)
        if p and k < num_layers - 1:
            x = dropout(x, p, True)
    h_n, c_n = stack(hs), stack(cs)
    if unbatched:
        return squeeze(x, 1), squeeze(h_n, 1), squeeze(c_n, 1)
    return (transpose(x, 0, 1) if batch_first else x), h_n, c_n


WIRE: dict = {"lstm": lstm}
METHODS: dict = {}
