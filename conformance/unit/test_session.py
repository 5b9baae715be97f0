"""How a conformance session behaves like the pytest its users know (run.sh
against the fake mvsim): selection runs only what the selected tests need,
--co runs nothing, --lf reruns what failed, the result cache, JUnit and TAP,
usage errors, and Ctrl-C (no child left, previous results kept)."""
import json
import os
import signal
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from synth import mvp_log
from test_end_to_end import HERE, PROBES, REPO, make_build

RUN_SH = str(REPO / "conformance" / "run.sh")


def env_for(tmp: Path, build: Path, **extra) -> dict:
    # The session's own switches (FORCE=1 make check, TAP=1) must not leak in.
    base = {k: v for k, v in os.environ.items() if k not in ("FORCE", "TAP", "MV_JOBS")}
    return {**base, "MV_BUILD_DIR": str(build), "MV_FAKE_BACKEND": str(HERE / "fake_mvsim"),
            "MV_BACKENDS": "fake", "MV_PROBES_DIR": str(tmp / "probes"), **extra}


def run(env, *args, timeout=120):
    r = subprocess.run([RUN_SH, *args], env=env, capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout + r.stderr


def ran(out):
    """The (backend, probe) progress lines of runs that really ran (not reused)."""
    return sorted(ln.split()[2] for ln in out.splitlines()
                  if ln.startswith("run ") and "(reused)" not in ln and " skip " not in ln)


def test_selection_cache_lf_and_reports(tmp_path):
    build = make_build(tmp_path)
    env = env_for(tmp_path, build)
    logs = build / "conformance" / "logs" / "fake"

    rc, out = run(env, "-k", "good")               # only the good probe runs
    assert rc == 0, out
    assert ran(out) == ["good"], out
    m = json.loads((build / "conformance" / "matrix.json").read_text())
    res = {i["name"]: i["results"]["fake"]["result"] for i in m["items"]}
    assert res["mv_handle_op_open_handle"] == "pass"
    assert res["mv_handle_op_close_handle"] == "not-run"  # bad did not run: never pass
    assert not (logs / "bad.log").exists()

    rc, out = run(env)                             # everything; good is reused
    assert rc == 1, out
    assert "good" not in ran(out) and "bad" in ran(out)
    assert "run fake         good" in out and "(reused)" in out
    assert "1 reused from the cache" in out

    before = (logs / "bad.log").stat().st_mtime_ns
    rc, out = run(env, "--co", "-q")               # lists, runs nothing, replaces nothing
    assert rc == 0, out
    assert "test_check[fake-bad-mv_handle_op_close_handle-close]" in out  # from the manifest
    assert ran(out) == [] and "run fake" not in out
    assert (logs / "bad.log").stat().st_mtime_ns == before

    rc, out = run(env, "--lf", "--force")          # only what failed, rerun for real
    assert rc == 1, out
    assert set(ran(out)) == {"bad", "crash", "goeson", "hang", "notbuilt", "typo"}, out

    rc, out = run(env, "-q")                       # all reused: quiet, fast
    assert "run fake" not in out
    junit = ET.parse(build / "conformance" / "junit.xml").getroot()
    cases = {c.get("name"): c for c in junit.iter("testcase")}
    close = cases["test_check[fake-bad-mv_handle_op_close_handle-close]"]
    assert close.get("classname") == "fake.bad"
    props = {p.get("name"): p.get("value") for p in close.iter("property")}
    assert props == {"backend": "fake", "probe": "bad", "items": "mv_handle_op_close_handle"}
    assert "bad.log:3" in close.find("system-out").text
    assert "MVP CHECK probe=bad id=close" in close.find("system-out").text
    assert close.find("failure") is not None
    assert float(cases["test_run[fake-hang]"].get("time")) >= 0.9  # the run's own wall time

    rc, out = run(dict(env, TAP="1"), "-k", "good")
    lines = [ln for ln in out.splitlines() if ln.startswith(("ok", "not ok", "1..", "TAP"))]
    assert lines[0] == "TAP version 13" and lines[-1] == f"1..{len(lines) - 2}", out
    assert "ok 1 - fake.good test_check[fake-good-mv_handle_op_open_handle+MV_STATUS_SUCCESS-open]" in lines


def test_unknown_backend_is_a_usage_error(tmp_path):
    build = make_build(tmp_path)
    rc, out = run(env_for(tmp_path, build, MV_BACKENDS="nosuch"))
    assert rc == 2, out
    assert "MV_BACKENDS names unknown backends ['nosuch']" in out
    assert "cannot read" not in out and "passed" not in out


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_kills_children_and_keeps_results(tmp_path, sig):
    probes = dict(PROBES, slow=mvp_log("slow", [], end=False) + "#sleep 60\n")
    build = make_build(tmp_path, probes, timeout=90)
    env = env_for(tmp_path, build)
    rc, _ = run(env, "-k", "good")
    assert rc == 0
    matrix = (build / "conformance" / "matrix.json").read_bytes()
    junit = (build / "conformance" / "junit.xml").read_bytes()
    good_log = (build / "conformance" / "logs" / "fake" / "good.log").read_bytes()

    proc = subprocess.Popen([RUN_SH, "--force", "-k", "slow or good"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 90  # a loaded machine starts pytest slowly
    while time.monotonic() < deadline and not _children_running(tmp_path):
        time.sleep(0.2)
    assert _children_running(tmp_path), "the slow probe never started"
    os.killpg(proc.pid, sig)  # what the terminal does on Ctrl-C
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130, out
    assert "interrupted" in out and "Traceback" not in out, out
    time.sleep(0.3)
    assert not _children_running(tmp_path), "a probe run survived the interruption"
    assert (build / "conformance" / "matrix.json").read_bytes() == matrix
    assert (build / "conformance" / "junit.xml").read_bytes() == junit
    assert (build / "conformance" / "logs" / "fake" / "good.log").read_bytes() == good_log
    assert not (build / "conformance" / "logs.new").exists()


def _children_running(tmp: Path) -> bool:
    """Whether a fake_mvsim of this test is running (its argv names tmp)."""
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                argv = (d / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if any(b"fake_mvsim" in a for a in argv) and any(str(tmp).encode() in a for a in argv):
                return True
    return False
