"""Autograd semantics against PyTorch: backward/grad argument handling, custom Function details (mark_dirty,
saved tensors after backward, keyword arguments, output_nr, torch.func checks), node names and classes."""
from __future__ import annotations

import pytest

from tests.test_parity_api import same_as_torch, same_as_torch_without_errors

pytestmark = pytest.mark.timeout(120)


def test_copyslices_name_is_qualified(gw):
    out = same_as_torch_without_errors(gw, """
        a = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
        b = a * 1
        v = b[0]
        v.mul_(3)
        print(b.grad_fn.name(), type(b.grad_fn).__name__, v.grad_fn.name())
        print(b)
        c = a * 1
        c[1] = 5
        print(c.grad_fn.name(), type(c.grad_fn).__name__)
        p = torch.nn.functional.pad(torch.ones(1, 1, 3, requires_grad=True), (1, 1), mode='circular')
        print(p.grad_fn.name(), p)
    """)
    assert "torch::autograd::CopySlices CopySlices AsStridedBackward0" in out
    assert "grad_fn=<CopySlices>" in out


def test_backward_extra_grad_tensors_are_ignored(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1., 2.], requires_grad=True)
        torch.autograd.backward([x.sum()], [torch.tensor(2.), torch.tensor(1.)])
        print(x.grad)
        try:
            torch.autograd.backward([x.sum(), x.sum()], [torch.tensor(1.)])
        except RuntimeError as e:
            print(e)
        torch.autograd.backward([x.sum()], [torch.ones(1), torch.ones(1)])
    """)
    assert "tensor([2., 2.])" in out and "got 2 tensors and 1 gradients" in out
    assert "!! RuntimeError: Mismatch in shape: grad_output[0] has a shape of torch.Size([1])" in out


def test_is_grads_batched_shape_error(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1., 2.], requires_grad=True)
        print(torch.autograd.grad(x * 2, x, grad_outputs=torch.eye(2), is_grads_batched=True))
        torch.autograd.grad(x * 2, x, grad_outputs=torch.ones(2), is_grads_batched=True)
    """)
    assert "(tensor([[2., 0.],\n        [0., 2.]]),)" in out
    assert ("!! RuntimeError: If `is_grads_batched=True`, we interpret the first dimension of each grad_output as "
            "the batch dimension.") in out
    assert "grad_output[0] has a shape of torch.Size([]) and output[0] has a shape of torch.Size([2])" in out


