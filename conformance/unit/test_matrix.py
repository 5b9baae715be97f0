"""Matrix rules and run judging, on synthetic outcomes (no backend runs)."""
from synth import mvp_log

from mvconf import matrix, runner
from mvconf.backends import MvsimBackend, RunResult
from mvconf.probes import Probe

SIM = MvsimBackend("sim-intel", "intel")


def outcome(probe, text, exit_code=0, timed_out=False, catalog=None):
    run = RunResult(text, "", exit_code, timed_out, 0.1, ["mvsim"])
    known = set(catalog.by_name) if catalog else None
    return runner.judge(SIM, Probe(probe, elf=None), run, known)


def cells(catalog, outcomes, backends=(("sim-intel", None),)):
    m = matrix.build(catalog, list(backends), {(o.backend, o.probe): o for o in outcomes})
    return {i["name"]: i["results"] for i in m["items"]}, m


def test_pass_fail_skip_not_covered(catalog):
    o = outcome("handle", mvp_log("handle", [
        ("ok", "mv_handle_op_open_handle,MV_STATUS_SUCCESS", "0x0", "0x0", "pass"),
        ("bad", "mv_handle_op_close_handle", "0x0", "0xdead000000040001", "fail"),
        ("sk", "CPUID_4000_XX00_EBX", "0x0", "0x0", "skip"),
        ("ok2", "MV_STATUS_SUCCESS", "0x0", "0x0", "pass"),
    ]), exit_code=5, catalog=catalog)
    assert o.problems == []
    c, m = cells(catalog, [o])
    assert c["mv_handle_op_open_handle"]["sim-intel"] == {"result": "pass", "checks": 1}
    assert c["MV_STATUS_SUCCESS"]["sim-intel"] == {"result": "pass", "checks": 2}
    bad = c["mv_handle_op_close_handle"]["sim-intel"]
    assert bad["result"] == "fail" and "handle/bad: expected 0x0, got 0xdead000000040001" in bad["reason"]
    assert c["CPUID_4000_XX00_EBX"]["sim-intel"]["result"] == "skip"
    assert c["mv_vp_exit_t_hlt"]["sim-intel"] == {"result": "not-covered", "checks": 0}
    # every catalogue item is a row, in catalogue order
    assert [i["name"] for i in m["items"]] == [i.name for i in catalog.items]
    assert m["backends"] == ["sim-intel"]


def test_fail_wins_over_pass(catalog):
    o = outcome("p", mvp_log("p", [("a", "mv_debug_op_out", "0", "0", "pass"),
                                   ("b", "mv_debug_op_out", "0", "1", "fail")]), exit_code=5)
    c, _ = cells(catalog, [o])
    assert c["mv_debug_op_out"]["sim-intel"]["result"] == "fail"
    assert c["mv_debug_op_out"]["sim-intel"]["checks"] == 2


def test_crashed_probe_fails_its_items(catalog):
    o = outcome("cpuid", mvp_log("cpuid", [("v", "CPUID_4000_XX00_EBX", "0x1", "0x1", "pass")],
                                 end=False), exit_code=125)
    assert o.crashed and o.broken == "probe cpuid crashed"
    c, m = cells(catalog, [o])
    assert c["CPUID_4000_XX00_EBX"]["sim-intel"] == {
        "result": "fail", "reason": "probe cpuid crashed", "checks": 1}
    assert c["mv_debug_op_out"]["sim-intel"]["result"] == "not-covered"
    assert f"sim-intel/cpuid: CRASH: {o.crash}" in m["errors"]
    assert m["probes"]["sim-intel/cpuid"] == "CRASH"


def test_unavailable_backend_skips_every_item(catalog):
    o = outcome("p", mvp_log("p", [("a", "mv_debug_op_out", "0", "0", "pass")]))
    c, m = cells(catalog, [o], backends=[("sim-intel", None), ("qemu-tcg-amd", "hypervisor image not built")])
    for item in c.values():
        assert item["qemu-tcg-amd"]["result"] == "skip"
        assert "hypervisor image not built" in item["qemu-tcg-amd"]["reason"]
    assert c["mv_debug_op_out"]["sim-intel"]["result"] == "pass"
    assert m["backend_status"]["qemu-tcg-amd"]["available"] is False


def test_exit_code_must_match_end(catalog):
    o = outcome("p", mvp_log("p", [("a", "mv_debug_op_out", "0", "0", "pass")]), exit_code=5)
    assert any("exit status 5" in p and "expects 0" in p for p in o.problems)
    c, _ = cells(catalog, [o])
    assert c["mv_debug_op_out"]["sim-intel"]["result"] == "fail"
    assert "harness error" in c["mv_debug_op_out"]["sim-intel"]["reason"]


