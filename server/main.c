/*
 * main.c: floe's entry point: arguments, configuration (its warnings held
 * until the error log is open), logs, descriptor limit, signals, then
 * chroot and the switch of user before the worker threads start, the event
 * loop, and an ordered shutdown.
 */
#include "config.h"
#include "access.h"
#include "conn.h"
#include "fanout.h"
#include "listen.h"
#include "log.h"
#include "mount.h"
#include "mount_auth.h"
#include "privs.h"
#include "router.h"
#include "server.h"
#include "tls.h"
#include "util.h"
#include "worker.h"
#include "filesrc.h"
#include "relay.h"
#include "edges.h"
#include "hls.h"
#include "rewind.h"
#include "notify.h"
#include "intro.h"
#include "xslt.h"
#include "yp.h"
#include "http_client.h"
#include "takeover.h"

#include <event2/event.h>
#include <event2/thread.h>

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
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
"       floe --takeover -c FILE    take over from the floe running with FILE\n"
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
"      --takeover       take every listening socket, source and listener over\n"
"                       from the floe running with this config (an upgrade or a\n"
"                       restart with no listener dropped): it hands them over\n"
"                       through <paths><takeover-socket> and exits; if this\n"
"                       process fails first, the running one serves on\n"
"  -f, --foreground     accepted for compatibility (floe never daemonizes)\n"
"  -v, --version        print the version\n"
"  -h, --help           this text\n"
"\n"
"Signals: SIGHUP reloads the config, re-reads TLS certificates (a renewal needs\n"
"no restart) and reopens the logs without dropping any source or listener;\n"
"SIGTERM or SIGINT shut down cleanly; SIGUSR2 starts floe's binary (a new one\n"
"after an upgrade) with --takeover, which takes over with no listener dropped.\n"
"\n"
"Relative paths in the config (logdir, webroot, pidfile) are taken from the\n"
"directory the config file is in. Logs: <logging><errorlog>, <accesslog> and\n"
"<playlistlog> in <logdir>, or at an absolute path as written; \"-\" or\n"
"/dev/stderr logs to standard error (for a process supervisor). <logsize> (KiB)\n"
"rotates a log to NAME.old (NAME.YYYYMMDD_HHMMSS with <logarchive>1). Warnings\n"
"go to the error log as well as to standard error.\n"
"\n"
"Relays: <relay> pulls one mount of another server (floe, icecast2, icecast-kh),\n"
"<master-server> relays every mount a master lists; a full server sends new\n"
"listeners (302) to its <edges>. To serve more listeners than one process's\n"
"descriptor limit, run edge processes relaying a master, sharing one port\n"
"with <so-reuseport>1 (README, \"Master and edges\"). Relay state is in\n"
"/admin/stats.\n"
"\n"
"Started as root, floe opens its sockets, logs and pid file, then switches to\n"
"<security><changeowner>'s user and group (after chrooting to <basedir> if\n"
"<chroot>1); without <changeowner> it runs as root, with a warning.\n";

/*
 * Problems found while loading a config (or checking what floe would do
 * with it): counted, printed to stderr, and put in the error log too: at
 * once when it is open (reload), else held until it is (startup).
 */
struct reports {
	int	 errors;
	int	 live;			/* the error log is open */
	char	**held;			/* "file:line: text", each with its level */
	int	*held_error;
	size_t	 nheld;
};

static char *config_dir;	/* relative paths are taken from here (outside any chroot) */
static char *reload_path;	/* the config as SIGHUP reaches it; NULL: it cannot */
static char *pidfile_path;	/* the pid file written, to remove at exit; NULL: none */
static char *self_exe;		/* floe's binary, for SIGUSR2's takeover */

