#!/usr/bin/env bash
# make check: the core's unit tests (CTest), the suite's own unit tests, then
# the conformance suite.  Runs all three and fails if any failed; the last
# line is the summary CI reads.
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/.." || exit 2
PY=/usr/bin/python3
fail=0
declare -a summary

echo "== unit tests of hv/core (ctest)"
if (cd "$BUILD" && ctest --output-on-failure -j "$(nproc)"); then summary+=("ctest: ok"); else summary+=("ctest: FAILED"); fail=1; fi

echo "== unit tests of the conformance harness (pytest)"
if PYTHONDONTWRITEBYTECODE=1 MV_BUILD_DIR=$BUILD $PY -m pytest -q -p no:cacheprovider conformance/unit; then
  summary+=("harness unit tests: ok"); else summary+=("harness unit tests: FAILED"); fail=1; fi

echo "== conformance suite"
if MV_BUILD_DIR=$BUILD conformance/run.sh -p no:cacheprovider; then summary+=("conformance: ok"); else summary+=("conformance: FAILED"); fail=1; fi

echo
echo "== make check summary"
printf '  %s\n' "${summary[@]}"
exit $fail
