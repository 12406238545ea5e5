/*
 * listen.h: the listening sockets from <listen-socket>, IPv4 and IPv6.
 */
#ifndef FLOE_LISTEN_H
#define FLOE_LISTEN_H

struct config;
struct wire;

/** Open every <listen-socket>; -1 (with a logged reason) if any fails. */
int listen_open(const struct config *cf);
/** Stop accepting and close the sockets. */
void listen_close(void);

/*
 * The hand-off (takeover.c). listen_hold stops accepting (new connections
 * wait in the kernel's queue, for whichever process accepts next) or
 * starts again; listen_busy says whether a connection is still being
 * sniffed (TLS or HTTP?). listen_save writes every listening socket; in the
 * new process, listen_inherit keeps one so that listen_open uses it for
 * its address instead of binding (those no listen-socket asks for are
 * closed).
 */
void listen_hold(int on);
int listen_busy(void);
void listen_save(struct wire *w);
void listen_inherit(int fd);

#endif
