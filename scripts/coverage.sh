#!/usr/bin/env bash
# make coverage: builds an instrumented tree, runs the core's unit tests and
# the conformance suite on the simulator backends, and writes an lcov HTML
# report of hv/core to OUT (default build/coverage), printing line and branch
# percentages.  The suite's verdicts do not stop the report: coverage of a
# failing run is still coverage.
set -euo pipefail
COV_BUILD=${1:-build/cov-build}
OUT=${2:-build/coverage}
cd "$(dirname "$0")/.."
LCOV_RC=(--rc lcov_branch_coverage=1)

cmake -S . -B "$COV_BUILD" -DCMAKE_BUILD_TYPE=Debug -DMV_COVERAGE=ON >/dev/null
cmake --build "$COV_BUILD" -j "$(nproc)"
lcov "${LCOV_RC[@]}" --zerocounters --directory "$COV_BUILD/hv" >/dev/null

echo "coverage: running the core's unit tests and the conformance suite (simulator backends)"
(cd "$COV_BUILD" && ctest -j "$(nproc)" >/dev/null) || echo "coverage: some unit tests failed (see make check)"
MV_BUILD_DIR=$COV_BUILD MV_BACKENDS=${MV_BACKENDS:-sim-intel,sim-amd} \
  conformance/run.sh --force >"$COV_BUILD/conformance.log" 2>&1 \
  || echo "coverage: the conformance suite reported failures (see $COV_BUILD/conformance.log)"

mkdir -p "$OUT"
# (Debian's lcov 1.16 geninfo warns "Subroutine ... redefined" about itself: noise.)
lcov "${LCOV_RC[@]}" --quiet --capture --directory "$COV_BUILD/hv" --output-file "$OUT/all.info" \
  2> >(grep -v 'redefined at /usr/bin/geninfo' >&2)
lcov "${LCOV_RC[@]}" --quiet --extract "$OUT/all.info" "*/hv/core/*" --output-file "$OUT/hv-core.info"
genhtml "${LCOV_RC[@]}" --quiet --title "hv/core coverage (conformance suite + unit tests)" \
  --output-directory "$OUT/html" "$OUT/hv-core.info"
echo "coverage: report at $OUT/html/index.html"
lcov "${LCOV_RC[@]}" --summary "$OUT/hv-core.info" 2>&1 | grep -E "lines|branches|functions"
