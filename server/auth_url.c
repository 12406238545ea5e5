/*
 * auth_url.c: <authentication type="url">, as icecast2 2.4 and icecast-kh
 * speak it. A listener is admitted if the backend's answer to a POST on
 * listener_add carries auth_header ("icecast-auth-user: 1"); its
 * "icecast-auth-timelimit" caps how long it stays and its
 * "icecast-auth-message" is shown to a refused listener. listener_remove,
 * mount_add and mount_remove are notifications whose answers are ignored;
 * stream_auth checks a source's credentials the same way.
 *
 * Calls go through http_client.c and never block the loop. A backend that
 * does not answer within timeout (default 5 s) or cannot be reached
 * refuses the listener (icecast2's way: a protected stream stays closed),
 * unless presume_innocent is set (icecast-kh's option) to admit instead.
 */
#include "mount_auth.h"
#include "config.h"
#include "http_client.h"
#include "http_parse.h"
#include "log.h"
#include "server.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_TIMEOUT 5
#define DEFAULT_AUTH_HEADER "icecast-auth-user: 1"
#define DEFAULT_TIMELIMIT_HEADER "icecast-auth-timelimit:"
#define DEFAULT_HEADER_PREFIX "ClientHeader-"

/* One listener_add or stream_auth under way. */
struct url_req {
	struct http_call *call;
	auth_done_fn	 done;
	void		*arg;
	char		*url;		/* for log lines */
	char		*auth_header;
	char		*timelimit_header;
	int		 presume_innocent;
	int		 source;
	char		*user;
};

static const char *
opt(const struct config_auth *a, const char *name, const char *def)
{
	const char *v = config_auth_option(a, name);

	return v != NULL ? v : def;
}

/* The callback's own Basic credentials ("user:pass"), or NULL. */
static char *
userpwd(const struct config_auth *a)
{
	const char *u = config_auth_option(a, "username");
	const char *p = config_auth_option(a, "password");

	if (u == NULL && p == NULL)
		return NULL;
	return xasprintf("%s:%s", u != NULL ? u : "", p != NULL ? p : "");
}

static long
timeout_ms(const struct config_auth *a)
{
	long t;

	if (parse_long(opt(a, "timeout", "5"), 1, 3600, &t) < 0)
		t = DEFAULT_TIMEOUT;
	return t * 1000;
}

/* server= and port= as icecast2 sends them: <hostname> and the first port. */
static void
server_fields(struct sbuf *sb)
{
	char port[16];

	sbuf_add_form(sb, "server", srv.config->hostname);
	snprintf(port, sizeof port, "%d", srv.config->nlistens > 0 ?
	    srv.config->listens[0].port : 0);
	sbuf_add_form(sb, "port", port);
}

/* What icecast2 says of a listener, action first. */
static void
client_fields(struct sbuf *sb, const char *action, const struct auth_client *who)
{
	char id[32];

	snprintf(id, sizeof id, "%llu", (unsigned long long)who->id);
	sbuf_add_form(sb, "action", action);
	server_fields(sb);
	sbuf_add_form(sb, "client", id);
	sbuf_add_form(sb, "mount", who->mount);
	sbuf_add_form(sb, "user", who->user);
	sbuf_add_form(sb, "pass", who->pass);
	sbuf_add_form(sb, "ip", who->ip);
	sbuf_add_form(sb, "agent", who->agent);
}

/* headers= (comma list): forward those request headers, prefixed. */
static void
forward_headers(struct sbuf *sb, const struct config_auth *a, const struct http_request *r)
{
	const char *list = config_auth_option(a, "headers");
	const char *prefix = opt(a, "header_prefix", DEFAULT_HEADER_PREFIX);
	char *copy, *tok, *save = NULL, *name;
	const char *v;

	if (list == NULL || r == NULL)
		return;
	copy = xstrdup(list);
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		tok = str_trim(tok);
		if (*tok == '\0' || (v = http_header_get(r, tok)) == NULL)
			continue;
		/* As icecast2 2.4: the prefix, then the name as configured. */
		name = xasprintf("%s%s", prefix, tok);
		sbuf_add_form(sb, name, v);
		free(name);
	}
	free(copy);
}

