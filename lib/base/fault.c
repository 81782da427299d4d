#include "base/fault.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

/*
 * Test-only: compiled out of release builds (NDEBUG), where an
 * environment variable must not be able to kill a program mid-commit.
 * ./scripts/test builds without NDEBUG, so the crash tests have it.
 */
void lake_fault_point(void)
{
#ifndef NDEBUG
	static long kill_at = -1, reached;

	if (kill_at < 0) {
		const char *s = getenv("LAKE_FAULT_KILL_AT");
		kill_at = s && *s ? strtol(s, NULL, 10) : 0;
	}
	if (kill_at > 0 && ++reached == kill_at)
		kill(getpid(), SIGKILL);
#endif
}
