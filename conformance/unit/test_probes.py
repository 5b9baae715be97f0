"""The probe list (one folder per probe, guest-probes/probes/<name>/) and which
backends run which probe (the probe's `needs` against the backend's
`features`); the single decision whether a run crashed (Outcome.crash)."""
import os
import re

import pytest
from synth import mvp_log

import test_conformance
from mvconf import backends, matrix, paths, probes, runner
from mvconf.backends import MvsimBackend, QemuKvmBackend, RunResult
from mvconf.probes import Probe

SIM = MvsimBackend("sim-intel", "intel")


# ---- a new probe is one folder --------------------------------------------

def test_every_probe_folder_is_built_and_known():
    """Every folder under guest-probes/probes/ is a probe (has main.c), the suite
    knows it (probes.load), and the build made build/guest-probes/<name>.elf."""
    root = probes.PROBES_DIR
    dirs = sorted(d for d in root.iterdir() if d.is_dir())
    assert dirs, root
    no_main = [d.name for d in dirs if not (d / "main.c").is_file()]
    assert no_main == [], f"folders under {root} without main.c: {no_main}"
    loaded = probes.load(root, everything=True)
    known = {p.name: p for p in loaded if not p.begin}
    assert sorted(known) == [d.name for d in dirs]
    for name in known:
        assert re.fullmatch(r"[a-z0-9_-]+", name), name
    for v in loaded:  # [[variant]]s: <probe>.<variant>, run after their probe
        if v.begin:
            assert v.begin in known and re.fullmatch(rf"{v.begin}\.[a-z0-9-]+", v.name), v.name
            known[v.name] = v
    built_dir = paths.build_dir() / "guest-probes"
    if not built_dir.is_dir():
        pytest.skip(f"{built_dir} not built")
    unbuilt = [n for n, p in known.items() if not p.elf.is_file()]
    assert unbuilt == [], f"probe folders CMake did not build: {unbuilt}"


def test_probe_toml_keys_and_needs_are_checked(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "main.c").write_text("")
    (tmp_path / "p" / "probe.toml").write_text('needs = ["mmio", "warp-drive"]\n')
    with pytest.raises(ValueError, match="warp-drive"):
        probes.load(tmp_path)
    (tmp_path / "p" / "probe.toml").write_text('backends = ["sim-*"]\n')
    with pytest.raises(ValueError, match="backends"):
        probes.load(tmp_path)
    (tmp_path / "p" / "probe.toml").write_text("")  # all defaults; no probe.toml alike
    (p,) = probes.load(tmp_path)
    assert p.name == "p" and p.timeout == 10 and p.needs == frozenset() and p.modules == ()
    assert p.elf == paths.build_dir() / "guest-probes" / "p.elf"



def test_platform_variant(tmp_path):
    """A [[variant]] with sim_args runs the probe's own ELF with those mvsim
    options (feature boot-info), its own cmdline, and a refused string is its
    exact expected line; a malformed one is refused."""
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "main.c").write_text("")
    toml = tmp_path / "p" / "probe.toml"
    toml.write_text('cmdline = "a"\n[[variant]]\nname = "edge"\nsim_args = ["--ram-ranges", "16"]\n'
                    'cmdline = "t1=15"\n[[variant]]\nname = "bad"\nsim_args = ["--boot-pps", "0"]\n'
                    'refused = "[hv] boot: 0 PPs (1..8 supported)"\n')
    p, edge, bad = probes.load(tmp_path)
    assert edge.elf == p.elf and edge.sim_args == ("--ram-ranges", "16") and edge.cmdline == "t1=15"
    assert edge.needs == {"boot-info"} and edge.expected_refusal() is None and p.expected_refusal() is None
    assert bad.expected_refusal() == "[hv] boot: 0 PPs (1..8 supported)" and bad.cmdline == "a"
    argv = SIM.command(edge)
    assert argv[-3:] == ["--ram-ranges", "16", str(p.elf)] and "t1=15" in argv
    toml.write_text('[[variant]]\nname = "smp"\ncpus = 8\n')
    _, smp = probes.load(tmp_path)
    assert smp.needs == {"cpus"} and smp.elf == p.elf and SIM.command(smp)[-3:-1] == ["--cpus", "8"]
    qemu = backends.QemuTcgAmdBackend().command(smp)
    assert qemu[qemu.index("-smp") + 1] == "8"
    for v in ('sim_args = "--cpus 8"', 'sim_args = [8]', 'refused = "boot: x"\nsim_args = ["--cpus", "8"]',
              'refused = "[hv] boot: x"', 'cmdline = 3\nsim_args = ["--cpus", "8"]', 'cpus = "8"',
              'cpus = true', 'cpus = 65'):
        toml.write_text(f'[[variant]]\nname = "v"\n{v}\n')
        with pytest.raises(ValueError, match="bad"):
            probes.load(tmp_path)

