/*
 * player.c: tracks in, one PCM stream out.
 *
 * Each track is decoded and resampled into its own FIFO. The player holds
 * back the last `hold` frames of the FIFO (the crossfade length, plus any
 * trailing run of silence when trimming) until the decoder reaches the end,
 * because only then is it known that they are the track's tail:
 *
 *     track A FIFO:  [ ...emitted... | emit-able | hold (xfade + silence) ]
 *                                                ^ decoder ends here
 *     at A's end:    trailing silence dropped; what is left (<= xfade)
 *                    becomes the tail, faded out (cos) while track B fades
 *                    in (sin) from its first non-silent frame.
 *
 * With a crossfade of 0 nothing is held and B's first frame follows A's
 * last one directly: gapless. A skip ends the decoder early, so the held
 * frames fade out as at a natural end.
 *
 * A file that cannot be opened or decoded is logged and skipped. When every
 * entry of a looping playlist has failed in a row (the music disk unmounted,
 * a folder renamed), the stream must not end: a stand-in plays (the
 * fallback file, or recheck seconds of silence, which keeps the mount and
 * its listeners), then the playlist is tried again, and so on until an
 * entry plays. A non-looping playlist that ends without playing anything
 * is a fatal error.
 *
 * A remote stream (an http(s):// entry) is decoded on remote.c's thread;
 * its track takes the PCM that thread has buffered. Until the stream has
 * connected and buffered, the previous track's tail plays out and then
 * silence (the new track has not begun: no title change); a stream that
 * cannot be opened is skipped like an unreadable file. Once it plays, a
 * remote that falls behind is filled with silence (logged) for up to
 * REMOTE_UNDERRUN_MAX_SECONDS, and then ended, as it is when the remote
 * ends or fails; cue-out ends it too (a scheduled show's length). Its title
 * is the #EXTINF one, else the remote's own (ICY StreamTitle, else
 * icy-name; followed as it changes), else the URL without credentials.
 */
#include "player.h"
#include "decode.h"
#include "log.h"
#include "loudness.h"
#include "mix.h"
#include "playlist.h"
#include "remote.h"
#include "resample.h"
#include "../server/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Leading silence is trimmed for at most this many seconds: a long quiet
 * intro is probably meant, and a silent file must not be decoded whole in
 * one go while the pacer waits. */
#define LEAD_TRIM_MAX_SECONDS 10

/* Trailing silence is held back (to be trimmed at the end) for at most this
 * many seconds; longer silence mid-track is played as it is. */
#define TRAIL_HOLD_MAX_SECONDS 10

/* A remote stream that has nothing for the player for this long, in a
 * row, is over (its thread ends a read stalled for 10 s itself; this also
 * ends one that trickles too slowly to ever catch up). */
#define REMOTE_UNDERRUN_MAX_SECONDS 10
/* Frames taken from a remote stream's buffer per fill, and filled with
 * silence per fill when it has none: 23 ms at 44.1 kHz. */
#define REMOTE_FILL_FRAMES 1024

struct player_track {
	TAILQ_ENTRY(player_track) entry;
	char		*path;
	char		*title;		/* what listeners see */
	char		*desc;		/* for logs: title, file, decoder */
	char		*from;		/* the picker's list it came from, or NULL */
	struct decode	*dec;
	double		 duration;	/* seconds, from the file's headers; -1: unknown */
	struct resample	*rs;
	struct mix_fifo	 fifo;
	int		 eof;		/* no more frames will be added */
	int		 tail_trimmed;
	int		 lead_done;	/* leading silence trimmed */
	size_t		 lead_trimmed;	/* frames dropped as leading silence */
	size_t		 silent_run;	/* silent frames at the FIFO's end */
	uint64_t	 frames_out;
	int		 announced;
	int		 standin;	/* the fallback or silence, not a playlist entry */
	size_t		 xfade;		/* its joins' crossfade, frames (a short track: half of it) */
	int		 sized;		/* xfade is final (its length was looked at) */
	size_t		 cue_skip;	/* frames still to drop at its start (cue-in) */
	size_t		 cue_left;	/* frames it may still add (cue-out); SIZE_MAX: no limit */
	float		 gain;		/* loudness normalization, linear */
	size_t		 silence_left;	/* a silent stand-in: frames still to make */
	struct remote	*remote;	/* a relayed stream (path is its URL, cleaned) */
	int		 listed;	/* its title is the playlist's: the remote's is not taken */
	int		 waiting;	/* "connecting" logged */
	size_t		 underrun;	/* frames of silence filled in a row */
};

