/*
 * source.c: ingest. The source's bytes go: socket -> (chunked decode) ->
 * (strip interleaved ICY metadata) -> dump file -> pending buffer -> the
 * format handler cuts whole frames/pages -> the fan-out (fanout.c), which
 * gathers them into blocks for the mount's queue and wakes the listeners.
 * Nothing here ever waits for a listener: a slow listener is the lag
 * policy's business (listener.c). A source is a connection role (conn.h).
 */
#include "source.h"
#include "block.h"
#include "config.h"
#include "conn.h"
#include "fanout.h"
#include "format.h"
#include "http_parse.h"
#include "icy.h"
#include "log.h"
#include "mount.h"
#include "mount_auth.h"
#include "router_check.h"
#include "server.h"
#include "util.h"
#include "wire.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Why 64 KiB: one read of this much is a quarter second of even a 2 Mbit/s
 * stream; reading more at once only delays the first listeners' wake-up. */
#define SOURCE_READ 65536

/* Why 1 MiB: Ogg header pages with cover art run to a few hundred KiB;
 * beyond this it is not a header but a hostile or broken stream. */
#define OGG_HEADERS_MAX (1024 * 1024)

struct source {
	struct conn	*conn;		/* NULL: fed by floe itself (source_open) */
	void		(*kill)(void *arg);	/* source_kill of a fed source */
	void		*kill_arg;
	struct mount	*mount;
	struct format_state fs;
	int		 chunked;
	struct http_chunked ch;
	struct icy_deframer *icy;	/* the source interleaves ICY metadata */
	FILE		*dump;
	uint8_t		*pending;	/* bytes not yet cut into blocks */
	size_t		 plen;
	size_t		 pcap;
	struct sbuf	 hdr_acc;	/* Ogg: header pages of the chain being read */
	int		 hdr_open;
	int64_t		 started;
	/* Shoutcast v1: its icy-* lines come after OK2, before the audio */
	int		 icy_head;
	struct sbuf	 icy_lines;
	/* <limit-rate>: read at most rate bytes a second, measured from start */
	/* resumed (source_resume): the new feed's first bytes, to find where
	 * it overlaps what the mount already has (the upstream's burst) */
	int		 probing;
	struct sbuf	 probe;
	uint64_t	 skip;		/* bytes of the new feed still to drop as sent already */
	size_t		 hdr_skip;	/* Ogg: the chain's header pages sent again, to check */
	long		 rate;
	uint64_t	 rate_start_ns;
	uint64_t	 rate_bytes;
	struct event	*rate_ev;	/* resumes reading when the budget allows */
};

/* Bytes the source may still send now under its limit-rate (a second's
 * worth of slack, so a source at the rate is never held). */
static long
source_rate_budget(const struct source *s)
{
	double secs = (double)(time_mono_ns() - s->rate_start_ns) / 1e9;
	double allowed = s->rate * (secs + 1.0) - (double)s->rate_bytes;

	return allowed > 0 ? (long)FLOE_MIN(allowed, (double)LONG_MAX) : 0;
}

/* First present header among names. */
static const char *
first_header(const struct http_request *r, const char *const *names)
{
	const char *v;

	for (; *names != NULL; names++)
		if ((v = http_header_get(r, *names)) != NULL && *v != '\0')
			return v;
	return NULL;
}

/* A header value made safe for stats, pages and logs. */
static char *
info_value(const struct http_request *r, const char *const *names, const char *conf)
{
	const char *v = conf != NULL ? conf : first_header(r, names);

	return v != NULL ? str_sanitize(v, 1024) : NULL;
}

/* Value of key in a "k=v;k=v" audio-info string, allocated, or NULL. */
static char *
audio_info_get(const char *ai, const char *key)
{
	const char *p = ai;
	size_t klen = strlen(key);

	while (p != NULL && *p != '\0') {
		if (strncasecmp(p, key, klen) == 0 && p[klen] == '=')
			return xstrndup(p + klen + 1, strcspn(p + klen + 1, ";"));
		p = strchr(p, ';');
		if (p != NULL)
			p++;
	}
	return NULL;
}

