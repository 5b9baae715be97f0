"""scripts/kut (make kvm-unit-tests): unittests.cfg parsing, the machine both runs
share, the verdicts, the comparison with the make-check expectations, and the
matrix's external section."""
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
from kut import cfg, report, runner, source  # noqa: E402
from mvconf import external  # noqa: E402

CFG = """
# comment
[smptest3]
file = smptest.flat
smp = 3

[vmexit_ipi]
file = vmexit.flat
smp = 2
test_args = 'ipi'
qemu_params = -machine pit=off
groups = vmexit

[old_style]
file = vmexit.flat
extra_params = -cpu max -m 512 -append 'cpuid'
timeout = 2m

[i386_only]
file = cmpxchg8b.flat
arch = i386

[no_npt]
file = svm.flat
qemu_params = -cpu max,+svm,-npt -m 4g

[lam]
file = lam.flat
qemu_params = -enable-kvm -cpu max

[kvm_only]
file = pmu.flat
accel = kvm
"""


def parsed(tmp_path):
    p = tmp_path / "unittests.cfg"
    p.write_text(CFG)
    return {t.name: t for t in cfg.parse(p)}


def test_parse_and_machine(tmp_path):
    t = parsed(tmp_path)
    assert t["smptest3"].smp == 3 and t["smptest3"].args == ""
    assert t["smptest3"].machine() == ("qemu64,+svm,+npt", "256M", "")
    assert t["vmexit_ipi"].args == "ipi" and t["vmexit_ipi"].groups == ["vmexit"]
    assert t["vmexit_ipi"].machine()[2] == "-machine pit=off"
    old = t["old_style"]
    assert old.args == "cpuid" and old.timeout == 120
    assert old.machine() == ("max,+svm,+npt", "512M", "")


def test_not_runnable(tmp_path):
    t = parsed(tmp_path)
    assert t["smptest3"].not_runnable() is None
    assert t["i386_only"].not_runnable() == "i386 only"
    assert "SVM+NPT" in t["no_npt"].not_runnable()
    assert t["kvm_only"].not_runnable() == "accel=kvm only"
    assert t["lam"].not_runnable() == "-enable-kvm needs KVM"


def test_with_dummy(tmp_path):
    (tmp_path / "dummy.flat").write_bytes(b"")
    assert [x.name for x in cfg.with_dummy([], tmp_path)] == ["dummy"]
    assert cfg.with_dummy([], tmp_path / "nowhere") == []


def test_verdicts():
    assert runner._verdict(0, "ok") == "PASS"
    assert runner._verdict(0, "run-hv-qemu: qemu exited with status 0 without isa-debug-exit") == "NO-EXIT"
    assert runner._verdict(1, "") == "FAIL"
    assert runner._verdict(0, "qemu-system-x86_64: Property 'max-x86_64-cpu.vmx-mbec' not found\n") == "QEMU-ERROR"
    assert runner._verdict(0, "qemu-system-x86_64: warning: TCG doesn't support feature\nok") == "PASS"
    # kvm-unit-tests writes 77 >> 1 when every report skipped (QEMU then exits 77)
    assert runner._verdict(38, "") == "SKIP"
    assert runner._verdict(77, "") == "FAIL(rc=77)"
    assert runner._verdict(125, "") == "ROOT-STOPPED"
    assert runner._verdict(31, "") == "FAIL(rc=31)"
    smp = cfg.Test(name="s", file="s.flat", smp=3)
    one = runner.Run(verdict="PASS", secs=1, aps_started=1)
    assert runner.hv_verdict(smp, one) == "PASS-BUT-1/2-APS-BY-SIPI"
    one.aps_started = 2
    assert runner.hv_verdict(smp, one) == "PASS"


def row(bare, hv=None):
    r = {"name": "t", "bare": {"verdict": bare, "secs": 1.0}}
    if hv:
        r["hv"] = {"verdict": hv, "secs": 2.0, "last_hv": "[hv] why"}
    return r


def test_outcomes():
    assert report.outcome(row("PASS", "PASS"), None) == "same"
    assert report.outcome(row("PASS", "ROOT-STOPPED"), None) == "differs"
    assert report.outcome(row("FAIL"), None) == "not-compared"
    assert report.outcome(row("PASS", "ROOT-STOPPED"), "differs") == "xfail"
    assert report.outcome(row("PASS", "PASS"), "differs") == "xpass"
    assert report.outcome({"name": "t", "skip": "i386 only"}, None) == "skip"
    rows = [dict(row("PASS", "PASS"), outcome="same"), dict(row("PASS", "FAIL"), outcome="differs"),
            dict(row("PASS", "PASS"), outcome="xpass"), dict(row("FAIL"), outcome="not-compared")]
    assert report.totals(rows) == {"passed": 1, "failed": 2, "skipped": 1}
    text = report.table(rows)
    assert "FAIL: t: bare PASS, hypervisor FAIL; last [hv] lines: [hv] why" in text
    assert "XPASS" in text


