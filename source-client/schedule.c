/*
 * schedule.c: the programme's sections of the config file, checked, and
 * the week arithmetic of the schedule (schedule.h). No I/O, no clock.
 *
 *     [playlist music]          source = music/      shuffle = yes
 *     [playlist jingles]        source = jingles.m3u every = 2
 *     [playlist ids]            source = ids/        at = :00
 *     [rotation day]            playlists = music:3, oldies:1, jingles, ids
 *     [schedule]                mon-fri 06:00-10:00 = morning
 *                               sat,sun 22:00-02:00 = http://dj.example/show
 *                               default = day
 *                               switch = boundary
 *
 * The schedule is a set of intervals on a circle of SCHED_WEEK seconds
 * (Monday 00:00 is 0): a slot that ends past midnight runs into the next
 * day, Sunday's into Monday's. Intervals may not overlap; time no slot
 * covers plays the default.
 */
#include "schedule.h"
#include "../server/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Why 100: a weight or an every-N beyond that is a typo, not a programme. */
#define SCHED_MAX_WEIGHT 100
#define SCHED_MAX_EVERY 100

enum { SEC_NONE, SEC_PLAYLIST, SEC_ROTATION, SEC_SCHEDULE };

static const char *const day_names[7] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

/* An empty programme. */
struct sched *
sched_new(void)
{
	struct sched *s = xcalloc(1, sizeof *s);

	s->default_rot = SIZE_MAX;
	return s;
}

/* Free the programme. */
void
sched_free(struct sched *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->npl; i++) {
		free(s->pl[i].name);
		free(s->pl[i].source);
	}
	for (i = 0; i < s->nrot; i++) {
		free(s->rot[i].name);
		free(s->rot[i].m);
		free(s->rot[i].spec);
	}
	for (i = 0; i < s->nslot; i++) {
		free(s->slot[i].when);
		free(s->slot[i].target);
	}
	free(s->pl);
	free(s->rot);
	free(s->slot);
	free(s->default_target);
	free(s);
}

/* "mon" for 0 ... "sun" for 6. */
const char *
sched_day_name(int day)
{
	return day >= 0 && day < 7 ? day_names[day] : "?";
}

/* The playlist named name, or SIZE_MAX. */
static size_t
find_pl(const struct sched *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->npl; i++)
		if (strcmp(s->pl[i].name, name) == 0)
			return i;
	return SIZE_MAX;
}

/* The rotation named name, or SIZE_MAX. */
static size_t
find_rot(const struct sched *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nrot; i++)
		if (strcmp(s->rot[i].name, name) == 0)
			return i;
	return SIZE_MAX;
}

/* Append a playlist with default settings. */
static struct sched_playlist *
add_pl(struct sched *s, const char *name, int line)
{
	struct sched_playlist *p;

	s->pl = xreallocarray(s->pl, s->npl + 1, sizeof *s->pl);
	p = &s->pl[s->npl++];
	memset(p, 0, sizeof *p);
	p->name = xstrdup(name);
	p->line = line;
	p->shuffle = p->loop = -1;
	p->crossfade = -1.0;
	p->weight = 1;
	return p;
}

/* Append an empty rotation. */
static struct sched_rotation *
add_rot(struct sched *s, const char *name, int line)
{
	struct sched_rotation *r;

	s->rot = xreallocarray(s->rot, s->nrot + 1, sizeof *s->rot);
	r = &s->rot[s->nrot++];
	memset(r, 0, sizeof *r);
	r->name = xstrdup(name);
	r->line = line;
	return r;
}

/* Add a member to a rotation. */
static void
add_member(struct sched_rotation *r, size_t pl, int weight)
{
	r->m = xreallocarray(r->m, r->nm + 1, sizeof *r->m);
	r->m[r->nm].pl = pl;
	r->m[r->nm].weight = weight;
	r->nm++;
}

/* A name may hold letters, digits and - _ . (it shows in logs and hooks). */
static int
valid_name(const char *n)
{
	if (*n == '\0')
		return 0;
	for (; *n != '\0'; n++)
		if (!isalnum((unsigned char)*n) && *n != '-' && *n != '_' && *n != '.')
			return 0;
	return 1;
}

