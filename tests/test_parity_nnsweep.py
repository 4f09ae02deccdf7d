"""torch.nn / torch.optim / torch.utils.data details found by a sweep against torch 2.13: each test runs
its snippet under torch and gradwire (same_as_torch) and also checks the exact expected output."""
from __future__ import annotations

import pytest

from tests.test_parity_api import same_as_torch, same_as_torch_without_errors

pytestmark = pytest.mark.timeout(120)


def test_distributed_sampler_with_explicit_replicas(gw):
    out = same_as_torch_without_errors(gw, """
        D = torch.utils.data
        for drop_last in (False, True):
            for shuffle in (False, True):
                parts = []
                for rank in range(3):
                    s = D.DistributedSampler(range(10), num_replicas=3, rank=rank, shuffle=shuffle, drop_last=drop_last)
                    s.set_epoch(2)
                    idx = list(s)
                    parts.append((len(s), s.num_samples, s.total_size, len(idx)) + ((idx,) if not shuffle else ()))
                print(parts)
        s = torch.utils.data.distributed.DistributedSampler(range(5), num_replicas=2, rank=0, shuffle=True, seed=3)
        print(sorted(set(list(s)) | set(list(D.DistributedSampler(range(5), num_replicas=2, rank=1, seed=3)))))
        print(s.epoch, s.seed, s.shuffle, s.drop_last, s.rank, s.num_replicas, isinstance(s, D.Sampler))
        ds = D.TensorDataset(torch.arange(10))
        print([b[0].tolist() for b in D.DataLoader(ds, batch_size=2, sampler=D.DistributedSampler(ds, 2, 1, shuffle=False))])
        for kw in (dict(num_replicas=3, rank=3), dict(num_replicas=3, rank=-1), dict()):
            try:
                D.DistributedSampler(range(10), **kw)
            except ValueError as e:
                print(e)
    """)
    lines = out.splitlines()
    assert lines[0] == "[(4, 4, 12, 4, [0, 3, 6, 9]), (4, 4, 12, 4, [1, 4, 7, 0]), (4, 4, 12, 4, [2, 5, 8, 1])]"
    assert lines[2] == "[(3, 3, 9, 3, [0, 3, 6]), (3, 3, 9, 3, [1, 4, 7]), (3, 3, 9, 3, [2, 5, 8])]"
    assert lines[4] == "[0, 1, 2, 3, 4]"
    assert lines[6] == "[[1, 3], [5, 7], [9]]"
    assert lines[7:] == ["Invalid rank 3, rank should be in the interval [0, 2]",
                         "Invalid rank -1, rank should be in the interval [0, 2]",
                         "Default process group has not been initialized, please make sure to call init_process_group."]


def test_data_loader_fixed_attributes_subset_getitems_and_split_fractions(gw):
    out = same_as_torch_without_errors(gw, """
        D = torch.utils.data
        dl = D.DataLoader(range(5), batch_size=2)
        for name in ("batch_size", "sampler", "drop_last", "dataset"):
            try:
                setattr(dl, name, 3)
            except ValueError as e:
                print(e)
        dl.num_workers = 0
        s = D.Subset(D.TensorDataset(torch.arange(10, 20)), [1, 3, 5])
        print(s.__getitems__([0, 2]))
        print(D.Subset(range(10, 20), [4, 2]).__getitems__([1, 0]))
        print([b[0].tolist() for b in D.DataLoader(s, batch_size=2)])
        try:
            D.random_split(range(10), [0.5, -0.5, 1.0])
        except ValueError as e:
            print(e)
    """)
    assert out.splitlines() == [
        "batch_size attribute should not be set after DataLoader is initialized",
        "sampler attribute should not be set after DataLoader is initialized",
        "drop_last attribute should not be set after DataLoader is initialized",
        "dataset attribute should not be set after DataLoader is initialized",
        "[(tensor(11),), (tensor(15),)]",
        "[12, 14]",
        "[[11, 13], [15]]",
        "Fraction at index 1 is not between 0 and 1"]


