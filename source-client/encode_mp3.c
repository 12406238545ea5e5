/*
 * encode_mp3.c: MP3 with libmp3lame, CBR or VBR. No Xing/LAME header is
 * written: a live stream has no end to describe, and players that meet a
 * Xing frame mid-stream (after a reconnect) may treat it as audio.
 */
#include "encode.h"
#include "../server/util.h"

#include <lame/lame.h>

#include <stdio.h>
#include <stdlib.h>

/* LAME's algorithm quality (-q): 3 is its own default for CBR, near the
 * best at a fraction of the cost of 0-2. */
#define MP3_ALGORITHM_QUALITY 3

/* Frames handed to LAME per call, so the output buffer stays bounded. */
#define MP3_CHUNK_FRAMES 4096

struct mp3_state {
	lame_global_flags	*gf;
	int			 channels;
};

/* Output bytes LAME may produce for n frames, from lame.h's formula. */
static size_t
mp3_bound(size_t n)
{
	return n + n / 4 + 7200;
}

/* Set up LAME. */
static void *
mp3_open(const struct encode_opts *o, char *err, size_t errlen)
{
	struct mp3_state *s;
	lame_global_flags *gf;

	if (o->channels < 1 || o->channels > 2) {
		snprintf(err, errlen, "MP3 carries 1 or 2 channels, not %d", o->channels);
		return NULL;
	}
	if ((gf = lame_init()) == NULL) {
		snprintf(err, errlen, "lame_init failed");
		return NULL;
	}
	lame_set_in_samplerate(gf, o->rate);
	lame_set_out_samplerate(gf, o->rate);
	lame_set_num_channels(gf, o->channels);
	lame_set_mode(gf, o->channels == 1 ? MONO : JOINT_STEREO);
	lame_set_quality(gf, MP3_ALGORITHM_QUALITY);
	lame_set_bWriteVbrTag(gf, 0);
	if (o->vbr) {
		lame_set_VBR(gf, vbr_default);
		lame_set_VBR_quality(gf, (float)o->quality);
	} else {
		lame_set_VBR(gf, vbr_off);
		lame_set_brate(gf, o->bitrate);
	}
	if (lame_init_params(gf) < 0) {
		snprintf(err, errlen, "LAME refuses %d Hz, %d ch, %s %d", o->rate, o->channels,
		    o->vbr ? "VBR quality" : "CBR kbps", o->vbr ? o->quality : o->bitrate);
		lame_close(gf);
		return NULL;
	}
	/* LAME quietly moves to what MPEG allows (12345 Hz becomes 16 kHz; 8 kHz
	 * caps the bitrate at 64 kbps): the stream would not be what
	 * ice-audio-info and the listeners are told. Refused instead. */
	if (lame_get_out_samplerate(gf) != o->rate) {
		snprintf(err, errlen, "MP3 carries 8000, 11025, 12000, 16000, 22050, 24000, 32000, "
		    "44100 or 48000 Hz, not %d (set --samplerate)", o->rate);
		lame_close(gf);
		return NULL;
	}
	if (!o->vbr && lame_get_brate(gf) != o->bitrate) {
		snprintf(err, errlen, "MP3 at %d Hz cannot carry %d kbps (LAME would send %d): set "
		    "--bitrate %d or a higher --samplerate", o->rate, o->bitrate,
		    lame_get_brate(gf), lame_get_brate(gf));
		lame_close(gf);
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->gf = gf;
	s->channels = o->channels;
	return s;
}

/* Encode frames in bounded chunks. */
static int
mp3_encode(void *st, const float *pcm, size_t frames, struct sbuf *out)
{
	struct mp3_state *s = st;

	while (frames > 0) {
		size_t n = FLOE_MIN(frames, (size_t)MP3_CHUNK_FRAMES), cap = mp3_bound(n);
		unsigned char *dst = sbuf_reserve(out, cap);
		int got;

		if (s->channels == 2)
			got = lame_encode_buffer_interleaved_ieee_float(s->gf, pcm, (int)n, dst,
			    (int)cap);
		else
			got = lame_encode_buffer_ieee_float(s->gf, pcm, NULL, (int)n, dst, (int)cap);
		if (got < 0)
			return -1;
		sbuf_commit(out, (size_t)got);
		pcm += n * (size_t)s->channels;
		frames -= n;
	}
	return 0;
}

/* Flush LAME's last frames. */
static int
mp3_flush(void *st, struct sbuf *out)
{
	struct mp3_state *s = st;
	int got = lame_encode_flush(s->gf, sbuf_reserve(out, 7200), 7200);

	if (got < 0)
		return -1;
	sbuf_commit(out, (size_t)got);
	return 0;
}

/* Free LAME. */
static void
mp3_close(void *st)
{
	struct mp3_state *s = st;

	lame_close(s->gf);
	free(s);
}

const struct encode_ops encode_mp3_ops = {
	"mp3", "audio/mpeg", mp3_open, mp3_encode, mp3_flush, mp3_close, NULL,
};
