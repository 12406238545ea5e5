/*
 * listener.c: serving a mount to one listener.
 *
 * The cursor (cur, pos) walks the mount's shared blocks. listener_fill hands
 * the socket buffer references to block data, up to LISTENER_HIGH bytes
 * queued; libevent calls back when the buffer drains below LISTENER_LOW,
 * and we top it up again. A listener that has everything parks on its
 * shard's waiting list for its turn, and the fan-out (fanout.c) wakes it at
 * that turn of the write interval: a listener that is neither caught up
 * nor draining costs nothing per incoming block.
 *
 * A listener is a connection role (conn.h): the transport calls
 * listener_role's hooks to adopt it on its worker, detach it on close, and
 * free it from the reaper with its connection.
 *
 * ICY metadata: every metaint audio bytes a metadata block goes out: the
 * mount's rendered title if it changed since the last one this listener
 * got, else a single zero byte.
 */
#include "listener.h"
#include "access.h"
#include "config.h"
#include "mount_auth.h"
#include "block.h"
#include "config.h"
#include "conn.h"
#include "edges.h"
#include "format.h"
#include "http_parse.h"
#include "http_resp.h"
#include "icy.h"
#include "intro.h"
#include "log.h"
#include "mount.h"
#include "server.h"
#include "util.h"
#include "wire.h"
#include "worker.h"

#include <assert.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <errno.h>
#include <linux/sockios.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

/* Why these marks: 64 KiB queued per listener covers a full burst in one
 * go and four seconds of 128 kbps audio; refilling when it drops under
 * 16 KiB keeps the kernel's send buffer from running dry between refills.
 * The bytes are references to shared blocks, not copies, so the cost per
 * listener is a few evbuffer chain headers. */
#define LISTENER_HIGH	(64 * 1024)
#define LISTENER_LOW	(16 * 1024)

/* Why 4 KiB: a listener sends nothing after its request, except players
 * that close; whatever arrives is discarded in reads of this size. */
#define LISTENER_DISCARD 4096

/* evbuffer cleanup: the socket is done with a block's bytes. */
static void
release_block(const void *data, size_t len, void *arg)
{
	block_data_unref(arg);
}

/* evbuffer cleanup: the socket is done with a metadata reference. */
static void
release_meta(const void *data, size_t len, void *arg)
{
	icy_meta_unref(arg);
}

/* evbuffer cleanup: the socket is done with Ogg header pages. */
static void
release_hdrs(const void *data, size_t len, void *arg)
{
	ogg_headers_unref(arg);
}

static void
release_intro(const void *data, size_t len, void *arg)
{
	intro_unref(arg);
}

/* Count bytes handed over. Only the listener's worker writes the count;
 * admin reads it from the main thread, so both sides are atomic. */
static void
listener_add_sent(struct listener *l, uint64_t n)
{
	STAT_SET(l->sent, STAT_GET(l->sent) + n);
}

/* Bytes handed over so far. */
uint64_t
listener_sent(const struct listener *l)
{
	return STAT_GET(l->sent);
}

/* Further behind than the queue keeps? (No lock: positions are atomic.) */
static int
listener_lagging(const struct listener *l)
{
	struct queue *q = &l->mount->q;

	/* A waiting listener has had all it was offered: the write interval,
	 * not the listener, holds back the rest. */
	if (l->cur == NULL || l->waiting)
		return 0;
	/* Behind live on purpose (rewind): only falling out of the buffer. */
	if (l->paced || l->pump)
		return l->pos < STAT_GET(q->head_pos);
	return l->pos < STAT_GET(q->head_pos) ||
	    STAT_GET(q->tail_pos) - l->pos > STAT_GET(q->limit);
}

/*
 * The sweep's fuller look, once a second: a slow reader's backlog mostly
 * sits in the kernel, whose send buffer autotunes to megabytes, so a
 * listener reading at half the bitrate would look fine to the queue for
 * minutes. What the kernel still holds for it (SIOCOUTQ) counts too, less
 * what was there when it was last resynced (that cannot be taken back).
 */
int
listener_stalled(struct listener *l, int kernel)
{
	struct queue *q = &l->mount->q;
	int outq = 0;

	if (l->cur == NULL)
		return 0;
	if (listener_lagging(l))
		return 1;
	if (!kernel)
		return 0;
	l->backlog = 0;
	if (l->conn->tls || ioctl(bufferevent_getfd(l->conn->bev), SIOCOUTQ, &outq) != 0)
		return 0;
	if ((uint64_t)outq < l->backlog_base)
		l->backlog_base = (uint64_t)outq;
	l->backlog = (uint64_t)outq - l->backlog_base;
	if (l->paced || l->pump)	/* what it has not read is its only lag */
		return l->backlog > STAT_GET(q->limit);
	return STAT_GET(q->tail_pos) - l->pos + l->backlog > STAT_GET(q->limit);
}

/*
 * A listener that cannot keep up: per the mount's lag-policy, drop it, or
 * move its cursor to the newest frame boundary (it hears a skip, stays
 * connected, and its ICY framing carries on). Nobody else notices either.
 */
