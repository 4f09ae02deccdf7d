"""torch.nn.utils.parametrizations: weight_norm and spectral_norm as parametrizations (parametrize.py)."""
from __future__ import annotations

from ...grad_mode import no_grad
from ...tensor import Tensor
from .. import functional as F
from ..modules import ConvTranspose1d, ConvTranspose2d, Module
from . import parametrize

__all__ = ["weight_norm", "spectral_norm", "orthogonal"]


def _norm_except_dim(v, dim: int):
    """The 2-norm of ``v`` over every dim but ``dim``, kept broadcastable; dim -1: the whole tensor's."""
    if dim == -1:
        return v.norm(2)
    dims = [d for d in range(v.dim()) if d != dim]
    return v.norm(2, dim=dims, keepdim=True) if dims else v.abs()


def _weight_norm(v, g, dim: int):
    return v * (g / _norm_except_dim(v, dim))


class _WeightNorm(Module):
    def __init__(self, dim: int | None = 0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int = 0) -> Module:
    """``module.<name>`` = g * v / ||v||, with g (``original0``) and v (``original1``) the parameters."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def compat(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs):
        # a checkpoint of the older nn.utils.weight_norm names them <name>_g and <name>_v
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)

    module._register_load_state_dict_pre_hook(compat)
    return module


def _weight_matrix(weight, dim: int):
    """``weight`` as a matrix whose rows run along ``dim``."""
    if dim != 0:
        weight = weight.permute(dim, *(d for d in range(weight.dim()) if d != dim))
    return weight.reshape(weight.shape[0], -1)


def _power_iteration(weight_mat, u, v, iterations: int, eps: float) -> None:
    """Refines, in place, u and v towards the first left and right singular vectors of weight_mat."""
    with no_grad():
        for _ in range(iterations):
            u.copy_(F.normalize(weight_mat.mv(v), dim=0, eps=eps))
            v.copy_(F.normalize(weight_mat.t().mv(u), dim=0, eps=eps))


def _default_dim(module) -> int:
    return 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d)) else 0


class _SpectralNorm(Module):
    def __init__(self, weight, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12):
        super().__init__()
        ndim = weight.dim()
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = _weight_matrix(weight, self.dim)
            h, w = weight_mat.shape
            self.register_buffer("_u", F.normalize(weight_mat.new_empty(h).normal_(0, 1), dim=0, eps=eps))
            self.register_buffer("_v", F.normalize(weight_mat.new_empty(w).normal_(0, 1), dim=0, eps=eps))
            _power_iteration(weight_mat.detach(), self._u, self._v, 15, eps)  # torch's warm start

    def forward(self, weight):
        if weight.dim() == 1:
            return F.normalize(weight, dim=0, eps=self.eps)
        weight_mat = _weight_matrix(weight, self.dim)
        if self.training:
            _power_iteration(weight_mat.detach(), self._u, self._v, self.n_power_iterations, self.eps)
        u, v = self._u.clone(), self._v.clone()
        return weight / u.dot(weight_mat.mv(v))

    def right_inverse(self, value):
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None) -> Module:
    """``module.<name>`` divided by its largest singular value, estimated by power iteration (one
    step per training forward)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    dim = _default_dim(module) if dim is None else dim
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


# ---- orthogonal ------------------------------------------------------------------------------------------
# torch's parametrization, composed from the client's ops: the weight is an orthogonal matrix made from an
# unconstrained one by the matrix exponential, the Cayley map or Householder reflectors; with the dynamic
# trivialization (the default), it is ``base @`` that matrix, ``base`` the orthogonal matrix it was set to.

_ORTHOGONAL_MAPS = ("matrix_exp", "cayley", "householder")


def _make_orthogonal(a):
    """The Q of a = QR (a tall) with R's diagonal non-negative."""
    from ... import geqrf, linalg  # noqa: PLC0415
    x, tau = geqrf(a)
    return linalg.householder_product(x, tau) * x.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)


