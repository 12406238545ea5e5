/*
 * resample.c: sample-rate and channel conversion through libswresample.
 *
 * Why libswresample: it is already here (libavcodec needs it for AAC), it
 * converts channel layouts with proper downmix matrices (5.1 to stereo, mono
 * to stereo) which libsoxr alone does not, and in Debian it is built with
 * libsoxr, so the rate conversion itself can use the SoX engine. When the
 * track already has the output's rate and channels the samples pass through
 * untouched, so WAV/FLAC at the output rate stay bit-exact and gapless.
 */
#include "resample.h"
#include "../server/util.h"

#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The SoX engine's precision in bits: 20 is its "high quality" setting,
 * far below audibility and cheap at these rates. */
#define SOXR_PRECISION 20

struct resample {
	SwrContext	*swr;		/* NULL: pass-through */
	int		 in_rate, in_ch, out_rate, out_ch;
	float		*buf;
	size_t		 bufcap;	/* in floats */
};

/* Build the converter. */
struct resample *
resample_new(int in_rate, int in_ch, int out_rate, int out_ch, char *err, size_t errlen)
{
	struct resample *r = xcalloc(1, sizeof *r);
	AVChannelLayout in_layout, out_layout;
	int rc;

	r->in_rate = in_rate;
	r->in_ch = in_ch;
	r->out_rate = out_rate;
	r->out_ch = out_ch;
	if (in_rate == out_rate && in_ch == out_ch)
		return r;
	av_channel_layout_default(&in_layout, in_ch);
	av_channel_layout_default(&out_layout, out_ch);
	rc = swr_alloc_set_opts2(&r->swr, &out_layout, AV_SAMPLE_FMT_FLT, out_rate,
	    &in_layout, AV_SAMPLE_FMT_FLT, in_rate, 0, NULL);
	av_channel_layout_uninit(&in_layout);
	av_channel_layout_uninit(&out_layout);
	if (rc < 0 || r->swr == NULL)
		goto fail;
	/* Mono and stereo: a mono track plays at full level on both channels
	 * (libswresample's default would be -3 dB), and stereo folds to mono
	 * as the average (its default, -3 dB each, can clip). */
	if (in_ch == 1 && out_ch == 2) {
		static const double up[2] = { 1.0, 1.0 };
		swr_set_matrix(r->swr, up, 1);
	} else if (in_ch == 2 && out_ch == 1) {
		static const double down[2] = { 0.5, 0.5 };
		swr_set_matrix(r->swr, down, 2);
	}
	if (in_rate != out_rate &&
	    av_opt_set_int(r->swr, "resampler", SWR_ENGINE_SOXR, 0) == 0)
		av_opt_set_double(r->swr, "precision", SOXR_PRECISION, 0);
	if ((rc = swr_init(r->swr)) < 0) {
		/* Without the SoX engine, libswresample's own is the fallback. */
		av_opt_set_int(r->swr, "resampler", SWR_ENGINE_SWR, 0);
		if ((rc = swr_init(r->swr)) < 0)
			goto fail;
	}
	return r;
fail:
	{
		char msg[AV_ERROR_MAX_STRING_SIZE] = "unknown error";
		av_strerror(rc, msg, sizeof msg);
		snprintf(err, errlen, "cannot convert %d Hz/%d ch to %d Hz/%d ch: %s",
		    in_rate, in_ch, out_rate, out_ch, msg);
	}
	resample_free(r);
	return NULL;
}

/* Make room for n output frames. */
static float *
out_room(struct resample *r, size_t frames)
{
	size_t n = frames * (size_t)r->out_ch;

	if (n > r->bufcap) {
		r->buf = xreallocarray(r->buf, n, sizeof *r->buf);
		r->bufcap = n;
	}
	return r->buf;
}

/* Convert (or flush, when in is NULL). */
static long
convert(struct resample *r, const float *in, size_t n, const float **out)
{
	const uint8_t *inp[1] = { (const uint8_t *)in };
	uint8_t *outp[1];
	int cap, got;

	if (n > (size_t)INT32_MAX / 4)
		return -1;
	cap = swr_get_out_samples(r->swr, (int)n);
	if (cap < 0)
		return -1;
	outp[0] = (uint8_t *)out_room(r, (size_t)cap + 16);
	got = swr_convert(r->swr, outp, cap + 16, in != NULL ? inp : NULL, (int)n);
	if (got < 0)
		return -1;
	*out = r->buf;
	return got;
}

/* Convert n frames. */
long
resample_run(struct resample *r, const float *in, size_t n, const float **out)
{
	if (r->swr == NULL) {
		*out = in;
		return (long)n;
	}
	return convert(r, in, n, out);
}

/* Drain the filter's tail. */
long
resample_flush(struct resample *r, const float **out)
{
	if (r->swr == NULL)
		return 0;
	return convert(r, NULL, 0, out);
}

/* The rate this converter takes. */
int
resample_in_rate(const struct resample *r)
{
	return r->in_rate;
}

/* The channel count this converter takes. */
int
resample_in_channels(const struct resample *r)
{
	return r->in_ch;
}

/* Free the converter. */
void
resample_free(struct resample *r)
{
	if (r == NULL)
		return;
	swr_free(&r->swr);
	free(r->buf);
	free(r);
}
