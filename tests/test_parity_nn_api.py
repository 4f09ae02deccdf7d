"""nn.Module's API, hooks, losses, optimizers and torch.save/load as a training script uses them,
against torch (see test_parity_api.same_as_torch), each also checked against exact expected output."""
from __future__ import annotations

import pytest

from test_parity_api import same_as_torch

pytestmark = pytest.mark.timeout(120)


def test_registration_errors_name_the_attribute_as_torch(gw):
    out = same_as_torch(gw, """
        m = nn.Linear(2, 2)
        for f in (lambda: m.register_parameter('foo', torch.ones(2)), lambda: m.register_parameter('a.b', None),
                  lambda: m.register_parameter('', None), lambda: m.register_buffer('weight', torch.ones(2)),
                  lambda: m.register_buffer('x', 3), lambda: nn.Sequential().add_module('a.b', nn.ReLU()),
                  lambda: nn.Sequential().add_module('x', 3), lambda: m.add_module('weight', nn.ReLU()),
                  lambda: setattr(m, 'weight', torch.ones(2, 2))):
            try:
                f()
            except (KeyError, TypeError) as e:
                print(type(e).__name__, e)
        m.foo = 1
        try:
            m.register_parameter('foo', nn.Parameter(torch.ones(1)))
        except KeyError as e:
            print(e)
    """)
    assert out.splitlines()[0] == ("TypeError cannot assign 'torch.FloatTensor' object to parameter 'foo' "
                                   "(torch.nn.Parameter or None required)")
    assert out.splitlines()[-1] == "\"attribute 'foo' already exists\""


def test_named_members_with_duplicates_and_half(gw):
    out = same_as_torch(gw, """
        l = nn.Linear(2, 2)
        m = nn.Sequential(l, l, nn.BatchNorm1d(2))
        print([n for n, _ in m.named_parameters()])
        print([n for n, _ in m.named_parameters(remove_duplicate=False)])
        print([n for n, _ in m.named_modules(remove_duplicate=False)])
        print([n for n, _ in m.named_buffers(prefix='p')])
        print(m.half()[0].weight.dtype, m.double()[2].running_mean.dtype)
    """)
    assert out.splitlines()[1] == "['0.weight', '0.bias', '1.weight', '1.bias', '2.weight', '2.bias']"
    assert out.splitlines()[-1] == "torch.float16 torch.float64"


def test_load_state_dict_gathers_every_error(gw):
    out = same_as_torch(gw, """
        m = nn.Linear(2, 2)
        for sd, strict in [({'weight': torch.ones(3, 2)}, True), ({'weight': torch.ones(3, 2), 'bias': torch.ones(3)}, False),
                           ({'weight': torch.ones(2, 2), 'bias': torch.ones(2), 'foo': torch.ones(1)}, True), ([1], True)]:
            try:
                print(m.load_state_dict(sd, strict=strict))
            except (RuntimeError, TypeError) as e:
                print(type(e).__name__, e)
        print(m.load_state_dict({'weight': torch.ones(2, 2), 'bias': torch.ones(2), 'x.y': torch.ones(1)}, strict=False))
        b = nn.BatchNorm1d(2)
        print(b.load_state_dict({'weight': torch.ones(2), 'bias': torch.ones(2), 'running_mean': torch.ones(2),
                                 'running_var': torch.ones(2)}), b.num_batches_tracked)
        m.load_state_dict({'weight': torch.ones(2, 2, dtype=torch.float64), 'bias': torch.ones(2, dtype=torch.float64)},
                          assign=True)
        print(m.weight.dtype, type(m.weight).__name__, m.weight.requires_grad)
    """)
    assert 'Missing key(s) in state_dict: "bias". \n\tsize mismatch for weight' in out
    assert "_IncompatibleKeys(missing_keys=[], unexpected_keys=['x.y'])" in out
    assert "TypeError Expected state_dict to be dict-like, got <class 'list'>." in out
    assert out.splitlines()[-1] == "torch.float64 Parameter True"