/* Print a config problem as file:line: severity: text, and log it. */
static void
report(void *arg, const char *file, int line, enum config_severity sev, const char *msg)
{
	struct reports *r = arg;
	const char *what = sev == CONFIG_ERROR ? "error" : "warning";
	char *text;

	if (sev == CONFIG_ERROR)
		r->errors++;
	if (line > 0)
		text = xasprintf("%s:%d: %s", file, line, msg);
	else
		text = xasprintf("%s: %s", file, msg);
	if (line > 0)
		fprintf(stderr, "%s:%d: %s: %s\n", file, line, what, msg);
	else
		fprintf(stderr, "%s: %s: %s\n", file, what, msg);
	if (r->live) {
		log_msg(sev == CONFIG_ERROR ? LOG_ERROR : LOG_WARN, "%s", text);
		free(text);
		return;
	}
	r->held = xreallocarray(r->held, r->nheld + 1, sizeof *r->held);
	r->held_error = xreallocarray(r->held_error, r->nheld + 1, sizeof *r->held_error);
	r->held[r->nheld] = text;
	r->held_error[r->nheld++] = sev == CONFIG_ERROR;
}

/* A report with a printf format. */
static void __attribute__((format(printf, 5, 6)))
reportf(struct reports *r, const char *file, int line, enum config_severity sev,
    const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	report(r, file, line, sev, msg);
}

/* The error log is open (log != 0): write what was held, and log later
 * reports at once. Else only forget what was held. */
