/*
 * encode_opus.c: Ogg Opus with libopus, packed into Ogg here (RFC 7845):
 * one chained logical stream per track (see encode.h), each with its own
 * OpusHead and an OpusTags carrying the track's ARTIST and TITLE.
 *
 * Why libopus and not libopusenc: the reference codec library is all this
 * needs; the RFC 7845 framing is two small header packets and granule
 * arithmetic, which kept here follow floe-source's own chain-per-track
 * rule exactly (libopusenc would add its own resampler and page timing).
 *
 * Granule positions count 48 kHz samples from the chain's start, pre-skip
 * included. A chain's last packets are padded with silence until the
 * encoder's look-ahead has come out, and the EOS page's granule position
 * trims the padding off again, so the decoded chain is exactly the audio
 * that went in.
 */
#include "encode.h"
#include "encode_ogg.h"
#include "../server/util.h"

#include <opus/opus.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 20 ms packets: Opus's usual music frame, and a latency that does not
 * matter for streaming. */
#define OPUS_FRAME_MS 20
/* libopus's recommended packet buffer (RFC 6716 allows 1275 bytes per
 * frame, up to 3 frames, plus framing). */
#define OPUS_MAX_PACKET 4000
/* OpusHead with channel mapping family 0 (mono or stereo). */
#define OPUS_HEAD_LEN 19

struct opus_state {
	OpusEncoder		*enc;
	int			 rate, channels;
	int			 mult;		/* 48000 / rate: granule units per sample */
	int			 frame;		/* samples per channel per packet */
	int			 lookahead;	/* the encoder's delay, at rate */
	char			*title;		/* for the next chain */
	int			 open;		/* a chain is in progress */
	ogg_stream_state	 os;
	int64_t			 packetno;
	uint64_t		 in;		/* samples of real audio in this chain */
	uint64_t		 coded;		/* samples encoded, padding included */
	float			*pend;		/* interleaved input awaiting a whole frame */
	int			 npend;
	unsigned char		 pkt[OPUS_MAX_PACKET];
};

/* A little-endian 16-bit store. */
static void
put_le16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v & 0xFF);
	p[1] = (unsigned char)(v >> 8 & 0xFF);
}

/* A little-endian 32-bit store. */
static void
put_le32(unsigned char *p, uint32_t v)
{
	put_le16(p, v & 0xFFFF);
	put_le16(p + 2, v >> 16);
}

/* A 32-bit length and that many bytes, as Vorbis comments store strings. */
static void
add_lstring(struct sbuf *sb, const char *a, const char *b)
{
	size_t la = strlen(a), lb = b != NULL ? strlen(b) : 0;
	unsigned char len[4];

	put_le32(len, (uint32_t)(la + lb));
	sbuf_add(sb, len, 4);
	sbuf_add(sb, a, la);
	if (lb > 0)
		sbuf_add(sb, b, lb);
}

