/*
 * relay.c: floe as an Icecast relay (slave). Each relay pulls one upstream
 * mount over HTTP(S) with libcurl on the main loop (http_client.c) and
 * feeds a local mount through source.c as a source client would, so its
 * listeners get what any source's listeners get.
 *
 * A relay's life:
 *
 *   idle --(start, or a listener of an on-demand relay)--> connecting
 *   connecting --(200 and a stream head)--> live
 *   connecting/live --(error, end, stall)--> retrying --(back-off)--> connecting
 *   live --(on-demand, nobody listening for idle-timeout)--> idle
 *
 * When the upstream is lost, the relay's source stays on its mount for
 * <hold> seconds with nothing sent: its listeners stay connected and carry
 * on from the new connection, with no reconnect of their own (source.c
 * drops what the new connection's burst repeats of what they had). A mount with a live fallback sends them there at once instead
 * (and fallback-override brings them back). Retries start after a second
 * and double up to <retry-delay>; each round tries the relay's upstreams
 * in order.
 *
 * Slave mode (<master-server>) asks the master for /admin/streamlist.txt
 * every <master-update-interval> seconds and keeps one relay per listed
 * mount; a mount that leaves the list loses its relay.
 */
#include "relay.h"
#include "config.h"
#include "conn.h"
#include "http_client.h"
#include "http_parse.h"
#include "http_resp.h"
#include "log.h"
#include "mount.h"
#include "router_check.h"
#include "server.h"
#include "source.h"
#include "util.h"
#include "wire.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

/* Why 64 KiB: a stream head is a dozen lines; more is not a stream. */
#define RELAY_HEAD_MAX	65536
/* The master's list: one mount a line; a thousand mounts fit many times. */
#define MASTER_LIST_TIMEOUT_MS	10000

enum relay_state { R_IDLE, R_CONNECTING, R_LIVE, R_RETRYING };
static const char *const state_names[] = { "idle", "connecting", "live", "retrying" };

/* A listener waiting for an on-demand relay to come up. */
struct relay_waiter {
	struct conn	*c;
	struct relay	*r;
	void		(*again)(struct conn *c, void *arg);
	TAILQ_ENTRY(relay_waiter) entry;
};
TAILQ_HEAD(waiter_list, relay_waiter);

struct relay {
	struct config_relay conf;	/* its own copy: reloads free the config */
	enum relay_state state;
	size_t		 up;		/* the upstream being tried (conf.ups[up]) */
	char		*url;		/* its URL, for logs and stats (no credentials) */
	struct http_call *call;
	struct source	*src;		/* on the local mount (also while held) */
	struct event	*tick;		/* once a second: deadlines, idle, retries */
	uint64_t	 deadline;	/* connecting: give up; retrying: try again (ns) */
	uint64_t	 hold_until;	/* the held source goes then (ns); 0: not held */
	uint64_t	 idle_since;	/* on-demand, live, nobody listening since (ns) */
	unsigned	 retries;
	unsigned	 connections;
	uint64_t	 bytes;
	char		*error;		/* the last upstream error */
	char		*abort_why;	/* why head/data ended the transfer */
	int		 seen;		/* slave mode: in the master's last list */
	struct waiter_list waiters;
	TAILQ_ENTRY(relay) entry;
};

static TAILQ_HEAD(relay_list, relay) relays = TAILQ_HEAD_INITIALIZER(relays);

/* Slave mode's poll of the master. */
static struct event *master_timer;
static struct http_call *master_call;

#define NS	1000000000ULL

static void relay_connect(struct relay *r);
static void relay_lost(struct relay *r, const char *why);
static void relay_idle(struct relay *r, const char *why);
static void relay_adopt_handed(struct relay *r);

static void
relay_set_error(struct relay *r, const char *why)
{
	free(r->error);
	r->error = why != NULL ? str_sanitize(why, 256) : NULL;
}

/* A copy of a relay's settings that outlives the config it came from. */
static void
relay_conf_copy(struct config_relay *dst, const struct config_relay *src)
{
	size_t i;

	*dst = *src;
	dst->local_mount = xstrdup(src->local_mount);
	dst->ca_file = src->ca_file != NULL ? xstrdup(src->ca_file) : NULL;
	dst->ups = xcalloc(src->nups, sizeof *dst->ups);
	for (i = 0; i < src->nups; i++) {
		const struct config_upstream *u = &src->ups[i];
		struct config_upstream *d = &dst->ups[i];

		*d = *u;
		d->server = xstrdup(u->server);
		d->mount = xstrdup(u->mount);
		d->username = u->username != NULL ? xstrdup(u->username) : NULL;
		d->password = u->password != NULL ? xstrdup(u->password) : NULL;
		d->bind = u->bind != NULL ? xstrdup(u->bind) : NULL;
	}
}