def test_embedding_max_norm_renormalizes_the_rows_looked_up(gw):
    out = same_as_torch(gw, """
        w = torch.tensor([[3., 4.], [0.3, 0.4], [6., 8.]])
        e = nn.Embedding.from_pretrained(w, max_norm=1.0, padding_idx=-1)
        print(e)
        print(e(torch.tensor([0, 1])).tolist(), e.weight[2].tolist())
    """)
    assert out.splitlines()[0] == "Embedding(3, 2, padding_idx=2, max_norm=1.0)"
    assert "[0.6000000238418579, 0.800000011920929], [0.30000001192092896, 0.4000000059604645]" in out


def test_backward_pre_hook_always_call_and_global_hooks(gw):
    out = same_as_torch(gw, """
        m = nn.Linear(2, 1)
        with torch.no_grad():
            m.weight.fill_(1.); m.bias.fill_(0.)
        m.register_full_backward_pre_hook(lambda mod, gout: (gout[0] * 3,))
        x = torch.ones(1, 2, requires_grad=True)
        m(x).sum().backward()
        print(x.grad.tolist(), m.weight.grad.tolist())
        class Boom(nn.Module):
            def forward(self, x):
                raise ValueError('boom')
        b = Boom()
        b.register_forward_hook(lambda mod, a, o: print('called', o), always_call=True)
        try:
            b(torch.ones(1))
        except ValueError as e:
            print(e)
        h = nn.modules.module.register_module_forward_hook(lambda mod, i, o: print('global', type(mod).__name__))
        g = nn.modules.module.register_module_forward_pre_hook(lambda mod, i: print('pre', type(mod).__name__))
        nn.Sequential(nn.ReLU())(torch.ones(1))
        h.remove(); g.remove()
        nn.ReLU()(torch.ones(1))
    """)
    assert out == ("[[3.0, 3.0]] [[3.0, 3.0]]\ncalled None\nboom\npre Sequential\npre ReLU\nglobal ReLU\n"
                   "global Sequential\n")


def test_loss_weights_are_buffers_and_logits_sizes_must_match(gw):
    out = same_as_torch(gw, """
        print(nn.CrossEntropyLoss(weight=torch.tensor([1., 2.])).state_dict())
        print(list(nn.BCEWithLogitsLoss(pos_weight=torch.ones(2)).state_dict()), nn.NLLLoss().state_dict())
        print(nn.SmoothL1Loss(beta=0.5)(torch.tensor([1., 2.]), torch.tensor([1.25, 4.])))
        try:
            F.binary_cross_entropy_with_logits(torch.tensor([0.2, 0.5]), torch.tensor([0., 1., 1.]))
        except ValueError as e:
            print(e)
    """)
    assert out == ("OrderedDict([('weight', tensor([1., 2.]))])\n['pos_weight'] OrderedDict()\ntensor(0.9062)\n"
                   "Target size (torch.Size([3])) must be the same as input size (torch.Size([2]))\n")


def test_multilabel_margin_loss(gw):
    x = gw.tensor([[0.1, 0.2, 0.4, 0.8], [0.5, -1., 2., 0.]], requires_grad=True)
    t = gw.tensor([[3, 0, -1, 1], [1, 2, 3, -1]])
    loss = gw.nn.MultiLabelMarginLoss()(x, t)
    loss.backward()
    assert abs(loss.item() - 0.925) < 1e-6
    assert x.grad.tolist() == [[-0.25, 0.25, 0.25, -0.25], [0.25, -0.125, 0.0, -0.125]]
    same_as_torch(gw, """
        x = torch.tensor([[0.1, 0.2, 0.4, 0.8], [0.5, -1., 2., 0.]])
        print(F.multilabel_margin_loss(x, torch.tensor([[3, 0, -1, 1], [1, 2, 3, -1]]), reduction='none'))
        print(F.multilabel_margin_loss(torch.tensor([0.1, 0.2, 0.4]), torch.tensor([2, -1, 0]), reduction='none'))
    """)


