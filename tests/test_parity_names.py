"""grad_fn names and node structure as torch records them: ops that are one node in torch are one node
here (PixelShuffleBackward0, UpsampleBilinear2DBackward0, MkldnnRnnLayerBackward0 ...), with torch's
next_functions; each test also checks values or gradients without torch.
"""
from __future__ import annotations

import pytest

from test_parity_api import same_as_torch

pytestmark = pytest.mark.timeout(120)


def test_multi_output_ops_share_one_node(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([[1., 2., 4.], [7., 0., 3.]], requires_grad=True)
        v, m = torch.var_mean(x, 1)
        print(v.grad_fn, v.grad_fn is m.grad_fn, v.grad_fn.next_functions)
        s, m = torch.std_mean(x)
        print(s.grad_fn is m.grad_fn)
        u, s, vh = torch.linalg.svd(x, full_matrices=False)
        print(u.grad_fn is vh.grad_fn, x.unbind()[0].grad_fn is x.unbind()[0].grad_fn)
        a, b = x.split(2, 1)
        print(a.grad_fn, a.grad_fn is b.grad_fn)
        lo, hi = torch.aminmax(x, dim=1)
        print(lo, hi, lo.grad_fn is hi.grad_fn)
        (lo.sum() + 2 * hi.sum()).backward()
        print(x.grad)
    """)
    assert "<VarMeanBackward0" in out and out.count("True") == 5
    assert "tensor([[1., 0., 2.],\n        [2., 1., 0.]])" in out


def test_aminmax_dist_pdist_and_pairwise_distance_are_torch_nodes(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([[1., 7., 7.], [4., 1., 2.]], requires_grad=True)
        r = torch.aminmax(x)
        print(r, r.min.grad_fn.next_functions)
        (r.min + 2 * r.max).backward()
        print(x.grad)
        a = torch.tensor([3., 4.], requires_grad=True)
        b = torch.tensor([0., 0.], requires_grad=True)
        d = torch.dist(a, b)
        d.backward()
        print(d, d.grad_fn.next_functions, a.grad, b.grad)
        print(torch.dist(a, torch.zeros(2)).grad_fn.next_functions)
        p = torch.tensor([[0., 0.], [3., 4.], [0., 1.]], requires_grad=True)
        y = F.pdist(p)
        y.sum().backward()
        print(y, y.grad_fn.next_functions, p.grad)
        q = F.pairwise_distance(p, torch.zeros(3, 2))
        print(q.grad_fn, q.grad_fn.next_functions, q.grad_fn.next_functions[0][0].next_functions)
        print(F.pdist(p, float('inf')))
    """)
    assert "tensor(5., grad_fn=<DistBackward0>)" in out
    assert "tensor([0.6000, 0.8000]) tensor([-0.6000, -0.8000])" in out
    assert "tensor([5.0000, 1.0000, 4.2426], grad_fn=<PdistBackward0>)" in out
    assert "<NormBackward1" in out and "<AddBackward1" in out


def test_trapezoid_records_torch_scalar_overloads(gw):
    out = same_as_torch(gw, """
        y = torch.tensor([[1., 2., 4., 7.], [0., 1., 3., 2.]], requires_grad=True)
        t = torch.trapezoid(y)
        t.sum().backward()
        print(t, t.grad_fn.next_functions, y.grad)
        print(torch.trapz(y, dx=0.5, dim=0), torch.trapezoid(y, torch.tensor([0., 1., 3., 4.])))
    """)
    assert "tensor([10.,  5.], grad_fn=<MulBackward1>) ((<SubBackward0" in out
    assert "tensor([[0.5000, 1.0000, 1.0000, 0.5000]," in out
    assert "grad_fn=<DivBackward1>" in out


