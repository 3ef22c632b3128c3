"""Child processes that end with their parent: the kernel signals them when the parent exits, however it exits.

A ``greenmark serve --workers N`` master killed with SIGKILL cannot stop its workers, which would
keep the port and the decrypted keys. ``end_with_parent`` asks Linux (``prctl(PR_SET_PDEATHSIG)``)
to send the worker a signal the moment its parent exits; a worker whose parent is already gone
signals itself. Other systems have no such request: run the server under a supervisor that stops
the whole process group (systemd's default ``KillMode=control-group``, a container).

>>> import os, signal, subprocess, sys
>>> child = "import os, signal, greenmark.process_lifetime as p; print(p.end_with_parent(os.getppid(), signal.SIGTERM))"
>>> subprocess.run([sys.executable, "-c", child], capture_output=True, text=True).stdout.strip()
'True'

"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def end_with_parent(parent_pid: int, signal_number: int = signal.SIGTERM) -> bool:
    """Have this process receive ``signal_number`` when ``parent_pid`` (its parent now) exits.

    Returns whether the system supports it (Linux); raises ``OSError`` if the kernel refuses.
    """
    if sys.platform != "linux":
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, int(signal_number), 0, 0, 0) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"prctl(PR_SET_PDEATHSIG) failed: {os.strerror(error)}")
    if os.getppid() != parent_pid:  # the parent exited before the request took effect
        os.kill(os.getpid(), signal_number)
    return True
