/*
 * conn.c: the transport: accepting (within the descriptor budget), reading
 * the request head under the header timeout, handing a connection to
 * another worker, and closing (lingering, then deferred free of the
 * connection and its role's object together).
 */
#include "conn.h"
#include "wire.h"
#include "http_parse.h"
#include "log.h"
#include "server.h"
#include "tls.h"
#include "util.h"
#include "worker.h"

#include <event2/bufferevent_ssl.h>
#include <openssl/ssl.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Why 2 s: after an error answer we read and discard what the client still
 * sends (an encoder's first audio) so the kernel does not reset the
 * connection before the client has read our answer; a client that never
 * closes gets no more than this. */
#define LINGER_SECONDS 2

/* Why 10 s: a refusal at the descriptor budget is logged once per this
 * period with a count, not once per connection: at the limit a flood of
 * connection attempts must not become a flood of log lines. */
#define REFUSE_LOG_SECONDS 10

static void conn_read_request(struct bufferevent *bev, void *arg);
static void conn_dispatched(struct conn *c);
static void conn_move(struct conn *c);
static void conn_adopt(void *arg);
static void conn_head_timeout(evutil_socket_t fd, short what, void *arg);

static void (*conn_dispatch)(struct conn *c);
static int (*gate)(const char *ip);	/* access.c: refuse an address at accept */
static unsigned conn_open;		/* atomic: connections not yet reaped */
static int64_t refused_logged;		/* main thread: when the last refusal was logged */
static unsigned long refused;		/* main thread: refusals since then */

/* The address gate and the router, installed by main. */
void
conn_set_gate(int (*refuse)(const char *ip))
{
	gate = refuse;
}

void
conn_set_dispatch(void (*dispatch)(struct conn *c))
{
	conn_dispatch = dispatch;
}

/* Open connections on every worker. */
unsigned
conn_count(void)
{
	return STAT_GET(conn_open);
}

/*
 * Every listener has the same write timeout, and bufferevents re-arm it on
 * each write: in libevent's timer heap that is O(log n) per write for n
 * listeners; as a common timeout it is a queue append, O(1).
 */
const struct timeval *
conn_client_timeout(void)
{
	struct worker *w = worker_self();
	long secs = STAT_GET(srv.client_timeout);
	struct timeval tv;

	if (w->timeout == NULL || w->timeout_secs != secs) {
		w->timeout_secs = secs;
		tv.tv_sec = secs;
		tv.tv_usec = 0;
		w->timeout = event_base_init_common_timeout(w->base, &tv);
	}
	return w->timeout;
}

/* Output buffer of a connection. */
struct evbuffer *
conn_output(struct conn *c)
{
	return bufferevent_get_output(c->bev);
}

/*
 * Past the descriptor budget, refuse before allocating anything (as Redis
 * does): a connection costs a request buffer, and one more descriptor
 * would leave none for the logs, the listening sockets or a listener's
 * hand-off to its worker. Logged once per REFUSE_LOG_SECONDS with a count.
 */
static int
conn_over_budget(int fd)
{
	int64_t now;

	if (STAT_GET(conn_open) < (unsigned long)srv.max_clients_fd)
		return 0;
	close(fd);
	refused++;
	now = time_wall();
	if (now - refused_logged >= REFUSE_LOG_SECONDS) {
		log_warn("descriptor budget reached (%u connections, descriptor limit allows %ld): "
		    "refused %lu connection%s; raise ulimit -n", STAT_GET(conn_open),
		    srv.max_clients_fd, refused, refused == 1 ? "" : "s");
		refused_logged = now;
		refused = 0;
	}
	return 1;
}

/* The peer's address as text (IPv4-mapped IPv6 shown as IPv4). */
static void
peer_ip(const struct sockaddr *sa, char *ip, size_t len)
{
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], ip, (socklen_t)len);
		else
			inet_ntop(AF_INET6, &s6->sin6_addr, ip, (socklen_t)len);
	} else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, ip, (socklen_t)len);
}

/* An address the gate refuses: a 403 written straight to the socket (it
 * is empty: it cannot block), one access-log line, and the close. Nothing
 * is allocated for it. TLS peers are closed without a word. */
