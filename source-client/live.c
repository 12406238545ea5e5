/*
 * live.c: a live DJ on floe-source (see live.h).
 *
 * The socket side. Each connection's request head goes through the
 * server's own parser (server/http_parse.c), and is answered as icecast2
 * 2.4 answers (tests/../INTEROP.md): SOURCE gets "HTTP/1.0 200 OK", PUT
 * with Expect a 100 Continue first, a wrong password 401 with
 * WWW-Authenticate, a second DJ 403 "Mountpoint in use". One DJ at a time;
 * titles come from GET /admin/metadata (or Shoutcast's /admin.cgi) with
 * the same credentials, answered at once (Liquidsoap's audio waits for it).
 *
 * The decoding side. An MP3 DJ's bytes are decoded on the event loop as
 * they come, by libmpg123's feed API: it takes any number of bytes and
 * hands back whole frames, never waiting for more, so the loop never blocks
 * and no thread is needed. Ogg (Vorbis, Opus) and AAC go through
 * libavformat, whose demuxers block in their read callback until bytes
 * come, so they run on a thread of their own (live_av.c), and the tick
 * collects their PCM and Ogg comment titles. Other types get 403
 * "Content-type not supported", as icecast2 says of a type it cannot
 * carry. Decoded audio is resampled to the station's rate into a jitter
 * FIFO, because the DJ's sound card clock and ours differ and the network
 * is bursty:
 *
 *   DJ bytes -> mpg123 -> resample -> FIFO [ .... >= PRIME .... <= MAX ]
 *            (or live_av's thread) --^
 *                                          ^ live_mix takes from here
 *
 * The DJ goes on the air once PRIME seconds are buffered. An underrun plays
 * silence until the DJ's prime, now PRIME longer (up to 4 PRIME), is
 * buffered again (logged once per DJ): a bursty sender gets the latency it
 * needs, a steady one keeps 0.5 s. An overrun (the DJ's clock faster than
 * ours, or every output down) drops the oldest audio down to the prime.
 *
 * The switch. live_mix runs in the pacer tick in place of player_read:
 *
 *   OFF --DJ primed--> FADE_IN --crossfade done--> ON
 *    ^                                              |  DJ left (its buffer
 *    +----------crossfade done---- FADE_OUT <-------+  played down to the
 *                                                      fade) or silent
 * While ON the player is not read at all, so the playlist waits where it
 * was, its decoder open, and resumes from that frame. A DJ silenced off the
 * air stays connected; their first loud frame puts them back on.
 */
#include "live.h"
#include "live_av.h"
#include "log.h"
#include "mix.h"
#include "resample.h"
#include "../server/http_parse.h"
#include "../server/util.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include <mpg123.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Half a second buffered before the DJ goes on (and again after an
 * underrun): enough to ride out network jitter and a sender's bursts,
 * short enough that the DJ's cue is still near what listeners hear. */
#define LIVE_PRIME_SECONDS 0.5
/* Each underrun makes a DJ's prime one PRIME longer, up to this many:
 * 2 s covers an Ogg sender's one-second pages arriving late. */
#define LIVE_PRIME_GROWTH 4
/* More than this buffered (a fast DJ clock, or every output down so the
 * station is not reading) and the oldest is dropped down to the prime. */
#define LIVE_MAX_BUFFER_SECONDS 3.0
/* A request head must be complete this soon (players and probes open
 * throwaway connections). */
#define LIVE_HEAD_TIMEOUT_SECONDS 10
/* A DJ connection that sends nothing this long is dead (the silence
 * timeout, when set, takes the DJ off the air long before). */
#define LIVE_IDLE_SECONDS 30
/* Connections open at once: one DJ, their title updates and probes. */
#define LIVE_MAX_CONNS 16
/* Reads per event are bounded by the bufferevent's high watermark: 64 KB
 * is 4 s of 128 kbps MP3, decoded in one go. */
#define LIVE_READ_MAX 65536
/* The DJ is silent below this level (dBFS). */
#define LIVE_SILENCE_DB -50.0
/* Titles longer than this are cut (ICY blocks carry at most 4080 bytes). */
#define LIVE_TITLE_MAX 1024

enum conn_state { CONN_HEAD, CONN_BODY, CONN_CLOSING };
enum mix_state { MIX_OFF, MIX_FADE_IN, MIX_ON, MIX_FADE_OUT };

struct live_conn;

/* The DJ: one at a time, kept after their connection closes until their
 * tail has faded out. */
