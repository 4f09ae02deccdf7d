"""gradwire.optim: torch.optim's optimizers, with their state and updates on the server."""
from . import lr_scheduler, swa_utils  # noqa: F401
from .optimizer import (ASGD, LBFGS, SGD, Adadelta, Adafactor, Adagrad, Adam, Adamax, AdamW, Muon, NAdam, Optimizer,
                        RAdam, RMSprop, Rprop, SparseAdam)

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "NAdam", "RAdam", "Adadelta",
           "Rprop", "ASGD", "LBFGS", "Adafactor", "Muon", "SparseAdam", "lr_scheduler", "swa_utils"]
