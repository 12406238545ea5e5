/*
 * decode.c: audio files to interleaved float PCM.
 *
 * MP3 (and MP1/MP2) is decoded by libmpg123, which also reads the ID3v1
 * and ID3v2 tags. Everything else goes through libavformat (containers,
 * Vorbis comments, RIFF INFO) and libavcodec (FLAC, PCM, Vorbis, Opus...).
 * Either way the caller gets interleaved float frames at the file's own
 * rate and channel count; converting those is resample.c's job.
 */
#include "decode.h"
#include "log.h"
#include "../server/util.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/log.h>
#include <libavutil/opt.h>
#include <mpg123.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

/* Frames mpg123 decodes per read: a few MPEG frames' worth (1152 each),
 * small enough that one read never holds up the event loop. */
#define MPG_CHUNK_FRAMES 4608

/* Consecutive packets a decoder may reject before the file is called
 * corrupt: a damaged frame or two is skipped, a file of junk is not. */
#define AV_MAX_BAD_PACKETS 50

/* Most channels we accept from a file (7.1 plus margin); resample.c mixes
 * them down to the output's layout. */
#define DECODE_MAX_CHANNELS 16

/* decode_open_stream's read size: a few Ogg pages or ADTS frames. */
#define DECODE_STREAM_BUF 4096
/* ... and what it may read before it knows the codec: Ogg's header pages
 * or a few ADTS frames are well under 32 KB. */
#define DECODE_STREAM_PROBE 32768

struct decode {
	const char	*engine;
	char		*artist;
	char		*title;
	double		 rg_gain;	/* REPLAYGAIN_TRACK_GAIN, dB */
	int		 has_rg;
	int		 rate;
	int		 channels;
	float		*buf;		/* interleaved output of the last read */
	size_t		 bufcap;	/* in floats */
	/* libmpg123 */
	mpg123_handle	*mh;
	/* libavformat/libavcodec */
	AVFormatContext	*fmt;
	AVCodecContext	*ctx;
	AVPacket	*pkt;
	AVFrame		*frame;
	int		 stream;
	int		 flushed;	/* end of input sent to the decoder */
	char		 engine_buf[64];
	AVIOContext	*io;		/* decode_open_stream's reader, or NULL */
};

/* libav's messages, at debug level in our log (corrupt files are reported
 * once, by the player, not frame by frame). */
static void
av_log_cb(void *avcl, int level, const char *fmt, va_list vl)
{
	char line[512];
	int prefix = 1;
	size_t n;

	if (level > AV_LOG_WARNING || log_get_level() < LOG_DEBUG)
		return;
	av_log_format_line(avcl, level, fmt, vl, line, sizeof line, &prefix);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if (n > 0)
		log_debug("libav: %s", line);
}

/* Route library output through our log; ready libavformat's networking
 * (TLS) for remote streams. */
void
decode_global_init(void)
{
	av_log_set_callback(av_log_cb);
	avformat_network_init();
}

/* Grow the output buffer to hold n floats. */
static float *
grow_buf(struct decode *d, size_t n)
{
	if (n > d->bufcap) {
		d->buf = xreallocarray(d->buf, n, sizeof *d->buf);
		d->bufcap = n;
	}
	return d->buf;
}

/* Set a tag from UTF-8 bytes if it is non-empty after trimming. */
static void
set_tag(char **dst, const char *s, size_t n)
{
	char *t = xstrndup(s, n), *trimmed = str_trim(t);

	if (*trimmed != '\0' && *dst == NULL)
		*dst = xstrdup(trimmed);
	free(t);
}

/* ---------------------------------------------------------------- mpg123 */

/* Does the name say MPEG audio? */
static int
is_mpeg_name(const char *path)
{
	return str_isuffix(path, ".mp3") || str_isuffix(path, ".mp2") ||
	    str_isuffix(path, ".mp1") || str_isuffix(path, ".mpga");
}

/* Latin-1 bytes [s, s+n) to a new UTF-8 string, stopping at NUL (ID3v1
 * fields are Latin-1 by convention and NUL-padded). */
static char *
latin1_to_utf8(const char *s, size_t n)
{
	char *out = xmalloc(n * 2 + 1), *o = out;
	size_t i;

	for (i = 0; i < n && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80)
			*o++ = (char)c;
		else {
			*o++ = (char)(0xC0 | c >> 6);
			*o++ = (char)(0x80 | (c & 0x3F));
		}
	}
	*o = '\0';
	return out;
}

