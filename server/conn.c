/*
 * conn.c: connection objects: accepting, reading the request head under the
 * header timeout, closing (lingering, then deferred free).
 */
#include "conn.h"
#include "http_parse.h"
#include "http_resp.h"
#include "listener.h"
#include "log.h"
#include "router.h"
#include "server.h"
#include "source.h"
#include "tls.h"
#include "util.h"
#include "worker.h"

#include <event2/bufferevent_ssl.h>
#include <openssl/ssl.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/event.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Why 2 s: after an error answer we read and discard what the client still
 * sends (an encoder's first audio) so the kernel does not reset the
 * connection before the client has read our answer; a client that never
 * closes gets no more than this. */
#define LINGER_SECONDS 2

static void conn_read_request(struct bufferevent *bev, void *arg);
static void conn_handoff(struct conn *c);
static void conn_adopt(void *arg);
static void conn_head_timeout(evutil_socket_t fd, short what, void *arg);

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

/* A new connection: read a request head within header-timeout. */
void
conn_accept(int fd, const struct sockaddr *sa, int salen, int tls)
{
	SSL *ssl;
	struct conn *c;
	struct timeval tv;
	int one = 1;

	c = xcalloc(1, sizeof *c);
	c->w = srv.workers[0];
	c->id = ++srv.next_conn_id;
	c->role = CONN_REQUEST;
	c->connected_at = time_wall();
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], c->ip, sizeof c->ip);
		else
			inet_ntop(AF_INET6, &s6->sin6_addr, c->ip, sizeof c->ip);
	} else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, c->ip, sizeof c->ip);
	(void)salen;
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

/* Keep the request line, agent and referer for the access log. */
static void
conn_remember_request(struct conn *c)
{
	const struct http_request *r = c->req;
	const char *ua = http_header_get(r, "User-Agent");
	const char *ref = http_header_get(r, "Referer");

	c->request_line = xasprintf("%s %s HTTP/1.%d", r->method, r->uri,
	    r->version == 11 ? 1 : 0);
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
	if (res == PARSE_ERROR) {
		log_info("bad request from %s: %s", c->ip, c->req->error);
		conn_head_done(c);
		c->request_line = xstrdup("-");
		resp_html_error(c, 400, strcmp(c->req->error, "request head too large") == 0 ?
		    "Request header too large" : "Bad request");
		return;
	}
	conn_head_done(c);
	/* icecast2 counts listener and admin requests here, not sources. */
	if (strcmp(c->req->method, "SOURCE") != 0 && strcmp(c->req->method, "PUT") != 0)
		srv.stats.client_connections++;
	conn_remember_request(c);
	router_dispatch(c);
	/* The role took what it needed from the head. */
	if (c->req != NULL) {
		http_request_free(c->req);
		free(c->req);
		c->req = NULL;
	}
	if (c->handoff != NULL && !c->closing)
		conn_handoff(c);
}

/*
 * A listener placed on another worker changes threads. It has read its
 * request; its response head waits in c->head (listener_start). The
 * socket leaves this loop's bufferevent and the head travels with it. From
 * here on only the new worker touches c.
 */
static void
conn_handoff(struct conn *c)
{
	struct worker *to = c->handoff;
	int fd;

	/* This loop's bufferevent owns its descriptor and closes it when
	 * freed; the new worker gets a descriptor of its own. */
	if ((fd = dup(bufferevent_getfd(c->bev))) < 0) {
		log_error("cannot hand listener %s to worker %u: %s", c->ip, to->id,
		    strerror(errno));
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

/* On the new worker: a bufferevent on this loop, then serve the listener. */
static void
conn_adopt(void *arg)
{
	struct conn *c = arg;
	struct worker *w = worker_self();

	c->handoff = NULL;
	TAILQ_INSERT_TAIL(&w->conns, c, entry);
	c->bev = bufferevent_socket_new(w->base, c->fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		log_error("cannot set up connection from %s on worker %u", c->ip, w->id);
		close(c->fd);
		c->bev = bufferevent_socket_new(w->base, -1, 0);	/* for conn_reap */
		evbuffer_free(c->head);
		c->head = NULL;
		conn_close(c);
		return;
	}
	evbuffer_add_buffer(bufferevent_get_output(c->bev), c->head);
	evbuffer_free(c->head);
	c->head = NULL;
	listener_attach(c->listener);
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
	if (what & BEV_EVENT_TIMEOUT) {
		if (c->role == CONN_SOURCE)
			source_timeout(c->source);
		else if (c->role == CONN_LISTENER)
			log_info("listener %s on %s: nothing could be sent for %lds, closing",
			    c->ip, listener_mount_name(c->listener), STAT_GET(srv.client_timeout));
	}
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
	bufferevent_setcb(bev, conn_linger_read, NULL, conn_on_event, c);
	bufferevent_set_timeouts(bev, &tv, NULL);
	bufferevent_disable(bev, EV_WRITE);
	bufferevent_enable(bev, EV_READ);
}

/* Switch to answering: stop reading requests, close when written. */
void
conn_close_after_write(struct conn *c)
{
	if (c->closing)
		return;
	c->role = CONN_RESPONSE;
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
	if (c->source != NULL)
		source_detach(c->source);
	if (c->listener != NULL)
		listener_detach(c->listener, 1);
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

/* Free every closed connection; no callback of theirs is on the stack now. */
void
conn_reap(struct worker *w)
{
	struct conn *c;

	while ((c = TAILQ_FIRST(&w->closing)) != NULL) {
		TAILQ_REMOVE(&w->closing, c, entry);
		bufferevent_free(c->bev);
		if (c->req != NULL) {
			http_request_free(c->req);
			free(c->req);
		}
		free(c->request_line);
		free(c->user_agent);
		free(c->referer);
		free(c->user);
		free(c);
	}
}
