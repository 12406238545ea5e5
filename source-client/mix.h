/*
 * mix.h: the arithmetic of joining tracks: a FIFO of interleaved float
 * frames, silence detection for trimming, and equal-power crossfades.
 * Pure functions on buffers; the player decides when to use them.
 */
#ifndef FSRC_MIX_H
#define FSRC_MIX_H

#include <stddef.h>

/** Interleaved float frames, appended at the back, taken from the front. */
struct mix_fifo {
	float	*buf;
	size_t	 start;		/* first frame in use */
	size_t	 len;		/* frames in use */
	size_t	 cap;		/* frames allocated */
	int	 ch;
};

void mix_fifo_init(struct mix_fifo *f, int ch);
void mix_fifo_free(struct mix_fifo *f);
void mix_fifo_clear(struct mix_fifo *f);
/** Append n frames. */
void mix_fifo_push(struct mix_fifo *f, const float *pcm, size_t n);
/** Pointer to the first frame (the FIFO's frames are contiguous). */
const float *mix_fifo_data(const struct mix_fifo *f);
/** Drop n frames from the front / the back. */
void mix_fifo_drop(struct mix_fifo *f, size_t n);
void mix_fifo_drop_back(struct mix_fifo *f, size_t n);

/** Amplitude of a level in dBFS. */
float mix_db_to_amp(double db);
/** Leading frames of pcm whose every sample is within +-threshold. */
size_t mix_silent_head(const float *pcm, size_t frames, int ch, float threshold);
/** Trailing frames of pcm whose every sample is within +-threshold. */
size_t mix_silent_tail(const float *pcm, size_t frames, int ch, float threshold);

/** Equal-power crossfade gains at position pos of a fade len frames long:
 *  *out for the outgoing track (1 -> 0), *in for the incoming (0 -> 1). */
void mix_fade_gains(size_t pos, size_t len, float *out, float *in);
/** dst[i] = dst[i] * in-gain + tail[i] * out-gain, for n frames starting at
 *  position pos of a fade of len frames. */
void mix_crossfade(float *dst, const float *tail, size_t n, int ch, size_t pos, size_t len);
/** Scale n frames by the incoming gain only (a fade-in against nothing). */
void mix_fade_in(float *dst, size_t n, int ch, size_t pos, size_t len);
/** Keep samples within [-1, 1]: crossfades of correlated audio can exceed it. */
void mix_clamp(float *pcm, size_t samples);

/*
 * A look-ahead peak limiter: what comes out never exceeds the ceiling, and
 * the gain moves smoothly (down over the look-ahead, up over the release),
 * so a crossfade of two loud masters is turned down for the moment it
 * would exceed full scale instead of being flattened (mix_clamp's
 * distortion). It delays the stream by the look-ahead.
 */
struct mix_limiter {
	int	 ch;
	float	 ceiling;
	size_t	 la;		/* look-ahead, frames */
	float	 rel;		/* release: the gain's step toward 1 per frame, as a fraction */
	float	*delay;		/* la frames of audio, a ring */
	float	*need;		/* gain each of the last 2 la frames needs, a ring */
	size_t	*dq;		/* the sliding minimum's candidates (indexes), a ring */
	size_t	 dq_head, dq_len;
	float	*box;		/* the last la smoothed gains, a ring */
	double	 box_sum;
	float	 r;		/* the released minimum */
	size_t	 t;		/* frames seen */
	float	 min_gain;	/* the lowest gain applied (stats, tests) */
};

/** ceiling_db (e.g. -1), look-ahead and release in ms, at rate. */
void mix_limiter_init(struct mix_limiter *l, int ch, int rate, double ceiling_db,
    double lookahead_ms, double release_ms);
void mix_limiter_free(struct mix_limiter *l);
/** Limit n frames in place (delayed by the look-ahead). */
void mix_limit(struct mix_limiter *l, float *pcm, size_t n);

#endif
