/*
 * listener.h: a listener of a mount: the response head, the burst, and the
 * cursor that walks the mount's shared blocks, handing references (never
 * copies) to the socket buffer, with ICY metadata spliced in on request.
 */
#ifndef FLOE_LISTENER_H
#define FLOE_LISTENER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

struct conn;
struct event;
struct http_request;
struct mount;
struct block;
struct icy_meta;
struct queue;
struct worker;
struct wire;

TAILQ_HEAD(listener_list, listener);

/* A mount's write interval is split into up to this many turns (slots). */
#define SHARD_MAX_SLOTS	20
#define SHARD_ALL_SLOTS	((1UL << SHARD_MAX_SLOTS) - 1)
/* One more waiting list, woken at every block appended whatever the write
 * interval: relays (edges) of this server, so each relay hop adds no
 * interval of its own to the stream's delay. */
#define SHARD_PROMPT_SLOT	SHARD_MAX_SLOTS
#define SHARD_PROMPT_BIT	(1UL << SHARD_PROMPT_SLOT)

/*
 * The listeners of one mount that one worker serves, with the waiting
 * lists the fan-out (fanout.c) wakes turn by turn. Only the worker's thread
 * touches a shard, except that inserting into or removing from `listeners`
 * happens under the mount's lock, so the main thread may walk the lists
 * (admin listclients) holding it. fanout.c makes, times and frees shards.
 */
struct shard {
	struct mount	*mount;
	struct listener_list listeners;
	struct listener_list waiting[SHARD_MAX_SLOTS + 1]; /* caught up, by slot: woken at its
						 * turn (the last: SHARD_PROMPT_SLOT) */
	unsigned	 slots;			/* turns per interval now (atomic: fanout.c sets it) */
	unsigned long	 wake_mask;		/* slots to wake (atomic: set by the main thread) */
	unsigned	 next_slot;		/* round robin for listeners joining */
	unsigned	 n;			/* listeners in the list (atomic) */
	unsigned	 nprompt;		/* of which prompt ones (atomic) */
	uint64_t	 bytes_sent;		/* atomic: read by stats */
	uint64_t	 slow;			/* listeners dropped or resynced for lag (atomic) */
	struct event	*wake;			/* activated by the mount's tick: wake waiting listeners */
	struct event	*sweep;			/* once a second: find stalled listeners */
};

struct listener {
	struct conn	*conn;
	struct mount	*mount;		/* NULL once it has left (finishing, or never started) */
	struct shard	*shard;		/* the mount's part on its worker, NULL until linked there */
	struct worker	*w;		/* the worker whose count it is in (worker_pick) */
	struct block	*cur;		/* block holding pos (reference held), NULL before start */
	uint64_t	 pos;		/* absolute position of the next byte to hand over */
	size_t		 metaint;	/* 0: no ICY metadata */
	size_t		 icy_left;	/* audio bytes before the next metadata block */
	struct icy_meta	*last_meta;	/* last metadata sent (reference held) */
	int		 waiting;	/* on shard->waiting[wslot] */
	unsigned	 slot;		/* its turn in the write interval (mod the mount's slots) */
	unsigned	 wslot;		/* the waiting list it is on */
	int		 prompt;	/* a relay: woken at every block, not at its turn */
	/* rewind (?offset=, ?at=): start at want_ms in the mount's rewind
	 * buffer, then in real time (paced) or at network speed to pump_end */
	int64_t		 want_ms;	/* 0: live */
	int		 paced;
	int		 pump;
	uint64_t	 pump_end;	/* the stream's end when it asked (pump) */
	int64_t		 start_ms;	/* time_ms of the block it started on */
	uint64_t	 start_ns;	/* when it started (monotonic) */
	int		 join_live;	/* moved here: start at the live edge, not the burst */
	int		 join_next;	/* joined an empty mount: start at the next byte, join_pos */
	int		 carried;	/* handed over mid-stream: go on at join_pos exactly */
	uint64_t	 join_pos;
	uint64_t	 sent;		/* bytes handed to the socket (atomic: its worker writes, admin reads) */
	uint64_t	 backlog;	/* kernel send queue at the last sweep, beyond backlog_base */
	uint64_t	 backlog_base;	/* kernel send queue already accounted for (resync) */
	struct intro	*intro;		/* to send before the stream (reference held), or NULL */
	char		*origin;	/* mount asked for, if served from a fallback */
	char		*asked;		/* mount asked for, with its query (auth callbacks) */
	char		*ip_mount;	/* counted in access.c's per-address table under this */
	int		 ip_counted;	/* ip_mount counts its address */
	char		*user_key;	/* and, for allow_duplicate_users 0, its user under this */
	long		 limit;		/* seconds it may stay (auth timelimit, max-listener-duration) */
	struct event	*deadline;	/* on its worker, when limit > 0 */
	TAILQ_ENTRY(listener) entry;
	TAILQ_ENTRY(listener) wentry;
};

/** Serve mount m (resolved from the requested name) to this connection:
 *  main thread; picks the worker that will serve it and gives the
 *  connection the listener role (the burst follows on that worker). */
void listener_start(struct conn *c, const struct http_request *r, struct mount *m,
    const char *requested);
/** Hand over whatever is available now, up to the high-water mark. */
void listener_fill(struct listener *l);
/** Take a listener off the waiting list and fill it: the write interval held
 *  it back, so whatever it missed meanwhile is not its lag. */
void listener_wake(struct listener *l);
/** The source left with no fallback: send what is left, then close. */
void listener_finish(struct listener *l);
/** Move to another mount (fallback, override), joining at its live edge. */
void listener_move(struct listener *l, struct mount *to);
/** The sweep's check: lagging, or (if kernel) behind by more than the queue
 *  allows once what the kernel still holds for it is counted. */
int listener_stalled(struct listener *l, int kernel);
/** A listener fell too far behind: drop it or resync it to the live edge,
 *  per the mount's lag-policy (counted in slow_listeners, logged). */
void listener_lagged(struct listener *l);
/** The first block a listener should get: the burst point (or, joining
 *  live, the newest start point; joining next, the block holding *pos).
 *  NULL if the queue has none yet. Under the mount's lock. */
struct block *listener_start_point(const struct queue *q, int join_live, int join_next,
    uint64_t pos);
/** The hand-off (takeover.c): while frozen, no listener is given anything
 *  or judged (lag, time limits), on any worker. */
void listener_freeze(int on);
int listener_frozen(void);
/** A listener handed over by another floe process: the connection (made
 *  by conn_restore) takes up its listener where it was; main thread. */
int listener_restore(struct conn *c, struct wire *w);
/** Bytes handed to the socket so far (any thread). */
uint64_t listener_sent(const struct listener *l);

#endif
