"""Runs the bare-metal hypervisor under Bochs (Debian's bochs 2.7).

Bochs emulates Intel VMX with EPT and unrestricted guest (cpu model
corei7_skylake_x) and AMD SVM with nested paging and nRIP save (ryzen);
QEMU TCG emulates neither VMX nor nRIP save, so this is how the VMX backend
and the SVM backend's nRIP path are exercised here.  See
docs/emulators.md.

Per image set (the hypervisor, the probe and its modules, the command line),
a boot medium: microv-hv.elf as the multiboot kernel (command line
"/boot/microv-hv.elf", as GRUB gives it), the probe as module 0 with the
string "<probe> <cmdline>" (the first word stands for the file name, as
QEMU's -initrd passes it), the further modules after it.  LOADER
($MV_BOCHS_LOADER) picks the loader:
  - mbload (default): a disk image with the project's own BIOS boot loader
    (hv/arch/x86/mbload/, mvconf/mbdisk.py): the same Multiboot boot path
    without GRUB's start-up (docs/performance.md "Suite and Bochs");
  - grub: a GRUB rescue ISO (grub-mkrescue, timeout=0).
Either is built once and kept in the cache (<out>/iso-cache/<sha256>.iso or
.img, the key: the images' content, the loader's configuration and its
version; the newest ISO_CACHE_KEEP of each kind are kept), so a rerun or
the other Bochs backend boots the same medium without building it again.

Per run, in a fresh temporary directory:
  - a bochsrc: the CPU model, MEGS (128) MiB, IPS (12500000) with clock sync=none
    (emulated time follows the instruction count), COM1 to a file, display
    rfb with timeout=0 (Debian builds no nogui or term display), the dummy
    sound drivers (the ALSA mixer thread aborts Bochs on a machine without a
    sound card), reset_on_triple_fault=0;
  - `bochs -q -f bochsrc -rc dbgrc` (dbgrc holds "c": Debian's bochs has the
    debugger compiled in) with no stdin.

Bochs has no isa-debug-exit device, so the run ends when the serial file
shows the probe's `MVP END` line, or the hypervisor's own last words
(`[hv] pp 0 stopped`, `boot failed`, a core panic or hypervisor exception):
Bochs is then killed.  The exit status is synthesized: the END line's result
as the probe writes it to port 0xF4 (SUCCESS 0, SKIP 3, ERROR 4, FAILURE 5),
125 when the hypervisor stopped the root VM, 126 on a hypervisor failure,
None on a timeout.
"""
import functools
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from . import coverage, mbdisk, paths, procs
from .hashes import file_hash

# Emulated instructions per emulated second.  With clock sync=none the
# emulated clock follows the instruction count, so a lower ips makes every
# wait on emulated time (the UART's 87 µs per character at 115200 baud, the
# fastest a 16550 goes; PIT/TSC calibration; SMP and BIOS delays) cost fewer
# host cycles.  Measured on the whole probe set (docs/emulators.md): 12.5M
# took 0.71x the CPU of 50M on both backends, 6.25M only 0.93x of 12.5M.
# $MV_BOCHS_IPS overrides it.
IPS = int(os.environ.get("MV_BOCHS_IPS", "12500000"))
# The boot loader: "mbload" (the project's, a disk image) or "grub" (an ISO).
LOADER = os.environ.get("MV_BOCHS_LOADER", "mbload")
LOADERS = ("mbload", "grub")
# Emulated RAM in MiB: the hypervisor maps all of the root's RAM at boot, so
# 128 took 0.9x the CPU of 256 on the probe set.  $MV_BOCHS_MEGS overrides it.
MEGS = int(os.environ.get("MV_BOCHS_MEGS", "128"))
CPU_MODELS = {"vmx": "corei7_skylake_x", "svm": "ryzen"}
END_CODES = {"SUCCESS": 0, "SKIP": 3, "ERROR": 4, "FAILURE": 5}
EXIT_ROOT_STOPPED = 125
EXIT_HV_FAILED = 126