def test_timeout_after_end_is_a_problem():
    o = outcome("p", mvp_log("p", []), exit_code=124, timed_out=True)
    assert any("timed out after END" in p for p in o.problems)


def test_unknown_item_is_a_problem(catalog):
    o = outcome("p", mvp_log("p", [("a", "mv_no_such_call", "0", "0", "pass")]), catalog=catalog)
    assert any("unknown ABI item mv_no_such_call" in p for p in o.problems)
    _, m = cells(catalog, [o])
    assert "mv_no_such_call" not in [i["name"] for i in m["items"]]
    assert any("mv_no_such_call" in e for e in m["errors"])


def test_debug_out_crosscheck(catalog):
    promise = "debug_out vm=0 vp=0: 0x0000000000000001 0x00000000DEADBEEF"
    text = mvp_log("debug", []).replace("checks=0", "checks=1").replace(
        "MVP END", f'MVP CHECK probe=debug id=out items=mv_debug_op_out expected=0x0 got=0x0 '
                   f'verdict=pass desc="prints [hv] {promise}"\nMVP END')
    missing = outcome("debug", text)
    assert [x.ok for x in missing.cross] == [False]
    c, _ = cells(catalog, [missing])
    assert c["mv_debug_op_out"]["sim-intel"]["result"] == "fail"
    printed = outcome("debug", text.replace("[hv] booting", "[hv] " + promise.lower()))
    assert [x.ok for x in printed.cross] == [True]
    c, _ = cells(catalog, [printed])
    assert c["mv_debug_op_out"]["sim-intel"]["result"] == "pass"
    # two checks promising the same line need it printed twice
    twice = printed.log.checks[0]
    printed.log.checks.append(twice)
    from mvconf import crosschecks
    assert [x.ok for x in crosschecks.debug_out(printed)] == [True, False]


def test_banner_crosscheck():
    checks = [("ver", "CPUID_4000_XX02_EBX", "range", "0x07ea000b", "pass"),
              ("bld", "CPUID_4000_XX02_EDX", "0x0", "0x00000000", "pass")]
    good = outcome("cpuid", mvp_log("cpuid", checks, extra=["[hv] MicroV release 2026-11 build 0"]))
    assert [(x.id, x.ok) for x in good.cross] == [("banner.release", True), ("banner.build", True)]
    bad = outcome("cpuid", mvp_log("cpuid", checks, extra=["[hv] MicroV release 2026-10 build 3"]))
    assert [x.ok for x in bad.cross] == [False, False]
    silent = outcome("cpuid", mvp_log("cpuid", checks))
    assert [x.ok for x in silent.cross] == [None, None]


def test_isolation_dma_row_from_banner(catalog):
    banner = "[hv] microv-harness hypervisor backend=svm spec=Mv#1 release=2026-11 build=0 pps=1"
    o1 = outcome("handle", banner + " dma=protected(amd-iommu)\n" +
                 mvp_log("handle", [("ok", "mv_debug_op_out", "0", "0", "pass")]))
    _, m = cells(catalog, [o1])
    assert m["isolation"]["dma"]["sim-intel"] == {"result": "protected(amd-iommu)",
                                                  "dma_probe": "NOT-RUN"}
    o2 = outcome("dma", banner + " dma=unprotected\n" +
                 mvp_log("dma", [("ok", "mv_debug_op_out", "0", "0", "pass")]))
    _, m = cells(catalog, [o1, o2])
    cell = m["isolation"]["dma"]["sim-intel"]
    assert cell["result"] == "unknown" and "disagree" in cell["reason"]
    _, m = cells(catalog, [o2], backends=(("sim-intel", "not built"),))
    assert m["isolation"]["dma"]["sim-intel"]["result"] == "skip"


def test_iommu_fault_crosscheck():
    def run(printed):
        text = mvp_log("dma", []).replace("checks=0", "checks=2").replace(
            "MVP END", "".join(
                f'MVP CHECK probe=dma id=c{i} items=none expected=0x0 got=0x0 verdict=pass '
                f'desc="blocked; console: [hv] iommu: DMA fault"\n' for i in range(2)) + "MVP END")
        text = text.replace("[hv] booting", "\n".join(
            ["[hv] booting"] + ["[hv] iommu: DMA fault device 00:02.0: IO_PAGE_FAULT"] * printed))
        return [(x.id, x.ok) for x in outcome("dma", text).cross if x.id.endswith(".console")]
    assert run(2) == [("c0.console", True), ("c1.console", True)]
    assert run(1) == [("c0.console", True), ("c1.console", False)]
    assert run(0) == [("c0.console", False), ("c1.console", False)]
