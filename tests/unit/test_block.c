/*
 * test_block.c: TAP tests for block.c: block reference counting, the
 * positions a queue assigns, how much it retains, the burst and live start
 * points checked against a brute-force oracle after every append, the
 * memory bound when no start points arrive, and that releasing a chain of
 * 100,000 blocks runs in a loop, on a thread with a 64 KiB stack.
 */
#include "tap.h"

#include "../../server/block.c"
#include "../../server/icy.c"
#include "../../server/format.c"
#include "../../server/format_mpeg.c"
#include "../../server/format_ogg.c"
#include "../../server/format_webm.c"
#include "../../server/util.c"

#include <pthread.h>
#include <stdlib.h>

/* Bytes the queue retains. */
static size_t
retained(const struct queue *q)
{
	return (size_t)(q->tail_pos - q->head_pos);
}

/* Seeded per file so failures are reproducible. */
#define rng() tap_rng()

/* A block of n bytes 0, 1, 2 ... (mod 256), so contents can be checked. */
static struct block *
mk(size_t n, uint32_t flags)
{
	static uint8_t buf[65536];
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = (uint8_t)i;
	return block_new(buf, n, 12345, flags);
}

/* The queue's chain is consistent: contiguous positions from head to tail. */
static int
queue_consistent(const struct queue *q)
{
	const struct block *b;
	uint64_t pos;

	if (q->head == NULL)
		return q->tail == NULL && q->head_pos == q->tail_pos;
	if (q->head->pos != q->head_pos)
		return 0;
	pos = q->head_pos;
	for (b = q->head; b != NULL; b = b->next) {
		if (b->pos != pos)
			return 0;
		pos += b->len;
		if (b->next == NULL && b != q->tail)
			return 0;
	}
	return pos == q->tail_pos;
}

/* Is b one of the queue's retained blocks? */
static int
in_queue(const struct queue *q, const struct block *b)
{
	const struct block *x;

	for (x = q->head; x != NULL; x = x->next)
		if (x == b)
			return 1;
	return 0;
}

/* Oracle: the newest start block, and the oldest start block whose start is
 * within burst_size of the tail (else the newest). */
static void
oracle(const struct queue *q, struct block **burst, struct block **live)
{
	struct block *b;
	uint64_t floor = q->tail_pos > q->burst_size ? q->tail_pos - q->burst_size : 0;

	*burst = *live = NULL;
	for (b = q->head; b != NULL; b = b->next) {
		if (!block_is_start(b))
			continue;
		*live = b;
		if (*burst == NULL && b->pos >= floor)
			*burst = b;
	}
	if (*burst == NULL)
		*burst = *live;
}

/* block_new, ref and unref. */
static void
test_block_basics(void)
{
	struct block *b = block_new("hello", 5, 77, BLOCK_SYNC);
	struct icy_meta *m = icy_meta_new("t", NULL);
	struct ogg_headers *h = ogg_headers_new("OggS", 4);

	is_int(b->refs, 1, "new block: one reference");
	is_int(b->len, 5, "new block: length");
	is_int(b->pos, 77, "new block: position");
	is_int(b->flags, BLOCK_SYNC, "new block: flags");
	ok(b->next == NULL && b->meta == NULL && b->hdrs == NULL, "new block: no links");
	ok(memcmp(b->data, "hello", 5) == 0, "new block: a copy of the bytes");
	block_ref(b);
	is_int(b->refs, 2, "ref: two references");
	block_unref(b);
	is_int(b->refs, 1, "unref: one reference, still alive");
	ok(memcmp(b->data, "hello", 5) == 0, "still readable");

	/* A block holds references on its metadata and header pages. */
	icy_meta_ref(m);
	ogg_headers_ref(h);
	b->meta = m;
	b->hdrs = h;
	block_unref(b);
	is_int(m->refs, 1, "freeing a block drops its metadata reference");
	is_int(h->refs, 1, "freeing a block drops its header-pages reference");
	icy_meta_unref(m);
	ogg_headers_unref(h);

	b = block_new("", 0, 0, 0);
	is_int(b->len, 0, "an empty block is fine");
	block_unref(b);
	block_unref(NULL);
	ok(1, "unref of NULL is harmless");

	/* Unref of a chain stops at the first block someone else holds. */
	{
		struct block *a = mk(10, 0), *c = mk(10, 0), *d = mk(10, 0);

		a->next = c;	/* a holds c's only reference */
		c->next = d;
		block_ref(d);	/* d: held by c and by us */
		block_unref(a);	/* frees a and c, drops d to 1 */
		is_int(d->refs, 1, "chain release stops at a block held elsewhere");
		ok(memcmp(d->data, "\0\1\2\3", 4) == 0, "that block is intact");
		block_unref(d);
	}
}

