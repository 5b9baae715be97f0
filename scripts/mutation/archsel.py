"""Test selection for backend mutants (scripts/mutation/run --arch,
docs/testing.md "The backends (ARCH=1)").

A mutant of hv/arch/x86/svm runs only on the AMD backend and a mutant of
hv/arch/x86/vmx only on the Intel one: the image picks its backend from the
CPU's vendor at boot (hv/arch/x86/boot), so the other backend never executes
the mutated line and cannot see it.  Within that backend, with the coverage
map of the bare-metal image (archmap.py), only the probes whose run executed
one of the mutant's lines; a mutant with no instrumented line (a #define, a
line gcc folded away) runs every probe of its backend.
"""
import tomllib
from pathlib import Path

import archmap
import covmap

# Which backend runs the code of each directory (scripts/mutation/run --arch).
VENDOR_BACKEND = {
    "hv/arch/x86/svm/": "qemu-tcg-amd",
    "hv/arch/x86/vmx/": "bochs-intel",
}


def backend_for(path):
    """The backend that executes the file `path` (repository-relative)."""
    for d, b in VENDOR_BACKEND.items():
        if path.startswith(d):
            return b
    raise ValueError(f"mutation: no backend executes {path} (archsel.VENDOR_BACKEND)")


def probe_names(src):
    """Every probe run of the tree `src`: a folder of guest-probes/probes with
    a main.c, and each of its probe.toml's [[variant]]s as <probe>.<name>
    (conformance/mvconf/probes.py's rules; crexit.refused runs only there)."""
    root = Path(src) / "guest-probes" / "probes"
    out = []
    for d in sorted(d for d in root.iterdir() if (d / "main.c").is_file()):
        out.append(d.name)
        if (d / "probe.toml").is_file():
            with open(d / "probe.toml", "rb") as f:
                out += [f"{d.name}.{v['name']}" for v in tomllib.load(f).get("variant", [])]
    return sorted(out)


def setup(cfg, w0, files, tracked):
    """cfg.select and cfg.targets_for of an --arch run (selector()).
    w0: the first worker (its copy and full build); files: the mutated
    files; tracked: the copy's tracked files.  Without cfg.select_tests
    (--no-select) no map is built: every probe of the mutant's backend."""
    m = None
    if cfg.select_tests:
        m = archmap.build(Path(w0.dir).parent, w0.src, tracked, files, cfg.backends,
                          cfg.python, w0.build, log=lambda s: print(s, flush=True))
    cfg.select, cfg.targets_for = selector(probe_names(w0.src), m, cfg.targets)


def selector(probes, m, targets):
    """(select, targets_for): select(layer, mutant) -> the
    '<backend>-<probe>' runs of the mutant's backend that the map `m`
    (archmap.py; None: no map) saw execute one of its lines, plus the runs
    it could not measure (m["always"]); every probe of that backend when no
    line of the mutant is instrumented.  targets_for(selection) -> the
    image's targets, None when nothing runs (the mutant survives unrun)."""
    selection = covmap.Selection(m) if m else None
    always = set(m["always"]) if m else set()

    def select(layer, mu):
        backend = backend_for(mu.file)
        every = {f"{backend}-{p}" for p in probes}
        runs = selection.tests(layer, mu) if selection else None
        return every if runs is None else (runs | always) & every

    def targets_for(sel):
        return None if all(v == set() for v in sel.values()) else targets
    return select, targets_for


def score_lines(results, wilson):
    """The backend mutants' score per backend (docs/testing.md "The
    backends"): killed, timeout, survived and (killed + timeout) / scored
    with its 95% Wilson interval, and the mean time per scored mutant
    (build + probes; a mutant no probe executes costs nothing).  [] when no
    result is a backend mutant."""
    lines = []
    for backend in sorted(set(VENDOR_BACKEND.values())):
        rs = [r for r in results if any(r["file"].startswith(d) for d, b in VENDOR_BACKEND.items()
                                        if b == backend)
              and r["result"] not in ("stillborn", "equivalent")]
        if not rs:
            continue
        k, t = (sum(1 for r in rs if r["result"] == v) for v in ("killed", "timeout"))
        lo, hi = wilson(k + t, len(rs))
        secs = sum(r.get("conformance_s", 0) + r.get("build_s", 0) for r in rs) / len(rs)
        lines.append(f"  {backend:<12} {k + t}/{len(rs)} = {100.0 * (k + t) / len(rs):.1f}% "
                     f"(95% interval {lo:.1f}-{hi:.1f}%)  [{k} killed, {t} timeout, "
                     f"{len(rs) - k - t} survived; {secs:.0f} s per mutant]")
    return lines
