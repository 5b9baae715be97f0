#!/usr/bin/env bash
# Installs every Debian package the project needs (build, simulator, probes,
# conformance suite, coverage, make fuzz (clang and its libFuzzer runtime),
# QEMU backend, the Debian package). Safe to re-run: it only installs what is
# missing, and says what it installs.
set -euo pipefail
case "${1:-}" in
  -h|--help) echo "usage: scripts/install-deps.sh [-h|--help]"
             echo "Installs the missing Debian packages the project needs (apt-get, via sudo if not root)."
             exit 0 ;;
  '') ;;
  *) echo "install-deps: unknown argument $1" >&2; echo "usage: scripts/install-deps.sh [-h|--help]" >&2; exit 2 ;;
esac

PKGS=(
  build-essential cmake make gcc binutils
  libunicorn-dev libcapstone-dev pkg-config
  python3 python3-pytest
  lcov gdb
  valgrind  # scripts/bench-insns: callgrind instruction counts (make bench)
  clang libclang-rt-14-dev
  dpkg-dev
  qemu-system-x86
  bochs bochsbios vgabios
  grub-pc-bin grub-common xorriso mtools  # Bochs with MV_BOCHS_LOADER=grub (CTest hv.vmx.boot-grub)
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi

echo "install-deps: installing missing Debian packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
