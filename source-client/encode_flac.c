/*
 * encode_flac.c: FLAC in Ogg with libFLAC's own Ogg encoder, 16-bit, one
 * chained logical stream per track (see encode.h): each chain is a fresh
 * libFLAC encoder with a serial number of its own and a VORBIS_COMMENT
 * block carrying the track's ARTIST and TITLE; finishing it writes the last
 * (shorter) frame as the EOS packet. libFLAC holds one block plus a sample
 * back until it knows whether the block is the last, so a chain that got
 * any audio always ends with that EOS packet.
 *
 * FLAC is lossless: there is no bitrate to set (about 700-1000 kbps for
 * music at 44.1 kHz stereo). Compression level 5, libFLAC's default: the
 * higher levels save a few percent for several times the CPU.
 */
#include "encode.h"
#include "encode_ogg.h"
#include "../server/util.h"

#include <FLAC/metadata.h>
#include <FLAC/stream_encoder.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define FLAC_COMPRESSION 5
#define FLAC_BITS 16
/* Frames converted to integers per libFLAC call. */
#define FLAC_CHUNK_FRAMES 4096

struct flac_state {
	FLAC__StreamEncoder	*enc;		/* the chain in progress, or NULL */
	FLAC__StreamMetadata	*tags;		/* its VORBIS_COMMENT block */
	struct sbuf		*out;		/* where the write callback appends */
	int			 rate, channels;
	char			*title;		/* for the next chain */
	FLAC__int32		 ibuf[FLAC_CHUNK_FRAMES * 2];
};

/* libFLAC's output: whole Ogg pages, header then body. */
static FLAC__StreamEncoderWriteStatus
flac_write(const FLAC__StreamEncoder *enc, const FLAC__byte buffer[], size_t bytes,
    unsigned samples, unsigned current_frame, void *arg)
{
	struct flac_state *s = arg;

	(void)enc;
	(void)samples;
	(void)current_frame;
	sbuf_add(s->out, buffer, bytes);
	return FLAC__STREAM_ENCODER_WRITE_STATUS_OK;
}

/* Make a chain's encoder; NULL with the reason in err. */
static FLAC__StreamEncoder *
flac_new_encoder(struct flac_state *s, FLAC__StreamMetadata *tags, char *err, size_t errlen)
{
	FLAC__StreamEncoder *enc = FLAC__stream_encoder_new();
	FLAC__StreamEncoderInitStatus st;
	FLAC__StreamMetadata *blocks[1] = { tags };

	if (enc == NULL) {
		snprintf(err, errlen, "out of memory for libFLAC");
		return NULL;
	}
	FLAC__stream_encoder_set_channels(enc, (unsigned)s->channels);
	FLAC__stream_encoder_set_bits_per_sample(enc, FLAC_BITS);
	FLAC__stream_encoder_set_sample_rate(enc, (unsigned)s->rate);
	FLAC__stream_encoder_set_compression_level(enc, FLAC_COMPRESSION);
	FLAC__stream_encoder_set_streamable_subset(enc, 1);
	FLAC__stream_encoder_set_ogg_serial_number(enc, (long)encode_ogg_serial());
	if (tags != NULL)
		FLAC__stream_encoder_set_metadata(enc, blocks, 1);
	st = FLAC__stream_encoder_init_ogg_stream(enc, NULL, flac_write, NULL, NULL, NULL, s);
	if (st != FLAC__STREAM_ENCODER_INIT_STATUS_OK) {
		snprintf(err, errlen, "libFLAC refuses %d Hz, %d ch: %s", s->rate, s->channels,
		    st == FLAC__STREAM_ENCODER_INIT_STATUS_ENCODER_ERROR ?
		    FLAC__StreamEncoderStateString[FLAC__stream_encoder_get_state(enc)] :
		    FLAC__StreamEncoderInitStatusString[st]);
		FLAC__stream_encoder_delete(enc);
		return NULL;
	}
	return enc;
}

/* Check that libFLAC takes the settings (with Ogg support) now, so that a
 * bad one stops floe-source at start and in --check-config. */