/* Start a section if header names one of ours. */
int
sched_section(struct sched *s, const char *header, int line, char *err, size_t errlen)
{
	static const struct { const char *word; int kind; } kinds[] = {
		{ "playlist", SEC_PLAYLIST }, { "rotation", SEC_ROTATION },
		{ "schedule", SEC_SCHEDULE },
	};
	const char *name = NULL;
	size_t i, n;

	for (i = 0; i < FLOE_NELEM(kinds); i++) {
		n = strlen(kinds[i].word);
		if (strncmp(header, kinds[i].word, n) == 0 &&
		    (header[n] == '\0' || isspace((unsigned char)header[n]))) {
			for (name = header + n; isspace((unsigned char)*name); name++)
				;
			break;
		}
	}
	if (name == NULL)
		return 0;
	s->cur_kind = kinds[i].kind;
	if (kinds[i].kind == SEC_SCHEDULE) {
		if (*name != '\0') {
			snprintf(err, errlen, "[schedule] takes no name");
			return -1;
		}
		if (s->has_schedule) {
			snprintf(err, errlen, "a second [schedule] section: one schedule per config");
			return -1;
		}
		s->has_schedule = 1;
		return 1;
	}
	if (!valid_name(name)) {
		snprintf(err, errlen, "[%s NAME]: a name of letters, digits, - _ or . is needed",
		    kinds[i].word);
		return -1;
	}
	if (find_pl(s, name) != SIZE_MAX || find_rot(s, name) != SIZE_MAX) {
		snprintf(err, errlen, "\"%s\" is already the name of a playlist or rotation", name);
		return -1;
	}
	if (kinds[i].kind == SEC_PLAYLIST) {
		add_pl(s, name, line);
		s->cur = s->npl - 1;
	} else {
		add_rot(s, name, line);
		s->cur = s->nrot - 1;
	}
	return 1;
}

/* "HH:MM" (00:00 to 24:00) in seconds; -1 if malformed. */
static long
parse_hhmm(const char *t, size_t n)
{
	long h, m;
	char buf[8];

	if (n < 4 || n > 5 || t[n - 3] != ':')
		return -1;
	memcpy(buf, t, n);
	buf[n] = '\0';
	buf[n - 3] = '\0';
	if (!isdigit((unsigned char)buf[0]) || !isdigit((unsigned char)buf[n - 2]) ||
	    parse_long(buf, 0, 24, &h) != 0 || parse_long(buf + n - 2, 0, 59, &m) != 0 ||
	    (h == 24 && m != 0))
		return -1;
	return h * 3600 + m * 60;
}

/* A day name (mon, monday, ...): 0-6, or -1. */
static int
parse_day(const char *t, size_t n)
{
	static const char *const full[7] = { "monday", "tuesday", "wednesday", "thursday",
	    "friday", "saturday", "sunday" };
	int d;

	for (d = 0; d < 7; d++)
		if ((n == 3 && strncasecmp(t, day_names[d], 3) == 0) ||
		    (n == strlen(full[d]) && strncasecmp(t, full[d], n) == 0))
			return d;
	return -1;
}