static void
reports_flush(struct reports *r, int log)
{
	size_t i;

	for (i = 0; i < r->nheld; i++) {
		if (log)
			log_msg(r->held_error[i] ? LOG_ERROR : LOG_WARN, "%s", r->held[i]);
		free(r->held[i]);
	}
	free(r->held);
	free(r->held_error);
	r->held = NULL;
	r->held_error = NULL;
	r->nheld = 0;
	r->live = log;
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

/* Does path, or the directory it would be made in, exist? */
static int
path_usable(const char *path)
{
	struct stat st;
	char *copy;
	int ok;

	if (stat(path, &st) == 0)
		return 1;
	copy = xstrdup(path);
	ok = stat(dirname(copy), &st) == 0 && S_ISDIR(st.st_mode);
	free(copy);
	return ok;
}

/*
 * Under <chroot>, one path floe uses. Written under basedir, it is kept
 * until the chroot, then becomes the part below basedir. Written
 * otherwise, it is read as icecast2 reads it, from inside the new root
 * (<logdir>/log</logdir> is basedir/log), if it is there: before the
 * chroot it becomes basedir/log. Else, if floe needs it at run time, it
 * could not reach it: an error. A path read only at startup (pid file, TLS
 * files) may lie anywhere.
 */
static void
chroot_path(struct config *c, struct reports *r, const char *root, int chrooted,
    char **field, const char *element, int runtime)
{
	char *inside, *outside, *q, *qr;
	size_t n = strlen(root);

	if (*field == NULL || strcmp(*field, "-") == 0)
		return;
	if ((inside = privs_inside(root, *field)) != NULL) {
		if (chrooted) {
			free(*field);
			*field = inside;
		} else
			free(inside);
		return;
	}
	if (chrooted) {
		if (path_usable(*field))
			return;		/* a path inside, as icecast2 reads it */
	} else {
		if (!runtime && path_usable(*field))
			return;		/* read before the chroot, where it is */
		while (n > 0 && root[n - 1] == '/')
			n--;
		outside = xasprintf("%.*s%s", (int)n, root, *field);
		inside = privs_inside(root, outside);	/* no ".." climbing out */
		if (inside != NULL && path_usable(outside)) {
			free(inside);
			free(*field);
			*field = outside;
			return;
		}
		free(inside);
		free(outside);
	}
	if (!runtime)
		return;
	q = str_sanitize(*field, 256);
	qr = str_sanitize(root, 256);
	reportf(r, c->path, c->chroot_line, CONFIG_ERROR, "<security><chroot>1: %s %s is "
	    "neither under <paths><basedir> %s nor found inside it (where icecast2 "
	    "looks under chroot), so floe could not reach it once chrooted; move it "
	    "under basedir or set <chroot>0", element, q, qr);
	free(q);
	free(qr);
}

/* The htpasswd file of an auth role, or NULL. */
static struct config_option *
auth_file(struct config_auth *a)
{
	size_t i;

	if (strcmp(a->type, "htpasswd") != 0)
		return NULL;
	for (i = 0; i < a->noptions; i++)
		if (strcmp(a->options[i].name, "filename") == 0)
			return &a->options[i];
	return NULL;
}

/* Is a log name a file in <logdir> (not stderr, not an absolute path)? */
static int
log_in_logdir(const char *name)
{
	return name != NULL && strcmp(name, "-") != 0 && name[0] != '/';
}

/* Where a log named in the config is: NULL or "-" as they are, an absolute
 * path as written (/dev/stderr, /var/log/x.log), else inside <logdir>. */
static char *
log_file_path(const struct config *c, const char *name)
{
	if (name == NULL)
		return NULL;
	if (!log_in_logdir(name))
		return xstrdup(name);
	return xasprintf("%s/%s", c->logdir != NULL ? c->logdir : ".", name);
}

/*
 * Check (before the chroot) or map (after it) every path floe needs under
 * <chroot>. A new path setting in the config goes through here too.
 */
static void
chroot_paths(struct config *c, struct reports *r, int at_start)
{
	const char *root = privs_root();
	int chrooted = root != NULL, files;
	struct config_option *o;
	size_t i, j;

	if (!chrooted) {
		if (!at_start || !c->chroot || c->basedir == NULL)
			return;
		root = c->basedir;
	}
	files = log_in_logdir(c->errorlog) || log_in_logdir(c->accesslog) ||
	    log_in_logdir(c->playlistlog);
	if (files && c->logdir == NULL)
		reportf(r, c->path, c->chroot_line, CONFIG_ERROR, "<security><chroot>1: "
		    "the logs are files but <paths><logdir> is not set; set it to a "
		    "directory under <basedir>, so that SIGHUP can reopen them");
	if (files)
		chroot_path(c, r, root, chrooted, &c->logdir, "<paths><logdir>", 1);
	chroot_path(c, r, root, chrooted, &c->webroot, "<paths><webroot>", 1);
	chroot_path(c, r, root, chrooted, &c->adminroot, "<paths><adminroot>", 1);
	chroot_path(c, r, root, chrooted, &c->pidfile, "<paths><pidfile>", 0);
	chroot_path(c, r, root, chrooted, &c->rewind_dir, "<paths><rewind-dir>", 1);
	chroot_path(c, r, root, chrooted, &c->ssl_certificate, "<paths><ssl-certificate>", 0);
	chroot_path(c, r, root, chrooted, &c->ssl_private_key, "<paths><ssl-private-key>", 0);
	chroot_path(c, r, root, chrooted, &c->deny_ip, "<paths><deny-ip>", 1);
	chroot_path(c, r, root, chrooted, &c->allow_ip, "<paths><allow-ip>", 1);
	chroot_path(c, r, root, chrooted, &c->deny_agents, "<paths><deny-agents>", 1);
	chroot_path(c, r, root, chrooted, &c->allow_agents, "<paths><allow-agents>", 1);
	/* A relative dump-file is taken from the working directory: basedir. */
	for (i = 0; i < c->nmounts; i++) {
		if (c->mounts[i].dump_file != NULL && c->mounts[i].dump_file[0] == '/')
			chroot_path(c, r, root, chrooted, &c->mounts[i].dump_file,
			    "<mount><dump-file>", 1);
		for (j = 0; j < c->mounts[i].nauth; j++)
			if ((o = auth_file(&c->mounts[i].auth[j])) != NULL)
				chroot_path(c, r, root, chrooted, &o->value,
				    "<authentication> option filename", 1);
	}
}

/* Under <changeowner>: warn of a log file or directory already there that
 * the user could not write, since SIGHUP could not reopen it after the switch. */
static void
check_log_access(struct config *c, struct reports *r)
{
	const char *names[3] = { c->errorlog, c->accesslog, c->playlistlog };
	const char *user = privs_user();
	struct stat st;
	char *path;
	size_t i;

	if (user == NULL || geteuid() != 0)
		return;
	if (c->logdir != NULL && stat(c->logdir, &st) == 0 && !privs_can_write(&st))
		reportf(r, c->path, c->changeowner_line, CONFIG_WARNING, "<security>"
		    "<changeowner>: user %s cannot write to <paths><logdir> %s, so once "
		    "logrotate moves the logs away SIGHUP cannot create new ones; chown "
		    "the directory to %s", user, c->logdir, user);
	for (i = 0; i < FLOE_NELEM(names); i++) {
		if (names[i] == NULL || strcmp(names[i], "-") == 0 ||
		    strcmp(names[i], "/dev/stderr") == 0)
			continue;
		path = log_file_path(c, names[i]);
		if (stat(path, &st) == 0 && !privs_can_write(&st))
			reportf(r, c->path, c->changeowner_line, CONFIG_WARNING, "<security>"
			    "<changeowner>: user %s cannot write to the log %s (floe gives "
			    "only the files it creates to the user), so SIGHUP cannot reopen "
			    "it; chown it to %s", user, path, user);
		free(path);
	}
}

/* Where the config file is inside root (both real paths compared), or NULL. */
static char *
config_inside(const char *root, const char *path)
{
	char *real_root = realpath(root, NULL), *real = realpath(path, NULL), *in = NULL;

	if (real_root != NULL && real != NULL)
		in = privs_inside(real_root, real);
	free(real_root);
	free(real);
	return in;
}

/*
 * Load a config and make its relative paths absolute (and, once chrooted,
 * relative to the new root). At startup (and for --check-config), also
 * check what floe would do with <security>.
 */
static struct config *
load_config(const char *path, struct reports *r, int at_start)
{
	struct config *c;
	struct config_option *o;
	char *copy, *p = NULL;
	size_t i, j;

	r->errors = 0;
	if ((c = config_load(path, report, r)) == NULL)
		return NULL;
	if (config_dir == NULL) {
		copy = xstrdup(path);
		config_dir = realpath(dirname(copy), NULL);
		free(copy);
		if (config_dir == NULL)
			config_dir = xstrdup(".");
	}
#define RESOLVE(field) do { p = resolve(config_dir, c->field); free(c->field); c->field = p; } while (0)
	RESOLVE(basedir);
	RESOLVE(logdir);
	RESOLVE(webroot);
	RESOLVE(adminroot);
	RESOLVE(pidfile);
	RESOLVE(rewind_dir);
	RESOLVE(takeover_socket);
	RESOLVE(ssl_certificate);
	RESOLVE(ssl_private_key);
	RESOLVE(deny_ip);
	RESOLVE(allow_ip);
	RESOLVE(deny_agents);
	RESOLVE(allow_agents);
#undef RESOLVE
	for (i = 0; i < c->nmounts; i++)
		for (j = 0; j < c->mounts[i].nauth; j++)
			if ((o = auth_file(&c->mounts[i].auth[j])) != NULL) {
				p = resolve(config_dir, o->value);
				free(o->value);
				o->value = p;
			}
	p = NULL;	/* each resolved path now belongs to the config */
	if (at_start)
		privs_check(c, report, r);
	chroot_paths(c, r, at_start);
	if (at_start) {
		check_log_access(c, r);
		if (c->chroot && c->basedir != NULL && r->errors == 0 &&
		    (p = config_inside(c->basedir, path)) == NULL)
			reportf(r, c->path, c->chroot_line, CONFIG_WARNING,
			    "<security><chroot>1: this config file is not under "
			    "<paths><basedir> %s, so once chrooted SIGHUP can only "
			    "reopen the logs, not reload the config; move it under "
			    "basedir to reload it", c->basedir);
		else
			free(p);
	}
	if (r->errors > 0) {
		config_free(c);
		return NULL;
	}
	return c;
}

/* Open the logs named by the config. */
static int
open_logs(const struct config *c)
{
	char *e = log_file_path(c, c->errorlog), *a = log_file_path(c, c->accesslog);
	char *p = log_file_path(c, c->playlistlog);
	int rc;

	if (c->logdir != NULL && mkdir(c->logdir, 0755) == 0)
		privs_chown(c->logdir);		/* made here: the user's, as its logs */
	log_set_rotation(c->logsize * 1024, c->logarchive);
	rc = log_open(e, a, p, c->loglevel);
	free(e);
	free(a);
	free(p);
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

/* Connections a descriptor limit leaves room for, with open in use. */
static long
conn_budget(struct rlimit *rl, long open)
{
	long spare;

	if (rl->rlim_cur == RLIM_INFINITY)
		rl->rlim_cur = 1 << 20;
	spare = FLOE_MAX(SPARE_FDS_MIN, FLOE_MIN(SPARE_FDS_MAX, (long)(rl->rlim_cur / 8)));
	return FLOE_MAX(1, (long)rl->rlim_cur - open - spare);
}

/* The warning when that is fewer than <clients>. */
#define FD_LIMIT_WARNING "descriptor limit %llu: room for %s%ld connections, fewer than " \
	"<limits><clients> %ld; raise ulimit -n (LimitNOFILE= in a systemd unit)"

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

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		rl.rlim_cur = RLIM_INFINITY;
	srv.max_clients_fd = conn_budget(&rl, fds_open() - (long)takeover_held_fds());
	if (srv.config->clients > srv.max_clients_fd)
		log_warn(FD_LIMIT_WARNING, (unsigned long long)rl.rlim_cur, "", srv.max_clients_fd,
		    srv.config->clients);
	else
		log_info("descriptor limit %llu: room for %ld connections",
		    (unsigned long long)rl.rlim_cur, srv.max_clients_fd);
}

/*
 * Descriptors a started floe would hold, reckoned without starting it:
 * standard streams, the logs, the listening sockets (two for a wildcard
 * address: IPv4 and IPv6) and FDS_PER_WORKER for each worker's loop (its
 * epoll, its wake-up eventfd and pipe).
 */
#define FDS_PER_WORKER 4
static long
fds_estimate(const struct config *c)
{
	long n = 3 + 2, workers = c->workers > 0 ? c->workers : (long)worker_cpus();
	size_t i;

	for (i = 0; i < c->nlistens; i++)
		n += c->listens[i].bind_address == NULL ? 2 : 1;
	return n + FDS_PER_WORKER * workers;
}

/* --check-config: what floe would warn about once started, where it can
 * be known without starting (the descriptor limit, the pid file). */
static void
check_startup(const struct config *c, struct reports *r)
{
	struct rlimit rl;
	long budget;
	char *copy;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;	/* floe raises it to the hard limit */
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			reportf(r, c->path, 0, CONFIG_WARNING, "cannot raise the descriptor "
			    "limit: %s", strerror(errno));
		budget = conn_budget(&rl, fds_estimate(c));
		if (c->clients > budget)
			reportf(r, c->path, 0, CONFIG_WARNING, FD_LIMIT_WARNING,
			    (unsigned long long)rl.rlim_cur, "about ", budget, c->clients);
	}
	if (c->pidfile != NULL) {
		copy = xstrdup(c->pidfile);
		if (access(c->pidfile, F_OK) == 0 ? access(c->pidfile, W_OK) != 0 :
		    access(dirname(copy), W_OK | X_OK) != 0)
			reportf(r, c->path, 0, CONFIG_WARNING, "cannot write pidfile %s: %s",
			    c->pidfile, strerror(errno));
		free(copy);
	}
}