static void *
flac_open(const struct encode_opts *o, char *err, size_t errlen)
{
	struct flac_state *s;
	FLAC__StreamEncoder *probe;
	struct sbuf scratch;

	if (!FLAC_API_SUPPORTS_OGG_FLAC) {
		snprintf(err, errlen, "this libFLAC was built without Ogg support");
		return NULL;
	}
	if (o->channels < 1 || o->channels > 2) {
		snprintf(err, errlen, "FLAC here carries 1 or 2 channels, not %d", o->channels);
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->rate = o->rate;
	s->channels = o->channels;
	sbuf_init(&scratch);
	s->out = &scratch;
	if ((probe = flac_new_encoder(s, NULL, err, errlen)) == NULL) {
		sbuf_free(&scratch);
		free(s);
		return NULL;
	}
	FLAC__stream_encoder_delete(probe);
	sbuf_free(&scratch);
	s->out = NULL;
	return s;
}

/* Add NAME=value to a VORBIS_COMMENT block. */
static void
flac_comment(FLAC__StreamMetadata *tags, const char *name, const char *value)
{
	FLAC__StreamMetadata_VorbisComment_Entry e;

	if (value != NULL &&
	    FLAC__metadata_object_vorbiscomment_entry_from_name_value_pair(&e, name, value))
		FLAC__metadata_object_vorbiscomment_append_comment(tags, e, 0);
}

/* Begin a chain: libFLAC writes its header pages (STREAMINFO, then the
 * comments) as the encoder starts. */
static int
flac_begin(struct flac_state *s, struct sbuf *out)
{
	char *artist, *title, err[200];

	s->tags = FLAC__metadata_object_new(FLAC__METADATA_TYPE_VORBIS_COMMENT);
	if (s->tags == NULL)
		return -1;
	encode_ogg_split_title(s->title, &artist, &title);
	flac_comment(s->tags, "ARTIST", artist);
	flac_comment(s->tags, "TITLE", title);
	free(artist);
	free(title);
	s->out = out;
	if ((s->enc = flac_new_encoder(s, s->tags, err, sizeof err)) == NULL) {
		FLAC__metadata_object_delete(s->tags);
		s->tags = NULL;
		return -1;
	}
	return 0;
}

/* End the chain in progress: its last frame and the EOS page. */
static int
flac_end(struct flac_state *s, struct sbuf *out)
{
	FLAC__bool ok;

	if (s->enc == NULL)
		return 0;
	s->out = out;
	ok = FLAC__stream_encoder_finish(s->enc);
	FLAC__stream_encoder_delete(s->enc);
	FLAC__metadata_object_delete(s->tags);
	s->enc = NULL;
	s->tags = NULL;
	return ok ? 0 : -1;
}

/* Encode interleaved frames as 16-bit integers (the limiter keeps the mix
 * below full scale; the clamp is a guard). */
static int
flac_encode(void *st, const float *pcm, size_t frames, struct sbuf *out)
{
	struct flac_state *s = st;

	if (frames == 0)
		return 0;
	if (s->enc == NULL && flac_begin(s, out) != 0)
		return -1;
	s->out = out;
	while (frames > 0) {
		size_t n = FLOE_MIN(frames, (size_t)FLAC_CHUNK_FRAMES), i;
		size_t ns = n * (size_t)s->channels;

		for (i = 0; i < ns; i++) {
			long v = lrintf(pcm[i] * 32767.0f);
			s->ibuf[i] = (FLAC__int32)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
		}
		if (!FLAC__stream_encoder_process_interleaved(s->enc, s->ibuf, (unsigned)n))
			return -1;
		pcm += ns;
		frames -= n;
	}
	return 0;
}

/* End of the stream: the chain's last pages. */
static int
flac_flush(void *st, struct sbuf *out)
{
	return flac_end(st, out);
}

/* A new track: end this chain; the next audio opens one with the title. */
static int
flac_track(void *st, const char *title, struct sbuf *out)
{
	struct flac_state *s = st;
	int rc = flac_end(s, out);

	free(s->title);
	s->title = title != NULL ? xstrdup(title) : NULL;
	return rc;
}

/* Free the encoder (a chain in progress is dropped unfinished). */
static void
flac_close(void *st)
{
	struct flac_state *s = st;
	struct sbuf scratch;

	sbuf_init(&scratch);
	s->out = &scratch;	/* deleting finishes it: its last pages go nowhere */
	if (s->enc != NULL)
		FLAC__stream_encoder_delete(s->enc);
	if (s->tags != NULL)
		FLAC__metadata_object_delete(s->tags);
	sbuf_free(&scratch);
	free(s->title);
	free(s);
}

const struct encode_ops encode_flac_ops = {
	"flac", ENCODE_OGG_CONTENT_TYPE, flac_open, flac_encode, flac_flush, flac_close,
	flac_track,
};