/* Would a relay with settings b pull what a, running, pulls, the same way? */
static int
relay_conf_same(const struct config_relay *a, const struct config_relay *b)
{
	size_t i;

	if (!str_same(a->local_mount, b->local_mount) || a->nups != b->nups ||
	    a->icy_metadata != b->icy_metadata || a->on_demand != b->on_demand ||
	    a->tls_verify != b->tls_verify || !str_same(a->ca_file, b->ca_file))
		return 0;
	for (i = 0; i < a->nups; i++) {
		const struct config_upstream *x = &a->ups[i], *y = &b->ups[i];

		if (!str_same(x->server, y->server) || x->port != y->port ||
		    !str_same(x->mount, y->mount) || !str_same(x->username, y->username) ||
		    !str_same(x->password, y->password) || !str_same(x->bind, y->bind) ||
		    x->tls != y->tls || x->timeout != y->timeout)
			return 0;
	}
	return 1;
}

/* scheme://host:port/mount, an IPv6 address in brackets; with user:pass@
 * if asked (curl gets credentials apart, so never). */
static char *
upstream_url(const struct config_upstream *u)
{
	int v6 = strchr(u->server, ':') != NULL;

	return xasprintf("%s://%s%s%s:%d%s", u->tls ? "https" : "http", v6 ? "[" : "",
	    u->server, v6 ? "]" : "", u->port, u->mount);
}

/* ---- waiting listeners (on-demand) ---- */

static void
waiter_role_detach(struct conn *c)
{
	struct relay_waiter *w = c->role_data;

	/* The listener gave up before the upstream answered. */
	TAILQ_REMOVE(&w->r->waiters, w, entry);
	w->r = NULL;
}

static void
waiter_role_free(struct conn *c)
{
	free(c->role_data);
	c->role_data = NULL;
}

static void
waiter_role_describe(const struct conn *c, char *buf, size_t len)
{
	const struct relay_waiter *w = c->role_data;

	snprintf(buf, len, "listener waiting for relay %s",
	    w->r != NULL ? w->r->conf.local_mount : "-");
}

static const struct conn_role waiter_role = {
	.name = "waiting for relay",
	.detach = waiter_role_detach,
	.free = waiter_role_free,
	.describe = waiter_role_describe,
};

static void
waiter_refuse(struct conn *c, void *arg)
{
	(void)arg;
	resp_plain_error(c, 503, "The relay's upstream is not available; try again later");
}

/* Everyone waiting: routed again (the relay is live) or refused. */
static void
relay_release_waiters(struct relay *r, int live)
{
	struct relay_waiter *w;

	while ((w = TAILQ_FIRST(&r->waiters)) != NULL) {
		TAILQ_REMOVE(&r->waiters, w, entry);
		if (!live)
			log_info("listener %s on %s: relay upstream unavailable (503)", w->c->ip,
			    r->conf.local_mount);
		conn_resume(w->c, live ? w->again : waiter_refuse, NULL);
		free(w);
	}
}

/* ---- the upstream connection ---- */

/* source_kill (admin killsource): this connection ends; the relay goes
 * idle, or reconnects after retry-delay if it is not on-demand. */
static void
relay_killed(void *arg)
{
	relay_idle(arg, "killed by an admin");
}

/* The local mount has (or gets) its source. */
static int
relay_attach(struct relay *r, const struct http_request *req)
{
	const struct config_upstream *u = &r->conf.ups[r->up];
	struct mount *m;

	if (r->src != NULL) {
		if (source_resume(r->src, req, u->server) == 0)
			return 0;
		log_info("relay %s: the upstream's format changed: its listeners start over",
		    r->conf.local_mount);
		source_close(r->src);
		r->src = NULL;
	}
	m = mount_get(r->conf.local_mount);
	if (m->source != NULL) {
		mount_release(m);
		r->abort_why = xstrdup("a source client is feeding the local mount");
		return -1;
	}
	r->src = source_open(m, req, u->server, relay_killed, r);
	return 0;
}

