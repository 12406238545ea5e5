/*
 * router.c: a complete request head becomes a source, an admin command, a
 * status document, a file from webroot (webroot.c), a listener, a playlist,
 * or an error, in that order of checks. Limits and credentials are checked
 * here, before any role is given, so every role starts from a request it
 * may serve. A source may not take a name floe answers itself, nor stream
 * anything a browser would run as a page: a mount never speaks for floe's
 * origin.
 */
#include "router.h"
#include "router_check.h"
#include "access.h"
#include "admin.h"
#include "auth.h"
#include "config.h"
#include "conn.h"
#include "edges.h"
#include "hls.h"
#include "http_parse.h"
#include "http_resp.h"
#include "listener.h"
#include "log.h"
#include "mount.h"
#include "metrics.h"
#include "mount_auth.h"
#include "relay.h"
#include "server.h"
#include "source.h"
#include "stats.h"
#include "util.h"
#include "webroot.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void route_again(struct conn *c, void *arg);

/* SOURCE or PUT: authenticate, check limits, start the source. */
static void
route_source(struct conn *c, const struct http_request *r)
{
	const struct config *cf = srv.config;
	const struct config_mount *mc;
	struct mount *m;
	const char *ct;
	char *user = NULL, *pass = NULL, *clean;
	int by_url = 0;

	if (r->path[0] != '/') {
		log_info("source from %s: mount \"%s\" does not start with /", c->ip, r->path);
		resp_html_error(c, 400, "Mountpoint must begin with /");
		return;
	}
	if (!router_mount_name_ok(r->path)) {
		resp_html_error(c, 400, "Invalid mountpoint name");
		return;
	}
	mc = config_find_mount(cf, r->path);
	/* A mount whose <authentication> checks sources (url's stream_auth)
	 * decides by itself; the answer may take a while. */
	if (!mount_auth_source(c, mc, route_again, &by_url))
		return;
	auth_parse_basic(http_header_get(r, "Authorization"), &user, &pass);
	if (!by_url && !auth_source_ok(cf, mc, user, pass)) {
		/* libshout's first, credential-less request lands here on
		 * purpose: it is not a failed login. */
		long delay = 0;

		if (user != NULL) {
			clean = str_sanitize(user, 64);
			log_warn("source %s from %s: wrong password for user \"%s\"",
			    r->path, c->ip, clean);
			free(clean);
			delay = access_login_failed(c->ip);
		}
		free(user);
		free(pass);
		access_refuse_login(c, delay);
		return;
	}
	if (!by_url)
		access_login_ok(c->ip);
	free(c->user);
	c->user = user;
	free(pass);
	ct = http_header_get(r, "Content-Type");
	if (strcmp(r->method, "PUT") == 0 && ct == NULL) {
		resp_plain_error(c, 403, "No Content-type given");
		return;
	}
	/* icecast2 takes any type; a browser would run text/html or a script
	 * from a mount as floe's own page (see docs/compat.md). */
	if (!router_source_type_ok(ct)) {
		clean = str_sanitize(ct, 128);
		log_warn("source %s from %s refused: Content-Type \"%s\" is not audio or video",
		    r->path, c->ip, clean);
		free(clean);
		resp_plain_error(c, 403, "Content-type not supported: a stream must be audio/*, "
		    "video/* or application/ogg");
		return;
	}
	/* A mount must not stand where floe's own pages and commands are. */
	if (router_path_reserved(r->path) || webroot_has(r->path)) {
		log_warn("source %s from %s refused: floe serves a page or file at that path",
		    r->path, c->ip);
		resp_plain_error(c, 403, "Mountpoint not allowed: floe serves a page or file "
		    "at this path");
		return;
	}
	m = mount_find(r->path);
	if (m != NULL && m->source != NULL) {
		log_info("source %s from %s refused: mountpoint in use", r->path, c->ip);
		resp_plain_error(c, 403, "Mountpoint in use");
		return;
	}
	if (srv.stats.sources >= (unsigned long)cf->sources) {
		log_warn("source %s from %s refused: <sources> limit %ld reached", r->path,
		    c->ip, cf->sources);
		resp_plain_error(c, 403, "too many sources connected");
		return;
	}
	if (conn_count_client(c) < 0) {
		log_warn("source %s from %s refused: <clients> limit %ld reached", r->path,
		    c->ip, cf->clients);
		resp_plain_error(c, 403, "Icecast connection limit reached");
		return;
	}
	source_start(c, r, mount_get(r->path));
}