struct live_dj {
	struct live_conn	*conn;		/* NULL once they left */
	char			*name;		/* ice-name, or "" */
	char			*addr;
	char			*mount;
	char			*title;		/* from metadata updates, or NULL */
	mpg123_handle		*mh;		/* MP3, decoded here */
	struct live_av		*av;		/* or Ogg/AAC, on a thread */
	struct resample		*rs;
	struct mix_fifo		 fifo;
	int			 primed;
	size_t			 prime;		/* frames buffered before playing */
	int			 silenced;	/* taken off the air for silence */
	size_t			 silent_run;	/* frames of silence played in a row */
	size_t			 underruns, overruns;
	int			 decode_err_logged;
	uint64_t		 since;		/* connected, monotonic ns */
	uint64_t		 bytes;
};

struct live_conn {
	TAILQ_ENTRY(live_conn)	 entry;
	struct live		*l;
	struct bufferevent	*bev;
	enum conn_state		 state;
	int			 chunked;
	struct http_chunked	 ch;
	struct live_dj		*dj;		/* set on the DJ's connection */
	char			 addr[INET6_ADDRSTRLEN];
	struct http_request	 req;		/* last: it is large */
};

struct live {
	struct event_base	*base;
	struct evconnlistener	*lev;
	char			*listen, *user, *password, *mount;
	double			 silence;
	int			 rate, ch;
	live_event_fn		*fn;
	void			*arg;
	TAILQ_HEAD(, live_conn)	 conns;
	size_t			 nconns;
	struct live_dj		*dj;
	enum mix_state		 state;
	size_t			 xfade, pos;	/* crossfade length and progress, frames */
	size_t			 prime, max;	/* the jitter buffer's bounds, frames */
	float			 threshold;
	float			*tmp;
	size_t			 tmpcap;
	char			*title;		/* to announce (live_take_title) */
	int			 new_title, back;
	uint64_t		 on_since;
};

static void conn_free(struct live_conn *c);

/* ---------------------------------------------------------------- the DJ */

/* The title listeners see for the DJ. */
static const char *
dj_title(const struct live_dj *dj)
{
	if (dj->title != NULL)
		return dj->title;
	return dj->name[0] != '\0' ? dj->name : "Live";
}

/* Queue a title change for the outputs. */
static void
announce(struct live *l, const char *title)
{
	free(l->title);
	l->title = xstrdup(title);
	l->new_title = 1;
}

/* Free a DJ (their connection is gone). */
static void
dj_free(struct live_dj *dj)
{
	if (dj == NULL)
		return;
	if (dj->mh != NULL)
		mpg123_delete(dj->mh);
	live_av_free(dj->av);
	resample_free(dj->rs);
	mix_fifo_free(&dj->fifo);
	free(dj->name);
	free(dj->addr);
	free(dj->mount);
	free(dj->title);
	free(dj);
}

/* A DJ with an MP3 decoder in feed mode (format NULL), or a libavformat
 * one on a thread ("ogg", "aac"); NULL (reason in err) if it fails. */
static struct live_dj *
dj_new(struct live *l, const char *name, const char *addr, const char *mount,
    const char *format, char *err, size_t errlen)
{
	struct live_dj *dj = xcalloc(1, sizeof *dj);
	const long *rates;
	size_t nrates, i;
	int e;

	if (format != NULL) {
		if ((dj->av = live_av_new(format, l->rate, l->ch, err, errlen)) == NULL) {
			free(dj);
			return NULL;
		}
		goto done;
	}
	if ((dj->mh = mpg123_new(NULL, &e)) == NULL) {
		snprintf(err, errlen, "mpg123: %s", mpg123_plain_strerror(e));
		free(dj);
		return NULL;
	}
	mpg123_param(dj->mh, MPG123_ADD_FLAGS, MPG123_FORCE_FLOAT | MPG123_QUIET, 0);
	mpg123_param(dj->mh, MPG123_RESYNC_LIMIT, -1, 0);
	mpg123_format_none(dj->mh);
	mpg123_rates(&rates, &nrates);
	for (i = 0; i < nrates; i++)
		mpg123_format(dj->mh, rates[i], MPG123_MONO | MPG123_STEREO, MPG123_ENC_FLOAT_32);
	if (mpg123_open_feed(dj->mh) != MPG123_OK) {
		snprintf(err, errlen, "mpg123: %s", mpg123_strerror(dj->mh));
		mpg123_delete(dj->mh);
		free(dj);
		return NULL;
	}
done:
	mix_fifo_init(&dj->fifo, l->ch);
	dj->prime = l->prime;
	dj->name = str_sanitize(name != NULL ? name : "", LIVE_TITLE_MAX);
	dj->addr = xstrdup(addr);
	dj->mount = xstrdup(mount);
	dj->since = time_mono_ns();
	return dj;
}

