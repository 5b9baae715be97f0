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
#   make fuzz [FUZZ_SECONDS=60]   libFuzzer on the core (clang, ASan+UBSan; fuzz/run.sh):
#                        corpus fuzz/corpus + build/fuzz/corpus, findings in build/fuzz/crashes
#   make coverage        coverage of hv/ (core, SVM, VMX, boot, common) and sim/ on every backend:
#                        a tracefile per probe run and per backend, merged HTML (build/coverage/)
#   make coverage-diff BASE=<rev>   the lines the change since <rev> adds that no test runs
#   make debug-sim PROBE=cpuid [VENDOR=intel|amd]   mvsim under GDB, stopped at the exit dispatcher
#   make debug-qemu PROBE=cpuid  the real hypervisor under QEMU (SVM) + GDB with its symbols
#   make bench [FULL=1]  figures per backend (quick: sim + QEMU in well under 60 s; FULL=1:
#                        every backend, repetitions, probe sets and the whole suite, wall and CPU)
#   make difffuzz [N=100] [SEED=1] [BACKENDS=a,b]   differential fuzzing: N random hypercall
#                        programs on every backend, compared; divergences shrunk and saved
#                        (docs/difffuzz.md)
#   make list            backends, probes and ABI items, with where each item is checked
#   make install [PREFIX=/usr/local] [DESTDIR=]   mvsim, the image, the probes, mv-conformance
#   make deb             the Debian package (dpkg-buildpackage -us -uc -b; debian/)
#   make kvm-unit-tests [KUT_DIR=checkout|tarball] [KUT_TESTS="dummy smptest"]
#                        kvm-unit-tests bare and as the root OS under the hypervisor, compared
#                        (docs/kvm-unit-tests.md; skipped with the reason when there is no source)
#
# make conformance takes FORCE=1 (rerun, ignore the result cache), TAP=1 (TAP on
# stdout), MV_BACKENDS=a,b and ARGS="pytest args" (e.g. ARGS="-k cpuid -x").
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
PREFIX ?= /usr/local
DESTDIR ?=
ARGS ?=
BASE ?= HEAD
FUZZ_SECONDS ?= 60
N ?= 100
SEED ?= 1
BACKENDS ?=

.PHONY: all deps configure build conformance check unit coverage coverage-diff debug-sim debug-qemu bench \
	clean abi-diff list install deb kvm-unit-tests fuzz

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
	MV_BUILD_DIR=$(BUILD) conformance/run.sh $(ARGS)
else
conformance: deps
	scripts/abi-xconf --build $(BUILD) --jobs $(JOBS) $(or $(HV_ABI),WORKTREE) $(or $(PROBE_ABI),WORKTREE)
endif

# abi-diff exits 1 for "only compatible changes": not an error of make's.
abi-diff:
	@scripts/abi-diff $(OLD) $(NEW) || [ $$? -eq 1 ]

unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

check: build
	@scripts/check.sh $(BUILD)

fuzz: build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh $(BUILD)

coverage: deps
	@scripts/coverage.sh $(COV_BUILD) $(BUILD)/coverage

# Uses the last make coverage's total.info (runs make coverage when there is none).
coverage-diff: deps
	@test -f $(BUILD)/coverage/total.info || scripts/coverage.sh $(COV_BUILD) $(BUILD)/coverage
	@scripts/cov-report diff $(BUILD)/coverage $(BASE)

debug-sim: build
	@scripts/debug-sim $(PROBE) $(VENDOR) $(BUILD)

debug-qemu: build
	@scripts/debug-qemu $(PROBE) $(BUILD)

bench: build
	MV_BUILD_DIR=$(BUILD) scripts/bench

.PHONY: difffuzz
difffuzz: build
	scripts/difffuzz --build $(BUILD) run --n $(N) --seed $(SEED) $(if $(BACKENDS),--backends $(BACKENDS))

list: build
	@MV_BUILD_DIR=$(BUILD) scripts/suite-list

install: build
	scripts/install-tree --build $(BUILD) --prefix $(PREFIX) --destdir "$(DESTDIR)"

deb: deps
	@scripts/build-deb $(BUILD)/deb

kvm-unit-tests: build
	scripts/kvm-unit-tests --build-dir $(BUILD) -j $(JOBS) $(KUT_TESTS)

clean:
	rm -rf $(BUILD)

# make mutation [FILES=hv/core/api_vps.c] [BASE=<rev>] [SAMPLE=N] [ARCH=1] [SELECT=0] [HW=none]
#   mutation testing of hv/core (ARCH=1: hv/arch/x86/svm and vmx): killed,
#   survived, timeout and the score per test layer (scripts/mutation/run,
#   docs/testing.md).  Not part of `make check`: it takes hours in full.
.PHONY: mutation
mutation: build
	/usr/bin/python3 scripts/mutation/run --jobs $(JOBS) --build $(BUILD) \
	    $(if $(FILES),--files "$(FILES)") $(if $(BASE),--base "$(BASE)") \
	    $(if $(SAMPLE),--sample $(SAMPLE)) $(if $(filter 1,$(ARCH)),--arch) \
	    $(if $(filter 0,$(SELECT)),--no-select) $(if $(HW),--hw "$(HW)")