def test_interpolate_is_one_upsample_node_per_mode(gw):
    out = same_as_torch(gw, """
        x = torch.arange(8.).reshape(1, 2, 4).requires_grad_()
        for m in ['nearest', 'linear', 'nearest-exact']:
            y = F.interpolate(x, scale_factor=2, mode=m)
            print(m, y.grad_fn, y.grad_fn.next_functions, y[0, 0])
        x = torch.arange(16.).reshape(1, 1, 4, 4).requires_grad_()
        for m, ac in [('nearest', None), ('bilinear', False), ('bilinear', True), ('bicubic', False), ('area', None)]:
            y = F.interpolate(x, size=(3, 5), mode=m, align_corners=ac)
            g, = torch.autograd.grad((y * torch.arange(15.).reshape(y.shape)).sum(), x)
            print(m, ac, y.grad_fn, y.grad_fn.next_functions, round(g.sum().item(), 3))
        y = F.interpolate(torch.ones(1, 1, 2, 2, 2, requires_grad=True), scale_factor=2, mode='trilinear')
        print(y.grad_fn, y.sum())
        y = torch.nn.Upsample(scale_factor=1.5, mode='bilinear', align_corners=True)(x)
        print(y.grad_fn, y[0, 0, 1])
    """)
    assert "nearest <UpsampleNearest1DBackward0" in out and "<UpsampleLinear1DBackward0" in out
    assert "bicubic False <UpsampleBicubic2DBackward0" in out and "<UpsampleTrilinear3DBackward0" in out
    assert "tensor([0., 0., 1., 1., 2., 2., 3., 3.], grad_fn=<SelectBackward0>)" in out
    assert out.count(" 105.0\n") == 5  # every upsample passes the sum of the gradient through: sum(0..14)
    assert "tensor([2.4000, 3.0000, 3.6000, 4.2000, 4.8000, 5.4000],\n       grad_fn=<SelectBackward0>)" in out


