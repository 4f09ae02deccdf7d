"""Complex tensors (complex64/cfloat, complex128/cdouble): creation, reprs, promotion, arithmetic, their parts,
torch's refusals, and autograd through them by torch's convention (the conjugate Wirtinger derivative), checked
with gradcheck on complex128 inputs (more ops in test_parity_complex_autograd.py); ops without a complex
derivative yet raise NotImplementedError."""
from __future__ import annotations

import textwrap

import pytest

from gradwire.common import dtypes
from tests.test_parity_api import same_as_torch, same_as_torch_without_errors

pytestmark = pytest.mark.timeout(120)


def test_promotion_with_complex():
    d = dtypes
    assert d.result_type((d.float64, 1), 1j) is d.complex128 and d.result_type((d.float32, 1), 1j) is d.complex64
    assert d.result_type((d.int64, 1), 1j) is d.complex64 and d.promote_types(d.complex64, d.float64) is d.complex128
    assert d.element_dtype([1, 1 + 1j]) is d.complex64 and not d.complex64.is_floating_point


def test_values_reprs_and_arithmetic(gw):
    out = same_as_torch_without_errors(gw, """
        x = torch.tensor([-1 + 1j, -2 + 2j, 3 - 3j])
        print(x, x.dtype, x.is_complex(), x.is_floating_point(), torch.is_complex(x))
        print(x + 1, x * 2j, x * x, x / (1 + 1j), x.sum(), x.mean(), x[1].item(), x.tolist())
        print(x.real, x.imag, x.abs(), x.angle(), torch.abs(x), x.conj(), torch.view_as_real(x))
        print(torch.complex(torch.tensor([1., 2.]), torch.tensor([3., 4.])))
        print(torch.polar(torch.tensor([1., 2.]), torch.tensor([0., 3.1415927 / 2])).abs())
        print(torch.zeros(2, dtype=torch.cfloat), torch.ones(2, dtype=torch.complex128), torch.full((2,), 1 + 1j),
              torch.tensor([1, 2]).to(torch.complex64), torch.tensor([1.5]) + 1j, torch.tensor([1.5], dtype=torch.float64) + 1j)
        a = torch.tensor([[1 + 2j, 3 - 1j], [0.5j, 2]])
        print(a @ a, a.T, a.mH, a.adjoint(), torch.exp(a), a.sqrt(), (a * a.conj()).real)
        print(torch.vdot(torch.tensor((1 + 2j, 3 - 1j)), torch.tensor((2 + 1j, 4 - 0j))))
        print(torch.isreal(torch.tensor([1, 1 + 1j, 2 + 0j])), torch.tensor([3 + 4j, 7 - 24j, 0, 1 + 2j]).sgn())
        print(torch.linalg.norm(torch.tensor([3 + 4j, 0j])), torch.tensor(1 + 2j), torch.tensor([1e-5 + 3j, 100 + 0j]))
        print(torch.view_as_complex(torch.tensor([[1., 2.], [3., 4.]])), torch.randn(2, dtype=torch.cfloat).dtype)
    """)
    assert "tensor([-1.+1.j, -2.+2.j,  3.-3.j]) torch.complex64 True False True" in out
    assert "tensor([0.+1.j, 0.+2.j, 0.-3.j]) tensor(0.+0.j) tensor(0.+0.j) (-2+2j) [(-1+1j), (-2+2j), (3-3j)]" in out
    assert "tensor(16.+1.j)" in out and "tensor([ True, False,  True])" in out
    assert "tensor([1.5000+1.j], dtype=torch.complex128)" in out


def test_parts_write_through_and_conjugate_bits(gw):
    out = same_as_torch_without_errors(gw, """
        z = torch.tensor([1 + 2j, 3 - 4j])
        z.real.mul_(10); print(z)
        z.imag[0] = -7; print(z)
        y = z.conj()
        print(z.is_conj(), y.is_conj(), y.imag.is_neg(), y.resolve_conj().is_conj(), y.imag.resolve_neg().is_neg())
        x = torch.tensor([1., 2.])
        print(x.real, x.conj(), x.conj().is_conj(), torch.isreal(x))
    """)
    assert "tensor([10.+2.j, 30.-4.j])" in out and "tensor([10.-7.j, 30.-4.j])" in out
    assert "False True True False False" in out


