/*
 * admin.c: the admin commands. Each command names the credentials it
 * accepts; the default is the admin user. Answers are icecast2's documents.
 */
#include "admin.h"
#include "auth.h"
#include "config.h"
#include "format.h"
#include "conn.h"
#include "http_parse.h"
#include "http_resp.h"
#include "icy.h"
#include "log.h"
#include "mount.h"
#include "server.h"
#include "source.h"
#include "stats.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* Who may run a command. */
enum admin_auth {
	AUTH_ADMIN,		/* admin user only */
	AUTH_MOUNT_SOURCE,	/* admin, or the mount's source credentials */
};

struct admin_cmd {
	const char *name;	/* path after /admin/ */
	enum admin_auth auth;
	void (*fn)(struct conn *c, const struct http_request *r, const char *mount);
};

/* The mount parameter, raw or percent-encoded (libshout encodes the slash). */
static char *
admin_mount_param(const struct http_request *r)
{
	return http_query_get(r->query, "mount");
}

/* /admin/stats[?mount=]: icestats XML. */
static void
cmd_stats(struct conn *c, const struct http_request *r, const char *mount)
{
	struct sbuf sb;

	srv.stats.stats_connections++;
	sbuf_init(&sb);
	stats_render_xml(&sb, mount);
	resp_send(c, 200, "text/xml; charset=utf-8", sb.data, sb.len);
	sbuf_free(&sb);
}

/* /admin/listmounts. */
static void
cmd_listmounts(struct conn *c, const struct http_request *r, const char *mount)
{
	struct sbuf sb;

	sbuf_init(&sb);
	stats_render_listmounts(&sb);
	resp_send(c, 200, "text/xml; charset=utf-8", sb.data, sb.len);
	sbuf_free(&sb);
}

/*
 * /admin/metadata?mode=updinfo&mount=&song= (or artist=&title=, charset=).
 * Answered at once: Liquidsoap's audio stalls until it is.
 */
static void
cmd_metadata(struct conn *c, const struct http_request *r, const char *mount)
{
	char *mode = http_query_get(r->query, "mode");
	char *song = NULL, *artist = NULL, *title = NULL, *charset = NULL;
	char *u_song = NULL, *u_artist = NULL, *u_title = NULL;
	struct mount *m;

	if (mode == NULL || mount == NULL) {
		resp_html_error(c, 400, "Missing parameter");
		goto out;
	}
	if (strcmp(mode, "updinfo") != 0) {
		resp_html_error(c, 400, "No such mode");
		goto out;
	}
	m = mount_find(mount);
	if (m == NULL || m->source == NULL) {
		resp_html_error(c, 400, "Source does not exist");
		goto out;
	}
	if (!m->fmt->icy) {
		/* Ogg titles travel in the stream; icecast2 answers success too. */
		resp_iceresponse(c, "Metadata update successful", 1);
		goto out;
	}
	song = http_query_get(r->query, "song");
	artist = http_query_get(r->query, "artist");
	title = http_query_get(r->query, "title");
	charset = http_query_get(r->query, "charset");
	if (charset == NULL && m->conf != NULL && m->conf->charset != NULL)
		charset = xstrdup(m->conf->charset);
	if (song != NULL)
		u_song = icy_to_utf8(song, charset);
	if (artist != NULL)
		u_artist = icy_to_utf8(artist, charset);
	if (title != NULL)
		u_title = icy_to_utf8(title, charset);
	if (u_song == NULL && u_artist == NULL && u_title == NULL) {
		resp_html_error(c, 400, "Missing parameter");
		goto out;
	}
	mount_set_title(m, u_song, u_artist, u_title);
	resp_iceresponse(c, "Metadata update successful", 1);
out:
	free(mode); free(song); free(artist); free(title); free(charset);
	free(u_song); free(u_artist); free(u_title);
}

/* /admin/killsource?mount=. */
static void
cmd_killsource(struct conn *c, const struct http_request *r, const char *mount)
{
	struct mount *m = mount != NULL ? mount_find(mount) : NULL;

	if (m == NULL || m->source == NULL) {
		resp_html_error(c, 400, "Source does not exist");
		return;
	}
	log_info("admin %s: killing source of %s", c->ip, m->name);
	source_kill(m->source);
	resp_iceresponse(c, "Source Removed", 1);
}

static const struct admin_cmd admin_cmds[] = {
	{ "stats", AUTH_ADMIN, cmd_stats },
	{ "stats.xml", AUTH_ADMIN, cmd_stats },
	{ "listmounts", AUTH_ADMIN, cmd_listmounts },
	{ "metadata", AUTH_MOUNT_SOURCE, cmd_metadata },
	{ "metadata.xsl", AUTH_MOUNT_SOURCE, cmd_metadata },
	{ "killsource", AUTH_ADMIN, cmd_killsource },
};

/* Check credentials for a command. */
static int
admin_allowed(const struct admin_cmd *cmd, const struct http_request *r, const char *mount,
    char **user_out)
{
	char *user, *pass;
	int ok;

	if (auth_parse_basic(http_header_get(r, "Authorization"), &user, &pass) < 0)
		return 0;
	ok = auth_admin_ok(srv.config, user, pass);
	if (!ok && cmd->auth == AUTH_MOUNT_SOURCE && mount != NULL)
		ok = auth_source_ok(srv.config, config_find_mount(srv.config, mount), user, pass);
	if (ok)
		*user_out = user;
	else
		free(user);
	free(pass);
	return ok;
}

/* Dispatch /admin/<command>. */
void
admin_handle(struct conn *c, const struct http_request *r)
{
	const char *name = r->path + strlen("/admin/");
	const struct admin_cmd *cmd = NULL;
	char *mount, *user = NULL;
	size_t i;

	for (i = 0; i < FLOE_NELEM(admin_cmds); i++)
		if (strcmp(admin_cmds[i].name, name) == 0)
			cmd = &admin_cmds[i];
	if (cmd == NULL) {
		resp_html_error(c, 400, "Unrecognised command");
		return;
	}
	mount = admin_mount_param(r);
	if (!admin_allowed(cmd, r, mount, &user)) {
		if (http_header_get(r, "Authorization") != NULL)
			log_warn("admin %s from %s: wrong credentials", cmd->name, c->ip);
		resp_auth_required(c);
		free(mount);
		return;
	}
	free(c->user);
	c->user = user;
	srv.stats.admin_requests++;
	cmd->fn(c, r, mount);
	free(mount);
}

/* The public JSON status. */
void
admin_status_json(struct conn *c)
{
	struct sbuf sb;

	sbuf_init(&sb);
	stats_render_json(&sb);
	resp_send(c, 200, "application/json; charset=UTF-8", sb.data, sb.len);
	sbuf_free(&sb);
}
