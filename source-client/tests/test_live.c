/*
 * test_live.c: the live switch and the DJ's jitter buffer, without sockets:
 * a DJ is made as the socket side makes one, fed PCM straight into its
 * FIFO, and live_mix is driven with a "playlist" that plays a constant.
 */
#include "../../tests/unit/tap.h"
#include "../live.c"

#define RATE 1000	/* frames per second: whole numbers everywhere */
#define PLAYLIST 0.25f	/* what the playlist plays */

static size_t played;	/* frames the playlist was asked for and gave */
static int calls;

/* A playlist that never ends. */
static long
play(void *arg, float *out, size_t want)
{
	size_t i;

	(void)arg;
	for (i = 0; i < want * 2; i++)
		out[i] = PLAYLIST;
	played += want;
	calls++;
	return (long)want;
}

/* A live switch as live_new makes it, without the socket. */
static struct live *
mk(double xfade, double silence)
{
	struct live *l = xcalloc(1, sizeof *l);

	l->rate = RATE;
	l->ch = 2;
	l->silence = silence;
	l->xfade = (size_t)(xfade * RATE);
	l->prime = (size_t)(LIVE_PRIME_SECONDS * RATE);
	l->max = (size_t)(LIVE_MAX_BUFFER_SECONDS * RATE);
	l->threshold = mix_db_to_amp(LIVE_SILENCE_DB);
	l->listen = xstrdup("test");
	TAILQ_INIT(&l->conns);
	return l;
}

/* n frames of the DJ at level v. */
static void
feed(struct live *l, float v, size_t n)
{
	float *b = xcalloc(n * 2, sizeof *b);
	size_t i;

	for (i = 0; i < n * 2; i++)
		b[i] = v;
	dj_push(l, l->dj, b, n);
	free(b);
}

/* Loops that wait for a state are bounded (k): a regression fails, never hangs. */