void
listener_lagged(struct listener *l)
{
	struct mount *m = l->mount;
	struct block *live = NULL;
	unsigned long long behind;
	size_t limit;
	int resync = STAT_GET(m->lag_policy) == LAG_RESYNC &&
	    __atomic_load_n(&m->fmt, __ATOMIC_ACQUIRE) != &format_ogg;
	int at_edge = 0;

	STAT_ADD(l->shard->slow, 1);
	pthread_mutex_lock(&m->lock);
	behind = m->q.tail_pos - l->pos + l->backlog;
	limit = m->q.limit;
	if (resync && m->q.live != NULL) {
		if (m->q.live->pos > l->pos) {
			live = m->q.live;
			block_ref(live);
		} else
			at_edge = 1;	/* what it is behind sits in the kernel */
	}
	pthread_mutex_unlock(&m->lock);
	if (live != NULL || at_edge) {
		log_info("listener %s on %s is %llu bytes behind (queue-size %zu): %s", l->conn->ip,
		    m->name, behind, limit, live != NULL ? "resynced to the live edge" :
		    "kept at the live edge (the rest is in the kernel's send buffer)");
		if (live != NULL) {
			block_unref(l->cur);
			l->cur = live;
			l->pos = live->pos;
		}
		l->backlog_base += l->backlog;	/* already in the kernel: not counted again */
		l->backlog = 0;
		return;
	}
	log_info("listener %s on %s is %llu bytes behind (queue-size %zu): dropped as too slow",
	    l->conn->ip, m->name, behind, limit);
	conn_close(l->conn);
}

/* Park until the source appends a block. */
static void
listener_park(struct listener *l)
{
	if (!l->waiting) {
		l->wslot = l->prompt ? SHARD_PROMPT_SLOT : l->slot % STAT_GET(l->shard->slots);
		TAILQ_INSERT_TAIL(&l->shard->waiting[l->wslot], l, wentry);
		l->waiting = 1;
	}
}

/* Send the metadata block due at this point of the stream. */
static void
listener_add_meta(struct listener *l, struct evbuffer *out, struct icy_meta *meta)
{
	if (meta == NULL || meta == l->last_meta) {
		evbuffer_add(out, icy_empty, 1);
		listener_add_sent(l, 1);
		return;
	}
	icy_meta_ref(meta);
	evbuffer_add_reference(out, meta->data, meta->len, release_meta, meta);
	icy_meta_ref(meta);
	icy_meta_unref(l->last_meta);
	l->last_meta = meta;
	listener_add_sent(l, meta->len);
}

/*
 * Where a listener starts: the burst point for a new listener, the live
 * edge for one moved from another mount (either falls back on the other,
 * then on whatever there is), and for one that arrived before the mount
 * had any audio, the block holding the first byte that came after it.
 */
struct block *
listener_start_point(const struct queue *q, int join_live, int join_next, uint64_t pos)
{
	struct block *b;

	if (join_next)
		return queue_find(q, pos);
	b = join_live ? q->live : q->burst;
	if (b == NULL)
		b = join_live ? q->burst : q->live;
	return b != NULL ? b : q->tail;
}

/* How far ahead of real time a listener behind live is sent: about what a
 * live listener's burst gives, so its player starts at once. */
#define REWIND_LEAD_MS	3000

/* A reference to the owner of a piece of data handed to a socket. */
typedef void (*piece_ref_fn)(void *owner);

static void
intro_take(void *owner)
{
	intro_ref(owner);
}

static void
block_take(void *owner)
{
	block_data_ref(owner);
}

/*
 * Hand over data[0..len) by reference (take() a reference on owner for
 * each piece, release() drops it once the socket has sent the piece),
 * splicing in ICY metadata every metaint bytes of what the listener gets.
 */
static void
listener_splice(struct listener *l, struct evbuffer *out, const uint8_t *data, size_t len,
    struct icy_meta *meta, piece_ref_fn take, evbuffer_ref_cleanup_cb release, void *owner)
{
	size_t off = 0, n;

	while (off < len) {
		n = len - off;
		if (l->metaint != 0) {
			if (l->icy_left == 0) {
				listener_add_meta(l, out, meta);
				l->icy_left = l->metaint;
			}
			n = FLOE_MIN(n, l->icy_left);
			l->icy_left -= n;
		}
		take(owner);
		evbuffer_add_reference(out, data + off, n, release, owner);
		off += n;
		listener_add_sent(l, n);
	}
}

/*
 * The mount's <intro>, ahead of the stream: the same ICY framing as the
 * audio (its bytes count toward metaint, a title block falls inside it
 * where due), each piece a reference to the one shared buffer.
 */
static void
listener_send_intro(struct listener *l, struct evbuffer *out, struct icy_meta *meta)
{
	listener_splice(l, out, l->intro->data, l->intro->len, meta, intro_take, release_intro,
	    l->intro);
	intro_unref(l->intro);
	l->intro = NULL;
}

