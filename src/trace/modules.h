/*
 * modules.h - the list of loaded objects, journaled so that the CLI can
 * symbolize this process's stacks in another process.
 */
#ifndef SHMC_TRACE_MODULES_H
#define SHMC_TRACE_MODULES_H

/* Journals every loaded object not journaled yet: at start, after fork
 * (in the child's new journal) and after dlopen. Takes the state lock. */
void shmc__modules_scan(void);

#endif