/* A file queued by the control socket or the HTTP API. */
struct queued {
	TAILQ_ENTRY(queued) entry;
	char	*path;
	char	*title;		/* from its tags when queued (NULL: look when asked) */
};

struct player {
	struct player_opts	 o;
	struct playlist		*pl;
	struct player_picker	 pk;		/* entries after the queue: pl, or a programme */
	TAILQ_HEAD(, queued)	 queue;
	size_t			 nqueued;
	struct player_track	*cur;
	struct mix_fifo		 tail;		/* the previous track fading out */
	size_t			 tail_pos;	/* frames of the fade done */
	size_t			 tail_fade;	/* length of the fade */
	size_t			 xfade;		/* crossfade in frames */
	float			 threshold;	/* silence amplitude */
	size_t			 failures;	/* playlist entries failed in a row */
	int			 ever_played;
	int			 ended;		/* the playlist has no more entries */
	char			*error;
	char			*last_path;	/* for "now" between tracks */
	int			 retitled;	/* the current track's title changed mid-track */
	float			*scratch;	/* REMOTE_FILL_FRAMES frames */
	int			 standing_in;	/* the playlist fails as a whole */
	int			 recheck;	/* a stand-in round began (player_take_recheck) */
};

/* The default picker: the one playlist. */
static const struct playlist_entry *
pl_next(void *arg, const char **from)
{
	*from = NULL;
	return playlist_next(arg);
}

/* The default picker's peek, entries and loops: the playlist's. */
static const struct playlist_entry *
pl_peek(void *arg)
{
	return playlist_peek(arg);
}

static size_t
pl_entries(void *arg)
{
	return ((struct playlist *)arg)->n;
}

static int
pl_loops(void *arg)
{
	return ((struct playlist *)arg)->loop;
}

/* Make a player over a playlist. */
struct player *
player_new(struct playlist *pl, const struct player_opts *opts)
{
	struct player *p = xcalloc(1, sizeof *p);

	p->o = *opts;
	p->pl = pl;
	p->pk = (struct player_picker){ pl_next, pl_peek, pl_entries, pl_loops, pl };
	TAILQ_INIT(&p->queue);
	mix_fifo_init(&p->tail, opts->channels);
	p->xfade = (size_t)(opts->crossfade * opts->rate + 0.5);
	p->threshold = mix_db_to_amp(opts->trim_db);
	return p;
}

/* Take entries from a picker (a programme) instead of the playlist. */
void
player_set_picker(struct player *p, const struct player_picker *pk)
{
	p->pk = *pk;
}

/* Close a track and free it. */
static void
track_free(struct player_track *t)
{
	if (t == NULL)
		return;
	remote_close(t->remote);
	decode_close(t->dec);
	resample_free(t->rs);
	mix_fifo_free(&t->fifo);
	free(t->path);
	free(t->title);
	free(t->desc);
	free(t->from);
	free(t);
}

/* Free the player and its queue (not the playlist). */
void
player_free(struct player *p)
{
	if (p == NULL)
		return;
	player_queue_clear(p);
	track_free(p->cur);
	mix_fifo_free(&p->tail);
	free(p->scratch);
	free(p->error);
	free(p->last_path);
	free(p);
}

/* Base name of a path without its extension. */
static char *
file_stem(const char *path)
{
	const char *base = strrchr(path, '/'), *dot;

	base = base != NULL ? base + 1 : path;
	dot = strrchr(base, '.');
	if (dot == NULL || dot == base)
		return xstrdup(base);
	return xstrndup(base, (size_t)(dot - base));
}

/* Tags, then the playlist's title, then the file name. */
char *
player_make_title(const char *artist, const char *title, const char *listed, const char *path)
{
	if (title != NULL && *title != '\0') {
		if (artist != NULL && *artist != '\0')
			return xasprintf("%s - %s", artist, title);
		return xstrdup(title);
	}
	if (listed != NULL && *listed != '\0')
		return xstrdup(listed);
	return file_stem(path);
}