/* Take the stream description from the request, config values first. */
static void
source_read_info(struct mount *m, const struct http_request *r, const char *ip)
{
	static const char *const n_name[] = { "ice-name", "icy-name", "x-audiocast-name", NULL };
	static const char *const n_desc[] = { "ice-description", "icy-description",
	    "x-audiocast-description", NULL };
	static const char *const n_url[] = { "ice-url", "icy-url", "x-audiocast-url", NULL };
	static const char *const n_genre[] = { "ice-genre", "icy-genre", "x-audiocast-genre", NULL };
	static const char *const n_br[] = { "ice-bitrate", "icy-br", "x-audiocast-bitrate", NULL };
	static const char *const n_pub[] = { "ice-public", "icy-pub", "x-audiocast-public", NULL };
	static const char *const n_ct[] = { "Content-Type", NULL };
	static const char *const n_ua[] = { "User-Agent", NULL };
	static const char *const n_ai[] = { "ice-audio-info", NULL };
	const struct config_mount *mc = m->conf;
	struct stream_info *si = &m->info;
	const char *pub;
	long v;

	free(si->content_type); free(si->name); free(si->description); free(si->url);
	free(si->genre); free(si->bitrate); free(si->audio_info); free(si->user_agent);
	free(si->source_ip);
	si->content_type = info_value(r, n_ct, NULL);
	if (si->content_type == NULL)
		si->content_type = xstrdup("audio/mpeg");
	si->name = info_value(r, n_name, mc ? mc->stream_name : NULL);
	si->description = info_value(r, n_desc, mc ? mc->stream_description : NULL);
	si->url = info_value(r, n_url, mc ? mc->stream_url : NULL);
	si->genre = info_value(r, n_genre, mc ? mc->genre : NULL);
	si->bitrate = info_value(r, n_br, mc ? mc->bitrate : NULL);
	/* Kept as sent, as icecast2 does; some encoders prefix the keys with "ice-". */
	si->audio_info = info_value(r, n_ai, NULL);
	if (si->bitrate == NULL && si->audio_info != NULL &&
	    (si->bitrate = audio_info_get(si->audio_info, "bitrate")) == NULL)
		si->bitrate = audio_info_get(si->audio_info, "ice-bitrate");
	si->user_agent = info_value(r, n_ua, NULL);
	si->source_ip = xstrdup(ip);
	pub = first_header(r, n_pub);
	si->public = pub != NULL && parse_long(pub, -1, 1, &v) == 0 ? (int)v : 0;
	if (mc != NULL && mc->public >= 0)
		si->public = mc->public;
}

/* Open dump-file (strftime patterns expanded, as icecast2 does). */
static FILE *
source_open_dump(const char *pattern, const char *mount)
{
	char path[4096];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;

	localtime_r(&now, &tm);
	if (strftime(path, sizeof path, pattern, &tm) == 0)
		snprintf(path, sizeof path, "%s", pattern);
	if ((f = fopen(path, "ab")) == NULL)
		log_warn("mount %s: cannot open dump-file %s: %s", mount, path, strerror(errno));
	else
		log_info("mount %s: dumping stream to %s", mount, path);
	return f;
}

/* A new Ogg chain's TITLE and ARTIST into stats (made valid UTF-8 and
 * printable: they come from the network). */
static void
source_ogg_tags(struct mount *m, const uint8_t *hdrs, size_t len)
{
	char *title, *artist, *t = NULL, *a = NULL;

	ogg_comments(hdrs, len, &title, &artist);
	if (title == NULL && artist == NULL)
		return;
	if (title != NULL)
		t = icy_to_utf8(title, "UTF-8");
	if (artist != NULL)
		a = icy_to_utf8(artist, "UTF-8");
	mount_set_stream_tags(m, t, a);
	free(title);
	free(artist);
	free(t);
	free(a);
}

/* Ogg and WebM bookkeeping for a unit about to be appended: collect the
 * stream's header (Ogg header pages, WebM's before the first Cluster) and
 * publish it when the first start point after it arrives. */
static void
source_header_block(struct source *s, const uint8_t *p, size_t n, uint32_t flags)
{
	struct mount *m = s->mount;

	if (flags & BLOCK_CHAIN) {
		s->hdr_acc.len = 0;
		s->hdr_open = 1;
	}
	if (flags & BLOCK_HEADER) {
		if (s->hdr_open && s->hdr_acc.len + n <= OGG_HEADERS_MAX)
			sbuf_add(&s->hdr_acc, p, n);
		else
			s->hdr_open = 0;	/* too large: late joiners wait for the next chain */
		return;
	}
	if (s->hdr_open && (flags & BLOCK_SYNC)) {
		ogg_headers_unref(m->hdrs);
		m->hdrs = ogg_headers_new(s->hdr_acc.data, s->hdr_acc.len);
		if (s->fs.ops == &format_ogg) {
			ogg_stream_info((const uint8_t *)s->hdr_acc.data, s->hdr_acc.len, &m->ogg);
			source_ogg_tags(m, (const uint8_t *)s->hdr_acc.data, s->hdr_acc.len);
		}
		s->hdr_open = 0;
		log_debug("mount %s: new Ogg chain, %zu bytes of headers", m->name, s->hdr_acc.len);
	}
}

