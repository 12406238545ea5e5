/*
 * test_schedule.c: the programme's config sections (names, weights,
 * inserts, errors with line numbers) and the week arithmetic: which slot
 * holds a moment, across midnight and round the week's end, and when the
 * next change comes.
 */
#include "../../tests/unit/tap.h"
#include "../schedule.c"

/* Feed "[section]" headers and "key = value" lines as config.c would;
 * then check. -1 (err set) at the first failure. */
static int
feed(struct sched *s, const char *text, char *err, size_t errlen)
{
	char *copy = xstrdup(text), *line, *save = NULL;
	int lineno = 0, rc = 0;

	for (line = strtok_r(copy, "\n", &save); line != NULL && rc == 0;
	    line = strtok_r(NULL, "\n", &save)) {
		char *eq, msg[200];

		lineno++;
		if (*line == '[') {
			line[strlen(line) - 1] = '\0';
			rc = sched_section(s, line + 1, lineno, msg, sizeof msg) == 1 ? 0 : -1;
		} else if ((eq = strchr(line, '=')) != NULL) {
			*eq = '\0';
			rc = sched_set(s, str_trim(line), str_trim(eq + 1), "/base", lineno, msg,
			    sizeof msg);
		}
		if (rc != 0)
			snprintf(err, errlen, "line %d: %s", lineno, msg);
	}
	free(copy);
	return rc != 0 ? rc : sched_check(s, err, errlen);
}

/* Week second of day d (0 Monday), hh:mm:ss. */
static long
W(int d, int h, int m, int sec)
{
	return d * 86400L + h * 3600L + m * 60L + sec;
}

/* The name of what plays at ws. */
static const char *
at(const struct sched *s, long ws)
{
	size_t r = sched_at(s, ws, NULL);

	return r != SIZE_MAX ? s->rot[r].name : "(none)";
}

/* A config that should fail, and the message it should contain. */
static void
bad(const char *text, const char *want, const char *what)
{
	struct sched *s = sched_new();
	char err[300] = "";

	ok(feed(s, text, err, sizeof err) != 0 && strstr(err, want) != NULL, "%s: %s", what, err);
	sched_free(s);
}

