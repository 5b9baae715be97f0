"""difffuzz's own tests (ctest difffuzz.unit): the generator's determinism and
safety rules, the encoding, shrinking, the comparison, and the probe's
defensive decoding on mvsim (malformed programs are DFE lines, never a crash)."""
import os
import struct
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from difffuzz_lib import compare, gen, prog as P, run as R, shrink as S  # noqa: E402


def test_generator_is_deterministic_and_varied():
    a, b = gen.programs(5, 10), gen.programs(5, 10)
    assert a == b
    assert gen.programs(6, 10) != a
    names = {o["rax"] for p in a for o in p["ops"] if o["op"] == "call"}
    assert len(names) > 15  # most of the ABI's hypercalls


def test_safety_rules_hold():
    for p in gen.programs(9, 100):
        named = set()
        for op in p["ops"]:
            if op["op"] == "mdl":
                for a, _, _ in op["ents"]:
                    assert not (a["b"] == "page" and a["r"] == 0), "an MDL entry names a control page"
            if op["op"] == "code":
                assert (2, op["page"]) not in named, "code written into a page already named"
            args = op.get("args", []) + [e[0] for e in op.get("ents", [])]
            for a in args:
                if a["b"] == "page":
                    named.add((a["r"], a["p"]))
                if a.get("w"):
                    assert a["b"] == "page"


def test_encoding_lengths():
    p = gen.programs(3, 1)[0]
    blob = P.encode(p)
    assert blob[:8] == P.PROG_MAGIC
    assert struct.unpack_from("<II", blob, 8) == (len(blob), len(p["ops"]))
    b = P.batch([p, p])
    assert b[:8] == P.BATCH_MAGIC and struct.unpack_from("<I", b, 8)[0] == 2


def test_remove_ops_rewrites_references():
    p = {"name": "t", "expected": 0, "ops": [
        {"op": "call", "rax": 1, "args": [P.lit(0)] * 6},
        {"op": "call", "rax": 2, "args": [P.lit(0)] * 6},
        {"op": "call", "rax": 3, "args": [{"b": "out", "op": 0, "reg": 0, "x": 0},
                                          {"b": "out", "op": 1, "reg": 2, "x": 0}] + [P.lit(0)] * 4}]}
    q = P.remove_ops(p, {0})
    assert [o["rax"] for o in q["ops"]] == [2, 3]
    assert q["ops"][1]["args"][0] == P.lit(0xFFFF)
    assert q["ops"][1]["args"][1] == {"b": "out", "op": 0, "reg": 2, "x": 0}


def test_shrink_finds_the_culprit():
    ops = [{"op": "call", "rax": i, "args": [P.lit(7, x=4)] + [P.lit(0)] * 5} for i in range(20)]
    p = {"name": "t", "expected": 0, "ops": ops}
    small, _ = S.shrink(p, lambda q: any(o["rax"] == 13 for o in q["ops"]), log=lambda *_: None)
    assert [o["rax"] for o in small["ops"]] == [13]
    assert small["ops"][0]["args"][0] == P.lit(0)


def test_compare_first_difference_and_crash():
    a = R.parse("x", "DFP 0 begin\nDFT 0 0 a st=0\nDFT 0 1 b st=0\nDFP 0 end hash=1\nDFB done\n", False, 0)
    b = R.parse("y", "DFP 0 begin\nDFT 0 0 a st=0\nDFT 0 1 b st=1\nDFP 0 end hash=2\nDFB done\n", False, 0)
    f = compare.program_finding(0, [a, b])
    assert f.kind == "divergence" and f.call == 1 and f.lines == {"x": "1 b st=0", "y": "1 b st=1"}
    c = R.parse("z", "DFP 0 begin\nDFT 0 0 a st=0\n[hv] root VM stopped on pp 0: x RIP 0x1\n", False, 125)
    f = compare.program_finding(0, [a, c])
    assert f.kind == "crash" and "root VM stopped" in f.lines["z"]


def test_a_program_that_did_not_run_everywhere_is_a_crash():
    ok = "DFP 0 begin\nDFT 0 0 a st=0\nDFP 0 end hash=1\nDFP 1 begin\nDFT 1 0 a st=0\nDFP 1 end hash=1\nDFB done\n"
    a, b = R.parse("x", ok, False, 0), R.parse("y", ok, False, 0)
    # The emulator ended between programs 0 and 1: program 1 is the crash.
    c = R.parse("z", "DFP 0 begin\nDFT 0 0 a st=0\nDFP 0 end hash=1\n", False, 1)
    assert compare.program_finding(0, [a, b, c]) is None
    f = compare.program_finding(1, [a, b, c])
    assert f.kind == "crash" and f.lines["z"].startswith("CRASH") and f.lines["x"].startswith("ok")
    # A batch that ended early with a DFW line and "DFB done": never passed over.
    d = R.parse("w", "DFP 0 begin\nDFT 0 0 a st=0\nDFP 0 end hash=1\nDFW 0 cleanup failed\nDFB done\n", False, 0)
    f = compare.program_finding(1, [a, b, d])
    assert f.kind == "crash" and "DFW" in f.lines["w"]


MVSIM = Path(os.environ.get("MV_BUILD_DIR", "build")) / "sim" / "mvsim"


@pytest.mark.skipif(not MVSIM.exists(), reason="mvsim not built")
def test_probe_decodes_malformed_programs_defensively(tmp_path):
    R.set_build(os.environ.get("MV_BUILD_DIR", "build"))
    (sim,), _ = R.backends_by_name(["sim-intel"])
    good = gen.programs(4, 1)[0]
    bad_ref = {"name": "bad-ref", "expected": 0, "ops": [
        {"op": "call", "rax": 0, "args": [{"b": "out", "op": 5, "reg": 0, "x": 0}] + [P.lit(0)] * 5}]}
    bad_page = {"name": "bad-page", "expected": 0,
                "ops": [{"op": "data", "page": 99, "off": 0, "bytes": "00"}]}
    ctrl_entry = {"name": "ctrl-entry", "expected": 0, "ops": [
        {"op": "mdl", "page": 0, "num": 1, "revz": 0, "next": P.lit(0),
         "ents": [[P.page(0, 1), 0x1000, 0]]}]}
    truncated = P.encode(good)[:-3]
    blob = P.batch([bad_ref, bad_page, ctrl_entry]) + truncated
    blob = blob[:8] + struct.pack("<I", 4) + blob[12:]
    mod = tmp_path / "bad.bin"
    mod.write_bytes(blob)
    from mvconf import probes
    probe = probes.Probe(name="difffuzz", elf=MVSIM.parent.parent / "guest-probes" / "difffuzz.elf",
                         timeout=20, modules=(mod,))
    out = sim.run(probe).output
    assert "DFE 0 malformed: output reference not to an earlier call" in out
    assert "DFE 1 malformed: arena page out of range" in out
    assert "DFE 2 malformed: an MDL entry names a control page" in out
    assert "DFE 3 malformed: length" in out
    assert "result=ERROR" in out
