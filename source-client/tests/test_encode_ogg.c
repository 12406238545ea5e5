/*
 * test_encode_ogg.c: the Ogg encoders (Vorbis, Opus, FLAC) make one chained
 * logical stream per track: each chain starts with a BOS page and its
 * header pages (granule position 0), carries the track's TITLE and ARTIST
 * in its comments, has granule positions that never go back, ends with an
 * EOS page whose granule position is exactly the audio that went in (Opus:
 * plus its pre-skip), and the next has a new serial number. Pages are read
 * back with libogg, which checks every page's CRC.
 */
#include "../../tests/unit/tap.h"
#include "../encode_ogg.c"
#include "../encode.h"

#include <math.h>
#include <stdlib.h>

#define MAX_CHAINS 8

struct chain {
	uint32_t	 serial;
	int		 bos_first;	/* its first page is a BOS page */
	int		 eos;		/* its last page is an EOS page (and only that one) */
	int		 headers_at_0;	/* every page before the first audio granule is 0 */
	int		 monotonic;	/* granule positions never go back */
	int64_t		 last_granule;
	int		 pages;
	char		 comments[2048];	/* the header packets, joined */
	size_t		 clen;
	int		 npackets;
};

/* Read the chains of an Ogg stream; -1 on a bad page (CRC or framing). */
static int
read_chains(const struct sbuf *sb, struct chain *ch, int max)
{
	ogg_sync_state oy;
	ogg_stream_state os;
	ogg_page og;
	ogg_packet op;
	int n = 0, rc, open = 0, bad = 0, audio = 0;
	char *buf;

	ogg_sync_init(&oy);
	buf = ogg_sync_buffer(&oy, (long)sb->len);
	memcpy(buf, sb->data, sb->len);
	ogg_sync_wrote(&oy, (long)sb->len);
	while ((rc = ogg_sync_pageout(&oy, &og)) != 0) {
		struct chain *c;
		int64_t g;

		if (rc < 0) {
			bad = 1;
			continue;
		}
		if (ogg_page_bos(&og) || !open) {
			if (n == max)
				break;
			c = &ch[n++];
			memset(c, 0, sizeof *c);
			c->serial = (uint32_t)ogg_page_serialno(&og);
			c->bos_first = ogg_page_bos(&og);
			c->headers_at_0 = c->monotonic = 1;
			c->last_granule = -1;
			if (open)
				ogg_stream_clear(&os);
			ogg_stream_init(&os, (int)c->serial);
			open = 1;
			audio = 0;
		}
		c = &ch[n - 1];
		if ((uint32_t)ogg_page_serialno(&og) != c->serial)
			bad = 1;
		c->pages++;
		if (c->eos)
			c->eos = -1;	/* a page after the EOS page */
		if (ogg_page_eos(&og) && c->eos == 0)
			c->eos = 1;
		g = ogg_page_granulepos(&og);
		if (g > 0)
			audio = 1;
		if (!audio && g != 0 && g != -1)
			c->headers_at_0 = 0;
		if (g != -1) {
			if (g < c->last_granule)
				c->monotonic = 0;
			c->last_granule = g;
		}
		ogg_stream_pagein(&os, &og);
		while (ogg_stream_packetout(&os, &op) == 1) {
			if (c->npackets++ < 3 && c->clen + (size_t)op.bytes < sizeof c->comments) {
				memcpy(c->comments + c->clen, op.packet, (size_t)op.bytes);
				c->clen += (size_t)op.bytes;
			}
		}
	}
	if (open)
		ogg_stream_clear(&os);
	ogg_sync_clear(&oy);
	return bad ? -1 : n;
}

/* Does the chain's header carry this comment? */
static int
has_comment(const struct chain *c, const char *kv)
{
	return memmem(c->comments, c->clen, kv, strlen(kv)) != NULL;
}

