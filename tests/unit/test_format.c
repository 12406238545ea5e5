/*
 * test_format.c: TAP tests for the codec handlers (format.c, format_mpeg.c,
 * format_ogg.c): frame-length arithmetic on hand-built MP3 and ADTS headers,
 * Ogg page lengths, the Content-Type map, and format_cut(), the cutting step
 * source.c uses, over synthetic streams (ID3 tags, garbage, Ogg chains) fed
 * whole, one byte at a time, in random pieces and split at every offset.
 */
#include "tap.h"

#include "../../server/format.c"
#include "../../server/format_mpeg.c"
#include "../../server/format_ogg.c"
#include "../../server/format_webm.c"
#include "../../server/block.c"
#include "../../server/icy.c"
#include "../../server/util.c"

#include <stdlib.h>

/* As server/source.c: the most a source read adds to the pending bytes. */
#define SOURCE_READ 65536

/* Seeded per file so failures are reproducible. */
#define rng() tap_rng()

/* ---- Synthetic streams ---- */

/* What each input byte is, so units can be checked against the truth. */
enum { K_NONE, K_FRAME, K_HEADER, K_AUDIO };

/* A built stream: bytes, a kind per byte, and where units may start. */
struct stream {
	uint8_t	*data;
	uint8_t	*kind;		/* K_* per byte */
	uint8_t	*start;		/* 1 where a frame/page begins */
	uint8_t	*bos;		/* where an Ogg BOS page begins: 1 if it opens a chain,
				 * 2 if it follows another BOS (multiplexed streams) */
	uint16_t *chain;	/* Ogg chain number per byte */
	size_t	 len, cap;
	size_t	 nframes;
	size_t	 last_start;	/* offset of the last frame/page */
};

/* Make room for n more bytes. */
static void
stream_grow(struct stream *s, size_t n)
{
	if (s->len + n <= s->cap)
		return;
	while (s->len + n > s->cap)
		s->cap = s->cap ? s->cap * 2 : 4096;
	s->data = xrealloc(s->data, s->cap);
	s->kind = xrealloc(s->kind, s->cap);
	s->start = xrealloc(s->start, s->cap);
	s->bos = xrealloc(s->bos, s->cap);
	s->chain = xrealloc(s->chain, s->cap * sizeof *s->chain);
}

/* Append bytes of one kind; a frame/page start is marked when is_start. */
static void
stream_add(struct stream *s, const void *p, size_t n, int kind, int is_start)
{
	stream_grow(s, n);
	memcpy(s->data + s->len, p, n);
	memset(s->kind + s->len, kind, n);
	memset(s->start + s->len, 0, n);
	memset(s->bos + s->len, 0, n);
	memset(s->chain + s->len, 0, n * sizeof *s->chain);
	if (is_start) {
		s->start[s->len] = 1;
		s->last_start = s->len;
		s->nframes++;
	}
	s->len += n;
}

/* Release a stream. */
static void
stream_free(struct stream *s)
{
	free(s->data);
	free(s->kind);
	free(s->start);
	free(s->bos);
	free(s->chain);
	memset(s, 0, sizeof *s);
}

/* Write an MPEG audio frame header: version bits (3 = MPEG-1, 2 = MPEG-2,
 * 0 = 2.5), layer bits (1 = III, 2 = II, 3 = I), bitrate and rate index,
 * padding, channel mode. */
static void
mp3_hdr(uint8_t *p, int ver, int layer, int bri, int sri, int pad, int mode)
{
	p[0] = 0xFF;
	p[1] = (uint8_t)(0xE0 | (ver << 3) | (layer << 1) | 1);
	p[2] = (uint8_t)((bri << 4) | (sri << 2) | (pad << 1));
	p[3] = (uint8_t)(mode << 6);
}

/* Write an ADTS header for a frame of len bytes. */
static void
adts_hdr(uint8_t *p, int sri, int chcfg, size_t len)
{
	p[0] = 0xFF;
	p[1] = 0xF1;			/* MPEG-4, layer 0, no CRC */
	p[2] = (uint8_t)((1 << 6) | (sri << 2) | (chcfg >> 2));	/* AAC LC */
	p[3] = (uint8_t)(((chcfg & 3) << 6) | ((len >> 11) & 3));
	p[4] = (uint8_t)((len >> 3) & 0xFF);
	p[5] = (uint8_t)(((len & 7) << 5) | 0x1F);
	p[6] = 0xFC;
}

/* Append one MP3 frame (MPEG-1 Layer III, 44.1 kHz, varying bitrate) with a
 * zeroed payload. */
static void
add_mp3_frame(struct stream *s)
{
	uint8_t f[2000];
	int bri = 1 + (int)(rng() % 14), pad = (int)(rng() & 1);
	size_t len;

	memset(f, 0, sizeof f);
	mp3_hdr(f, 3, 1, bri, 0, pad, 1);
	len = mp3_frame_len(f, NULL, NULL, NULL);
	stream_add(s, f, len, K_FRAME, 1);
}

/* Append one ADTS frame of random length with a zeroed payload. */
static void
add_adts_frame(struct stream *s)
{
	uint8_t f[1600];
	size_t len = 20 + rng() % 1500;

	memset(f, 0, sizeof f);
	adts_hdr(f, 4, 2, len);
	stream_add(s, f, len, K_FRAME, 1);
}

/* Append an ID3v2 tag with body_len bytes of body (and a footer if asked). */
static void
add_id3(struct stream *s, size_t body_len, int footer)
{
	uint8_t *t = xcalloc(1, body_len + 20);
	size_t total = 10 + body_len + (footer ? 10 : 0), i;

	memcpy(t, "ID3\x04\x00", 5);
	t[5] = footer ? 0x10 : 0;
	t[6] = (uint8_t)((body_len >> 21) & 0x7F);
	t[7] = (uint8_t)((body_len >> 14) & 0x7F);
	t[8] = (uint8_t)((body_len >> 7) & 0x7F);
	t[9] = (uint8_t)(body_len & 0x7F);
	/* A frame of text, then padding; no 0xFF inside. */
	if (body_len >= 16)
		memcpy(t + 10, "TIT2\x00\x00\x00\x06\x00\x00\x03Title", 16);
	for (i = 26; i < 10 + body_len && i < 200; i++)
		t[i] = (uint8_t)('a' + i % 26);
	if (footer)
		memcpy(t + 10 + body_len, "3DI\x04\x00\x10", 6);
	stream_add(s, t, total, K_NONE, 0);
	free(t);
}

/* Append garbage: letters, and (if fake) a lone valid-looking MP3 header
 * near the start that is not followed by a second one. */
static void
add_garbage(struct stream *s, size_t n, int fake)
{
	uint8_t *g = xmalloc(n);
	size_t i;

	for (i = 0; i < n; i++)
		g[i] = (uint8_t)('a' + rng() % 26);
	if (fake && n > 500)
		mp3_hdr(g + 10, 3, 1, 9, 0, 0, 0);	/* 417 bytes "long": lands in garbage */
	stream_add(s, g, n, K_NONE, 0);
	free(g);
}

