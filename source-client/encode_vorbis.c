/*
 * encode_vorbis.c: Ogg Vorbis with libvorbisenc, one chained logical
 * stream per track (see encode.h): at a track change the chain in progress
 * is drained to its EOS page, and the next audio opens a new one (a new
 * serial number, the three header packets, a comment header carrying the
 * track's ARTIST and TITLE).
 *
 * Bitrate: libvorbisenc's managed setup aimed at --bitrate with hard rate
 * management turned off, as oggenc -b does: the long-run average follows
 * the target while each block gets the bits it needs (no audible starving
 * of hard passages, which a strictly managed stream would suffer).
 */
#include "encode.h"
#include "encode_ogg.h"
#include "../server/util.h"

#include <vorbis/vorbisenc.h>

#include <stdio.h>
#include <stdlib.h>

/* Frames handed to libvorbis per call, so its buffers stay bounded. */
#define VORBIS_CHUNK_FRAMES 4096
/* The bitrates probed to tell a user what a rate and channel count take. */
#define VORBIS_PROBE_MIN_KBPS 8
#define VORBIS_PROBE_MAX_KBPS 500

struct vorbis_state {
	int			 rate, channels, kbps;
	char			*title;		/* for the next chain */
	int			 open;		/* a chain is in progress */
	vorbis_info		 vi;
	vorbis_comment		 vc;
	vorbis_dsp_state	 vd;
	vorbis_block		 vb;
	ogg_stream_state	 os;
};

/* Set up vi for rate, channels and an average of kbps; -1 if libvorbisenc
 * has no mode for that. Only the cheap mode lookup when probing. */
static int
vorbis_enc_setup(vorbis_info *vi, int rate, int channels, int kbps, int probe)
{
	vorbis_info_init(vi);
	if (vorbis_encode_setup_managed(vi, channels, rate, -1, (long)kbps * 1000, -1) != 0 ||
	    vorbis_encode_ctl(vi, OV_ECTL_RATEMANAGE2_SET, NULL) != 0 ||
	    (!probe && vorbis_encode_setup_init(vi) != 0)) {
		vorbis_info_clear(vi);
		return -1;
	}
	if (probe)
		vorbis_info_clear(vi);
	return 0;
}

/* Check the settings now, so that a bad one stops floe-source at start
 * (and --check-config) rather than at the first track. */
static void *
vorbis_enc_open(const struct encode_opts *o, char *err, size_t errlen)
{
	struct vorbis_state *s;
	vorbis_info vi;

	if (o->channels < 1 || o->channels > 2) {
		snprintf(err, errlen, "Vorbis here carries 1 or 2 channels, not %d", o->channels);
		return NULL;
	}
	if (vorbis_enc_setup(&vi, o->rate, o->channels, o->bitrate, 0) != 0) {
		int lo = 0, hi = 0, k;

		for (k = VORBIS_PROBE_MIN_KBPS; k <= VORBIS_PROBE_MAX_KBPS; k++) {
			if (vorbis_enc_setup(&vi, o->rate, o->channels, k, 1) == 0) {
				if (lo == 0)
					lo = k;
				hi = k;
			}
		}
		if (lo == 0)
			snprintf(err, errlen, "Vorbis cannot encode %d Hz, %d ch (set samplerate, "
			    "e.g. 44100)", o->rate, o->channels);
		else
			snprintf(err, errlen, "Vorbis at %d Hz, %d ch takes %d to %d kbps, not %d "
			    "(set bitrate)", o->rate, o->channels, lo, FLOE_MIN(hi, 320), o->bitrate);
		return NULL;
	}
	vorbis_info_clear(&vi);
	s = xcalloc(1, sizeof *s);
	s->rate = o->rate;
	s->channels = o->channels;
	s->kbps = o->bitrate;
	return s;
}

/* Begin a chain: the three header packets, the first alone on its page and
 * the audio starting on a fresh one, as the Vorbis I spec requires. */
