#!/usr/bin/python3
"""check-cycles.py [--headers DIR] OBJ...: fails (exit 1) when the given object
files call each other in a circle (symbols from `nm`: a file that uses a global
another one defines depends on it), or the headers in DIR include each other in
a circle.  CTest guest-probes.runtime-no-cycles runs it on the probe runtime
(guest-probes/runtime) and guest-probes/include."""
import argparse
import os
import re
import subprocess
import sys
from pathlib import Path


def symbol_graph(objs):
    defined, used = {}, {}
    for o in objs:
        name = Path(o).name.removesuffix(".o").removesuffix(".obj")
        out = subprocess.run(["nm", o], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            f = line.split()
            if len(f) == 3 and f[1] in "TDBRVW" and f[1].isupper():
                defined[f[2]] = name
            elif len(f) == 2 and f[0] == "U":
                used.setdefault(name, set()).add(f[1])
    graph = {Path(o).name.removesuffix(".o").removesuffix(".obj"): set() for o in objs}
    for name, syms in used.items():
        graph[name] |= {defined[s] for s in syms if s in defined and defined[s] != name}
    return graph


def include_graph(folder):
    graph = {}
    for h in sorted(Path(folder).glob("*.h")):
        incs = re.findall(r'^\s*#\s*include\s+"([^"]+)"', h.read_text(), re.M)
        graph[h.name] = {i for i in incs if (Path(folder) / i).is_file() and i != h.name}
    return graph


def cycles(graph):
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--headers")
    ap.add_argument("objs", nargs="+")
    a = ap.parse_args()
    found = [("calls", c) for c in cycles(symbol_graph(a.objs))]
    if a.headers:
        found += [("includes", c) for c in cycles(include_graph(a.headers))]
    for kind, c in found:
        print(f"circle of {kind}: {' <-> '.join(c)}")
    if not found:
        print(f"no circle among {len(a.objs)} objects" + (f" and {a.headers}" if a.headers else ""))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
