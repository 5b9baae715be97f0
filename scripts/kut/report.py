"""Compares the two runs of each test, applies the make-check expectations
(check-subset.txt), prints the table and writes build/kvm-unit-tests/results.json."""
import json
from pathlib import Path
from typing import Dict, List, Optional

EXPECT_FILE = Path(__file__).resolve().parent / "check-subset.txt"
BOCHS_REASON = ("separate: scripts/kvm-unit-tests --bochs (results-bochs-intel.json, "
                "docs/kvm-unit-tests.md, Bochs)")


def load_expectations(path: Path = EXPECT_FILE) -> Dict[str, str]:
    """test name -> 'same' or 'differs' (expected to fail under the hypervisor today)."""
    exp = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, want = line.split()[:2]
        if want not in ("same", "differs"):
            raise ValueError(f"{path}: {name}: expectation must be 'same' or 'differs', not {want}")
        exp[name] = want
    return exp


def outcome(row: dict, expect: Optional[str]) -> str:
    """same / differs / not-compared / skip, and with an expectation xfail / xpass."""
    if row.get("skip"):
        return "skip"
    if row["bare"]["verdict"] != "PASS":
        return "not-compared"
    status = "same" if row["hv"]["verdict"] == row["bare"]["verdict"] else "differs"
    if expect == "differs":
        return "xfail" if status == "differs" else "xpass"
    return status


FAILING = ("differs", "xpass")


def table(rows: List[dict]) -> str:
    w = max([len(r["name"]) for r in rows] + [4])
    lines = [f"{'test':<{w}}  {'bare':<13} {'hypervisor':<20} {'ratio':>6}  result"]
    for r in rows:
        if r.get("skip"):
            lines.append(f"{r['name']:<{w}}  {'-':<13} {'-':<20} {'-':>6}  skip: {r['skip']}")
            continue
        bare, hv = r["bare"], r.get("hv")
        ratio = f"{hv['secs'] / bare['secs']:.1f}x" if hv and bare["secs"] > 0 else "-"
        lines.append(f"{r['name']:<{w}}  {bare['verdict']:<13} {(hv or {}).get('verdict', '-'):<20} "
                     f"{ratio:>6}  {r['outcome']}")
    for r in rows:
        if r.get("outcome") in FAILING or r.get("outcome") == "xfail":
            tag = {"differs": "FAIL", "xpass": "XPASS (flip it in scripts/kut/check-subset.txt)",
                   "xfail": "expected"}[r["outcome"]]
            lines.append(f"{tag}: {r['name']}: bare {r['bare']['verdict']}, hypervisor "
                         f"{r['hv']['verdict']}; last [hv] lines: {r['hv']['last_hv'] or '(none)'}")
    return "\n".join(lines)


def totals(rows: List[dict]) -> Dict[str, int]:
    ok = sum(r["outcome"] in ("same", "xfail") for r in rows)
    bad = sum(r["outcome"] in FAILING for r in rows)
    return {"passed": ok, "failed": bad, "skipped": len(rows) - ok - bad}


def write(path: Path, source: str, rows: List[dict], backend: str = "qemu-tcg-amd") -> dict:
    backends = {"qemu-tcg-amd": "run", "bochs-intel": BOCHS_REASON} \
        if backend == "qemu-tcg-amd" else {backend: "run"}
    res = {"source": source, "backends": backends, "tests": rows, "totals": totals(rows)}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(res, indent=1) + "\n")
    return res