/*
 * Choose where a listener starts: the burst point for a new listener, the
 * live edge for one moved from another mount, and for one that arrived
 * before the mount had any audio, the first byte that came after it.
 */
static int
listener_begin(struct listener *l)
{
	struct mount *m = l->mount;
	struct queue *q = &m->q;
	struct block *b;
	struct evbuffer *out = conn_output(l->conn);

	/* The source's thread moves these start points and trims the head. */
	pthread_mutex_lock(&m->lock);
	b = l->want_ms != 0 ? queue_find_time(q, l->want_ms) : NULL;
	if (b != NULL) {
		l->start_ms = b->time_ms;
		l->start_ns = time_mono_ns();
	} else {
		if (!l->carried)
			l->paced = 0;	/* the point asked for is live now */
		b = listener_start_point(q, l->join_live, l->join_next, l->join_pos);
	}
	if (b == NULL) {
		/* Nothing yet: remember where the stream is, start there. */
		l->join_next = 1;
		l->join_pos = q->tail_pos;
		pthread_mutex_unlock(&m->lock);
		return -1;
	}
	block_ref(b);
	pthread_mutex_unlock(&m->lock);
	l->cur = b;
	l->pos = FLOE_MAX(b->pos, l->join_next ? l->join_pos : b->pos);
	if (l->carried) {
		/* Mid-stream in the process that handed it over: no intro, no
		 * headers again, the next byte is exactly the one it lacks. */
		l->carried = 0;
		if (l->pos != l->join_pos)
			log_warn("listener %s on %s: handed over %llu bytes behind the queue: "
			    "resumed at its head", l->conn->ip, m->name,
			    (unsigned long long)(l->pos - l->join_pos));
		return 0;
	}
	if (l->intro != NULL)
		listener_send_intro(l, out, b->meta);
	/* Ogg joined mid-chain: the codec headers go first. */
	if (b->hdrs != NULL && !(b->flags & BLOCK_CHAIN) && l->pos == b->pos) {
		ogg_headers_ref(b->hdrs);
		evbuffer_add_reference(out, b->hdrs->data, b->hdrs->len, release_hdrs, b->hdrs);
		listener_add_sent(l, b->hdrs->len);
	}
	return 0;
}

/*
 * Direct sends. A bufferevent enables its write event when data is queued
 * and disables it when the queue drains: two epoll_ctl calls per send,
 * which the bench measured at ~9% of floe's CPU. When nothing is queued
 * for a plain-TCP listener that is caught up (the steady state: one write
 * interval's audio), its new data is gathered in one shared staging buffer
 * and written to the socket at once; only what the socket cannot take
 * moves (by reference, no copy) to the bufferevent, which then waits for
 * the socket as before. Order is kept: the direct path is taken only while
 * nothing is queued. Bursts and backlogs go through the bufferevent.
 */
static struct evbuffer *
listener_stage(void)
{
	return worker_self()->stage;
}

/* Write the staged data now; queue what the socket did not take. */
static void
listener_send_staged(struct conn *c, struct evbuffer *stage, struct evbuffer *queued)
{
	int fd = bufferevent_getfd(c->bev), n;

	while (evbuffer_get_length(stage) > 0) {
		n = evbuffer_write(stage, fd);
		if (n > 0)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			evbuffer_drain(stage, evbuffer_get_length(stage));
			conn_close(c);		/* the listener went away */
			return;
		}
		break;
	}
	if (evbuffer_get_length(stage) > 0)
		evbuffer_add_buffer(queued, stage);
}

/*
 * Hand over the rest of the current block, splicing in ICY metadata every
 * metaint bytes. Whole blocks only: a listener's position then always sits
 * on a block (so frame) boundary, which is what lets a move to another
 * mount switch between whole frames.
 */
static void
listener_take_block(struct listener *l, struct evbuffer *out)
{
	struct block *b = l->cur;
	size_t off = (size_t)(l->pos - b->pos);

	listener_splice(l, out, b->data + off, b->len - off, b->meta, block_take, release_block,
	    b);
	l->pos += b->len - off;
}

static void listener_pumped(struct listener *l);
static int listener_due(const struct listener *l, const struct block *b);

/*
 * Hand over blocks until the high-water mark or the live edge. woken: the
 * write interval held this listener back, so it is not to blame for what it
 * has not been given yet.
 */