def test_init_functions_and_their_errors(gw):
    out = same_as_torch(gw, """
        print(nn.init.eye_(torch.empty(2, 3)), nn.init.dirac_(torch.empty(2, 2, 3)))
        t = nn.init.orthogonal_(torch.empty(3, 5))
        print(torch.allclose(t @ t.T, torch.eye(3), atol=1e-5))
        t = nn.init.trunc_normal_(torch.empty(1000), std=0.5, a=-1., b=1.)
        print(bool(t.min() >= -1), bool(t.max() <= 1), bool(t.std() > 0.3))
        print((nn.init.sparse_(torch.empty(10, 4), 0.5) == 0).sum(0))
        print(nn.init.calculate_gain('conv2d'), nn.init.calculate_gain('leaky_relu', 0.2))
        for f in (lambda: nn.init.orthogonal_(torch.empty(3)), lambda: nn.init.calculate_gain('leaky_relu', 'x'),
                  lambda: nn.init.kaiming_uniform_(torch.empty(2, 2), mode='foo'),
                  lambda: nn.init.xavier_uniform_(torch.empty(3))):
            try:
                f()
            except ValueError as e:
                print(e)
    """)
    assert "tensor([5, 5, 5, 5])\n1 1.3867504905630728\n" in out
    assert "Mode foo not supported, please use one of ['fan_in', 'fan_out']" in out


def test_clip_grad_norm_edge_cases_and_total_norm(gw):
    out = same_as_torch(gw, """
        print(nn.utils.clip_grad_norm_([], 1.0))
        p = nn.Parameter(torch.tensor([3., 4.])); p.grad = torch.tensor([3., 4.])
        print(nn.utils.get_total_norm([p.grad, torch.tensor([12.])]))
        nn.utils.clip_grads_with_norm_([p], 1.0, torch.tensor(5.))
        print(p.grad)
    """)
    assert out == "tensor(0.)\ntensor(13.)\ntensor([0.6000, 0.8000])\n"


def test_optimizer_takes_named_parameters_and_checks_params_as_torch(gw):
    out = same_as_torch(gw, """
        m = nn.Linear(2, 1)
        with torch.no_grad():
            m.weight.fill_(1.); m.bias.fill_(0.)
        o = torch.optim.SGD(m.named_parameters(), lr=0.1, momentum=0.9)
        print(o.state_dict()['param_groups'])
        m(torch.ones(1, 2)).sum().backward(); o.step()
        print(m.weight.tolist(), list(o.state_dict()['state'][0]))
        for f in (lambda: o.add_param_group({'params': [nn.Parameter(torch.ones(1))]}),
                  lambda: torch.optim.SGD(nn.Parameter(torch.ones(1)), lr=0.1),
                  lambda: torch.optim.SGD({'params': [nn.Parameter(torch.ones(1))]}, lr=0.1),
                  lambda: torch.optim.SGD({nn.Parameter(torch.ones(1))}, lr=0.1),
                  lambda: torch.optim.Adam([('w', m.weight), m.bias])):
            try:
                f()
            except (TypeError, ValueError) as e:
                print(type(e).__name__, e)
        import warnings
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter('always')
            torch.optim.SGD([m.bias, m.bias], lr=0.1)
        print([str(w.message)[:60] for w in ws])
    """)
    assert "'param_names': ['weight', 'bias']" in out and "[[0.8999999761581421, 0.8999999761581421]]" in out
    assert "TypeError optimizer can only optimize Tensors, but one of the params is str" in out
    assert "['optimizer contains a parameter group with duplicate paramete']" in out


