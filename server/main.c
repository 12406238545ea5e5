/*
 * main.c: floe's entry point: arguments, configuration, logs, descriptor
 * limit, signals, the event loop, and an ordered shutdown.
 */
#include "config.h"
#include "conn.h"
#include "fanout.h"
#include "listen.h"
#include "log.h"
#include "mount.h"
#include "router.h"
#include "server.h"
#include "tls.h"
#include "util.h"
#include "worker.h"

#include <event2/event.h>
#include <event2/thread.h>

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

struct server srv;

/*
 * Descriptors kept free beyond those open once floe has started (logs,
 * listening sockets, each worker's loop and wake-up pipes): for dump
 * files, TLS files, reopening the logs, and the dup() a listener needs
 * while it changes workers. Why an eighth of the limit, between 8 and 64:
 * 64 is ample for a normal server; under a tiny limit (tests, containers)
 * a fixed 64 would leave no room for any client at all.
 */
#define SPARE_FDS_MIN 8
#define SPARE_FDS_MAX 64

static const char usage_text[] =
"Usage: floe -c FILE          run the server with an icecast.xml-style config\n"
"       floe --check-config FILE   check a config, print every problem, exit 1 on errors\n"
"       floe --version | --help\n"
"\n"
"Floe is an Icecast-compatible streaming server. Point your existing source\n"
"clients (ffmpeg, Liquidsoap, butt, ices, ezstream) and players at it as you\n"
"would at icecast2; it reads icecast2's own config format.\n"
"\n"
"Options:\n"
"  -c, --config FILE    config file (icecast.xml format); see icecast-compat.xml\n"
"      --check-config FILE\n"
"                       load FILE, print warnings and errors with line numbers,\n"
"                       exit 0 if it would start (warnings only), 1 otherwise\n"
"  -f, --foreground     accepted for compatibility (floe never daemonizes)\n"
"  -v, --version        print the version\n"
"  -h, --help           this text\n"
"\n"
"Signals: SIGHUP reloads the config and reopens the logs without dropping any\n"
"source or listener; SIGTERM or SIGINT shut down cleanly.\n"
"\n"
"Relative paths in the config (logdir, webroot, pidfile) are taken from the\n"
"directory the config file is in. Logs: <logging><errorlog>/<accesslog> in\n"
"<logdir>; the name \"-\" logs to standard error.\n";

/* Print a config problem as file:line: severity: text. */
static void
report(void *arg, const char *file, int line, enum config_severity sev, const char *msg)
{
	int *errors = arg;

	if (sev == CONFIG_ERROR)
		(*errors)++;
	if (line > 0)
		fprintf(stderr, "%s:%d: %s: %s\n", file, line,
		    sev == CONFIG_ERROR ? "error" : "warning", msg);
	else
		fprintf(stderr, "%s: %s: %s\n", file, sev == CONFIG_ERROR ? "error" : "warning", msg);
}

/* path made absolute against dir (the config file's directory). */
static char *
resolve(const char *dir, const char *path)
{
	if (path == NULL)
		return NULL;
	if (path[0] == '/' || strcmp(path, "-") == 0)
		return xstrdup(path);
	return xasprintf("%s/%s", dir, path);
}

/* Load a config and make its relative paths absolute. */
static struct config *
load_config(const char *path, int *errors)
{
	struct config *c;
	char *copy, *dir, *p;

	*errors = 0;
	if ((c = config_load(path, report, errors)) == NULL)
		return NULL;
	copy = xstrdup(path);
	dir = realpath(dirname(copy), NULL);
	free(copy);
	if (dir == NULL)
		dir = xstrdup(".");
#define RESOLVE(field) do { p = resolve(dir, c->field); free(c->field); c->field = p; } while (0)
	RESOLVE(logdir);
	RESOLVE(webroot);
	RESOLVE(adminroot);
	RESOLVE(pidfile);
	RESOLVE(ssl_certificate);
	RESOLVE(ssl_private_key);
#undef RESOLVE
	free(dir);
	return c;
}

/* Open the logs named by the config. */
static int
open_logs(const struct config *c)
{
	char *e = NULL, *a = NULL;
	int rc;

	if (c->errorlog != NULL && strcmp(c->errorlog, "-") != 0)
		e = xasprintf("%s/%s", c->logdir != NULL ? c->logdir : ".", c->errorlog);
	if (c->accesslog != NULL && strcmp(c->accesslog, "-") != 0)
		a = xasprintf("%s/%s", c->logdir != NULL ? c->logdir : ".", c->accesslog);
	if (c->logdir != NULL)
		mkdir(c->logdir, 0755);
	rc = log_open(e, a, c->loglevel);
	free(e);
	free(a);
	return rc;
}

/* Raise the descriptor limit to the hard limit. */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		log_warn("cannot raise the descriptor limit: %s", strerror(errno));
}

/* Descriptors open now. */
static long
fds_open(void)
{
	struct dirent *de;
	long n = 0;
	DIR *d;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return 3 + 2 * (long)srv.nworkers + 8;	/* a guess without /proc */
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;		/* the directory's own */
}

/*
 * The connection budget (conn.c refuses past it, before allocating
 * anything): the descriptor limit, less what floe holds once started, less
 * a spare. Without it, accept() and the hand-off's dup() fail at random
 * under load instead of new connections being refused cleanly.
 */
