/*
 * listen.c: listening sockets. Accepted connections go to conn_accept.
 */
#include "listen.h"
#include "config.h"
#include "conn.h"
#include "log.h"
#include "server.h"
#include "util.h"

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

static struct evconnlistener **listeners;
static size_t nlisteners;

/* A connection arrived; arg is non-NULL when the socket speaks TLS. */
static void
listen_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	if (srv.shutting_down) {
		evutil_closesocket(fd);
		return;
	}
	conn_accept(fd, sa, salen, arg != NULL);
}

/* accept() failed: out of descriptors, most likely. Keep going. */
static void
listen_error(struct evconnlistener *l, void *arg)
{
	int err = EVUTIL_SOCKET_ERROR();

	log_error("accept failed: %s", evutil_socket_error_to_string(err));
}

/* Open one address of one listen-socket. IPv6 sockets are IPv6-only, so a
 * wildcard listen-socket binds 0.0.0.0 and :: side by side. */
static int
listen_one(const struct config_listen *ls, const struct addrinfo *ai)
{
	struct evconnlistener *l;
	char host[NI_MAXHOST];
	int fd, one = 1, err;

	getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host, NULL, 0, NI_NUMERICHOST);
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0)
		goto fail;
	l = evconnlistener_new(srv.base, listen_accept, ls->tls ? (void *)ls : NULL,
	    LEV_OPT_CLOSE_ON_FREE, LISTEN_BACKLOG, fd);
	if (l == NULL)
		goto fail;
	evconnlistener_set_error_cb(l, listen_error);
	listeners = xrealloc(listeners, (nlisteners + 1) * sizeof *listeners);
	listeners[nlisteners++] = l;
	log_info("listening on %s port %d%s", host, ls->port, ls->tls ? " (TLS)" : "");
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

		if (ls->shoutcast_compat || ls->shoutcast_mount != NULL)
			log_warn("listen-socket port %d: the Shoutcast v1 source protocol is not "
			    "supported yet; sources must use SOURCE or PUT (config %s line %d)",
			    ls->port, cf->path, ls->line);
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
	return 0;
}

/* Close every listening socket. */
void
listen_close(void)
{
	size_t i;

	for (i = 0; i < nlisteners; i++)
		evconnlistener_free(listeners[i]);
	free(listeners);
	listeners = NULL;
	nlisteners = 0;
}
