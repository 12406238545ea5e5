/*
 * mount_auth.c: a mount's roles, tried in order for each listener (and,
 * for url's stream_auth, each source). Sync backends answer inside the
 * call; an async one leaves the connection suspended under the waiting
 * role below, and the router runs again once it answers. What a waiting
 * connection holds is only this small record: the router's state is
 * rebuilt from the request head when it resumes, so a config reloaded
 * meanwhile simply applies.
 */
#include "mount_auth.h"
#include "auth.h"
#include "config.h"
#include "conn.h"
#include "http_parse.h"
#include "http_resp.h"
#include "log.h"
#include "server.h"
#include "util.h"
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Anonymous and static need no state and no file: they live here. */
static void *
anonymous_add(const struct config_auth *a, const struct auth_client *who,
    auth_done_fn done, void *arg)
{
	struct auth_decision d = { 0, NULL, 0, NULL };

	(void)a;
	(void)who;
	done(arg, &d);
	return NULL;
}

static void *
static_add(const struct config_auth *a, const struct auth_client *who,
    auth_done_fn done, void *arg)
{
	const char *user = config_auth_option(a, "username");
	struct auth_decision d = { 401, NULL, 0, NULL };
	int ok;

	/* Both compared whatever the first gives: no early exit to time. */
	ok = auth_equal(who->pass, config_auth_option(a, "password"));
	ok &= user == NULL || auth_equal(who->user, user);
	if (ok) {
		d.status = 0;
		d.user = who->user[0] != '\0' ? who->user : NULL;
	}
	done(arg, &d);
	return NULL;
}

static const struct auth_backend auth_anonymous_backend = {
	.type = "anonymous", .listener_add = anonymous_add,
};
static const struct auth_backend auth_static_backend = {
	.type = "static", .listener_add = static_add,
};

static const struct auth_backend *const backends[] = {
	&auth_htpasswd_backend, &auth_url_backend, &auth_static_backend,
	&auth_anonymous_backend,
};

static const struct auth_backend *
backend_for(const struct config_auth *a)
{
	size_t i;

	for (i = 0; i < FLOE_NELEM(backends); i++)
		if (strcmp(backends[i]->type, a->type) == 0)
			return backends[i];
	return NULL;	/* config.c admits only the types above */
}

int
mount_auth_protects(const struct config_mount *mc)
{
	size_t i;

	for (i = 0; mc != NULL && i < mc->nauth; i++)
		if (mc->auth[i].get)
			return 1;
	return 0;
}

/* One check under way; owned by the connection's waiting role while async. */
struct auth_wait {
	struct conn	*c;
	const struct auth_backend *be;
	void		*handle;	/* the backend's, while async */
	int		 in_call;	/* inside listener_add: the answer is sync */
	int		 answered;
	int		 source;	/* a source's check */
	int		 last;		/* no role after this one */
	int		 unique;	/* the role's allow_duplicate_users is 0 */
	unsigned	 role;		/* its index among the mount's roles */
	void		(*again)(struct conn *c, void *arg);
	/* The decision, copied. */
	int		 status;
	char		*message;
	long		 timelimit;
	char		*user;
	char		*pass;		/* as the client gave it, for listener_remove */
};

static void
wait_free_decision(struct auth_wait *w)
{
	free(w->message);
	free(w->user);
	w->message = w->user = NULL;
}

static void
wait_free(struct auth_wait *w)
{
	wait_free_decision(w);
	free(w->pass);
	free(w);
}

/* Role hooks while a connection waits: leaving cancels the check. */
static void
wait_role_detach(struct conn *c)
{
	struct auth_wait *w = c->role_data;

	if (w->handle != NULL && !w->answered)
		w->be->cancel(w->handle);
	w->handle = NULL;
}

static void
wait_role_free(struct conn *c)
{
	wait_free(c->role_data);
	c->role_data = NULL;
}

static void
wait_role_describe(const struct conn *c, char *buf, size_t len)
{
	const struct auth_wait *w = c->role_data;

	snprintf(buf, len, "%s waiting for authentication", w->source ? "source" : "listener");
}

static const struct conn_role auth_wait_role = {
	.name = "authenticating",
	.detach = wait_role_detach,
	.free = wait_role_free,
	.describe = wait_role_describe,
};

/* The connection is admitted: remember as whom and for how long. */
static void
admit(struct conn *c, const struct auth_wait *w)
{
	if (w->user != NULL) {
		free(c->user);
		c->user = str_sanitize(w->user, 128);
	}
	c->timelimit = w->timelimit;
	free(c->auth_pass);
	c->auth_pass = w->pass != NULL ? xstrdup(w->pass) : NULL;
	c->auth_unique = w->unique && c->user != NULL;
	c->authorized = 1;
	c->auth_role = 0;
}

