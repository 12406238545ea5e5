/*
 * edges.c: the edges a full server sends listeners to, and how loaded
 * each one is. No protocol of our own: an edge is any Icecast-compatible
 * server (floe, icecast2, icecast-kh) relaying this one's mounts, and its
 * load is what its public /status-json.xsl says.
 */
#include "edges.h"
#include "config.h"
#include "http_client.h"
#include "log.h"
#include "server.h"
#include "util.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#define EDGE_TIMEOUT_MS	3000

struct edge {
	char		*base;		/* "http://host:port", from the config */
	int		 up;		/* its last poll answered */
	unsigned long	 listeners;	/* at its last poll, plus those sent since */
	char		**mounts;	/* live at its last poll */
	size_t		 nmounts;
	struct http_call *call;
};

static struct edge *edges;
static size_t nedges;
static struct event *timer;

static void
edge_mounts_free(struct edge *e)
{
	size_t i;

	for (i = 0; i < e->nmounts; i++)
		free(e->mounts[i]);
	free(e->mounts);
	e->mounts = NULL;
	e->nmounts = 0;
}

/*
 * Read what a /status-json.xsl says: every source's "listenurl" (its path
 * is the mount) and "listeners". A scan for those two keys, which every
 * Icecast-compatible server writes the same way, not a JSON parser: a
 * document that has neither just counts as an edge with no mount.
 */
static void
edge_read(struct edge *e, const char *body)
{
	const char *p, *q, *path;
	char *url;

	edge_mounts_free(e);
	e->listeners = 0;
	for (p = body; (p = strstr(p, "\"listeners\":")) != NULL; p += 12)
		e->listeners += strtoul(p + 12, NULL, 10);
	for (p = body; (p = strstr(p, "\"listenurl\":\"")) != NULL; p = q) {
		p += 13;
		if ((q = strchr(p, '"')) == NULL)
			break;
		url = xstrndup(p, (size_t)(q - p));
		/* "http://host:port/mount": the path after the authority */
		path = strstr(url, "://");
		path = path != NULL ? strchr(path + 3, '/') : NULL;
		if (path != NULL) {
			e->mounts = xreallocarray(e->mounts, e->nmounts + 1, sizeof *e->mounts);
			e->mounts[e->nmounts++] = xstrdup(path);
		}
		free(url);
	}
}

static void
edge_polled(void *arg, const struct http_result *res)
{
	struct edge *e = arg;
	int was = e->up;

	e->call = NULL;
	e->up = res->error == NULL && res->status == 200;
	if (e->up)
		edge_read(e, res->body);
	else
		edge_mounts_free(e);
	if (was != e->up)
		log_info("edge %s is %s%s%s", e->base, e->up ? "up" : "down",
		    e->up ? "" : ": ", e->up ? "" : res->error != NULL ? res->error :
		    "its /status-json.xsl did not answer 200");
}

static void
edges_poll(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv = { srv.config->edges_poll, 0 };
	char *url;
	size_t i;

	(void)fd;
	(void)what;
	(void)arg;
	for (i = 0; i < nedges; i++) {
		if (edges[i].call != NULL)
			continue;
		url = xasprintf("%s/status-json.xsl", edges[i].base);
		edges[i].call = http_get(url, NULL, EDGE_TIMEOUT_MS, edge_polled, &edges[i]);
		free(url);
	}
	evtimer_add(timer, &tv);
}

void
edges_stop(void)
{
	size_t i;

	if (timer != NULL)
		event_free(timer);
	timer = NULL;
	for (i = 0; i < nedges; i++) {
		if (edges[i].call != NULL)
			http_call_cancel(edges[i].call);
		edge_mounts_free(&edges[i]);
		free(edges[i].base);
	}
	free(edges);
	edges = NULL;
	nedges = 0;
}

void
edges_configure(void)
{
	const struct config *c = srv.config;
	size_t i;

	edges_stop();
	if (c->nedges == 0)
		return;
	edges = xcalloc(c->nedges, sizeof *edges);
	for (i = 0; i < c->nedges; i++)
		edges[i].base = xstrdup(c->edges[i]);
	nedges = c->nedges;
	timer = evtimer_new(srv.base, edges_poll, NULL);
	log_info("%zu edge(s) take listeners when this server is full; their load is read "
	    "every %lds", nedges, c->edges_poll);
	edges_poll(-1, 0, NULL);
}

char *
edges_pick(const char *mount, const char *query)
{
	struct edge *best = NULL;
	size_t i, k;

	for (i = 0; i < nedges; i++) {
		struct edge *e = &edges[i];

		if (!e->up)
			continue;
		for (k = 0; k < e->nmounts; k++)
			if (strcmp(e->mounts[k], mount) == 0)
				break;
		if (k == e->nmounts)
			continue;
		if (best == NULL || e->listeners < best->listeners)
			best = e;
	}
	if (best == NULL)
		return NULL;
	best->listeners++;	/* until the next poll says how many it has */
	for (i = 0; query != NULL && query[i] != '\0'; i++)
		if ((unsigned char)query[i] <= ' ' || (unsigned char)query[i] >= 0x7f)
			query = NULL;	/* nothing that could bend the Location line */
	return query != NULL ? xasprintf("%s%s?%s", best->base, mount, query) :
	    xasprintf("%s%s", best->base, mount);
}