/* Append decoded, resampled frames to a track, trimming leading silence. */
static void
track_push(struct player *p, struct player_track *t, const float *pcm, size_t n)
{
	int ch = p->o.channels;
	size_t run, k;

	if (t->cue_skip > 0) {
		k = FLOE_MIN(n, t->cue_skip);
		t->cue_skip -= k;
		pcm += (size_t)ch * k;
		n -= k;
	}
	n = FLOE_MIN(n, t->cue_left);
	if (t->cue_left != SIZE_MAX)
		t->cue_left -= n;
	if (p->o.trim && !t->lead_done) {
		size_t k = mix_silent_head(pcm, n, ch, p->threshold);
		t->lead_trimmed += k;
		pcm += (size_t)ch * k;
		n -= k;
		if (n > 0 || t->lead_trimmed >= (size_t)p->o.rate * LEAD_TRIM_MAX_SECONDS)
			t->lead_done = 1;
	}
	if (n == 0)
		return;
	mix_fifo_push(&t->fifo, pcm, n);
	if (t->gain != 1.0f) {
		float *g = (float *)mix_fifo_data(&t->fifo) + (t->fifo.len - n) * (size_t)ch;
		size_t i;

		for (i = 0; i < n * (size_t)ch; i++)
			g[i] *= t->gain;
	}
	run = mix_silent_tail(pcm, n, ch, p->threshold);
	t->silent_run = run == n ? t->silent_run + n : run;
}

/* Flush the resampler's tail into the track. */
static void
track_flush_resampler(struct player *p, struct player_track *t)
{
	const float *o;
	long n;

	if (t->rs != NULL && (n = resample_flush(t->rs, &o)) > 0)
		track_push(p, t, o, (size_t)n);
}

/* Close the decoder: the track's FIFO now holds all it will ever hold. */
static void
track_end_input(struct player *p, struct player_track *t)
{
	if (t->eof)
		return;
	track_flush_resampler(p, t);
	decode_close(t->dec);
	t->dec = NULL;
	remote_close(t->remote);
	t->remote = NULL;
	t->eof = 1;
}

/* A remote stream's title, if it has a new one (and the playlist gave none). */
static void
remote_retitle(struct player *p, struct player_track *t)
{
	char *nt;

	if (t->listed || t->remote == NULL || (nt = remote_take_title(t->remote)) == NULL)
		return;
	if (strcmp(nt, t->title) == 0) {
		free(nt);
		return;
	}
	free(t->title);
	t->title = nt;
	if (t->announced)
		p->retitled = 1;
}

/* Take what the remote stream's thread has buffered; when it has nothing,
 * silence (a late remote), or the end (an ended, failed or stalled one). */
static void
remote_fill(struct player *p, struct player_track *t)
{
	size_t ch = (size_t)p->o.channels, n;
	enum remote_state st;

	if (p->scratch == NULL)
		p->scratch = xreallocarray(NULL, REMOTE_FILL_FRAMES * ch, sizeof *p->scratch);
	if ((n = remote_read(t->remote, p->scratch, REMOTE_FILL_FRAMES)) > 0) {
		if (t->underrun > 0)
			log_info("%s: the remote stream is back after %.1f s of silence", t->path,
			    (double)t->underrun / p->o.rate);
		t->underrun = 0;
		track_push(p, t, p->scratch, n);
		remote_retitle(p, t);
		goto cued;
	}
	st = remote_state(t->remote);
	if (st == REMOTE_ENDED || st == REMOTE_FAILED) {
		if (st == REMOTE_FAILED)
			log_warn("%s: %s%s", t->path, remote_error(t->remote),
			    t->announced ? "; ending it here" : "");
		else
			log_info("%s: the remote stream ended", t->path);
		track_end_input(p, t);
		return;
	}
	if (t->underrun == 0)
		log_warn("%s: the remote stream is late: filling with silence", t->path);
	if (t->underrun >= (size_t)p->o.rate * REMOTE_UNDERRUN_MAX_SECONDS) {
		log_warn("%s: nothing from the remote stream for %d s; ending it here", t->path,
		    REMOTE_UNDERRUN_MAX_SECONDS);
		track_end_input(p, t);
		return;
	}
	memset(p->scratch, 0, REMOTE_FILL_FRAMES * ch * sizeof *p->scratch);
	track_push(p, t, p->scratch, REMOTE_FILL_FRAMES);
	t->underrun += REMOTE_FILL_FRAMES;
cued:
	if (t->cue_left == 0) {		/* its cue-out: the show's end */
		log_info("%s: cue-out reached", t->path);
		track_end_input(p, t);
	}
}

