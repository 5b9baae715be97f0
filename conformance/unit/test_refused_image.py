"""A refused root image (a probe variant with refused = true): the
runner's synthetic check "refused" (protocol.judge_refused) on synthetic
runs; no hypervisor runs."""
from pathlib import Path

from synth import mvp_log

from mvconf import matrix, runner
from mvconf.backends import MvsimBackend, QemuTcgAmdBackend, RunResult
from mvconf.probes import Probe

SIM = MvsimBackend("sim-intel", "intel")
QEMU = QemuTcgAmdBackend()
LINE = "[hv] boot: multiboot load_end_addr 0xfffff below load_addr 0x100000"
CONSOLE = "[hv] boot: root VM owns 111 MiB of RAM\n" + LINE + "\n"


def judged(tmp_path, text, exit_code=126, timed_out=False, backend=SIM):
    expect = Path(tmp_path) / "v.expect"
    expect.write_text(LINE + "\n")
    probe = Probe("p.v", elf=None, begin="p", refused=expect)
    return runner.judge(backend, probe, RunResult(text, "", exit_code, timed_out, 0.1, ["x"]), None)


def refused(out):
    (c,) = [c for c in out.checks() if c.id == "refused"]
    assert out.log.refused_check is c and c.items == ("none",)
    return c


def test_exact_line_and_hv_failure_pass_and_are_no_crash(tmp_path):
    out = judged(tmp_path, CONSOLE)
    c = refused(out)
    assert (c.verdict, c.got) == ("pass", "refused")
    assert not out.crashed and out.log.result == "SUCCESS" and not out.problems


def test_qemu_reports_the_failure_as_guest_code_126(tmp_path):
    assert refused(judged(tmp_path, CONSOLE, exit_code=(126 << 1) | 1, backend=QEMU)).verdict == "pass"
    assert refused(judged(tmp_path, CONSOLE, exit_code=(125 << 1) | 1, backend=QEMU)).got == "exit-251"


def test_another_line_fails(tmp_path):
    other = CONSOLE.replace("0xfffff", "0xffffe")
    c = refused(judged(tmp_path, other))
    assert (c.verdict, c.got) == ("fail", "no-refusal-line")
    assert "0xffffe" in c.desc  # names the line the hypervisor printed instead
    # a line that only contains the expected one is not it
    assert refused(judged(tmp_path, "x " + CONSOLE)).verdict == "pass"
    assert refused(judged(tmp_path, CONSOLE.replace(LINE, LINE + " (more)"))).verdict == "fail"


def test_a_root_that_ran_fails_however_it_ended(tmp_path):
    ran = CONSOLE + mvp_log("p", [("a", "none", "0x0", "0x0", "pass")])
    out = judged(tmp_path, ran, exit_code=0)
    c = refused(out)
    assert (c.verdict, c.got) == ("fail", "root-ran")
    assert out.log.result == "FAILURE"  # END said SUCCESS: the verdict only gets worse
    crashed = judged(tmp_path, CONSOLE + mvp_log("p", [], end=False), exit_code=126)
    assert refused(crashed).got == "root-ran"


def test_timeout_and_other_exits_fail(tmp_path):
    assert refused(judged(tmp_path, CONSOLE, exit_code=None, timed_out=True)).got == "timeout"
    assert refused(judged(tmp_path, CONSOLE, exit_code=125)).got == "exit-125"
    assert refused(judged(tmp_path, CONSOLE, exit_code=0)).got == "exit-0"


def test_matrix_root_image_row(tmp_path, catalog):
    good = judged(tmp_path, CONSOLE)
    good.probe = "mbimg.v"
    boots = runner.judge(SIM, Probe("mbimg", elf=None), RunResult(
        mvp_log("mbimg", [("a", "none", "0x0", "0x0", "pass")]), "", 0, False, 0.1, ["x"]), None)
    backends = [("sim-intel", None), ("sim-amd", "not built")]

    def row(outs, not_run=None):
        m = matrix.build(catalog, backends, {("sim-intel", o.probe): o for o in outs}, not_run)
        return m["isolation"]["root_image"]
    r = row([good, boots])
    assert r["sim-intel"] == {"result": "pass", "runs": 2} and r["sim-amd"]["result"] == "skip"
    ran = judged(tmp_path, CONSOLE + mvp_log("p", [], end=False), exit_code=0)
    ran.probe = "mbimg.w"
    r = row([good, ran])["sim-intel"]
    assert r["result"] == "fail" and "mbimg.w" in r["reason"]
    assert row([good], {("sim-intel", "mbimg.x"): None})["sim-intel"]["result"] == "not-run"
    assert row([])["sim-intel"]["result"] == "not-run"
