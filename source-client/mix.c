/*
 * mix.c: FIFO, silence detection and crossfade arithmetic.
 *
 * The crossfade is equal-power (cos/sin): for uncorrelated music the sum
 * keeps a steady loudness through the fade, where a linear fade dips by
 * 3 dB in the middle. Correlated material can briefly exceed full scale,
 * hence mix_clamp() before encoding.
 */
#include "mix.h"
#include "../server/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Start an empty FIFO of ch-channel frames. */
void
mix_fifo_init(struct mix_fifo *f, int ch)
{
	memset(f, 0, sizeof *f);
	f->ch = ch;
}

/* Free the FIFO's memory. */
void
mix_fifo_free(struct mix_fifo *f)
{
	free(f->buf);
	mix_fifo_init(f, f->ch);
}

/* Empty the FIFO, keeping its memory. */
void
mix_fifo_clear(struct mix_fifo *f)
{
	f->start = f->len = 0;
}

/* Append frames, compacting or growing as needed. */
void
mix_fifo_push(struct mix_fifo *f, const float *pcm, size_t n)
{
	size_t ch = (size_t)f->ch;

	if (n == 0)
		return;
	if (f->start + f->len + n > f->cap) {
		if (f->start > 0) {
			memmove(f->buf, f->buf + f->start * ch, f->len * ch * sizeof *f->buf);
			f->start = 0;
		}
		if (f->len + n > f->cap) {
			size_t cap = f->cap ? f->cap : 4096;
			while (cap < f->len + n)
				cap *= 2;
			f->buf = xreallocarray(f->buf, cap * ch, sizeof *f->buf);
			f->cap = cap;
		}
	}
	memcpy(f->buf + (f->start + f->len) * ch, pcm, n * ch * sizeof *f->buf);
	f->len += n;
}

/* The frames in use, contiguous. */
const float *
mix_fifo_data(const struct mix_fifo *f)
{
	return f->buf + f->start * (size_t)f->ch;
}

/* Take n frames off the front. */
void
mix_fifo_drop(struct mix_fifo *f, size_t n)
{
	n = FLOE_MIN(n, f->len);
	f->start += n;
	f->len -= n;
	if (f->len == 0)
		f->start = 0;
}

/* Take n frames off the back. */
void
mix_fifo_drop_back(struct mix_fifo *f, size_t n)
{
	f->len -= FLOE_MIN(n, f->len);
	if (f->len == 0)
		f->start = 0;
}

/* 10^(dB/20). */
float
mix_db_to_amp(double db)
{
	return (float)pow(10.0, db / 20.0);
}

/* Is frame i silent? */
static int
frame_silent(const float *pcm, size_t i, int ch, float threshold)
{
	int c;

	for (c = 0; c < ch; c++) {
		float s = pcm[i * (size_t)ch + (size_t)c];
		if (s > threshold || s < -threshold)
			return 0;
	}
	return 1;
}

/* Count silent frames at the start. */
size_t
mix_silent_head(const float *pcm, size_t frames, int ch, float threshold)
{
	size_t i = 0;

	while (i < frames && frame_silent(pcm, i, ch, threshold))
		i++;
	return i;
}

/* Count silent frames at the end. */
size_t
mix_silent_tail(const float *pcm, size_t frames, int ch, float threshold)
{
	size_t i = frames;

	while (i > 0 && frame_silent(pcm, i - 1, ch, threshold))
		i--;
	return frames - i;
}

/* Gains at a point of the fade (sample centres, so the fade is symmetric). */
void
mix_fade_gains(size_t pos, size_t len, float *out, float *in)
{
	double x;

	if (len == 0 || pos >= len) {
		*out = 0.0f;
		*in = 1.0f;
		return;
	}
	x = ((double)pos + 0.5) / (double)len * M_PI / 2.0;
	*out = (float)cos(x);
	*in = (float)sin(x);
}

/* Mix an outgoing tail into incoming audio already in dst. */
void
mix_crossfade(float *dst, const float *tail, size_t n, int ch, size_t pos, size_t len)
{
	size_t i;
	int c;

	for (i = 0; i < n; i++) {
		float gout, gin;
		mix_fade_gains(pos + i, len, &gout, &gin);
		for (c = 0; c < ch; c++) {
			size_t k = i * (size_t)ch + (size_t)c;
			dst[k] = dst[k] * gin + tail[k] * gout;
		}
	}
}

/* Fade incoming audio in, where there is no tail to mix against. */
void
mix_fade_in(float *dst, size_t n, int ch, size_t pos, size_t len)
{
	size_t i;
	int c;

	for (i = 0; i < n; i++) {
		float gout, gin;
		mix_fade_gains(pos + i, len, &gout, &gin);
		for (c = 0; c < ch; c++)
			dst[i * (size_t)ch + (size_t)c] *= gin;
	}
}

/* Hard-limit to full scale. */
void
mix_clamp(float *pcm, size_t samples)
{
	size_t i;

	for (i = 0; i < samples; i++) {
		if (pcm[i] > 1.0f)
			pcm[i] = 1.0f;
		else if (pcm[i] < -1.0f)
			pcm[i] = -1.0f;
	}
}
