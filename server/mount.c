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

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

/* Why 1 s: a stalled listener gets no write callbacks, so someone must look
 * for it; once a second bounds the extra memory it pins to one second of
 * audio past the queue size, for a walk over the mount's listeners that
 * costs microseconds per thousand. */
#define SWEEP_INTERVAL_MS 1000

/* Why 4: fallback chains longer than this are configuration loops. */
#define FALLBACK_DEPTH 4

static void mount_sweep(evutil_socket_t fd, short what, void *arg);
static void mount_tick(evutil_socket_t fd, short what, void *arg);
static void mount_set_interval(struct mount *m);

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
	struct timeval tv = { SWEEP_INTERVAL_MS / 1000, (SWEEP_INTERVAL_MS % 1000) * 1000 };

	if ((m = mount_find(name)) != NULL)
		return m;
	m = xcalloc(1, sizeof *m);
	m->name = xstrdup(name);
	m->conf = config_find_mount(srv.config, name);
	m->fmt = &format_generic;
	TAILQ_INIT(&m->listeners);
	TAILQ_INIT(&m->waiting);
	queue_init(&m->q, mount_queue_size(m), mount_burst_size(m));
	m->sweep = event_new(srv.base, -1, EV_PERSIST, mount_sweep, m);
	event_add(m->sweep, &tv);
	m->tick = event_new(srv.base, -1, EV_PERSIST, mount_tick, m);
	mount_set_interval(m);
	TAILQ_INSERT_TAIL(&srv.mounts, m, entry);
	return m;
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

/* Free an idle mount. */
void
mount_release(struct mount *m)
{
	if (m->source != NULL || !TAILQ_EMPTY(&m->listeners))
		return;
	TAILQ_REMOVE(&srv.mounts, m, entry);
	event_free(m->sweep);
	event_free(m->tick);
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
		m->q.limit = mount_queue_size(m);
		m->q.burst_size = mount_burst_size(m);
		mount_set_interval(m);
	}
}

/* (Re)arm the write-interval timer for the interval now configured. */
static void
mount_set_interval(struct mount *m)
{
	struct timeval tv;
	long ms = mount_write_interval(m);

	if (ms == m->interval && event_pending(m->tick, EV_TIMEOUT, NULL))
		return;
	m->interval = ms;
	event_del(m->tick);
	if (ms > 0) {
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		event_add(m->tick, &tv);
	}
}

/* Fallback in force. */
const char *
mount_fallback(const struct mount *m)
{
	if (m->fallback != NULL)
		return *m->fallback != '\0' ? m->fallback : NULL;
	return m->conf != NULL ? m->conf->fallback_mount : NULL;
}

/* Listener by connection id (admin killclient). */
struct listener *
mount_find_listener(const struct mount *m, uint64_t id)
{
	struct listener *l;

	TAILQ_FOREACH(l, &m->listeners, entry)
		if (l->conn->id == id)
			return l;
	return NULL;
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
	queue_clear(&m->q);
	queue_init(&m->q, mount_queue_size(m), mount_burst_size(m));
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
 * Hand new data to every listener that was waiting for it. Take the whole
 * waiting list first: a listener that drains the new data at once parks
 * again and must land on the new list, not be visited twice. Listeners may
 * also close inside listener_fill.
 */
static void
mount_wake(struct mount *m)
{
	struct listener_list woken;
	struct listener *l, *next;

	m->woken_pos = m->q.tail_pos;
	TAILQ_INIT(&woken);
	TAILQ_CONCAT(&woken, &m->waiting, wentry);
	TAILQ_FOREACH_SAFE(l, &woken, wentry, next) {
		TAILQ_REMOVE(&woken, l, wentry);
		listener_wake(l);
	}
}

/* The write interval passed: one send for everything that came meanwhile. */
static void
mount_tick(evutil_socket_t fd, short what, void *arg)
{
	struct mount *m = arg;

	if (m->q.tail_pos != m->woken_pos)
		mount_wake(m);
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
	queue_append(&m->q, b);
	if (m->interval == 0 || m->q.tail_pos - m->woken_pos >= m->q.limit / 2)
		mount_wake(m);
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

/* The source is gone: fallback or goodbye for every listener. */
void
mount_source_gone(struct mount *m)
{
	struct listener *l, *next;
	struct mount *fb = NULL;

	if (mount_fallback(m) != NULL)
		fb = mount_resolve(mount_fallback(m));
	if (fb == m)
		fb = NULL;
	TAILQ_FOREACH_SAFE(l, &m->listeners, entry, next) {
		if (fb != NULL) {
			if (l->origin == NULL)
				l->origin = xstrdup(m->name);
			listener_move(l, fb);
		} else
			listener_finish(l);
	}
	if (fb != NULL)
		log_info("mount %s: source gone, listeners moved to %s", m->name, fb->name);
	queue_clear(&m->q);
	ogg_headers_unref(m->hdrs);
	m->hdrs = NULL;
}

/* Find listeners that fell further behind than the queue allows. */
static void
mount_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct mount *m = arg;
	struct listener *l, *next;

	TAILQ_FOREACH_SAFE(l, &m->listeners, entry, next)
		if (listener_lagging(l))
			listener_lagged(l);
}

/* Shutdown: close every source and listener, free every mount. */
void
mount_free_all(void)
{
	struct mount *m, *next;

	TAILQ_FOREACH_SAFE(m, &srv.mounts, entry, next) {
		struct listener *l, *ln;
		TAILQ_FOREACH_SAFE(l, &m->listeners, entry, ln)
			conn_close(l->conn);
	}
	TAILQ_FOREACH_SAFE(m, &srv.mounts, entry, next)
		if (m->source != NULL)
			source_kill(m->source);
}
