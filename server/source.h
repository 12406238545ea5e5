/*
 * source.h: ingest from a source client (SOURCE or PUT): authentication
 * has passed; read its body (chunked or not, with or without interleaved
 * ICY metadata), cut it into blocks at frame boundaries and append them to
 * the mount. The source never waits for listeners.
 */
#ifndef FLOE_SOURCE_H
#define FLOE_SOURCE_H

struct conn;
struct http_request;
struct mount;
struct source;

/** Become the source of mount (the router has checked auth and limits):
 *  the connection takes the source role. */
void source_start(struct conn *c, const struct http_request *r, struct mount *m);
/** Disconnect the source (admin killsource, shutdown). */
void source_kill(struct source *s);

#endif
