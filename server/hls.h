/*
 * hls.h: HTTP Live Streaming of a mount (<hls>1): a live playlist at
 * /MOUNT.m3u8 and MPEG-TS segments cut from the mount's rewind buffer,
 * plain HTTP objects any cache or CDN can carry. Main thread only.
 */
#ifndef FLOE_HLS_H
#define FLOE_HLS_H

#include <stdint.h>

struct conn;
struct wire;
struct http_request;

struct mount;

/** HLS sessions (players) of m now. */
unsigned hls_sessions(const struct mount *m);
/** Each of them (admin listclients). */
void hls_each_session(const struct mount *m, void (*fn)(void *arg, const char *id,
    const char *ip, const char *agent, int64_t started), void *arg);

/** Forget sessions and made segments (shutdown). */
void hls_shutdown(void);
/** The hand-off (takeover.c): the players' sessions, so they stay counted
 *  and listed as the same listeners (segments come from the queue, which
 *  travels with its mount). */
void hls_save(struct wire *w);
void hls_restore(struct wire *w);

/** The mount an HLS path (playlist or segment) belongs to, allocated; NULL
 *  if the path is no HLS path. */
char *hls_path_mount(const char *path);
/** Serve path if it is an HLS playlist or segment of a mount: 0 if
 *  answered (the object, or why not), -1 if it is no HLS path. */
int hls_route(struct conn *c, const struct http_request *r, const char *path);

#endif
