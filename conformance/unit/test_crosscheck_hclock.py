"""The hc-lock cross check (mvconf/crosschecks.py): in a run of one PP the
"[hv] hc-lock: longest hold" figures never fall; runs of several PPs, and
runs with fewer than two such lines, are not compared."""
from synth import mvp_log

from mvconf import runner
from mvconf.backends import MvsimBackend, RunResult
from mvconf.probes import Probe

SIM = MvsimBackend("sim-intel", "intel")


def hc_lock(holds, pps=1):
    extra = [f"[hv] microv-harness hypervisor backend=sim-intel spec=Mv#1 pps={pps}"]
    extra += [f"[hv] hc-lock: longest hold {h} ns (hypercall 0x{0x10000 + i:x})"
              for i, h in enumerate(holds)]
    text = mvp_log("vps", [], extra=extra)
    out = runner.judge(SIM, Probe("vps", elf=None), RunResult(text, "", 0, False, 0.1, ["mvsim"]),
                       None)
    return [(x.id, x.ok) for x in out.cross if x.id.startswith("hc-lock")]


def test_rising_holds_pass():
    assert hc_lock([4547, 4927, 4927, 304582]) == [("hc-lock.longest", True)]


def test_a_fall_fails():
    assert hc_lock([4547, 4927, 3000, 304582]) == [("hc-lock.longest", False)]


def test_several_pps_or_one_line_not_compared():
    assert hc_lock([4547, 3000], pps=2) == []
    assert hc_lock([4547]) == []
    assert hc_lock([]) == []
