#!/bin/sh
# Fails if hv/core needs any symbol that is not its own or arch_*:
# no libc, no compiler runtime, nothing hidden.
set -eu
lib=$1
defined=$(nm --defined-only "$lib" | awk 'NF==3 {print $3}' | sort -u)
undefined=$(nm -u "$lib" | awk '{print $NF}' | grep -v ':$' | sort -u)
bad=$(printf '%s\n' "$undefined" | grep -vxF "$defined" | grep -v '^arch_' \
      | grep -v '^__gcov' | grep -vx '_GLOBAL_OFFSET_TABLE_' || true)
if [ -n "$bad" ]; then
  echo "hv/core is not freestanding; it needs: $bad" >&2
  exit 1
fi
echo "hv/core needs only arch_* from outside"