/* SIGHUP: reload the config and reopen the logs; keep every connection. */
static void
on_sighup(evutil_socket_t sig, short what, void *arg)
{
	struct reports r = { .live = 1 };
	struct config *c, *old = srv.config;
	char err[1024];

	if (reload_path == NULL) {
		log_warn("SIGHUP: %s is outside the chroot, so it cannot be reloaded; "
		    "reopening the logs only", srv.config_path);
		log_reopen();
		return;
	}
	log_info("SIGHUP: reloading %s", srv.config_path);
	notify_systemd("RELOADING=1");
	if ((c = load_config(reload_path, &r, 0)) == NULL) {
		log_error("reload failed: %d error(s) in %s (above); keeping the "
		    "running config", r.errors, srv.config_path);
		log_reopen();
		notify_systemd("READY=1\nSTATUS=reload failed: the running config is kept");
		return;
	}
	srv.config = c;
	xslt_flush();		/* webroot and adminroot may have moved */
	access_configure(c, 0, err, sizeof err);	/* a list it cannot read stays as it was */
	STAT_SET(srv.client_timeout, c->client_timeout);
	mount_config_changed();
	relay_configure();
	edges_configure();
	tls_reload(c);
	if (open_logs(c) < 0)
		log_reopen();
	if (c->workers != old->workers)
		log_warn("<workers> changes take effect at restart");
	if (c->chroot != old->chroot || !str_same(c->user, old->user) ||
	    !str_same(c->group, old->group) || !str_same(c->basedir, old->basedir))
		log_warn("<security> and <paths><basedir> changes take effect at restart");
	log_info("config reloaded (changes to listen-sockets take effect at restart)");
	notify_systemd("READY=1");
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
	notify_systemd("STOPPING=1");
	takeover_close();
	listen_close();
	yp_stop();
	relay_stop_all();	/* relayed mounts lose their sources like any other */
	edges_stop();
	/* This loop's connections first, sources among them, at once: a
	 * source still sending while the worker threads wind down would have
	 * unread data in its socket, and closing that sends a reset instead of
	 * an orderly close. Then the workers close their listeners and stop. */
	conn_close_all(w0);
	rewind_save_all();	/* the sources' last bytes are in, nobody appends now */
	worker_stop();
	conn_reap(w0);
	worker_run_inbox(w0);		/* mounts the workers released */
	event_base_loopexit(srv.base, NULL);
}

