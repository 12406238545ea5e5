/*
 * program.c: the programme at run time (program.h).
 *
 * Every playlist of the config is loaded once and keeps its own place, so
 * that a rotation switched away from and back to goes on where it was.
 * At each pick (a track boundary) the clock says which rotation the
 * schedule wants, and the rotation says which of its playlists plays:
 *
 *   1. a timed insert (at = :00) whose latest minute has come since it last
 *      played: a station ID at the first boundary at or after the hour;
 *   2. else an every-N insert that N songs have passed since: a jingle;
 *   3. else a song, from the weighted playlists by smooth weighted round-
 *      robin (music:3, oldies:1 -> music, music, oldies, music, ...:
 *      the shares exact over each round, the minor ones spread out, and
 *      deterministic, so that "next" can be told in advance).
 *
 * An insert plays without crossfade (its joins are cut clean: the song
 * before ends as recorded, the song after starts as recorded) unless its
 * section sets one. A timed insert also counts as the jingle due, so that
 * two inserts never play back to back. peek() runs the same choice on a
 * copy of the state, so next() then returns what peek() said (unless the
 * clock moved on in between).
 */
#include "program.h"
#include "log.h"
#include "player.h"
#include "playlist.h"
#include "schedule.h"
#include "wallclock.h"
#include "../server/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Why 250 ms: switch = now should end the track within a fraction of a
 * second of the slot's edge, and a look at the clock (a file read, when it
 * is injected) four times a second costs nothing. */
#define POLL_INTERVAL_NS (250 * 1000000ULL)
/* A timed insert more than this late (a long track, or its rotation came
 * on later) waits for its next minute: an ID at 10:40 is no top-of-the-hour
 * ID. */
#define TIMED_INSERT_LATE_MAX (15 * 60)

/* One playlist and its state. */
struct prog_list {
	const struct sched_playlist	*sp;
	struct playlist			 pl;
	int				 shuffle, loop;
	int				 watch;		/* a file or folder to watch */
	struct stat			 seen, last;
	int				 changing;
	time_t				 at_done;	/* timed insert: last moment played for */
};

/* One rotation's state. */
struct prog_rot {
	long		*cw;		/* smooth weighted round-robin: current weights */
	unsigned	*since;		/* every-N inserts: songs since each last played */
};

struct program {
	const struct sched	*s;
	struct prog_list	*l;
	struct prog_rot		*r;
	size_t			 active;	/* rotation playing; SIZE_MAX: none yet */
	size_t			 acted;		/* switch = now: the change already acted on */
	uint64_t		 polled;	/* when program_poll last looked */
	struct playlist_entry	 pick, peeked;	/* handed out, crossfade resolved */
	program_event_fn	*event;
	void			*event_arg;
};

/* The latest moment at or before now at one of the minutes in mask. */
static time_t
last_moment(uint64_t mask, time_t now)
{
	struct tm tm;
	int k;

	localtime_r(&now, &tm);
	for (k = 0; k < 60; k++) {
		int m = ((tm.tm_min - k) % 60 + 60) % 60;
		if (mask & ((uint64_t)1 << m))
			return now - FLOE_MIN(tm.tm_sec, 59) - (time_t)k * 60;
	}
	return 0;
}

/* Load one list from its source (a URL: one entry, the URL itself). */
static int
list_load(struct prog_list *l, struct playlist *into, uint32_t seed, char **err)
{
	playlist_init(into, l->shuffle, l->loop, seed);
	if (l->sp->is_url) {
		playlist_add(into, l->sp->source, NULL, NULL);
		playlist_reorder(into);
		return 0;
	}
	return playlist_load(into, l->sp->source, err);
}

