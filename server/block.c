/*
 * block.c: reference-counted stream blocks and the per-mount queue.
 */
#include "block.h"
#include "icy.h"
#include "refcount.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* Make a block from bytes the source just read. */
struct block *
block_new(const void *p, size_t n, uint64_t pos, uint32_t flags)
{
	struct block *b = xmalloc(sizeof *b + n);

	b->refs = 1;
	b->data_refs = 1;	/* the chain references' share */
	b->len = (uint32_t)n;
	b->flags = flags;
	b->pos = pos;
	b->next = NULL;
	b->meta = NULL;
	b->hdrs = NULL;
	b->time_ms = 0;
	b->pts = 0;
	b->dur = 0;
	memcpy(b->data, p, n);
	return b;
}

/* Take a reference. */
void
block_ref(struct block *b)
{
	refcount_get(&b->refs);
}

/* Take a reference on the bytes. */
void
block_data_ref(struct block *b)
{
	refcount_get(&b->data_refs);
}

/* Drop a reference on the bytes; the last frees the block. */
void
block_data_unref(struct block *b)
{
	if (!refcount_put(&b->data_refs))
		return;
	icy_meta_unref(b->meta);
	ogg_headers_unref(b->hdrs);
	free(b);
}

/*
 * Drop a chain reference. A block that reaches zero releases its successor
 * too; done as a loop, not recursion, because a listener stalled far
 * behind can be the last holder of a long chain. Its bytes go when no
 * socket buffer still points at them.
 */
void
block_unref(struct block *b)
{
	struct block *next;

	while (b != NULL) {
		if (!refcount_put(&b->refs))
			return;
		next = b->next;
		block_data_unref(b);
		b = next;
	}
}

/* Ogg header pages of a chain, shared by the blocks of that chain. */
struct ogg_headers *
ogg_headers_new(const void *p, size_t n)
{
	struct ogg_headers *h = xmalloc(sizeof *h + n);

	h->refs = 1;
	h->len = n;
	memcpy(h->data, p, n);
	return h;
}

/* Take a reference. */
void
ogg_headers_ref(struct ogg_headers *h)
{
	refcount_get(&h->refs);
}

/* Drop a reference; NULL is fine. */
void
ogg_headers_unref(struct ogg_headers *h)
{
	if (h != NULL && refcount_put(&h->refs))
		free(h);
}

/* A start point: a frame or page boundary that is not inside Ogg headers. */
int
block_is_start(const struct block *b)
{
	if (b->flags & BLOCK_CHAIN)
		return 1;
	return (b->flags & (BLOCK_SYNC | BLOCK_HEADER)) == BLOCK_SYNC;
}

/* Successor with acquire ordering. */
struct block *
block_next(const struct block *b)
{
	return __atomic_load_n(&b->next, __ATOMIC_ACQUIRE);
}

/* An empty queue. */
void
queue_init(struct queue *q, size_t limit, size_t burst_size)
{
	memset(q, 0, sizeof *q);
	q->limit = limit;
	q->burst_size = burst_size;
}

/* The first block holding absolute position pos or after it (the head, if
 * the queue has moved past pos). Walks the queue: done once per listener
 * that arrived before any audio, never on the per-block path. */
struct block *
queue_find(const struct queue *q, uint64_t pos)
{
	struct block *b;

	for (b = q->head; b != NULL && b->pos + b->len <= pos; b = b->next)
		;
	return b;
}

void
queue_set_rewind(struct queue *q, int64_t rewind_ms, size_t max_bytes)
{
	q->rewind_ms = rewind_ms;
	q->rewind_max = max_bytes;
}

#define QUEUE_TRIM_STEP	64

/* A linear walk: once per rewinding listener or HLS window, never per block. */
struct block *
queue_find_time(const struct queue *q, int64_t time_ms)
{
	struct block *b;

	for (b = q->head; b != NULL && (b->time_ms < time_ms || !block_is_start(b));
	    b = b->next)
		;
	return b;
}

/*
 * May the head go? Past the limit (queue-size) when there is no rewind;
 * with one, once it is older than the rewind window and past the limit, or
 * once the queue holds more than the rewind's byte bound (a source pushing
 * faster than real time cannot grow it further). One block at a time, at
 * each append: never a mass release.
 */
static int
queue_head_expired(const struct queue *q)
{
	uint64_t behind = q->tail_pos - q->head->next->pos;

	if (q->rewind_ms <= 0)
		return behind >= q->limit;
	if (behind >= FLOE_MAX((uint64_t)q->limit, (uint64_t)q->rewind_max))
		return 1;
	return behind >= q->limit && q->head->next->time_ms < q->tail->time_ms - q->rewind_ms;
}

/* Move q->burst forward to the oldest start point within burst_size of the
 * tail (or the newest start point, if every one is older). */
static void
queue_advance_burst(struct queue *q)
{
	struct block *b;
	uint64_t floor = q->tail_pos > q->burst_size ? q->tail_pos - q->burst_size : 0;

	if (q->burst == NULL)
		q->burst = q->live;
	while (q->burst != NULL && q->burst->pos < floor) {
		for (b = q->burst->next; b != NULL && !block_is_start(b); b = b->next)
			;
		if (b == NULL)
			break;
		q->burst = b;
	}
}

/*
 * Append a block. The queue keeps at least `limit` bytes behind the tail and
 * does not drop the burst or live start points, so a new listener's burst is
 * there when it arrives; but a stream with no start points for a long time
 * (garbage audio) must not grow the queue without bound, so past twice the
 * limit those are dropped too.
 */
void
queue_append(struct queue *q, struct block *b)
{
	struct block *old;
	int trimmed = 0;

	b->pos = q->tail_pos;
	if (q->tail == NULL) {
		q->head = b;			/* the block's reference becomes the queue's */
		__atomic_store_n(&q->head_pos, b->pos, __ATOMIC_RELAXED);
	} else
		__atomic_store_n(&q->tail->next, b, __ATOMIC_RELEASE);	/* and here the predecessor's */
	q->tail = b;
	/* Workers read tail_pos without the lock: publish after next. */
	__atomic_store_n(&q->tail_pos, q->tail_pos + b->len, __ATOMIC_RELEASE);
	q->nblocks++;
	if (block_is_start(b))
		q->live = b;
	queue_advance_burst(q);

	/* At most QUEUE_TRIM_STEP blocks a time: a rewind buffer read back
	 * after a long stop expires over the next appends, not in one go. */
	while (q->head != q->tail && queue_head_expired(q) && trimmed++ < QUEUE_TRIM_STEP) {
		old = q->head;
		if ((old == q->burst || old == q->live) &&
		    q->tail_pos - q->head_pos < 2 * (uint64_t)q->limit)
			break;
		if (old == q->burst)
			q->burst = NULL;
		if (old == q->live)
			q->live = NULL;
		q->head = old->next;
		__atomic_store_n(&q->head_pos, q->head->pos, __ATOMIC_RELAXED);
		block_ref(q->head);
		block_unref(old);
	}
	if (q->burst == NULL)
		queue_advance_burst(q);
}

/* Forget every block (the source left). */
void
queue_clear(struct queue *q)
{
	struct block *h = q->head;

	q->head = q->tail = q->burst = q->live = NULL;
	__atomic_store_n(&q->head_pos, q->tail_pos, __ATOMIC_RELAXED);
	block_unref(h);
}
