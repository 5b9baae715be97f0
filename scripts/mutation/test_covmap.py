#!/usr/bin/python3
"""Self-test of the mutation runner's test selection (scripts/mutation/covmap.py,
CTest mutation.selftest): gcov's JSON read back, and which tests a mutant gets."""
import sys
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))
import covmap  # noqa: E402
from selftest import expect, finish  # noqa: E402


def lines(*pairs):
    return [{"line_number": n, "count": c} for n, c in pairs]


# Two documents on one line, then one on the next; a header file and a file
# not wanted are left out; counted keeps count > 0 only.
a = '{"files": [{"file": "/x/src/hv/core/a.c", "lines": %s}, {"file": "/x/src/hv/include/a.h", "lines": []}]}'
b = '{"files": [{"file": "/x/src/hv/core/b.c", "lines": %s}]}'
out = (a % '[{"line_number": 3, "count": 0}, {"line_number": 4, "count": 2}]' +
       b % '[{"line_number": 9, "count": 1}]' + "\n" +
       '{"files": [{"file": "/x/src/sim/c.c", "lines": [{"line_number": 1, "count": 5}]}]}\n')
res = {}
covmap.parse_gcov(out, ["hv/core/a.c", "hv/core/b.c"], res, True)
expect("counted", res, {"hv/core/a.c": {4}, "hv/core/b.c": {9}})
res = {}
covmap.parse_gcov(out, ["hv/core/a.c"], res, False)
expect("instrumented", res, {"hv/core/a.c": {3, 4}})
expect("garbage", covmap.parse_gcov("gcov: warning {not json", ["a"], {}, True), None)

m = {"instrumented": {"hv/core/a.c": [10, 11, 12, 20]},
     "unit": {"t1": {"hv/core/a.c": [10]}, "t2": {"hv/core/a.c": [12]}, "t3": {}},
     "conformance": {"sim-intel-p": {"hv/core/a.c": [11]}}}
sel = covmap.Selection(m)


def mu(line, orig="x"):
    return SimpleNamespace(file="hv/core/a.c", line=line, orig=orig)


expect("one line", sel.tests("unit", mu(10)), {"t1"})
expect("a mutant over three lines", sel.tests("unit", mu(10, "a\nb\nc")), {"t1", "t2"})
expect("conformance", sel.tests("conformance", mu(11)), {"sim-intel-p"})
expect("instrumented, run by none", sel.tests("unit", mu(20)), set())
expect("not instrumented: everything", sel.tests("unit", mu(15)), None)
expect("another file: everything", sel.tests("unit", SimpleNamespace(file="hv/core/z.c", line=1, orig="x")), None)
finish("mutation.selftest")
