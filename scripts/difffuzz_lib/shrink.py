"""Delta debugging of a program that diverges or crashes (docs/difffuzz.md
"Shrinking"): ddmin over its operations, then over its arguments (a flipped
REVZ bit cleared, a literal made 0, an earlier output replaced by 0), keeping
each step only if the program still shows a finding of the same kind on the
same backends."""
import time

from . import compare, prog as P


def simplify_args(prog):
    """Candidate programs, one argument simpler each."""
    for i, op in enumerate(prog["ops"]):
        if op["op"] != "call":
            continue
        for k, a in enumerate(op["args"]):
            cands = []
            if a.get("x"):
                cands.append(dict(a, x=0))
            if a["b"] == "lit" and a["v"]:
                cands.append(P.lit(0, a.get("x", 0)))
            if a["b"] == "out":
                cands.append(P.lit(0))
            for c in cands:
                ops = list(prog["ops"])
                args = list(op["args"])
                args[k] = c
                ops[i] = dict(op, args=args)
                yield dict(prog, ops=ops)


def shrink(prog, test, budget_s=120.0, max_tests=200, log=print):
    """test(prog) -> True while the finding persists.  Returns the smallest
    program found and the number of tests made."""
    t0 = time.monotonic()
    tests = 0

    def ok(p):
        nonlocal tests
        if tests >= max_tests or time.monotonic() - t0 > budget_s:
            return False
        tests += 1
        return test(p)

    cur = prog
    n = 2
    while len(cur["ops"]) >= 2 and tests < max_tests:
        size = len(cur["ops"])
        chunk = max(1, size // n)
        reduced = False
        for start in range(0, size, chunk):
            cand = P.remove_ops(cur, set(range(start, min(size, start + chunk))))
            if cand["ops"] and ok(cand):
                cur, reduced = cand, True
                n = max(n - 1, 2)
                break
        if not reduced:
            if chunk == 1:
                break
            n = min(size, n * 2)
        if time.monotonic() - t0 > budget_s:
            break
    changed = True
    while changed:
        changed = False
        for cand in simplify_args(cur):
            if ok(cand):
                cur, changed = cand, True
                break
    log(f"shrink: {len(prog['ops'])} -> {len(cur['ops'])} operations in {tests} tests, "
        f"{time.monotonic() - t0:.0f} s")
    return cur, tests


def still(kind, backends, run_all):
    """A test for shrink: run_all(prog, backends) -> results; the same kind of finding."""
    def test(p):
        f = compare.program_finding(0, run_all(p, backends))
        return f is not None and f.kind == kind
    return test
