# bench/leakcheck.mk - included by the Makefile: the leak check's cost
# under libFuzzer (bench_leakcheck). Filled in by its own change.