/* Drop the oldest of the jitter buffer on overrun. */
static void
dj_trim(struct live *l, struct live_dj *dj)
{
	if (dj->fifo.len > l->max) {
		if (dj->overruns++ == 0)
			log_warn("live: %.1f s of the DJ's audio waiting (their clock runs fast, "
			    "or nothing is streaming): dropping the oldest", (double)dj->fifo.len /
			    l->rate);
		mix_fifo_drop(&dj->fifo, dj->fifo.len - dj->prime);
	}
}

/* Add resampled audio to the jitter buffer. */
static void
dj_push(struct live *l, struct live_dj *dj, const float *pcm, size_t n)
{
	mix_fifo_push(&dj->fifo, pcm, n);
	dj_trim(l, dj);
}

/* A thread-decoded DJ: collect its audio and a title from its comments. */
static void
dj_collect(struct live *l, struct live_dj *dj)
{
	char *t;

	if (dj->av == NULL)
		return;
	if (live_av_take(dj->av, &dj->fifo) > 0)
		dj_trim(l, dj);
	if ((t = live_av_take_title(dj->av)) != NULL) {
		free(dj->title);
		dj->title = str_sanitize(t, LIVE_TITLE_MAX);
		free(t);
		log_info("live: title \"%s\" (from the stream)", dj->title);
		if (l->state == MIX_ON || l->state == MIX_FADE_IN)
			announce(l, dj->title);
	}
	if (live_av_error(dj->av) != NULL && !dj->decode_err_logged++) {
		log_warn("live: the DJ's stream: %s", live_av_error(dj->av));
		if (dj->conn != NULL)
			conn_free(dj->conn);	/* not on its call stack: this is the tick */
	}
}
/* Decode what mpg123 can from the bytes fed so far. */
static void
dj_decode(struct live *l, struct live_dj *dj, const unsigned char *buf, size_t n)
{
	char err[256];

	dj->bytes += n;
	if (mpg123_feed(dj->mh, buf, n) != MPG123_OK) {
		log_warn("live: mpg123: %s", mpg123_strerror(dj->mh));
		return;
	}
	for (;;) {
		unsigned char *audio;
		size_t bytes;
		off_t num;
		int rc = mpg123_decode_frame(dj->mh, &num, &audio, &bytes);

		if (rc == MPG123_NEW_FORMAT) {
			long rate;
			int chans, enc;
			struct resample *rs;

			if (mpg123_getformat(dj->mh, &rate, &chans, &enc) != MPG123_OK)
				break;
			rs = resample_new((int)rate, chans, l->rate, l->ch, err, sizeof err);
			if (rs == NULL) {
				log_warn("live: %s", err);
				break;
			}
			resample_free(dj->rs);
			dj->rs = rs;
			log_debug("live: the DJ sends MPEG audio at %ld Hz, %d ch", rate, chans);
			continue;
		}
		if (rc == MPG123_NEED_MORE)
			break;
		if (rc != MPG123_OK) {
			/* Damaged data: mpg123 resyncs on the next feed. */
			if (!dj->decode_err_logged++)
				log_warn("live: the DJ's stream: %s (decoding on past it)",
				    mpg123_strerror(dj->mh));
			break;
		}
		if (bytes > 0 && dj->rs != NULL) {
			const float *o;
			size_t frames = bytes / sizeof(float) / (size_t)resample_in_channels(dj->rs);
			long m = resample_run(dj->rs, (const float *)(void *)audio, frames, &o);

			if (m > 0)
				dj_push(l, dj, o, (size_t)m);
		}
	}
}

/*
 * Take n frames of the DJ's audio into out: silence where there is none
 * (not yet primed, an underrun, or they left). Counts the silence run.
 */
static void
dj_pull(struct live *l, struct live_dj *dj, float *out, size_t n)
{
	size_t ch = (size_t)l->ch, k = 0, run;

	if (dj != NULL && !dj->primed && dj->fifo.len >= dj->prime)
		dj->primed = 1;
	if (dj != NULL && (dj->primed || dj->conn == NULL)) {
		k = FLOE_MIN(n, dj->fifo.len);
		memcpy(out, mix_fifo_data(&dj->fifo), k * ch * sizeof *out);
		mix_fifo_drop(&dj->fifo, k);
		if (k < n && dj->conn != NULL) {
			/* Late audio: a slow or bursty sender (Ogg muxers send
			 * a page a second); wait for more of it from now on. */
			dj->prime = FLOE_MIN(dj->prime + l->prime, l->prime * LIVE_PRIME_GROWTH);
			if (dj->underruns++ == 0)
				log_warn("live: the DJ's audio is late: silence until %.1f s is "
				    "buffered", (double)dj->prime / l->rate);
			dj->primed = 0;
		}
	}
	memset(out + k * ch, 0, (n - k) * ch * sizeof *out);
	if (dj == NULL)
		return;
	run = mix_silent_tail(out, n, l->ch, l->threshold);
	dj->silent_run = run == n ? dj->silent_run + n : run;
}

