/*
 * encode_aac.c: AAC-LC with libavcodec's native "aac" encoder, framed as
 * ADTS. Each packet gets a 7-byte ADTS header built from the encoder's
 * AudioSpecificConfig (object type, sampling-frequency index, channel
 * configuration), which is what Icecast listeners expect for audio/aac.
 */
#include "encode.h"
#include "../server/util.h"

#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ADTS header size without CRC (protection_absent = 1). */
#define ADTS_HEADER_LEN 7
/* An ADTS frame length is a 13-bit field. */
#define ADTS_MAX_FRAME 8191
/* The MPEG-4 object type of AAC Low Complexity. */
#define AAC_OBJECT_LC 2

/* Sampling frequency index table of ISO/IEC 14496-3. */
static const int aac_rates[] = {
	96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
};

struct aac_state {
	AVCodecContext	*ctx;
	AVFrame		*frame;
	AVPacket	*pkt;
	int		 channels;
	int		 object;	/* from the AudioSpecificConfig */
	int		 sr_index;
	int		 ch_config;
	float		*pend;		/* planar input waiting for a whole frame */
	size_t		 npend;		/* frames in pend */
	size_t		 frame_size;
	int64_t		 pts;
};

/* Write a 7-byte ADTS header for a payload of n bytes (n + 7 <= 8191). */
static void
adts_header(uint8_t h[ADTS_HEADER_LEN], int object, int sr_index, int ch_config, size_t n)
{
	size_t len = n + ADTS_HEADER_LEN;

	h[0] = 0xFF;
	h[1] = 0xF1;		/* sync, MPEG-4, layer 0, no CRC */
	h[2] = (uint8_t)(((object - 1) & 3) << 6 | (sr_index & 15) << 2 | (ch_config >> 2 & 1));
	h[3] = (uint8_t)((ch_config & 3) << 6 | (len >> 11 & 3));
	h[4] = (uint8_t)(len >> 3 & 0xFF);
	h[5] = (uint8_t)((len & 7) << 5 | 0x1F);	/* buffer fullness 0x7FF: VBR */
	h[6] = 0xFC;		/* fullness low bits, one raw data block */
}

/* Index of rate in the ADTS table, or -1. */
static int
aac_rate_index(int rate)
{
	size_t i;

	for (i = 0; i < FLOE_NELEM(aac_rates); i++)
		if (aac_rates[i] == rate)
			return (int)i;
	return -1;
}

/* Object type, rate index and channel configuration from an
 * AudioSpecificConfig; -1 if it uses escapes ADTS cannot express. */
static int
parse_asc(const uint8_t *asc, size_t n, int *object, int *sr_index, int *ch_config)
{
	if (n < 2)
		return -1;
	*object = asc[0] >> 3;
	*sr_index = (asc[0] & 7) << 1 | asc[1] >> 7;
	*ch_config = asc[1] >> 3 & 15;
	if (*object < 1 || *object > 4 || *sr_index > 12 || *ch_config > 7)
		return -1;
	return 0;
}

/* Set up the encoder. */
static void *
aac_open(const struct encode_opts *o, char *err, size_t errlen)
{
	const AVCodec *codec = avcodec_find_encoder_by_name("aac");
	struct aac_state *s;
	AVCodecContext *ctx;
	int rc;

	if (codec == NULL) {
		snprintf(err, errlen, "libavcodec has no native \"aac\" encoder");
		return NULL;
	}
	if (aac_rate_index(o->rate) < 0 || o->channels < 1 || o->channels > 2) {
		snprintf(err, errlen, "AAC here takes 1 or 2 channels at a standard rate, not "
		    "%d Hz, %d ch", o->rate, o->channels);
		return NULL;
	}
	if ((ctx = avcodec_alloc_context3(codec)) == NULL)
		abort();
	ctx->sample_fmt = AV_SAMPLE_FMT_FLTP;
	ctx->sample_rate = o->rate;
	av_channel_layout_default(&ctx->ch_layout, o->channels);
	ctx->bit_rate = (int64_t)o->bitrate * 1000;
	ctx->profile = FF_PROFILE_AAC_LOW;
	ctx->time_base = (AVRational){ 1, o->rate };
	if ((rc = avcodec_open2(ctx, codec, NULL)) < 0) {
		char msg[AV_ERROR_MAX_STRING_SIZE];
		av_strerror(rc, msg, sizeof msg);
		snprintf(err, errlen, "cannot open the AAC encoder: %s", msg);
		avcodec_free_context(&ctx);
		return NULL;
	}
	s = xcalloc(1, sizeof *s);
	s->ctx = ctx;
	s->channels = o->channels;
	s->frame_size = ctx->frame_size > 0 ? (size_t)ctx->frame_size : 1024;
	if (parse_asc(ctx->extradata, (size_t)ctx->extradata_size, &s->object, &s->sr_index,
	    &s->ch_config) != 0) {
		s->object = AAC_OBJECT_LC;
		s->sr_index = aac_rate_index(o->rate);
		s->ch_config = o->channels;
	}
	if ((s->frame = av_frame_alloc()) == NULL || (s->pkt = av_packet_alloc()) == NULL)
		abort();
	s->pend = xreallocarray(NULL, s->frame_size * (size_t)s->channels, sizeof *s->pend);
	return s;
}

