/*
 * worker.c: listener event loops on threads of their own, and the inbox
 * through which other threads hand them work.
 */
#include "worker.h"
#include "log.h"
#include "server.h"
#include "util.h"

#include <event2/buffer.h>
#include <event2/event.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A unit of work in an inbox. done is NULL for worker_post (freed after
 * running), else the caller's flag, set under the worker's lock. */
struct work {
	void		(*fn)(void *);
	void		*arg;
	int		*done;
	TAILQ_ENTRY(work) entry;
};

static _Thread_local struct worker *self;
static const struct worker_hooks *hooks;

/* The inbox's event fired: run what was posted. */
static void
worker_inbox_cb(evutil_socket_t fd, short what, void *arg)
{
	worker_run_inbox(arg);
}

/* Run everything posted so far, in order. */
void
worker_run_inbox(struct worker *w)
{
	struct work_list todo;
	struct work *wk;

	TAILQ_INIT(&todo);
	pthread_mutex_lock(&w->lock);
	TAILQ_CONCAT(&todo, &w->inbox, entry);
	pthread_mutex_unlock(&w->lock);
	while ((wk = TAILQ_FIRST(&todo)) != NULL) {
		TAILQ_REMOVE(&todo, wk, entry);
		wk->fn(wk->arg);
		if (wk->done == NULL) {
			free(wk);
			continue;
		}
		pthread_mutex_lock(&w->lock);
		*wk->done = 1;		/* wk lives on the caller's stack: gone after this */
		pthread_cond_broadcast(&w->done);
		pthread_mutex_unlock(&w->lock);
	}
}

/* Free a closed connection's memory, on the thread that closed it. */
static void
worker_reap_cb(evutil_socket_t fd, short what, void *arg)
{
	hooks->reap(arg);
}

/* One worker, its loop on base (or a new one). */
/* Why 500 ms: often enough that a loop busy for a second shows, rarely
 * enough to cost nothing. */
#define LAG_PERIOD_MS	500
static const struct timeval lag_period = { 0, LAG_PERIOD_MS * 1000 };

/* The loop's lateness: a timer due every LAG_PERIOD_MS runs this late. */
static void
worker_lag_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	uint64_t now = time_mono_ns();

	(void)fd;
	(void)what;
	STAT_SET(w->lag_ns, now > w->lag_due_ns ? now - w->lag_due_ns : 0);
	w->lag_due_ns = now + LAG_PERIOD_MS * 1000000ULL;
}

static struct worker *
worker_new(unsigned id, struct event_base *base)
{
	struct worker *w = xcalloc(1, sizeof *w);

	w->id = id;
	w->base = base != NULL ? base : event_base_new();
	if (w->base == NULL) {
		log_error("cannot create the event loop of worker %u", id);
		exit(1);
	}
	TAILQ_INIT(&w->conns);
	TAILQ_INIT(&w->closing);
	TAILQ_INIT(&w->inbox);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->done, NULL);
	w->reaper = event_new(w->base, -1, 0, worker_reap_cb, w);
	w->inbox_ev = event_new(w->base, -1, 0, worker_inbox_cb, w);
	w->stage = evbuffer_new();
	w->lag_ev = event_new(w->base, -1, EV_PERSIST, worker_lag_cb, w);
	event_add(w->lag_ev, &lag_period);
	w->lag_due_ns = time_mono_ns() + LAG_PERIOD_MS * 1000000ULL;
	return w;
}

/* Worker 0 wraps the main loop; the rest get loops of their own. */
void
worker_init(unsigned n, struct event_base *base, const struct worker_hooks *h)
{
	unsigned i;

	hooks = h;
	srv.nworkers = n > 0 ? n : 1;
	srv.workers = xcalloc(srv.nworkers, sizeof *srv.workers);
	for (i = 0; i < srv.nworkers; i++)
		srv.workers[i] = worker_new(i, i == 0 ? base : NULL);
	self = srv.workers[0];
	self->thread = pthread_self();
}

