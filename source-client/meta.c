/*
 * meta.c: /admin/metadata requests.
 *
 *   GET /admin/metadata?mode=updinfo&mount=%2Flive.mp3&song=A%20-%20B&charset=UTF-8 HTTP/1.0
 *   Authorization: Basic (the source credentials)
 *
 * `song` is the field both icecast2 and Floe take whole (icecast2 ignores
 * artist/title unless both are present). A Shoutcast v1 output goes the
 * DNAS way, to the HTTP port (by default the source port - 1: DNAS's, and
 * icecast2's and Floe's for a <shoutcast-mount> socket):
 *
 *   GET /admin.cgi?pass=PASS&mode=updinfo&song=A%20-%20B&charset=UTF-8 HTTP/1.0
 *   User-Agent: floe-source/1.0 (Mozilla compatible)
 *
 * (a DNAS answers only browsers, hence "Mozilla"; icecast2 and Floe take the
 * listen socket's Shoutcast mount, or &mount= when the URL names one; DNAS
 * ignores charset and mount). Everything in the query is
 * percent-encoded, so no title can break the request. An answer of
 * "Source does not exist" right after connecting (the server may not have
 * registered the mount yet; icecast2 says "no sources connected" or
 * "Source is not available") is retried a few times.
 */
#include "meta.h"
#include "log.h"
#include "tlsclient.h"
#include "uplink.h"
#include "../server/util.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* How long one update may take, connect to answer. */
#define META_TIMEOUT_SECONDS 10
/* Retries of an update the server refused because the mount was not there
 * yet, one second apart. */
#define META_RETRIES 3
#define META_RETRY_SECONDS 1

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

struct meta {
	struct event_base	*base;
	struct evdns_base	*dns;
	char			*label;
	struct uplink_url	 url;
	struct bufferevent	*bev;		/* the request in flight */
	struct event		*timer;		/* its timeout, or a retry delay */
	char			*inflight;
	char			*pending;	/* the next title to send */
	int			 tries;
};

static void meta_send(struct meta *, char *);

/* The port titles go to. */
int
meta_port(const struct uplink_url *u)
{
	if (!u->shoutcast)
		return u->port;
	return u->title_port > 0 ? u->title_port : u->port > 1 ? u->port - 1 : u->port;
}

/* Build the request text. */
char *
meta_request(const struct uplink_url *u, const char *title)
{
	struct sbuf sb;

	sbuf_init(&sb);
	if (u->shoutcast) {
		char hostport[300];

		sbuf_adds(&sb, "GET /admin.cgi?pass=");
		sbuf_add_pct(&sb, u->pass);
		sbuf_adds(&sb, "&mode=updinfo&song=");
		sbuf_add_pct(&sb, title);
		if (u->mount[0] != '\0') {
			sbuf_adds(&sb, "&mount=");
			sbuf_add_pct(&sb, u->mount);
		}
		snprintf(hostport, sizeof hostport, strchr(u->host, ':') != NULL ? "[%s]:%d" :
		    "%s:%d", u->host, meta_port(u));
		sbuf_addf(&sb, "&charset=UTF-8 HTTP/1.0\r\nHost: %s\r\n"
		    "User-Agent: floe-source/" PACKAGE_VERSION " (Mozilla compatible)\r\n\r\n",
		    hostport);
		return sb.data;
	}
	sbuf_adds(&sb, "GET /admin/metadata?mode=updinfo&mount=");
	sbuf_add_pct(&sb, u->mount);
	sbuf_adds(&sb, "&song=");
	sbuf_add_pct(&sb, title);
	sbuf_adds(&sb, "&charset=UTF-8 HTTP/1.0\r\n");
	uplink_url_add_login(u, &sb);
	sbuf_adds(&sb, "User-Agent: floe-source/" PACKAGE_VERSION "\r\n\r\n");
	return sb.data;
}

/* Close the request in flight. */
static void
meta_drop(struct meta *m)
{
	if (m->bev != NULL) {
		bufferevent_free(m->bev);
		m->bev = NULL;
	}
	evtimer_del(m->timer);
}

/* The request is over: send the next title, if one is waiting. */
static void
meta_next(struct meta *m)
{
	char *t;

	meta_drop(m);
	free(m->inflight);
	m->inflight = NULL;
	if ((t = m->pending) != NULL) {
		m->pending = NULL;
		m->tries = 0;
		meta_send(m, t);
	}
}