static void
listener_fill_from(struct listener *l, int woken)
{
	struct conn *c = l->conn;	/* outlives l: connections are freed deferred */
	struct evbuffer *out = conn_output(c), *queued = out;
	struct shard *sh = l->shard;
	struct block *b, *nb;
	uint64_t before = l->sent;

	if (c->closing || l->waiting || listener_frozen())
		return;
	if (l->cur == NULL && listener_begin(l) < 0) {
		listener_park(l);
		return;
	}
	if (!woken && listener_lagging(l)) {
		listener_lagged(l);
		if (c->closing)
			return;		/* dropped (l itself lives until the reaper) */
	}
	if (evbuffer_get_length(queued) == 0 && !c->tls)
		out = listener_stage();
	while (evbuffer_get_length(out) < LISTENER_HIGH) {
		b = l->cur;
		if (l->pump && l->pos >= l->pump_end) {
			listener_pumped(l);
			break;
		}
		if (l->pos == b->pos + b->len) {
			if ((nb = block_next(b)) == NULL || !listener_due(l, nb)) {
				listener_park(l);
				break;
			}
			block_ref(nb);
			block_unref(b);
			l->cur = b = nb;
		}
		listener_take_block(l, out);
	}
	STAT_ADD(sh->bytes_sent, l->sent - before);
	if (out == queued)
		return;
	/* Caught up (parked): send now. Stopped at the high-water mark with
	 * more to come: the bufferevent's write callback must drive the rest. */
	if (l->waiting)
		listener_send_staged(c, out, queued);
	else
		evbuffer_add_buffer(queued, out);
}

/* A pumped range is all sent: close once the socket has it. */
static void
listener_pumped(struct listener *l)
{
	log_debug("listener %s on %s: the range asked for is sent", l->conn->ip, l->mount->name);
	conn_close_after_write(l->conn);
}

/*
 * Is block b due for a listener behind live in real time? Its audio came
 * b->time_ms - start_ms after the block it started on; that much time
 * must have passed since (plus REWIND_LEAD_MS: a burst, so playback starts
 * at once, as a live listener's does).
 */
static int
listener_due(const struct listener *l, const struct block *b)
{
	int64_t elapsed;

	if (!l->paced)
		return 1;
	elapsed = (int64_t)((time_mono_ns() - l->start_ns) / 1000000);
	return b->time_ms - l->start_ms <= elapsed + REWIND_LEAD_MS;
}

/* Top up from the write callback or a new listener's start. */
void
listener_fill(struct listener *l)
{
	listener_fill_from(l, 0);
}

/* The mount woke its waiting listeners. */
void
listener_wake(struct listener *l)
{
	l->waiting = 0;
	listener_fill_from(l, 1);
}

/* The socket drained below the low-water mark. */
static void
listener_writable(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	listener_fill(c->role_data);
}

/* Listeners have nothing to say; discard what they send. */
static void
listener_readable(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);

	evbuffer_drain(in, evbuffer_get_length(in));
}

/* Append a header line unless the value is empty. */
static void
add_icy(struct sbuf *sb, const char *name, const char *value)
{
	char *clean;

	if (value == NULL || *value == '\0')
		return;
	clean = str_sanitize(value, 1024);	/* no CR/LF can split the head */
	sbuf_addf(sb, "%s:%s\r\n", name, clean);
	free(clean);
}

/* The response head icecast2 sends a listener. */
static void
listener_head(struct sbuf *sb, const struct mount *m, size_t metaint)
{
	const struct stream_info *si = &m->info;

	resp_stream_head(sb, si->content_type, m->conf);
	add_icy(sb, "icy-br", si->bitrate);
	add_icy(sb, "ice-audio-info", si->audio_info);
	add_icy(sb, "icy-description", si->description);
	add_icy(sb, "icy-genre", si->genre);
	add_icy(sb, "icy-name", si->name);
	sbuf_addf(sb, "icy-pub:%d\r\n", si->public > 0);
	add_icy(sb, "icy-url", si->url);
	if (metaint > 0)
		sbuf_addf(sb, "icy-metaint:%zu\r\n", metaint);
	/* Browser players may read these only if exposed. */
	sbuf_adds(sb, "Access-Control-Expose-Headers: icy-br, icy-description, icy-genre, "
	    "icy-metaint, icy-name, icy-pub, icy-url, ice-audio-info\r\n\r\n");
}