/* Load every playlist. */
struct program *
program_new(const struct sched *s, const struct program_opts *o, char **err)
{
	struct program *pg = xcalloc(1, sizeof *pg);
	time_t now = wallclock_now();
	size_t i;

	*err = NULL;
	pg->s = s;
	pg->active = pg->acted = SIZE_MAX;
	pg->l = xcalloc(s->npl ? s->npl : 1, sizeof *pg->l);
	pg->r = xcalloc(s->nrot ? s->nrot : 1, sizeof *pg->r);
	for (i = 0; i < s->npl; i++) {
		struct prog_list *l = &pg->l[i];
		char *e;

		l->sp = &s->pl[i];
		l->shuffle = l->sp->shuffle >= 0 ? l->sp->shuffle : o->shuffle;
		l->loop = l->sp->loop >= 0 ? l->sp->loop : o->loop;
		if (list_load(l, &l->pl, o->seed + (uint32_t)i * 0x9e3779b9u, &e) != 0) {
			*err = xasprintf("playlist %s: %s", l->sp->name, e);
			free(e);
			program_free(pg);
			return NULL;
		}
		if (!l->sp->is_url && stat(l->sp->source, &l->seen) == 0) {
			l->watch = 1;
			l->last = l->seen;
		}
		/* The first ID comes at the next hour, not at start-up. */
		if (l->sp->at != 0)
			l->at_done = last_moment(l->sp->at, now);
	}
	for (i = 0; i < s->nrot; i++) {
		pg->r[i].cw = xcalloc(s->rot[i].nm, sizeof *pg->r[i].cw);
		pg->r[i].since = xcalloc(s->rot[i].nm, sizeof *pg->r[i].since);
	}
	return pg;
}

/* Free the lists and the state. */
void
program_free(struct program *pg)
{
	size_t i;

	if (pg == NULL)
		return;
	for (i = 0; i < pg->s->npl; i++)
		playlist_free(&pg->l[i].pl);
	for (i = 0; i < pg->s->nrot; i++) {
		free(pg->r[i].cw);
		free(pg->r[i].since);
	}
	free(pg->l);
	free(pg->r);
	free(pg);
}

/* Who hears of switches and reloads (main.c: the on-playlist hook). */
void
program_set_events(struct program *pg, program_event_fn *fn, void *arg)
{
	pg->event = fn;
	pg->event_arg = arg;
}

/* The rotation the schedule wants at now. */
static size_t
scheduled(const struct program *pg, time_t now)
{
	struct tm tm;

	localtime_r(&now, &tm);
	return sched_at(pg->s, sched_week_seconds(&tm), NULL);
}

/*
 * Which member of rotation r plays next at time now (SIZE_MAX: none has
 * anything left). With commit, the rotation's state moves on; without,
 * nothing changes (peek).
 */
static size_t
choose(struct program *pg, size_t r, time_t now, int commit)
{
	const struct sched_rotation *rot = &pg->s->rot[r];
	struct prog_rot *st = &pg->r[r];
	size_t i, best = SIZE_MAX;
	long total = 0, *cw;

	for (i = 0; i < rot->nm; i++) {		/* 1. timed inserts */
		struct prog_list *l = &pg->l[rot->m[i].pl];
		time_t at;

		if (l->sp->at == 0 || playlist_peek(&l->pl) == NULL)
			continue;
		if ((at = last_moment(l->sp->at, now)) <= l->at_done ||
		    now - at > TIMED_INSERT_LATE_MAX)
			continue;
		if (commit) {
			size_t k;
			l->at_done = at;
			for (k = 0; k < rot->nm; k++)	/* it was the jingle due, too */
				if (pg->l[rot->m[k].pl].sp->every > 0 &&
				    st->since[k] >= (unsigned)pg->l[rot->m[k].pl].sp->every)
					st->since[k] = 0;
		}
		return i;
	}
	for (i = 0; i < rot->nm; i++) {		/* 2. every-N inserts */
		struct prog_list *l = &pg->l[rot->m[i].pl];

		if (l->sp->every == 0 || st->since[i] < (unsigned)l->sp->every ||
		    playlist_peek(&l->pl) == NULL)
			continue;
		if (commit)
			st->since[i] = 0;
		return i;
	}
	cw = xreallocarray(NULL, rot->nm, sizeof *cw);	/* 3. a song, by weight */
	memcpy(cw, st->cw, rot->nm * sizeof *cw);
	for (i = 0; i < rot->nm; i++) {
		struct prog_list *l = &pg->l[rot->m[i].pl];

		if (sched_is_insert(l->sp) || playlist_peek(&l->pl) == NULL)
			continue;
		cw[i] += rot->m[i].weight;
		total += rot->m[i].weight;
		if (best == SIZE_MAX || cw[i] > cw[best])
			best = i;
	}
	if (best != SIZE_MAX)
		cw[best] -= total;
	if (commit && best != SIZE_MAX) {
		memcpy(st->cw, cw, rot->nm * sizeof *cw);
		for (i = 0; i < rot->nm; i++)
			if (pg->l[rot->m[i].pl].sp->every > 0)
				st->since[i]++;
	}
	free(cw);
	return best;
}

