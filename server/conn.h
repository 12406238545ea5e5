/*
 * conn.h: one client connection, whatever it turns out to be. A connection
 * starts by reading a request head (with the header timeout); the router then
 * gives it a role: a source, a listener, or a one-shot response. Closing
 * never frees on the spot: the connection is marked and freed from a
 * deferred callback, so no caller up the stack holds a dangling pointer.
 */
#ifndef FLOE_CONN_H
#define FLOE_CONN_H

#include <stdint.h>
#include <sys/queue.h>
#include <netinet/in.h>

struct bufferevent;
struct event;
struct timeval;
struct evbuffer;
struct http_request;
struct source;
struct listener;
struct worker;

enum conn_role {
	CONN_REQUEST,		/* reading the request head */
	CONN_RESPONSE,		/* writing a one-shot answer, then closing */
	CONN_SOURCE,
	CONN_LISTENER,
};

struct conn {
	struct worker	*w;		/* the loop serving it; only its thread touches c */
	struct worker	*handoff;	/* set by listener_start: move there once dispatched */
	struct evbuffer	*head;		/* the response head, while changing threads */
	int		 fd;		/* the socket, while changing threads */
	uint64_t	 id;
	enum conn_role	 role;
	int		 closing;
	int		 counted;	/* included in srv.stats.clients */
	struct bufferevent *bev;
	struct event	*head_timer;	/* deadline for the whole request head */
	char		 ip[INET6_ADDRSTRLEN];
	int64_t		 connected_at;
	struct http_request *req;	/* during CONN_REQUEST and dispatch only */
	struct source	*source;
	struct listener	*listener;
	/* Kept for the access log. */
	char		*request_line;
	char		*user_agent;
	char		*referer;
	char		*user;
	int		 status;
	int		 head_only;	/* a HEAD request: answers carry no body */
	int		 tls;		/* bytes go through OpenSSL: never write the fd directly */
	TAILQ_ENTRY(conn) entry;
};

/** Take over an accepted socket (TLS if tls): start reading a request. */
void conn_accept(int fd, const struct sockaddr *sa, int salen, int tls);
/** Close now: stop all I/O, run role cleanup, free later. Safe to call twice. */
void conn_close(struct conn *c);
/** Close once everything queued for writing has been sent. */
void conn_close_after_write(struct conn *c);
/** The output buffer. */
struct evbuffer *conn_output(struct conn *c);
/** Count the connection against <clients>; 0 if allowed, -1 if the limit is reached. */
int conn_count_client(struct conn *c);
/** client-timeout as a libevent common timeout (O(1) to re-arm on every write). */
const struct timeval *conn_client_timeout(void);
/** The bufferevent event callback every role shares (EOF, error, timeout). */
void conn_on_event(struct bufferevent *bev, short what, void *arg);
/** Free every closed connection of worker w; called from its reaper event. */
void conn_reap(struct worker *w);

#endif
