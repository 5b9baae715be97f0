#!/usr/bin/env bash
# make check: the unit tests (CTest: hv/core, mvsim, probe runtime, harness),
# the kvm-unit-tests subset (scripts/kvm-unit-tests --check; a SKIP line and no
# count when there is no kvm-unit-tests source), then the conformance suite.
# Runs all three and fails if any failed; the last line is the summary CI reads
# ("N passed, N failed").
usage() { echo "usage: scripts/check.sh [-h|--help] [BUILD]   (make check: unit tests + conformance suite)"; }
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  -*) echo "check.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
esac
[ $# -le 1 ] || { usage >&2; exit 2; }
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/.." || exit 2
fail=0
logdir=$BUILD/check
mkdir -p "$logdir"

echo "== unit tests (ctest)"
(cd "$BUILD" && ctest --output-on-failure -j "$(nproc)") 2>&1 | tee "$logdir/ctest.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail=1

echo "== kvm-unit-tests (the make-check subset: scripts/kut/check-subset.txt)"
scripts/kvm-unit-tests --build-dir "$BUILD" --check 2>&1 | tee "$logdir/kvm-unit-tests.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail=1

echo "== conformance suite"
MV_BUILD_DIR=$BUILD conformance/run.sh 2>&1 | tee "$logdir/conformance.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail=1

# Totals: ctest's "N tests failed out of M" and pytest's "N passed[, M failed]".
read -r c_fail c_total < <(sed -n 's/.* \([0-9]*\) tests failed out of \([0-9]*\).*/\1 \2/p' "$logdir/ctest.log" | tail -1)
p_pass=$(grep -Eo '[0-9]+ passed' "$logdir/conformance.log" | tail -1 | grep -Eo '[0-9]+')
p_fail=$(grep -Eo '[0-9]+ failed' "$logdir/conformance.log" | tail -1 | grep -Eo '[0-9]+')
p_skip=$(grep -Eo '[0-9]+ skipped' "$logdir/conformance.log" | tail -1 | grep -Eo '[0-9]+')
read -r k_pass k_fail k_skip < <(sed -n 's/^kvm-unit-tests: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' "$logdir/kvm-unit-tests.log")
passed=$(( ${c_total:-0} - ${c_fail:-0} + ${p_pass:-0} + ${k_pass:-0} ))
failed=$(( ${c_fail:-0} + ${p_fail:-0} + ${k_fail:-0} ))
if [ -z "${c_total:-}" ] || [ -z "${p_pass:-}${p_fail:-}" ]; then
  echo "check: could not read the test totals (see $logdir)"; fail=1
fi
[ "$fail" -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
echo
echo "make check: unit tests and conformance suite"
echo "$passed passed, $failed failed, $(( ${p_skip:-0} + ${k_skip:-0} )) skipped"
exit $fail
