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
#include <time.h>
#include <unistd.h>

static FILE	*log_err;		/* NULL: stderr */
static FILE	*log_acc;		/* NULL: stderr */
static char	*log_err_path;
static char	*log_acc_path;
static int	 log_level = LOG_INFO;	/* atomic: read outside the lock by every thread */
static int	 log_starting;
static int	 log_owned;		/* chown created files to log_uid:log_gid */
static uid_t	 log_uid;
static gid_t	 log_gid;
static int	 log_chown_err;		/* why the last chown failed, for log_open */

/* Worker threads log too: one lock keeps each line whole and the files in
 * place while SIGHUP reopens them. Recursive: log_open reports its own
 * failures through log_error. */
static pthread_mutex_t log_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

static const char *level_names[] = { "", "EROR", "WARN", "INFO", "DBUG" };

/* Open one log file in append mode, giving it to the log owner if this
 * creates it; NULL for stderr or on failure. */
static FILE *
log_open_one(const char *path, int *err)
{
	FILE *f;
	int fd;

	*err = 0;
	if (path == NULL || strcmp(path, "-") == 0)
		return NULL;
	/* O_EXCL first: only a file made here is chowned, never one that
	 * was there already. */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd >= 0 && log_owned && fchown(fd, log_uid, log_gid) < 0)
		log_chown_err = errno;
	if (fd < 0 && errno == EEXIST)
		fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0 || (f = fdopen(fd, "a")) == NULL) {
		*err = errno;
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

/* Open both logs. */
int
log_open(const char *errorlog, const char *accesslog, int level)
{
	int err;
	FILE *e, *a;

	pthread_mutex_lock(&log_lock);
	log_chown_err = 0;
	__atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
	e = log_open_one(errorlog, &err);
	if (err != 0) {
		log_error("cannot open error log %s: %s", errorlog, strerror(err));
		pthread_mutex_unlock(&log_lock);
		return -1;
	}
	a = log_open_one(accesslog, &err);
	if (err != 0) {
		if (e != NULL)
			fclose(e);
		log_error("cannot open access log %s: %s", accesslog, strerror(err));
		pthread_mutex_unlock(&log_lock);
		return -1;
	}
	log_close();
	log_err = e;
	log_acc = a;
	log_err_path = xstrdup(errorlog);
	log_acc_path = xstrdup(accesslog);
	if (log_chown_err != 0)
		log_warn("cannot give the new log files to uid %lu: %s; floe may not be able "
		    "to reopen them after it switches user", (unsigned long)log_uid,
		    strerror(log_chown_err));
	log_chown_err = 0;
	pthread_mutex_unlock(&log_lock);
	return 0;
}

/* Reopen both files at their paths (logrotate's copy-and-signal). */
void
log_reopen(void)
{
	char *e, *a;

	pthread_mutex_lock(&log_lock);
	e = xstrdup(log_err_path);
	a = xstrdup(log_acc_path);
	pthread_mutex_unlock(&log_lock);
	if (log_open(e, a, __atomic_load_n(&log_level, __ATOMIC_RELAXED)) == 0)
		log_info("logs reopened");
	free(e);
	free(a);
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
	pthread_mutex_lock(&log_lock);
	if (log_err != NULL)
		fclose(log_err);
	if (log_acc != NULL)
		fclose(log_acc);
	log_err = log_acc = NULL;
	free(log_err_path);
	free(log_acc_path);
	log_err_path = log_acc_path = NULL;
	pthread_mutex_unlock(&log_lock);
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
	f = log_err != NULL ? log_err : stderr;
	fprintf(f, "[%s] %s ", when, level_names[level]);
	log_escaped(f, text != NULL ? text : fmt);
	fputc('\n', f);
	fflush(f);
	if (log_starting && level == LOG_ERROR && f != stderr) {
		fputs("floe: ", stderr);
		log_escaped(stderr, text != NULL ? text : fmt);
		fputc('\n', stderr);
	}
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
	f = log_acc != NULL ? log_acc : stderr;
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
	pthread_mutex_unlock(&log_lock);
}
