"""torch's errors for in-place writes into views made in no_grad or inference mode.

Shared by the engine and the client (no engine or gRPC imports here).

A view made while grad mode is off (``with no_grad():`` or
``inference_mode()``) remembers that mode, and so do the views made from it
later with grad mode on (unless one of those returns several views, which then
counts as that kind of view; a mode of inference stays inference). Writing
into such a view in place while grad mode is on, when the write would be
recorded, is an error; so is using it in a recorded op once its memory was
written in place after it was made ("indirect").
"""
from __future__ import annotations

import re

__all__ = ["NO_GRAD", "INFERENCE", "created_mode", "view_mode_message", "node_label"]

NO_GRAD = "no_grad"
INFERENCE = "inference"


def created_mode(inference: bool, previous: str | None) -> str:
    """The mode a view made with grad mode off records: inference wins over no_grad."""
    if inference or previous == INFERENCE:
        return INFERENCE
    return NO_GRAD


def node_label(name: str) -> str:
    """'SliceBackward0' -> 'Slice' (torch names the node's op in these texts)."""
    return re.sub(r"Backward\d*$", "", name.rsplit("::", 1)[-1])


def view_mode_message(mode: str, node_name: str | None = None, output_nr: int = 0, indirect: bool = False) -> str:
    """The error for a view made in ``mode`` being written in place (or, ``indirect``, its base or another
    view of it having been written) with grad mode on. ``node_name``: the view's own grad_fn name, if any
    (a view made with grad on from a view made with it off)."""
    if node_name:
        head = f"Output {output_nr} of {node_label(node_name)} is a view of a view which was created in"
    else:
        head = "A view was created in"
    what = "its base or another view of its base has been" if indirect else "is being"
    if mode == INFERENCE:
        head = f"{head} inference mode and {what} modified inplace in normal mode."
        block = "inference_mode"
    else:
        head = f"{head} no_grad mode and {what} modified inplace with grad mode enabled."
        block = "no_grad"
    return (f"{head} Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your "
            f"code by moving both the view and the inplace either both inside the {block} block (if you don't want "
            f"the inplace to be tracked) or both outside (if you want the inplace to be tracked).")
