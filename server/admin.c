/*
 * admin.c: Icecast's admin API. Each command names the credentials it
 * accepts (the admin user by default) and answers with icecast2's XML
 * documents, or the same as JSON with ?format=json or a ".json" suffix.
 */
#include "admin.h"
#include "access.h"
#include "auth.h"
#include "auth_htpasswd.h"
#include "config.h"
#include "conn.h"
#include "doc.h"
#include "fanout.h"
#include "format.h"
#include "http_parse.h"
#include "hls.h"
#include "http_resp.h"
#include "icy.h"
#include "listener.h"
#include "log.h"
#include "mount.h"
#include "server.h"
#include "source.h"
#include "stats.h"
#include "util.h"
#include "webroot.h"
#include "worker.h"
#include "xslt.h"

#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Who may run a command. */
enum admin_auth {
	AUTH_ADMIN,		/* admin user only */
	AUTH_MOUNT_SOURCE,	/* admin, or the mount's source credentials */
	AUTH_RELAY,		/* admin, or the relay user (icecast slaves) */
	AUTH_NONE,
};

/* One admin request being answered. */
struct admin_req {
	struct conn	*c;
	const struct http_request *r;
	char		*mount;		/* the mount= parameter, decoded, or NULL */
	int		 json;
	const char	*xsl;		/* /admin/NAME.xsl: render through adminroot's NAME.xsl */
	int		 api;		/* /api/v1: {"ok":...} answers and real status codes */
};

struct admin_cmd {
	const char *name;	/* path after /admin/, without ".json" */
	enum admin_auth auth;
	int	 needs_mount;	/* mount= must name a live mount */
	void	(*fn)(struct admin_req *a, struct mount *m);
};

/*
 * Send a finished document. Asked for as NAME.xsl, it goes through
 * adminroot's NAME.xsl, or response.xsl for a command's <iceresponse>, as
 * icecast2 renders its admin pages; without that file, the XML itself.
 */
static void
send_doc(struct admin_req *a, struct doc *d)
{
	const char *sheet = NULL;
	char *text, *path = NULL;
	size_t len;

	if (a->xsl != NULL && !a->json)
		sheet = d->depth > 0 && strcmp(d->stack[1].name, "iceresponse") == 0 ?
		    "response.xsl" : a->xsl;
	text = doc_finish(d, &len);
	if (sheet != NULL && (path = webroot_admin_path(sheet)) != NULL)
		xslt_render(a->c, path, text, len);
	else
		resp_send(a->c, 200, a->json ? "application/json; charset=utf-8" :
		    "text/xml; charset=utf-8", text, len);
	free(path);
	free(text);
}

/* The API's answer: {"ok":true,"message":...} or {"ok":false,"error":...}. */
static void
api_answer(struct conn *c, int status, const char *msg)
{
	struct sbuf sb;

	sbuf_init(&sb);
	sbuf_addf(&sb, "{\"ok\":%s,\"%s\":", status == 200 ? "true" : "false",
	    status == 200 ? "message" : "error");
	sbuf_add_json(&sb, msg);
	sbuf_adds(&sb, "}\n");
	resp_send(c, status, "application/json; charset=utf-8", sb.data, sb.len);
	sbuf_free(&sb);
}

/* The <iceresponse> answer of a command (ret 0: it did nothing). */
static void
answer(struct admin_req *a, int ret, const char *fmt, ...)
{
	struct doc d;
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (a->api)
		api_answer(a->c, ret ? 200 : 404, msg != NULL ? msg : "");
	else {
		doc_init(&d, a->json, "iceresponse");
		doc_value(&d, "message", msg != NULL ? msg : "", 0);
		doc_value(&d, "return", ret ? "1" : "0", 1);
		send_doc(a, &d);
	}
	free(msg);
}