/* An entry with its list's crossfade when it has none of its own. */
static const struct playlist_entry *
resolve(struct playlist_entry *into, const struct playlist_entry *e, const struct prog_list *l)
{
	*into = *e;
	if (into->crossfade < 0) {
		if (l->sp->crossfade >= 0)
			into->crossfade = l->sp->crossfade;
		else if (sched_is_insert(l->sp))
			into->crossfade = 0;	/* jingles play clean unless told */
	}
	return into;
}

/* Picker: the next entry, switching rotation if the schedule says so. */
static const struct playlist_entry *
pk_next(void *arg, const char **from)
{
	struct program *pg = arg;
	time_t now = wallclock_now();
	size_t r = scheduled(pg, now), m;
	const struct playlist_entry *e;
	struct prog_list *l;

	*from = NULL;
	if (r == SIZE_MAX)
		return NULL;
	if (r != pg->active) {
		const char *prev = pg->active != SIZE_MAX ? pg->s->rot[pg->active].name : NULL;
		size_t n = 0, i;

		for (i = 0; i < pg->s->rot[r].nm; i++)
			n += pg->l[pg->s->rot[r].m[i].pl].pl.n;
		log_info("programme: %s%s%s now (the schedule)", prev ? prev : "",
		    prev ? " -> " : "", pg->s->rot[r].name);
		pg->active = r;
		if (prev != NULL && pg->event != NULL)
			pg->event(pg->event_arg, PROGRAM_SWITCHED, pg->s->rot[r].name, n, prev);
	}
	pg->acted = SIZE_MAX;
	if ((m = choose(pg, r, now, 1)) == SIZE_MAX)
		return NULL;
	l = &pg->l[pg->s->rot[r].m[m].pl];
	if ((e = playlist_next(&l->pl)) == NULL)
		return NULL;
	*from = l->sp->name;
	return resolve(&pg->pick, e, l);
}

/* Picker: what pk_next() would return now. */
static const struct playlist_entry *
pk_peek(void *arg)
{
	struct program *pg = arg;
	time_t now = wallclock_now();
	size_t r = scheduled(pg, now), m;
	const struct playlist_entry *e;
	struct prog_list *l;

	if (r == SIZE_MAX || (m = choose(pg, r, now, 0)) == SIZE_MAX)
		return NULL;
	l = &pg->l[pg->s->rot[r].m[m].pl];
	if ((e = playlist_peek(&l->pl)) == NULL)
		return NULL;
	return resolve(&pg->peeked, e, l);
}

/* Picker: entries of the rotation playing (or due). */
static size_t
pk_entries(void *arg)
{
	struct program *pg = arg;
	size_t r = pg->active != SIZE_MAX ? pg->active : scheduled(pg, wallclock_now()), n = 0, i;

	if (r == SIZE_MAX)
		return 0;
	for (i = 0; i < pg->s->rot[r].nm; i++)
		n += pg->l[pg->s->rot[r].m[i].pl].pl.n;
	return n;
}

/* Picker: a schedule always goes on; a lone rotation while a list loops. */
static int
pk_loops(void *arg)
{
	struct program *pg = arg;
	size_t i;

	if (pg->s->has_schedule)
		return 1;
	for (i = 0; i < pg->s->npl; i++)
		if (pg->l[i].loop)
			return 1;
	return 0;
}

