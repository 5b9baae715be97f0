#!/usr/bin/env bash
# Builds the libFuzzer harness of the core (fuzz/fuzz_core.c + hv/tests' fuzz
# driver + hv/core) with clang, ASan and UBSan into BUILD/fuzz/fuzz_core.
# Needs the configured BUILD (its generated ABI headers and version cache).
# Rebuilds only when a source is newer than the harness.
#   fuzz/build.sh [BUILD]        exit 0 built, 77 no clang/libFuzzer (the reason on stderr)
set -euo pipefail
case "${1:-}" in -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
BUILD=${1:-build}
cd "$(dirname "$0")/.."
CC=${FUZZ_CC:-clang}
OUT=$BUILD/fuzz
BIN=$OUT/fuzz_core

command -v "$CC" >/dev/null || { echo "fuzz: skipped: $CC not found (scripts/install-deps.sh installs clang)" >&2; exit 77; }
mkdir -p "$OUT"
if ! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }' |
     "$CC" -x c - -fsanitize=fuzzer,address,undefined -o "$OUT/probe" 2>"$OUT/probe.log"; then
  echo "fuzz: skipped: $CC cannot link -fsanitize=fuzzer (libclang-rt-*-dev missing): $(head -1 "$OUT/probe.log")" >&2
  exit 77
fi
[ -f "$BUILD/CMakeCache.txt" ] || { echo "fuzz: $BUILD is not configured (make build first)" >&2; exit 2; }

SRCS=(hv/core/*.c hv/tests/fake_arch.c hv/tests/fake_slpt.c hv/tests/fuzz_driver.c
      hv/tests/fuzz_invariants.c fuzz/fuzz_core.c)
if [ -x "$BIN" ] && [ -z "$(find "${SRCS[@]}" hv/include hv/tests/*.h hv/core/*.h "$BUILD/include" \
                               -newer "$BIN" -print -quit)" ]; then
  exit 0
fi
cache() { sed -n "s/^$1:[A-Z]*=//p" "$BUILD/CMakeCache.txt"; }
DEFS=(-DMV_VER_YEAR="$(cache MV_VER_YEAR)" -DMV_VER_MONTH="$(cache MV_VER_MONTH)"
      -DMV_BUILD_NUM="$(cache MV_BUILD_NUM)")
INC=(-Ihv/include -Iinclude -I"$BUILD/include" -Ihv/core -Ihv/tests)
SAN=(-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all)
objs=()
for f in "${SRCS[@]}"; do
  o=$OUT/obj/${f//\//_}.o
  mkdir -p "$OUT/obj"
  case $f in
    hv/core/*) extra=(-ffreestanding -fno-builtin -fno-stack-protector) ;;
    *) extra=() ;;
  esac
  "$CC" "${SAN[@]}" "${extra[@]}" "${DEFS[@]}" "${INC[@]}" -c "$f" -o "$o" &
  objs+=("$o")
  [ "$(jobs -r | wc -l)" -lt "$(nproc)" ] || wait -n
done
wait
"$CC" -fsanitize=fuzzer,address,undefined "${objs[@]}" -o "$BIN"
echo "fuzz: built $BIN"