/* Check the rate and bitrate and make the encoder. */
static void *
opus_enc_open(const struct encode_opts *o, char *err, size_t errlen)
{
	struct opus_state *s;
	int e;

	if (o->rate != 8000 && o->rate != 12000 && o->rate != 16000 && o->rate != 24000 &&
	    o->rate != 48000) {
		snprintf(err, errlen, "Opus takes 8000, 12000, 16000, 24000 or 48000 Hz, not %d "
		    "(set samplerate = 48000, its default)", o->rate);
		return NULL;
	}
	if (o->channels < 1 || o->channels > 2) {
		snprintf(err, errlen, "Opus here carries 1 or 2 channels, not %d", o->channels);
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->rate = o->rate;
	s->channels = o->channels;
	s->mult = 48000 / o->rate;
	s->frame = o->rate / 1000 * OPUS_FRAME_MS;
	s->enc = opus_encoder_create(o->rate, o->channels, OPUS_APPLICATION_AUDIO, &e);
	if (s->enc == NULL) {
		snprintf(err, errlen, "libopus refuses %d Hz, %d ch: %s", o->rate, o->channels,
		    opus_strerror(e));
		free(s);
		return NULL;
	}
	if ((e = opus_encoder_ctl(s->enc, OPUS_SET_BITRATE(o->bitrate * 1000))) != OPUS_OK ||
	    (e = opus_encoder_ctl(s->enc, OPUS_GET_LOOKAHEAD(&s->lookahead))) != OPUS_OK) {
		snprintf(err, errlen, "libopus refuses %d kbps: %s", o->bitrate, opus_strerror(e));
		opus_encoder_destroy(s->enc);
		free(s);
		return NULL;
	}
	s->pend = xreallocarray(NULL, (size_t)s->frame * (size_t)s->channels, sizeof *s->pend);
	return s;
}

/* Begin a chain: OpusHead alone on the first page, OpusTags on the next,
 * audio from a fresh page on (RFC 7845, section 3). */
static void
opus_enc_begin(struct opus_state *s, struct sbuf *out)
{
	unsigned char head[OPUS_HEAD_LEN];
	const char *vendor = opus_get_version_string();
	char *artist, *title;
	unsigned char count[4];
	struct sbuf tags;
	ogg_packet op;

	opus_encoder_ctl(s->enc, OPUS_RESET_STATE);
	ogg_stream_init(&s->os, (int)encode_ogg_serial());
	memcpy(head, "OpusHead", 8);
	head[8] = 1;					/* version */
	head[9] = (unsigned char)s->channels;
	put_le16(head + 10, (unsigned)(s->lookahead * s->mult));	/* pre-skip */
	put_le32(head + 12, (uint32_t)s->rate);		/* the input's rate */
	put_le16(head + 16, 0);				/* output gain */
	head[18] = 0;					/* mapping family 0 */
	memset(&op, 0, sizeof op);
	op.packet = head;
	op.bytes = OPUS_HEAD_LEN;
	op.b_o_s = 1;
	op.packetno = 0;
	ogg_stream_packetin(&s->os, &op);
	encode_ogg_pages(&s->os, 1, out);

	sbuf_init(&tags);
	sbuf_add(&tags, "OpusTags", 8);
	add_lstring(&tags, vendor, NULL);
	encode_ogg_split_title(s->title, &artist, &title);
	put_le32(count, (uint32_t)((artist != NULL) + (title != NULL)));
	sbuf_add(&tags, count, 4);
	if (artist != NULL)
		add_lstring(&tags, "ARTIST=", artist);
	if (title != NULL)
		add_lstring(&tags, "TITLE=", title);
	free(artist);
	free(title);
	memset(&op, 0, sizeof op);
	op.packet = (unsigned char *)tags.data;
	op.bytes = (long)tags.len;
	op.packetno = 1;
	ogg_stream_packetin(&s->os, &op);
	encode_ogg_pages(&s->os, 1, out);
	sbuf_free(&tags);

	s->packetno = 2;
	s->in = s->coded = 0;
	s->npend = 0;
	s->open = 1;
}

/* Encode the frame in pend (padded with silence if short); last: it ends
 * the chain, its granule position trimming the padding. */
static int
opus_enc_packet(struct opus_state *s, int last, struct sbuf *out)
{
	ogg_packet op;
	int n;

	if (s->npend < s->frame)
		memset(s->pend + (size_t)s->npend * (size_t)s->channels, 0,
		    (size_t)(s->frame - s->npend) * (size_t)s->channels * sizeof *s->pend);
	n = opus_encode_float(s->enc, s->pend, s->frame, s->pkt, OPUS_MAX_PACKET);
	s->npend = 0;
	if (n < 0)
		return -1;
	s->coded += (uint64_t)s->frame;
	memset(&op, 0, sizeof op);
	op.packet = s->pkt;
	op.bytes = n;
	op.packetno = s->packetno++;
	op.granulepos = (ogg_int64_t)((last ? s->in + (uint64_t)s->lookahead : s->coded) *
	    (uint64_t)s->mult);
	op.e_o_s = last;
	ogg_stream_packetin(&s->os, &op);
	encode_ogg_pages(&s->os, last, out);
	return 0;
}

/* End the chain in progress: the partial frame, then silence until the
 * encoder's look-ahead is out, the last packet on the EOS page. The
 * previous page's granule position (coded before the last packet) is
 * below the final one, so positions never go backwards. */
static int
opus_enc_end(struct opus_state *s, struct sbuf *out)
{
	uint64_t need;

	if (!s->open)
		return 0;
	need = s->in + (uint64_t)s->lookahead;
	do {
		int last = s->coded + (uint64_t)s->frame >= need;

		if (opus_enc_packet(s, last, out) != 0)
			return -1;
	} while (s->coded < need);
	ogg_stream_clear(&s->os);
	s->open = 0;
	return 0;
}

/* Encode interleaved frames in whole packets, opening a chain first if
 * none is. */
static int
opus_enc_encode(void *st, const float *pcm, size_t frames, struct sbuf *out)
{
	struct opus_state *s = st;

	if (frames == 0)
		return 0;
	if (!s->open)
		opus_enc_begin(s, out);
	s->in += frames;
	while (frames > 0) {
		size_t n = FLOE_MIN(frames, (size_t)(s->frame - s->npend));

		memcpy(s->pend + (size_t)s->npend * (size_t)s->channels, pcm,
		    n * (size_t)s->channels * sizeof *pcm);
		s->npend += (int)n;
		pcm += n * (size_t)s->channels;
		frames -= n;
		if (s->npend == s->frame && opus_enc_packet(s, 0, out) != 0)
			return -1;
	}
	return 0;
}

/* End of the stream: the chain's last pages. */
static int
opus_enc_flush(void *st, struct sbuf *out)
{
	return opus_enc_end(st, out);
}

/* A new track: end this chain; the next audio opens one with the title. */
static int
opus_enc_track(void *st, const char *title, struct sbuf *out)
{
	struct opus_state *s = st;
	int rc = opus_enc_end(s, out);

	free(s->title);
	s->title = title != NULL ? xstrdup(title) : NULL;
	return rc;
}

/* Free the encoder (a chain in progress is dropped unfinished). */
static void
opus_enc_close(void *st)
{
	struct opus_state *s = st;

	if (s->open)
		ogg_stream_clear(&s->os);
	opus_encoder_destroy(s->enc);
	free(s->pend);
	free(s->title);
	free(s);
}

const struct encode_ops encode_opus_ops = {
	"opus", ENCODE_OGG_CONTENT_TYPE, opus_enc_open, opus_enc_encode, opus_enc_flush,
	opus_enc_close, opus_enc_track,
};
