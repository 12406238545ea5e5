/*
 * relay.h: mounts fed from another server with Icecast's relay protocol
 * (a GET of the upstream's mount, ICY metadata asked for): <relay> blocks,
 * and slave mode (<master-server>), which relays every mount the master's
 * /admin/streamlist.txt lists. A relay is a source like any other for its
 * listeners (source.c's source_open/source_push): burst, ICY, Ogg and
 * WebM headers, stats, fallback. Main thread only.
 *
 *   upstream --libcurl on the loop--> relay.c --source_push--> source.c
 *        --fanout_add--> listeners
 */
#ifndef FLOE_RELAY_H
#define FLOE_RELAY_H

#include <stdint.h>

struct conn;
struct wire;

/** Match the running relays to srv.config (at start and after a reload):
 *  new ones start, removed ones stop, unchanged ones carry on. */
void relay_configure(void);
/** Stop every relay and the master poll (shutdown). */
void relay_stop_all(void);
/*
 * The hand-off (takeover.c): relay_save writes each relayed mount's source
 * (the upstream connection itself is curl's and cannot move: the new
 * process connects again and drops what the upstream's burst repeats, as
 * after a blip). relay_restore gives such a source to the relay of its
 * mount, now or once slave mode lists it, holding its listeners meanwhile.
 */
void relay_save(struct wire *w);
void relay_restore(struct wire *w);

/** Is path an on-demand relay's mount that is not live now (a listener
 *  asking for it makes it connect)? */
int relay_on_demand_idle(const char *path);
/**
 * A listener asks for an on-demand relay's mount (relay_on_demand_idle
 * said so): the upstream connection opens if it is not already opening,
 * and c waits, suspended, until it is live (then again(c, NULL) routes
 * it afresh) or has failed (then c gets a 503).
 */
void relay_demand(struct conn *c, const char *path, void (*again)(struct conn *c, void *arg));

/** What the admin stats show of one relay. */
struct relay_status {
	const char	*mount;		/* the local mount */
	const char	*upstream;	/* URL being used, without credentials */
	const char	*state;		/* idle, connecting, live, retrying */
	const char	*error;		/* the last upstream error, or NULL */
	unsigned	 retries;	/* attempts failed in a row */
	unsigned	 connections;	/* upstream connections made so far */
	int		 on_demand;
	int		 from_master;	/* made by slave mode */
	uint64_t	 bytes;		/* read from the upstream, all connections */
};
/** Each relay, in no particular order. */
void relay_each(void (*fn)(void *arg, const struct relay_status *st), void *arg);

#endif
