/*
 * cores.h - independent jobs run on every core at once.
 *
 * The worker is called on this thread and on up to cores - 1 others (no
 * more threads than jobs); each call takes jobs until none is left (an
 * atomic counter of its own, say) and returns.  All have returned when
 * lake_on_cores() does.  A thread that cannot be started leaves its share
 * to the others.
 *
 *	lake_on_cores(worker, &jobs, njobs);
 */
#ifndef LAKE_CORES_H
#define LAKE_CORES_H

#include <stddef.h>

void lake_on_cores(void *(*worker)(void *), void *arg, size_t jobs);

#endif
