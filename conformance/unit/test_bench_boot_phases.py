"""make bench's launch figure reads the hypervisor's boot timestamps line
(boot/boottime.c): its first figure and the span to its last step, and says
them only when a run printed the line; nothing is timed."""
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
from benchfig import launch  # noqa: E402

LINE = ("[hv] boot: TSC ms at entry 72.0, enable 76.8, tsc 77.3, timer 77.9, aps 80.2, "
        "core_init 86.8, iommu 87.4, aps_released 88.6\n")


def test_entry_and_the_span_to_the_last_step():
    entry, boot = launch.boot_phases("MVP CHECK probe=cpuid id=x verdict=pass\n" + LINE + "MVP END\n")
    assert entry == 72.0 and abs(boot - 16.6) < 1e-9


def test_no_line_no_phases():
    assert launch.boot_phases("MVP END probe=cpuid result=SUCCESS\n") is None
    assert launch.boot_phases("[hv] boot: TSC ms at \n") is None


def test_the_launch_line_says_the_boot_only_when_measured():
    fig = {"probe": "cpuid", "probe_wall_s": 0.30, "probe_cpu_s": 0.15,
           "floor_wall_s": 0.20, "floor_cpu_s": 0.10, "bare_wall_s": None, "bare_cpu_s": None,
           "hv_entry_ms": None, "hv_boot_ms": None}
    assert "guest TSC" not in launch.describe(fig)
    fig.update(hv_entry_ms=72.0, hv_boot_ms=16.6)
    assert launch.describe(fig).endswith("guest TSC: hypervisor entry at 72.0 ms, its boot 16.6 ms")