# Bochs runs guests ~20-50x slower than QEMU TCG, and its BIOS (+ GRUB) ~1-2 s.
TIMEOUT_SCALE = 3.0
TIMEOUT_EXTRA_S = 15.0
# How often a run's serial log is looked at: a run ends within this of its
# last line (a look that finds the log unchanged is one stat call).
POLL_S = 0.01

_END_RE = re.compile(r"^MVP END .*result=(\w+)", re.M)
# The hypervisor's last words: the root VM stopped (core_pp_run returned),
# or boot failure / PANIC / HYPERVISOR EXCEPTION (which end with "halted").
_STOP_RE = re.compile(r"^\[hv\] (pp 0 stopped|boot failed|halted$)", re.M)
# mbload refused the image set (hv/arch/x86/mbload/main.c die()).
_LOADER_RE = re.compile(r"^mbload: .*; halted$", re.M)

BOCHS_SHARE = Path("/usr/share/bochs")
# How many ISOs the cache keeps (about 1.6 MiB each: two image sets of the
# whole probe set); older ones are removed, never one used in the last hour.
ISO_CACHE_KEEP = 128
ISO_CACHE_MIN_AGE_S = 3600.0


def unavailable(loader: Optional[str] = None) -> Optional[str]:
    loader = loader or LOADER
    if loader not in LOADERS:
        return f"MV_BOCHS_LOADER={loader}: not one of {', '.join(LOADERS)}"
    for tool in ("bochs",) + (("grub-mkrescue", "xorriso") if loader == "grub" else ()):
        if not shutil.which(tool):
            return f"{tool} not installed (scripts/install-deps.sh)"
    if not (BOCHS_SHARE / "BIOS-bochs-latest").is_file():
        return "bochsbios not installed"
    if not (BOCHS_SHARE / "VGABIOS-lgpl-latest").exists() or \
            not (BOCHS_SHARE / "VGABIOS-lgpl-latest").resolve().is_file():
        return "vgabios not installed (VGABIOS-lgpl-latest is a dangling link)"
    if loader == "grub" and not Path("/usr/lib/grub/i386-pc").is_dir():
        return "grub-pc-bin not installed"
    return mbdisk.unavailable() if loader == "mbload" else None


def bochs_timeout(probe_timeout: float) -> float:
    return probe_timeout * TIMEOUT_SCALE + TIMEOUT_EXTRA_S


def _grub_cfg(probe_name: str, cmdline: str, modules: Sequence[Tuple[str, str]],
              bare: bool = False) -> str:
    """bare: the probe itself is the multiboot kernel (no hypervisor)."""
    lines = ["set timeout=0", "set default=0", 'menuentry "microv" {']
    if bare:
        lines.append(f"  multiboot /boot/{probe_name}.elf {cmdline}".rstrip())
    else:
        lines.append("  multiboot /boot/microv-hv.elf")
        lines.append(f"  module /boot/{probe_name}.elf {probe_name} {cmdline}".rstrip())
    for dest, name in modules:
        lines.append(f"  module /boot/{dest} {name}")
    lines += ["  boot", "}", ""]
    return "\n".join(lines)


def _mb_strings(hv_elf: Optional[Path], probe_name: str, cmdline: str,
                modules: Sequence[Path]) -> List[str]:
    """The strings a loader hands over, as GRUB's lines in _grub_cfg give
    them: the kernel's command line (its path, then its arguments: GRUB's
    `multiboot`), each module's (the words after the path: GRUB's `module`)."""
    if hv_elf is None:
        first = [f"/boot/{probe_name}.elf {cmdline}".rstrip()]
    else:
        first = ["/boot/microv-hv.elf", f"{probe_name} {cmdline}".rstrip()]
    return first + [m.stem for m in modules]


def iso_dir() -> Path:
    return paths.out_dir() / "iso-cache"