def test_torchs_refusals_for_complex_inputs(gw):
    out = same_as_torch(gw, """
        z = torch.tensor([1 + 2j])
        for f in (lambda: z < z, lambda: z.max(), lambda: z.sign(), lambda: torch.maximum(z, z),
                  lambda: z.clamp(0, 1), lambda: z.max(0), lambda: z.argmax(), lambda: torch.tensor([1., 2.]).imag,
                  lambda: torch.view_as_real(torch.ones(2)), lambda: torch.complex(torch.ones(2), torch.ones(2).double())):
            try:
                f()
            except (RuntimeError, NotImplementedError) as e:
                print(type(e).__name__, e)
    """)
    assert "NotImplementedError \"lt_cpu\" not implemented for 'ComplexFloat'" in out
    assert "NotImplementedError \"max_all\" not implemented for 'ComplexFloat'" in out
    assert "RuntimeError imag is not implemented for tensors with non-complex dtypes." in out


def test_autograd_through_complex_numbers_follows_torchs_convention(gw):
    """torch's gradient for a complex input is the conjugate Wirtinger derivative: holomorphic ops run their real
    formula between conjugations, abs/angle/real/imag/conj/view_as_real/complex/polar have their own."""
    out = same_as_torch_without_errors(gw, """
        fs = [lambda z: z.real, lambda z: z.imag, lambda z: z.abs(), lambda z: (z * z).real,
              lambda z: (z * z.conj()).real, lambda z: torch.view_as_real(z).sum(), lambda z: z.angle(),
              lambda z: z.exp().imag, lambda z: (z * torch.tensor(2 - 1j)).real, lambda z: (z / (1 + 1j)).abs(),
              lambda z: (z ** 2).real, lambda z: (z.sin() + z.cos()).imag, lambda z: torch.sigmoid(z).real,
              lambda z: (1 / z).imag, lambda z: z.log().real, lambda z: z.sqrt().abs()]
        for f in fs:
            z = torch.tensor(1 + 2j, requires_grad=True)
            f(z).backward()
            print(z.grad)
        x = torch.tensor(1.5, requires_grad=True)
        (x * torch.tensor(2 - 1j)).real.backward()
        y = torch.tensor(0.5, requires_grad=True)
        torch.complex(x, y).abs().backward()
        print(x.grad, y.grad)
        r = torch.tensor(2., requires_grad=True); t = torch.tensor(0.5, requires_grad=True)
        torch.polar(r, t).imag.backward()
        print(r.grad, t.grad)
        z = torch.tensor(1 + 2j, requires_grad=True)
        print((z * z).grad_fn, z.real.grad_fn, z.conj().grad_fn, torch.view_as_real(z).grad_fn, z.abs().grad_fn, z)
        try:
            (z * z).backward()
        except RuntimeError as e:
            print(e)
        A = torch.tensor([[1 + 1j, 2], [0.5j, -1]], requires_grad=True)
        v = torch.tensor([1 - 1j, 2 + 0.5j], requires_grad=True)
        L = (A @ v).abs().sum() + (A.sum(0) * v).real.sum() + torch.vdot(v, v).real
        L.backward()
        print(L, A.grad, v.grad)
        w = torch.tensor([0.5, -1.0], requires_grad=True)
        c = torch.view_as_complex(torch.stack([w, w * 2], -1))
        (c * c.conj()).real.sum().backward()
        print(w.grad, torch.autograd.grad((v * v).abs().sum(), v))
    """)
    assert "tensor(1.+0.j)\ntensor(0.+1.j)\ntensor(0.4472+0.8944j)\ntensor(2.-4.j)\ntensor(2.+4.j)" in out
    assert "tensor(0.4794) tensor(1.7552)" in out and "tensor([  5., -10.])" in out
    assert "grad can be implicitly created only for real scalar outputs but got torch.complex64" in out