/* Cut whole frames/pages from the pending bytes into blocks. */
static void
source_cut(struct source *s)
{
	size_t off = 0, n;
	uint32_t flags;

	while ((n = format_cut(&s->fs, s->pending + off, s->plen - off, &flags)) > 0) {
		/* Ogg chains and WebM streams: headers kept for late joiners */
		if (s->fs.ops == &format_ogg || s->fs.ops == &format_webm)
			source_header_block(s, s->pending + off, n, flags);
		/* A source that did not say its bitrate: the first MP3 frame does. */
		if (s->mount->info.bitrate == NULL && s->fs.bitrate > 0)
			s->mount->info.bitrate = xasprintf("%d", s->fs.bitrate);
		fanout_add(s->mount, s->pending + off, n, flags);
		off += n;
	}
	memmove(s->pending, s->pending + off, s->plen - off);
	s->plen -= off;
}

static void source_readable(struct bufferevent *bev, void *arg);

/* The limit-rate timer: the budget allows more; read again. */
static void
source_rate_resume(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	(void)what;
	bufferevent_enable(c->bev, EV_READ);
	source_readable(c->bev, c);
}

/*
 * Over its limit-rate, a source is not read: its socket is left alone
 * (the kernel's window pushes back on the sender) until a timer says the
 * budget has grown back. 1 if reading must stop now; else *want is cut
 * to what the budget allows.
 */
static int
source_rate_hold(struct source *s, struct bufferevent *bev, size_t *want)
{
	long budget = source_rate_budget(s);
	struct timeval tv;
	long ms;

	if (budget > 0) {
		*want = FLOE_MIN(*want, (size_t)budget);
		return 0;
	}
	/* wait until a 20th of a second's worth is allowed again */
	ms = 50 + (long)(((double)s->rate_bytes - s->rate * ((double)(time_mono_ns() -
	    s->rate_start_ns) / 1e9 + 1.0)) * 1000.0 / s->rate);
	ms = FLOE_MAX(ms, 10L);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	bufferevent_disable(bev, EV_READ);
	evtimer_add(s->rate_ev, &tv);
	return 1;
}

/* Longest block of icy-* lines a Shoutcast v1 encoder may send. */
#define ICY_HEAD_MAX	8192

/*
 * A Shoutcast v1 encoder's icy-* lines (CRLF or bare LF), up to the blank
 * line: read as a SOURCE's headers would be. 1 once they are all in,
 * 0 to wait for more, -1 if the connection was closed.
 */
static int
source_icy_head(struct conn *c, struct source *s, struct evbuffer *in)
{
	struct http_request *r;
	const struct format_ops *fmt;
	const char *ct;
	char *line, *head, *clean;
	size_t len, used;
	int done = 0;

	while (!done && (line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF)) != NULL) {
		if (len == 0)
			done = 1;
		else {
			sbuf_add(&s->icy_lines, line, len);
			sbuf_adds(&s->icy_lines, "\r\n");
		}
		free(line);
	}
	if (!done && s->icy_lines.len + evbuffer_get_length(in) > ICY_HEAD_MAX) {
		log_warn("Shoutcast source on %s from %s: icy-* lines longer than %d bytes: "
		    "disconnecting", s->mount->name, c->ip, ICY_HEAD_MAX);
		conn_close(c);
		return -1;
	}
	if (!done)
		return 0;
	head = xasprintf("SOURCE %s HTTP/1.0\r\nUser-Agent: Shoutcast v1 source\r\n%s\r\n",
	    s->mount->name, s->icy_lines.data != NULL ? s->icy_lines.data : "");
	r = xmalloc(sizeof *r);
	http_request_init(r);
	if (http_request_feed(r, head, strlen(head), &used) != PARSE_OK) {
		log_warn("Shoutcast source on %s from %s: unreadable icy-* lines (%s): "
		    "disconnecting", s->mount->name, c->ip, r->error);
		goto refuse;
	}
	ct = http_header_get(r, "Content-Type");
	/* The same rule as SOURCE: nothing a browser would run as a page. */
	if (!router_source_type_ok(ct)) {
		clean = str_sanitize(ct, 128);
		log_warn("Shoutcast source on %s from %s refused: content-type \"%s\" is not "
		    "audio or video", s->mount->name, c->ip, clean);
		free(clean);
		goto refuse;
	}
	source_read_info(s->mount, r, c->ip);
	fmt = format_for_type(s->mount->info.content_type);
	if (fmt != s->mount->fmt) {		/* no audio has been cut yet */
		mount_source_started(s->mount, fmt);
		format_state_init(&s->fs, fmt);
		s->pcap = fmt->max_unit + SOURCE_READ;
		s->pending = xrealloc(s->pending, s->pcap);
	}
	s->icy_head = 0;
	sbuf_free(&s->icy_lines);
	http_request_free(r);
	free(r);
	free(head);
	return 1;
