/*
 * remote.h: a relayed remote stream (http:// or https://) as a playlist
 * entry. libavformat's network reads block, so a thread of its own opens,
 * decodes and resamples the stream into a bounded buffer of PCM at the
 * output's rate and channels; the player (on the event loop) only ever
 * takes what is there, never waits.
 */
#ifndef FSRC_REMOTE_H
#define FSRC_REMOTE_H

#include <stddef.h>

enum remote_state {
	REMOTE_CONNECTING,	/* opening, or filling its first buffer */
	REMOTE_PLAYING,		/* buffered: its PCM may be taken */
	REMOTE_ENDED,		/* the remote ended (what is buffered still plays) */
	REMOTE_FAILED,		/* could not connect, stalled or broke (remote_error) */
};

struct remote;

/** Is path a URL this module plays (http:// or https://)? */
int remote_is_url(const char *path);

/** Start relaying url as rate Hz, channels-channel PCM; never blocks. */
struct remote *remote_open(const char *url, int rate, int channels);
/** Stop: the thread is told to stop and frees what is left when it does
 *  (a DNS lookup cannot be interrupted, so nothing waits for it). */
void remote_close(struct remote *r);

enum remote_state remote_state(struct remote *r);
/** Take up to frames frames of PCM into out; the number taken (0: none
 *  buffered now). */
size_t remote_read(struct remote *r, float *out, size_t frames);
/** Why it failed ("" if it did not). Valid until remote_close(). */
const char *remote_error(struct remote *r);
/** The remote's title (ICY StreamTitle, else icy-name) if it changed since
 *  the last call, else NULL. Allocated. */
char *remote_take_title(struct remote *r);
/** "libavcodec mp3 (mp3, relayed), 44100 Hz, 2 ch", once connected. */
void remote_describe(struct remote *r, char *buf, size_t n);

#endif