/* Where a new process asks for a takeover: <paths><takeover-socket>, else
 * floe-takeover.sock in <logdir> (the one directory floe may always write,
 * under systemd's ProtectSystem too), else beside the config file. */
static char *
takeover_path(const struct config *c)
{
	if (c->takeover_socket != NULL)
		return xstrdup(c->takeover_socket);
	return xasprintf("%s/floe-takeover.sock", c->logdir != NULL ? c->logdir : config_dir);
}

/* SIGUSR2: start floe's binary with --takeover. */
static void
on_sigusr2(evutil_socket_t sig, short what, void *arg)
{
	if (privs_root() != NULL) {
		log_error("SIGUSR2: no takeover under <chroot>1 (floe's binary is outside it)");
		return;
	}
	takeover_spawn(self_exe, srv.config_path);
}

/* Just chrooted: the config's paths and the pid file become paths inside
 * the new root, and the logs are reopened there. */
static int
enter_root(struct reports *r)
{
	const char *root = privs_root();
	char *in, err[1024];

	if (root == NULL)
		return 0;
	chroot_paths(srv.config, r, 0);
	if (r->errors > 0)
		return -1;		/* checked at load; cannot happen */
	if (pidfile_path != NULL) {
		in = privs_inside(root, pidfile_path);
		free(pidfile_path);
		pidfile_path = in;
	}
	if (open_logs(srv.config) < 0)
		return -1;
	if (access_configure(srv.config, 1, err, sizeof err) < 0) {
		log_error("%s", err);
		return -1;
	}
	return 0;
}