/* A ReplayGain value ("-6.54 dB"). */
static void
set_rg(struct decode *d, const char *v)
{
	char *end;
	double g;

	if (v == NULL)
		return;
	g = strtod(v, &end);
	if (end != v && g > -60.0 && g < 60.0) {
		d->rg_gain = g;
		d->has_rg = 1;
	}
}

/* Take ID3v2 (UTF-8 already), then ID3v1 (Latin-1) artist and title. */
static void
mpg_tags(struct decode *d)
{
	mpg123_id3v1 *v1 = NULL;
	mpg123_id3v2 *v2 = NULL;

	if ((mpg123_meta_check(d->mh) & MPG123_ID3) == 0 ||
	    mpg123_id3(d->mh, &v1, &v2) != MPG123_OK)
		return;
	if (v2 != NULL) {
		size_t i;

		/* TXXX:REPLAYGAIN_TRACK_GAIN, as foobar2000, beets, loudgain write it */
		for (i = 0; i < v2->extras; i++)
			if (v2->extra[i].description.fill > 0 && v2->extra[i].text.fill > 0 &&
			    strcasecmp(v2->extra[i].description.p, "REPLAYGAIN_TRACK_GAIN") == 0)
				set_rg(d, v2->extra[i].text.p);
		if (v2->artist != NULL && v2->artist->fill > 0)
			set_tag(&d->artist, v2->artist->p, strnlen(v2->artist->p, v2->artist->fill));
		if (v2->title != NULL && v2->title->fill > 0)
			set_tag(&d->title, v2->title->p, strnlen(v2->title->p, v2->title->fill));
	}
	if (v1 != NULL) {
		char *a = latin1_to_utf8(v1->artist, sizeof v1->artist);
		char *t = latin1_to_utf8(v1->title, sizeof v1->title);
		set_tag(&d->artist, a, strlen(a));
		set_tag(&d->title, t, strlen(t));
		free(a);
		free(t);
	}
}

/* Open with libmpg123, asking for float output at any rate. */
static int
mpg_open(struct decode *d, const char *path, char *err, size_t errlen)
{
	const long *rates;
	size_t nrates, i;
	long rate;
	int e, ch, enc;

	if ((d->mh = mpg123_new(NULL, &e)) == NULL) {
		snprintf(err, errlen, "mpg123: %s", mpg123_plain_strerror(e));
		return -1;
	}
	mpg123_param(d->mh, MPG123_ADD_FLAGS, MPG123_FORCE_FLOAT | MPG123_QUIET, 0);
	/* Damaged data mid-file (a bad sector, a broken upload): look as far
	 * as it takes for the next frame, as ffmpeg does, instead of ending
	 * the track at the first 1 KiB of garbage (mpg123's default). */
	mpg123_param(d->mh, MPG123_RESYNC_LIMIT, -1, 0);
	mpg123_format_none(d->mh);
	mpg123_rates(&rates, &nrates);
	for (i = 0; i < nrates; i++)
		mpg123_format(d->mh, rates[i], MPG123_MONO | MPG123_STEREO, MPG123_ENC_FLOAT_32);
	if (mpg123_open(d->mh, path) != MPG123_OK) {
		snprintf(err, errlen, "mpg123: %s", mpg123_strerror(d->mh));
		return -1;
	}
	if (mpg123_getformat(d->mh, &rate, &ch, &enc) != MPG123_OK) {
		snprintf(err, errlen, "not an MPEG audio file (mpg123: %s)", mpg123_strerror(d->mh));
		return -1;
	}
	if (enc != MPG123_ENC_FLOAT_32) {
		snprintf(err, errlen, "mpg123 cannot give float output here");
		return -1;
	}
	d->rate = (int)rate;
	d->channels = ch;
	d->engine = "mpg123";
	mpg_tags(d);
	return 0;
}

