/*
 * meta.h: title updates for one output through the server's
 * /admin/metadata, each on its own short HTTP/1.0 connection, as Icecast
 * source clients do (a Shoutcast v1 output: /admin.cgi, DNAS-style). Updates never wait on each other's answers beyond one
 * in flight: a newer title replaces one still waiting to be sent.
 */
#ifndef FSRC_META_H
#define FSRC_META_H

struct event_base;
struct evdns_base;
struct uplink_url;

struct meta;

/** An updater for the mount in url, with its credentials. */
struct meta *meta_new(struct event_base *base, struct evdns_base *dns, const char *label,
    const struct uplink_url *url);
void meta_free(struct meta *m);
/** Set the title now (the caller times this to the track's first byte). */
void meta_update(struct meta *m, const char *title);
/** The port a title goes to (a Shoutcast output's title port). */
int meta_port(const struct uplink_url *url);
/** The request for a title: pure, for tests. Allocated. */
char *meta_request(const struct uplink_url *url, const char *title);

#endif