/* Positions, retention, trimming. */
static void
test_queue_positions(void)
{
	struct queue q;
	struct block *b0, *b1, *b;
	int i, good;
	size_t max_bytes = 0;

	queue_init(&q, 1000, 300);
	ok(q.head == NULL && q.tail == NULL && retained(&q) == 0, "empty queue");
	b0 = mk(100, BLOCK_SYNC);
	queue_append(&q, b0);
	ok(q.head == b0 && q.tail == b0, "first block is head and tail");
	is_int(b0->pos, 0, "first block at position 0 (append sets pos)");
	is_int(q.tail_pos, 100, "tail_pos after one block");
	is_int(q.head_pos, 0, "head_pos after one block");
	is_int(b0->refs, 1, "the queue's reference is the block's first one");
	b1 = mk(250, BLOCK_SYNC);
	queue_append(&q, b1);
	is_int(b1->pos, 100, "second block at position 100");
	ok(b0->next == b1, "blocks linked");
	is_int(q.tail_pos, 350, "tail_pos after two blocks");
	is_int(q.nblocks, 2, "nblocks counts appends");
	is_int(retained(&q), 350, "retained bytes");

	/* Hold the first block, as a listener far behind would. */
	block_ref(b0);
	good = 1;
	for (i = 0; i < 200; i++) {
		b = mk(50 + rng() % 100, BLOCK_SYNC);
		queue_append(&q, b);
		if (!queue_consistent(&q))
			good = 0;
		/* At least limit bytes, and no block that could go. */
		if (retained(&q) < q.limit && q.head_pos != 0)
			good = 0;
		if (q.head != q.tail && q.tail_pos - q.head->next->pos >= q.limit)
			good = 0;
		if (retained(&q) > max_bytes)
			max_bytes = retained(&q);
	}
	ok(good, "after every append: positions contiguous, >= limit retained, "
	    "nothing retained that could go");
	ok(max_bytes < q.limit + 150, "never more than limit + one block retained (%zu)",
	    max_bytes);
	is_int(q.nblocks, 202, "nblocks");
	ok(!in_queue(&q, b0), "the held block was trimmed from the queue");
	ok(b0->refs == 1 && b0->pos == 0 && b0->len == 100 &&
	    memcmp(b0->data, "\0\1\2\3", 4) == 0, "the held block survives trimming intact");
	{
		/* Its chain is still walkable to the tail, contiguous. */
		uint64_t pos = 0;
		size_t n = 0;
		int contiguous = 1;

		for (b = b0; b != NULL; b = block_next(b)) {
			if (b->pos != pos)
				contiguous = 0;
			pos += b->len;
			n++;
			if (b->next == NULL && b != q.tail)
				contiguous = 0;
		}
		ok(contiguous && pos == q.tail_pos && n == 202,
		    "from the held block, next leads through every block to the tail");
	}
	is_int(q.head->refs, 2, "the queue head: referenced by the queue and its predecessor");
	block_unref(b0);
	is_int(q.head->refs, 1, "dropping the held block frees the trimmed chain up to the head");
	ok(queue_consistent(&q), "queue intact afterwards");

	/* queue_clear: positions keep counting. */
	b = q.tail;
	block_ref(b);
	{
		uint64_t tp = q.tail_pos;

		queue_clear(&q);
		ok(q.head == NULL && q.tail == NULL && q.burst == NULL && q.live == NULL,
		    "clear: no blocks");
		ok(q.head_pos == tp && q.tail_pos == tp && retained(&q) == 0,
		    "clear: positions kept, no bytes");
		ok(b->refs == 1 && b->next == NULL, "clear: a held block survives");
		block_unref(b);
		b = mk(10, BLOCK_SYNC);
		queue_append(&q, b);
		ok(b->pos == tp && q.head == b && q.head_pos == tp && q.tail_pos == tp + 10,
		    "append after clear continues at the old tail position");
		ok(q.live == b && q.burst == b, "append after clear: burst and live set");
	}
	queue_clear(&q);
	queue_clear(&q);
	ok(q.head == NULL, "clearing an empty queue is harmless");
}

/* Burst and live start points against the oracle, with mixed flags. */
static void
run_burst(const char *what, size_t limit, size_t burst_size, int nblocks)
{
	struct queue q;
	struct block *b, *eb, *el;
	int i, good = 1, never_nonstart = 1, bad_at = -1;
	static const uint32_t kinds[] = { 0, BLOCK_SYNC, BLOCK_HEADER,
		BLOCK_SYNC | BLOCK_HEADER, BLOCK_CHAIN | BLOCK_SYNC | BLOCK_HEADER };

	queue_init(&q, limit, burst_size);
	for (i = 0; i < nblocks; i++) {
		uint32_t r = rng() % 10, flags;

		/* Mostly sync blocks, some runs of non-start ones. */
		flags = r < 5 ? BLOCK_SYNC : kinds[r % FLOE_NELEM(kinds)];
		b = mk(20 + rng() % 200, flags);
		queue_append(&q, b);
		oracle(&q, &eb, &el);
		if (q.burst != eb || q.live != el) {
			good = 0;
			if (bad_at < 0)
				bad_at = i;
		}
		if ((q.burst != NULL && !block_is_start(q.burst)) ||
		    (q.live != NULL && !block_is_start(q.live)))
			never_nonstart = 0;
		if ((q.burst != NULL && !in_queue(&q, q.burst)) ||
		    (q.live != NULL && !in_queue(&q, q.live)))
			never_nonstart = 0;
	}
	ok(good, "%s: burst = oldest start within burst-size, live = newest start, "
	    "after every append (first miss at %d)", what, bad_at);
	ok(never_nonstart, "%s: burst and live are retained start blocks", what);
	queue_clear(&q);
}