/* Answer the last refusal (from conn_resume). */
static void
refuse_now(struct conn *c, void *arg)
{
	struct auth_wait *w = arg;

	log_info("%s %s from %s refused by <authentication> (%s)%s%s",
	    w->source ? "source" : "listener", c->req->path, c->ip, w->be->type,
	    w->message != NULL ? ": " : "", w->message != NULL ? w->message : "");
	c->auth_role = 0;
	resp_auth_refused(c, w->status, w->message);
}

/* A backend's answer, inside its call or later on the main loop. */
static void
on_decision(void *arg, const struct auth_decision *d)
{
	struct auth_wait *w = arg;
	struct conn *c = w->c;

	w->answered = 1;
	w->handle = NULL;
	wait_free_decision(w);
	w->status = d->status == 0 ? 0 : d->status == 403 ? 403 : 401;
	/* The backend's words reach a page and a log: printable, bounded. */
	w->message = d->message != NULL ? str_sanitize(d->message, 256) : NULL;
	w->user = d->user != NULL ? xstrdup(d->user) : NULL;
	w->timelimit = d->timelimit > 0 ? d->timelimit : 0;
	if (w->in_call)
		return;		/* the caller reads it */
	/* Async: the connection is suspended under w; take w back from it. */
	if (w->status == 0) {
		admit(c, w);
		conn_resume(c, w->again, NULL);
	} else if (!w->last) {
		c->auth_role = w->role + 1;	/* try the next role */
		conn_resume(c, w->again, NULL);
	} else
		conn_resume(c, refuse_now, w);
	wait_free(w);
}

/* Credentials: Basic, else the absolute-form target's user:pass. */
static void
credentials(const struct http_request *r, char **user, char **pass)
{
	const char *colon;
	size_t n;

	*user = *pass = NULL;
	if (auth_parse_basic(http_header_get(r, "Authorization"), user, pass) == 0)
		return;
	if (r->userinfo != NULL) {
		colon = strchr(r->userinfo, ':');
		n = colon != NULL ? (size_t)(colon - r->userinfo) : strlen(r->userinfo);
		*user = url_decode(r->userinfo, n, 0, NULL);
		*pass = colon != NULL ? url_decode(colon + 1, strlen(colon + 1), 0, NULL) :
		    xstrdup("");
	}
}

/* Try mc's roles (listeners or sources) from c->auth_role on. */
static int
run_roles(struct conn *c, const struct config_mount *mc, int source,
    void (*again)(struct conn *c, void *arg), int *checked)
{
	const struct http_request *r = c->req;
	struct auth_client who;
	struct auth_wait *w, refusal = { 0 };
	const struct auth_backend *be;
	char *user, *pass, *mount;
	const char *v;
	unsigned i, n = 0, last = 0;
	int any = 0;

	if (c->authorized) {
		if (checked != NULL)
			*checked = 1;
		return 1;
	}
	for (i = 0; i < mc->nauth; i++)
		if (source ? mc->auth[i].source : mc->auth[i].get)
			last = i, n++;
	if (n == 0)
		return 1;

	credentials(r, &user, &pass);
	mount = r->query != NULL ? xasprintf("%s?%s", r->path, r->query) : xstrdup(r->path);
	memset(&who, 0, sizeof who);
	who.id = c->id;
	who.ip = c->ip;
	who.mount = mount;
	who.user = user != NULL ? user : "";
	who.pass = pass != NULL ? pass : "";
	who.agent = c->user_agent != NULL ? c->user_agent : "";
	who.referer = c->referer != NULL ? c->referer : "";
	who.req = r;
	refusal.status = 401;

	for (i = c->auth_role; i < mc->nauth; i++) {
		const struct config_auth *a = &mc->auth[i];
		void *(*add)(const struct config_auth *, const struct auth_client *,
		    auth_done_fn, void *);

		if (!(source ? a->source : a->get))
			continue;
		if ((be = backend_for(a)) == NULL)
			continue;
		/* A 2.5 role admitting sources checks their credentials as it
		 * checks a listener's, unless the backend has its own way. */
		add = source && be->source_add != NULL ? be->source_add : be->listener_add;
		if (add == NULL)
			continue;
		any = 1;
		w = xcalloc(1, sizeof *w);
		w->c = c;
		w->be = be;
		w->source = source;
		w->role = i;
		w->last = i == last;
		w->unique = (v = config_auth_option(a, "allow_duplicate_users")) != NULL &&
		    strcmp(v, "0") == 0;
		w->again = again;
		w->pass = xstrdup(who.pass);
		w->in_call = 1;
		w->handle = add(a, &who, on_decision, w);
		w->in_call = 0;
		if (!w->answered) {
			/* Async: wait, suspended; on_decision takes it from here. */
			conn_suspend(c, &auth_wait_role, w);
			goto out;
		}
		if (w->status == 0) {
			admit(c, w);
			wait_free(w);
			if (checked != NULL)
				*checked = 1;
			free(user);
			free(pass);
			free(mount);
			return 1;
		}
		wait_free_decision(&refusal);
		refusal = *w;
		refusal.pass = NULL;
		w->message = w->user = NULL;
		wait_free(w);
	}
	if (!any) {
		/* Nothing could check it: never an open door. */
		refusal.status = 403;
		refusal.message = xstrdup("authentication is not available");
	}
	refusal.be = refusal.be != NULL ? refusal.be : &auth_anonymous_backend;
	refusal.source = source;
	refuse_now(c, &refusal);
	wait_free_decision(&refusal);
out:
	free(user);
	free(pass);
	free(mount);
	return 0;
}