def test_module_list_index_and_extend_errors_and_inplace_silu(gw):
    out = same_as_torch_without_errors(gw, """
        l = nn.ModuleList([nn.ReLU(), nn.Tanh()])
        for f in (lambda: l["a"], lambda: l.extend(nn.ReLU()), lambda: l[5], lambda: nn.Sequential(nn.ReLU())[1.5]):
            try:
                f()
            except (TypeError, IndexError) as e:
                print(type(e).__name__, e)
        x = torch.tensor([-1., 0., 2.])
        y = nn.SiLU(inplace=True)(x)
        print(x, y is x)
    """)
    assert out.splitlines() == [
        "TypeError 'str' object cannot be interpreted as an integer",
        "TypeError ModuleList.extend should be called with an iterable, but got ReLU",
        "IndexError index 5 is out of range",
        "TypeError 'float' object cannot be interpreted as an integer",
        "tensor([-0.2689,  0.0000,  1.7616]) True"]


def test_multihead_attention_input_shape_checks(gw):
    out = same_as_torch_without_errors(gw, """
        m = nn.MultiheadAttention(4, 2)
        for q, k, v in (((3, 4), (3, 4), (3, 5)), ((3, 1, 4), (3, 4), (3, 4)), ((3, 4), (3, 1, 4), (3, 4)),
                        ((4,), (3, 4), (3, 4)), ((3, 1, 4), (3, 2, 4), (3, 2, 4))):
            try:
                m(torch.ones(q), torch.ones(k), torch.ones(v))
            except (AssertionError, RuntimeError) as e:
                print(type(e).__name__, e)
    """)
    assert out.splitlines()[:4] == [
        "AssertionError key shape torch.Size([3, 1, 4]) does not match value shape torch.Size([3, 1, 5])",
        "AssertionError For batched (3-D) `query`, expected `key` and `value` to be 3-D but found 2-D and 2-D "
        "tensors respectively",
        "AssertionError For unbatched (2-D) `query`, expected `key` and `value` to be 2-D but found 3-D and 2-D "
        "tensors respectively",
        "AssertionError query should be unbatched 2D or batched 3D tensor but received 1-D query tensor"]


def test_optimizer_step_names_its_class_and_base_step_is_abstract(gw):
    out = same_as_torch_without_errors(gw, """
        import re
        w = nn.Parameter(torch.tensor([1., 2.]))
        print(torch.optim.SGD.step.__qualname__, torch.optim.AdamW.step.__qualname__, torch.optim.RMSprop.step.__qualname__)
        o = torch.optim.SGD([w], lr=0.1)
        o.register_step_pre_hook(lambda opt, args, kwargs: 3)
        try:
            o.step()
        except RuntimeError as e:
            print(re.sub(" at 0x[0-9a-f]+", "", str(e)))
        try:
            torch.optim.Optimizer([w], {}).step()
        except NotImplementedError as e:
            print("NotImplementedError", repr(str(e)))
    """)
    assert out.splitlines() == [
        "SGD.step Adam.step RMSprop.step",
        "<function SGD.step> must return None or a tuple of (new_args, new_kwargs), but got 3.",
        "NotImplementedError ''"]


def test_pooling_rank_and_empty_dimension_errors(gw):
    out = same_as_torch_without_errors(gw, """
        for f, shape in ((F.avg_pool2d, (1, 4, 4, 4, 4)), (F.avg_pool2d, (1, 0, 4, 4)), (F.max_pool2d, (1, 0, 4, 4)),
                         (F.avg_pool2d, (4, 4)), (F.max_pool2d, (1, 4, 4, 4, 4)), (F.avg_pool1d, (1, 0, 4)),
                         (F.max_pool3d, (2, 1, 2, 0, 2)), (F.avg_pool3d, (1, 0, 4, 4, 4)), (F.max_pool2d, (0, 1, 4, 4))):
            try:
                print(f(torch.ones(shape), 2).shape)
            except (RuntimeError, IndexError) as e:
                print(type(e).__name__, e)
    """)
    assert out.splitlines() == [
        "RuntimeError Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:[1, 4, 4, 4, 4]",
        "RuntimeError Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:[1, 0, 4, 4]",
        "RuntimeError Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:[1, 0, 4, 4]",
        "IndexError Dimension out of range (expected to be in range of [-2, 1], but got -3)",
        "RuntimeError non-empty 3D or 4D (batch mode) tensor expected for input",
        "RuntimeError Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:[1, 0, 1, 4]",
        "RuntimeError max_pool3d_with_indices_out_cpu_template(): Expected input's non-batch dimensions to have positive "
        "length, but input has a shape of [2, 1, 2, 0, 2] and non-batch dimension 0 has length zero!",
        "RuntimeError avg_pool3d(): Expected input's non-batch dimensions to have positive length, but input has a shape "
        "of [1, 0, 4, 4, 4] and non-batch dimension 0 has length zero!",
        "torch.Size([0, 1, 2, 2])"]


