#include "base/cores.h"

#include <pthread.h>
#include <unistd.h>

#define MAX_THREADS 16

void lake_on_cores(void *(*worker)(void *), void *arg, size_t jobs)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nthreads = cores < 1 ? 1 : cores > MAX_THREADS ? MAX_THREADS : (size_t)cores;
	pthread_t threads[MAX_THREADS];
	size_t started = 0;

	if (nthreads > jobs)
		nthreads = jobs;
	for (size_t i = 1; i < nthreads; i++)
		if (pthread_create(&threads[started], NULL, worker, arg) == 0)
			started++;
	worker(arg);
	for (size_t i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
}
