"""MVP EXPECT-STOP: the parser, judge_stop() and the runner's judgement on
synthetic logs and backends (no hypervisor runs)."""
from synth import mvp_log

from mvconf import matrix, protocol, runner
from mvconf.backends import MvsimBackend, QemuTcgAmdBackend, RunResult
from mvconf.probes import Probe

SIM = MvsimBackend("sim-intel", "intel")
QEMU = QemuTcgAmdBackend()
DONATE = ("donate", "mv_handle_op_open_handle,MV_STATUS_SUCCESS", "0x0", "0x0", "pass")
WHY = "access to memory the root VM does not own"
STOP = ('MVP EXPECT-STOP probe=rf id=touch-stops items=mv_handle_op_open_handle pp=0 '
        f'exit=slpt-violation rip=0x10024e why="{WHY}" desc="the root touches a page it donated"')
HV_STOP = (f"[hv] root VM stopped on pp 0: {WHY} "
           "(exit slpt-violation, rip 0x10024e, raw 0x0); stopped on 1 of 1 PPs")


def stop_log(after=(), checks=(DONATE,)):
    """BEGIN, the checks, EXPECT-STOP, then `after` (no END)."""
    return mvp_log("rf", list(checks), end=False) + "\n".join([STOP, *after]) + "\n"


def judged(text, exit_code=125, timed_out=False, backend=SIM, catalog=None):
    run = RunResult(text, "", exit_code, timed_out, 0.1, ["mvsim"])
    known = set(catalog.by_name) if catalog else None
    return runner.judge(backend, Probe("rf", elf=None), run, known)


def stop_check(out):
    c = out.log.stop_check
    assert c is not None and c in out.checks()
    return c


# ---- the parser ---------------------------------------------------------

def test_parse_expect_stop(catalog):
    log = protocol.parse(stop_log([HV_STOP]), "rf", set(catalog.by_name))
    assert log.errors == []
    s = log.expect_stop
    assert (s.id, s.items, s.desc, s.line) == ("touch-stops", ("mv_handle_op_open_handle",),
                                                "the root touches a page it donated", 4)
    assert (s.pp, s.exit, s.rip, s.why) == ("0", "slpt-violation", "0x10024e", WHY)
    assert s.after == [] and s.stop_line == (5, HV_STOP)
    assert log.completed and log.ended_by_stop
    assert [c.id for c in log.checks] == ["donate"]  # the stop check comes from judge_stop


def test_parse_expect_stop_errors(catalog):
    bad = stop_log().replace("items=mv_handle_op_open_handle", "items=mv_no_such,none")
    log = protocol.parse(bad, "rf", set(catalog.by_name))
    assert any("items=none combined" in e for e in log.errors)
    dup = protocol.parse(stop_log().replace("id=touch-stops", "id=donate"), "rf")
    assert any("duplicate check id donate" in e for e in dup.errors)
    missing = protocol.parse(stop_log().replace(" items=mv_handle_op_open_handle", ""), "rf")
    assert any("malformed EXPECT-STOP line (missing items)" in e for e in missing.errors)
    second = protocol.parse(stop_log([STOP.replace("touch-stops", "again")]), "rf")
    assert any("second EXPECT-STOP" in e for e in second.errors)


def test_parse_expect_stop_expectations():
    """pp, exit, rip and why are required and of their form; a bad one is an
    error and no EXPECT-STOP (the run without END is then a crash)."""
    for old, new, msg in (("pp=0", "pp=x", "pp='x' is not a decimal PP number"),
                          ("exit=slpt-violation", "exit=SLPT", "exit='SLPT' is not an exit type"),
                          ("rip=0x10024e", "rip=10024e", "rip='10024e' is not 0x"),
                          ("rip=0x10024e", "rip=0x10024E", "rip='0x10024E' is not 0x"),
                          (f'why="{WHY}"', 'why=" "', "empty why")):
        log = protocol.parse(stop_log().replace(old, new), "rf")
        assert any(msg in e for e in log.errors), (new, log.errors)
        assert log.expect_stop is None and not log.completed
    missing = protocol.parse(stop_log().replace(f' why="{WHY}"', ""), "rf")
    assert any("(missing why)" in e for e in missing.errors)
    unknown_rip = protocol.parse(stop_log().replace("rip=0x10024e", "rip=-"), "rf")
    assert unknown_rip.errors == [] and unknown_rip.expect_stop.rip == "-"
    # desc stays last; why may come anywhere before it
    last = protocol.parse(stop_log().replace(f'why="{WHY}" desc=', f'desc=').replace(
        '"the root touches a page it donated"', f'"the root touches a page it donated" why="{WHY}"'),
        "rf")
    assert any("malformed EXPECT-STOP line" in e for e in last.errors)


def test_stop_line_before_expect_stop_does_not_count():
    text = mvp_log("rf", [DONATE], end=False, extra=[HV_STOP]) + STOP + "\n"
    log = protocol.parse(text, "rf")
    assert log.expect_stop.stop_line is None


