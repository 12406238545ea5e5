/*
 * log.c: error and access logs. Every string that reaches a log line is
 * escaped here, so a hostile title or user agent cannot forge log lines.
 */
#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * The three logs. A log's file is NULL while it is standard error (its
 * name is "-", "/dev/stderr" or unset); the playlist log is simply off
 * then. `size` counts what is in the file, so that rotation by size needs
 * no stat() per line.
 */
struct logfile {
	FILE	*f;
	char	*path;
	long	 size;
	int	 regular;		/* a plain file: the only kind rotated */
};

enum { LOG_ERR, LOG_ACC, LOG_PLAY, LOG_NFILES };

static struct logfile logs[LOG_NFILES];
static int	 log_level = LOG_INFO;	/* atomic: read outside the lock by every thread */
static int	 log_starting;
static int	 log_owned;		/* chown created files to log_uid:log_gid */
static uid_t	 log_uid;
static gid_t	 log_gid;
static int	 log_chown_err;		/* why the last chown failed, for log_open */
static long	 log_max_size;		/* rotate past this many bytes; 0: never */
static int	 log_archive;		/* rotated files get a timestamp, not ".old" */

/* Worker threads log too: one lock keeps each line whole and the files in
 * place while SIGHUP reopens them. Recursive: log_open reports its own
 * failures through log_error. */
static pthread_mutex_t log_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

static const char *level_names[] = { "", "EROR", "WARN", "INFO", "DBUG" };

/* Is path a name for standard error rather than a file? */
static int
log_is_stderr(const char *path)
{
	return path == NULL || strcmp(path, "-") == 0 || strcmp(path, "/dev/stderr") == 0;
}

/* Open one log file in append mode, giving it to the log owner if this
 * creates it; its FILE is NULL for stderr or on failure (*err says). */
static struct logfile
log_open_one(const char *path, int *err)
{
	struct logfile lf = { NULL, NULL, 0, 0 };
	struct stat st;
	int fd;

	*err = 0;
	if (log_is_stderr(path))
		return lf;
	/* O_EXCL first: only a file made here is chowned, never one that
	 * was there already. */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd >= 0 && log_owned && fchown(fd, log_uid, log_gid) < 0)
		log_chown_err = errno;
	if (fd < 0 && errno == EEXIST)
		fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0 || (lf.f = fdopen(fd, "a")) == NULL) {
		*err = errno;
		if (fd >= 0)
			close(fd);
		return lf;
	}
	setvbuf(lf.f, NULL, _IOLBF, 0);
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		lf.regular = 1;
		lf.size = (long)st.st_size;
	}
	lf.path = xstrdup(path);
	return lf;
}

static void
log_close_one(struct logfile *lf)
{
	if (lf->f != NULL)
		fclose(lf->f);
	free(lf->path);
	memset(lf, 0, sizeof *lf);
}

/* Open the logs; on any failure the old ones stay. */
int
log_open(const char *errorlog, const char *accesslog, const char *playlistlog, int level)
{
	const char *paths[LOG_NFILES] = { errorlog, accesslog, playlistlog };
	const char *what[LOG_NFILES] = { "error log", "access log", "playlist log" };
	struct logfile opened[LOG_NFILES];
	int err, i, j;

	pthread_mutex_lock(&log_lock);
	log_chown_err = 0;
	__atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
	for (i = 0; i < LOG_NFILES; i++) {
		opened[i] = log_open_one(paths[i], &err);
		if (err != 0) {
			for (j = 0; j < i; j++)
				log_close_one(&opened[j]);
			log_error("cannot open %s %s: %s", what[i], paths[i], strerror(err));
			pthread_mutex_unlock(&log_lock);
			return -1;
		}
	}
	log_close();
	for (i = 0; i < LOG_NFILES; i++) {
		logs[i] = opened[i];
		/* "-" is remembered as such, so a reopen keeps it on stderr */
		if (logs[i].path == NULL && paths[i] != NULL)
			logs[i].path = xstrdup(paths[i]);
	}
	if (log_chown_err != 0)
		log_warn("cannot give the new log files to uid %lu: %s; floe may not be able "
		    "to reopen them after it switches user", (unsigned long)log_uid,
		    strerror(log_chown_err));
	log_chown_err = 0;
	pthread_mutex_unlock(&log_lock);
	return 0;
}

/* Reopen the files at their paths (logrotate's copy-and-signal). */
void
log_reopen(void)
{
	char *p[LOG_NFILES];
	int i;

	pthread_mutex_lock(&log_lock);
	for (i = 0; i < LOG_NFILES; i++)
		p[i] = logs[i].path != NULL ? xstrdup(logs[i].path) : NULL;
	pthread_mutex_unlock(&log_lock);
	if (log_open(p[LOG_ERR], p[LOG_ACC], p[LOG_PLAY],
	    __atomic_load_n(&log_level, __ATOMIC_RELAXED)) == 0)
		log_info("logs reopened");
	for (i = 0; i < LOG_NFILES; i++)
		free(p[i]);
}

/* Rotate every log file by size, as icecast2's <logsize> and <logarchive>. */
void
log_set_rotation(long max_bytes, int archive)
{
	pthread_mutex_lock(&log_lock);
	log_max_size = max_bytes;
	log_archive = archive;
	pthread_mutex_unlock(&log_lock);
}

/*
 * Called with the lock held after a line went to lf: past the size limit,
 * the file is renamed (to NAME.old, replacing the last one, or with
 * logarchive to NAME.YYYYMMDD_HHMMSS, as icecast2 names them) and a new
 * one opened. A rename is one metadata operation: no copy, no stall.
 */
