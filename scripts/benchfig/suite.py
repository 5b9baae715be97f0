"""Suite times of `make bench` (issue 13's rows on the simulator's probe set,
Bochs' probe set and `make conformance`):

  stored       (quick) the sum of the wall times of the last stored run of
               each probe per backend (the result cache of the last
               conformance session, mvconf/cache.py); nothing runs
  probe_set    (FULL=1) every probe a backend runs, one after the other:
               wall and CPU seconds, and which did not pass
  conformance  (FULL=1) `conformance/run.sh --force` on the selected
               backends (MV_BACKENDS; all by default) into a temporary
               output directory (the scheduler's
               durations copied from the real one, so its order is the one
               `make conformance` uses): wall and CPU seconds, exit status
"""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import List

from mvconf import cache, paths

from .launch import passed
from .measure import measured

REPO = Path(__file__).resolve().parents[2]


def runs_on(backend, all_probes) -> List:
    return [p for p in all_probes if not p.missing(backend.features) and p.elf.is_file()]


def stored(backend, all_probes) -> dict:
    probes = runs_on(backend, all_probes)
    walls = [w for w in (cache.last_wall_s(backend.name, p.name) for p in probes) if w is not None]
    return {"stored_wall_s": sum(walls) if walls else None, "stored_runs": len(walls),
            "probes": len(probes)}


def probe_set(backend, all_probes) -> dict:
    failed = []

    def run_all():
        for p in runs_on(backend, all_probes):
            if not passed(backend, p, backend.run(p)):
                failed.append(p.name)
    _, wall, cpu = measured(run_all)
    return {"set_wall_s": wall, "set_cpu_s": cpu, "probes": len(runs_on(backend, all_probes)),
            "not_passing": failed}


def conformance(jobs: int = 0) -> dict:
    """The whole suite as `make conformance --force` runs it; jobs 0: its default."""
    out = Path(tempfile.mkdtemp(prefix="mv-bench-conformance-"))
    try:
        src = paths.out_dir() / "cache"
        for f in src.glob("*/*.json"):  # durations for the scheduler's order
            (out / "cache" / f.parent.name).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, out / "cache" / f.parent.name / f.name)
        env = {**os.environ, "MV_OUT_DIR": str(out), "MV_BUILD_DIR": str(paths.build_dir())}
        if jobs:
            env["MV_JOBS"] = str(jobs)
        argv = [str(REPO / "conformance" / "run.sh"), "--force", "-q"]
        res, wall, cpu = measured(lambda: subprocess.run(
            argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True))
        summary = [ln for ln in res.stdout.splitlines() if " passed" in ln or " failed" in ln]
        return {"wall_s": wall, "cpu_s": cpu, "exit_status": res.returncode,
                "summary": summary[-1].strip("= ") if summary else ""}
    finally:
        shutil.rmtree(out, ignore_errors=True)
