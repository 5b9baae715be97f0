"""Regression cases and the make-check set (docs/difffuzz.md "Cases"):
guest-probes/probes/difffuzz/cases/<name>.json, each one program (prog.py)
with its recorded trace (the lines every backend printed, identical) and
that trace's hash (`expected`), which the probe checks.  `pack` writes them
as one batch module (CMake: build/guest-probes/difffuzz-cases.bin)."""
import json
from pathlib import Path

from . import prog as P

CASES_DIR = Path(__file__).resolve().parents[2] / "guest-probes" / "probes" / "difffuzz" / "cases"


def load_all(folder: Path = CASES_DIR):
    return [json.loads(f.read_text()) for f in sorted(folder.glob("*.json"))]


def save(case: dict, folder: Path = CASES_DIR) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{case['name']}.json"
    path.write_text(json.dumps(case, indent=1, sort_keys=True) + "\n")
    return path


def pack(out: Path, folder: Path = CASES_DIR, only=None) -> int:
    progs = [p for p in load_all(folder) if only is None or p["name"] in only]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(P.batch(progs))
    return len(progs)
