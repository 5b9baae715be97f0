"""pytest wiring of the conformance suite (see test_conformance.py).

Collection runs nothing: the tests come from the (backend, probe) pairs and
the check ids the manifest knows (mvconf/manifest.py).  After pytest's own
selection (-k, --lf, --ff, -x ...), the pairs the selected tests need start
in parallel (mvconf/schedule.py; --jobs N, default $MV_JOBS or the CPU
count), reusing the result cache unless --force or FORCE=1
(mvconf/cache.py).  One progress line per finished run (not with -q).  At
the end: matrix.json, the logs, and --mv-junit / --mv-tap
(mvconf/report.py), each written beside the old one and renamed, so an
interrupted session (Ctrl-C: every child process group is killed, one line
is printed; SIGTERM and SIGHUP too) leaves the previous results as they were.
"""
import signal
import sys

import pytest

from mvconf import backends as backends_mod
from mvconf import cache, paths, report, schedule

# The fixtures test_conformance.py parametrizes.
CASES = ("check_case", "run_case", "cross_case")


class SetupError:
    """Stands in for the runs when the suite cannot start (abi-items not
    built, a bad probe.toml, no backend available): test_run[setup] fails with it."""

    def __init__(self, message):
        self.message = message


def pytest_addoption(parser):
    g = parser.getgroup("conformance", "the MicroV conformance suite")
    g.addoption("--force", action="store_true",
                help="rerun every selected (backend, probe), ignoring the result cache (or FORCE=1)")
    g.addoption("--jobs", type=int, default=0, metavar="N",
                help="runs at a time (default: $MV_JOBS, else the CPU count)")
    g.addoption("--mv-junit", metavar="PATH",
                help="JUnit XML: classname <backend>.<probe>, run times, logs, properties")
    g.addoption("--mv-tap", metavar="PATH", help="TAP results ('-': stdout, as tests finish)")


def _terminated(signum, frame):
    raise KeyboardInterrupt  # SIGTERM/SIGHUP clean up as Ctrl-C does


def pytest_configure(config):
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _terminated)
    if getattr(config.option, "numprocesses", None) and not all(
            "unit" in a for a in config.args):
        # pytest-xdist's workers would each run every pair they touch, and
        # none would see the whole matrix: the suite parallelizes itself.
        raise pytest.UsageError("the conformance suite runs its runs in parallel itself: "
                                "use --jobs N (or MV_JOBS=N) instead of -n")
    if config.getoption("--mv-junit") or config.getoption("--mv-tap"):
        config.pluginmanager.register(
            report.Reports(config, config.getoption("--mv-junit"), config.getoption("--mv-tap")),
            "mvconf-reports")


def _schedule(config):
    """The session's Schedule (made at the first collection), or a SetupError."""
    if not hasattr(config, "mv_schedule"):
        try:
            backends_mod.selected_backends()
        except ValueError as e:  # MV_BACKENDS=nosuch: a usage error, not a test result
            pytest.exit(f"usage error: {e}", returncode=pytest.ExitCode.USAGE_ERROR)
        try:
            s = schedule.Schedule(config.getoption("--jobs"),
                                  not (config.getoption("--force") or cache.forced()))
        except (OSError, ValueError) as e:
            s = SetupError(f"conformance suite cannot start: {e}")
        else:
            if all(why for _, why in s.status):
                s = SetupError("no backend available: " +
                               "; ".join(f"{b}: {why}" for b, why in s.status))
        config.mv_schedule = s
        config.mv_collected = set()
        config.mv_announced = set()  # unavailable backends already announced
    return config.mv_schedule


def _items(items):
    return "+".join(items)


def pytest_generate_tests(metafunc):
    names = set(metafunc.fixturenames) & set(CASES)
    if not names:
        return
    name = names.pop()
    s = _schedule(metafunc.config)
    if isinstance(s, SetupError):
        if name == "run_case":
            metafunc.parametrize("run_case", [s], ids=["setup"])
        else:
            metafunc.parametrize(name, [])
        return
    cases, ids = [], []
    for pair in s.pairs():
        b, p = pair
        if name == "run_case":
            entries = [(pair, None, ())]
            ids.append(f"{b}-{p}")
        else:
            known = s.manifest.checks(pair) if name == "check_case" else s.manifest.cross(pair)
            entries = [(pair, i, items) for i, items in known]
            ids += [f"{b}-{p}-{_items(items)}-{i}" for i, items in known]
            metafunc.config.mv_collected.update((name, pair, i) for i, _ in known)
        cases += [pytest.param(e, marks=pytest.mark.mvpair(b, p)) for e in entries]
    metafunc.parametrize(name, cases, ids=ids)


