"""gradwire.optim: torch.optim's optimizers, with their state and updates on the server."""
from . import lr_scheduler  # noqa: F401
from .optimizer import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"]