/* A refused request: icecast2's HTML error, or the API's JSON one. */
static void
fail(struct admin_req *a, int status, const char *msg)
{
	if (a->api)
		api_answer(a->c, status, msg);
	else
		resp_html_error(a->c, 400, msg);	/* icecast2 answers 400 to them all */
}

/* /admin/stats[?mount=]: icestats. */
static void
cmd_stats(struct admin_req *a, struct mount *m)
{
	struct doc d;

	doc_init(&d, a->json, "icestats");
	stats_render(&d, a->mount);
	send_doc(a, &d);
}

/* /admin/updatemetadata.xsl?mount=: the form to set a title (icecast2's
 * page), fed with that mount's stats. */
static void
cmd_updatemetadata(struct admin_req *a, struct mount *m)
{
	struct doc d;

	doc_init(&d, a->json, "icestats");
	stats_render(&d, m->name);
	send_doc(a, &d);
}

/* /admin/listmounts. */
static void
cmd_listmounts(struct admin_req *a, struct mount *m)
{
	struct doc d;

	doc_init(&d, a->json, "icestats");
	stats_render_listmounts(&d, NULL);
	send_doc(a, &d);
}

/* What a listener walk writes into. */
struct listener_doc {
	struct doc	*d;
	int64_t		 now;
};

/* One <listener> of listclients (fields fixed since the listener started). */
static void
listclients_one(struct listener *l, void *arg)
{
	struct listener_doc *ld = arg;
	struct doc *d = ld->d;
	char id[32];

	snprintf(id, sizeof id, "%" PRIu64, l->conn->id);
	doc_item(d, "listener", "id", id);
	doc_value(d, "IP", l->conn->ip, 0);
	doc_value(d, "UserAgent", l->conn->user_agent != NULL ? l->conn->user_agent : "", 0);
	doc_value(d, "Referer", l->conn->referer, 0);
	doc_number(d, "Connected", (unsigned long long)(ld->now - l->conn->connected_at));
	if (l->conn->user != NULL)	/* as whom <authentication> let it in */
		doc_value(d, "username", l->conn->user, 0);
	doc_value(d, "ID", id, 1);
	doc_close(d);
}

/* One HLS player (a session, not a connection) in listclients. */
static void
listclients_hls(void *arg, const char *id, const char *ip, const char *agent, int64_t started)
{
	struct listener_doc *ld = arg;
	struct doc *d = ld->d;
	char hid[40];

	snprintf(hid, sizeof hid, "hls-%s", id);
	doc_item(d, "listener", "id", hid);
	doc_value(d, "IP", ip, 0);
	doc_value(d, "UserAgent", agent, 0);
	doc_number(d, "Connected", (unsigned long long)(ld->now - started));
	doc_value(d, "ID", hid, 0);
	doc_value(d, "type", "hls", 0);
	doc_close(d);
}

/* /admin/listclients?mount=: every listener with address, agent and time. */
static void
cmd_listclients(struct admin_req *a, struct mount *m)
{
	struct doc d;
	struct listener_doc ld = { &d, time_wall() };

	doc_init(&d, a->json, "icestats");
	doc_list(&d, "source");
	doc_item(&d, "source", "mount", m->name);
	doc_number(&d, "Listeners", STAT_GET(m->nlisteners) +
	    (m->conf != NULL && m->conf->hls > 0 ? hls_sessions(m) : 0));
	doc_list(&d, "listener");
	fanout_each_listener(m, listclients_one, &ld);
	hls_each_session(m, listclients_hls, &ld);
	send_doc(a, &d);
}

