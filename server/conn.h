/*
 * conn.h: the transport. One client connection, whatever it turns out to
 * be. A connection starts by reading a request head (with the header
 * timeout) and hands it to the dispatcher main.c installed (the router),
 * which gives it a role: a source, a listener, or a one-shot response. The
 * transport knows no role by name: it calls the role's table (detach,
 * timeout, adopt, describe, free), so a new kind of connection (a relay's
 * upstream, an HLS session) adds a table, not an edge to this file.
 *
 * Closing never frees on the spot: conn_close detaches the role at once,
 * and the connection and its role object are freed together from the
 * worker's deferred reaper, so no caller up the stack holds a dangling
 * pointer.
 */
#ifndef FLOE_CONN_H
#define FLOE_CONN_H

#include <stdint.h>
#include <sys/queue.h>
#include <netinet/in.h>

struct bufferevent;
struct event;
struct evbuffer;
struct http_request;
struct timeval;
struct worker;
struct conn;
struct wire;

/** What a connection does once dispatched. Every hook may be NULL. */
struct conn_role {
	const char *name;	/* "source", "listener", "response": for log lines */
	/** Closing: leave whatever the role joined (mount, lists, counters).
	 *  Runs once, on the connection's worker; must not free the role data. */
	void	(*detach)(struct conn *c);
	/** The bufferevent timed out: say why (the connection closes next). */
	void	(*timeout)(struct conn *c);
	/** On the new worker after conn_handoff: take up the role on this loop
	 *  (c->bev is ready, the pending head is queued). */
	void	(*adopt)(struct conn *c);
	/** From the reaper, with the connection: free the role's object. */
	void	(*free)(struct conn *c);
	/** One line about the role for log lines ("listener on /live.mp3"). */
	void	(*describe)(const struct conn *c, char *buf, size_t len);
	/** The hand-off to a new process (takeover.c), on the connection's
	 *  worker: stop its I/O and write it (conn_save, then the role's
	 *  state) to w; -1 if it cannot be handed over (nothing written: it
	 *  closes when this process exits). */
	int	(*handover)(struct conn *c, struct wire *w);
	/** The hand-off failed: take up the I/O handover stopped. */
	void	(*handback)(struct conn *c);
};

struct conn {
	struct worker	*w;		/* the loop serving it; only its thread touches c */
	uint64_t	 id;
	const struct conn_role *role;	/* NULL while reading the request head */
	void		*role_data;	/* the role's object (struct source, listener...) */
	int		 closing;
	int		 counted;	/* included in srv.stats.clients */
	struct bufferevent *bev;
	struct event	*head_timer;	/* deadline for the whole request head */
	struct worker	*handoff;	/* conn_handoff: move there once dispatched */
	struct evbuffer	*pending;	/* output travelling with it to the new worker */
	int		 fd;		/* the socket, while changing threads */
	char		 ip[INET6_ADDRSTRLEN];
	int64_t		 connected_at;
	struct http_request *req;	/* during the head and dispatch only */
	/* Kept for the access log. */
	char		*request_line;
	char		*user_agent;
	char		*referer;
	char		*user;
	int		 status;
	uint64_t	 bytes_out;	/* what answers queued (head and body), for the access log */
	int		 logged;	/* its access-log line is written (a listener writes its own) */
	char		*icy_mount;	/* a Shoutcast v1 socket's mount: the first line is a password */
	int		 relay_client;	/* a slave with the relay credentials: past the limits */
	int		 icy_v1;	/* a Shoutcast v1 source: answered OK2, not HTTP */
	int		 head_only;	/* a HEAD request: answers carry no body */
	int		 tls;		/* bytes go through OpenSSL: never write the fd directly */
	int		 suspended;	/* conn_suspend: dispatch waits on an answer */
	int		 authorized;	/* mount_auth admitted it: routing again skips the check */
	long		 timelimit;	/* seconds it may stay (auth's decision), 0: no limit */
	unsigned	 auth_role;	/* the mount's next role to try (mount_auth.c) */
	char		*auth_pass;	/* the password it was admitted with (url's listener_remove) */
	int		 auth_unique;	/* its user may listen once at a time (allow_duplicate_users 0) */
	int		 lingering;	/* answered: only waits for the peer's close */
	TAILQ_ENTRY(conn) entry;
};

/**
 * Install what runs once a request head is complete (or refused: then
 * c->req->error says why and the dispatcher answers it). After it returns,
 * the head is freed; the role keeps what it needs.
 */
void conn_set_dispatch(void (*dispatch)(struct conn *c));
/** Refuse a peer at accept, before anything is allocated for it, when
 *  refuse(ip) says so (access.c's address lists). */
void conn_set_gate(int (*refuse)(const char *ip));
/** Take over an accepted socket (TLS if tls): start reading a request.
 *  Refused (closed at once, nothing allocated) past the descriptor budget. */
void conn_accept(int fd, const struct sockaddr *sa, int salen, int tls, const char *icy_mount);
/** Give the connection its role (after dispatch, on its worker). */
void conn_set_role(struct conn *c, const struct conn_role *role, void *data);
/** Move the connection to worker to once dispatch returns; what is already
 *  in its output travels with it, then role->adopt runs there. On failure
 *  the connection is closed (role->detach runs, as for any close). */
void conn_handoff(struct conn *c, struct worker *to);
/**
 * Dispatch cannot decide yet (an auth backend must answer, a failed login
 * is made to wait): keep the request head and park the connection under a
 * waiting role. Nothing is read from the client beyond a small buffer (a
 * source's first audio stays queued for it); if the client leaves, the
 * connection closes as any other, and role->detach must cancel whatever
 * would resume it. Call from the dispatcher, or from a waiting role's
 * continuation, on the main loop.
 */
void conn_suspend(struct conn *c, const struct conn_role *role, void *data);
/**
 * The answer came: drop the waiting role (its hooks no longer run: the
 * caller still owns its data and frees it after), run fn(c, arg) with the
 * kept head in c->req as the dispatcher would, then finish as after
 * dispatch (free the head, hand off to a worker if fn asked). fn may
 * suspend again. Never call it for a connection that is closing.
 */
void conn_resume(struct conn *c, void (*fn)(struct conn *c, void *arg), void *arg);
/** Close now: stop all I/O, detach the role, free later. Safe to call twice. */
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
/** Open connections, on every worker (for the descriptor budget). */
unsigned conn_count(void);
/*
 * The hand-off (takeover.c). conn_save writes what the transport knows of
 * a connection (its socket, its request, what is queued both ways) under
 * the role's name; conn_restore makes it again in the new process, on the
 * main loop, with no role yet; conn_place moves it to another worker now.
 */
void conn_save(struct conn *c, struct wire *w, const char *role);
struct conn *conn_restore(struct wire *w);
void conn_place(struct conn *c, struct worker *to);
/** Is any connection on w still in the middle of a request or an answer
 *  (not a source, a listener, or an answered one lingering)? */
int conn_busy(struct worker *w);

/** Worker hooks (worker.h): free w's closed connections; close all of w's. */
void conn_reap(struct worker *w);
void conn_close_all(struct worker *w);

#endif
