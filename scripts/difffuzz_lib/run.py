"""Runs difffuzz batches on the conformance suite's backends
(conformance/mvconf/backends.py: the same commands, images and Bochs ISO
logic) and parses the probe's output into per-program traces."""
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from . import prog as P

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "conformance"))
from mvconf import backends as B  # noqa: E402
from mvconf import paths, probes  # noqa: E402

# Seconds a batch may take: a boot plus a share per program (measured
# figures in docs/difffuzz.md; Bochs emulates every instruction).
TIMING = {"sim": (10, 1.0), "qemu": (30, 2.0), "bochs": (120, 8.0)}


def timing(name: str):
    for k, v in TIMING.items():
        if name.startswith(k):
            return v
    return TIMING["qemu"]


@dataclass
class BatchResult:
    backend: str
    traces: Dict[int, List[str]] = field(default_factory=dict)  # program -> lines
    hashes: Dict[int, str] = field(default_factory=dict)        # program -> end hash
    problems: List[str] = field(default_factory=list)           # DFE/DFW lines
    done: bool = False        # DFB done printed
    crash: Optional[str] = None  # why the batch did not complete
    crashed_prog: Optional[int] = None
    output: str = ""
    wall_s: float = 0.0


def backends_by_name(names: List[str]):
    """(available backends, {name: why not}) for the names asked for."""
    known = {b.name: b for b in B.all_backends()}
    ok, missing = [], {}
    for n in names:
        b = known.get(n)
        if b is None:
            missing[n] = "unknown backend"
        elif b.unavailable():
            missing[n] = b.unavailable()
        else:
            ok.append(b)
    return ok, missing


def parse(backend: str, out: str, timed_out: bool, exit_code) -> BatchResult:
    r = BatchResult(backend, output=out)
    current = None
    stop = None
    for line in out.splitlines():
        parts = line.split(" ", 2)
        if parts[0] == "DFT" and len(parts) == 3 and parts[1].isdigit():
            r.traces.setdefault(int(parts[1]), []).append(parts[2])
        elif parts[0] == "DFP" and len(parts) == 3 and parts[1].isdigit():
            i = int(parts[1])
            if parts[2].startswith("begin"):
                current = i
                r.traces.setdefault(i, [])
            elif parts[2].startswith("end"):
                r.hashes[i] = parts[2].split("hash=")[-1]
                current = None
        elif parts[0] in ("DFE", "DFW"):
            r.problems.append(line)
        elif line.startswith("DFB done"):
            r.done = True
        elif line.startswith("[hv] root VM stopped") or "panic" in line.lower():
            stop = stop or line.strip()
    if not r.done:
        # Between two programs (or before the first): the next one is where it
        # stopped, so the comparison reports it instead of passing it over.
        r.crashed_prog = current if current is not None else (max(r.hashes) + 1 if r.hashes else 0)
        why = "hang (timeout)" if timed_out else f"exit {exit_code}"
        r.crash = f"{why}: {stop}" if stop else why
    return r


def run_batch(backend, progs, workdir: Path, tag: str, cmdline: str = "") -> BatchResult:
    workdir.mkdir(parents=True, exist_ok=True)
    mod = workdir / f"{backend.name}-{tag}.bin"
    mod.write_bytes(P.batch(progs))
    boot, per = timing(backend.name)
    probe = probes.Probe(name="difffuzz", elf=paths.build_dir() / "guest-probes" / "difffuzz.elf",
                         timeout=boot + per * len(progs), modules=(mod,), cmdline=cmdline)
    res = backend.run(probe)
    r = parse(backend.name, res.output, res.timed_out, res.exit_code)
    r.wall_s = res.wall_s
    return r


def tempdir() -> Path:
    base = paths.build_dir() / "difffuzz"
    base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="run-", dir=base))


def set_build(build: str):
    os.environ["MV_BUILD_DIR"] = str(Path(build).resolve())
