/*
 * listen.h: the listening sockets from <listen-socket>, IPv4 and IPv6.
 */
#ifndef FLOE_LISTEN_H
#define FLOE_LISTEN_H

struct config;

/** Open every <listen-socket>; -1 (with a logged reason) if any fails. */
int listen_open(const struct config *cf);
/** Stop accepting and close the sockets. */
void listen_close(void);

#endif
