/*
 * history.c: the played-tracks ring (history.h). A fixed array used as a
 * ring: the oldest entry is overwritten once HISTORY_MAX are kept, so the
 * cost of a track change is one strdup of its title and path, whatever the
 * station's uptime.
 */
#include "history.h"
#include "../server/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A title or path in `ctl history` is cut at this many bytes. */
#define HISTORY_TEXT_MAX 1024

struct history {
	struct history_entry	 e[HISTORY_MAX];
	size_t			 first;		/* index of the oldest */
	size_t			 n;
	int			 ended;		/* the newest has ended (no current track) */
};

struct history *
history_new(void)
{
	return xcalloc(1, sizeof(struct history));
}

void
history_free(struct history *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < HISTORY_MAX; i++) {
		free(h->e[i].title);
		free(h->e[i].path);
	}
	free(h);
}

/* The i'th kept entry, 0 the oldest (mutable, for this file only). */
static struct history_entry *
entry_at(const struct history *h, size_t i)
{
	return i < h->n ? (struct history_entry *)&h->e[(h->first + i) % HISTORY_MAX] : NULL;
}

void
history_begin(struct history *h, const char *title, const char *path, int64_t wall_ms,
    double audio_s)
{
	struct history_entry *last = entry_at(h, h->n - 1), *e;

	if (h->n > 0 && last->played < 0)
		last->played = history_played(last, audio_s);
	if (h->n == HISTORY_MAX) {
		e = &h->e[h->first];
		h->first = (h->first + 1) % HISTORY_MAX;
		free(e->title);
		free(e->path);
	} else
		e = &h->e[(h->first + h->n++) % HISTORY_MAX];
	e->title = xstrdup(title != NULL ? title : "");
	e->path = xstrdup(path != NULL ? path : "");
	e->started_ms = wall_ms;
	e->started_at = audio_s;
	e->played = -1;
	e->skipped = 0;
}

void
history_skipped(struct history *h)
{
	struct history_entry *e = (struct history_entry *)history_current(h);

	if (e != NULL)
		e->skipped = 1;
}

size_t
history_len(const struct history *h)
{
	return h->n;
}

const struct history_entry *
history_get(const struct history *h, size_t i)
{
	return entry_at(h, i);
}

const struct history_entry *
history_current(const struct history *h)
{
	const struct history_entry *e = h->n > 0 ? entry_at(h, h->n - 1) : NULL;

	return e != NULL && e->played < 0 ? e : NULL;
}

double
history_played(const struct history_entry *e, double audio_s)
{
	if (e->played >= 0)
		return e->played;
	return audio_s > e->started_at ? audio_s - e->started_at : 0;
}

void
history_iso8601(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char day[32];

	gmtime_r(&t, &tm);
	strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03dZ", day, (int)(ms % 1000));
}

/* Index of the first of the last n entries. */
static size_t
from(const struct history *h, size_t n)
{
	return n >= h->n ? 0 : h->n - n;
}

void
history_text(const struct history *h, size_t n, double audio_s, struct sbuf *out)
{
	const struct history_entry *e;
	char when[40], *title, *path;
	size_t i;
	long s;

	for (i = from(h, n); (e = entry_at(h, i)) != NULL; i++) {
		history_iso8601(e->started_ms, when, sizeof when);
		s = (long)(history_played(e, audio_s) + 0.5);
		/* one line each whatever a tag holds: no line break, valid UTF-8 */
		title = str_sanitize(e->title, HISTORY_TEXT_MAX);
		path = str_sanitize(e->path, HISTORY_TEXT_MAX);
		sbuf_addf(out, "%s %3ld:%02ld %-8s %s (%s)\n", when, s / 60, s % 60,
		    e->played < 0 ? "playing" : e->skipped ? "skipped" : "played", title, path);
		free(title);
		free(path);
	}
}

void
history_json(const struct history *h, size_t n, double audio_s, struct sbuf *out)
{
	const struct history_entry *e;
	char when[40];
	size_t i, k = 0;

	sbuf_adds(out, "[");
	for (i = from(h, n); (e = entry_at(h, i)) != NULL; i++) {
		history_iso8601(e->started_ms, when, sizeof when);
		sbuf_adds(out, k++ ? ",\n {\"title\":" : "\n {\"title\":");
		sbuf_add_json(out, e->title);
		sbuf_adds(out, ",\"file\":");
		sbuf_add_json(out, e->path);
		sbuf_addf(out, ",\"started\":\"%s\",\"played\":%.3f,\"playing\":%s,\"skipped\":%s}",
		    when, history_played(e, audio_s), e->played < 0 ? "true" : "false",
		    e->skipped ? "true" : "false");
	}
	sbuf_adds(out, k ? "\n]" : "]");
}