/* Decode one chunk into the track. */
static void
track_fill(struct player *p, struct player_track *t)
{
	char err[256];
	const float *pcm, *o;
	long n, m;

	if (t->remote != NULL) {
		remote_fill(p, t);
		return;
	}
	if (t->dec == NULL) {		/* a silent stand-in */
		static const float zeros[4096];
		size_t k = FLOE_MIN(t->silence_left, FLOE_NELEM(zeros) / (size_t)p->o.channels);

		if (k == 0) {
			t->eof = 1;
			return;
		}
		mix_fifo_push(&t->fifo, zeros, k);
		t->silence_left -= k;
		return;
	}
	n = decode_read(t->dec, &pcm, err, sizeof err);
	if (n < 0)
		log_warn("%s: %s; ending the track here", t->path, err);
	if (n <= 0) {
		track_end_input(p, t);
		return;
	}
	if (decode_rate(t->dec) != resample_in_rate(t->rs) ||
	    decode_channels(t->dec) != resample_in_channels(t->rs)) {
		struct resample *rs;
		track_flush_resampler(p, t);
		rs = resample_new(decode_rate(t->dec), decode_channels(t->dec), p->o.rate,
		    p->o.channels, err, sizeof err);
		if (rs == NULL) {
			log_warn("%s: %s; ending the track here", t->path, err);
			track_end_input(p, t);
			return;
		}
		resample_free(t->rs);
		t->rs = rs;
	}
	if ((m = resample_run(t->rs, pcm, (size_t)n, &o)) < 0) {
		log_warn("%s: resampling failed; ending the track here", t->path);
		track_end_input(p, t);
		return;
	}
	track_push(p, t, o, (size_t)m);
	if (t->cue_left == 0) {		/* its cue-out */
		decode_close(t->dec);
		t->dec = NULL;
		t->eof = 1;
	}
}

/* Cue points and crossfade from the playlist entry (NULL: defaults). */
static void
track_cues(struct player *p, struct player_track *t, const struct playlist_entry *e)
{
	t->xfade = e != NULL && e->crossfade >= 0 ?
	    (size_t)(FLOE_MIN(e->crossfade, 30.0) * p->o.rate + 0.5) : p->xfade;
	t->cue_skip = e != NULL ? (size_t)(e->cue_in * p->o.rate + 0.5) : 0;
	t->cue_left = e != NULL && e->cue_out > e->cue_in ?
	    (size_t)((e->cue_out - e->cue_in) * p->o.rate + 0.5) : SIZE_MAX;
}

/* A remote stream as a track: its thread starts connecting now; the track
 * begins once it has buffered (player_read). Never fails here. */
static struct player_track *
remote_track_open(struct player *p, const char *url, const char *listed,
    const struct playlist_entry *e)
{
	struct player_track *t = xcalloc(1, sizeof *t);

	t->path = url_without_credentials(url);	/* logs, hooks and status: no password */
	t->remote = remote_open(url, p->o.rate, p->o.channels);
	t->listed = listed != NULL && *listed != '\0';
	t->title = xstrdup(t->listed ? listed : t->path);
	t->desc = xasprintf("%s (%s; relayed)", t->title, t->path);
	track_cues(p, t, e);
	/* a stream's length is its cue-out's, if it has one */
	t->duration = t->cue_left != SIZE_MAX ? (double)t->cue_left / p->o.rate : -1;
	t->gain = 1.0f;		/* a live stream cannot be measured ahead */
	mix_fifo_init(&t->fifo, p->o.channels);
	return t;
}

/* Open one file as a track; NULL (logged) if it cannot be played. */
static struct player_track *
track_open(struct player *p, const char *path, const char *listed,
    const struct playlist_entry *e)
{
	struct player_track *t;
	struct decode *dec;
	struct resample *rs;
	char err[256];

	if (remote_is_url(path))
		return remote_track_open(p, path, listed, e);
	if ((dec = decode_open(path, err, sizeof err)) == NULL) {
		log_warn("skipping %s: %s", path, err);
		return NULL;
	}
	rs = resample_new(decode_rate(dec), decode_channels(dec), p->o.rate, p->o.channels,
	    err, sizeof err);
	if (rs == NULL) {
		log_warn("skipping %s: %s", path, err);
		decode_close(dec);
		return NULL;
	}
	t = xcalloc(1, sizeof *t);
	t->path = xstrdup(path);
	t->dec = dec;
	t->duration = decode_duration(dec);
	t->rs = rs;
	t->title = player_make_title(decode_artist(dec), decode_title(dec), listed, path);
	track_cues(p, t, e);
	t->gain = 1.0f;
	if (p->o.normalize) {
		char how[128];
		double db = loudness_gain_db(path, p->o.target_lufs, how, sizeof how);

		t->gain = mix_db_to_amp(db);
		t->desc = xasprintf("%s (%s; %s, %d Hz, %d ch; %s: %+.1f dB)", t->title, path,
		    decode_engine(dec), decode_rate(dec), decode_channels(dec), how, db);
	} else
		t->desc = xasprintf("%s (%s; %s, %d Hz, %d ch)", t->title, path,
		    decode_engine(dec), decode_rate(dec), decode_channels(dec));
	mix_fifo_init(&t->fifo, p->o.channels);
	return t;
}

