/*
 * fanout.c: a mount's blocks to its listeners on every worker: gathering
 * frames into blocks, the write interval's turns, waking waiting listeners
 * through each worker's loop, the sweep for stalled listeners, and work on
 * each worker's listeners of a mount (kill, move, the source leaving).
 */
#include "fanout.h"
#include "block.h"
#include "conn.h"
#include "icy.h"
#include "listener.h"
#include "log.h"
#include "mount.h"
#include "server.h"
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
#define FANOUT_SLOT_MS 50

/* Why 1,000: see fanout_slots_for. */
#define FANOUT_SLOT_LISTENERS 1000

/*
 * Why blocks of 4 KiB, or whatever 100 ms brought: every block costs each
 * listener an evbuffer reference (~80 bytes) while it is queued for that
 * listener, and sources that write one MP3 frame per send (~418 bytes)
 * would cost a 64 KiB burst 150 of them. Coalescing whole frames into
 * 4 KiB blocks cuts that tenfold; 100 ms bounds the delay it adds to a
 * quiet or low-bitrate source (the write interval is longer anyway).
 */
#define BLOCK_TARGET	4096
#define BLOCK_WAIT_MS	100

/* A mount's fan-out state (main thread). */
struct fanout {
	struct mount	*m;
	struct event	*tick;		/* every interval / slots: flush, wake a slot */
	long		 interval;	/* write interval in force (ms), 0: at every block */
	unsigned	 slots;		/* turns per interval */
	uint64_t	 tick_no;
	uint64_t	 woken_pos;	/* tail position at the last wake-up */
	uint64_t	 swept_pos;	/* tail position at the last sweep by bytes */
	struct sbuf	 blk;		/* whole frames/pages gathered into the next block */
	uint32_t	 blk_flags;	/* the flags they all share */
	struct event	*blk_timer;	/* appends a block that waited BLOCK_WAIT_MS */
	uint64_t	 clock;		/* MP3/AAC audio appended so far, 90 kHz (HLS's clock) */
	uint64_t	 clock_rem;	/* samples x 90000 not yet a whole tick */
};

static void fanout_sweep(evutil_socket_t fd, short what, void *arg);
static void fanout_wake_cb(evutil_socket_t fd, short what, void *arg);
static void fanout_tick(evutil_socket_t fd, short what, void *arg);
static void fanout_blk_timeout(evutil_socket_t fd, short what, void *arg);
static void fanout_wake(struct mount *m, unsigned long mask);
static void fanout_arm_tick(struct mount *m, unsigned slots);

/*
 * How many turns the interval is cut into: about FANOUT_SLOT_MS each, but
 * no more than the mount's listeners need. A turn's batch for fewer than
 * FANOUT_SLOT_LISTENERS listeners is over in well under a millisecond, and
 * every turn costs a wake-up of every worker: 100 mounts of 100 listeners
 * in 50 ms turns cost 10% more per listener than one mount of 10,000.
 */
unsigned
fanout_slots_for(long interval_ms, unsigned listeners)
{
	long most = FLOE_MAX(1, FLOE_MIN(interval_ms / FANOUT_SLOT_MS, SHARD_MAX_SLOTS));
	long need = (long)(listeners / FANOUT_SLOT_LISTENERS) + 1;

	return (unsigned)FLOE_MIN(most, need);
}

/* Turns this mount needs now. */
static unsigned
fanout_slots(const struct mount *m)
{
	return fanout_slots_for(m->fanout->interval, STAT_GET(m->nlisteners));
}

/* Mount hook: shards on every worker's loop, the tick on the main loop. */
static void
fanout_mount_new(struct mount *m)
{
	struct timeval tv = { SWEEP_INTERVAL_MS / 1000, (SWEEP_INTERVAL_MS % 1000) * 1000 };
	struct fanout *fo = xcalloc(1, sizeof *fo);
	struct shard *sh;
	unsigned i, j;

	fo->m = m;
	m->fanout = fo;
	m->shards = xcalloc(srv.nworkers, sizeof *m->shards);
	for (i = 0; i < srv.nworkers; i++) {
		sh = &m->shards[i];
		sh->mount = m;
		sh->slots = 1;
		TAILQ_INIT(&sh->listeners);
		for (j = 0; j <= SHARD_MAX_SLOTS; j++)
			TAILQ_INIT(&sh->waiting[j]);
		/* Timers on the worker's own loop (libevent locks that loop
		 * while another thread adds them). */
		sh->sweep = event_new(srv.workers[i]->base, -1, EV_PERSIST, fanout_sweep, sh);
		event_add(sh->sweep, &tv);
		sh->wake = event_new(srv.workers[i]->base, -1, 0, fanout_wake_cb, sh);
	}
	sbuf_init(&fo->blk);
	fo->blk_timer = evtimer_new(srv.base, fanout_blk_timeout, m);
	fo->tick = event_new(srv.base, -1, EV_PERSIST, fanout_tick, m);
	fo->slots = 1;
	fo->interval = -1;
	fanout_config_changed(m);
}

