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
from typing import Dict, Optional, Tuple

from . import paths
from .backends import Backend, RunResult
from .probes import Probe

_file_hashes: Dict[Tuple[str, int, int], str] = {}


def file_hash(path: Path) -> str:
    """sha256 of a file's content (memoized by path, size and mtime); 'missing' if absent."""
    try:
        st = os.stat(path)
    except OSError:
        return "missing"
    memo = (str(path), st.st_size, st.st_mtime_ns)
    if memo not in _file_hashes:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        _file_hashes[memo] = h.hexdigest()
    return _file_hashes[memo]


def key(backend: Backend, probe: Probe) -> str:
    files, facts = backend.inputs()
    parts = [f"backend={backend.name}", f"timeout={probe.timeout}", f"cmdline={probe.cmdline}"]
    parts += [f"fact={f}" for f in facts]
    parts += [f"file={file_hash(p)}" for p in files]
    parts += [f"probe={file_hash(p)}" for p in (probe.elf, *probe.modules)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def forced() -> bool:
    return os.environ.get("FORCE", "") not in ("", "0")


def path(backend: str, probe: str) -> Path:
    return paths.out_dir() / "cache" / backend / f"{probe}.json"


def load(backend: Backend, probe: Probe, k: str) -> Optional[RunResult]:
    """The stored run of this pair if its key is k, else None."""
    try:
        data = json.loads(path(backend.name, probe.name).read_text())
    except (OSError, ValueError):
        return None
    if data.get("key") != k:
        return None
    r = data["run"]
    return RunResult(r["output"], r["stderr"], r["exit_code"], False, r["wall_s"], r["command"])


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
