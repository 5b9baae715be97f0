"""Backends: the ways a probe can be run (simulator, QEMU, Bochs, ...).

A backend has a name, says whether it is available (and why not), declares
the features it offers (probes.FEATURES; a probe runs on it only if it has
all the probe's `needs`), and runs a probe: run(probe) -> RunResult(output, exit_code, timed_out, wall_s).
`guest_code(exit_code)` maps the process exit status back to the value the
probe wrote to port 0xF4 (None when it wrote none: crash, timeout, usage).
"""
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from functools import lru_cache
from typing import FrozenSet, List, Optional, Tuple

from . import bochs, coverage, paths, procs
from .probes import Probe

GRACE_S = 5.0  # beyond the probe's timeout, before the harness kills the run


@dataclass
class RunResult:
    output: str            # stdout: COM1 and the hypervisor console
    stderr: str            # diagnostics of the backend itself
    exit_code: Optional[int]
    timed_out: bool
    wall_s: float
    command: List[str]


def run_command(argv: List[str], timeout_s: float) -> RunResult:
    """Runs argv in its own process group (procs.spawn); kills the group on
    timeout.  Raises procs.Interrupted when the session stopped meanwhile."""
    start = time.monotonic()
    proc = procs.spawn(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       stdin=subprocess.DEVNULL)
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        timed_out = True
        procs.kill(proc)
        out, err = proc.communicate()
    finally:
        procs.reap(proc)
    if procs.stopping():
        raise procs.Interrupted(f"{argv[0]} killed: the session is stopping")
    return RunResult(out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
                     None if timed_out else proc.returncode, timed_out,
                     time.monotonic() - start, [str(a) for a in argv])


class Backend:
    name = "?"
    features: FrozenSet[str] = frozenset()   # from probes.FEATURES

    def unavailable(self) -> Optional[str]:
        """None when the backend can run probes, else why not (the skip reason)."""
        raise NotImplementedError

    def command(self, probe: Probe) -> List[str]:
        raise NotImplementedError

    def guest_code(self, exit_code: Optional[int]) -> Optional[int]:
        return exit_code

    def inputs(self) -> Tuple[List[Path], List[str]]:
        """What a run depends on besides the probe (the result cache's key,
        mvconf/cache.py): files whose content counts, and facts such as the
        emulator's version and options."""
        raise NotImplementedError

    def run(self, probe: Probe) -> RunResult:
        res = run_command(self.command(probe), probe.timeout + GRACE_S)
        res.timed_out = res.timed_out or self.is_timeout(res.exit_code)
        return res

    def is_timeout(self, exit_code: Optional[int]) -> bool:
        return False


class MvsimBackend(Backend):
    """build/sim/mvsim: exit status = the guest's port 0xF4 value; 124 timeout,
    125 the hypervisor stopped the root VM, 126 hypervisor failure (panic, or
    the root could not boot), 2 bad usage."""

    def __init__(self, name: str, vendor: str, exe: Optional[Path] = None):
        self.name = name
        self.vendor = vendor
        self.exe = exe
        # mvsim models a local APIC per PP (sim/lapic_dev.c) and no other
        # MMIO device; a guest's triple fault is an exit.  Two PPs for the
        # probes that need `smp` (command()).
        self.features = frozenset({"boot-info", "cpus", "lapic", "smp", "triple-fault-exit",
                                   "soft-int-exitinfo"} | ({"svm"} if vendor == "amd" else set()))

    def executable(self) -> Path:
        # $MV_MVSIM: another build of mvsim (build/sim/mvsim-asan: CTest
        # asan.sim.probes, the mutation harness's conformance layer).
        return self.exe or Path(os.environ.get("MV_MVSIM") or paths.build_dir() / "sim" / "mvsim")

    def unavailable(self) -> Optional[str]:
        exe = self.executable()
        if not os.access(exe, os.X_OK):
            return f"{exe} not built"
        return None

    def command(self, probe: Probe) -> List[str]:
        argv = coverage.sim_prefix(self.name, probe.name) + [
                str(self.executable()), "--vendor", self.vendor,
                "--timeout-ms", str(int(probe.timeout * 1000))]
        if probe.cpus or "smp" in probe.needs:
            argv += ["--cpus", str(probe.cpus or 2)]  # as QEMU's -smp
        if probe.cmdline:
            argv += ["--cmdline", probe.cmdline]
        argv += probe.sim_args  # a platform variant's (mvconf/probes.py)
        return argv + [str(probe.elf)] + [str(m) for m in probe.modules]

    def guest_code(self, exit_code: Optional[int]) -> Optional[int]:
        return None if exit_code in (None, 2, 124, 125, 126) else exit_code

    def inputs(self) -> Tuple[List[Path], List[str]]:
        exe = self.executable()
        return [exe, *shared_libraries(exe, "libunicorn")], [f"vendor={self.vendor}"]

    def is_timeout(self, exit_code: Optional[int]) -> bool:
        return exit_code == 124


