"""gradwire.optim: torch.optim's optimizers, with their state and updates on the server."""
from . import lr_scheduler, swa_utils  # noqa: F401
from .optimizer import (ASGD, LBFGS, SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam, Optimizer, RAdam, RMSprop,
                        Rprop)

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "NAdam", "RAdam", "Adadelta",
           "Rprop", "ASGD", "LBFGS", "lr_scheduler", "swa_utils"]
