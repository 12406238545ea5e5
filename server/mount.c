/*
 * mount.c: the mount registry, per-mount limits, appending blocks and
 * waking listeners, metadata, and what happens when a source leaves.
 */
#include "mount.h"
#include "conn.h"
#include "config.h"
#include "format.h"
#include "icy.h"
#include "listener.h"
#include "log.h"
#include "server.h"
#include "source.h"
#include "util.h"
#include "worker.h"

#include <event2/event.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Why 1 s: a stalled listener gets no write callbacks, so someone must look
 * for it; once a second bounds the extra memory it pins to one second of
 * audio past the queue size, for a walk over the mount's listeners that
 * costs microseconds per thousand. */
#define SWEEP_INTERVAL_MS 1000

/* Why 50 ms: a listener's sends are spread over the write interval in
 * turns this long, so each turn's batch is a fraction of the interval's;
 * shorter turns would cut blocks (flushed at each turn) below ~800 bytes at
 * 128 kbps, and every block costs each listener an evbuffer reference. */
#define MOUNT_SLOT_MS 50

/* Why 1,000: see mount_slots_for. */
#define MOUNT_SLOT_LISTENERS 1000

/* Why 4: fallback chains longer than this are configuration loops. */
#define FALLBACK_DEPTH 4

static void shard_sweep(evutil_socket_t fd, short what, void *arg);
static void shard_wake_cb(evutil_socket_t fd, short what, void *arg);
static void mount_tick(evutil_socket_t fd, short what, void *arg);
static void mount_wake(struct mount *m, unsigned long mask);
static void mount_set_interval(struct mount *m);
static void mount_unref(struct mount *m);
static unsigned mount_slots_for(const struct mount *m);
static void mount_arm_tick(struct mount *m, unsigned slots);

/* Find by exact name. */
struct mount *
mount_find(const char *name)
{
	struct mount *m;

	TAILQ_FOREACH(m, &srv.mounts, entry)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

/* Find or create. */
struct mount *
mount_get(const char *name)
{
	struct mount *m;
	struct shard *sh;
	struct timeval tv = { SWEEP_INTERVAL_MS / 1000, (SWEEP_INTERVAL_MS % 1000) * 1000 };
	unsigned i, j;

	if ((m = mount_find(name)) != NULL)
		return m;
	m = xcalloc(1, sizeof *m);
	m->name = xstrdup(name);
	m->conf = config_find_mount(srv.config, name);
	m->fmt = &format_generic;
	m->lag_policy = mount_lag_policy(m);
	pthread_mutex_init(&m->lock, NULL);
	m->refs = 1;		/* the registry's */
	m->registered = 1;
	queue_init(&m->q, mount_queue_size(m), mount_burst_size(m));
	m->shards = xcalloc(srv.nworkers, sizeof *m->shards);
	for (i = 0; i < srv.nworkers; i++) {
		sh = &m->shards[i];
		sh->mount = m;
		TAILQ_INIT(&sh->listeners);
		for (j = 0; j < MOUNT_MAX_SLOTS; j++)
			TAILQ_INIT(&sh->waiting[j]);
		/* Timers on the worker's own loop (libevent locks that loop
		 * while another thread adds them). */
		sh->sweep = event_new(srv.workers[i]->base, -1, EV_PERSIST, shard_sweep, sh);
		event_add(sh->sweep, &tv);
		sh->wake = event_new(srv.workers[i]->base, -1, 0, shard_wake_cb, sh);
	}
	m->tick = event_new(srv.base, -1, EV_PERSIST, mount_tick, m);
	m->slots = 1;
	m->interval = -1;
	mount_set_interval(m);
	TAILQ_INSERT_TAIL(&srv.mounts, m, entry);
	return m;
}

/* This worker's part of m. */
struct shard *
mount_shard(struct mount *m, struct worker *w)
{
	return &m->shards[w->id];
}

/* A per-shard counter (at offset off in struct shard), over all workers. */
static uint64_t
mount_sum(const struct mount *m, size_t off)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < srv.nworkers; i++)
		n += STAT_GET(*(uint64_t *)((char *)&m->shards[i] + off));
	return n;
}

/* Bytes sent to listeners, over all workers. */
uint64_t
mount_bytes_sent(const struct mount *m)
{
	return mount_sum(m, offsetof(struct shard, bytes_sent));
}

