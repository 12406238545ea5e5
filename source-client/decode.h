/*
 * decode.h: open an audio file and read it as interleaved 32-bit float PCM
 * at its own rate and channel count, with its tags. MP3 goes through
 * libmpg123; FLAC, WAV, Ogg Vorbis/Opus (and whatever else libavformat
 * knows) through libavformat/libavcodec.
 */
#ifndef FSRC_DECODE_H
#define FSRC_DECODE_H

#include <stddef.h>
#include <stdint.h>

struct decode;

/** Open path; NULL with a reason in err if it is missing, unreadable or
 *  not audio we can decode. */
struct decode *decode_open(const char *path, char *err, size_t errlen);
/** Decode the next chunk: *pcm points at frames * channels floats, valid
 *  until the next call. Returns frames (> 0), 0 at the end, -1 on an error
 *  that ends the track (reason in err). The rate and channel count of the
 *  chunk are decode_rate()/decode_channels() after the call: they may
 *  change mid-file. */
long decode_read(struct decode *d, const float **pcm, char *err, size_t errlen);
int decode_rate(const struct decode *d);
int decode_channels(const struct decode *d);
/** "mpg123" or "libavcodec <codec>". */
const char *decode_engine(const struct decode *d);
/** Tags as UTF-8, or NULL when the file has none. */
const char *decode_artist(const struct decode *d);
const char *decode_title(const struct decode *d);
void decode_close(struct decode *d);
/** The file's length in seconds from its headers (a Xing/LAME frame, the
 *  container's duration; else mpg123's estimate from the file size), or -1
 *  when nothing says. Costs nothing: no scan of the file. */
double decode_duration(const struct decode *d);
/** The file's ReplayGain track gain (dB, relative to -18 LUFS): 1 if tagged. */
int decode_replaygain(const struct decode *d, double *db);

/** Open a remote http(s):// stream with libavformat. It blocks on the
 *  network, and every later decode_read() may too: call from a thread of
 *  its own (remote.c); interrupt(arg) non-zero aborts the wait. */
struct decode *decode_open_url(const char *url, int (*interrupt)(void *), void *arg,
    char *err, size_t errlen);
/** A remote stream's title: its latest ICY StreamTitle, else its icy-name;
 *  NULL without either. Allocated. */
char *decode_icy_title(const struct decode *d);
/** A stream that read(arg, buf, n) supplies (bytes read, or a negative
 *  AVERROR at its end), in the libavformat container format ("ogg",
 *  "aac"): a live DJ's. read may block, so this is for a thread. */
struct decode *decode_open_stream(int (*read)(void *arg, uint8_t *buf, int n), void *arg,
    const char *format, char *err, size_t errlen);
/** The tags changed mid-stream (chained Ogg): 1 once per change. */
int decode_tags_changed(struct decode *d);

/** Quiet the libraries' own printing (their messages go to our log at debug). */
void decode_global_init(void);

#endif
