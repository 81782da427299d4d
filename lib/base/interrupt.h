/*
 * interrupt.h - a request to stop, set from a signal handler.
 *
 * A program installs its own handlers (the library never does) and calls
 * lake_interrupt(sig) from them; long loops in the library check
 * lake_interrupted() and stop cleanly: a put discards what a regular
 * file had not published, and publishes what a stream had read, so that
 * `systemctl stop` of a feed loses nothing that was read.  Blocking reads
 * are woken by the signal itself (the handler must not use SA_RESTART).
 */
#ifndef LAKE_INTERRUPT_H
#define LAKE_INTERRUPT_H

/* Async-signal-safe. */
void lake_interrupt(int sig);

/* The signal number that asked to stop, or 0. */
int lake_interrupted(void);

#endif
