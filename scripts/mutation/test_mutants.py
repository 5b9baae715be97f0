#!/usr/bin/python3
"""Self-test of the mutants' identity (scripts/mutation/mutants.py, CTest
mutation.ids): the id depends on the file (stop 14: same-named static
functions of svm/ and vmx/ collided), every equivalent.txt entry names one
mutant of today's tree, and the ids of before stop 14 are still understood."""
import glob
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
import mutants as M  # noqa: E402
from selftest import expect, finish  # noqa: E402

# The same static function in two files: two mutants, two ids, one legacy id.
SRC = "static int reset_state(int a)\n{\n\tif (a < 4)\n\t\treturn -1;\n\treturn 0;\n}\n"
with tempfile.TemporaryDirectory() as d:
    for n in ("svm", "vmx"):
        Path(d, f"{n}.c").write_text(SRC)
    a = M.generate(str(Path(d, "svm.c")), "hv/arch/x86/svm/svm.c")
    b = M.generate(str(Path(d, "vmx.c")), "hv/arch/x86/vmx/vmx.c")
expect("mutants per file", (len(a), len(b)), (2, 2))
expect("keys name the file", a[0].key, "hv/arch/x86/svm/svm.c | reset_state | rel | < -> <=")
expect("ids differ", len({m.mid for m in a + b}), 4)
expect("legacy ids collide", [m.legacy_id for m in a], [m.legacy_id for m in b])

# Every equivalent.txt entry is one mutant of the file it names (a stale or
# ambiguous entry would silently stop counting as equivalent).
eq = M.load_equivalent(HERE / "equivalent.txt")
gen = {}
for g in ("hv/core/*.c", "hv/arch/x86/svm/*.c", "hv/arch/x86/vmx/*.c"):
    for f in sorted(glob.glob(str(REPO / g))):
        rel = str(Path(f).relative_to(REPO))
        for m in M.generate(f, rel):
            gen.setdefault(m.key, []).append(m)
expect("no two mutants share a key", [k for k, v in gen.items() if len(v) > 1], [])
expect("equivalent entries without a mutant", [k for k in eq if k not in gen], [])
expect("entries in both backends' files", sorted(k.split(" | ")[0] for k in eq if " vps_reset_state " in k
                                                 and "hv_memset(a->dr" in k),
       ["hv/arch/x86/svm/svm.c", "hv/arch/x86/vmx/vmx.c"])
expect("drop-if keys keep their ||", any(" || " in k for k in eq), True)

# The old sample's ids (tree 0b3b394): --ids takes them, old results upgrade.
old = {"id": "5d923909c1", "key": "root_map_ram | revz | (pages >> 8) -> 0", "file": "hv/core/core.c"}
m = [m for m in gen.get("hv/core/core.c | " + old["key"], [])]
expect("legacy id of core.c's revz", [x.legacy_id for x in m], [old["id"]])
new = M.upgrade_result(dict(old))
expect("upgraded result", (new["key"], new["id"]), (m[0].key if m else None, m[0].mid if m else None))
expect("upgrade is idempotent", M.upgrade_result(dict(new)), new)
finish("mutation.ids")
