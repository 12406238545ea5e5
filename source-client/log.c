/*
 * log.c: timestamped, levelled log lines. Titles and file names come from
 * untrusted tags, so control characters are escaped before they reach a
 * terminal or a log file.
 */
#include "log.h"
#include "../server/util.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Longest log line kept whole; longer messages are cut (tags can be huge). */
#define LOG_LINE_MAX 2048

static FILE *log_fp;
static char *log_path;
/* libavformat's log callback runs on relayed streams' threads (remote.c):
 * a line written there must not meet a SIGHUP's reopen closing the file. */
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static int log_level = LOG_INFO;

/* Open the log destination. */
int
log_open(const char *path, int level)
{
	log_level = level;
	if (path == NULL || strcmp(path, "-") == 0) {
		log_fp = stderr;
		return 0;
	}
	if ((log_fp = fopen(path, "a")) == NULL) {
		log_fp = stderr;
		return -1;
	}
	setvbuf(log_fp, NULL, _IOLBF, 0);
	free(log_path);
	log_path = xstrdup(path);
	return 0;
}

/* Change the verbosity. */
void
log_set_level(int level)
{
	log_level = level;
}

/* Current verbosity. */
int
log_get_level(void)
{
	return log_level;
}

/* Reopen a log file; keep the old one if the new cannot be opened. */
void
log_reopen(void)
{
	FILE *fp;

	if (log_path == NULL || (fp = fopen(log_path, "a")) == NULL)
		return;
	setvbuf(fp, NULL, _IOLBF, 0);
	pthread_mutex_lock(&log_mu);
	if (log_fp != NULL && log_fp != stderr)
		fclose(log_fp);
	log_fp = fp;
	pthread_mutex_unlock(&log_mu);
}

/* Format, escape and write one line. */
void
log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *names[] = { "", "error", "warn", "info", "debug" };
	char text[LOG_LINE_MAX], clean[LOG_LINE_MAX * 4 + 1], stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	size_t i, o = 0;

	if ((int)level > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	for (i = 0; text[i] != '\0'; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(clean + o, sizeof clean - o, "\\x%02x", c);
		else
			clean[o++] = (char)c;
	}
	clean[o] = '\0';
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
	pthread_mutex_lock(&log_mu);
	fprintf(log_fp != NULL ? log_fp : stderr, "%s.%03ld [%s] %s\n", stamp,
	    ts.tv_nsec / 1000000L, names[level], clean);
	fflush(log_fp != NULL ? log_fp : stderr);
	pthread_mutex_unlock(&log_mu);
}
