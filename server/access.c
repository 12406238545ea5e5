/*
 * access.c: who may connect at all. The <paths> lists (deny-ip, allow-ip:
 * addresses, CIDRs or glob patterns; deny-agents, allow-agents: user-agent
 * globs, as icecast-kh), re-read on SIGHUP and when a file changes; the
 * client address behind a trusted proxy (<x-forwarded-for>); how many
 * listeners one address has on a mount (<max-listeners-per-ip>); and the
 * growing wait before answering an address that keeps failing source or
 * admin logins. Lists and failures live on the main loop; the per-address
 * counts are also left from workers, so they take a lock.
 */
#include "access.h"
#include "config.h"
#include "conn.h"
#include "http_parse.h"
#include "http_resp.h"
#include "log.h"
#include "server.h"
#include "util.h"

#include <event2/event.h>

#include <errno.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/stat.h>

/* Why 2 s: a changed list takes effect within a couple of seconds without
 * SIGHUP, for four stat() calls per period. */
#define WATCH_SECONDS 2
/* Failed logins: free attempts, then a wait that doubles up to a cap, and
 * forgotten after a quiet spell. Never a lock-out: the right password
 * still works, only later. */
#define FAIL_FREE 3
#define FAIL_FIRST_MS 500
#define FAIL_CAP_MS 8000
#define FAIL_FORGET_SECONDS 600
#define FAIL_TABLE_MAX 4096

/* One list file as last read. */
struct list {
	const char	*what;		/* "deny-ip", ... */
	int		 agents;	/* user-agent patterns, not addresses */
	char		*path;
	struct timespec	 mtime;
	off_t		 size;
	struct cidr	*nets;
	size_t		 nnets;
	char		**globs;
	size_t		 nglobs;
};

static struct list lists[4] = {
	{ .what = "deny-ip" }, { .what = "allow-ip" },
	{ .what = "deny-agents", .agents = 1 }, { .what = "allow-agents", .agents = 1 },
};
enum { DENY_IP, ALLOW_IP, DENY_AGENTS, ALLOW_AGENTS };

static struct cidr *proxies;
static size_t nproxies;
static struct event *watch;

static void
list_clear(struct list *l)
{
	size_t i;

	free(l->nets);
	for (i = 0; i < l->nglobs; i++)
		free(l->globs[i]);
	free(l->globs);
	l->nets = NULL;
	l->globs = NULL;
	l->nnets = l->nglobs = 0;
}

/* Parse a list's text; bad lines are reported (warnings) and skipped. */
void
access_parse_list(struct access_list_view *out, int agents, const char *text,
    const char *file, void (*warn)(const char *file, int line, const char *msg))
{
	const char *p = text, *nl;
	char *line, *t, msg[256];
	struct cidr net;
	size_t len;
	int lineno = 0;

	memset(out, 0, sizeof *out);
	while (*p != '\0') {
		nl = strchr(p, '\n');
		len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		line = xstrndup(p, len);
		p += len + (nl != NULL);
		lineno++;
		if ((t = strchr(line, '#')) != NULL && !agents)
			*t = '\0';
		t = str_trim(line);
		if (*t == '\0' || *t == '#') {
			free(line);
			continue;
		}
		if (agents || strpbrk(t, "*?[") != NULL) {
			out->globs = xrealloc(out->globs, (out->nglobs + 1) * sizeof *out->globs);
			out->globs[out->nglobs++] = xstrdup(t);
		} else if (cidr_parse(t, &net) == 0) {
			out->nets = xrealloc(out->nets, (out->nnets + 1) * sizeof *out->nets);
			out->nets[out->nnets++] = net;
		} else if (warn != NULL) {
			char *q = str_sanitize(t, 64);

			snprintf(msg, sizeof msg, "\"%s\" is not an address, CIDR or pattern; "
			    "line ignored", q);
			free(q);
			warn(file, lineno, msg);
		}
		free(line);
	}
}

static void
warn_line(const char *file, int line, const char *msg)
{
	log_warn("%s:%d: %s", file, line, msg);
}