static void
conn_refuse_at_door(int fd, const char *ip, int tls)
{
	static const char resp[] = "HTTP/1.0 403 Forbidden\r\nServer: Floe " PACKAGE_VERSION
	    "\r\nConnection: Close\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: 11\r\n\r\nForbidden\r\n";

	if (!tls)
		(void)!send(fd, resp, sizeof resp - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	log_access(ip, NULL, time_wall(), "-", 403, 0, NULL, NULL, 0);
	close(fd);
}

/* A new connection: read a request head within header-timeout. */
void
conn_accept(int fd, const struct sockaddr *sa, int salen, int tls, const char *icy_mount)
{
	SSL *ssl;
	struct conn *c;
	struct timeval tv;
	char ip[sizeof c->ip];
	int one = 1;

	(void)salen;
	if (conn_over_budget(fd))
		return;
	peer_ip(sa, ip, sizeof ip);
	if (gate != NULL && gate(ip)) {
		conn_refuse_at_door(fd, ip, tls);
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->w = srv.workers[0];
	c->id = ++srv.next_conn_id;
	c->connected_at = time_wall();
	c->fd = -1;
	c->icy_mount = icy_mount != NULL ? xstrdup(icy_mount) : NULL;
	snprintf(c->ip, sizeof c->ip, "%s", ip);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

	if (tls) {
		if ((ssl = tls_new_session()) == NULL) {
			close(fd);
			free(c);
			return;
		}
		c->bev = bufferevent_openssl_socket_new(srv.base, fd, ssl,
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
		/* Players drop TLS connections without close_notify all the time. */
		if (c->bev != NULL)
			bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
		c->tls = 1;
	} else
		c->bev = bufferevent_socket_new(srv.base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		log_error("cannot set up connection from %s", c->ip);
		close(fd);
		free(c);
		return;
	}
	STAT_ADD(conn_open, 1);
	c->req = xmalloc(sizeof *c->req);
	http_request_init(c->req);
	bufferevent_setcb(c->bev, conn_read_request, NULL, conn_on_event, c);
	/*
	 * A deadline for the whole head, not an inactivity timeout: a client
	 * that trickles one byte at a time must not hold a connection (and
	 * its 16 KiB head buffer) for longer than header-timeout.
	 */
	tv.tv_sec = srv.config->header_timeout;
	tv.tv_usec = 0;
	c->head_timer = evtimer_new(srv.base, conn_head_timeout, c);
	evtimer_add(c->head_timer, &tv);
	bufferevent_enable(c->bev, EV_READ);
	TAILQ_INSERT_TAIL(&c->w->conns, c, entry);
	srv.stats.connections++;
}

/*
 * The access log keeps request lines; passwords in them do not belong
 * there. admin.cgi and buildm3u take them in the query (pass=, password=),
 * which icecast2 logs as sent: floe writes *** instead.
 */
static char *
conn_redact(char *line)
{
	static const char *const keys[] = { "pass=", "password=" };
	const char *q = strchr(line, '?'), *p = line, *v;
	struct sbuf sb;
	size_t i, k;

	if (q == NULL)
		return line;
	sbuf_init(&sb);
	for (; q != NULL && *q != ' '; q = strpbrk(q + 1, "& ")) {
		for (i = 0; i < FLOE_NELEM(keys); i++) {
			k = strlen(keys[i]);
			if (strncmp(q + 1, keys[i], k) != 0)
				continue;
			v = q + 1 + k;
			sbuf_add(&sb, p, (size_t)(v - p));
			sbuf_adds(&sb, "***");
			p = v + strcspn(v, "& ");
		}
	}
	if (sb.len == 0) {
		sbuf_free(&sb);
		return line;
	}
	sbuf_adds(&sb, p);
	free(line);
	return sbuf_steal(&sb, NULL);
}

/* Keep the request line, agent and referer for the access log. */
static void
conn_remember_request(struct conn *c)
{
	const struct http_request *r = c->req;
	const char *ua = http_header_get(r, "User-Agent");
	const char *ref = http_header_get(r, "Referer");

	c->request_line = xasprintf("%s %s HTTP/1.%d", r->method, r->uri,
	    r->version == 11 ? 1 : 0);
	c->request_line = conn_redact(c->request_line);
	c->head_only = strcmp(r->method, "HEAD") == 0;
	c->user_agent = ua != NULL ? str_sanitize(ua, 512) : NULL;
	c->referer = ref != NULL ? str_sanitize(ref, 512) : NULL;
}

/* The head is in (or refused): the deadline no longer applies. */
static void
conn_head_done(struct conn *c)
{
	if (c->head_timer != NULL) {
		event_free(c->head_timer);
		c->head_timer = NULL;
	}
}

/* header-timeout passed without a complete request head. */
static void
conn_head_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	log_debug("%s: no complete request within %lds, closing", c->ip, srv.config->header_timeout);
	conn_close(c);
}

/*
 * A Shoutcast v1 socket: the encoder's first line is the source password
 * of the socket's mount. It becomes the request head a SOURCE client would
 * send (user "source"), so the router checks it and the limits as for any
 * source; the source answers OK2 instead of HTTP and reads the encoder's
 * icy-* lines itself. PARSE_AGAIN while the line is incomplete.
 */
static enum parse_result
conn_icy_login(struct conn *c, struct evbuffer *in)
{
	enum parse_result res;
	char *line, *cred, *b64, *head;
	size_t len, used;

	if ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF)) == NULL) {
		if (evbuffer_get_length(in) > 256) {
			log_info("Shoutcast source from %s: no password line", c->ip);
			conn_close(c);
		}
		return PARSE_AGAIN;
	}
	/* libshout probes a Shoutcast port with "!POKE" before it logs in:
	 * not a wrong password (which would slow its real login) */
	if (strcmp(line, "!POKE") == 0) {
		log_debug("Shoutcast port: %s probed it (!POKE)", c->ip);
		free(line);
		conn_close(c);
		return PARSE_AGAIN;
	}
	cred = xasprintf("source:%s", line);
	b64 = base64_encode(cred, strlen(cred));
	head = xasprintf("SOURCE %s HTTP/1.0\r\nAuthorization: Basic %s\r\n"
	    "User-Agent: Shoutcast v1 source\r\n\r\n", c->icy_mount, b64);
	c->icy_v1 = 1;
	res = http_request_feed(c->req, head, strlen(head), &used);
	free(head);
	free(b64);
	free(cred);
	free(line);
	return res;
}

