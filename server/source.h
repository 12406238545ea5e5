/*
 * source.h: ingest from a source client (SOURCE or PUT): authentication
 * has passed; read its body (chunked or not, with or without interleaved
 * ICY metadata), cut it into blocks at frame boundaries and append them to
 * the mount. The source never waits for listeners.
 */
#ifndef FLOE_SOURCE_H
#define FLOE_SOURCE_H

#include <stddef.h>
#include <stdint.h>

struct conn;
struct http_request;
struct mount;
struct source;
struct wire;

/** Become the source of mount (the router has checked auth and limits):
 *  the connection takes the source role. */
void source_start(struct conn *c, const struct http_request *r, struct mount *m);
/** Disconnect the source (admin killsource, shutdown). */
void source_kill(struct source *s);

/*
 * A source fed by floe itself (a relay's upstream): r holds what its
 * stream says of itself (Content-Type, the ice- and icy- headers, icy-metaint
 * if ICY metadata is interleaved), ip where it comes from. source_kill
 * calls kill(arg). The bytes come with source_push.
 */
struct source *source_open(struct mount *m, const struct http_request *r, const char *ip,
    void (*kill)(void *arg), void *arg);
/** Bytes of the stream, as they came (ICY blocks still in them). */
void source_push(struct source *s, const uint8_t *p, size_t len);
/** The feed starts again from a new connection (r, ip as for source_open):
 *  the listeners and the queue stay and carry on from its first whole
 *  frame. -1 if the new feed is another format (close and open instead). */
int source_resume(struct source *s, const struct http_request *r, const char *ip);
/** The fed source leaves its mount (as a disconnecting client does) and is freed. */
void source_close(struct source *s);

/*
 * The hand-off (takeover.c). source_save writes a source's place in its
 * stream (the chunked and ICY framing it is inside, the partial frame not
 * yet cut, an Ogg chain's header pages being gathered); the new process
 * makes it again on the connection conn_restore made, or (a relay's) as a
 * fed source whose feed has yet to come back (source_resume). Each keeps
 * its mount, whose queue came before.
 */
void source_save(struct source *s, struct wire *w);
int source_restore(struct conn *c, struct wire *w);
struct source *source_restore_fed(struct wire *w, void (*kill)(void *arg), void *arg);
/** Who source_kill calls for a fed source, from now on. */
void source_set_kill(struct source *s, void (*kill)(void *arg), void *arg);

#endif