def test_ops_without_a_complex_derivative_refuse_it(gw):
    z = gw.tensor([1 + 2j], requires_grad=True)
    with pytest.raises(NotImplementedError, match="derivative of LinalgCholeskyExBackward0 for complex numbers is not"):
        gw.linalg.cholesky(z.reshape(1, 1) * 0 + 2).tolist()
    with pytest.raises(NotImplementedError, match="derivative of fft.hfft"):
        gw.fft.hfft(z)
    assert gw.complex(gw.tensor([1.5, 2.0]), gw.tensor([1.5, 2.0])).tolist() == [1.5 + 1.5j, 2 + 2j]


def test_linalg_eig_and_eigvals(gw):
    out = same_as_torch_without_errors(gw, """
        print(torch.linalg.eig(torch.tensor([[2., 1.], [1., 3.]])))
        print(torch.linalg.eig(torch.tensor([[0., -1.], [1., 0.]])))
        print(torch.linalg.eigvals(torch.tensor([[1., 2.], [3., 4.]], dtype=torch.float64)))
        print(torch.linalg.eigvals(torch.tensor([[[1., 2.], [3., 4.]], [[0., 1.], [-2., 0.]]])))
        for bad in (torch.ones(2, 3), torch.ones(2)):
            try:
                torch.linalg.eig(bad)
            except RuntimeError as e:
                print(e)
    """)
    assert "eigenvalues=tensor([0.+1.j, 0.-1.j])" in out
    assert "tensor([-0.3723+0.j,  5.3723+0.j], dtype=torch.complex128)" in out
    assert "linalg.eig: A must be batches of square matrices, but they are 2 by 3 matrices" in out


def test_gradients_of_the_holomorphic_elementwise_functions(gw):
    out = same_as_torch_without_errors(gw, """
        names = ["expm1", "log1p", "log2", "log10", "exp2", "tan", "sinh", "cosh", "asin", "acos", "atan", "asinh",
                 "acosh", "atanh", "rsqrt"]
        for n in names:
            z = torch.tensor([0.3 + 0.4j, -0.5 + 0.2j, 1.5 - 0.7j], dtype=torch.complex128, requires_grad=True)
            y = getattr(torch, n)(z)
            (y * torch.tensor([1 - 1j, 0.5j, 2], dtype=torch.complex128)).real.sum().backward()
            print(n, y.grad_fn.name(), [round(v.real, 6) for v in z.grad.tolist()], [round(v.imag, 6) for v in z.grad.tolist()])
        z = torch.tensor([0.3 + 0.4j, -0.5 + 0.2j, 1.5 - 0.7j], dtype=torch.complex128, requires_grad=True)
        print(all(torch.autograd.gradcheck(lambda t, n=n: getattr(torch, n)(t), (z,)) for n in names))
    """)
    assert "acosh AcoshBackward0 [-0.844001, 0.549624, 1.095579] [1.05428, 0.068492, -0.768624]" in out
    assert out.endswith("True\n")


def test_complex_linear_algebra(gw):
    """Hermitian eigenvalues, singular values, residuals and log|det| are real; pinv, lstsq, cholesky_solve and
    householder_product use conjugate transposes; LU pivots as LAPACK's (|re| + |im|)."""
    out = same_as_torch_without_errors(gw, """
        g = torch.Generator().manual_seed(0)
        a = torch.randn(3, 3, dtype=torch.cdouble, generator=g)
        b = torch.randn(4, 2, dtype=torch.cdouble, generator=g)
        h = a @ a.mH + torch.eye(3)
        r = lambda t: (t.real.round(decimals=6) + 1j * t.imag.round(decimals=6)) if t.is_complex() else t.round(decimals=6)
        print(r(torch.linalg.eigvalsh(h)), r(torch.linalg.eigh(h).eigenvalues), torch.linalg.eigh(h).eigenvectors.dtype)
        print(r(torch.linalg.svdvals(a)), r(torch.linalg.svd(b, full_matrices=False).S), torch.linalg.svd(a).U.dtype)
        print(r(torch.linalg.pinv(a)), r(torch.linalg.pinv(b)), r(torch.linalg.pinv(h, hermitian=True)))
        print(r(torch.linalg.slogdet(a).sign), r(torch.linalg.slogdet(a).logabsdet), r(torch.logdet(a)), r(torch.logdet(h)))
        print(r(torch.linalg.lstsq(b, b[:, :1]).solution).abs().sum() < 2, r(torch.linalg.lstsq(a, a[:, :2], driver="gelsd").singular_values))
        print(torch.linalg.matrix_rank(a), torch.linalg.matrix_rank(b), r(torch.linalg.matrix_norm(a, "nuc")),
              r(torch.linalg.matrix_norm(a, 2)), r(torch.linalg.matrix_norm(a, -2)), r(torch.linalg.cond(a)))
        lu = torch.linalg.lu_factor(a)
        print(r(lu.LU), lu.pivots, r(torch.linalg.lu(a).L), torch.linalg.lu(a).P)
        print(r(torch.linalg.householder_product(b, b[:2, 0])), r(torch.linalg.det(a)))
        print(r(torch.cholesky_inverse(torch.linalg.cholesky(h))), r(torch.dist(a, a * 2)), r(torch.linalg.vecdot(a, a * 1j)))
        print(r(torch.cholesky_solve(a, torch.linalg.cholesky(h))), r(torch.linalg.cholesky(h, upper=True)))
    """)
    assert "dtype=torch.float64) tensor(" in out and "tensor(2.9438, dtype=torch.float64)" in out