/* Listeners dropped or resynced for lag, over all workers. */
uint64_t
mount_slow(const struct mount *m)
{
	return mount_sum(m, offsetof(struct shard, slow));
}

/* Release the source's stream description. */
static void
stream_info_clear(struct stream_info *si)
{
	free(si->content_type);
	free(si->name);
	free(si->description);
	free(si->url);
	free(si->genre);
	free(si->bitrate);
	free(si->audio_info);
	free(si->user_agent);
	free(si->source_ip);
	memset(si, 0, sizeof *si);
}

/* An idle mount leaves the registry; freed once no work holds it. */
void
mount_release(struct mount *m)
{
	if (!m->registered || m->source != NULL || STAT_GET(m->nlisteners) > 0)
		return;
	TAILQ_REMOVE(&srv.mounts, m, entry);
	m->registered = 0;
	mount_unref(m);
}

/* Main thread: the release a worker asked for, then its reference. */
static void
mount_release_cb(void *arg)
{
	struct mount *m = arg;

	mount_release(m);
	mount_unref(m);
}

/*
 * A worker's last listener of m left. The caller took a reference before
 * it dropped its count (so the main thread cannot free m in between); it
 * goes with the request to the main thread, which owns the registry.
 */
void
mount_release_later(struct mount *m)
{
	if (worker_self()->id == 0)
		mount_release_cb(m);
	else
		worker_post(srv.workers[0], mount_release_cb, m);
}

/* Take a reference (any thread). */
void
mount_ref(struct mount *m)
{
	__atomic_add_fetch(&m->refs, 1, __ATOMIC_RELAXED);
}

/* Drop a reference; the last frees (main thread only: see mount_release_later). */
static void
mount_unref(struct mount *m)
{
	unsigned i;

	if (__atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	for (i = 0; i < srv.nworkers; i++) {
		/* If the worker is running this timer's callback right now,
		 * libevent waits for it to return. */
		event_free(m->shards[i].sweep);
		event_free(m->shards[i].wake);
	}
	event_free(m->tick);
	free(m->shards);
	pthread_mutex_destroy(&m->lock);
	queue_clear(&m->q);
	icy_meta_unref(m->meta);
	ogg_headers_unref(m->hdrs);
	stream_info_clear(&m->info);
	free(m->fallback);
	free(m->title);
	free(m->name);
	free(m);
}

/* After a reload the old config is gone: look each block up again. */
void
mount_config_changed(void)
{
	struct mount *m;

	TAILQ_FOREACH(m, &srv.mounts, entry) {
		m->conf = config_find_mount(srv.config, m->name);
		pthread_mutex_lock(&m->lock);
		STAT_SET(m->q.limit, mount_queue_size(m));
		m->q.burst_size = mount_burst_size(m);
		pthread_mutex_unlock(&m->lock);
		STAT_SET(m->lag_policy, mount_lag_policy(m));
		mount_set_interval(m);
	}
}

/*
 * How many turns the interval is cut into: about MOUNT_SLOT_MS each, but
 * no more than the mount's listeners need. A turn's batch for fewer than
 * MOUNT_SLOT_LISTENERS listeners is over in well under a millisecond, and
 * every turn costs a wake-up of every worker: 100 mounts of 100 listeners
 * in 50 ms turns cost 10% more per listener than one mount of 10,000.
 */
static unsigned
mount_slots_for(const struct mount *m)
{
	long most = FLOE_MAX(1, FLOE_MIN(m->interval / MOUNT_SLOT_MS, MOUNT_MAX_SLOTS));
	long need = (long)(STAT_GET(m->nlisteners) / MOUNT_SLOT_LISTENERS) + 1;

	return (unsigned)FLOE_MIN(most, need);
}

/* Arm the tick for the interval in force cut into this many turns. */
static void
mount_arm_tick(struct mount *m, unsigned slots)
{
	struct timeval tv;
	long us;

	event_del(m->tick);
	m->tick_no = 0;
	if (m->interval > 0) {
		us = m->interval * 1000 / (long)slots;
		tv.tv_sec = us / 1000000;
		tv.tv_usec = us % 1000000;
		event_add(m->tick, &tv);
	}
	if (slots != STAT_GET(m->slots)) {
		log_debug("mount %s: %u turn%s per write interval", m->name, slots,
		    slots == 1 ? "" : "s");
		STAT_SET(m->slots, slots);
		mount_wake(m, MOUNT_ALL_SLOTS);	/* nobody stays parked in a slot gone */
	}
}

/* (Re)arm the write-interval timer for the interval now configured. */
static void
mount_set_interval(struct mount *m)
{
	long ms = mount_write_interval(m);

	if (ms == m->interval)
		return;
	m->interval = ms;
	mount_arm_tick(m, mount_slots_for(m));
}

/* Fallback in force. */
const char *
mount_fallback(const struct mount *m)
{
	if (m->fallback != NULL)
		return *m->fallback != '\0' ? m->fallback : NULL;
	return m->conf != NULL ? m->conf->fallback_mount : NULL;
}

/* Walk every listener on every worker, holding the lock that keeps the
 * lists still. */
void
mount_each_listener(struct mount *m, void (*fn)(struct listener *, void *), void *arg)
{
	struct listener *l;
	unsigned i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < srv.nworkers; i++)
		TAILQ_FOREACH(l, &m->shards[i].listeners, entry)
			fn(l, arg);
	pthread_mutex_unlock(&m->lock);
}

