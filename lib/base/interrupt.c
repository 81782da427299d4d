#include "base/interrupt.h"

#include <signal.h>

static volatile sig_atomic_t stop_signal;

void lake_interrupt(int sig)
{
	stop_signal = sig;
}

int lake_interrupted(void)
{
	return stop_signal;
}
