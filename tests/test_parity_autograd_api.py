"""torch.autograd as its users use it, through the client (embedded and remote server): backward and
grad arguments, .grad and .data rules, hooks, custom Functions, gradcheck and autograd.functional,
against PyTorch and against exact values."""
from __future__ import annotations

import pytest

from test_parity_api import same_as_torch

pytestmark = pytest.mark.timeout(120)


def test_backward_inputs_fill_the_grad_of_a_non_leaf(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1., 2.], requires_grad=True)
        w = torch.tensor([3., 4.], requires_grad=True)
        h = x * w
        y = (h * h).sum()
        y.backward(inputs=[h])
        print(h.grad, x.grad, w.grad, h.retains_grad)
        h2 = x * 2
        torch.autograd.backward((h2 * h2).sum(), inputs=h2)
        print(h2.grad)
        try:
            (x * 2).sum().backward(inputs=[torch.ones(2)])
        except RuntimeError as e:
            print(e)
    """)
    assert out.splitlines()[0] == "tensor([ 6., 16.]) None None True"
    assert "tensor([4., 8.])" in out and "can't retain_grad on Tensor that has requires_grad=False" in out


def test_assigning_grad_checks_type_dtype_and_size(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1., 2.], requires_grad=True)
        for v in [torch.tensor([1., 2., 3.]), torch.tensor([1, 2]), torch.ones(2, dtype=torch.float64),
                  torch.ones(2, 1), [1, 2], x]:
            try:
                x.grad = v
                print("ok")
            except Exception as e:
                print(type(e).__name__, e)
        x.grad = torch.tensor([3., 4.])
        print(x.grad)
        y = x * 2
        y.grad = torch.ones(2)
        print(y.grad)
    """)
    lines = out.splitlines()
    assert lines[0] == ("RuntimeError attempting to assign a gradient of size '[3]' to a tensor of size '[2]'. "
                        "Please ensure that the gradient and the tensor are the same size")
    assert lines[1].startswith("RuntimeError attempting to assign a gradient with dtype 'long int' to a tensor "
                               "with grad_dtype 'Float'.")
    assert lines[4] == "TypeError assigned grad expected to be a Tensor or None but got grad of type list"
    assert lines[5] == "RuntimeError can't assign Variable as its own grad"
    assert lines[6:] == ["tensor([3., 4.])", "tensor([1., 1.])"]