def test_save_load_keeps_parameters_sizes_dtypes_devices(gw, tmp_path):
    path = str(tmp_path / "ck.pt")
    out = same_as_torch(gw, f"""
        p = nn.Parameter(torch.tensor([1., 2.]))
        torch.save({{'p': p, 'size': torch.Size([2, 3]), 'dtype': torch.float64, 'dev': torch.device('cpu'),
                    'frozen': nn.Parameter(torch.ones(1), requires_grad=False)}}, {path!r},
                   _use_new_zipfile_serialization=True)
        d = torch.load({path!r}, weights_only=True, mmap=False)
        print(d['p'], type(d['p']).__name__, d['size'], d['dtype'], d['dev'], d['frozen'].requires_grad)
    """)
    assert out == ("Parameter containing:\ntensor([1., 2.], requires_grad=True) Parameter torch.Size([2, 3]) "
                   "torch.float64 cpu False\n")


def test_channel_and_alpha_dropouts(gw):
    out = same_as_torch(gw, """
        y = F.dropout1d(torch.ones(4, 8, 3), 0.5)
        print(y.shape, bool(((y == 0) | (y == 2)).all()), bool((y[:, :, 0:1] == y).all()))
        y = nn.Dropout2d(0.5)(torch.ones(2, 4, 3, 3)); print(bool((y[:, :, :1, :1] == y).all()))
        print(F.dropout3d(torch.ones(3, 4, 4, 4), 1.0).sum(), nn.Dropout3d(0.2))
        print(F.alpha_dropout(torch.ones(3), 0.5), F.alpha_dropout(torch.ones(2), 1.0, training=True))
        print(len(set(round(v, 4) for v in F.alpha_dropout(torch.ones(1000), 0.5, training=True).tolist())))
        try:
            F.dropout1d(torch.ones(2, 3, 4, 5))
        except RuntimeError as e:
            print(str(e)[:60])
    """)
    assert out.splitlines()[0] == "torch.Size([4, 8, 3]) True True"
    assert "tensor(0.) Dropout3d(p=0.2, inplace=False)" in out and out.splitlines()[-2] == "2"


def test_state_dict_metadata_versions_and_module_dir(gw):
    out = same_as_torch(gw, """
        m = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm3d(2))
        sd = m.state_dict()
        print(sd._metadata)
        del sd['1.num_batches_tracked']
        try:
            m.load_state_dict(sd)
        except RuntimeError as e:
            print(e)
        print(m.load_state_dict(dict(sd)))
        print('0' in dir(m), 'weight' in dir(m[0]), nn.Sequential(nn.ReLU()) * 2)
    """)
    assert "OrderedDict([('', {'version': 1}), ('0', {'version': 1}), ('1', {'version': 2})])" in out
    assert 'Missing key(s) in state_dict: "1.num_batches_tracked".' in out
    assert "<All keys matched successfully>\nFalse True Sequential(" in out


def test_adam_decoupled_weight_decay_and_adamw_options(gw):
    out = same_as_torch(gw, """
        for make in (lambda p: torch.optim.Adam([p], lr=0.1, decoupled_weight_decay=True, weight_decay=0.5),
                     lambda p: torch.optim.AdamW([p], lr=0.1, weight_decay=0.5, foreach=True)):
            p = nn.Parameter(torch.tensor([1., -2.]))
            o = make(p)
            for _ in range(2):
                o.zero_grad(); (p ** 2).sum().backward(); o.step()
            print([round(v, 4) for v in p.tolist()], o.defaults['foreach'], o.defaults['decoupled_weight_decay'])
    """)
    assert out == "[0.7082, -1.6104] None True\n[0.7082, -1.6104] True True\n"


def test_loss_signatures_weights_and_local_response_norm(gw):
    out = same_as_torch(gw, """
        a = torch.tensor([1., 2., 3.]); b = torch.tensor([2., 2., 5.]); w = torch.tensor([1., 0., 2.])
        for r in ('none', 'mean', 'sum'):
            print(F.mse_loss(a, b, weight=w, reduction=r), F.l1_loss(a, b, weight=w, reduction=r),
                  F.huber_loss(a, b, weight=w, reduction=r))
        print(F.cross_entropy(torch.tensor([[1., 2.]]), torch.tensor([1]), None, None, -100, None, 'sum'))
        print(F.softmax(torch.tensor([[0., 0.]]), 1, 5, torch.float64))
        print(F.local_response_norm(torch.arange(8.).reshape(1, 4, 2), 2), nn.LocalResponseNorm(3))
    """)
    assert out.splitlines()[1] == "tensor(3.) tensor(1.6667) tensor(1.1667)"
    assert "tensor([[0.5000, 0.5000]], dtype=torch.float64)" in out
    assert "[1.9997, 2.9989]" in out and "LocalResponseNorm(3, alpha=0.0001, beta=0.75, k=1.0)" in out


