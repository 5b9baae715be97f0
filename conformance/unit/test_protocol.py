"""The MVP parser on synthetic logs."""
from synth import mvp_log

from mvconf import protocol

OK = [("a", "mv_debug_op_out", "0x0", "0x0", "pass"),
      ("b", "mv_handle_op_open_handle,MV_STATUS_SUCCESS", "0x0", "0x1", "fail"),
      ("c", "CPUID_4000_XX00_EBX", "0x694d764d", "0x694d764d", "skip")]


def test_good_log(catalog):
    log = protocol.parse(mvp_log("handle", OK), "handle", set(catalog.by_name))
    assert log.errors == []
    assert log.completed and log.result == "FAILURE"
    assert [c.id for c in log.checks] == ["a", "b", "c"]
    assert log.checks[1].items == ("mv_handle_op_open_handle", "MV_STATUS_SUCCESS")
    assert log.checks[0].desc == "a check"
    assert log.console == ["[hv] booting"]
    assert log.title == "synthetic handle"


def test_missing_end_is_crash():
    log = protocol.parse(mvp_log("handle", OK[:1], end=False), "handle")
    assert not log.completed and log.result == "CRASH"
    assert log.errors == []
    assert len(log.checks) == 1


def test_empty_output_is_crash():
    log = protocol.parse("", "handle")
    assert log.result == "CRASH" and log.probe is None


def test_non_protocol_lines_ignored():
    text = mvp_log("x", OK[:1]) + "MVPX not a protocol line\n  MVP indented\n[hv] after\n"
    log = protocol.parse(text, "x")
    assert log.errors == [] and log.result == "SUCCESS"


def test_crlf_line_endings():
    log = protocol.parse(mvp_log("x", OK[:1]).replace("\n", "\r\n"), "x")
    assert log.errors == [] and log.result == "SUCCESS" and log.checks[0].desc == "a check"


def test_end_counts_disagree():
    log = protocol.parse(mvp_log("x", OK, failed=0, result="SUCCESS"), "x")
    assert any("failed=0 but 1 checks failed" in e for e in log.errors)
    assert any("result=SUCCESS although 1 checks failed" in e for e in log.errors)


def test_end_failure_without_failed_check():
    log = protocol.parse(mvp_log("x", OK[:1], result="FAILURE"), "x")
    assert any("FAILURE although no check failed" in e for e in log.errors)


def test_end_wrong_check_count():
    text = mvp_log("x", OK[:1]).replace("checks=1", "checks=2")
    log = protocol.parse(text, "x")
    assert any("checks=2 but 1 CHECK lines" in e for e in log.errors)


def test_duplicate_id():
    log = protocol.parse(mvp_log("x", [OK[0], OK[0]]), "x")
    assert any("duplicate check id a" in e for e in log.errors)


def test_unknown_item(catalog):
    checks = [("a", "mv_debug_op_outt", "0x0", "0x0", "pass")]
    log = protocol.parse(mvp_log("x", checks), "x", set(catalog.by_name))
    assert any("unknown ABI item mv_debug_op_outt" in e for e in log.errors)


def test_malformed_lines():
    bad = [
        "MVP CHECK probe=x id=a items=mv_debug_op_out expected=0x0 got=0x0 verdict=pass",  # no desc
        'MVP CHECK probe=x id=b items=A expected=0x0 got=0x0 verdict=maybe desc="d"',
        'MVP CHECK probe=x id=c items=A expected=0x0 got=0x0 verdict=pass desc="d" extra=1',
        'MVP CHECK probe=x id=D items=A expected=0x0 got=0x0 verdict=pass desc="d"',
        'MVP CHECK probe=x id=e items=A expected=0x0 got=0x0 verdict=pass color=red desc="d"',
        'MVP CHECK probe=x id=f items=A,,B expected=0x0 got=0x0 verdict=pass desc="d"',
        "MVP WHATEVER probe=x",
        "MVP END probe=x result=SUCCESS checks=zero failed=0",
    ]
    text = 'MVP BEGIN probe=x title="t"\n' + "\n".join(bad) + "\n"
    log = protocol.parse(text, "x")
    assert len(log.errors) == len(bad), log.errors
    assert log.checks == []


def test_check_before_begin_and_wrong_probe():
    text = ('MVP CHECK probe=x id=a items=A expected=0 got=0 verdict=pass desc="d"\n'
            'MVP BEGIN probe=y title="t"\n'
            'MVP CHECK probe=z id=b items=A expected=0 got=0 verdict=pass desc="d"\n'
            "MVP END probe=y result=SUCCESS checks=2 failed=0\n")
    log = protocol.parse(text, "x")
    errs = "\n".join(log.errors)
    assert "CHECK before BEGIN" in errs
    assert "BEGIN probe=y, expected probe=x" in errs
    assert "CHECK says probe=z, BEGIN said y" in errs


def test_lines_after_end_and_second_begin():
    text = mvp_log("x", OK[:1]) + 'MVP CHECK probe=x id=z items=A expected=0 got=0 verdict=pass desc="d"\n'
    log = protocol.parse(text, "x")
    assert any("after END" in e for e in log.errors)
    text = 'MVP BEGIN probe=x title="t"\n' + mvp_log("x", OK[:1])
    assert any("second BEGIN" in e for e in protocol.parse(text, "x").errors)


def test_truncated_last_line_of_crash():
    text = mvp_log("x", OK[:1], end=False) + "MVP CHECK probe=x id=b items=mv_de"
    log = protocol.parse(text, "x")
    assert log.result == "CRASH"
    assert len(log.errors) == 1


def test_items_none(catalog):
    checks = [("rt", "none", "0x0", "0x0", "pass"), ("mix", "none,mv_debug_op_out", "0", "0", "pass")]
    log = protocol.parse(mvp_log("selftest", checks).replace("checks=2", "checks=2"), "selftest",
                         set(catalog.by_name))
    assert [c.id for c in log.checks] == ["rt"]
    assert len(log.errors) == 1 and "items=none combined" in log.errors[0]
