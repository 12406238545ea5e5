/*
 * test_player.c: the play-out chain on real files (WAV written here):
 * gapless joins, crossfades, silence trimming, skipping bad files, the
 * "no playable file" error, skip, resampling, and titles.
 */
#include "../../tests/unit/tap.h"
#include "../player.c"

#include <math.h>
#include <unistd.h>

#define RATE 44100

static char dir[] = "/tmp/fsrc-player-XXXXXX";

/* 16-bit little-endian. */
static void
le16(FILE *fp, unsigned v)
{
	fputc((int)(v & 255), fp);
	fputc((int)(v >> 8 & 255), fp);
}

/* 32-bit little-endian. */
static void
le32(FILE *fp, unsigned long v)
{
	le16(fp, (unsigned)(v & 0xFFFF));
	le16(fp, (unsigned)(v >> 16));
}

/* A stereo 16-bit WAV: lead silent frames, body frames at level, trail silent. */
static char *
wav(const char *name, int rate, int lead, int body, int trail, int level)
{
	char *path = xasprintf("%s/%s", dir, name);
	unsigned long n = (unsigned long)(lead + body + trail), i;
	FILE *fp = fopen(path, "wb");

	fputs("RIFF", fp);
	le32(fp, 36 + n * 4);
	fputs("WAVEfmt ", fp);
	le32(fp, 16);
	le16(fp, 1);
	le16(fp, 2);
	le32(fp, (unsigned long)rate);
	le32(fp, (unsigned long)rate * 4);
	le16(fp, 4);
	le16(fp, 16);
	fputs("data", fp);
	le32(fp, n * 4);
	for (i = 0; i < n; i++) {
		int v = (i >= (unsigned long)lead && i < (unsigned long)(lead + body)) ? level : 0;
		le16(fp, (unsigned)(v & 0xFFFF));
		le16(fp, (unsigned)(v & 0xFFFF));
	}
	fclose(fp);
	return path;
}

/* Play the whole (non-looping) playlist; returns frames, fills starts[]. */
static long
play_all(struct player *p, float *all, size_t cap, long *starts, int *nstarts)
{
	const struct player_track *t;
	float buf[2 * 700];
	long total = 0, n;

	*nstarts = 0;
	while ((n = player_read(p, buf, 700, &t)) > 0) {
		if (t != NULL)
			starts[(*nstarts)++] = total;
		if ((size_t)(total + n) <= cap)
			memcpy(all + 2 * total, buf, (size_t)n * 2 * sizeof *buf);
		total += n;
	}
	return n < 0 ? -1 : total;
}