/* The upstream's answer: a 200 with a stream head makes the relay live. */
static int
relay_head(void *arg, long status, const char *headers)
{
	struct relay *r = arg;
	struct http_request req;
	const char *eol = strstr(headers, "\r\n"), *ct;
	char *head;
	size_t used;
	int rc = -1;

	if (status != 200) {
		r->abort_why = xasprintf("the upstream answered %ld", status);
		return -1;
	}
	if (eol == NULL || strlen(headers) > RELAY_HEAD_MAX) {
		r->abort_why = xstrdup("the upstream's response head is unreadable");
		return -1;
	}
	/* Its head read as a source's would be: the same ice-/icy- names. */
	head = xasprintf("SOURCE %s HTTP/1.0\r\n%s\r\n", r->conf.local_mount, eol + 2);
	http_request_init(&req);
	if (http_request_feed(&req, head, strlen(head), &used) != PARSE_OK)
		r->abort_why = xasprintf("the upstream's response head is unreadable (%s)",
		    req.error != NULL ? req.error : "incomplete");
	else if (!router_source_type_ok(ct = http_header_get(&req, "Content-Type")))
		r->abort_why = xstrdup("the upstream's Content-Type is not audio or video");
	else if (relay_attach(r, &req) == 0)
		rc = 0;
	http_request_free(&req);
	free(head);
	if (rc < 0)
		return -1;
	r->state = R_LIVE;
	r->retries = 0;
	r->hold_until = 0;
	r->idle_since = 0;
	r->connections++;
	relay_set_error(r, NULL);
	log_info("relay %s: live from %s", r->conf.local_mount, r->url);
	relay_release_waiters(r, 1);
	return 0;
}

static int
relay_data(void *arg, const uint8_t *p, size_t len)
{
	struct relay *r = arg;

	if (r->src == NULL)
		return -1;
	source_push(r->src, p, len);
	r->bytes += len;
	return 0;
}

static void
relay_done(void *arg, const char *error)
{
	struct relay *r = arg;
	char *why = r->abort_why;

	r->abort_why = NULL;
	r->call = NULL;
	relay_lost(r, why != NULL ? why : error != NULL ? error :
	    "the upstream ended the stream");
	free(why);
}

static const struct http_stream_ops relay_ops = {
	.head = relay_head,
	.data = relay_data,
	.done = relay_done,
};

static void
relay_connect(struct relay *r)
{
	const struct config_upstream *u = &r->conf.ups[r->up];
	const char *headers[] = { "Icy-MetaData: 1", NULL };
	struct http_stream_req req;
	char *userpwd = NULL;

	free(r->url);
	r->url = upstream_url(u);
	if (u->password != NULL)
		userpwd = xasprintf("%s:%s", u->username != NULL ? u->username : "relay",
		    u->password);
	memset(&req, 0, sizeof req);
	req.url = r->url;
	req.userpwd = userpwd;
	req.headers = r->conf.icy_metadata ? headers : NULL;
	req.bind = u->bind;
	req.cafile = r->conf.ca_file;
	req.verify = r->conf.tls_verify;
	req.connect_timeout_ms = u->timeout * 1000;
	req.stall_s = srv.config->source_timeout;
	r->state = R_CONNECTING;
	/* Connect, then a head within source-timeout: else it has failed. */
	r->deadline = time_mono_ns() + (uint64_t)(u->timeout + srv.config->source_timeout) * NS;
	log_debug("relay %s: connecting to %s", r->conf.local_mount, r->url);
	r->call = http_stream(&req, &relay_ops, r);
	free(userpwd);
	if (r->call == NULL)
		relay_lost(r, "the HTTP client could not start");
}

/* Stop talking to the upstream (the call, never its callbacks). */
static void
relay_hang_up(struct relay *r)
{
	if (r->call != NULL) {
		http_call_cancel(r->call);
		r->call = NULL;
	}
	free(r->abort_why);
	r->abort_why = NULL;
}

/* The held source goes: listeners to the fallback, or goodbye. */
static void
relay_drop_source(struct relay *r)
{
	if (r->src != NULL) {
		source_close(r->src);
		r->src = NULL;
	}
	r->hold_until = 0;
}