def test_cross_entropy_probability_target_refuses_ignore_index(gw):
    out = same_as_torch_without_errors(gw, """
        x = torch.ones(2, 3)
        t = torch.tensor([[0.2, 0.8, 0.], [1., 0., 0.]])
        try:
            F.cross_entropy(x, t, ignore_index=1)
        except RuntimeError as e:
            print(e)
        print(F.cross_entropy(x, t, ignore_index=-5), F.cross_entropy(x, t, label_smoothing=0.5))
    """)
    assert out.splitlines() == ["ignore_index is not supported for floating point target",
                                "tensor(1.0986) tensor(1.0986)"]


def test_parameter_list_holds_other_objects(gw):
    out = same_as_torch_without_errors(gw, """
        pl = nn.ParameterList([3, "x", torch.ones(2)])
        print(pl)
        print([n for n, _ in pl.named_parameters()], len(pl), pl[0], type(pl[2]).__name__, type(pl[-1]).__name__)
        pl.append(torch.zeros(1, 2))
        print(pl[1:], [n for n, _ in pl.named_parameters()])
        pl[0] = torch.ones(3)
        print(type(pl[0]).__name__, [n for n, _ in pl.named_parameters()])
        for f in (lambda: pl[9], lambda: pl.extend(5)):
            try:
                f()
            except (IndexError, TypeError) as e:
                print(type(e).__name__, e)
    """)
    assert out.splitlines()[:5] == ["ParameterList(", "    (0): Object of type: int", "    (1): Object of type: str",
                                    "    (2): Parameter containing: [torch.float32 of size 2]", ")"]
    assert out.splitlines()[5] == "['2'] 3 3 Parameter Parameter"
    assert out.splitlines()[-3:] == ["Parameter ['2', '3', '0']", "IndexError index 9 is out of range",
                                     "TypeError ParameterList.extend should be called with an iterable, but got int"]


def test_module_dict_update_and_insert_rules(gw):
    out = same_as_torch_without_errors(gw, """
        for arg in (3, [("a", nn.ReLU(), 3)], [3]):
            try:
                nn.ModuleDict().update(arg)
            except (TypeError, ValueError) as e:
                print(type(e).__name__, e)
        d = nn.ModuleDict([("b", nn.ReLU()), ["a", nn.Tanh()]])
        d.update(nn.ModuleDict({"c": nn.ELU()}))
        print(list(d))
        l = nn.ModuleList([nn.ReLU(), nn.Tanh()])
        l.insert(5, nn.ELU())
        print(list(l._modules))
        try:
            l.insert(-1, nn.ELU())
        except KeyError as e:
            print("KeyError", e)
        try:
            nn.Sequential(nn.ReLU()).insert(0, 3)
        except AssertionError as e:
            print("AssertionError", e)
    """)
    assert out.splitlines() == [
        "TypeError ModuleDict.update should be called with an iterable of key/value pairs, but got int",
        "ValueError ModuleDict update sequence element #0 has length 3; 2 is required",
        "TypeError ModuleDict update sequence element #0 should be Iterable; isint",
        "['b', 'a', 'c']",
        "['0', '1', '5']",
        "KeyError '2'",
        "AssertionError module should be of type: <class 'torch.nn.modules.module.Module'>"]


