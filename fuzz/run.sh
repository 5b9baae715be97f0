#!/usr/bin/env bash
# Runs the libFuzzer harness of the core (fuzz/build.sh builds it first).
#   fuzz/run.sh [BUILD]           make fuzz: FUZZ_SECONDS (default 60) of fuzzing from the
#                                 seeds in fuzz/corpus plus BUILD/fuzz/corpus (new inputs go
#                                 there); a failure leaves BUILD/fuzz/crashes/crash-<sha1>
#   fuzz/run.sh --check [BUILD]   make check (CTest fuzz.short): a fixed seed, FUZZ_RUNS
#                                 (default 200) inputs from the seeds, a few seconds, deterministic
# Exit 0 clean, 1 a finding (the invariant, the event and the input's path are printed),
# 77 skipped (no clang or libFuzzer: the reason is printed).
set -uo pipefail
check=0
case "${1:-}" in
  -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  --check) check=1; shift ;;
esac
BUILD=${1:-build}
cd "$(dirname "$0")/.."
fuzz/build.sh "$BUILD"
rc=$?
if [ $rc -eq 77 ]; then echo "fuzz: skipped (see above)"; exit 77; fi
[ $rc -eq 0 ] || exit $rc
OUT=$BUILD/fuzz
mkdir -p "$OUT/crashes"
if [ $check -eq 1 ]; then
  rm -rf "$OUT/check-corpus" && mkdir -p "$OUT/check-corpus"
  exec "$OUT/fuzz_core" -seed=1 -runs="${FUZZ_RUNS:-200}" -max_len=4096 \
       -artifact_prefix="$OUT/crashes/" -print_final_stats=1 "$OUT/check-corpus" fuzz/corpus
fi
mkdir -p "$OUT/corpus"
echo "fuzz: ${FUZZ_SECONDS:-60} s; corpus $OUT/corpus + fuzz/corpus; findings in $OUT/crashes/"
exec "$OUT/fuzz_core" -max_total_time="${FUZZ_SECONDS:-60}" -max_len=4096 -timeout=60 \
     -artifact_prefix="$OUT/crashes/" -print_final_stats=1 "$OUT/corpus" fuzz/corpus