/*
 * /MOUNT.m3u and /MOUNT.pls, as icecast2 serves them: a playlist pointing at
 * the stream, using the host the player reached us by (else <hostname>).
 * 0 if served, -1 if the path is not a playlist of a live mount.
 */
static int
route_playlist(struct conn *c, const struct http_request *r)
{
	const char *host = http_header_get(r, "Host");
	size_t n = strlen(r->path);
	int pls = n > 4 && str_ieq(r->path + n - 4, ".pls");
	struct mount *m;
	char *name, *url, *body;

	if (n <= 4 || (!pls && !str_ieq(r->path + n - 4, ".m3u")))
		return -1;
	name = xstrndup(r->path, n - 4);
	if ((m = mount_resolve(name)) == NULL) {
		free(name);
		return -1;
	}
	if (router_host_ok(host))
		url = xasprintf("http://%s%s", host, name);
	else
		url = stats_listenurl(name);
	if (pls)
		body = xasprintf("[playlist]\nNumberOfEntries=1\nFile1=%s\nTitle1=%s\nLength1=-1\n"
		    "Version=2\n", url, m->info.name != NULL ? m->info.name : name);
	else
		body = xasprintf("%s\r\n", url);	/* icecast2's line end */
	resp_send(c, 200, pls ? "audio/x-scpls" : "audio/x-mpegurl", body, strlen(body));
	free(body);
	free(url);
	free(name);
	return 0;
}

/*
 * /MOUNT.xspf and /MOUNT.vclt, as icecast2 answers them: adminroot's
 * xspf.xsl or vclt.xsl applied to that mount's public stats. -1 if the
 * path is not one of those, the mount is not live or the sheet is missing.
 */
static int
route_xsl_playlist(struct conn *c, const char *path)
{
	static const char *const kinds[][2] = { { ".xspf", "xspf.xsl" }, { ".vclt", "vclt.xsl" } };
	size_t n = strlen(path), i, k;
	struct mount *m;
	char *name, *sheet;

	for (i = 0; i < FLOE_NELEM(kinds); i++) {
		k = strlen(kinds[i][0]);
		if (n <= k || !str_ieq(path + n - k, kinds[i][0]))
			continue;
		name = xstrndup(path, n - k);
		m = mount_find(name);
		if (m == NULL || m->source == NULL ||
		    (sheet = webroot_admin_path(kinds[i][1])) == NULL) {
			free(name);
			return -1;
		}
		admin_xsl_page(c, sheet, name);
		free(sheet);
		free(name);
		return 0;
	}
	return -1;
}

