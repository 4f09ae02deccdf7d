"""Exceptions the client raises for the server's errors."""
from __future__ import annotations

import builtins

import grpc


class GradwireError(RuntimeError):
    """A call to the server failed as a whole (auth, unknown session, shutdown...).

    ``code`` is the grpc.StatusCode; the text starts with its name, so
    ``UNAUTHENTICATED: invalid API key`` says what went wrong at a glance.
    """

    def __init__(self, code: grpc.StatusCode, details: str):
        super().__init__(f"{code.name}: {details}")
        self.code = code
        self.details = details

    @classmethod
    def from_rpc(cls, err: grpc.RpcError, doing: str = "") -> "GradwireError":
        code = err.code() if hasattr(err, "code") else grpc.StatusCode.UNKNOWN
        details = err.details() if hasattr(err, "details") else str(err)
        if doing:
            details = f"{details} ({doing})"
        return cls(code, details or "no details")


class OutOfMemoryError(RuntimeError):
    """The server ran out of memory for this session: past its quota
    (gradwire-server --max-session-bytes) or out of GPU memory. Like
    torch.OutOfMemoryError (also torch.cuda.OutOfMemoryError), a RuntimeError."""


# Exception types a command error may carry; anything else arrives as RuntimeError.
_USER_TYPES = {name: getattr(builtins, name) for name in (
    "RuntimeError", "TypeError", "ValueError", "IndexError", "KeyError", "NotImplementedError",
    "ZeroDivisionError", "AttributeError", "AssertionError",
)}
_USER_TYPES["OutOfMemoryError"] = OutOfMemoryError


def register_error_type(cls: type) -> None:
    """Let command errors of this exception type (by name) raise it on the client."""
    _USER_TYPES[cls.__name__] = cls


def command_error(python_type: str, message: str, op: str, site) -> BaseException:
    """The exception for a failed command, noting the op and the user line that issued it."""
    exc = _USER_TYPES.get(python_type, RuntimeError)(message)
    if site is not None:
        filename, lineno, name = site
        note = f"gradwire: raised on the server by {op!r}, issued at File \"{filename}\", line {lineno}, in {name}"
    else:
        note = f"gradwire: raised on the server by {op!r}"
    if hasattr(exc, "add_note"):
        exc.add_note(note)
    else:  # Python 3.10
        exc.__notes__ = [note]
    return exc
