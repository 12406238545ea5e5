/*
 * mix.c: FIFO, silence detection and crossfade arithmetic.
 *
 * The crossfade is equal-power (cos/sin): for uncorrelated music the sum
 * keeps a steady loudness through the fade, where a linear fade dips by
 * 3 dB in the middle. Two loud masters can exceed full scale mid-fade (by
 * up to 3 dB), hence the limiter (mix_limit) before encoding: it turns the
 * moment down smoothly instead of clipping it.
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

/* ---- the limiter ---- */

void
mix_limiter_init(struct mix_limiter *l, int ch, int rate, double ceiling_db,
    double lookahead_ms, double release_ms)
{
	memset(l, 0, sizeof *l);
	l->ch = ch;
	l->ceiling = mix_db_to_amp(ceiling_db);
	l->la = FLOE_MAX((size_t)(lookahead_ms * rate / 1000.0), (size_t)1);
	l->rel = (float)(1.0 - exp(-1.0 / (release_ms * rate / 1000.0)));
	l->delay = xcalloc(l->la * (size_t)ch, sizeof *l->delay);
	l->need = xcalloc(2 * l->la, sizeof *l->need);
	l->dq = xcalloc(2 * l->la, sizeof *l->dq);
	l->box = xcalloc(l->la, sizeof *l->box);
	for (size_t i = 0; i < l->la; i++)
		l->box[i] = 1.0f;
	l->box_sum = (double)l->la;
	l->r = 1.0f;
	l->min_gain = 1.0f;
}

void
mix_limiter_free(struct mix_limiter *l)
{
	free(l->delay);
	free(l->need);
	free(l->dq);
	free(l->box);
	memset(l, 0, sizeof *l);
}

/*
 * Frame t enters; frame t - la leaves, times gain g. need[t] is the gain
 * frame t needs (ceiling / its peak, at most 1); m is the minimum of need
 * over the last 2 la frames (a monotonic queue: O(1) a frame); r follows
 * m down at once and up at the release rate, so r <= m; g is the mean of
 * r over the last la frames. Every r averaged for the frame leaving was
 * computed while that frame was in m's window, so g <= its need: the
 * ceiling holds exactly, and g changes by at most 1/la of a step a frame.
 */
void
mix_limit(struct mix_limiter *l, float *pcm, size_t n)
{
	size_t ch = (size_t)l->ch, w = 2 * l->la, i, c, slot;
	float peak, need, m, g, x;

	for (i = 0; i < n; i++) {
		float *f = pcm + i * ch, *d = l->delay + (l->t % l->la) * ch;

		peak = 0.0f;
		for (c = 0; c < ch; c++)
			peak = fmaxf(peak, fabsf(f[c]));
		need = peak > l->ceiling ? l->ceiling / peak : 1.0f;
		slot = l->t % w;
		l->need[slot] = need;
		/* the sliding minimum: drop larger candidates, add t, expire old */
		while (l->dq_len > 0 &&
		    l->need[l->dq[(l->dq_head + l->dq_len - 1) % w] % w] >= need)
			l->dq_len--;
		l->dq[(l->dq_head + l->dq_len++) % w] = l->t;
		if (l->t - l->dq[l->dq_head] >= w) {
			l->dq_head = (l->dq_head + 1) % w;
			l->dq_len--;
		}
		m = l->need[l->dq[l->dq_head] % w];
		l->r = m < l->r ? m : l->r + (m - l->r) * l->rel;
		if (l->r > m)
			l->r = m;
		l->box_sum += (double)l->r - (double)l->box[l->t % l->la];
		l->box[l->t % l->la] = l->r;
		g = (float)(l->box_sum / (double)l->la);
		if (g > 1.0f)
			g = 1.0f;
		if (g < l->min_gain)
			l->min_gain = g;
		/* out goes the frame la back, in comes this one */
		for (c = 0; c < ch; c++) {
			x = d[c];
			d[c] = f[c];
			f[c] = x * g;
		}
		l->t++;
	}
}