@functools.lru_cache(maxsize=None)
def _grub_version() -> str:
    try:
        return subprocess.run(["grub-mkrescue", "--version"], capture_output=True, text=True,
                              timeout=30, stdin=subprocess.DEVNULL).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "?"


def _iso_layout(hv_elf: Optional[Path], probe_elf: Path, probe_name: str, cmdline: str,
                modules: Sequence[Path]) -> Tuple[List[Tuple[Path, str]], str]:
    """What the ISO holds: (source, name under /boot) per file, and grub.cfg
    (hv_elf None: the probe boots bare, as the multiboot kernel)."""
    files = ([] if hv_elf is None else [(hv_elf, "microv-hv.elf")]) + \
        [(probe_elf, f"{probe_name}.elf")]
    mods = []
    for i, m in enumerate(modules, 1):
        files.append((m, f"m{i}-{m.name}"))
        mods.append((f"m{i}-{m.name}", m.stem))
    return files, _grub_cfg(probe_name, cmdline, mods, bare=hv_elf is None)


def iso_key(files: Sequence[Tuple[Path, str]], grub_cfg: str, grub_version: str) -> str:
    """The ISO cache's key: every file's content and name, grub.cfg, the tool."""
    parts = [f"grub={grub_version}", f"cfg={grub_cfg}"]
    parts += [f"file={name}={file_hash(src)}" for src, name in files]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def prune_iso_cache(where: Path, keep: int = ISO_CACHE_KEEP,
                    min_age_s: float = ISO_CACHE_MIN_AGE_S, now: Optional[float] = None,
                    pattern: str = "*.iso") -> List[Path]:
    """Removes the media (pattern: ISOs, or *.img disks) beyond the newest
    `keep` (by mtime, which a use renews) that were not used for min_age_s;
    returns those removed."""
    now = time.time() if now is None else now
    isos = []
    for p in where.glob(pattern):
        try:
            isos.append((p.stat().st_mtime, p.name, p))
        except OSError:
            pass
    isos.sort(reverse=True)
    gone = []
    for mtime, _, p in isos[keep:]:
        if now - mtime >= min_age_s:
            try:
                p.unlink()
                gone.append(p)
            except OSError:
                pass
    return gone


def _cached(medium: Path) -> bool:
    """Whether the cache holds the medium (a use renews its mtime)."""
    if not medium.is_file():
        return False
    try:
        os.utime(medium)
    except OSError:
        pass
    return True


def build_disk(hv_elf: Optional[Path], probe_elf: Path, probe_name: str, cmdline: str,
               modules: Sequence[Path], where: Optional[Path] = None) -> Tuple[Path, bool, str]:
    """The image set's mbload disk (mvconf/mbdisk.py): as build_iso."""
    where = where or iso_dir()
    files, _ = _iso_layout(hv_elf, probe_elf, probe_name, cmdline, modules)
    strings = _mb_strings(hv_elf, probe_name, cmdline, modules)
    loader = mbdisk.loader_path()
    key = iso_key(files, "\n".join(strings), f"mbload={file_hash(loader)}")
    disk = where / f"{key}.img"
    if _cached(disk):
        return disk, False, ""
    where.mkdir(parents=True, exist_ok=True)
    try:
        mbdisk.build(disk, [(src, st) for (src, _), st in zip(files, strings)])
    except (OSError, ValueError) as e:
        return disk, True, f"mbload disk: {e}"
    prune_iso_cache(where, pattern="*.img")
    return disk, True, ""


