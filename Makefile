# Thin wrapper around CMake, CTest and the conformance suite.
#
#   make                 build everything (hypervisor core, mvsim, probes, tools)
#   make conformance     build, run every probe on every backend, print the matrix
#   make check           unit tests (CTest) + the conformance suite
#   make coverage        lcov report of hv/core as exercised by the suite (build/coverage/)
#   make debug-sim PROBE=cpuid [VENDOR=intel|amd]   mvsim under GDB, stopped at the exit dispatcher
#
# Every target installs missing Debian packages first (scripts/install-deps.sh).

BUILD ?= build
COV_BUILD ?= $(BUILD)/cov-build
PROBE ?= cpuid
VENDOR ?= intel
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=

.PHONY: all deps configure build conformance check unit coverage debug-sim clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Debug $(CMAKE_ARGS)

configure: $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

conformance: build
	MV_BUILD_DIR=$(BUILD) conformance/run.sh

unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

check: build
	@scripts/check.sh $(BUILD)

coverage: deps
	@scripts/coverage.sh $(COV_BUILD) $(BUILD)/coverage

debug-sim: build
	@test -f $(BUILD)/guest-probes/$(PROBE).elf || \
	  { echo "debug-sim: no probe '$(PROBE)' (have: $$(ls $(BUILD)/guest-probes/*.elf | xargs -n1 basename | sed 's/.elf//' | tr '\n' ' '))"; exit 2; }
	gdb -q -ex 'break core_handle_exit' -ex 'run' \
	    --args $(BUILD)/sim/mvsim --vendor $(VENDOR) --timeout-ms 0 $(BUILD)/guest-probes/$(PROBE).elf

clean:
	rm -rf $(BUILD)