def test_data_shares_memory_but_not_the_version_counter(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1., 2.], requires_grad=True)
        y = x.exp()
        y.data.add_(1)
        print(y._version)
        y.sum().backward()
        print(x.grad)
        d = x.data
        d.mul_(2)
        print(x, x._version, d._version, d.requires_grad)
        z = x.exp()
        z.detach().add_(1)
        try:
            z.sum().backward()
        except RuntimeError as e:
            print(str(e)[:60])
    """)
    assert out.splitlines()[:2] == ["0", "tensor([3.7183, 8.3891])"]
    assert "tensor([2., 4.], requires_grad=True) 0 1 False" in out


def test_tensor_hook_results_are_checked_with_the_hooks_name(gw):
    out = same_as_torch(gw, """
        def run(hook, leaf):
            x = torch.tensor([1., 2.], requires_grad=True)
            t = x if leaf else x * 2
            t.register_hook(hook)
            try:
                (t * 3).sum().backward()
                print(x.grad)
            except Exception as e:
                print(type(e).__name__, e)
        def bad(g):
            return "bad"
        for leaf in (True, False):
            run(bad, leaf)
            run(lambda g: torch.ones(3), leaf)
            run(lambda g: torch.ones(2, dtype=torch.float64), leaf)
            run(lambda g: g * 10, leaf)
        h = torch.tensor([1.], requires_grad=True).register_hook(lambda g: g)
        print(type(h).__name__)
    """)
    assert out.splitlines()[:4] == [
        "TypeError expected Variable, but hook returned 'str'",
        "RuntimeError hook '<lambda>' has changed the size of value",
        "RuntimeError hook '<lambda>' has changed the type of value (was torch.FloatTensor got torch.DoubleTensor)",
        "tensor([30., 30.])"]
    assert out.splitlines()[-2:] == ["tensor([60., 60.])", "RemovableHandle"]


def test_backward_hooks_and_custom_backward_run_in_the_backward_grad_mode(gw):
    out = same_as_torch(gw, """
        class Sq(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x
            @staticmethod
            def backward(ctx, g):
                x, = ctx.saved_tensors
                r = 2 * x * g
                print("backward", torch.is_grad_enabled(), r.requires_grad)
                return r
        x = torch.tensor([1., 2.], requires_grad=True)
        x.register_hook(lambda g: print("hook", torch.is_grad_enabled()))
        Sq.apply(x).sum().backward()
        print(x.grad, x.grad.requires_grad)
        g, = torch.autograd.grad(Sq.apply(x).sum(), x, create_graph=True)
        print(g, g.requires_grad)
    """)
    assert out.splitlines() == ["backward False False", "hook False", "tensor([2., 4.]) False",
                                "backward True True", "hook True", "tensor([2., 4.], grad_fn=<MulBackward0>) True"]


def test_custom_function_ctx_features(gw):
    out = same_as_torch(gw, """
        class Two(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                ctx.set_materialize_grads(False)
                ctx.k = k
                idx = x.argmax()
                y = x * 2
                ctx.mark_non_differentiable(idx, y)
                return x * k, y, idx, "tag"
            @staticmethod
            def backward(ctx, ga, gy, gi, gs):
                print("grads", ga, gy, gi, gs, ctx.needs_input_grad)
                return ga * ctx.k, None
        x = torch.tensor([1., 3.], requires_grad=True)
        a, y, i, s = Two.apply(x, 5)
        print(a, y, i, s, y.requires_grad, i.grad_fn, a.grad_fn.k, a.grad_fn.needs_input_grad)
        (a + y * x).sum().backward()
        print(x.grad)
    """)
    assert "grads tensor([1., 1.]) None None None (True, False)" in out
    assert out.splitlines()[-1] == "tensor([ 7., 11.])"


def test_custom_function_errors(gw):
    out = same_as_torch(gw, """
        def make(back, dirty=False, save=False):
            class MyFn(torch.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    if dirty:
                        ctx.mark_dirty(x)
                        return x.mul_(2)
                    if save:
                        ctx.save_for_backward(x)
                    return x * 2
                @staticmethod
                def backward(ctx, g):
                    if save:
                        ctx.saved_tensors
                    return back(g)
            return MyFn
        def tr(f):
            try:
                f()
                print("ok")
            except Exception as e:
                print(type(e).__name__, e)
        x = torch.tensor([1., 2.], requires_grad=True)
        tr(lambda: make(lambda g: torch.ones(3)).apply(x).sum().backward())
        tr(lambda: make(lambda g: 1.0).apply(x).sum().backward())
        tr(lambda: make(lambda g: (g, g)).apply(x).sum().backward())
        tr(lambda: make(lambda g: g, dirty=True).apply(x))
        tr(lambda: make(lambda g: g)()(x))
        F = make(lambda g: g, save=True)
        z = F.apply(x)
        z.sum().backward()
        tr(lambda: z.sum().backward())
        y = x * 1
        z = F.apply(y)
        y.add_(1)
        tr(lambda: z.sum().backward())
    """)
    lines = out.splitlines()
    assert lines[0] == ("RuntimeError Function MyFnBackward returned an invalid gradient at index 0 - got [3] but "
                        "expected shape compatible with [2]")
    assert lines[1:4] == ["RuntimeError expected Variable or None (got float)",
                          "RuntimeError function MyFnBackward returned an incorrect number of gradients (expected 1, got 2)",
                          "RuntimeError a leaf Variable that requires grad has been used in an in-place operation."]
    assert lines[5].startswith("RuntimeError Trying to backward through the graph a second time")
    assert "which is output 0 of Add, is at version 1; expected version 0" in lines[6]


def test_once_differentiable(gw):
    out = same_as_torch(gw, """
        once_differentiable = torch.autograd.function.once_differentiable
        class Sq(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 2
            @staticmethod
            @once_differentiable
            def backward(ctx, g):
                x, = ctx.saved_tensors
                print(g.requires_grad, torch.is_grad_enabled())
                return 2 * x * g
        x = torch.tensor([1., 3.], requires_grad=True)
        g, = torch.autograd.grad(Sq.apply(x).sum(), x, create_graph=True)
        print(g, g.requires_grad)
        g, = torch.autograd.grad(Sq.apply(x), x, torch.ones(2, requires_grad=True), create_graph=True)
        print(g.requires_grad)
        try:
            g.sum().backward()
        except RuntimeError as e:
            print(e)
    """)
    assert out.splitlines() == ["False False", "tensor([2., 6.]) False", "True False", "True",
                                "trying to differentiate twice a function that was marked with @once_differentiable"]


def test_gradcheck_messages(gw):
    out = same_as_torch(gw, """
        import warnings
        class Wrong(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2
            @staticmethod
            def backward(ctx, g):
                return g * 3
        x = torch.tensor([1., 2.], dtype=torch.float64, requires_grad=True)
        print(torch.autograd.gradcheck(torch.sin, (x,)), torch.autograd.gradgradcheck(torch.sin, (x,)))
        try:
            torch.autograd.gradcheck(Wrong.apply, (x,))
        except Exception as e:
            print(type(e).__name__, e)
        print(torch.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False))
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                torch.autograd.gradcheck(lambda t: t * 2, (torch.tensor([1., 2.], requires_grad=True),))
            except Exception as e:
                print(type(e).__name__, e)
        print([str(m.message)[:40] for m in w])
        try:
            torch.autograd.gradcheck(lambda t: (t * 2, 3), (x,))
        except Exception as e:
            print(type(e).__name__, e)
    """)
    assert out.startswith("True True\nGradcheckError Jacobian mismatch for output 0 with respect to input 0,\n"
                          "numerical:tensor([[2.0000, 0.0000],\n        [0.0000, 2.0000]], dtype=torch.float64)\n"
                          "analytical:tensor([[3., 0.],\n        [0., 3.]], dtype=torch.float64)\n")
    assert "analytical:tensor([[2., 0.],\n        [0., 2.]])" in out  # float32: no dtype shown
    assert out.endswith("AttributeError 'int' object has no attribute 'requires_grad'\n")


def test_functional_strict_mode_and_outputs_independent_of_the_inputs(gw):
    out = same_as_torch(gw, """
        F_ = torch.autograd.functional
        x = torch.tensor([1., 2.]); y = torch.tensor([3., 4.])
        def lin(a, b): return a * 2
        def sq(a, b): return (a ** 2).sum()
        def prod(a, b): return (a * b).sum()
        ones = (torch.ones(2), torch.ones(2))
        for fn in [lambda: F_.jacobian(lambda a: torch.ones(2), x),
                   lambda: F_.jacobian(lambda a: torch.ones(2), x, strict=True),
                   lambda: F_.jacobian(lin, (x, y), strict=True),
                   lambda: F_.jacobian(lin, (x, y), vectorize=True, strict=True),
                   lambda: F_.vjp(lin, (x, y), torch.ones(2), strict=True),
                   lambda: F_.jvp(lin, (x, y), ones, strict=True),
                   lambda: F_.hessian(sq, (x, y), strict=True),
                   lambda: F_.hessian(lambda a: a.sum(), x, strict=True),
                   lambda: F_.vhp(sq, (x, y), ones, strict=True),
                   lambda: F_.hvp(prod, (x, y), ones, strict=True),
                   lambda: F_.hvp(lambda a: a.sum(), x, torch.ones(2)),
                   lambda: F_.vjp(lin, (x, y), torch.ones(2))]:
            try:
                print(fn())
            except Exception as e:
                print(type(e).__name__, e)
    """)
    lines = out.splitlines()
    assert lines[:2] == ["tensor([[0., 0.],", "        [0., 0.]])"]
    assert lines[2].startswith("RuntimeError Output 0 of the user-provided function does not require gradients.")
    assert lines[3] == ("RuntimeError Output 0 of the user-provided function is independent of input 1. This is not "
                        "allowed in strict mode.")
    assert lines[-1] == "(tensor([2., 4.]), (tensor([2., 2.]), tensor([0., 0.])))"
    assert "(tensor(3.), tensor([0., 0.]))" in lines


def test_graph_odds_pack_hook_without_graph_increment_version_inference_detach(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1., 2.], requires_grad=True)
        def pack(t):
            return t * 1
        def unpack(t):
            print("unpack", t)
            return t
        with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
            y = x.pow(2)
        y.sum().backward()
        print(x.grad)
        y = x.exp()
        with torch.no_grad():
            torch.autograd.graph.increment_version(y)
        try:
            y.sum().backward()
        except RuntimeError as e:
            print(str(e).split(" instead")[0])
        with torch.inference_mode():
            t = torch.ones(2)
        print(t.detach().is_inference(), t.data.is_inference(), x.detach().is_inference())
        try:
            (x * 2).backward(5.0)
        except TypeError as e:
            print(e)
    """)
    assert out.splitlines() == [
        "unpack tensor([1., 2.])", "tensor([2., 4.])",
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        "[torch.FloatTensor [2]], which is output 0 of Exp, is at version 1; expected version 0",
        "True True False", "'float' object is not iterable"]


def test_custom_function_vjp_ctx_class_and_non_tensor_input_grads(gw):
    out = same_as_torch(gw, """
        class OnlyVjp(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                print(type(ctx).__name__)
                return x * 2
            @staticmethod
            def vjp(ctx, g):
                return g * 100
        class Both(OnlyVjp):
            @staticmethod
            def backward(ctx, g):
                return g
        class AddC(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x, c):
                ctx.c = c
                return x + c
            @staticmethod
            def backward(ctx, g):
                return g, g
        x = torch.tensor([1., 2.], requires_grad=True)
        y = OnlyVjp.apply(x)
        y.sum().backward()
        print(x.grad, type(y.grad_fn).__name__)
        for f in (lambda: Both.apply(x).sum().backward(), lambda: AddC.apply(x, 1.).sum().backward()):
            try:
                f()
            except RuntimeError as e:
                print(e)
        z = OnlyVjp.apply(OnlyVjp.apply(x))
        print(z.grad_fn.next_functions[0][0])
    """)
    assert out.splitlines()[:6] == [
        "OnlyVjpBackward", "tensor([100., 100.]) OnlyVjpBackward", "BothBackward",
        "Implementing both 'backward' and 'vjp' for a custom Function is not allowed. You should only implement "
        "one of them.", "function AddCBackward returned a gradient different than None at position 2, but the "
        "corresponding forward input was not a Variable", "OnlyVjpBackward"]
    assert "<torch.autograd.function.OnlyVjpBackward object at" in out


def test_profiler_rows_of_a_small_model(gw):
    gw.manual_seed(0)
    model = gw.nn.Sequential(gw.nn.Linear(4, 3), gw.nn.ReLU())
    x = gw.ones(2, 4)
    with gw.autograd.profiler.profile() as prof:
        with gw.autograd.profiler.record_function("model_inference"):
            y = model(x)
        v = y.t()
    events = {e.name: e for e in prof.function_events}
    # torch's rows and nesting: linear over t and addmm, t over transpose over as_strided, relu over clamp_min
    assert events["aten::linear"].cpu_parent.name == "model_inference"
    assert [c.name for c in events["aten::linear"].cpu_children] == ["aten::t", "aten::addmm"]
    assert [c.name for c in events["aten::relu"].cpu_children] == ["aten::clamp_min"]
    t_rows = [e for e in prof.function_events if e.name == "aten::t"]
    assert [c.name for c in t_rows[-1].cpu_children] == ["aten::transpose"]
    assert [c.name for c in t_rows[-1].cpu_children[0].cpu_children] == ["aten::as_strided"]
    lines = prof.key_averages().table(sort_by="cpu_time_total").splitlines()
    assert lines[1].split() == ["Name", "Self", "CPU", "%", "Self", "CPU", "CPU", "total", "%", "CPU", "total",
                                "CPU", "time", "avg", "#", "of", "Calls"]
    assert v.shape == (3, 2)


def test_grad_and_backward_argument_types(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1., 2.], requires_grad=True)
        for f in [lambda: torch.autograd.grad("y", x), lambda: torch.autograd.grad(x.sum(), "x"),
                  lambda: torch.autograd.backward([(x * 2).sum(), 3]), lambda: torch.autograd.grad(x.sum(), 3),
                  lambda: torch.autograd.grad(((x * 2).sum() for _ in range(1)), (t for t in [x]))]:
            try:
                print(f())
            except Exception as e:
                print(type(e).__name__, e)
    """)
    assert out.splitlines() == ["AssertionError Expected output to be a torch.Tensor",
                                "RuntimeError all inputs have to be Tensors or GradientEdges, but got str",
                                "AssertionError Expected output to be a torch.Tensor",
                                "TypeError 'int' object is not iterable", "(tensor([2., 2.]),)"]


def test_gradcheck_without_differentiable_outputs_and_negative_tolerances(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1., 2.], dtype=torch.float64, requires_grad=True)
        for f in [lambda: torch.autograd.gradcheck(lambda t: t.detach() * 2, (x,)),
                  lambda: torch.autograd.gradcheck(lambda t: t.detach() * 2, (x,), raise_exception=False),
                  lambda: torch.autograd.gradcheck(lambda t: torch.ones(2, dtype=torch.float64), (x,)),
                  lambda: torch.autograd.gradcheck(lambda t: t.sum(), x, atol=-1),
                  lambda: torch.autograd.gradcheck(lambda t: t.sum(), x, rtol=-0.5)]:
            try:
                print(f())
            except Exception as e:
                print(type(e).__name__, e)
    """)
    assert out.splitlines() == ["GradcheckError Numerical gradient for function expected to be zero", "False", "True",
                                "RuntimeError atol must be greater than or equal to zero, but got -1",
                                "RuntimeError rtol must be greater than or equal to zero, but got -0.5"]


def test_hooks_on_one_saved_tensor(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1., 2.], requires_grad=True)
        y = x.pow(2)
        raw = y.grad_fn._raw_saved_self
        print(raw, type(raw).__name__)
        raw.register_hooks(lambda t: t * 1, lambda t: t * 10)
        try:
            y.grad_fn._raw_saved_self.register_hooks(lambda t: t, lambda t: t)
        except RuntimeError as e:
            print(e)
        y.sum().backward()
        print(x.grad)
        z = x.exp()
        z.grad_fn._raw_saved_result.register_hooks(lambda t: t, lambda t: 3)
        try:
            z.sum().backward()
        except TypeError as e:
            print(e)
    """)
    assert out.splitlines()[1:] == [
        "Calling register_hooks on a saved tensor whose hooks have already been set. Hint: only one pair of hooks "
        "is allowed at a time.", "tensor([20., 40.])",
        "Output of saved tensor unpack_hook expected to be a Tensor but got result of type int"]


def test_grad_mode_argument_and_views_of_inference_tensors(gw):
    out = same_as_torch(gw, """
        try:
            torch.set_grad_enabled("yes")
        except TypeError as e:
            print(e)
        print(torch.is_grad_enabled(), torch.no_grad())
        with torch.inference_mode():
            x = torch.ones(2)
        v = x.view(2)
        print(v.is_inference(), x[0].is_inference(), x.clone().is_inference())
        try:
            v.add_(1)
        except RuntimeError as e:
            print(str(e)[:60])
    """)
    assert out.splitlines()[0] == "set_grad_enabled(): argument 'enabled' (position 1) must be bool, not str"
    assert out.splitlines()[1].startswith("True <torch.autograd.grad_mode.no_grad object at")
    assert out.splitlines()[2] == "True True False"


def test_accumulate_grad_variable(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1., 2.], requires_grad=True)
        y = x * 2
        acc = y.grad_fn.next_functions[0][0]
        print(acc.name(), acc.variable)
        try:
            y.grad_fn.variable
        except AttributeError as e:
            print(e)
    """)
    assert out.splitlines() == ["torch::autograd::AccumulateGrad tensor([1., 2.], requires_grad=True)",
                                "'MulBackward0' object has no attribute 'variable'"]