def test_data_loader_iterator_and_iterable_length_warning(gw):
    out = same_as_torch_without_errors(gw, """
        import warnings
        import numpy as np
        D = torch.utils.data
        it = iter(D.DataLoader(D.TensorDataset(torch.arange(10.)), batch_size=4))
        print(type(it).__name__, len(it), iter(it) is it, next(it))
        class It(D.IterableDataset):
            def __iter__(self):
                return iter(range(4))
            def __len__(self):
                return 2
        dl = D.DataLoader(It(), batch_size=1)
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            print(list(dl))
            print(len(dl), list(dl))
        print([str(w.message).split(" was ")[1] for w in ws])
        try:
            D.default_collate([np.array(["a"]), np.array(["b"])])
        except TypeError as e:
            print(e)
    """)
    lines = out.splitlines()
    assert lines[0] == "_SingleProcessDataLoaderIter 3 True [tensor([0., 1., 2., 3.])]"
    assert lines[3] == ("['reported to be 2(when accessing len(dataloader)), but 3 samples have been fetched. ', "
                        "'reported to be 2(when accessing len(dataloader)), but 4 samples have been fetched. ']")
    assert lines[4] == ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                        "found <U1")


@pytest.mark.filterwarnings("ignore:dropout2d")
def test_layer_input_rank_errors(gw):
    out = same_as_torch_without_errors(gw, """
        cases = (lambda: nn.Linear(3, 2)(torch.tensor(1.)), lambda: nn.LSTM(3, 4)(torch.ones(5)),
                 lambda: nn.LSTM(3, 4, proj_size=5), lambda: nn.LSTM(3, 4, proj_size=-1),
                 lambda: nn.Dropout2d(0.5)(torch.ones(2)), lambda: nn.AdaptiveAvgPool2d((2, 2))(torch.ones(2, 2)),
                 lambda: F.unfold(torch.ones(2, 2), 2), lambda: F.unfold(torch.ones(1, 1, 2, 2, 2), 2),
                 lambda: F.unfold(torch.ones(1, 0, 2, 2), 2))
        for f in cases:
            try:
                f()
            except (RuntimeError, ValueError, IndexError) as e:
                print(type(e).__name__, e)
        print(nn.Dropout2d(0.5).eval()(torch.ones(2)), F.unfold(torch.ones(0, 1, 2, 2), 2).shape)
    """)
    assert out.splitlines() == [
        "RuntimeError both arguments to linear need to be at least 1D, but they are 0D and 2D",
        "ValueError LSTM: Expected input to be 2D or 3D, got 1D instead",
        "ValueError proj_size has to be smaller than hidden_size",
        "ValueError proj_size should be a positive integer or zero to disable projections",
        "RuntimeError Feature dropout requires at least 2 dimensions in the input",
        "ValueError Input dimension should be at least 3",
        "IndexError Dimension out of range (expected to be in range of [-2, 1], but got 2)",
        "RuntimeError Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions "
        "for input, but got: [1, 1, 2, 2, 2]",
        "RuntimeError Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions "
        "for input, but got: [1, 0, 2, 2]",
        "tensor([1., 1.]) torch.Size([0, 4, 1])"]


def test_full_backward_hook_grad_output_none_for_outputs_without_grad(gw):
    out = same_as_torch_without_errors(gw, """
        class Two(nn.Module):
            def forward(self, a, b):
                return a * 2, b * 3
        m = Two()
        got = []
        m.register_full_backward_hook(lambda mod, gin, gout: got.append(
            ([None if g is None else g.tolist() for g in gin], [None if g is None else g.tolist() for g in gout])))
        a = torch.ones(2, requires_grad=True)
        x, y = m(a, torch.ones(2))
        (x.sum() + y.sum()).backward()
        print(got, a.grad)
    """)
    assert out == "[([[2.0, 2.0], [0.0, 0.0]], [[1.0, 1.0], None])] tensor([2., 2.])\n"


def test_requires_grad_takes_a_bool_only(gw):
    out = same_as_torch_without_errors(gw, """
        import numpy as np
        m = nn.Linear(2, 2)
        for v in ("x", 1, None, np.bool_(True)):
            try:
                m.requires_grad_(v)
            except TypeError as e:
                print(e)
            try:
                torch.ones(1).requires_grad = v
            except RuntimeError as e:
                print(e)
        print(m.weight.requires_grad, m.requires_grad_(False).weight.requires_grad)
    """)
    lines = out.splitlines()
    assert lines[0] == "requires_grad_(): argument 'requires_grad' (position 1) must be bool, not str"
    assert lines[1] == "requires_grad must be a bool"
    assert lines[6] == "requires_grad_(): argument 'requires_grad' (position 1) must be bool, not numpy.bool"
    assert lines[-1] == "True False"


