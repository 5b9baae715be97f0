"""mvconf.procs: a child the harness starts does not outlive it."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from mvconf import procs

HERE = os.path.dirname(os.path.abspath(__file__))


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(procs._SETPRIV is None, reason="util-linux setpriv is not installed")
def test_child_dies_with_a_killed_harness():
    # A harness process spawns a long sleep in its own session, prints its
    # pid, then is killed with SIGKILL (no finally, no atexit runs).
    code = textwrap.dedent("""
        import subprocess, sys, time
        from mvconf import procs
        p = procs.spawn(["sleep", "60"])
        print(p.pid, flush=True)
        time.sleep(60)
    """)
    env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE))
    harness = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, env=env)
    child = int(harness.stdout.readline())
    # Killed before setpriv set the signal, the child would keep running
    # (a start-up window of a millisecond): wait until it is `sleep`.
    for _ in range(200):
        with open(f"/proc/{child}/comm") as fh:
            if fh.read().strip() == "sleep":
                break
        time.sleep(0.01)
    assert _alive(child)
    harness.send_signal(signal.SIGKILL)
    harness.wait()
    for _ in range(100):
        if not _alive(child):
            break
        time.sleep(0.05)
    alive = _alive(child)
    if alive:
        os.killpg(child, signal.SIGKILL)
    assert not alive, "the child outlived the harness killed with SIGKILL"


def test_missing_program_is_file_not_found():
    with pytest.raises(FileNotFoundError):
        procs.spawn(["mv-no-such-program-here"])
