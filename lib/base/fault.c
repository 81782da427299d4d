#include "base/fault.h"

#include <signal.h>
#include <stdio.h>
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

void lake_test_gate(const char *env)
{
#ifndef NDEBUG
	const char *gate = getenv(env);
	char byte;
	FILE *f;

	if (!gate || !(f = fopen(gate, "r")))
		return;
	if (fread(&byte, 1, 1, f) != 1)
		byte = 0;
	fclose(f);
#else
	(void)env;
#endif
}