def test_variant_needs(tmp_path):
    """A [[variant]] with needs runs the probe's own ELF with its cmdline only on
    the backends that have those features too (crexit.refused: cr-write-checks);
    unknown features, a non-list and needs with refused are refused."""
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "main.c").write_text("")
    toml = tmp_path / "p" / "probe.toml"
    toml.write_text('needs = ["lapic"]\n[[variant]]\nname = "refused"\ncmdline = "refused"\n'
                    'needs = ["cr-write-checks"]\n')
    p, v = probes.load(tmp_path)
    assert v.elf == p.elf and v.cmdline == "refused" and v.begin == "p" and v.refused is None
    assert v.needs == {"lapic", "cr-write-checks"} and v.expected_refusal() is None
    assert v.missing(backends.BochsBackend("bochs-intel", "vmx").features) == []
    for b in (backends.BochsBackend("bochs-amd", "svm"), backends.QemuTcgAmdBackend(), SIM):
        assert v.missing(b.features) == ["cr-write-checks"]
    for bad in ('needs = ["nosuch"]', 'needs = "lapic"', 'needs = [1]', 'needs = ["lapic"]\nrefused = true'):
        toml.write_text(f'[[variant]]\nname = "v"\n{bad}\n')
        with pytest.raises(ValueError, match="bad"):
            probes.load(tmp_path)


def test_timeout_scale(tmp_path, monkeypatch):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "main.c").write_text("")
    (tmp_path / "p" / "probe.toml").write_text("timeout = 20\n")
    monkeypatch.setenv("MV_TIMEOUT_SCALE", "3")
    (p,) = probes.load(tmp_path)
    assert p.timeout == 60
    for bad in ("fast", "0", "-1"):
        monkeypatch.setenv("MV_TIMEOUT_SCALE", bad)
        with pytest.raises(ValueError, match="MV_TIMEOUT_SCALE"):
            probes.load(tmp_path)


def test_suite_false_is_built_not_run(tmp_path):
    for name, toml in (("a", ""), ("b", "suite = false\n")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "main.c").write_text("")
        (tmp_path / name / "probe.toml").write_text(toml)
    assert [p.name for p in probes.load(tmp_path)] == ["a"]
    assert [p.name for p in probes.load(tmp_path, everything=True)] == ["a", "b"]


# ---- needs and features: the same (probe, backend) runs as the name globs had

def runs(backend, probe_list):
    return {p.name for p in probe_list if not p.missing(backend.features)}


def test_features_name_known_ones():
    for b in backends.all_backends():
        assert b.features <= set(probes.FEATURES), b.name