/* /admin/moveclients?mount=&destination=: move every listener. */
static void
cmd_moveclients(struct admin_req *a, struct mount *m)
{
	char *dest = http_query_get(a->r->query, "destination");
	struct mount *to = dest != NULL ? mount_find(dest) : NULL;
	struct doc d;
	unsigned n;

	if (dest == NULL && !a->api) {
		/* icecast2's answer, and its moveclients.xsl page: where to */
		doc_init(&d, a->json, "icestats");
		doc_value(&d, "current_source", m->name, 0);
		stats_render_listmounts(&d, m->name);
		send_doc(a, &d);
	} else if (dest == NULL)
		fail(a, 400, "Missing parameter");
	else if (to == NULL || to->source == NULL)
		fail(a, 404, "Destination does not exist");
	else if (to == m)
		fail(a, 400, "Destination is the same as the source");
	else {
		n = fanout_move_listeners(m, to, NULL);
		log_info("admin %s: moved %u listeners from %s to %s", a->c->ip, n, m->name, to->name);
		answer(a, 1, "Clients moved from %s to %s", m->name, to->name);
	}
	free(dest);
}

/* /admin/killclient?mount=&id=. */
static void
cmd_killclient(struct admin_req *a, struct mount *m)
{
	char *ids = http_query_get(a->r->query, "id");
	long id;

	if (ids == NULL || parse_long(ids, 0, LONG_MAX, &id) < 0)
		fail(a, 400, "Missing parameter");
	else if (fanout_kill_listener(m, (uint64_t)id, a->c->ip) < 0)
		answer(a, 0, "Client %ld not found", id);
	else
		answer(a, 1, "Client %ld removed", id);
	free(ids);
}

/* /admin/killsource?mount=. */
static void
cmd_killsource(struct admin_req *a, struct mount *m)
{
	log_info("admin %s: killing the source of %s", a->c->ip, m->name);
	source_kill(m->source);
	answer(a, 1, "Source Removed");
}

/* /admin/fallbacks?mount=&fallback=: set (or, empty, clear) the fallback. */
static void
cmd_fallbacks(struct admin_req *a, struct mount *m)
{
	char *fb = http_query_get(a->r->query, "fallback");

	if (fb == NULL) {
		fail(a, 400, "Missing parameter");
		return;
	}
	if (*fb != '\0' && (fb[0] != '/' || strcmp(fb, m->name) == 0)) {
		fail(a, 400, "Invalid fallback mount");
		free(fb);
		return;
	}
	free(m->fallback);
	m->fallback = fb;
	log_info("admin %s: fallback of %s set to \"%s\"", a->c->ip, m->name, fb);
	answer(a, 1, "Fallback configured");
}

/*
 * /admin/metadata?mode=updinfo&mount=&song= (or artist=&title=, charset=).
 * Answered at once: Liquidsoap's audio stalls until it is.
 */
static void
cmd_metadata(struct admin_req *a, struct mount *m)
{
	const char *q = a->r->query;
	char *mode = http_query_get(q, "mode");
	char *song = http_query_get(q, "song"), *artist = http_query_get(q, "artist");
	char *title = http_query_get(q, "title"), *charset = http_query_get(q, "charset");
	char *u_song = NULL, *u_artist = NULL, *u_title = NULL;

	if (mode == NULL && a->api)
		mode = xstrdup("updinfo");	/* the API has one mode */
	if (mode == NULL) {
		fail(a, 400, "Missing parameter");
		goto out;
	}
	if (strcmp(mode, "updinfo") != 0) {
		fail(a, 400, "No such mode");
		goto out;
	}
	if (charset == NULL && m->conf != NULL && m->conf->charset != NULL)
		charset = xstrdup(m->conf->charset);
	if (song != NULL)
		u_song = icy_to_utf8(song, charset);
	if (artist != NULL)
		u_artist = icy_to_utf8(artist, charset);
	if (title != NULL)
		u_title = icy_to_utf8(title, charset);
	if (u_song == NULL && u_artist == NULL && u_title == NULL) {
		fail(a, 400, "Missing parameter");
		goto out;
	}
	if (!m->fmt->icy) {
		/* Ogg titles travel in the stream, which stays as it is: the
		 * stats (and the pages) show this one until the next chain's. */
		mount_set_stream_tags(m, u_song != NULL ? u_song : u_title,
		    u_song != NULL ? NULL : u_artist);
		answer(a, 1, "Metadata update successful");
		goto out;
	}
	mount_set_title(m, u_song, u_artist, u_title);
	answer(a, 1, "Metadata update successful");
out:
	free(mode); free(song); free(artist); free(title); free(charset);
	free(u_song); free(u_artist); free(u_title);
}

