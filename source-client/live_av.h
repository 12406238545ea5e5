/*
 * live_av.h: a live DJ's Ogg (Vorbis, Opus) or AAC (ADTS) stream, decoded
 * on a thread of its own. The event loop hands it bytes as they arrive and
 * takes back PCM at the station's rate (and titles from Ogg comments);
 * libavformat, which reads by blocking, runs only on the thread.
 */
#ifndef FSRC_LIVE_AV_H
#define FSRC_LIVE_AV_H

#include <stddef.h>

struct mix_fifo;
struct live_av;

/** The libavformat container for a DJ's Content-Type ("ogg", "aac"), or
 *  NULL when it is not one of these. */
const char *live_av_format(const char *content_type);

/** Start decoding format ("ogg", "aac") to rate/channels; NULL (err) if the
 *  thread cannot start. */
struct live_av *live_av_new(const char *format, int rate, int channels, char *err, size_t errlen);
/** Stop the thread and free everything. */
void live_av_free(struct live_av *a);

/** Bytes from the DJ. -1 if the decoder is far behind or has failed (the
 *  DJ should be dropped; the reason is in live_av_error()). */
int live_av_feed(struct live_av *a, const void *buf, size_t n);
/** No more bytes will come: decode what there is to its end. */
void live_av_end(struct live_av *a);
/** Move the decoded frames into dst (a FIFO at the station's format):
 *  how many. */
size_t live_av_take(struct live_av *a, struct mix_fifo *dst);
/** A title from the stream's comments ("Artist - Title"), allocated, once
 *  per change; NULL when none is new. */
char *live_av_take_title(struct live_av *a);
const char *live_av_error(struct live_av *a);

#endif