def test_expectations_file(tmp_path):
    p = tmp_path / "e.txt"
    p.write_text("# c\ndummy same\nsmptest differs   # APs stay parked\n")
    assert report.load_expectations(p) == {"dummy": "same", "smptest": "differs"}
    # the real file parses, and names only 'same' / 'differs'
    assert report.load_expectations()


def test_external_section(tmp_path):
    rows = [dict(row("PASS", "ROOT-STOPPED"), outcome="differs")]
    report.write(tmp_path / "kvm-unit-tests" / "results.json", "tarball x", rows)
    sec = external.section(tmp_path)["kvm-unit-tests"]
    assert sec["tests"]["t"] == {"outcome": "differs", "bare": "PASS", "hv": "ROOT-STOPPED",
                                 "last_hv": "[hv] why"}
    m = tmp_path / "conformance" / "matrix.json"
    m.parent.mkdir()
    m.write_text(json.dumps({"items": []}))
    external.merge_into_matrix(tmp_path)
    assert json.loads(m.read_text())["external"]["kvm-unit-tests"]["totals"]["failed"] == 1
    assert external.section(tmp_path / "none") == {}


def test_source_locate(tmp_path, monkeypatch):
    monkeypatch.delenv("KUT_DIR", raising=False)
    monkeypatch.setattr(source, "DEFAULT_TARBALL", tmp_path / "none.tar.gz")
    src, why = source.locate()
    assert src is None and "no kvm-unit-tests source" in why
    monkeypatch.setenv("KUT_DIR", str(tmp_path))
    assert source.locate()[0] is None                      # not a checkout
    (tmp_path / "x86").mkdir()
    (tmp_path / "x86" / "unittests.cfg").write_text("")
    assert source.locate() == (tmp_path.resolve(), f"checkout {tmp_path.resolve()}")


def test_bochs_verdicts_and_list():
    """--bochs: the verdict from the test's last words (no isa-debug-exit there),
    the one-CPU rule, the environment module's memory size, the list file."""
    from kut import bochs as kb
    from mvconf import bochs as mb
    assert kb._verdict("x\nSUMMARY: 13 tests\n") == "PASS"
    assert kb._verdict("SUMMARY: 7 tests, 1 unexpected failures\n") == "FAIL"
    assert kb._verdict("SUMMARY: 3 tests, 3 skipped\n") == "SKIP"
    assert kb._verdict("SUMMARY: 3 tests, 1 skipped\n") == "PASS"
    assert kb._verdict("Unhandled exception 13 #GP(0) at ip 4033\n") == "FAIL"
    assert kb._verdict("--- DONE: 0 ---\n") == "PASS"
    assert kb._verdict("--- DONE: 1 ---\n") == "FAIL"
    assert kb._verdict("enabling apic\n") == "NO-SUMMARY"
    assert kb.END_RE.search("SUMMARY: 1 tests\n") and not kb.END_RE.search("SUMMARY: 1 te")
    assert (kb._megs("256M"), kb._megs("1G"), kb._megs("512"), kb._megs("x")) == (256, 1024, 512, 256)
    t1 = cfg.Test(name="a", file="a.flat")
    assert kb.not_runnable(t1) is None
    t2 = cfg.Test(name="b", file="b.flat", smp=2)
    assert "one CPU" in kb.not_runnable(t2)
    names = kb.load_list()
    assert names and "eventinj" in names and all(" " not in n for n in names)
    # bare: the test is GRUB's multiboot kernel, with its arguments and the env module
    g = mb._grub_cfg("eventinj", "a b", [("m1-env", "env")], bare=True)
    assert "multiboot /boot/eventinj.elf a b" in g and "microv-hv.elf" not in g
    assert "module /boot/m1-env env" in g
    g = mb._grub_cfg("eventinj", "a b", [], bare=False)
    assert "multiboot /boot/microv-hv.elf" in g and "module /boot/eventinj.elf eventinj a b" in g


def test_aps_started_by_sipi_reads_lines_the_root_wrote_into():
    # The root's AP prints on the same UART while the hypervisor logs pp 2's start.
    out = ("[hv] pp 1: root VP started by SIPI vector 0x00\n"
           "[hv] pp 2: roenabling apic\not VP started by SIPI vector 0x00\n")
    assert runner.aps_started_by_sipi(out) == 2
    # One AP logged twice is one AP; another [hv] line is never skipped over.
    assert runner.aps_started_by_sipi("[hv] pp 1: root VP started by SIPI vector 0x00\n" * 2) == 1
    assert runner.aps_started_by_sipi("[hv] pp 2: root VP st\n[hv] pp 3: other\n") == 0
    assert runner.aps_started_by_sipi("[hv] pp 2: ro" + "x" * 500 + "ot VP started by SIPI vector 0x1") == 0
