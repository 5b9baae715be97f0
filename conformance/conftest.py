"""pytest wiring of the conformance suite (see test_conformance.py).

The probes run once per session, when the first conformance test is
collected; the tests are then generated from what they printed: one per
check, one per (backend, probe) run, one per harness cross-check.  At the end
of the session the matrix goes to build/conformance/matrix.json.
"""
import pytest

from mvconf import paths, suite


class SetupError:
    """Stands in for the runs when the suite cannot even start (abi-items not
    built, a bad probe.toml or MV_BACKENDS): test_run[setup] fails with it."""

    def __init__(self, message):
        self.message = message


def _outcomes():
    try:
        s = suite.get()
    except (OSError, ValueError) as e:
        return SetupError(f"conformance suite cannot start: {e}")
    if all(why for _, why in s.backends):
        return SetupError("no backend available: " + "; ".join(f"{b}: {why}" for b, why in s.backends))
    return s.outcome_list()


def _items(items):
    return "+".join(items)


def pytest_generate_tests(metafunc):
    names = metafunc.fixturenames
    if not {"check_case", "run_case", "cross_case"} & set(names):
        return
    outcomes = _outcomes()
    if isinstance(outcomes, SetupError):
        for name in {"check_case", "cross_case"} & set(names):
            metafunc.parametrize(name, [])
        if "run_case" in names:
            metafunc.parametrize("run_case", [outcomes], ids=["setup"])
        return
    if "check_case" in names:
        cases = [(o, c) for o in outcomes for c in o.checks()]
        ids = [f"{o.backend}-{o.probe}-{_items(c.items)}-{c.id}" for o, c in cases]
        metafunc.parametrize("check_case", cases, ids=ids)
    if "run_case" in names:
        metafunc.parametrize("run_case", outcomes, ids=[f"{o.backend}-{o.probe}" for o in outcomes])
    if "cross_case" in names:
        cases = [(o, x) for o in outcomes for x in o.cross]
        ids = [f"{o.backend}-{o.probe}-{_items(x.items)}-{x.id}" for o, x in cases]
        metafunc.parametrize("cross_case", cases, ids=ids)


def pytest_sessionfinish(session):
    s = suite.built()
    if s is not None:
        from mvconf import matrix
        matrix.write(s.matrix(), paths.out_dir() / "matrix.json")


def pytest_terminal_summary(terminalreporter):
    if suite.built() is not None:
        terminalreporter.write_line(
            f"conformance: logs in {paths.out_dir() / 'logs'}, matrix in {paths.out_dir() / 'matrix.json'}")
