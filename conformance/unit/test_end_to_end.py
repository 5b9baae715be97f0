"""The whole suite (run.sh -> pytest -> matrix.json, junit.xml, print-matrix)
against the fake mvsim, with synthetic probes."""
import json
import os
import subprocess
import sys
from pathlib import Path

from synth import CATALOG_JSON, mvp_log

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

PROBES = {
    "good": mvp_log("good", [("open", "mv_handle_op_open_handle,MV_STATUS_SUCCESS", "0x0", "0x0", "pass"),
                             ("sk", "CPUID_4000_XX02_EDX", "0x0", "0x0", "skip")]),
    "bad": mvp_log("bad", [("close", "mv_handle_op_close_handle", "0x0", "0x1", "fail")]) + "#exit 5\n",
    "crash": mvp_log("crash", [("ebx", "CPUID_4000_XX00_EBX", "0x1", "0x1", "pass")], end=False)
             + "#stderr mvsim: root VM crashed: triple fault at rip 0x1234\n#exit 125\n",
    "hang": mvp_log("hang", [], end=False) + "#sleep 30\n",
    "typo": mvp_log("typo", [("t", "mv_debug_op_outt", "0x0", "0x0", "pass")]),
    # MVP EXPECT-STOP: stopped as announced (not a crash), and went on instead
    "stopper": mvp_log("stopper", [], end=False)
               + 'MVP EXPECT-STOP probe=stopper id=gone items=mv_debug_op_out pp=0 '
               + 'exit=slpt-violation rip=- why="access to memory the root VM does not own" '
               + 'desc="touch"\n'
               + "[hv] root VM stopped on pp 0: access to memory the root VM does not own "
               + "(exit slpt-violation, rip 0x1000, raw 0x0); stopped on 1 of 1 PPs\n"
               + "#exit 125\n",
    "goeson": mvp_log("goeson", [], end=False)
              + 'MVP EXPECT-STOP probe=goeson id=kept items=CPUID_4000_XX02_EBX pp=0 '
              + 'exit=triple-fault rip=- why="triple fault" desc="touch"\n'
              + "MVP END probe=goeson result=SUCCESS checks=0 failed=0\n",
}


def make_build(tmp: Path, probes=PROBES, timeout=1) -> Path:
    build = tmp / "build"
    (build / "conformance").mkdir(parents=True)
    (build / "guest-probes").mkdir()
    (build / "conformance" / "abi-items.json").write_text(json.dumps(CATALOG_JSON))
    subprocess.run([sys.executable, str(REPO / "scripts" / "abi-gen"), "--exit-codes",
                    str(build / "conformance" / "exit-codes.json")], check=True)
    for name, text in probes.items():
        (build / "guest-probes" / f"{name}.elf").write_text(text)
    for name in [*probes, "notbuilt"]:  # one folder per probe, as guest-probes/probes/
        folder = tmp / "probes" / name
        folder.mkdir(parents=True)
        (folder / "main.c").write_text("/* synthetic */\n")
        (folder / "probe.toml").write_text(f"timeout = {timeout}\n")
    return build


def test_suite_with_fake_backend(tmp_path):
    build = make_build(tmp_path)
    env = dict(os.environ, MV_BUILD_DIR=str(build), MV_FAKE_BACKEND=str(HERE / "fake_mvsim"),
               MV_BACKENDS="fake,qemu-tcg-amd", MV_PROBES_DIR=str(tmp_path / "probes"),
               MV_HV_IMAGE_SVM=str(tmp_path / "no-such-hv.elf"))
    r = subprocess.run([str(REPO / "conformance" / "run.sh")], env=env,
                       capture_output=True, text=True, timeout=120)
    out = r.stdout + r.stderr
    assert r.returncode == 1, out

    # per-check, per-run and per-item names, and helpful messages
    assert "test_check[fake-bad-mv_handle_op_close_handle-close]" in out
    assert "mv_handle_op_close_handle (bad/close): expected 0x0, got 0x1" in out
    assert "CRASH: crash on fake printed no MVP END (exit status 125)" in out
    assert "CRASH: hang on fake printed no MVP END (timed out)" in out
    assert "unknown ABI item mv_debug_op_outt" in out
    assert "not built:" in out and "notbuilt.elf" in out

    junit = (build / "conformance" / "junit.xml").read_text()
    assert "test_check[fake-good-mv_handle_op_open_handle+MV_STATUS_SUCCESS-open]" in junit
    assert "test_run[qemu-tcg-amd-good]" in junit
    assert 'classname="fake.good"' in junit

    m = json.loads((build / "conformance" / "matrix.json").read_text())
    assert m["backends"] == ["fake", "qemu-tcg-amd"]
    res = {i["name"]: i["results"] for i in m["items"]}
    assert len(res) == sum(len(v) for v in CATALOG_JSON.values())
    assert res["mv_handle_op_open_handle"]["fake"]["result"] == "pass"
    assert res["mv_handle_op_close_handle"]["fake"]["result"] == "fail"
    assert res["CPUID_4000_XX00_EBX"]["fake"] == {"result": "fail", "reason": "probe crash crashed", "checks": 1}
    assert res["CPUID_4000_XX02_EDX"]["fake"]["result"] == "skip"
    assert res["mv_vp_exit_t_hlt"]["fake"]["result"] == "not-covered"
    assert res["mv_debug_op_out"]["qemu-tcg-amd"]["result"] == "skip"

    assert res["mv_debug_op_out"]["fake"] == {"result": "pass", "checks": 1}
    assert m["probes"]["fake/stopper"] == "SUCCESS"
    failures = out[out.index("short test summary info"):]
    assert "stopper" not in failures
    assert "CPUID_4000_XX02_EBX (goeson/kept): expected root-stopped, got continued" in out
    assert "the probe continued after the access (line 4: MVP END" in out
    assert res["CPUID_4000_XX02_EBX"]["fake"]["result"] == "fail"
    assert m["probes"]["fake/goeson"] == "FAILURE"

    log = (build / "conformance" / "logs" / "fake" / "crash.log").read_text()
    assert "MVP BEGIN probe=crash" in log and "triple fault" in log

    # print-matrix's table came after pytest
    table = r.stdout[r.stdout.rindex("\nABI item "):]
    assert "mv_handle_op_close_handle" in table
    assert "FAIL" in table and "not-covered" in table


def test_print_matrix_without_matrix(tmp_path):
    r = subprocess.run([sys.executable, str(REPO / "scripts" / "print-matrix"), str(tmp_path / "none.json")],
                       capture_output=True, text=True)
    assert r.returncode == 0 and "cannot read" in r.stdout
