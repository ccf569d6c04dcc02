"""Worker processes end with the process that started them, so a killed run leaves no orphan behind.

A SIGKILLed `rcs run` cannot shut its spawned pools down; without this their workers lived on, reparented
to init, holding memory (and, before the key left the environment, a copy of it). On Linux the kernel
sends the worker SIGTERM when its parent dies (prctl PR_SET_PDEATHSIG); elsewhere nothing changes.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def end_with_parent(parent_pid: int) -> None:
    """Ask the kernel to SIGTERM this process when its parent dies; exit now if `parent_pid` is already gone.

    SIGTERM is set back to its default action and unblocked first: an ignored disposition and a blocked mask
    are inherited through fork and exec, and either would make the kernel's request do nothing.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)
