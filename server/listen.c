/*
 * listen.c: listening sockets. Accepted connections go to conn_accept.
 */
#include "listen.h"
#include "config.h"
#include "conn.h"
#include "log.h"
#include "server.h"
#include "util.h"
#include "wire.h"

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

/* Why 4096: icecast2's backlog of 5 overflows when hundreds of listeners
 * arrive at once (a station's link shared on social media); the kernel
 * caps this at net.core.somaxconn anyway. */
#define LISTEN_BACKLOG 4096

/*
 * Why pause for 250 ms when accept() fails for want of descriptors (or
 * memory): the connection stays in the kernel's backlog, so the listening
 * socket stays readable and the loop would spin on accept() failures at
 * full CPU, logging each one. Paused, a retry costs one failed accept()
 * four times a second; a descriptor freed by a closing client is used
 * within a quarter second. (tmux and nginx stop accepting for a while too.)
 */
#define ACCEPT_PAUSE_MS 250

/* What a listening socket speaks: its own copy, since a reload frees the
 * config it came from while the socket stays. */
struct listen_kind {
	int	 tls;
	char	*icy_mount;	/* Shoutcast v1 source socket for this mount, or NULL */
};

static struct evconnlistener **listeners;
static struct listen_kind **kinds;
static size_t nlisteners;
static struct event *resume_ev;		/* ends a pause */
static int64_t paused_since;		/* 0: accepting */
static unsigned long pauses;		/* in this episode */
static int held;			/* listen_hold: not accepting until told */
static int *inherited;			/* listen_inherit: sockets to use, -1 once used */
static size_t ninherited;

/* Stop or restart accepting on every listening socket. */
static void
listen_enable(int on)
{
	size_t i;

	for (i = 0; i < nlisteners; i++) {
		if (on)
			evconnlistener_enable(listeners[i]);
		else
			evconnlistener_disable(listeners[i]);
	}
}

/* The pause is over: try again. */
static void
listen_resume(evutil_socket_t fd, short what, void *arg)
{
	if (!held)
		listen_enable(1);
}

/* An accept succeeded: a pause episode, if any, is over. */
static void
listen_episode_end(void)
{
	if (paused_since == 0)
		return;
	log_warn("accepting connections again after %llds out of descriptors (%lu pauses)",
	    (long long)(time_wall() - paused_since), pauses);
	paused_since = 0;
	pauses = 0;
}

/*
 * Same-port TLS (icecast-kh's <ssl>1, 2.5's <tls>auto): a connection is
 * TLS if its first byte is a TLS handshake record (0x16), plain HTTP if
 * not; no HTTP request starts with that byte. The byte is peeked at, not
 * read, so the TLS or HTTP layer sees the stream whole. A client that
 * sends nothing is closed after header-timeout, as one that sends half a
 * head would be.
 */
struct sniff {
	evutil_socket_t		 fd;
	struct sockaddr_storage	 sa;
	int			 salen;
	const struct listen_kind *k;
	struct event		*ev;
	TAILQ_ENTRY(sniff)	 entry;
};
static TAILQ_HEAD(, sniff) sniffing = TAILQ_HEAD_INITIALIZER(sniffing);

static void
sniff_done(struct sniff *s, int close_fd)
{
	TAILQ_REMOVE(&sniffing, s, entry);
	event_free(s->ev);
	if (close_fd)
		evutil_closesocket(s->fd);
	free(s);
}

static void
sniff_first_byte(evutil_socket_t fd, short what, void *arg)
{
	struct sniff *s = arg;
	unsigned char b;
	ssize_t n;

	if (what & EV_TIMEOUT) {
		sniff_done(s, 1);
		return;
	}
	n = recv(fd, &b, 1, MSG_PEEK);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;			/* persistent event: wait on */
	if (n <= 0) {
		sniff_done(s, 1);
		return;
	}
	conn_accept(fd, (struct sockaddr *)&s->sa, s->salen, b == 0x16, s->k->icy_mount);
	sniff_done(s, 0);
}

