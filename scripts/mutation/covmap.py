"""Which tests run which lines: the coverage map that lets scripts/mutation/run
give each mutant only the tests that can see it (docs/testing.md, "Test
selection").

Built once per tree content, in an instrumented copy of the build
(-DMV_COVERAGE=ON) under <mutation dir>/cov/:
  - every CTest unit test of hv/tests runs alone with its own GCOV_PREFIX;
  - the conformance suite runs on the layer's backends with MV_COV_DIR set
    (conformance/mvconf/coverage.py: one GCOV_PREFIX per backend and probe)
    and FORCE=1 (a reused cached run leaves no counters);
  - gcov (--json-format) reads each run's .gcda files: the lines of the
    mutated files with a count > 0.
The map is stored as cov/map.json with the hash of the tree it measured; a
tree that differs in any tracked file builds it again.

Selection is sound because a test that never executes a line behaves the
same when that line is changed, with two exceptions handled by running
everything: a mutant none of whose lines is instrumented (a #define, a line
gcc folded away), and the layers' tests the map does not know (a test added
since: the map is rebuilt when the tree changes).
"""
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

MAP_VERSION = 2  # 2: the QEMU runs' image dumps are read too


def tree_hash(src, files):
    """sha256 over the paths and contents of the copy's files (not the
    documentation: docs/ and *.md change no test; nor the mutation runner's
    own scripts, scripts/mutation/, which no test runs but its own
    mutation.selftest, never selected)."""
    h = hashlib.sha256()
    for f in sorted(files):
        if f.startswith(("docs/", "scripts/mutation/")) or f.endswith(".md"):
            continue
        p = Path(src) / f
        if p.is_file():
            h.update(f.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def _sh(cmd, cwd=None, env=None, timeout=None):
    p = subprocess.run(cmd, cwd=cwd, env=env, timeout=timeout, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    return p.returncode, p.stdout


def _gcov_json(cwd, names, wanted, res, counted):
    """Run gcov --json-format on `names` (in cwd) and add their lines (all
    of them, or those with a count > 0 when `counted`) to res."""
    if names:
        rc, out = _sh(["gcov", "--json-format", "--stdout"] + sorted(names), cwd=cwd)
        parse_gcov(out, wanted, res, counted)


def parse_gcov(out, wanted, res, counted):
    """gcov --json-format --stdout output (one document per object, not
    always one per line) -> res {file: set(lines)}."""
    dec, i = json.JSONDecoder(), out.find("{")
    while i >= 0:
        try:
            doc, i = dec.raw_decode(out, i)
        except json.JSONDecodeError:
            i = out.find("{", i + 1)
            continue
        for f in doc.get("files", []) if isinstance(doc, dict) else []:
            name = _repo_rel(f["file"], wanted)
            if name is not None:
                res.setdefault(name, set()).update(
                    ln["line_number"] for ln in f["lines"] if ln["count"] > 0 or not counted)
        i = out.find("{", i)


def _wanted_unit(path, wanted):
    return any(path.name.startswith(Path(w).name + ".") for w in wanted)


def _gcov_lines(gcda_root, build, wanted):
    """{file: set(lines run)} for the .gcda files under gcda_root (a
    GCOV_PREFIX tree), restricted to `wanted` (repository-relative sources)."""
    res, dirs = {}, {}
    for gcda in Path(gcda_root).rglob("*.gcda"):
        # GCOV_PREFIX keeps the object's absolute path under the prefix: the
        # .gcno lies in the build at that path.
        rel = str(gcda)[len(str(gcda_root)):]
        gcno = Path(rel[:-5] + ".gcno")
        if not rel.startswith(str(build)) or not gcno.is_file() or not _wanted_unit(gcda, wanted):
            continue
        link = gcda.with_suffix(".gcno")
        if not link.exists():
            link.symlink_to(gcno)
        dirs.setdefault(gcda.parent, []).append(gcda.name)
    for d, names in dirs.items():
        _gcov_json(d, names, wanted, res, True)
    return res


def _repo_rel(path, wanted):
    for w in wanted:
        if path == w or path.endswith("/" + w):
            return w
    return None


def _instrumented(build, wanted):
    """{file: set(lines gcc instrumented)}: gcov of the core's objects with
    no counters."""
    res, dirs = {}, {}
    for gcno in Path(build).rglob("*.gcno"):
        if "hv_core_host.dir" in str(gcno) and _wanted_unit(gcno, wanted):
            dirs.setdefault(gcno.parent, []).append(gcno.name)
    for d, names in dirs.items():
        _gcov_json(d, names, wanted, res, False)
    return res


def build(root, src, files, wanted, backends, python, skip=(), log=print):
    """Build (or load) the map for the copy `src` (its tracked files
    `files`); `wanted`: the repository-relative files whose lines count;
    `skip`: unit tests not to measure (they never run the core)."""
    root = Path(root)
    cov = root / "cov"
    stamp = tree_hash(src, files) + " " + backends + f" v{MAP_VERSION}"
    mpath = cov / "map.json.gz"
    if mpath.exists():
        m = json.loads(gzip.decompress(mpath.read_bytes()))
        if m.get("stamp") == stamp:
            return m
    t0 = __import__("time").time()
    log("mutation: building the coverage map (once per tree; instrumented build in "
        f"{cov / 'build'})")
    bdir = cov / "build"
    if not (bdir / "CMakeCache.txt").exists():
        rc, out = _sh(["cmake", "-S", str(src), "-B", str(bdir), "-DCMAKE_BUILD_TYPE=Debug",
                       "-DMV_COVERAGE=ON"])
        if rc != 0:
            sys.exit(f"mutation: configure of the coverage build failed:\n{out[-3000:]}")
    rc, out = _sh(["cmake", "--build", str(bdir), "-j", "1"])
    if rc != 0:
        sys.exit(f"mutation: the coverage build failed:\n{out[-3000:]}")
    for g in bdir.rglob("*.gcda"):  # counters of an earlier build's runs
        g.unlink()
    inst = {f: sorted(v) for f, v in _instrumented(bdir, wanted).items()}
    if not inst:
        sys.exit("mutation: gcov found no instrumented line in the coverage build")

    # Unit tests, one at a time, each with its own prefix.
    rc, out = _sh(["ctest", "--test-dir", str(bdir / "hv" / "tests"), "--show-only=json-v1"])
    if rc != 0:
        sys.exit(f"mutation: ctest --show-only failed:\n{out[-2000:]}")
    unit = {}
    runs = cov / "runs"
    shutil.rmtree(runs, ignore_errors=True)
    tests = [t for t in json.loads(out)["tests"] if t.get("command") and t["name"] not in skip]
    for n, t in enumerate(tests):
        cmd = t["command"]
        if n % 20 == 0:
            log(f"mutation: coverage map: unit test {n + 1}/{len(tests)}")
        prefix = runs / "unit" / t["name"]
        env = dict(os.environ, GCOV_PREFIX=str(prefix))
        wd = next((p["value"] for p in t.get("properties", []) if p["name"] == "WORKING_DIRECTORY"),
                  str(bdir / "hv" / "tests"))
        try:
            subprocess.run(cmd, cwd=wd, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=600)
        except subprocess.TimeoutExpired:
            pass
        unit[t["name"]] = {f: sorted(v) for f, v in _gcov_lines(prefix, bdir, wanted).items()}
        shutil.rmtree(prefix, ignore_errors=True)

    # The conformance suite, every probe on every backend of the layer.
    log(f"mutation: coverage map: the conformance suite on {backends}")
    conf = {}
    cdir = runs / "conf"
    env = dict(os.environ, MV_BUILD_DIR=str(bdir), MV_BACKENDS=backends, MV_COV_DIR=str(cdir),
               MV_TIMEOUT_SCALE="3", FORCE="1", PYTHONDONTWRITEBYTECODE="1")
    _sh([python, "-m", "pytest", "conformance/test_conformance.py", "-q", "--no-header",
         "-p", "no:cacheprovider"], cwd=src, env=env)
    gdir = cdir / "gcda"
    # The bare-metal image's runs (QEMU): its port 0xE9 dumps -> .gcda files
    # in the GCOV_PREFIX layout.  A dump that is incomplete or missing counts
    # as running every instrumented line: selection must never drop a test
    # that may reach the mutant.
    incomplete = set()
    rdir = cdir / "raw"
    for bd in sorted(rdir.iterdir()) if rdir.is_dir() else []:
        for dump in sorted(bd.glob("*.mvcov")):
            rc, out = _sh([python, str(Path(src) / "scripts" / "cov-collect"), str(dump),
                           str(gdir / bd.name / dump.stem)])
            if rc != 0:
                log(f"mutation: coverage map: {bd.name}-{dump.stem}: dump incomplete, "
                    "counted as running every line")
                incomplete.add(f"{bd.name}-{dump.stem}")
    for bd in sorted(gdir.iterdir()) if gdir.is_dir() else []:
        for pd in sorted(bd.iterdir()):
            conf[f"{bd.name}-{pd.name}"] = {
                f: sorted(v) for f, v in _gcov_lines(pd, bdir, wanted).items()}
    for pair in incomplete:
        conf[pair] = inst
    shutil.rmtree(runs, ignore_errors=True)
    m = {"stamp": stamp, "unit": unit, "conformance": conf, "instrumented": inst}
    mpath.write_bytes(gzip.compress(json.dumps(m).encode()))
    log(f"mutation: coverage map: {len(unit)} unit tests, {len(conf)} probe runs, "
        f"{__import__('time').time() - t0:.0f} s")
    return m


class Selection:
    """Per mutant, the tests of each layer whose runs execute one of its lines."""

    def __init__(self, m):
        self.inst = {f: set(v) for f, v in m["instrumented"].items()}
        self.by = {}
        for layer in ("unit", "conformance"):
            idx = {}
            for test, fl in m[layer].items():
                for f, lines in fl.items():
                    for ln in lines:
                        idx.setdefault((f, ln), set()).add(test)
            self.by[layer] = idx

    def tests(self, layer, mu):
        """The tests of `layer` that run a line of mutant `mu`; None: run
        them all (no line of the mutant is instrumented)."""
        lines = range(mu.line, mu.line + mu.orig.count("\n") + 1)
        if not any(ln in self.inst.get(mu.file, ()) for ln in lines):
            return None
        res = set()
        for ln in lines:
            res |= self.by[layer].get((mu.file, ln), set())
        return res
