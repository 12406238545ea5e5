/*
 * access.h: who may connect (deny/allow lists of addresses and user
 * agents), the client address behind a trusted proxy, listeners per
 * address, and the slowed answer to repeated failed logins.
 */
#ifndef FLOE_ACCESS_H
#define FLOE_ACCESS_H

#include <stddef.h>

struct config;
struct conn;
struct cidr;

/** A parsed list (for access_parse_list and its tests). */
struct access_list_view {
	struct cidr	*nets;
	size_t		 nnets;
	char		**globs;
	size_t		 nglobs;
};

/** Parse a list file's text: addresses/CIDRs (or globs) per line, '#'
 *  comments; agents: user-agent globs. Bad lines go to warn. */
void access_parse_list(struct access_list_view *out, int agents, const char *text,
    const char *file, void (*warn)(const char *file, int line, const char *msg));

/** Take up a config's lists and trusted proxies (start and SIGHUP). At
 *  start an unreadable list file is an error (-1, err says which, with
 *  file and line); at reload the old list stays, with a warning. */
int access_configure(const struct config *cf, int at_start, char *err, size_t errlen);
/** Why a client is refused ("deny-ip", "allow-ip", "deny-agents",
 *  "allow-agents"), or NULL if it may go on. */
const char *access_refused(const char *ip, const char *agent);
/** At accept: is ip refused by the address lists? Never a trusted proxy
 *  (the client behind it is judged once its request is read). */
int access_gate(const char *ip);
/** If peer is a trusted proxy and xff names a client, write the client's
 *  address (the last hop that is not a trusted proxy) to out; 1 if so. */
int access_forwarded_for(const char *peer, const char *xff, char *out, size_t outlen);

/** One more listener from ip on mount, unless max (>= 0) are there; 0 or -1. */
int access_ip_enter(const char *mount, const char *ip, long max);
/** It left (any thread). */
void access_ip_leave(const char *mount, const char *ip);

/** A source or admin login from ip failed: how long (ms) to wait before
 *  the 401. Grows after a few failures, capped, forgotten after a while. */
long access_login_failed(const char *ip);
/** A login from ip succeeded: forget its failures. */
void access_login_ok(const char *ip);
/** Failures on record for ip. */
unsigned access_failures(const char *ip);
/** Answer 401 after delay_ms (the connection waits, suspended). */
void access_refuse_login(struct conn *c, long delay_ms);

void access_shutdown(void);

#endif