/* A connection arrived; arg is its socket's listen_kind. */
static void
listen_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	const struct listen_kind *k = arg;
	struct timeval tv = { srv.config->header_timeout, 0 };
	struct sniff *s;

	if (srv.shutting_down) {
		evutil_closesocket(fd);
		return;
	}
	listen_episode_end();
	if (k->tls != TLS_AUTO) {
		conn_accept(fd, sa, salen, k->tls == TLS_ONLY, k->icy_mount);
		return;
	}
	s = xcalloc(1, sizeof *s);
	s->fd = fd;
	s->k = k;
	s->salen = salen;
	memcpy(&s->sa, sa, FLOE_MIN((size_t)salen, sizeof s->sa));
	s->ev = event_new(srv.base, fd, EV_READ | EV_PERSIST, sniff_first_byte, s);
	TAILQ_INSERT_TAIL(&sniffing, s, entry);
	event_add(s->ev, &tv);
}

/* accept() failed: out of descriptors or memory: pause (logged once per
 * episode); anything else: logged, and accepting goes on. */
static void
listen_error(struct evconnlistener *l, void *arg)
{
	struct timeval tv = { ACCEPT_PAUSE_MS / 1000, (ACCEPT_PAUSE_MS % 1000) * 1000 };
	int err = EVUTIL_SOCKET_ERROR();

	if (err != EMFILE && err != ENFILE && err != ENOBUFS && err != ENOMEM) {
		log_error("accept failed: %s", evutil_socket_error_to_string(err));
		return;
	}
	if (paused_since == 0) {
		paused_since = time_wall();
		log_error("accept failed: %s: not accepting for %d ms at a time until "
		    "descriptors free up (%u connections open; raise ulimit -n)",
		    evutil_socket_error_to_string(err), ACCEPT_PAUSE_MS, conn_count());
	}
	pauses++;
	listen_enable(0);
	if (resume_ev == NULL)
		resume_ev = evtimer_new(srv.base, listen_resume, NULL);
	evtimer_add(resume_ev, &tv);
}

/* An inherited socket bound to ai's address, taken (-1 if none). */
static int
listen_take_inherited(const struct addrinfo *ai)
{
	struct sockaddr_storage ss;
	socklen_t len;
	size_t i;
	int fd;

	for (i = 0; i < ninherited; i++) {
		if (inherited[i] < 0)
			continue;
		len = sizeof ss;
		if (getsockname(inherited[i], (struct sockaddr *)&ss, &len) < 0 ||
		    len != ai->ai_addrlen || memcmp(&ss, ai->ai_addr, len) != 0)
			continue;
		fd = inherited[i];
		inherited[i] = -1;
		evutil_make_socket_nonblocking(fd);
		evutil_make_socket_closeonexec(fd);
		return fd;
	}
	return -1;
}

/* Open one address of one listen-socket. IPv6 sockets are IPv6-only, so a
 * wildcard listen-socket binds 0.0.0.0 and :: side by side. */
static int
listen_one(const struct config_listen *ls, const struct addrinfo *ai)
{
	struct evconnlistener *l;
	struct listen_kind *k;
	char host[NI_MAXHOST];
	int fd, one = 1, err, handed = 0;

	getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host, NULL, 0, NI_NUMERICHOST);
	if ((fd = listen_take_inherited(ai)) >= 0) {
		handed = 1;
		goto listening;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	/* <so-reuseport>1: edge processes on one machine share the port; the
	 * kernel spreads new connections over them. Only when asked: a second
	 * floe started by mistake must fail with "address in use". */
	if (ls->reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0)
		goto fail;
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0)
		goto fail;