/* Feed the parser from the input buffer until the head is complete. */
static void
conn_read_request(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_iovec v[8];
	enum parse_result res = PARSE_AGAIN;
	size_t used, total = 0;
	int i, n;

	if (c->icy_mount != NULL && !c->icy_v1) {
		if ((res = conn_icy_login(c, in)) == PARSE_AGAIN)
			return;
		goto parsed;
	}
	n = evbuffer_peek(in, -1, NULL, v, 8);
	for (i = 0; i < n && i < 8 && res == PARSE_AGAIN; i++) {
		res = http_request_feed(c->req, v[i].iov_base, v[i].iov_len, &used);
		total += used;
	}
	evbuffer_drain(in, total);
	if (res == PARSE_AGAIN) {
		if (evbuffer_get_length(in) > 0)
			conn_read_request(bev, arg);	/* more than 8 chains were waiting */
		return;
	}
parsed:
	conn_head_done(c);
	if (res == PARSE_OK)
		conn_remember_request(c);
	else
		c->request_line = xstrdup("-");
	conn_dispatch(c);
	conn_dispatched(c);
}

/* Dispatch (or a resumed continuation) returned: the role took what it
 * needed from the head, unless the connection waits for an answer. */
static void
conn_dispatched(struct conn *c)
{
	if (c->suspended && !c->closing)
		return;
	if (c->req != NULL) {
		http_request_free(c->req);
		free(c->req);
		c->req = NULL;
	}
	if (c->handoff != NULL && !c->closing)
		conn_move(c);
}

/* While suspended: leave what arrives in the input (a source's audio) for
 * the role that comes; the read watermark stops reading beyond it. */
static void
conn_suspended_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	(void)arg;
}

/* Why 64 KiB: enough for a source's first second of audio and for EOF to be
 * seen from a listener that gives up, not enough for a client to make a
 * waiting connection cost memory. */
#define SUSPEND_READ_MAX 65536

