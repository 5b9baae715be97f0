#!/bin/sh
# run-qemu.sh QEMU PROBE.elf EXPECTED_RESULT|ANY
# Boots a probe on bare QEMU TCG (no hypervisor) and checks the protocol
# frame: BEGIN, END with a result, and the exit through port 0xF4
# (QEMU exits with (code << 1) | 1).
set -u
qemu=$1 elf=$2 want=$3
out=$(timeout 20 "$qemu" -accel tcg -cpu qemu64 -display none -nodefaults \
      -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
      -kernel "$elf" </dev/null 2>&1)
rc=$?
printf '%s\n' "$out"
echo "run-qemu: qemu exit status $rc"
printf '%s\n' "$out" | grep -q '^MVP BEGIN ' || { echo "run-qemu: no BEGIN"; exit 1; }
end=$(printf '%s\n' "$out" | grep '^MVP END ' | tail -n 1)
[ -n "$end" ] || { echo "run-qemu: no END (CRASH)"; exit 1; }
result=$(printf '%s\n' "$end" | sed -n 's/.* result=\([A-Z]*\).*/\1/p')
case $result in
SUCCESS) code=0 ;; SKIP) code=3 ;; ERROR) code=4 ;; FAILURE) code=5 ;;
*) echo "run-qemu: bad result '$result'"; exit 1 ;;
esac
[ "$rc" -eq $(( (code << 1) | 1 )) ] || { echo "run-qemu: exit status $rc does not match result $result"; exit 1; }
if [ "$want" != ANY ] && [ "$want" != "$result" ]; then
	echo "run-qemu: result $result, wanted $want"; exit 1
fi
echo "run-qemu: ok ($result)"
