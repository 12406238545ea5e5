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

/** Become the source of mount (the router has checked auth and limits). */
void source_start(struct conn *c, const struct http_request *r, struct mount *m);
/** The connection is closing: detach from the mount. */
void source_detach(struct source *s);
/** No data for source-timeout seconds. */
void source_timeout(struct source *s);
/** Disconnect the source (admin killsource, shutdown). */
void source_kill(struct source *s);

/** Append the block being gathered now (the mount's write interval is up). */
void source_emit(struct source *s);

#endif