/* "mon-fri", "sat,sun", "daily", "weekdays", "fri-mon": a day mask, or 0. */
static unsigned
parse_days(const char *t)
{
	unsigned mask = 0;
	const char *p = t;

	if (strcasecmp(t, "daily") == 0 || strcmp(t, "*") == 0)
		return 0x7f;
	if (strcasecmp(t, "weekdays") == 0)
		return 0x1f;
	if (strcasecmp(t, "weekends") == 0)
		return 0x60;
	while (*p != '\0') {
		const char *comma = strchr(p, ','), *end = comma != NULL ? comma : p + strlen(p);
		const char *dash = memchr(p, '-', (size_t)(end - p));
		int a, b;

		while (p < end && isspace((unsigned char)*p))
			p++;
		if (dash != NULL) {
			a = parse_day(p, (size_t)(dash - p));
			b = parse_day(dash + 1, (size_t)(end - dash - 1));
		} else
			a = b = parse_day(p, (size_t)(end - p));
		if (a < 0 || b < 0)
			return 0;
		for (;; a = (a + 1) % 7) {	/* fri-mon wraps round the week */
			mask |= 1u << a;
			if (a == b)
				break;
		}
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return mask;
}

/* A [schedule] line "DAYS HH:MM-HH:MM = TARGET" (DAYS may be left out). */
static int
add_slot(struct sched *s, const char *when, const char *target, int line, char *err,
    size_t errlen)
{
	const char *sp = strrchr(when, ' '), *times = sp != NULL ? sp + 1 : when, *dash;
	struct sched_slot *sl;
	unsigned days = 0x7f;
	long a, b;

	if (sp != NULL) {
		char *d = xstrndup(when, (size_t)(sp - when));
		days = parse_days(str_trim(d));
		free(d);
		if (days == 0) {
			snprintf(err, errlen, "schedule: bad days in \"%s\" (mon-fri, sat,sun, "
			    "daily...)", when);
			return -1;
		}
	}
	if ((dash = strchr(times, '-')) == NULL ||
	    (a = parse_hhmm(times, (size_t)(dash - times))) < 0 ||
	    (b = parse_hhmm(dash + 1, strlen(dash + 1))) < 0) {
		snprintf(err, errlen, "schedule: \"%s\" is not [DAYS] HH:MM-HH:MM (e.g. "
		    "mon-fri 06:00-10:00)", when);
		return -1;
	}
	if (a == 86400 || a == b) {
		snprintf(err, errlen, "schedule: %s is empty or unclear (00:00-24:00 is all day)",
		    times);
		return -1;
	}
	if (b < a)
		b += 86400;	/* 22:00-02:00 runs into the next day */
	if (*target == '\0') {
		snprintf(err, errlen, "schedule: %s plays what? (a rotation, playlist or URL)",
		    when);
		return -1;
	}
	s->slot = xreallocarray(s->slot, s->nslot + 1, sizeof *s->slot);
	sl = &s->slot[s->nslot++];
	memset(sl, 0, sizeof *sl);
	sl->line = line;
	sl->when = xstrdup(when);
	sl->target = xstrdup(target);
	sl->days = days;
	sl->start = a;
	sl->end = b;
	sl->rot = SIZE_MAX;
	return 0;
}

/* "at = :00, :30" (or "00, 30", "hourly = yes"): the minute mask, or 0. */
static uint64_t
parse_at(const char *v)
{
	char *copy = xstrdup(v), *tok, *save = NULL;
	uint64_t mask = 0;
	long m;

	for (tok = strtok_r(copy, ", \t", &save); tok != NULL; tok = strtok_r(NULL, ", \t", &save)) {
		if (*tok == ':')
			tok++;
		if (!isdigit((unsigned char)*tok) || parse_long(tok, 0, 59, &m) != 0) {
			mask = 0;
			break;
		}
		mask |= (uint64_t)1 << m;
	}
	free(copy);
	return mask;
}

/* One key of a [playlist NAME] section. */
static int
playlist_set(struct sched_playlist *p, const char *key, const char *v, const char *base_dir,
    char *err, size_t errlen)
{
	long l;
	int b;

	if (strcmp(key, "source") == 0) {
		free(p->source);
		p->is_url = url_has_scheme(v) && strncasecmp(v, "file://", 7) != 0;
		if (strcmp(v, "-") == 0) {
			snprintf(err, errlen, "source: standard input is for the single playlist "
			    "(playlist = -) only");
			return -1;
		}
		if (p->is_url || v[0] == '/' || base_dir == NULL || *base_dir == '\0')
			p->source = xstrdup(v);
		else
			p->source = xasprintf("%s/%s", base_dir, v);
	} else if (strcmp(key, "shuffle") == 0 || strcmp(key, "loop") == 0) {
		if (parse_bool(v, &b) != 0) {
			snprintf(err, errlen, "%s must be yes or no", key);
			return -1;
		}
		*(strcmp(key, "shuffle") == 0 ? &p->shuffle : &p->loop) = b;
	} else if (strcmp(key, "crossfade") == 0) {
		if (parse_double(v, 0, 30, &p->crossfade) != 0) {
			snprintf(err, errlen, "crossfade must be 0 to 30 seconds");
			return -1;
		}
	} else if (strcmp(key, "weight") == 0) {
		if (parse_long(v, 1, SCHED_MAX_WEIGHT, &l) != 0) {
			snprintf(err, errlen, "weight must be 1 to %d", SCHED_MAX_WEIGHT);
			return -1;
		}
		p->weight = (int)l;
	} else if (strcmp(key, "every") == 0) {
		if (parse_long(v, 1, SCHED_MAX_EVERY, &l) != 0) {
			snprintf(err, errlen, "every must be 1 to %d (songs between two of these)",
			    SCHED_MAX_EVERY);
			return -1;
		}
		p->every = (int)l;
	} else if (strcmp(key, "at") == 0) {
		if ((p->at = parse_at(v)) == 0) {
			snprintf(err, errlen, "at must be minutes past the hour: :00 or :15, :45");
			return -1;
		}
	} else if (strcmp(key, "hourly") == 0) {
		if (parse_bool(v, &b) != 0) {
			snprintf(err, errlen, "hourly must be yes or no");
			return -1;
		}
		p->at = b ? 1 : 0;
	} else {
		snprintf(err, errlen, "unknown playlist setting \"%s\" (source, shuffle, loop, "
		    "crossfade, weight, every, at, hourly)", key);
		return -1;
	}
	if (p->every != 0 && p->at != 0) {
		snprintf(err, errlen, "a playlist plays every N songs or at given minutes, not both");
		return -1;
	}
	return 0;
}

/* One key of the current programme section. */
int
sched_set(struct sched *s, const char *key, const char *v, const char *base_dir, int line,
    char *err, size_t errlen)
{
	switch (s->cur_kind) {
	case SEC_PLAYLIST:
		return playlist_set(&s->pl[s->cur], key, v, base_dir, err, errlen);
	case SEC_ROTATION:
		if (strcmp(key, "playlists") != 0) {
			snprintf(err, errlen, "unknown rotation setting \"%s\" (playlists = NAME[:WEIGHT], "
			    "...)", key);
			return -1;
		}
		free(s->rot[s->cur].spec);
		s->rot[s->cur].spec = xstrdup(v);
		s->rot[s->cur].spec_line = line;
		return 0;
	case SEC_SCHEDULE:
		if (strcmp(key, "default") == 0) {
			free(s->default_target);
			s->default_target = xstrdup(v);
			s->default_line = line;
			return 0;
		}
		if (strcmp(key, "switch") == 0) {
			if (strcmp(v, "boundary") == 0)
				s->switch_now = 0;
			else if (strcmp(v, "now") == 0)
				s->switch_now = 1;
			else {
				snprintf(err, errlen, "switch must be boundary (at the next track) or "
				    "now (fading the track out)");
				return -1;
			}
			return 0;
		}
		return add_slot(s, key, v, line, err, errlen);
	}
	snprintf(err, errlen, "no section for \"%s\"", key);
	return -1;
}

/* Is this playlist an insert rather than a weighted member? */
int
sched_is_insert(const struct sched_playlist *pl)
{
	return pl->every > 0 || pl->at != 0;
}

/* Parse a rotation's "music:3, oldies, jingles" into members. */
static int
resolve_rotation(struct sched *s, struct sched_rotation *r, char *err, size_t errlen)
{
	char *copy, *tok, *save = NULL;
	size_t weighted = 0;
	int rc = 0;

	if (r->spec == NULL) {
		snprintf(err, errlen, "line %d: rotation %s has no playlists = ...", r->line,
		    r->name);
		return -1;
	}
	copy = xstrdup(r->spec);
	for (tok = strtok_r(copy, ",", &save); tok != NULL && rc == 0;
	    tok = strtok_r(NULL, ",", &save)) {
		char *name = str_trim(tok), *colon = strchr(name, ':');
		size_t pl, i;
		long w = 0;

		if (colon != NULL) {
			*colon = '\0';
			if (parse_long(str_trim(colon + 1), 1, SCHED_MAX_WEIGHT, &w) != 0) {
				snprintf(err, errlen, "line %d: rotation %s: weight of %s must be 1 to %d",
				    r->spec_line, r->name, str_trim(name), SCHED_MAX_WEIGHT);
				rc = -1;
				break;
			}
			name = str_trim(name);
		}
		if ((pl = find_pl(s, name)) == SIZE_MAX) {
			snprintf(err, errlen, "line %d: rotation %s: no [playlist %s]", r->spec_line,
			    r->name, name);
			rc = -1;
			break;
		}
		for (i = 0; i < r->nm; i++)
			if (r->m[i].pl == pl) {
				snprintf(err, errlen, "line %d: rotation %s names %s twice",
				    r->spec_line, r->name, name);
				rc = -1;
			}
		if (rc != 0)
			break;
		if (sched_is_insert(&s->pl[pl])) {
			if (w != 0) {
				snprintf(err, errlen, "line %d: rotation %s: %s plays %s, not by "
				    "weight", r->spec_line, r->name, name, s->pl[pl].every ?
				    "every N songs" : "at given minutes");
				rc = -1;
				break;
			}
		} else {
			weighted++;
			if (w == 0)
				w = s->pl[pl].weight;
		}
		add_member(r, pl, (int)w);
	}
	free(copy);
	if (rc == 0 && weighted == 0) {
		snprintf(err, errlen, "line %d: rotation %s has only inserts (every/at): it needs a "
		    "playlist of songs too", r->spec_line, r->name);
		rc = -1;
	}
	return rc;
}

/* The rotation a schedule target names: a rotation; a playlist alone (a
 * rotation of one is made); a URL (a one-entry playlist is made). */
static size_t
resolve_target(struct sched *s, const char *target, int line, char *err, size_t errlen)
{
	size_t r, pl;
	char *name;

	if ((r = find_rot(s, target)) != SIZE_MAX)
		return r;
	if ((pl = find_pl(s, target)) != SIZE_MAX) {
		add_member(add_rot(s, target, 0), pl, 1);
		return s->nrot - 1;
	}
	if (!url_has_scheme(target)) {
		snprintf(err, errlen, "line %d: schedule: no [rotation %s] or [playlist %s]",
		    line, target, target);
		return SIZE_MAX;
	}
	/* A URL's one-entry playlist and rotation are named by the URL without
	 * its password: the name is shown by ctl schedule, the API and hooks. */
	name = url_without_credentials(target);
	if ((r = find_rot(s, name)) == SIZE_MAX) {
		add_pl(s, name, 0)->source = xstrdup(target);
		pl = s->npl - 1;
		s->pl[pl].is_url = 1;
		add_member(add_rot(s, name, 0), pl, 1);
		r = s->nrot - 1;
	}
	free(name);
	return r;
}

/* The week's intervals of slot i on day d: [a, a + len). */
static void
slot_interval(const struct sched_slot *sl, int d, long *a, long *len)
{
	*a = (long)d * 86400 + sl->start;
	*len = sl->end - sl->start;
}

/* Does [a, a+len) on the week's circle hold ws? */
static int
holds(long a, long len, long ws)
{
	long off = ((ws - a) % SCHED_WEEK + SCHED_WEEK) % SCHED_WEEK;

	return off < len;
}

/* "mon 06:00" for a week second. */
static void
week_time(long ws, char *buf, size_t n)
{
	ws = (ws % SCHED_WEEK + SCHED_WEEK) % SCHED_WEEK;
	snprintf(buf, n, "%s %02ld:%02ld", day_names[ws / 86400], ws % 86400 / 3600,
	    ws % 3600 / 60);
}

/* Which slot holds ws; SIZE_MAX if none. */
static size_t
slot_at(const struct sched *s, long ws)
{
	size_t i;
	int d;

	for (i = 0; i < s->nslot; i++)
		for (d = 0; d < 7; d++) {
			long a, len;

			if (!(s->slot[i].days & (1u << d)))
				continue;
			slot_interval(&s->slot[i], d, &a, &len);
			if (holds(a, len, ws))
				return i;
		}
	return SIZE_MAX;
}

/* Check and resolve the whole programme. */
int
sched_check(struct sched *s, char *err, size_t errlen)
{
	size_t i, j, nrot = s->nrot;
	int d, e;

	for (i = 0; i < s->npl; i++)
		if (s->pl[i].source == NULL) {
			snprintf(err, errlen, "line %d: playlist %s has no source = FILE|FOLDER|URL",
			    s->pl[i].line, s->pl[i].name);
			return -1;
		}
	for (i = 0; i < nrot; i++)
		if (s->rot[i].nm == 0 && resolve_rotation(s, &s->rot[i], err, errlen) != 0)
			return -1;
	for (i = 0; i < s->nslot; i++)
		if (s->slot[i].rot == SIZE_MAX &&
		    (s->slot[i].rot = resolve_target(s, s->slot[i].target, s->slot[i].line, err,
		    errlen)) == SIZE_MAX)
			return -1;
	if (s->default_target != NULL && s->default_rot == SIZE_MAX &&
	    (s->default_rot = resolve_target(s, s->default_target, s->default_line, err,
	    errlen)) == SIZE_MAX)
		return -1;
	if (!s->has_schedule && s->default_rot == SIZE_MAX) {
		/* No schedule: the one rotation, or every playlist as one. */
		if (nrot > 1) {
			snprintf(err, errlen, "line %d: %zu rotations and no [schedule] saying which "
			    "plays when (default = NAME at least)", s->rot[1].line, nrot);
			return -1;
		}
		if (nrot == 0) {
			struct sched_rotation *r = add_rot(s, "all", 0);
			size_t weighted = 0;

			for (i = 0; i < s->npl; i++) {
				add_member(r, i, s->pl[i].weight);
				weighted += !sched_is_insert(&s->pl[i]);
			}
			if (weighted == 0) {
				snprintf(err, errlen, "line %d: every playlist is an insert (every/at): "
				    "one of songs is needed", s->pl[0].line);
				return -1;
			}
		}
		s->default_rot = 0;
	}
	if (s->has_schedule && s->nslot == 0 && s->default_rot == SIZE_MAX) {
		snprintf(err, errlen, "[schedule] has no slots and no default = NAME");
		return -1;
	}
	/* Slots may not overlap: which would play? */
	for (i = 0; i < s->nslot; i++)
		for (d = 0; d < 7; d++) {
			long a, la;

			if (!(s->slot[i].days & (1u << d)))
				continue;
			slot_interval(&s->slot[i], d, &a, &la);
			for (j = i; j < s->nslot; j++)
				for (e = j == i ? d + 1 : 0; e < 7; e++) {
					long b, lb;
					char at[32];

					if (!(s->slot[j].days & (1u << e)))
						continue;
					slot_interval(&s->slot[j], e, &b, &lb);
					if (!holds(a, la, b) && !holds(b, lb, a))
						continue;
					week_time(holds(a, la, b) ? b : a, at, sizeof at);
					snprintf(err, errlen, "line %d: schedule: \"%s\" overlaps line "
					    "%d (\"%s\") at %s", s->slot[j].line, s->slot[j].when,
					    s->slot[i].line, s->slot[i].when, at);
					return -1;
				}
		}
	/* Without a default, the slots must cover the week. */
	if (s->default_rot == SIZE_MAX) {
		long ws;
		for (ws = 0; ws < SCHED_WEEK; ws += 60)
			if (slot_at(s, ws) == SIZE_MAX) {
				char at[32];
				week_time(ws, at, sizeof at);
				snprintf(err, errlen, "schedule: nothing is scheduled %s: add default "
				    "= NAME", at);
				return -1;
			}
	}
	return 0;
}

/* Seconds since Monday 00:00. */
long
sched_week_seconds(const struct tm *tm)
{
	return (long)((tm->tm_wday + 6) % 7) * 86400 + tm->tm_hour * 3600L + tm->tm_min * 60L +
	    FLOE_MIN(tm->tm_sec, 59);
}

/* What is scheduled at ws. */
size_t
sched_at(const struct sched *s, long ws, const struct sched_slot **slot)
{
	size_t i = slot_at(s, ws);

	if (slot != NULL)
		*slot = i != SIZE_MAX ? &s->slot[i] : NULL;
	return i != SIZE_MAX ? s->slot[i].rot : s->default_rot;
}

/* Seconds until what is scheduled changes: the nearest slot edge after ws
 * at which the rotation differs. */
long
sched_next_change(const struct sched *s, long ws, size_t *rot)
{
	size_t now = sched_at(s, ws, NULL), i, r;
	long best = -1;
	int d, k;

	for (i = 0; i < s->nslot; i++)
		for (d = 0; d < 7; d++) {
			long a, len;

			if (!(s->slot[i].days & (1u << d)))
				continue;
			slot_interval(&s->slot[i], d, &a, &len);
			for (k = 0; k < 2; k++) {
				long edge = k == 0 ? a : a + len;
				long delta = ((edge - ws) % SCHED_WEEK + SCHED_WEEK) % SCHED_WEEK;

				if (delta == 0)
					delta = SCHED_WEEK;
				if (best >= 0 && delta >= best)
					continue;
				if ((r = sched_at(s, ws + delta, NULL)) == now)
					continue;
				best = delta;
				if (rot != NULL)
					*rot = r;
			}
		}
	return best;
}

/* "music:3, oldies:1, jingles every 2, ids at :00, :30" */
void
sched_rotation_desc(const struct sched *s, const struct sched_rotation *r, struct sbuf *sb)
{
	size_t i, weighted = 0;
	int m, first;

	for (i = 0; i < r->nm; i++)
		weighted += !sched_is_insert(&s->pl[r->m[i].pl]);
	for (i = 0; i < r->nm; i++) {
		const struct sched_playlist *p = &s->pl[r->m[i].pl];

		sbuf_addf(sb, "%s%s", i ? ", " : "", p->name);
		if (p->every)
			sbuf_addf(sb, " every %d", p->every);
		else if (p->at) {
			sbuf_adds(sb, " at");
			for (m = 0, first = 1; m < 60; m++)
				if (p->at & ((uint64_t)1 << m)) {
					sbuf_addf(sb, "%s:%02d", first ? " " : ", ", m);
					first = 0;
				}
		} else if (weighted > 1)	/* a weight means something among several */
			sbuf_addf(sb, ":%d", r->m[i].weight);
	}
}

/* The week, day by day: spans with what plays in each. */
void
sched_describe_week(const struct sched *s, struct sbuf *sb)
{
	long ws = 0;
	int d;

	for (d = 0; d < 7; d++) {
		long day_end = (long)(d + 1) * 86400;
		int first = 1;

		ws = (long)d * 86400;
		while (ws < day_end) {
			const struct sched_slot *sl;
			size_t r = sched_at(s, ws, &sl), r2;
			long next = sched_next_change(s, ws, &r2), end;

			/* Spans end at a change, or at midnight (one line per day). */
			end = next < 0 || ws + next > day_end ? day_end : ws + next;
			sbuf_addf(sb, "  %s %02ld:%02ld-%02ld:%02ld  %s", first ? day_names[d] : "   ",
			    ws % 86400 / 3600, ws % 3600 / 60, (end - (long)d * 86400) / 3600,
			    (end - (long)d * 86400) % 3600 / 60,
			    r != SIZE_MAX ? s->rot[r].name : "(nothing)");
			if (sl != NULL)
				sbuf_addf(sb, "  (line %d: %s)\n", sl->line, sl->when);
			else
				sbuf_adds(sb, s->has_schedule ? "  (default)\n" : "\n");
			first = 0;
			ws = end;
		}
	}
}
