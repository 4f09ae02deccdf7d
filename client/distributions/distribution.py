"""torch.distributions.Distribution: the base of every distribution (shapes, validation, repr)."""
from __future__ import annotations

import warnings

import gradwire as _torch

from . import constraints
from .utils import lazy_property

__all__ = ["Distribution"]


def _all_true(valid) -> bool:
    return bool(valid.all().item())


class Distribution:
    """A probability distribution with a ``batch_shape`` of independent parameter sets, each over
    values of ``event_shape``."""
    has_rsample = False
    has_enumerate_support = False
    _validate_args = __debug__

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        if value not in [True, False]:
            raise ValueError
        Distribution._validate_args = value

    def __init__(self, batch_shape=_torch.Size(), event_shape=_torch.Size(), validate_args=None):
        self._batch_shape = batch_shape
        self._event_shape = event_shape
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            self._check_parameters()
        super().__init__()

    def _check_parameters(self) -> None:
        try:
            arg_constraints = self.arg_constraints
        except NotImplementedError:
            arg_constraints = {}
            warnings.warn(f"{self.__class__} does not define `arg_constraints`. Please set `arg_constraints = {{}}` "
                          "or initialize the distribution with `validate_args=False` to turn off validation.",
                          stacklevel=3)
        checked = []
        for param, constraint in arg_constraints.items():
            if constraints.is_dependent(constraint):
                continue
            if param not in self.__dict__ and isinstance(getattr(type(self), param), lazy_property):
                continue  # the other parametrization was given: this one is derived, not checked
            value = getattr(self, param)
            checked.append((param, constraint, value, constraint.check(value).all()))
        # one round trip for all the parameters; the first invalid one is named only when there is one
        if checked and not _all_true(_torch.stack([ok for *_, ok in checked])):
            param, constraint, value, _ = next(c for c in checked if not bool(c[3]))
            raise ValueError(f"Expected parameter {param} ({type(value).__name__} of shape "
                             f"{tuple(value.shape)}) of distribution {self!r} to satisfy the constraint "
                             f"{constraint!r}, but found invalid values:\n{value}")

    def expand(self, batch_shape, _instance=None):
        raise NotImplementedError

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return self._event_shape

    @property
    def arg_constraints(self) -> dict:
        raise NotImplementedError

    @property
    def support(self):
        raise NotImplementedError

    @property
    def mean(self):
        raise NotImplementedError

    @property
    def mode(self):
        raise NotImplementedError(f"{self.__class__} does not implement mode")

    @property
    def variance(self):
        raise NotImplementedError

    @property
    def stddev(self):
        return self.variance.sqrt()

    def sample(self, sample_shape=_torch.Size()):
        with _torch.no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=_torch.Size()):
        raise NotImplementedError

    def sample_n(self, n: int):
        warnings.warn("`sample_n(n)` will be deprecated. Use `sample((n,))` instead.", FutureWarning, stacklevel=2)
        return self.sample(_torch.Size((n,)))

    def log_prob(self, value):
        raise NotImplementedError

    def cdf(self, value):
        raise NotImplementedError

    def icdf(self, value):
        raise NotImplementedError

    def enumerate_support(self, expand: bool = True):
        raise NotImplementedError

    def entropy(self):
        raise NotImplementedError

    def perplexity(self):
        return _torch.exp(self.entropy())

    def _extended_shape(self, sample_shape=_torch.Size()):
        """sample_shape + batch_shape + event_shape."""
        if not isinstance(sample_shape, _torch.Size):
            sample_shape = _torch.Size(sample_shape)
        return _torch.Size(sample_shape + self._batch_shape + self._event_shape)

    def _validate_sample(self, value) -> None:
        """``value``'s rightmost dims must be event_shape, broadcast with batch_shape, and lie in the support."""
        if not isinstance(value, _torch.Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        event_start = len(value.size()) - len(self._event_shape)
        if value.size()[event_start:] != self._event_shape:
            raise ValueError(f"The right-most size of value must match event_shape: {value.size()} vs "
                             f"{self._event_shape}.")
        actual, expected = value.size(), self._batch_shape + self._event_shape
        for i, j in zip(reversed(actual), reversed(expected)):
            if i != 1 and j != 1 and i != j:
                raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: {actual} vs {expected}.")
        try:
            support = self.support
        except NotImplementedError:
            warnings.warn(f"{self.__class__} does not define `support` to enable sample validation. Please "
                          "initialize the distribution with `validate_args=False` to turn off validation.",
                          stacklevel=3)
            return
        if support is None:
            raise AssertionError("support is unexpectedly None")
        if not _all_true(support.check(value)):
            raise ValueError(f"Expected value argument ({type(value).__name__} of shape {tuple(value.shape)}) to "
                             f"be within the support ({support!r}) of the distribution {self!r}, but found "
                             f"invalid values:\n{value}")

    def _get_checked_instance(self, cls, _instance=None):
        """A bare instance for expand(): a subclass with its own __init__ must bring its own expand()."""
        if _instance is None and type(self).__init__ != cls.__init__:
            raise NotImplementedError(f"Subclass {self.__class__.__name__} of {cls.__name__} that defines a custom "
                                      "__init__ method must also define a custom .expand() method.")
        return self.__new__(type(self)) if _instance is None else _instance

    def _expand_params(self, cls, batch_shape, _instance, names, event_shape=_torch.Size()):
        """expand() for distributions whose parameters are tensors of batch_shape + event_shape: each
        parameter named in ``names`` that this instance holds is expanded onto the new instance."""
        new = self._get_checked_instance(cls, _instance)
        batch_shape = _torch.Size(batch_shape)
        for name in names:
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(batch_shape + event_shape))
        Distribution.__init__(new, batch_shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def __repr__(self):
        """Each parameter held: its value when it has one element, else its size."""
        held = {name: self.__dict__[name] for name in self.arg_constraints if name in self.__dict__}
        args = ", ".join(f"{name}: {value if value.numel() == 1 else value.size()}" for name, value in held.items())
        return f"{type(self).__name__}({args})"