/* ---- A source's pending buffer, cut with format_cut() as source.c does ---- */

/* One unit format_cut() produced. */
struct unit {
	size_t	 off;	/* stream offset of its first byte */
	size_t	 len;
	uint32_t flags;
};

/* The source side: pending bytes, and everything cut so far. */
struct cutter {
	struct format_state st;
	uint8_t	*pending;
	size_t	 plen, pcap;
	struct unit *u;
	size_t	 nu, ucap;
	uint8_t	*out;		/* every unit's bytes, concatenated */
	size_t	 outlen, outcap;
	int	 overflow;	/* a read found no room: must never happen */
};

/* A fresh source for a handler. */
static void
cutter_init(struct cutter *c, const struct format_ops *ops)
{
	memset(c, 0, sizeof *c);
	format_state_init(&c->st, ops);
	c->pcap = ops->max_unit + SOURCE_READ;
	c->pending = xmalloc(c->pcap);
}

/* Release a cutter. */
static void
cutter_free(struct cutter *c)
{
	free(c->pending);
	free(c->u);
	free(c->out);
	memset(c, 0, sizeof *c);
}

/* Record one unit, as fanout_add would gather it. */
static void
cutter_emit(struct cutter *c, const uint8_t *p, size_t n, uint32_t flags)
{
	if (c->nu == c->ucap) {
		c->ucap = c->ucap ? c->ucap * 2 : 64;
		c->u = xrealloc(c->u, c->ucap * sizeof *c->u);
	}
	c->u[c->nu].off = c->outlen;
	c->u[c->nu].len = n;
	c->u[c->nu].flags = flags;
	c->nu++;
	if (c->outlen + n > c->outcap) {
		while (c->outlen + n > c->outcap)
			c->outcap = c->outcap ? c->outcap * 2 : 65536;
		c->out = xrealloc(c->out, c->outcap);
	}
	memcpy(c->out + c->outlen, p, n);
	c->outlen += n;
}

/* As source_cut: hand complete units over, keep the rest pending. */
static void
cutter_cut(struct cutter *c)
{
	size_t off = 0, n;
	uint32_t flags;

	while ((n = format_cut(&c->st, c->pending + off, c->plen - off, &flags)) > 0) {
		cutter_emit(c, c->pending + off, n, flags);
		off += n;
	}
	memmove(c->pending, c->pending + off, c->plen - off);
	c->plen -= off;
}

/* A socket read of n bytes, limited by the room left as source.c does. */
static void
cutter_feed(struct cutter *c, const uint8_t *p, size_t n)
{
	size_t k;

	while (n > 0) {
		k = FLOE_MIN(n, FLOE_MIN(c->pcap - c->plen, (size_t)SOURCE_READ));
		if (k == 0) {
			c->overflow = 1;
			return;
		}
		memcpy(c->pending + c->plen, p, k);
		c->plen += k;
		cutter_cut(c);
		p += k;
		n -= k;
	}
}

/* How a stream is fed. */
enum feed_mode { FEED_WHOLE, FEED_BYTES, FEED_SMALL, FEED_LARGE };
static const char *const feed_name[] = { "whole", "1 byte at a time",
	"random small pieces", "random large pieces" };

/* Feed the whole stream in the given way. */
static void
feed_stream(struct cutter *c, const struct stream *s, enum feed_mode mode)
{
	size_t i = 0, k;

	while (i < s->len) {
		switch (mode) {
		case FEED_WHOLE:
			k = s->len;
			break;
		case FEED_BYTES:
			k = 1;
			break;
		case FEED_SMALL:
			k = 1 + rng() % 700;
			break;
		default:
			k = 1 + rng() % 20000;
			break;
		}
		k = FLOE_MIN(k, s->len - i);
		cutter_feed(c, s->data + i, k);
		i += k;
	}
}

/* Output is a prefix of the input, byte for byte, and units tile it. */
static int
units_tile(const struct cutter *c, const struct stream *s)
{
	size_t i, pos = 0;

	if (c->outlen > s->len || memcmp(c->out, s->data, c->outlen) != 0)
		return 0;
	for (i = 0; i < c->nu; i++) {
		if (c->u[i].off != pos || c->u[i].len == 0)
			return 0;
		pos += c->u[i].len;
	}
	return pos == c->outlen;
}

/* MP3/ADTS: a sync unit is whole frames starting on a frame; any other unit
 * holds no frame bytes; every frame byte is in a sync unit. Returns the
 * index of the first bad unit, or -1. */
static long
mpeg_bad_unit(const struct cutter *c, const struct stream *s)
{
	size_t i, j;

	for (i = 0; i < c->nu; i++) {
		const struct unit *u = &c->u[i];
		size_t end = u->off + u->len;

		if (u->flags == BLOCK_SYNC) {
			if (!s->start[u->off])
				return (long)i;
			if (end < s->len && s->kind[end] == K_FRAME && !s->start[end])
				return (long)i;		/* ends inside a frame */
			for (j = u->off; j < end; j++)
				if (s->kind[j] != K_FRAME)
					return (long)i;
		} else if (u->flags == 0) {
			for (j = u->off; j < end; j++)
				if (s->kind[j] == K_FRAME)
					return (long)i;
		} else
			return (long)i;
	}
	return -1;
}

/* Print a unit list as TAP comments, to diagnose failures. */
static void
dump_units(const struct cutter *c)
{
	size_t i;

	for (i = 0; i < c->nu && i < 40; i++)
		printf("#   unit %zu: off %zu len %zu flags %#x\n", i, c->u[i].off,
		    c->u[i].len, (unsigned)c->u[i].flags);
}

/* Run one MPEG stream through format_cut() every way and check the contract. */
static void
check_mpeg_stream(const char *what, const struct format_ops *ops, const struct stream *s)
{
	struct cutter c;
	enum feed_mode m;
	long bad;

	for (m = FEED_WHOLE; m <= FEED_LARGE; m++) {
		cutter_init(&c, ops);
		feed_stream(&c, s, m);
		ok(!c.overflow, "%s, %s: reads always had room", what, feed_name[m]);
		is_int(c.outlen, s->len, "%s, %s: every byte came out", what, feed_name[m]);
		ok(units_tile(&c, s), "%s, %s: units concatenate to the input exactly",
		    what, feed_name[m]);
		bad = mpeg_bad_unit(&c, s);
		is_int(bad, -1, "%s, %s: sync units are whole frames, others hold no "
		    "frame bytes", what, feed_name[m]);
		if (bad >= 0)
			dump_units(&c);
		is_int(c.st.frames, s->nframes, "%s, %s: frame count", what, feed_name[m]);
		cutter_free(&c);
	}
}

