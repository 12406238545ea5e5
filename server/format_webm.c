/*
 * format_webm.c: WebM and Matroska. A live stream is an EBML header, a
 * Segment (of unknown size, as ffmpeg's live muxer writes it), the
 * Segment's header elements (SeekHead, Info, Tracks, Tags...) and then
 * Clusters of blocks, one after another, each of unknown or known size.
 *
 * Only where a listener may start matters here, as for Ogg: everything
 * before the first Cluster is the stream's header (BLOCK_HEADER; the
 * EBML header starts a chain, BLOCK_CHAIN), which source.c keeps and
 * late joiners get first; each Cluster's start is a start point
 * (BLOCK_SYNC); the elements inside a Cluster are cut one by one (flags
 * 0), never descended into. A container (Segment, Cluster) is cut as its
 * ID and size only; an element too long to hold is passed through by
 * length (format_state.skip), so the parse never loses its place.
 */
#include "format.h"
#include "block.h"

#include <string.h>

#define EBML_ID		0x1A45DFA3u
#define SEGMENT_ID	0x18538067u
#define CLUSTER_ID	0x1F43B675u
/* Elements inside a Cluster (Timecode, SilentTracks, Position, PrevSize,
 * SimpleBlock, BlockGroup, EncryptedBlock). */
static const uint32_t cluster_children[] = { 0xE7, 0x5854, 0xA7, 0xAB, 0xA3, 0xA0, 0xAF };
/* Longer elements are passed through by length rather than held whole. */
#define WEBM_HOLD	(256 * 1024)

/* An EBML variable-length integer at p[0..n): its length (1-8) and value
 * (marker bit kept for IDs, removed for sizes); 0 if incomplete, -1 if
 * invalid. *unknown: a size of all ones. */
static int
ebml_vint(const uint8_t *p, size_t n, int keep_marker, uint64_t *v, int *unknown)
{
	int len, i;
	uint64_t x, ones;

	if (n == 0)
		return 0;
	if (p[0] == 0)
		return -1;
	for (len = 1; !(p[0] & (0x80 >> (len - 1))); len++)
		;
	if ((size_t)len > n)
		return 0;
	x = keep_marker ? p[0] : (p[0] & (0xFF >> len));
	ones = 0xFF >> len;
	for (i = 1; i < len; i++) {
		x = x << 8 | p[i];
		ones = ones << 8 | 0xFF;
	}
	*v = x;
	if (unknown != NULL)
		*unknown = !keep_marker && x == ones;
	return len;
}

static int
webm_in_cluster(uint32_t id)
{
	size_t i;

	for (i = 0; i < sizeof cluster_children / sizeof cluster_children[0]; i++)
		if (cluster_children[i] == id)
			return 1;
	return 0;
}

static size_t
webm_take(struct format_state *st, const uint8_t *p, size_t n, uint32_t *flags)
{
	uint64_t id, size;
	int il, sl = 0, unknown = 0;
	size_t head;

	*flags = 0;
	if (st->skip > 0) {			/* the rest of a long element */
		size = st->skip < n ? st->skip : n;
		st->skip -= size;
		return (size_t)size;
	}
	if ((il = ebml_vint(p, n, 1, &id, NULL)) <= 0 || il > 4 ||
	    (sl = ebml_vint(p + il, n - il, 0, &size, &unknown)) <= 0)
		return il < 0 || il > 4 || (il > 0 && sl < 0) ? 1 : 0;	/* garbage: a byte at a time */
	head = (size_t)(il + sl);
	if (id == EBML_ID) {
		/* a new stream, as an Ogg BOS page is a new chain */
		if (unknown || size > WEBM_HOLD)
			return 1;
		if (n < head + size)
			return 0;
		st->ogg_seen_audio = 0;
		*flags = BLOCK_CHAIN | BLOCK_SYNC | BLOCK_HEADER;
		return head + (size_t)size;
	}
	if (id == SEGMENT_ID) {
		*flags = BLOCK_SYNC | BLOCK_HEADER;
		return head;			/* descend: its children follow */
	}
	if (id == CLUSTER_ID) {
		st->ogg_seen_audio = 1;
		st->frames++;
		*flags = BLOCK_SYNC;		/* where a listener may start */
		return head;
	}
	if (!st->ogg_seen_audio && !webm_in_cluster((uint32_t)id))
		*flags = BLOCK_SYNC | BLOCK_HEADER;	/* Info, Tracks...: the stream's header */
	if (unknown)
		return head;			/* an unknown-size element: look inside */
	if (size > WEBM_HOLD) {
		st->skip = size;
		return head;
	}
	if (n < head + size)
		return 0;
	return head + (size_t)size;
}

const struct format_ops format_webm = {
	.name = "webm",
	.icy = 0,
	.max_unit = WEBM_HOLD + 16,
	.take = webm_take,
};
