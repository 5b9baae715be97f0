"""Figures of `make bench` that other programs measure, each a clearly
separated hook: the program, if present and executable in scripts/, runs
with MV_BUILD_DIR set (BENCH_QUICK=1 in quick mode: it may measure less) and
prints its figures one a line; its lines are printed prefixed with the
figure's name.  Absent, the figure prints "n/a (not built)".
"""
import os
import subprocess
from pathlib import Path
from typing import List, Optional, Tuple

from mvconf import paths

SCRIPTS = Path(__file__).resolve().parents[1]

# (name, program in scripts/, what it measures, who provides it)
HOOKS: List[Tuple[str, str, str]] = [
    # ---- hv/core instructions per hypercall, per map_mdl (callgrind, fake arch): perfcore ----
    ("insns", "bench-insns", "hv/core instructions per cheap hypercall and per map_mdl page"),
]


def run_hook(program: str, quick: bool, timeout_s: float = 900.0) -> Optional[Tuple[int, List[str]]]:
    """(exit status, output lines) of scripts/<program>, or None when it is
    not there."""
    exe = SCRIPTS / program
    if not (exe.is_file() and os.access(exe, os.X_OK)):
        return None
    env = {**os.environ, "MV_BUILD_DIR": str(paths.build_dir())}
    if quick:
        env["BENCH_QUICK"] = "1"
    try:
        res = subprocess.run([str(exe)], env=env, stdin=subprocess.DEVNULL, capture_output=True,
                             text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return 124, [f"timed out after {timeout_s:.0f} s"]
    return res.returncode, (res.stdout + res.stderr).splitlines()
