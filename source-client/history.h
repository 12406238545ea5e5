/*
 * history.h: the last HISTORY_MAX tracks the station played, each with
 * when it began (wall clock), how long it played and whether it was
 * skipped. main.c adds a track as it begins (track_started); `ctl history`
 * and GET /api/history read it. Pure: the clocks are passed in. How long a
 * track played is counted in audio sent (the station's frames / rate), so
 * the start-up burst and a pause for want of a server do not distort it.
 */
#ifndef FSRC_HISTORY_H
#define FSRC_HISTORY_H

#include <stddef.h>
#include <stdint.h>

struct sbuf;

/** Why 100: hours of music, a few tens of KiB; enough for a "recently
 *  played" page and for checking what aired in the last shift. */
#define HISTORY_MAX 100

struct history_entry {
	char	*title;
	char	*path;
	int64_t	 started_ms;	/* wall clock, ms since the epoch */
	double	 started_at;	/* seconds of audio the station had sent by then */
	double	 played;	/* seconds; -1 while it plays */
	int	 skipped;
};

struct history;

struct history *history_new(void);
void history_free(struct history *h);
/** A track began (the one before it, if any, ends now). */
void history_begin(struct history *h, const char *title, const char *path, int64_t wall_ms,
    double audio_s);
/** The track playing now was skipped. */
void history_skipped(struct history *h);
/** Tracks kept (at most HISTORY_MAX). */
size_t history_len(const struct history *h);
/** The i'th kept track, 0 the oldest; NULL past the end. */
const struct history_entry *history_get(const struct history *h, size_t i);
/** The track playing now (the newest, if it has not ended), or NULL. */
const struct history_entry *history_current(const struct history *h);
/** Seconds e has played when the station has sent audio_s seconds (its
 *  final length once it has ended). */
double history_played(const struct history_entry *e, double audio_s);

/** The last n tracks, oldest first, one line each (for `ctl history`). */
void history_text(const struct history *h, size_t n, double audio_s, struct sbuf *out);
/** The last n tracks, oldest first, as a JSON array of objects. */
void history_json(const struct history *h, size_t n, double audio_s, struct sbuf *out);
/** ms since the epoch as ISO 8601 UTC with milliseconds ("...T12:00:03.250Z"). */
void history_iso8601(int64_t ms, char *buf, size_t len);

#endif
