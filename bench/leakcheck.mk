# bench/leakcheck.mk - included by the Makefile: the leak check's cost
# under libFuzzer (bench/bench_leakcheck.c, bench/README.md section 7).
#
#   make bench-leakcheck    builds it and runs it in a private IPC
#                           namespace (ci/run-ipcns.sh)
#
# bench/leakcheck_fuzz.c is built four times with clang-14
# ($(LIBFUZZER_CC)): without the check and with it (-DWITH_CHECK=0/1),
# each for libFuzzer alone and with ASan. Each links the plain
# $(LIB_A), as a user's harness does (`pkg-config --libs shmcheck`, and
# `make example-fuzz`): the library is not instrumented in either, so
# the check costs what it costs a user, and libFuzzer sees the same
# edges in both builds of a pair. LEAKCHECK_ROUNDS and LEAKCHECK_RUNS
# (inputs a run) change the counts.

LEAKCHECK_ROUNDS ?= 11
LEAKCHECK_RUNS ?= 20000
LEAKCHECK_FUZZ := $(addprefix $(B)/bench/leakcheck_fuzz_,plain check \
	asan_plain asan_check)
LEAKCHECK_FUZZ_CFLAGS := -std=c11 -Wall -Wextra -Werror -g -O1 \
	-fno-omit-frame-pointer -Iinclude
LEAKCHECK_FUZZ_DEPS := bench/leakcheck_fuzz.c include/shmcheck.h $(LIB_A)

# $(1): the name's tail, $(2): WITH_CHECK, $(3): the sanitizers.
define leakcheck_fuzz_rule
$(B)/bench/leakcheck_fuzz_$(1): $(LEAKCHECK_FUZZ_DEPS)
	@mkdir -p $$(@D)
	$$(LIBFUZZER_CC) $$(LEAKCHECK_FUZZ_CFLAGS) -DWITH_CHECK=$(2) \
	    -fsanitize=$(3) $$< $$(LIB_A) -o $$@
endef
$(eval $(call leakcheck_fuzz_rule,plain,0,fuzzer))
$(eval $(call leakcheck_fuzz_rule,check,1,fuzzer))
$(eval $(call leakcheck_fuzz_rule,asan_plain,0,fuzzer$(comma)address))
$(eval $(call leakcheck_fuzz_rule,asan_check,1,fuzzer$(comma)address))

$(B)/bench/bench_leakcheck: $(B)/bench/bench_leakcheck.o $(B)/bench/harness.o
	$(CC) -o $@ $^ $(LDFLAGS_ALL)

.PHONY: bench-leakcheck
bench-leakcheck: $(B)/bench/bench_leakcheck $(LEAKCHECK_FUZZ) $(TRACE_SO)
	ci/run-ipcns.sh $(B)/bench/bench_leakcheck $(abspath $(TRACE_SO)) \
	    $(abspath $(LEAKCHECK_FUZZ)) $(LEAKCHECK_ROUNDS) $(LEAKCHECK_RUNS)