refuse:
	http_request_free(r);
	free(r);
	free(head);
	conn_close(c);
	return -1;
}

static void source_take_audio(struct source *s, size_t len);

/* Why 16 KiB: a second of 128 kbit/s audio, enough to tell where in the
 * last queue-size bytes a burst starts; the burst itself arrives at once. */
#define PROBE_LEN	16384
/* The shortest overlap taken for one (shorter ones could be chance). */
#define OVERLAP_MIN	1024

/*
 * Where does the new feed's start, probe[0..n), continue what the mount
 * already has? The latest i in the history (the queue's bytes, hist) whose
 * bytes to the end equal the probe's first ones: the new feed repeats
 * hlen - i bytes. 0 if it repeats nothing (or too little to be sure).
 */
static size_t
source_overlap_len(const uint8_t *hist, size_t hlen, const uint8_t *probe, size_t n)
{
	size_t i, k;

	if (n < OVERLAP_MIN || hlen < OVERLAP_MIN)
		return 0;
	for (i = hlen - OVERLAP_MIN + 1; i-- > 0;) {
		k = FLOE_MIN(hlen - i, n);
		if (hist[i] == probe[0] && memcmp(hist + i, probe, k) == 0)
			return hlen - i;
	}
	return 0;
}

/* The mount's queued bytes, oldest first, in one allocation. */
static uint8_t *
source_history(struct mount *m, size_t *len)
{
	struct block *b;
	struct sbuf sb;

	sbuf_init(&sb);
	pthread_mutex_lock(&m->lock);
	for (b = m->q.head; b != NULL; b = block_next(b))
		sbuf_add(&sb, b->data, b->len);
	pthread_mutex_unlock(&m->lock);
	*len = sb.len;
	return (uint8_t *)sb.data;
}

/*
 * A resumed feed (a relay's new upstream connection) starts with the
 * upstream's burst: seconds the listeners have had already if the
 * upstream kept going (a network blip, not a restart). Hold its first
 * PROBE_LEN bytes, find where they overlap the mount's queue, and drop
 * what repeats; the listeners then hear the stream carry on exactly
 * where it stopped, with only the outage missing, if anything. An Ogg
 * feed first repeats the chain's header pages, dropped as well when they
 * are the ones in force. What goes on goes on to source_take_audio.
 */
static void
source_overlap(struct source *s, uint8_t *p, size_t len)
{
	struct mount *m = s->mount;
	uint8_t *hist;
	size_t hlen, over, n, piece;
	const uint8_t *rest;

	if (!s->probing) {
		n = (size_t)FLOE_MIN((uint64_t)len, s->skip);
		s->skip -= n;
		memmove(p, p + n, len - n);
		source_take_audio(s, len - n);
		return;
	}
	sbuf_add(&s->probe, p, len);
	if (s->probe.len < PROBE_LEN + s->hdr_skip)
		return;
	s->probing = 0;
	n = 0;
	if (s->hdr_skip > 0 && m->hdrs != NULL && m->hdrs->len == s->hdr_skip &&
	    memcmp(s->probe.data, m->hdrs->data, s->hdr_skip) == 0)
		n = s->hdr_skip;	/* the same chain: its headers again */
	hist = source_history(m, &hlen);
	over = source_overlap_len(hist, hlen, (const uint8_t *)s->probe.data + n,
	    s->probe.len - n);
	free(hist);
	if (over > 0)
		log_info("source %s: the new feed repeats %zu bytes the listeners have had: "
		    "dropped", m->name, over);
	s->skip = over > s->probe.len - n ? over - (s->probe.len - n) : 0;
	n += FLOE_MIN(over, s->probe.len - n);
	/* What is left of the probe goes on, as much at a time as the
	 * pending buffer takes (cutting empties it as it goes). */
	rest = (const uint8_t *)s->probe.data + n;
	len = s->probe.len - n;
	while (len > 0) {
		piece = FLOE_MIN(len, s->pcap - s->plen);
		memcpy(s->pending + s->plen, rest, piece);
		source_take_audio(s, piece);
		rest += piece;
		len -= piece;
	}
	sbuf_free(&s->probe);
	sbuf_init(&s->probe);
}

/* len bytes of audio at the end of the pending buffer: dump, cut. */
static void
source_take_audio(struct source *s, size_t len)
{
	uint8_t *p = s->pending + s->plen;

	if (s->dump != NULL && len > 0 && fwrite(p, 1, len, s->dump) != len) {
		log_warn("mount %s: dump-file write failed, dump stopped", s->mount->name);
		fclose(s->dump);
		s->dump = NULL;
	}
	s->plen += len;
	s->mount->bytes_read += len;
	source_cut(s);
}

