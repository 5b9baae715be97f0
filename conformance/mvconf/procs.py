"""Every child process group the harness starts, so that an interruption
(Ctrl-C, a failing session) can kill them all: QEMU, Bochs, mvsim.

Each child runs in its own session (process group), so the terminal's SIGINT
does not reach it; kill_all() sends SIGKILL to every group still registered.
A child also dies with the harness process that started it (the parent-death
signal, set by util-linux's setpriv before it execs the child): a harness
killed with SIGKILL (a CTest timeout, the OOM killer) runs no clean-up, and
an emulator in a session of its own would otherwise run on for ever.
"""
import errno
import os
import shutil
import signal
import subprocess
import threading
from typing import List, Set

_SETPRIV = shutil.which("setpriv")

_lock = threading.Lock()
_live: Set[subprocess.Popen] = set()
_stopping = threading.Event()


class Interrupted(Exception):
    """A run was not started, or was killed, because the session is stopping."""


def spawn(argv: List[str], **kw) -> subprocess.Popen:
    """subprocess.Popen in a new process group, registered until reap();
    SIGKILL to it when this process dies.  A program that is not there
    raises FileNotFoundError, as Popen does."""
    if _SETPRIV:
        prog = argv[0] if os.sep in argv[0] else shutil.which(argv[0])
        if not prog or not os.access(prog, os.X_OK):
            raise FileNotFoundError(errno.ENOENT, "no such program", argv[0])
        argv = [_SETPRIV, "--pdeathsig", "KILL", "--", *argv]
    with _lock:
        if _stopping.is_set():
            raise Interrupted("the session is stopping")
        proc = subprocess.Popen(argv, start_new_session=True, **kw)
        _live.add(proc)
    return proc


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL to the child's whole group (no error if it is gone)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def reap(proc: subprocess.Popen) -> None:
    """Kills what is left of the child's group, waits for it, unregisters it."""
    kill(proc)
    proc.wait()
    with _lock:
        _live.discard(proc)


def stopping() -> bool:
    return _stopping.is_set()


def kill_all() -> int:
    """Stops new spawns and kills every registered group; returns how many."""
    with _lock:
        _stopping.set()
        procs = list(_live)
    for p in procs:
        kill(p)
    return len(procs)


def reset() -> None:
    """Allows spawns again (a new session in the same process: tests)."""
    _stopping.clear()