/* Read l->path into l. 0, or -1 (errno) keeping what l held. */
static int
list_read(struct list *l)
{
	struct access_list_view v;
	struct stat st;
	FILE *fp;
	struct sbuf sb;
	char buf[4096];
	size_t n;

	if (stat(l->path, &st) < 0 || (fp = fopen(l->path, "r")) == NULL)
		return -1;
	sbuf_init(&sb);
	while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
		sbuf_add(&sb, buf, n);
	fclose(fp);
	sbuf_add(&sb, "", 1);
	access_parse_list(&v, l->agents, sb.data, l->path, warn_line);
	sbuf_free(&sb);
	list_clear(l);
	l->nets = v.nets;
	l->nnets = v.nnets;
	l->globs = v.globs;
	l->nglobs = v.nglobs;
	l->mtime = st.st_mtim;
	l->size = st.st_size;
	log_info("%s: %zu entr%s from %s", l->what, l->nnets + l->nglobs,
	    l->nnets + l->nglobs == 1 ? "y" : "ies", l->path);
	return 0;
}

/* Timer: re-read a list whose file changed. */
static void
on_watch(evutil_socket_t fd, short what, void *arg)
{
	struct stat st;
	size_t i;

	(void)fd;
	(void)what;
	(void)arg;
	for (i = 0; i < FLOE_NELEM(lists); i++) {
		if (lists[i].path == NULL)
			continue;
		if (stat(lists[i].path, &st) < 0) {
			if (lists[i].size != -1)
				log_warn("%s %s: %s; keeping the list read before",
				    lists[i].what, lists[i].path, strerror(errno));
			lists[i].size = -1;
			continue;
		}
		if (st.st_mtim.tv_sec != lists[i].mtime.tv_sec ||
		    st.st_mtim.tv_nsec != lists[i].mtime.tv_nsec || st.st_size != lists[i].size)
			if (list_read(&lists[i]) < 0)
				log_warn("%s %s: %s; keeping the list read before",
				    lists[i].what, lists[i].path, strerror(errno));
	}
}

int
access_configure(const struct config *cf, int at_start, char *err, size_t errlen)
{
	const char *paths[4] = { cf->deny_ip, cf->allow_ip, cf->deny_agents, cf->allow_agents };
	const int lines[4] = { cf->deny_ip_line, cf->allow_ip_line, cf->deny_agents_line,
	    cf->allow_agents_line };
	struct timeval tv = { WATCH_SECONDS, 0 };
	struct cidr *np;
	size_t i, any = 0;

	for (i = 0; i < FLOE_NELEM(lists); i++) {
		if (paths[i] == NULL) {
			list_clear(&lists[i]);
			free(lists[i].path);
			lists[i].path = NULL;
			continue;
		}
		any++;
		if (lists[i].path == NULL || strcmp(lists[i].path, paths[i]) != 0 ||
		    !at_start) {
			char *old = lists[i].path;

			lists[i].path = xstrdup(paths[i]);
			if (list_read(&lists[i]) < 0) {
				snprintf(err, errlen, "%s:%d: <paths><%s> %s: %s; %s", cf->path,
				    lines[i], lists[i].what, paths[i], strerror(errno),
				    at_start ? "floe will not start without the list it "
				    "protects the station with" : "keeping the list read before");
				if (at_start) {
					free(old);
					return -1;
				}
				log_warn("%s", err);
				free(lists[i].path);
				lists[i].path = old;
				continue;
			}
			free(old);
		}
	}
	np = cf->nxff > 0 ? xcalloc(cf->nxff, sizeof *np) : NULL;
	for (i = 0; i < cf->nxff; i++)
		cidr_parse(cf->xff[i], &np[i]);	/* config.c checked them */
	free(proxies);
	proxies = np;
	nproxies = cf->nxff;
	if (any > 0 && watch == NULL && srv.base != NULL) {
		watch = event_new(srv.base, -1, EV_PERSIST, on_watch, NULL);
		event_add(watch, &tv);
	}
	return 0;
}

static int
list_has_ip(const struct list *l, const char *ip)
{
	size_t i;

	for (i = 0; i < l->nnets; i++)
		if (cidr_match(&l->nets[i], ip))
			return 1;
	for (i = 0; i < l->nglobs; i++)
		if (fnmatch(l->globs[i], ip, 0) == 0)
			return 1;
	return 0;
}

