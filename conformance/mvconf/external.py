"""The matrix's `external` section: results of test suites nobody here wrote,
run against the hypervisor as the root OS (today kvm-unit-tests, written by
scripts/kvm-unit-tests to <build>/kvm-unit-tests/results.json).  One entry per
test: its outcome (same / differs / xfail / xpass / not-compared / skip) and the
verdicts of the bare and the hypervisor runs."""
import json
from pathlib import Path

from . import paths


def section(build_dir: Path = None) -> dict:
    build_dir = build_dir or paths.build_dir()
    path = build_dir / "kvm-unit-tests" / "results.json"
    try:
        res = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    tests = {r["name"]: {"outcome": r["outcome"],
                         "bare": r.get("bare", {}).get("verdict"),
                         "hv": r.get("hv", {}).get("verdict"),
                         **({"reason": r["skip"]} if r.get("skip") else {}),
                         **({"last_hv": r["hv"]["last_hv"]} if r.get("hv") else {})}
             for r in res.get("tests", [])}
    return {"kvm-unit-tests": {"source": res.get("source"), "backends": res.get("backends"),
                               "totals": res.get("totals"), "tests": tests}}


def merge_into_matrix(build_dir: Path) -> None:
    """Refreshes the external section of an existing matrix.json (after a run of its own)."""
    mpath = build_dir / "conformance" / "matrix.json"
    try:
        m = json.loads(mpath.read_text())
    except (OSError, ValueError):
        return
    m["external"] = section(build_dir)
    tmp = mpath.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(m, indent=1) + "\n")
    tmp.replace(mpath)