/* mp3_frame_len on hand-built headers. */
static void
test_mp3_frame_len(void)
{
	static const struct {
		int ver, layer, bri, sri, pad, mode;
		size_t len;
		int rate, ch, kbps;
		const char *what;
	} t[] = {
		{ 3, 1, 9, 0, 0, 0, 417, 44100, 2, 128, "MPEG-1 L3 128k 44.1k" },
		{ 3, 1, 9, 0, 1, 0, 418, 44100, 2, 128, "MPEG-1 L3 128k 44.1k padded" },
		{ 3, 1, 9, 0, 0, 3, 417, 44100, 1, 128, "MPEG-1 L3 mono" },
		{ 3, 1, 14, 1, 0, 1, 960, 48000, 2, 320, "MPEG-1 L3 320k 48k" },
		{ 3, 1, 1, 2, 0, 2, 144, 32000, 2, 32, "MPEG-1 L3 32k 32k" },
		{ 2, 1, 8, 0, 0, 0, 208, 22050, 2, 64, "MPEG-2 L3 64k 22.05k" },
		{ 2, 1, 8, 0, 1, 0, 209, 22050, 2, 64, "MPEG-2 L3 64k 22.05k padded" },
		{ 2, 1, 14, 1, 0, 0, 480, 24000, 2, 160, "MPEG-2 L3 160k 24k" },
		{ 0, 1, 1, 2, 0, 3, 72, 8000, 1, 8, "MPEG-2.5 L3 8k 8k" },
		{ 3, 2, 10, 1, 0, 0, 576, 48000, 2, 192, "MPEG-1 L2 192k 48k" },
		{ 3, 2, 14, 2, 1, 0, 1729, 32000, 2, 384, "MPEG-1 L2 384k 32k padded" },
		{ 2, 2, 8, 0, 0, 0, 417, 22050, 2, 64, "MPEG-2 L2 64k 22.05k" },
		{ 3, 3, 14, 0, 0, 0, 484, 44100, 2, 448, "MPEG-1 L1 448k 44.1k" },
		{ 3, 3, 14, 0, 1, 0, 488, 44100, 2, 448, "MPEG-1 L1 padded: 4-byte slot" },
		{ 2, 3, 1, 1, 0, 0, 64, 24000, 2, 32, "MPEG-2 L1 32k 24k" },
	};
	uint8_t h[4];
	int rate, ch, kbps;
	size_t i;

	for (i = 0; i < FLOE_NELEM(t); i++) {
		mp3_hdr(h, t[i].ver, t[i].layer, t[i].bri, t[i].sri, t[i].pad, t[i].mode);
		rate = ch = kbps = -1;
		is_int(mp3_frame_len(h, &rate, &ch, &kbps), t[i].len, "%s: length", t[i].what);
		ok(rate == t[i].rate && ch == t[i].ch && kbps == t[i].kbps,
		    "%s: rate %d channels %d kbps %d", t[i].what, rate, ch, kbps);
	}
	mp3_hdr(h, 3, 1, 9, 0, 0, 0);
	is_int(mp3_frame_len(h, NULL, NULL, NULL), 417, "NULL out-pointers are fine");

	mp3_hdr(h, 3, 1, 9, 0, 0, 0);
	h[0] = 0xFE;
	is_int(mp3_frame_len(h, NULL, NULL, NULL), 0, "bad sync byte 0");
	mp3_hdr(h, 3, 1, 9, 0, 0, 0);
	h[1] &= 0x1F | 0xC0;	/* clear the third sync bit of byte 1 */
	is_int(mp3_frame_len(h, NULL, NULL, NULL), 0, "bad sync bits in byte 1");
	mp3_hdr(h, 1, 1, 9, 0, 0, 0);
	is_int(mp3_frame_len(h, NULL, NULL, NULL), 0, "reserved version");
	mp3_hdr(h, 3, 0, 9, 0, 0, 0);
	is_int(mp3_frame_len(h, NULL, NULL, NULL), 0, "reserved layer");
	mp3_hdr(h, 3, 1, 15, 0, 0, 0);
	is_int(mp3_frame_len(h, NULL, NULL, NULL), 0, "bitrate index 15");
	mp3_hdr(h, 3, 1, 0, 0, 0, 0);
	is_int(mp3_frame_len(h, NULL, NULL, NULL), 0, "free-format bitrate (index 0)");
	mp3_hdr(h, 3, 1, 9, 3, 0, 0);
	is_int(mp3_frame_len(h, NULL, NULL, NULL), 0, "samplerate index 3");
	memcpy(h, "ID3\x04", 4);
	is_int(mp3_frame_len(h, NULL, NULL, NULL), 0, "an ID3 tag is not a frame");
}

/* adts_frame_len on hand-built headers. */
static void
test_adts_frame_len(void)
{
	uint8_t h[7];
	int rate, ch;

	adts_hdr(h, 4, 2, 371);
	rate = ch = -1;
	is_int(adts_frame_len(h, &rate, &ch), 371, "ADTS 44.1k stereo: length");
	ok(rate == 44100 && ch == 2, "ADTS: rate %d, channels %d", rate, ch);
	adts_hdr(h, 3, 1, 8191);
	is_int(adts_frame_len(h, &rate, &ch), 8191, "ADTS longest frame (13 bits)");
	ok(rate == 48000 && ch == 1, "ADTS 48k mono: rate %d, channels %d", rate, ch);
	adts_hdr(h, 11, 6, 2048 + 5);
	is_int(adts_frame_len(h, &rate, &ch), 2053, "ADTS length using all three bytes");
	ok(rate == 8000 && ch == 6, "ADTS 8k 5.1: rate %d, channels %d", rate, ch);
	adts_hdr(h, 4, 2, 7);
	is_int(adts_frame_len(h, NULL, NULL), 7, "ADTS header-only frame");
	adts_hdr(h, 4, 2, 6);
	is_int(adts_frame_len(h, NULL, NULL), 0, "ADTS length below the header size");
	adts_hdr(h, 4, 2, 371);
	h[1] = 0xF9;		/* MPEG-2 ID bit: still ADTS */
	is_int(adts_frame_len(h, NULL, NULL), 371, "MPEG-2 ADTS");
	h[1] = 0xF3;		/* layer 01: MP3-like, not ADTS */
	is_int(adts_frame_len(h, NULL, NULL), 0, "non-zero layer");
	adts_hdr(h, 13, 2, 371);
	is_int(adts_frame_len(h, NULL, NULL), 0, "reserved sampling index 13");
	adts_hdr(h, 15, 2, 371);
	is_int(adts_frame_len(h, NULL, NULL), 0, "reserved sampling index 15");
	adts_hdr(h, 4, 2, 371);
	h[0] = 0x7F;
	is_int(adts_frame_len(h, NULL, NULL), 0, "bad sync");
	mp3_hdr(h, 3, 1, 9, 0, 0, 0);
	is_int(adts_frame_len(h, NULL, NULL), 0, "an MP3 header is not ADTS");
}