void
conn_suspend(struct conn *c, const struct conn_role *role, void *data)
{
	c->suspended = 1;
	conn_set_role(c, role, data);
	bufferevent_setcb(c->bev, conn_suspended_read, NULL, conn_on_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, SUSPEND_READ_MAX);
	bufferevent_set_timeouts(c->bev, NULL, NULL);
	bufferevent_enable(c->bev, EV_READ);
}

void
conn_resume(struct conn *c, void (*fn)(struct conn *c, void *arg), void *arg)
{
	if (c->closing)
		return;
	c->role = NULL;
	c->role_data = NULL;
	c->suspended = 0;
	bufferevent_setcb(c->bev, NULL, NULL, conn_on_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, 0);
	fn(c, arg);
	conn_dispatched(c);
}

/* Give the connection its role. */
void
conn_set_role(struct conn *c, const struct conn_role *role, void *data)
{
	c->role = role;
	c->role_data = data;
}

/* Ask for a move to another worker once the request is done. */
void
conn_handoff(struct conn *c, struct worker *to)
{
	c->handoff = to;
}

/* The role's one-line description, for log lines. */
static const char *
conn_describe(const struct conn *c, char *buf, size_t len)
{
	if (c->role != NULL && c->role->describe != NULL)
		c->role->describe(c, buf, len);
	else
		snprintf(buf, len, "%s", c->role != NULL ? c->role->name : "request");
	return buf;
}

/*
 * The connection changes threads. It has read its request; what it has
 * written so far (its response head) travels with it. The socket leaves
 * this loop's bufferevent: the new worker gets a descriptor of its own (a
 * dup, since this bufferevent closes its own when freed). From here on
 * only the new worker touches c. If the move fails, the connection is
 * closed here, where it still is: the role's detach copes with a role
 * object that was never adopted.
 */
static void
conn_move(struct conn *c)
{
	struct worker *to = c->handoff;
	char what[128];
	int fd;

	c->handoff = NULL;
	if ((fd = dup(bufferevent_getfd(c->bev))) < 0) {
		log_error("cannot hand %s from %s to worker %u: %s", conn_describe(c, what,
		    sizeof what), c->ip, to->id, strerror(errno));
		conn_close(c);
		return;
	}
	/* A socket bufferevent freezes the front of its output so that only it
	 * drains it; it is freed next, so the response head may leave. */
	c->pending = evbuffer_new();
	evbuffer_unfreeze(bufferevent_get_output(c->bev), 1);
	if (evbuffer_add_buffer(c->pending, bufferevent_get_output(c->bev)) < 0) {
		log_error("cannot hand %s from %s to worker %u: output not movable",
		    conn_describe(c, what, sizeof what), c->ip, to->id);
		close(fd);
		conn_close(c);
		return;
	}
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	bufferevent_free(c->bev);
	c->bev = NULL;
	c->fd = fd;
	TAILQ_REMOVE(&c->w->conns, c, entry);
	c->w = to;
	worker_post(to, conn_adopt, c);
}

/* On the new worker: a bufferevent on this loop, then the role's adopt. */
static void
conn_adopt(void *arg)
{
	struct conn *c = arg;
	struct worker *w = worker_self();
	char what[128];

	TAILQ_INSERT_TAIL(&w->conns, c, entry);
	c->bev = bufferevent_socket_new(w->base, c->fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		log_error("cannot set up %s from %s on worker %u", conn_describe(c, what,
		    sizeof what), c->ip, w->id);
		close(c->fd);
		c->bev = bufferevent_socket_new(w->base, -1, 0);	/* for conn_reap */
	}
	c->fd = -1;
	if (c->bev == NULL) {
		/* Not even an empty bufferevent: nothing can be closed through
		 * the usual path; detach and free here, nobody else holds c. */
		c->closing = 1;
		TAILQ_REMOVE(&w->conns, c, entry);
		if (c->role != NULL && c->role->detach != NULL)
			c->role->detach(c);
		TAILQ_INSERT_TAIL(&w->closing, c, entry);
		event_active(w->reaper, EV_TIMEOUT, 0);
		return;
	}
	evbuffer_add_buffer(bufferevent_get_output(c->bev), c->pending);
	evbuffer_free(c->pending);
	c->pending = NULL;
	if (bufferevent_getfd(c->bev) < 0)
		conn_close(c);
	else if (c->role != NULL && c->role->adopt != NULL)
		c->role->adopt(c);
}