def test_complex_gradients_of_prod_cumsum_and_cumprod(gw):
    out = same_as_torch_without_errors(gw, """
        z = torch.tensor([1 + 2j, 3 - 1j], requires_grad=True)
        z.prod().abs().backward(); print(z.grad)
        z = torch.tensor([1 + 2j, 3 - 1j], requires_grad=True)
        y = z.cumsum(0); print(y.grad_fn.name(), y.requires_grad)
        y.abs().sum().backward(); print(z.grad)
        a = torch.tensor([[1 + 2j, 0j, 0.5j], [2, -1 + 1j, 1.5 + 0.5j]], dtype=torch.cdouble, requires_grad=True)
        (a.cumprod(1) * torch.tensor([1 - 1j, 2, 0.5j], dtype=torch.cdouble)).real.sum().backward()
        print(a.grad + 0)  # + 0: a zero's sign may differ from torch's
        print([torch.autograd.gradcheck(f, (a,)) for f in (lambda t: t.prod(), lambda t: t.prod(1), lambda t: t.cumsum(0),
               lambda t: t.cumprod(1), lambda t: t.cumprod(0), lambda t: t.cumsum(1, dtype=torch.cdouble))])
    """)
    assert "tensor([1.4142+2.8284j, 2.1213-0.7071j])" in out
    assert "CumsumBackward0 True\ntensor([1.4174+1.1370j, 0.9701+0.2425j])" in out
    assert "[True, True, True, True, True, True]" in out


# The gradient of sum(|f(a) * w|) (not holomorphic): torch's values check a complex rule beyond what gradcheck
# does; rounded (float noise), + 0 (a zero's sign may differ from torch's).
GRAD_OF_ABS = """
def grad_of_abs(f, a):
    y = f(a)
    y = torch.cat([t.flatten() for t in y]) if isinstance(y, (tuple, list)) else y.flatten()
    w = torch.linspace(-1., 2., y.numel()) * (1 - 2j) + 0.5j
    g = torch.autograd.grad((y * w).abs().sum(), a)[0]
    return torch.view_as_real(g).mul(1e4).round().div(1e4) + 0
"""


