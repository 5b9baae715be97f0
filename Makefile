# Thin wrapper around CMake, CTest and the conformance suite.
#
#   make                 build everything (hypervisor core, mvsim, probes, tools)
#   make conformance     build, run every probe on every backend, print the matrix
#   make conformance HV_ABI=<rev> PROBE_ABI=<rev>
#                        the hypervisor+simulator from one ABI description revision, the
#                        probes from another (git rev, REV:path, a file, or WORKTREE;
#                        scripts/abi-xconf, docs/abi.md): which guests does a change break?
#   make abi-diff OLD=<rev> [NEW=<rev>]   classify the ABI changes (scripts/abi-diff)
#   make check           unit tests (CTest) + the conformance suite
#   make coverage        lcov report of hv/core as exercised by the suite (build/coverage/)
#   make debug-sim PROBE=cpuid [VENDOR=intel|amd]   mvsim under GDB, stopped at the exit dispatcher
#   make debug-qemu PROBE=cpuid  the real hypervisor under QEMU (SVM) + GDB with its symbols
#   make bench           figures per backend: boot-to-first-result, exits/s, suite wall time
#   make kvm-unit-tests [KUT_DIR=checkout|tarball] [KUT_TESTS="dummy smptest"]
#                        kvm-unit-tests bare and as the root OS under the hypervisor, compared
#                        (docs/kvm-unit-tests.md; skipped with the reason when there is no source)
#
# Every target installs missing Debian packages first (scripts/install-deps.sh).

BUILD ?= build
COV_BUILD ?= $(BUILD)/cov-build
PROBE ?= cpuid
VENDOR ?= intel
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=
HV_ABI ?=
PROBE_ABI ?=
KUT_TESTS ?=
OLD ?= HEAD
NEW ?= WORKTREE

.PHONY: all deps configure build conformance check unit coverage debug-sim debug-qemu bench clean abi-diff kvm-unit-tests

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Debug $(CMAKE_ARGS)

configure: $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

ifeq ($(HV_ABI)$(PROBE_ABI),)
conformance: build
	MV_BUILD_DIR=$(BUILD) conformance/run.sh
else
conformance: deps
	scripts/abi-xconf --build $(BUILD) --jobs $(JOBS) $(or $(HV_ABI),WORKTREE) $(or $(PROBE_ABI),WORKTREE)
endif

abi-diff:
	@scripts/abi-diff $(OLD) $(NEW)

unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

check: build
	@scripts/check.sh $(BUILD)

coverage: deps
	@scripts/coverage.sh $(COV_BUILD) $(BUILD)/coverage

debug-sim: build
	@scripts/debug-sim $(PROBE) $(VENDOR) $(BUILD)

debug-qemu: build
	@scripts/debug-qemu $(PROBE) $(BUILD)

bench: build
	MV_BUILD_DIR=$(BUILD) scripts/bench

kvm-unit-tests: build
	scripts/kvm-unit-tests --build-dir $(BUILD) -j $(JOBS) $(KUT_TESTS)

clean:
	rm -rf $(BUILD)
