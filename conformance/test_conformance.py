"""The conformance tests, collected by conftest.py from the (backend, probe)
pairs and the manifest; each waits for its pair's run (mvconf/schedule.py).

test_check[<backend>-<probe>-<items>-<check id>]  one per MVP CHECK line, and one per
                                                  MVP EXPECT-STOP (expected=root-stopped)
test_run[<backend>-<probe>]                       the run completed and kept the protocol;
                                                  it also reports the checks the manifest
                                                  did not know yet (first run of a pair)
test_cross[<backend>-<probe>-<items>-<id>]        the harness's own checks of the log
"""
import pytest
from _pytest.reports import TestReport

TAIL_LINES = 25


def _where(out, line=None):
    if out.log_path is None:
        return ""
    return f"\n  log: {out.log_path}" + (f":{line}" if line else "")


def _tail(out):
    text = out.run.output.rstrip("\n").split("\n")[-TAIL_LINES:]
    err = out.run.stderr.rstrip("\n").split("\n")[-10:] if out.run.stderr else []
    return "\n".join(["  | " + l for l in text] + ["  stderr| " + l for l in err])


def _log_line(out, n):
    if out.run is None:
        return ""
    lines = out.__dict__.setdefault("_lines", out.run.output.split("\n"))  # once per run
    return lines[n - 1] if 0 < n <= len(lines) else ""


def _properties(out, items=(), line=None):
    """What the JUnit/TAP reports show of a test (mvconf/report.py)."""
    props = [("backend", out.backend), ("probe", out.probe), ("items", ",".join(items))]
    if out.log_path is not None:
        props.append(("log", f"{out.log_path}" + (f":{line}" if line else "")))
    if line:
        props.append(("line", _log_line(out, line)))
    return props


def check_verdict(out, c):
    """(outcome, message) of one check: 'passed', 'skipped' or 'failed'."""
    what = f"{', '.join(c.items)} ({c.probe}/{c.id})"
    if c.verdict == "skip":
        return "skipped", f"{what}: {c.desc}"
    if c.verdict == "fail":
        return "failed", f"{what}: expected {c.expected}, got {c.got} — {c.desc}{_where(out, c.line)}"
    return "passed", ""


def cross_verdict(out, x):
    what = f"{', '.join(x.items)} ({out.probe}/{x.id}, harness)"
    if x.ok is None:
        return "skipped", f"{what}: {x.message}"
    if not x.ok:
        return "failed", f"{what}: {x.message}{_where(out)}"
    return "passed", ""


def _conclude(outcome, message):
    if outcome == "skipped":
        pytest.skip(message)
    if outcome == "failed":
        pytest.fail(message, pytrace=False)


def _not_printed(out, pair_id):
    if out.run is None:
        pytest.skip(f"{out.probe} on {out.backend} did not run: "
                    f"{out.skipped or '; '.join(out.problems)} (see test_run)")
    pytest.skip(f"{out.probe} on {out.backend} no longer prints check {pair_id} "
                "(known from an earlier run's manifest, updated now)")


def test_check(check_case, outcome_of, request):
    pair, cid, items = check_case
    out = outcome_of(pair)
    c = next((c for c in out.checks() if c.id == cid), None)
    request.node.user_properties += _properties(out, items, c and c.line)
    if c is None:
        _not_printed(out, cid)
    _conclude(*check_verdict(out, c))


def test_cross(cross_case, outcome_of, request):
    pair, xid, items = cross_case
    out = outcome_of(pair)
    request.node.user_properties += _properties(out, items)
    x = next((x for x in out.cross if x.id == xid), None)
    if x is None:
        _not_printed(out, xid)
    _conclude(*cross_verdict(out, x))


def _report_unknown(request, out):
    """Reports, as tests of their own, the checks of this run that the
    manifest did not know (so were not collected): a pair's first run."""
    collected = request.config.mv_collected
    file = request.node.nodeid.split("::")[0]
    cases = [("test_check", "check_case", c.id, c.items, c.line, check_verdict(out, c))
             for c in out.checks()]
    cases += [("test_cross", "cross_case", x.id, x.items, None, cross_verdict(out, x))
              for x in out.cross]
    for func, fixture, cid, items, line, (outcome, message) in cases:
        if (fixture, (out.backend, out.probe), cid) in collected:
            continue
        name = f"{func}[{out.backend}-{out.probe}-{'+'.join(items)}-{cid}]"
        nodeid = f"{file}::{name}"
        location = (request.node.location[0], None, name)
        longrepr = (location[0], 0, f"Skipped: {message}") if outcome == "skipped" else \
            message or None
        ihook = request.node.ihook
        ihook.pytest_runtest_logstart(nodeid=nodeid, location=location)
        for when, o, lr in (("setup", "passed", None), ("call", outcome, longrepr),
                            ("teardown", "passed", None)):
            ihook.pytest_runtest_logreport(report=TestReport(
                nodeid, location, {name: 1}, o, lr, when,
                user_properties=_properties(out, items, line)))
        ihook.pytest_runtest_logfinish(nodeid=nodeid, location=location)


def run_verdict(out):
    """(outcome, message) of a run: did it complete and keep the protocol?"""
    if out.skipped:
        return "skipped", out.skipped
    if out.run is None:
        return "failed", f"{out.probe} on {out.backend}: " + "; ".join(out.problems)
    msgs = []
    if out.crashed:
        msgs.append(f"CRASH: {out.probe} on {out.backend} {out.crash}")
        if out.log.expect_stop is not None:
            n, line = out.log.expect_stop.after[0]
            msgs.append(f"  it went on after its EXPECT-STOP (line {out.log.expect_stop.line}) "
                        f"with line {n}: {line[:120]}")
    msgs += [f"harness error: {p}" for p in out.problems]
    if out.log.result == "ERROR":
        msgs.append(f"{out.probe} reported ERROR: it could not set up what it checks")
    if msgs:
        return "failed", ("\n".join(msgs) + _where(out) +
                          (f"\n{_tail(out)}" if out.crashed else ""))
    if out.log.result == "SKIP":
        return "skipped", f"{out.probe} reported SKIP"
    return "passed", ""


def test_run(run_case, outcome_of, request):
    if not isinstance(run_case, tuple):  # conftest.SetupError
        pytest.fail(run_case.message, pytrace=False)
    pair, _, _ = run_case
    out = outcome_of(pair)
    request.node.user_properties += _properties(out)
    if out.run is not None:
        request.node.user_properties.append(("time", f"{out.run.wall_s:.3f}"))
        _report_unknown(request, out)
    _conclude(*run_verdict(out))