int
mount_auth_listener(struct conn *c, const struct config_mount *mc,
    void (*again)(struct conn *c, void *arg))
{
	if (mc == NULL)
		return 1;
	return run_roles(c, mc, 0, again, NULL);
}

int
mount_auth_source(struct conn *c, const struct config_mount *mc,
    void (*again)(struct conn *c, void *arg), int *checked)
{
	*checked = 0;
	if (mc == NULL)
		return 1;
	return run_roles(c, mc, 1, again, checked);
}

/* listener_remove, posted from the listener's worker to the main loop. */
struct left {
	char	*ip, *mount, *user, *pass, *agent, *referer;
	uint64_t id;
	long	 seconds;
};

static void
left_on_main(void *arg)
{
	struct left *l = arg;
	const struct config_mount *mc;
	const struct auth_backend *be;
	struct auth_client who;
	char *path = xstrdup(l->mount), *q;
	size_t i;

	if ((q = strchr(path, '?')) != NULL)
		*q = '\0';
	mc = srv.config != NULL ? config_find_mount(srv.config, path) : NULL;
	memset(&who, 0, sizeof who);
	who.id = l->id;
	who.ip = l->ip;
	who.mount = l->mount;
	who.user = l->user;
	who.pass = l->pass;
	who.agent = l->agent;
	who.referer = l->referer;
	for (i = 0; mc != NULL && i < mc->nauth; i++) {
		be = backend_for(&mc->auth[i]);
		if (mc->auth[i].get && be != NULL && be->listener_remove != NULL)
			be->listener_remove(&mc->auth[i], &who, l->seconds);
	}
	free(path);
	free(l->ip);
	free(l->mount);
	free(l->user);
	free(l->pass);
	free(l->agent);
	free(l->referer);
	free(l);
}

void
mount_auth_listener_left(struct conn *c, const char *mount, long seconds)
{
	struct left *l;

	if (!c->authorized || srv.shutting_down)
		return;
	l = xcalloc(1, sizeof *l);
	l->id = c->id;
	l->ip = xstrdup(c->ip);
	l->mount = xstrdup(mount);
	l->user = xstrdup(c->user != NULL ? c->user : "");
	l->pass = xstrdup(c->auth_pass != NULL ? c->auth_pass : "");
	l->agent = xstrdup(c->user_agent != NULL ? c->user_agent : "");
	l->referer = xstrdup(c->referer != NULL ? c->referer : "");
	l->seconds = seconds;
	worker_post(srv.workers[0], left_on_main, l);
}

void
mount_auth_mount_event(const char *mount, int started)
{
	const struct config_mount *mc = config_find_mount(srv.config, mount);
	const struct auth_backend *be;
	size_t i;

	for (i = 0; mc != NULL && i < mc->nauth; i++) {
		be = backend_for(&mc->auth[i]);
		if (be == NULL)
			continue;
		if (started && be->mount_add != NULL)
			be->mount_add(&mc->auth[i], mount);
		else if (!started && be->mount_remove != NULL)
			be->mount_remove(&mc->auth[i], mount);
	}
}

void
mount_auth_shutdown(void)
{
	size_t i;

	for (i = 0; i < FLOE_NELEM(backends); i++)
		if (backends[i]->shutdown != NULL)
			backends[i]->shutdown();
}