/* The htpasswd file of a mount's first htpasswd role, or NULL. */
static const char *
mount_htpasswd(const char *mount)
{
	const struct config_mount *mc = config_find_mount(srv.config, mount);
	size_t i;

	for (i = 0; mc != NULL && i < mc->nauth; i++)
		if (strcmp(mc->auth[i].type, "htpasswd") == 0)
			return config_auth_option(&mc->auth[i], "filename");
	return NULL;
}

/*
 * /admin/manageauth?mount=[&action=list|add|delete&username=&password=]:
 * the users of the mount's htpasswd file, as icecast2 answers it (names
 * only: never a hash). Works while the mount is off the air, too.
 */
static void
cmd_manageauth(struct admin_req *a, struct mount *unused)
{
	const char *q = a->r->query, *file;
	char *action = http_query_get(q, "action"), *user = http_query_get(q, "username");
	char *pass = http_query_get(q, "password"), *msg = NULL, *err = NULL, **names = NULL;
	const char *what = action != NULL ? action : "list";
	struct doc d;
	size_t i, n = 0;
	int ret;

	if (a->mount == NULL) {
		fail(a, 400, "Missing parameter");
		goto out;
	}
	if ((file = mount_htpasswd(a->mount)) == NULL) {
		fail(a, 400, "This mount has no htpasswd authentication");
		goto out;
	}
	if (strcmp(what, "add") == 0) {
		if (user == NULL || pass == NULL || !htpasswd_name_ok(user)) {
			fail(a, 400, "Missing parameter");
			goto out;
		}
		ret = htpasswd_adduser(file, user, pass, &err);
		msg = xstrdup(ret == 0 ? "User added" : ret > 0 ?
		    "User already exists - not added" : "User add failed - check the error log");
		if (ret < 0)
			log_error("manageauth %s: cannot add a user to %s: %s", a->mount, file, err);
		else if (ret == 0)
			log_info("admin %s: user added to %s", a->c->ip, a->mount);
	} else if (strcmp(what, "delete") == 0) {
		if (user == NULL) {
			fail(a, 400, "Missing parameter");
			goto out;
		}
		ret = htpasswd_deleteuser(file, user, &err);
		msg = xstrdup(ret == 0 ? "User deleted" : ret > 0 ? "User not found" :
		    "delete user failed");
		if (ret < 0)
			log_error("manageauth %s: cannot delete a user from %s: %s", a->mount,
			    file, err);
		else if (ret == 0)
			log_info("admin %s: user deleted from %s", a->c->ip, a->mount);
	} else if (strcmp(what, "list") != 0) {
		fail(a, 400, "No such action");
		goto out;
	}
	doc_init(&d, a->json, "icestats");
	doc_list(&d, "source");
	doc_item(&d, "source", "mount", a->mount);
	doc_list(&d, "User");
	if (htpasswd_list(file, &names, &n) == 0)
		for (i = 0; i < n; i++) {
			doc_item(&d, "User", NULL, NULL);
			doc_value(&d, "username", names[i], 0);
			doc_close(&d);
		}
	doc_close(&d);		/* the User list */
	doc_close(&d);		/* the source */
	doc_close(&d);		/* the source list */
	if (msg != NULL) {
		doc_open(&d, "iceresponse");
		doc_value(&d, "message", msg, 0);
		doc_close(&d);
	}
	send_doc(a, &d);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
out:
	free(action);
	free(user);
	free(pass);
	free(msg);
	free(err);
}