/* The player's view of the programme. */
void
program_picker(struct program *pg, struct player_picker *pk)
{
	pk->next = pk_next;
	pk->peek = pk_peek;
	pk->entries = pk_entries;
	pk->loops = pk_loops;
	pk->arg = pg;
}

/* switch = now: the schedule moved on from what plays. */
int
program_poll(struct program *pg)
{
	uint64_t mono = time_mono_ns();
	size_t r;

	if (!pg->s->switch_now || pg->active == SIZE_MAX || mono - pg->polled < POLL_INTERVAL_NS)
		return 0;
	pg->polled = mono;
	r = scheduled(pg, wallclock_now());
	if (r == pg->active || r == pg->acted || r == SIZE_MAX)
		return 0;
	pg->acted = r;
	log_info("programme: %s is scheduled now: ending the track (switch = now)",
	    pg->s->rot[r].name);
	return 1;
}

/* Read one list again, keeping its place. */
static int
list_reload(struct program *pg, struct prog_list *l, const char *cur_from, const char *cur_path,
    struct sbuf *out)
{
	struct playlist fresh;
	char *err;

	if (l->sp->is_url)
		return 0;
	if (list_load(l, &fresh, 0, &err) != 0) {
		log_warn("playlist %s: reload failed, keeping the old one: %s", l->sp->name, err);
		if (out != NULL)
			sbuf_addf(out, "playlist %s: reload failed, keeping the old one: %s\n",
			    l->sp->name, err);
		free(err);
		playlist_free(&fresh);
		return -1;
	}
	playlist_replace(&l->pl, &fresh, cur_from != NULL && strcmp(cur_from, l->sp->name) == 0 ?
	    cur_path : NULL);
	if (stat(l->sp->source, &l->seen) == 0) {
		l->watch = 1;
		l->last = l->seen;
	}
	log_info("playlist %s reloaded: %zu entries", l->sp->name, l->pl.n);
	if (out != NULL)
		sbuf_addf(out, "reloaded %s (%s): %zu entries\n", l->sp->name, l->sp->source,
		    l->pl.n);
	if (pg->event != NULL)
		pg->event(pg->event_arg, PROGRAM_RELOADED, l->sp->name, l->pl.n, NULL);
	return 0;
}

/* Read every list again. */
int
program_reload(struct program *pg, const char *cur_from, const char *cur_path, struct sbuf *out)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < pg->s->npl; i++)
		if (list_reload(pg, &pg->l[i], cur_from, cur_path, out) != 0)
			rc = -1;
	return rc;
}