def test_state_dict_hooks_extra_state_and_shared_modules(gw):
    out = same_as_torch(gw, """
        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.l = nn.Linear(1, 1)
                self.step = 0
            def get_extra_state(self):
                return {'step': self.step}
            def set_extra_state(self, state):
                self.step = state['step']
        m = M(); m.step = 5
        m.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: print('pre', repr(prefix), keep_vars))
        m.register_state_dict_post_hook(lambda mod, sd, prefix, meta: print('post', list(sd)))
        sd = m.state_dict()
        m2 = M()
        m2.register_load_state_dict_pre_hook(lambda mod, sd, prefix, *rest: print('lpre', list(sd)))
        m2.register_load_state_dict_post_hook(lambda mod, keys: print('lpost', keys))
        print(m2.load_state_dict(sd), m2.step)
        del sd['_extra_state']
        print(m2.load_state_dict(sd, strict=False))
        l = nn.Linear(1, 1)
        s = nn.Sequential(l, l)
        print(list(s.state_dict()), s.load_state_dict(s.state_dict()))
        s.set_submodule('1', nn.ReLU()); print(s)
    """)
    assert out.splitlines()[:2] == ["pre '' False", "post ['_extra_state', 'l.weight', 'l.bias']"]
    assert "lpost <All keys matched successfully>\n<All keys matched successfully> 5" in out
    assert "['0.weight', '0.bias', '1.weight', '1.bias'] <All keys matched successfully>" in out


def test_parametrize_and_weight_norm(gw):
    out = same_as_torch(gw, """
        P = nn.utils.parametrize
        class Double(nn.Module):
            def forward(self, X):
                return X * 2
            def right_inverse(self, X):
                return X / 2
        m = nn.Linear(2, 2)
        with torch.no_grad():
            m.weight.copy_(torch.tensor([[1., 2.], [3., 4.]]))
        P.register_parametrization(m, 'weight', Double())
        print(m.weight.tolist(), m.parametrizations.weight.original.tolist(), type(m).__name__)
        m.weight = torch.tensor([[2., 2.], [2., 2.]])
        print(m.parametrizations.weight.original.tolist(), [n for n, _ in m.named_parameters()])
        with P.cached():
            print(m.weight is m.weight)
        print(m)
        P.remove_parametrizations(m, 'weight'); print(type(m).__name__, m.weight.tolist())
        lin = nn.Linear(2, 3)
        with torch.no_grad():
            lin.weight.copy_(torch.tensor([[3., 4.], [1., 0.], [0., 2.]])); lin.bias.zero_()
        w = nn.utils.parametrizations.weight_norm(lin)
        w(torch.ones(1, 2)).sum().backward()
        print(w.parametrizations.weight.original0.grad.tolist(), list(w.state_dict()))
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            old = nn.utils.weight_norm(nn.Linear(2, 3))
        print([n for n, _ in old.named_parameters()])
        nn.utils.remove_weight_norm(old); print([n for n, _ in old.named_parameters()])
    """)
    assert out.splitlines()[0] == "[[1.0, 2.0], [3.0, 4.0]] [[0.5, 1.0], [1.5, 2.0]] ParametrizedLinear"
    assert "[[1.0, 1.0], [1.0, 1.0]] ['bias', 'parametrizations.weight.original']" in out
    assert "Linear [[2.0, 2.0], [2.0, 2.0]]" in out
    assert "[[1.399999976158142], [1.0], [1.0]]" in out