def _is_orthogonal(q) -> bool:
    from ... import allclose, eye, finfo  # noqa: PLC0415
    n, k = q.size(-2), q.size(-1)
    return allclose(q.mH @ q, eye(k, dtype=q.dtype, device=q.device), atol=10.0 * n * finfo(q.dtype).eps)


class _Orthogonal(Module):
    def __init__(self, weight, orthogonal_map: str, *, use_trivialization: bool = True) -> None:
        super().__init__()
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, x):
        from ... import cat, eye, linalg, matrix_exp  # noqa: PLC0415
        n, k = x.size(-2), x.size(-1)
        transposed = n < k
        if transposed:
            x = x.mT
            n, k = k, n
        if self.orthogonal_map in ("matrix_exp", "cayley"):
            x = x.tril()
            if n != k:   # embedded in a square matrix
                x = cat([x, x.new_zeros(n, n - k).expand(*x.shape[:-2], -1, -1)], dim=-1)
            a = x - x.mH   # skew-symmetric
            if self.orthogonal_map == "matrix_exp":
                q = matrix_exp(a)
            else:   # the Cayley retraction (I + A/2)(I - A/2)^-1
                ident = eye(n, dtype=a.dtype, device=a.device)
                q = linalg.solve(ident.add(a, alpha=-0.5), ident.add(a, alpha=0.5))
            if n != k:
                q = q[..., :k]
        else:
            a = x.tril(diagonal=-1)
            tau = 2.0 / (1.0 + (a * a).sum(dim=-2))
            # x's diagonal holds the reflections' signs, not differentiated through (the int cast)
            q = linalg.householder_product(a, tau) * x.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        if hasattr(self, "base"):
            q = self.base @ q
        return q.mT if transposed else q

    def right_inverse(self, q):
        with no_grad():
            return self._right_inverse(q)

    def _right_inverse(self, q):
        from ... import cat, geqrf, randn, zeros_like  # noqa: PLC0415
        if q.shape != self.shape:
            raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. Got a tensor of shape "
                             f"{q.shape}.")
        q_init = q
        n, k = q.size(-2), q.size(-1)
        transpose = n < k
        if transpose:
            q = q.mT
            n, k = k, n
        if not hasattr(self, "base"):
            if self.orthogonal_map in ("matrix_exp", "cayley"):
                raise NotImplementedError("It is not possible to assign to the matrix exponential or the Cayley "
                                          "parametrizations when use_trivialization=False.")
            a, tau = geqrf(q)
            signs = a.diagonal(dim1=-2, dim2=-1).sign()
            signs = signs.where(tau != 0.0, -signs)   # LAPACK's zero tau: no reflection there
            a = a.clone()
            a.diagonal(dim1=-2, dim2=-1).copy_(signs)
            return a.mT if transpose else a
        if n == k:
            q = q.clone() if _is_orthogonal(q) else _make_orthogonal(q)
        else:   # completed into a full n x n orthogonal matrix
            q = _make_orthogonal(cat([q, randn(*(q.size()[:-2] + (n, n - k)), dtype=q.dtype, device=q.device)],
                                     dim=-1))
        self.base = q
        neg_id = zeros_like(q_init)   # -I: householder(zeros) is then the identity
        neg_id.diagonal(dim1=-2, dim2=-1).fill_(-1.0)
        return neg_id


def orthogonal(module: Module, name: str = "weight", orthogonal_map: str | None = None, *,
               use_trivialization: bool = True) -> Module:
    """torch.nn.utils.parametrizations.orthogonal: ``module.<name>`` kept an orthogonal matrix (or batch)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.size(-2) == weight.size(-1) else "householder"
    if orthogonal_map not in _ORTHOGONAL_MAPS:
        raise ValueError(f'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". Got: '
                         f"{orthogonal_map}")
    parametrize.register_parametrization(module, name, _Orthogonal(weight, orthogonal_map,
                                                                   use_trivialization=use_trivialization),
                                         unsafe=True)
    return module