/*
 * The playlist has failed as a whole: the fallback file, or silence, for
 * one round. Logged when it starts standing in, not every round.
 */
static struct player_track *
standin_open(struct player *p, const char *why)
{
	struct player_track *t = NULL;
	int again = p->standing_in;

	if (!p->standing_in)
		log_error("%s: off the playlist: playing %s%s and trying the playlist again "
		    "%s", why, p->o.fallback != NULL ? "the fallback " : "silence",
		    p->o.fallback != NULL ? p->o.fallback : "",
		    p->o.fallback != NULL ? "after each play of it" : "every few seconds");
	p->standing_in = 1;
	p->recheck = 1;
	p->failures = 0;
	if (p->o.fallback != NULL && (t = track_open(p, p->o.fallback, NULL, NULL)) == NULL)
		log_warn("the fallback %s cannot be played either: silence", p->o.fallback);
	if (t == NULL) {
		t = xcalloc(1, sizeof *t);
		t->path = xstrdup("(silence)");
		t->title = xstrdup("");
		t->desc = xstrdup("silence, standing in for the playlist");
		mix_fifo_init(&t->fifo, p->o.channels);
		t->silence_left = (size_t)(FLOE_MAX(p->o.recheck, 1.0) * p->o.rate);
		t->xfade = p->xfade;
		t->cue_left = SIZE_MAX;
		t->gain = 1.0f;
		t->duration = -1;
		/* One announcement (a title, a log line) for a run of rounds */
		t->announced = again;
	}
	t->standin = 1;
	return t;
}

/* Set the fatal error text. */
static void
set_error(struct player *p, char *msg)
{
	free(p->error);
	p->error = msg;
}

/* Open the next playable track: the queue first, then the playlist.
 * NULL when the playlist has ended or on a fatal error (p->error set). */
static struct player_track *
next_track(struct player *p)
{
	const struct playlist_entry *e;
	struct player_track *t;
	struct queued *q;
	const char *from;
	size_t n;
	int loop;

	for (;;) {
		/* Every entry opened and gave no audio (track_done counted them). */
		n = p->pk.entries(p->pk.arg);
		loop = p->pk.loops(p->pk.arg);
		if (loop && n > 0 && p->failures >= n && TAILQ_EMPTY(&p->queue))
			return standin_open(p, "every entry of the playlist failed in a row");
		if ((q = TAILQ_FIRST(&p->queue)) != NULL) {
			TAILQ_REMOVE(&p->queue, q, entry);
			p->nqueued--;
			t = track_open(p, q->path, NULL, NULL);
			free(q->path);
			free(q->title);
			free(q);
			if (t != NULL)
				return t;
			continue;	/* a bad queued file is not the playlist's fault */
		}
		if ((e = p->pk.next(p->pk.arg, &from)) == NULL) {
			if (loop)	/* a looping list that is empty now */
				return standin_open(p, "the playlist has no entries");
			p->ended = 1;
			if (!p->ever_played)
				set_error(p, xstrdup("no playable file in the playlist "
				    "(every entry was missing, unreadable or not audio)"));
			return NULL;
		}
		if ((t = track_open(p, e->path, e->title, e)) != NULL) {
			t->from = from != NULL ? xstrdup(from) : NULL;
			if (p->standing_in)
				log_info("back on the playlist with %s", t->desc);
			p->standing_in = 0;
			return t;
		}
		if (++p->failures >= n) {
			if (loop)
				return standin_open(p, "every entry of the playlist failed in a row");
			set_error(p, xasprintf("no playable file in the playlist: all %zu "
			    "entries failed in a row", n));
			return NULL;
		}
	}
}

/* The track ended: count it as played or failed. Returns -1 if the
 * playlist has now failed as a whole. */
static int
track_done(struct player *p, struct player_track *t)
{
	size_t n;

	free(p->last_path);
	p->last_path = xstrdup(t->path);
	if (t->standin)
		return 0;	/* neither a success nor a failure of the playlist */
	if (t->frames_out > 0 || t->fifo.len > 0) {
		p->failures = 0;
		p->ever_played = 1;
		return 0;
	}
	log_warn("%s: no audio in this %s; skipped", t->path,
	    remote_is_url(t->path) ? "stream" : "file");
	n = p->pk.entries(p->pk.arg);
	if (++p->failures >= n && n > 0 && !p->pk.loops(p->pk.arg)) {
		set_error(p, xasprintf("no playable file in the playlist: all %zu entries "
		    "failed in a row", n));
		return -1;
	}
	return 0;
}

