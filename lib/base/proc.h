/*
 * proc.h - whether the process that left a mark in the catalog (a lock,
 * a pending file) is still there.
 */
#ifndef LAKE_PROC_H
#define LAKE_PROC_H

#include <stdint.h>

/*
 * 1 while process pid exists and has not ended.  A zombie has ended: a
 * process killed while its parent was killed too stays a zombie until
 * init reaps it, and it holds nothing any more.  A pid the caller may
 * not signal (another user's) counts as alive.
 */
int lake_process_alive(int64_t pid);

#endif
