"""make bench's figures (scripts/benchfig): the launch floor's QEMU command
line keeps every flag of the backend's, and the external figure hooks (a
missing program is "not built", a present one is run with the build
directory); nothing is timed."""
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
