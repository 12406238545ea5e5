/*
 * admin.h: Icecast's admin API (/admin/...) and the public status document.
 */
#ifndef FLOE_ADMIN_H
#define FLOE_ADMIN_H

struct conn;
struct http_request;

/** Handle a request for path (r's, or what an alias made of it), which
 *  starts with /admin/. */
void admin_handle(struct conn *c, const struct http_request *r, const char *path);
/** /api/v1/...: the versioned JSON API (GET reads, POST actions). */
void admin_api(struct conn *c, const struct http_request *r);
/** /admin.cgi: Shoutcast-style title updates. */
void admin_cgi(struct conn *c, const struct http_request *r);
/** /status-json.xsl[?mount=]: public, no credentials. */
void admin_status_json(struct conn *c, const char *mount);
/** A webroot .xsl page: the stylesheet at path (a real path inside the
 *  allowed roots) applied to the public stats, ?mount= limiting them. */
void admin_xsl_page(struct conn *c, const char *path, const char *mount);

#endif
