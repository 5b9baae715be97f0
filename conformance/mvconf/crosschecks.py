"""Checks the harness makes on a run's log, beyond the probe's own verdicts.

debug_out: a passed check whose desc promises a console line
    "debug_out vm=<v> vp=<p>: 0x<16 hex> 0x<16 hex>"
  (the debug probe: desc="console: [hv] debug_out ...") is confirmed only if
  the hypervisor printed "[hv] debug_out ..." with those values, once per
  promise (hex compared case-insensitively).
iommu: a passed check whose desc promises "console: [hv] iommu: DMA fault"
  (the dma probe) is confirmed only if the hypervisor printed at least as
  many "[hv] iommu: DMA fault" lines as the run's passed checks promised.
hc-lock: the "[hv] hc-lock: longest hold N ns" lines (hv/core/hypercall.c)
  each log a new longest hold of the hypercall lock, so in a run of one PP
  (the banner's "pps=1") their figures never fall; with more PPs two lines
  may print out of order, and nothing is compared.
boot: a passed check whose desc ends with "console: [hv] boot: <text>" (the
  bootopt and bootplat probes: what the hypervisor says it took at boot) is
  confirmed only if the hypervisor printed exactly that line.
banner: when a "[hv] " console line states the release ("release 2026-11")
  and/or the build ("build 0"), they must equal what the probe read from
  CPUID_4000_XX02_EBX ((year << 16) | month) and CPUID_4000_XX02_EDX.
"""
import re
from collections import Counter
from dataclasses import dataclass
from typing import List, Optional, Tuple


_DEBUG_OUT = re.compile(r"debug_out vm=(\d+) vp=(\d+): 0x([0-9a-fA-F]{16}) 0x([0-9a-fA-F]{16})")
_RELEASE = re.compile(r"\brelease[ =:]*(\d{4})[-./](\d{1,2})\b", re.IGNORECASE)
_BUILD = re.compile(r"\bbuild[ =:#]*(\d+)\b", re.IGNORECASE)


@dataclass
class CrossCheck:
    id: str                  # unique within the run
    items: Tuple[str, ...]
    ok: Optional[bool]       # None: nothing to compare (skipped)
    message: str


def _norm(m: re.Match) -> Tuple[int, int, int, int]:
    return int(m.group(1)), int(m.group(2)), int(m.group(3), 16), int(m.group(4), 16)


def debug_out(out) -> List[CrossCheck]:
    """Every passed check's promised line must be printed (as often as promised)."""
    printed = Counter(_norm(m) for line in out.log.console if line.startswith("[hv] ")
                      for m in [_DEBUG_OUT.search(line)] if m)
    promised: Counter = Counter()
    result = []
    for c in out.checks():
        if c.verdict != "pass":  # a failed call prints nothing; its check already fails
            continue
        for k, m in enumerate(_DEBUG_OUT.finditer(c.desc)):
            promised[_norm(m)] += 1
            ok = printed[_norm(m)] >= promised[_norm(m)]
            want = f"[hv] {m.group(0)}"
            result.append(CrossCheck(
                f"{c.id}.console{k}" if k else f"{c.id}.console", c.items, ok,
                f"console line {want!r} " + ("printed" if ok else "missing from the log")))
    return result


_DMA_FAULT = "[hv] iommu: DMA fault"


def iommu(out) -> List[CrossCheck]:
    """Every passed check's promised DMA fault line must be printed (as often as promised)."""
    printed = sum(1 for line in out.log.console if line.startswith(_DMA_FAULT))
    result, promised = [], 0
    for c in out.checks():
        if c.verdict != "pass" or f"console: {_DMA_FAULT}" not in c.desc:
            continue
        promised += 1
        ok = printed >= promised
        result.append(CrossCheck(f"{c.id}.console", c.items, ok,
                                 f"console line {_DMA_FAULT!r} #{promised} " +
                                 ("printed" if ok else f"missing from the log ({printed} printed)")))
    return result


_HC_LOCK = re.compile(r"^\[hv\] hc-lock: longest hold (\d+) ns ")
_PPS = re.compile(r"\bpps=(\d+)\b")


def hc_lock(out) -> List[CrossCheck]:
    """One PP: the longest-hold figures never fall (each line is a new maximum)."""
    hv = [line for line in out.log.console if line.startswith("[hv] ")]
    holds = [int(m.group(1)) for line in hv for m in [_HC_LOCK.match(line)] if m]
    pps = next((int(m.group(1)) for line in hv for m in [_PPS.search(line)] if m), None)
    if len(holds) < 2 or pps != 1:
        return []
    fall = next((k for k in range(1, len(holds)) if holds[k] < holds[k - 1]), None)
    return [CrossCheck("hc-lock.longest", (), fall is None,
                       f"{len(holds)} hc-lock lines, longest hold rising" if fall is None else
                       f"hc-lock line {fall + 1} of {len(holds)}: {holds[fall]} ns after "
                       f"{holds[fall - 1]} ns is no new longest hold")]
_BOOT_PROMISE = "console: [hv] boot: "


def boot(out) -> List[CrossCheck]:
    """Every passed check's promised "[hv] boot: ..." line must be printed."""
    printed = {line.strip() for line in out.log.console if line.startswith("[hv] boot: ")}
    result = []
    for c in out.checks():
        k = c.desc.find(_BOOT_PROMISE)
        if c.verdict != "pass" or k < 0:
            continue
        want = c.desc[k + len("console: "):].strip()
        ok = want in printed
        result.append(CrossCheck(f"{c.id}.console", c.items, ok,
                                 f"console line {want!r} " + ("printed" if ok else "missing from the log")))
    return result


def _got_hex(out, item: str) -> Optional[int]:
    for c in out.checks():
        if item in c.items and c.got.lower().startswith("0x"):
            try:
                return int(c.got, 16)
            except ValueError:
                pass
    return None


def banner(out) -> List[CrossCheck]:
    ebx = _got_hex(out, "CPUID_4000_XX02_EBX")
    edx = _got_hex(out, "CPUID_4000_XX02_EDX")
    if ebx is None and edx is None:
        return []
    hv = [line for line in out.log.console if line.startswith("[hv] ")]
    release = next((m for line in hv for m in [_RELEASE.search(line)] if m), None)
    build = next((m for line in hv for m in [_BUILD.search(line)] if m), None)
    result = []
    if ebx is not None:
        cpuid = f"{ebx >> 16}-{ebx & 0xFFFF:02d}"
        if release is None:
            result.append(CrossCheck("banner.release", ("CPUID_4000_XX02_EBX",), None,
                                     "the [hv] banner does not state the release"))
        else:
            said = f"{int(release.group(1))}-{int(release.group(2)):02d}"
            result.append(CrossCheck("banner.release", ("CPUID_4000_XX02_EBX",), said == cpuid,
                                     f"banner release {said}, CPUID says {cpuid} (0x{ebx:08x})"))
    if edx is not None:
        if build is None:
            result.append(CrossCheck("banner.build", ("CPUID_4000_XX02_EDX",), None,
                                     "the [hv] banner does not state the build number"))
        else:
            said = int(build.group(1))
            result.append(CrossCheck("banner.build", ("CPUID_4000_XX02_EDX",), said == edx,
                                     f"banner build {said}, CPUID says {edx} (0x{edx:x})"))
    return result


def all_for(out) -> List[CrossCheck]:
    """out: a runner.Outcome with a parsed log."""
    if out.log is None:
        return []
    return debug_out(out) + iommu(out) + hc_lock(out) + boot(out) + banner(out)