/* What a worker is asked to do to its shard of a mount. */
struct shard_job {
	struct mount	*m;
	struct mount	*to;		/* move: destination; gone: fallback or NULL */
	const char	*origin;	/* move: only listeners that came from here */
	uint64_t	 id;		/* kill: connection id */
	const char	*who;
	unsigned	 n;		/* how many it acted on */
};

/* On the listener's worker: find it again, and close it. */
static void
shard_kill(void *arg)
{
	struct shard_job *j = arg;
	struct listener *l;

	TAILQ_FOREACH(l, &mount_shard(j->m, worker_self())->listeners, entry)
		if (l->conn->id == j->id) {
			log_info("admin %s: kicking listener %llu (%s) from %s", j->who,
			    (unsigned long long)j->id, l->conn->ip, j->m->name);
			conn_close(l->conn);
			j->n++;
			return;
		}
}

/* Listener by connection id (admin killclient), kicked by its worker. */
int
mount_kill_listener(struct mount *m, uint64_t id, const char *who)
{
	struct shard_job j = { .m = m, .id = id, .who = who };
	struct worker *w = NULL;
	struct listener *l;
	unsigned i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < srv.nworkers && w == NULL; i++)
		TAILQ_FOREACH(l, &m->shards[i].listeners, entry)
			if (l->conn->id == id) {
				w = srv.workers[i];
				break;
			}
	pthread_mutex_unlock(&m->lock);
	if (w == NULL)
		return -1;
	mount_ref(m);		/* kept while the worker works on it */
	worker_call(w, shard_kill, &j);
	mount_unref(m);
	return j.n > 0 ? 0 : -1;
}

/* On each worker: move its listeners of j->m (from j->origin, if given). */
static void
shard_move(void *arg)
{
	struct shard_job *j = arg;
	struct listener *l, *next;

	TAILQ_FOREACH_SAFE(l, &mount_shard(j->m, worker_self())->listeners, entry, next) {
		if (j->origin != NULL && (l->origin == NULL || strcmp(l->origin, j->origin) != 0))
			continue;
		free(l->origin);
		l->origin = NULL;
		listener_move(l, j->to);
		j->n++;
	}
}

/* Move listeners between mounts, each by the worker serving it. */
unsigned
mount_move_listeners(struct mount *from, struct mount *to, const char *origin)
{
	struct shard_job j = { .m = from, .to = to, .origin = origin };
	unsigned i;

	mount_ref(from);	/* the last listener leaving must not free it mid-walk */
	for (i = 0; i < srv.nworkers; i++)
		worker_call(srv.workers[i], shard_move, &j);
	mount_unref(from);
	return j.n;
}

/* max-listeners, -1 for no limit. */
long
mount_max_listeners(const struct mount *m)
{
	return m->conf != NULL && m->conf->max_listeners >= 0 ? m->conf->max_listeners : -1;
}

/* queue-size for this mount. */
size_t
mount_queue_size(const struct mount *m)
{
	long v = m->conf != NULL && m->conf->queue_size >= 0 ? m->conf->queue_size :
	    srv.config->queue_size;
	/* A queue smaller than a few frames could not hold a burst at all. */
	return (size_t)FLOE_MAX(v, 16384);
}

