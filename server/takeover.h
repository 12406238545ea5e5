/*
 * takeover.h: a new floe process takes over from the running one without
 * dropping a source or a listener: `floe --takeover -c FILE`, or SIGUSR2,
 * with which the running process starts its binary (a new one after an
 * upgrade) so. The protocol and what travels are in takeover.c.
 */
#ifndef FLOE_TAKEOVER_H
#define FLOE_TAKEOVER_H

/** Old side: listen for a new process at path (after the switch of user,
 *  so a process of that user may connect). -1 (logged) if it cannot. */
int takeover_listen(const char *path);
/** Stop listening and remove the socket (shutdown). */
void takeover_close(void);
/** SIGUSR2: start exe as `exe --takeover -c config`; it connects. */
void takeover_spawn(const char *exe, const char *config);

/** New side, before listening: connect to path and receive the running
 *  process's state and sockets (listen_open then uses its sockets). -1
 *  with the reason on stderr and in the log: the old process serves on. */
int takeover_receive(const char *path);
/** New side, ready to serve (user switched, workers running): tell the old
 *  process to go, then take up every mount, source and listener. */
void takeover_finish(void);
/** Is this process taking over (takeover_receive succeeded)? */
int takeover_active(void);
/** Descriptors received and not yet taken up as connections (the
 *  descriptor budget counts them as the connections they become). */
unsigned takeover_held_fds(void);

#endif
