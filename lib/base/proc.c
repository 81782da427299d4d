#include "base/proc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

/* The state letter of /proc/PID/stat, after the command name in parentheses; 0 if unknown. */
static char process_state(int64_t pid)
{
	char path[64], line[512], *close;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%lld/stat", (long long)pid);
	if (!(f = fopen(path, "r")))
		return 0;
	close = fgets(line, sizeof line, f) ? strrchr(line, ')') : NULL;
	fclose(f);
	return close && close[1] == ' ' ? close[2] : 0;
}

int lake_process_alive(int64_t pid)
{
	if (pid <= 0)
		return 0;
	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		return 0;
	return process_state(pid) != 'Z';
}