/* Does the local mount have a live fallback its listeners can go to? */
static int
relay_has_fallback(const struct relay *r)
{
	struct mount *m = mount_find(r->conf.local_mount);
	const char *fb = m != NULL ? mount_fallback(m) : NULL;
	struct mount *to;
	int live = 0;

	if (fb != NULL && (to = mount_resolve(fb)) != NULL) {
		live = to != m;
		mount_release(to);
	}
	if (m != NULL)
		mount_release(m);
	return live;
}

/* The upstream is gone (or never came): hold, then retry. */
static void
relay_lost(struct relay *r, const char *why)
{
	const char *was = state_names[r->state];
	long delay;

	relay_set_error(r, why);
	r->retries++;
	/* The next upstream at once; after the last, wait and start over. */
	if (r->up + 1 < r->conf.nups) {
		log_warn("relay %s: %s: %s; trying the next upstream", r->conf.local_mount,
		    r->url, r->error);
		r->up++;
		if (r->src != NULL && r->hold_until == 0)
			r->hold_until = time_mono_ns() + (uint64_t)r->conf.hold * NS;
		relay_connect(r);
		return;
	}
	r->up = 0;
	delay = r->retries >= 6 ? r->conf.retry_delay :
	    FLOE_MIN(1L << (r->retries - 1), r->conf.retry_delay);
	r->state = R_RETRYING;
	r->deadline = time_mono_ns() + (uint64_t)delay * NS;
	log_warn("relay %s: %s: %s (was %s); retry %u in %lds", r->conf.local_mount,
	    r->url, r->error, was, r->retries, delay);
	relay_release_waiters(r, 0);
	if (r->src != NULL && r->hold_until == 0) {
		if (r->conf.hold == 0 || relay_has_fallback(r))
			relay_drop_source(r);
		else {
			r->hold_until = time_mono_ns() + (uint64_t)r->conf.hold * NS;
			log_info("relay %s: holding its listeners up to %lds for the upstream",
			    r->conf.local_mount, r->conf.hold);
		}
	}
}

/* Close the upstream and let go of the mount (on-demand with nobody
 * listening, admin killsource). A relay that is not on-demand retries. */
static void
relay_idle(struct relay *r, const char *why)
{
	relay_hang_up(r);
	relay_drop_source(r);
	r->idle_since = 0;
	if (r->conf.on_demand) {
		log_info("relay %s: upstream closed (%s)", r->conf.local_mount, why);
		r->state = R_IDLE;
		return;
	}
	r->state = R_RETRYING;
	r->deadline = time_mono_ns() + (uint64_t)r->conf.retry_delay * NS;
	log_info("relay %s: upstream closed (%s); reconnecting in %lds", r->conf.local_mount,
	    why, r->conf.retry_delay);
}

/* Once a second: the deadlines. */
static void
relay_tick(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;
	uint64_t now = time_mono_ns();
	struct mount *m;
	unsigned n;
	char why[64];

	(void)fd;
	(void)what;
	if (r->hold_until != 0 && now >= r->hold_until && r->state != R_LIVE) {
		log_warn("relay %s: the upstream did not come back within %lds: its listeners go",
		    r->conf.local_mount, r->conf.hold);
		relay_drop_source(r);
	}
	switch (r->state) {
	case R_CONNECTING:
		if (now >= r->deadline) {
			relay_hang_up(r);
			relay_lost(r, "no stream within the connect and source timeouts");
		}
		break;
	case R_RETRYING:
		if (now < r->deadline)
			break;
		/* On-demand: only for someone (listening, held, or waiting). */
		if (r->conf.on_demand && r->src == NULL && TAILQ_EMPTY(&r->waiters))
			r->state = R_IDLE;
		else
			relay_connect(r);
		break;
	case R_LIVE:
		if (!r->conf.on_demand || r->src == NULL)
			break;
		m = mount_find(r->conf.local_mount);
		n = m != NULL ? STAT_GET(m->nlisteners) : 0;
		if (m != NULL)
			mount_release(m);
		if (n > 0)
			r->idle_since = 0;
		else if (r->idle_since == 0)
			r->idle_since = now;
		else if (now - r->idle_since >= (uint64_t)r->conf.idle * NS) {
			snprintf(why, sizeof why, "no listener for %lds", r->conf.idle);
			relay_idle(r, why);
		}
		break;
	case R_IDLE:
		break;
	}
}

/* ---- the set of relays ---- */