static void
log_rotate_maybe(struct logfile *lf)
{
	char stamp[32], *old;
	struct logfile fresh;
	time_t now;
	struct tm tm;
	int err;

	if (log_max_size <= 0 || lf->f == NULL || !lf->regular || lf->size < log_max_size)
		return;
	if (log_archive) {
		now = time(NULL);
		localtime_r(&now, &tm);
		strftime(stamp, sizeof stamp, "%Y%m%d_%H%M%S", &tm);
		old = xasprintf("%s.%s", lf->path, stamp);
		/* icecast2 would replace an archive made in the same second and
		 * lose its lines; a counter keeps them */
		for (int i = 1; access(old, F_OK) == 0 && i < 1000; i++) {
			free(old);
			old = xasprintf("%s.%s.%d", lf->path, stamp, i);
		}
	} else {
		old = xasprintf("%s.old", lf->path);
	}
	if (rename(lf->path, old) != 0) {
		lf->size = 0;		/* try again after as much again */
		free(old);
		return;
	}
	free(old);
	fresh = log_open_one(lf->path, &err);
	if (fresh.f == NULL) {
		lf->size = 0;		/* keep writing to the renamed file */
		return;
	}
	log_close_one(lf);
	*lf = fresh;
}

/* Echo errors to stderr until startup is over. */
void
log_set_starting(int starting)
{
	log_starting = starting;
}

/* Close the files; later lines go to stderr. */
void
log_close(void)
{
	int i;

	pthread_mutex_lock(&log_lock);
	for (i = 0; i < LOG_NFILES; i++)
		log_close_one(&logs[i]);
	pthread_mutex_unlock(&log_lock);
}

/* Give log files created from now on to uid and gid. */
void
log_set_owner(uid_t uid, gid_t gid)
{
	pthread_mutex_lock(&log_lock);
	log_uid = uid;
	log_gid = gid;
	log_owned = 1;
	pthread_mutex_unlock(&log_lock);
}

/* After a line went to lf (lock held): note the file's size, rotate if due. */
static void
log_written(struct logfile *lf)
{
	long pos;

	if (log_max_size <= 0 || lf->f == NULL || !lf->regular)
		return;		/* no rotation: no lseek per line (log_open re-reads the size) */
	if ((pos = ftell(lf->f)) >= 0)
		lf->size = pos;
	log_rotate_maybe(lf);
}

/* Write s to f with control characters shown as \xNN. */
static void
log_escaped(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

/* One levelled error-log line with a local timestamp. */
void
log_msg(enum log_level level, const char *fmt, ...)
{
	FILE *f;
	char when[32], *text;
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;

	if ((int)level > __atomic_load_n(&log_level, __ATOMIC_RELAXED))
		return;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	localtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
	pthread_mutex_lock(&log_lock);
	f = logs[LOG_ERR].f != NULL ? logs[LOG_ERR].f : stderr;
	fprintf(f, "[%s] %s ", when, level_names[level]);
	log_escaped(f, text != NULL ? text : fmt);
	fputc('\n', f);
	fflush(f);
	if (log_starting && level == LOG_ERROR && f != stderr) {
		fputs("floe: ", stderr);
		log_escaped(stderr, text != NULL ? text : fmt);
		fputc('\n', stderr);
	}
	log_written(&logs[LOG_ERR]);
	pthread_mutex_unlock(&log_lock);
	free(text);
}

/* Write a quoted access-log field, escaping quotes and control bytes. */
static void
log_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	if (s == NULL || *s == '\0')
		fputc('-', f);
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* One combined-format access line. */
void
log_access(const char *ip, const char *user, int64_t when, const char *request,
    int status, uint64_t bytes, const char *referer, const char *agent, int64_t seconds)
{
	FILE *f;
	char date[64];
	time_t t = (time_t)when;
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(date, sizeof date, "%d/%b/%Y:%H:%M:%S %z", &tm);
	pthread_mutex_lock(&log_lock);
	f = logs[LOG_ACC].f != NULL ? logs[LOG_ACC].f : stderr;
	fprintf(f, "%s - ", ip);
	log_escaped(f, user != NULL && *user != '\0' ? user : "-");
	fprintf(f, " [%s] ", date);
	log_quoted(f, request);
	fprintf(f, " %d %llu ", status, (unsigned long long)bytes);
	log_quoted(f, referer);
	fputc(' ', f);
	log_quoted(f, agent);
	fprintf(f, " %lld\n", (long long)seconds);
	fflush(f);
	log_written(&logs[LOG_ACC]);
	pthread_mutex_unlock(&log_lock);
}

/* One playlist-log line, as icecast2 writes them: date|mount|listeners|title. */
void
log_playlist(const char *mount, long listeners, const char *title)
{
	char date[64];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;

	localtime_r(&now, &tm);
	strftime(date, sizeof date, "%d/%b/%Y:%H:%M:%S %z", &tm);
	pthread_mutex_lock(&log_lock);
	if ((f = logs[LOG_PLAY].f) != NULL) {
		fprintf(f, "%s|", date);
		log_escaped(f, mount);
		fprintf(f, "|%ld|", listeners);
		log_escaped(f, title != NULL ? title : "");
		fputc('\n', f);
		fflush(f);
		log_written(&logs[LOG_PLAY]);
	}
	pthread_mutex_unlock(&log_lock);
}
