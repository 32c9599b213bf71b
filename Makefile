# shmcheck - the one build: library, tests, examples, bench, install.
#
#   make            library (static and shared) and examples
#   make demo       run the classic exercises (installs what it needs)
#   make check      every test, plain and under ASan+UBSan (installs deps)
#   make sanitizers the ASan+UBSan and TSan part of make check alone
#   make bench      the benchmarks: costs against their goals (bench/README.md)
#   make coverage   gcov build, every test, lcov/genhtml report, thresholds
#   make install    DESTDIR= PREFIX=/usr/local BINDIR LIBDIR INCLUDEDIR
#                   MANDIR PKGCONFIGDIR (GNU conventions; a multiarch
#                   LIBDIR like /usr/lib/x86_64-linux-gnu is fine: the CLI
#                   is built knowing where the tracer is installed)
#
# Variables: B (build dir, default build), SAN=asan|tsan (sanitizers) or
# SAN=cov (gcov instrumentation, what make coverage builds),
# CC, CFLAGS (optimisation and debug only: warnings are fixed below).

# The version is defined once, in include/shmcheck.h.
version_part = $(shell sed -n 's/^\#define SHMC_VERSION_$(1) \([0-9]*\)$$/\1/p' \
	include/shmcheck.h)
MAJOR := $(call version_part,MAJOR)
VERSION := $(MAJOR).$(call version_part,MINOR).$(call version_part,PATCH)
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

B ?= build
CFLAGS ?= -O2 -g -fno-omit-frame-pointer
WARN := -std=c11 -Wall -Wextra -Werror
ifeq ($(SAN),asan)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -fno-omit-frame-pointer
endif
ifeq ($(SAN),tsan)
SANFLAGS := -fsanitize=thread -fno-omit-frame-pointer
endif
# Coverage: atomic counters (the tracer counts from several threads);
# SHMC_COVERAGE makes the code flush its counters where a process ends
# without exit handlers (_exit, exec): SHMC_COVERAGE_FLUSH in coverage.h.
ifeq ($(SAN),cov)
SANFLAGS := --coverage -fprofile-update=atomic -DSHMC_COVERAGE
endif
ALL_CFLAGS = $(WARN) $(CFLAGS) $(SANFLAGS) -Iinclude -Isrc -MMD -MP
LDFLAGS_ALL = $(SANFLAGS) $(LDFLAGS)
comma := ,