def test_user_optimizer_subclass_and_optimizer_hooks(gw):
    out = same_as_torch(gw, """
        class MySGD(torch.optim.Optimizer):
            def __init__(self, params, lr=0.01, momentum=0.0):
                super().__init__(params, dict(lr=lr, momentum=momentum))
            @torch.no_grad()
            def step(self, closure=None):
                for group in self.param_groups:
                    for p in group['params']:
                        if p.grad is None:
                            continue
                        state = self.state[p]
                        if 'buf' not in state:
                            state['buf'] = torch.zeros_like(p)
                            state['step'] = 0
                        state['step'] += 1
                        state['buf'].mul_(group['momentum']).add_(p.grad)
                        p.add_(state['buf'], alpha=-group['lr'])
        w = nn.Parameter(torch.tensor([1., 2.]))
        opt = MySGD([w], lr=0.5, momentum=0.5)
        opt.register_step_pre_hook(lambda o, a, k: print('pre step'))
        opt.register_step_post_hook(lambda o, a, k: print('post step'))
        for _ in range(2):
            opt.zero_grad(); (w ** 2).sum().backward(); opt.step()
        print(w.tolist(), opt.state_dict())
        opt2 = MySGD([nn.Parameter(torch.tensor([1., 2.], dtype=torch.float64))], lr=0.1)
        opt2.load_state_dict(opt.state_dict())
        print(opt2.param_groups[0]['lr'], list(opt2.state.values())[0]['buf'].dtype)
        sgd = torch.optim.SGD([w], lr=0.1)
        sgd.register_state_dict_post_hook(lambda o, sd: print('sd post', list(sd)))
        sgd.register_load_state_dict_pre_hook(lambda o, sd: print('load pre'))
        sgd.load_state_dict(sgd.state_dict())
    """)
    assert out.startswith("pre step\npost step\npre step\npost step\n[-0.5, -1.0] {'state': {0: {'buf': tensor([1., 2.]), 'step': 2}}")
    assert "0.5 torch.float64\nsd post ['state', 'param_groups']\nload pre\n" in out


def test_embedding_bag_modes_offsets_and_padding(gw):
    out = same_as_torch(gw, """
        w = torch.arange(12.).reshape(4, 3).requires_grad_()
        inp = torch.tensor([1, 2, 0, 3, 3]); off = torch.tensor([0, 2, 2])
        for mode in ('sum', 'mean', 'max'):
            print(F.embedding_bag(inp, w, off, mode=mode).tolist())
        F.embedding_bag(inp, w, off, mode='mean').sum().backward(); print(w.grad)
        w = torch.arange(12.).reshape(4, 3)
        print(F.embedding_bag(torch.tensor([[0, 1], [2, 3]]), w, mode='max').tolist())
        print(F.embedding_bag(torch.tensor([1, 2, 0]), w, torch.tensor([0, 1, 3]), include_last_offset=True,
                              mode='sum').tolist())
        print(F.embedding_bag(torch.tensor([1, 2, 0]), w, torch.tensor([0, 1]),
                              per_sample_weights=torch.tensor([1., 2., 3.]), mode='sum').tolist())
        print(F.embedding_bag(torch.tensor([1, 2, 0, 0]), w, torch.tensor([0, 2]), padding_idx=0).tolist())
        print(nn.EmbeddingBag(10, 3, mode='sum'), nn.EmbeddingBag(10, 3, padding_idx=2, max_norm=1.))
    """)
    assert out.splitlines()[0] == "[[9.0, 11.0, 13.0], [0.0, 0.0, 0.0], [18.0, 21.0, 24.0]]"
    assert "[[3.0, 4.0, 5.0], [9.0, 10.0, 11.0]]" in out
    assert "[[4.5, 5.5, 6.5], [0.0, 0.0, 0.0]]" in out


