/*
 * fuzz_cut.c: format_cut() (format.c) with the MP3, ADTS, Ogg and generic
 * handlers, fed in pieces as the source feeds it. The first input byte
 * picks the handler. Every byte comes out exactly once, fewer than max_unit
 * bytes are ever left pending, and a unit a listener may start on (SYNC)
 * holds whole frames or pages and nothing else.
 */
#include "../../server/util.c"
#include "../../server/format.c"
#include "../../server/format_mpeg.c"
#include "../../server/format_ogg.c"
#include "../../server/format_webm.c"

#include "fuzz.h"

#include <string.h>

/* The handlers the first input byte picks from. */
static const struct format_ops *const handlers[] = {
	&format_mp3, &format_aac, &format_ogg, &format_generic,
};

/* A SYNC unit of an MPEG handler: back-to-back frames, to its last byte. */
static void
check_frames(const struct format_ops *ops, const uint8_t *p, size_t n)
{
	size_t off = 0, len, hdr = ops == &format_aac ? 7 : 4;

	while (off < n) {
		FUZZ_CHECK(n - off >= hdr);
		len = ops == &format_aac ? adts_frame_len(p + off, NULL, NULL) :
		    mp3_frame_len(p + off, NULL, NULL, NULL);
		FUZZ_CHECK(len > 0 && len <= n - off);
		off += len;
	}
}

/* An Ogg unit with flags: whole pages; CHAIN only on a BOS page's headers. */
static void
check_pages(const uint8_t *p, size_t n, uint32_t flags)
{
	size_t off = 0;
	long len;

	FUZZ_CHECK(!(flags & BLOCK_CHAIN) || (flags & BLOCK_HEADER));
	FUZZ_CHECK(!(flags & BLOCK_CHAIN) || (n > 5 && (p[5] & 0x02)));
	while (off < n) {
		len = ogg_page_len(p + off, n - off);
		FUZZ_CHECK(len > 0 && (size_t)len <= n - off);
		off += (size_t)len;
	}
}

/* One unit as the source would append it. */
static void
check_unit(const struct format_ops *ops, const uint8_t *p, size_t n, uint32_t flags)
{
	if (ops == &format_generic) {
		FUZZ_CHECK(flags == BLOCK_SYNC);
		return;
	}
	if (flags == 0)
		return;		/* ID3, garbage, or unframed: no listener starts here */
	FUZZ_CHECK(flags & BLOCK_SYNC);
	if (ops == &format_webm) {
		FUZZ_CHECK(!(flags & BLOCK_CHAIN) || (flags & BLOCK_HEADER));
		FUZZ_CHECK(n >= 2);	/* a start point is at least an ID and a size */
		return;
	}
	if (ops == &format_ogg)
		check_pages(p, n, flags);
	else {
		FUZZ_CHECK(flags == BLOCK_SYNC);
		check_frames(ops, p, n);
	}
}

/* One input: a handler and a stream, cut as the source cuts it. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct format_ops *ops;
	struct format_state st;
	uint8_t *pending;
	size_t plen = 0, off, take, emitted = 0, fed = 0, len;
	uint32_t flags;

	if (size < 1)
		return 0;
	/* 0xEB picks WebM (the others keep the mapping their seeds were made for) */
	ops = data[0] == 0xEB ? &format_webm :
	    handlers[data[0] % (sizeof handlers / sizeof handlers[0])];
	data++;
	size--;
	pending = malloc(size + 1);
	format_state_init(&st, ops);
	while (fed < size) {
		len = fuzz_piece(data + fed, size - fed);
		memcpy(pending + plen, data + fed, len);
		plen += len;
		fed += len;
		for (off = 0; (take = format_cut(&st, pending + off, plen - off, &flags)) > 0;
		    off += take) {
			FUZZ_CHECK(take <= plen - off);
			check_unit(ops, pending + off, take, flags);
			emitted += take;
		}
		FUZZ_CHECK(flags == 0);
		FUZZ_CHECK(plen - off < ops->max_unit);
		memmove(pending, pending + off, plen - off);
		plen -= off;
	}
	FUZZ_CHECK(emitted + plen == size);
	free(pending);
	return 0;
}
