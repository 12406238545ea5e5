/*
 * log.h: floe-source's log: one timestamped, levelled line per event on
 * standard error (or a file), control characters escaped.
 */
#ifndef FSRC_LOG_H
#define FSRC_LOG_H

enum log_level { LOG_ERROR = 1, LOG_WARN = 2, LOG_INFO = 3, LOG_DEBUG = 4 };

/** Log to path ("-" or NULL: standard error) at most at level. -1 if it cannot open. */
int log_open(const char *path, int level);
void log_set_level(int level);
int log_get_level(void);
/** Reopen the log file (after logrotate moved it). */
void log_reopen(void);

/** Write one log line. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
