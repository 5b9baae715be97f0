#!/bin/sh
# CTest cov.relocated-counters (coverage builds): the counters of the code
# that runs at the load address, before the image jumps into its copy at the
# top of RAM (boot_relocate, place_top), are in the image's dump
# (cov/loaded.c).  Boots the instrumented image under QEMU with probe
# selftest, turns its port 0xE9 dump into .gcda files in a private folder and
# prints gcov's view of boot/relocate.c and boot/place.c: the CTest's pattern
# wants boot_relocate called once and place_top twice (the image, then the
# pool below it); before the fix both read "#####".
#
#   test_relocated.sh SOURCE_DIR BINARY_DIR
set -eu
src=$1
bin=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
MV_HV_ELF=$bin/hv/microv-hv.elf MV_COV_DIR=$tmp MV_COV_NAME=relocated \
	"$src/scripts/run-hv-qemu" --timeout 120 "$bin/guest-probes/selftest.elf" >"$tmp/console" 2>&1 \
	|| { cat "$tmp/console"; exit 1; }
grep -E 'coverage: [0-9]+ units|image moved' "$tmp/console"
"$src/scripts/cov-collect" "$tmp/raw/ctest-qemu/relocated.mvcov" "$tmp/gcda"
obj=$bin/hv/arch/x86/CMakeFiles/microv-hv.dir/boot
mkdir -p "$tmp/obj"
for f in relocate place; do
	cp "$obj/$f.c.gcno" "$tmp/gcda$obj/$f.c.gcda" "$tmp/obj/"
	(cd "$tmp/obj" && gcov --stdout --object-directory "$tmp/obj" "$f.c.gcno" 2>/dev/null) \
		| grep -E ':(uint64_t boot_relocate|uint64_t place_top)\(' || true
done