static struct relay *
relay_find(const char *mount)
{
	struct relay *r;

	TAILQ_FOREACH(r, &relays, entry)
		if (strcmp(r->conf.local_mount, mount) == 0)
			return r;
	return NULL;
}

static struct relay *
relay_add(const struct config_relay *conf)
{
	struct relay *r = xcalloc(1, sizeof *r);
	struct timeval sec = { 1, 0 };

	relay_conf_copy(&r->conf, conf);
	TAILQ_INIT(&r->waiters);
	r->url = upstream_url(&r->conf.ups[0]);
	r->tick = event_new(srv.base, -1, EV_PERSIST, relay_tick, r);
	event_add(r->tick, &sec);
	TAILQ_INSERT_TAIL(&relays, r, entry);
	log_info("relay %s: from %s%s%s", r->conf.local_mount, r->url,
	    r->conf.nups > 1 ? " (and other upstreams)" : "",
	    r->conf.on_demand ? ", on demand" : "");
	if (r->conf.on_demand)
		r->state = R_IDLE;
	else
		relay_connect(r);
	relay_adopt_handed(r);
	return r;
}

/* ---- the hand-off (takeover.c) ---- */

/* Why 30 s: slave mode lists the master's mounts within its first poll
 * (update-interval, 120 s by default, but at once at start); a handed-over
 * source whose relay has not appeared by then is not coming back. */
#define HANDED_WAIT_SECONDS 30
/* Why at least 10 s held: the new process's first connection to the
 * upstream, with its retries' first steps, fits; a <hold>0 relay would
 * drop every listener on every upgrade. */
#define HANDED_HOLD_MIN 10

/* Sources of relayed mounts handed over before their relay exists. */
struct handed {
	char		*mount;
	struct source	*src;
	TAILQ_ENTRY(handed) entry;
};
static TAILQ_HEAD(, handed) handed = TAILQ_HEAD_INITIALIZER(handed);
static struct event *handed_timer;

void
relay_save(struct wire *w)
{
	struct relay *r;

	TAILQ_FOREACH(r, &relays, entry)
		if (r->src != NULL) {
			wire_u8(w, 'R');
			wire_str(w, r->conf.local_mount);
			source_save(r->src, w);
		}
}

/* Until a relay takes it: source_kill closes it. */
static void
handed_killed(void *arg)
{
	struct handed *h = arg;

	TAILQ_REMOVE(&handed, h, entry);
	source_close(h->src);
	free(h->mount);
	free(h);
}

/* The relay takes a handed-over source of its mount, if there is one,
 * holding its listeners until the upstream answers. */
static void
relay_adopt_handed(struct relay *r)
{
	struct handed *h;
	long hold = FLOE_MAX(r->conf.hold, (long)HANDED_HOLD_MIN);

	TAILQ_FOREACH(h, &handed, entry)
		if (strcmp(h->mount, r->conf.local_mount) == 0)
			break;
	if (h == NULL || r->src != NULL)
		return;
	TAILQ_REMOVE(&handed, h, entry);
	r->src = h->src;
	source_set_kill(r->src, relay_killed, r);
	r->hold_until = time_mono_ns() + (uint64_t)hold * NS;
	log_info("relay %s: handed over; holding its listeners up to %lds for the upstream",
	    r->conf.local_mount, hold);
	if (r->state == R_IDLE)
		relay_connect(r);
	free(h->mount);
	free(h);
}

/* Nobody took them: their listeners go as when a source leaves. */
static void
handed_expire(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	while (!TAILQ_EMPTY(&handed)) {
		log_warn("relay %s: handed over, but no relay of this config feeds it",
		    TAILQ_FIRST(&handed)->mount);
		handed_killed(TAILQ_FIRST(&handed));
	}
}

void
relay_restore(struct wire *w)
{
	struct timeval tv = { HANDED_WAIT_SECONDS, 0 };
	struct handed *h = xcalloc(1, sizeof *h);
	struct relay *r;

	h->mount = wire_get_str(w);
	if (h->mount == NULL || (h->src = source_restore_fed(w, handed_killed, h)) == NULL) {
		free(h->mount);
		free(h);
		w->err = 1;
		return;
	}
	TAILQ_INSERT_TAIL(&handed, h, entry);
	if ((r = relay_find(h->mount)) != NULL) {
		relay_adopt_handed(r);
		return;
	}
	if (handed_timer == NULL)
		handed_timer = evtimer_new(srv.base, handed_expire, NULL);
	evtimer_add(handed_timer, &tv);
}