def test_complex_gradients_of_shape_index_and_linear_ops(gw):
    """Linear ops run their real formula between conjugations (a mask or an index is no input of theirs)."""
    out = same_as_torch_without_errors(gw, GRAD_OF_ABS + textwrap.dedent("""
        fs = [lambda a: a.reshape(9), lambda a: a.flatten(), lambda a: a.movedim(0, 1), lambda a: a.narrow(0, 1, 2),
              lambda a: a.unbind(0), lambda a: a.split(2), lambda a: a.chunk(2, 1), lambda a: a.roll(1, 0),
              lambda a: a.repeat(2, 1), lambda a: a.tile((2,)), lambda a: torch.diag(a), lambda a: torch.diag(a[0]),
              lambda a: a.diagonal(), lambda a: a.tril(), lambda a: a.triu(1), lambda a: a.fliplr(), lambda a: a.flipud(),
              lambda a: a.rot90(), lambda a: a.index_select(0, torch.tensor([2, 0])),
              lambda a: a.gather(1, torch.tensor([[0, 2], [1, 1], [2, 0]])),
              lambda a: a.scatter(1, torch.tensor([[0], [1], [2]]), a[:, :1] * 2),
              lambda a: a.scatter_add(1, torch.tensor([[0], [1], [2]]), a[:, :1] * 2),
              lambda a: a.masked_fill(torch.tensor([True, False, True]), 2.0),
              lambda a: torch.where(torch.tensor([True, False, True]), a, a * 2),
              lambda a: torch.nn.functional.pad(a, (1, 2)), lambda a: torch.cat([a, a * 2], 1), lambda a: a.trace(),
              lambda a: a.t().contiguous(), lambda a: a[[0, 2]], lambda a: a.unfold(0, 2, 1), lambda a: a.take(torch.tensor([0, 4])),
              lambda a: a.index_add(0, torch.tensor([0, 0]), a[:2]), lambda a: torch.diag_embed(a), lambda a: torch.block_diag(a, a),
              lambda a: a.sum((0, 1)), lambda a: a.mean(0), lambda a: torch.trapezoid(a), lambda a: a.expand(2, 3, 3)]
        a = torch.tensor([[1 + 2j, 3 - 1j, 0.5j], [2, -1 + 1j, 1.5 + 0.5j], [0.3 - 2j, 1, 2 + 2j]], dtype=torch.cdouble,
                         requires_grad=True)
        print([i for i, f in enumerate(fs) if not torch.autograd.gradcheck(f, (a,))])
        for f in fs:
            print(grad_of_abs(f, a))
        print(a.trace(), torch.autograd.grad(a.trace().real, a)[0][1] + 0)
    """))
    assert out.startswith("[]\n")
    assert out.startswith("[]\ntensor([[[ 1.2042,  2.4083],\n         [ 1.7629, -0.5876],\n         [ 0.0000,  1.0308]],")
    assert out.endswith("tensor(2.+5.j, dtype=torch.complex128, grad_fn=<TraceBackward0>) "
                        "tensor([0.+0.j, 1.+0.j, 0.+0.j], dtype=torch.complex128)\n")


def test_complex_gradients_of_products_and_linalg(gw):
    out = same_as_torch_without_errors(gw, GRAD_OF_ABS + textwrap.dedent("""
        a = torch.tensor([[1 + 2j, 3 - 1j, 0.5j], [2, -1 + 1j, 1.5 + 0.5j], [0.3 - 2j, 1, 2 + 2j]], dtype=torch.cdouble,
                         requires_grad=True)
        fs = [lambda a: torch.linalg.inv(a), lambda a: a.inverse(), lambda a: torch.linalg.solve(a, a[:, 0]),
              lambda a: torch.linalg.det(a), lambda a: torch.linalg.slogdet(a), lambda a: torch.linalg.slogdet(a)[0],
              lambda a: a[0] @ a, lambda a: a.expand(2, 3, 3) @ a, lambda a: a.expand(2, 3, 3) @ a.expand(2, 3, 3),
              lambda a: torch.outer(a[0], a[1]), lambda a: torch.addmm(a, a, a), lambda a: torch.baddbmm(a[None], a[None], a[None]),
              lambda a: torch.addmv(a[0], a, a[1]), lambda a: torch.kron(a, a), lambda a: torch.einsum('ij,jk->ik', a, a),
              lambda a: torch.tensordot(a, a, 1), lambda a: torch.linalg.matrix_power(a, 3), lambda a: torch.addcmul(a, a, a),
              lambda a: torch.linalg.cross(a, a.flip(0)), lambda a: torch.nn.functional.linear(a, a, a[0]),
              lambda a: torch.linalg.solve_triangular(a.triu() + 3, a, upper=True), lambda a: a.sgn()]
        print([i for i, f in enumerate(fs) if not torch.autograd.gradcheck(f, (a,))])
        for f in fs:
            print(grad_of_abs(f, a))
        print(round(torch.linalg.inv(a).abs().sum().item(), 10))
        s, l = torch.linalg.slogdet(a)
        print(s, l)
        (s * torch.tensor(1 - 2j, dtype=torch.cdouble) + l).real.backward()
        print(a.grad)
        z = torch.tensor([1 + 2j, 3 - 1j, 0j], dtype=torch.cdouble, requires_grad=True)
        (z.sgn() * torch.tensor([1 - 1j, 0.5j, 2], dtype=torch.cdouble)).real.sum().backward()
        print(z.grad)
    """))
    assert out.startswith("[]\n")
    assert "tensor(3.5367, dtype=torch.float64, grad_fn=<LinalgSlogdetBackward0>)" in out
    assert out.startswith("[]\ntensor([[[-0.1198, -0.1288],\n         [-0.1144, -0.0287],")
    assert out.endswith("tensor([ 0.1789-0.0894j, -0.0474-0.1423j,  0.0000+0.0000j],\n       dtype=torch.complex128)\n")