def test_stop_id_counts_for_duplicates_but_not_for_end():
    """END's checks= counts CHECK lines only; a CHECK may not reuse the stop id."""
    text = stop_log([
        "MVP CHECK probe=rf id=touch-stops items=mv_handle_op_open_handle expected=a got=b "
        'verdict=fail desc="reused"',
        "MVP END probe=rf result=FAILURE checks=2 failed=1"])
    log = protocol.parse(text, "rf")
    assert any("duplicate check id touch-stops" in e for e in log.errors)
    assert not any("END checks=" in e for e in log.errors)


# ---- judge_stop and the runner -----------------------------------------

def test_correct_stop_passes_and_is_not_a_crash(catalog):
    out = judged(stop_log([HV_STOP]), exit_code=125, catalog=catalog)
    c = stop_check(out)
    assert (c.id, c.expected, c.got, c.verdict) == ("touch-stops", "root-stopped",
                                                    "root-stopped", "pass")
    assert c.items == ("mv_handle_op_open_handle",) and c.line == 4
    assert HV_STOP in c.desc
    assert not out.crashed and out.broken is None and out.problems == []
    assert out.log.result == "SUCCESS"


def test_correct_stop_counts_in_the_matrix(catalog):
    out = judged(stop_log([HV_STOP], checks=()), exit_code=125, catalog=catalog)
    m = matrix.build(catalog, [("sim-intel", None)], {("sim-intel", "rf"): out})
    cells = {i["name"]: i["results"]["sim-intel"] for i in m["items"]}
    assert cells["mv_handle_op_open_handle"] == {"result": "pass", "checks": 1}
    assert m["errors"] == [] and m["probes"]["sim-intel/rf"] == "SUCCESS"


def test_earlier_checks_decide_the_result():
    failed = judged(stop_log([HV_STOP], checks=[DONATE[:4] + ("fail",)]))
    assert stop_check(failed).verdict == "pass" and failed.log.result == "FAILURE"
    skipped = judged(stop_log([HV_STOP], checks=[DONATE[:4] + ("skip",)]))
    assert skipped.log.result == "SKIP"


def test_qemu_guest_code_125():
    """QEMU: the hypervisor writes 0x7d to isa-debug-exit, QEMU exits 251."""
    assert stop_check(judged(stop_log([HV_STOP]), exit_code=251, backend=QEMU)).verdict == "pass"
    c = stop_check(judged(stop_log([HV_STOP]), exit_code=125, backend=QEMU))
    assert c.verdict == "fail" and c.got == "exit-125"
    c = stop_check(judged(stop_log([HV_STOP]), exit_code=0, backend=QEMU))
    assert c.verdict == "fail" and "exit status 0 without END" in c.desc


def test_stop_line_counts_every_pp():
    """E-66: a stop line that counts the PPs passes only when all stopped."""
    every = HV_STOP.replace("1 of 1 PPs", "2 of 2 PPs")
    assert stop_check(judged(stop_log([every]))).verdict == "pass"
    c = stop_check(judged(stop_log([HV_STOP.replace("1 of 1 PPs", "1 of 2 PPs")])))
    assert (c.got, c.verdict) == ("not-all-pps", "fail")
    assert "stopped on 1 of 2 PPs only" in c.desc


def test_stop_line_must_say_what_was_expected():
    """The PP, the reason, the exit type and the RIP: each mismatch fails the
    stop check with what the line said and what was expected."""
    cases = (("on pp 0:", "on pp 1:", "wrong-pp", "says pp '1', expected '0'"),
             (WHY, "triple fault", "wrong-why", f"says why 'triple fault', expected '{WHY}'"),
             ("exit slpt-violation", "exit triple-fault", "wrong-exit",
              "says exit 'triple-fault', expected 'slpt-violation'"),
             ("rip 0x10024e", "rip 0x10024f", "wrong-rip",
              "says rip '0x10024f', expected '0x10024e'"))
    for old, new, got, msg in cases:
        c = stop_check(judged(stop_log([HV_STOP.replace(old, new)])))
        assert (c.expected, c.got, c.verdict) == ("root-stopped", got, "fail"), new
        assert "NOT STOPPED" in c.desc and msg in c.desc, c.desc
    both = stop_check(judged(stop_log([HV_STOP.replace("on pp 0:", "on pp 1:")
                                       .replace("rip 0x10024e", "rip 0x1")])))
    assert both.got == "wrong-pp" and "says rip '0x1'" in both.desc
    # a swapped exit type name reads as a wrong exit, not as a malformed line
    swapped = stop_check(judged(stop_log([HV_STOP.replace("slpt-violation", "invd")])))
    assert swapped.got == "wrong-exit"


def test_unknown_rip_checks_the_form_only():
    text = stop_log([HV_STOP.replace("rip 0x10024e", "rip 0x42")]).replace("rip=0x10024e",
                                                                          "rip=-")
    assert stop_check(judged(text)).verdict == "pass"