/* Mount hook: the mount is being freed (no listener, no source, no work). */
static void
fanout_mount_free(struct mount *m)
{
	struct fanout *fo = m->fanout;
	unsigned i;

	for (i = 0; i < srv.nworkers; i++) {
		/* If the worker is running this timer's callback right now,
		 * libevent waits for it to return. */
		event_free(m->shards[i].sweep);
		event_free(m->shards[i].wake);
	}
	free(m->shards);
	m->shards = NULL;
	event_free(fo->tick);
	event_free(fo->blk_timer);
	sbuf_free(&fo->blk);
	free(fo);
	m->fanout = NULL;
}

static const struct mount_hooks fanout_hooks = {
	.created = fanout_mount_new,
	.configured = fanout_config_changed,
	.freed = fanout_mount_free,
};

/* Make and free every mount's fan-out with the mount. */
void
fanout_init(void)
{
	mount_set_hooks(&fanout_hooks);
}

/* A per-shard counter (at offset off in struct shard), over all workers. */
static uint64_t
fanout_sum(const struct mount *m, size_t off)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < srv.nworkers; i++)
		n += STAT_GET(*(uint64_t *)((char *)&m->shards[i] + off));
	return n;
}

/* Bytes sent to listeners, over all workers. */
uint64_t
fanout_bytes_sent(const struct mount *m)
{
	return fanout_sum(m, offsetof(struct shard, bytes_sent));
}

/* Listeners dropped or resynced for lag, over all workers. */
uint64_t
fanout_slow(const struct mount *m)
{
	return fanout_sum(m, offsetof(struct shard, slow));
}

/* Arm the tick for the interval in force cut into this many turns. */
static void
fanout_arm_tick(struct mount *m, unsigned slots)
{
	struct fanout *fo = m->fanout;
	struct timeval tv;
	unsigned i;
	long us;

	event_del(fo->tick);
	fo->tick_no = 0;
	if (fo->interval > 0) {
		us = fo->interval * 1000 / (long)slots;
		tv.tv_sec = us / 1000000;
		tv.tv_usec = us % 1000000;
		event_add(fo->tick, &tv);
	}
	if (slots != fo->slots) {
		log_debug("mount %s: %u turn%s per write interval", m->name, slots,
		    slots == 1 ? "" : "s");
		fo->slots = slots;
		for (i = 0; i < srv.nworkers; i++)
			STAT_SET(m->shards[i].slots, slots);
		fanout_wake(m, SHARD_ALL_SLOTS);	/* nobody stays parked in a slot gone */
	}
}

/* (Re)arm the write-interval timer for the interval now configured. */
void
fanout_config_changed(struct mount *m)
{
	struct fanout *fo = m->fanout;
	long ms = mount_write_interval(m);

	if (ms == fo->interval)
		return;
	fo->interval = ms;
	fanout_arm_tick(m, fanout_slots(m));
}

/*
 * Hand new data to this shard's listeners waiting in the slots of mask.
 * Take each slot's whole list first: a listener that drains the new data at
 * once parks again and must land on the new list, not be visited twice.
 * Listeners may also close inside listener_wake.
 */
static void
fanout_wake_shard(struct shard *sh, unsigned long mask)
{
	struct listener_list woken;
	struct listener *l, *next;
	unsigned s;

	TAILQ_INIT(&woken);
	for (s = 0; s <= SHARD_MAX_SLOTS; s++)
		if (mask & (1UL << s))
			TAILQ_CONCAT(&woken, &sh->waiting[s], wentry);
	TAILQ_FOREACH_SAFE(l, &woken, wentry, next) {
		TAILQ_REMOVE(&woken, l, wentry);
		listener_wake(l);
	}
}

/* On a worker: the mount says new data is there for these slots. */
static void
fanout_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct shard *sh = arg;

	fanout_wake_shard(sh, __atomic_exchange_n(&sh->wake_mask, 0, __ATOMIC_ACQ_REL));
}

/*
 * Wake the waiting listeners in the slots of mask on every worker: this
 * thread's own at once, the others through their loops (one activation per
 * worker, not per listener). One clock for all workers: a byte waits at
 * most one interval whichever worker serves the listener.
 */