def test_gradcheck_of_a_function_that_fails_raises_its_error(gw):
    a = (gw.eye(2) * 2).to(gw.cdouble).requires_grad_()
    assert gw.autograd.gradcheck(lambda t: gw.linalg.inv(t), (a,))
    with pytest.raises(NotImplementedError, match="derivative of LinalgCholeskyExBackward0 for complex numbers"):
        gw.autograd.gradcheck(lambda t: gw.linalg.cholesky(t) * 2, (a,))
    with pytest.raises(NotImplementedError, match="\"softmax_kernel_impl\" not implemented for 'ComplexDouble'"):
        gw.autograd.gradcheck(lambda t: t.softmax(0), (a,))


def test_gradcheck_checks_complex_gradients():
    """gradcheck takes complex tensors as pairs of reals: a backward that forgets torch's conjugate fails it."""
    import gradwire.engine as E  # noqa: PLC0415
    from gradwire.engine.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: PLC0415

    class Square(E.Function):
        @staticmethod
        def forward(ctx, x, wrong):
            ctx.save_for_backward(x)
            ctx.wrong = wrong
            return x * x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return (g * 2 * x if ctx.wrong else g * 2 * E.conj(x)), None

    z = E.tensor([1 + 2j, -0.5 + 1j], dtype=dtypes.complex128, requires_grad=True)
    x = E.tensor([0.5, 2.0], dtype=dtypes.float64, requires_grad=True)
    assert gradcheck(lambda t: Square.apply(t, False), (z,)) is True
    assert gradcheck(lambda t: Square.apply(t, False), (z,), fast_mode=True) is True
    assert gradcheck(lambda t: Square.apply(t, True).abs(), (z,), raise_exception=False) is False
    assert gradcheck(lambda t: Square.apply(t * (1 + 1j), True), (x,), raise_exception=False) is False
    with pytest.raises(GradcheckError, match="Jacobian mismatch for output 0 with respect to input 0"):
        gradcheck(lambda t: Square.apply(t, True), (z,))

    class SquareOnce(Square):  # right first derivative, none of its own (detached)
        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 2 * E.conj(x.detach()), None

    assert gradcheck(lambda t: SquareOnce.apply(t, False), (z,)) is True
    assert gradgradcheck(lambda t: Square.apply(t, False), (z,)) is True
    assert gradgradcheck(lambda t: SquareOnce.apply(t, False), (z,), raise_exception=False) is False


