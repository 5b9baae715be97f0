"""The bochs-intel column of make kvm-unit-tests (scripts/kvm-unit-tests --bochs):
one kvm-unit-test under Bochs (the VMX backend's CPU model, one CPU), bare (the
test as GRUB's multiboot kernel, its arguments on that line) or as the root OS
under the hypervisor (module 0, through the same GRUB ISO path as the
bochs-intel conformance backend, conformance/mvconf/bochs.py).

Bochs has no QEMU fw_cfg either: kvm-unit-tests then reads its CPU count and
memory size from its environment, the file it takes as its one multiboot
module (lib/x86/setup.c, fwcfg.c): NR_CPUS=1, MEMSIZE, TEST_DEVICE=0 (no QEMU
test device).  Both runs get that module (under the hypervisor it is module 1,
which the root sees as its only module).

Bochs has no isa-debug-exit: the verdict is read from the test's own last
words, the same way for both runs: its `SUMMARY:` line (PASS, or FAIL with
unexpected failures, SKIP when every report skipped), an `Unhandled
exception` (FAIL), or the `--- DONE: <status> ---` line exit() prints when
Bochs' shutdown port did not end the run (realmode); the hypervisor stopping the root is ROOT-STOPPED, a
hypervisor failure HV-BOOT-FAIL, no last words within the time TIMEOUT."""
import re
from pathlib import Path
from typing import Optional

from mvconf import bochs

from .cfg import Test
from .runner import CLOSING, Run

LIST_FILE = Path(__file__).resolve().parent / "bochs-list.txt"
END_RE = re.compile(r"^(SUMMARY: .*|.*Unhandled exception.*|--- DONE: -?\d+ ---)\n", re.M)
SUMMARY_RE = re.compile(r"^SUMMARY: (\d+) tests(.*)$", re.M)
DONE_RE = re.compile(r"^--- DONE: (-?\d+) ---$", re.M)
STATUS = {bochs.EXIT_ROOT_STOPPED: "ROOT-STOPPED", bochs.EXIT_HV_FAILED: "HV-BOOT-FAIL"}
MEGS_DEFAULT = 256


def load_list(path: Path = LIST_FILE):
    """The tests the Bochs column runs: one name a line, '#' comments."""
    names = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(line)
    return names


def _verdict(out: str) -> str:
    if "Unhandled exception" in out:
        return "FAIL"
    m = SUMMARY_RE.search(out)
    if not m:
        done = DONE_RE.search(out)  # exit() when the shutdown port did not end Bochs
        if done:
            return "PASS" if done.group(1) == "0" else "FAIL"
        return "NO-SUMMARY"
    tests, rest = int(m.group(1)), m.group(2)
    if re.search(r"\d+ unexpected failures", rest):
        return "FAIL"
    skipped = re.search(r"(\d+) skipped", rest)
    return "SKIP" if skipped and int(skipped.group(1)) == tests else "PASS"


def _megs(mem: str) -> int:
    m = re.fullmatch(r"(\d+)([MG]?)", mem.strip().upper())
    if not m:
        return MEGS_DEFAULT
    return int(m.group(1)) * (1024 if m.group(2) == "G" else 1)


def not_runnable(test: Test) -> Optional[str]:
    """Why Bochs does not run the test (beyond Test.not_runnable)."""
    if test.smp > 1:
        return "SMP: the hypervisor's APs do not start under Bochs (one CPU only)"
    return None


def run(test: Test, flat_dir: Path, hv_elf: Optional[Path], timeout: int, log: Path) -> Run:
    """One Bochs run: hv_elf None is bare, else the test as module 0 under it."""
    _, mem, _ = test.machine()
    flat = flat_dir / test.file
    log.parent.mkdir(parents=True, exist_ok=True)
    env = log.with_suffix(".env")
    env.write_text(f"NR_CPUS=1\nMEMSIZE={_megs(mem)}\nTEST_DEVICE=0\n")
    r = bochs.run("vmx", hv_elf, flat, flat.stem, test.args, [env], float(timeout),
                  megs=_megs(mem), end_re=END_RE)
    out = r.output
    log.write_text(" ".join(r.command) + f"\n# {flat} {test.args}\n" + out + r.stderr)
    if r.exit_code in STATUS:
        verdict = STATUS[r.exit_code]
    elif r.timed_out and not END_RE.search(out):
        verdict = "TIMEOUT"
    else:
        verdict = _verdict(out)
    summary = SUMMARY_RE.findall(out)
    hv_lines = [ln.strip() for ln in out.splitlines() if "[hv]" in ln and not CLOSING.search(ln)]
    return Run(verdict=verdict, secs=r.wall_s,
               summary=f"SUMMARY: {summary[-1][0]} tests{summary[-1][1]}" if summary else "",
               last_hv=" | ".join(hv_lines[-2:]), log=str(log))