def test_which_backend_runs_which_probe(monkeypatch):
    monkeypatch.delenv("MV_FAKE_BACKEND", raising=False)
    suite = probes.load()
    triple = {"triple", "msrguest"}  # need triple-fault-exit
    everywhere = {p.name for p in suite} - triple - {"devmem", "svmguest", "dma", "pciwin", "lapic", "rootnmi",
                                                       "smproot", "tlbshoot", "rootshoot", "rootstopall", "vpbusy",
                                                       "nmikick", "initguest"}
    platform = {p.name for p in suite if "boot-info" in p.needs}  # mvsim's platform options (bootplat)
    cpus = {p.name for p in suite if "cpus" in p.needs} - platform  # mvsim --cpus, QEMU -smp
    assert platform and cpus and all(n.startswith("bootplat.") or n in ("memedge.device-table-full", "memedge.stale-ranges")
                                     for n in platform | cpus)
    everywhere -= platform | cpus
    crchecks = {"crexit.refused"}  # cr-write-checks: bochs-intel's VMX makes the processor's CR checks (E-56)
    softint = {"reinject.softint"}  # soft-int-exitinfo: not bochs-amd (E-69)
    pageend = {"mmiostore.pageend"}  # page-end-fetch: not mvsim (Unicorn's #PF at the block's start)
    everywhere -= crchecks | softint
    by_name = {b.name: b for b in backends.all_backends()}
    apic = {"lapic", "rootnmi", "smproot", "tlbshoot", "rootshoot", "rootstopall", "vpbusy",
            "nmikick", "initguest"}  # mvsim's sim/lapic_dev.c, --cpus 2
    want = {
        "sim-intel": (everywhere - pageend) | triple | apic | platform | cpus | softint,
        "sim-amd": (everywhere - pageend) | triple | {"svmguest"} | apic | platform | cpus | softint,
        # q35 + amd-iommu + edu, -smp 2: the only machine with an IOMMU and a DMA engine
        "qemu-tcg-amd": everywhere | triple | cpus | softint | {"devmem", "svmguest", "dma", "pciwin", "lapic", "rootnmi",
                                                                "smproot", "tlbshoot", "rootshoot", "rootstopall",
                                                                "vpbusy", "nmikick", "initguest"},
        # Bochs runs one CPU here (no smproot, tlbshoot, rootshoot, vpbusy, nmikick).
        "bochs-intel": everywhere | triple | crchecks | softint | {"devmem", "lapic", "rootnmi"},
        # Bochs' SVM ends the emulator on a guest triple fault.
        "bochs-amd": everywhere | {"devmem", "lapic", "rootnmi"},
    }
    for name, expected in want.items():
        assert runs(by_name[name], suite) == expected, name
    kvm = by_name["qemu-kvm"]
    assert runs(kvm, suite) == everywhere | triple | cpus | softint | {"devmem", "dma", "pciwin", "lapic", "rootnmi",
                                                                "smproot", "tlbshoot", "rootshoot", "rootstopall",
                                                                "vpbusy", "nmikick", "initguest"} | (
        {"svmguest"} if kvm.kind == "svm" else set())


def test_missing_feature_is_the_skip_reason():
    devmem = Probe("devmem", elf=None, needs=frozenset({"mmio"}))
    out = runner.run_one(SIM, devmem, None, None)
    assert out.skipped == "devmem needs mmio, which sim-intel lacks"
    both = Probe("svmguest", elf=None, needs=frozenset({"svm", "triple-fault-exit", "mmio"}))
    assert runner.run_one(SIM, both, None, None).skipped == \
        "svmguest needs mmio, svm, which sim-intel lacks"


# ---- whether a run crashed: decided once, by Outcome.crash ---------------

def judged(text, exit_code=0, timed_out=False):
    run = RunResult(text, "", exit_code, timed_out, 0.1, ["mvsim"])
    return runner.judge(SIM, Probe("p", elf=None), run, None)


CHECK = ("c", "mv_debug_op_out", "0x0", "0x0", "pass")


def test_crash_is_decided_once():
    assert judged(mvp_log("p", [CHECK])).crash is None
    assert runner.Outcome("sim-intel", "p", skipped="why").crash is None
    assert runner.Outcome("sim-intel", "p", problems=["not built"]).crash is None
    died = judged(mvp_log("p", [CHECK], end=False), exit_code=125)
    assert died.crash == "printed no MVP END (exit status 125)"
    hung = judged(mvp_log("p", [CHECK], end=False), exit_code=None, timed_out=True)
    assert hung.crash == "printed no MVP END (timed out)"
    # Everyone else reads that one decision.
    for out in (died, hung):
        assert out.crashed and out.broken == "probe p crashed"
        assert f"sim-intel/p: CRASH: {out.crash}" in matrix.harness_errors({("sim-intel", "p"): out})
        verdict, message = test_conformance.run_verdict(out)
        assert verdict == "failed" and f"CRASH: p on sim-intel {out.crash}" in message
