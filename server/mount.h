/*
 * mount.h: the registry of mounts. A mount exists while a source feeds it
 * or listeners are attached to it; its settings come from the config's
 * <mount> block (if any) and the source's ice-* headers. It owns the block
 * queue, the current ICY metadata and Ogg headers, and its listener lists.
 */
#ifndef FLOE_MOUNT_H
#define FLOE_MOUNT_H

#include <stdint.h>
#include <sys/queue.h>

#include "block.h"

struct source;
struct listener;
struct format_ops;
struct config_mount;
struct icy_meta;
struct ogg_headers;

TAILQ_HEAD(listener_list, listener);

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
	struct listener_list listeners;		/* every listener */
	struct listener_list waiting;		/* caught up: woken when a block arrives */
	unsigned	 nlisteners;
	unsigned	 peak;
	uint64_t	 slow;			/* listeners dropped for lag */
	uint64_t	 bytes_read;		/* audio bytes from the source (after dechunking) */
	uint64_t	 bytes_sent;
	int64_t		 stream_start;
	struct event	*sweep;			/* once a second: find stalled listeners */
	struct event	*tick;			/* every write interval: wake waiting listeners */
	long		 interval;		/* write interval in force (ms), 0: at every block */
	uint64_t	 woken_pos;		/* tail position at the last wake-up */
	TAILQ_ENTRY(mount) entry;
};

/** The mount of that name, or NULL. */
struct mount *mount_find(const char *name);
/** The mount of that name, created (without a source) if needed. */
struct mount *mount_get(const char *name);
/** Free the mount if nothing uses it any more. */
void mount_release(struct mount *m);
/** Re-read each mount's config block after a reload. */
void mount_config_changed(void);

/** The fallback mount in force: set at run time, else configured, else NULL. */
const char *mount_fallback(const struct mount *m);
/** Find a listener of this mount by its connection id. */
struct listener *mount_find_listener(const struct mount *m, uint64_t id);

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

/** Free every mount (shutdown). */
void mount_free_all(void);

#endif
