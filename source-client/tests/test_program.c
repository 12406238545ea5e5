/*
 * test_program.c: the programme picking tracks: a jingle every 2 songs,
 * weights, an ID at the top of the hour, a schedule switching rotations
 * at a time set through the injected clock (FLOE_SOURCE_CLOCK), each
 * playlist keeping its place, switch = now, reloads, and the clock's
 * parser.
 */
#include "../../tests/unit/tap.h"
#include "../program.c"
#include "../player.h"

#include <unistd.h>

static char dir[] = "/tmp/fsrc-program-XXXXXX";
static char *clock_path;

/* Write a file in the test folder; its path (allocated). */
static char *
put(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *fp = fopen(path, "w");

	fputs(text, fp);
	fclose(fp);
	return path;
}

/* Set the injected clock. */
static void
set_clock(const char *when)
{
	free(put("clock", when));
}

/* Feed a programme's sections as config.c would, then check it. */
static struct sched *
feed(const char *text)
{
	struct sched *s = sched_new();
	char *copy = xstrdup(text), *line, *save = NULL, msg[200] = "";
	int lineno = 0, rc = 0;

	for (line = strtok_r(copy, "\n", &save); line != NULL && rc == 0;
	    line = strtok_r(NULL, "\n", &save)) {
		char *eq;

		lineno++;
		if (*line == '[') {
			line[strlen(line) - 1] = '\0';
			rc = sched_section(s, line + 1, lineno, msg, sizeof msg) == 1 ? 0 : -1;
		} else if ((eq = strchr(line, '=')) != NULL) {
			*eq = '\0';
			rc = sched_set(s, str_trim(line), str_trim(eq + 1), dir, lineno, msg,
			    sizeof msg);
		}
	}
	free(copy);
	if (rc != 0 || sched_check(s, msg, sizeof msg) != 0) {
		printf("# %s\n", msg);
		sched_free(s);
		return NULL;
	}
	return s;
}

/* The names (file stems) of the next n picks, space separated; each
 * checked against peek() just before. */
static char *
picks(struct program *pg, int n, int *peek_ok, double *xf)
{
	struct player_picker pk;
	struct sbuf sb;
	int i;

	program_picker(pg, &pk);
	sbuf_init(&sb);
	*peek_ok = 1;
	for (i = 0; i < n; i++) {
		const struct playlist_entry *p = pk.peek(pk.arg), *e;
		char *peeked = p != NULL ? xstrdup(p->path) : NULL;
		const char *from, *base;

		e = pk.next(pk.arg, &from);
		if (e == NULL) {
			sbuf_adds(&sb, i ? " END" : "END");
			free(peeked);
			break;
		}
		if (peeked == NULL || strcmp(peeked, e->path) != 0)
			*peek_ok = 0;
		free(peeked);
		base = strrchr(e->path, '/') + 1;
		sbuf_addf(&sb, "%s%.*s", i ? " " : "", (int)(strchr(base, '.') - base), base);
		if (xf != NULL)
			xf[i] = e->crossfade;
	}
	return sbuf_steal(&sb, NULL);
}

/* Events seen. */
static char events[1024];

static void
on_event(void *arg, enum program_event ev, const char *name, size_t entries, const char *prev)
{
	size_t n = strlen(events);

	snprintf(events + n, sizeof events - n, "%s%s:%s<-%s(%zu)", n ? " " : "",
	    ev == PROGRAM_SWITCHED ? "switch" : "reload", name, prev ? prev : "", entries);
}

/* Check a picks() result and free it. */
#define is_picks(got, want, ...) do {					\
	char *g_ = (got);						\
	is_str(g_, want, __VA_ARGS__);					\
	free(g_);							\
} while (0)