def test_torch_profiler_api(gw):
    out = same_as_torch(gw, """
        from_ = torch.profiler
        traces = []
        with from_.profile(activities=[from_.ProfilerActivity.CPU], record_shapes=True,
                           on_trace_ready=lambda p: traces.append(type(p).__name__)) as prof:
            with from_.record_function("model_inference"):
                y = torch.ones(2, 3) * 2
        print(sorted(set(e.key for e in prof.key_averages()) & {"model_inference", "aten::mul"}), traces)
        print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=2).splitlines()[1].split()[-3:])
    """)
    assert out.splitlines() == ["['aten::mul', 'model_inference'] ['profile']", "['#', 'of', 'Calls']"]


def test_relu_gradient_takes_part_in_double_backward(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([-1., 2.], requires_grad=True)
        g, = torch.autograd.grad(x.relu().sum(), x, create_graph=True)
        print(g)
        print(torch.autograd.grad(g.sum(), x))
        g, = torch.autograd.grad((x.relu() ** 2).sum(), x, create_graph=True)
        g.sum().backward()
        print(g, x.grad)
    """)
    assert out.splitlines() == ["tensor([0., 1.], grad_fn=<ThresholdBackwardBackward0>)", "(tensor([0., 0.]),)",
                                "tensor([0., 4.], grad_fn=<ThresholdBackwardBackward0>) tensor([0., 2.])"]