/* Frames the track must keep back for its own tail right now. */
static size_t
track_hold(const struct player *p, const struct player_track *t)
{
	size_t hold = t->xfade;

	if (t->eof)
		return 0;
	if (p->o.trim)
		hold += FLOE_MIN(t->silent_run, (size_t)p->o.rate * TRAIL_HOLD_MAX_SECONDS);
	return hold;
}

/* Emit n frames of tail when nothing comes after it (the playlist ended):
 * the last track ends as recorded, not faded. */
static void
emit_tail_alone(struct player *p, float *out, size_t n)
{
	memcpy(out, mix_fifo_data(&p->tail), n * (size_t)p->o.channels * sizeof *out);
	mix_fifo_drop(&p->tail, n);
	p->tail_pos += n;
}

/* Produce up to want frames. See the comment at the top of the file. */
long
player_read(struct player *p, float *out, size_t want, const struct player_track **started)
{
	size_t done = 0, ch = (size_t)p->o.channels;

	*started = NULL;
	if (p->error != NULL)
		return -1;
	while (done < want) {
		struct player_track *t = p->cur;
		size_t hold, avail, n;

		if (t == NULL) {
			if (p->ended) {
				if (p->tail.len == 0)
					break;
				n = FLOE_MIN(want - done, p->tail.len);
				emit_tail_alone(p, out + done * ch, n);
				done += n;
				continue;
			}
			if (done > 0)
				break;	/* a track begins at the start of a read */
			if ((p->cur = next_track(p)) == NULL) {
				if (p->error != NULL)
					return -1;
				continue;
			}
			t = p->cur;
		}
		if (!t->announced && t->remote != NULL && !t->sized) {
			/* A remote stream begins once it has buffered (or failed:
			 * then it is skipped as it is read). Meanwhile the last
			 * track's tail plays out, fading over silence as it would
			 * under the stream (which then fades in where it is). */
			if (remote_state(t->remote) == REMOTE_CONNECTING) {
				if (!t->waiting)
					log_info("%s: connecting", t->path);
				t->waiting = 1;
				n = want - done;
				if (p->tail.len > t->xfade) {
					n = FLOE_MIN(n, p->tail.len - t->xfade);
					emit_tail_alone(p, out + done * ch, n);
					if (p->tail.len <= t->xfade) {
						p->tail_pos = 0;
						p->tail_fade = p->tail.len;
					}
				} else {
					size_t m = FLOE_MIN(n, p->tail.len);

					memset(out + done * ch, 0, n * ch * sizeof *out);
					mix_crossfade(out + done * ch, mix_fifo_data(&p->tail), m,
					    p->o.channels, p->tail_pos, p->tail_fade);
					mix_fifo_drop(&p->tail, m);
					p->tail_pos += m;
				}
				done += n;
				continue;
			}
			t->sized = 1;	/* a stream: its joins are the crossfade */
			if (remote_state(t->remote) != REMOTE_PLAYING) {
				/* Failed, or ended within its first buffer */
				track_fill(p, t);
				if (t->eof && t->fifo.len == 0) {
					if (track_done(p, t) != 0)
						return -1;
					track_free(t);
					p->cur = NULL;
					continue;
				}
			}
			if (t->remote != NULL) {	/* (a tiny cue-out may have closed it) */
				char how[160];

				remote_retitle(p, t);
				remote_describe(t->remote, how, sizeof how);
				free(t->desc);
				t->desc = xasprintf("%s (%s; %s)", t->title, t->path, how);
			}
		}
		if (!t->announced) {
			/* A short track fades in and out within itself: its joins
			 * last half its length at most (a 1.5 s jingle under a
			 * 3 s crossfade: 0.75 s each), so look at its length. */
			if (!t->sized) {
				while (!t->eof && t->fifo.len <= 2 * t->xfade)
					track_fill(p, t);
				if (t->eof && t->fifo.len < 2 * t->xfade)
					t->xfade = t->fifo.len / 2;
				t->sized = 1;
			}
			/* The previous track's tail is longer than this one's
			 * fade: the rest of it plays alone first, at full level,
			 * as the end of that track. */
			if (p->tail.len > t->xfade) {
				n = FLOE_MIN(want - done, p->tail.len - t->xfade);
				emit_tail_alone(p, out + done * ch, n);
				done += n;
				if (p->tail.len <= t->xfade) {
					p->tail_pos = 0;
					p->tail_fade = p->tail.len;
				}
				continue;
			}
			if (done > 0)
				break;
			t->announced = 1;
			*started = t;
		}

		/* Decode until the wanted frames are there beyond the hold. */
		while (!t->eof && t->fifo.len < track_hold(p, t) + (want - done))
			track_fill(p, t);
		hold = track_hold(p, t);

		if (t->eof) {
			size_t excess;
			if (p->o.trim && !t->tail_trimmed) {
				mix_fifo_drop_back(&t->fifo, mix_silent_tail(mix_fifo_data(&t->fifo),
				    t->fifo.len, p->o.channels, p->threshold));
				t->tail_trimmed = 1;
			}
			excess = t->fifo.len > t->xfade ? t->fifo.len - t->xfade : 0;
			if ((excess == 0 && p->tail.len == 0) || t->fifo.len == 0) {
				/* The rest of this track is its tail: fade it out
				 * under the next one (or join the next directly). */
				if (track_done(p, t) != 0)
					return -1;
				if (t->fifo.len > 0) {
					mix_fifo_clear(&p->tail);
					mix_fifo_push(&p->tail, mix_fifo_data(&t->fifo), t->fifo.len);
					p->tail_pos = 0;
					p->tail_fade = t->fifo.len;
				}
				track_free(t);
				p->cur = NULL;
				continue;
			}
			/* Play up to the tail; but while an earlier tail still
			 * fades, this (short) track plays out without a fade of
			 * its own. */
			avail = excess > 0 ? excess : t->fifo.len;
		} else
			avail = t->fifo.len > hold ? t->fifo.len - hold : 0;
		if (avail == 0)
			continue;	/* cannot happen: the fill loop ran to eof */

		n = FLOE_MIN(want - done, avail);
		memcpy(out + done * ch, mix_fifo_data(&t->fifo), n * ch * sizeof *out);
		if (p->tail.len > 0) {
			size_t m = FLOE_MIN(n, p->tail.len);
			mix_crossfade(out + done * ch, mix_fifo_data(&p->tail), m, p->o.channels,
			    p->tail_pos, p->tail_fade);
			mix_fifo_drop(&p->tail, m);
			p->tail_pos += m;
		}
		mix_fifo_drop(&t->fifo, n);
		t->frames_out += n;
		done += n;
	}
	if (done == 0 && p->ended && !p->ever_played && p->error == NULL)
		set_error(p, xstrdup("no playable file in the playlist"));
	return p->error != NULL && done == 0 ? -1 : (long)done;
}