static int
vorbis_enc_begin(struct vorbis_state *s, struct sbuf *out)
{
	ogg_packet id, comments, books;
	char *artist, *title;

	if (vorbis_enc_setup(&s->vi, s->rate, s->channels, s->kbps, 0) != 0)
		return -1;
	vorbis_comment_init(&s->vc);
	encode_ogg_split_title(s->title, &artist, &title);
	if (artist != NULL)
		vorbis_comment_add_tag(&s->vc, "ARTIST", artist);
	if (title != NULL)
		vorbis_comment_add_tag(&s->vc, "TITLE", title);
	free(artist);
	free(title);
	vorbis_analysis_init(&s->vd, &s->vi);
	vorbis_block_init(&s->vd, &s->vb);
	ogg_stream_init(&s->os, (int)encode_ogg_serial());
	vorbis_analysis_headerout(&s->vd, &s->vc, &id, &comments, &books);
	ogg_stream_packetin(&s->os, &id);
	encode_ogg_pages(&s->os, 1, out);
	ogg_stream_packetin(&s->os, &comments);
	ogg_stream_packetin(&s->os, &books);
	encode_ogg_pages(&s->os, 1, out);
	s->open = 1;
	return 0;
}

/* Run the analysis on what libvorbis has buffered and page the packets. */
static void
vorbis_enc_drain(struct vorbis_state *s, int flush, struct sbuf *out)
{
	ogg_packet op;

	while (vorbis_analysis_blockout(&s->vd, &s->vb) == 1) {
		vorbis_analysis(&s->vb, NULL);
		vorbis_bitrate_addblock(&s->vb);
		while (vorbis_bitrate_flushpacket(&s->vd, &op) == 1)
			ogg_stream_packetin(&s->os, &op);
	}
	encode_ogg_pages(&s->os, flush, out);
}

/* Free a chain's state. */
static void
vorbis_enc_clear(struct vorbis_state *s)
{
	if (!s->open)
		return;
	ogg_stream_clear(&s->os);
	vorbis_block_clear(&s->vb);
	vorbis_dsp_clear(&s->vd);
	vorbis_comment_clear(&s->vc);
	vorbis_info_clear(&s->vi);
	s->open = 0;
}

/* End the chain in progress: the rest of its audio, then the EOS page
 * (libvorbis marks the last packet end-of-stream). */
static int
vorbis_enc_end(struct vorbis_state *s, struct sbuf *out)
{
	if (!s->open)
		return 0;
	vorbis_analysis_wrote(&s->vd, 0);
	vorbis_enc_drain(s, 1, out);
	vorbis_enc_clear(s);
	return 0;
}

/* Encode interleaved frames, opening a chain first if none is. */
static int
vorbis_enc_encode(void *st, const float *pcm, size_t frames, struct sbuf *out)
{
	struct vorbis_state *s = st;

	if (frames == 0)
		return 0;
	if (!s->open && vorbis_enc_begin(s, out) != 0)
		return -1;
	while (frames > 0) {
		size_t n = FLOE_MIN(frames, (size_t)VORBIS_CHUNK_FRAMES), i;
		float **buf = vorbis_analysis_buffer(&s->vd, (int)n);
		int c;

		for (i = 0; i < n; i++)
			for (c = 0; c < s->channels; c++)
				buf[c][i] = pcm[i * (size_t)s->channels + (size_t)c];
		vorbis_analysis_wrote(&s->vd, (int)n);
		vorbis_enc_drain(s, 0, out);
		pcm += n * (size_t)s->channels;
		frames -= n;
	}
	return 0;
}

/* End of the stream: the chain's last pages. */
static int
vorbis_enc_flush(void *st, struct sbuf *out)
{
	return vorbis_enc_end(st, out);
}

/* A new track: end this chain; the next audio opens one with the title. */
static int
vorbis_enc_track(void *st, const char *title, struct sbuf *out)
{
	struct vorbis_state *s = st;
	int rc = vorbis_enc_end(s, out);

	free(s->title);
	s->title = title != NULL ? xstrdup(title) : NULL;
	return rc;
}

/* Free the encoder (a chain in progress is dropped unfinished). */
static void
vorbis_enc_close(void *st)
{
	struct vorbis_state *s = st;

	vorbis_enc_clear(s);
	free(s->title);
	free(s);
}

const struct encode_ops encode_vorbis_ops = {
	"vorbis", ENCODE_OGG_CONTENT_TYPE, vorbis_enc_open, vorbis_enc_encode, vorbis_enc_flush,
	vorbis_enc_close, vorbis_enc_track,
};
