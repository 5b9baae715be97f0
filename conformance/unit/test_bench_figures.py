"""make bench's figures (scripts/benchfig): the launch floor's QEMU command
line keeps every flag of the backend's, the launch line names the probe run
alone (QEMU only), and the external figure hooks (a missing program is "not
built", a present one is run with the build directory); nothing is timed."""
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
from benchfig import external, launch  # noqa: E402
from mvconf.backends import QemuTcgAmdBackend  # noqa: E402
from mvconf.probes import Probe  # noqa: E402


def test_the_floor_has_the_backends_flags_and_only_the_kernel_differs(tmp_path):
    probe = Probe(name="cpuid", elf=tmp_path / "cpuid.elf", cmdline="a=1",
                  modules=(tmp_path / "agent.elf",))
    argv = QemuTcgAmdBackend().command(probe)
    floor = launch.trivial_argv(argv, tmp_path / "selftest.elf")
    assert "-initrd" not in floor
    assert floor[floor.index("-kernel") + 1] == str(tmp_path / "selftest.elf")
    keep = [a for i, a in enumerate(argv)
            if a not in ("-kernel", "-initrd") and argv[i - 1] not in ("-kernel", "-initrd")]
    assert [a for a in floor if a not in ("-kernel", str(tmp_path / "selftest.elf"))] == keep
    assert "amd-iommu" in floor and "-smp" in floor   # the backend's machine, not a bare one


def test_external_hooks(tmp_path, monkeypatch):
    monkeypatch.setattr(external, "SCRIPTS", tmp_path)
    monkeypatch.setenv("MV_BUILD_DIR", str(tmp_path / "b"))
    assert external.run_hook("bench-insns", quick=True) is None          # not built
    prog = tmp_path / "bench-insns"
    prog.write_text('#!/bin/sh\necho "vmid 212 insns"; echo "build=$MV_BUILD_DIR quick=$BENCH_QUICK"\n')
    assert external.run_hook("bench-insns", quick=True) is None          # not executable
    prog.chmod(0o755)
    status, lines = external.run_hook("bench-insns", quick=True)
    assert status == 0 and lines == ["vmid 212 insns", f"build={tmp_path / 'b'} quick=1"]
    monkeypatch.delenv("BENCH_QUICK", raising=False)
    assert external.run_hook("bench-insns", quick=False)[1][1].endswith("quick=")
    assert [h[1] for h in external.HOOKS] == ["bench-insns"]


def test_the_launch_line_names_the_probe_alone_when_measured():
    fig = {"probe": "cpuid", "probe_wall_s": 0.30, "probe_cpu_s": 0.15,
           "floor_wall_s": 0.20, "floor_cpu_s": 0.10, "bare_wall_s": None, "bare_cpu_s": None}
    assert "alone" not in launch.describe(fig)
    fig.update(bare_wall_s=0.24, bare_cpu_s=0.11)
    text = launch.describe(fig)
    assert "= 1.50x its floor" in text and "CPU 1.50x" in text
    assert text.endswith("cpuid alone, no hypervisor: 1.20x (CPU 1.10x)")


def test_only_qemu_runs_the_probe_alone(tmp_path):
    from mvconf.backends import MvsimBackend
    probe = Probe(name="cpuid", elf=tmp_path / "cpuid.elf")
    assert launch.bare_run(QemuTcgAmdBackend(), probe) is not None
    assert launch.bare_run(MvsimBackend("sim-intel", "intel"), probe) is None