/* Run the checks; the exit status says whether all passed. */
int
main(void)
{
	static struct live_conn fake;	/* "connected": only compared with NULL */
	struct live *l = mk(0.1, 2.0);
	float out[2 * 4096];
	const char *title;
	char err[200];
	int back, k;
	long n;

	log_open(NULL, LOG_ERROR);
	/* No DJ: the playlist, straight through. */
	n = live_mix(l, out, 300, play, NULL);
	ok(n == 300 && out[0] == PLAYLIST && calls == 1, "no DJ: the playlist plays");
	ok(live_take_title(l, &back) == NULL && !back, "no title change");

	/* A DJ connects; under the prime, still the playlist. */
	l->dj = dj_new(l, "DJ Name", "192.0.2.1", "/live", NULL, err, sizeof err);
	ok(l->dj != NULL, "a DJ with a feed decoder");
	l->dj->conn = &fake;
	feed(l, 0.5f, 400);
	n = live_mix(l, out, 100, play, NULL);
	ok(n == 100 && out[0] == PLAYLIST && !live_on_air(l), "0.4 s buffered: not on yet");

	/* 0.5 s: the crossfade begins; the playlist fades out under the DJ. */
	feed(l, 0.5f, 2000);
	played = 0;
	n = live_mix(l, out, 50, play, NULL);
	ok(n == 50 && live_on_air(l) && played == 50, "primed: a crossfade, the playlist read");
	ok(out[0] > PLAYLIST - 0.01f && out[0] < 0.5f && out[98] > out[0],
	    "... from the playlist toward the DJ (%.3f .. %.3f)", out[0], out[98]);
	title = live_take_title(l, &back);
	is_str(title, "DJ Name", "the DJ's ice-name is the title before they send one");
	n = live_mix(l, out, 200, play, NULL);
	is_int(n, 50, "the crossfade ends at a chunk's end (0.1 s)");
	played = 0;
	n = live_mix(l, out, 200, play, NULL);
	ok(n == 200 && out[0] == 0.5f && out[399] == 0.5f && played == 0,
	    "on the air: the DJ alone, the playlist not read (paused where it was)");

	/* Overrun: more than 3 s waiting drops down to the prime. */
	feed(l, 0.5f, 3000);
	ok(l->dj->fifo.len == l->prime && l->dj->overruns == 1,
	    "overrun: the oldest dropped, %zu frames left", l->dj->fifo.len);

	/* Underrun: what there is, then silence until primed again. */
	n = live_mix(l, out, 600, play, NULL);
	ok(n == 600 && out[999] == 0.5f && out[1000] == 0.0f && out[1199] == 0.0f,
	    "underrun: the DJ's last audio, then silence");
	ok(l->dj->underruns == 1 && !l->dj->primed && l->dj->prime == 1000,
	    "... counted, and priming again, for 1 s now");
	feed(l, 0.5f, 800);
	n = live_mix(l, out, 100, play, NULL);
	ok(out[0] == 0.0f, "0.8 s back: still silence (the prime is 1 s now)");
	feed(l, 0.5f, 300);
	n = live_mix(l, out, 100, play, NULL);
	ok(out[0] == 0.5f, "primed again: the DJ's audio");

	/* A title while on the air. */
	free(l->dj->title);
	l->dj->title = xstrdup("A Song");
	announce(l, "A Song");
	ok((title = live_take_title(l, &back)) != NULL && strcmp(title, "A Song") == 0,
	    "a metadata update is announced");

	/* Silence for --live-silence (2 s): back to the playlist. */
	for (k = 0; k < 1000 && l->dj->fifo.len > 0; k++)
		live_mix(l, out, FLOE_MIN(l->dj->fifo.len, 4096), play, NULL);
	feed(l, 0.0f, 2400);
	live_mix(l, out, 1000, play, NULL);	/* silence ran 1 s (plus the underrun's) */
	ok(live_on_air(l), "silent 1 s: still on");
	feed(l, 0.0f, 1600);
	live_mix(l, out, 1000, play, NULL);
	played = 0;
	live_mix(l, out, 100, play, NULL);
	ok(!live_on_air(l) && l->dj->silenced, "silent 2 s: off the air, still connected");
	ok(live_take_title(l, &back) == NULL && back, "the playlist's title comes back");
	ok(played == 100 && out[0] < 0.05f && out[198] > PLAYLIST - 0.01f,
	    "the playlist fades in over 0.1 s (%.3f .. %.3f)", out[0], out[198]);
	for (k = 0; k < 1000 && l->state == MIX_FADE_OUT; k++)
		live_mix(l, out, 30, play, NULL);
	ok(l->state == MIX_OFF, "then the DJ is off");
	n = live_mix(l, out, 100, play, NULL);
	ok(out[0] == PLAYLIST && l->dj->fifo.len == 0, "off: the playlist; the silence dropped");

	/* Their next sound puts them back on. */
	feed(l, 0.0f, 100);
	feed(l, 0.5f, 1100);	/* its prime grew to 1 s at the underrun */
	live_mix(l, out, 10, play, NULL);
	ok(live_on_air(l) && !l->dj->silenced, "a sound again: back on the air");
	title = live_take_title(l, &back);
	is_str(title, "A Song", "... with their title");
	for (n = 0; n < 100 && l->state != MIX_ON; n++)
		live_mix(l, out, 10, play, NULL);

	/* They leave with 0.45 s buffered: played down to the fade, then faded. */
	l->dj->conn = NULL;
	played = 0;
	calls = 0;
	n = live_mix(l, out, 4096, play, NULL);
	ok(played == 0 && n > 0 && (size_t)n < 4096, "they left: their buffer plays (%ld frames)",
	    n);
	for (k = 0; k < 1000 && live_on_air(l); k++)
		n = live_mix(l, out, 4096, play, NULL);
	for (k = 0; k < 1000 && l->state == MIX_FADE_OUT; k++)
		live_mix(l, out, 4096, play, NULL);
	ok(l->dj == NULL && l->state == MIX_OFF, "after the fade the DJ is gone");
	n = live_mix(l, out, 100, play, NULL);
	ok(n == 100 && out[0] == PLAYLIST, "the playlist alone again");

	/* No crossfade: straight switches. */
	live_free(l);
	l = mk(0, 0);
	l->dj = dj_new(l, "", "192.0.2.1", "/live", NULL, err, sizeof err);
	l->dj->conn = &fake;
	feed(l, 0.0f, 600);
	live_mix(l, out, 10, play, NULL);
	title = live_take_title(l, &back);
	ok(l->state == MIX_ON && title != NULL && strcmp(title, "Live") == 0,
	    "no crossfade: on at once; no ice-name: \"Live\"");
	feed(l, 0.0f, 3000);
	live_mix(l, out, 2000, play, NULL);
	ok(live_on_air(l), "live-silence 0: a silent DJ stays on");
	live_free(l);
	return tap_done();
}