/* burst-size for this mount, never more than the queue holds. */
size_t
mount_burst_size(const struct mount *m)
{
	long v = m->conf != NULL && m->conf->burst_size >= 0 ? m->conf->burst_size :
	    srv.config->burst_size;
	return (size_t)FLOE_MIN((size_t)v, mount_queue_size(m));
}

/* write-interval for this mount, in milliseconds. */
long
mount_write_interval(const struct mount *m)
{
	return m->conf != NULL && m->conf->write_interval >= 0 ? m->conf->write_interval :
	    srv.config->write_interval;
}

/* lag-policy for this mount (enum lag_policy). */
int
mount_lag_policy(const struct mount *m)
{
	return m->conf != NULL && m->conf->lag_policy >= 0 ? m->conf->lag_policy :
	    srv.config->lag_policy;
}

/* mp3-metadata-interval for this mount. */
long
mount_metaint(const struct mount *m)
{
	long v = m->conf != NULL && m->conf->metaint > 0 ? m->conf->metaint : ICY_DEFAULT_METAINT;
	return v;
}

/* A new source: fresh queue, empty title. */
void
mount_source_started(struct mount *m)
{
	pthread_mutex_lock(&m->lock);
	queue_clear(&m->q);
	queue_init(&m->q, mount_queue_size(m), mount_burst_size(m));
	pthread_mutex_unlock(&m->lock);
	icy_meta_unref(m->meta);
	m->meta = icy_meta_new(NULL, NULL);
	ogg_headers_unref(m->hdrs);
	m->hdrs = NULL;
	free(m->title);
	m->title = NULL;
	m->bytes_read = 0;
	m->stream_start = time_wall();
}

/*
 * Hand new data to this shard's listeners waiting in the slots of mask.
 * Take each slot's whole list first: a listener that drains the new data at
 * once parks again and must land on the new list, not be visited twice.
 * Listeners may also close inside listener_fill.
 */
static void
shard_wake(struct shard *sh, unsigned long mask)
{
	struct listener_list woken;
	struct listener *l, *next;
	unsigned s;

	TAILQ_INIT(&woken);
	for (s = 0; s < MOUNT_MAX_SLOTS; s++)
		if (mask & (1UL << s))
			TAILQ_CONCAT(&woken, &sh->waiting[s], wentry);
	TAILQ_FOREACH_SAFE(l, &woken, wentry, next) {
		TAILQ_REMOVE(&woken, l, wentry);
		listener_wake(l);
	}
}

/* On a worker: the mount says new data is there for these slots. */
static void
shard_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct shard *sh = arg;

	shard_wake(sh, __atomic_exchange_n(&sh->wake_mask, 0, __ATOMIC_ACQ_REL));
}

/*
 * Wake the waiting listeners in the slots of mask on every worker: this
 * thread's own at once, the others through their loops (one activation per
 * worker, not per listener). One clock for all workers: a byte waits at
 * most one interval whichever worker serves the listener.
 */
static void
mount_wake(struct mount *m, unsigned long mask)
{
	struct shard *sh;
	unsigned i;

	m->woken_pos = m->q.tail_pos;
	for (i = 1; i < srv.nworkers; i++) {
		sh = &m->shards[i];
		if (STAT_GET(sh->n) == 0)
			continue;
		__atomic_fetch_or(&sh->wake_mask, mask, __ATOMIC_ACQ_REL);
		event_active(sh->wake, EV_TIMEOUT, 0);
	}
	shard_wake(&m->shards[0], mask);
}

/*
 * A slot's turn (every interval / slots): append what the source has
 * gathered, then one send for each listener of that slot, holding
 * everything that came since its last one. Listeners are spread over the
 * slots, so a worker's sends are spread over the interval: a byte waits
 * one interval plus a slot's share of the sends, not plus all of them.
 */
static void
mount_tick(evutil_socket_t fd, short what, void *arg)
{
	struct mount *m = arg;
	unsigned slots = STAT_GET(m->slots);

	/* Once a round: as many turns as the listeners now need. */
	if (m->tick_no % slots == 0 && mount_slots_for(m) != slots) {
		mount_arm_tick(m, mount_slots_for(m));
		slots = STAT_GET(m->slots);
	}
	if (m->source != NULL)
		source_emit(m->source);
	mount_wake(m, 1UL << (m->tick_no++ % slots));
}