/* MP3 streams through format_cut(). */
static void
test_mp3_take(void)
{
	struct stream s = { 0 };
	struct cutter c;
	size_t i, id3_end, g1, g2, cut, tail;
	int pass;

	/* ID3 longer than max_unit, frames, garbage with a fake header,
	 * frames, a short garbage run, frames. */
	add_id3(&s, 6000, 0);
	id3_end = s.len;
	for (i = 0; i < 60; i++)
		add_mp3_frame(&s);
	g1 = s.len;
	add_garbage(&s, 700, 1);
	for (i = 0; i < 40; i++)
		add_mp3_frame(&s);
	g2 = s.len;
	add_garbage(&s, 5, 0);
	for (i = 0; i < 30; i++)
		add_mp3_frame(&s);
	check_mpeg_stream("mp3 with ID3 and garbage", &format_mp3, &s);

	/* The specific boundaries, fed whole. */
	cutter_init(&c, &format_mp3);
	feed_stream(&c, &s, FEED_WHOLE);
	ok(c.nu > 0 && c.u[0].off == 0 && c.u[0].flags == 0,
	    "ID3 tag comes out first, as a non-sync unit");
	pass = 0;
	for (i = 0; i < c.nu; i++)
		if (c.u[i].off == id3_end && c.u[i].flags == BLOCK_SYNC)
			pass = 1;
	ok(pass, "a sync unit starts right after the ID3 tag");
	pass = 0;
	for (i = 0; i < c.nu; i++)
		if (c.u[i].off == g1 && c.u[i].flags == 0)
			pass = 1;
	ok(pass, "garbage starts its own non-sync unit");
	pass = 0;
	for (i = 0; i < c.nu; i++)
		if (c.u[i].off == g1 + 700 && c.u[i].flags == BLOCK_SYNC)
			pass = 1;
	ok(pass, "sync resumes at the first frame after garbage with a fake header");
	pass = 0;
	for (i = 0; i < c.nu; i++)
		if (c.u[i].off == g2 + 5 && c.u[i].flags == BLOCK_SYNC)
			pass = 1;
	ok(pass, "sync resumes after a 5-byte garbage run");
	is_int(c.st.samplerate, 44100, "samplerate recorded from the first frame");
	is_int(c.st.channels, 2, "channels recorded (joint stereo)");
	ok(c.st.bitrate >= 32 && c.st.bitrate <= 320, "bitrate recorded (%d)", c.st.bitrate);
	cutter_free(&c);

	/* A trailing partial frame is held back until it is complete. */
	tail = s.last_start;
	pass = 1;
	for (cut = 1; cut < s.len - tail; cut += (cut < 8 ? 1 : 97)) {
		cutter_init(&c, &format_mp3);
		cutter_feed(&c, s.data, s.len - cut);
		pass = c.outlen == tail && units_tile(&c, &s);
		cutter_feed(&c, s.data + s.len - cut, cut);
		pass = pass && c.outlen == s.len && units_tile(&c, &s) &&
		    c.u[c.nu - 1].off == tail && c.u[c.nu - 1].flags == BLOCK_SYNC;
		cutter_free(&c);
		if (!pass)
			break;
	}
	ok(pass, "last frame missing its last %zu bytes: held back, then emitted whole", cut);
	stream_free(&s);

	/* Frames from the first byte; an ID3 tag with a footer in the middle. */
	for (i = 0; i < 50; i++)
		add_mp3_frame(&s);
	id3_end = s.len;
	add_id3(&s, 300, 1);
	for (i = 0; i < 50; i++)
		add_mp3_frame(&s);
	check_mpeg_stream("mp3 from byte 0, mid-stream ID3 with footer", &format_mp3, &s);
	cutter_init(&c, &format_mp3);
	feed_stream(&c, &s, FEED_WHOLE);
	pass = 0;
	for (i = 0; i < c.nu; i++)
		if (c.u[i].off == id3_end && c.u[i].len == 320 && c.u[i].flags == 0)
			pass = 1;
	ok(pass, "an ID3 tag with a footer is one non-sync unit, footer included");
	cutter_free(&c);
	stream_free(&s);

	/* Garbage first (a source that starts mid-frame), then frames. */
	add_garbage(&s, 333, 0);
	for (i = 0; i < 50; i++)
		add_mp3_frame(&s);
	check_mpeg_stream("mp3 starting with garbage", &format_mp3, &s);
	stream_free(&s);

	/* Garbage longer than max_unit between frames. */
	for (i = 0; i < 20; i++)
		add_mp3_frame(&s);
	add_garbage(&s, 10000, 1);
	for (i = 0; i < 20; i++)
		add_mp3_frame(&s);
	check_mpeg_stream("mp3 with 10 KB of garbage", &format_mp3, &s);
	stream_free(&s);

	/* A generic stream: every read is one sync unit. */
	cutter_init(&c, &format_generic);
	cutter_feed(&c, (const uint8_t *)"abc", 3);
	cutter_feed(&c, (const uint8_t *)"de", 2);
	ok(c.nu == 2 && c.u[0].len == 3 && c.u[1].len == 2 &&
	    c.u[0].flags == BLOCK_SYNC && c.u[1].flags == BLOCK_SYNC,
	    "generic: each read is one sync unit");
	cutter_free(&c);
}

/* ADTS streams through format_cut(). */
static void
test_aac_take(void)
{
	struct stream s = { 0 };
	struct cutter c;
	size_t i, g, cut, tail;
	int pass;

	add_id3(&s, 100, 0);
	for (i = 0; i < 80; i++)
		add_adts_frame(&s);
	g = s.len;
	add_garbage(&s, 900, 0);
	for (i = 0; i < 60; i++)
		add_adts_frame(&s);
	check_mpeg_stream("aac with ID3 and garbage", &format_aac, &s);

	cutter_init(&c, &format_aac);
	feed_stream(&c, &s, FEED_WHOLE);
	ok(c.nu > 0 && c.u[0].flags == 0 && c.u[0].len == 110, "aac: ID3 tag is one non-sync unit");
	pass = 0;
	for (i = 0; i < c.nu; i++)
		if (c.u[i].off == g + 900 && c.u[i].flags == BLOCK_SYNC)
			pass = 1;
	ok(pass, "aac: sync resumes after garbage");
	is_int(c.st.samplerate, 44100, "aac: samplerate recorded");
	is_int(c.st.channels, 2, "aac: channels recorded");
	cutter_free(&c);

	tail = s.last_start;
	pass = 1;
	for (cut = 1; cut < s.len - tail; cut += (cut < 10 ? 1 : 53)) {
		cutter_init(&c, &format_aac);
		cutter_feed(&c, s.data, s.len - cut);
		pass = c.outlen == tail && units_tile(&c, &s);
		cutter_feed(&c, s.data + s.len - cut, cut);
		pass = pass && c.outlen == s.len && c.u[c.nu - 1].off == tail &&
		    c.u[c.nu - 1].flags == BLOCK_SYNC;
		cutter_free(&c);
		if (!pass)
			break;
	}
	ok(pass, "aac: last frame missing its last %zu bytes: held back", cut);
	stream_free(&s);
}

/* ---- Ogg ---- */