/* ---------------------------------------------------------------- the switch */

/* Scratch space for n frames. */
static float *
tmp_buf(struct live *l, size_t n)
{
	if (n > l->tmpcap) {
		l->tmp = xreallocarray(l->tmp, n, (size_t)l->ch * sizeof *l->tmp);
		l->tmpcap = n;
	}
	return l->tmp;
}

/* Move between states at a chunk boundary. */
static void
mix_step(struct live *l)
{
	struct live_dj *dj = l->dj;

	switch (l->state) {
	case MIX_OFF:
		if (dj == NULL)
			return;
		if (dj->conn == NULL) {		/* left before going on */
			dj_free(dj);
			l->dj = NULL;
			return;
		}
		if (dj->silenced) {
			/* Off the air for silence: watch for their first sound,
			 * keeping nothing older than that. */
			size_t quiet = mix_silent_head(mix_fifo_data(&dj->fifo), dj->fifo.len, l->ch,
			    l->threshold);

			mix_fifo_drop(&dj->fifo, quiet);
			if (dj->fifo.len == 0)
				return;
			log_info("live: the DJ is back on the air");
			dj->silenced = 0;
			dj->primed = 0;
		}
		if (dj->fifo.len < dj->prime)
			return;
		dj->primed = 1;
		dj->silent_run = 0;
		l->state = MIX_FADE_IN;
		l->pos = 0;
		l->on_since = time_mono_ns();
		log_info("live: DJ on the air (%s), crossfading from the playlist over %.1f s",
		    dj_title(dj), (double)l->xfade / l->rate);
		announce(l, dj_title(dj));
		break;
	case MIX_FADE_IN:
		if (l->pos >= l->xfade)
			l->state = MIX_ON;
		break;
	case MIX_ON:
		if (dj->conn == NULL && dj->fifo.len <= l->xfade) {
			l->state = MIX_FADE_OUT;
			l->pos = 0;
			l->back = 1;
			log_info("live: the DJ's audio has ended; back to the playlist");
		} else if (l->silence > 0 && dj->conn != NULL &&
		    dj->silent_run >= (size_t)(l->silence * l->rate)) {
			l->state = MIX_FADE_OUT;
			l->pos = 0;
			l->back = 1;
			dj->silenced = 1;
			log_info("live: silent %g s, back to the playlist", l->silence);
		}
		break;
	case MIX_FADE_OUT:
		if (l->pos >= l->xfade) {
			l->state = MIX_OFF;
			if (dj->conn == NULL) {
				dj_free(dj);
				l->dj = NULL;
			}
		}
		break;
	}
}

/* The playlist, the DJ, or a crossfade between them. */
long
live_mix(struct live *l, float *out, size_t want, live_play_fn *play, void *arg)
{
	struct live_dj *dj;
	enum mix_state before;
	float *t;
	long m;

	if (l->dj != NULL)
		dj_collect(l, l->dj);
	do {
		before = l->state;
		mix_step(l);
	} while (l->state != before);
	dj = l->dj;
	switch (l->state) {
	case MIX_OFF:
		return play(arg, out, want);
	case MIX_ON:
		if (dj->conn == NULL)	/* play their buffer down to the fade */
			want = FLOE_MIN(want, FLOE_MAX(dj->fifo.len - l->xfade, 1));
		dj_pull(l, dj, out, want);
		return (long)want;
	case MIX_FADE_IN:
		/* The playlist fades out under the DJ. */
		t = tmp_buf(l, want);
		if ((m = play(arg, t, FLOE_MIN(want, l->xfade - l->pos))) < 0)
			return m;
		if (m == 0) {	/* a playlist that ended: the DJ alone */
			l->pos = l->xfade;
			dj_pull(l, dj, out, want);
			return (long)want;
		}
		dj_pull(l, dj, out, (size_t)m);
		mix_crossfade(out, t, (size_t)m, l->ch, l->pos, l->xfade);
		l->pos += (size_t)m;
		return m;
	case MIX_FADE_OUT:
		/* The DJ's tail fades out under the playlist. */
		if ((m = play(arg, out, FLOE_MIN(want, l->xfade - l->pos))) <= 0)
			return m;
		t = tmp_buf(l, (size_t)m);
		dj_pull(l, dj, t, (size_t)m);
		mix_crossfade(out, t, (size_t)m, l->ch, l->pos, l->xfade);
		l->pos += (size_t)m;
		return m;
	}
	return -1;
}

