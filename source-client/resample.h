/*
 * resample.h: convert interleaved float PCM from a track's rate and channel
 * count to the output's, with libswresample (using its SoX engine where
 * available). Same rate and channels pass through untouched.
 */
#ifndef FSRC_RESAMPLE_H
#define FSRC_RESAMPLE_H

#include <stddef.h>

struct resample;

/** A converter from (in_rate, in_ch) to (out_rate, out_ch); NULL with a
 *  reason in err if libswresample refuses. */
struct resample *resample_new(int in_rate, int in_ch, int out_rate, int out_ch,
    char *err, size_t errlen);
/** Convert n input frames; *out points at the result (valid until the next
 *  call). Returns output frames, or -1. */
long resample_run(struct resample *r, const float *in, size_t n, const float **out);
/** Drain what the filter still holds at the end of a track. */
long resample_flush(struct resample *r, const float **out);
int resample_in_rate(const struct resample *r);
int resample_in_channels(const struct resample *r);
void resample_free(struct resample *r);

#endif