/* Run the checks; the exit status says whether all passed. */
int
main(void)
{
	struct program_opts o = { 0, 1, 1 };
	struct program *pg;
	struct sched *s;
	char *err, *pa, *music, *text;
	int pok;
	double xf[16];
	time_t t;

	setenv("TZ", "UTC", 1);
	tzset();
	if (mkdtemp(dir) == NULL)
		return 1;
	clock_path = xasprintf("%s/clock", dir);
	setenv("FLOE_SOURCE_CLOCK", clock_path, 1);
	music = put("music.m3u", "m1.mp3\nm2.mp3\nm3.mp3\n");
	free(put("jingles.m3u", "j1.mp3\n#EXTFLOE:crossfade=0.5\nj2.mp3\n"));
	free(put("oldies.m3u", "o1.mp3\no2.mp3\n"));
	free(put("ids.m3u", "id1.mp3\nid2.mp3\n"));
	free(put("morning.m3u", "am1.mp3\nam2.mp3\n"));

	/* The clock. */
	ok(wallclock_parse("1765000000", &t) == 0 && t == 1765000000, "clock: epoch seconds");
	ok(wallclock_parse("2026-12-07T06:00:00Z", &t) == 0 && t == 1796623200,
	    "clock: ISO 8601 in UTC");
	ok(wallclock_parse("2026-12-07T07:00:00+01:00", &t) == 0 && t == 1796623200,
	    "clock: ISO 8601 with an offset");
	ok(wallclock_parse("2026-12-07 06:00", &t) == 0 && t == 1796623200,
	    "clock: local time (TZ=UTC here), seconds left out");
	ok(wallclock_parse("2026-13-07T06:00:00", &t) != 0 && wallclock_parse("soon", &t) != 0 &&
	    wallclock_parse("", &t) != 0, "clock: nonsense refused");
	set_clock("2026-12-07T06:00:00Z\n");
	ok(wallclock_now() == 1796623200, "clock: read from FLOE_SOURCE_CLOCK");
	set_clock("garbage\n");
	ok(llabs((long long)(wallclock_now() - time(NULL))) < 5,
	    "clock: a bad file falls back to the system's clock");

	/* A jingle every 2 songs. */
	set_clock("2026-12-07T12:10:00Z");
	s = feed("[playlist music]\nsource = music.m3u\n[playlist jingles]\nsource = jingles.m3u\n"
	    "every = 2\n");
	ok(s != NULL, "music + jingles every 2");
	pg = program_new(s, &o, &err);
	is_picks(picks(pg, 9, &pok, xf), "m1 m2 j1 m3 m1 j2 m2 m3 j1",
	    "music, music, jingle, music, music, jingle...");
	ok(pok, "... and peek() told each one in advance");
	ok(xf[0] < 0 && xf[2] == 0 && xf[5] == 0.5,
	    "songs take the global crossfade, a jingle none, unless its entry says");
	program_free(pg);
	sched_free(s);

	/* Weights. */
	s = feed("[playlist music]\nsource = music.m3u\n[playlist oldies]\nsource = oldies.m3u\n"
	    "[rotation r]\nplaylists = music:3, oldies:1\n");
	pg = program_new(s, &o, &err);
	is_picks(picks(pg, 8, &pok, NULL), "m1 m2 o1 m3 m1 m2 o2 m3",
	    "music:3, oldies:1: three for one, the one spread out");
	ok(pok, "... peek() agrees");
	program_free(pg);
	sched_free(s);

	/* Non-looping playlists end the rotation. */
	s = feed("[playlist music]\nsource = music.m3u\nloop = no\n[playlist oldies]\n"
	    "source = oldies.m3u\nloop = no\n");
	pg = program_new(s, &o, &err);
	is_picks(picks(pg, 7, &pok, NULL), "m1 o1 m2 o2 m3 END",
	    "once-only lists: each to its end, then the end");
	program_free(pg);
	sched_free(s);

	/* An ID at the top of the hour. */
	set_clock("2026-12-07T10:58:00Z");
	s = feed("[playlist music]\nsource = music.m3u\n[playlist jingles]\nsource = jingles.m3u\n"
	    "every = 3\n[playlist ids]\nsource = ids.m3u\nhourly = yes\n");
	pg = program_new(s, &o, &err);
	is_picks(picks(pg, 2, &pok, NULL), "m1 m2", "10:58: songs (no ID at start-up)");
	set_clock("2026-12-07T11:00:30Z");
	is_picks(picks(pg, 3, &pok, xf), "id1 m3 j1",
	    "11:00:30: the ID first, then songs, the jingle after 3 of them");
	ok(xf[0] == 0, "... the ID without crossfade");
	set_clock("2026-12-07T11:20:00Z");
	is_picks(picks(pg, 4, &pok, NULL), "m1 m2 m3 j2", "11:20: no second ID this hour");
	set_clock("2026-12-07T12:16:00Z");
	is_picks(picks(pg, 3, &pok, NULL), "m1 m2 m3", "12:16: an ID 16 min late is skipped");
	set_clock("2026-12-07T13:05:00Z");
	is_picks(picks(pg, 2, &pok, NULL), "id2 m1",
	    "13:05: the ID, standing for the jingle due as well");
	ok(pok, "... peek() told each in advance");
	program_free(pg);
	sched_free(s);

	/* A schedule switching rotations at a time the test sets. */
	set_clock("2026-12-07T05:59:00Z");	/* a Monday */
	s = feed("[playlist music]\nsource = music.m3u\n[playlist morning]\nsource = morning.m3u\n"
	    "[playlist jingles]\nsource = jingles.m3u\nevery = 2\n"
	    "[rotation day]\nplaylists = music, jingles\n"
	    "[schedule]\nmon-fri 06:00-10:00 = morning\ndefault = day\n");
	ok(s != NULL, "a schedule");
	pg = program_new(s, &o, &err);
	program_set_events(pg, on_event, NULL);
	is_picks(picks(pg, 1, &pok, NULL), "m1", "05:59: day");
	is_str(program_playing(pg), "day", "... playing: day");
	set_clock("2026-12-07T06:00:00Z");
	is_picks(picks(pg, 3, &pok, NULL), "am1 am2 am1", "06:00: morning, at the next boundary");
	is_str(events, "switch:morning<-day(2)", "the switch reported (for on-playlist)");
	set_clock("2026-12-07T10:00:00Z");
	is_picks(picks(pg, 3, &pok, NULL), "m2 j1 m3", "10:00: back to day, where it was");
	{
		struct sbuf sb;

		sbuf_init(&sb);
		set_clock("2026-12-11T09:00:00Z");	/* friday */
		program_schedule_text(pg, &sb);
		ok(strstr(sb.data, "now: Fri 2026-12-11 09:00:00 UTC (FLOE_SOURCE_CLOCK)\n"
		    "scheduled: morning (line 11: mon-fri 06:00-10:00)\nplaying: day (switching at "
		    "the next track)\nnext change: fri 10:00 -> day (in 01:00:00)\n") != NULL,
		    "ctl schedule: now, scheduled, playing, next change");
		ok(strstr(sb.data, "  mon 00:00-06:00  day  (default)\n      06:00-10:00  morning  "
		    "(line 11: mon-fri 06:00-10:00)\n      10:00-24:00  day  (default)\n") != NULL,
		    "... the week");
		sbuf_reset(&sb);
		program_schedule_json(pg, &sb);
		ok(strstr(sb.data, "\"playing\":\"day\",\"scheduled\":\"morning\",\"next_change\":"
		    "{\"at\":\"fri 10:00\",\"in_seconds\":3600,\"to\":\"day\"},\"slots\":[{\"line\":11,"
		    "\"when\":\"mon-fri 06:00-10:00\",\"plays\":\"morning\"}],\"default\":\"day\"")
		    != NULL, "... and as JSON %s", sb.data);
		sbuf_free(&sb);
	}
	program_free(pg);
	sched_free(s);

	/* switch = now: poll says so once per change. */
	set_clock("2026-12-07T05:59:00Z");
	s = feed("[playlist music]\nsource = music.m3u\n[playlist morning]\nsource = morning.m3u\n"
	    "[schedule]\nmon 06:00-10:00 = morning\ndefault = music\nswitch = now\n");
	pg = program_new(s, &o, &err);
	ok(program_poll(pg) == 0, "switch = now: nothing to do before the first track");
	is_picks(picks(pg, 1, &pok, NULL), "m1", "05:59: music");
	pg->polled = 0;
	ok(program_poll(pg) == 0, "no change yet");
	set_clock("2026-12-07T06:00:01Z");
	pg->polled = 0;
	ok(program_poll(pg) == 1, "06:00:01: end the track now");
	pg->polled = 0;
	ok(program_poll(pg) == 0, "... once");
	is_picks(picks(pg, 1, &pok, NULL), "am1", "the next pick is the morning's");
	program_free(pg);
	sched_free(s);

	/* Reloads keep each list's place; a URL is a one-entry list. */
	set_clock("2026-12-07T12:00:00Z");
	s = feed("[playlist music]\nsource = music.m3u\n[playlist show]\n"
	    "source = http://relay.example/show.mp3\n[schedule]\nmon 13:00-14:00 = show\n"
	    "default = music\n");
	pg = program_new(s, &o, &err);
	program_set_events(pg, on_event, NULL);
	events[0] = '\0';
	is_picks(picks(pg, 2, &pok, NULL), "m1 m2", "music");
	pa = put("music.m3u", "m0.mp3\nm1.mp3\nm2.mp3\nm3.mp3\nm4.mp3\n");
	free(pa);
	pa = xasprintf("%s/m2.mp3", dir);
	ok(program_reload(pg, "music", pa, NULL) == 0, "reload");
	free(pa);
	is_str(events, "reload:music<-(5)", "... reported");
	is_picks(picks(pg, 2, &pok, NULL), "m3 m4", "... music goes on after the track playing");
	set_clock("2026-12-07T13:30:00Z");
	text = picks(pg, 2, &pok, NULL);
	is_str(text, "show show", "13:30: the relayed show, its URL the entry");
	free(text);
	program_free(pg);
	sched_free(s);

	free(music);
	free(clock_path);
	pa = xasprintf("rm -rf %s", dir);
	ok(system(pa) == 0, "clean up");
	free(pa);
	return tap_done();
}
