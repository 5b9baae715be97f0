"""Compares one program's traces across backends: the first differing call
with every backend's line, or the backend a program crashed or hung."""
from dataclasses import dataclass
from typing import Dict, List, Optional


@dataclass
class Finding:
    kind: str                 # "divergence" | "crash"
    prog: int                 # index in the batch
    call: Optional[int]       # line number of the first differing call
    lines: Dict[str, str]     # backend -> its line (or what happened)

    def report(self, name: str = "") -> str:
        head = f"{self.kind} in program {self.prog}{' (' + name + ')' if name else ''}"
        if self.call is not None:
            head += f", call line {self.call}"
        return "\n".join([head] + [f"  {b:12s} {l}" for b, l in sorted(self.lines.items())])


def program_finding(index: int, results) -> Optional[Finding]:
    """results: BatchResults of the same batch on each backend."""
    crashed = {r.backend: r for r in results if r.crash and r.crashed_prog == index}
    if crashed:
        lines = {}
        for r in results:
            t = r.traces.get(index, [])
            last = t[-1] if t else "(no call)"
            lines[r.backend] = (f"CRASH {r.crash}; last call: {last}" if r.backend in crashed
                                else f"ok, {len(t)} calls")
        return Finding("crash", index, None, lines)
    ran = [r for r in results if index in r.hashes]
    if ran and len(ran) < len(results):
        # Ran somewhere but not everywhere, with no crash at it: a batch that
        # ended early (a DFW line) or a crash before it.  Never passed over.
        lines = {}
        for r in results:
            if index in r.hashes:
                lines[r.backend] = f"ok, {len(r.traces.get(index, []))} calls"
            else:
                why = r.crash or (r.problems[-1] if r.problems else "no result line")
                lines[r.backend] = f"CRASH did not run: {why}"
        return Finding("crash", index, None, lines)
    if len(ran) < 2:
        return None
    traces = {r.backend: r.traces.get(index, []) for r in ran}
    longest = max(len(t) for t in traces.values())
    for j in range(longest):
        seen = {b: (t[j] if j < len(t) else "(no line)") for b, t in traces.items()}
        if len(set(seen.values())) > 1:
            return Finding("divergence", index, j, seen)
    return None


def findings(n_progs: int, results) -> List[Finding]:
    out = []
    for i in range(n_progs):
        f = program_finding(i, results)
        if f:
            out.append(f)
    return out