/* The fatal error, if any. */
const char *
player_error(const struct player *p)
{
	return p->error;
}

int
player_standing_in(const struct player *p)
{
	return p->standing_in;
}

int
player_take_recheck(struct player *p)
{
	int r = p->recheck;

	p->recheck = 0;
	return r;
}

/* The current track. */
const struct player_track *
player_current(const struct player *p)
{
	return p->cur;
}

/* Listener-facing title of a track. */
const char *
player_track_title(const struct player_track *t)
{
	return t->title;
}

/* File of a track. */
const char *
player_track_path(const struct player_track *t)
{
	return t->path;
}

/* The list a track came from (a programme's playlist), or NULL. */
const char *
player_track_from(const struct player_track *t)
{
	return t->from;
}

/* Log description of a track. */
const char *
player_track_desc(const struct player_track *t)
{
	return t->desc;
}

/* The track's length from its file's headers (-1: unknown). */
double
player_track_duration(const struct player_track *t)
{
	return t->duration;
}

/* Seconds of the current track emitted. */
double
player_position(const struct player *p)
{
	return p->cur != NULL ? (double)p->cur->frames_out / p->o.rate : 0.0;
}

/* The title a file will have, from its tags (opening it briefly; a
 * remote stream is not opened: that would block). */
static char *
peek_title(const char *path, const char *listed)
{
	char err[128], *t;
	struct decode *d;

	if (remote_is_url(path))
		return listed != NULL && *listed != '\0' ? xstrdup(listed) : url_without_credentials(path);
	d = decode_open(path, err, sizeof err);

	t = player_make_title(d != NULL ? decode_artist(d) : NULL,
	    d != NULL ? decode_title(d) : NULL, listed, path);
	decode_close(d);
	return t;
}