/* len new bytes (dechunked) at the end of the pending buffer: strip ICY
 * metadata, drop what a resumed feed repeats, dump, cut. */
static void
source_take(struct source *s, size_t len)
{
	uint8_t *p = s->pending + s->plen;
	char *title;

	if (s->icy != NULL) {
		icy_deframe(s->icy, p, len, &len, &title);
		if (title != NULL) {
			char *utf8 = icy_to_utf8(title, s->mount->conf ?
			    s->mount->conf->charset : NULL);
			mount_set_title(s->mount, utf8, NULL, NULL);
			free(utf8);
			free(title);
		}
	}
	if (s->probing || s->skip > 0)
		source_overlap(s, p, len);
	else
		source_take_audio(s, len);
}

/* Bytes from the source: decode, strip, dump, cut. */
static void
source_readable(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct source *s = c->role_data;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t *p;
	size_t len;
	int n, ended = 0;
	enum parse_result res;

	if (s->icy_head && source_icy_head(c, s, in) <= 0)
		return;

	while (!ended && evbuffer_get_length(in) > 0) {
		size_t want = FLOE_MIN(s->pcap - s->plen, (size_t)SOURCE_READ);
		if (s->rate > 0 && source_rate_hold(s, bev, &want))
			break;
		p = s->pending + s->plen;
		n = evbuffer_remove(in, p, want);
		if (n <= 0)
			break;
		len = (size_t)n;
		s->rate_bytes += len;
		if (s->chunked) {
			res = http_chunked_decode(&s->ch, (char *)p, len, &len);
			if (res == PARSE_ERROR) {
				log_warn("source on %s: bad chunked encoding (%s), disconnecting",
				    s->mount->name, s->ch.error);
				conn_close(c);
				return;
			}
			ended = res == PARSE_OK;
		}
		source_take(s, len);
	}
	if (ended) {
		log_info("source on %s ended its chunked body", s->mount->name);
		conn_close(c);
	}
}

static void source_role_detach(struct conn *c);
static void source_role_free(struct conn *c);
static void source_role_timeout(struct conn *c);
static void source_describe(const struct conn *c, char *buf, size_t len);
static int source_handover(struct conn *c, struct wire *w);
static void source_handback(struct conn *c);

static const struct conn_role source_role = {
	.name = "source",
	.detach = source_role_detach,
	.timeout = source_role_timeout,
	.free = source_role_free,
	.describe = source_describe,
	.handover = source_handover,
	.handback = source_handback,
};

/* The cutting state for a stream that starts now: its format, its ICY
 * framing (icy-metaint in r), nothing pending. */
static void
source_reset_feed(struct source *s, const struct http_request *r)
{
	const char *mi = http_header_get(r, "icy-metaint");
	long metaint;

	format_state_init(&s->fs, s->mount->fmt);
	s->pcap = s->mount->fmt->max_unit + SOURCE_READ;
	s->pending = xrealloc(s->pending, s->pcap);
	s->plen = 0;
	s->hdr_acc.len = 0;
	s->hdr_open = 0;
	free(s->icy);
	s->icy = NULL;
	if (mi != NULL && parse_long(mi, 1, 1 << 20, &metaint) == 0) {
		s->icy = xmalloc(sizeof *s->icy);
		icy_deframer_init(s->icy, (size_t)metaint);
	}
}

/* What every source does on arrival, whoever feeds it: counted, described
 * by r's headers, the mount (re)started, a dump file opened. */
static struct source *
source_begin(struct mount *m, const struct http_request *r, const char *ip)
{
	struct source *s = xcalloc(1, sizeof *s);

	s->mount = m;
	s->started = time_wall();
	sbuf_init(&s->hdr_acc);
	sbuf_init(&s->probe);
	m->source = s;
	srv.stats.sources++;
	srv.stats.source_total_connections++;
	source_read_info(m, r, ip);
	mount_source_started(m, format_for_type(m->info.content_type));
	source_reset_feed(s, r);
	if (m->conf != NULL && m->conf->dump_file != NULL)
		s->dump = source_open_dump(m->conf->dump_file, m->name);
	return s;
}

/* What every source does once it is live: url auth's mount_add, and the
 * listeners waiting on the fallback come home. */
static void
source_live(struct mount *m)
{
	mount_auth_mount_event(m->name, 1);
	if (m->conf != NULL && m->conf->fallback_override > 0 && mount_fallback(m) != NULL) {
		struct mount *fb = mount_find(mount_fallback(m));
		if (fb != NULL) {
			fanout_move_listeners(fb, m, m->name);
			mount_release(fb);
		}
	}
}