/* Append one Ogg page with a body of body_len bytes. */
static void
add_page(struct stream *s, int type, int64_t granule, uint32_t serial,
    uint32_t seq, size_t body_len, int kind, int chain)
{
	uint8_t p[27 + 255 + 255 * 255];
	size_t nseg = body_len / 255 + 1, i, at = s->len;
	uint64_t g = (uint64_t)granule;

	memset(p, 0, sizeof p);
	memcpy(p, "OggS", 4);
	p[4] = 0;
	p[5] = (uint8_t)type;
	for (i = 0; i < 8; i++)
		p[6 + i] = (uint8_t)(g >> (8 * i));
	for (i = 0; i < 4; i++) {
		p[14 + i] = (uint8_t)(serial >> (8 * i));
		p[18 + i] = (uint8_t)(seq >> (8 * i));
	}
	p[26] = (uint8_t)nseg;
	for (i = 0; i < nseg - 1; i++)
		p[27 + i] = 255;
	p[27 + nseg - 1] = (uint8_t)(body_len % 255);
	memset(p + 27 + nseg, 'v', body_len);
	stream_add(s, p, 27 + nseg + body_len, kind, 1);
	s->bos[at] = (type & 0x02) != 0;
	for (i = at; i < s->len; i++)
		s->chain[i] = (uint16_t)chain;
}

/* One chain: BOS, a header page spanning (granule -1), a header page, then
 * audio pages (one with granule -1, as a page where no packet ends). */
static void
add_chain(struct stream *s, uint32_t serial, int chain, int naudio)
{
	int i;

	add_page(s, 0x02, 0, serial, 0, 30, K_HEADER, chain);
	add_page(s, 0x00, -1, serial, 1, 600, K_HEADER, chain);
	add_page(s, 0x00, 0, serial, 2, 3000, K_HEADER, chain);
	for (i = 0; i < naudio; i++)
		add_page(s, i == naudio - 1 ? 0x04 : 0x00, i == 2 ? -1 : 1024 * (i + 1),
		    serial, (uint32_t)(3 + i), 500 + rng() % 4000, K_AUDIO, chain);
}

/* Ogg: units are whole pages of one kind and chain, flagged accordingly, and
 * every BOS opens a unit. Returns the first bad unit's index, or -1. */
static long
ogg_bad_unit(const struct cutter *c, const struct stream *s)
{
	size_t i, j;

	for (i = 0; i < c->nu; i++) {
		const struct unit *u = &c->u[i];
		size_t end = u->off + u->len;
		uint32_t want;

		if (s->kind[u->off] == K_NONE) {
			for (j = u->off; j < end; j++)
				if (s->kind[j] != K_NONE)
					return (long)i;
			if (u->flags != 0)
				return (long)i;
			continue;
		}
		if (!s->start[u->off] ||
		    (end < s->len && s->kind[end] != K_NONE && !s->start[end]))
			return (long)i;
		for (j = u->off; j < end; j++) {
			if (s->kind[j] != s->kind[u->off] || s->chain[j] != s->chain[u->off])
				return (long)i;
			if (j > u->off && s->bos[j] == 1)
				return (long)i;	/* a new chain inside: it must open a unit */
		}
		want = BLOCK_SYNC;
		if (s->kind[u->off] == K_HEADER)
			want |= BLOCK_HEADER;
		if (s->bos[u->off])
			want |= BLOCK_CHAIN;
		if (u->flags != want)
			return (long)i;
	}
	return -1;
}

/* ogg_page_len on complete, incomplete and foreign input. */
static void
test_ogg_page_len(void)
{
	struct stream s = { 0 };
	uint8_t buf[600];
	size_t k, len;
	int pass = 1;

	add_page(&s, 0x02, 0, 7, 0, 300, K_HEADER, 0);	/* two segments */
	len = s.len;
	is_int(len, 27 + 2 + 300, "test page is 329 bytes");
	is_int(ogg_page_len(s.data, len), (long)len, "complete page: its length");
	memcpy(buf, s.data, len);
	memcpy(buf + len, "OggSjunk", 8);
	is_int(ogg_page_len(buf, len + 8), (long)len, "page followed by more bytes: its length");
	for (k = 1; k < len && pass; k++)
		if (ogg_page_len(s.data, k) != 0)
			pass = 0;
	ok(pass, "every prefix of a page is incomplete (0) (failed at %zu)", pass ? 0 : k - 1);
	is_int(ogg_page_len((const uint8_t *)"Og", 2), 0, "\"Og\": may be a page, incomplete");
	is_int(ogg_page_len((const uint8_t *)"Ogx", 3), -1, "\"Ogx\": not a page");
	is_int(ogg_page_len((const uint8_t *)"x", 1), -1, "\"x\": not a page");
	is_int(ogg_page_len((const uint8_t *)"OggT0000000000000000000000000000", 32), -1,
	    "wrong capture pattern");
	memcpy(buf, s.data, len);
	buf[4] = 1;
	is_int(ogg_page_len(buf, len), -1, "stream structure version 1: not a page");
	memset(buf, 0, sizeof buf);
	memcpy(buf, "OggS", 4);
	is_int(ogg_page_len(buf, 27), 27, "page with no segments: header only");
	stream_free(&s);
}