/* Does the response carry the header line "Name: value" (as configured)? */
static int
has_header_line(const struct http_result *res, const char *line)
{
	const char *colon = strchr(line, ':');
	char *name, *want, *got;
	int ok;

	if (colon == NULL)
		return 0;
	/* str_trim() returns a pointer inside its argument: free the copies. */
	name = xstrndup(line, (size_t)(colon - line));
	want = xstrdup(colon + 1);
	got = http_result_header(res, str_trim(name));
	ok = got != NULL && strcmp(str_trim(got), str_trim(want)) == 0;
	free(name);
	free(want);
	free(got);
	return ok;
}

/* The URL as a log may show it: without any user:password@. */
static char *
url_for_log(const char *url)
{
	const char *host = strstr(url, "://"), *at, *end;
	char *plain, *out;

	if (host == NULL)
		return str_sanitize(url, 256);
	host += 3;
	end = host + strcspn(host, "/?#");
	at = memchr(host, '@', (size_t)(end - host));
	if (at == NULL)
		return str_sanitize(url, 256);
	plain = xasprintf("%.*s%s", (int)(host - url), url, at + 1);
	out = str_sanitize(plain, 256);
	free(plain);
	return out;
}

static void
req_free(struct url_req *q)
{
	free(q->url);
	free(q->auth_header);
	free(q->timelimit_header);
	free(q->user);
	free(q);
}

/* The backend answered, or could not be asked. */
static void
on_answer(void *arg, const struct http_result *res)
{
	struct url_req *q = arg;
	struct auth_decision d = { 401, NULL, 0, NULL };
	char *msg = NULL, *limit = NULL, *tl_name;
	long t;

	q->call = NULL;
	if (res->error != NULL) {
		log_warn("auth url %s: %s; %s", q->url, res->error, q->presume_innocent ?
		    "admitting (presume_innocent)" : "refusing");
		if (q->presume_innocent)
			d.status = 0;
		else {
			d.status = 403;
			d.message = "authentication service unavailable";
		}
	} else if (has_header_line(res, q->auth_header)) {
		d.status = 0;
		tl_name = xstrdup(q->timelimit_header);
		if (tl_name[0] != '\0' && tl_name[strlen(tl_name) - 1] == ':')
			tl_name[strlen(tl_name) - 1] = '\0';
		limit = http_result_header(res, tl_name);
		free(tl_name);
		if (limit != NULL && parse_long(limit, 0, 100L * 365 * 86400, &t) == 0)
			d.timelimit = t;
	} else {
		msg = http_result_header(res, "icecast-auth-message");
		d.message = msg;
		/* A backend's own 403 says "not you, whatever the password". */
		d.status = res->status == 403 ? 403 : 401;
	}
	if (d.status == 0)
		d.user = q->user[0] != '\0' ? q->user : NULL;
	q->done(q->arg, &d);
	free(msg);
	free(limit);
	req_free(q);
}

/* POST body to url and decide from the answer. */
static void *
ask(const struct config_auth *a, const char *url, const struct sbuf *body,
    const struct auth_client *who, int source, auth_done_fn done, void *arg)
{
	struct url_req *q = xcalloc(1, sizeof *q);
	struct auth_decision d = { 403, "authentication service unavailable", 0, NULL };
	char *up = userpwd(a);

	q->done = done;
	q->arg = arg;
	q->url = url_for_log(url);
	q->auth_header = xstrdup(opt(a, "auth_header", DEFAULT_AUTH_HEADER));
	q->timelimit_header = xstrdup(opt(a, "timelimit_header", DEFAULT_TIMELIMIT_HEADER));
	q->presume_innocent = str_ieq(opt(a, "presume_innocent", "0"), "1") ||
	    str_ieq(opt(a, "presume_innocent", "0"), "yes") ||
	    str_ieq(opt(a, "presume_innocent", "0"), "true");
	q->source = source;
	q->user = xstrdup(who->user);
	q->call = http_post(url, body->data != NULL ? body->data : "", up, timeout_ms(a),
	    on_answer, q);
	free(up);
	if (q->call == NULL) {
		log_error("auth url %s: cannot start the request", q->url);
		if (q->presume_innocent)
			d.status = 0, d.message = NULL;
		done(arg, &d);
		req_free(q);
		return NULL;
	}
	return q;
}