/* Become the source of m. */
void
source_start(struct conn *c, const struct http_request *r, struct mount *m)
{
	struct source *s;
	const char *te = http_header_get(r, "Transfer-Encoding");
	const char *expect = http_header_get(r, "Expect");
	struct timeval tv = { srv.config->source_timeout, 0 };

	s = source_begin(m, r, c->ip);
	s->conn = c;
	conn_set_role(c, &source_role, s);
	srv.stats.source_client_connections++;
	if (te != NULL && str_ieq(te, "chunked")) {
		s->chunked = 1;
		http_chunked_init(&s->ch);
	}
	if (m->conf != NULL && m->conf->limit_rate > 0) {
		s->rate = m->conf->limit_rate;
		s->rate_start_ns = time_mono_ns();
		s->rate_ev = evtimer_new(srv.base, source_rate_resume, c);
	}

	log_info("source %s connected from %s (%s, %s, %s%s)", m->name, c->ip,
	    c->user_agent != NULL ? c->user_agent : "no user agent", m->info.content_type,
	    m->fmt->name, s->chunked ? ", chunked" : "");

	/* icecast2's exact answers: clients compare these bytes. */
	if (c->icy_v1) {
		/* Shoutcast v1: the password was right; its icy-* lines follow */
		evbuffer_add_printf(conn_output(c), "OK2\r\nicy-caps:11\r\n\r\n");
		s->icy_head = 1;
		sbuf_init(&s->icy_lines);
	} else {
		if (expect != NULL && str_ieq(expect, "100-continue"))
			evbuffer_add_printf(conn_output(c),
			    "HTTP/1.1 100 Continue\r\nContent-Length: 0\r\n\r\n");
		evbuffer_add_printf(conn_output(c), "HTTP/1.0 200 OK\r\n\r\n");
	}
	c->status = 200;
	source_live(m);

	bufferevent_setcb(c->bev, source_readable, NULL, conn_on_event, c);
	bufferevent_set_timeouts(c->bev, &tv, NULL);
	bufferevent_enable(c->bev, EV_READ);
	/* Audio that arrived with the head (SOURCE clients do not wait). */
	if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
		source_readable(c->bev, c);
}

struct source *
source_open(struct mount *m, const struct http_request *r, const char *ip,
    void (*kill)(void *arg), void *arg)
{
	struct source *s = source_begin(m, r, ip);

	s->kill = kill;
	s->kill_arg = arg;
	log_info("source %s fed from %s (%s, %s)", m->name, ip, m->info.content_type,
	    m->fmt->name);
	source_live(m);
	return s;
}

int
source_resume(struct source *s, const struct http_request *r, const char *ip)
{
	struct mount *m = s->mount;
	const char *ct = http_header_get(r, "Content-Type");

	if (format_for_type(ct != NULL ? ct : "audio/mpeg") != m->fmt)
		return -1;
	/* The old feed's partial frame is gone with its connection: its
	 * listeners go on from the new feed's first whole frame, after what
	 * it repeats of the old one (source_overlap). */
	s->plen = 0;
	fanout_flush(m);	/* the history to compare with, whole */
	source_read_info(m, r, ip);
	source_reset_feed(s, r);
	s->probing = 1;
	s->skip = 0;
	s->hdr_skip = m->hdrs != NULL ? m->hdrs->len : 0;
	sbuf_free(&s->probe);
	sbuf_init(&s->probe);
	log_info("source %s fed again from %s: its listeners carry on", m->name, ip);
	return 0;
}

/*
 * With interleaved ICY metadata, the bytes up to the next boundary of its
 * framing (the audio before a length byte, the length byte, the block):
 * fed one piece at a time, a title takes effect exactly where it stood in
 * the upstream's stream (to within the frame being cut), so an edge's
 * listeners get each title at the point the master's listeners do.
 */
static size_t
source_icy_piece(const struct icy_deframer *d, size_t n)
{
	size_t k = !d->in_meta ? d->audio_left : d->meta_left == (size_t)-1 ? 1 : d->meta_left;

	return k > 0 && k < n ? k : n;
}

void
source_push(struct source *s, const uint8_t *p, size_t len)
{
	size_t n;

	while (len > 0) {
		n = FLOE_MIN(len, FLOE_MIN(s->pcap - s->plen, (size_t)SOURCE_READ));
		if (s->icy != NULL)
			n = source_icy_piece(s->icy, n);
		memcpy(s->pending + s->plen, p, n);
		source_take(s, n);
		p += n;
		len -= n;
	}
}

/* A source leaves its mount: the last bytes go out, the listeners follow
 * the fallback or go, url auth hears of it. */