def test_full_backward_hooks_zero_grads_for_inputs_without_grad_and_global_hooks(gw):
    out = same_as_torch(gw, """
        class Mul(nn.Module):
            def forward(self, a, b):
                return a * b
        m = Mul()
        m.register_full_backward_hook(lambda mod, gin, gout: print('gin', gin, 'gout', gout))
        a = torch.tensor([1., 2.], requires_grad=True)
        h = nn.modules.module.register_module_full_backward_hook(lambda mod, gin, gout: print('global', type(mod).__name__))
        g = nn.modules.module.register_module_full_backward_pre_hook(lambda mod, gout: print('global pre'))
        m(a, torch.tensor([3., 4.])).sum().backward()
        h.remove(); g.remove()
        m(a, torch.tensor([3., 4.])).sum().backward()
    """)
    assert out == ("global pre\nglobal Mul\ngin (tensor([3., 4.]), tensor([0., 0.])) gout (tensor([1., 1.]),)\n"
                   "gin (tensor([3., 4.]), tensor([0., 0.])) gout (tensor([1., 1.]),)\n")


def test_spectral_norm_both_forms(gw):
    out = same_as_torch(gw, """
        for make in (nn.utils.spectral_norm, nn.utils.parametrizations.spectral_norm):
            lin = nn.Linear(3, 2)
            with torch.no_grad():
                lin.weight.copy_(torch.tensor([[3., 0., 0.], [0., 1., 0.]]))
            m = make(lin)
            print(list(m.state_dict()))
            for _ in range(30):  # converged whatever the random start of the power iteration
                m(torch.ones(1, 3))
            print([[round(v, 3) for v in row] for row in m.weight.tolist()])
        nn.utils.remove_spectral_norm(nn.utils.spectral_norm(lin := nn.Linear(2, 2)))
        print([n for n, _ in lin.named_parameters()])
    """)
    assert out.splitlines()[0] == "['bias', 'weight_orig', 'weight_u', 'weight_v']"
    assert out.splitlines()[1] == "[[1.0, 0.0, 0.0], [0.0, 0.333, 0.0]]"
    assert "'parametrizations.weight.original', 'parametrizations.weight.0._u'" in out


def test_gumbel_lp_pool_max_unpool_channel_shuffle_triplet_with_distance(gw):
    out = same_as_torch(gw, """
        h = F.gumbel_softmax(torch.tensor([[1., 2., 3.], [0., 0., 10.]], requires_grad=True), hard=True)
        print(h.sum(-1), set(h.flatten().tolist()) <= {0., 1.})
        x = torch.arange(1., 9.).reshape(1, 2, 4)
        print(F.lp_pool1d(x, 2, 2), F.lp_pool2d(x.reshape(1, 1, 2, 4), 1, (2, 2)), nn.LPPool2d(2, 3, stride=2))
        x = torch.arange(1., 17.).reshape(1, 1, 4, 4).requires_grad_()
        out, idx = F.max_pool2d(x, 2, return_indices=True)
        u = nn.MaxUnpool2d(2)(out, idx, output_size=x.size()); u.sum().backward()
        print(u.tolist(), x.grad.tolist())
        print(F.channel_shuffle(torch.arange(6.).reshape(1, 6, 1), 3).flatten().tolist())
        a = torch.tensor([[1., 2.]]); p = torch.tensor([[1., 3.]]); n = torch.tensor([[0., 2.]])
        l = nn.TripletMarginWithDistanceLoss(margin=0.5); print(l(a, p, n), l)
    """)
    assert "[[[[0.0, 0.0, 0.0, 0.0], [0.0, 6.0, 0.0, 8.0], [0.0, 0.0, 0.0, 0.0], [0.0, 14.0, 0.0, 16.0]]]]" in out
    assert "[0.0, 2.0, 4.0, 1.0, 3.0, 5.0]" in out and "(distance_function): PairwiseDistance()" in out


