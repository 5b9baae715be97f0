"""The probe list, read from the probes' own folders.

A probe is one folder, guest-probes/probes/<name>/: its main.c (CMake builds
every such folder into build/guest-probes/<name>.elf) and, optionally, its
probe.toml.  The keys the suite reads:
  timeout  seconds of wall time the run may take (the backend is told too); default 10;
           multiplied by $MV_TIMEOUT_SCALE when set (make coverage: the -O0 image)
  modules  further multiboot modules, after the probe (module 0); relative
           paths are relative to the build directory
  cmdline  the probe's multiboot command line
  needs    backend features the probe requires (FEATURES); on a backend that
           lacks one the run is skipped, naming the missing features
  suite    false: built, but not run by the conformance suite (make bench's probes)
  variant  [[variant]] tables: further runs of the probe, each its own pair,
           named <probe>.<name>.  Keys: name; refused (true: the root image
           <name>.elf that the probe's build writes, refused with the line in
           <name>.expect; a string: that exact "[hv] boot: ..." line);
           sim_args (mvsim's platform options, sim/README.md: the run boots
           the probe's own ELF on a crafted platform, needs "boot-info");
           cpus (the machine's CPU count: mvsim --cpus, QEMU -smp; needs
           "cpus"); cmdline (replaces the probe's; a variant with only a
           cmdline boots the probe's own ELF with it, mmiostore.lock); needs
           (further features: the probe's own ELF, run only where the backend
           has them too).
The keys only the build reads (guest-probes/CMakeLists.txt): uses, bare_qemu, mock.
"""
import os
import tomllib
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Collection, FrozenSet, List, Optional, Tuple

from . import paths

PROBES_DIR = paths.REPO / "guest-probes" / "probes"

# What a backend may offer and a probe may need (Backend.features).
FEATURES = {
    "mmio": "models MMIO devices beyond the local APIC (the I/O APIC)",
    "lapic": "a local APIC per PP that the root programs through its xAPIC page (IDs, TPR, EOI, timer, IPIs)",
    "triple-fault-exit": "a guest's triple fault is a VM exit, not the end of the emulator",
    "svm": "the hypervisor runs its AMD SVM backend (VMMCALL is the hypercall)",
    "iommu": "the machine has an IOMMU the hypervisor drives (DMA protection: QEMU amd-iommu, or intel-iommu on a VMX qemu-kvm)",
    "edu": "the machine has QEMU's edu PCI device (a DMA engine the root can program)",
    "boot-info": "the backend builds the hypervisor's boot information itself and crafts it as a variant's sim_args say (mvsim's platform options)",
    "cpus": "the machine's CPU count is a run's choice (a variant's cpus: mvsim --cpus, QEMU -smp)",
    "smp": "more than one PP whose root VP the root OS can start (INIT-SIPI-SIPI through the local APIC)",
    "soft-int-exitinfo": "an exit during an INT n's delivery reports a software interrupt (SVM EXITINTINFO type 4, VMX IDT-vectoring type 4), so the VMM lets the INT run again (E-69: not bochs-amd, whose SVM reports a hardware exception)",
    "page-end-fetch": "a fetch that faults in the page after an instruction raises #PF there, once the instructions before the page's end have run (not mvsim: Unicorn 2.0.1 translates across the page's end and raises the #PF at the block's first instruction, before it runs)",
    "cr-write-checks": "a guest's MOV to CR0/CR4 of a value the processor refuses raises #GP(0) (E-56: bochs-intel; QEMU TCG and Unicorn complete some, Bochs' SVM ends the emulator)",
}

_SUITE_KEYS = {"timeout", "modules", "cmdline", "needs", "suite", "variant"}
_BUILD_KEYS = {"uses", "bare_qemu", "mock"}
_VARIANT = re.compile(r"[a-z0-9-]+\Z")


@dataclass(frozen=True)
class Probe:
    name: str
    elf: Path
    timeout: float = 10.0
    modules: Tuple[Path, ...] = ()
    cmdline: str = ""
    needs: FrozenSet[str] = frozenset()
    begin: str = ""                  # the name its BEGIN carries, when not `name` (a variant)
    refused: Optional[Path] = None   # a refused image variant: the file with its expected line
    refused_line: str = ""           # a refused platform variant: its expected line
    sim_args: Tuple[str, ...] = ()   # mvsim's platform options (a platform variant)
    cpus: int = 0                    # the machine's CPU count (a platform variant); 0: the backend's

    def expected_refusal(self) -> Optional[str]:
        """The exact "[hv] boot: ..." line a refused variant must print, or None."""
        if self.refused_line:
            return self.refused_line
        return self.refused.read_text().strip() if self.refused is not None else None

    @property
    def begin_name(self) -> str:
        return self.begin or self.name

    def missing(self, features: Collection[str]) -> List[str]:
        """The features this probe needs that `features` lacks, sorted (empty: it runs)."""
        return sorted(self.needs - set(features))


