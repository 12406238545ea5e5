/*
 * fuzz_parsers.c: one libFuzzer target for every pure parser on the path of
 * hostile bytes: the request-head parser, the chunked decoder, the MP3/ADTS
 * and Ogg framers (through the source's cutting loop), and the ICY
 * deframer. The first input byte picks the parser; the rest is fed in
 * pieces whose sizes also come from the input, as a network would split it.
 *
 * Build and run (clang with libFuzzer, from Debian's clang package):
 *   tests/fuzz/run [seconds]
 */
#include "../../server/util.c"
#include "../../server/http_parse.c"
#include "../../server/format.c"
#include "../../server/format_mpeg.c"
#include "../../server/format_ogg.c"
#include "../../server/icy.c"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Split size for the next piece, taken from the data itself. */
static size_t
piece(const uint8_t *p, size_t left)
{
	size_t n = left > 0 ? (size_t)(p[0] % 97) + 1 : 0;

	return n < left ? n : left;
}

/* The request parser, fed in pieces. */
static void
fuzz_http(const uint8_t *p, size_t n)
{
	struct http_request *r = malloc(sizeof *r);
	size_t off = 0, used, len;
	enum parse_result res = PARSE_AGAIN;

	http_request_init(r);
	while (off < n && res == PARSE_AGAIN) {
		len = piece(p + off, n - off);
		res = http_request_feed(r, (const char *)p + off, len, &used);
		if (used > len)
			abort();
		off += used;
	}
	if (res == PARSE_OK) {
		for (size_t i = 0; i < r->nheaders; i++)
			if (http_header_get(r, r->headers[i].name) == NULL)
				abort();
		free(http_query_get(r->query, "mount"));
	}
	http_request_free(r);
	free(r);
}

/* The chunked decoder: output never exceeds input. */
static void
fuzz_chunked(const uint8_t *p, size_t n)
{
	struct http_chunked c;
	char *buf = malloc(n + 1);
	size_t off = 0, len, out;

	http_chunked_init(&c);
	while (off < n) {
		len = piece(p + off, n - off);
		memcpy(buf, p + off, len);
		if (http_chunked_decode(&c, buf, len, &out) != PARSE_AGAIN) {
			if (out > len)
				abort();
			break;
		}
		if (out > len)
			abort();
		off += len;
	}
	free(buf);
}

/* A framer through format_cut, as the source cuts: every byte comes out once. */
static void
fuzz_format(const struct format_ops *ops, const uint8_t *p, size_t n)
{
	struct format_state st;
	uint8_t *pending = malloc(n + 1);
	size_t plen = 0, off, take, emitted = 0, fed = 0, len;
	uint32_t flags;

	format_state_init(&st, ops);
	while (fed < n) {
		len = piece(p + fed, n - fed);
		memcpy(pending + plen, p + fed, len);
		plen += len;
		fed += len;
		for (off = 0; (take = format_cut(&st, pending + off, plen - off, &flags)) > 0;
		    off += take) {
			if (take > plen - off)
				abort();
			emitted += take;
		}
		if (plen - off >= ops->max_unit)
			abort();
		memmove(pending, pending + off, plen - off);
		plen -= off;
	}
	if (emitted + plen != n)
		abort();
	free(pending);
}

/* The ICY deframer: audio out never exceeds bytes in. */
static void
fuzz_icy(const uint8_t *p, size_t n)
{
	struct icy_deframer *d = malloc(sizeof *d);
	uint8_t *buf = malloc(n + 1);
	size_t off = 0, len, out;
	char *title;

	icy_deframer_init(d, n > 0 ? (size_t)p[0] + 1 : 1);
	while (off < n) {
		len = piece(p + off, n - off);
		memcpy(buf, p + off, len);
		icy_deframe(d, buf, len, &out, &title);
		if (out > len)
			abort();
		if (title != NULL) {
			struct icy_meta *m = icy_meta_new(title, NULL);
			if (m->len != 1 + 16 * (size_t)m->data[0])
				abort();
			icy_meta_unref(m);
			free(title);
		}
		off += len;
	}
	free(buf);
	free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Entry point: the first byte chooses the parser. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 6) {
	case 0: fuzz_http(data + 1, size - 1); break;
	case 1: fuzz_chunked(data + 1, size - 1); break;
	case 2: fuzz_format(&format_mp3, data + 1, size - 1); break;
	case 3: fuzz_format(&format_aac, data + 1, size - 1); break;
	case 4: fuzz_format(&format_ogg, data + 1, size - 1); break;
	case 5: fuzz_icy(data + 1, size - 1); break;
	}
	return 0;
}