def pytest_collection_modifyitems(session, config, items):
    """Groups the tests by run (backend, probe), in the order of the pairs."""
    s = getattr(config, "mv_schedule", None)
    if s is None or isinstance(s, SetupError):
        return
    order = {pair: n for n, pair in enumerate(s.pairs())}
    items.sort(key=lambda it: order.get(_pair(it), -1))


def _pair(item):
    m = item.get_closest_marker("mvpair")
    return tuple(m.args) if m else None


def announce(config, out):
    """The progress line of a finished run (none with -q); one line for all
    the runs of an unavailable backend."""
    tr = config.pluginmanager.get_plugin("terminalreporter")
    if tr is None or getattr(config.option, "verbose", 0) < 0:
        return
    probe = out.probe
    unavailable = dict(config.mv_schedule.status).get(out.backend)
    if unavailable:
        if out.backend in config.mv_announced:
            return
        config.mv_announced.add(out.backend)
        probe, what = "*", f"skip  every probe: {out.backend} unavailable: {unavailable}"
    elif out.skipped:
        what = f"skip  {out.skipped}"
    elif out.run is None:
        what = "ERROR " + "; ".join(out.problems)
    else:
        result = "CRASH" if out.crashed else out.log.result or "?"
        what = (f"{result:8} {len(out.checks()):3} checks {out.run.wall_s:6.1f} s  "
                f"{out.log_path}{'  (reused)' if out.reused else ''}")
    capman = config.pluginmanager.get_plugin("capturemanager")
    with capman.global_and_fixture_disabled():
        tr.ensure_newline()
        tr.write_line(f"run {out.backend:12} {probe:13} {what}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtestloop(session):
    s = getattr(session.config, "mv_schedule", None)
    if isinstance(s, schedule.Schedule) and not session.config.option.collectonly:
        pairs = []
        for it in session.items:
            pair = _pair(it)
            if pair and pair not in pairs:
                pairs.append(pair)
        s.start(pairs)
    yield


@pytest.fixture
def outcome_of(request):
    """outcome_of((backend, probe)): the run's Outcome, waiting for it."""
    config = request.config
    s = config.mv_schedule

    def get(pair):
        try:
            return s.outcome(pair, lambda out: announce(config, out))
        except KeyboardInterrupt:
            _interrupt(config)
    return get


def _interrupt(config):
    s = config.mv_schedule
    n = s.interrupt()
    schedule.discard_staged_logs()
    pytest.exit(f"interrupted: killed {n} running process group(s); "
                f"the previous results in {paths.out_dir()} are kept", returncode=130)


_keyboard_interrupt = False  # set by the hook below, read at the session's end
_killed_at_interrupt = 0


def pytest_keyboard_interrupt(excinfo):
    global _keyboard_interrupt, _killed_at_interrupt
    _keyboard_interrupt = True
    import mvconf.procs
    _killed_at_interrupt += mvconf.procs.kill_all()


def pytest_sessionfinish(session, exitstatus):
    s = getattr(session.config, "mv_schedule", None)
    if not isinstance(s, schedule.Schedule):
        return
    if exitstatus in (2, 130) or s.interrupted:  # interrupted: keep the old results
        n = s.interrupt() + _killed_at_interrupt
        schedule.discard_staged_logs()
        if _keyboard_interrupt and exitstatus == 2:
            # Ctrl-C (or SIGTERM/SIGHUP) while pytest was not waiting for a run
            # (between tests, in its reporting): the same end as in outcome_of.
            session.exitstatus = 130
            sys.stderr.write(f"interrupted: killed {n} running process group(s); "
                             f"the previous results in {paths.out_dir()} are kept\n")
        return
    if session.config.option.collectonly:
        return
    s.finish(lambda out: announce(session.config, out),
             stopped=bool(session.shouldstop or session.shouldfail))


def pytest_terminal_summary(terminalreporter):
    s = getattr(terminalreporter.config, "mv_schedule", None)
    if not isinstance(s, schedule.Schedule) or s.interrupted or not s.outcomes:
        return
    c = s.counts()
    terminalreporter.write_line(
        f"conformance: {len(s.outcomes)} of {len(s.pairs())} runs: {c['runs'] - c['reused']} ran, "
        f"{c['reused']} reused from the cache (--force reruns), {c['skipped']} skipped, "
        f"{c['broken']} crashed or broken; logs in {paths.out_dir() / 'logs'}, "
        f"matrix in {paths.out_dir() / 'matrix.json'}")
