/*
 * metrics.c: /metrics for Prometheus. Names follow its conventions: a
 * floe_ prefix, base units (bytes, seconds), _total on counters; labels
 * escaped as the text format says (a mount name may hold a quote or a
 * backslash). Everything is read from counters floe keeps anyway.
 */
#include "metrics.h"
#include "auth.h"
#include "config.h"
#include "conn.h"
#include "fanout.h"
#include "hls.h"
#include "http_parse.h"
#include "http_resp.h"
#include "log.h"
#include "mount.h"
#include "server.h"
#include "util.h"
#include "worker.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One family's HELP and TYPE lines. */
static void
family(struct sbuf *sb, const char *name, const char *type, const char *help)
{
	sbuf_addf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value as the text format wants it: \\, \" and \n escaped. */
static void
label(struct sbuf *sb, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			sbuf_addf(sb, "\\%c", *v);
		else if (*v == '\n')
			sbuf_adds(sb, "\\n");
		else
			sbuf_add(sb, v, 1);
	}
}

/* name{mount="..."} value, for every live mount. */
static void
per_mount(struct sbuf *sb, const char *name, const char *type, const char *help,
    double (*get)(struct mount *m))
{
	struct mount *m;

	family(sb, name, type, help);
	TAILQ_FOREACH(m, &srv.mounts, entry) {
		if (m->source == NULL)
			continue;
		sbuf_addf(sb, "%s{mount=\"", name);
		label(sb, m->name);
		sbuf_addf(sb, "\"} %.17g\n", get(m));
	}
}

static double
m_listeners(struct mount *m)
{
	return STAT_GET(m->nlisteners) + (m->conf != NULL && m->conf->hls > 0 ? hls_sessions(m) : 0);
}

static double m_peak(struct mount *m) { return STAT_GET(m->peak); }
static double m_in(struct mount *m) { return (double)m->bytes_read; }
static double m_out(struct mount *m) { return (double)fanout_bytes_sent(m); }
static double m_slow(struct mount *m) { return (double)fanout_slow(m); }
static double m_titles(struct mount *m) { return (double)m->title_changes; }
static double m_connected(struct mount *m) { return (double)(time_wall() - m->stream_start); }
static double m_rewind(struct mount *m) { return (double)(m->q.tail_pos - m->q.head_pos); }

static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;		/* the directory's own descriptor */
}

static long
rss_bytes(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
		resident = -1;
	fclose(f);
	return resident < 0 ? -1 : resident * sysconf(_SC_PAGESIZE);
}

static void
metrics_render(struct sbuf *sb)
{
	unsigned i;
	int fds = open_fds();
	long rss = rss_bytes();

	family(sb, "floe_build_info", "gauge", "The running version.");
	sbuf_addf(sb, "floe_build_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
	family(sb, "floe_start_time_seconds", "gauge", "When floe started, seconds since the epoch.");
	sbuf_addf(sb, "floe_start_time_seconds %lld\n", (long long)srv.started);
	family(sb, "floe_listeners", "gauge", "Listeners connected now, every mount.");
	sbuf_addf(sb, "floe_listeners %u\n", STAT_GET(srv.stats.listeners));
	family(sb, "floe_sources", "gauge", "Sources feeding a mount now (relays included).");
	sbuf_addf(sb, "floe_sources %u\n", srv.stats.sources);
	family(sb, "floe_clients", "gauge", "Connections with a request now.");
	sbuf_addf(sb, "floe_clients %u\n", STAT_GET(srv.stats.clients));
	family(sb, "floe_connections_total", "counter", "Connections accepted.");
	sbuf_addf(sb, "floe_connections_total %llu\n", (unsigned long long)srv.stats.connections);
	family(sb, "floe_listener_connections_total", "counter", "Listeners ever served.");
	sbuf_addf(sb, "floe_listener_connections_total %llu\n",
	    (unsigned long long)srv.stats.listener_connections);
	family(sb, "floe_source_connections_total", "counter", "Sources ever connected.");
	sbuf_addf(sb, "floe_source_connections_total %llu\n",
	    (unsigned long long)srv.stats.source_total_connections);
	family(sb, "floe_http_responses_total", "counter", "Requests answered, by status.");
	for (i = 100; i < 600; i++) {
		uint64_t n = STAT_GET(srv.stats.responses[i]);

		if (n > 0)
			sbuf_addf(sb, "floe_http_responses_total{code=\"%u\"} %llu\n", i,
			    (unsigned long long)n);
	}

	per_mount(sb, "floe_mount_listeners", "gauge", "Listeners of the mount now (HLS "
	    "sessions included).", m_listeners);
	per_mount(sb, "floe_mount_listener_peak", "gauge", "Most listeners at once since the "
	    "mount began.", m_peak);
	per_mount(sb, "floe_mount_received_bytes_total", "counter", "Audio bytes from the "
	    "source.", m_in);
	per_mount(sb, "floe_mount_sent_bytes_total", "counter", "Bytes sent to listeners.", m_out);
	per_mount(sb, "floe_mount_slow_listeners_total", "counter", "Listeners dropped or "
	    "resynced for falling behind.", m_slow);
	per_mount(sb, "floe_mount_title_changes_total", "counter", "Metadata updates.", m_titles);
	per_mount(sb, "floe_mount_source_connected_seconds", "gauge", "How long the mount's "
	    "stream has run.", m_connected);
	per_mount(sb, "floe_mount_queue_bytes", "gauge", "Audio the mount holds (queue and "
	    "rewind buffer).", m_rewind);

	family(sb, "floe_worker_listeners", "gauge", "Listeners each event loop serves.");
	for (i = 0; i < srv.nworkers; i++)
		sbuf_addf(sb, "floe_worker_listeners{worker=\"%u\"} %u\n", i,
		    STAT_GET(srv.workers[i]->listeners));
	family(sb, "floe_worker_loop_lag_seconds", "gauge", "How late each event loop last ran "
	    "a timer due every 500 ms.");
	for (i = 0; i < srv.nworkers; i++)
		sbuf_addf(sb, "floe_worker_loop_lag_seconds{worker=\"%u\"} %.6f\n", i,
		    (double)STAT_GET(srv.workers[i]->lag_ns) / 1e9);
	if (fds >= 0) {
		family(sb, "floe_process_open_fds", "gauge", "Open file descriptors.");
		sbuf_addf(sb, "floe_process_open_fds %d\n", fds);
	}
	if (rss >= 0) {
		family(sb, "floe_process_resident_memory_bytes", "gauge", "Resident memory.");
		sbuf_addf(sb, "floe_process_resident_memory_bytes %ld\n", rss);
	}
}

void
metrics_handle(struct conn *c, const struct http_request *r)
{
	const struct config *cf = srv.config;
	char *user = NULL, *pass = NULL;
	struct sbuf sb;
	int ok = 0;

	if (auth_parse_basic(http_header_get(r, "Authorization"), &user, &pass) == 0) {
		ok = auth_admin_ok(cf, user, pass);
		if (!ok && cf->metrics_password != NULL)
			ok = auth_equal(user, cf->metrics_user != NULL ? cf->metrics_user :
			    "metrics") & auth_equal(pass, cf->metrics_password);
	}
	free(user);
	free(pass);
	if (!ok) {
		resp_auth_required(c);
		return;
	}
	sbuf_init(&sb);
	metrics_render(&sb);
	resp_send(c, 200, "text/plain; version=0.0.4; charset=utf-8", sb.data, sb.len);
	sbuf_free(&sb);
}