def test_init_private_fan_helper_and_trunc_normal_bounds(gw):
    out = same_as_torch_without_errors(gw, """
        init = nn.init
        print(init._calculate_correct_fan(torch.empty(4, 3, 2), "fan_out"), init._calculate_correct_fan(torch.empty(4, 3), "FAN_IN"))
        for f in (lambda: init._calculate_correct_fan(torch.empty(4, 3), "bad"), lambda: init._calculate_correct_fan(torch.empty(4), "fan_in"),
                  lambda: init.trunc_normal_(torch.empty(3, 3), a=2, b=1)):
            try:
                f()
            except (ValueError, RuntimeError) as e:
                print(type(e).__name__, e)
        t = init.trunc_normal_(torch.empty(1000), mean=0.5, std=2.0, a=-1.0, b=1.0)
        print(bool(t.min() >= -1.0), bool(t.max() <= 1.0), t.shape)
    """)
    assert out.splitlines() == [
        "8 3",
        "ValueError Mode bad not supported, please use one of ['fan_in', 'fan_out']",
        "ValueError Fan in and fan out can not be computed for tensor with fewer than 2 dimensions",
        "RuntimeError uniform_ expects to return a [from, to) range, but found from=2 > to=1",
        "True True torch.Size([1000])"]


def test_data_classes_carry_torch_module_paths_and_still_pickle(gw):
    out = same_as_torch_without_errors(gw, """
        D = torch.utils.data
        print(D.TensorDataset, D.RandomSampler, D.DistributedSampler, D.DataLoader)
        print(type(iter(D.DataLoader(range(3)))), type(D.random_split(range(4), [2, 2])[0]))
    """)
    assert out.splitlines() == [
        "<class 'torch.utils.data.dataset.TensorDataset'> <class 'torch.utils.data.sampler.RandomSampler'> "
        "<class 'torch.utils.data.distributed.DistributedSampler'> <class 'torch.utils.data.dataloader.DataLoader'>",
        "<class 'torch.utils.data.dataloader._SingleProcessDataLoaderIter'> <class 'torch.utils.data.dataset.Subset'>"]
    import pickle
    D = gw.utils.data
    for obj, expected in ((D.BatchSampler(range(5), 2, False), [[0, 1], [2, 3], [4]]),
                          (D.Subset(range(5), [1, 2]), [1, 2]),
                          (D.DistributedSampler(range(5), 2, 1, shuffle=False), [1, 3, 0])):
        assert list(pickle.loads(pickle.dumps(obj))) == expected


def test_module_class_flags_and_unimplemented_forward(gw):
    out = same_as_torch_without_errors(gw, """
        m = nn.Module()
        print(nn.Module.dump_patches, nn.Module.call_super_init, m.forward)
        for f in (lambda: m.forward(1), lambda: nn.ModuleList()(1)):
            try:
                f()
            except NotImplementedError as e:
                print(e)
    """)
    assert out.splitlines() == ["False False <bound method _forward_unimplemented of Module()>",
                                'Module [Module] is missing the required "forward" function',
                                'Module [ModuleList] is missing the required "forward" function']


def test_data_loader_options_pin_memory_warning_and_iterable_sum(gw):
    out = same_as_torch_without_errors(gw, """
        import warnings
        D = torch.utils.data
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            dl = D.DataLoader(D.TensorDataset(torch.arange(4.)), batch_size=2, pin_memory=True)
            print([b[0].tolist() for b in dl])
        print([str(w.message) for w in ws])
        dl = D.DataLoader(range(4))
        print(dl.multiprocessing_context, dl.in_order, repr(dl.pin_memory_device), dl.collate_fn.__name__)
        try:
            D.DataLoader(range(4), multiprocessing_context="spawn")
        except ValueError as e:
            print(e)
        class It(D.IterableDataset):
            def __iter__(self):
                yield from range(3)
        c = It() + It()
        print(type(c).__name__, list(c))
    """)
    assert out.splitlines() == [
        "[[0.0, 1.0], [2.0, 3.0]]",
        "[\"'pin_memory' argument is set as true but no accelerator is found, then device pinned memory won't be "
        "used.\"]",
        "None True '' default_collate",
        "multiprocessing_context can only be used with multi-process loading (num_workers > 0), but got num_workers=0",
        "ChainDataset [0, 1, 2, 0, 1, 2]"]