/* One chunk from libmpg123. */
static long
mpg_read(struct decode *d, const float **pcm, char *err, size_t errlen)
{
	for (;;) {
		size_t want = (size_t)MPG_CHUNK_FRAMES * (size_t)d->channels, done = 0;
		float *buf = grow_buf(d, want);
		long rate;
		int rc, ch, enc;

		rc = mpg123_read(d->mh, (unsigned char *)buf, want * sizeof *buf, &done);
		if (rc == MPG123_NEW_FORMAT) {
			if (mpg123_getformat(d->mh, &rate, &ch, &enc) != MPG123_OK ||
			    enc != MPG123_ENC_FLOAT_32) {
				snprintf(err, errlen, "mpg123: unusable format change");
				return -1;
			}
			d->rate = (int)rate;
			d->channels = ch;
			if (done == 0)
				continue;
		}
		if (done > 0) {
			*pcm = buf;
			return (long)(done / (sizeof *buf * (size_t)d->channels));
		}
		if (rc == MPG123_DONE)
			return 0;
		if (rc != MPG123_OK && rc != MPG123_NEW_FORMAT) {
			snprintf(err, errlen, "mpg123: %s", mpg123_strerror(d->mh));
			return -1;
		}
	}
}

/* ---------------------------------------------------------------- libav */

/* Text of an AVERROR code. */
static void
av_err(char *err, size_t errlen, const char *what, int code)
{
	char buf[AV_ERROR_MAX_STRING_SIZE];

	av_strerror(code, buf, sizeof buf);
	snprintf(err, errlen, "%s: %s", what, buf);
}

/* Artist and title from the container's, then the stream's, metadata. */
static void
av_tags(struct decode *d)
{
	AVDictionary *dicts[2] = { d->fmt->metadata, d->fmt->streams[d->stream]->metadata };
	AVDictionaryEntry *e;
	size_t i;

	for (i = 0; i < FLOE_NELEM(dicts); i++) {
		if ((e = av_dict_get(dicts[i], "REPLAYGAIN_TRACK_GAIN", NULL, 0)) != NULL)
			set_rg(d, e->value);
		if ((e = av_dict_get(dicts[i], "artist", NULL, 0)) != NULL)
			set_tag(&d->artist, e->value, strlen(e->value));
		if ((e = av_dict_get(dicts[i], "title", NULL, 0)) != NULL)
			set_tag(&d->title, e->value, strlen(e->value));
	}
}

static int av_setup(struct decode *d, char *err, size_t errlen);

/* Open with libavformat + libavcodec. Returns 1 if the file turned out to
 * be MP3, which libmpg123 should decode instead. */
static int
av_open(struct decode *d, const char *path, char *err, size_t errlen)
{
	int rc;

	if ((rc = avformat_open_input(&d->fmt, path, NULL, NULL)) < 0) {
		av_err(err, errlen, "not a known audio format", rc);
		return -1;
	}
	if (strcmp(d->fmt->iformat->name, "mp3") == 0 && d->io == NULL)
		return 1;
	return av_setup(d, err, errlen);
}

/* The opened input's audio stream and its decoder. */
static int
av_setup(struct decode *d, char *err, size_t errlen)
{
	const AVCodec *codec = NULL;
	AVStream *st;
	int rc;

	if ((rc = avformat_find_stream_info(d->fmt, NULL)) < 0) {
		av_err(err, errlen, "cannot read the stream", rc);
		return -1;
	}
	if ((d->stream = av_find_best_stream(d->fmt, AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0)) < 0) {
		snprintf(err, errlen, "no decodable audio stream in this %s file",
		    d->fmt->iformat->name);
		return -1;
	}
	st = d->fmt->streams[d->stream];
	if ((d->ctx = avcodec_alloc_context3(codec)) == NULL)
		abort();
	if ((rc = avcodec_parameters_to_context(d->ctx, st->codecpar)) < 0 ||
	    (d->ctx->pkt_timebase = st->time_base, rc = avcodec_open2(d->ctx, codec, NULL)) < 0) {
		av_err(err, errlen, "cannot open the decoder", rc);
		return -1;
	}
	if (d->ctx->sample_rate <= 0 || d->ctx->ch_layout.nb_channels <= 0 ||
	    d->ctx->ch_layout.nb_channels > DECODE_MAX_CHANNELS) {
		snprintf(err, errlen, "unusable audio format (%d Hz, %d channels)",
		    d->ctx->sample_rate, d->ctx->ch_layout.nb_channels);
		return -1;
	}
	if ((d->pkt = av_packet_alloc()) == NULL || (d->frame = av_frame_alloc()) == NULL)
		abort();
	d->rate = d->ctx->sample_rate;
	d->channels = d->ctx->ch_layout.nb_channels;
	snprintf(d->engine_buf, sizeof d->engine_buf, "libavcodec %s (%s)", codec->name,
	    d->fmt->iformat->name);
	d->engine = d->engine_buf;
	av_tags(d);
	return 0;
}

