"""Reads x86/unittests.cfg: one Test per [section] with its own file, arguments
(test_args, or extra_params' -append in older trees), QEMU options (qemu_params /
extra_params), smp, arch, groups, accel, check and timeout; decides which tests
can run here (x86_64 under TCG) and turns each into the QEMU machine both runs use."""
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

DEFAULT_CPU = "qemu64"      # QEMU's default model, kvm-unit-tests' default under TCG
DEFAULT_MEM = "256M"        # run-hv-qemu's default: room for the hypervisor and the root
DEFAULT_TIMEOUT = 90        # kvm-unit-tests' scripts/runtime.bash default


@dataclass
class Test:
    name: str
    file: str
    args: str = ""
    smp: int = 1
    arch: str = ""
    groups: List[str] = field(default_factory=list)
    accel: str = ""
    check: str = ""
    timeout: int = DEFAULT_TIMEOUT
    qemu_params: str = ""

    def machine(self):
        """(cpu model with SVM+NPT, memory, other QEMU options) shared by both runs."""
        words = shlex.split(self.qemu_params)
        cpu, mem, rest, i = DEFAULT_CPU, DEFAULT_MEM, [], 0
        while i < len(words):
            w = words[i]
            if w in ("-cpu", "-m", "-append") and i + 1 < len(words):
                if w == "-cpu":
                    cpu = words[i + 1]
                elif w == "-m":
                    mem = words[i + 1]
                i += 2
                continue
            rest.append(w)
            i += 1
        feats = cpu.split(",")
        for f in ("+svm", "+npt"):
            if f not in feats and f[1:] not in feats:
                feats.append(f)
        mem = mem if mem[-1:].isalpha() else mem + "M"
        return ",".join(feats), mem, " ".join(shlex.quote(w) for w in rest)

    def not_runnable(self) -> Optional[str]:
        """Why this test cannot run on x86_64 QEMU TCG, or None."""
        if self.arch and self.arch != "x86_64":
            return f"{self.arch} only"
        if self.accel and self.accel != "tcg":
            return f"accel={self.accel} only"
        if "nodefault" in self.groups:
            return "nodefault (manual run only)"
        if "-enable-kvm" in self.qemu_params.split():
            return "-enable-kvm needs KVM"
        if self.check:
            return f"needs host settings: {self.check}"
        feats = self.machine()[0].split(",")
        if feats[0] == "host":
            return "-cpu host needs KVM"
        if "-svm" in feats or "-npt" in feats:
            return "its CPU model has no SVM+NPT, which the hypervisor needs"
        return None


def _timeout(v: str) -> int:
    m = re.fullmatch(r"(\d+)([smh]?)", v.strip())
    if not m:
        return DEFAULT_TIMEOUT
    return int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]


def _unquote(v: str) -> str:
    v = v.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
        return v[1:-1]
    return v


def parse(path: Path) -> List[Test]:
    tests, cur = [], None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r"\[(.+)\]", line)
        if m:
            cur = Test(name=m.group(1), file="")
            tests.append(cur)
            continue
        if cur is None or "=" not in line:
            continue
        key, val = (s.strip() for s in line.split("=", 1))
        if key == "file":
            cur.file = val
        elif key == "test_args":
            cur.args = _unquote(val)
        elif key in ("qemu_params", "extra_params"):
            words = shlex.split(val)
            if "-append" in words:              # older trees: extra_params = -append '...'
                i = words.index("-append")
                cur.args = words[i + 1] if i + 1 < len(words) else ""
            cur.qemu_params = val
        elif key == "smp":
            cur.smp = int(val) if val.isdigit() else 1
        elif key == "arch":
            cur.arch = val
        elif key == "groups":
            cur.groups = val.split()
        elif key == "accel":
            cur.accel = val
        elif key == "check":
            cur.check = val
        elif key == "timeout":
            cur.timeout = _timeout(val)
    return [t for t in tests if t.file]


def with_dummy(tests: List[Test], flat_dir: Path) -> List[Test]:
    """dummy.flat (an empty test, not in the .cfg) first: the smallest boot there is."""
    if (flat_dir / "dummy.flat").is_file() and not any(t.name == "dummy" for t in tests):
        return [Test(name="dummy", file="dummy.flat")] + tests
    return tests