def test_sync_batch_norm_outside_a_distributed_run(gw):
    out = same_as_torch_without_errors(gw, """
        m = nn.SyncBatchNorm(3)
        print(m)
        for x in (torch.arange(6.).view(2, 3), torch.ones(3), torch.ones(2, 0)):
            try:
                print(m(x))
            except ValueError as e:
                print(e)
        print(m.running_mean, m.num_batches_tracked)
        n = nn.Sequential(nn.BatchNorm1d(3), nn.Sequential(nn.BatchNorm2d(2).eval(), nn.Linear(3, 3)))
        bn = n[0]
        n2 = nn.SyncBatchNorm.convert_sync_batchnorm(n)
        print(type(n2[0]).__name__, type(n2[1][0]).__name__, n2[0].weight is bn.weight, n2[1][0].training, n2 is n)
    """)
    lines = out.splitlines()
    assert lines[0] == "SyncBatchNorm(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
    assert lines[3:] == ["expected at least 2D input (got 1D input)",
                         "SyncBatchNorm number of input channels should be non-zero",
                         "tensor([0.1500, 0.2500, 0.3500]) tensor(1)",
                         "SyncBatchNorm SyncBatchNorm True False True"]


def test_optimizer_fused_checks_swalr_state_and_linear_argument_types(gw):
    out = same_as_torch_without_errors(gw, """
        import numpy as np
        w = nn.Parameter(torch.tensor([1., 2.]))
        for cls in (torch.optim.SGD, torch.optim.Adam, torch.optim.AdamW, torch.optim.Adagrad):
            for kw in (dict(foreach=True), dict(differentiable=True)):
                try:
                    cls([w], lr=0.1, fused=True, **kw)
                except RuntimeError as e:
                    print(cls.__name__, e)
        o = torch.optim.SGD([w], lr=1.0)
        s = torch.optim.swa_utils.SWALR(o, swa_lr=0.1, anneal_strategy="linear", anneal_epochs=2)
        sd = s.state_dict()
        print(list(sd)[:2], sd["_anneal_strategy"])
        s2 = torch.optim.swa_utils.SWALR(o, swa_lr=0.1)
        s2.load_state_dict(sd)
        print(s2.anneal_func(0.25), s2._anneal_strategy)
        for args in (({}, torch.ones(2, 2)), (torch.ones(2), [[1., 2.]]), (np.ones(2), torch.ones(2, 2))):
            try:
                F.linear(*args)
            except TypeError as e:
                print(e)
    """)
    lines = out.splitlines()
    assert lines[:2] == ["SGD `fused` and `foreach` cannot be `True` together.", "SGD `fused` does not support `differentiable`"]
    assert lines[8:] == ["['_anneal_strategy', 'anneal_epochs'] linear", "0.25 linear",
                         "linear(): argument 'input' (position 1) must be Tensor, not dict",
                         "linear(): argument 'weight' (position 2) must be Tensor, not list",
                         "linear(): argument 'input' (position 1) must be Tensor, not numpy.ndarray"]


