/*
 * block.h: the immutable, reference-counted stream blocks a mount's audio
 * lives in, and the queue that orders them.
 *
 *   queue.head                                  queue.tail
 *      |                                            |
 *      v                                            v
 *   [pos 0 ]--next-->[pos 4k]--next--> ... -->[pos 512k]
 *      ^                  ^
 *      listener A         listener B (cursor = block + absolute position)
 *
 * A block never changes once appended. Two kinds of reference keep it:
 *
 *   - chain references (block_ref): each block holds one on its successor,
 *     the queue one on its head, each listener's cursor one on its block.
 *     Whoever holds one can walk forward to the tail, so it keeps every
 *     block after it too;
 *   - data references (block_data_ref): a listener's socket buffer points
 *     at block data directly (no copy per listener) and holds one per
 *     piece until the kernel has it. These keep the block's bytes only,
 *     never its successors: a listener that stops reading pins what is
 *     queued for it (about 64 KiB), not the rest of the stream.
 *
 * The queue drops its head once the bytes behind it exceed the queue size;
 * a listener still pointing there is more than queue-size behind and is
 * dealt with by the lag policy (listener.c).
 */
#ifndef FLOE_BLOCK_H
#define FLOE_BLOCK_H

#include <stddef.h>
#include <stdint.h>

struct icy_meta;
struct ogg_headers;

/** Block flags, set by the format handler that cut the block. */
#define BLOCK_SYNC	0x01	/* starts on a frame (MP3/ADTS) or page (Ogg) boundary */
#define BLOCK_HEADER	0x02	/* Ogg codec header pages: never a start point itself */
#define BLOCK_CHAIN	0x04	/* starts a new Ogg chain (BOS page): a start point needing no headers */

struct block {
	unsigned	 refs;		/* chain references (atomic): hold next as well */
	unsigned	 data_refs;	/* atomic: socket-buffer references, plus one while refs > 0 */
	uint32_t	 len;
	uint32_t	 flags;
	uint64_t	 pos;		/* absolute stream offset of data[0] */
	int64_t		 time_ms;	/* wall clock when it was appended (rewind, HLS) */
	uint64_t	 pts;		/* MP3/AAC: the mount's audio clock at its start, 90 kHz (HLS) */
	uint32_t	 dur;		/* its audio's duration, 90 kHz; 0: not MP3/AAC frames */
	struct block	*next;		/* newer block (reference held), NULL at the tail */
	struct icy_meta	*meta;		/* ICY metadata in force for these bytes (reference held) */
	struct ogg_headers *hdrs;	/* Ogg: header pages of this block's chain (reference held) */
	uint8_t		 data[];
};

/** A new block with one reference, holding a copy of p[0..n). */
struct block *block_new(const void *p, size_t n, uint64_t pos, uint32_t flags);
/** Take a chain reference (the caller holds one already). */
void block_ref(struct block *b);
/** Drop a chain reference; the last one releases the successor (iteratively)
 *  and the block's bytes once no data reference is left. */
void block_unref(struct block *b);
/** Take / drop a reference on the block's bytes only (the caller holds a
 *  chain reference when taking one). */
void block_data_ref(struct block *b);
void block_data_unref(struct block *b);
/** Can a listener start playback at the beginning of this block? */
int block_is_start(const struct block *b);
/** Successor, read with acquire ordering (another thread may be appending). */
struct block *block_next(const struct block *b);

/** A mount's queue of blocks. */
struct queue {
	struct block	*head;		/* oldest retained block (reference held) */
	struct block	*tail;		/* newest block (no reference of its own) */
	struct block	*burst;		/* oldest start point within burst_size of the tail */
	struct block	*live;		/* newest start point */
	uint64_t	 head_pos;	/* absolute position of head->data[0] */
	uint64_t	 tail_pos;	/* total bytes ever appended */
	size_t		 limit;		/* bytes a listener may fall behind (queue-size); kept at least */
	size_t		 burst_size;
	/* <rewind>: also keep rewind_ms of audio, at most rewind_max bytes */
	int64_t		 rewind_ms;
	size_t		 rewind_max;
	uint64_t	 nblocks;	/* blocks ever appended, for stats */
};

void queue_init(struct queue *q, size_t limit, size_t burst_size);
/** Append b (taking over its reference) and trim what is no longer retained. */
void queue_append(struct queue *q, struct block *b);
/** Drop every block the queue holds; positions keep counting. */
void queue_clear(struct queue *q);
/** The first block holding position pos or after it (the head if the queue
 *  has moved past pos), NULL if empty. Under the mount's lock. */
struct block *queue_find(const struct queue *q, uint64_t pos);
/** Keep rewind_ms of audio as well (at most max_bytes); 0: the limit only. */
void queue_set_rewind(struct queue *q, int64_t rewind_ms, size_t max_bytes);
/** The first start point appended at time_ms or later, NULL if none (the
 *  queue ends before). Under the mount's lock. */
struct block *queue_find_time(const struct queue *q, int64_t time_ms);

/**
 * The codec header pages of an Ogg chain, kept so a listener who joins
 * mid-stream gets them first. Immutable and reference-counted like blocks;
 * each block of the chain holds a reference.
 */
struct ogg_headers {
	unsigned refs;
	size_t	 len;
	uint8_t	 data[];
};
struct ogg_headers *ogg_headers_new(const void *p, size_t n);
void ogg_headers_ref(struct ogg_headers *h);
void ogg_headers_unref(struct ogg_headers *h);

#endif
