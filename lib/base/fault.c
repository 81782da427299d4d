#include "base/fault.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

void lake_fault_point(void)
{
	static long kill_at = -1, reached;

	if (kill_at < 0) {
		const char *s = getenv("LAKE_FAULT_KILL_AT");
		kill_at = s && *s ? strtol(s, NULL, 10) : 0;
	}
	if (kill_at > 0 && ++reached == kill_at)
		kill(getpid(), SIGKILL);
}