/* Ogg chains through format_cut(). */
static void
test_ogg_take(void)
{
	struct stream s = { 0 };
	struct cutter c;
	enum feed_mode m;
	size_t chain2, i;
	long bad;

	add_chain(&s, 0x1111, 1, 10);
	chain2 = s.len;
	add_chain(&s, 0x2222, 2, 8);

	for (m = FEED_WHOLE; m <= FEED_LARGE; m++) {
		cutter_init(&c, &format_ogg);
		feed_stream(&c, &s, m);
		is_int(c.outlen, s.len, "ogg, %s: every byte came out", feed_name[m]);
		ok(units_tile(&c, &s), "ogg, %s: units concatenate to the input", feed_name[m]);
		bad = ogg_bad_unit(&c, &s);
		is_int(bad, -1, "ogg, %s: units are whole pages of one kind, flagged right",
		    feed_name[m]);
		if (bad >= 0)
			dump_units(&c);
		ok(c.nu > 0 && c.u[0].flags == (BLOCK_CHAIN | BLOCK_SYNC | BLOCK_HEADER),
		    "ogg, %s: the first unit is CHAIN|SYNC|HEADER", feed_name[m]);
		is_int(c.st.frames, s.nframes, "ogg, %s: page count", feed_name[m]);
		cutter_free(&c);
	}

	/* Fed whole: exactly headers, audio, headers, audio. */
	cutter_init(&c, &format_ogg);
	feed_stream(&c, &s, FEED_WHOLE);
	is_int(c.nu, 4, "ogg whole: four units");
	if (c.nu == 4) {
		is_int(c.u[0].flags, BLOCK_CHAIN | BLOCK_SYNC | BLOCK_HEADER, "unit 1: chain headers");
		is_int(c.u[0].len, 27 + 1 + 30 + 27 + 3 + 600 + 27 + 12 + 3000,
		    "unit 1: the BOS and both header pages");
		is_int(c.u[1].flags, BLOCK_SYNC, "unit 2: audio");
		is_int(c.u[2].flags, BLOCK_CHAIN | BLOCK_SYNC | BLOCK_HEADER,
		    "unit 3: second chain's headers");
		is_int(c.u[2].off, chain2, "unit 3 starts at the second BOS");
		is_int(c.u[3].flags, BLOCK_SYNC, "unit 4: audio");
	}
	cutter_free(&c);

	/* Header pages arriving one read at a time are HEADER without CHAIN. */
	cutter_init(&c, &format_ogg);
	cutter_feed(&c, s.data, 27 + 1 + 30);
	cutter_feed(&c, s.data + 58, 27 + 3 + 600);
	is_int(c.nu, 2, "BOS then a header page in separate reads: two units");
	if (c.nu == 2) {
		is_int(c.u[0].flags, BLOCK_CHAIN | BLOCK_SYNC | BLOCK_HEADER, "the BOS page alone");
		is_int(c.u[1].flags, BLOCK_SYNC | BLOCK_HEADER, "the next header page: HEADER only");
	}
	cutter_feed(&c, s.data + 688, 10);
	is_int(c.nu, 2, "a partial page is held back");
	cutter_free(&c);
	stream_free(&s);

	/* A chain with no audio: its headers, then straight to a new chain. */
	add_chain(&s, 0x3333, 1, 0);
	chain2 = s.len;
	add_chain(&s, 0x4444, 2, 4);
	for (m = FEED_WHOLE; m <= FEED_LARGE; m++) {
		cutter_init(&c, &format_ogg);
		feed_stream(&c, &s, m);
		ok(c.outlen == s.len && units_tile(&c, &s),
		    "chain without audio, %s: units concatenate to the input", feed_name[m]);
		bad = ogg_bad_unit(&c, &s);
		is_int(bad, -1, "chain without audio, %s: the next BOS opens a new unit",
		    feed_name[m]);
		if (bad >= 0)
			dump_units(&c);
		cutter_free(&c);
	}
	cutter_init(&c, &format_ogg);
	feed_stream(&c, &s, FEED_WHOLE);
	ok(c.nu == 3 && c.u[1].off == chain2 &&
	    c.u[1].flags == (BLOCK_CHAIN | BLOCK_SYNC | BLOCK_HEADER),
	    "chain without audio, whole: headers, headers, audio");
	cutter_free(&c);
	stream_free(&s);

	/* Multiplexed streams: consecutive BOS pages belong to one chain. */
	add_page(&s, 0x02, 0, 0xA, 0, 40, K_HEADER, 1);
	add_page(&s, 0x02, 0, 0xB, 0, 50, K_HEADER, 1);
	s.bos[s.last_start] = 2;
	add_page(&s, 0x00, 0, 0xA, 1, 700, K_HEADER, 1);
	add_page(&s, 0x00, 0, 0xB, 1, 800, K_HEADER, 1);
	for (i = 0; i < 6; i++)
		add_page(&s, 0x00, 960 * (int64_t)(i + 1), (i & 1) ? 0xB : 0xA,
		    (uint32_t)(2 + i / 2), 1000, K_AUDIO, 1);
	for (m = FEED_WHOLE; m <= FEED_LARGE; m++) {
		cutter_init(&c, &format_ogg);
		feed_stream(&c, &s, m);
		ok(c.outlen == s.len && units_tile(&c, &s) && ogg_bad_unit(&c, &s) < 0,
		    "multiplexed BOS pages, %s: flagged right", feed_name[m]);
		cutter_free(&c);
	}
	cutter_init(&c, &format_ogg);
	feed_stream(&c, &s, FEED_WHOLE);
	ok(c.nu == 2 && c.u[0].flags == (BLOCK_CHAIN | BLOCK_SYNC | BLOCK_HEADER) &&
	    c.u[1].flags == BLOCK_SYNC,
	    "multiplexed BOS pages, whole: one header unit with both BOS pages, then audio");
	cutter_free(&c);
	stream_free(&s);

	/* Garbage before the first page, and between chains. */
	add_garbage(&s, 100, 0);
	s.data[50] = 'O';	/* not followed by "ggS" */
	add_chain(&s, 1, 1, 3);
	add_garbage(&s, 40, 0);
	add_chain(&s, 2, 2, 3);
	for (m = FEED_WHOLE; m <= FEED_LARGE; m++) {
		cutter_init(&c, &format_ogg);
		feed_stream(&c, &s, m);
		is_int(c.outlen, s.len, "ogg with garbage, %s: every byte came out", feed_name[m]);
		ok(units_tile(&c, &s), "ogg with garbage, %s: units concatenate to the input",
		    feed_name[m]);
		bad = ogg_bad_unit(&c, &s);
		is_int(bad, -1, "ogg with garbage, %s: garbage is flag 0, pages flagged right",
		    feed_name[m]);
		if (bad >= 0)
			dump_units(&c);
		cutter_free(&c);
	}
	stream_free(&s);
}

/* ---- format_cut() itself ---- */

/* A handler that never finds framing, to reach the pass-through rule. */
static size_t
never_take(struct format_state *st, const uint8_t *p, size_t n, uint32_t *flags)
{
	*flags = BLOCK_SYNC;	/* format_cut must not keep this */
	return 0;
}

static const struct format_ops format_never = {
	.name = "never",
	.max_unit = 100,
	.take = never_take,
};

/* Feed s in two reads split at every offset; each way, the units must
 * tile the stream and pass check. Returns the first failing split, or 0. */
static size_t
split_everywhere(const struct format_ops *ops, const struct stream *s,
    long (*check)(const struct cutter *, const struct stream *))
{
	struct cutter c;
	size_t k;
	int pass;

	for (k = 1; k < s->len; k++) {
		cutter_init(&c, ops);
		cutter_feed(&c, s->data, k);
		cutter_feed(&c, s->data + k, s->len - k);
		pass = c.outlen == s->len && units_tile(&c, s) && check(&c, s) < 0 &&
		    c.st.frames == s->nframes;
		cutter_free(&c);
		if (!pass)
			return k;
	}
	return 0;
}