/* /admin/streamlist.txt: the mounts an Icecast slave should relay. */
static void
cmd_streamlist(struct admin_req *a, struct mount *unused)
{
	struct sbuf sb;
	struct mount *m;

	sbuf_init(&sb);
	TAILQ_FOREACH(m, &srv.mounts, entry)
		if (m->source != NULL)
			sbuf_addf(&sb, "%s\n", m->name);
	resp_send(a->c, 200, "text/plain; charset=utf-8", sb.data, sb.len);
	sbuf_free(&sb);
}

/* /admin/buildm3u?mount=&username=&password=: a playlist with credentials. */
static void
cmd_buildm3u(struct admin_req *a, struct mount *unused)
{
	char *user = http_query_get(a->r->query, "username");
	char *pass = http_query_get(a->r->query, "password");
	char *url = stats_listenurl(a->mount), *out;
	const char *rest = strstr(url, "://");

	if (user != NULL && pass != NULL && rest != NULL)
		out = xasprintf("%.*s://%s:%s@%s\n", (int)(rest - url), url, user, pass, rest + 3);
	else
		out = xasprintf("%s\n", url);
	resp_send(a->c, 200, "audio/x-mpegurl", out, strlen(out));
	free(out);
	free(url);
	free(user);
	free(pass);
}

static const struct admin_cmd admin_cmds[] = {
	{ "stats", AUTH_ADMIN, 0, cmd_stats },
	{ "stats.xml", AUTH_ADMIN, 0, cmd_stats },
	{ "listmounts", AUTH_ADMIN, 0, cmd_listmounts },
	/* Mount-level commands accept the mount's own source credentials,
	 * as icecast2 2.4's do; the others are the admin's. */
	{ "listclients", AUTH_MOUNT_SOURCE, 1, cmd_listclients },
	{ "moveclients", AUTH_MOUNT_SOURCE, 1, cmd_moveclients },
	{ "killclient", AUTH_MOUNT_SOURCE, 1, cmd_killclient },
	{ "killsource", AUTH_MOUNT_SOURCE, 1, cmd_killsource },
	{ "fallbacks", AUTH_MOUNT_SOURCE, 1, cmd_fallbacks },
	{ "manageauth", AUTH_MOUNT_SOURCE, 0, cmd_manageauth },
	{ "metadata", AUTH_MOUNT_SOURCE, 1, cmd_metadata },
	{ "updatemetadata", AUTH_MOUNT_SOURCE, 1, cmd_updatemetadata },
	{ "streamlist.txt", AUTH_RELAY, 0, cmd_streamlist },
	{ "buildm3u", AUTH_NONE, 1, cmd_buildm3u },
};

/* Check Basic credentials for a command; the user name is kept for the log. */
static int
admin_allowed(enum admin_auth auth, const struct http_request *r, const char *mount,
    char **user_out)
{
	const struct config *cf = srv.config;
	char *user, *pass;
	int ok;

	if (auth == AUTH_NONE)
		return 1;
	if (auth_parse_basic(http_header_get(r, "Authorization"), &user, &pass) < 0)
		return 0;
	ok = auth_admin_ok(cf, user, pass);
	if (!ok && auth == AUTH_MOUNT_SOURCE && mount != NULL)
		ok = auth_source_ok(cf, config_find_mount(cf, mount), user, pass);
	if (!ok && auth == AUTH_RELAY && cf->relay_password != NULL)
		ok = auth_equal(user, cf->relay_user != NULL ? cf->relay_user : "relay") &
		    auth_equal(pass, cf->relay_password);
	if (ok)
		*user_out = user;
	else
		free(user);
	free(pass);
	return ok;
}

