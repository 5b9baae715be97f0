"""The conformance run of one pytest session: every (backend, probe) once.

Built lazily the first time a test needs it (at collection, since the tests
are generated from the checks the probes printed), then cached.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from . import backends as backends_mod
from . import catalog as catalog_mod
from . import matrix, probes as probes_mod, runner
from .catalog import Catalog


@dataclass
class Suite:
    catalog: Catalog
    backends: List[Tuple[str, Optional[str]]]   # (name, unavailable reason)
    outcomes: Dict[Tuple[str, str], runner.Outcome]

    def outcome_list(self) -> List[runner.Outcome]:
        return [self.outcomes[k] for k in sorted(self.outcomes, key=self._order)]

    def _order(self, key):
        names = [b for b, _ in self.backends]
        return (names.index(key[0]), key[1])

    def matrix(self) -> dict:
        return matrix.build(self.catalog, self.backends, self.outcomes)


def build(jobs: Optional[int] = None) -> Suite:
    catalog = catalog_mod.load()
    probes = probes_mod.load()
    backends = backends_mod.selected_backends()
    status = [(b.name, b.unavailable()) for b in backends]
    outcomes = runner.run_all(backends, probes, set(catalog.by_name), jobs, dict(status))
    return Suite(catalog, status, outcomes)


_suite: Optional[Suite] = None


def get() -> Suite:
    global _suite
    if _suite is None:
        _suite = build()
    return _suite


def built() -> Optional[Suite]:
    return _suite