/* Edge cases of the cutting step, one call at a time. */
static void
test_cut_edges(void)
{
	static const struct format_ops *const all[] = {
		&format_mp3, &format_aac, &format_ogg, &format_generic, &format_never,
	};
	struct format_state st;
	struct stream s = { 0 };
	uint8_t buf[200];
	uint32_t flags;
	size_t i, n, f1, f2, bad;

	for (i = 0; i < FLOE_NELEM(all); i++) {
		format_state_init(&st, all[i]);
		flags = 99;
		n = format_cut(&st, buf, 0, &flags);
		ok(n == 0 && flags == 0, "%s: no pending bytes, nothing to cut", all[i]->name);
	}

	/* The pass-through rule. */
	memset(buf, 'x', sizeof buf);
	format_state_init(&st, &format_never);
	n = format_cut(&st, buf, 99, &flags);
	ok(n == 0 && flags == 0, "no framing in fewer than max_unit bytes: wait for more");
	n = format_cut(&st, buf, 100, &flags);
	ok(n == 100 && flags == 0, "no framing in max_unit bytes: one unframed unit of them all");
	n = format_cut(&st, buf, 150, &flags);
	ok(n == 150 && flags == 0, "more than max_unit: all of it, unframed");

	/* MP3: two whole frames and a partial third. */
	add_mp3_frame(&s);
	add_mp3_frame(&s);
	f2 = s.len;
	add_mp3_frame(&s);
	format_state_init(&st, &format_mp3);
	n = format_cut(&st, s.data, s.len - 1, &flags);
	ok(n == f2 && flags == BLOCK_SYNC, "mp3: the whole frames, as one sync unit");
	n = format_cut(&st, s.data + f2, s.len - 1 - f2, &flags);
	ok(n == 0 && flags == 0, "mp3: a partial frame is held back");
	n = format_cut(&st, s.data + f2, s.len - f2, &flags);
	ok(n == s.len - f2 && flags == BLOCK_SYNC, "mp3: completed, it comes out whole");
	format_state_init(&st, &format_mp3);
	n = format_cut(&st, s.data, 3, &flags);
	ok(n == 0, "mp3: three bytes of a header: wait");
	stream_free(&s);

	/* A lone frame header after garbage is not trusted until the next. */
	add_garbage(&s, 50, 0);
	f1 = s.len;
	add_mp3_frame(&s);
	f2 = s.len;
	add_mp3_frame(&s);
	format_state_init(&st, &format_mp3);
	n = format_cut(&st, s.data, f2, &flags);
	ok(n == f1 && flags == 0, "mp3: garbage passes through as a non-sync unit");
	n = format_cut(&st, s.data + f1, f2 - f1, &flags);
	ok(n == 0, "mp3: a frame with no header after it is not yet a frame");
	n = format_cut(&st, s.data + f1, f2 - f1 + 4, &flags);
	ok(n == f2 - f1 && flags == BLOCK_SYNC, "mp3: confirmed by the next header, it is");
	stream_free(&s);

	/* ID3: a tag split in its header and in its body. */
	add_id3(&s, 300, 0);
	add_mp3_frame(&s);
	add_mp3_frame(&s);
	format_state_init(&st, &format_mp3);
	n = format_cut(&st, s.data, 2, &flags);
	ok(n == 0, "ID3: \"ID\" might be a tag: wait");
	n = format_cut(&st, s.data, 9, &flags);
	ok(n == 0, "ID3: a tag header missing a byte: wait");
	n = format_cut(&st, s.data, 100, &flags);
	ok(n == 100 && flags == 0, "ID3: the first part of a tag passes, unframed");
	n = format_cut(&st, s.data + 100, 5, &flags);
	ok(n == 5 && flags == 0, "ID3: so does the next part");
	n = format_cut(&st, s.data + 105, s.len - 105, &flags);
	ok(n == 310 - 105 && flags == 0, "ID3: the rest of the tag, and not a byte more");
	n = format_cut(&st, s.data + 310, s.len - 310, &flags);
	ok(n == s.len - 310 && flags == BLOCK_SYNC, "ID3: the frames after it are a sync unit");
	stream_free(&s);

	/* ADTS: a header split, and a frame held back. */
	add_adts_frame(&s);
	f1 = s.len;
	add_adts_frame(&s);
	f2 = s.len;
	add_adts_frame(&s);
	format_state_init(&st, &format_aac);
	n = format_cut(&st, s.data, 6, &flags);
	ok(n == 0, "ADTS: six bytes of a seven-byte header: wait");
	n = format_cut(&st, s.data, f1 + 6, &flags);
	ok(n == 0, "ADTS: a frame whose successor's header is cut: wait");
	n = format_cut(&st, s.data, f1 + 7, &flags);
	ok(n == f1 && flags == BLOCK_SYNC, "ADTS: confirmed by the next header");
	n = format_cut(&st, s.data + f1, s.len - f1 - 1, &flags);
	ok(n == f2 - f1 && flags == BLOCK_SYNC, "ADTS: in sync, whole frames only");
	n = format_cut(&st, s.data + f2, s.len - f2 - 1, &flags);
	ok(n == 0, "ADTS: the partial last frame is held back");
	stream_free(&s);

	/* Split at every offset: the cut never depends on where reads end. */
	add_id3(&s, 40, 0);
	for (i = 0; i < 3; i++)
		add_mp3_frame(&s);
	add_garbage(&s, 30, 0);
	for (i = 0; i < 3; i++)
		add_mp3_frame(&s);
	bad = split_everywhere(&format_mp3, &s, mpeg_bad_unit);
	ok(bad == 0, "mp3 with ID3 and garbage, split anywhere: cut right (failed at %zu)", bad);
	stream_free(&s);

	add_id3(&s, 20, 1);
	for (i = 0; i < 3; i++)
		add_adts_frame(&s);
	add_garbage(&s, 25, 0);
	for (i = 0; i < 3; i++)
		add_adts_frame(&s);
	bad = split_everywhere(&format_aac, &s, mpeg_bad_unit);
	ok(bad == 0, "ADTS with ID3 and garbage, split anywhere: cut right (failed at %zu)", bad);
	stream_free(&s);

	add_garbage(&s, 20, 0);
	add_page(&s, 0x02, 0, 1, 0, 30, K_HEADER, 1);
	add_page(&s, 0x00, -1, 1, 1, 300, K_HEADER, 1);
	add_page(&s, 0x00, 0, 1, 2, 100, K_HEADER, 1);
	for (i = 0; i < 3; i++)
		add_page(&s, 0x00, 960 * (int64_t)(i + 1), 1, (uint32_t)(3 + i), 200, K_AUDIO, 1);
	add_page(&s, 0x02, 0, 2, 0, 30, K_HEADER, 2);
	add_page(&s, 0x00, 0, 2, 1, 100, K_HEADER, 2);
	add_page(&s, 0x00, 960, 2, 2, 260, K_AUDIO, 2);
	bad = split_everywhere(&format_ogg, &s, ogg_bad_unit);
	ok(bad == 0, "Ogg chains, split anywhere: whole pages, flagged right (failed at %zu)", bad);
	stream_free(&s);
}

