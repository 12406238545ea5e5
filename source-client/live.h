/*
 * live.h: a live DJ on floe-source itself. A listen socket takes SOURCE/PUT
 * from butt, Mixxx, Liquidsoap or ffmpeg (parsed by the server's own
 * http_parse.c), decodes the DJ's MP3 into a jitter buffer at the station's
 * rate, and live_mix() switches the station's PCM between the playlist and
 * the DJ with crossfades. Titles come from /admin/metadata (or /admin.cgi)
 * requests on the same socket, with the same credentials.
 *
 *   playlist --player_read--> live_mix --> limiter --> every output
 *   DJ --TCP--> mpg123 feed --> resample --> jitter FIFO --^
 */
#ifndef FSRC_LIVE_H
#define FSRC_LIVE_H

#include <stddef.h>

struct event_base;
struct sbuf;
struct live;

struct live_opts {
	const char	*listen;	/* "ADDR:PORT" */
	const char	*user;		/* default "source" */
	const char	*password;
	const char	*mount;		/* NULL: any mount */
	double		 crossfade;	/* seconds, both ways */
	double		 silence;	/* silent this long = gone; 0: never */
	int		 rate;		/* the station's */
	int		 channels;
};

/** A DJ connected (connected = 1) or left: name is their ice-name (or ""),
 *  addr their IP address. */
typedef void live_event_fn(void *arg, int connected, const char *name, const char *addr);

/** Listen on opts->listen; NULL with a reason in err. */
struct live *live_new(struct event_base *base, const struct live_opts *opts, live_event_fn *fn,
    void *arg, char *err, size_t errlen);
void live_free(struct live *l);

/** How the playlist is read: like player_read (one call, frames, 0 at the
 *  end, -1 on error). */
typedef long live_play_fn(void *arg, float *out, size_t want);

/**
 * Fill out with up to want frames: the playlist through play() while no DJ
 * is on, the DJ while one is, a crossfade in between. play() is called at
 * most once (so a track that begins is at out[0]), and not at all while
 * the DJ is on the air: the playlist waits where it was. Returns frames,
 * or what play() returned when it had none.
 */
long live_mix(struct live *l, float *out, size_t want, live_play_fn *play, void *arg);

/**
 * After live_mix: the title the outputs should show from these frames on,
 * or NULL for no change. *back is set when the playlist came back (the
 * caller shows its track's title then; NULL is returned).
 */
const char *live_take_title(struct live *l, int *back);

/** Is the DJ on the air (or fading in)? The outputs show the DJ's title
 *  then, not the playlist's. */
int live_on_air(const struct live *l);
/** The title the outputs show for the DJ on the air; NULL if none is. */
const char *live_on_air_title(const struct live *l);

/** One line or two for `ctl status`. */
void live_describe(const struct live *l, struct sbuf *out);

#endif
