"""The conformance matrix: one row per catalogue item, one column per backend.

Per item and backend:
  skip         the backend is unavailable, or every check naming the item skipped
  fail         a check naming it failed, or a probe with checks naming it
               crashed / broke the protocol ("probe <p> crashed")
  pass         at least one check passed and none failed
  not-covered  no check names it
"""
import json
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from . import external
from .catalog import Catalog
from .runner import Outcome

Outcomes = Dict[Tuple[str, str], Outcome]


def _cell(item: str, backend: str, unavailable: Optional[str], outcomes: Outcomes) -> dict:
    if unavailable:
        return {"result": "skip", "reason": f"backend unavailable: {unavailable}", "checks": 0}
    checks, broken = [], []
    for (b, _), out in sorted(outcomes.items()):
        if b != backend:
            continue
        mine = [c for c in out.checks() if item in c.items]
        checks += mine
        if mine and out.broken:
            broken.append(out.broken)
    n = len(checks)
    failed = [f"{c.probe}/{c.id}: expected {c.expected}, got {c.got}"
              for c in checks if c.verdict == "fail"]
    failed += [f"{p}/{x.id} (harness): {x.message}" for (b, p), out in sorted(outcomes.items())
               if b == backend for x in out.cross if item in x.items and x.ok is False]
    if failed:
        return {"result": "fail", "reason": "; ".join(failed), "checks": n}
    if broken:
        return {"result": "fail", "reason": "; ".join(broken), "checks": n}
    if any(c.verdict == "pass" for c in checks):
        return {"result": "pass", "checks": n}
    if checks:
        return {"result": "skip", "reason": f"all checks skipped ({checks[0].desc})", "checks": n}
    return {"result": "not-covered", "checks": 0}


def harness_errors(outcomes: Outcomes) -> List[str]:
    errors = []
    for (b, p), out in sorted(outcomes.items()):
        if out.crashed:
            errors.append(f"{b}/{p}: CRASH: {out.crash}")
        errors += [f"{b}/{p}: {e}" for e in out.problems]
    return errors


def build(catalog: Catalog, backends: List[Tuple[str, Optional[str]]],
          outcomes: Outcomes) -> dict:
    """backends: (name, unavailable reason or None), in column order."""
    return {
        "backends": [name for name, _ in backends],
        "backend_status": {name: ({"available": False, "reason": why} if why else {"available": True})
                           for name, why in backends},
        "probes": {f"{b}/{p}": ("SKIP" if o.skipped else o.log.result if o.log else "NOT-RUN")
                   for (b, p), o in sorted(outcomes.items())},
        "errors": harness_errors(outcomes),
        "external": external.section(),
        "items": [
            {"name": it.name, "group": it.group,
             "results": {name: _cell(it.name, name, why, outcomes) for name, why in backends}}
            for it in catalog.items
        ],
    }


def write(matrix: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(matrix, indent=1) + "\n")
    tmp.replace(path)
