/*
 * root.h - the root of the traced tree: the process that first loaded the
 * tracer, the only one whose exit status the tracer may change (finish.c).
 */
#ifndef SHMC_TRACE_ROOT_H
#define SHMC_TRACE_ROOT_H

/* Decides, at the start of an image, whether it is the root
 * (shmc__trace.root) and which SHMC_ROOT_ENV entry it passes on
 * (shmc__trace.root_env), from envp, the environment it started with:
 *   - an entry there names the root by pid and start time: this image is
 *     the root when it names this process (the root after an exec), and
 *     the entry passes on as it is;
 *   - without one, a process whose parent has the tracer loaded (libc
 *     started it without the interposed functions: popen, system; or a
 *     raw exec) is not the root, and passes on an entry naming none;
 *   - else this process is the root, and passes on its own name.
 * A forked child is never the root (start.c). */
void shmc__find_root(char **envp);

#endif