static void
source_end(struct source *s)
{
	struct mount *m = s->mount;

	log_info("source %s disconnected after %llds, %llu bytes read", m->name,
	    (long long)(time_wall() - s->started), (unsigned long long)m->bytes_read);
	/* The last bytes, a partial frame included, still reach whoever stays. */
	if (s->plen > 0)
		fanout_add(m, s->pending, s->plen, 0);
	s->plen = 0;
	fanout_source_gone(m);
	m->source = NULL;
	s->mount = NULL;
	srv.stats.sources--;
	if (!srv.shutting_down)
		mount_auth_mount_event(m->name, 0);	/* url auth's mount_remove */
	mount_release(m);
}

static void
source_free(struct source *s)
{
	if (s->dump != NULL)
		fclose(s->dump);
	if (s->rate_ev != NULL)
		event_free(s->rate_ev);
	free(s->icy);
	free(s->pending);
	sbuf_free(&s->hdr_acc);
	sbuf_free(&s->icy_lines);
	sbuf_free(&s->probe);
	free(s);
}

void
source_close(struct source *s)
{
	source_end(s);
	source_free(s);
}

/* Role hook: the connection is closing: the mount loses its source. */
static void
source_role_detach(struct conn *c)
{
	struct source *s = c->role_data;

	if (s->rate_ev != NULL)
		event_del(s->rate_ev);
	source_end(s);
}

/* Role hook, from the reaper: free the source. */
static void
source_role_free(struct conn *c)
{
	source_free(c->role_data);
	c->role_data = NULL;
}

/* Role hook: silent for source-timeout seconds. */
static void
source_role_timeout(struct conn *c)
{
	struct source *s = c->role_data;

	log_warn("source %s sent nothing for %lds (source-timeout): disconnecting",
	    s->mount->name, srv.config->source_timeout);
}

/* Role hook: "source of /mount", for the transport's log lines. */
static void
source_describe(const struct conn *c, char *buf, size_t len)
{
	const struct source *s = c->role_data;

	snprintf(buf, len, "source of %s", s->mount != NULL ? s->mount->name : "-");
}

/* Disconnect (admin, shutdown). */
void
source_kill(struct source *s)
{
	if (s->conn != NULL)
		conn_close(s->conn);
	else
		s->kill(s->kill_arg);
}

/* ---- the hand-off (takeover.c) ---- */

void
source_save(struct source *s, struct wire *w)
{
	const struct format_state *fs = &s->fs;

	wire_str(w, s->mount->name);
	wire_str(w, fs->ops->name);
	wire_u8(w, (uint8_t)fs->in_sync);
	wire_u64(w, fs->skip);
	wire_u8(w, (uint8_t)fs->ogg_headers);
	wire_u8(w, (uint8_t)fs->ogg_seen_audio);
	wire_u64(w, fs->frames);
	wire_u32(w, (uint32_t)fs->samplerate);
	wire_u32(w, (uint32_t)fs->channels);
	wire_u32(w, (uint32_t)fs->bitrate);
	wire_u8(w, (uint8_t)s->chunked);
	wire_u32(w, (uint32_t)s->ch.state);
	wire_u64(w, s->ch.remaining);
	wire_u32(w, (uint32_t)s->ch.digits);
	wire_u8(w, s->icy != NULL);
	if (s->icy != NULL) {
		wire_u64(w, s->icy->metaint);
		wire_u64(w, s->icy->audio_left);
		wire_u64(w, s->icy->meta_left);
		wire_u64(w, s->icy->meta_len);
		wire_u8(w, (uint8_t)s->icy->in_meta);
		wire_bytes(w, s->icy->meta, sizeof s->icy->meta);
	}
	wire_bytes(w, s->pending, s->plen);
	wire_bytes(w, s->hdr_acc.data, s->hdr_acc.len);
	wire_u8(w, (uint8_t)s->hdr_open);
	wire_i64(w, s->started);
	wire_u8(w, (uint8_t)s->icy_head);
	wire_bytes(w, s->icy_lines.data, s->icy_lines.len);
	wire_u8(w, (uint8_t)s->probing);
	wire_bytes(w, s->probe.data, s->probe.len);
	wire_u64(w, s->skip);
	wire_u64(w, s->hdr_skip);
	wire_i64(w, s->rate);
	wire_u64(w, s->rate_start_ns);
	wire_u64(w, s->rate_bytes);
}