/* The title to show from the last live_mix's frames on. */
const char *
live_take_title(struct live *l, int *back)
{
	*back = l->back;
	l->back = 0;
	if (*back) {
		l->new_title = 0;
		return NULL;
	}
	if (!l->new_title)
		return NULL;
	l->new_title = 0;
	return l->title;
}

int
live_on_air(const struct live *l)
{
	return l->state == MIX_FADE_IN || l->state == MIX_ON;
}

/* For GET /api/now. */
const char *
live_on_air_title(const struct live *l)
{
	return live_on_air(l) ? l->title : NULL;
}

/* For `ctl status`. */
void
live_describe(const struct live *l, struct sbuf *out)
{
	const struct live_dj *dj = l->dj;

	if (dj == NULL || dj->conn == NULL) {
		sbuf_addf(out, "live: no DJ (listening on %s%s%s)\n", l->listen,
		    l->mount != NULL ? " for " : "", l->mount != NULL ? l->mount : "");
		return;
	}
	sbuf_addf(out, "live: DJ %s from %s on %s, connected %.0f s, %s; %.1f s buffered\n",
	    dj->name[0] != '\0' ? dj->name : "(no name)", dj->addr, dj->mount,
	    (double)(time_mono_ns() - dj->since) / FLOE_NS_PER_SEC,
	    l->state == MIX_ON ? "ON THE AIR" : l->state == MIX_FADE_IN ? "fading in" :
	    l->state == MIX_FADE_OUT ? "fading out" : dj->silenced ? "off the air (silent)" :
	    "not on the air yet", (double)dj->fifo.len / l->rate);
	sbuf_addf(out, "live title: %s\n", dj_title(dj));
}

/* ---------------------------------------------------------------- requests */

/* Answer with a status and a short text, then close. */
static void
reply_error(struct live_conn *c, int code, const char *reason, const char *body)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	evbuffer_add_printf(out, "HTTP/1.0 %d %s\r\n%sContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", code, reason,
	    code == 401 ? "WWW-Authenticate: Basic realm=\"Icecast2 Server\"\r\n" : "",
	    strlen(body), body);
	c->state = CONN_CLOSING;
	bufferevent_disable(c->bev, EV_READ);
}

/* Do the request's Basic credentials (or Shoutcast's pass=) match? */
static int
authorized(struct live *l, const struct http_request *r, int shoutcast)
{
	const char *h = http_header_get(r, "Authorization");
	char *dec, *colon, *pass;
	size_t n;
	int ok = 0;

	if (shoutcast && (pass = http_query_get(r->query, "pass")) != NULL) {
		/* "pass=PASSWORD", or "pass=user:PASSWORD" (some clients) */
		colon = strchr(pass, ':');
		ok = strcmp(pass, l->password) == 0 || (colon != NULL &&
		    strncmp(pass, l->user, (size_t)(colon - pass)) == 0 &&
		    strlen(l->user) == (size_t)(colon - pass) && strcmp(colon + 1, l->password) == 0);
		free(pass);
		if (ok)
			return 1;
	}
	if (h == NULL || !str_iprefix(h, "Basic "))
		return 0;
	h += 6;
	while (*h == ' ')
		h++;
	if ((dec = base64_decode(h, strlen(h), &n)) == NULL)
		return 0;
	if (strlen(dec) == n && (colon = strchr(dec, ':')) != NULL) {
		*colon = '\0';
		ok = strcmp(dec, l->user) == 0 && strcmp(colon + 1, l->password) == 0;
	}
	free(dec);
	return ok;
}

/* GET /admin/metadata?mode=updinfo&mount=/m&song=... (icecast) or
 * /admin.cgi?pass=..&mode=updinfo&song=.. (Shoutcast v1). */
