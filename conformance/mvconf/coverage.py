"""Coverage collection during the suite (make coverage; coverage/README.md).

Off unless $MV_COV_DIR is set (scripts/coverage.sh sets it).  Then every run
leaves its counters under that directory, one set per backend and probe:

  - simulator backends: mvsim runs with GCOV_PREFIX=<dir>/gcda/<backend>/<probe>,
    so the host .gcda files land there instead of next to the objects;
  - QEMU: an isa-debugcon on port 0xE9 writes the instrumented image's dump
    (hv/arch/x86/cov/gcov.c) to <dir>/raw/<backend>/<probe>.mvcov;
  - Bochs: port_e9_hack prints the same dump on Bochs' stdout, which is
    copied to the same place once the dump's `MVCOV END` line is there.

scripts/cov-collect turns the .mvcov dumps into .gcda files.
"""
import os
import shutil
from pathlib import Path
from typing import List, Optional

COV_PORT = 0xE9
DUMP_END = "MVCOV END"
DUMP_WAIT_S = 30.0  # after the verdict, the longest a Bochs run waits for the dump
_verdict_seen = {}


def cov_dir() -> Optional[Path]:
    d = os.environ.get("MV_COV_DIR")
    return Path(d).resolve() if d else None


def raw_path(backend: str, probe: str) -> Optional[Path]:
    """Where the image's dump for this run goes (None: coverage is off)."""
    d = cov_dir()
    if d is None:
        return None
    p = d / "raw" / backend / f"{probe}.mvcov"
    p.parent.mkdir(parents=True, exist_ok=True)
    if p.exists():
        p.unlink()  # a stale dump of an earlier run must not count
    return p


def sim_prefix(backend: str, probe: str) -> List[str]:
    """argv words that run mvsim with its .gcda files under the run's own
    directory ([] when coverage is off)."""
    d = cov_dir()
    if d is None:
        return []
    prefix = d / "gcda" / backend / probe
    shutil.rmtree(prefix, ignore_errors=True)
    return ["env", f"GCOV_PREFIX={prefix}"]


def qemu_args(backend: str, probe: str) -> List[str]:
    """QEMU options that write the image's dump to raw_path()."""
    p = raw_path(backend, probe)
    if p is None:
        return []
    return ["-chardev", f"file,id=mvcov,path={p}",
            "-device", f"isa-debugcon,iobase={COV_PORT:#x},chardev=mvcov"]


def bochsrc_lines(cov_out: Optional[Path]) -> List[str]:
    return ["port_e9_hack: enabled=1"] if cov_out else []


def bochs_dump_done(stdout_file: Path, since: float) -> bool:
    """True once Bochs' stdout holds the whole dump, or DUMP_WAIT_S after the
    first call for this file (`since`: the time of this call) without it."""
    first = _verdict_seen.setdefault(stdout_file, since)
    try:
        if DUMP_END.encode() in stdout_file.read_bytes():
            return True
    except OSError:
        pass
    return since - first > DUMP_WAIT_S