/* Write the pid file, if configured, as the user floe will run as. */
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
	privs_chown(path);
	pidfile_path = xstrdup(path);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", required_argument, NULL, 'C' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "takeover", no_argument, NULL, 'T' },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	struct event *ev_hup, *ev_term, *ev_int, *ev_usr2;
	int takeover = 0;
	char *tk_path;
	struct reports rep = { 0 };
	struct config *c;
	unsigned nworkers;
	uid_t uid;
	gid_t gid;
	char err[1024];
	int ch;
	static const struct worker_hooks transport = { conn_reap, conn_close_all };

	while ((ch = getopt_long(argc, argv, "c:bfvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'C':
			if ((c = load_config(optarg, &rep, 1)) == NULL) {
				fprintf(stderr, "%s: %d error(s): floe would not start\n", optarg,
				    rep.errors);
				reports_flush(&rep, 0);
				return 1;
			}
			check_startup(c, &rep);
			if (access_configure(c, 1, err, sizeof err) < 0) {
				fprintf(stderr, "%s\n%s: 1 error(s): floe would not start\n",
				    err, optarg);
				reports_flush(&rep, 0);
				access_shutdown();
				config_free(c);
				return 1;
			}
			access_shutdown();
			config_free(c);
			reports_flush(&rep, 0);
			free(config_dir);
			fprintf(stderr, "%s: OK\n", optarg);
			return 0;
		case 'T':
			takeover = 1;
			break;
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

	/* Absolute: SIGUSR2's new process gets it, and chdir may come between. */
	srv.config_path = realpath(path, NULL);
	if (srv.config_path == NULL)
		srv.config_path = xstrdup(path);
	self_exe = realpath("/proc/self/exe", NULL);
	if ((srv.config = load_config(path, &rep, 1)) == NULL) {
		fprintf(stderr, "%s: %d error(s): not starting\n", path, rep.errors);
		reports_flush(&rep, 0);		/* printed already: only free them */
		free(srv.config_path);
		free(config_dir);
		return 1;
	}
	reload_path = xstrdup(path);
	if (privs_owner(&uid, &gid))
		log_set_owner(uid, gid);
	log_set_starting(1);
	if (open_logs(srv.config) < 0) {
		fprintf(stderr, "floe: cannot open the logs in %s: fix <logdir> or use \"-\"\n",
		    srv.config->logdir ? srv.config->logdir : ".");
		return 1;
	}
	reports_flush(&rep, 1);		/* the config's warnings, into the error log too */
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
	/* The lists, with srv.base there for the timer that re-reads them. */
	if (access_configure(srv.config, 1, err, sizeof err) < 0) {
		log_error("%s", err);
		fprintf(stderr, "%s: 1 error(s): not starting\n", path);
		return 1;
	}
	worker_init(nworkers, srv.base, &transport);
	conn_set_dispatch(router_dispatch);
	conn_set_gate(access_gate);
	fanout_init();
	mount_file_fallback = filesrc_mount;	/* icecast-kh's /fallback-[128].mp3 */
	yp_start();
	log_info("floe %s starting with %s, %u worker%s", PACKAGE_VERSION, path, nworkers,
	    nworkers == 1 ? "" : "s");
	raise_fd_limit();
	tk_path = takeover_path(srv.config);
	if (takeover && srv.config->chroot) {
		log_error("--takeover: not under <security><chroot>1 (the running process's "
		    "takeover socket is inside its root); restart instead");
		return 1;
	}
	if (tls_init(srv.config) < 0 || (takeover && takeover_receive(tk_path) < 0) ||
	    listen_open(srv.config) < 0) {
		if (takeover)
			fprintf(stderr, "floe: the takeover did not happen: the running floe "
			    "serves on (the error log says why)\n");
		return 1;
	}
	set_conn_budget();
	ev_hup = evsignal_new(srv.base, SIGHUP, on_sighup, NULL);
	ev_term = evsignal_new(srv.base, SIGTERM, on_sigterm, NULL);
	ev_int = evsignal_new(srv.base, SIGINT, on_sigterm, NULL);
	ev_usr2 = evsignal_new(srv.base, SIGUSR2, on_sigusr2, NULL);
	event_add(ev_usr2, NULL);
	event_add(ev_hup, NULL);
	event_add(ev_term, NULL);
	event_add(ev_int, NULL);
	write_pidfile(srv.config->pidfile);
	if (srv.config->chroot) {	/* where SIGHUP will find the config, if it can */
		free(reload_path);
		reload_path = config_inside(srv.config->basedir, path);
	}
	/* Everything that needs root is open: now chroot and switch user,
	 * before any worker thread exists, so that every thread runs so. */
	if (privs_chroot(srv.config) < 0 || enter_root(&rep) < 0 || privs_switch_user() < 0)
		return 1;
	if (worker_start() < 0)
		return 1;
	log_set_starting(0);
	if (!takeover_active())
		rewind_load_all();	/* taking over, the buffers come in memory */
	relay_configure();
	edges_configure();
	takeover_finish();
	if (srv.config->chroot)
		log_info("no takeover socket under <chroot>1: an upgrade is a restart");
	else
		takeover_listen(tk_path);
	free(tk_path);
	notify_systemd("READY=1\nSTATUS=serving");	/* Type=notify: listening, workers up */

	event_base_dispatch(srv.base);

	conn_reap(srv.workers[0]);
	hls_shutdown();
	mount_auth_shutdown();
	http_client_shutdown();
	access_shutdown();
	if (pidfile_path != NULL)
		unlink(pidfile_path);
	event_free(ev_hup);
	event_free(ev_term);
	event_free(ev_int);
	event_free(ev_usr2);
	worker_free();
	event_base_free(srv.base);
	tls_free();
	log_info("floe stopped");
	log_close();
	intro_flush();
	xslt_flush();
	config_free(srv.config);
	free(srv.config_path);
	free(reload_path);
	free(pidfile_path);
	free(self_exe);
	free(config_dir);
	return 0;
}