static int
list_has_agent(const struct list *l, const char *agent)
{
	size_t i;

	for (i = 0; i < l->nglobs; i++)
		if (fnmatch(l->globs[i], agent, FNM_CASEFOLD) == 0)
			return 1;
	return 0;
}

const char *
access_refused(const char *ip, const char *agent)
{
	if (agent == NULL)
		agent = "";
	if (lists[DENY_IP].path != NULL && list_has_ip(&lists[DENY_IP], ip))
		return "deny-ip";
	if (lists[ALLOW_IP].path != NULL && !list_has_ip(&lists[ALLOW_IP], ip))
		return "allow-ip";
	if (lists[DENY_AGENTS].path != NULL && list_has_agent(&lists[DENY_AGENTS], agent))
		return "deny-agents";
	if (lists[ALLOW_AGENTS].path != NULL && !list_has_agent(&lists[ALLOW_AGENTS], agent))
		return "allow-agents";
	return NULL;
}

static int trusted(const char *ip);

int
access_gate(const char *ip)
{
	const char *why;

	if (lists[DENY_IP].path == NULL && lists[ALLOW_IP].path == NULL)
		return 0;
	if (trusted(ip))
		return 0;
	if (lists[DENY_IP].path != NULL && list_has_ip(&lists[DENY_IP], ip))
		why = "deny-ip";
	else if (lists[ALLOW_IP].path != NULL && !list_has_ip(&lists[ALLOW_IP], ip))
		why = "allow-ip";
	else
		return 0;
	log_info("%s refused by <paths><%s>", ip, why);
	return 1;
}

static int
trusted(const char *ip)
{
	size_t i;

	for (i = 0; i < nproxies; i++)
		if (cidr_match(&proxies[i], ip))
			return 1;
	return 0;
}

int
access_forwarded_for(const char *peer, const char *xff, char *out, size_t outlen)
{
	char *copy, *hop, *end;
	struct cidr check;
	int found = 0;

	if (xff == NULL || !trusted(peer))
		return 0;
	copy = xstrdup(xff);
	/* From the right: the nearest hop not one of ours is the client. */
	for (;;) {
		end = strrchr(copy, ',');
		hop = str_trim(end != NULL ? end + 1 : copy);
		if (*hop == '\0' || cidr_parse(hop, &check) < 0 || strchr(hop, '/') != NULL)
			break;		/* garbage: keep the address we know */
		if (!trusted(hop) || end == NULL) {
			snprintf(out, outlen, "%s", hop);
			found = 1;
			break;
		}
		*end = '\0';
	}
	free(copy);
	return found;
}

/* --- listeners per address ------------------------------------------- */

struct ipcount {
	char		*key;		/* mount '\n' ip */
	unsigned	 n;
	struct ipcount	*next;
};

static pthread_mutex_t ip_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ipcount *ipcounts;

int
access_ip_enter(const char *mount, const char *ip, long max)
{
	char *key = xasprintf("%s\n%s", mount, ip);
	struct ipcount *e;
	int ok = 1;

	pthread_mutex_lock(&ip_lock);
	for (e = ipcounts; e != NULL && strcmp(e->key, key) != 0; e = e->next)
		;
	if (e == NULL) {
		e = xcalloc(1, sizeof *e);
		e->key = key;
		key = NULL;
		e->next = ipcounts;
		ipcounts = e;
	}
	if (max >= 0 && e->n >= (unsigned long)max)
		ok = 0;
	else
		e->n++;
	pthread_mutex_unlock(&ip_lock);
	free(key);
	return ok ? 0 : -1;
}

void
access_ip_leave(const char *mount, const char *ip)
{
	char *key = xasprintf("%s\n%s", mount, ip);
	struct ipcount **pe, *e;

	pthread_mutex_lock(&ip_lock);
	for (pe = &ipcounts; (e = *pe) != NULL; pe = &e->next) {
		if (strcmp(e->key, key) != 0)
			continue;
		if (--e->n == 0) {
			*pe = e->next;
			free(e->key);
			free(e);
		}
		break;
	}
	pthread_mutex_unlock(&ip_lock);
	free(key);
}

/* --- failed logins ---------------------------------------------------- */

struct failure {
	char		 ip[INET6_ADDRSTRLEN];
	unsigned	 count;
	int64_t		 last;
	struct failure	*next;
};

