"""Runs one (backend, probe) pair (or reuses its cached run) and judges it.
mvconf/schedule.py runs the pairs a pytest session selects, in parallel."""
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Collection, List, Optional

from . import cache, crosschecks, paths, protocol
from .backends import Backend, RunResult
from .probes import Probe

# The harness's exit codes, generated from abi/mv-abi.toml ([[exit_code]])
# into build/conformance/exit-codes.json by scripts/abi-gen.
_EXIT = json.loads((paths.build_dir() / "conformance" / "exit-codes.json").read_text())
# The value a probe writes to port 0xF4 after END, per END result.
EXIT_CODES = _EXIT["probe"]
# The backends' report that the hypervisor stopped the root VM (mvsim's exit
# status, the hypervisor's isa-debug-exit value 0x7d under QEMU).
ROOT_STOPPED_CODE = _EXIT["backend"]["ROOT_STOPPED"]
# ... that the hypervisor failed (a panic, a boot failure such as a refused
# root image): mvsim's exit status, the guest code of QEMU's exit, Bochs'.
HV_FAILED_CODE = _EXIT["backend"]["HV_FAILED"]


@dataclass
class Outcome:
    backend: str
    probe: str
    skipped: Optional[str] = None       # why it did not run (backend unavailable, ...)
    run: Optional[RunResult] = None
    log: Optional[protocol.ProbeLog] = None
    problems: List[str] = field(default_factory=list)  # harness errors
    log_path: Optional[Path] = None
    cross: List[crosschecks.CrossCheck] = field(default_factory=list)
    reused: bool = False                # the run came from the result cache

    @property
    def crash(self) -> Optional[str]:
        """THE decision whether the run crashed (the matrix, its errors and
        test_run all ask here): None when it did not run or completed (END,
        or it ended at its EXPECT-STOP: protocol.ProbeLog.completed); else
        what it did instead, "printed no MVP END (timed out | exit status N)"."""
        if self.run is None or self.log.completed:
            return None
        how = "timed out" if self.run.timed_out else f"exit status {self.run.exit_code}"
        return f"printed no MVP END ({how})"

    @property
    def crashed(self) -> bool:
        return self.crash is not None

    @property
    def broken(self) -> Optional[str]:
        """Why its checks cannot be trusted (crash, harness error), or None."""
        if self.skipped:
            return None
        if self.run is None:
            return f"probe {self.probe} did not run"
        if self.crashed:
            return f"probe {self.probe} crashed"
        if self.problems:
            return f"probe {self.probe}: harness error"
        return None

    def checks(self) -> List[protocol.Check]:
        return self.log.checks if self.log else []


def _backend_reported(backend: Backend, run: RunResult, value: int) -> bool:
    """Whether the backend's exit status is its report `value` (ROOT_STOPPED,
    HV_FAILED): guest code `value`, or exit status `value` that guest_code()
    does not take for a probe's value."""
    if run.timed_out or run.exit_code is None:
        return False
    code = backend.guest_code(run.exit_code)
    return code == value or (code is None and run.exit_code == value)


def hv_failed(backend: Backend, run: RunResult) -> bool:
    """Whether the backend reported that the hypervisor failed (HV_FAILED)."""
    return _backend_reported(backend, run, HV_FAILED_CODE)


def root_died(backend: Backend, run: RunResult) -> bool:
    """Whether the backend reported that the hypervisor stopped the root VM:
    backend.root_stopped(exit_code) when the backend defines it, else exit
    status 125 that guest_code() does not take for a probe's value (mvsim;
    Bochs, whose runner synthesizes 125), or guest code 125 (QEMU: the
    hypervisor writes 0x7d to isa-debug-exit, QEMU exits 251)."""
    if run.timed_out or run.exit_code is None:
        return False
    own = getattr(backend, "root_stopped", None)
    if own is not None:
        return bool(own(run.exit_code))
    return _backend_reported(backend, run, ROOT_STOPPED_CODE)


def judge(backend: Backend, probe: Probe, run: RunResult,
          known_items: Optional[Collection[str]]) -> Outcome:
    log = protocol.parse(run.output, probe.begin_name, known_items)
    out = Outcome(backend.name, probe.name, run=run, log=log, problems=list(log.errors))
    protocol.judge_stop(log, run.exit_code, run.timed_out, root_died(backend, run))
    want = probe.expected_refusal()
    if want is not None:
        protocol.judge_refused(log, probe.name, want,
                               run.exit_code, run.timed_out, hv_failed(backend, run))
    if log.end is not None and log.end["result"] in EXIT_CODES:
        want = EXIT_CODES[log.end["result"]]
        got = backend.guest_code(run.exit_code)
        if run.timed_out:
            out.problems.append(f"timed out after END (result={log.end['result']})")
        elif got != want:
            out.problems.append(
                f"exit status {run.exit_code} (port 0xF4 value {got}) disagrees with "
                f"END result={log.end['result']} (expects {want})")
    out.cross = crosschecks.all_for(out)
    return out


def write_log(path: Path, run: RunResult) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    status = "timeout" if run.timed_out else run.exit_code
    with open(path, "w") as f:
        f.write(f"# command: {' '.join(run.command)}\n")
        f.write(f"# exit: {status}  wall: {run.wall_s:.2f}s\n")
        f.write(run.output)
        if run.output and not run.output.endswith("\n"):
            f.write("\n")
        if run.stderr:
            f.write("# ---- stderr ----\n")
            f.write(run.stderr)


def run_one(backend: Backend, probe: Probe, known_items, reason: Optional[str],
            use_cache: bool = True) -> Outcome:
    """reason: why the backend is unavailable (checked once per session), or None.
    use_cache: reuse a stored run with the same inputs (mvconf/cache.py), and
    store this one.  The log goes to paths.staged_log_path(); the session
    moves it to paths.log_path() when it completes (logs.commit())."""
    missing = probe.missing(backend.features)
    if missing:
        return Outcome(backend.name, probe.name,
                       skipped=f"{probe.name} needs {', '.join(missing)}, which {backend.name} lacks")
    if reason:
        return Outcome(backend.name, probe.name, skipped=f"{backend.name} unavailable: {reason}")
    missing = [p for p in (probe.elf, *probe.modules, *filter(None, [probe.refused]))
               if not p.is_file()]
    if missing:
        return Outcome(backend.name, probe.name,
                       problems=[f"not built: {', '.join(map(str, missing))}"])
    k = cache.key(backend, probe)
    run = cache.load(backend, probe, k) if use_cache else None
    reused = run is not None
    if run is None:
        try:
            run = backend.run(probe)
        except OSError as e:
            return Outcome(backend.name, probe.name, problems=[f"could not start {backend.name}: {e}"])
        cache.store(backend, probe, k, run)
    out = judge(backend, probe, run, known_items)
    out.reused = reused
    out.log_path = paths.log_path(backend.name, probe.name)
    write_log(paths.staged_log_path(backend.name, probe.name), run)
    return out