/* Run the checks; the exit status says whether all passed. */
int
main(void)
{
	struct player_opts o = { RATE, 2, 0, 0, -50, NULL, 1, 0, -16 };
	static float all[2 * 200000];
	struct playlist pl;
	struct player *p;
	char *a, *b, *c, *sa, *sb, *bad, *w48, *text;
	long starts[16], n;
	int ns, okv, i;

	log_open("-", LOG_ERROR);
	ok(mkdtemp(dir) != NULL, "temporary folder");
	a = wav("a.wav", RATE, 0, 1000, 0, 8192);		/* 0.25 */
	b = wav("b.wav", RATE, 0, 1500, 0, 16384);		/* 0.5 */
	c = wav("c.wav", RATE, 0, 20000, 0, 8192);
	sa = wav("sa.wav", RATE, 300, 1000, 200, 8192);
	sb = wav("sb.wav", RATE, 100, 1500, 0, 16384);
	w48 = wav("w48.wav", 48000, 0, 48000, 0, 8192);
	bad = xasprintf("%s/bad.wav", dir);
	{
		FILE *fp = fopen(bad, "wb");
		fputs("RIFF\x10\0\0\0WAVEjunkjunkjunk", fp);
		fclose(fp);
	}

	/* Gapless: every frame of A, then every frame of B. */
	playlist_init(&pl, 0, 0, 1);
	playlist_add(&pl, a, NULL, NULL);
	playlist_add(&pl, b, NULL, NULL);
	playlist_reorder(&pl);
	p = player_new(&pl, &o);
	n = play_all(p, all, sizeof all / 8, starts, &ns);
	is_int(n, 2500, "gapless: 1000 + 1500 frames, nothing added or lost");
	ok(ns == 2 && starts[0] == 0 && starts[1] == 1000, "gapless: B starts at frame 1000");
	ok(all[2 * 999] == 0.25f && all[2 * 1000] == 0.5f, "gapless: A's last, B's first, adjacent");
	player_free(p);
	playlist_free(&pl);

	/* Crossfade of 441 frames (10 ms). */
	o.crossfade = 0.01;
	playlist_init(&pl, 0, 0, 1);
	playlist_add(&pl, a, NULL, NULL);
	playlist_add(&pl, b, NULL, NULL);
	playlist_reorder(&pl);
	p = player_new(&pl, &o);
	n = play_all(p, all, sizeof all / 8, starts, &ns);
	is_int(n, 2500 - 441, "crossfade: the overlap is shared");
	ok(ns == 2 && starts[1] == 1000 - 441, "crossfade: B starts where A's fade begins");
	for (i = 0, okv = 1; i < 441; i++) {
		float g_out, g_in, want;
		mix_fade_gains((size_t)i, 441, &g_out, &g_in);
		want = 0.25f * g_out + 0.5f * g_in;
		okv &= fabsf(all[2 * (559 + i)] - want) < 1e-5f;
	}
	ok(okv, "crossfade: every frame is A faded out plus B faded in");
	for (i = 0, okv = 1; i < n; i++)
		okv &= all[2 * i] > 0.2f;
	ok(okv, "crossfade: never near silence");
	ok(all[2 * (n - 1)] == 0.5f, "crossfade: the last track ends as it is, not faded");
	player_free(p);
	playlist_free(&pl);

	/* Trimming silence: 300 + 200 frames off A, 100 off B. */
	o.crossfade = 0;
	o.trim = 1;
	playlist_init(&pl, 0, 0, 1);
	playlist_add(&pl, sa, NULL, NULL);
	playlist_add(&pl, sb, NULL, NULL);
	playlist_reorder(&pl);
	p = player_new(&pl, &o);
	n = play_all(p, all, sizeof all / 8, starts, &ns);
	is_int(n, 1000 + 1500, "trim: leading and trailing silence removed");
	for (i = 0, okv = 1; i < n; i++)
		okv &= all[2 * i] != 0.0f;
	ok(okv, "trim: no silent frame left at the join");
	player_free(p);
	playlist_free(&pl);
	o.trim = 0;

	/* Missing and corrupt files are skipped. */
	text = xasprintf("%s/missing.mp3", dir);
	playlist_init(&pl, 0, 0, 1);
	playlist_add(&pl, text, NULL, NULL);
	playlist_add(&pl, bad, NULL, NULL);
	playlist_add(&pl, a, "Listed", NULL);
	playlist_reorder(&pl);
	p = player_new(&pl, &o);
	n = play_all(p, all, sizeof all / 8, starts, &ns);
	is_int(n, 1000, "missing and corrupt files skipped, the good one plays");
	player_free(p);
	playlist_free(&pl);

	/* Nothing playable, looping: never off the air. Silence stands in, the
	 * list is tried again after each round, and plays once it can. */
	{
		const struct player_track *t;
		char *late = xasprintf("%s/late.wav", dir), *cmd;
		float buf[2 * 700];
		long silent = 0, after = 0;
		int standing = 0, rechecks = 0, back = 0;

		playlist_init(&pl, 0, 1, 1);
		playlist_add(&pl, late, NULL, NULL);
		playlist_add(&pl, bad, NULL, NULL);
		playlist_reorder(&pl);
		o.recheck = 1;
		p = player_new(&pl, &o);
		for (i = 0; i < 400; i++) {
			n = player_read(p, buf, 700, &t);
			if (n <= 0)
				break;
			rechecks += player_take_recheck(p);
			if (player_standing_in(p)) {
				standing = 1;
				for (long k = 0; k < 2 * n; k++)
					silent += buf[k] == 0.0f;
			} else if (standing) {
				back = 1;
				after += n;
			}
			/* The file appears after the second round of silence. */
			if (rechecks == 2 && access(late, F_OK) != 0) {
				cmd = xasprintf("cp %s %s", a, late);
				ok(system(cmd) == 0, "(the music comes back)");
				free(cmd);
			}
			if (back && after >= 1000)
				break;
		}
		ok(n > 0 && standing && silent >= 2 * RATE,
		    "looping list with no playable file: silence stands in, no error");
		ok(rechecks >= 2, "the playlist is tried again after each round of silence");
		ok(back && after >= 1000 && buf[0] == 0.25f,
		    "once an entry can be played, it plays: back on the playlist");
		player_free(p);
		playlist_free(&pl);
		unlink(late);

		/* With a fallback file: it plays instead of silence. */
		playlist_init(&pl, 0, 1, 1);
		playlist_add(&pl, late, NULL, NULL);
		playlist_reorder(&pl);
		o.fallback = b;
		p = player_new(&pl, &o);
		n = player_read(p, buf, 700, &t);
		ok(n > 0 && player_standing_in(p) && buf[0] == 0.5f && t != NULL,
		    "a fallback file plays while the playlist fails");
		player_free(p);
		playlist_free(&pl);
		o.fallback = NULL;
		free(late);
	}

	/* Nothing playable, once: also an error. */
	playlist_init(&pl, 0, 0, 1);
	playlist_add(&pl, text, NULL, NULL);
	playlist_reorder(&pl);
	p = player_new(&pl, &o);
	ok(play_all(p, all, sizeof all / 8, starts, &ns) == -1 && player_error(p) != NULL,
	    "non-looping list with no playable file: an error too");
	player_free(p);
	playlist_free(&pl);

	/* A short track under a long crossfade fades in and out within itself:
	 * A 2 s, J 0.6 s, C 2 s at 0.25, 0.5, 0.75; crossfade 1 s. J's joins
	 * last 0.3 s each: A's tail plays 0.7 s alone, then fades under J;
	 * J fades under C over its last 0.3 s. */
	{
		char *ja = wav("ja.wav", RATE, 0, 2 * RATE, 0, 8192);
		char *jj = wav("jj.wav", RATE, 0, 6 * RATE / 10, 0, 16384);
		char *jc = wav("jc.wav", RATE, 0, 2 * RATE, 0, 24576);
		long x = 3 * RATE / 10;

		o.crossfade = 1.0;
		playlist_init(&pl, 0, 0, 1);
		playlist_add(&pl, ja, NULL, NULL);
		playlist_add(&pl, jj, NULL, NULL);
		playlist_add(&pl, jc, NULL, NULL);
		playlist_reorder(&pl);
		p = player_new(&pl, &o);
		n = play_all(p, all, sizeof all / 8, starts, &ns);
		is_int(n, 4 * RATE, "short track: 2 + 0.6 + 2 s less two 0.3 s joins");
		ok(ns == 3 && starts[1] == 2 * RATE - x && starts[2] == 2 * RATE,
		    "short track: its joins are half its length (starts %ld, %ld)", starts[1],
		    starts[2]);
		ok(all[2 * (starts[1] - 1)] == 0.25f,
		    "short track: the previous tail plays at full level until the join");
		ok(fabsf(all[2 * (starts[1] + x - 1)] - 0.5f) < 0.01f,
		    "short track: faded fully in at its middle");
		ok(all[2 * (starts[1] + 1)] < 0.27f && all[2 * (starts[2] - 1)] > 0.5f &&
		    all[2 * (starts[2] + x)] == 0.75f, "short track: faded in and out within itself");
		player_free(p);
		playlist_free(&pl);

		/* #EXTFLOE crossfade=0 on the jingle: it plays clean, both ends. */
		playlist_init(&pl, 0, 0, 1);
		playlist_add(&pl, ja, NULL, NULL);
		playlist_add(&pl, jj, NULL, NULL);
		pl.v[1].crossfade = 0;
		playlist_add(&pl, jc, NULL, NULL);
		playlist_reorder(&pl);
		p = player_new(&pl, &o);
		n = play_all(p, all, sizeof all / 8, starts, &ns);
		ok(n == 2 * RATE + 6 * RATE / 10 + 2 * RATE && ns == 3 && starts[1] == 2 * RATE &&
		    starts[2] == 2 * RATE + 6 * RATE / 10, "a jingle with crossfade=0: no overlap");
		ok(all[2 * (starts[1] - 1)] == 0.25f && all[2 * starts[1]] == 0.5f &&
		    all[2 * (starts[2] - 1)] == 0.5f && all[2 * starts[2]] == 0.75f,
		    "... and no fade: the jingle plays clean, so does what follows");
		player_free(p);
		playlist_free(&pl);

		/* cue-in and cue-out. */
		o.crossfade = 0;
		playlist_init(&pl, 0, 0, 1);
		playlist_add(&pl, jc, NULL, NULL);
		pl.v[0].cue_in = 0.5;
		pl.v[0].cue_out = 1.25;
		playlist_reorder(&pl);
		p = player_new(&pl, &o);
		n = play_all(p, all, sizeof all / 8, starts, &ns);
		is_int(n, 3 * RATE / 4, "cue-in 0.5, cue-out 1.25: 0.75 s of the track");
		player_free(p);
		playlist_free(&pl);
		free(ja);
		free(jj);
		free(jc);
	}

	/* Skip, and the queue. */
	playlist_init(&pl, 0, 0, 1);
	playlist_add(&pl, c, NULL, NULL);
	playlist_add(&pl, a, NULL, NULL);
	playlist_reorder(&pl);
	p = player_new(&pl, &o);
	{
		const struct player_track *t;
		float buf[2 * 700];
		char *next;
		n = player_read(p, buf, 700, &t);
		ok(n == 700 && t != NULL, "first read starts the first track");
		is_str(player_track_title(player_current(p)), "c", "title falls back to the file name");
		next = player_next_desc(p);
		ok(next != NULL && strncmp(next, "a (", 3) == 0, "next is a (no tags: file name)");
		free(next);
		player_queue(p, b);
		next = player_next_desc(p);
		ok(next != NULL && strstr(next, "queued") != NULL, "a queued file comes next");
		free(next);
		player_skip(p);
		n = play_all(p, all, sizeof all / 8, starts, &ns);
		ok(n < 20000 && ns == 2, "skip ends c early; then the queued b, then a");
		ok(n >= 2500 && n < 2500 + 8192 && starts[1] - starts[0] == 1500,
		    "after what c had decoded: b and a in full (%ld frames)", n);
	}
	player_free(p);
	playlist_free(&pl);

	/* Resampling 48 kHz to 44.1 kHz: about a second out for a second in. */
	playlist_init(&pl, 0, 0, 1);
	playlist_add(&pl, w48, NULL, NULL);
	playlist_reorder(&pl);
	p = player_new(&pl, &o);
	n = play_all(p, all, sizeof all / 8, starts, &ns);
	ok(labs(n - RATE) < 64, "48 kHz resampled: %ld frames for 1 s", n);
	ok(fabsf(all[2 * 22050] - 0.25f) < 0.01f, "resampled level preserved");
	player_free(p);
	playlist_free(&pl);

	{
		char *t = player_make_title("Artist", "Title", "Listed", "/x/f.mp3");
		is_str(t, "Artist - Title", "tags: Artist - Title");
		free(t);
		t = player_make_title(NULL, "Title", "Listed", "/x/f.mp3");
		is_str(t, "Title", "title tag alone");
		free(t);
		t = player_make_title("Artist", NULL, "Listed", "/x/f.mp3");
		is_str(t, "Listed", "no title tag: the playlist's title");
		free(t);
		t = player_make_title(NULL, NULL, NULL, "/x/My Song.flac");
		is_str(t, "My Song", "nothing else: the file name");
		free(t);
		t = player_make_title(NULL, NULL, NULL, "/x/.hidden");
		is_str(t, ".hidden", "a dot file keeps its name");
		free(t);
	}
	{
		char cmd[600];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		ok(system(cmd) == 0, "clean up");
	}
	free(a); free(b); free(c); free(sa); free(sb); free(w48); free(bad); free(text);
	return tap_done();
}