/*
 * Append a block. With no write interval, wake the waiting listeners now;
 * with one, the tick does it, unless half a queue has come in since the
 * last wake-up (a source bursting): waiting listeners must get the data
 * before the queue trims it.
 */
void
mount_append(struct mount *m, struct block *b)
{
	icy_meta_ref(m->meta);
	b->meta = m->meta;
	if (m->hdrs != NULL && !(b->flags & (BLOCK_HEADER | BLOCK_CHAIN))) {
		ogg_headers_ref(m->hdrs);
		b->hdrs = m->hdrs;
	}
	pthread_mutex_lock(&m->lock);
	queue_append(&m->q, b);
	pthread_mutex_unlock(&m->lock);
	if (m->interval == 0 || m->q.tail_pos - m->woken_pos >= m->q.limit / 2)
		mount_wake(m, MOUNT_ALL_SLOTS);
}

/*
 * New title, rendered once and taking effect from the next block appended.
 * song wins; else "artist - title" (which is also the stats title, as in
 * icecast2, so dashboards see what listeners see); else whichever of the
 * two was given (icecast2 silently ignores a lone title or artist).
 */
void
mount_set_title(struct mount *m, const char *song, const char *artist, const char *title)
{
	char *text;

	if (artist != NULL && *artist == '\0')
		artist = NULL;
	if (title != NULL && *title == '\0')
		title = NULL;
	if (song != NULL)
		text = xstrdup(song);
	else if (artist != NULL && title != NULL)
		text = xasprintf("%s - %s", artist, title);
	else
		text = xstrdup(title != NULL ? title : artist != NULL ? artist : "");
	icy_meta_unref(m->meta);
	m->meta = icy_meta_new(text, NULL);
	free(m->title);
	m->title = xstrdup(m->meta->title);	/* exactly what listeners get */
	log_info("mount %s: title \"%s\"", m->name, m->meta->title);
	free(text);
}

/* The mount that serves a listener asking for name. */
struct mount *
mount_resolve(const char *name)
{
	const struct config_mount *mc;
	struct mount *m;
	int depth;

	for (depth = 0; depth < FALLBACK_DEPTH && name != NULL; depth++) {
		if ((m = mount_find(name)) != NULL && m->source != NULL)
			return m;
		if (m != NULL && m->fallback != NULL) {
			name = mount_fallback(m);
			continue;
		}
		mc = config_find_mount(srv.config, name);
		if (mc == NULL || mc->name == NULL)
			return NULL;	/* the default block's fallback is not a chain */
		name = mc->fallback_mount;
	}
	return NULL;
}

/* On each worker: its listeners of a mount whose source left. */
static void
shard_source_gone(void *arg)
{
	struct shard_job *j = arg;
	struct listener *l, *next;

	TAILQ_FOREACH_SAFE(l, &mount_shard(j->m, worker_self())->listeners, entry, next) {
		if (j->to != NULL) {
			if (l->origin == NULL)
				l->origin = xstrdup(j->m->name);
			listener_move(l, j->to);
		} else
			listener_finish(l);
	}
}

/* The source is gone: fallback or goodbye for every listener. */
void
mount_source_gone(struct mount *m)
{
	struct shard_job j = { .m = m };
	unsigned i;

	if (mount_fallback(m) != NULL)
		j.to = mount_resolve(mount_fallback(m));
	if (j.to == m)
		j.to = NULL;
	for (i = 0; i < srv.nworkers; i++)
		worker_call(srv.workers[i], shard_source_gone, &j);
	if (j.to != NULL)
		log_info("mount %s: source gone, listeners moved to %s", m->name, j.to->name);
	pthread_mutex_lock(&m->lock);
	queue_clear(&m->q);
	pthread_mutex_unlock(&m->lock);
	ogg_headers_unref(m->hdrs);
	m->hdrs = NULL;
}

/* Find this shard's listeners that fell further behind than the queue allows. */
static void
shard_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct shard *sh = arg;
	struct listener *l, *next;

	TAILQ_FOREACH_SAFE(l, &sh->listeners, entry, next)
		if (listener_stalled(l))
			listener_lagged(l);
}
