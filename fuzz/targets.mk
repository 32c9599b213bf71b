# fuzz/targets.mk - the fuzz targets, the sources each one links and the
# programs it runs: the one place they are written. The Makefile's fuzz
# section includes it and builds from it; .clusterfuzzlite/build.sh,
# ci/fuzz.sh and .github/workflows/fuzz.yml read the same lists from
# `make -s --no-print-directory fuzz-list`.
#
# A target T is fuzz/fuzz_T.c (LLVMFuzzerTestOneInput; its first comment
# states the property), the harness pieces in fuzz/T/ (every .c there but
# a helper program's *_main.c), and the code under test, named by part in
# FUZZ_USES_T. Its corpus is corpus/T/, its dictionary corpus/T.dict.
# Adding a target: fuzz/fuzz_T.c, fuzz/T/ if it has pieces, a FUZZ_USES_T
# line, corpus/T/.
FUZZ_TARGETS := $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))

# The parts a target may link, each a whole directory, so that a file
# added to one is linked too: the library; the journal code the tracer
# and the CLI share; the CLI but its main(); the fuzzers' reference model
# of System V shared memory (fuzz/refmodel.h); the guard that removes what
# a crashed target left outside a private namespace (fuzz/guard/guard.h).
# The CLI's symbolizer
# (symbolize*.c, which needs libdw) is left out: no target symbolizes.
FUZZ_PART_lib := $(wildcard src/lib/*.c)
FUZZ_PART_journal := $(wildcard src/journal/*.c)
FUZZ_PART_cli := $(filter-out src/cli/main.c src/cli/symbolize%.c,\
	$(wildcard src/cli/*.c))
FUZZ_PART_refmodel := $(wildcard fuzz/refmodel/*.c)
FUZZ_PART_guard := $(wildcard fuzz/guard/*.c)

FUZZ_USES_validator := guard lib
FUZZ_USES_sequence := refmodel guard lib
FUZZ_USES_tracer := refmodel guard cli journal lib
FUZZ_USES_journal := cli journal lib
FUZZ_USES_suppressions := cli journal lib
FUZZ_USES_config := journal lib

# $(call fuzz_src,T): the sources target T links beside fuzz/fuzz_T.c.
fuzz_src = $(filter-out %_main.c,$(wildcard fuzz/$(1)/*.c)) \
	$(foreach p,$(FUZZ_USES_$(1)),$(FUZZ_PART_$(p)))

# The programs targets run, built plain (no sanitizer, no fuzzer runtime)
# into $(F) and, for OSS-Fuzz, next to the targets in $OUT: the sequence
# target's workers (the request server it links, made a program), the
# tracer target's traced worker, and the tracer itself ($(TRACE_SO), the
# Makefile's own rule).
FUZZ_HELPER_SRC_sequence_worker := fuzz/sequence/worker_main.c \
	fuzz/sequence/serve.c $(FUZZ_PART_lib)
FUZZ_HELPER_SRC_tracer_worker := fuzz/tracer/worker_main.c
FUZZ_HELPER_PROGS := $(F)/sequence_worker $(F)/tracer_worker

FUZZ_NEEDS_sequence := $(F)/sequence_worker
FUZZ_NEEDS_tracer := $(F)/tracer_worker $(TRACE_SO)
FUZZ_HELPERS := $(FUZZ_HELPER_PROGS) $(TRACE_SO)