LIB_SRC := $(wildcard src/lib/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
LIB_A := $(B)/libshmcheck.a
LIB_SO := $(B)/libshmcheck.so.$(VERSION)

# What the tracer and the CLI share (src/journal: journal format, writer,
# reader, tables, settings, finding kinds), one archive both link; and the
# preloaded tracer, which exports only the interposed functions.
JOURNAL_OBJ := $(patsubst %.c,$(B)/%.o,$(wildcard src/journal/*.c))
JOURNAL_A := $(B)/libshmcjournal.a
TRACE_OBJ := $(patsubst %.c,$(B)/%.o,$(wildcard src/trace/*.c))
TRACE_SO := $(B)/libshmcheck-trace.so

# The CLI: everything but main.c is also an archive for unit tests.
CLI_OBJ := $(patsubst %.c,$(B)/%.o,$(filter-out src/cli/main.c,\
	$(wildcard src/cli/*.c)))
CLI_A := $(B)/libshmccli.a
# The CLI's symbolizer reads debug information with elfutils' libdw (and
# libelf): the CLI and its tests link them, never the tracer.
CLI_LIBS := -ldl
CLI := $(B)/shmcheck

# The tests, one directory per part they test: tests/PART/test_*.c, one
# cmocka program each. What a part's tests share is compiled once and
# linked into them (tests/lib/mock.c and testutil.c, tests/journal/
# fixtures.c, tests/trace/harness.c, tests/cli/fixtures.h); the programs
# they run are under tests/PART/helpers/. tests/run.sh runs them all.
TEST_PARTS := lib journal trace cli fuzz examples
TEST_SRC := $(foreach p,$(TEST_PARTS),$(wildcard tests/$(p)/test_*.c))
TEST_BIN := $(TEST_SRC:%.c=$(B)/%)
ifneq ($(filter asan tsan,$(SAN)),)
# A sanitized tracer cannot be preloaded into uninstrumented programs.
TEST_BIN := $(filter-out $(B)/tests/trace/%,$(TEST_BIN))
endif
EXAMPLES := children_report children_report_leaky child_writes meet_by_key \
	layout_v1 layout_v2
EXAMPLE_BIN := $(EXAMPLES:%=$(B)/examples/%)
BENCH_BIN := $(B)/bench/bench_lib

.PHONY: all lib examples tests check demo bench deps-bench bench-run install uninstall clean deps \
	fuzz fuzz-replay coverage sanitizers sanitizer-builds

all: lib examples $(TRACE_SO) $(CLI)

lib: $(LIB_A) $(LIB_SO)

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fPIC -c $< -o $@

$(LIB_A): $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(LIB_SO): $(LIB_OBJ) src/lib/shmcheck.map
	$(CC) -shared -Wl,-soname,libshmcheck.so.$(MAJOR) \
	    -Wl,--version-script=src/lib/shmcheck.map -o $@ $(LIB_OBJ) \
	    $(LDFLAGS_ALL)
	ln -sf libshmcheck.so.$(VERSION) $(B)/libshmcheck.so.$(MAJOR)
	ln -sf libshmcheck.so.$(MAJOR) $(B)/libshmcheck.so

# Both are linked into the preloaded tracer: hidden symbols, frame
# pointers for its stack walk, initial-exec thread-locals.
$(B)/src/trace/%.o $(B)/src/journal/%.o: ALL_CFLAGS += -fvisibility=hidden \
	-fno-omit-frame-pointer -ftls-model=initial-exec

$(JOURNAL_A): $(JOURNAL_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

# The tracer uses the library's pure parts only: validator and messages.
# Every image loads it: bound at load (-z now: a fork child then faults in
# fewer pages) and in two segments, not four (-z noseparate-code: fewer
# mappings and page faults at each start; about 30 us an image here).
TRACE_LIB_OBJ := $(B)/src/lib/validate.o $(B)/src/lib/limits.o \
	$(B)/src/lib/errors.o
$(TRACE_SO): $(TRACE_OBJ) $(JOURNAL_A) $(TRACE_LIB_OBJ) src/trace/exports.map
	$(CC) -shared -Wl,--version-script=src/trace/exports.map -Wl,-z,now -Wl,-z,noseparate-code -o $@ \
	    $(TRACE_OBJ) $(JOURNAL_A) $(TRACE_LIB_OBJ) -ldl -lpthread \
	    $(LDFLAGS_ALL)

$(CLI_A): $(CLI_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

# Where the installed CLI finds the installed tracer: LIBDIR, and LIBDIR
# relative to BINDIR (so that a tree installed under DESTDIR, or moved
# whole, finds its own), given to logdir.c. The stamp holds them and is
# rewritten only when they change: an install with other directories
# rebuilds that one object.
TRACE_FROM_BINDIR = $(shell realpath -m --relative-to=$(BINDIR) $(LIBDIR))
PATHS_DEFS = -DSHMC_INSTALLED_TRACE='"$(LIBDIR)/libshmcheck-trace.so"' \
	-DSHMC_TRACE_FROM_BINDIR='"$(TRACE_FROM_BINDIR)"'
PATHS_STAMP := $(B)/install-paths.stamp
$(PATHS_STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(PATHS_DEFS)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@
$(B)/src/cli/logdir.o: $(PATHS_STAMP)
$(B)/src/cli/logdir.o: ALL_CFLAGS += $(PATHS_DEFS)
.PHONY: FORCE

# The HTML report's page (web/), embedded by src/cli/assets.S (.incbin:
# why, there), assembled from the top of the tree, where its paths are.
# Only main.c uses it: the unit tests and the fuzz targets, which link the
# CLI's other sources, need none of it. WEB_JS is the script's files in
# the order assets.S concatenates them (tests/cli/test_html.py checks that
# the page holds them so); each is a prerequisite, so a change in any
# rebuilds the CLI.
WEB_JS := web/data.js web/summary.js web/findings.js web/timeline_rows.js \
	web/timeline.js web/timeline_input.js web/report.js
WEB_ASSETS := web/report.html web/report.css $(WEB_JS)
CLI_ASSETS := $(B)/src/cli/assets.o
$(CLI_ASSETS): src/cli/assets.S $(WEB_ASSETS)
	@mkdir -p $(@D)
	$(CC) -c $< -o $@

$(CLI): $(B)/src/cli/main.o $(CLI_ASSETS) $(CLI_A) $(JOURNAL_A) $(LIB_A)
	$(CC) -o $@ $^ $(CLI_LIBS) $(LDFLAGS_ALL)

# ---- tests (the variables are above, before the rules that use them)

# tests/lib: the library, every system call it makes wrapped
# (tests/lib/mock.h).
WRAPS := shmget shmat shmdt shmctl ftok faccessat malloc realloc mmap \
	syscall
$(B)/tests/lib/test_%: $(B)/tests/lib/test_%.o $(B)/tests/lib/mock.o \
	    $(B)/tests/lib/testutil.o $(LIB_A)
	$(CC) -o $@ $^ -lcmocka $(addprefix -Wl$(comma)--wrap=,$(WRAPS)) \
	    $(LDFLAGS_ALL)

# test_leakcheck_stack stands in for the tracer (it exports its query)
# and loads a stand-in for a sanitizer's symbolizer in one run.
$(B)/tests/lib/test_leakcheck_stack.o: ALL_CFLAGS += \
	-DFAKESYM_SO='"$(abspath $(B))/tests/lib/libfakesym.so"'
$(B)/tests/lib/test_leakcheck_stack: \
	LDFLAGS_ALL += -Wl,--export-dynamic-symbol=shmc_trace_stack_v1
$(B)/tests/lib/test_leakcheck_stack: | $(B)/tests/lib/libfakesym.so
$(B)/tests/lib/libfakesym.so: tests/lib/fakesym.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fPIC -shared -o $@ $< $(LDFLAGS_ALL)

# tests/journal: what the tracer and the CLI share, no system call mocks.
$(B)/tests/journal/test_%: $(B)/tests/journal/test_%.o \
	    $(B)/tests/journal/fixtures.o $(JOURNAL_A) $(LIB_A)
	$(CC) -o $@ $^ -lcmocka -lpthread $(LDFLAGS_ALL)

# tests/cli: the CLI core, no system call mocks; the fixtures (one module,
# fixtures.h, in two files) run tests/cli/check_*.py on the reports. The
# out-of-memory tests also link the allocation failure injector
# (tests/cli/oom.c).
CLI_OOM_TESTS := $(patsubst %.c,$(B)/%,$(wildcard tests/cli/test_oom*.c))
$(B)/tests/cli/%.o: ALL_CFLAGS += -Isrc/cli
$(B)/tests/cli/fixtures.o: ALL_CFLAGS += \
	-DSHMC_CLI_TESTS_DIR='"$(abspath tests/cli)"'
$(CLI_OOM_TESTS): $(B)/tests/cli/oom.o
$(B)/tests/cli/test_%: $(B)/tests/cli/test_%.o $(B)/tests/cli/fixtures.o \
	    $(B)/tests/cli/fixtures_runs.o $(CLI_A) $(JOURNAL_A) $(LIB_A)
	$(CC) -o $@ $(filter %.o,$^) $(filter %.a,$^) -lcmocka $(CLI_LIBS) \
	    $(LDFLAGS_ALL)

# Programs with known findings for the CLI's Python tests; one static
# build for the kernel-only finding.
CLI_HELPERS := $(B)/tests/cli/helpers/leaky_prog \
	$(B)/tests/cli/helpers/leaky_prog-static \
	$(B)/tests/cli/helpers/privdrop \
	$(B)/tests/cli/helpers/report_prog \
	$(B)/tests/cli/helpers/lazy_prog \
	$(B)/tests/cli/helpers/repeat_prog \
	$(B)/tests/cli/helpers/ckpt_prog \
	$(B)/tests/cli/helpers/many_procs
# A wide tree for the HTML report: 1,000 processes, ~100 calls each.
$(B)/tests/cli/helpers/many_procs: tests/cli/helpers/many_procs.c
	@mkdir -p $(@D)
	$(CC) $(WARN) -O1 -g -fno-omit-frame-pointer $< -o $@
$(B)/tests/cli/helpers/lazy_prog: tests/cli/helpers/lazy_prog.c
	@mkdir -p $(@D)
	$(CC) $(WARN) -O0 -g -fno-omit-frame-pointer $< -o $@
$(B)/tests/cli/helpers/repeat_prog: tests/cli/helpers/repeat_prog.c
	@mkdir -p $(@D)
	$(CC) $(WARN) -O0 -g -fno-omit-frame-pointer $< -o $@
$(B)/tests/cli/helpers/ckpt_prog: tests/cli/helpers/ckpt_prog.c
	@mkdir -p $(@D)
	$(CC) $(WARN) -O0 -g -fno-omit-frame-pointer -pthread $< -o $@
$(B)/tests/cli/helpers/report_prog: tests/cli/helpers/report_prog.c
	@mkdir -p $(@D)
	$(CC) $(WARN) -O0 -g -fno-omit-frame-pointer $< -o $@
$(B)/tests/cli/helpers/privdrop: tests/cli/helpers/privdrop.c
	@mkdir -p $(@D)
	$(CC) $(WARN) -O0 -g -fno-omit-frame-pointer $< -o $@
$(B)/tests/cli/helpers/leaky_prog: tests/cli/helpers/leaky_prog.c
	@mkdir -p $(@D)
	$(CC) $(WARN) -O0 -g -fno-omit-frame-pointer $< -o $@
$(B)/tests/cli/helpers/leaky_prog-static: tests/cli/helpers/leaky_prog.c
	@mkdir -p $(@D)
	$(CC) $(WARN) -O0 -g -static $< -o $@

# tests/trace: real programs run under the (uninstrumented) tracer, built
# in the plain build only; the traced program is tests/trace/helpers/.
TRACED_PROG := $(B)/tests/trace/helpers/traced_prog
TRACED_PROG_SRC := $(wildcard tests/trace/helpers/*.c)
$(B)/tests/trace/%.o: ALL_CFLAGS += \
	-DSHMC_TRACE_SO='"$(abspath $(TRACE_SO))"' \
	-DSHMC_TRACED_PROG='"$(abspath $(TRACED_PROG))"'
$(B)/tests/trace/test_%: $(B)/tests/trace/test_%.o \
	    $(B)/tests/trace/harness.o $(JOURNAL_A) | $(TRACE_SO) $(TRACED_PROG)
	$(CC) -o $@ $^ -lcmocka $(LDFLAGS_ALL)
$(TRACED_PROG): $(TRACED_PROG_SRC) $(wildcard tests/trace/helpers/*.h)
	@mkdir -p $(@D)
	$(CC) $(WARN) -O1 -g -fno-omit-frame-pointer -pthread $(SANFLAGS) \
	    $(TRACED_PROG_SRC) -o $@

# tests/fuzz: the fuzzers' reference model, pure: no library, no mocks
# (the journal's archive only for the names of the finding kinds).
REFMODEL_OBJ := $(patsubst %.c,$(B)/%.o,\
	$(wildcard fuzz/refmodel.c fuzz/refmodel/*.c))
$(B)/tests/fuzz/%.o: ALL_CFLAGS += -Ifuzz
$(B)/tests/fuzz/test_refmodel: $(B)/tests/fuzz/test_refmodel.o \
	    $(REFMODEL_OBJ) $(JOURNAL_A)
	$(CC) -o $@ $^ -lcmocka $(LDFLAGS_ALL)
# The fuzz targets' guard, as the targets link it.
$(B)/tests/fuzz/test_guard: $(B)/tests/fuzz/test_guard.o \
	    $(B)/fuzz/guard/guard.o
	$(CC) -o $@ $^ -lcmocka $(LDFLAGS_ALL)
$(B)/fuzz/guard/guard.o: ALL_CFLAGS += -Ifuzz

# tests/examples: the classic exercises run as real processes.
$(B)/tests/examples/%.o: ALL_CFLAGS += \
	-DSHMC_EXAMPLES_DIR='"$(abspath $(B)/examples)"'
$(B)/tests/examples/test_%: $(B)/tests/examples/test_%.o $(LIB_A)
	$(CC) -o $@ $^ -lcmocka $(LDFLAGS_ALL)

$(B)/examples/layout_v1.o: examples/layout.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@
$(B)/examples/layout_v2.o: examples/layout.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DSHMC_LAYOUT_V2 -c $< -o $@
$(B)/examples/children_report_leaky.o: examples/children_report.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fno-omit-frame-pointer -DSHMC_FORGET_RMID -c $< -o $@
$(B)/examples/%: $(B)/examples/%.o $(LIB_A)
	$(CC) -o $@ $^ $(LDFLAGS_ALL)

examples: $(EXAMPLE_BIN)

# The fuzz harness example (examples/fuzz_leak.c), built as its users
# build theirs: libshmcheck.a linked into a libFuzzer build, an AFL++
# build (AFL++'s libFuzzer driver: a persistent loop) and a replay build
# (the project's replay driver, fuzz/driver.c); the first and the last
# with ASan and UBSan, whose symbolizer names the report's frames. Needs
# clang-14 and afl++ (ci/deps.sh test), so `make` alone does not build it.
EXAMPLE_FUZZ := $(addprefix $(B)/examples/fuzz_leak/,libfuzzer afl replay)
EXAMPLE_FUZZ_CFLAGS := -std=c11 -Wall -Wextra -Werror -g -O1 \
	-fno-omit-frame-pointer -Iinclude
.PHONY: example-fuzz
example-fuzz: $(EXAMPLE_FUZZ) $(TRACE_SO)
EXAMPLE_FUZZ_DEPS := examples/fuzz_leak.c include/shmcheck.h $(LIB_A)
$(B)/examples/fuzz_leak/libfuzzer: $(EXAMPLE_FUZZ_DEPS)
	@mkdir -p $(@D)
	$(LIBFUZZER_CC) $(EXAMPLE_FUZZ_CFLAGS) \
	    -fsanitize=fuzzer,address,undefined $< $(LIB_A) -o $@
$(B)/examples/fuzz_leak/afl: $(EXAMPLE_FUZZ_DEPS)
	@mkdir -p $(@D)
	AFL_QUIET=1 $(AFL_CC) $(EXAMPLE_FUZZ_CFLAGS) -fsanitize=fuzzer $< \
	    $(LIB_A) -o $@
$(B)/examples/fuzz_leak/replay: $(EXAMPLE_FUZZ_DEPS) fuzz/driver.c
	@mkdir -p $(@D)
	$(LIBFUZZER_CC) $(EXAMPLE_FUZZ_CFLAGS) -fsanitize=address,undefined \
	    -fno-sanitize-recover=all $< fuzz/driver.c $(LIB_A) -o $@


# ---- fuzzing: each fuzz/fuzz_T.c built for libFuzzer, for AFL++, and as a
# plain replay driver (fuzz/driver.c) that make check runs on corpus/T/.
# The code under test is compiled into each target with its engine's
# instrumentation. Which targets there are, what each links and which
# programs it runs: fuzz/targets.mk.
F := $(B)/fuzz
include fuzz/targets.mk
FUZZ_HEADERS := $(wildcard include/*.h src/*/*.h fuzz/*.h fuzz/*/*.h)
FUZZ_CFLAGS := -std=c11 -Wall -Wextra -Werror -g -O1 -fno-omit-frame-pointer \
	-Iinclude -Isrc -Isrc/cli -Ifuzz
LIBFUZZER_CC ?= clang-14
AFL_CC ?= afl-clang-fast
FUZZ_LIBFUZZER := $(FUZZ_TARGETS:%=$(F)/libfuzzer/fuzz_%)
FUZZ_AFL := $(FUZZ_TARGETS:%=$(F)/afl/fuzz_%)
FUZZ_REPLAY := $(FUZZ_TARGETS:%=$(F)/replay/fuzz_%)

# Each target's own prerequisites: its sources, and (order-only) the
# programs it runs.
$(foreach t,$(FUZZ_TARGETS),$(eval $(F)/libfuzzer/fuzz_$(t) \
	$(F)/afl/fuzz_$(t) $(F)/replay/fuzz_$(t): $(call fuzz_src,$(t)) \
	| $(FUZZ_NEEDS_$(t))))

$(F)/libfuzzer/fuzz_%: fuzz/fuzz_%.c $(FUZZ_HEADERS)
	@mkdir -p $(@D)
	$(LIBFUZZER_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined \
	    $< $(call fuzz_src,$*) -o $@ -lpthread
$(F)/afl/fuzz_%: fuzz/fuzz_%.c $(FUZZ_HEADERS)
	@mkdir -p $(@D)
	AFL_QUIET=1 $(AFL_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< \
	    $(call fuzz_src,$*) -o $@ -lpthread
ifneq ($(SAN),cov)
$(F)/replay/fuzz_%: fuzz/fuzz_%.c fuzz/driver.c $(FUZZ_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(FUZZ_CFLAGS) -fsanitize=address,undefined \
	    -fno-sanitize-recover=all fuzz/driver.c $< $(call fuzz_src,$*) \
	    -o $@ -lpthread
else
# make coverage: the replay links the gcov objects, one per source.
$(B)/fuzz/%.o: ALL_CFLAGS += -Isrc/cli -Ifuzz
fuzz_obj = $(patsubst %.c,$(B)/%.o,$(call fuzz_src,$(1)))
$(foreach t,$(FUZZ_TARGETS),$(eval $(F)/replay/fuzz_$(t): \
	$(call fuzz_obj,$(t))))
$(F)/replay/fuzz_%: $(B)/fuzz/fuzz_%.o $(B)/fuzz/driver.o
	@mkdir -p $(@D)
	$(CC) -o $@ $(B)/fuzz/driver.o $< $(call fuzz_obj,$*) $(LDFLAGS_ALL) \
	    -lpthread
endif

# The helper programs, plain builds. The sequence target's processes 1..3
# run sequence_worker, the request server (fuzz/sequence/serve.c) that
# process 0 runs in the fuzzing process: their forks then copy a small
# process, not ASan's. The tracer target drives traced tracer_worker
# processes.
$(foreach h,$(FUZZ_HELPER_PROGS),$(eval $(h): \
	$(FUZZ_HELPER_SRC_$(notdir $(h)))))
$(FUZZ_HELPER_PROGS): $(F)/%: $(FUZZ_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(WARN) -O1 -g -Iinclude -Isrc -Ifuzz $(FUZZ_HELPER_SRC_$*) \
	    -o $@ -lpthread

# The lists of fuzz/targets.mk for .clusterfuzzlite/build.sh, ci/fuzz.sh
# and the fuzz workflow, one line each:
#   target T fuzz/fuzz_T.c SOURCES...   what target T is built from
#   helper PATH                         a program targets run (a make goal)
.PHONY: fuzz-list
fuzz-list:
	@$(foreach t,$(FUZZ_TARGETS),\
	    echo target $(t) fuzz/fuzz_$(t).c $(strip $(call fuzz_src,$(t)));)
	@$(foreach h,$(FUZZ_HELPERS),echo helper $(h);)

fuzz: $(FUZZ_LIBFUZZER) $(FUZZ_AFL) $(FUZZ_REPLAY)
fuzz-replay: $(FUZZ_REPLAY)

# After the fuzzing variables: a rule's prerequisites expand when it is read.
tests: lib examples $(TEST_BIN) \
	$(if $(filter asan tsan,$(SAN)),,$(CLI) $(CLI_HELPERS) $(FUZZ_REPLAY)) \
	$(if $(SAN),,$(FUZZ_LIBFUZZER) $(FUZZ_AFL) $(EXAMPLE_FUZZ))

deps:
	ci/deps.sh test

# Plain build and ASan+UBSan build, then every test of both, each test
# binary in a private IPC namespace that must be empty when it ends; the
# tests that run threads also under TSan.
TSAN_TESTS = $(B)/tsan/tests/lib/test_limits \
	$(patsubst %.c,$(B)/tsan/%,$(wildcard tests/journal/test_writer*.c \
	    tests/journal/test_reader.c)) \
	$(B)/tsan/tests/cli/test_broker $(B)/tsan/tests/cli/test_procevents \
	$(B)/tsan/libshmcheck-trace.so $(B)/tsan/tests/trace/helpers/traced_prog
sanitizer-builds:
	$(MAKE) --no-print-directory B=$(B)/asan SAN=asan tests
	$(MAKE) --no-print-directory B=$(B)/tsan SAN=tsan $(TSAN_TESTS)
# make check builds on every core (CI has two); JOBS=1 builds serially.
JOBS ?= $(shell nproc 2>/dev/null || echo 1)
check: deps
	$(MAKE) --no-print-directory -j$(JOBS) tests
	$(MAKE) --no-print-directory -j$(JOBS) sanitizer-builds
	tests/run.sh $(B) $(B)/asan $(B)/tsan

# Only the sanitized runs (ci/sanitizers.sh): every test program but the
# tracer's under ASan+UBSan, the threaded ones under TSan, the corpus replay.
sanitizers: deps
	$(MAKE) --no-print-directory sanitizer-builds fuzz-replay
	tests/run.sh --sanitizers $(B) $(B)/asan $(B)/tsan

# Coverage: a gcov build of everything (-O0: lines map to the source),
# every test and the fuzz corpora replayed, then lcov/genhtml with branch
# coverage: coverage/html/ and coverage/summary.txt, per directory. lcov
# enforces each directory's line threshold, ci/coverage-report.py the
# function and branch ones (coverage/thresholds).
COV_B := $(B)/cov
COV_OUT ?= coverage
COV_DIRS := src/lib src/journal src/trace src/cli
LCOV := lcov -q --rc lcov_branch_coverage=1
coverage:
	ci/deps.sh coverage
	$(MAKE) --no-print-directory B=$(COV_B) SAN=cov \
	    CFLAGS="-O0 -g -fno-omit-frame-pointer" tests
	find $(COV_B) -name '*.gcda' -delete
	mkdir -p $(COV_OUT)
	rm -rf $(COV_OUT)/html $(COV_OUT)/lcov.info $(COV_OUT)/summary.txt
	@# Processes that drop root to nobody (the credential tests) write
	@# their counts too: every count file exists, empty, before the run,
	@# group nogroup and group-writable (libgcov fills an empty one).
	if [ "$$(id -u)" = 0 ]; then \
	    find $(COV_B) -name '*.gcno' | sed 's/\.gcno$$/.gcda/' | \
	        xargs touch && \
	    find $(COV_B) -name '*.gcda' -exec chgrp nogroup {} + \
	        -exec chmod 664 {} +; fi
	umask 002 && tests/run.sh --coverage $(COV_B)
	@# What no test ran stays empty, and lcov stops at an empty one.
	find $(COV_B) -name '*.gcda' -empty -delete
	$(LCOV) --capture --directory $(COV_B) -o $(COV_OUT)/all.info \
	    2>&1 | grep -v 'redefined at' || true
	$(LCOV) --extract $(COV_OUT)/all.info '$(CURDIR)/src/*' \
	    -o $(COV_OUT)/lcov.info
	rm -f $(COV_OUT)/all.info
	genhtml -q --branch-coverage --legend --title shmcheck \
	    --prefix $(CURDIR) -o $(COV_OUT)/html $(COV_OUT)/lcov.info
	python3 ci/coverage-report.py $(COV_OUT)/lcov.info coverage/thresholds \
	    $(COV_OUT)/summary.txt
	for d in $(COV_DIRS); do \
	    min=$$(awk -v d=$$d '$$1 == d {print $$2}' coverage/thresholds); \
	    $(LCOV) --extract $(COV_OUT)/lcov.info "$(CURDIR)/$$d/*" \
	        -o $(COV_OUT)/$${d#src/}.info && \
	    lcov -q --summary $(COV_OUT)/$${d#src/}.info \
	        --fail-under-lines $$min >/dev/null || \
	    { echo "make coverage: $$d lines below $$min % (lcov)"; exit 1; }; \
	    rm -f $(COV_OUT)/$${d#src/}.info; \
	done
	@echo "make coverage: $(COV_OUT)/html/index.html, $(COV_OUT)/summary.txt"

demo:
	ci/deps.sh demo
	$(MAKE) --no-print-directory examples $(CLI) $(TRACE_SO)
	examples/demo.sh $(B)

$(BENCH_BIN): $(B)/bench/bench_lib.o $(LIB_A)
	$(CC) -o $@ $^ $(LDFLAGS_ALL)

$(B)/bench/bench_loop: bench/bench_loop.c
	@mkdir -p $(@D)
	$(CC) $(WARN) -O2 -g $< -o $@
$(B)/bench/bench_trace: $(B)/bench/bench_trace.o
	$(CC) -o $@ $^ $(LDFLAGS_ALL)
$(B)/bench/bench_cli: $(B)/bench/bench_cli.o
	$(CC) -o $@ $^ $(LDFLAGS_ALL)
# Symbolization per distinct frame, in process against llvm-symbolizer:
#   bench_frames $(CLI) [OLD_SHMCHECK] (in a private IPC namespace)
$(B)/bench/bench_frames.o: ALL_CFLAGS += -Isrc/cli
$(B)/bench/bench_frames: $(B)/bench/bench_frames.o $(CLI_A) \
	    $(JOURNAL_A) $(LIB_A)
	$(CC) -o $@ $^ $(CLI_LIBS) $(LDFLAGS_ALL)
# Synthetic journals for measuring the analysis (`shmcheck --replay`).
$(B)/bench/gen_journals: $(B)/bench/gen_journals.o $(JOURNAL_A) $(LIB_A)
	$(CC) -o $@ $^ -lpthread $(LDFLAGS_ALL)


# The costs of bench/README.md, each figure against its goal: the
# programs they run (bench_prog, the empty preloaded library), the shared
# harness, and bench_replay's journal generator, which writes with this
# build's journal writer. BENCH_PAIRS and BENCH_EVENTS size the two long
# workloads (10,000,000 each by default).
BENCH_PAIRS ?= 10000000
BENCH_EVENTS ?= 10000000
BENCH_COST := $(B)/bench/bench_exec $(B)/bench/bench_scale \
	$(B)/bench/bench_replay $(B)/bench/bench_symbolize
BENCH_RUNS := $(B)/bench/bench_prog $(B)/bench/libempty.so
$(B)/bench/bench_replay: $(B)/bench/bench_jgen.o $(JOURNAL_A) $(LIB_A)
$(BENCH_COST): $(B)/bench/%: $(B)/bench/%.o $(B)/bench/harness.o
	$(CC) -o $@ $(filter %.o,$^) $(filter %.a,$^) -lpthread $(LDFLAGS_ALL)
$(B)/bench/bench_prog: bench/bench_prog.c
	@mkdir -p $(@D)
	$(CC) $(WARN) -O2 -g -fno-omit-frame-pointer -pthread $< -o $@
$(B)/bench/libempty.so: bench/empty.c
	@mkdir -p $(@D)
	$(CC) $(WARN) -O2 -shared -fPIC $< -o $@

# The leak check's cost under libFuzzer (bench/leakcheck.mk).
include bench/leakcheck.mk

bench: deps-bench
	$(MAKE) --no-print-directory bench-run

# The packages first: the benches link the CLI, which needs libdw's headers.
deps-bench:
	ci/deps.sh bench

bench-run: $(BENCH_BIN) $(B)/bench/bench_loop $(B)/bench/bench_trace \
	    $(TRACE_SO) $(B)/bench/bench_cli $(CLI) $(BENCH_COST) $(BENCH_RUNS) \
	    $(B)/bench/bench_frames
	ci/run-ipcns.sh $(BENCH_BIN)
	ci/run-ipcns.sh $(B)/bench/bench_trace $(B)/bench/bench_loop \
	    $(abspath $(TRACE_SO))
	ci/run-ipcns.sh $(B)/bench/bench_cli $(abspath $(CLI)) \
	    $(abspath $(B)/bench/bench_loop)
	ci/run-ipcns.sh $(B)/bench/bench_exec $(abspath $(CLI)) \
	    $(abspath $(TRACE_SO)) $(abspath $(B)/bench/libempty.so)
	ci/run-ipcns.sh $(B)/bench/bench_scale $(abspath $(CLI)) \
	    $(abspath $(B)/bench/bench_prog) $(BENCH_PAIRS)
	ci/run-ipcns.sh $(B)/bench/bench_replay $(abspath $(CLI)) $(BENCH_EVENTS)
	ci/run-ipcns.sh $(B)/bench/bench_symbolize $(abspath $(CLI)) \
	    $(abspath $(B)/bench/bench_prog)
	ci/run-ipcns.sh $(B)/bench/bench_frames $(abspath $(CLI))
	$(MAKE) --no-print-directory bench-leakcheck

# The public functions, each given a manual page name (a link to
# shmcheck(3)): what the shared library exports.
MAN3_LINKS = $(shell nm -D --defined-only $(LIB_SO) | \
	awk '$$2 == "T" && $$3 ~ /^shmc_/ {sub(/@.*/, "", $$3); print $$3}')
# The .pc file's directories relative to ${prefix} where they are below it.
PC_LIBDIR = $(patsubst $(PREFIX)/%,$${exec_prefix}/%,$(LIBDIR))
PC_INCLUDEDIR = $(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))

install: lib $(TRACE_SO) $(CLI)
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
	    $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man3 \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BINDIR)
	install -m 755 $(CLI) $(DESTDIR)$(BINDIR)/shmcheck
	install -m 755 $(TRACE_SO) $(DESTDIR)$(LIBDIR)/libshmcheck-trace.so
	sed '1s/"shmcheck"/"shmcheck $(VERSION)"/' man/shmcheck.1 \
	    > $(DESTDIR)$(MANDIR)/man1/shmcheck.1
	chmod 644 $(DESTDIR)$(MANDIR)/man1/shmcheck.1
	install -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/libshmcheck.a
	install -m 755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/libshmcheck.so.$(VERSION)
	ln -sf libshmcheck.so.$(VERSION) \
	    $(DESTDIR)$(LIBDIR)/libshmcheck.so.$(MAJOR)
	ln -sf libshmcheck.so.$(MAJOR) $(DESTDIR)$(LIBDIR)/libshmcheck.so
	install -m 644 include/shmcheck.h $(DESTDIR)$(INCLUDEDIR)/shmcheck.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(PC_LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(PC_INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    shmcheck.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/shmcheck.pc
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/shmcheck.pc
	sed '1s/"shmcheck"/"shmcheck $(VERSION)"/' man/shmcheck.3 \
	    > $(DESTDIR)$(MANDIR)/man3/shmcheck.3
	chmod 644 $(DESTDIR)$(MANDIR)/man3/shmcheck.3
	for f in $(MAN3_LINKS); do \
	    echo '.so man3/shmcheck.3' > $(DESTDIR)$(MANDIR)/man3/$$f.3 && \
	    chmod 644 $(DESTDIR)$(MANDIR)/man3/$$f.3 || exit 1; \
	done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/shmcheck \
	    $(DESTDIR)$(LIBDIR)/libshmcheck-trace.so \
	    $(DESTDIR)$(MANDIR)/man1/shmcheck.1 \
	    $(DESTDIR)$(LIBDIR)/libshmcheck.a \
	    $(DESTDIR)$(LIBDIR)/libshmcheck.so.$(VERSION) \
	    $(DESTDIR)$(LIBDIR)/libshmcheck.so.$(MAJOR) \
	    $(DESTDIR)$(LIBDIR)/libshmcheck.so \
	    $(DESTDIR)$(INCLUDEDIR)/shmcheck.h \
	    $(DESTDIR)$(PKGCONFIGDIR)/shmcheck.pc \
	    $(DESTDIR)$(MANDIR)/man3/shmcheck.3 \
	    $(MAN3_LINKS:%=$(DESTDIR)$(MANDIR)/man3/%.3)

clean:
	rm -rf $(B)

.SECONDARY:
-include $(shell find $(B) -name '*.d' 2>/dev/null)