static void
handle_metadata(struct live_conn *c, int shoutcast)
{
	static const char ok_body[] = "<?xml version=\"1.0\"?>\n<iceresponse><message>Metadata "
	    "update successful</message><return>1</return></iceresponse>\n";
	struct live *l = c->l;
	struct http_request *r = &c->req;
	char *mode, *mount, *song, *artist, *title, *joined, *clean;

	if (!authorized(l, r, shoutcast)) {
		reply_error(c, 401, "Authentication Required", "You need to authenticate\n");
		return;
	}
	mode = http_query_get(r->query, "mode");
	mount = shoutcast ? NULL : http_query_get(r->query, "mount");
	if (mode == NULL || strcmp(mode, "updinfo") != 0 || (!shoutcast && mount == NULL)) {
		reply_error(c, 400, "Bad Request", "Missing parameter\n");
		goto out;
	}
	if (l->dj == NULL || l->dj->conn == NULL ||
	    (mount != NULL && strcmp(mount, l->dj->mount) != 0)) {
		reply_error(c, 400, "Bad Request", "Source does not exist\n");
		goto out;
	}
	song = http_query_get(r->query, "song");
	artist = http_query_get(r->query, "artist");
	title = http_query_get(r->query, "title");
	/* song wins; artist and title are joined, or either alone (icecast2
	 * ignores one without the other: a flaw, INTEROP.md). */
	if (song != NULL)
		joined = xstrdup(song);
	else if (artist != NULL && *artist != '\0' && title != NULL && *title != '\0')
		joined = xasprintf("%s - %s", artist, title);
	else if (title != NULL || artist != NULL)
		joined = xstrdup(title != NULL ? title : artist);
	else
		joined = NULL;
	free(song);
	free(artist);
	free(title);
	if (joined == NULL) {
		reply_error(c, 400, "Bad Request", "Missing parameter\n");
		goto out;
	}
	/* Latin-1 (charset=ISO-8859-1, or bytes that are not UTF-8) becomes
	 * UTF-8; control characters cannot break the ICY block or the log. */
	clean = str_sanitize(joined, LIVE_TITLE_MAX);
	free(joined);
	log_info("live: title \"%s\" (from %s)", clean, c->addr);
	free(l->dj->title);
	l->dj->title = clean;
	if (l->state == MIX_ON || l->state == MIX_FADE_IN)
		announce(l, clean);
	evbuffer_add_printf(bufferevent_get_output(c->bev), "HTTP/1.0 200 OK\r\n"
	    "Content-Type: text/xml; charset=utf-8\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n%s", strlen(ok_body), ok_body);
	c->state = CONN_CLOSING;
	bufferevent_disable(c->bev, EV_READ);
out:
	free(mode);
	free(mount);
}

/* Is the stream's content type one we decode? (None given: icecast2
 * assumes MP3, and so do we.) */
static int
is_mpeg(const char *ct)
{
	return ct == NULL || str_iprefix(ct, "audio/mpeg") || str_iprefix(ct, "audio/mp3") ||
	    str_iprefix(ct, "audio/x-mpeg") || str_iprefix(ct, "audio/mpg");
}

/* SOURCE or PUT: a DJ, if the credentials and the mount are right. */
static void
handle_source(struct live_conn *c)
{
	struct live *l = c->l;
	struct http_request *r = &c->req;
	struct evbuffer *out = bufferevent_get_output(c->bev);
	const char *expect = http_header_get(r, "Expect");
	const char *te = http_header_get(r, "Transfer-Encoding");
	const char *name = http_header_get(r, "Ice-Name");
	const char *ct = http_header_get(r, "Content-Type"), *format = NULL;
	struct timeval idle = { LIVE_IDLE_SECONDS, 0 };
	struct live_dj *dj, *old = NULL;
	char err[256];

	if (name == NULL)
		name = http_header_get(r, "Icy-Name");
	if (!authorized(l, r, 0)) {
		log_info("live: %s %s from %s: wrong or no credentials", r->method, r->path,
		    c->addr);
		reply_error(c, 401, "Authentication Required", "You need to authenticate\n");
		return;
	}
	if (l->mount != NULL && strcmp(r->path, l->mount) != 0) {
		reply_error(c, 404, "File Not Found", "The file you requested could not be found\n");
		return;
	}
	/* A DJ who has left but is still fading out hands over to the next
	 * (a reconnect, or the next show) rather than refusing them. */
	if (l->dj != NULL && l->dj->conn == NULL)
		old = l->dj;
	else if (l->dj != NULL) {
		log_info("live: a second DJ from %s refused (one is on from %s)", c->addr,
		    l->dj->addr);
		reply_error(c, 403, "Forbidden", "Mountpoint in use\n");
		return;
	}
	if (!is_mpeg(ct) && (format = live_av_format(ct)) == NULL) {
		log_warn("live: DJ from %s sends %s: MP3, Ogg or AAC is taken", c->addr, ct);
		reply_error(c, 403, "Forbidden", "Content-type not supported\n");
		return;
	}
	if ((dj = dj_new(l, name, c->addr, r->path, format, err, sizeof err)) == NULL) {
		log_error("live: %s", err);
		reply_error(c, 500, "Internal Server Error", "Cannot decode\n");
		return;
	}
	if (expect != NULL && str_ieq(expect, "100-continue"))
		evbuffer_add_printf(out, "HTTP/1.1 100 Continue\r\nContent-Length: 0\r\n\r\n");
	evbuffer_add_printf(out, "HTTP/1.0 200 OK\r\n\r\n");
	c->chunked = te != NULL && str_ieq(te, "chunked");
	http_chunked_init(&c->ch);
	c->state = CONN_BODY;
	c->dj = dj;
	dj->conn = c;
	if (old != NULL) {	/* the old one's last audio first, then the new */
		mix_fifo_push(&dj->fifo, mix_fifo_data(&old->fifo), old->fifo.len);
		dj->primed = old->primed;
		dj_free(old);
	}
	l->dj = dj;
	if (old != NULL && (l->state == MIX_ON || l->state == MIX_FADE_IN))
		announce(l, dj_title(dj));
	bufferevent_set_timeouts(c->bev, &idle, NULL);
	log_info("live: DJ connected from %s (ice-name %s, %s %s, %s)", c->addr,
	    dj->name[0] != '\0' ? dj->name : "(none)", r->method, r->path,
	    format != NULL ? format : "mp3");
	if (l->fn != NULL)
		l->fn(l->arg, 1, dj->name, dj->addr);
}

