"""The scheduler's order (mvconf/schedule.py): longest first across every
backend, from the time each pair's last run took (the result cache), with
the documented defaults for pairs never measured; deterministic, nothing runs."""
import json

from mvconf import cache, schedule

PAIRS = [("sim-intel", "cpuid"), ("sim-intel", "mdl"), ("qemu-tcg-amd", "cpuid"),
         ("qemu-tcg-amd", "mdl"), ("bochs-amd", "cpuid"), ("bochs-amd", "mdl"),
         ("bochs-intel", "cpuid"), ("bochs-intel", "mdl")]


def timeouts(pair):
    return {"bochs-intel": 135.0, "bochs-amd": 135.0}.get(pair[0], 45.0)


def test_longest_first_across_backends_not_backend_by_backend():
    last = {("sim-intel", "cpuid"): 0.1, ("sim-intel", "mdl"): 0.9,
            ("qemu-tcg-amd", "cpuid"): 1.2, ("qemu-tcg-amd", "mdl"): 2.7,
            ("bochs-amd", "cpuid"): 2.0, ("bochs-amd", "mdl"): 7.9,
            ("bochs-intel", "cpuid"): 2.1, ("bochs-intel", "mdl"): 8.4}
    order = schedule.longest_first(PAIRS, schedule.estimates(PAIRS, last, timeouts))
    assert order == [("bochs-intel", "mdl"), ("bochs-amd", "mdl"), ("qemu-tcg-amd", "mdl"),
                     ("bochs-intel", "cpuid"), ("bochs-amd", "cpuid"), ("qemu-tcg-amd", "cpuid"),
                     ("sim-intel", "mdl"), ("sim-intel", "cpuid")]


def test_runs_that_cost_nothing_first_and_ties_keep_their_order():
    last = {p: 0.0 for p in PAIRS}          # all reused or skipped
    last[("sim-intel", "mdl")] = 1.0
    order = schedule.longest_first(PAIRS, schedule.estimates(PAIRS, last, timeouts))
    assert order == [("sim-intel", "mdl")] + [p for p in PAIRS if p != ("sim-intel", "mdl")]


def test_unknown_pairs_take_their_backends_median_else_their_timeout():
    last = {("bochs-amd", "cpuid"): 2.0, ("bochs-amd", "mdl"): None,
            ("bochs-intel", "cpuid"): None, ("bochs-intel", "mdl"): None,
            ("qemu-tcg-amd", "cpuid"): 1.0, ("qemu-tcg-amd", "mdl"): 3.0,
            ("sim-intel", "cpuid"): 0.0, ("sim-intel", "mdl"): None}  # 0: reused, not a sample
    est = schedule.estimates(PAIRS, last, timeouts)
    assert est[("bochs-amd", "mdl")] == 2.0           # bochs-amd's one measured run
    assert est[("bochs-intel", "mdl")] == 135.0        # never measured: its timeout
    assert est[("sim-intel", "mdl")] == 45.0           # the 0 of a reused run is no sample
    order = schedule.longest_first(PAIRS, est)
    assert order[:3] == [("bochs-intel", "cpuid"), ("bochs-intel", "mdl"), ("sim-intel", "mdl")]
    assert order[-1] == ("sim-intel", "cpuid")


def test_the_estimate_is_the_last_stored_runs_time_whatever_its_key(tmp_path, monkeypatch):
    monkeypatch.setenv("MV_OUT_DIR", str(tmp_path))
    assert cache.last_wall_s("bochs-amd", "mdl") is None
    p = cache.path("bochs-amd", "mdl")
    p.parent.mkdir(parents=True)
    p.write_text(json.dumps({"key": "an older image", "run": {"wall_s": 7.5}}))
    assert cache.last_wall_s("bochs-amd", "mdl") == 7.5
    p.write_text("not json")
    assert cache.last_wall_s("bochs-amd", "mdl") is None
    p.write_text(json.dumps({"key": "k", "run": {"wall_s": "x"}}))
    assert cache.last_wall_s("bochs-amd", "mdl") is None
