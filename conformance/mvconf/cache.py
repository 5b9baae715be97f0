"""The result cache: a (backend, probe) run is reused while nothing it
depends on changed.

The key of a run hashes: the backend's name and its inputs
(Backend.inputs(): the hypervisor image or mvsim, the emulator's version:
QEMU, Bochs, libunicorn), the probe's ELF and module images, its timeout and
command line.  The cache keeps the raw run (output, exit status, time); the
harness judges it again each session, so a change to the harness itself
needs no invalidation.  Runs that timed out or were interrupted are never
stored (a timeout under load is not a result worth keeping).

Where: <build>/conformance/cache/<backend>/<probe>.json.  FORCE=1 in the
environment, or pytest's --force, ignores what is stored (and replaces it).
"""
import hashlib
import json
import os
from pathlib import Path
from typing import Optional

from . import paths
from .backends import Backend, RunResult
from .hashes import file_hash
from .probes import Probe


def key(backend: Backend, probe: Probe) -> str:
    files, facts = backend.inputs()
    parts = [f"backend={backend.name}", f"timeout={probe.timeout}", f"cmdline={probe.cmdline}",
             f"sim_args={' '.join(probe.sim_args)}", f"cpus={probe.cpus}"]
    parts += [f"fact={f}" for f in facts]
    parts += [f"file={file_hash(p)}" for p in files]
    parts += [f"probe={file_hash(p)}" for p in (probe.elf, *probe.modules)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def forced() -> bool:
    return os.environ.get("FORCE", "") not in ("", "0")


def path(backend: str, probe: str) -> Path:
    return paths.out_dir() / "cache" / backend / f"{probe}.json"


def _stored(backend: str, probe: str) -> Optional[dict]:
    try:
        data = json.loads(path(backend, probe).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("run"), dict) else None


def load(backend: Backend, probe: Probe, k: str) -> Optional[RunResult]:
    """The stored run of this pair if its key is k, else None."""
    data = _stored(backend.name, probe.name)
    if data is None or data.get("key") != k:
        return None
    r = data["run"]
    return RunResult(r["output"], r["stderr"], r["exit_code"], False, r["wall_s"], r["command"])


def reusable(backend: Backend, probe: Probe) -> bool:
    """Whether load() would find this pair's run (its inputs unchanged)."""
    data = _stored(backend.name, probe.name)
    return data is not None and data.get("key") == key(backend, probe)


def last_wall_s(backend: str, probe: str) -> Optional[float]:
    """The wall time of the pair's last stored run, whatever its key (the
    scheduler's estimate of how long the pair runs: mvconf/schedule.py), or
    None when no run of it is stored."""
    data = _stored(backend, probe)
    wall = data["run"].get("wall_s") if data else None
    return float(wall) if isinstance(wall, (int, float)) and wall >= 0 else None


def store(backend: Backend, probe: Probe, k: str, run: RunResult) -> None:
    if run.timed_out:
        return
    p = path(backend.name, probe.name)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps({"key": k, "run": {
        "output": run.output, "stderr": run.stderr, "exit_code": run.exit_code,
        "wall_s": run.wall_s, "command": run.command}}))
    tmp.replace(p)