def test_raw_is_checked_for_its_form_only():
    for raw in ("0x0", "0x400", "0x30", "0x7f"):
        assert stop_check(judged(stop_log([HV_STOP.replace("raw 0x0", f"raw {raw}")]))).verdict \
            == "pass"
    for bad in ("raw 0x", "raw 400", "raw -0x1", "raw 0xZZ"):
        c = stop_check(judged(stop_log([HV_STOP.replace("raw 0x0", bad)])))
        assert c.got == "malformed-stop-line", bad


def test_malformed_stop_line():
    """A stop line that is not the hypervisor's whole report: its reason
    alone, a number printed wrong (hv_vsnprintf), no PP count."""
    for line in ("[hv] root VM stopped on pp 0: " + WHY,
                 HV_STOP.replace("rip 0x10024e", "rip 10024e"),
                 HV_STOP.replace("rip 0x10024e", "rip 0x"),
                 HV_STOP.replace("; stopped on 1 of 1 PPs", ""),
                 HV_STOP.replace("1 of 1", "1 of"),
                 HV_STOP + " trailing"):
        c = stop_check(judged(stop_log([line])))
        assert (c.got, c.verdict) == ("malformed-stop-line", "fail"), line
        assert "is not '[hv] root VM stopped on pp N: <why>" in c.desc


def test_backend_hook_root_stopped():
    class Bochs(MvsimBackend):
        def root_stopped(self, code):
            return code == 99
    assert stop_check(judged(stop_log([HV_STOP]), exit_code=99,
                             backend=Bochs("bochs-x", "intel"))).verdict == "pass"


def test_probe_continued_with_check_and_end(catalog):
    text = stop_log([
        "MVP CHECK probe=rf id=not-stopped items=mv_handle_op_open_handle expected=root-stopped "
        'got=not-stopped verdict=fail desc="the root read its donated page"',
        "MVP END probe=rf result=FAILURE checks=2 failed=1"])
    out = judged(text, exit_code=5, catalog=catalog)
    c = stop_check(out)
    assert (c.got, c.verdict) == ("continued", "fail")
    assert "the probe continued after the access (line 5: MVP CHECK" in c.desc
    assert "no '[hv] root VM stopped on pp N: ...' line" in c.desc
    assert "exit status" not in c.desc  # END's own status is checked as usual
    assert out.problems == [] and not out.crashed and out.log.result == "FAILURE"
    m = matrix.build(catalog, [("sim-intel", None)], {("sim-intel", "rf"): out})
    cell = {i["name"]: i["results"]["sim-intel"] for i in m["items"]}["mv_handle_op_open_handle"]
    assert cell["result"] == "fail" and "rf/touch-stops: expected root-stopped, got continued" \
        in cell["reason"]


def test_end_right_after_expect_stop_fails_the_stop():
    out = judged(stop_log(["MVP END probe=rf result=SUCCESS checks=1 failed=0"]), exit_code=0)
    c = stop_check(out)
    assert c.got == "continued" and "line 5: MVP END" in c.desc
    assert out.log.result == "FAILURE"  # END said SUCCESS; the stop check failed
    assert out.problems == []


def test_continued_then_crashed():
    out = judged(stop_log([
        "MVP CHECK probe=rf id=x items=none expected=a got=b verdict=fail desc=\"went on\""]),
        exit_code=125)
    assert stop_check(out).got == "continued"
    assert out.crashed and out.log.result == "CRASH"


def test_missing_stop_line():
    out = judged(stop_log(["[hv] something else"]), exit_code=125)
    c = stop_check(out)
    assert (c.got, c.verdict) == ("no-stop-line", "fail")
    assert "no '[hv] root VM stopped on pp N: ...' line after the EXPECT-STOP (line 4)" in c.desc
    assert not out.crashed and out.log.result == "FAILURE"


def test_stop_line_inside_a_desc_does_not_count():
    quoted = STOP.replace("donated", "donated ([hv] root VM stopped on pp 0: x)")
    out = judged(mvp_log("rf", [DONATE], end=False) + quoted + "\n", exit_code=125)
    assert stop_check(out).got == "no-stop-line"


def test_timeout():
    out = judged(stop_log(), exit_code=None, timed_out=True)
    c = stop_check(out)
    assert (c.got, c.verdict) == ("timeout", "fail")
    assert "timeout: the machine did not stop" in c.desc and "no '[hv] root VM stopped" in c.desc
    # the stop line printed, but the machine kept running
    c = stop_check(judged(stop_log([HV_STOP]), exit_code=124, timed_out=True))
    assert c.got == "timeout" and "no '[hv]" not in c.desc


def test_exit_0_without_end():
    c = stop_check(judged(stop_log(), exit_code=0))
    assert (c.got, c.verdict) == ("exit-0", "fail")
    assert "exit status 0 without END" in c.desc
    # the stop line alone does not do: mvsim must report the root's death too
    c = stop_check(judged(stop_log([HV_STOP]), exit_code=0))
    assert c.got == "exit-0"


def test_no_expect_stop_is_still_a_crash():
    out = judged(mvp_log("rf", [DONATE], end=False, extra=[HV_STOP]), exit_code=125)
    assert out.log.stop_check is None and out.crashed and out.log.result == "CRASH"