static void
set_conn_budget(void)
{
	struct rlimit rl;
	long spare, open = fds_open();

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		rl.rlim_cur = 1 << 20;
	spare = FLOE_MAX(SPARE_FDS_MIN, FLOE_MIN(SPARE_FDS_MAX, (long)(rl.rlim_cur / 8)));
	srv.max_clients_fd = FLOE_MAX(1, (long)rl.rlim_cur - open - spare);
	log_info("descriptor limit %llu: room for %ld connections%s",
	    (unsigned long long)rl.rlim_cur, srv.max_clients_fd,
	    srv.config->clients > srv.max_clients_fd ? " (less than <clients>: raise ulimit -n)" : "");
}

/* SIGHUP: reload the config and reopen the logs; keep every connection. */
static void
on_sighup(evutil_socket_t sig, short what, void *arg)
{
	struct config *c, *old = srv.config;
	int errors;

	log_info("SIGHUP: reloading %s", srv.config_path);
	if ((c = load_config(srv.config_path, &errors)) == NULL) {
		log_error("reload failed: %d error(s) in %s (printed to stderr); keeping the "
		    "running config", errors, srv.config_path);
		log_reopen();
		return;
	}
	srv.config = c;
	STAT_SET(srv.client_timeout, c->client_timeout);
	mount_config_changed();
	if (open_logs(c) < 0)
		log_reopen();
	if (c->workers != old->workers)
		log_warn("<workers> changes take effect at restart");
	log_info("config reloaded (changes to listen-sockets take effect at restart)");
	config_free(old);
}

/* SIGTERM/SIGINT: stop accepting, close everyone, leave the loop. */
static void
on_sigterm(evutil_socket_t sig, short what, void *arg)
{
	struct worker *w0 = srv.workers[0];

	if (srv.shutting_down)
		return;
	srv.shutting_down = 1;
	log_info("signal %d: shutting down", (int)sig);
	listen_close();
	/* This loop's connections first, sources among them, at once: a
	 * source still sending while the worker threads wind down would have
	 * unread data in its socket, and closing that sends a reset instead of
	 * an orderly close. Then the workers close their listeners and stop. */
	conn_close_all(w0);
	worker_stop();
	conn_reap(w0);
	worker_run_inbox(w0);		/* mounts the workers released */
	event_base_loopexit(srv.base, NULL);
}

/* Write the pid file, if configured. */
static void
write_pidfile(const char *path)
{
	FILE *f;

	if (path == NULL)
		return;
	if ((f = fopen(path, "w")) == NULL) {
		log_warn("cannot write pidfile %s: %s", path, strerror(errno));
		return;
	}
	fprintf(f, "%ld\n", (long)getpid());
	fclose(f);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", required_argument, NULL, 'C' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	struct event *ev_hup, *ev_term, *ev_int;
	unsigned nworkers;
	int ch, errors;
	static const struct worker_hooks transport = { conn_reap, conn_close_all };

	while ((ch = getopt_long(argc, argv, "c:bfvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'C':
			if (load_config(optarg, &errors) == NULL) {
				fprintf(stderr, "%s: %d error(s): floe would not start\n", optarg, errors);
				return 1;
			}
			fprintf(stderr, "%s: OK\n", optarg);
			return 0;
		case 'b':
		case 'f':
			break;
		case 'v':
			printf("floe %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fputs(usage_text, stderr);
			return 2;
		}
	}
	if (path == NULL || optind != argc) {
		fputs(usage_text, stderr);
		return 2;
	}

	srv.config_path = xstrdup(path);
	if ((srv.config = load_config(path, &errors)) == NULL) {
		fprintf(stderr, "%s: %d error(s): not starting\n", path, errors);
		return 1;
	}
	log_set_starting(1);
	if (open_logs(srv.config) < 0) {
		fprintf(stderr, "floe: cannot open the logs in %s: fix <logdir> or use \"-\"\n",
		    srv.config->logdir ? srv.config->logdir : ".");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	srv.started = time_wall();
	srv.client_timeout = srv.config->client_timeout;
	TAILQ_INIT(&srv.mounts);
	nworkers = srv.config->workers > 0 ? (unsigned)srv.config->workers : worker_cpus();
	/* Loops shared between threads need libevent's locks; one loop alone
	 * runs without them. */
	if (nworkers > 1 && evthread_use_pthreads() < 0) {
		log_error("libevent has no thread support: running one worker");
		nworkers = 1;
	}
	if ((srv.base = event_base_new()) == NULL) {
		log_error("cannot create the event loop");
		return 1;
	}
	worker_init(nworkers, srv.base, &transport);
	conn_set_dispatch(router_dispatch);
	fanout_init();
	log_info("floe %s starting with %s, %u worker%s", PACKAGE_VERSION, path, nworkers,
	    nworkers == 1 ? "" : "s");
	raise_fd_limit();
	if (tls_init(srv.config) < 0 || listen_open(srv.config) < 0)
		return 1;
	if (worker_start() < 0)
		return 1;
	set_conn_budget();
	ev_hup = evsignal_new(srv.base, SIGHUP, on_sighup, NULL);
	ev_term = evsignal_new(srv.base, SIGTERM, on_sigterm, NULL);
	ev_int = evsignal_new(srv.base, SIGINT, on_sigterm, NULL);
	event_add(ev_hup, NULL);
	event_add(ev_term, NULL);
	event_add(ev_int, NULL);
	write_pidfile(srv.config->pidfile);
	log_set_starting(0);

	event_base_dispatch(srv.base);

	conn_reap(srv.workers[0]);
	if (srv.config->pidfile != NULL)
		unlink(srv.config->pidfile);
	event_free(ev_hup);
	event_free(ev_term);
	event_free(ev_int);
	worker_free();
	event_base_free(srv.base);
	tls_free();
	log_info("floe stopped");
	log_close();
	config_free(srv.config);
	free(srv.config_path);
	return 0;
}
