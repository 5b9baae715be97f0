#!/bin/sh
# The conformance suite: runs every probe on every available backend, writes
# build/conformance/{junit.xml,matrix.json,logs/} and prints the matrix.
#
#   conformance/run.sh [PYTEST-ARGS...]      (from anywhere; needs a built build/)
#
# Environment: MV_BUILD_DIR (default build), MV_BACKENDS=sim-intel,sim-amd,...
# (restricts the backends), MV_PYTHON (default /usr/bin/python3).
# Exit status: pytest's (0 all passed, 1 something failed, 4 not built).
set -u
cd "$(dirname "$0")/.." || exit 2
MV_BUILD_DIR=${MV_BUILD_DIR:-build}
PY=${MV_PYTHON:-/usr/bin/python3}
export MV_BUILD_DIR PYTHONDONTWRITEBYTECODE=1
mkdir -p "$MV_BUILD_DIR/conformance"
rm -f "$MV_BUILD_DIR/conformance/matrix.json"
"$PY" -m pytest conformance/test_conformance.py -q -rfE --no-header \
    --junitxml="$MV_BUILD_DIR/conformance/junit.xml" "$@"
rc=$?
echo
"$PY" scripts/print-matrix "$MV_BUILD_DIR/conformance/matrix.json"
exit $rc