/* Sample i of channel c of a decoded frame, as float in [-1, 1]. */
static float
av_sample(const AVFrame *f, int planar, int nch, int c, int i)
{
	int idx = planar ? i : i * nch + c;
	const uint8_t *p = f->extended_data[planar ? c : 0];

	switch (f->format) {
	case AV_SAMPLE_FMT_U8:
	case AV_SAMPLE_FMT_U8P:
		return ((int)p[idx] - 128) / 128.0f;
	case AV_SAMPLE_FMT_S16:
	case AV_SAMPLE_FMT_S16P:
		return ((const int16_t *)p)[idx] / 32768.0f;
	case AV_SAMPLE_FMT_S32:
	case AV_SAMPLE_FMT_S32P:
		return (float)(((const int32_t *)p)[idx] / 2147483648.0);
	case AV_SAMPLE_FMT_S64:
	case AV_SAMPLE_FMT_S64P:
		return (float)(((const int64_t *)p)[idx] / 9223372036854775808.0);
	case AV_SAMPLE_FMT_FLT:
	case AV_SAMPLE_FMT_FLTP:
		return ((const float *)p)[idx];
	case AV_SAMPLE_FMT_DBL:
	case AV_SAMPLE_FMT_DBLP:
		return (float)((const double *)p)[idx];
	default:
		return 0.0f;
	}
}

/* Convert a decoded frame to interleaved float in d->buf. */
static long
av_convert(struct decode *d, const float **pcm, char *err, size_t errlen)
{
	const AVFrame *f = d->frame;
	int nch = f->ch_layout.nb_channels, planar = av_sample_fmt_is_planar(f->format);
	float *out;
	int i, c;

	if (nch <= 0 || nch > DECODE_MAX_CHANNELS || f->sample_rate <= 0 ||
	    av_get_bytes_per_sample(f->format) == 0) {
		snprintf(err, errlen, "decoder gave an unusable format");
		return -1;
	}
	d->rate = f->sample_rate;
	d->channels = nch;
	out = grow_buf(d, (size_t)f->nb_samples * (size_t)nch);
	if (f->format == AV_SAMPLE_FMT_FLT) {
		memcpy(out, f->extended_data[0], (size_t)f->nb_samples * (size_t)nch * sizeof *out);
	} else {
		for (i = 0; i < f->nb_samples; i++)
			for (c = 0; c < nch; c++)
				out[(size_t)i * (size_t)nch + (size_t)c] = av_sample(f, planar, nch, c, i);
	}
	*pcm = out;
	return f->nb_samples;
}

/* One decoded frame from libavcodec, feeding it packets as it asks. */
static long
av_read(struct decode *d, const float **pcm, char *err, size_t errlen)
{
	int bad = 0, rc;

	for (;;) {
		rc = avcodec_receive_frame(d->ctx, d->frame);
		if (rc == 0) {
			long n = d->frame->nb_samples > 0 ? av_convert(d, pcm, err, errlen) : 0;
			av_frame_unref(d->frame);
			if (n != 0)
				return n;
			continue;
		}
		if (rc == AVERROR_EOF)
			return 0;
		if (rc != AVERROR(EAGAIN)) {
			av_err(err, errlen, "decoding failed", rc);
			return -1;
		}
		if (d->flushed)
			return 0;
		rc = av_read_frame(d->fmt, d->pkt);
		if (rc < 0) {
			/* End of file, or a read error: let the decoder
			 * drain what it holds either way. */
			if (rc != AVERROR_EOF)
				log_debug("decode: read error, ending track early");
			avcodec_send_packet(d->ctx, NULL);
			d->flushed = 1;
			continue;
		}
		if (d->pkt->stream_index != d->stream) {
			av_packet_unref(d->pkt);
			continue;
		}
		rc = avcodec_send_packet(d->ctx, d->pkt);
		av_packet_unref(d->pkt);
		if (rc < 0 && rc != AVERROR(EAGAIN)) {
			if (++bad > AV_MAX_BAD_PACKETS) {
				av_err(err, errlen, "too many corrupt packets", rc);
				return -1;
			}
		} else
			bad = 0;
	}
}