static void
fanout_wake(struct mount *m, unsigned long mask)
{
	struct shard *sh;
	unsigned i;

	m->fanout->woken_pos = m->q.tail_pos;
	for (i = 1; i < srv.nworkers; i++) {
		sh = &m->shards[i];
		if (STAT_GET(sh->n) == 0)
			continue;
		__atomic_fetch_or(&sh->wake_mask, mask, __ATOMIC_ACQ_REL);
		event_active(sh->wake, EV_TIMEOUT, 0);
	}
	fanout_wake_shard(&m->shards[0], mask);
}

/* A block came: wake the prompt listeners (relays) of every worker that
 * has some, whatever the write interval; the others wait for their turn. */
static void
fanout_wake_prompt(struct mount *m)
{
	struct shard *sh;
	unsigned i;

	for (i = 1; i < srv.nworkers; i++) {
		sh = &m->shards[i];
		if (STAT_GET(sh->nprompt) == 0)
			continue;
		__atomic_fetch_or(&sh->wake_mask, SHARD_PROMPT_BIT, __ATOMIC_ACQ_REL);
		event_active(sh->wake, EV_TIMEOUT, 0);
	}
	if (STAT_GET(m->shards[0].nprompt) > 0)
		fanout_wake_shard(&m->shards[0], SHARD_PROMPT_BIT);
}

/*
 * Sweep every worker's listeners of m soon, whatever the time. A stalled
 * listener's cursor holds its block, and so every block after it: swept
 * only once a second, a source pushing far faster than real time would pin
 * a second of its input, however large. Swept also after every half queue
 * appended, that is bounded by queue-size (a real-time source never gets
 * here before the timer). This sweep looks at queue positions only: right
 * after a burst, a reader that keeps up still has it in its kernel send
 * queue, which only the once-a-second sweep counts.
 */
static void
fanout_sweep_now(struct mount *m)
{
	unsigned i;

	m->fanout->swept_pos = m->q.tail_pos;
	for (i = 0; i < srv.nworkers; i++)
		if (STAT_GET(m->shards[i].n) > 0)
			event_active(m->shards[i].sweep, EV_READ, 0);	/* queue positions only */
}

/*
 * Append a block, with the title and Ogg headers in force for its bytes.
 * With no write interval, wake the waiting listeners now; with one, the
 * tick does it, unless half a queue has come in since the last wake-up (a
 * source bursting): waiting listeners must get the data before the queue
 * trims it.
 */
static void
fanout_append(struct mount *m, struct block *b)
{
	const struct format_ops *fmt = __atomic_load_n(&m->fmt, __ATOMIC_ACQUIRE);
	int rate;

	icy_meta_ref(m->meta);
	b->meta = m->meta;
	b->time_ms = time_wall_ms();
	/* The mount's audio clock never goes back, across sources too: HLS
	 * numbers its segments and stamps its timestamps from it. */
	if (fmt == &format_mp3 || fmt == &format_aac) {
		struct fanout *fo = m->fanout;
		uint64_t n = format_samples(fmt, b->data, b->len, &rate);

		b->pts = fo->clock;
		if (rate > 0) {
			fo->clock_rem += n * 90000;
			b->dur = (uint32_t)(fo->clock_rem / (uint64_t)rate);
			fo->clock_rem %= (uint64_t)rate;
			fo->clock += b->dur;
		}
	}
	if (m->hdrs != NULL && !(b->flags & (BLOCK_HEADER | BLOCK_CHAIN))) {
		ogg_headers_ref(m->hdrs);
		b->hdrs = m->hdrs;
	}
	pthread_mutex_lock(&m->lock);
	queue_append(&m->q, b);
	pthread_mutex_unlock(&m->lock);
	if (m->fanout->interval == 0 || m->q.tail_pos - m->fanout->woken_pos >= m->q.limit / 2)
		fanout_wake(m, SHARD_ALL_SLOTS | SHARD_PROMPT_BIT);
	else
		fanout_wake_prompt(m);
	if (m->q.tail_pos - m->fanout->swept_pos >= m->q.limit / 2)
		fanout_sweep_now(m);
}

/* Append the gathered block. Also called at every turn of the write
 * interval, so a byte waits for one interval, not for a block to fill and
 * then an interval. */
void
fanout_flush(struct mount *m)
{
	struct fanout *fo = m->fanout;

	if (fo->blk.len == 0)
		return;
	fanout_append(m, block_new(fo->blk.data, fo->blk.len, 0, fo->blk_flags));
	fo->blk.len = 0;
	evtimer_del(fo->blk_timer);
}

/* A block has waited long enough. */
static void
fanout_blk_timeout(evutil_socket_t fd, short what, void *arg)
{
	fanout_flush(arg);
}

/* Add a unit (whole frames or pages, with the format's flags) to the block
 * being gathered. Units with other flags, or that would take the block past
 * BLOCK_TARGET, start a block of their own: blocks stay near 4 KiB, so a
 * burst starts within about one block of burst-size. */
