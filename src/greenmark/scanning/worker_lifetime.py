"""Pool workers die with the scan that started them: they hold decrypted keys and must never outlive it.

``die_with_parent`` runs first in each worker. On Linux the kernel sends the worker SIGKILL
the moment its parent exits, however it exits (``prctl(PR_SET_PDEATHSIG)``); everywhere a
daemon thread also checks every ``WATCH_INTERVAL_S`` that the parent is still the one that
started the worker and ends the worker otherwise. SIGTERM gets its default action (the worker
ends at once), whatever disposition it inherited. When the last worker is gone, the pipe that
keeps multiprocessing's resource tracker alive closes, and the tracker exits too.

>>> import subprocess, sys
>>> child = "import os, greenmark.scanning.worker_lifetime as w; w.die_with_parent(os.getppid()); print('ok')"
>>> subprocess.run([sys.executable, "-c", child], capture_output=True, text=True).stdout  # its parent lives: it runs
'ok\\n'
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
WATCH_INTERVAL_S = 0.5


def die_with_parent(parent_pid: int) -> None:
    """End this process with SIGKILL when ``parent_pid`` (its parent at start) exits; SIGTERM ends it too."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the request above took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="greenmark-parent-watch", daemon=True).start()


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(WATCH_INTERVAL_S)
    os.kill(os.getpid(), signal.SIGKILL)