def build_iso(hv_elf: Optional[Path], probe_elf: Path, probe_name: str, cmdline: str,
              modules: Sequence[Path], where: Optional[Path] = None) -> Tuple[Path, bool, str]:
    """The image set's ISO: (path, whether it was built now, the error text of
    a failed grub-mkrescue, else "").  Built in a temporary directory and
    renamed into the cache, so runs in parallel (both Bochs backends boot the
    same ISO) never see half an ISO."""
    where = where or iso_dir()
    files, cfg = _iso_layout(hv_elf, probe_elf, probe_name, cmdline, modules)
    iso = where / f"{iso_key(files, cfg, _grub_version())}.iso"
    if _cached(iso):
        return iso, False, ""
    where.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".build-{probe_name}-", dir=where))
    try:
        boot = work / "iso" / "boot"
        (boot / "grub").mkdir(parents=True)
        for src, name in files:
            shutil.copyfile(src, boot / name)
        (boot / "grub" / "grub.cfg").write_text(cfg)
        tmp_iso = work / "boot.iso"
        mk = subprocess.run(["grub-mkrescue", "-o", str(tmp_iso), str(work / "iso"),
                             "--locales=", "--fonts=", "--themes=",
                             "--install-modules=multiboot normal iso9660 biosdisk"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, timeout=60)
        if mk.returncode != 0 or not tmp_iso.is_file():
            return iso, True, "grub-mkrescue failed:\n" + mk.stdout.decode("utf-8", "replace")
        os.replace(tmp_iso, iso)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    prune_iso_cache(where)
    return iso, True, ""


def _boot_lines(medium: Path) -> List[str]:
    if medium.suffix == ".img":
        # mbload's disk (no geometry given: Bochs takes 16 heads x 63
        # sectors).  The empty CD-ROM drive as slave: without a slave device
        # the BIOS waits for one until its IDE time-out (3.3 M instructions,
        # 0.27 s of emulated time; docs/performance.md "Suite and Bochs").
        return [f"ata0-master: type=disk, path={medium}, mode=flat",
                "ata0-slave: type=cdrom, status=ejected", "boot: disk"]
    return [f"ata0-master: type=cdrom, path={medium}, status=inserted", "boot: cdrom"]


def _bochsrc(kind: str, iso: Path, serial: Path, log: Path, megs: int,
             cov_out: Optional[Path] = None) -> str:
    return "\n".join([
        f"megs: {megs}",
        f"cpu: model={CPU_MODELS[kind]}, count=1, ips={IPS}, reset_on_triple_fault=0",
        "clock: sync=none, time0=1",
        # fastboot: no "Press F12 for boot menu" wait (3 s of emulated time,
        # about 0.6 s of wall per run in which Bochs idles; docs/performance.md).
        f"romimage: file={BOCHS_SHARE / 'BIOS-bochs-latest'}, options=fastboot",
        f"vgaromimage: file={BOCHS_SHARE / 'VGABIOS-lgpl-latest'}",
    ] + _boot_lines(iso) + [
        f"com1: enabled=1, mode=file, dev={serial}",
        'display_library: rfb, options="timeout=0"',
        "sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy",
        "speaker: enabled=0",
        f"log: {log}",
        "panic: action=fatal",
        "error: action=ignore",
        # $MV_BOCHS_INFO=1: Bochs' info lines in bochs.log (run-hv-bochs --keep):
        # the BIOS's steps stamped in emulated ticks ("Booting from ...").
        f"info: action={'report' if os.environ.get('MV_BOCHS_INFO') else 'ignore'}",
        "debug: action=ignore",
    ] + coverage.bochsrc_lines(cov_out) + [""])


class BochsRun:
    def __init__(self, output: str, stderr: str, exit_code: Optional[int], timed_out: bool,
                 wall_s: float, command: List[str]):
        self.output, self.stderr, self.exit_code = output, stderr, exit_code
        self.timed_out, self.wall_s, self.command = timed_out, wall_s, command


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return ""


def _outcome(serial: str) -> Optional[int]:
    """The synthesized exit status once the serial log is final, else None."""
    m = _END_RE.search(serial)
    if m and serial.endswith("\n"):
        return END_CODES.get(m.group(1), EXIT_HV_FAILED)
    if _LOADER_RE.search(serial):
        return EXIT_HV_FAILED
    m = _STOP_RE.search(serial)
    if m and serial.endswith("\n"):
        if m.group(1).startswith("pp "):
            return EXIT_ROOT_STOPPED
        if m.group(1) == "halted" and "PANIC" not in serial and "EXCEPTION" not in serial:
            return None
        return EXIT_HV_FAILED
    return None


# Bochs' rfb display binds a TCP port in 5900-5949 and ends at once when it
# finds none free (other programs, or other sessions' Bochs): the machine's
# problem, not the run's, so such a run is started again (at most 3 tries).
RFB_BUSY = "RFB could not bind any port"


def run(*args, **kw) -> BochsRun:
    """run_once, again while Bochs could not start its display (RFB_BUSY)."""
    for attempt in range(3):
        r = run_once(*args, **kw)
        if r.exit_code is not None or r.timed_out or RFB_BUSY not in r.stderr or attempt == 2:
            return r
        time.sleep(0.5 + attempt)
    return r


def run_once(kind: str, hv_elf: Optional[Path], probe_elf: Path, probe_name: str, cmdline: str,
             modules: Sequence[Path], timeout_s: float, megs: int = MEGS,
             keep_dir: Optional[Path] = None, cov_out: Optional[Path] = None,
             iso_cache: Optional[Path] = None, first_byte: bool = False,
             end_re: Optional["re.Pattern[str]"] = None, loader: Optional[str] = None) -> BochsRun:
    """Boots hv_elf with the probe under Bochs; timeout_s of wall time in all.
    hv_elf None: the probe alone, bare (its cmdline on its multiboot line).
    end_re: the run also ends, with status 0, once the serial log matches it
    (a kernel that writes no MVP END line: scripts/kut/bochs.py).
    iso_cache: where the image set's boot medium is kept (default iso_dir()).
    loader: "mbload" or "grub" (default LOADER).
    first_byte: the run ends, with status 0, at the first byte on COM1 (make
    bench's floor: the BIOS and the loader write nothing there, so that is the
    kernel running; a kernel that does not program the UART writes 5-bit
    characters, Bochs' reset line format).
    cov_out (make coverage): the run also waits for the image's coverage dump
    on port 0xE9 and copies it there (mvconf/coverage.py)."""
    start = time.monotonic()
    build = build_iso if (loader or LOADER) == "grub" else build_disk
    iso, _, failed = build(hv_elf, probe_elf, probe_name, cmdline, modules, iso_cache)
    if failed:
        return BochsRun("", failed, None, False, time.monotonic() - start, [build.__name__])
    work = Path(tempfile.mkdtemp(prefix=f"mv-bochs-{kind}-{probe_name}-"))
    try:
        serial, log = work / "serial.txt", work / "bochs.log"
        if iso.suffix == ".img":
            # Bochs opens a disk read-write and locks it (<path>.lock, left
            # behind when the run is killed): each run boots its own copy.
            shutil.copyfile(iso, work / "boot.img")
            iso = work / "boot.img"
        rc = work / "bochsrc"
        rc.write_text(_bochsrc(kind, iso, serial, log, megs, cov_out))
        dbgrc = work / "dbgrc"
        dbgrc.write_text("c\n")
        argv = ["bochs", "-q", "-f", str(rc), "-rc", str(dbgrc)]
        with open(work / "bochs.out", "wb") as out:
            proc = procs.spawn(argv, cwd=work, stdin=subprocess.DEVNULL, stdout=out,
                               stderr=subprocess.STDOUT)
        code, timed_out = None, False
        deadline = start + timeout_s
        size = -1
        try:
            while not procs.stopping():
                # Bochs writes COM1's file a byte at a time with fflush
                # (iodev/serial.cc tx_timer), and _outcome takes only a log
                # whose terminating line is complete: once it says so the
                # log is final, so the run ends at once.  The log is read
                # and searched again only when it grew.
                grown = _size(serial)
                if grown != size or code is not None:
                    size = grown
                    text = _read(serial)
                    ended = (first_byte and text) or (end_re and end_re.search(text))
                    code = 0 if ended else _outcome(text)
                if code is not None and cov_out and not coverage.bochs_dump_done(
                        work / "bochs.out", since=time.monotonic()):
                    pass  # the verdict is in; the coverage dump is still coming
                elif code is not None:
                    break
                if proc.poll() is not None:
                    break  # bochs ended by itself (panic, config error)
                if time.monotonic() > deadline:
                    timed_out = True
                    break
                time.sleep(POLL_S)
        finally:  # every exit path, Ctrl-C included: no bochs-bin left behind
            procs.reap(proc)
        if procs.stopping():
            raise procs.Interrupted("bochs killed: the session is stopping")
        output = _read(serial)
        if code is None and not timed_out:
            code = _outcome(output)
        diag = "\n".join(ln for ln in _read(work / "bochs.out").splitlines()
                         if not re.match(r"^\d+i\[", ln) and "ALSA" not in ln)
        errs = [ln for ln in _read(log).splitlines() if re.search(r"\b[pe]\[", ln)]
        stderr = ""
        if code is None:
            stderr = f"bochs exit status {proc.returncode}\n" + diag[-4000:] + \
                "\n".join(errs[-40:])
        if cov_out:
            shutil.copyfile(work / "bochs.out", cov_out)
        if keep_dir:
            shutil.copytree(work, keep_dir, dirs_exist_ok=True)
            if iso.parent != work:
                shutil.copyfile(iso, keep_dir / "boot.iso")
        return BochsRun(output, stderr, code, timed_out, time.monotonic() - start, argv)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: Sequence[str]) -> int:
    """python3 -m mvconf.bochs [--kind vmx|svm] [--timeout S] [--hv ELF] [--keep DIR]
    PROBE.elf ["cmdline"] [MODULE...]: prints the serial log; exit status as
    scripts/run-hv-qemu (the END result's value, 125 root stopped, 126 hv
    failure, 124 timeout)."""
    import argparse
    ap = argparse.ArgumentParser(prog="run-hv-bochs")
    ap.add_argument("--kind", choices=sorted(CPU_MODELS), default="vmx")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--hv", type=Path,
                    default=Path(os.environ.get("MV_HV_ELF", Path(__file__).resolve().parents[2]
                                                / "build" / "hv" / "microv-hv.elf")))
    ap.add_argument("--keep", type=Path, help="copy the run directory (boot medium, bochsrc, logs) here")
    ap.add_argument("--loader", choices=LOADERS, default=LOADER,
                    help="mbload (the project's boot loader, a disk) or grub (an ISO); $MV_BOCHS_LOADER")
    ap.add_argument("--cmdline", default="")
    ap.add_argument("probe", type=Path)
    ap.add_argument("modules", type=Path, nargs="*")
    a = ap.parse_args(argv)
    why = unavailable(a.loader)
    if why:
        print(f"run-hv-bochs: {why}", file=sys.stderr)
        return 2
    # make coverage: the CTest hv.vmx.* runs' dumps (as run-hv-qemu's for hv.svm.*).
    cov_out = coverage.raw_path("ctest-bochs", a.probe.stem)
    r = run(a.kind, a.hv, a.probe, a.probe.stem, a.cmdline, a.modules, a.timeout, keep_dir=a.keep,
            cov_out=cov_out, loader=a.loader)
    sys.stdout.write(r.output)
    if r.stderr:
        sys.stderr.write(r.stderr)
    print(f"run-hv-bochs: {r.wall_s:.1f}s", file=sys.stderr)
    if r.timed_out:
        print(f"run-hv-bochs: timeout after {a.timeout:.0f}s", file=sys.stderr)
        return 124
    return r.exit_code if r.exit_code is not None else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