/* Count the connection as a client, or refuse it at the <clients> limit. */
int
conn_count_client(struct conn *c)
{
	if (c->counted)
		return 0;
	if (STAT_GET(srv.stats.clients) >= (unsigned)srv.config->clients)
		return -1;
	STAT_ADD(srv.stats.clients, 1);
	c->counted = 1;
	return 0;
}

/* EOF, error or timeout on a connection in any role. */
void
conn_on_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	if (what == BEV_EVENT_CONNECTED)
		return;		/* a TLS handshake completed */
	if ((what & BEV_EVENT_TIMEOUT) && c->role != NULL && c->role->timeout != NULL)
		c->role->timeout(c);
	conn_close(c);
}

/* Lingering close: discard whatever the peer still sends. */
static void
conn_linger_read(struct bufferevent *bev, void *arg)
{
	evbuffer_drain(bufferevent_get_input(bev), evbuffer_get_length(bufferevent_get_input(bev)));
}

/* The answer is out: half-close and linger until the peer closes too. */
static void
conn_written(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct timeval tv = { LINGER_SECONDS, 0 };

	if (evbuffer_get_length(bufferevent_get_output(bev)) > 0)
		return;
	shutdown(bufferevent_getfd(bev), SHUT_WR);
	c->lingering = 1;
	bufferevent_setcb(bev, conn_linger_read, NULL, conn_on_event, c);
	bufferevent_set_timeouts(bev, &tv, NULL);
	bufferevent_disable(bev, EV_WRITE);
	bufferevent_enable(bev, EV_READ);
}

/* Switch to answering: stop reading requests, close when written. The
 * role (if any) stays until the close: a listener finishing its stream
 * has already left its mount. */
void
conn_close_after_write(struct conn *c)
{
	if (c->closing)
		return;
	bufferevent_setcb(c->bev, NULL, conn_written, conn_on_event, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	bufferevent_set_timeouts(c->bev, NULL, conn_client_timeout());
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_enable(c->bev, EV_WRITE);
	if (evbuffer_get_length(conn_output(c)) == 0)
		conn_written(c->bev, c);
}

/* Stop the connection now and hand it to the reaper. */
void
conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	conn_head_done(c);
	if (c->role != NULL && c->role->detach != NULL)
		c->role->detach(c);
	/* One access-log line per request, as icecast2 writes them: admin,
	 * pages, files, sources (when they leave), refusals and errors. */
	if (!c->logged && c->request_line != NULL) {
		c->logged = 1;
		log_access(c->ip, c->user, c->connected_at, c->request_line, c->status,
		    c->bytes_out, c->referer, c->user_agent, time_wall() - c->connected_at);
		if (c->status >= 100 && c->status < 600)
			STAT_ADD(srv.stats.responses[c->status], 1);
	}
	if (c->counted) {
		STAT_SUB(srv.stats.clients, 1);
		c->counted = 0;
	}
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	bufferevent_setcb(c->bev, NULL, NULL, NULL, NULL);
	TAILQ_REMOVE(&c->w->conns, c, entry);
	TAILQ_INSERT_TAIL(&c->w->closing, c, entry);
	event_active(c->w->reaper, EV_TIMEOUT, 0);
}

/* Close every connection worker w serves (shutdown). */
void
conn_close_all(struct worker *w)
{
	while (!TAILQ_EMPTY(&w->conns))
		conn_close(TAILQ_FIRST(&w->conns));
}

/* Free every closed connection and its role's object; no callback of
 * theirs is on the stack now. */
void
conn_reap(struct worker *w)
{
	struct conn *c;

	while ((c = TAILQ_FIRST(&w->closing)) != NULL) {
		TAILQ_REMOVE(&w->closing, c, entry);
		if (c->role != NULL && c->role->free != NULL)
			c->role->free(c);
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		if (c->pending != NULL)
			evbuffer_free(c->pending);
		if (c->req != NULL) {
			http_request_free(c->req);
			free(c->req);
		}
		free(c->request_line);
		free(c->icy_mount);
		free(c->user_agent);
		free(c->referer);
		free(c->user);
		free(c->auth_pass);
		free(c);
		STAT_SUB(conn_open, 1);
	}
}

/* ---- the hand-off (takeover.c) ---- */