/* What plays next: 1 (queued) or 0 (the playlist's), with its title and
 * path allocated; -1 at the end. */
int
player_next(const struct player *p, char **title, char **path)
{
	const struct playlist_entry *e;
	struct queued *q;

	if ((q = TAILQ_FIRST(&p->queue)) != NULL) {
		*title = q->title != NULL ? xstrdup(q->title) : peek_title(q->path, NULL);
		*path = remote_is_url(q->path) ? url_without_credentials(q->path) : xstrdup(q->path);
		return 1;
	}
	if ((e = p->pk.peek(p->pk.arg)) == NULL)
		return -1;
	*title = peek_title(e->path, e->title);
	/* a URL's password goes nowhere but to its server */
	*path = remote_is_url(e->path) ? url_without_credentials(e->path) : xstrdup(e->path);
	return 0;
}

/* What plays next, as one line. */
char *
player_next_desc(const struct player *p)
{
	char *title, *path, *s;
	int rc = player_next(p, &title, &path);

	if (rc < 0)
		return NULL;
	s = xasprintf("%s (%s%s)", title, path, rc == 1 ? ", queued" : "");
	free(title);
	free(path);
	return s;
}

/* The current track's title, if it changed since it began (a remote
 * stream's StreamTitle) and since the last call; else NULL. */
const char *
player_take_retitle(struct player *p)
{
	if (!p->retitled || p->cur == NULL)
		return NULL;
	p->retitled = 0;
	return p->cur->title;
}

/* End the current track now; its held frames fade out. */
void
player_skip(struct player *p)
{
	if (p->cur != NULL)
		track_end_input(p, p->cur);
}

/* Queue a file to play after the current track. */
void
player_queue(struct player *p, const char *path)
{
	struct queued *q = xcalloc(1, sizeof *q);

	q->path = xstrdup(path);
	TAILQ_INSERT_TAIL(&p->queue, q, entry);
	p->nqueued++;
}

/* Files waiting in the queue. */
size_t
player_queue_len(const struct player *p)
{
	return p->nqueued;
}

void
player_queue_each(const struct player *p, void (*fn)(void *arg, const char *path), void *arg)
{
	const struct queued *q;

	TAILQ_FOREACH(q, &p->queue, entry)
		fn(arg, q->path);
}

/* Check that path can be played (a text file queued by mistake is refused
 * now, not skipped later), then queue it with the title its tags give. */
int
player_queue_file(struct player *p, const char *path, char *err, size_t errlen)
{
	struct decode *d;
	struct queued *q;
	char derr[256];

	if (p->nqueued >= PLAYER_QUEUE_MAX) {
		snprintf(err, errlen, "the queue is full (%d files)", PLAYER_QUEUE_MAX);
		return -1;
	}
	if (access(path, R_OK) != 0) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	if ((d = decode_open(path, derr, sizeof derr)) == NULL) {
		snprintf(err, errlen, "cannot play %s: %s", path, derr);
		return -1;
	}
	q = xcalloc(1, sizeof *q);
	q->path = xstrdup(path);
	q->title = player_make_title(decode_artist(d), decode_title(d), NULL, path);
	decode_close(d);
	TAILQ_INSERT_TAIL(&p->queue, q, entry);
	p->nqueued++;
	return 0;
}

/* Take the pos'th queued file (1: the next to play) out of the queue. */
int
player_queue_remove(struct player *p, size_t pos, char **path)
{
	struct queued *q;
	size_t i = 1;

	TAILQ_FOREACH(q, &p->queue, entry) {
		if (i++ != pos)
			continue;
		TAILQ_REMOVE(&p->queue, q, entry);
		p->nqueued--;
		if (path != NULL)
			*path = q->path;
		else
			free(q->path);
		free(q->title);
		free(q);
		return 0;
	}
	return -1;
}

/* Empty the queue; how many files it held. */
size_t
player_queue_clear(struct player *p)
{
	size_t n = p->nqueued;

	while (p->nqueued > 0)
		player_queue_remove(p, 1, NULL);
	return n;
}

void
player_queue_list(const struct player *p, void (*fn)(void *arg, size_t pos, const char *path,
    const char *title), void *arg)
{
	const struct queued *q;
	size_t i = 1;
	char *t;

	TAILQ_FOREACH(q, &p->queue, entry) {
		t = q->title != NULL ? NULL : peek_title(q->path, NULL);
		fn(arg, i++, q->path, q->title != NULL ? q->title : t);
		free(t);
	}
}