/* Raise a peak counter that other threads may raise too. */
static void
peak_raise(unsigned *peak, unsigned n)
{
	unsigned old = STAT_GET(*peak);

	while (n > old && !__atomic_compare_exchange_n(peak, &old, n, 1,
	    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* Count a listener in on m (any thread). */
static void
listener_count_in(struct mount *m)
{
	peak_raise(&m->peak, STAT_ADD(m->nlisteners, 1));
	STAT_ADD(srv.stats.listeners, 1);
}

/*
 * Count a listener out of m. The mount may then go, but only the main
 * thread may free it: a reference taken before the count drops keeps it
 * until the main thread has looked.
 */
static void
listener_count_out(struct mount *m)
{
	mount_ref(m);
	STAT_SUB(m->nlisteners, 1);
	STAT_SUB(srv.stats.listeners, 1);
	mount_release_later(m);
}

static void listener_adopt(struct conn *c);
static void listener_role_detach(struct conn *c);
static void listener_role_free(struct conn *c);
static void listener_role_timeout(struct conn *c);
static void listener_describe(const struct conn *c, char *buf, size_t len);
static int listener_handover(struct conn *c, struct wire *w);
static void listener_handback(struct conn *c);

static const struct conn_role listener_role = {
	.name = "listener",
	.detach = listener_role_detach,
	.timeout = listener_role_timeout,
	.adopt = listener_adopt,
	.free = listener_role_free,
	.describe = listener_describe,
	.handover = listener_handover,
	.handback = listener_handback,
};

/* What a listener asked of the rewind buffer. */
struct rewind_args {
	int64_t		 want_ms;	/* wall clock to start at; 0: live */
	int		 pump;
	uint64_t	 pump_end;
	int		 pad;
};

/* ISO 8601 (2026-12-04T09:00:00Z, +01:00, or local without a zone) to
 * milliseconds since the epoch; -1 if it is not one. */
static int64_t
listener_parse_time(const char *s)
{
	struct tm tm;
	const char *p;
	long off = 0;
	int sign;
	time_t t;

	memset(&tm, 0, sizeof tm);
	if ((p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return -1;
	if (*p == '.')		/* fractions of a second: ignored */
		while (*++p >= '0' && *p <= '9')
			;
	if (*p == '\0') {
		tm.tm_isdst = -1;
		t = mktime(&tm);	/* no zone: the server's local time */
		return t == (time_t)-1 ? -1 : (int64_t)t * 1000;
	}
	if (*p == 'Z' && p[1] == '\0')
		off = 0;
	else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
		sign = *p == '-' ? -1 : 1;
		off = sign * ((p[1] - '0') * 36000L + (p[2] - '0') * 3600L +
		    (p[4] - '0') * 600L + (p[5] - '0') * 60L);
	} else
		return -1;
	t = timegm(&tm);
	return t == (time_t)-1 ? -1 : ((int64_t)t - off) * 1000;
}

/*
 * ?offset=SECONDS (behind live) or ?at=ISO-8601, and ?pump=1: where in the
 * rewind buffer to start, checked against what it holds now. 0 to go on
 * (rw filled in), -1 if answered (404: no rewind here; 416: outside it).
 */
static int
listener_rewind_args(struct conn *c, const char *query, struct mount *m, struct rewind_args *rw)
{
	char *offset = http_query_get(query, "offset"), *at = http_query_get(query, "at");
	char *pump = http_query_get(query, "pump"), *msg;
	int64_t now = time_wall_ms(), oldest = 0, want = 0;
	long v;
	int rc = 0;

	if (offset == NULL && at == NULL)
		goto out;
	if (mount_rewind_ms(m) == 0) {
		resp_plain_error(c, 404, "This mount keeps no rewind buffer: ?offset= and ?at= "
		    "need <rewind> in its <mount>");
		rc = -1;
		goto out;
	}
	if (offset != NULL && parse_long(offset, 0, 7 * 86400, &v) == 0)
		want = now - (int64_t)v * 1000;
	else if (offset == NULL && (want = listener_parse_time(at)) >= 0)
		;
	else {
		resp_plain_error(c, 400, "?offset= takes seconds behind live; ?at= an ISO 8601 "
		    "time such as 2026-12-04T09:00:00Z");
		rc = -1;
		goto out;
	}
	pthread_mutex_lock(&m->lock);
	if (m->q.head != NULL)
		oldest = m->q.head->time_ms;
	pthread_mutex_unlock(&m->lock);
	if (oldest == 0 || want < oldest || want > now) {
		msg = xasprintf("Outside the rewind buffer: it holds the last %lld seconds",
		    oldest == 0 ? 0LL : (long long)((now - oldest) / 1000));
		resp_plain_error(c, 416, msg);
		free(msg);
		rc = -1;
		goto out;
	}
	rw->want_ms = want == now ? 0 : want;
	rw->pump = pump != NULL && strcmp(pump, "1") == 0;
	rw->pump_end = STAT_GET(m->q.tail_pos);
out:
	free(offset);
	free(at);
	free(pump);
	return rc;
}

/* Serve a mount: limits, head; the burst follows on the listener's worker. */
void
listener_start(struct conn *c, const struct http_request *r, struct mount *m,
    const char *requested)
{
	struct listener *l;
	struct sbuf sb;
	const char *icy = http_header_get(r, "Icy-MetaData");
	long max = mount_max_listeners(m);
	size_t metaint = 0;
	char *user_key = NULL, *edge;
	struct rewind_args rw = { 0, 0, 0, 0 };
	const struct config_mount *mc = config_find_mount(srv.config, requested);
	long per_ip = mc != NULL ? mc->max_listeners_per_ip : -1;
	long duration = mc != NULL ? mc->max_listener_duration : -1;

	if (max >= 0 && STAT_GET(m->nlisteners) >= (unsigned long)max && !c->relay_client) {
		if ((edge = edges_pick(requested, r->query)) != NULL) {
			log_info("listener %s on %s: max-listeners %ld reached: sent to %s", c->ip,
			    m->name, max, edge);
			resp_redirect(c, edge);
			free(edge);
			return;
		}
		log_info("listener %s refused on %s: max-listeners %ld reached", c->ip, m->name, max);
		resp_plain_error(c, 403, "max listeners reached");
		return;
	}
	if (per_ip >= 0 && strcmp(r->method, "HEAD") != 0 &&
	    access_ip_enter(requested, c->ip, per_ip) < 0) {
		log_info("listener %s refused on %s: max-listeners-per-ip %ld reached", c->ip,
		    requested, per_ip);
		resp_plain_error(c, 403, "too many listeners from your address");
		return;
	}
	if (c->auth_unique && strcmp(r->method, "HEAD") != 0) {
		user_key = xasprintf("\001%s", c->user);	/* never an address */
		if (access_ip_enter(requested, user_key, 1) < 0) {
			log_info("listener %s refused on %s: user %s is already listening "
			    "(allow_duplicate_users 0)", c->ip, requested, c->user);
			if (per_ip >= 0)
				access_ip_leave(requested, c->ip);
			free(user_key);
			resp_plain_error(c, 403, "Account already in use");
			return;
		}
	}
	if (r->query != NULL && listener_rewind_args(c, r->query, m, &rw) < 0)
		return;
	if (icy != NULL && strcmp(icy, "1") == 0 && m->fmt->icy)
		metaint = (size_t)mount_metaint(m);

	sbuf_init(&sb);
	listener_head(&sb, m, metaint);
	c->status = 200;
	evbuffer_add(conn_output(c), sb.data, sb.len);
	sbuf_free(&sb);
	if (strcmp(r->method, "HEAD") == 0) {
		/* A url backend that heard listener_add hears it leave. */
		mount_auth_listener_left(c, requested, 0);
		conn_close_after_write(c);
		return;
	}

	l = xcalloc(1, sizeof *l);
	l->conn = c;
	l->mount = m;
	l->metaint = metaint;
	l->icy_left = metaint;
	l->prompt = c->relay_client;	/* an edge: no write interval of ours on its hop */
	l->want_ms = rw.want_ms;
	l->paced = rw.want_ms != 0 && !rw.pump;
	l->pump = rw.pump;
	l->pump_end = rw.pump_end;
	if (strcmp(requested, m->name) != 0)
		l->origin = xstrdup(requested);
	if (per_ip >= 0 || user_key != NULL)
		l->ip_mount = xstrdup(requested);
	l->ip_counted = per_ip >= 0;
	l->user_key = user_key;
	l->asked = r->query != NULL ? xasprintf("%s?%s", requested, r->query) :
	    xstrdup(requested);
	/* The intro of the mount asked for (a fallback's listeners hear theirs). */
	if (mc != NULL && mc->intro != NULL)
		l->intro = intro_get(srv.config->webroot, mc->intro);
	/* The shorter of auth's timelimit and <max-listener-duration>. */
	l->limit = c->timelimit;
	if (duration > 0 && (l->limit == 0 || duration < l->limit))
		l->limit = duration;
	conn_set_role(c, &listener_role, l);
	/* Counted now, on this thread, so max-listeners holds exactly and the
	 * mount stays while the listener changes threads. */
	listener_count_in(m);
	srv.stats.listener_connections++;
	/* TLS sessions stay on the main loop, which made them. */
	l->w = c->tls ? srv.workers[0] : worker_pick();
	STAT_ADD(l->w->listeners, 1);
	log_debug("listener %s on %s%s, worker %u", c->ip, m->name,
	    metaint ? " (ICY metadata)" : "", l->w->id);
	if (l->w == c->w)
		listener_adopt(c);
	else
		conn_handoff(c, l->w);	/* after the request is done; adopted there */
}

/* Join m's shard on this worker (under the mount's lock: main walks it). */
static void
listener_link(struct listener *l, struct mount *m)
{
	struct shard *sh = &m->shards[l->conn->w->id];

	l->mount = m;
	l->shard = sh;
	l->slot = sh->next_slot++;	/* spread over the interval's turns */
	pthread_mutex_lock(&m->lock);
	TAILQ_INSERT_TAIL(&sh->listeners, l, entry);
	pthread_mutex_unlock(&m->lock);
	STAT_ADD(sh->n, 1);
	if (l->prompt)
		STAT_ADD(sh->nprompt, 1);
}

/* Its time (auth's timelimit or max-listener-duration) is up. */
static void
listener_expired(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct listener *l = c->role_data;

	(void)fd;
	(void)what;
	if (listener_frozen()) {	/* being handed over: the new process decides */
		struct timeval tv = { 1, 0 };

		evtimer_add(l->deadline, &tv);
		return;
	}
	log_info("listener %s on %s: %s of %lds reached, closing", c->ip, l->asked,
	    l->limit == c->timelimit ? "authentication time limit" :
	    "max-listener-duration", l->limit);
	conn_close(c);
}

/* On the listener's worker: start serving (burst first). */
static void
listener_adopt(struct conn *c)
{
	struct listener *l = c->role_data;

	assert(c->w == l->w);
	listener_link(l, l->mount);
	bufferevent_setcb(c->bev, listener_readable, listener_writable, conn_on_event, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, LISTENER_LOW, 0);
	bufferevent_setwatermark(c->bev, EV_READ, 0, LISTENER_DISCARD);
	bufferevent_set_timeouts(c->bev, NULL, conn_client_timeout());
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	if (l->limit > 0) {
		struct timeval tv = { l->limit, 0 };

		l->deadline = evtimer_new(c->w->base, listener_expired, c);
		evtimer_add(l->deadline, &tv);
	}
	listener_fill(l);
}

/*
 * Leave the mount: its shard's lists (if it got as far as its worker: a
 * hand-off can fail before), the cursor, the counts. The listener object
 * stays until the reaper frees it with its connection.
 */
static void
listener_unlink(struct listener *l)
{
	struct mount *m = l->mount;
	struct shard *sh = l->shard;

	if (sh != NULL) {
		if (l->waiting)
			TAILQ_REMOVE(&sh->waiting[l->wslot], l, wentry);
		pthread_mutex_lock(&m->lock);
		TAILQ_REMOVE(&sh->listeners, l, entry);
		pthread_mutex_unlock(&m->lock);
		STAT_SUB(sh->n, 1);
		if (l->prompt)
			STAT_SUB(sh->nprompt, 1);
	}
	l->waiting = 0;
	l->shard = NULL;
	if (l->cur != NULL)
		block_unref(l->cur);
	l->cur = NULL;
	l->mount = NULL;
	listener_count_out(m);
}

/* Role hook: the connection is closing: leave the mount and the worker's
 * count, and log the session. */
static void
listener_role_detach(struct conn *c)
{
	struct listener *l = c->role_data;

	/* Its address and user are free again before it leaves the lists:
	 * whoever sees it gone (listclients) can take its place. */
	if (l->ip_counted)
		access_ip_leave(l->ip_mount, c->ip);
	if (l->user_key != NULL)
		access_ip_leave(l->ip_mount, l->user_key);
	if (l->mount != NULL)
		listener_unlink(l);
	if (l->w != NULL)
		STAT_SUB(l->w->listeners, 1);
	l->w = NULL;
	if (l->deadline != NULL)
		event_free(l->deadline);
	l->deadline = NULL;
	mount_auth_listener_left(c, l->asked, (long)(time_wall() - c->connected_at));
	c->logged = 1;
	log_access(c->ip, c->user, c->connected_at, c->request_line, c->status,
	    listener_sent(l), c->referer, c->user_agent, time_wall() - c->connected_at);
}

/* Role hook, from the reaper: free the listener. */
static void
listener_role_free(struct conn *c)
{
	struct listener *l = c->role_data;

	icy_meta_unref(l->last_meta);
	intro_unref(l->intro);
	free(l->origin);
	free(l->asked);
	free(l->ip_mount);
	free(l->user_key);
	free(l);
	c->role_data = NULL;
}

/* Role hook: nothing could be sent for client-timeout seconds. */
static void
listener_role_timeout(struct conn *c)
{
	struct listener *l = c->role_data;

	log_info("listener %s on %s: nothing could be sent for %lds, closing", c->ip,
	    l->mount != NULL ? l->mount->name : "-", STAT_GET(srv.client_timeout));
}

/* Role hook: "listener on /mount", for the transport's log lines. */
static void
listener_describe(const struct conn *c, char *buf, size_t len)
{
	const struct listener *l = c->role_data;

	snprintf(buf, len, "listener on %s", l->mount != NULL ? l->mount->name : "-");
}

/*
 * The source is gone and there is no fallback: hand over everything the
 * listener has not had yet, leave the mount, and close once it is sent.
 * Nothing the source sent is lost to a listener that keeps reading.
 */
void
listener_finish(struct listener *l)
{
	struct evbuffer *out = conn_output(l->conn);
	struct block *b, *nb;
	uint64_t before = l->sent;

	if (l->cur == NULL)
		listener_begin(l);	/* it was waiting for the first audio */
	/* Behind live on purpose: what is already queued, not hours more. */
	for (b = l->paced || l->pump ? NULL : l->cur; b != NULL; b = nb) {
		listener_take_block(l, out);
		if ((nb = block_next(b)) == NULL)
			break;
		block_ref(nb);
		block_unref(b);
		l->cur = nb;
	}
	STAT_ADD(l->shard->bytes_sent, l->sent - before);
	listener_unlink(l);
	conn_close_after_write(l->conn);
}

/* Join another mount at its live edge, keeping the ICY framing going
 * (on the listener's worker, which stays the same). */
void
listener_move(struct listener *l, struct mount *to)
{
	listener_unlink(l);
	listener_count_in(to);
	listener_link(l, to);
	l->join_live = 1;	/* join at the live edge */
	l->join_next = 0;
	listener_fill(l);
}

/* ---- the hand-off (takeover.c) ---- */

static int frozen;	/* atomic */

void
listener_freeze(int on)
{
	__atomic_store_n(&frozen, on, __ATOMIC_RELEASE);
}

int
listener_frozen(void)
{
	return __atomic_load_n(&frozen, __ATOMIC_ACQUIRE);
}

/*
 * Role hook, on the listener's worker, frozen: its socket stops here; the
 * new process gets the cursor (an absolute stream position, always at a
 * block boundary), the ICY count and the title last sent, and the bytes
 * still queued for the socket, which it sends first. A TLS session cannot
 * leave OpenSSL, nor can a listener that is finishing move.
 */
static int
listener_handover(struct conn *c, struct wire *w)
{
	struct listener *l = c->role_data;
	int64_t left = 0;

	if (c->tls || l->mount == NULL || c->closing)
		return -1;
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	conn_save(c, w, "listener");
	wire_str(w, l->mount->name);
	wire_str(w, l->origin);
	wire_str(w, l->asked);
	wire_str(w, l->ip_mount);
	wire_u8(w, (uint8_t)l->ip_counted);
	wire_str(w, l->user_key);
	wire_u64(w, l->metaint);
	wire_u64(w, l->icy_left);
	wire_meta(w, l->last_meta);
	wire_u8(w, (uint8_t)l->prompt);
	wire_u8(w, l->cur != NULL);
	wire_u64(w, l->pos);
	wire_u8(w, (uint8_t)l->join_live);
	wire_u8(w, (uint8_t)l->join_next);
	wire_u64(w, l->join_pos);
	wire_i64(w, l->want_ms);
	wire_u8(w, (uint8_t)l->paced);
	wire_u8(w, (uint8_t)l->pump);
	wire_u64(w, l->pump_end);
	wire_i64(w, l->start_ms);
	wire_u64(w, l->start_ns);
	wire_u64(w, listener_sent(l));
	wire_u8(w, l->intro != NULL);
	if (l->limit > 0)
		left = l->limit - (time_wall() - c->connected_at);
	wire_i64(w, l->limit);
	wire_i64(w, FLOE_MAX(left, 1));
	return 0;
}

/* Role hook: the hand-off failed: serve on. */
static void
listener_handback(struct conn *c)
{
	struct listener *l = c->role_data;

	if (c->closing)
		return;
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	listener_fill(l);
}

int
listener_restore(struct conn *c, struct wire *w)
{
	struct listener *l = xcalloc(1, sizeof *l);
	const struct config_mount *mc;
	char *name = wire_get_str(w);
	int started, intro;
	int64_t left;
	struct mount *m;

	l->conn = c;
	l->origin = wire_get_str(w);
	l->asked = wire_get_str(w);
	l->ip_mount = wire_get_str(w);
	l->ip_counted = wire_get_u8(w);
	l->user_key = wire_get_str(w);
	l->metaint = (size_t)wire_get_u64(w);
	l->icy_left = (size_t)wire_get_u64(w);
	l->last_meta = wire_get_meta(w);
	l->prompt = wire_get_u8(w);
	started = wire_get_u8(w);
	l->pos = wire_get_u64(w);
	l->join_live = wire_get_u8(w);
	l->join_next = wire_get_u8(w);
	l->join_pos = wire_get_u64(w);
	l->want_ms = wire_get_i64(w);
	l->paced = wire_get_u8(w);
	l->pump = wire_get_u8(w);
	l->pump_end = wire_get_u64(w);
	l->start_ms = wire_get_i64(w);
	l->start_ns = wire_get_u64(w);
	l->sent = wire_get_u64(w);
	intro = wire_get_u8(w);
	l->limit = (long)wire_get_i64(w);
	left = wire_get_i64(w);
	if (w->err || name == NULL || l->asked == NULL || l->icy_left > l->metaint) {
		free(name);
		icy_meta_unref(l->last_meta);
		free(l->origin);
		free(l->asked);
		free(l->ip_mount);
		free(l->user_key);
		free(l);
		c->logged = 1;
		conn_close(c);
		w->err = 1;
		return -1;
	}
	m = mount_get(name);
	free(name);
	l->mount = m;
	if (started) {
		l->carried = 1;
		l->join_next = 1;
		l->join_pos = l->pos;
		l->want_ms = 0;
		l->join_live = 0;
	}
	mc = config_find_mount(srv.config, l->origin != NULL ? l->origin : m->name);
	if (intro && mc != NULL && mc->intro != NULL)
		l->intro = intro_get(srv.config->webroot, mc->intro);
	/* Counted again where they are counted (no limit: they are in). */
	if (l->ip_counted)
		access_ip_enter(l->ip_mount, c->ip, -1);
	if (l->user_key != NULL)
		access_ip_enter(l->ip_mount, l->user_key, -1);
	conn_set_role(c, &listener_role, l);
	listener_count_in(m);
	mount_release(m);	/* the count keeps it now */
	l->w = worker_pick();
	STAT_ADD(l->w->listeners, 1);
	if (l->limit > 0) {
		/* The time it has left, as the new deadline. */
		l->limit = (long)FLOE_MIN(left, (int64_t)l->limit);
	}
	if (l->w == c->w)
		listener_adopt(c);
	else
		conn_place(c, l->w);
	return 0;
}