/* A source as source_save wrote it, on its mount (which has none), or NULL. */
static struct source *
source_load(struct wire *w)
{
	struct source *s = xcalloc(1, sizeof *s);
	char *name = wire_get_str(w), *fmt = wire_get_str(w);
	struct format_state *fs = &s->fs;
	const uint8_t *p;
	struct mount *m;
	size_t n;

	sbuf_init(&s->hdr_acc);
	sbuf_init(&s->probe);
	sbuf_init(&s->icy_lines);
	fs->in_sync = wire_get_u8(w);
	fs->skip = wire_get_u64(w);
	fs->ogg_headers = wire_get_u8(w);
	fs->ogg_seen_audio = wire_get_u8(w);
	fs->frames = wire_get_u64(w);
	fs->samplerate = (int)wire_get_u32(w);
	fs->channels = (int)wire_get_u32(w);
	fs->bitrate = (int)wire_get_u32(w);
	s->chunked = wire_get_u8(w);
	http_chunked_init(&s->ch);
	s->ch.state = (int)wire_get_u32(w);
	s->ch.remaining = wire_get_u64(w);
	s->ch.digits = (int)wire_get_u32(w);
	if (wire_get_u8(w)) {
		s->icy = xcalloc(1, sizeof *s->icy);
		s->icy->metaint = (size_t)wire_get_u64(w);
		s->icy->audio_left = (size_t)wire_get_u64(w);
		s->icy->meta_left = (size_t)wire_get_u64(w);
		s->icy->meta_len = (size_t)wire_get_u64(w);
		s->icy->in_meta = wire_get_u8(w);
		p = wire_get_bytes(w, &n);
		if (p != NULL && n == sizeof s->icy->meta)
			memcpy(s->icy->meta, p, n);
		else
			w->err = 1;
		if (s->icy->meta_len > ICY_MAX_META)
			w->err = 1;
	}
	m = name != NULL && !w->err ? mount_find(name) : NULL;
	if (m == NULL || m->source != NULL || fmt == NULL || strcmp(fmt, m->fmt->name) != 0)
		w->err = 1;
	else {
		fs->ops = m->fmt;
		s->pcap = m->fmt->max_unit + SOURCE_READ;
		s->pending = xmalloc(s->pcap);
	}
	p = wire_get_bytes(w, &n);
	if (!w->err && n <= s->pcap) {
		memcpy(s->pending, p, n);
		s->plen = n;
	} else
		w->err = 1;
	p = wire_get_bytes(w, &n);
	sbuf_add(&s->hdr_acc, p, n);
	s->hdr_open = wire_get_u8(w);
	s->started = wire_get_i64(w);
	s->icy_head = wire_get_u8(w);
	p = wire_get_bytes(w, &n);
	sbuf_add(&s->icy_lines, p, n);
	s->probing = wire_get_u8(w);
	p = wire_get_bytes(w, &n);
	sbuf_add(&s->probe, p, n);
	s->skip = wire_get_u64(w);
	s->hdr_skip = (size_t)wire_get_u64(w);
	s->rate = (long)wire_get_i64(w);
	s->rate_start_ns = wire_get_u64(w);
	s->rate_bytes = wire_get_u64(w);
	free(name);
	free(fmt);
	if (w->err) {
		source_free(s);
		return NULL;
	}
	s->mount = m;
	m->source = s;
	srv.stats.sources++;
	if (m->conf != NULL && m->conf->dump_file != NULL)
		s->dump = source_open_dump(m->conf->dump_file, m->name);
	return s;
}

/* Role hook: stop reading; what is read and not cut yet goes too. */
static int
source_handover(struct conn *c, struct wire *w)
{
	struct source *s = c->role_data;

	if (c->tls || c->closing)
		return -1;
	bufferevent_disable(c->bev, EV_READ);
	if (s->rate_ev != NULL)
		event_del(s->rate_ev);
	conn_save(c, w, "source");
	source_save(s, w);
	return 0;
}

/* Role hook: the hand-off failed: read on. */
static void
source_handback(struct conn *c)
{
	if (c->closing)
		return;
	bufferevent_enable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
		source_readable(c->bev, c);
}

int
source_restore(struct conn *c, struct wire *w)
{
	struct timeval tv = { srv.config->source_timeout, 0 };
	struct source *s = source_load(w);

	if (s == NULL) {
		c->logged = 1;
		conn_close(c);
		return -1;
	}
	s->conn = c;
	conn_set_role(c, &source_role, s);
	if (s->rate > 0)
		s->rate_ev = evtimer_new(srv.base, source_rate_resume, c);
	log_info("source %s from %s: handed over, reading on", s->mount->name, c->ip);
	bufferevent_setcb(c->bev, source_readable, NULL, conn_on_event, c);
	bufferevent_set_timeouts(c->bev, &tv, NULL);
	bufferevent_enable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
		source_readable(c->bev, c);
	return 0;
}

struct source *
source_restore_fed(struct wire *w, void (*kill)(void *arg), void *arg)
{
	struct source *s = source_load(w);

	if (s != NULL) {
		s->kill = kill;
		s->kill_arg = arg;
	}
	return s;
}

void
source_set_kill(struct source *s, void (*kill)(void *arg), void *arg)
{
	s->kill = kill;
	s->kill_arg = arg;
}
