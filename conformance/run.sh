#!/bin/sh
# The conformance suite: runs every probe on every available backend (pytest,
# conformance/conftest.py), writes build/conformance/{junit.xml,matrix.json,
# logs/} and prints the matrix.
usage() {
  cat <<'USAGE'
usage: conformance/run.sh [-h|--help] [PYTEST-ARGS...]

Runs the conformance suite (needs a built build/: make).  Every argument goes
to pytest: -k EXPR (a probe, item, check id or backend), -x, --lf, --ff, --co
(lists, runs nothing), -q, -v, --force (rerun, ignore the result cache),
--jobs N (runs at a time).  Results reused from the cache are marked (reused).

Environment:
  MV_BUILD_DIR   build directory (default build)
  MV_OUT_DIR     where the results go (default $MV_BUILD_DIR/conformance)
  MV_BACKENDS    comma list restricting the backends (sim-intel,sim-amd,qemu-tcg-amd,
                 qemu-kvm,bochs-intel,bochs-amd)
  MV_JOBS        runs at a time (default: the CPU count)
  FORCE=1        rerun everything (same as --force)
  TAP=1          a TAP stream on stdout instead of pytest's output
  MV_PYTHON      the Python (default /usr/bin/python3)

Exit status: pytest's (0 all passed, 1 something failed, 5 nothing selected),
2 usage error or pytest interrupted, 130 interrupted (Ctrl-C; the previous
results are kept either way).
USAGE
}
case "${1:-}" in -h|--help) usage; exit 0 ;; esac
set -u
cd "$(dirname "$0")/.." || exit 2
MV_BUILD_DIR=${MV_BUILD_DIR:-build}
PY=${MV_PYTHON:-/usr/bin/python3}
export MV_BUILD_DIR PYTHONDONTWRITEBYTECODE=1
out=${MV_OUT_DIR:-$MV_BUILD_DIR/conformance}
mkdir -p "$out"
stamp=$out/.session-start
: > "$stamp"
if [ "${TAP:-0}" != 0 ]; then
  set -- --mv-tap - -p no:terminal "$@"       # TAP alone on stdout
else
  set -- -rfE --no-header "$@"
fi
# Thousands of tiny tests: no per-test log capture, capture at the sys level
# (the tests print nothing; -s and --capture=fd still override).
set -- -p no:logging --capture=sys "$@"
# Ctrl-C (and SIGTERM, SIGHUP) reach pytest, which kills its runs and says so
# in one line; the shell only waits for it (a handler, not an ignore: pytest
# inherits the default disposition).
trap ':' INT TERM HUP
"$PY" -m pytest conformance/test_conformance.py \
    -o cache_dir="$out/pytest-cache" --mv-junit "$out/junit.xml" "$@"
rc=$?
case $rc in
  2|130) exit $rc ;;   # interrupted (or could not collect): nothing was replaced
  4) exit 2 ;;         # pytest's usage error
esac
# The matrix, if this session wrote one (not --co, not interrupted).
if [ "$out/matrix.json" -nt "$stamp" ]; then
  if [ "${TAP:-0}" != 0 ]; then
    "$PY" scripts/print-matrix "$out/matrix.json" >&2
  else
    echo
    "$PY" scripts/print-matrix "$out/matrix.json"
  fi
fi
rm -f "$stamp"
exit $rc
