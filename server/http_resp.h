/*
 * http_resp.h: writing responses the way icecast2 writes them (status line,
 * header order and error bodies that clients log), plus the configured
 * <http-headers>.
 */
#ifndef FLOE_HTTP_RESP_H
#define FLOE_HTTP_RESP_H

#include <stddef.h>
#include <sys/types.h>

struct conn;
struct sbuf;
struct config_mount;

/** Reason phrase for a status code, as icecast2 words them. */
const char *resp_reason(int status);

/**
 * Append icecast's common head: "HTTP/1.0 <status> <reason>", Server,
 * Connection: Close, Date, Content-Type, the no-cache trio, then the global
 * and the mount's <http-headers>. The caller adds more and the blank line.
 */
void resp_head(struct sbuf *sb, int status, const char *content_type,
    const struct config_mount *mc);

/**
 * A listener's head (200): resp_head, then X-Content-Type-Options: nosniff
 * and a Content-Security-Policy that allows nothing (sandbox), so a
 * stream is never a same-origin document, whatever a source sends.
 */
void resp_stream_head(struct sbuf *sb, const char *content_type,
    const struct config_mount *mc);

/** A complete response with a body and Content-Length, then close. */
void resp_send(struct conn *c, int status, const char *content_type,
    const char *body, size_t len);

/**
 * A complete response whose body is the open regular file fd, len bytes
 * long (none for HEAD), then close. fd is taken. The file goes out as the
 * socket drains (sendfile), never read whole into memory.
 */
void resp_file(struct conn *c, int status, const char *content_type, int fd, off_t len);

/** icecast's plain-text errors (401 with WWW-Authenticate, 403 texts). */
void resp_plain_error(struct conn *c, int status, const char *text);

/** icecast's HTML errors: "<b>400 - text</b>" (400, 404...). */
void resp_html_error(struct conn *c, int status, const char *text);

/** A 200 that caches may keep: Cache-Control: cache (HLS playlists, segments). */
void resp_send_cached(struct conn *c, const char *content_type, const char *cache,
    const struct config_mount *mc, const char *body, size_t len);

/** 302 to location (which the caller has made safe for a header line). */
void resp_redirect(struct conn *c, const char *location);

/** 401 asking for Basic credentials. */
void resp_auth_required(struct conn *c);
/** A refused listener or source: 401 (asking for Basic credentials) or 403,
 *  with the auth backend's message (sanitised) as the body if there is one. */
void resp_auth_refused(struct conn *c, int status, const char *message);

#endif