/* All of an evbuffer's bytes, left in place. */
static void
conn_save_buffer(struct wire *w, struct evbuffer *b)
{
	size_t n = evbuffer_get_length(b);
	struct sbuf sb;

	sbuf_init(&sb);
	if (n > 0) {
		evbuffer_copyout(b, sbuf_reserve(&sb, n), n);
		sbuf_commit(&sb, n);
	}
	wire_bytes(w, sb.data, sb.len);
	sbuf_free(&sb);
}

void
conn_save(struct conn *c, struct wire *w, const char *role)
{
	wire_u8(w, 'C');
	wire_str(w, role);
	wire_fd(w, bufferevent_getfd(c->bev));
	wire_u64(w, c->id);
	wire_str(w, c->ip);
	wire_i64(w, c->connected_at);
	wire_str(w, c->request_line);
	wire_str(w, c->user_agent);
	wire_str(w, c->referer);
	wire_str(w, c->user);
	wire_u32(w, (uint32_t)c->status);
	wire_u64(w, c->bytes_out);
	wire_u8(w, (uint8_t)c->counted);
	wire_u8(w, (uint8_t)c->relay_client);
	wire_u8(w, (uint8_t)c->icy_v1);
	wire_u8(w, (uint8_t)c->authorized);
	wire_i64(w, c->timelimit);
	wire_u32(w, c->auth_role);
	wire_str(w, c->auth_pass);
	wire_u8(w, (uint8_t)c->auth_unique);
	conn_save_buffer(w, bufferevent_get_output(c->bev));
	conn_save_buffer(w, bufferevent_get_input(c->bev));
}

struct conn *
conn_restore(struct wire *w)
{
	struct conn *c = xcalloc(1, sizeof *c);
	const uint8_t *out, *in;
	size_t nout, nin;
	char *ip;
	int fd;

	fd = wire_get_fd(w);
	c->id = wire_get_u64(w);
	ip = wire_get_str(w);
	snprintf(c->ip, sizeof c->ip, "%s", ip != NULL ? ip : "-");
	free(ip);
	c->connected_at = wire_get_i64(w);
	c->request_line = wire_get_str(w);
	c->user_agent = wire_get_str(w);
	c->referer = wire_get_str(w);
	c->user = wire_get_str(w);
	c->status = (int)wire_get_u32(w);
	c->bytes_out = wire_get_u64(w);
	c->counted = wire_get_u8(w);
	c->relay_client = wire_get_u8(w);
	c->icy_v1 = wire_get_u8(w);
	c->authorized = wire_get_u8(w);
	c->timelimit = (long)wire_get_i64(w);
	c->auth_role = wire_get_u32(w);
	c->auth_pass = wire_get_str(w);
	c->auth_unique = wire_get_u8(w);
	out = wire_get_bytes(w, &nout);
	in = wire_get_bytes(w, &nin);
	c->w = srv.workers[0];
	c->fd = -1;
	if (w->err || fd < 0 || evutil_make_socket_nonblocking(fd) < 0 ||
	    (c->bev = bufferevent_socket_new(srv.base, fd, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		if (fd >= 0)
			close(fd);
		free(c->request_line);
		free(c->user_agent);
		free(c->referer);
		free(c->user);
		free(c->auth_pass);
		free(c);
		w->err = 1;
		return NULL;
	}
	evbuffer_add(bufferevent_get_output(c->bev), out, nout);
	evbuffer_add(bufferevent_get_input(c->bev), in, nin);
	bufferevent_setcb(c->bev, NULL, NULL, conn_on_event, c);
	if (srv.next_conn_id < c->id)
		srv.next_conn_id = c->id;
	if (c->counted)
		STAT_ADD(srv.stats.clients, 1);
	STAT_ADD(conn_open, 1);
	TAILQ_INSERT_TAIL(&c->w->conns, c, entry);
	return c;
}

void
conn_place(struct conn *c, struct worker *to)
{
	c->handoff = to;
	conn_move(c);
}

int
conn_busy(struct worker *w)
{
	struct conn *c;

	TAILQ_FOREACH(c, &w->conns, entry)
		if (!c->lingering && (c->role == NULL || c->role->handover == NULL || c->suspended))
			return 1;
	return 0;
}
