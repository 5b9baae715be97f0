#!/usr/bin/python3
"""Self-test of the backend mutants' test selection (scripts/mutation/archsel.py,
CTest mutation.archsel): each directory's backend, which probe runs a
mutant of hv/arch/x86/svm or vmx gets, and which coverage runs archmap.py
trusts, and the score per backend."""
import sys
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))
import archsel  # noqa: E402
from selftest import expect, finish  # noqa: E402


expect("svm", archsel.backend_for("hv/arch/x86/svm/exit.c"), "qemu-tcg-amd")
expect("vmx", archsel.backend_for("hv/arch/x86/vmx/exit.c"), "bochs-intel")
try:
    archsel.backend_for("hv/core/exit.c")
    expect("hv/core refused", "accepted", "ValueError")
except ValueError:
    pass
expect("probes of the tree, with their variants",
       {"cpuid", "vps", "crexit", "crexit.refused"} <= set(archsel.probe_names(archsel.Path(__file__).resolve().parents[2])),
       True)

# svm/a.c line 10 runs in p1 on both backends' names (a map never has that,
# the filter must still hold); line 11 in no probe; line 30 not instrumented.
m = {"instrumented": {"hv/arch/x86/svm/a.c": [10, 11, 12], "hv/arch/x86/vmx/b.c": [5]},
     "unit": {},
     "conformance": {"qemu-tcg-amd-p1": {"hv/arch/x86/svm/a.c": [10, 12]},
                     "bochs-intel-p1": {"hv/arch/x86/svm/a.c": [10], "hv/arch/x86/vmx/b.c": [5]},
                     "qemu-tcg-amd-p2": {"hv/arch/x86/svm/a.c": [12]}},
     "always": ["qemu-tcg-amd-p3", "bochs-intel-p3"]}
select, targets_for = archsel.selector(["p1", "p2", "p3"], m, ["microv-hv"])


def mu(f, line, orig="x"):
    return SimpleNamespace(file=f, line=line, orig=orig)


svm, vmx = "hv/arch/x86/svm/a.c", "hv/arch/x86/vmx/b.c"
expect("covered: its probes on its backend, and the unmeasured runs",
       select("conformance", mu(svm, 10)), {"qemu-tcg-amd-p1", "qemu-tcg-amd-p3"})
expect("two lines", select("conformance", mu(svm, 10, "a\nb\nc")),
       {"qemu-tcg-amd-p1", "qemu-tcg-amd-p2", "qemu-tcg-amd-p3"})
expect("vmx", select("conformance", mu(vmx, 5)), {"bochs-intel-p1", "bochs-intel-p3"})
expect("run by no measured probe: the unmeasured runs only",
       select("conformance", mu(svm, 11)), {"qemu-tcg-amd-p3"})
expect("not instrumented: every probe of its backend", select("conformance", mu(svm, 30)),
       {"qemu-tcg-amd-p1", "qemu-tcg-amd-p2", "qemu-tcg-amd-p3"})
expect("targets", targets_for({"conformance": {"qemu-tcg-amd-p3"}}), ["microv-hv"])
expect("nothing to run: nothing to build", targets_for({"conformance": set()}), None)

select, _ = archsel.selector(["p1", "p2"], None, ["microv-hv"])
expect("no map: every probe of its backend", select("conformance", mu(vmx, 5)),
       {"bochs-intel-p1", "bochs-intel-p2"})
m["always"] = []
select, _ = archsel.selector(["p1", "p2"], m, ["microv-hv"])
expect("run by no probe: nothing", select("conformance", mu(svm, 11)), set())
# archmap.trusted: which coverage runs count as measured.
expect("SUCCESS with its dump", archsel.archmap.trusted("SUCCESS", True), True)
expect("SKIP (some checks skipped) with its dump", archsel.archmap.trusted("SKIP", True), True)
expect("no dump", archsel.archmap.trusted("SKIP", False), False)
expect("FAILURE", archsel.archmap.trusted("FAILURE", True), False)
expect("ERROR", archsel.archmap.trusted("ERROR", True), False)
# score_lines: per backend, stillborn and equivalent left out.
res = [{"file": svm, "result": "killed", "conformance_s": 10, "build_s": 2},
       {"file": svm, "result": "survived", "conformance_s": 20, "build_s": 2},
       {"file": svm, "result": "stillborn"},
       {"file": vmx, "result": "timeout", "conformance_s": 100, "build_s": 2},
       {"file": "hv/core/a.c", "result": "killed"}]
lines = archsel.score_lines(res, lambda k, n: (float(k), float(n)))
expect("per backend", [ln.split()[:3] for ln in lines],
       [["bochs-intel", "1/1", "="], ["qemu-tcg-amd", "1/2", "="]])
expect("counts and time", lines[1].split("[")[1], "1 killed, 0 timeout, 1 survived; 17 s per mutant]")
expect("no backend mutant", archsel.score_lines(res[-1:], None), [])
finish("mutation.archsel")