/* The local address and port c arrived on (host "" and -1 if unknown). */
static int
router_local(struct conn *c, char *host, size_t hostlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char serv[NI_MAXSERV];

	host[0] = '\0';
	if (getsockname(bufferevent_getfd(c->bev), (struct sockaddr *)&ss, &len) != 0 ||
	    getnameinfo((struct sockaddr *)&ss, len, host, hostlen, serv, sizeof serv,
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		return -1;
	return atoi(serv);
}

/*
 * <paths><alias>: the path a request for path is served as (the first
 * alias whose source is exactly path and whose port and bind-address, if
 * given, are those the connection arrived on), else path itself.
 */
static const char *
router_alias(struct conn *c, const char *path)
{
	const struct config *cf = srv.config;
	char host[NI_MAXHOST] = "";
	int port = -1, looked = 0;
	size_t i;

	for (i = 0; i < cf->naliases; i++) {
		const struct config_alias *a = &cf->aliases[i];
		if (strcmp(a->source, path) != 0)
			continue;
		if ((a->port != -1 || a->bind_address != NULL) && !looked++)
			port = router_local(c, host, sizeof host);
		if (a->port != -1 && a->port != port)
			continue;
		if (a->bind_address != NULL && strcmp(a->bind_address, host) != 0)
			continue;
		log_debug("alias: %s is served as %s", path, a->dest);
		return a->dest;
	}
	return path;
}

/* GET or HEAD. */
static int router_is_relay(const struct http_request *r);

static void
route_get(struct conn *c, const struct http_request *r)
{
	const char *path = router_alias(c, r->path);
	char *mount_q, *xsl, *edge, *hls_name;
	struct mount *m = NULL;
	int demand, allowed;

	if (strncmp(path, "/admin/", 7) == 0) {
		if (conn_count_client(c) < 0) {
			resp_plain_error(c, 403, "Icecast connection limit reached");
			return;
		}
		admin_handle(c, r, path);
		return;
	}
	if (strcmp(path, "/admin.cgi") == 0) {
		admin_cgi(c, r);
		return;
	}
	if (strcmp(path, "/metrics") == 0) {
		metrics_handle(c, r);
		return;
	}
	if (strcmp(path, "/status-json.xsl") == 0) {
		mount_q = http_query_get(r->query, "mount");
		admin_status_json(c, mount_q);
		free(mount_q);
		return;
	}
	/* webroot's .xsl pages are rendered, as icecast2 does, <fileserve>0 or not */
	if (strlen(path) > 4 && str_ieq(path + strlen(path) - 4, ".xsl") &&
	    (xsl = webroot_path(path)) != NULL) {
		mount_q = http_query_get(r->query, "mount");
		admin_xsl_page(c, xsl, mount_q);
		free(mount_q);
		free(xsl);
		return;
	}
	/* Files before mounts: no mount may stand in for a page of floe's origin. */
	if (webroot_serve(c, path) == 0)
		return;
	/* HLS objects: the mount's listener authentication applies to each. */
	if ((hls_name = hls_path_mount(path)) != NULL) {
		allowed = mount_auth_listener(c, config_find_mount(srv.config, hls_name),
		    route_again);
		free(hls_name);
		if (!allowed)
			return;
		if (hls_route(c, r, path) == 0)
			return;
	}
	/* An on-demand relay not live yet: it connects; the listener waits. */
	demand = relay_on_demand_idle(path);
	if (demand || (m = mount_resolve(path)) != NULL) {
		/* The mount asked for decides who may listen, as in icecast2
		 * (a fallback's own rules do not apply to those it catches). */
		if (!mount_auth_listener(c, config_find_mount(srv.config, path), route_again))
			return;
		if (demand) {
			relay_demand(c, path, route_again);
			return;
		}
		/* A slave relaying with the relay credentials is let past the
		 * limits (as in icecast-kh): it serves the listeners that would
		 * otherwise be refused here. */
		c->relay_client = router_is_relay(r);
		if (!c->relay_client && conn_count_client(c) < 0) {
			if ((edge = edges_pick(path, r->query)) != NULL) {
				log_info("listener %s on %s: <clients> limit %ld reached: sent to %s",
				    c->ip, path, srv.config->clients, edge);
				resp_redirect(c, edge);
				free(edge);
				return;
			}
			log_warn("listener %s on %s refused: <clients> limit %ld reached", c->ip,
			    path, srv.config->clients);
			resp_plain_error(c, 403, "Icecast connection limit reached");
			return;
		}
		listener_start(c, r, m, path);
		return;
	}
	if (route_playlist(c, r) == 0 || route_xsl_playlist(c, path) == 0)
		return;
	resp_html_error(c, 404, "The file you requested could not be found");
}

/* Does the request carry the relay user's credentials (<relay-password>)? */
static int
router_is_relay(const struct http_request *r)
{
	const struct config *cf = srv.config;
	char *user, *pass;
	int ok;

	if (cf->relay_password == NULL ||
	    auth_parse_basic(http_header_get(r, "Authorization"), &user, &pass) < 0)
		return 0;
	ok = auth_equal(user, cf->relay_user != NULL ? cf->relay_user : "relay") &
	    auth_equal(pass, cf->relay_password);
	free(user);
	free(pass);
	return ok;
}

/* Route a request (again, once its authentication answered). */
static void
route(struct conn *c, const struct http_request *r)
{
	if (strcmp(r->method, "SOURCE") == 0 || strcmp(r->method, "PUT") == 0)
		route_source(c, r);
	else if (strncmp(r->path, "/api/v1/", 8) == 0 && (strcmp(r->method, "GET") == 0 ||
	    strcmp(r->method, "HEAD") == 0 || strcmp(r->method, "POST") == 0)) {
		if (conn_count_client(c) < 0) {
			resp_plain_error(c, 403, "Icecast connection limit reached");
			return;
		}
		admin_api(c, r);
	}
	else if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0) {
		if (r->path[0] != '/') {
			resp_html_error(c, 400, "Bad request");
			return;
		}
		route_get(c, r);
	} else if (strcmp(r->method, "OPTIONS") == 0) {
		/* libshout's TLS-upgrade probe: icecast2 closes, and libshout then
		 * goes on without TLS. */
		conn_close(c);
	} else
		resp_html_error(c, 400, "unknown request");
}

/* A suspended request's answer came: route it afresh from its head. */
static void
route_again(struct conn *c, void *arg)
{
	(void)arg;
	route(c, c->req);
}

/*
 * A first line that is one bare word, as a Shoutcast v1 encoder sends its
 * password, came to an HTTP port: at once (the encoder would wait for an
 * answer until header-timeout), a 400 whose text and our log line say
 * what to change.
 */
static void
router_icy_on_http(struct conn *c)
{
	char host[NI_MAXHOST], *msg;
	int port = router_local(c, host, sizeof host);

	log_warn("%s sent a Shoutcast v1 password to HTTP port %d: add "
	    "<shoutcast-mount>/stream</shoutcast-mount> to that <listen-socket> and point "
	    "the encoder at port %d, or set it to Icecast mode", c->ip, port, port + 1);
	/* Still an HTTP answer (this may be any client's garbage); the text
	 * is what an encoder that prints the reply shows. */
	msg = xasprintf("Port %d speaks HTTP (Icecast); a Shoutcast v1 source connects to port "
	    "%d, once <shoutcast-mount> is set on this port's <listen-socket>", port, port + 1);
	resp_plain_error(c, 400, msg);
	free(msg);
}

/* Entry point from conn.c: a complete request head, or one it refused. */
void
router_dispatch(struct conn *c)
{
	const struct http_request *r = c->req;
	const char *why;
	char addr[INET6_ADDRSTRLEN];

	if (r->error != NULL && strcmp(r->error, "malformed request line") == 0 &&
	    memchr(r->head, ' ', r->len) == NULL) {
		router_icy_on_http(c);
		return;
	}
	if (r->error != NULL) {
		log_info("bad request from %s: %s", c->ip, r->error);
		resp_html_error(c, 400, strcmp(r->error, "request head too large") == 0 ?
		    "Request header too large" : "Bad request");
		return;
	}
	/* Behind a trusted proxy the client is the one it names: every
	 * check, log line and callback from here on uses that address. */
	if (access_forwarded_for(c->ip, http_header_get(r, "X-Forwarded-For"), addr,
	    sizeof addr)) {
		log_debug("%s: client %s (X-Forwarded-For from a trusted proxy)", c->ip, addr);
		snprintf(c->ip, sizeof c->ip, "%s", addr);
	}
	if ((why = access_refused(c->ip, http_header_get(r, "User-Agent"))) != NULL) {
		log_info("%s refused by <paths><%s>", c->ip, why);
		resp_plain_error(c, 403, "Forbidden");
		return;
	}
	/* icecast2 counts listener and admin requests here, not sources. */
	if (strcmp(r->method, "SOURCE") != 0 && strcmp(r->method, "PUT") != 0)
		srv.stats.client_connections++;
	route(c, r);
}