/* n frames of a stereo tone into pcm. */
static void
tone(float *pcm, size_t n, int rate, double freq)
{
	size_t i;

	for (i = 0; i < n; i++)
		pcm[2 * i] = pcm[2 * i + 1] = 0.3f * (float)sin(2 * M_PI * freq * (double)i / rate);
}

/* Feed n frames in uneven pieces, as the pacer does. */
static int
feed(struct encoder *e, const float *pcm, size_t n, struct sbuf *out)
{
	size_t done = 0, step = 0;

	while (done < n) {
		size_t k = FLOE_MIN(n - done, (size_t)(700 + 313 * (step++ % 5)));

		if (encode_pcm(e, pcm + 2 * done, k, out) != 0)
			return -1;
		done += k;
	}
	return 0;
}

/* Two tracks through one encoder: two chains, as described at the top. */
static void
two_tracks(enum encode_format f, int rate, const char *name)
{
	struct encode_opts o = { f, rate, 2, f == ENCODE_FLAC ? 0 : 96, 0, 4 };
	struct chain ch[MAX_CHAINS];
	struct encoder *e;
	struct sbuf out;
	char err[200];
	float *pcm = xreallocarray(NULL, (size_t)rate * 2, sizeof *pcm);
	int n, i, mult = f == ENCODE_OPUS ? 48000 / rate : 1;
	int64_t skip = 0;

	sbuf_init(&out);
	e = encode_open(&o, err, sizeof err);
	ok(e != NULL, "%s: opens at %d Hz (%s)", name, rate, e != NULL ? "" : err);
	if (e == NULL)
		return;
	is_str(encode_content_type(e), "audio/ogg", "%s: audio/ogg, as icecast2 knows Ogg", name);
	ok(encode_titles_in_stream(e), "%s: titles travel in the stream", name);
	ok(encode_track(e, "Art A - Song A", &out) == 0 && out.len == 0,
	    "%s: a track before any audio writes nothing", name);
	tone(pcm, (size_t)rate, rate, 440);
	ok(feed(e, pcm, (size_t)rate, &out) == 0, "%s: encodes 1 s", name);
	ok(encode_track(e, "Art B - Song B", &out) == 0, "%s: the next track", name);
	tone(pcm, (size_t)rate / 2, rate, 660);
	ok(feed(e, pcm, (size_t)rate / 2, &out) == 0 && encode_flush(e, &out) == 0,
	    "%s: encodes 0.5 s and flushes", name);
	encode_close(e);

	n = read_chains(&out, ch, MAX_CHAINS);
	is_int(n, 2, "%s: two chains, every page's CRC right", name);
	if (n != 2)
		goto out;
	ok(ch[0].serial != ch[1].serial, "%s: each chain has its own serial number", name);
	for (i = 0; i < 2; i++) {
		ok(ch[i].bos_first && ch[i].eos == 1, "%s: chain %d: BOS first, EOS last (%d pages)",
		    name, i + 1, ch[i].pages);
		ok(ch[i].headers_at_0 && ch[i].monotonic,
		    "%s: chain %d: header pages at granule 0, then positions never go back",
		    name, i + 1);
	}
	ok(has_comment(&ch[0], "TITLE=Song A") && has_comment(&ch[0], "ARTIST=Art A") &&
	    !has_comment(&ch[0], "Song B"), "%s: chain 1 comments: TITLE=Song A, ARTIST=Art A",
	    name);
	ok(has_comment(&ch[1], "TITLE=Song B") && has_comment(&ch[1], "ARTIST=Art B"),
	    "%s: chain 2 comments: TITLE=Song B, ARTIST=Art B", name);
	if (f == ENCODE_OPUS && ch[0].clen >= 12)	/* OpusHead's pre-skip */
		skip = (uint8_t)ch[0].comments[10] | (uint8_t)ch[0].comments[11] << 8;
	is_int(ch[0].last_granule, (int64_t)rate * mult + skip,
	    "%s: chain 1 ends at exactly 1 s of audio%s", name, skip ? " after its pre-skip" : "");
	is_int(ch[1].last_granule, (int64_t)rate / 2 * mult + skip,
	    "%s: chain 2 ends at exactly 0.5 s", name);
out:
	free(pcm);
	sbuf_free(&out);
}