def test_nn_buffer_and_deprecated_init_names(gw):
    out = same_as_torch(gw, """
        class M(nn.Module):
            def __init__(s):
                super().__init__()
                s.x = nn.Buffer(torch.ones(2), persistent=False)
                s.y = nn.Buffer(torch.zeros(1))
        m = M()
        print(list(m.state_dict()), [n for n, _ in m.named_buffers()], isinstance(m.x, nn.Buffer),
              isinstance(torch.ones(1), nn.Buffer))
        m.x = torch.zeros(2); print(list(m.state_dict()), m.x)
        import warnings
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter('always')
            print(nn.init.constant(torch.empty(2), 0.5))
        print([str(w.message) for w in ws])
    """)
    assert out == ("['y'] ['x', 'y'] True False\n['y'] tensor([0., 0.])\ntensor([0.5000, 0.5000])\n"
                   "['`nn.init.constant` is now deprecated in favor of `nn.init.constant_`.']\n")


def test_swa_utils_averaged_model_swalr_update_bn(gw):
    out = same_as_torch(gw, """
        m = nn.Linear(2, 1)
        with torch.no_grad():
            m.weight.fill_(1.); m.bias.fill_(0.)
        swa = torch.optim.swa_utils.AveragedModel(m)
        ema = torch.optim.swa_utils.AveragedModel(m, multi_avg_fn=torch.optim.swa_utils.get_ema_multi_avg_fn(0.5))
        for v in [1., 2., 6.]:
            with torch.no_grad():
                m.weight.fill_(v)
            swa.update_parameters(m); ema.update_parameters(m)
        print(swa.module.weight.tolist(), swa.n_averaged, ema.module.weight.tolist(), list(swa.state_dict()))
        bn = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
        with torch.no_grad():
            bn[0].weight.copy_(torch.eye(2)); bn[0].bias.zero_()
        torch.optim.swa_utils.update_bn([torch.tensor([[1., 2.], [3., 4.]]), torch.tensor([[5., 6.], [7., 8.]])], bn)
        print(bn[1].running_mean, bn[1].running_var, bn[1].momentum)
        p = nn.Parameter(torch.ones(1))
        o = torch.optim.SGD([p], lr=1.0)
        s = torch.optim.swa_utils.SWALR(o, swa_lr=0.1, anneal_epochs=2, anneal_strategy='linear')
        for _ in range(3):
            o.step(); s.step(); print(round(o.param_groups[0]['lr'], 6))
    """)
    assert out.splitlines()[0] == ("[[3.0, 3.0]] tensor(3) [[3.75, 3.75]] ['n_averaged', 'module.weight', "
                                   "'module.bias']")
    assert "tensor([4., 5.]) tensor([2., 2.]) 0.1\n0.55\n0.1\n0.1\n" in out


def test_lazy_linear_and_conv_become_regular_modules(gw):
    out = same_as_torch(gw, """
        m = nn.Sequential(nn.LazyLinear(2), nn.ReLU(), nn.LazyConv1d(4, 1, bias=False))
        print(m, m[0].weight, list(m.state_dict()))
        opt = torch.optim.SGD(m.parameters(), lr=0.1)
        m(torch.ones(3, 7)).sum().backward(); opt.step()
        print(m, [p.shape for p in m.parameters()], type(m[0].weight).__name__)
        full = nn.Linear(4, 3)
        lazy = nn.LazyLinear(3)
        print(lazy.load_state_dict(full.state_dict()), type(lazy).__name__, torch.equal(lazy.weight, full.weight))
        lazy(torch.ones(1, 4)); print(type(lazy).__name__, torch.equal(lazy.weight, full.weight))
    """)
    assert "(0): LazyLinear(in_features=0, out_features=2, bias=True)" in out and "<UninitializedParameter>" in out
    assert "(2): Conv1d(3, 4, kernel_size=(1,), stride=(1,), bias=False)" in out
    assert out.endswith("<All keys matched successfully> LazyLinear True\nLinear True\n")


def test_alpha_dropout_values_are_atens(gw):
    out = same_as_torch(gw, """
        for f in (torch.alpha_dropout, lambda x, p, t: F.alpha_dropout(x, p, t)):
            print(sorted(set(round(v, 4) for v in f(torch.ones(64), 0.5, True).tolist())))
    """)
    assert out == "[-0.7792, 1.6656]\n[-0.7792, 1.6656]\n"
