/*
 * fault.h - crash injection, for the tests of what a crash leaves behind.
 *
 * Programs pass fault points at the instants where a crash matters (a
 * file staged, renamed, a transaction half-built, just committed).  With
 * LAKE_FAULT_KILL_AT=N in the environment, the Nth point reached kills
 * the process with SIGKILL, as a power cut or the OOM killer would; a
 * test walks N over every point of a run.  Unset, a point costs a
 * compare; release builds (NDEBUG) compile the points out.
 */
#ifndef LAKE_FAULT_H
#define LAKE_FAULT_H

void lake_fault_point(void);

/*
 * Test-only, like the fault points: with the environment variable `env`
 * naming a FIFO, wait for a byte from it, so that a test can act at this
 * instant (commit between two scans of one statement, or between a
 * crawl's reading and its commit).  Returns at once when `env` is unset,
 * and always in release builds.
 */
void lake_test_gate(const char *env);

#endif