/* Run the checks; the exit status says whether all passed. */
int
main(void)
{
	struct encode_opts o = { ENCODE_OPUS, 44100, 2, 96, 0, 4 };
	struct encoder *e;
	struct sbuf out;
	char err[200], *a, *t;
	uint32_t s1, s2;

	encode_ogg_split_title("Miles Davis - So What", &a, &t);
	ok(a && t && strcmp(a, "Miles Davis") == 0 && strcmp(t, "So What") == 0,
	    "\"Artist - Title\" splits at \" - \"");
	free(a); free(t);
	encode_ogg_split_title("A - B - C", &a, &t);
	ok(a && t && strcmp(a, "A") == 0 && strcmp(t, "B - C") == 0, "... at the first one");
	free(a); free(t);
	encode_ogg_split_title("Just a title", &a, &t);
	ok(a == NULL && t && strcmp(t, "Just a title") == 0, "no \" - \": a title, no artist");
	free(a); free(t);
	encode_ogg_split_title("", &a, &t);
	ok(a == NULL && t == NULL, "an empty title: no comments");
	s1 = encode_ogg_serial();
	s2 = encode_ogg_serial();
	ok(s1 != s2, "serial numbers differ from one chain to the next");

	two_tracks(ENCODE_VORBIS, 44100, "vorbis");
	two_tracks(ENCODE_VORBIS, 22050, "vorbis");
	two_tracks(ENCODE_OPUS, 48000, "opus");
	two_tracks(ENCODE_OPUS, 24000, "opus");
	two_tracks(ENCODE_FLAC, 44100, "flac");
	two_tracks(ENCODE_FLAC, 32000, "flac");

	ok(encode_open(&o, err, sizeof err) == NULL && strstr(err, "48000") != NULL,
	    "Opus refuses 44100 Hz, saying what to set (%s)", err);
	o.format = ENCODE_VORBIS;
	o.bitrate = 8;
	ok(encode_open(&o, err, sizeof err) == NULL && strstr(err, "takes") != NULL &&
	    strstr(err, "kbps") != NULL, "Vorbis refuses 8 kbps at 44100 Hz, saying what it "
	    "takes (%s)", err);

	o.format = ENCODE_MP3;
	o.bitrate = 128;
	sbuf_init(&out);
	e = encode_open(&o, err, sizeof err);
	ok(e != NULL && !encode_titles_in_stream(e) && encode_track(e, "X - Y", &out) == 0 &&
	    out.len == 0, "MP3: titles go out of band; a track writes nothing");
	encode_close(e);
	sbuf_free(&out);

	is_int(encode_format_for_name("/live.opus"), ENCODE_OPUS, ".opus: Opus");
	is_int(encode_format_for_name("/live.ogg"), ENCODE_VORBIS, ".ogg: Vorbis");
	is_int(encode_format_for_name("/live.oga"), ENCODE_VORBIS, ".oga: Vorbis");
	is_int(encode_format_for_name("/live.flac"), ENCODE_FLAC, ".flac: FLAC (in Ogg)");
	is_int(encode_format_for_name("/live.aac"), ENCODE_AAC, ".aac: AAC");
	is_int(encode_format_for_name("/live"), ENCODE_MP3, "anything else: MP3");
	is_int(encode_format_parse("OPUS"), ENCODE_OPUS, "format names are case-insensitive");
	is_int(encode_format_parse("ogg"), -1, "\"ogg\" names no codec");
	is_str(encode_format_name(ENCODE_FLAC), "flac", "a format's name");
	return tap_done();
}
