/*
 * fanout.h: from a mount's source to its listeners on every worker. The
 * source hands over whole frames/pages; the fan-out gathers them into
 * blocks, appends them to the mount's queue, and wakes the waiting
 * listeners turn by turn over the write interval, on each worker through
 * that worker's own loop. It also sweeps for stalled listeners once a
 * second, and runs work on each worker's listeners of a mount (admin kill
 * and move, the source leaving).
 *
 *   source.c --fanout_add--> [gathered block] --tick/full--> queue (block.c)
 *        --tick: wake slot k on every worker--> listener_wake (listener.c)
 *
 * Main thread, except the per-worker callbacks (wake, sweep, jobs), which
 * run on the worker that owns the shard.
 */
#ifndef FLOE_FANOUT_H
#define FLOE_FANOUT_H

#include <stddef.h>
#include <stdint.h>

struct listener;
struct mount;

/** Install the fan-out's mount hooks (shards and timers made and freed
 *  with each mount). Once, before any mount exists. */
void fanout_init(void);

/** Gather whole frames/pages with the format's flags into the block being
 *  built; a block is appended when full, when its flags change, after a
 *  short wait, and at every turn of the write interval. */
void fanout_add(struct mount *m, const uint8_t *p, size_t n, uint32_t flags);
/** Append the block being gathered now (a source leaving). */
void fanout_flush(struct mount *m);
/** The source left: its listeners go to the fallback in force, or get
 *  what is left of the stream and are closed; the queue is emptied. */
void fanout_source_gone(struct mount *m);
/** A mount's settings changed (reload): write interval, turns. */
void fanout_config_changed(struct mount *m);

/** Kick the listener with this connection id (logged by "who"); -1: none. */
int fanout_kill_listener(struct mount *m, uint64_t id, const char *who);
/** Move every listener of from to to (those that came from origin only, if
 *  given; origin is then forgotten); returns how many moved. */
unsigned fanout_move_listeners(struct mount *from, struct mount *to, const char *origin);
/** Walk every listener of m (main thread; m's lock is held meanwhile: fn
 *  must only read, and must not log or call into workers). */
void fanout_each_listener(struct mount *m, void (*fn)(struct listener *, void *), void *arg);
/** Counters summed over the workers. */
uint64_t fanout_bytes_sent(const struct mount *m);
uint64_t fanout_slow(const struct mount *m);

/** Set the mount's audio clock (90 kHz; a rewind buffer read from disk
 *  carries on from its last block). */
void fanout_set_clock(struct mount *m, uint64_t clock);
uint64_t fanout_clock(const struct mount *m);

/** Turns the write interval is cut into for this many listeners (pure; for tests). */
unsigned fanout_slots_for(long interval_ms, unsigned listeners);

#endif
