"""The conformance matrix: one row per catalogue item, one column per backend.

Per item and backend:
  skip         the backend is unavailable, or every check naming the item skipped
  fail         a check naming it failed, or a probe with checks naming it
               crashed / broke the protocol ("probe <p> crashed")
  pass         at least one check passed and none failed, and no run that the
               manifest says checks it was left out of this session
  not-run      checks name it (per the manifest) in runs this session did
               not select (pytest -k, --lf, ...), and none that ran failed; or
               no check that ran names it and some run not selected is not in
               the manifest yet (it might)
  not-covered  no check names it

The `isolation` section has one row per protection the hypervisor reports
per machine rather than per ABI item: `dma`, from the banner's
`dma=protected(<iommu>)` / `dma=unprotected` (docs/security.md), with the
dma probe's result on that backend; `root_image`, the root image loader
(hv/core/mb_loader.c): the runs of the mbimg probe and its variants, pass
only if every one of them that ran succeeded (a refused image's run succeeds
when its `refused` check passes: protocol.judge_refused).
"""
import json
import re
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

from . import external
from .catalog import Catalog
from .runner import Outcome

Outcomes = Dict[Tuple[str, str], Outcome]
# pairs not run -> the items their checks name (None: not known, no manifest entry yet)
NotRun = Dict[Tuple[str, str], Optional[Set[str]]]


def _cell(item: str, backend: str, unavailable: Optional[str], outcomes: Outcomes,
          not_run: NotRun) -> dict:
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
    left_out = sorted(p for (b, p), items in not_run.items()
                      if b == backend and (items is None and not checks or items and item in items))
    if left_out:
        return {"result": "not-run", "reason": f"not selected: {', '.join(left_out)}", "checks": n}
    if any(c.verdict == "pass" for c in checks):
        return {"result": "pass", "checks": n}
    if checks:
        return {"result": "skip", "reason": f"all checks skipped ({checks[0].desc})", "checks": n}
    return {"result": "not-covered", "checks": 0}


_BANNER_DMA = re.compile(r"^\[hv\] microv-harness hypervisor .*\bdma=(\S+)")


def _dma_cell(backend: str, unavailable: Optional[str], outcomes: Outcomes) -> dict:
    if unavailable:
        return {"result": "skip", "reason": f"backend unavailable: {unavailable}"}
    states = sorted({m.group(1) for (b, _), o in outcomes.items() if b == backend and o.log
                     for line in o.log.console for m in [_BANNER_DMA.match(line)] if m})
    probe = outcomes.get((backend, "dma"))
    cell = {"result": states[0] if len(states) == 1 else "unknown",
            "dma_probe": ("SKIP" if probe.skipped else probe.log.result if probe.log else "NOT-RUN")
            if probe else "NOT-RUN"}
    if len(states) != 1:
        cell["reason"] = (f"the banners disagree: {', '.join(states)}" if states
                          else "no banner states dma=")
    return cell


ROOT_IMAGE_PROBE = "mbimg"


def _root_image_cell(backend: str, unavailable: Optional[str], outcomes: Outcomes,
                     not_run: NotRun) -> dict:
    if unavailable:
        return {"result": "skip", "reason": f"backend unavailable: {unavailable}"}
    mine = {p: o for (b, p), o in outcomes.items() if b == backend and
            (p == ROOT_IMAGE_PROBE or p.startswith(ROOT_IMAGE_PROBE + "."))}
    ran = {p: o for p, o in mine.items() if not o.skipped}
    bad = sorted(f"{p}: {o.log.result if o.log else 'did not run'}" for p, o in ran.items()
                 if o.log is None or o.log.result != "SUCCESS" or o.problems)
    if bad:
        return {"result": "fail", "reason": "; ".join(bad), "runs": len(ran)}
    left_out = sorted(p for (b, p) in not_run if b == backend and
                      (p == ROOT_IMAGE_PROBE or p.startswith(ROOT_IMAGE_PROBE + ".")))
    if left_out or not ran:
        return {"result": "skip" if mine and not ran else "not-run",
                "reason": f"not selected: {', '.join(left_out)}" if left_out else
                "no mbimg run" if not mine else "every mbimg run skipped", "runs": len(ran)}
    return {"result": "pass", "runs": len(ran)}


def harness_errors(outcomes: Outcomes) -> List[str]:
    errors = []
    for (b, p), out in sorted(outcomes.items()):
        if out.crashed:
            errors.append(f"{b}/{p}: CRASH: {out.crash}")
        errors += [f"{b}/{p}: {e}" for e in out.problems]
    return errors


def build(catalog: Catalog, backends: List[Tuple[str, Optional[str]]],
          outcomes: Outcomes, not_run: Optional[NotRun] = None) -> dict:
    """backends: (name, unavailable reason or None), in column order;
    not_run: the pairs this session did not run, with the items they check."""
    not_run = not_run or {}
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
             "results": {name: _cell(it.name, name, why, outcomes, not_run)
                         for name, why in backends}}
            for it in catalog.items
        ],
        "isolation": {
            "dma": {name: _dma_cell(name, why, outcomes) for name, why in backends},
            "root_image": {name: _root_image_cell(name, why, outcomes, not_run)
                           for name, why in backends},
        },
    }


def write(matrix: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(matrix, indent=1) + "\n")
    tmp.replace(path)