def test_logsumexp_of_complex_numbers_and_nansums_refusal(gw):
    out = same_as_torch_without_errors(gw, """
        a = torch.tensor([[1 + 2j, 3 - 1j, 0.5j], [2, -1 + 1j, 1.5 + 0.5j]], dtype=torch.cdouble, requires_grad=True)
        y = a.logsumexp(1)
        print(y, a.logsumexp((0, 1)), torch.logsumexp(a.detach().to(torch.cfloat), 0))
        y.abs().sum().backward()
        print(a.grad)
        print(torch.autograd.gradcheck(lambda t: t.logsumexp(0), (a,)), torch.autograd.gradcheck(lambda t: t.logsumexp((0, 1)), (a,)))
        x = torch.tensor([[1000., 1.], [-2., 3.]], requires_grad=True)
        print(x.logsumexp(1), x.logsumexp((0, 1)))
        for f in (lambda: a.nansum(), lambda: torch.nansum(a, 0)):
            try:
                f()
            except RuntimeError as e:
                print(e)
    """)
    assert "tensor([2.8633-0.9211j, 2.4664+0.2102j], dtype=torch.complex128,\n       grad_fn=<LogsumexpBackward0>)" in out
    assert "tensor([[-0.1545+0.0141j,  1.1157-0.2640j, -0.0092-0.0563j]," in out and "True True\n" in out
    assert out.endswith("nansum on CPU does not support complex inputs\n" * 2)


def test_var_and_std_of_complex_numbers(gw):
    """Real results (the mean squared |deviation|); the gradient 2 (z - mean) / denom is no conjugated formula."""
    out = same_as_torch_without_errors(gw, """
        a = torch.tensor([[1 + 2j, 3 - 1j, 0.5j], [2, -1 + 1j, 1.5 + 0.5j]], dtype=torch.cdouble, requires_grad=True)
        print(a.var(), a.std(1), a.var(0, correction=0), torch.var_mean(a, 1), torch.std_mean(a))
        print([torch.autograd.gradcheck(f, (a,)) for f in (lambda t: t.var(1), lambda t: t.std(),
               lambda t: torch.var_mean(t, 0), lambda t: torch.std_mean(t, 1))])
        (a.std(1).sum() + a.var()).backward()
        print(a.grad)
        print(a[:, :1].var(1), torch.tensor([1 + 1j]).std())
    """)
    assert out.startswith("tensor(3.0417, dtype=torch.float64, grad_fn=<VarBackward0>) tensor([2.1409, 1.6833]")
    assert "[True, True, True, True]\ntensor([[-0.1112+0.9503j,  1.1559-0.9503j, -0.7447+0.0000j]," in out


def test_cov_of_complex_numbers(gw):
    """cov keeps a complex input complex (it was cast to float): centered @ centered^H / (n - 1)."""
    out = same_as_torch_without_errors(gw, GRAD_OF_ABS + textwrap.dedent("""
        a = torch.tensor([[1 + 2j, 3 - 1j, 0.5j], [2, -1 + 1j, 1.5 + 0.5j], [0.3 - 2j, 1, 2 + 2j]], dtype=torch.cdouble,
                         requires_grad=True)
        print(torch.view_as_real(torch.cov(a)).mul(1e4).round().div(1e4) + 0, torch.cov(a[0]))
        print(torch.autograd.gradcheck(lambda t: torch.cov(t), (a,)), grad_of_abs(torch.cov, a))
    """))
    assert out.startswith("tensor([[[ 4.5833,  0.0000],\n         [-2.9167,  1.7500],")
    assert "tensor(4.5833+0.j, dtype=torch.complex128, grad_fn=<SqueezeBackward0>)\nTrue tensor(" in out


def test_gradcheck_refuses_outputs_whose_shape_a_perturbation_changes(gw):
    out = same_as_torch(gw, """
        a = torch.tensor([[1 + 2j, 3 - 1j, 0.5j], [2, -1 + 1j, 1.5 + 0.5j]], dtype=torch.cdouble, requires_grad=True)
        x = torch.tensor([[0.5, 1.0], [-0.2, 2.0]], dtype=torch.double, requires_grad=True)
        for f, t in ((lambda a: a.masked_select(a.real > 0), a), (lambda x: x.masked_select(x > 1.0), x)):
            try:
                torch.autograd.gradcheck(f, (t,))
            except AssertionError as e:
                print(e)
    """)
    assert out == ("Expected `func` to return outputs with the same shape when inputs are perturbed on index (0, 2) by "
                   "1e-06, but got: shapes torch.Size([4]) and torch.Size([5]).\nExpected `func` to return outputs with "
                   "the same shape when inputs are perturbed on index (0, 1) by 1e-06, but got: shapes torch.Size([1]) "
                   "and torch.Size([2]).\n")
