/*
 * mount.h: the registry of mounts. A mount exists while a source feeds it
 * or listeners are attached to it; its settings come from the config's
 * <mount> block (if any) and the source's ice-* headers. It owns the block
 * queue, the current ICY metadata and Ogg headers, and resolves fallbacks.
 * Its fan-out to listeners (shards, turns) is fanout.c's, made and freed
 * with the mount through mount_hooks.
 */
#ifndef FLOE_MOUNT_H
#define FLOE_MOUNT_H

#include <pthread.h>
#include <stdint.h>
#include <sys/queue.h>

#include "block.h"
#include "format.h"

struct source;
struct format_ops;
struct config_mount;
struct icy_meta;
struct ogg_headers;
struct shard;
struct fanout;

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
	const struct format_ops *fmt;		/* atomic: set by the main thread, read by workers */
	struct queue	 q;
	struct icy_meta	*meta;			/* current title, rendered (never NULL while live) */
	struct ogg_headers *hdrs;		/* current Ogg chain headers, or NULL */
	struct stream_info info;
	char		*fallback;		/* set by /admin/fallbacks, overrides the config */
	char		*title;			/* last metadata as listeners get it, for stats */
	char		*artist;		/* an Ogg chain's ARTIST (its TITLE is title), for stats */
	struct ogg_info	 ogg;			/* the chain's codec, for stats */
	struct shard	*shards;		/* one per worker (listener.h; made by fanout.c) */
	struct fanout	*fanout;		/* fanout.c's per-mount state */
	pthread_mutex_t	 lock;			/* queue start points, shard listener lists */
	unsigned	 refs;			/* atomic: registry + work in flight */
	int		 registered;		/* in srv.mounts */
	unsigned	 nlisteners;		/* atomic: on every worker, incl. being handed over */
	unsigned	 peak;
	uint64_t	 bytes_read;		/* audio bytes from the source (after dechunking) */
	uint64_t	 title_changes;		/* metadata updates (metrics) */
	int64_t		 stream_start;
	int		 lag_policy;		/* in force, for workers (atomic) */
	struct filesrc	*file;			/* fed from a fallback file (filesrc.c), not a source */
	void		(*file_stop)(struct mount *m);
	TAILQ_ENTRY(mount) entry;
};

/** What another module does with every mount (fanout.c installs them). */
struct mount_hooks {
	void	(*created)(struct mount *m);
	void	(*configured)(struct mount *m);	/* its config block may have changed */
	void	(*freed)(struct mount *m);	/* last reference gone */
};

/** Install the hooks, once, before any mount exists. */
void mount_set_hooks(const struct mount_hooks *hooks);
/** The mount of that name, or NULL. */
struct mount *mount_find(const char *name);
/** The mount of that name, created (without a source) if needed. */
struct mount *mount_get(const char *name);
/** Drop the mount from the registry (and free it) if nothing uses it any
 *  more. Main thread; workers call mount_release_later. */
void mount_release(struct mount *m);
/** Take a reference (any thread). */
void mount_ref(struct mount *m);
/** Drop a reference; the last frees (main thread only: see mount_release_later). */
void mount_unref(struct mount *m);
/** From any thread: have the main thread call mount_release(m) soon, then
 *  drop a reference the caller took with mount_ref. */
void mount_release_later(struct mount *m);
/** Re-read each mount's config block after a reload. */
void mount_config_changed(void);

/** The fallback mount in force: set at run time, else configured, else NULL. */
const char *mount_fallback(const struct mount *m);

/** Limits in force for this mount (config block, else global). */
long mount_max_listeners(const struct mount *m);
size_t mount_burst_size(const struct mount *m);
size_t mount_queue_size(const struct mount *m);
long mount_metaint(const struct mount *m);
long mount_write_interval(const struct mount *m);
/** <rewind> in milliseconds (0: none) and its bound in bytes. */
int64_t mount_rewind_ms(const struct mount *m);
size_t mount_rewind_bytes(const struct mount *m);
/** <hls-segment-seconds> (default 4) and <hls-window> (default 6). */
long mount_hls_segment(const struct mount *m);
long mount_hls_window(const struct mount *m);
int mount_lag_policy(const struct mount *m);

/** A source has started on m (its format is fmt): reset the queue and stream state. */
void mount_source_started(struct mount *m, const struct format_ops *fmt);
/** Set the title (UTF-8, already cleaned) from metadata or the stream. */
void mount_set_title(struct mount *m, const char *song, const char *artist, const char *title);
/** An Ogg chain's TITLE and ARTIST comments (either may be NULL), shown
 *  apart in stats as icecast2 shows them; the stream carries them itself. */
void mount_set_stream_tags(struct mount *m, const char *title, const char *artist);

/** The mount a listener asking for name should be served from, following
 *  fallback-mount for mounts without a live source (NULL: none). */
struct mount *mount_resolve(const char *name);
/** Is m fed, by a source or a fallback file? */
int mount_live(const struct mount *m);
/** What a fallback name that is no mount stands for: a file fallback
 *  (filesrc_mount, installed by main.c), or NULL. */
extern struct mount *(*mount_file_fallback)(const char *name);


#endif