/* Move every packet the encoder has ready into out, ADTS-framed. */
static int
aac_drain(struct aac_state *s, struct sbuf *out)
{
	int rc;

	while ((rc = avcodec_receive_packet(s->ctx, s->pkt)) == 0) {
		uint8_t h[ADTS_HEADER_LEN];
		if (s->pkt->size > 0 && (size_t)s->pkt->size + ADTS_HEADER_LEN <= ADTS_MAX_FRAME) {
			adts_header(h, s->object, s->sr_index, s->ch_config, (size_t)s->pkt->size);
			sbuf_add(out, h, sizeof h);
			sbuf_add(out, s->pkt->data, (size_t)s->pkt->size);
		}
		av_packet_unref(s->pkt);
	}
	return rc == AVERROR(EAGAIN) || rc == AVERROR_EOF ? 0 : -1;
}

/* Send the pending frames (a whole frame, or the last partial one). */
static int
aac_send(struct aac_state *s, struct sbuf *out)
{
	int c, rc;

	av_frame_unref(s->frame);
	s->frame->format = AV_SAMPLE_FMT_FLTP;
	s->frame->sample_rate = s->ctx->sample_rate;
	s->frame->nb_samples = (int)s->npend;
	if (av_channel_layout_copy(&s->frame->ch_layout, &s->ctx->ch_layout) < 0 ||
	    av_frame_get_buffer(s->frame, 0) < 0)
		return -1;
	for (c = 0; c < s->channels; c++)
		memcpy(s->frame->data[c], s->pend + (size_t)c * s->frame_size,
		    s->npend * sizeof *s->pend);
	s->frame->pts = s->pts;
	s->pts += (int64_t)s->npend;
	s->npend = 0;
	if ((rc = avcodec_send_frame(s->ctx, s->frame)) < 0)
		return -1;
	return aac_drain(s, out);
}

/* Deinterleave into whole encoder frames and encode them. */
static int
aac_encode(void *st, const float *pcm, size_t frames, struct sbuf *out)
{
	struct aac_state *s = st;
	size_t i;
	int c;

	for (i = 0; i < frames; i++) {
		for (c = 0; c < s->channels; c++)
			s->pend[(size_t)c * s->frame_size + s->npend] =
			    pcm[i * (size_t)s->channels + (size_t)c];
		if (++s->npend == s->frame_size && aac_send(s, out) != 0)
			return -1;
	}
	return 0;
}

/* Encode the partial frame and drain the encoder. */
static int
aac_flush(void *st, struct sbuf *out)
{
	struct aac_state *s = st;

	if (s->npend > 0 && aac_send(s, out) != 0)
		return -1;
	if (avcodec_send_frame(s->ctx, NULL) < 0)
		return -1;
	return aac_drain(s, out);
}

/* Free the encoder. */
static void
aac_close(void *st)
{
	struct aac_state *s = st;

	avcodec_free_context(&s->ctx);
	av_frame_free(&s->frame);
	av_packet_free(&s->pkt);
	free(s->pend);
	free(s);
}

const struct encode_ops encode_aac_ops = {
	"aac", "audio/aac", aac_open, aac_encode, aac_flush, aac_close, NULL,
};