/* Judge the server's answer. */
static void
meta_answer(struct meta *m, int final)
{
	struct evbuffer *in = bufferevent_get_input(m->bev);
	size_t len = evbuffer_get_length(in), head;
	char reason[128], body[160];
	const char *data;
	int status, rc;

	data = (const char *)evbuffer_pullup(in, -1);
	rc = data != NULL ? uplink_parse_response(data, len, &status, reason, sizeof reason,
	    &head) : UPLINK_PARSE_AGAIN;
	if (rc == UPLINK_PARSE_AGAIN && !final)
		return;
	if (rc != UPLINK_PARSE_OK) {
		log_warn("output %s: title update got no proper answer", m->label);
		meta_next(m);
		return;
	}
	if (status == 200) {
		log_debug("output %s: title set: %s", m->label, m->inflight);
		meta_next(m);
		return;
	}
	if (!final && status == 400)
		return;		/* read the body: it says why */
	snprintf(body, sizeof body, "%.*s", (int)FLOE_MIN(len - head, sizeof body - 1), data + head);
	str_trim(body);
	if (status == 400 && (strstr(body, "Source does not exist") != NULL ||
	    strstr(body, "no sources connected") != NULL ||
	    strstr(body, "Source is not available") != NULL) &&
	    m->tries < META_RETRIES && m->pending == NULL) {
		struct timeval tv = { META_RETRY_SECONDS, 0 };
		m->tries++;
		if (m->bev != NULL) {
			bufferevent_free(m->bev);
			m->bev = NULL;
		}
		evtimer_add(m->timer, &tv);
		return;
	}
	log_warn("output %s: title update refused: %d %s%s%s", m->label, status, reason,
	    status == 401 ? " (wrong password)" : *body ? ": " : "", status == 401 ? "" : body);
	meta_next(m);
}

/* Answer bytes arrived. */
static void
meta_read_cb(struct bufferevent *bev, void *arg)
{
	meta_answer(arg, 0);
}

/* Connected (send), closed (judge), or failed. */
static void
meta_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct meta *m = arg;

	if (what & BEV_EVENT_CONNECTED) {
		char *req = meta_request(&m->url, m->inflight);
		bufferevent_write(bev, req, strlen(req));
		free(req);
		return;
	}
	if ((what & BEV_EVENT_EOF) && evbuffer_get_length(bufferevent_get_input(bev)) > 0) {
		meta_answer(m, 1);
		return;
	}
	log_warn("output %s: title update failed: %s", m->label, (what & BEV_EVENT_EOF) ?
	    "the server closed the connection" :
	    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	meta_next(m);
}

/* Timeout of a request, or the end of a retry delay. */
static void
meta_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct meta *m = arg;
	char *t;

	if (m->bev != NULL) {
		log_warn("output %s: title update timed out", m->label);
		meta_next(m);
		return;
	}
	t = m->inflight;
	m->inflight = NULL;
	if (t != NULL)
		meta_send(m, t);
}

/* Start a request for title (taking ownership of it). */
static void
meta_send(struct meta *m, char *title)
{
	struct timeval tv = { META_TIMEOUT_SECONDS, 0 };

	m->inflight = title;
	if (m->url.tls) {
		char err[200];

		m->bev = tlsclient_bev(m->base, m->url.host, err, sizeof err);
	} else
		m->bev = bufferevent_socket_new(m->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (m->bev == NULL) {
		log_warn("output %s: title update: cannot create a socket", m->label);
		free(m->inflight);
		m->inflight = NULL;
		return;
	}
	bufferevent_setcb(m->bev, meta_read_cb, NULL, meta_event_cb, m);
	bufferevent_enable(m->bev, EV_READ | EV_WRITE);
	evtimer_add(m->timer, &tv);
	if (bufferevent_socket_connect_hostname(m->bev, m->dns, AF_UNSPEC, m->url.host,
	    meta_port(&m->url)) != 0 && m->bev != NULL && m->inflight == title) {
		log_warn("output %s: title update: cannot connect", m->label);
		meta_next(m);
	}
}

/* Create an updater. */
struct meta *
meta_new(struct event_base *base, struct evdns_base *dns, const char *label,
    const struct uplink_url *url)
{
	struct meta *m = xcalloc(1, sizeof *m);

	m->base = base;
	m->dns = dns;
	m->label = xstrdup(label);
	m->url.user = xstrdup(url->user);
	m->url.pass = xstrdup(url->pass);
	m->url.host = xstrdup(url->host);
	m->url.port = url->port;
	m->url.tls = url->tls;
	m->url.shoutcast = url->shoutcast;
	m->url.title_port = url->title_port;
	m->url.mount = xstrdup(url->mount);
	m->timer = evtimer_new(base, meta_timer_cb, m);
	return m;
}

/* Free the updater, abandoning a request in flight. */
void
meta_free(struct meta *m)
{
	if (m == NULL)
		return;
	meta_drop(m);
	event_free(m->timer);
	free(m->inflight);
	free(m->pending);
	free(m->label);
	uplink_url_free(&m->url);
	free(m);
}

/* Send a title now, or right after the request in flight. */
void
meta_update(struct meta *m, const char *title)
{
	if (m->inflight != NULL) {
		free(m->pending);
		m->pending = xstrdup(title);
		return;
	}
	m->tries = 0;
	meta_send(m, xstrdup(title));
}
