/*
 * admin.h: Icecast's admin API (/admin/...) and the public status document.
 */
#ifndef FLOE_ADMIN_H
#define FLOE_ADMIN_H

struct conn;
struct http_request;

/** Handle a request whose path starts with /admin/. */
void admin_handle(struct conn *c, const struct http_request *r);
/** /api/v1/...: the versioned JSON API (GET reads, POST actions). */
void admin_api(struct conn *c, const struct http_request *r);
/** /admin.cgi: Shoutcast-style title updates. */
void admin_cgi(struct conn *c, const struct http_request *r);
/** /status-json.xsl: public, no credentials. */
void admin_status_json(struct conn *c);

#endif