static void *
url_listener_add(const struct config_auth *a, const struct auth_client *who,
    auth_done_fn done, void *arg)
{
	const char *url = config_auth_option(a, "listener_add");
	struct auth_decision d = { 0, NULL, 0, NULL };
	struct sbuf body;
	void *h;

	if (url == NULL)
		url = config_auth_option(a, "client_add");
	if (url == NULL) {
		/* icecast2: no listener_add, no check. */
		done(arg, &d);
		return NULL;
	}
	sbuf_init(&body);
	client_fields(&body, "listener_add", who);
	sbuf_add_form(&body, "referer", who->referer);
	forward_headers(&body, a, who->req);
	h = ask(a, url, &body, who, 0, done, arg);
	sbuf_free(&body);
	return h;
}

static void *
url_source_add(const struct config_auth *a, const struct auth_client *who,
    auth_done_fn done, void *arg)
{
	const char *url = config_auth_option(a, "stream_auth");
	struct auth_decision d = { 403, "no URL checks sources on this mount", 0, NULL };
	struct sbuf body;
	void *h;

	/* A 2.5 role that admits sources asks its client_add. */
	if (url == NULL)
		url = config_auth_option(a, "client_add");
	if (url == NULL)
		url = config_auth_option(a, "listener_add");
	if (url == NULL) {
		done(arg, &d);		/* never an open door */
		return NULL;
	}
	sbuf_init(&body);
	sbuf_add_form(&body, "action", "stream_auth");
	sbuf_add_form(&body, "mount", who->mount);
	sbuf_add_form(&body, "ip", who->ip);
	server_fields(&body);
	sbuf_add_form(&body, "user", who->user);
	sbuf_add_form(&body, "pass", who->pass);
	h = ask(a, url, &body, who, 1, done, arg);
	sbuf_free(&body);
	return h;
}

static void
url_cancel(void *handle)
{
	struct url_req *q = handle;

	if (q->call != NULL)
		http_call_cancel(q->call);
	req_free(q);
}

/* A notification: nobody waits for its answer. */
static void
ignore_answer(void *arg, const struct http_result *res)
{
	char *url = arg;

	if (res->error != NULL)
		log_warn("auth url %s: %s", url, res->error);
	free(url);
}

static void
notify(const struct config_auth *a, const char *url, const struct sbuf *body)
{
	char *up = userpwd(a), *clean = str_sanitize(url, 256);

	if (http_post(url, body->data, up, timeout_ms(a), ignore_answer, clean) == NULL) {
		log_warn("auth url %s: cannot start the request", clean);
		free(clean);
	}
	free(up);
}

static void
url_listener_remove(const struct config_auth *a, const struct auth_client *who, long seconds)
{
	const char *url = config_auth_option(a, "listener_remove");
	struct sbuf body;
	char dur[32];

	if (url == NULL)
		url = config_auth_option(a, "client_remove");
	if (url == NULL)
		return;
	snprintf(dur, sizeof dur, "%ld", seconds);
	sbuf_init(&body);
	client_fields(&body, "listener_remove", who);
	sbuf_add_form(&body, "duration", dur);
	notify(a, url, &body);
	sbuf_free(&body);
}

static void
mount_event(const struct config_auth *a, const char *option, const char *action,
    const char *mount)
{
	const char *url = config_auth_option(a, option);
	struct sbuf body;

	if (url == NULL)
		return;
	sbuf_init(&body);
	sbuf_add_form(&body, "action", action);
	sbuf_add_form(&body, "mount", mount);
	server_fields(&body);
	notify(a, url, &body);
	sbuf_free(&body);
}

static void
url_mount_add(const struct config_auth *a, const char *mount)
{
	mount_event(a, "mount_add", "mount_add", mount);
}

static void
url_mount_remove(const struct config_auth *a, const char *mount)
{
	mount_event(a, "mount_remove", "mount_remove", mount);
}

const struct auth_backend auth_url_backend = {
	.type = "url",
	.listener_add = url_listener_add,
	.cancel = url_cancel,
	.listener_remove = url_listener_remove,
	.mount_add = url_mount_add,
	.mount_remove = url_mount_remove,
	.source_add = url_source_add,
	.shutdown = http_client_shutdown,
};
