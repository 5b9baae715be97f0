"""Runs one kvm-unit-test twice on the same QEMU TCG machine (scripts/run-hv-qemu):
bare (-kernel x86/<test>.flat -append ARGS) and as the root OS under the
hypervisor (module 0, ARGS as its multiboot command line); returns the verdict,
the wall time, the SUMMARY line and the hypervisor's last [hv] lines of each
(the last two that say why, e.g. the faulting access and "root VM stopped": its
closing "exiting through isa-debug-exit" and "boot failed: ...; halted" lines
are skipped)."""
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .cfg import Test

REPO = Path(__file__).resolve().parents[2]
RUN_HV_QEMU = REPO / "scripts" / "run-hv-qemu"
# The hypervisor's closing lines; the line before them says why it stopped.
CLOSING = re.compile(r"exiting through isa-debug-exit|\[hv\] boot failed: \w+; halted")
SIPI_HEAD = re.compile(r"\[hv\] pp (\d+): ")
SIPI_TEXT = "root VP started by SIPI vector 0x"


def aps_started_by_sipi(out: str) -> int:
    """The APs whose console line says the hypervisor started their root VP.
    The root OS writes the same UART from its own CPUs, so its bytes can land
    inside the hypervisor's line ("[hv] pp 2: ro" "enabling apic\n" "ot VP
    started ..."): the line's text is matched in order with the root's bytes
    skipped (at most 400 of them, never across another "[hv]")."""
    started = set()
    for m in SIPI_HEAD.finditer(out):
        i, skipped = m.end(), 0
        for ch in SIPI_TEXT:
            while i < len(out) and out[i] != ch and skipped <= 400 and not out.startswith("[hv]", i):
                i, skipped = i + 1, skipped + 1
            if i >= len(out) or out[i] != ch:
                break
            i += 1
        else:
            started.add(m.group(1))
    return len(started)

# run-hv-qemu's exit status V (what the guest wrote to isa-debug-exit) -> verdict.
# kvm-unit-tests exits 0 when every report passed, 1 on a failure, 77 >> 1 = 38 when all
# were skipped (QEMU then exits (38 << 1) | 1 = 77, what its run_tests.sh reads as SKIP).
VERDICTS = {0: "PASS", 1: "FAIL", 38: "SKIP", 124: "TIMEOUT",
            125: "ROOT-STOPPED", 126: "HV-BOOT-FAIL"}


@dataclass
class Run:
    verdict: str
    secs: float
    summary: str = ""
    last_hv: str = ""
    aps_started: int = 0
    log: str = ""


# QEMU's own error (bad option or CPU property): exit 1, which run-hv-qemu reads as V=0.
QEMU_ERROR = re.compile(r"^qemu-system-\S+: (?!warning)", re.M)


def _verdict(rc: int, out: str) -> str:
    if rc == 0 and QEMU_ERROR.search(out):
        return "QEMU-ERROR"
    if "without isa-debug-exit" in out:
        return "NO-EXIT"        # QEMU ended without isa-debug-exit (reset, triple fault)
    return VERDICTS.get(rc, f"FAIL(rc={rc})")


def run(test: Test, flat_dir: Path, hv_elf: Optional[Path], timeout: int, log: Path) -> Run:
    """One run: hv_elf None is bare QEMU, else the test as module 0 under it."""
    cpu, mem, extra = test.machine()
    kernel = str(flat_dir / test.file) + (f" {test.args}" if test.args else "")
    cmd = [str(RUN_HV_QEMU), "--smp", str(test.smp), "--mem", mem, "--cpu", cpu,
           "--timeout", str(timeout)]
    if extra:
        cmd += ["--qemu-args", extra]
    cmd += ["--bare"] if hv_elf is None else ["--hv", str(hv_elf)]
    cmd.append(kernel)
    t0 = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       stdin=subprocess.DEVNULL, text=True, errors="replace")
    secs = time.monotonic() - t0
    out = p.stdout
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(" ".join(cmd) + "\n" + out)
    summary = re.findall(r"^SUMMARY:.*$", out, re.M)
    hv_lines = [ln.strip() for ln in out.splitlines()
                if "[hv]" in ln and not CLOSING.search(ln)]
    return Run(verdict=_verdict(p.returncode, out), secs=secs,
               summary=summary[-1] if summary else "",
               last_hv=" | ".join(hv_lines[-2:]),
               aps_started=aps_started_by_sipi(out), log=str(log))


def hv_verdict(test: Test, r: Run) -> str:
    """The hypervisor run's verdict; an SMP pass also needs every AP started through
    the hypervisor (its console line), else the APs ran outside it."""
    if r.verdict == "PASS" and test.smp > 1 and r.aps_started < test.smp - 1:
        return f"PASS-BUT-{r.aps_started}/{test.smp - 1}-APS-BY-SIPI"
    return r.verdict