/* Run the checks; the exit status says whether all passed. */
int
main(void)
{
	static const char prog[] =
	    "[playlist music]\n"
	    "source = music/\n"
	    "shuffle = yes\n"
	    "[playlist oldies]\n"
	    "source = /abs/oldies.m3u\n"
	    "weight = 2\n"
	    "[playlist jingles]\n"
	    "source = jingles.m3u\n"
	    "every = 2\n"
	    "[playlist ids]\n"
	    "source = ids/\n"
	    "at = :00, :30\n"
	    "[rotation day]\n"
	    "playlists = music:3, oldies, jingles, ids\n"
	    "[rotation morning]\n"
	    "playlists = oldies, jingles\n"
	    "[schedule]\n"
	    "mon-fri 06:00-10:00 = morning\n"
	    "sat,sun 22:00-02:00 = http://dj.example/show.mp3\n"
	    "sun 20:00-22:00 = music\n"
	    "default = day\n"
	    "switch = now\n";
	struct sched *s = sched_new();
	char err[300] = "";
	size_t r;
	long d;
	struct sbuf sb;

	ok(feed(s, prog, err, sizeof err) == 0, "a full programme checks out %s", err);
	is_int(s->npl, 5, "four playlists and one made for the URL");
	is_str(s->pl[0].source, "/base/music/", "a relative source from the config's folder");
	is_str(s->pl[1].source, "/abs/oldies.m3u", "an absolute one as it is");
	ok(s->pl[0].shuffle == 1 && s->pl[0].loop == -1, "shuffle set, loop left to the global");
	ok(s->pl[2].every == 2 && sched_is_insert(&s->pl[2]), "jingles: an insert every 2");
	ok(s->pl[3].at == (((uint64_t)1 << 0) | ((uint64_t)1 << 30)), "ids: at :00 and :30");
	ok(s->pl[4].is_url && strcmp(s->pl[4].source, "http://dj.example/show.mp3") == 0,
	    "a URL slot: a one-entry playlist of the URL");
	r = find_rot(s, "day");
	is_int(s->rot[r].nm, 4, "day has four members");
	is_int(s->rot[r].m[0].weight, 3, "music:3");
	is_int(s->rot[r].m[1].weight, 2, "oldies' own weight = 2");
	ok(find_rot(s, "music") != SIZE_MAX, "a playlist named alone gets a rotation of its own");
	ok(s->switch_now, "switch = now");
	sbuf_init(&sb);
	sched_rotation_desc(s, &s->rot[r], &sb);
	is_str(sb.data, "music:3, oldies:2, jingles every 2, ids at :00, :30", "rotation described");
	sbuf_free(&sb);

	/* Which slot at T. */
	is_str(at(s, W(0, 5, 59, 59)), "day", "mon 05:59:59: the default");
	is_str(at(s, W(0, 6, 0, 0)), "morning", "mon 06:00:00: the morning slot begins");
	is_str(at(s, W(4, 9, 59, 59)), "morning", "fri 09:59:59: still morning");
	is_str(at(s, W(4, 10, 0, 0)), "day", "fri 10:00: its end is not in it");
	is_str(at(s, W(5, 6, 30, 0)), "day", "sat 06:30: no morning slot at weekends");
	is_str(at(s, W(5, 23, 0, 0)), "http://dj.example/show.mp3", "sat 23:00: the relayed show");
	is_str(at(s, W(6, 1, 30, 0)), "http://dj.example/show.mp3",
	    "sun 01:30: saturday's show runs past midnight");
	is_str(at(s, W(6, 2, 0, 0)), "day", "sun 02:00: it has ended");
	is_str(at(s, W(6, 21, 0, 0)), "music", "sun 21:00: music alone");
	is_str(at(s, W(0, 1, 59, 0)), "http://dj.example/show.mp3",
	    "mon 01:59: sunday's show wraps round the week's end");
	is_str(at(s, W(0, 2, 0, 0)), "day", "mon 02:00: and ends");

	/* The next change. */
	d = sched_next_change(s, W(0, 5, 0, 0), &r);
	ok(d == 3600 && strcmp(s->rot[r].name, "morning") == 0, "mon 05:00: morning in 1 h (%ld)", d);
	d = sched_next_change(s, W(4, 12, 0, 0), &r);
	ok(d == W(5, 22, 0, 0) - W(4, 12, 0, 0) && r == find_rot(s, "http://dj.example/show.mp3"),
	    "fri 12:00: next is saturday 22:00's show (%ld)", d);
	d = sched_next_change(s, W(6, 23, 0, 0), &r);
	ok(d == 3 * 3600L && strcmp(s->rot[r].name, "day") == 0,
	    "sun 23:00: the show ends mon 02:00, round the week (%ld)", d);
	d = sched_next_change(s, W(6, 20, 0, 0), &r);
	ok(d == 2 * 3600L && r == find_rot(s, "http://dj.example/show.mp3"),
	    "sun 20:00: music then the show back to back: a change at 22:00 (%ld)", d);

	sbuf_init(&sb);
	sched_describe_week(s, &sb);
	ok(strstr(sb.data, "  mon 00:00-02:00  http://dj.example/show.mp3  (line 19: sat,sun "
	    "22:00-02:00)\n      02:00-06:00  day  (default)\n      06:00-10:00  morning") != NULL,
	    "the week, day by day");
	ok(strstr(sb.data, "  sun 00:00-02:00  http://dj.example/show.mp3") != NULL &&
	    strstr(sb.data, "      20:00-22:00  music") != NULL &&
	    strstr(sb.data, "      22:00-24:00  http://dj.example/show.mp3") != NULL,
	    "sunday: the show, the day, music, the show again");
	sbuf_free(&sb);
	sched_free(s);

	/* A URL with a password: it reaches the player, never a name that ctl
	 * schedule, the API and hooks show. */
	s = sched_new();
	ok(feed(s, "[playlist music]\nsource = music/\n[schedule]\n"
	    "sat 22:00-23:00 = http://dj:s3cret@dj.example/show.mp3?token=t0k\n"
	    "sun 22:00-23:00 = http://dj:s3cret@dj.example/show.mp3?token=t0k\n"
	    "default = music\n", err, sizeof err) == 0, "a URL slot with credentials %s", err);
	ok(s->npl == 2 && strcmp(s->pl[1].source,
	    "http://dj:s3cret@dj.example/show.mp3?token=t0k") == 0,
	    "its playlist plays the URL as written (one, for both slots)");
	is_str(s->pl[1].name, "http://dj.example/show.mp3", "named without password or query");
	sbuf_init(&sb);
	sched_describe_week(s, &sb);
	ok(strstr(sb.data, "s3cret") == NULL && strstr(sb.data, "t0k") == NULL &&
	    strstr(sb.data, "http://dj.example/show.mp3") != NULL, "the week shows no password");
	sbuf_free(&sb);
	sched_free(s);

	/* No schedule: every playlist as one rotation. */
	s = sched_new();
	ok(feed(s, "[playlist a]\nsource = a.m3u\n[playlist j]\nsource = j.m3u\nevery = 2\n",
	    err, sizeof err) == 0, "playlists alone %s", err);
	is_str(at(s, W(3, 3, 0, 0)), "all", "... play as one rotation, all week");
	ok(sched_next_change(s, 0, NULL) < 0, "... which never changes");
	sched_free(s);

	/* Days. */
	ok(parse_days("mon-fri") == 0x1f && parse_days("sat,sun") == 0x60 &&
	    parse_days("daily") == 0x7f && parse_days("fri-mon") == (0x10 | 0x20 | 0x40 | 0x01) &&
	    parse_days("Monday, wed") == 0x05, "day lists and ranges, wrapping too");
	ok(parse_days("mon-xyz") == 0 && parse_days("") == 0, "bad days");
	ok(parse_hhmm("24:00", 5) == 86400 && parse_hhmm("6:05", 4) == 6 * 3600 + 300 &&
	    parse_hhmm("24:01", 5) < 0 && parse_hhmm("12:60", 5) < 0 && parse_hhmm("1200", 4) < 0,
	    "times of day");

	/* Errors, each with its line. */
	bad("[playlist a]\nsource = a\n[schedule]\nmon 06:00-10:00 = a\nmon 09:00-11:00 = a\n"
	    "default = a\n", "line 5: schedule: \"mon 09:00-11:00\" overlaps line 4", "overlap");
	bad("[playlist a]\nsource = a\n[schedule]\nsun 23:00-01:00 = a\nmon 00:30-02:00 = a\n"
	    "default = a\n", "overlaps line 4 (\"sun 23:00-01:00\") at mon 00:30",
	    "an overlap round the week's end");
	bad("[playlist a]\nsource = a\n[schedule]\nmon 06:00-10:00 = nosuch\ndefault = a\n",
	    "line 4: schedule: no [rotation nosuch]", "an unknown name");
	bad("[playlist a]\nsource = a\n[schedule]\nmon 6-10 = a\n", "line 4: schedule: \"mon 6-10\"",
	    "a bad time");
	bad("[playlist a]\nsource = a\n[schedule]\nmon 25:00-26:00 = a\n", "line 4:", "hour 25");
	bad("[playlist a]\nsource = a\n[schedule]\nmon 10:00-10:00 = a\n", "empty", "an empty slot");
	bad("[playlist a]\nsource = a\n[schedule]\nmon 06:00-10:00 = a\n",
	    "nothing is scheduled mon 00:00: add default", "a gap without a default");
	bad("[playlist a]\nsource = a\n[rotation r]\nplaylists = a, b\n[schedule]\ndefault = r\n",
	    "line 4: rotation r: no [playlist b]", "a rotation naming an unknown playlist");
	bad("[playlist a]\nsource = a\nevery = 2\n[rotation r]\nplaylists = a\n",
	    "rotation r has only inserts", "a rotation of inserts only");
	bad("[playlist a]\nsource = a\nevery = 2\n[playlist b]\nsource = b\n[rotation r]\n"
	    "playlists = a:3, b\n", "a plays every N songs, not by weight", "an insert with a weight");
	bad("[playlist a]\nsource = a\nevery = 2\nat = :00\n", "not both", "every and at");
	bad("[playlist a]\nsource = a\nevery = 0\n", "every must be", "every 0");
	bad("[playlist a]\nsource = a\nat = :60\n", "at must be", "minute 60");
	bad("[playlist a]\n", "playlist a has no source", "no source");
	bad("[playlist a]\nsource = a\n[playlist a]\n", "already the name", "a name twice");
	bad("[playlist a b]\n", "a name of letters", "a name with a space");
	bad("[playlist a]\nsource = a\n[rotation r]\nplaylists = a\n[rotation q]\nplaylists = a\n",
	    "2 rotations and no [schedule]", "two rotations, nothing saying which");
	bad("[playlist a]\nsource = a\nfoo = 1\n", "unknown playlist setting", "an unknown key");
	bad("[schedule]\nswitch = later\n", "switch must be", "switch = later");
	bad("[playlist a]\nsource = -\n", "standard input", "stdin in a section");
	return tap_done();
}