def test_numpy_of_requires_grad_tensor_under_no_grad(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1., 2.], requires_grad=True)
        with torch.no_grad():
            print(x.numpy())
        class MyFn(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return torch.tensor(x.numpy() * 2)
            @staticmethod
            def backward(ctx, g):
                return g
        print(MyFn.apply(x))
        x.numpy()
    """)
    assert "[1. 2.]" in out and "tensor([2., 4.], grad_fn=<MyFnBackward>)" in out
    assert "!! RuntimeError: Can't call numpy() on Tensor that requires grad." in out


def test_mark_dirty_bumps_the_version(gw):
    out = same_as_torch(gw, """
        class MyFn(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.mul_(2)
                ctx.mark_dirty(x)
                return x
            @staticmethod
            def backward(ctx, g):
                return g * 2
        x = torch.tensor([1., 2.], requires_grad=True)
        y = x.clone()
        z = MyFn.apply(y)
        print(z is y, z, y._version, z.output_nr)
        z.sum().backward()
        print(x.grad)
        class Bad(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.mark_dirty(x * 2)
                return x.clone()
            @staticmethod
            def backward(ctx, g):
                return g
        Bad.apply(x)
    """)
    assert "True tensor([2., 4.], grad_fn=<MyFnBackward>) 2 0" in out and "tensor([2., 2.])" in out
    assert "!! RuntimeError: Some elements marked as dirty during the forward method were not returned" in out


def test_custom_function_saved_tensors_after_backward(gw):
    out = same_as_torch(gw, """
        class MyFn(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * 2
            @staticmethod
            def backward(ctx, g):
                x, = ctx.saved_tensors
                return g * x
        x = torch.tensor([1., 2.], requires_grad=True)
        y = MyFn.apply(x)
        print(y.grad_fn.to_save, y.grad_fn.saved_tensors)
        y.sum().backward(retain_graph=True)
        print(y.grad_fn.saved_tensors, x.grad)
        z = x * 1
        w = MyFn.apply(z)
        z.mul_(2)
        try:
            w.grad_fn.saved_tensors
        except RuntimeError as e:
            print(str(e)[:60])
        y.sum().backward()
        y.grad_fn.saved_tensors
    """)
    assert "None (tensor([1., 2.], requires_grad=True),)" in out
    assert "one of the variables needed for gradient computation has" in out
    assert "!! RuntimeError: Trying to backward through the graph a second time" in out


def test_custom_function_kwargs_and_output_nr(gw):
    out = same_as_torch_without_errors(gw, """
        class MyFn(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x, k=2):
                return x * k, x * 3
            @staticmethod
            def backward(ctx, ga, gb):
                print(ctx.needs_input_grad)
                return ga + gb, None
        x = torch.tensor([1., 2.], requires_grad=True)
        a, b = MyFn.apply(x=x)
        print(a, a.output_nr, b.output_nr)
        (a + b).sum().backward()
        print(x.grad)
        p, q = torch.ones(4, requires_grad=True).split(2)
        v, m = torch.var_mean(torch.tensor([1., 2., 4.], requires_grad=True))
        print(p.output_nr, q.output_nr, v.output_nr, m.output_nr)
    """)
    assert "tensor([2., 4.], grad_fn=<MyFnBackward>) 0 1" in out and "(True,)" in out
    assert "tensor([2., 2.])" in out and "0 1 0 1" in out


def test_custom_function_node_classes(gw):
    out = same_as_torch_without_errors(gw, """
        class MyFn(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x.clone()
            @staticmethod
            def backward(ctx, g):
                return g
        y = MyFn.apply(torch.tensor([1., 2.], requires_grad=True))
        print(y.grad_fn._forward_cls.__name__, isinstance(y.grad_fn, torch.autograd.function.BackwardCFunction))
        print(type(y.grad_fn).__mro__[1], torch.autograd.Variable)
    """)
    assert "MyFn True" in out
    assert "<class 'torch.autograd.function.BackwardCFunction'> <class 'torch.autograd.variable.Variable'>" in out


def test_custom_function_under_func_transforms(gw):
    out = same_as_torch(gw, """
        class Old(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2
            @staticmethod
            def backward(ctx, g):
                return g * 2
        class New(torch.autograd.Function):
            @staticmethod
            def forward(x):
                return x * 2
            @staticmethod
            def setup_context(ctx, inputs, output):
                pass
            @staticmethod
            def backward(ctx, g):
                return g * 2
        class Gen(New):
            generate_vmap_rule = True
        print(torch.func.grad(lambda x: New.apply(x).sum())(torch.ones(2)))
        print(torch.vmap(Gen.apply)(torch.ones(2, 2)))
        for f in (lambda: torch.func.grad(lambda x: Old.apply(x).sum())(torch.ones(2)),
                  lambda: torch.vmap(Old.apply)(torch.ones(3, 2)),
                  lambda: torch.vmap(New.apply)(torch.ones(3, 2))):
            try:
                f()
            except RuntimeError as e:
                print(e)
    """)
    assert "tensor([2., 2.])" in out
    assert "In order to use an autograd.Function with functorch transforms (vmap, grad, jvp, jacrev, ...), it " \
           "must override the setup_context staticmethod." in out
    assert "You tried to vmap over New, but it does not have vmap support." in out


def test_grad_keeps_its_identity_across_accumulation(gw):
    out = same_as_torch_without_errors(gw, """
        x = torch.tensor([1., 2.], requires_grad=True)
        (x * 2).sum().backward()
        g = x.grad
        (x * 3).sum().backward()
        print(g is x.grad, g)
        x.grad = None
        (x * 2).sum().backward()
        print(g is x.grad, x.grad)
    """)
    assert "True tensor([5., 5.])\nFalse tensor([2., 2.])" in out


def test_read_only_attributes_and_inference_version(gw):
    out = same_as_torch_without_errors(gw, """
        x = torch.ones(2, requires_grad=True)
        for name in ("grad_fn", "is_leaf", "shape", "output_nr"):
            try:
                setattr(x, name, None)
            except AttributeError as e:
                print(e)
        with torch.inference_mode():
            y = torch.ones(2)
        try:
            y._version
        except RuntimeError as e:
            print(e)
        print(torch.autograd.graph.GradientEdge)
    """)
    assert "attribute 'grad_fn' of 'torch._C.TensorBase' objects is not writable" in out
    assert "Inference tensors do not track version counter." in out
    assert "<class 'torch.autograd.graph.GradientEdge'>" in out


def test_backward_gradient_as_a_sequence(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1., 2.], requires_grad=True)
        (x * 2).backward(gradient=[torch.ones(2)])
        print(x.grad)
        try:
            (x * 2).backward(gradient=[])
        except RuntimeError as e:
            print(e)
        (x * 2).backward(gradient=[1., 1.])
    """)
    assert "tensor([2., 2.])\ngot 1 tensors and 0 gradients" in out
    assert "!! TypeError: gradients can be either Tensors or None, but got float" in out


def test_gradcheck_backward_not_multiplied_by_grad_output(gw):
    out = same_as_torch(gw, """
        class Bias(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2
            @staticmethod
            def backward(ctx, g):
                return g * 2 + 1e-5
        x = torch.tensor([1., 2.], dtype=torch.float64, requires_grad=True)
        print(torch.autograd.gradcheck(Bias.apply, (x,), atol=1e-3, raise_exception=False))
        print(torch.autograd.gradcheck(lambda x: x.sin(), (x,)))
        torch.autograd.gradcheck(Bias.apply, (x,), atol=1e-3)
    """)
    assert "False\nTrue\n!! GradcheckError: backward not multiplied by grad_output" in out


def test_setitem_of_whole_tensor_nodes(gw):
    out = same_as_torch_without_errors(gw, """
        x = torch.ones(3, 2, requires_grad=True)
        for key, value in ((slice(None), torch.ones(3, 2)), (slice(None), 2.), (slice(0, 5), torch.ones(2)),
                           ((slice(None), None), 2.), (slice(1, 3), 2.)):
            z = x.clone()
            z[key] = value
            print(z.grad_fn.name())
            z.sum().backward()
            print(x.grad)
            x.grad = None
    """)
    names = [line for line in out.splitlines() if "Backward" in line or "::" in line]
    assert names == ["torch::autograd::CopyBackwards", "FillBackward3", "torch::autograd::CopyBackwards",
                     "torch::autograd::CopySlices", "torch::autograd::CopySlices"]


def test_func_jvp_integer_primal(gw):
    out = same_as_torch(gw, """
        print(torch.func.jvp(lambda x: x.exp(), (torch.tensor([0., 1.]),), (torch.tensor([1., 1.]),)))
        torch.func.jvp(lambda x: x, (torch.tensor([1, 2]),), (torch.tensor([1, 1]),))
    """)
    assert "!! ValueError: Expected primal to be floating point or complex, but got: torch.int64" in out


def test_full_backward_hook_unused_output_and_size_check(gw):
    out = same_as_torch(gw, """
        class M(torch.nn.Module):
            def forward(self, a, b):
                return a * b, a + b
        m = M()
        m.register_full_backward_hook(lambda mod, gi, go: print("gi", gi, "go", go))
        a = torch.tensor([1., 2.], requires_grad=True)
        x, y = m(a, torch.tensor([3., 4.]))
        x.sum().backward()
        lin = torch.nn.Linear(2, 2)
        lin.register_full_backward_hook(lambda mod, gi, go: (torch.ones(3),))
        lin(torch.ones(1, 2, requires_grad=True)).sum().backward()
    """)
    assert "go (tensor([1., 1.]), None)" in out
    assert "!! RuntimeError: hook 'hook' has changed the size of value" in out


def test_allow_mutation_on_saved_tensors(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1., 2.], requires_grad=True)
        with torch.autograd.graph.allow_mutation_on_saved_tensors() as c:
            print(type(c))
            y = x * 1
            z = y * y
            y.mul_(2)
            z.sum().backward()
            try:
                with torch.autograd.graph.allow_mutation_on_saved_tensors():
                    pass
            except RuntimeError as e:
                print(e)
            w = (x * 1) * x
        print(x.grad)
        w.sum().backward()
    """)
    assert "<class 'torch.autograd.graph._AllowMutationOnSavedContext'>" in out
    assert "allow_mutation_on_saved_tensors contexts cannot be nested\ntensor([2., 4.])" in out
    assert "!! AssertionError: Trying to backward outside of the 'allow_mutation_on_saved_tensors' context" in out


def test_custom_function_outputs_on_input_memory(gw):
    out = same_as_torch(gw, """
        class Same(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x
            @staticmethod
            def backward(ctx, g):
                return g
        class Halves(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x[:1], x[1:]
            @staticmethod
            def backward(ctx, a, b):
                return torch.cat([a, b])
        x = torch.tensor([1., 2.], requires_grad=True)
        y = Same.apply(x)
        print(y._is_view(), y._base is x, y is x)
        a, b = Halves.apply(x * 1)
        print(a._is_view(), b.output_nr)
        for t in (a, y):
            try:
                t.mul_(2)
            except RuntimeError as e:
                print(str(e)[:120])
    """)
    assert "True True False\nTrue 1\n" in out
    assert "Output 0 of Halves is a view and is being modified inplace. This view is the output of a function" in out
    assert "Output 0 of Same is a view and is being modified inplace. This view was created inside a custom" in out


def test_is_grads_batched_without_grad_outputs(gw):
    out = same_as_torch(gw, """
        x = torch.tensor([1., 2.], requires_grad=True)
        for y in ((x * 2).sum(), x * 2, x[:1] * 2):
            try:
                torch.autograd.grad(y, x, is_grads_batched=True)
            except (RuntimeError, ValueError) as e:
                print(type(e).__name__, e)
    """)
    assert "ValueError vmap(vjp, in_dims=0, ...)(<inputs>): Got in_dim=0 for some input" in out
    assert "RuntimeError grad can be implicitly created only for scalar outputs" in out
    assert "RuntimeError invalid gradient at index 0 - got [] but expected shape compatible with [1]" in out


def test_function_jvp_size_check_and_classes(gw):
    out = same_as_torch(gw, """
        print(torch.autograd.function.FunctionCtx, torch.autograd.function.InplaceFunction, torch.autograd.Function)
        class F(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2
            @staticmethod
            def jvp(ctx, t):
                return torch.ones(3)
            @staticmethod
            def backward(ctx, g):
                return g
        fwAD = torch.autograd.forward_ad
        with fwAD.dual_level():
            F.apply(fwAD.make_dual(torch.tensor([1., 2.]), torch.tensor([1., 0.])))
    """)
    assert "<class 'torch.autograd.function.FunctionCtx'> <class 'torch.autograd.function.InplaceFunction'> " \
           "<class 'torch.autograd.function.Function'>" in out
    assert "!! RuntimeError: Trying to set a forward gradient that has a different size than that of the original " \
           "Tensor, this is not supported. Tensor is of size [2] while the given forward gradient is of size [3]." in out


def test_enable_grad_inside_inference_mode_records_nothing(gw):
    out = same_as_torch_without_errors(gw, """
        with torch.inference_mode():
            with torch.enable_grad():
                print(torch.is_grad_enabled(), torch.is_inference_mode_enabled())
                x = torch.ones(2, requires_grad=True)
                y = x * 2
                print(x.requires_grad, y.requires_grad, y.grad_fn, y.is_inference())
    """)
    assert "True True\nTrue False None True" in out


def test_profiler_rows_of_mm_and_dot(gw):
    out = same_as_torch_without_errors(gw, """
        x = torch.ones(2, 2, requires_grad=True)
        v = torch.ones(2)
        for f in (lambda: torch.mm(x, x), lambda: x @ x, lambda: torch.dot(v, v)):
            with torch.autograd.profiler.profile() as p:
                f()
            print(sorted(set(e.name for e in p.function_events if e.name in ("aten::mm", "aten::matmul", "aten::dot"))))
    """)
    assert out.splitlines() == ["['aten::mm']", "['aten::matmul', 'aten::mm']", "['aten::dot']"]