def _timeout_scale() -> float:
    """$MV_TIMEOUT_SCALE (default 1): make coverage runs a slower, instrumented image."""
    raw = os.environ.get("MV_TIMEOUT_SCALE", "1")
    try:
        scale = float(raw)
    except ValueError:
        raise ValueError(f"MV_TIMEOUT_SCALE={raw!r} is not a number") from None
    if scale <= 0:
        raise ValueError(f"MV_TIMEOUT_SCALE={raw!r} must be positive")
    return scale


def _path(value: str) -> Path:
    p = Path(value)
    return p if p.is_absolute() else paths.build_dir() / p


def probes_dir() -> Path:
    """guest-probes/probes/ ($MV_PROBES_DIR replaces it, for harness self-tests)."""
    return Path(os.environ.get("MV_PROBES_DIR", PROBES_DIR))


def folders(root: Optional[Path] = None) -> List[Path]:
    """Every probe folder: a directory under root with a main.c (what CMake builds)."""
    root = root or probes_dir()
    return sorted(d for d in root.iterdir() if (d / "main.c").is_file())


def read(folder: Path) -> Tuple[Probe, bool]:
    """The probe of one folder and whether the suite runs it (suite = true)."""
    name = folder.name
    toml_path = folder / "probe.toml"
    t = {}
    if toml_path.is_file():
        with open(toml_path, "rb") as f:
            t = tomllib.load(f)
    unknown = set(t) - _SUITE_KEYS - _BUILD_KEYS
    if unknown:
        raise ValueError(f"{toml_path}: unknown keys {sorted(unknown)}")
    needs = frozenset(t.get("needs", []))
    if needs - set(FEATURES):
        raise ValueError(f"{toml_path}: needs unknown features {sorted(needs - set(FEATURES))}; "
                         f"known: {sorted(FEATURES)}")
    probe = Probe(
        name=name,
        elf=paths.build_dir() / "guest-probes" / f"{name}.elf",
        timeout=float(t.get("timeout", 10)) * _timeout_scale(),
        modules=tuple(_path(m) for m in t.get("modules", [])),
        cmdline=t.get("cmdline", ""),
        needs=needs,
    )
    return probe, bool(t.get("suite", True))


def variants(probe: Probe, folder: Path) -> List[Probe]:
    """The probe's [[variant]] runs (see the module's doc), in probe.toml's order."""
    t = {}
    if (folder / "probe.toml").is_file():
        with open(folder / "probe.toml", "rb") as f:
            t = tomllib.load(f)
    out = []
    for v in t.get("variant", []):
        refused, args, cpus = v.get("refused", False), v.get("sim_args", []), v.get("cpus", 0)
        vneeds = v.get("needs", [])
        if (set(v) - {"name", "refused", "sim_args", "cmdline", "cpus", "needs"}
                or not isinstance(vneeds, list) or not all(n in FEATURES for n in vneeds if isinstance(n, str))
                or not all(isinstance(n, str) for n in vneeds)
                or (vneeds and refused is not False)
                or not isinstance(cpus, int) or isinstance(cpus, bool) or not 0 <= cpus <= 64
                or not _VARIANT.match(str(v.get("name", "")))
                or not isinstance(refused, (bool, str)) or not isinstance(v.get("cmdline", ""), str)
                or not isinstance(args, list) or not all(isinstance(a, str) for a in args)
                or (isinstance(refused, str) and not ((args or cpus) and refused.startswith("[hv] boot: ")))):
            raise ValueError(f"{folder / 'probe.toml'}: bad [[variant]] {v}")
        d = probe.elf.parent / probe.name
        name, cmdline = f"{probe.name}.{v['name']}", v.get("cmdline", probe.cmdline)
        # The probe's own ELF: on a crafted machine (sim_args, cpus), where
        # `needs` are, or with its own command line (on every backend).
        if args or cpus or vneeds or ("cmdline" in v and refused is False):
            need = ({"boot-info"} if args else set()) | ({"cpus"} if cpus else set()) | set(vneeds)
            out.append(replace(probe, name=name, begin=probe.name, cmdline=cmdline, cpus=cpus,
                               needs=probe.needs | need, sim_args=tuple(args),
                               refused_line=refused if isinstance(refused, str) else ""))
            continue
        out.append(replace(probe, name=name, elf=d / f"{v['name']}.elf", begin=probe.name,
                           cmdline=cmdline,
                           refused=d / f"{v['name']}.expect" if refused is True else None))
    return out


def load(root: Optional[Path] = None, everything: bool = False) -> List[Probe]:
    """The probes the suite runs (everything: also those with suite = false),
    each followed by its variants."""
    out = []
    for folder in folders(root):
        probe, in_suite = read(folder)
        if in_suite or everything:
            out += [probe, *variants(probe, folder)]
    return out