/* Look a command up by name in a table, noting a ".json" suffix. */
static const struct admin_cmd *
admin_lookup(const struct admin_cmd *cmds, size_t n, const char *name, int *json)
{
	size_t i, len = strlen(name);

	if (len > 5 && strcmp(name + len - 5, ".json") == 0) {
		*json = 1;
		len -= 5;
	} else if (len > 4 && strcmp(name + len - 4, ".xsl") == 0)
		len -= 4;		/* the caller renders it (send_doc) */
	for (i = 0; i < n; i++)
		if (strlen(cmds[i].name) == len && strncmp(cmds[i].name, name, len) == 0)
			return &cmds[i];
	return NULL;
}

/* Check credentials and the mount, then run the command. */
static void
admin_run(struct admin_req *a, const struct admin_cmd *cmd)
{
	struct conn *c = a->c;
	struct mount *m = NULL;
	char *user = NULL;

	a->mount = http_query_get(a->r->query, "mount");
	if (!admin_allowed(cmd->auth, a->r, a->mount, &user)) {
		if (http_header_get(a->r, "Authorization") == NULL) {
			resp_auth_required(c);
			goto out;
		}
		/* Wrong credentials: logged once, answered later each time. */
		log_warn("admin %s from %s: wrong credentials", cmd->name, c->ip);
		access_refuse_login(c, access_login_failed(c->ip));
		goto out;
	}
	if (cmd->auth != AUTH_NONE)
		access_login_ok(c->ip);
	free(c->user);
	c->user = user;
	srv.stats.admin_requests++;
	if (cmd->needs_mount) {
		if (a->mount == NULL) {
			fail(a, 400, "Missing parameter");
			goto out;
		}
		if ((m = mount_find(a->mount)) == NULL || m->source == NULL) {
			fail(a, a->api ? 404 : 400, "Source does not exist");
			goto out;
		}
	}
	cmd->fn(a, m);
out:
	free(a->mount);
	a->mount = NULL;
}

/* Dispatch /admin/<command>. */
void
admin_handle(struct conn *c, const struct http_request *r, const char *path)
{
	const struct admin_cmd *cmd;
	struct admin_req a = { .c = c, .r = r };
	const char *name = path + strlen("/admin/");
	char *format;
	size_t n;

	if (*name == '\0')
		name = "stats.xsl";	/* /admin/: icecast2's admin home page */
	n = strlen(name);
	if (n > 4 && strcmp(name + n - 4, ".xsl") == 0 && strchr(name, '/') == NULL)
		a.xsl = name;
	cmd = admin_lookup(admin_cmds, FLOE_NELEM(admin_cmds), name, &a.json);
	if (cmd == NULL) {
		resp_html_error(c, 400, "Unrecognised command");
		return;
	}
	if ((format = http_query_get(r->query, "format")) != NULL) {
		a.json |= strcmp(format, "json") == 0;
		free(format);
	}
	admin_run(&a, cmd);
}

/* Add a stat list as members of the current JSON object. */
static void
api_values(struct doc *d, const struct stat_list *sl, int public_only)
{
	size_t i;

	for (i = 0; i < sl->n; i++)
		if (!public_only || sl->kv[i].public)
			doc_value(d, sl->kv[i].key, sl->kv[i].value, sl->kv[i].number);
}

/* GET /api/v1/status (public) and /api/v1/mounts (admin): "server" and a
 * "mounts" array that is always an array. */
static void
api_mounts(struct admin_req *a, int public_only)
{
	struct stat_list sl = { 0 };
	struct mount *m;
	struct doc d;

	doc_init(&d, 1, "server");
	stats_global(&sl);
	api_values(&d, &sl, public_only);
	stats_list_free(&sl);
	doc_close(&d);
	doc_list(&d, "mounts");
	TAILQ_FOREACH(m, &srv.mounts, entry) {
		if (m->source == NULL || (public_only && m->conf != NULL && m->conf->hidden > 0))
			continue;
		doc_item(&d, "mount", "mount", m->name);
		stats_mount(&sl, m);
		api_values(&d, &sl, public_only);
		stats_list_free(&sl);
		doc_close(&d);
	}
	doc_close(&d);		/* mounts */
	if (!public_only) {
		/* How the listeners and the CPU spread over the event loops. */
		unsigned i;
		doc_list(&d, "workers");
		for (i = 0; i < srv.nworkers; i++) {
			doc_item(&d, "worker", NULL, NULL);
			doc_number(&d, "id", i);
			doc_number(&d, "listeners", STAT_GET(srv.workers[i]->listeners));
			doc_number(&d, "cpu_ms", worker_cpu_ms(srv.workers[i]));
			doc_close(&d);
		}
	}
	send_doc(a, &d);
}