static void
relay_remove(struct relay *r)
{
	TAILQ_REMOVE(&relays, r, entry);
	relay_hang_up(r);
	relay_release_waiters(r, 0);
	relay_drop_source(r);
	event_free(r->tick);
	log_info("relay %s: stopped", r->conf.local_mount);
	config_relay_clear(&r->conf);
	free(r->url);
	free(r->error);
	free(r);
}

/* ---- slave mode ---- */

static char *
master_url(const char *path)
{
	const struct config *c = srv.config;
	int v6 = strchr(c->master_server, ':') != NULL;

	return xasprintf("%s://%s%s%s:%d%s", c->master_tls ? "https" : "http", v6 ? "[" : "",
	    c->master_server, v6 ? "]" : "", c->master_server_port, path);
}

/* One relay for a mount the master lists, as icecast2's slaves make them. */
static struct relay *
master_relay_add(const char *mount)
{
	const struct config *c = srv.config;
	struct config_relay conf;
	struct config_upstream up;

	memset(&up, 0, sizeof up);
	up.server = c->master_server;
	up.port = c->master_server_port;
	up.mount = (char *)mount;
	up.username = c->master_username;
	up.password = c->master_password;
	up.tls = c->master_tls;
	up.timeout = 4;
	memset(&conf, 0, sizeof conf);
	conf.local_mount = (char *)mount;
	conf.ups = &up;
	conf.nups = 1;
	conf.icy_metadata = 1;
	conf.on_demand = c->relays_on_demand;
	conf.enable = 1;
	conf.retry_delay = FLOE_MIN(c->master_update_interval, 15L);
	conf.hold = 10;
	conf.idle = 10;
	conf.tls_verify = 1;
	conf.from_master = 1;
	return relay_add(&conf);	/* copies it */
}

/* The master's list: new mounts get a relay, mounts gone lose theirs. */
static void
master_listed(void *arg, const struct http_result *res)
{
	struct relay *r, *next;
	const char *p, *eol;
	char *line, *clean;
	size_t len;

	(void)arg;
	master_call = NULL;
	if (res->error != NULL || res->status != 200) {
		if (res->error != NULL)
			log_warn("master %s: /admin/streamlist.txt: %s (relays kept as they are)",
			    srv.config->master_server, res->error);
		else
			log_warn("master %s: /admin/streamlist.txt answered %ld%s (relays kept as "
			    "they are)", srv.config->master_server, res->status, res->status == 401 ?
			    ": check <master-username> and <master-password> against the master's "
			    "<relay-user> and <relay-password>" : "");
		return;
	}
	TAILQ_FOREACH(r, &relays, entry)
		r->seen = 0;
	for (p = res->body; p != NULL && *p != '\0'; p = eol != NULL ? eol + 1 : NULL) {
		eol = strchr(p, '\n');
		len = eol != NULL ? (size_t)(eol - p) : strlen(p);
		while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == ' '))
			len--;
		if (len == 0)
			continue;
		line = xstrndup(p, len);
		if (!router_mount_name_ok(line) || router_path_reserved(line)) {
			clean = str_sanitize(line, 128);
			log_warn("master %s lists \"%s\", which is no mount name floe takes: skipped",
			    srv.config->master_server, clean);
			free(clean);
		} else if ((r = relay_find(line)) != NULL)
			r->seen = 1;	/* from the file or an earlier list: kept */
		else {
			log_info("master %s: new mount %s", srv.config->master_server, line);
			master_relay_add(line)->seen = 1;
		}
		free(line);
	}
	TAILQ_FOREACH_SAFE(r, &relays, entry, next)
		if (r->conf.from_master && !r->seen) {
			log_info("master %s no longer lists %s: its relay stops",
			    srv.config->master_server, r->conf.local_mount);
			relay_remove(r);
		}
}

static void
master_poll(evutil_socket_t fd, short what, void *arg)
{
	const struct config *c = srv.config;
	struct timeval tv = { c->master_update_interval, 0 };
	char *url, *userpwd;

	(void)fd;
	(void)what;
	(void)arg;
	if (master_call == NULL) {
		url = master_url("/admin/streamlist.txt");
		userpwd = xasprintf("%s:%s", c->master_username,
		    c->master_password != NULL ? c->master_password : "");
		master_call = http_get(url, c->master_password != NULL ? userpwd : NULL,
		    MASTER_LIST_TIMEOUT_MS, master_listed, NULL);
		free(userpwd);
		free(url);
	}
	evtimer_add(master_timer, &tv);
}

