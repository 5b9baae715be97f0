"""The manifest: the check ids (and their ABI items) each (backend, probe)
run prints, known before anything runs, so that pytest can collect one test
per check and -k, --lf, --co, -x work on them.

The ids are formatted at run time by the probes (rt_fmt), so they cannot be
read from the sources; the manifest is learned from the runs, and kept in
<build>/conformance/manifest.json across sessions (the result cache keeps the
runs themselves).  A pair not in it yet is collected as its test_run only;
when that run prints checks the manifest does not know, test_run reports each
of them as its own test result (conftest.py), and the next session collects
them.  A check the manifest knows but the run no longer prints is skipped
with that reason (the manifest is updated after the run).
"""
import json
from pathlib import Path
from typing import Dict, List, Set, Tuple

from . import paths

Entry = Tuple[str, Tuple[str, ...]]  # (id, items)


def path() -> Path:
    return paths.out_dir() / "manifest.json"


class Manifest:
    def __init__(self, data: Dict[str, dict]):
        self.data = data
        self.changed = False

    @staticmethod
    def key(pair) -> str:
        return f"{pair[0]}/{pair[1]}"

    def _get(self, pair, kind: str) -> List[Entry]:
        return [(i, tuple(items)) for i, items in self.data.get(self.key(pair), {}).get(kind, [])]

    def checks(self, pair) -> List[Entry]:
        return self._get(pair, "checks")

    def cross(self, pair) -> List[Entry]:
        return self._get(pair, "cross")

    def knows(self, pair) -> bool:
        return self.key(pair) in self.data

    def items(self, pair) -> Set[str]:
        """The ABI items the pair's known checks name."""
        return {it for _, items in self.checks(pair) + self.cross(pair) for it in items}

    def learn(self, out) -> None:
        """Records what a run printed (runs that did not run teach nothing)."""
        if out.log is None:
            return
        entry = {"checks": [[c.id, list(c.items)] for c in out.checks()],
                 "cross": [[x.id, list(x.items)] for x in out.cross]}
        k = self.key((out.backend, out.probe))
        if self.data.get(k) != entry:
            self.data[k] = entry
            self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        p = path()
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True) + "\n")
        tmp.replace(p)


def load() -> Manifest:
    try:
        return Manifest(json.loads(path().read_text()))
    except (OSError, ValueError):
        return Manifest({})
