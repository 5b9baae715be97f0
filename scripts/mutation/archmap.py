"""Which probe runs execute which lines of the bare-metal backends: the
coverage map of scripts/mutation/run --arch (docs/testing.md "The backends
(ARCH=1)"), the image's counterpart of covmap.py.

Built once per tree content under <mutation-arch dir>/cov/:
  - only the instrumented image is built (-DMV_COVERAGE=ON, target
    microv-hv: -O0, gcov counters, the port 0xE9 dump of
    hv/arch/x86/cov/gcov.c, coverage/README.md); the probes, the harness's
    generated files and everything else come from the worker's own build
    (MV_BUILD_DIR), the image from MV_HV_IMAGE_SVM/_VMX;
  - the conformance suite runs once on the layer's backends with
    MV_COV_DIR, FORCE=1 and every probe's timeout x3 (the -O0 image);
  - scripts/cov-collect turns each run's dump into .gcda files, and gcov
    (covmap.parse_gcov) reads the lines of the mutated files with a count.
A run whose counters cannot be trusted to be complete (trusted(): no dump,
a dump cov-collect rejects, a run that ended in FAILURE or ERROR -- under
coverage an expected stop seen on an AP can end a run before the BSP is
done) is listed in `always`: it is selected for every mutant of its
backend.  A probe's result SKIP is a run like SUCCESS (some of its checks
skipped, with their reason), not a run that did not happen.
"""
import gzip
import json
import os
import shutil
import sys
import time
from pathlib import Path

import covmap

MAP_VERSION = 2  # 2: runs ending in SKIP are measured (1 left them out)
IMAGE_DIR = "microv-hv.dir"  # the image's objects in the build (CMake's target dir)


def _instrumented(bdir, wanted):
    """{file: set(lines gcc instrumented)} in the image's objects."""
    res, dirs = {}, {}
    for gcno in Path(bdir).rglob("*.gcno"):
        if IMAGE_DIR in str(gcno) and covmap._wanted_unit(gcno, wanted):
            dirs.setdefault(gcno.parent, []).append(gcno.name)
    for d, names in dirs.items():
        covmap._gcov_json(d, names, wanted, res, False)
    return res


def trusted(status, dumped):
    """Are a run's counters the whole of what it executed?  Only with a dump
    (cov-collect then checks it is complete) of a run that ended as it does
    unmutated: SUCCESS, or SKIP (the probe ran and skipped some checks with
    their reason: protocol.py).  A run with no dump -- the harness skipped
    the pair for a missing backend feature, or the run died -- and a FAILURE
    or ERROR are not trusted: the pair is then run for every mutant."""
    return dumped and status in ("SUCCESS", "SKIP")


def build(root, src, files, wanted, backends, python, probe_build, log=print):
    """Build (or load) the map for the copy `src` (tracked files `files`);
    `wanted`: the repository-relative files whose lines count;
    `probe_build`: a full build of the same tree (the worker's)."""
    cov = Path(root) / "cov"
    stamp = covmap.tree_hash(src, files) + " " + backends + f" arch v{MAP_VERSION}"
    mpath = cov / "archmap.json.gz"
    if mpath.exists():
        m = json.loads(gzip.decompress(mpath.read_bytes()))
        if m.get("stamp") == stamp:
            return m
    t0 = time.time()
    bdir = cov / "build"
    log(f"mutation: building the image's coverage map (once per tree; {bdir})")
    if not (bdir / "CMakeCache.txt").exists():
        rc, out = covmap._sh(["cmake", "-S", str(src), "-B", str(bdir),
                              "-DCMAKE_BUILD_TYPE=Debug", "-DMV_COVERAGE=ON"])
        if rc != 0:
            sys.exit(f"mutation: configure of the coverage build failed:\n{out[-3000:]}")
    rc, out = covmap._sh(["cmake", "--build", str(bdir), "-j", "1", "--target", "microv-hv"])
    if rc != 0:
        sys.exit(f"mutation: the coverage image does not build:\n{out[-3000:]}")
    for g in bdir.rglob("*.gcda"):
        g.unlink()
    inst = {f: sorted(v) for f, v in _instrumented(bdir, wanted).items()}
    if not inst:
        sys.exit("mutation: gcov found no instrumented line in the coverage image")

    runs = cov / "runs"
    shutil.rmtree(runs, ignore_errors=True)
    image = str(bdir / "hv" / "microv-hv.elf")
    env = dict(os.environ, MV_BUILD_DIR=str(probe_build), MV_OUT_DIR=str(runs / "out"),
               MV_HV_IMAGE_SVM=image, MV_HV_IMAGE_VMX=image, MV_BACKENDS=backends,
               MV_COV_DIR=str(runs), MV_TIMEOUT_SCALE="3", FORCE="1",
               PYTHONDONTWRITEBYTECODE="1")
    log(f"mutation: coverage map: the conformance suite on {backends}")
    covmap._sh([python, "-m", "pytest", "conformance/test_conformance.py", "-q", "--no-header",
                "-p", "no:cacheprovider"], cwd=src, env=env)
    status = json.loads((runs / "out" / "matrix.json").read_text())["probes"]
    conf, always = {}, []
    for pair, st in sorted(status.items()):
        backend, probe = pair.split("/", 1)
        key = f"{backend}-{probe}"
        dump = runs / "raw" / backend / f"{probe}.mvcov"
        gdir = runs / "gcda" / backend / probe
        rc = 1
        if trusted(st, dump.is_file()):
            rc, _ = covmap._sh([python, str(Path(src) / "scripts" / "cov-collect"),
                                str(dump), str(gdir)])
        if rc != 0:
            always.append(key)
            continue
        conf[key] = {f: sorted(v) for f, v in covmap._gcov_lines(gdir, bdir, wanted).items()}
    shutil.rmtree(runs, ignore_errors=True)
    m = {"stamp": stamp, "unit": {}, "conformance": conf, "always": always,
         "instrumented": inst}
    mpath.write_bytes(gzip.compress(json.dumps(m).encode()))
    log(f"mutation: coverage map: {len(conf)} probe runs measured, {len(always)} run for "
        f"every mutant ({', '.join(always) or 'none'}), {time.time() - t0:.0f} s")
    return m