/* GET /api/v1/status. */
static void
api_status(struct admin_req *a, struct mount *m)
{
	api_mounts(a, 1);
}

/* GET /api/v1/mounts. */
static void
api_all_mounts(struct admin_req *a, struct mount *m)
{
	api_mounts(a, 0);
}

/* One listener of /api/v1/listeners. sent is the worker's running count. */
static void
api_listener_one(struct listener *l, void *arg)
{
	struct listener_doc *ld = arg;
	struct doc *d = ld->d;

	doc_item(d, "listener", NULL, NULL);
	doc_number(d, "id", l->conn->id);
	doc_value(d, "ip", l->conn->ip, 0);
	doc_value(d, "user_agent", l->conn->user_agent, 0);
	doc_value(d, "referer", l->conn->referer, 0);
	doc_number(d, "connected", (unsigned long long)(ld->now - l->conn->connected_at));
	doc_number(d, "bytes_sent", listener_sent(l));
	doc_number(d, "worker", l->conn->w->id);
	doc_value(d, "metadata", l->metaint ? "true" : "false", 1);
	doc_close(d);
}

/* GET /api/v1/listeners?mount=. */
static void
api_listeners(struct admin_req *a, struct mount *m)
{
	struct doc d;
	struct listener_doc ld = { &d, time_wall() };

	doc_init(&d, 1, "mount");
	doc_value(&d, "name", m->name, 0);
	doc_close(&d);
	doc_list(&d, "listeners");
	fanout_each_listener(m, api_listener_one, &ld);
	send_doc(a, &d);
}

/* The versioned JSON API: reads are GET, actions must be POST. */
static const struct admin_cmd api_cmds[] = {
	{ "status", AUTH_NONE, 0, api_status },
	{ "mounts", AUTH_ADMIN, 0, api_all_mounts },
	{ "listeners", AUTH_MOUNT_SOURCE, 1, api_listeners },
	{ "metadata", AUTH_MOUNT_SOURCE, 1, cmd_metadata },
	{ "kill-source", AUTH_MOUNT_SOURCE, 1, cmd_killsource },
	{ "kill-listener", AUTH_MOUNT_SOURCE, 1, cmd_killclient },
	{ "move-listeners", AUTH_MOUNT_SOURCE, 1, cmd_moveclients },
	{ "fallback", AUTH_MOUNT_SOURCE, 1, cmd_fallbacks },
};

/* Is this API command an action (changes something)? */
static int
api_is_action(const struct admin_cmd *cmd)
{
	return cmd->fn != api_status && cmd->fn != api_all_mounts && cmd->fn != api_listeners;
}

/*
 * Dispatch /api/v1/<command>. Actions must be POSTed, and a request whose
 * Origin names another site is refused: a page elsewhere must not be able
 * to use the browser's cached admin credentials (CSRF).
 */
