"""The launch figure of `make bench` (issue 13's first row): one probe (cpuid)
from launch to verdict (the emulator process ends), against the backend's
floor measured in the same run, alternating: QEMU with exactly the backend's
flags booting a trivial multiboot kernel (the selftest probe, no hypervisor,
no modules) to its exit, Bochs booting that kernel with the backend's boot
loader (mbload's disk, or GRUB's ISO with MV_BOCHS_LOADER=grub) and bochsrc
until its first byte on COM1 (Bochs has no exit device,
and without the hypervisor nobody programs the UART for the END line), mvsim
an empty run (the bench probe, exits=0).  On QEMU also the probe itself as the
multiboot kernel, no hypervisor (its checks fail, it runs to its exit): the
probe's own work, the lowest ratio the hypervisor could reach.  Where the
hypervisor prints its `[hv] boot: TSC ms at ...` line (QEMU, Bochs), also the
medians of its first figure (the firmware and the multiboot load) and of the
span from there to its last step (the hypervisor's own boot), on the guest's
TSC: the host's clock under QEMU TCG, emulated time under Bochs."""
import re
from dataclasses import replace
from typing import Callable, List, Optional, Tuple

from mvconf import backends as mb, bochs, probes as mp, runner

from .measure import measured, median

PROBE = "cpuid"


def trivial_argv(argv: List[str], kernel) -> List[str]:
    """A QEMU command line with `kernel` as the multiboot kernel and no
    -initrd; every other flag as the backend gives it."""
    out, it = [], iter(argv)
    for a in it:
        if a == "-kernel":
            out += [a, str(kernel)]
            next(it, None)
        elif a == "-initrd":
            next(it, None)
        else:
            out.append(a)
    return out


def passed(backend, probe, res) -> bool:
    """As the conformance suite judges it (an expected root stop passes)."""
    out = runner.judge(backend, probe, res, None)
    return not out.crashed and not out.problems and out.log.result in ("SUCCESS", "SKIP")


def floor_run(backend, probes, bench) -> Optional[Callable[[], bool]]:
    """A function that runs the backend's floor once and says whether it
    worked, or None when the backend has none here.  bench: the bench probe
    (not one of the suite's)."""
    selftest = probes.get("selftest")
    if isinstance(backend, mb.QemuBackend) and selftest and selftest.elf.is_file():
        argv = trivial_argv(backend.command(selftest), selftest.elf)
        return lambda: backend.guest_code(mb.run_command(argv, 30).exit_code) == 0
    if isinstance(backend, mb.BochsBackend) and selftest and selftest.elf.is_file():
        return lambda: bochs.run(backend.kind, selftest.elf, selftest.elf, "selftest", "", (),
                                 60, first_byte=True).exit_code == 0
    if isinstance(backend, mb.MvsimBackend) and bench and bench.elf.is_file():
        empty = replace(bench, cmdline="exits=0")
        return lambda: passed(backend, empty, backend.run(empty))
    return None


def bare_run(backend, probe) -> Optional[Callable[[], bool]]:
    """QEMU: a function that runs `probe` as the multiboot kernel with the
    backend's flags and no hypervisor, and says whether it reached its exit
    (isa-debug-exit, whatever its verdict); None elsewhere."""
    if isinstance(backend, mb.QemuBackend):
        argv = trivial_argv(backend.command(probe), probe.elf)
        return lambda: backend.guest_code(mb.run_command(argv, 30).exit_code) is not None
    return None


def boot_phases(output: str) -> Optional[Tuple[float, float]]:
    """(TSC ms at the hypervisor's entry, ms from there to its last boot step)
    from its `[hv] boot: TSC ms at entry 72.0, ..., aps_released 88.6` line."""
    m = re.search(r"\[hv\] boot: TSC ms at (.*)", output)
    steps = re.findall(r"[a-z_]+ ([0-9]+\.[0-9]+)", m.group(1)) if m else []
    if not steps:
        return None
    return float(steps[0]), float(steps[-1]) - float(steps[0])


def launch(backend, all_probes: List[mp.Probe], bench: mp.Probe, repeat: int) -> dict:
    """Medians of `repeat` alternating probe, floor and bare-probe runs (wall
    and CPU); a run that did not pass counts as no sample."""
    probes = {p.name: p for p in all_probes}
    probe, floor = probes.get(PROBE), floor_run(backend, probes, bench)
    fig = {"probe": PROBE, "probe_wall_s": None, "probe_cpu_s": None,
           "floor_wall_s": None, "floor_cpu_s": None,
           "bare_wall_s": None, "bare_cpu_s": None,
           "hv_entry_ms": None, "hv_boot_ms": None}
    if probe is None or not probe.elf.is_file():
        return fig
    bare = bare_run(backend, probe)
    samples = {k: [] for k in fig if k != "probe"}

    def run_probe() -> bool:
        res = backend.run(probe)
        phases = boot_phases(res.output)
        if phases:
            samples["hv_entry_ms"].append(phases[0])
            samples["hv_boot_ms"].append(phases[1])
        return passed(backend, probe, res)

    for _ in range(repeat):
        for key, run in (("probe", run_probe),
                         ("floor", floor), ("bare", bare)):
            if run is None:
                continue
            ok, wall, cpu = measured(run)
            if ok:
                samples[f"{key}_wall_s"].append(wall)
                samples[f"{key}_cpu_s"].append(cpu)
    fig.update({k: median(v) for k, v in samples.items()})
    return fig


def describe(fig: dict) -> str:
    pw, fw, pc, fc = (fig[k] for k in ("probe_wall_s", "floor_wall_s", "probe_cpu_s", "floor_cpu_s"))
    if pw is None:
        return f"launch n/a ({fig['probe']} did not pass)"
    text = f"launch {fig['probe']} {pw:.2f} s to its verdict ({pc:.2f} s CPU)"
    if fw:
        text += f" = {pw / fw:.2f}x its floor ({fw:.2f} s; CPU {pc / fc:.2f}x)" if fc else \
            f" = {pw / fw:.2f}x its floor ({fw:.2f} s)"
    else:
        text += ", floor n/a"
    bw, bc = fig.get("bare_wall_s"), fig.get("bare_cpu_s")
    if bw and fw and bc and fc:
        text += f"; {fig['probe']} alone, no hypervisor: {bw / fw:.2f}x (CPU {bc / fc:.2f}x)"
    entry, boot = fig.get("hv_entry_ms"), fig.get("hv_boot_ms")
    if entry is not None and boot is not None:
        text += f"; guest TSC: hypervisor entry at {entry:.1f} ms, its boot {boot:.1f} ms"
    return text