/* Same file, same contents as far as stat can tell? */
static int
same_stat(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Reload lists whose file changed and then held still for one check. */
void
program_watch(struct program *pg, const char *cur_from, const char *cur_path)
{
	struct stat now;
	size_t i;

	for (i = 0; i < pg->s->npl; i++) {
		struct prog_list *l = &pg->l[i];

		if (!l->watch || stat(l->sp->source, &now) != 0)
			continue;
		if (same_stat(&now, &l->seen)) {
			l->changing = 0;
			continue;
		}
		if (!l->changing || !same_stat(&now, &l->last)) {
			l->changing = 1;
			l->last = now;
			continue;
		}
		l->changing = 0;
		log_info("playlist %s: %s changed: reloading", l->sp->name, l->sp->source);
		list_reload(pg, l, cur_from, cur_path, NULL);
		l->seen = now;
	}
}

/* --check-config with a programme. */
int
program_check_config(const struct sched *s, FILE *out, FILE *err)
{
	struct sbuf sb;
	size_t i;
	int bad = 0;

	sbuf_init(&sb);
	sbuf_addf(&sb, "schedule (switch at %s):\n", s->switch_now ? "once (now)" :
	    "the next track boundary");
	sched_describe_week(s, &sb);
	for (i = 0; i < s->nrot; i++) {
		sbuf_addf(&sb, "rotation %s: ", s->rot[i].name);
		sched_rotation_desc(s, &s->rot[i], &sb);
		sbuf_adds(&sb, "\n");
	}
	fputs(sb.data, out);
	sbuf_free(&sb);
	for (i = 0; i < s->npl; i++) {
		struct playlist pl;
		char *perr;

		if (s->pl[i].is_url) {
			char *shown = url_without_credentials(s->pl[i].source);

			fprintf(out, "playlist %s: %s (a remote stream)\n", s->pl[i].name, shown);
			free(shown);
			continue;
		}
		playlist_init(&pl, 0, 1, 1);
		if (playlist_load(&pl, s->pl[i].source, &perr) != 0) {
			fprintf(err, "floe-source: playlist %s: %s\n", s->pl[i].name, perr);
			free(perr);
			bad = 1;
		} else
			fprintf(out, "playlist %s: %s, %zu entries\n", s->pl[i].name,
			    s->pl[i].source, pl.n);
		playlist_free(&pl);
	}
	return bad;
}

/* The rotation playing, by name. */
const char *
program_playing(const struct program *pg)
{
	return pg->active != SIZE_MAX ? pg->s->rot[pg->active].name : NULL;
}

/* "in 1d 02:03" for a number of seconds. */
static void
fmt_in(long secs, char *buf, size_t n)
{
	if (secs >= 86400)
		snprintf(buf, n, "%ldd %02ld:%02ld", secs / 86400, secs % 86400 / 3600,
		    secs % 3600 / 60);
	else
		snprintf(buf, n, "%02ld:%02ld:%02ld", secs / 3600, secs % 3600 / 60, secs % 60);
}

/* Now, as the schedule sees it: the local time and week second. */
static long
now_ws(time_t *now, char *when, size_t n)
{
	struct tm tm;

	*now = wallclock_now();
	localtime_r(now, &tm);
	strftime(when, n, "%a %Y-%m-%d %H:%M:%S %Z", &tm);
	return sched_week_seconds(&tm);
}

/* `ctl status`: the rotation and its playlists. */
void
program_status(const struct program *pg, struct sbuf *out)
{
	size_t r = pg->active, i;
	time_t now;
	char when[64];
	long ws = now_ws(&now, when, sizeof when);

	if (r == SIZE_MAX)
		r = sched_at(pg->s, ws, NULL);
	if (r == SIZE_MAX) {
		sbuf_adds(out, "programme: nothing scheduled now\n");
		return;
	}
	sbuf_addf(out, "programme: %s (", pg->s->rot[r].name);
	sched_rotation_desc(pg->s, &pg->s->rot[r], out);
	sbuf_adds(out, ")");
	if (sched_at(pg->s, ws, NULL) != r && sched_at(pg->s, ws, NULL) != SIZE_MAX)
		sbuf_addf(out, "; %s from the next track",
		    pg->s->rot[sched_at(pg->s, ws, NULL)].name);
	sbuf_adds(out, "\n");
	for (i = 0; i < pg->s->rot[r].nm; i++) {
		const struct prog_list *l = &pg->l[pg->s->rot[r].m[i].pl];

		sbuf_addf(out, "  playlist %s: %s (%zu entries%s%s)\n", l->sp->name, l->sp->source,
		    l->pl.n, l->shuffle ? ", shuffled" : "", l->loop ? ", looping" : "");
	}
}

/* `ctl schedule`. */
void
program_schedule_text(const struct program *pg, struct sbuf *out)
{
	const struct sched *s;
	const struct sched_slot *sl;
	size_t r, to, i;
	time_t now;
	char when[64], in[32];
	long ws, next;

	if (pg == NULL) {
		sbuf_adds(out, "no schedule: one playlist plays all the time\n");
		return;
	}
	s = pg->s;
	ws = now_ws(&now, when, sizeof when);
	r = sched_at(s, ws, &sl);
	sbuf_addf(out, "now: %s%s\n", when, wallclock_injected() ? " (FLOE_SOURCE_CLOCK)" : "");
	sbuf_addf(out, "scheduled: %s", r != SIZE_MAX ? s->rot[r].name : "(nothing)");
	if (sl != NULL)
		sbuf_addf(out, " (line %d: %s)\n", sl->line, sl->when);
	else
		sbuf_adds(out, s->has_schedule ? " (default)\n" : "\n");
	if (pg->active != SIZE_MAX)
		sbuf_addf(out, "playing: %s%s\n", s->rot[pg->active].name, pg->active == r ? "" :
		    s->switch_now ? " (switching now)" : " (switching at the next track)");
	if ((next = sched_next_change(s, ws, &to)) >= 0) {
		long at = (ws + next) % SCHED_WEEK;

		fmt_in(next, in, sizeof in);
		sbuf_addf(out, "next change: %s %02ld:%02ld -> %s (in %s)\n",
		    sched_day_name((int)(at / 86400)), at % 86400 / 3600, at % 3600 / 60,
		    s->rot[to].name, in);
	} else
		sbuf_adds(out, "next change: none\n");
	sbuf_addf(out, "switch: %s\n", s->switch_now ? "now (the track fades out at a change)" :
	    "boundary (at the end of the track playing)");
	sbuf_adds(out, "week:\n");
	sched_describe_week(s, out);
	sbuf_adds(out, "rotations:\n");
	for (i = 0; i < s->nrot; i++) {
		sbuf_addf(out, "  %s: ", s->rot[i].name);
		sched_rotation_desc(s, &s->rot[i], out);
		sbuf_adds(out, "\n");
	}
}

/* The same, as JSON. */
void
program_schedule_json(const struct program *pg, struct sbuf *out)
{
	const struct sched *s;
	size_t r, to, i;
	time_t now;
	char when[64];
	long ws, next;

	if (pg == NULL) {
		sbuf_adds(out, "{\"slots\":[],\"playing\":null}");
		return;
	}
	s = pg->s;
	ws = now_ws(&now, when, sizeof when);
	r = sched_at(s, ws, NULL);
	sbuf_addf(out, "{\"switch\":\"%s\",\"now\":%lld,\"playing\":",
	    s->switch_now ? "now" : "boundary", (long long)now);
	if (pg->active != SIZE_MAX)
		sbuf_add_json(out, s->rot[pg->active].name);
	else
		sbuf_adds(out, "null");
	sbuf_adds(out, ",\"scheduled\":");
	if (r != SIZE_MAX)
		sbuf_add_json(out, s->rot[r].name);
	else
		sbuf_adds(out, "null");
	sbuf_adds(out, ",\"next_change\":");
	if ((next = sched_next_change(s, ws, &to)) >= 0) {
		long at = (ws + next) % SCHED_WEEK;

		sbuf_addf(out, "{\"at\":\"%s %02ld:%02ld\",\"in_seconds\":%ld,\"to\":",
		    sched_day_name((int)(at / 86400)), at % 86400 / 3600, at % 3600 / 60, next);
		sbuf_add_json(out, s->rot[to].name);
		sbuf_adds(out, "}");
	} else
		sbuf_adds(out, "null");
	sbuf_adds(out, ",\"slots\":[");
	for (i = 0; i < s->nslot; i++) {
		sbuf_addf(out, "%s{\"line\":%d,\"when\":", i ? "," : "", s->slot[i].line);
		sbuf_add_json(out, s->slot[i].when);
		sbuf_adds(out, ",\"plays\":");
		sbuf_add_json(out, s->rot[s->slot[i].rot].name);
		sbuf_adds(out, "}");
	}
	sbuf_adds(out, "],\"default\":");
	if (s->default_rot != SIZE_MAX)
		sbuf_add_json(out, s->rot[s->default_rot].name);
	else
		sbuf_adds(out, "null");
	sbuf_adds(out, ",\"rotations\":{");
	for (i = 0; i < s->nrot; i++) {
		struct sbuf d;

		sbuf_init(&d);
		sched_rotation_desc(s, &s->rot[i], &d);
		sbuf_adds(out, i ? "," : "");
		sbuf_add_json(out, s->rot[i].name);
		sbuf_adds(out, ":");
		sbuf_add_json(out, d.data != NULL ? d.data : "");
		sbuf_free(&d);
	}
	sbuf_adds(out, "}}");
}