/* Start points. */
static void
test_burst_live(void)
{
	struct queue q;
	struct block *h1, *s1, *s2, *s3, *n;

	queue_init(&q, 100000, 1000);
	queue_append(&q, mk(100, 0));
	queue_append(&q, mk(100, BLOCK_HEADER));
	queue_append(&q, mk(100, BLOCK_SYNC | BLOCK_HEADER));
	ok(q.burst == NULL && q.live == NULL, "flags 0 and HEADER blocks are never burst/live");
	h1 = mk(100, BLOCK_CHAIN | BLOCK_SYNC | BLOCK_HEADER);
	queue_append(&q, h1);
	ok(q.live == h1 && q.burst == h1, "a chain start is both");
	queue_append(&q, mk(100, BLOCK_SYNC | BLOCK_HEADER));
	ok(q.live == h1, "a following header block does not move live");
	s1 = mk(100, BLOCK_SYNC);
	queue_append(&q, s1);
	ok(q.live == s1 && q.burst == h1, "audio: live moves, burst stays on the oldest");
	n = mk(900, 0);
	queue_append(&q, n);
	/* tail 1500, floor 500: h1 at 300 and s1 at 500 */
	ok(q.burst == s1, "burst moves to the oldest start at or after tail - burst-size");
	ok(q.live == s1, "live stays on the newest start, not on a non-start block");
	s2 = mk(50, BLOCK_SYNC);
	queue_append(&q, s2);
	ok(q.burst == s2 && q.live == s2,
	    "no older start within burst-size: burst is the newest start");
	s3 = mk(10, BLOCK_SYNC);
	queue_append(&q, s3);
	ok(q.burst == s2 && q.live == s3, "burst keeps the oldest start within range");
	queue_clear(&q);

	run_burst("no trimming", 10000000, 1000, 3000);
	run_burst("trimming, burst < limit", 2000, 700, 5000);
	run_burst("burst 0", 5000, 0, 2000);
	run_burst("burst = limit", 3000, 3000, 5000);
}

/* A long run without start points cannot grow the queue past 2 * limit. */
static void
test_memory_bound(void)
{
	struct queue q;
	struct block *s;
	size_t max_bytes = 0;
	int i, kept = 1;

	queue_init(&q, 1000, 500);
	s = mk(100, BLOCK_SYNC);
	queue_append(&q, s);
	for (i = 0; i < 10000; i++) {
		queue_append(&q, mk(100, (i & 1) ? 0 : BLOCK_HEADER));
		if (retained(&q) > max_bytes)
			max_bytes = retained(&q);
		/* While under twice the limit, the only start point is kept. */
		if (q.tail_pos < 2 * q.limit && (q.head != s || q.live != s))
			kept = 0;
	}
	ok(kept, "the only start point is kept while under twice the limit");
	ok(max_bytes <= 2 * q.limit + 100, "never more than 2 * limit + one block (%zu)",
	    max_bytes);
	ok(retained(&q) < q.limit + 100, "after the start point goes, back to limit (%zu)",
	    retained(&q));
	ok(q.live == NULL && q.burst == NULL, "no start point left: burst and live are NULL");
	ok(queue_consistent(&q), "queue consistent");
	s = mk(100, BLOCK_SYNC);
	queue_append(&q, s);
	ok(q.live == s && q.burst == s, "the next start block becomes burst and live");
	queue_clear(&q);
}

#define LONG_CHAIN	100000

/* Thread body: release a long chain with a small stack. */
static void *
release_chain(void *arg)
{
	block_unref(arg);
	return arg;
}

/* Releasing a long chain does not recurse. */
static void
test_long_chain(void)
{
	struct queue q;
	struct block *first;
	pthread_attr_t attr;
	pthread_t t;
	void *ret = NULL;
	int i, rc;

	queue_init(&q, (size_t)1 << 40, 0);
	first = mk(1, BLOCK_SYNC);
	queue_append(&q, first);
	block_ref(first);
	for (i = 1; i < LONG_CHAIN; i++)
		queue_append(&q, mk(1, BLOCK_SYNC));
	is_int(retained(&q), LONG_CHAIN, "100,000 blocks retained");
	queue_clear(&q);
	is_int(first->refs, 1, "the queue let go; one holder remains");

	/* 64 KiB of stack: recursion over 100,000 blocks would overflow it. */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	rc = pthread_create(&t, &attr, release_chain, first);
	is_int(rc, 0, "release thread started");
	if (rc == 0)
		pthread_join(t, &ret);
	pthread_attr_destroy(&attr);
	ok(ret == first, "a chain of 100,000 blocks was released on a 64 KiB stack");
}

int
main(void)
{
	tap_rng_state = 0x2545f491;
	test_block_basics();
	test_queue_positions();
	test_burst_live();
	test_memory_bound();
	test_long_chain();
	return tap_done();
}
