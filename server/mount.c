/*
 * mount.c: the mount registry, per-mount limits, titles, and fallback
 * resolution. The fan-out to listeners is fanout.c's.
 */
#include "mount.h"
#include "config.h"
#include "format.h"
#include "icy.h"
#include "log.h"
#include "server.h"
#include "util.h"
#include "worker.h"

#include <stdlib.h>
#include <string.h>

/* Why 4: fallback chains longer than this are configuration loops. */
#define FALLBACK_DEPTH 4

static const struct mount_hooks *hooks;

/* The fan-out's hooks. */
void
mount_set_hooks(const struct mount_hooks *h)
{
	hooks = h;
}

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
	queue_set_rewind(&m->q, mount_rewind_ms(m), mount_rewind_bytes(m));
	hooks->created(m);
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

/* An idle mount leaves the registry; freed once no work holds it. */
void
mount_release(struct mount *m)
{
	if (!m->registered || m->source != NULL || STAT_GET(m->nlisteners) > 0)
		return;
	if (mount_rewind_ms(m) > 0 && m->q.head != NULL)
		return;		/* its rewind buffer stays for the next source */
	if (m->file != NULL)
		m->file_stop(m);
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
void
mount_unref(struct mount *m)
{
	if (__atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	hooks->freed(m);
	pthread_mutex_destroy(&m->lock);
	queue_clear(&m->q);
	icy_meta_unref(m->meta);
	ogg_headers_unref(m->hdrs);
	stream_info_clear(&m->info);
	free(m->fallback);
	free(m->title);
	free(m->artist);
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
		queue_set_rewind(&m->q, mount_rewind_ms(m), mount_rewind_bytes(m));
		pthread_mutex_unlock(&m->lock);
		STAT_SET(m->lag_policy, mount_lag_policy(m));
		hooks->configured(m);
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

/* Why 40,000 bytes a second: 320 kbit/s, the most an MP3 carries; a
 * stream at a lower rate fills the window before the bound. */
#define REWIND_BYTES_PER_S	40000

long
mount_hls_segment(const struct mount *m)
{
	return m->conf != NULL && m->conf->hls_segment > 0 ? m->conf->hls_segment : 4;
}

long
mount_hls_window(const struct mount *m)
{
	return m->conf != NULL && m->conf->hls_window > 0 ? m->conf->hls_window : 6;
}

/* <rewind>, or with <hls> at least what its live playlist and a player
 * a few segments behind need. */
int64_t
mount_rewind_ms(const struct mount *m)
{
	int64_t ms = m->conf != NULL && m->conf->rewind > 0 ? (int64_t)m->conf->rewind * 1000 : 0;

	if (m->conf != NULL && m->conf->hls > 0)
		ms = FLOE_MAX(ms, (int64_t)(mount_hls_window(m) + 4) * mount_hls_segment(m) * 1000);
	return ms;
}

size_t
mount_rewind_bytes(const struct mount *m)
{
	int64_t ms = mount_rewind_ms(m);

	if (ms == 0)
		return 0;
	if (m->conf->rewind_size > 0)
		return (size_t)m->conf->rewind_size;
	return (size_t)(ms / 1000) * REWIND_BYTES_PER_S;
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

/* A new source: fresh queue, empty title, its format. Listeners on other
 * workers read fmt, so it is published atomically. */
void
mount_source_started(struct mount *m, const struct format_ops *fmt)
{
	/* A rewind buffer outlives its sources (the news at nine is still
	 * there after the DJ's reconnect at half past), if the format stays. */
	int keep = mount_rewind_ms(m) > 0 && m->q.head != NULL &&
	    __atomic_load_n(&m->fmt, __ATOMIC_ACQUIRE) == fmt;

	__atomic_store_n(&m->fmt, fmt, __ATOMIC_RELEASE);
	if (!keep) {
		pthread_mutex_lock(&m->lock);
		queue_clear(&m->q);
		queue_init(&m->q, mount_queue_size(m), mount_burst_size(m));
		queue_set_rewind(&m->q, mount_rewind_ms(m), mount_rewind_bytes(m));
		pthread_mutex_unlock(&m->lock);
	}
	icy_meta_unref(m->meta);
	m->meta = icy_meta_new(NULL, NULL);
	ogg_headers_unref(m->hdrs);
	m->hdrs = NULL;
	free(m->title);
	m->title = NULL;
	free(m->artist);
	m->artist = NULL;
	memset(&m->ogg, 0, sizeof m->ogg);
	m->bytes_read = 0;
	m->stream_start = time_wall();
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

	m->title_changes++;
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
	free(m->artist);
	m->artist = NULL;
	log_info("mount %s: title \"%s\"", m->name, m->meta->title);
	log_playlist(m->name, (long)__atomic_load_n(&m->nlisteners, __ATOMIC_RELAXED),
	    m->meta->title);
	free(text);
}

struct mount *(*mount_file_fallback)(const char *name);

/* Fed by a source, or by a fallback file. */
int
mount_live(const struct mount *m)
{
	return m->source != NULL || m->file != NULL;
}

/* An Ogg chain's comments: stats show TITLE and ARTIST apart, as icecast2. */
void
mount_set_stream_tags(struct mount *m, const char *title, const char *artist)
{
	char *line;

	free(m->title);
	free(m->artist);
	m->title = title != NULL ? xstrdup(title) : NULL;
	m->artist = artist != NULL ? xstrdup(artist) : NULL;
	line = artist != NULL && title != NULL ? xasprintf("%s - %s", artist, title) :
	    xstrdup(title != NULL ? title : artist != NULL ? artist : "");
	log_info("mount %s: title \"%s\" (stats)", m->name, line);
	log_playlist(m->name, (long)__atomic_load_n(&m->nlisteners, __ATOMIC_RELAXED), line);
	free(line);
}

/* The mount that serves a listener asking for name. */
struct mount *
mount_resolve(const char *name)
{
	const struct config_mount *mc;
	struct mount *m;
	int depth;

	for (depth = 0; depth < FALLBACK_DEPTH && name != NULL; depth++) {
		if ((m = mount_find(name)) != NULL && mount_live(m))
			return m;
		if (m != NULL && m->fallback != NULL) {
			name = mount_fallback(m);
			continue;
		}
		mc = config_find_mount(srv.config, name);
		/* No such mount: a file fallback, perhaps ("/fallback-[128].mp3";
		 * asked for directly, webroot has served the file already). */
		if ((mc == NULL || mc->name == NULL) && mount_file_fallback != NULL)
			return mount_file_fallback(name);
		if (mc == NULL || mc->name == NULL)
			return NULL;	/* the default block's fallback is not a chain */
		name = mc->fallback_mount;
	}
	return NULL;
}
