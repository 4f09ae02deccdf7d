"""A forked child (a data loader's worker, multiprocessing) holds a copy of the connection, not the session:
its exit must not close the parent's session."""
from __future__ import annotations

import os

import pytest

pytestmark = [pytest.mark.timeout(60), pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")]


def test_a_forked_child_leaves_the_session_open(gw):
    x = gw.ones(3)
    assert x.sum().item() == 3.0
    conn = gw._dispatch.default_connection()
    pid = os.fork()
    if pid == 0:   # the child runs its exit finalizers, as a child that exits normally does
        try:
            conn._finalizer()
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert (x * 2).sum().item() == 6.0   # the session is still open
