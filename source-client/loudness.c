/*
 * loudness.c: how loud a track is (loudness.h).
 *
 * A ReplayGain track gain is relative to -18 LUFS (ReplayGain 2.0), so the
 * gain to a target is the tag plus (target + 18). Without a tag the track
 * is decoded ahead (a second decoder, so the one that plays is untouched)
 * and measured with libebur128: a well-kept implementation of EBU R128's
 * gated integrated loudness, which we would not write better.
 */
#include "loudness.h"
#include "decode.h"
#include "log.h"
#include "../server/util.h"

#include <ebur128.h>
#include <math.h>
#include <stdio.h>

/* Why the first 90 s: the decode happens as the track is about to start
 * (about 30 ms of CPU for 90 s of MP3 here); a long mix's first minute and a
 * half says how loud it is well enough, and a whole hour's decode would
 * hold the stream up. */
#define LOUDNESS_SCAN_SECONDS	90
/* A quiet track is raised at most this much: more would lift its noise. */
#define LOUDNESS_MAX_BOOST_DB	12.0
/* ReplayGain 2.0's reference loudness. */
#define REPLAYGAIN_REF_LUFS	(-18.0)

double
loudness_gain_db(const char *path, double target_lufs, char *how, size_t howlen)
{
	char err[256];
	struct decode *d;
	ebur128_state *st = NULL;
	const float *pcm;
	double rg, lufs, peak = 0.0, p, gain, cap;
	long n;
	size_t frames = 0, limit;
	int rate, ch, c;

	if ((d = decode_open(path, err, sizeof err)) == NULL) {
		snprintf(how, howlen, "not measured: %s", err);
		return 0.0;
	}
	if (decode_replaygain(d, &rg)) {
		decode_close(d);
		snprintf(how, howlen, "ReplayGain %+.1f dB", rg);
		return rg + (target_lufs - REPLAYGAIN_REF_LUFS);
	}
	rate = decode_rate(d);
	ch = decode_channels(d);
	limit = (size_t)rate * LOUDNESS_SCAN_SECONDS;
	if (rate <= 0 || ch <= 0 ||
	    (st = ebur128_init((unsigned)ch, (unsigned long)rate,
	    EBUR128_MODE_I | EBUR128_MODE_SAMPLE_PEAK)) == NULL) {
		decode_close(d);
		snprintf(how, howlen, "not measured");
		return 0.0;
	}
	while (frames < limit && (n = decode_read(d, &pcm, err, sizeof err)) > 0) {
		if (decode_rate(d) != rate || decode_channels(d) != ch)
			break;		/* a format change mid-file: what came so far will do */
		ebur128_add_frames_float(st, pcm, (size_t)n);
		frames += (size_t)n;
	}
	for (c = 0; c < ch; c++)
		if (ebur128_sample_peak(st, (unsigned)c, &p) == EBUR128_SUCCESS && p > peak)
			peak = p;
	if (ebur128_loudness_global(st, &lufs) != EBUR128_SUCCESS || !isfinite(lufs)) {
		ebur128_destroy(&st);
		decode_close(d);
		snprintf(how, howlen, "silent: not normalized");
		return 0.0;
	}
	ebur128_destroy(&st);
	decode_close(d);
	gain = target_lufs - lufs;
	cap = peak > 0.0 ? -20.0 * log10(peak) : LOUDNESS_MAX_BOOST_DB;
	if (gain > 0.0)
		gain = fmin(gain, fmin(cap, LOUDNESS_MAX_BOOST_DB));
	snprintf(how, howlen, "%.1f LUFS measured%s", lufs,
	    frames >= limit ? " (its first 90 s)" : "");
	return gain;
}
