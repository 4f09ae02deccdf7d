"""Where tools watch the engine run: the profiler (and anomaly mode) set
``observer`` while they are active; ops and backward nodes report to it.

An observer has three context-manager methods:
    forward(function_cls, args)   around one op's forward (Function.apply)
    backward(node)                around one node's backward in the engine
                                  (AccumulateGrad included)
    range(name)                   around an engine step that is no op or node
                                  (the implicit aten::ones_like of backward())
Kept in its own module so the hot path pays one attribute read when nobody watches.

The observer is per thread, as a profile is per session on the server: a
session's commands run on its stream's thread, and the command loop installs
the session's observer around each batch, so one session's profile never
records another's ops.
"""
import threading


class _Watch(threading.local):
    observer = None   # every thread starts unwatched
    kernel_only = False  # the next op is called as its kernel (torch.mm: aten::mm, no aten::matmul row)


watch = _Watch()