void
admin_api(struct conn *c, const struct http_request *r)
{
	const struct admin_cmd *cmd;
	struct admin_req a = { .c = c, .r = r, .json = 1, .api = 1 };
	const char *origin = http_header_get(r, "Origin"), *host = http_header_get(r, "Host");
	const char *o;

	cmd = admin_lookup(api_cmds, FLOE_NELEM(api_cmds), r->path + strlen("/api/v1/"), &a.json);
	if (cmd == NULL) {
		api_answer(c, 404, "No such API endpoint");
		return;
	}
	if (api_is_action(cmd)) {
		if (strcmp(r->method, "POST") != 0) {
			api_answer(c, 405, "Actions must be POSTed");
			return;
		}
		o = origin != NULL ? strstr(origin, "://") : NULL;
		if (origin != NULL && (o == NULL || host == NULL || strcmp(o + 3, host) != 0)) {
			log_warn("api %s from %s refused: Origin %s is not this server", cmd->name,
			    c->ip, origin);
			api_answer(c, 403, "Cross-site request refused");
			return;
		}
	}
	admin_run(&a, cmd);
}

/*
 * /admin.cgi?mode=updinfo&pass=&song=[&mount=]: the Shoutcast DNAS way some
 * encoders send titles. The password is the mount's (or the global)
 * source password; without mount= the first live mount is meant.
 */
void
admin_cgi(struct conn *c, const struct http_request *r)
{
	char *pass = http_query_get(r->query, "pass"), *mount = http_query_get(r->query, "mount");
	char *mode = http_query_get(r->query, "mode"), *song = http_query_get(r->query, "song");
	char *charset = http_query_get(r->query, "charset");
	/* icecast2's page, byte for byte: encoders look for it */
	static const char ok[] = "<html><head><title>Admin request successful</title>"
	    "</head><body><p>Metadata update successful</p></body></html>";
	struct mount *m = NULL, *it;
	char *u_song;

	if (mount != NULL)
		m = mount_find(mount);
	else {
		/* A Shoutcast encoder names no mount: its socket's, else the first live */
		for (size_t i = 0; i < srv.config->nlistens && m == NULL; i++)
			if (srv.config->listens[i].shoutcast_compat &&
			    (it = mount_find(srv.config->listens[i].shoutcast_mount)) != NULL &&
			    it->source != NULL)
				m = it;
		TAILQ_FOREACH(it, &srv.mounts, entry)
			if (it->source != NULL && m == NULL)
				m = it;
	}
	if (mode == NULL || strcmp(mode, "updinfo") != 0 || song == NULL)
		resp_html_error(c, 400, "Missing parameter");
	else if (m == NULL || m->source == NULL)
		resp_html_error(c, 400, "Source does not exist");
	else if (!auth_source_ok(srv.config, m->conf, "source", pass) &&
	    !auth_equal(pass, srv.config->admin_password)) {
		log_warn("admin.cgi from %s: wrong password", c->ip);
		resp_auth_required(c);
	} else {
		/* charset=, else the mount's <charset>, else Latin-1 (icecast2's) */
		u_song = icy_to_utf8(song, charset != NULL ? charset :
		    m->conf != NULL ? m->conf->charset : NULL);
		mount_set_title(m, u_song, NULL, NULL);
		free(u_song);
		resp_send(c, 200, "text/html; charset=utf-8", ok, sizeof ok - 1);
	}
	free(pass); free(mount); free(mode); free(song); free(charset);
}

/* A webroot .xsl page (status.xsl, a station's own): the stylesheet at
 * path applied to the public stats (?mount= limits them to one mount). */
void
admin_xsl_page(struct conn *c, const char *path, const char *mount)
{
	struct doc d;
	size_t len;
	char *text;

	doc_init(&d, 0, "icestats");
	stats_render_public(&d, mount);
	text = doc_finish(&d, &len);
	srv.stats.file_connections++;
	xslt_render(c, path, text, len);
	free(text);
}

/* The public JSON status (?mount=: that mount only). */
void
admin_status_json(struct conn *c, const char *mount)
{
	struct sbuf sb;

	sbuf_init(&sb);
	stats_render_json_mount(&sb, mount);
	resp_send(c, 200, "application/json; charset=UTF-8", sb.data, sb.len);
	sbuf_free(&sb);
}