/* A worker thread: run the loop until worker_stop says otherwise. */
static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	self = w;
	event_base_loop(w->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

/* Start threads 1..n-1, with signals left to the main thread. */
int
worker_start(void)
{
	sigset_t all, old;
	unsigned i;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 1; i < srv.nworkers; i++) {
		struct worker *w = srv.workers[i];
		if ((rc = pthread_create(&w->thread, NULL, worker_main, w)) != 0) {
			log_error("cannot start worker thread %u: %s", i, strerror(rc));
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			return -1;
		}
		w->running = 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return 0;
}

/* On a worker: close what it serves, free it, leave the loop. */
static void
worker_shutdown(void *arg)
{
	struct worker *w = arg;

	hooks->close_all(w);
	hooks->reap(w);
	event_base_loopexit(w->base, NULL);
}

/* Stop every worker thread (worker 0 is the caller's business). */
void
worker_stop(void)
{
	unsigned i;

	for (i = 1; i < srv.nworkers; i++) {
		struct worker *w = srv.workers[i];
		if (!w->running)
			continue;
		worker_call(w, worker_shutdown, w);
		pthread_join(w->thread, NULL);
		w->running = 0;
		worker_run_inbox(w);	/* anything posted after the loop left */
	}
}

/* Free the workers (their loops are stopped). */
void
worker_free(void)
{
	unsigned i;

	for (i = 0; i < srv.nworkers; i++) {
		struct worker *w = srv.workers[i];
		event_free(w->reaper);
		event_free(w->inbox_ev);
		event_free(w->lag_ev);
		evbuffer_free(w->stage);
		if (i > 0)
			event_base_free(w->base);
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->done);
		free(w);
	}
	free(srv.workers);
	srv.workers = NULL;
	srv.nworkers = 0;
}

struct worker *
worker_self(void)
{
	return self;
}

/* Queue fn(arg) for w and wake its loop. */
void
worker_post(struct worker *w, void (*fn)(void *), void *arg)
{
	struct work *wk = xcalloc(1, sizeof *wk);

	wk->fn = fn;
	wk->arg = arg;
	pthread_mutex_lock(&w->lock);
	TAILQ_INSERT_TAIL(&w->inbox, wk, entry);
	pthread_mutex_unlock(&w->lock);
	event_active(w->inbox_ev, EV_READ, 0);
}

/* Run fn(arg) on w and wait until it has run. */
void
worker_call(struct worker *w, void (*fn)(void *), void *arg)
{
	struct work wk = { fn, arg, NULL, { NULL, NULL } };
	int done = 0;

	if (w == self || (w->id != 0 && !w->running)) {
		fn(arg);
		return;
	}
	wk.done = &done;
	pthread_mutex_lock(&w->lock);
	TAILQ_INSERT_TAIL(&w->inbox, &wk, entry);
	pthread_mutex_unlock(&w->lock);
	event_active(w->inbox_ev, EV_READ, 0);
	pthread_mutex_lock(&w->lock);
	while (!done)
		pthread_cond_wait(&w->done, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

/* Fewest listeners wins; ties go to the lowest id. */
struct worker *
worker_pick(void)
{
	struct worker *best = srv.workers[0];
	unsigned i, n, bn = __atomic_load_n(&best->listeners, __ATOMIC_RELAXED);

	for (i = 1; i < srv.nworkers; i++) {
		n = __atomic_load_n(&srv.workers[i]->listeners, __ATOMIC_RELAXED);
		if (n < bn) {
			best = srv.workers[i];
			bn = n;
		}
	}
	return best;
}

/* CPU time the worker's thread has used (ms), for /api/v1/mounts. */
unsigned long long
worker_cpu_ms(const struct worker *w)
{
	struct timespec ts;
	clockid_t cid;

	if ((w->id != 0 && !w->running) || pthread_getcpuclockid(w->thread, &cid) != 0 ||
	    clock_gettime(cid, &ts) != 0)
		return 0;
	return (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
}

unsigned
worker_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}