static struct failure *failures;
static size_t nfailures;

long
access_login_failed(const char *ip)
{
	int64_t now = (int64_t)(time_mono_ns() / 1000000000u);
	struct failure **pf, *f, *oldest = NULL;
	long delay;
	unsigned k;

	for (pf = &failures; (f = *pf) != NULL;) {
		if (now - f->last > FAIL_FORGET_SECONDS) {
			*pf = f->next;
			free(f);
			nfailures--;
			continue;
		}
		if (strcmp(f->ip, ip) == 0)
			break;
		if (oldest == NULL || f->last < oldest->last)
			oldest = f;
		pf = &f->next;
	}
	if (f == NULL) {
		if (nfailures >= FAIL_TABLE_MAX && oldest != NULL)
			f = oldest;	/* reuse the stalest entry */
		else {
			f = xcalloc(1, sizeof *f);
			f->next = failures;
			failures = f;
			nfailures++;
		}
		snprintf(f->ip, sizeof f->ip, "%s", ip);
		f->count = 0;
	}
	f->count++;
	f->last = now;
	if (f->count <= FAIL_FREE)
		return 0;
	k = f->count - FAIL_FREE - 1;
	delay = k >= 5 ? FAIL_CAP_MS : (long)FAIL_FIRST_MS << k;
	return delay > FAIL_CAP_MS ? FAIL_CAP_MS : delay;
}

void
access_login_ok(const char *ip)
{
	struct failure **pf, *f;

	for (pf = &failures; (f = *pf) != NULL; pf = &f->next)
		if (strcmp(f->ip, ip) == 0) {
			*pf = f->next;
			free(f);
			nfailures--;
			return;
		}
}

/* The 401, delayed: a connection waiting under this role. */
struct delayed {
	struct event	*timer;
	struct conn	*c;
};

static void
delayed_detach(struct conn *c)
{
	struct delayed *d = c->role_data;

	if (d->timer != NULL)
		event_free(d->timer);
	d->timer = NULL;
}

static void
delayed_free(struct conn *c)
{
	free(c->role_data);
	c->role_data = NULL;
}

static const struct conn_role delayed_role = {
	.name = "refused login",
	.detach = delayed_detach,
	.free = delayed_free,
};

static void
answer_401(struct conn *c, void *arg)
{
	(void)arg;
	resp_auth_required(c);
}

static void
on_delay(evutil_socket_t fd, short what, void *arg)
{
	struct delayed *d = arg;

	(void)fd;
	(void)what;
	event_free(d->timer);
	d->timer = NULL;
	conn_resume(d->c, answer_401, NULL);
	free(d);
}

void
access_refuse_login(struct conn *c, long delay_ms)
{
	struct delayed *d;
	struct timeval tv;

	if (delay_ms <= 0) {
		resp_auth_required(c);
		return;
	}
	log_info("%s: %u failed logins in a row: the 401 waits %ld ms", c->ip,
	    access_failures(c->ip), delay_ms);
	d = xcalloc(1, sizeof *d);
	d->c = c;
	d->timer = evtimer_new(srv.base, on_delay, d);
	tv.tv_sec = delay_ms / 1000;
	tv.tv_usec = (delay_ms % 1000) * 1000;
	evtimer_add(d->timer, &tv);
	conn_suspend(c, &delayed_role, d);
}

unsigned
access_failures(const char *ip)
{
	struct failure *f;

	for (f = failures; f != NULL; f = f->next)
		if (strcmp(f->ip, ip) == 0)
			return f->count;
	return 0;
}

void
access_shutdown(void)
{
	struct failure *f;
	struct ipcount *e;
	size_t i;

	for (i = 0; i < FLOE_NELEM(lists); i++) {
		list_clear(&lists[i]);
		free(lists[i].path);
		lists[i].path = NULL;
	}
	free(proxies);
	proxies = NULL;
	nproxies = 0;
	if (watch != NULL)
		event_free(watch);
	watch = NULL;
	while ((f = failures) != NULL) {
		failures = f->next;
		free(f);
	}
	nfailures = 0;
	while ((e = ipcounts) != NULL) {
		ipcounts = e->next;
		free(e->key);
		free(e);
	}
}