/* ---------------------------------------------------------------- common */

/* Open a file with the right library. */
struct decode *
decode_open(const char *path, char *err, size_t errlen)
{
	struct decode *d = xcalloc(1, sizeof *d);
	struct stat st;
	char err2[256];
	int rc;

	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		goto fail;
	}
	if (is_mpeg_name(path)) {
		if (mpg_open(d, path, err, errlen) == 0)
			return d;
		/* The name may lie (a FLAC called .mp3): what libavformat makes
		 * of the contents, else mpg123's reason. */
		decode_close(d);
		d = xcalloc(1, sizeof *d);
		if (av_open(d, path, err2, sizeof err2) == 0) {
			log_info("%s: not MPEG audio despite its name: decoding it as %s", path,
			    d->engine);
			return d;
		}
		goto fail;
	}
	if ((rc = av_open(d, path, err, errlen)) < 0)
		goto fail;
	if (rc == 1) {
		avformat_close_input(&d->fmt);
		if (mpg_open(d, path, err, errlen) != 0)
			goto fail;
	}
	return d;
fail:
	decode_close(d);
	return NULL;
}

/*
 * A remote stream (http:// or https://) through libavformat, which blocks
 * on the network: for a thread of its own (remote.c), never the event
 * loop. interrupt(arg) returning non-zero aborts any wait (its timeouts).
 * ICY metadata is asked for, so decode_icy_title() can follow the titles.
 */
struct decode *
decode_open_url(const char *url, int (*interrupt)(void *), void *arg, char *err,
    size_t errlen)
{
	struct decode *d = xcalloc(1, sizeof *d);
	AVDictionary *opts = NULL;
	int rc;

	if ((d->fmt = avformat_alloc_context()) == NULL)
		abort();
	d->fmt->interrupt_callback.callback = interrupt;
	d->fmt->interrupt_callback.opaque = arg;
	av_dict_set(&opts, "icy", "1", 0);
	av_dict_set(&opts, "user_agent", "floe-source/" PACKAGE_VERSION, 0);
	rc = avformat_open_input(&d->fmt, url, NULL, &opts);
	av_dict_free(&opts);
	if (rc < 0) {
		av_err(err, errlen, "cannot open the stream", rc);
		goto fail;
	}
	if (av_setup(d, err, errlen) != 0)
		goto fail;
	snprintf(d->engine_buf, sizeof d->engine_buf, "libavcodec %s (%s, relayed)",
	    d->ctx->codec->name, d->fmt->iformat->name);
	return d;
fail:
	decode_close(d);
	return NULL;
}

/* An ICY text as UTF-8 (servers send UTF-8, or Latin-1 from old encoders). */
static char *
icy_text(const char *s, size_t n)
{
	char *raw = xstrndup(s, n), *t;

	if (utf8_is_valid(raw, n))
		return raw;
	t = str_to_utf8(raw);
	free(raw);
	return t;
}

/* The remote stream's title now: its last ICY StreamTitle, else its
 * icy-name header; NULL if it has neither. Allocated. */
char *
decode_icy_title(const struct decode *d)
{
	uint8_t *v = NULL;
	const char *p, *e;
	char *t = NULL;

	if (d->fmt == NULL || d->fmt->pb == NULL)
		return NULL;
	if (av_opt_get(d->fmt->pb, "icy_metadata_packet", AV_OPT_SEARCH_CHILDREN, &v) >= 0 &&
	    v != NULL && (p = strstr((char *)v, "StreamTitle='")) != NULL) {
		p += 13;
		/* Quotes are not escaped in titles: the value ends at "';" */
		if ((e = strstr(p, "';")) == NULL)
			e = strrchr(p, '\'');
		if (e != NULL && e > p)
			t = icy_text(p, (size_t)(e - p));
	}
	av_freep(&v);
	if (t != NULL)
		return t;
	if (av_opt_get(d->fmt->pb, "icy_metadata_headers", AV_OPT_SEARCH_CHILDREN, &v) >= 0 &&
	    v != NULL) {
		for (p = (char *)v; p != NULL && *p != '\0'; p = (e = strchr(p, '\n')) ? e + 1 : NULL) {
			if (strncasecmp(p, "icy-name:", 9) != 0)
				continue;
			p += 9;
			while (*p == ' ')
				p++;
			e = p + strcspn(p, "\r\n");
			if (e > p)
				t = icy_text(p, (size_t)(e - p));
			break;
		}
	}
	av_freep(&v);
	return t;
}