def test_adaptive_max_pool_shuffles_fold_and_unfold_are_single_nodes(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([[[3., 1., 4., 1., 5.], [9., 2., 6., 5., 3.], [5., 8., 9., 7., 9.]]], requires_grad=True)
        y, i = F.adaptive_max_pool2d(x, (2, 3), return_indices=True)
        y.sum().backward()
        print(y, i, y.grad_fn.next_functions, x.grad)
        print(F.adaptive_max_pool1d(x, 2).grad_fn.next_functions)
        x = torch.arange(16.).reshape(1, 4, 2, 2).requires_grad_()
        y = F.pixel_shuffle(x, 2)
        z = F.pixel_unshuffle(y, 2)
        print(y[0, 0], z.grad_fn, z.grad_fn.next_functions, torch.equal(z, x))
        c = torch.nn.ChannelShuffle(2)(x)
        print(c[0, :, 0, 0], c.grad_fn.next_functions, torch.nn.ChannelShuffle(2))
        u = F.unfold(torch.arange(9.).reshape(1, 1, 3, 3).requires_grad_(), 2, padding=1, stride=2)
        f = F.fold(u, (3, 3), 2, padding=1, stride=2)
        print(u, u.grad_fn, f.grad_fn, f.grad_fn.next_functions)
    """)
    assert "tensor([[[9., 6., 5.],\n         [9., 9., 9.]]], grad_fn=<AdaptiveMaxPool2DBackward0>)" in out
    assert "tensor([[[ 5,  7,  4],\n         [ 5, 12, 14]]])" in out
    assert "((<AdaptiveMaxPool2DBackward0 object at" in out
    assert "tensor([[ 0.,  4.,  1.,  5.],\n        [ 8., 12.,  9., 13.]," in out and "True" in out
    assert "ChannelShuffle(groups=2)" in out and "<Col2ImBackward0" in out and "((<Im2ColBackward0" in out


def test_block_diag_fill_and_inplace_comparisons(gw):
    out = same_as_torch(gw, """
        a = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
        b = torch.tensor([5., 6.], requires_grad=True)
        y = torch.block_diag(a, b, torch.tensor(7.))
        (y * torch.arange(20.).reshape(y.shape)).sum().backward()
        print(y, y.grad_fn.next_functions, a.grad, b.grad)
        x = torch.ones(3, requires_grad=True)
        v = torch.tensor(2., requires_grad=True)
        y = torch.fill(x, v)
        (y * torch.tensor([1., 2., 3.])).sum().backward()
        print(y, y.grad_fn.next_functions, x.grad, v.grad, torch.fill(x, 3).grad_fn)
        x = torch.tensor([1., 2., 3.], requires_grad=True)
        for op, other in [('eq_', 2.), ('lt_', torch.tensor([2., 2., 2.])), ('ge_', torch.tensor(2.))]:
            z = x * 2
            getattr(z, op)(other)
            print(op, z, z.grad_fn, z.grad_fn.next_functions)
        (z * 5 + x).sum().backward()
        print(x.grad)
    """)
    assert "grad_fn=<BlockDiagBackward0>) ((<AccumulateGrad" in out
    assert "tensor([[0., 1.],\n        [5., 6.]]) tensor([12., 13.])" in out
    assert "tensor([2., 2., 2.], grad_fn=<FillBackward1>)" in out and "tensor(6.) <FillBackward0" in out
    assert "eq_ tensor([1., 0., 0.], grad_fn=<EqBackward0>)" in out
    assert "lt_ tensor([0., 0., 0.], grad_fn=<LtBackward1>)" in out and "(None, 0))" in out
    assert "tensor([1., 1., 1.])" in out  # the comparison passes zeros back


def test_pack_padded_sequence_and_rnn_output_nodes(gw):
    out = same_as_torch(gw, """
        pack = torch.nn.utils.rnn.pack_padded_sequence
        x = torch.arange(24.).reshape(3, 4, 2).requires_grad_()
        p = pack(x, [4, 2, 1], batch_first=True)
        (p.data * torch.arange(14.).reshape(7, 2)).sum().backward()
        print(p, p.data.grad_fn.next_functions, x.grad[1])
        print(pack(x, torch.tensor([1, 3, 2]), enforce_sorted=False).data.grad_fn.next_functions)
        torch.manual_seed(0)
        for cls in [torch.nn.RNN, torch.nn.GRU, torch.nn.LSTM]:
            for bf in [False, True]:
                m = cls(2, 3, batch_first=bf, num_layers=2)
                out, h = m(torch.ones(2, 4, 2))
                hh = h[0] if isinstance(h, tuple) else h
                print(cls.__name__, bf, out.grad_fn, out.grad_fn.next_functions if bf else '', hh.grad_fn,
                      hh.grad_fn.next_functions)
            out, h = m(pack(torch.ones(3, 2, 2), [3, 2]))
            print(out.data.grad_fn, out.data.shape)
        m = torch.nn.LSTM(2, 3).double()
        out, (h, c) = m(torch.ones(4, 2).double())
        print(out.grad_fn, h.grad_fn.next_functions)
        pack(x, [4, 2, 1, 1], batch_first=True)
    """)
    assert "batch_sizes=tensor([3, 2, 1, 1])" in out and "PackPaddedSequenceBackward0" not in out.split("\n")[0]
    assert "tensor([[2., 3.],\n        [8., 9.],\n        [0., 0.],\n        [0., 0.]])" in out
    assert "LSTM True <TransposeBackward0" in out and "((<MkldnnRnnLayerBackward0 object at 0x?>, 1)," in out
    assert out.endswith("!! RuntimeError: Expected `len(lengths)` to be equal to batch_size, but got 4 (batch_size=3)")


def test_lstm_layers_match_torch_values_and_gradients(gw):
    out = same_as_torch(gw, """
        m = torch.nn.LSTM(2, 3, num_layers=2, batch_first=True)
        with torch.no_grad():
            for i, p in enumerate(m.parameters()):
                p.copy_(torch.arange(p.numel(), dtype=p.dtype).reshape(p.shape).mul(0.37 + i).sin() * 0.5)
        x = torch.arange(16.).reshape(2, 4, 2).div(8).requires_grad_()
        h0 = torch.zeros(2, 2, 3, requires_grad=True)
        out, (h, c) = m(x, (h0, torch.zeros(2, 2, 3)))
        (out.sum() + h.pow(2).sum() + c.sum()).backward()
        print(out.grad_fn.next_functions[0][0].next_functions)
        print(round(out.sum().item(), 3), x.grad[0, 0], h0.grad[1, 0], m.bias_hh_l1.grad[:3])
    """)
    assert "(<SelectBackward0 object at 0x?>, 0), (None, 0))" in out
    assert out.split("\n")[1] == ("4.265 tensor([-0.1556, -0.1551]) tensor([0.1555, 0.2890, 0.1978]) "
                                   "tensor([0.5695, 0.6281, 1.1722])")


def test_inputs_that_need_no_grad_keep_their_edges(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([[1., -2., 3.], [0.5, 2., -1.]], requires_grad=True)
        w = torch.ones(3, 2)
        for y in [x @ w, F.linear(x, w.T, torch.ones(2)), F.mse_loss(x, torch.zeros(2, 3)), torch.cat([x, w.T]),
                  F.layer_norm(x, (3,)), F.conv1d(x[None], torch.ones(1, 2, 2)), x.masked_fill(x > 0, torch.tensor(1.)),
                  F.cross_entropy(x, torch.tensor([0, 2])), F.binary_cross_entropy_with_logits(x, torch.ones(2, 3)),
                  x.scatter_add(1, torch.tensor([[0], [2]]), torch.ones(2, 1)), torch.lerp(x, w.T, 0.5)]:
            print(y.grad_fn, y.grad_fn.next_functions)
        v = torch.tensor(7., requires_grad=True)
        y = x.index_fill(1, torch.tensor([0, 2]), v)
        (y * torch.arange(6.).reshape(2, 3)).sum().backward()
        print(y.grad_fn, y.grad_fn.next_functions, x.grad, v.grad)
        y = F.cross_entropy(x, torch.tensor([0, 2]), label_smoothing=0.2)
        print(y, y.grad_fn.next_functions)
        y = torch.cumulative_trapezoid(x, dx=2)
        print(y, y.grad_fn.next_functions)
    """)
    assert "<MmBackward0 object at 0x?> ((<AccumulateGrad object at 0x?>, 0), (None, 0))" in out
    assert "<NativeLayerNormBackward0 object at 0x?> ((<AccumulateGrad object at 0x?>, 0), (None, 0), (None, 0))" in out
    assert "<MaskedFillBackward1 object at 0x?> ((<AccumulateGrad object at 0x?>, 0), (None, 0))" in out
    assert "<NllLossBackward0" in out and "<IndexFillBackward1 object at 0x?> ((<AccumulateGrad" in out
    assert "tensor([[0., 1., 0.],\n        [0., 4., 0.]]) tensor(10.)" in out
    assert "((<MulBackward1 object at 0x?>, 0), (<MulBackward1 object at 0x?>, 0))" in out
    assert "tensor([[-1.0000,  0.0000],\n        [ 2.5000,  3.5000]], grad_fn=<CumsumBackward0>) ((<MulBackward1" in out


def test_padding_sequences_copies_into_place_as_torch(gw):
    out = same_as_torch(gw, """
        rnn = torch.nn.utils.rnn
        a = torch.arange(6.).reshape(3, 2).requires_grad_()
        b = torch.arange(4.).reshape(2, 2).add(10).requires_grad_()
        s = rnn.pad_sequence([b, a], batch_first=True, padding_value=-1, padding_side='left')
        print(s, s.grad_fn)
        p = rnn.pack_sequence([b, a], enforce_sorted=False)
        o, n = rnn.pad_packed_sequence(p, padding_value=-2., total_length=4)
        (o * torch.arange(16.).reshape(o.shape)).sum().backward()
        print(o.grad_fn, n, a.grad, b.grad)
        print([t.grad_fn for t in rnn.unpack_sequence(p)])
    """)
    assert "tensor([[[-1., -1.],\n         [10., 11.],\n         [12., 13.]]," in out
    assert "<IndexSelectBackward0 object at 0x?> tensor([2, 3]) tensor([[ 2.,  3.],\n        [ 6.,  7.],\n        [10., 11.]])" in out
    assert "tensor([[0., 1.],\n        [4., 5.]])" in out and "[<IndexBackward0 object at 0x?>, <IndexBackward0" in out