/* A complete request head. */
static void
handle_request(struct live_conn *c)
{
	struct http_request *r = &c->req;

	if (r->path == NULL || r->path[0] != '/') {
		reply_error(c, 400, "Bad Request", "Bad request\n");
		return;
	}
	if (strcmp(r->method, "SOURCE") == 0 || strcmp(r->method, "PUT") == 0)
		handle_source(c);
	else if (strcmp(r->method, "GET") == 0 && strcmp(r->path, "/admin/metadata") == 0)
		handle_metadata(c, 0);
	else if (strcmp(r->method, "GET") == 0 && strcmp(r->path, "/admin.cgi") == 0)
		handle_metadata(c, 1);
	else if (strcmp(r->method, "GET") == 0)
		reply_error(c, 404, "File Not Found", "The file you requested could not be found\n");
	else
		reply_error(c, 400, "Bad Request", "Bad request\n");
}

/* Stream bytes from the DJ: un-chunk if need be, and decode. */
static int
body_bytes(struct live_conn *c, unsigned char *buf, size_t n)
{
	size_t len = n;

	if (c->chunked) {
		enum parse_result pr = http_chunked_decode(&c->ch, (char *)buf, n, &len);

		if (pr == PARSE_ERROR) {
			log_warn("live: the DJ's chunked stream is malformed (%s); closing",
			    c->ch.error);
			return -1;
		}
	}
	if (len > 0 && c->dj->av != NULL) {
		if (live_av_feed(c->dj->av, buf, len) != 0) {
			log_warn("live: the DJ's stream: %s; closing", live_av_error(c->dj->av));
			c->dj->decode_err_logged = 1;
			return -1;
		}
		c->dj->bytes += len;
	} else if (len > 0)
		dj_decode(c->l, c->dj, buf, len);
	return 0;
}

/* Bytes arrived: the request head, then (from a DJ) the stream. */
static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct live_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	unsigned char buf[16384];
	size_t n, used;

	while (c->state == CONN_HEAD && (n = evbuffer_get_length(in)) > 0) {
		enum parse_result pr;

		n = FLOE_MIN(n, sizeof buf);
		evbuffer_copyout(in, buf, n);
		pr = http_request_feed(&c->req, (const char *)buf, n, &used);
		evbuffer_drain(in, used);
		if (pr == PARSE_ERROR) {
			log_info("live: bad request from %s: %s", c->addr, c->req.error);
			reply_error(c, 400, "Bad Request", "Bad request\n");
			return;
		}
		if (pr == PARSE_OK)
			handle_request(c);
	}
	while (c->state == CONN_BODY && (n = evbuffer_remove(in, buf, sizeof buf)) > 0 &&
	    n != (size_t)-1) {
		if (body_bytes(c, buf, n) != 0) {
			conn_free(c);
			return;
		}
	}
	if (c->state == CONN_CLOSING)
		evbuffer_drain(in, evbuffer_get_length(in));
}

/* Close once an answer has gone out. */
static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct live_conn *c = arg;

	if (c->state == CONN_CLOSING)
		conn_free(c);
}

/* The peer left, timed out, or failed. */
static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct live_conn *c = arg;

	if ((what & BEV_EVENT_TIMEOUT) && c->dj != NULL)
		log_warn("live: nothing from the DJ for %d s: closing", LIVE_IDLE_SECONDS);
	conn_free(c);
}