@lru_cache(maxsize=None)
def tool_version(*argv: str) -> str:
    """The first line argv prints (an emulator's --version), or 'unknown'."""
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=10,
                           stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    lines = (r.stdout or r.stderr).strip().splitlines()
    return lines[0] if lines else "unknown"


@lru_cache(maxsize=None)
def _ldd(exe: Path) -> Tuple[Path, ...]:
    try:
        out = subprocess.run(["ldd", str(exe)], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return tuple(Path(os.path.realpath(f[2])) for f in (ln.split() for ln in out.splitlines())
                 if len(f) >= 3 and f[1] == "=>" and f[2].startswith("/"))


def shared_libraries(exe: Path, prefix: str) -> List[Path]:
    """The resolved files of exe's shared libraries whose name starts with prefix."""
    return [p for p in _ldd(exe) if p.name.startswith(prefix)]


def hv_image(kind: str) -> Path:
    """The bare-metal hypervisor image: $MV_HV_IMAGE_SVM / _VMX, else
    build/hv/microv-hv.elf (one image; it picks SVM or VMX at boot)."""
    env = os.environ.get(f"MV_HV_IMAGE_{kind.upper()}")
    return Path(env) if env else paths.build_dir() / "hv" / "microv-hv.elf"


class QemuBackend(Backend):
    """QEMU with the bare-metal hypervisor as the multiboot kernel and the
    probe as module 0 (-initrd "probe cmdline,module,...").  isa-debug-exit
    makes QEMU exit with (value << 1) | 1."""

    accel = "tcg"
    cpu = "EPYC"
    machine: List[str] = []

    def __init__(self, name: str, kind: str):
        self.name = name
        self.kind = kind  # svm | vmx

    @property
    def features(self) -> FrozenSet[str]:
        return frozenset({"cpus", "mmio", "lapic", "triple-fault-exit", "smp", "soft-int-exitinfo",
                          "page-end-fetch"} |
                         ({"svm"} if self.kind == "svm" else set()))

    def image(self) -> Path:
        return hv_image(self.kind)

    def inputs(self) -> Tuple[List[Path], List[str]]:
        return [self.image()], [tool_version("qemu-system-x86_64", "--version"),
                                f"accel={self.accel}", f"cpu={self.cpu}"]

    def unavailable(self) -> Optional[str]:
        if not shutil.which("qemu-system-x86_64"):
            return "qemu-system-x86_64 not installed"
        if not self.image().is_file():
            return f"hypervisor image not built ({self.image()})"
        return None

    def command(self, probe: Probe) -> List[str]:
        mod0 = f"{probe.elf} {probe.cmdline}".strip()
        initrd = ",".join([mod0.replace(",", ",,")] + [str(m) for m in probe.modules])
        return ["qemu-system-x86_64", "-accel", self.accel, "-cpu", self.cpu, "-m", "512", "-smp", str(probe.cpus or 2),
                "-nodefaults", "-nic", "none", "-display", "none", "-serial", "stdio",
                "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", *self.machine,
                "-kernel", str(self.image()), "-initrd", initrd] + \
            coverage.qemu_args(self.name, probe.name)

    def guest_code(self, exit_code: Optional[int]) -> Optional[int]:
        if exit_code is None or exit_code & 1 == 0:
            return None  # QEMU ended without the guest using isa-debug-exit
        return exit_code >> 1


class QemuTcgAmdBackend(QemuBackend):
    accel, cpu = "tcg", "qemu64,+svm,+npt"

    # q35 with an AMD IOMMU (ACPI IVRS) and the edu DMA engine: the DMA probe's machine
    # (a 32-bit DMA mask: the hypervisor sits at the top of RAM, above edu's default 256 MiB).
    machine = ["-machine", "q35", "-device", "amd-iommu", "-device", "edu,dma_mask=0xffffffff"]

    def __init__(self):
        super().__init__("qemu-tcg-amd", "svm")

    @property
    def features(self) -> FrozenSet[str]:
        return super().features | {"iommu", "edu"}


def nested_virt_kind() -> Optional[str]:
    """'vmx' or 'svm' when /dev/kvm can run a hypervisor (host flag + KVM's
    nested=Y), else None.  See docs/emulators.md: kvm_pvm cannot."""
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return None
    for kind, module in (("vmx", "kvm_intel"), ("svm", "kvm_amd")):
        nested = Path(f"/sys/module/{module}/parameters/nested")
        if kind in flags and nested.is_file() and nested.read_text().strip() in ("Y", "1"):
            return kind
    return None


class QemuKvmBackend(QemuBackend):
    """QEMU on KVM with nested virtualization: `-accel kvm -cpu host,+vmx` on
    an Intel host whose kvm_intel has nested=Y (the VMX backend runs), or
    `-cpu host,+svm` on AMD with kvm_amd nested=1 (the SVM backend).  Only
    chosen when /proc/cpuinfo has the flag and the module parameter says so."""
    accel = "kvm"

    def __init__(self):
        super().__init__("qemu-kvm", nested_virt_kind() or "vmx")

    @property
    def machine(self) -> List[str]:
        """q35 with the host vendor's IOMMU (ACPI DMAR or IVRS) and the edu DMA
        engine, as qemu-tcg-amd: VT-d for a VMX host (no interrupt remapping,
        which would need kernel-irqchip=split), the AMD IOMMU for an SVM one."""
        iommu = "intel-iommu,intremap=off" if self.kind == "vmx" else "amd-iommu"
        return ["-machine", "q35", "-device", iommu, "-device", "edu,dma_mask=0xffffffff"]

    @property
    def features(self) -> FrozenSet[str]:
        return super().features | {"iommu", "edu"}

    @property
    def cpu(self) -> str:
        return f"host,+{nested_virt_kind() or self.kind}"

    def unavailable(self) -> Optional[str]:
        if not os.access("/dev/kvm", os.R_OK | os.W_OK):
            return "/dev/kvm not usable"
        if nested_virt_kind() is None:
            return ("KVM offers no nested VMX/SVM (no vmx/svm CPU flag with "
                    "kvm_intel/kvm_amd nested=Y)")
        return super().unavailable()


class BochsBackend(Backend):
    """Bochs 2.7 (VMX or SVM emulation) booting the hypervisor from a GRUB ISO;
    see mvconf/bochs.py and docs/emulators.md.  Bochs has no
    isa-debug-exit: the exit status is synthesized from the serial log (the
    END result's port 0xF4 value, 125 when the hypervisor stopped the root VM,
    126 on a hypervisor failure)."""

    def __init__(self, name: str, kind: str):
        self.name = name
        self.kind = kind  # vmx (corei7_skylake_x) | svm (ryzen)
        # Bochs' SVM ends the whole emulator when a guest triple-faults, where
        # hardware takes a SHUTDOWN exit (hv/arch/x86/README.md).
        # cr-write-checks: Bochs' VMX refuses what the processor refuses (E-56); its SVM does not.
        # soft-int-exitinfo: its SVM types an interrupted INT n as an exception (E-69).
        self.features = frozenset({"mmio", "lapic", "page-end-fetch"} |
                                  ({"svm"} if kind == "svm" else
                                   {"triple-fault-exit", "cr-write-checks", "soft-int-exitinfo"}))

    def unavailable(self) -> Optional[str]:
        if not hv_image(self.kind).is_file():
            return f"hypervisor image not built ({hv_image(self.kind)})"
        return bochs.unavailable()

    def inputs(self) -> Tuple[List[Path], List[str]]:
        # The boot loader is part of the run: mbload's binary, or GRUB's version.
        loader = [bochs.mbdisk.loader_path()] if bochs.LOADER == "mbload" else []
        return [hv_image(self.kind)] + loader, [
            f"kind={self.kind}", f"ips={bochs.IPS}", f"megs={bochs.MEGS}", f"loader={bochs.LOADER}",
            tool_version("dpkg-query", "-W", "bochs", "grub-pc-bin")]

    def command(self, probe: Probe) -> List[str]:
        return ["bochs", "-q", "-f", "<generated bochsrc>", "-rc", "<c>",
                f"# {self.kind}: {probe.elf} {probe.cmdline}".rstrip()]

    def guest_code(self, exit_code: Optional[int]) -> Optional[int]:
        return None if exit_code in (None, bochs.EXIT_ROOT_STOPPED, bochs.EXIT_HV_FAILED) \
            else exit_code

    def run(self, probe: Probe) -> RunResult:
        r = bochs.run(self.kind, hv_image(self.kind), probe.elf, probe.name, probe.cmdline,
                      probe.modules, bochs.bochs_timeout(probe.timeout),
                      cov_out=coverage.raw_path(self.name, probe.name))
        return RunResult(r.output, r.stderr, r.exit_code, r.timed_out, r.wall_s, r.command)


def all_backends() -> List[Backend]:
    backends: List[Backend] = [
        MvsimBackend("sim-intel", "intel"),
        MvsimBackend("sim-amd", "amd"),
        QemuTcgAmdBackend(),
        QemuKvmBackend(),
        BochsBackend("bochs-intel", "vmx"),
        BochsBackend("bochs-amd", "svm"),
    ]
    fake = os.environ.get("MV_FAKE_BACKEND")
    if fake:  # harness self-tests: a script with mvsim's CLI and exit codes
        backends.append(MvsimBackend("fake", "intel", Path(fake)))
    return backends


def selected_backends() -> List[Backend]:
    """all_backends(), restricted by $MV_BACKENDS (comma list) when set."""
    backends = all_backends()
    wanted = [n.strip() for n in os.environ.get("MV_BACKENDS", "").split(",") if n.strip()]
    if not wanted:
        return backends
    by_name = {b.name: b for b in backends}
    unknown = [n for n in wanted if n not in by_name]
    if unknown:
        raise ValueError(f"MV_BACKENDS names unknown backends {unknown}; known: {sorted(by_name)}")
    return [by_name[n] for n in wanted]
