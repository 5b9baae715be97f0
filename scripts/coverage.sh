#!/usr/bin/env bash
# make coverage: coverage of the whole hypervisor on every backend, merged
# into one lcov report (coverage/README.md).
#
#   scripts/coverage.sh [COV_BUILD [OUT]]     (defaults build/cov-build, build/coverage)
#
# 1. Builds an instrumented tree (-DMV_COVERAGE=ON): hv/core and sim/ for the
#    host with --coverage, and microv-hv.elf with gcov counters and the
#    freestanding runtime of hv/arch/x86/cov/ that dumps them on port 0xE9.
# 2. Runs the CTest unit tests (-> OUT/unit.info; their hv.svm.* runs of the
#    image under QEMU with 2 CPUs -> OUT/ctest-qemu.info, their hv.vmx.* runs
#    under Bochs -> OUT/ctest-bochs.info), then the conformance suite
#    on $MV_BACKENDS (default the five: sim-intel, sim-amd, qemu-tcg-amd,
#    bochs-intel, bochs-amd) with MV_COV_DIR=OUT: every probe run leaves its
#    own counters (conformance/mvconf/coverage.py); the probes' timeouts x3.
# 3. One tracefile per probe run (OUT/probes/<backend>/<probe>.info, lcov test
#    name <backend>__<probe>), merged with lcov -a into OUT/<backend>.info,
#    and all of them with the unit tests into OUT/total.info; the HTML report
#    (branches, per-test details) in OUT/html/.
# 4. Prints the per-directory x per-backend table, per-probe figures and the
#    functions no probe reaches (scripts/cov-report; also OUT/summary.txt).
# The suite's verdicts do not stop the report: coverage of a failing run is
# still coverage.
set -euo pipefail
usage() { echo "usage: scripts/coverage.sh [-h|--help] [COV_BUILD [OUT]]   (defaults build/cov-build, build/coverage; MV_BACKENDS restricts the backends)"; }
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  -*) usage >&2; exit 2 ;;
esac
[ $# -le 2 ] || { usage >&2; exit 2; }
COV_BUILD=${1:-build/cov-build}
OUT=${2:-build/coverage}
cd "$(dirname "$0")/.."
REPO=$(pwd)
JOBS=$(nproc 2>/dev/null || echo 2)
BACKENDS=${MV_BACKENDS:-sim-intel,sim-amd,qemu-tcg-amd,bochs-intel,bochs-amd}
LCOV=(lcov --rc lcov_branch_coverage=1 --quiet)
# (Debian's lcov 1.16 geninfo warns "Subroutine ... redefined" about itself: noise.)
quiet() { "$@" 2> >(grep -v 'redefined at /usr/bin/geninfo' >&2); }

cmake -S . -B "$COV_BUILD" -DCMAKE_BUILD_TYPE=Debug -DMV_COVERAGE=ON >/dev/null
cmake --build "$COV_BUILD" -j "$JOBS"
COV_BUILD=$(cd "$COV_BUILD" && pwd)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
rm -rf "$OUT"/raw "$OUT"/gcda "$OUT"/probes "$OUT"/html "$OUT"/*.info "$OUT"/summary.txt
quiet "${LCOV[@]}" --zerocounters --directory "$COV_BUILD" >/dev/null

# Only the project's own code: hv/ and sim/, not their tests or the gcov runtime.
filter() { # filter IN OUT
	quiet "${LCOV[@]}" --extract "$1" "$REPO/hv/*" "$REPO/sim/*" --output-file "$2.tmp"
	quiet "${LCOV[@]}" --remove "$2.tmp" "*/tests/*" "$REPO/hv/arch/x86/cov/*" --output-file "$2"
	rm -f "$2.tmp"
}

echo "coverage: unit tests (CTest)"
# MV_COV_DIR: the hv.svm.* tests (scripts/run-hv-qemu: QEMU TCG, 2 CPUs, and
# tests/svmguest, tests/hvwrite) leave their dumps in raw/ctest-qemu/, the
# hv.vmx.* ones (scripts/run-hv-bochs) in raw/ctest-bochs/.
(cd "$COV_BUILD" && rc=0 \
	&& { ctest -j "$JOBS" -E '^hv[.](svm|vmx)[.]' >ctest.log 2>&1 || rc=1; } \
	&& { MV_COV_DIR=$OUT ctest -j "$JOBS" -R '^hv[.](svm|vmx)[.]' >>ctest.log 2>&1 || rc=1; } \
	&& exit $rc) \
	|| echo "coverage: some unit tests failed (see $COV_BUILD/ctest.log)"
quiet "${LCOV[@]}" --capture --directory "$COV_BUILD" --test-name unit \
	--output-file "$OUT/unit.raw.info"
filter "$OUT/unit.raw.info" "$OUT/unit.info"
rm -f "$OUT/unit.raw.info"

# The instrumented image runs at -O0 and bumps counters: under Bochs the
# longest probes need more than their timeout.  The suite multiplies every
# probe's timeout by $MV_COV_TIMEOUT_SCALE (default 3) through MV_TIMEOUT_SCALE.

echo "coverage: conformance suite on $BACKENDS"
MV_BUILD_DIR=$COV_BUILD MV_BACKENDS=$BACKENDS MV_COV_DIR=$OUT MV_TIMEOUT_SCALE=${MV_COV_TIMEOUT_SCALE:-3} \
	conformance/run.sh --force >"$OUT/conformance.log" 2>&1 \
	|| echo "coverage: the conformance suite reported failures (see $OUT/conformance.log)"

# The image's dumps -> .gcda files in the GCOV_PREFIX layout the simulator uses.
for dump in "$OUT"/raw/*/*.mvcov; do
	[ -e "$dump" ] || continue
	b=$(basename "$(dirname "$dump")")
	p=$(basename "$dump" .mvcov)
	scripts/cov-collect "$dump" "$OUT/gcda/$b/$p" || echo "coverage: $b/$p: dump incomplete"
done

# One tracefile per probe run: each .gcda next to (a link to) its .gcno.
capture_run() { # capture_run GCDA_DIR -> OUT/probes/<backend>/<probe>.info
	local dir=$1 b p
	b=$(basename "$(dirname "$dir")")
	p=$(basename "$dir")
	find "$dir" -name '*.gcda' | while read -r f; do
		a=${f#"$dir"} # the object's own path: its .gcno is there
		ln -sf "${a%.gcda}.gcno" "${f%.gcda}.gcno"
	done
	mkdir -p "$OUT/probes/$b"
	quiet "${LCOV[@]}" --capture --directory "$dir" --test-name "${b//-/_}__${p//-/_}" \
		--output-file "$OUT/probes/$b/$p.raw.info" || return 0
	filter "$OUT/probes/$b/$p.raw.info" "$OUT/probes/$b/$p.info"
	rm -f "$OUT/probes/$b/$p.raw.info"
}
export -f capture_run filter quiet
export OUT REPO
export LCOV_STR="${LCOV[*]}"
echo "coverage: one tracefile per probe run"
find "$OUT/gcda" -mindepth 2 -maxdepth 2 -type d 2>/dev/null | sort \
	| xargs -r -P "$JOBS" -I{} bash -c 'LCOV=($LCOV_STR); capture_run "$1"' _ {}

merge() { # merge OUT IN...
	local out=$1 args=()
	shift
	for f in "$@"; do args+=(--add-tracefile "$f"); done
	[ ${#args[@]} -gt 0 ] && quiet "${LCOV[@]}" "${args[@]}" --output-file "$out"
}
all=("$OUT/unit.info")
for b in ${BACKENDS//,/ } ctest-qemu ctest-bochs; do
	shopt -s nullglob
	infos=("$OUT/probes/$b"/*.info)
	shopt -u nullglob
	if [ ${#infos[@]} -eq 0 ]; then
		echo "coverage: $b: no coverage data (backend skipped or not run)"
		continue
	fi
	merge "$OUT/$b.info" "${infos[@]}"
	all+=("$OUT/$b.info")
done
merge "$OUT/total.info" "${all[@]}"

genhtml --rc lcov_branch_coverage=1 --quiet --show-details --legend \
	--title "microv-harness: hv/ and sim/ on $BACKENDS + unit tests" \
	--output-directory "$OUT/html" "$OUT/total.info"
echo "coverage: report at $OUT/html/index.html; tracefiles $OUT/<backend>.info, $OUT/total.info"
scripts/cov-report summary "$OUT"
