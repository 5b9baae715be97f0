"""The harness's boot cross-check (mvconf/crosschecks.py `boot`): a passed
check whose desc promises "console: [hv] boot: <text>" holds only if the
hypervisor printed exactly that line (probes bootopt, bootplat)."""
from synth import mvp_log

from mvconf import crosschecks, runner
from mvconf.backends import MvsimBackend, RunResult
from mvconf.probes import Probe

SIM = MvsimBackend("sim-intel", "intel")
PROMISE = "[hv] boot: root stop delay 10000 ms"


def judged(console_line, verdict="pass"):
    text = mvp_log("bootopt", []).replace("checks=0", "checks=1").replace(
        "MVP END", f"MVP CHECK probe=bootopt id=stop-delay items=none expected=10000 got=10000 "
                   f'verdict={verdict} desc="the delay taken; console: {PROMISE}"\nMVP END')
    if verdict == "fail":
        text = text.replace("result=SUCCESS checks=1 failed=0", "result=FAILURE checks=1 failed=1")
    text = text.replace("[hv] booting", console_line)
    return runner.judge(SIM, Probe("bootopt", elf=None), RunResult(text, "", 0, False, 0.1, ["mvsim"]),
                        None)


def test_printed_line_confirms():
    assert [(x.id, x.ok) for x in crosschecks.boot(judged(PROMISE))] == [("stop-delay.console", True)]


def test_other_value_fails():
    assert [x.ok for x in crosschecks.boot(judged("[hv] boot: root stop delay 10001 ms"))] == [False]


def test_prefix_is_not_the_line():
    assert [x.ok for x in crosschecks.boot(judged(PROMISE + "0"))] == [False]


def test_failed_check_promises_nothing():
    assert crosschecks.boot(judged("[hv] booting", verdict="fail")) == []