/* ---- the module ---- */

void
relay_configure(void)
{
	const struct config *c = srv.config;
	struct relay *r, *next;
	size_t i;

	/* The file's relays: changed or removed ones stop, new ones start.
	 * Slave mode's stay while the master is the same one. */
	TAILQ_FOREACH_SAFE(r, &relays, entry, next) {
		int keep = 0;

		if (r->conf.from_master)	/* the same master, the same way */
			keep = c->master_server != NULL &&
			    strcmp(r->conf.ups[0].server, c->master_server) == 0 &&
			    r->conf.ups[0].port == c->master_server_port &&
			    r->conf.ups[0].tls == c->master_tls &&
			    str_same(r->conf.ups[0].username, c->master_username) &&
			    str_same(r->conf.ups[0].password, c->master_password);
		for (i = 0; !r->conf.from_master && i < c->nrelays; i++)
			if (relay_conf_same(&r->conf, &c->relays[i]))
				keep = 1;
		if (!keep)
			relay_remove(r);
	}
	for (i = 0; i < c->nrelays; i++) {
		r = relay_find(c->relays[i].local_mount);
		if (r != NULL && r->conf.from_master)
			relay_remove(r);	/* the file's word wins */
		else if (r != NULL)
			continue;
		relay_add(&c->relays[i]);
	}
	if (c->master_server != NULL && master_timer == NULL) {
		master_timer = evtimer_new(srv.base, master_poll, NULL);
		log_info("slave mode: relaying every mount %s:%d lists, checked every %lds",
		    c->master_server, c->master_server_port, c->master_update_interval);
		master_poll(-1, 0, NULL);
	} else if (c->master_server == NULL && master_timer != NULL) {
		event_free(master_timer);
		master_timer = NULL;
	}
}

void
relay_stop_all(void)
{
	struct relay *r;

	if (master_timer != NULL) {
		event_free(master_timer);
		master_timer = NULL;
	}
	if (master_call != NULL) {
		http_call_cancel(master_call);
		master_call = NULL;
	}
	while ((r = TAILQ_FIRST(&relays)) != NULL)
		relay_remove(r);
	while (!TAILQ_EMPTY(&handed))
		handed_killed(TAILQ_FIRST(&handed));
	if (handed_timer != NULL)
		event_free(handed_timer);
	handed_timer = NULL;
}

int
relay_on_demand_idle(const char *path)
{
	struct relay *r = relay_find(path);
	struct mount *m;
	int live;

	if (r == NULL || !r->conf.on_demand || r->src != NULL)
		return 0;
	m = mount_find(path);
	live = m != NULL && mount_live(m);
	if (m != NULL)
		mount_release(m);
	return !live;
}

void
relay_demand(struct conn *c, const char *path, void (*again)(struct conn *c, void *arg))
{
	struct relay *r = relay_find(path);
	struct relay_waiter *w;

	w = xcalloc(1, sizeof *w);
	w->c = c;
	w->r = r;
	w->again = again;
	TAILQ_INSERT_TAIL(&r->waiters, w, entry);
	conn_suspend(c, &waiter_role, w);
	if (r->state == R_IDLE || r->state == R_RETRYING) {
		log_info("relay %s: a listener asks: connecting", r->conf.local_mount);
		r->retries = 0;
		relay_connect(r);
	}
}

void
relay_each(void (*fn)(void *arg, const struct relay_status *st), void *arg)
{
	struct relay_status st;
	struct relay *r;

	TAILQ_FOREACH(r, &relays, entry) {
		memset(&st, 0, sizeof st);
		st.mount = r->conf.local_mount;
		st.upstream = r->url;
		st.state = r->hold_until != 0 && r->state != R_LIVE ? "holding" :
		    state_names[r->state];
		st.error = r->error;
		st.retries = r->retries;
		st.connections = r->connections;
		st.on_demand = r->conf.on_demand;
		st.from_master = r->conf.from_master;
		st.bytes = r->bytes;
		fn(arg, &st);
	}
}
