/*
 * env.h - the environment: the SHMCHECK_* settings a process image starts
 * with, and the environment an exec or a spawn passes on so that the new
 * image is traced like this one.
 */
#ifndef SHMC_TRACE_ENV_H
#define SHMC_TRACE_ENV_H

#define SHMC_ENV_MAX 1024 /* entries; larger environments pass unchanged */
#define SHMC_ENV_BUF 8192 /* bytes for the LD_PRELOAD entry              */

/* The environment this image started with: environ, or the kernel's
 * initial one when libc has not set environ yet. */
char **shmc__start_env(void);

/* Keeps the SHMCHECK_* entries of envp in shmc__trace.env_keep, but the
 * root's (shmc__trace.root_env, root.h). */
void shmc__keep_settings(char **envp);

/* envp, or a copy in out (SHMC_ENV_MAX entries) and buf (SHMC_ENV_BUF
 * bytes) that also preloads the tracer and carries the root's entry and
 * the kept SHMCHECK_* settings envp lacks. Uses only its arguments and the
 * caller's stack: a vfork child may call it. */
char *const *shmc__traced_env(char *const envp[], char **out, char *buf);

#endif
