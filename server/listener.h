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
struct http_request;
struct mount;
struct block;
struct icy_meta;
struct shard;

struct listener {
	struct conn	*conn;
	struct mount	*mount;
	struct shard	*shard;		/* the mount's part on this listener's worker */
	struct block	*cur;		/* block holding pos (reference held), NULL before start */
	uint64_t	 pos;		/* absolute position of the next byte to hand over */
	size_t		 metaint;	/* 0: no ICY metadata */
	size_t		 icy_left;	/* audio bytes before the next metadata block */
	struct icy_meta	*last_meta;	/* last metadata sent (reference held) */
	int		 waiting;	/* on shard->waiting[wslot] */
	unsigned	 slot;		/* its turn in the write interval (mod the mount's slots) */
	unsigned	 wslot;		/* the waiting list it is on */
	int		 join_live;	/* moved here: start at the live edge, not the burst */
	int		 join_next;	/* joined an empty mount: start at the next byte, join_pos */
	uint64_t	 join_pos;
	uint64_t	 sent;		/* bytes handed to the socket (audio + metadata) */
	uint64_t	 backlog;	/* kernel send queue at the last sweep, beyond backlog_base */
	uint64_t	 backlog_base;	/* kernel send queue already accounted for (resync) */
	char		*origin;	/* mount asked for, if served from a fallback */
	TAILQ_ENTRY(listener) entry;
	TAILQ_ENTRY(listener) wentry;
};

/** Serve mount m (resolved from the requested name) to this connection:
 *  main thread; picks the worker that will serve it. */
void listener_start(struct conn *c, const struct http_request *r, struct mount *m,
    const char *requested);
/** On the listener's worker: start serving (link, bufferevent, burst). */
void listener_attach(struct listener *l);
/** Hand over whatever is available now, up to the high-water mark. */
void listener_fill(struct listener *l);
/** Take a listener off the waiting list and fill it: the write interval held
 *  it back, so whatever it missed meanwhile is not its lag. */
void listener_wake(struct listener *l);
/** Detach from the mount (the connection is closing); log_access if asked. */
void listener_detach(struct listener *l, int log);
/** The source left with no fallback: send what is left, then close. */
void listener_finish(struct listener *l);
/** Move to another mount (fallback, override), joining at its live edge. */
void listener_move(struct listener *l, struct mount *to);
/** The sweep's check: lagging, or behind by more than the queue allows once
 *  what the kernel still holds for it is counted. */
int listener_stalled(struct listener *l);
/** A listener fell too far behind: drop it or resync it to the live edge,
 *  per the mount's lag-policy (counted in slow_listeners, logged). */
void listener_lagged(struct listener *l);
const char *listener_mount_name(const struct listener *l);

#endif