def test_interpolate_antialias_values_and_gradient(gw):
    out = same_as_torch_without_errors(gw, """
        x = torch.arange(16.).view(1, 1, 4, 4)
        print(F.interpolate(x, scale_factor=0.5, mode="bilinear", antialias=True).detach())
        x = (torch.arange(70.).view(1, 1, 7, 10) * 0.37).sin()
        for size, mode in (((3, 4), "bilinear"), ((3, 4), "bicubic"), ((9, 13), "bilinear"), ((9, 13), "bicubic")):
            print(F.interpolate(x, size=size, mode=mode, antialias=True)[0, 0, 1])
        print(F.interpolate(x, size=(3, 4), mode="bicubic", antialias=True)[0, 0, 1])
        print(F.interpolate(x, scale_factor=(0.45, 1.3), mode="bilinear", antialias=True).shape)
        g = (torch.arange(2 * 3 * 25.).view(2, 3, 5, 5) * 0.37).cos().requires_grad_()
        F.interpolate(g, size=(2, 3), mode="bilinear", antialias=True).sum().backward()
        print(g.grad[0, 0, 0])
        try:
            F.interpolate(torch.ones(1, 1, 4, 4), scale_factor=2, mode="nearest", antialias=True)
        except ValueError as e:
            print(e)
    """)
    lines = out.splitlines()
    assert lines[:2] == ["tensor([[[[ 3.5714,  5.1429],", "          [ 9.8571, 11.4286]]]])"]
    assert lines[-1] == ("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a 4-D "
                         "tensor as input")


def test_pad_sequence_of_nothing(gw):
    out = same_as_torch_without_errors(gw, """
        try:
            nn.utils.rnn.pad_sequence([])
        except RuntimeError as e:
            print(e)
        print(nn.utils.rnn.pad_sequence([torch.ones(2, 3), torch.ones(1, 3)]).shape)
    """)
    assert out.splitlines() == ["received an empty list of sequences", "torch.Size([2, 2, 3])"]


def test_embedding_scale_grad_by_freq(gw):
    out = same_as_torch_without_errors(gw, """
        m = nn.Embedding(5, 2, scale_grad_by_freq=True, padding_idx=0)
        nn.init.constant_(m.weight, 1.)
        y = m(torch.tensor([[1, 1, 2], [0, 1, 3]]))
        (y * torch.arange(12.).view(2, 3, 2)).sum().backward()
        print(m.weight.grad, y.grad_fn.name())
        w = torch.ones(4, 2, requires_grad=True)
        y = F.embedding(torch.tensor([1, 1, 2]), w, scale_grad_by_freq=True)
        g, = torch.autograd.grad((y * torch.arange(6.).view(3, 2)).sum(), w, create_graph=True)
        print(g)
    """)
    assert out.splitlines()[:5] == ["tensor([[ 0.0000,  0.0000],", "        [ 3.3333,  4.3333],",
                                    "        [ 4.0000,  5.0000],", "        [10.0000, 11.0000],",
                                    "        [ 0.0000,  0.0000]]) EmbeddingBackward0"]


def test_module_type_casts_every_tensor(gw):
    out = same_as_torch_without_errors(gw, """
        m = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
        m.type(torch.float64)
        print(m[0].weight.dtype, m[1].num_batches_tracked.dtype, m[1].running_mean.dtype, type(m[0].weight).__name__)
        m.type("torch.FloatTensor")
        print(m[0].bias.dtype, m[1].num_batches_tracked.dtype, m[0].weight.requires_grad)
        print(m(torch.ones(3, 2)).dtype)
    """)
    assert out.splitlines() == ["torch.float64 torch.float64 torch.float64 Parameter",
                                "torch.float32 torch.float32 True", "torch.float32"]


def test_convolution_dtype_mismatch_texts(gw):
    out = same_as_torch_without_errors(gw, """
        for bias in (True, False):
            for conv, shape in ((nn.Conv2d(1, 1, 1, bias=bias, dtype=torch.float64), (1, 1, 2, 2)),
                                (nn.Conv1d(1, 1, 1, bias=bias, dtype=torch.float16), (1, 1, 2)),
                                (nn.ConvTranspose2d(1, 1, 1, bias=bias, dtype=torch.float64), (1, 1, 2, 2))):
                try:
                    conv(torch.ones(shape))
                except RuntimeError as e:
                    print(type(conv).__name__, bias, e)
    """)
    assert out.splitlines() == [
        "Conv2d True Input type (float) and bias type (double) should be the same",
        "Conv1d True Input type (float) and bias type (c10::Half) should be the same",
        "ConvTranspose2d True expected scalar type Float but found Double",
        "Conv2d False expected scalar type Float but found Double",
        "Conv1d False expected scalar type Float but found Half",
        "ConvTranspose2d False expected scalar type Float but found Double"]
