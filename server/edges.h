/*
 * edges.h: where a full server sends new listeners (<edges>). Each edge's
 * public /status-json.xsl is read every <edges poll-interval> seconds for
 * the mounts it carries and its listeners; a listener refused for
 * max-listeners or <clients> is sent (302) to the least loaded edge that
 * carries the mount, as icecast-kh's master redirects to its slaves.
 * Main thread only.
 */
#ifndef FLOE_EDGES_H
#define FLOE_EDGES_H

/** Match the polled edges to srv.config (start, reload). */
void edges_configure(void);
/** Stop polling (shutdown). */
void edges_stop(void);
/** The URL to send a listener of mount to ("http://edge:port/mount?query"),
 *  allocated, or NULL if no edge that carries it is known to be up. */
char *edges_pick(const char *mount, const char *query);

#endif