/*
 * A stream read through read() (a live DJ's bytes), in the container named
 * by format ("ogg", "aac"), with libavformat. read() may block: the caller
 * runs this on a thread of its own.
 */
struct decode *
decode_open_stream(int (*read)(void *arg, uint8_t *buf, int n), void *arg, const char *format,
    char *err, size_t errlen)
{
	struct decode *d = xcalloc(1, sizeof *d);
	unsigned char *iobuf;

	if ((iobuf = av_malloc(DECODE_STREAM_BUF)) == NULL ||
	    (d->io = avio_alloc_context(iobuf, DECODE_STREAM_BUF, 0, arg, read, NULL, NULL)) == NULL ||
	    (d->fmt = avformat_alloc_context()) == NULL)
		abort();
	d->fmt->pb = d->io;
	d->fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
	/* Live: the headers say what the stream is; waiting for seconds of
	 * it to analyse (the defaults) would delay it by as much. */
	d->fmt->probesize = DECODE_STREAM_PROBE;
	d->fmt->max_analyze_duration = AV_TIME_BASE / 2;
	if ((d->fmt->iformat = av_find_input_format(format)) == NULL) {
		snprintf(err, errlen, "libavformat has no %s demuxer", format);
		decode_close(d);
		return NULL;
	}
	if (av_open(d, NULL, err, errlen) != 0) {
		decode_close(d);
		return NULL;
	}
	return d;
}

/* The stream's tags changed (a new chained Ogg stream's comments): 1 once,
 * with decode_artist()/decode_title() updated. */
int
decode_tags_changed(struct decode *d)
{
	AVStream *st;

	if (d->fmt == NULL)
		return 0;
	st = d->fmt->streams[d->stream];
	if (((d->fmt->event_flags | st->event_flags) & AVSTREAM_EVENT_FLAG_METADATA_UPDATED) == 0)
		return 0;
	d->fmt->event_flags &= ~AVFMT_EVENT_FLAG_METADATA_UPDATED;
	st->event_flags &= ~AVSTREAM_EVENT_FLAG_METADATA_UPDATED;
	av_tags(d);
	return 1;
}

/* Read the next chunk from whichever library decodes this file. */
long
decode_read(struct decode *d, const float **pcm, char *err, size_t errlen)
{
	return d->mh != NULL ? mpg_read(d, pcm, err, errlen) : av_read(d, pcm, err, errlen);
}

/* Sample rate of the last chunk (or of the file, before any read). */
int
decode_rate(const struct decode *d)
{
	return d->rate;
}

/* Channel count of the last chunk. */
int
decode_channels(const struct decode *d)
{
	return d->channels;
}

/* Which library decodes this file. */
const char *
decode_engine(const struct decode *d)
{
	return d->engine;
}

/* The artist tag, or NULL. */
const char *
decode_artist(const struct decode *d)
{
	return d->artist;
}

/* The title tag, or NULL. */
const char *
decode_title(const struct decode *d)
{
	return d->title;
}

/* Close the file and free everything. */
void
decode_close(struct decode *d)
{
	if (d == NULL)
		return;
	if (d->mh != NULL) {
		mpg123_close(d->mh);
		mpg123_delete(d->mh);
	}
	avcodec_free_context(&d->ctx);
	avformat_close_input(&d->fmt);
	if (d->io != NULL) {
		av_freep(&d->io->buffer);
		avio_context_free(&d->io);
	}
	av_packet_free(&d->pkt);
	av_frame_free(&d->frame);
	free(d->artist);
	free(d->title);
	free(d->buf);
	free(d);
}

/* The track's ReplayGain (dB, against ReplayGain's -18 LUFS), if tagged. */
int
decode_replaygain(const struct decode *d, double *db)
{
	if (d->has_rg)
		*db = d->rg_gain;
	return d->has_rg;
}

double
decode_duration(const struct decode *d)
{
	if (d->mh != NULL) {
		off_t n = mpg123_length(d->mh);

		return n > 0 && d->rate > 0 ? (double)n / d->rate : -1;
	}
	if (d->fmt != NULL && d->fmt->duration != AV_NOPTS_VALUE && d->fmt->duration > 0)
		return (double)d->fmt->duration / AV_TIME_BASE;
	return -1;
}