/* Close a connection; the DJ (if it was theirs) stays until faded out. */
static void
conn_free(struct live_conn *c)
{
	struct live *l = c->l;
	struct live_dj *dj = c->dj;

	if (dj != NULL) {
		log_info("live: DJ left after %.1f s (%llu bytes, %zu underrun%s)",
		    (double)(time_mono_ns() - dj->since) / FLOE_NS_PER_SEC,
		    (unsigned long long)dj->bytes, dj->underruns, dj->underruns == 1 ? "" : "s");
		dj->conn = NULL;
		if (dj->av != NULL)
			live_av_end(dj->av);	/* the thread decodes what it has */
		if (dj->rs != NULL) {		/* the resampler's last frames */
			const float *o;
			long m = resample_flush(dj->rs, &o);

			if (m > 0)
				mix_fifo_push(&dj->fifo, o, (size_t)m);
		}
		if (l->fn != NULL)
			l->fn(l->arg, 0, dj->name, dj->addr);
		if (l->state == MIX_OFF && l->dj == dj) {
			dj_free(dj);
			l->dj = NULL;
		}
	}
	TAILQ_REMOVE(&l->conns, c, entry);
	l->nconns--;
	bufferevent_free(c->bev);
	http_request_free(&c->req);
	free(c);
}

/* A new connection. */
static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int salen,
    void *arg)
{
	struct live *l = arg;
	struct timeval head = { LIVE_HEAD_TIMEOUT_SECONDS, 0 };
	struct live_conn *c;

	if (l->nconns >= LIVE_MAX_CONNS) {
		evutil_closesocket(fd);
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->l = l;
	if (sa->sa_family == AF_INET6)
		evutil_inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)sa)->sin6_addr,
		    c->addr, sizeof c->addr);
	else
		evutil_inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)sa)->sin_addr,
		    c->addr, sizeof c->addr);
	http_request_init(&c->req);
	c->bev = bufferevent_socket_new(l->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		evutil_closesocket(fd);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&l->conns, c, entry);
	l->nconns++;
	bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, LIVE_READ_MAX);
	bufferevent_set_timeouts(c->bev, &head, NULL);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	(void)salen;
	(void)lev;
}

/* ---------------------------------------------------------------- setup */

/* Listen for DJs. */
struct live *
live_new(struct event_base *base, const struct live_opts *o, live_event_fn *fn, void *arg,
    char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	int sslen = (int)sizeof ss;
	struct live *l;

	memset(&ss, 0, sizeof ss);
	if (evutil_parse_sockaddr_port(o->listen, (struct sockaddr *)&ss, &sslen) != 0 ||
	    (ss.ss_family == AF_INET && ((struct sockaddr_in *)&ss)->sin_port == 0) ||
	    (ss.ss_family == AF_INET6 && ((struct sockaddr_in6 *)&ss)->sin6_port == 0)) {
		snprintf(err, errlen, "live-listen %s: not ADDR:PORT (an IP address and a port)",
		    o->listen);
		return NULL;
	}
	mpg123_init();	/* for libmpg123 before 1.27; a no-op since */
	l = xcalloc(1, sizeof *l);
	l->base = base;
	l->listen = xstrdup(o->listen);
	l->user = xstrdup(o->user != NULL ? o->user : "source");
	l->password = xstrdup(o->password);
	l->mount = o->mount != NULL ? xstrdup(o->mount) : NULL;
	l->silence = o->silence;
	l->rate = o->rate;
	l->ch = o->channels;
	l->fn = fn;
	l->arg = arg;
	l->xfade = (size_t)(o->crossfade * o->rate + 0.5);
	l->prime = (size_t)(LIVE_PRIME_SECONDS * o->rate);
	l->max = (size_t)(LIVE_MAX_BUFFER_SECONDS * o->rate);
	l->threshold = mix_db_to_amp(LIVE_SILENCE_DB);
	TAILQ_INIT(&l->conns);
	l->lev = evconnlistener_new_bind(base, accept_cb, l, LEV_OPT_CLOSE_ON_FREE |
	    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, 16, (struct sockaddr *)&ss, sslen);
	if (l->lev == NULL) {
		snprintf(err, errlen, "live-listen %s: %s", o->listen,
		    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		live_free(l);
		return NULL;
	}
	return l;
}

/* Close every connection and the socket. */
void
live_free(struct live *l)
{
	struct live_conn *c;

	if (l == NULL)
		return;
	l->fn = NULL;
	while ((c = TAILQ_FIRST(&l->conns)) != NULL)
		conn_free(c);
	dj_free(l->dj);
	if (l->lev != NULL)
		evconnlistener_free(l->lev);
	free(l->listen);
	free(l->user);
	free(l->password);
	free(l->mount);
	free(l->tmp);
	free(l->title);
	free(l);
}