listening:
	k = xcalloc(1, sizeof *k);
	k->tls = ls->tls;
	k->icy_mount = ls->shoutcast_compat ? xstrdup(ls->shoutcast_mount != NULL ?
	    ls->shoutcast_mount : "/stream") : NULL;
	l = evconnlistener_new(srv.base, listen_accept, k,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, LISTEN_BACKLOG, fd);
	if (l == NULL) {
		free(k->icy_mount);
		free(k);
		goto fail;
	}
	evconnlistener_set_error_cb(l, listen_error);
	listeners = xrealloc(listeners, (nlisteners + 1) * sizeof *listeners);
	kinds = xrealloc(kinds, (nlisteners + 1) * sizeof *kinds);
	kinds[nlisteners] = k;
	listeners[nlisteners++] = l;
	if (k->icy_mount != NULL)
		log_info("listening on %s port %d for Shoutcast v1 sources of %s", host,
		    ls->port, k->icy_mount);
	else
		log_info("listening on %s port %d%s%s%s", host, ls->port, ls->tls == TLS_ONLY ?
		    " (TLS)" : ls->tls == TLS_AUTO ? " (TLS or plain HTTP)" : "",
		    ls->reuseport ? ", shared with other processes (so-reuseport)" : "",
		    handed ? ", on the socket the previous process handed over" : "");
	return 0;
fail:
	err = errno;
	if (fd >= 0)
		close(fd);
	log_error("cannot listen on %s port %d: %s (config %s line %d)", host,
	    ls->port, strerror(err), srv.config_path, ls->line);
	errno = err;
	return -1;
}

/* Open every configured socket. */
int
listen_open(const struct config *cf)
{
	struct addrinfo hints, *res, *ai;
	char port[16];
	size_t i;
	int err, opened;

	for (i = 0; i < cf->nlistens; i++) {
		const struct config_listen *ls = &cf->listens[i];

		memset(&hints, 0, sizeof hints);
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
		snprintf(port, sizeof port, "%d", ls->port);
		if ((err = getaddrinfo(ls->bind_address, port, &hints, &res)) != 0) {
			log_error("listen-socket %s port %d: %s (config %s line %d)",
			    ls->bind_address ? ls->bind_address : "*", ls->port,
			    gai_strerror(err), cf->path, ls->line);
			return -1;
		}
		opened = 0;
		for (ai = res; ai != NULL; ai = ai->ai_next) {
			/* A wildcard may fail for IPv6 on hosts without it: IPv4 will do. */
			if (listen_one(ls, ai) == 0)
				opened++;
			else if (ls->bind_address != NULL || ai->ai_family != AF_INET6) {
				freeaddrinfo(res);
				return -1;
			}
		}
		freeaddrinfo(res);
		if (opened == 0)
			return -1;
	}
	for (i = 0; i < ninherited; i++)
		if (inherited[i] >= 0) {
			log_warn("a socket the previous process listened on is in no "
			    "<listen-socket> of %s: closed", cf->path);
			close(inherited[i]);
		}
	free(inherited);
	inherited = NULL;
	ninherited = 0;
	return 0;
}

void
listen_hold(int on)
{
	held = on;
	listen_enable(!on);
}

int
listen_busy(void)
{
	return !TAILQ_EMPTY(&sniffing);
}

void
listen_save(struct wire *w)
{
	size_t i;

	for (i = 0; i < nlisteners; i++) {
		wire_u8(w, 'L');
		wire_fd(w, evconnlistener_get_fd(listeners[i]));
	}
}

void
listen_inherit(int fd)
{
	inherited = xreallocarray(inherited, ninherited + 1, sizeof *inherited);
	inherited[ninherited++] = fd;
}

/* Close every listening socket. */
void
listen_close(void)
{
	size_t i;

	while (!TAILQ_EMPTY(&sniffing))
		sniff_done(TAILQ_FIRST(&sniffing), 1);
	for (i = 0; i < nlisteners; i++) {
		evconnlistener_free(listeners[i]);
		free(kinds[i]->icy_mount);
		free(kinds[i]);
	}
	free(kinds);
	kinds = NULL;
	if (resume_ev != NULL)
		event_free(resume_ev);
	resume_ev = NULL;
	free(listeners);
	listeners = NULL;
	nlisteners = 0;
}
