/*
 * worker.h: the event loops that serve listeners.
 *
 * Worker 0 is the main thread's loop: it accepts, reads requests, runs
 * sources and the admin interface, and serves its share of listeners.
 * Workers 1..n-1 are threads that only serve listeners. A listener's
 * connection (bufferevent, cursor, waiting-list entry) belongs to one
 * worker and is touched only on that worker's thread; another thread that
 * needs something done to it (admin kill or move, a source leaving) asks
 * the owner with worker_call() and waits. What all workers share is the
 * mounts' queues of immutable, refcounted blocks (block.h), read under the
 * mount's lock only where a start point is chosen (mount.h).
 *
 * Threading rules, in one place:
 *   - main thread only: the mount registry, sources, stats documents,
 *     config (srv.config), accepting, request parsing, TLS connections;
 *   - owning worker only: a listener and its conn, a mount's shard for
 *     that worker (its listener list, waiting list, tick and sweep);
 *   - anyone, atomically: block and metadata refcounts, counters
 *     (srv.stats, mount counts), queue tail/head positions;
 *   - under mount->lock: queue start points and trimming, inserting or
 *     removing a listener in a shard's list (so main may walk them).
 */
#ifndef FLOE_WORKER_H
#define FLOE_WORKER_H

#include <pthread.h>
#include <sys/queue.h>

#include "server.h"

struct event;
struct event_base;
struct evbuffer;
struct timeval;
struct work;

TAILQ_HEAD(work_list, work);

/** What the transport does on a worker's loop; worker.c knows no more of
 *  connections than these (conn.c provides them, main.c installs them). */
struct worker_hooks {
	void	(*reap)(struct worker *w);	/* free what closed (the deferred free) */
	void	(*close_all)(struct worker *w);	/* shutdown: close every connection */
};

struct worker {
	unsigned	 id;		/* index in srv.workers; 0 is the main thread */
	pthread_t	 thread;
	int		 running;	/* a thread of its own is running the loop */
	struct event_base *base;
	struct conn_list conns;		/* open connections this loop serves */
	struct conn_list closing;	/* closed, freed from the reaper */
	struct event	*reaper;
	struct evbuffer	*stage;		/* direct sends are gathered here (listener.c) */
	const struct timeval *timeout;	/* client-timeout as this base's common timeout */
	long		 timeout_secs;
	unsigned	 listeners;	/* atomic: listeners placed here, for placement */
	struct event	*lag_ev;	/* every LAG_PERIOD: how late did the loop run it? */
	uint64_t	 lag_due_ns;
	uint64_t	 lag_ns;	/* atomic: the last lateness (metrics) */
	pthread_mutex_t	 lock;		/* inbox and completions */
	pthread_cond_t	 done;
	struct work_list inbox;
	struct event	*inbox_ev;
};

/** Create n workers; worker 0 adopts base (the main loop). Threads start later. */
void worker_init(unsigned n, struct event_base *base, const struct worker_hooks *hooks);
/** Start the threads of workers 1..n-1. */
int worker_start(void);
/** Close every connection each worker thread serves, stop and join the threads. */
void worker_stop(void);
/** Free what worker_init made (after worker_stop). */
void worker_free(void);

/** The worker whose thread is running (worker 0 outside worker threads). */
struct worker *worker_self(void);
/** Run fn(arg) on w's thread later; returns at once. */
void worker_post(struct worker *w, void (*fn)(void *), void *arg);
/** Run fn(arg) on w's thread and wait for it (at once if that is this thread
 *  or w has no thread running). The caller must hold no lock w might take. */
void worker_call(struct worker *w, void (*fn)(void *), void *arg);
/** Run any work posted to the calling thread's own worker now. */
void worker_run_inbox(struct worker *w);
/** The worker a new plain-TCP listener should go to: the least loaded. */
struct worker *worker_pick(void);
/** CPU time the worker's thread has used, in ms. */
unsigned long long worker_cpu_ms(const struct worker *w);
/** Number of CPUs online, for <workers>0</workers>. */
unsigned worker_cpus(void);

#endif
