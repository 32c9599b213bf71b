/*
 * empty.c - the empty preloaded library of bench_exec: what any
 * LD_PRELOAD costs each exec (the loader finding, mapping and relocating
 * one more object), the floor under the tracer's own start-up.
 */
int shmc_bench_empty; /* an object file needs something in it */
