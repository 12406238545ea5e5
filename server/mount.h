/*
 * mount.h: the registry of mounts. A mount exists while a source feeds it
 * or listeners are attached to it; its settings come from the config's
 * <mount> block (if any) and the source's ice-* headers. It owns the block
 * queue, the current ICY metadata and Ogg headers, and its listener lists.
 */
#ifndef FLOE_MOUNT_H
#define FLOE_MOUNT_H

#include <pthread.h>
#include <stdint.h>
#include <sys/queue.h>

#include "block.h"

struct source;
struct listener;
struct format_ops;
struct config_mount;
struct icy_meta;
struct ogg_headers;
struct worker;

TAILQ_HEAD(listener_list, listener);

/* A mount's write interval is split into up to this many turns (slots). */
#define MOUNT_MAX_SLOTS	20
#define MOUNT_ALL_SLOTS	((1UL << MOUNT_MAX_SLOTS) - 1)

/*
 * The part of a mount one worker serves: its listeners there, the waiting
 * list, and the timers that wake and sweep them, on that worker's loop.
 * Only the worker's thread touches a shard, except that inserting into or
 * removing from `listeners` happens under the mount's lock, so the main
 * thread may walk the lists (admin listclients) holding it.
 */
struct shard {
	struct mount	*mount;
	struct listener_list listeners;
	struct listener_list waiting[MOUNT_MAX_SLOTS]; /* caught up, by slot: woken at its turn */
	unsigned long	 wake_mask;		/* slots to wake (atomic: set by the main thread) */
	unsigned	 next_slot;		/* round robin for listeners joining */
	unsigned	 n;			/* listeners in the list (atomic) */
	uint64_t	 bytes_sent;		/* atomic: read by stats */
	uint64_t	 slow;			/* listeners dropped or resynced for lag (atomic) */
	struct event	*wake;			/* activated by the mount's tick: wake waiting listeners */
	struct event	*sweep;			/* once a second: find stalled listeners */
};

/** What a source says about its stream (ice-* / icy-* headers, overridden by config). */
struct stream_info {
	char	*content_type;
	char	*name;
	char	*description;
	char	*url;
	char	*genre;
	char	*bitrate;	/* as the source said it, e.g. "128" */
	char	*audio_info;	/* "channels=2;samplerate=44100;bitrate=128" */
	int	 public;
	char	*user_agent;
	char	*source_ip;
};

struct mount {
	char		*name;
	const struct config_mount *conf;	/* refreshed on reload; may be NULL */
	struct source	*source;		/* NULL when no source is connected */
	const struct format_ops *fmt;
	struct queue	 q;
	struct icy_meta	*meta;			/* current title, rendered (never NULL while live) */
	struct ogg_headers *hdrs;		/* current Ogg chain headers, or NULL */
	struct stream_info info;
	char		*fallback;		/* set by /admin/fallbacks, overrides the config */
	char		*title;			/* last metadata as listeners get it, for stats */
	struct shard	*shards;		/* one per worker */
	pthread_mutex_t	 lock;			/* queue start points, shard listener lists */
	unsigned	 refs;			/* atomic: registry + work in flight */
	int		 registered;		/* in srv.mounts */
	unsigned	 nlisteners;		/* atomic: on every worker, incl. being handed over */
	unsigned	 peak;
	uint64_t	 bytes_read;		/* audio bytes from the source (after dechunking) */
	int64_t		 stream_start;
	long		 interval;		/* write interval in force (ms), 0: at every block */
	struct event	*tick;			/* main loop, every interval / slots: flush, wake a slot */
	unsigned	 slots;			/* turns per interval (atomic: workers read it) */
	uint64_t	 tick_no;
	uint64_t	 woken_pos;		/* tail position at the last wake-up */
	int		 lag_policy;		/* in force, for workers (atomic) */
	TAILQ_ENTRY(mount) entry;
};

/** The mount of that name, or NULL. */
struct mount *mount_find(const char *name);
/** The mount of that name, created (without a source) if needed. */
struct mount *mount_get(const char *name);
/** Drop the mount from the registry (and free it) if nothing uses it any
 *  more. Main thread; workers call mount_release_later. */
void mount_release(struct mount *m);
/** Take a reference (any thread). */
void mount_ref(struct mount *m);
/** From any thread: have the main thread call mount_release(m) soon, then
 *  drop a reference the caller took with mount_ref. */
void mount_release_later(struct mount *m);
/** This worker's shard of m. */
struct shard *mount_shard(struct mount *m, struct worker *w);
/** Counters summed over the shards. */
uint64_t mount_bytes_sent(const struct mount *m);
uint64_t mount_slow(const struct mount *m);
/** Re-read each mount's config block after a reload. */
void mount_config_changed(void);

/** The fallback mount in force: set at run time, else configured, else NULL. */
const char *mount_fallback(const struct mount *m);
/** Kick the listener with this connection id (logged by "who"); -1: none. */
int mount_kill_listener(struct mount *m, uint64_t id, const char *who);
/** Move every listener of from to to (those that came from origin only, if
 *  given; origin is then forgotten); returns how many moved. */
unsigned mount_move_listeners(struct mount *from, struct mount *to, const char *origin);
/** Walk every listener of m (main thread; m's lock is held meanwhile: fn
 *  must only read, and must not log or call into workers). */
void mount_each_listener(struct mount *m, void (*fn)(struct listener *, void *), void *arg);

/** Limits in force for this mount (config block, else global). */
long mount_max_listeners(const struct mount *m);
size_t mount_burst_size(const struct mount *m);
size_t mount_queue_size(const struct mount *m);
long mount_metaint(const struct mount *m);
long mount_write_interval(const struct mount *m);
int mount_lag_policy(const struct mount *m);

/** A source has started on m: reset the queue and stream state. */
void mount_source_started(struct mount *m);
/** Append a block the source cut; wakes waiting listeners. */
void mount_append(struct mount *m, struct block *b);
/** Set the title (UTF-8, already cleaned) from metadata or the stream. */
void mount_set_title(struct mount *m, const char *song, const char *artist, const char *title);
/** The source left: move listeners to the fallback or close them. */
void mount_source_gone(struct mount *m);

/** The mount a listener asking for name should be served from, following
 *  fallback-mount for mounts without a live source (NULL: none). */
struct mount *mount_resolve(const char *name);


#endif