void
fanout_add(struct mount *m, const uint8_t *p, size_t n, uint32_t flags)
{
	struct fanout *fo = m->fanout;
	struct timeval tv = { 0, BLOCK_WAIT_MS * 1000 };

	if (fo->blk.len > 0 && (flags != fo->blk_flags || fo->blk.len + n > BLOCK_TARGET))
		fanout_flush(m);
	if (fo->blk.len == 0) {
		fo->blk_flags = flags;
		evtimer_add(fo->blk_timer, &tv);
	}
	sbuf_add(&fo->blk, p, n);
	if (fo->blk.len >= BLOCK_TARGET)
		fanout_flush(m);
}

/*
 * A slot's turn (every interval / slots): append what the source has
 * gathered, then one send for each listener of that slot, holding
 * everything that came since its last one. Listeners are spread over the
 * slots, so a worker's sends are spread over the interval: a byte waits
 * one interval plus a slot's share of the sends, not plus all of them.
 */
static void
fanout_tick(evutil_socket_t fd, short what, void *arg)
{
	struct mount *m = arg;
	struct fanout *fo = m->fanout;

	/* Once a round: as many turns as the listeners now need. */
	if (fo->tick_no % fo->slots == 0 && fanout_slots(m) != fo->slots)
		fanout_arm_tick(m, fanout_slots(m));
	fanout_flush(m);
	fanout_wake(m, 1UL << (fo->tick_no++ % fo->slots));
}

/* Walk every listener on every worker, holding the lock that keeps the
 * lists still. */
void
fanout_each_listener(struct mount *m, void (*fn)(struct listener *, void *), void *arg)
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

/* This worker's part of m. */
static struct shard *
fanout_my_shard(struct mount *m)
{
	return &m->shards[worker_self()->id];
}

/* On the listener's worker: find it again, and close it. */
static void
shard_kill(void *arg)
{
	struct shard_job *j = arg;
	struct listener *l;

	TAILQ_FOREACH(l, &fanout_my_shard(j->m)->listeners, entry)
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
fanout_kill_listener(struct mount *m, uint64_t id, const char *who)
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

	TAILQ_FOREACH_SAFE(l, &fanout_my_shard(j->m)->listeners, entry, next) {
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
fanout_move_listeners(struct mount *from, struct mount *to, const char *origin)
{
	struct shard_job j = { .m = from, .to = to, .origin = origin };
	unsigned i;

	mount_ref(from);	/* the last listener leaving must not free it mid-walk */
	for (i = 0; i < srv.nworkers; i++)
		worker_call(srv.workers[i], shard_move, &j);
	mount_unref(from);
	return j.n;
}

/* On each worker: its listeners of a mount whose source left. */
static void
shard_source_gone(void *arg)
{
	struct shard_job *j = arg;
	struct listener *l, *next;

	TAILQ_FOREACH_SAFE(l, &fanout_my_shard(j->m)->listeners, entry, next) {
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
fanout_source_gone(struct mount *m)
{
	struct shard_job j = { .m = m };
	unsigned i;

	fanout_flush(m);	/* the last bytes still reach whoever stays */
	if (mount_fallback(m) != NULL)
		j.to = mount_resolve(mount_fallback(m));
	if (j.to == m)
		j.to = NULL;
	for (i = 0; i < srv.nworkers; i++)
		worker_call(srv.workers[i], shard_source_gone, &j);
	if (j.to != NULL)
		log_info("mount %s: source gone, listeners moved to %s", m->name, j.to->name);
	if (mount_rewind_ms(m) == 0) {	/* a rewind buffer stays (mount.c) */
		pthread_mutex_lock(&m->lock);
		queue_clear(&m->q);
		pthread_mutex_unlock(&m->lock);
	}
	ogg_headers_unref(m->hdrs);
	m->hdrs = NULL;
}

/* Find this shard's listeners that fell further behind than the queue
 * allows: the timer's sweep counts the kernel's send queue too, the sweep
 * by bytes (EV_READ, from fanout_sweep_now) only queue positions. */
static void
fanout_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct shard *sh = arg;
	struct listener *l, *next;
	int kernel = (what & EV_TIMEOUT) != 0;

	if (listener_frozen())
		return;		/* being handed over: nobody is late */
	TAILQ_FOREACH_SAFE(l, &sh->listeners, entry, next)
		if (listener_stalled(l, kernel))
			listener_lagged(l);
}

uint64_t
fanout_clock(const struct mount *m)
{
	return m->fanout->clock;
}

void
fanout_set_clock(struct mount *m, uint64_t clock)
{
	m->fanout->clock = clock;
	m->fanout->clock_rem = 0;
}