/* format_for_type and block_is_start. */
static void
test_types_and_start(void)
{
	static const struct {
		const char *ct;
		const struct format_ops *ops;
	} t[] = {
		{ "audio/mpeg", &format_mp3 },
		{ "AUDIO/MPEG", &format_mp3 },
		{ "audio/mpeg; charset=x", &format_mp3 },
		{ "audio/mpeg ;x", &format_mp3 },
		{ "audio/mp3", &format_mp3 },
		{ "audio/aac", &format_aac },
		{ "audio/aacp", &format_aac },
		{ "application/ogg", &format_ogg },
		{ "audio/ogg", &format_ogg },
		{ "audio/opus", &format_ogg },
		{ "audio/mpegx", &format_generic },
		{ "audio/mpe", &format_generic },
		{ "video/mp4", &format_generic },
		{ "", &format_generic },
		{ NULL, &format_mp3 },
	};
	struct block b;
	size_t i;

	for (i = 0; i < FLOE_NELEM(t); i++)
		ok(format_for_type(t[i].ct) == t[i].ops, "'%s' -> %s",
		    t[i].ct ? t[i].ct : "(null)", t[i].ops->name);
	ok(format_mp3.icy && format_aac.icy && !format_ogg.icy,
	    "ICY metadata for MP3 and AAC, never in Ogg");
	ok(format_mp3.max_unit >= 2881 && format_aac.max_unit >= 8191 &&
	    format_ogg.max_unit >= 27 + 255 + 255 * 255,
	    "max_unit fits the longest frame/page of each format");

	memset(&b, 0, sizeof b);
	b.flags = 0;
	is_int(block_is_start(&b), 0, "flags 0: not a start");
	b.flags = BLOCK_SYNC;
	is_int(block_is_start(&b), 1, "SYNC: a start");
	b.flags = BLOCK_HEADER;
	is_int(block_is_start(&b), 0, "HEADER: not a start");
	b.flags = BLOCK_SYNC | BLOCK_HEADER;
	is_int(block_is_start(&b), 0, "SYNC|HEADER (mid-chain headers): not a start");
	b.flags = BLOCK_CHAIN | BLOCK_SYNC | BLOCK_HEADER;
	is_int(block_is_start(&b), 1, "CHAIN|SYNC|HEADER: a start");
}

/* One Ogg page whose body is body[0..n) (n < 255 * 255). */
static size_t
one_page(uint8_t *out, const uint8_t *body, size_t n)
{
	size_t nseg = n / 255 + 1, i;

	memset(out, 0, 27);
	memcpy(out, "OggS", 4);
	out[26] = (uint8_t)nseg;
	for (i = 0; i < nseg - 1; i++)
		out[27 + i] = 255;
	out[27 + nseg - 1] = (uint8_t)(n % 255);
	memcpy(out + 27 + nseg, body, n);
	return 27 + nseg + n;
}

/* A comment packet: sig, vendor, then the comments. */
static size_t
comment_packet(uint8_t *p, const char *sig, const char *const *c, size_t nc)
{
	size_t len = strlen(sig), i, k;

	memcpy(p, sig, len);
	memcpy(p + len, "\x03\0\0\0abc", 7);
	len += 7;
	p[len++] = (uint8_t)nc; p[len++] = 0; p[len++] = 0; p[len++] = 0;
	for (i = 0; i < nc; i++) {
		k = strlen(c[i]);
		p[len++] = (uint8_t)k; p[len++] = 0; p[len++] = 0; p[len++] = 0;
		memcpy(p + len, c[i], k);
		len += k;
	}
	return len;
}

/* FLAC in Ogg: the first header packet (STREAMINFO), then a PADDING block
 * and the VORBIS_COMMENT block, each with its 4-byte block header. */
static void
test_flac_comments(const char *const *cs)
{
	uint8_t pkt[1024], page[2048];
	size_t n = 0, c, cut;
	char *t, *a;
	int clean = 1;

	memcpy(pkt, "\x7f" "FLAC\x01\x00\x00\x02" "fLaC\x00\x00\x00\x22", 17);
	memset(pkt + 17, 0, 34);
	n = 51;
	memcpy(pkt + n, "\x01\x00\x00\x03\x00\x00\x00", 7);	/* 3 bytes of padding */
	n += 7;
	c = comment_packet(pkt + n + 4, "", cs, 3);
	pkt[n] = 0x84;					/* VORBIS_COMMENT, the last block */
	pkt[n + 1] = 0;
	pkt[n + 2] = (uint8_t)(c >> 8);
	pkt[n + 3] = (uint8_t)c;
	n += 4 + c;
	ogg_comments(page, one_page(page, pkt, n), &t, &a);
	ok(t != NULL && a != NULL && strcmp(t, "So What") == 0 && strcmp(a, "Miles Davis") == 0,
	    "FLAC in Ogg: title and artist from the VORBIS_COMMENT block");
	free(t); free(a);
	for (cut = 0; cut < n; cut++) {
		ogg_comments(page, one_page(page, pkt, cut), &t, &a);
		clean = clean && (t == NULL || strcmp(t, "So What") == 0);
		free(t); free(a);
	}
	ok(clean, "FLAC: truncated headers give nothing or the right value");
	pkt[51] = 0x81;		/* the padding says it is the last block */
	ogg_comments(page, one_page(page, pkt, n), &t, &a);
	ok(t == NULL && a == NULL, "FLAC: no comment block after the last block");
	free(t); free(a);
}

/* TITLE and ARTIST from Vorbis and Opus comments; hostile lengths. */
static void
test_ogg_comments(void)
{
	static const char *const cs[] = { "ENCODER=x", "title=So What", "ARTIST=Miles Davis" };
	uint8_t pkt[1024], page[2048];
	char *t, *a;
	size_t n, plen, cut;
	int clean = 1;

	n = comment_packet(pkt, "\x03vorbis", cs, 3);
	plen = one_page(page, pkt, n);
	ogg_comments(page, plen, &t, &a);
	ok(t != NULL && a != NULL && strcmp(t, "So What") == 0 && strcmp(a, "Miles Davis") == 0,
	    "vorbis comments: title (any case) and artist");
	free(t); free(a);
	n = comment_packet(pkt, "OpusTags", cs + 1, 1);
	plen = one_page(page, pkt, n);
	ogg_comments(page, plen, &t, &a);
	ok(t != NULL && a == NULL && strcmp(t, "So What") == 0, "opus tags: title, no artist");
	free(t); free(a);
	/* every truncation of the packet (the page says so): no read past it */
	n = comment_packet(pkt, "\x03vorbis", cs, 3);
	for (cut = 0; cut < n; cut++) {
		plen = one_page(page, pkt, cut);
		ogg_comments(page, plen, &t, &a);
		clean = clean && (t == NULL || strcmp(t, "So What") == 0);
		free(t); free(a);
	}
	ok(clean, "truncated packets: nothing or the right value, never garbage");
	/* a comment count and a length far past the end */
	n = comment_packet(pkt, "\x03vorbis", cs, 3);
	pkt[18] = 0xff; pkt[19] = 0xff; pkt[20] = 0xff; pkt[21] = 0x7f;	/* the first one's length */
	plen = one_page(page, pkt, n);
	ogg_comments(page, plen, &t, &a);
	ok(t == NULL && a == NULL, "a comment longer than the packet: nothing");
	free(t); free(a);
	ogg_comments((const uint8_t *)"OggS", 4, &t, &a);
	ok(t == NULL && a == NULL, "a cut page: nothing");
	test_flac_comments(cs);
}

int
main(void)
{
	tap_rng_state = 0x9e3779b9;
	test_mp3_frame_len();
	test_adts_frame_len();
	test_mp3_take();
	test_aac_take();
	test_ogg_page_len();
	test_ogg_take();
	test_cut_edges();
	test_types_and_start();
	test_ogg_comments();
	return tap_done();
}
