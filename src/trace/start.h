/*
 * start.h - the start of tracing: the tracer starts at its constructor
 * or at the first interposed call before it, and again in each forked
 * child (a journal of its own).
 */
#ifndef SHMC_TRACE_START_H
#define SHMC_TRACE_START_H

/* The guard every interposer enters through: 1 when this call is to be
 * recorded (the tracer is ready, started now if need be, and this thread
 * is not inside it already; the guard is then held until shmc__leave);
 * 0 when it passes straight through. The real functions are resolved
 * either way. */
int shmc__enter(void);

/* As shmc__enter, for a System V call (shmget, shmat, shmdt, shmctl,
 * ftok): an image that has no journal yet makes it first. */
int shmc__enter_sysv(void);

/* As shmc__enter, and 0 in a vfork or posix_spawn child, which shares this
 * process's memory until it execs or exits and must touch no state. */
int shmc__enter_own(void);

/* In a child made by a raw clone without CLONE_VM (state.h
 * shmc__cloned), before anything else: a journal of its own, as a fork
 * child's, with the attachments it inherited; 1 then or when there is
 * nothing to do, 0 when this process must pass its calls through (its
 * parent is not the process it copied: a vfork child of such a child, or
 * a child reparented before its first call). */
int shmc__adopt_clone(void);

#endif
