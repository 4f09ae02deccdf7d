"""A forked child (a data loader's worker, multiprocessing) holds a copy of the connection, not the session:
its exit must not close the parent's session. (tests/test_parity_data.py runs torch's DataLoader workers,
which fork, beside a session; here the exit finalizer runs as a child's would, without forking a process
that holds gRPC's threads.)"""
from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.timeout(60)


def test_a_childs_exit_leaves_the_session_open(gw):
    x = gw.ones(3)
    assert x.sum().item() == 3.0
    _, finalize, args, kwargs = gw._dispatch.default_connection()._finalizer.peek()
    *state, pid = args
    assert pid == os.getpid()
    finalize(*state, pid + 1, **kwargs)   # what a child's exit runs: the creator's pid is not its own
    assert (x * 2).sum().item() == 6.0   # the session is still open
